//! `cargo xtask codegen`: generates `crates/model/src/generated/` from Auth0's
//! OpenAPI specs in `../shared/auth0` (override with `AUTH0_SPEC_DIR`).
//!
//! The schemas reachable from the operations listed in [`config`] go to
//! `management.rs` and `teams.rs`; those only the other operations of the
//! specs reach go to `management_more.rs` and `teams_more.rs`. The catalog
//! (`catalog.rs`) describes every operation of both specs, and `dispatch.rs`
//! round-trips any operation's bodies by its catalog name. The specs are never copied into the repository; the generated
//! code is committed, and `--check` verifies it is up to date.

mod catalog;
mod client;
mod config;
mod dispatch;
mod emit;
mod emulator;
mod items;
mod names;
mod npm;
mod schema;
mod schemas;

use anyhow::{Context, Result, bail};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Options of `cargo xtask codegen`.
#[derive(clap::Args)]
pub struct Args {
    /// Regenerate in memory and fail if the committed files differ.
    #[arg(long)]
    pub check: bool,
    /// Directory holding `management-api-oas.json` and `teams-api-oas.json`
    /// [default: ../shared/auth0 next to the repository]
    #[arg(long, env = "AUTH0_SPEC_DIR")]
    pub spec_dir: Option<PathBuf>,
}

/// Generates (or with `--check`, verifies) the model's generated modules.
pub fn run(args: Args) -> Result<()> {
    let root = repo_root();
    let spec_dir = args.spec_dir.unwrap_or_else(|| root.join("../shared/auth0"));
    if !spec_dir.is_dir() {
        bail!("spec directory {} not found (set AUTH0_SPEC_DIR)", spec_dir.display());
    }
    let out_dir = root.join("crates/model/src/generated");
    let files = generate(&spec_dir)?;

    if args.check {
        let mut stale = Vec::new();
        for (name, text) in &files {
            let path = out_dir.join(name);
            if std::fs::read_to_string(&path).ok().as_deref() != Some(text.as_str()) {
                stale.push(path.display().to_string());
            }
        }
        if !stale.is_empty() {
            bail!("generated code is out of date, run `cargo xtask codegen`:\n  {}", stale.join("\n  "));
        }
        eprintln!("codegen: {} files up to date", files.len());
        return Ok(());
    }

    std::fs::create_dir_all(&out_dir)?;
    for (name, text) in &files {
        let path = out_dir.join(name);
        if std::fs::read_to_string(&path).ok().as_deref() != Some(text.as_str()) {
            std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
            eprintln!("codegen: wrote {}", path.display());
        }
    }
    Ok(())
}

fn repo_root() -> PathBuf {
    crate::repo_root()
}

/// Every generated file: (name inside `generated/`, formatted text).
fn generate(spec_dir: &Path) -> Result<Vec<(String, String)>> {
    let modules = [&config::MANAGEMENT, &config::TEAMS];
    let mut files = vec![("mod.rs".to_owned(), rustfmt(&emit::mod_rs(&modules))?)];
    let mut specs = Vec::new();
    for m in modules {
        let path = spec_dir.join(m.spec_file);
        let text = std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
        let spec =
            schema::Spec { root: serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()))? };
        specs.push((m, spec));
    }
    let mut all = Vec::new();
    for (m, spec) in &specs {
        let generated = items::Gen::new(spec, m).run()?;
        for (file, part) in [(m.file.to_owned(), &generated.core), (emit::more_file(m), &generated.more)] {
            let count = |f: fn(&items::Item) -> bool| part.iter().filter(|i| f(i)).count();
            let objects = count(|i| matches!(i, items::Item::Object { .. }));
            let enums = count(|i| matches!(i, items::Item::Enum { .. }));
            eprintln!("codegen: {file}: {objects} objects, {enums} enums, {} aliases", part.len() - objects - enums);
        }
        files.push((m.file.to_owned(), rustfmt(&emit::module(m, &generated.core))?));
        files.push((emit::more_file(m), rustfmt(&emit::module_more(m, &generated.more))?));
        all.push((*m, generated));
    }
    let generated: Vec<(&config::Module, &items::Generated)> = all.iter().map(|(m, g)| (*m, g)).collect();
    files.push(("dispatch.rs".to_owned(), rustfmt(&dispatch::generate(&generated))?));
    let specs: Vec<(&config::Module, &schema::Spec)> = specs.iter().map(|(m, s)| (*m, s)).collect();
    files.push(("catalog.rs".to_owned(), rustfmt(&catalog::generate(&specs)?)?));
    files.extend(client::generate(&specs, &generated)?);
    files.extend(npm::generate(&specs, &generated)?);
    let (name, text) = emulator::generate(&specs)?;
    files.push((name, rustfmt(&text)?));
    files.push(schemas::generate(&specs)?);
    Ok(files)
}

/// Formats Rust source with `rustfmt --edition 2024`.
fn rustfmt(source: &str) -> Result<String> {
    let mut child = Command::new("rustfmt")
        .current_dir(repo_root())
        .args(["--edition", "2024", "--emit", "stdout"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .context("running rustfmt (install it with `rustup component add rustfmt`)")?;
    let mut stdin = child.stdin.take().context("rustfmt stdin")?;
    let input = source.to_owned();
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let output = child.wait_with_output()?;
    writer.join().map_err(|_| anyhow::anyhow!("writing to rustfmt panicked"))??;
    if !output.status.success() {
        bail!("rustfmt failed: {}", String::from_utf8_lossy(&output.stderr));
    }
    Ok(String::from_utf8(output.stdout)?)
}
