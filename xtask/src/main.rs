//! `cargo xtask`: the project's automation. See `cargo xtask --help`.
//!
//! - `cargo xtask test` runs every test, installing the tools it needs;
//! - `cargo xtask run` builds and starts Gatehouse locally;
//! - `cargo xtask bench TARGET` runs a benchmark;
//! - `cargo xtask codegen` regenerates the model's types from Auth0's OpenAPI specs;
//! - `cargo xtask pkg` builds the npm package.

mod bench;
mod codegen;
mod console;
mod methods;
mod pkg;
mod run;
mod test;
mod tools;

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

#[derive(Parser)]
#[command(name = "xtask", about = "Gatehouse project automation")]
struct Cli {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Run every test (format, lints, unit and integration tests, wasm build,
    /// codegen check, replay of recorded traffic), installing what is needed.
    Test(test::Args),
    /// Build and start Gatehouse locally.
    Run(run::Args),
    /// Run a benchmark.
    Bench(bench::Args),
    /// Regenerate the model's types from Auth0's OpenAPI specs in ../shared/auth0.
    Codegen(codegen::Args),
    /// Build the npm package @gatehouse/auth0 into pkg/ (wasm, glue, TypeScript declarations).
    Pkg(pkg::Args),
}

fn main() -> ExitCode {
    let result = match Cli::parse().command {
        Cmd::Test(args) => test::run(&args),
        Cmd::Run(args) => run::run(&args),
        Cmd::Bench(args) => bench::run(&args),
        Cmd::Codegen(args) => codegen::run(args).map(|()| ExitCode::SUCCESS),
        Cmd::Pkg(args) => pkg::run(&args),
    };
    result.unwrap_or_else(|err| {
        eprintln!("error: {err:#}");
        ExitCode::FAILURE
    })
}

/// The repository root (the parent of `xtask/`).
pub(crate) fn repo_root() -> PathBuf {
    // `cargo xtask` sets the variable at run time to the checkout it runs in;
    // the build-time value is only a fallback, since a target directory shared
    // between checkouts may hold a binary built in another one.
    let dir = std::env::var_os("CARGO_MANIFEST_DIR").map(PathBuf::from);
    let dir = dir.unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")));
    dir.parent().expect("xtask lives in the repository").to_path_buf()
}

/// Auth0 reference data: `$AUTH0_SHARED_DIR`, else `../shared/auth0` beside the repository.
pub(crate) fn shared_dir() -> PathBuf {
    match std::env::var_os("AUTH0_SHARED_DIR") {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => repo_root().join("../shared/auth0"),
    }
}

/// A `cargo` command (the cargo that runs xtask), working in the repository root.
pub(crate) fn cargo() -> Command {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| OsString::from("cargo"));
    let mut cmd = Command::new(cargo);
    cmd.current_dir(repo_root());
    // A CI run builds once from clean: an incremental cache only costs disk.
    if std::env::var_os("CI").is_some() && std::env::var_os("CARGO_INCREMENTAL").is_none() {
        cmd.env("CARGO_INCREMENTAL", "0");
    }
    cmd
}

/// A command as a shell-like line, for display.
pub(crate) fn command_line(cmd: &Command) -> String {
    let program = Path::new(cmd.get_program());
    // Show `cargo`, not the full path of the cargo binary.
    let program =
        if program.file_stem().is_some_and(|s| s == "cargo") { "cargo".into() } else { program.to_string_lossy() };
    std::iter::once(program.into_owned())
        .chain(cmd.get_args().map(|a| a.to_string_lossy().into_owned()))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Runs a command with inherited output, failing when it does not succeed.
pub(crate) fn run_cmd(cmd: &mut Command) -> Result<()> {
    let line = command_line(cmd);
    println!("$ {line}");
    let status = cmd.status().with_context(|| format!("cannot start `{line}`"))?;
    if !status.success() {
        bail!("`{line}` failed ({status})");
    }
    Ok(())
}

/// Runs a command quietly and returns its stdout when it succeeds.
pub(crate) fn output(cmd: &mut Command) -> Option<String> {
    let out = cmd.stderr(std::process::Stdio::null()).output().ok()?;
    out.status.success().then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Cargo's metadata of the workspace (no dependencies).
pub(crate) fn metadata() -> Result<serde_json::Value> {
    let text =
        output(cargo().args(["metadata", "--no-deps", "--format-version", "1"])).context("`cargo metadata` failed")?;
    Ok(serde_json::from_str(&text)?)
}

/// Cargo's target directory (honours `CARGO_TARGET_DIR` and config).
pub(crate) fn target_dir() -> PathBuf {
    metadata()
        .ok()
        .and_then(|m| m["target_directory"].as_str().map(PathBuf::from))
        .unwrap_or_else(|| repo_root().join("target"))
}

/// Whether the workspace has a package of this name.
pub(crate) fn has_package(name: &str) -> Result<bool> {
    let meta = metadata()?;
    Ok(meta["packages"].as_array().is_some_and(|pkgs| pkgs.iter().any(|p| p["name"] == name)))
}

/// Builds the `gatehouse` binary (debug) and returns its path.
pub(crate) fn build_gatehouse() -> Result<PathBuf> {
    run_cmd(cargo().args(["build", "-p", "gatehouse"]))?;
    let exe = target_dir().join("debug").join(format!("gatehouse{}", std::env::consts::EXE_SUFFIX));
    if !exe.is_file() {
        bail!("built gatehouse but found no binary at {}", exe.display());
    }
    Ok(exe)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_lines_are_printable() {
        assert_eq!(command_line(Command::new("/usr/bin/cargo").args(["fmt", "--all"])), "cargo fmt --all");
        assert_eq!(command_line(Command::new("rustup").arg("show")), "rustup show");
    }
}
