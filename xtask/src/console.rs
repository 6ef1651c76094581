//! The Leptos console in `web/`: its build, its browser tests and its
//! end-to-end tests, shared by `cargo xtask test`, `run` and `bench console`.

use crate::tools::{ensure_trunk, ensure_wasm_bindgen, ensure_wasm_target};
use crate::{build_gatehouse, cargo, repo_root, run_cmd};
use anyhow::Result;
use std::path::PathBuf;
use std::process::Command;

/// `npm ci` in a folder of the repository, unless its `node_modules` matches the lock already.
pub(crate) fn npm_ci(dir: &str) -> Result<()> {
    let dir = repo_root().join(dir);
    let installed = dir.join("node_modules/.package-lock.json");
    let lock = dir.join("package-lock.json");
    let fresh = match (installed.metadata(), lock.metadata()) {
        (Ok(i), Ok(l)) => i.modified()? >= l.modified()?,
        _ => false,
    };
    if fresh {
        println!("{}: node_modules up to date", dir.display());
        return Ok(());
    }
    run_cmd(Command::new("npm").args(["ci", "--no-audit", "--no-fund"]).current_dir(dir))
}

/// Builds the console into `web/dist` with trunk (release, offline) and returns that folder.
pub(crate) fn build() -> Result<PathBuf> {
    ensure_wasm_target()?;
    ensure_wasm_bindgen()?;
    ensure_trunk()?;
    npm_ci("web")?;
    let web = repo_root().join("web");
    // binaryen's wasm-opt comes from web/node_modules (trunk cannot download it here).
    let path = format!("{}:{}", web.join("node_modules/.bin").display(), std::env::var("PATH").unwrap_or_default());
    run_cmd(Command::new("trunk").args(["build", "--offline", "--release"]).env("PATH", path).current_dir(&web))?;
    run_cmd(Command::new("node").args(["precompress.mjs", "dist"]).current_dir(&web))?;
    Ok(web.join("dist"))
}

/// The console's `wasm-bindgen-test` suites in headless Chromium.
pub(crate) fn browser_tests() -> Result<()> {
    run_cmd(
        cargo()
            .args(["test", "-p", "gatehouse-web", "--target", "wasm32-unknown-unknown"])
            .env("CHROMEDRIVER", "/usr/bin/chromedriver")
            .env("CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER", "wasm-bindgen-test-runner")
            .env("WASM_BINDGEN_TEST_TIMEOUT", "120"),
    )
}

/// Runs a Node script of `tests/e2e` against `gatehouse serve` in demo mode.
pub(crate) fn e2e(script: &str) -> Result<()> {
    let exe = build_gatehouse()?;
    npm_ci("tests/e2e")?;
    run_cmd(
        Command::new("node")
            .arg(script)
            .env("GATEHOUSE_BIN", exe)
            .env("GATEHOUSE_CONSOLE_DIR", repo_root().join("web/dist"))
            .current_dir(repo_root().join("tests/e2e")),
    )
}
