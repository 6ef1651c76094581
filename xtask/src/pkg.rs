//! `cargo xtask pkg`: builds the npm package `@gatehouse/auth0` into `pkg/`.
//!
//! 1. `cargo build -p gatehouse-js --lib --target wasm32-unknown-unknown --profile wasm-release`
//!    (opt-level z, fat LTO, one codegen unit, panic=abort: `[profile.wasm-release]`), with
//!    `std` rebuilt for size ([`BUILD_STD`]: `-Z build-std`, `-C panic=immediate-abort`,
//!    `optimize_for_size`, through `RUSTC_BOOTSTRAP=1` and the `rust-src` component, which it
//!    installs with rustup when missing); without `rust-src` (or with `--stable-std`) it builds
//!    with the stable `std`, says so, and holds the package to [`SIZE_BUDGET_STABLE_STD`];
//! 2. `wasm-bindgen --target web` into `pkg/` (`gatehouse_js.js`, `gatehouse_js_bg.wasm`,
//!    `gatehouse_js.d.ts` with the options types `tsify` declares);
//! 3. copies `crates/js/generated/`: `gatehouse_js_api.{js,d.ts}` (the method list and
//!    every method's signature) and `gatehouse_js_models.d.ts` (Auth0's body types),
//!    which `cargo xtask codegen` writes from the specs beside the Rust it writes, and writes
//!    `gatehouse_js_messages.js`, the error sentences of `gatehouse_model::message::MESSAGES`
//!    (the wrapper composes an error's message from its code and fields);
//! 4. `wasm-opt` for size ([`WASM_OPT_FLAGS`]; npm `binaryen`, installed in `tests/js/node_modules`);
//! 5. ships the JavaScript minified ([`minify`]): the wrapper (hand-written in
//!    `crates/js/npm/`), wasm-bindgen's glue, the generated tables and the entry points are
//!    kept readable in `pkg/src/` and minified by esbuild (also from `tests/js/node_modules`)
//!    into `pkg/`, each with a source map pointing at its readable copy;
//! 6. prints the sizes, raw and gzipped, and fails when the package as shipped is larger than
//!    [`SIZE_BUDGET`] (so it cannot grow back unnoticed: a size check, not a timing).
//!
//! The hand-written parts of the package are committed: `package.json`, `index.d.ts` and
//! `README.md` in `pkg/`, the wrapper's JavaScript ([`WRAPPER`]) in `crates/js/npm/`; the
//! build outputs (`pkg/*.js`, `pkg/src/`, `pkg/entry/`, `pkg/gatehouse_js*`) are ignored by git.
//!
//! `cargo xtask bench client` ([`bench`]) runs `tests/bench-client/bench.mjs`.

use crate::methods;
use crate::tools::{ensure_wasm_bindgen, ensure_wasm_target};
use crate::{cargo, repo_root, run_cmd, target_dir};
use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

/// The wasm-opt flags: the features wasm-bindgen's output uses, optimised for size.
///
/// `--low-memory-unused` lets binaryen fold constant offsets into loads and stores: Rust's
/// data starts at 1 MiB, above the stack, so the lowest 1 KiB is never read or written.
/// `-Oz`, then the control flow rebuilt (`--flatten --rereloop`, which finds shorter
/// structures than LLVM's), then `-Oz` until it changes nothing: 0.7 KB gzipped less than
/// `-Oz --converge` alone (measured on the package's wasm, 2026-12-01).
pub const WASM_OPT_FLAGS: &[&str] = &[
    "--low-memory-unused",
    "-Oz",
    "--flatten",
    "--rereloop",
    "-Oz",
    "-Oz",
    "--converge",
    "--enable-bulk-memory",
    "--enable-reference-types",
    "--enable-nontrapping-float-to-int",
    "--enable-sign-ext",
    "--enable-mutable-globals",
    "--strip-debug",
    "--strip-producers",
];

/// The most the package as shipped ([`SIZED`], each file `gzip -9` by GNU gzip, summed) may
/// weigh, in bytes, built with the size-optimised `std` ([`BUILD_STD`]).
/// `cargo xtask pkg` fails above it: issue #13's target, the size of `auth0` 7.1.0's
/// `ManagementClient` bundled for the browser (55,570 bytes; the package weighed 54,700 on
/// 2026-12-01, see pkg/BENCHMARKS.md). Lower it as the package shrinks; never raise it.
pub const SIZE_BUDGET: u64 = 55_570;

/// The budget of the fallback build with the stable `std` (no `rust-src`, or `--stable-std`),
/// which is larger by what `-Z build-std` saves.
pub const SIZE_BUDGET_STABLE_STD: u64 = 160_500;

/// The flags of the size-optimised `std`: rebuilt with the crate (`-Z build-std`), panics
/// compiled to a trap with no message formatting (`-C panic=immediate-abort`), and `core`'s
/// smaller algorithms (`optimize_for_size`). Unstable flags, enabled with `RUSTC_BOOTSTRAP=1`.
pub const BUILD_STD: &[&str] = &["-Zbuild-std=std,panic_abort", "-Zbuild-std-features=optimize_for_size"];

/// The `RUSTFLAGS` of the size-optimised build: panics trap without formatting a message, and
/// carry no source locations (file names and lines would only serve those messages).
pub const BUILD_STD_RUSTFLAGS: &str = "-Zunstable-options -Cpanic=immediate-abort -Zlocation-detail=none";

/// Options of `cargo xtask pkg`.
#[derive(clap::Args)]
pub struct Args {
    /// Skip wasm-opt and the minification (faster; the package is larger).
    #[arg(long)]
    pub no_opt: bool,
    /// Cargo profile of the wasm build.
    #[arg(long, default_value = "wasm-release")]
    pub profile: String,
    /// Build with the stable toolchain's `std` (no `-Z build-std`).
    #[arg(long)]
    pub stable_std: bool,
}

/// The package directory.
pub fn pkg_dir() -> PathBuf {
    repo_root().join("pkg")
}

/// Runs `npm install` in `dir` unless its `node_modules` is newer than its `package.json`.
pub fn npm_install(dir: &Path) -> Result<()> {
    let manifest = dir.join("package.json");
    let modules = dir.join("node_modules");
    let modified = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    if let (Some(m), Some(n)) = (modified(&manifest), modified(&modules.join(".package-lock.json")))
        && n >= m
    {
        return Ok(());
    }
    run_cmd(Command::new("npm").current_dir(dir).args(["install", "--no-audit", "--no-fund", "--loglevel=error"]))
        .with_context(|| format!("npm install in {} (needs Node 20+ and npm)", dir.display()))
}

/// Gzipped (`gzip -9`) length of `path`: (raw, gzipped).
pub fn gzip_len(path: &Path) -> Result<(u64, u64)> {
    let raw = std::fs::metadata(path).with_context(|| format!("reading {}", path.display()))?.len();
    let out = Command::new("gzip").args(["-9", "-c"]).arg(path).output().context("running gzip")?;
    if !out.status.success() {
        bail!("gzip {} failed", path.display());
    }
    Ok((raw, out.stdout.len() as u64))
}

/// The hand-written JavaScript of the package, kept in `crates/js/npm/`: the wrapper
/// (`client.js`), the entry points for browsers and bundlers (`index.js`) and Node (`node.js`),
/// and the wasm loader (`load.js`).
pub const WRAPPER: &[&str] = &["client.js", "index.js", "load.js", "node.js"];

/// The files whose size is the package's cost in a page: wasm, wasm-bindgen's glue, the wrapper.
pub const SIZED: &[&str] = &[
    "gatehouse_js_bg.wasm",
    "gatehouse_js.js",
    "gatehouse_js_api.js",
    "gatehouse_js_messages.js",
    "client.js",
    "load.js",
    "index.js",
];

/// What an app importing one resource's entry point (`entry/NAME.js`) loads besides that file.
pub const ENTRY_SHARED: &[&str] =
    &["gatehouse_js_bg.wasm", "gatehouse_js.js", "gatehouse_js_messages.js", "client.js", "load.js"];

/// The method list of gatehouse_js_api.js (generated from the catalog by
/// `cargo xtask codegen`): its `METHODS` string ([`crate::methods`]) and its
/// `DEPRECATED` pairs, as the JavaScript text of each pair.
fn api_rows(api: &str) -> Result<(&str, Vec<String>)> {
    let start = "export const METHODS = \"";
    let at = api.find(start).context("gatehouse_js_api.js has no METHODS string")? + start.len();
    let end = api[at..].find('"').context("gatehouse_js_api.js: METHODS does not end")?;
    let methods = &api[at..at + end];
    let start = "export const DEPRECATED = [";
    let at = api.find(start).context("gatehouse_js_api.js has no DEPRECATED")? + start.len();
    let end = api[at..].find("\n];").context("gatehouse_js_api.js: DEPRECATED does not end")?;
    let deprecated = api[at..at + end]
        .lines()
        .map(|l| l.trim().trim_end_matches(',').to_owned())
        .filter(|l| l.starts_with("[\""))
        .collect();
    Ok((methods, deprecated))
}

/// The resource group of a deprecated pair: the first segment of its (last) method name.
fn group_of(row: &str) -> Option<String> {
    let name = row.rsplit("[\"").next()?.rsplit(",\"").next()?;
    let name = name.trim_start_matches('"');
    Some(name.split('.').next()?.to_owned())
}

/// Writes one entry point per resource group of the method list
/// (`entry/GROUP.js`, exported as `@gatehouse/auth0/GROUP`: a client with
/// only that group's methods) and lists them in package.json's `exports`.
/// Returns the groups.
fn write_entries(pkg: &Path) -> Result<Vec<String>> {
    let api = std::fs::read_to_string(pkg.join("gatehouse_js_api.js"))?;
    let (list, deprecated) = api_rows(&api)?;
    // Per group: the position of its first method in the whole list (the wasm knows an
    // operation by its position there), its part of the list and its deprecated names.
    let mut groups: std::collections::BTreeMap<&str, (usize, &str, Vec<&str>)> = Default::default();
    for group in methods::groups(list)? {
        if groups.insert(group.name, (group.first, group.text, Vec::new())).is_some() {
            bail!("gatehouse_js_api.js: the methods of `{}` are not next to each other", group.name);
        }
    }
    for row in &deprecated {
        // A deprecated name goes with the entry of the method it answers as.
        if let Some(group) = group_of(row)
            && let Some(entry) = groups.get_mut(group.as_str())
        {
            entry.2.push(row);
        }
    }
    let dir = pkg.join("entry");
    if dir.exists() {
        std::fs::remove_dir_all(&dir)?;
    }
    std::fs::create_dir_all(&dir)?;
    for (group, (first, methods, deprecated)) in &groups {
        let js = format!(
            "// @generated by `cargo xtask pkg` from gatehouse_js_api.js (the catalog's methods). Do not edit.\n\
             // @gatehouse/auth0/{group}: a client with only the `{group}` methods.\n\
             import {{ loadWasm }} from '../load.js';\n\
             import {{ ManagementClient as Client }} from '../client.js';\n\n\
             const api = {{\n  FIRST: {first},\n  METHODS: {methods:?},\n  DEPRECATED: [{}],\n}};\n\n\
             /** A client with the `{group}` methods of the Auth0 Management API v2 (see client.js). */\n\
             export class ManagementClient extends Client {{\n  constructor(options) {{\n    super(options, loadWasm, api);\n  }}\n}}\n\n\
             export {{ GatehouseError, ApiError, ValidationError, ResultWindowError }} from '../client.js';\n",
            deprecated.join(", "),
        );
        std::fs::write(dir.join(format!("{group}.js")), js)?;
        // The declarations: the whole package's types, and a client with the group's namespace
        // only (`Pick` of the generated `Api`), so that TypeScript refuses what the entry lacks.
        let dts = format!(
            "// @generated by `cargo xtask pkg`. Do not edit.\n\
             // @gatehouse/auth0/{group}: the types of a client with only the `{group}` methods.\n\
             import type {{ Api }} from '../gatehouse_js_api.js';\n\
             import type {{ ClientOptions, RateLimit, Metrics }} from '../index.js';\n\n\
             export * from '../index.js';\n\n\
             export interface ManagementClient extends Pick<Api, '{group}'> {{}}\n\n\
             /**\n * A client with the `{group}` methods of the Auth0 Management API v2 (earlier names\n \
             * of them in other groups answer too, undeclared). See `@gatehouse/auth0`.\n */\n\
             export declare class ManagementClient {{\n  constructor(options: ClientOptions);\n  \
             ready(): Promise<this>;\n  rateLimit(): RateLimit;\n  metrics(): Metrics | Record<string, never>;\n  \
             clearTokens(): void;\n}}\n"
        );
        std::fs::write(dir.join(format!("{group}.d.ts")), dts)?;
    }
    let manifest_path = pkg.join("package.json");
    let mut manifest: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&manifest_path)?)?;
    let exports = manifest["exports"].as_object_mut().context("package.json has no `exports` object")?;
    exports.retain(|k, _| k == "." || k == "./package.json");
    for group in groups.keys() {
        exports.insert(
            format!("./{group}"),
            serde_json::json!({ "types": format!("./entry/{group}.d.ts"), "default": format!("./entry/{group}.js") }),
        );
    }
    std::fs::write(&manifest_path, serde_json::to_string_pretty(&manifest)? + "\n")?;
    Ok(groups.into_keys().map(str::to_owned).collect())
}

/// Prints what an app importing each entry point loads (its file and [`ENTRY_SHARED`]), gzipped.
fn print_entries(dir: &Path, groups: &[String]) -> Result<()> {
    let mut shared = 0;
    for name in ENTRY_SHARED {
        shared += gzip_len(&dir.join(name))?.1;
    }
    let mut sizes = Vec::new();
    for group in groups {
        sizes.push((gzip_len(&dir.join("entry").join(format!("{group}.js")))?.1 + shared, group));
    }
    sizes.sort();
    let users = sizes.iter().find(|(_, g)| g.as_str() == "users");
    println!(
        "\n{} entry points (@gatehouse/auth0/GROUP): each loads {shared} bytes gzipped of shared files + its own",
        groups.len()
    );
    let mut shown: Vec<&(u64, &String)> = sizes.first().into_iter().chain(users).chain(sizes.last()).collect();
    shown.dedup();
    for (gz, group) in shown {
        println!("  @gatehouse/auth0/{group:<28} {gz:>8} bytes gzip -9");
    }
    Ok(())
}

/// Prints the sizes of the package's runtime files; returns (raw, gzipped) totals.
pub fn print_sizes(dir: &Path) -> Result<(u64, u64)> {
    let (mut raw_total, mut gz_total) = (0, 0);
    println!("{:<24} {:>10} {:>10}", "file", "bytes", "gzip -9");
    for name in SIZED {
        let (raw, gz) = gzip_len(&dir.join(name))?;
        raw_total += raw;
        gz_total += gz;
        println!("{name:<24} {raw:>10} {gz:>10}");
    }
    println!("{:<24} {raw_total:>10} {gz_total:>10}", "total");
    Ok((raw_total, gz_total))
}

/// `cargo xtask pkg`.
pub fn run(args: &Args) -> Result<ExitCode> {
    build(args)?;
    Ok(ExitCode::SUCCESS)
}

/// Whether the toolchain has `std`'s sources (the `rust-src` component), which `-Z build-std` needs.
fn has_rust_src() -> bool {
    Command::new("rustc")
        .args(["--print", "sysroot"])
        .output()
        .ok()
        .map(|o| PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()))
        .is_some_and(|root| root.join("lib/rustlib/src/rust/library/std/Cargo.toml").is_file())
}

/// Builds the wasm of `gatehouse-js`; returns the path of the `.wasm` and
/// whether it was built with the size-optimised `std`.
fn build_wasm(args: &Args) -> Result<(PathBuf, bool)> {
    let base =
        ["build", "-p", "gatehouse-js", "--lib", "--target", "wasm32-unknown-unknown", "--profile", &args.profile];
    // The size-optimised std has its own target directory (its flags differ from the
    // workspace's, so sharing one would rebuild everything on each switch).
    let sized_dir = target_dir().join("wasm-build-std");
    if !args.stable_std && !has_rust_src() {
        // Installing it is what `-Z build-std` needs; without rustup it stays missing.
        let _ = run_cmd(Command::new("rustup").args(["component", "add", "rust-src"]));
    }
    let sized = !args.stable_std && has_rust_src();
    if sized {
        run_cmd(
            cargo()
                .args(base)
                .args(BUILD_STD)
                .env("RUSTC_BOOTSTRAP", "1")
                .env("RUSTFLAGS", BUILD_STD_RUSTFLAGS)
                .env("CARGO_TARGET_DIR", &sized_dir),
        )?;
    } else if !args.stable_std {
        eprintln!(
            "warning: no `rust-src` component (`rustup component add rust-src`): building with the stable std, larger"
        );
    }
    let dir = if sized {
        sized_dir
    } else {
        run_cmd(cargo().args(base))?;
        target_dir()
    };
    Ok((dir.join("wasm32-unknown-unknown").join(&args.profile).join("gatehouse_js.wasm"), sized))
}

/// Writes `gatehouse_js_messages.js`: the model's error sentences by code
/// (`gatehouse_model::message::MESSAGES`), from which the wrapper composes the message of
/// an error the wasm describes as a code and fields (the Rust `Display` impls render the
/// same table, so each sentence is written once).
fn write_messages(pkg: &Path) -> Result<()> {
    let table: serde_json::Map<String, serde_json::Value> = gatehouse_model::message::MESSAGES
        .iter()
        .map(|(code, template)| ((*code).to_owned(), serde_json::Value::from(*template)))
        .collect();
    // The reason phrase of each error status (`gatehouse_model::error::reason`, the Rust
    // client's message for an error answer whose body has none).
    let reasons: serde_json::Map<String, serde_json::Value> = (400..600)
        .map(|status| (status, gatehouse_model::error::reason(status)))
        .filter(|(_, reason)| *reason != gatehouse_model::error::reason(0))
        .map(|(status, reason)| (status.to_string(), serde_json::Value::from(reason)))
        .collect();
    let text = format!(
        "// @generated by `cargo xtask pkg` from gatehouse_model::message::MESSAGES and\n\
         // gatehouse_model::error::reason. Do not edit.\n\
         // The sentence of each error code; `{{field}}` is replaced by the error's field.\n\
         export const MESSAGES = {};\n\
         // The message of an API error whose body has none: its status's reason phrase.\n\
         export const REASONS = {};\n",
        serde_json::to_string_pretty(&serde_json::Value::Object(table))?,
        serde_json::to_string(&serde_json::Value::Object(reasons))?,
    );
    std::fs::write(pkg.join("gatehouse_js_messages.js"), text).context("writing gatehouse_js_messages.js")
}

/// The features of wasm-bindgen's output, for a wasm-opt pass that does not optimise.
fn wasm_features() -> impl Iterator<Item = &'static str> {
    WASM_OPT_FLAGS.iter().copied().filter(|f| f.starts_with("--enable-"))
}

/// Replaces each `prefix` + `from` in `text` that ends a name (the next character is not
/// one of a JavaScript name's) with `prefix` + `to`.
fn replace_name(text: &str, prefix: &str, from: &str, to: &str) -> String {
    let needle = [prefix, from].concat();
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(&needle) {
        let end = at + needle.len();
        let ends = !rest[end..].starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_' || c == '$');
        out.push_str(&rest[..at]);
        out.push_str(prefix);
        out.push_str(if ends { to } else { from });
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

/// Gives the wasm's imports and exports one- or two-letter names (wasm-opt
/// `--minify-imports-and-exports-and-modules`; wasm-bindgen names them after Rust paths
/// and hashes, up to 250 characters, each written twice: in the wasm and in its glue),
/// and renames them alike in the glue (`gatehouse_js.js`) and its declarations.
fn shorten_names(pkg: &Path, wasm_opt: &Path) -> Result<()> {
    #[derive(serde::Deserialize)]
    struct Renames {
        imports: Vec<(String, String, String)>,
        exports: Vec<(String, String)>,
    }
    let wasm = pkg.join("gatehouse_js_bg.wasm");
    let out = Command::new(wasm_opt)
        .args(wasm_features())
        .arg("--minify-imports-and-exports-and-modules")
        .arg(&wasm)
        .arg("-o")
        .arg(&wasm)
        .output()
        .context("running wasm-opt --minify-imports-and-exports-and-modules")?;
    if !out.status.success() {
        bail!("wasm-opt --minify-imports-and-exports-and-modules failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    let printed = String::from_utf8_lossy(&out.stdout);
    let json = printed.find('{').map_or("", |at| &printed[at..]);
    let renames: Renames = serde_json::from_str(json).context("reading wasm-opt's table of new names")?;
    let glue_path = pkg.join("gatehouse_js.js");
    let mut glue = std::fs::read_to_string(&glue_path)?;
    let mut modules: Vec<&str> = renames.imports.iter().map(|(m, ..)| m.as_str()).collect();
    modules.dedup();
    if modules.len() != 1 {
        bail!("the wasm imports from {} modules, not wasm-bindgen's one: {modules:?}", modules.len());
    }
    // wasm-opt names the one module `a`.
    let key = ["\"", modules[0], "\":"].concat();
    if !glue.contains(&key) {
        bail!("gatehouse_js.js has no imports object for {}", modules[0]);
    }
    glue = glue.replace(&key, "\"a\":");
    for (_, from, to) in &renames.imports {
        glue = replace_name(&glue, "", from, to);
    }
    for (from, to) in &renames.exports {
        glue = replace_name(&glue, "wasm.", from, to);
    }
    std::fs::write(&glue_path, glue)?;
    for name in ["gatehouse_js.d.ts", "gatehouse_js_bg.wasm.d.ts"] {
        let path = pkg.join(name);
        let mut text = std::fs::read_to_string(&path)?;
        for (from, to) in &renames.exports {
            text = replace_name(&text, "readonly ", from, to);
            text = replace_name(&text, "const ", from, to);
            text = replace_name(&text, "function ", from, to);
        }
        std::fs::write(&path, text)?;
    }
    Ok(())
}

/// The JavaScript files a page loads (every file of [`SIZED`] and [`WRAPPER`] that is
/// JavaScript, and the entry points), relative to `pkg/`.
fn runtime_js(groups: &[String]) -> Vec<String> {
    let mut files: Vec<String> =
        SIZED.iter().chain(WRAPPER).filter(|n| n.ends_with(".js")).map(|n| (*n).to_owned()).collect();
    files.sort();
    files.dedup();
    files.extend(groups.iter().map(|g| format!("entry/{g}.js")));
    files
}

/// Ships the package's JavaScript minified: each runtime file moves to `pkg/src/` (kept
/// readable, and shipped) and esbuild writes it back minified with a source map that points
/// at the readable copy. Bundlers would minify it anyway; this is what a page loads without
/// one. The wrapper keeps its names (`--keep-names`: the error classes' `name` is their
/// class's); the loader stays as written, since bundlers read the hints in its comments.
/// `js` without its blank lines, its `//` comment lines and its one-line `/** */` comments,
/// each other line trimmed (for `load.js`, which has no multi-line strings).
fn without_comment_lines(js: &str) -> String {
    let lines: Vec<&str> = js
        .lines()
        .map(str::trim)
        .filter(|l| !(l.is_empty() || l.starts_with("//") || (l.starts_with("/**") && l.ends_with("*/"))))
        .collect();
    lines.join("\n") + "\n"
}

fn minify(pkg: &Path, groups: &[String], esbuild: &Path) -> Result<()> {
    let src = pkg.join("src");
    if src.exists() {
        std::fs::remove_dir_all(&src)?;
    }
    for entry in std::fs::read_dir(pkg)? {
        let path = entry?.path();
        if path.to_string_lossy().ends_with(".js.map") {
            std::fs::remove_file(&path)?;
        }
    }
    std::fs::create_dir_all(src.join("entry"))?;
    let files: Vec<String> = runtime_js(groups).into_iter().filter(|f| f != "load.js").collect();
    for file in &files {
        std::fs::rename(pkg.join(file), src.join(file)).with_context(|| format!("moving {file} to pkg/src"))?;
    }
    // The loader ships without its comment lines but otherwise as written (a minifier would
    // drop the bundler hints in its inline comments); its copy completes the readable tree.
    std::fs::copy(pkg.join("load.js"), src.join("load.js")).context("copying load.js to pkg/src")?;
    let loader = std::fs::read_to_string(src.join("load.js"))?;
    std::fs::write(pkg.join("load.js"), without_comment_lines(&loader))?;
    let (named, rest): (Vec<&String>, Vec<&String>) = files.iter().partition(|f| f.as_str() == "client.js");
    for (files, names) in [(named, true), (rest, false)] {
        run_cmd(
            Command::new(esbuild)
                .args(files.iter().map(|f| src.join(f)))
                .arg(format!("--outdir={}", pkg.display()))
                .arg(format!("--outbase={}", src.display()))
                .args(["--minify", "--format=esm", "--sourcemap", "--sources-content=false", "--log-level=warning"])
                .args(names.then_some("--keep-names")),
        )
        .context("minifying the package's JavaScript with esbuild (tests/js/node_modules)")?;
    }
    Ok(())
}

/// Builds the package into `pkg/`.
pub fn build(args: &Args) -> Result<()> {
    ensure_wasm_target()?;
    ensure_wasm_bindgen()?;
    let pkg = pkg_dir();
    let (wasm, sized) = build_wasm(args)?;
    run_cmd(
        Command::new("wasm-bindgen")
            .args(["--target", "web", "--omit-default-module-path", "--out-name", "gatehouse_js", "--out-dir"])
            .arg(&pkg)
            .arg(&wasm),
    )?;
    // wasm-bindgen declares `[Symbol.dispose]()` on its classes, which needs
    // TypeScript's `esnext.disposable` lib in every consumer that checks
    // declaration files; the classes are internal to the package, so drop it.
    let dts = pkg.join("gatehouse_js.d.ts");
    let text = std::fs::read_to_string(&dts).with_context(|| format!("reading {}", dts.display()))?;
    let kept: Vec<&str> = text.lines().filter(|l| !l.contains("[Symbol.dispose]")).collect();
    std::fs::write(&dts, kept.join("\n") + "\n")?;
    // The method list and the declarations, written by `cargo xtask codegen`
    // (checked by `codegen --check`) into crates/js/generated.
    let generated = repo_root().join("crates/js/generated");
    for name in ["gatehouse_js_api.js", "gatehouse_js_api.d.ts", "gatehouse_js_models.d.ts"] {
        std::fs::copy(generated.join(name), pkg.join(name))
            .with_context(|| format!("copying {name} from {}", generated.display()))?;
    }
    write_messages(&pkg)?;
    let wrapper = repo_root().join("crates/js/npm");
    for name in WRAPPER {
        std::fs::copy(wrapper.join(name), pkg.join(name))
            .with_context(|| format!("copying {name} from {}", wrapper.display()))?;
    }
    let groups = write_entries(&pkg)?;
    if !args.no_opt {
        let tools = repo_root().join("tests/js");
        npm_install(&tools)?;
        let wasm_opt = tools.join("node_modules/.bin/wasm-opt");
        let out = pkg.join("gatehouse_js_bg.wasm");
        run_cmd(Command::new(&wasm_opt).args(WASM_OPT_FLAGS).arg(&out).arg("-o").arg(&out))?;
        shorten_names(&pkg, &wasm_opt)?;
        minify(&pkg, &groups, &tools.join("node_modules/.bin/esbuild"))?;
    }
    println!("\n@gatehouse/auth0 in {}:", pkg.display());
    let (_, gzipped) = print_sizes(&pkg)?;
    print_entries(&pkg, &groups)?;
    let (budget, name) =
        if sized { (SIZE_BUDGET, "SIZE_BUDGET") } else { (SIZE_BUDGET_STABLE_STD, "SIZE_BUDGET_STABLE_STD") };
    if gzipped > budget && !args.no_opt {
        bail!(
            "the package weighs {gzipped} bytes gzipped, over its budget of {budget} (xtask/src/pkg.rs \
             {name}): find what grew with `twiggy top` on the wasm before raising it"
        );
    }
    println!("within the size budget: {gzipped} <= {budget} bytes gzipped ({name})");
    Ok(())
}

/// `cargo xtask bench client [-- ARGS]`: builds the package and the `gatehouse`
/// binary, then runs `tests/bench-client/bench.mjs` (size, Node speed and a
/// rate-limited bulk job, Gatehouse against the `auth0` npm package).
pub fn bench(rest: &[String]) -> Result<ExitCode> {
    build(&Args { no_opt: false, profile: "wasm-release".into(), stable_std: false })?;
    run_cmd(cargo().args(["build", "--release", "-p", "gatehouse"]))?;
    let exe = target_dir().join("release").join(format!("gatehouse{}", std::env::consts::EXE_SUFFIX));
    let dir = repo_root().join("tests/bench-client");
    npm_install(&dir)?;
    run_cmd(Command::new("node").current_dir(&dir).arg("bench.mjs").arg("--gatehouse").arg(&exe).args(rest))?;
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_is_renamed_only_where_it_ends() {
        let glue = "wasm.core_new(a); wasm.core_new_x(b); wasm.core_new; x.core_new(c); wasm.core_new$1";
        assert_eq!(
            replace_name(glue, "wasm.", "core_new", "$"),
            "wasm.$(a); wasm.core_new_x(b); wasm.$; x.core_new(c); wasm.core_new$1"
        );
        let imports = "__wbg_get_1a: function() {}, __wbg_get_1ab: function() {}";
        assert_eq!(replace_name(imports, "", "__wbg_get_1a", "A"), "A: function() {}, __wbg_get_1ab: function() {}");
        assert_eq!(replace_name("", "wasm.", "memory", "V"), "");
    }

    #[test]
    fn the_loader_keeps_its_bundler_hints_without_its_comment_lines() {
        let loader = std::fs::read_to_string(repo_root().join("crates/js/npm/load.js")).unwrap();
        let shipped = without_comment_lines(&loader);
        assert!(shipped.contains("/* @vite-ignore */ /* webpackIgnore: true */"), "{shipped}");
        assert!(shipped.starts_with("import init from"), "{shipped}");
        assert!(!shipped.lines().any(|l| l.starts_with("//") || l.is_empty()), "{shipped}");
    }

    #[test]
    fn the_method_list_and_the_deprecated_names_are_read() {
        let api = "// header\nexport const METHODS = \"logs(get3,list2)users(roles(assign4,delete4))\";\n\
                   export const DEPRECATED = [\n[\"logs.search\",\"logs.list\"],\n[\"roles.assign\",\"users.roles.assign\"],\n];\n";
        let (list, deprecated) = api_rows(api).unwrap();
        assert_eq!(list, "logs(get3,list2)users(roles(assign4,delete4))");
        assert_eq!(deprecated, [r#"["logs.search","logs.list"]"#, r#"["roles.assign","users.roles.assign"]"#]);
        let groups: Vec<Option<String>> = deprecated.iter().map(|r| group_of(r)).collect();
        assert_eq!(groups, [Some("logs".to_owned()), Some("users".to_owned())]);
        let firsts: Vec<(&str, usize)> = methods::groups(list).unwrap().iter().map(|g| (g.name, g.first)).collect();
        assert_eq!(firsts, [("logs", 0), ("users", 2)]);
        assert!(api_rows("export const DEPRECATED = [\n];").is_err());
    }

    #[test]
    fn the_committed_method_list_is_in_the_order_of_the_wasms_table() {
        // JavaScript calls an operation by its method's position in METHODS, depth first;
        // the wasm's table is the model's `WIRES`, in the same order.
        let (list, _) = api_rows(include_str!("../../crates/js/generated/gatehouse_js_api.js")).unwrap();
        let names: Vec<String> = methods::leaves(list).unwrap().into_iter().map(|m| m.name).collect();
        let wires: Vec<&str> = gatehouse_model::catalog::WIRES.iter().map(|w| w.name).collect();
        assert_eq!(names, wires);
    }

    #[test]
    fn the_committed_method_list_parts_into_its_groups() {
        let (list, deprecated) = api_rows(include_str!("../../crates/js/generated/gatehouse_js_api.js")).unwrap();
        let all = methods::leaves(list).unwrap();
        let groups = methods::groups(list).unwrap();
        let mut first = 0;
        for group in &groups {
            assert_eq!(group.first, first, "{}", group.name);
            assert_eq!(methods::leaves(group.text).unwrap(), all[first..first + group.len], "{}", group.name);
            assert!(all[first].name.starts_with(&format!("{}.", group.name)));
            first += group.len;
        }
        assert_eq!(first, all.len());
        for row in &deprecated {
            let group = group_of(row).unwrap();
            assert!(groups.iter().any(|g| g.name == group), "{row}: no group {group}");
        }
    }

    #[test]
    fn the_runtime_files_are_every_shipped_script_and_entry() {
        let files = runtime_js(&["users".to_owned()]);
        for name in ["client.js", "index.js", "node.js", "load.js", "gatehouse_js.js", "entry/users.js"] {
            assert!(files.iter().any(|f| f == name), "{name} in {files:?}");
        }
        assert!(!files.iter().any(|f| f.ends_with(".wasm")));
        let mut sorted = files.clone();
        sorted.dedup();
        assert_eq!(sorted.len(), files.len(), "no file twice");
    }
}
