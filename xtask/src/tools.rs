//! Installers for the tools the steps of `cargo xtask test` and `cargo xtask run` need.
//!
//! Every installer first checks whether the tool is already there in the
//! right version and does nothing if so, so calling them is cheap.

use crate::{cargo, output, repo_root, run_cmd};
use anyhow::{Context, Result, bail};
use std::path::Path;
use std::process::Command;

/// The `wasm_split_cli_support` version whose `wasm-split-cli` splits the console's wasm
/// at its split points (it must understand the `wasm_split_helpers` in Cargo.lock).
pub const WASM_SPLIT_VERSION: &str = "0.2.4";

/// The cargo-fuzz version the fuzz targets are built and run with.
pub const CARGO_FUZZ_VERSION: &str = "0.13.2";

/// Something a step needs installed before it runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// The `wasm32-unknown-unknown` rustup target.
    WasmTarget,
    /// `wasm-bindgen-cli` in the version Cargo.lock pins (only when the lock has `wasm-bindgen`).
    WasmBindgen,
    /// Chromium and chromedriver, for `wasm-bindgen-test` in a browser and the e2e tests.
    Chromium,
    /// wasm-split-cli, which splits the Leptos console's wasm, and rust-src for its smaller std.
    ConsoleTools,
    /// cargo-fuzz, which builds the fuzz targets in `fuzz/` with libFuzzer.
    CargoFuzz,
    /// PostgreSQL's server (`initdb`, `pg_ctl`), for the BFF's tests of several instances on one database.
    Postgres,
}

impl Need {
    /// Installs what is missing.
    pub fn ensure(self) -> Result<()> {
        match self {
            Self::WasmTarget => ensure_wasm_target(),
            Self::WasmBindgen => ensure_wasm_bindgen(),
            Self::Chromium => ensure_chromium(),
            Self::ConsoleTools => ensure_wasm_split().map(|()| {
                ensure_rust_src();
            }),
            Self::CargoFuzz => ensure_cargo_fuzz(),
            Self::Postgres => ensure_postgres(),
        }
    }
}

/// `rustup target add wasm32-unknown-unknown`, unless it is installed.
pub fn ensure_wasm_target() -> Result<()> {
    const TARGET: &str = "wasm32-unknown-unknown";
    let Some(installed) = output(Command::new("rustup").args(["target", "list", "--installed"])) else {
        println!("rustup not found: assuming the toolchain already has {TARGET}");
        return Ok(());
    };
    if installed.lines().any(|line| line.trim() == TARGET) {
        println!("{TARGET}: installed");
        return Ok(());
    }
    run_cmd(Command::new("rustup").args(["target", "add", TARGET]))
}

/// `cargo install wasm-bindgen-cli` in the exact version of the `wasm-bindgen`
/// package in Cargo.lock, unless `wasm-bindgen --version` already prints it.
/// Nothing to do while the lock has no `wasm-bindgen`.
pub fn ensure_wasm_bindgen() -> Result<()> {
    let lock_path = repo_root().join("Cargo.lock");
    let lock = match std::fs::read_to_string(&lock_path) {
        Ok(lock) => lock,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
            println!("wasm-bindgen-cli: no Cargo.lock yet, nothing to install");
            return Ok(());
        }
        Err(err) => return Err(err).with_context(|| format!("reading {}", lock_path.display())),
    };
    let Some(version) = locked_version(&lock, "wasm-bindgen") else {
        println!("wasm-bindgen-cli: Cargo.lock has no wasm-bindgen, nothing to install");
        return Ok(());
    };
    if installed_version("wasm-bindgen").as_deref() == Some(version.as_str()) {
        println!("wasm-bindgen-cli {version}: installed");
        return Ok(());
    }
    let pinned = format!("={version}");
    let install = |locked: bool| {
        let mut cmd = cargo();
        cmd.args(["install", "wasm-bindgen-cli", "--version", &pinned]);
        if locked {
            cmd.arg("--locked");
        }
        run_cmd(&mut cmd)
    };
    // Its own lock file can name a crate version the registry no longer serves;
    // then resolve afresh (the CLI version itself stays pinned).
    install(true).or_else(|err| {
        println!("wasm-bindgen-cli with --locked failed ({err:#}); retrying without --locked");
        install(false)
    })
}

/// `cargo install wasm_split_cli_support --features build-binary --debug` in [`WASM_SPLIT_VERSION`]
/// (the `wasm-split-cli` binary), unless a `wasm-split-cli` is installed: it has no
/// `--version`, so the version is read from cargo's record of installed packages.
///
/// Unoptimized (`--debug`): a clean CI machine compiles it in half the CPU time of a
/// release build (49 s against 100 s measured), and it still splits the console in
/// about 1.5 s (0.9 s optimized), writing the same files.
pub fn ensure_wasm_split() -> Result<()> {
    let listed = output(cargo().args(["install", "--list"])).unwrap_or_default();
    let wanted = format!("wasm_split_cli_support v{WASM_SPLIT_VERSION}:");
    if listed.lines().any(|line| line.trim() == wanted)
        && output(Command::new("wasm-split-cli").arg("--help")).is_some()
    {
        println!("wasm-split-cli {WASM_SPLIT_VERSION}: installed");
        return Ok(());
    }
    run_cmd(cargo().args([
        "install",
        "wasm_split_cli_support",
        "--version",
        WASM_SPLIT_VERSION,
        "--features",
        "build-binary",
        "--locked",
        "--debug",
    ]))
}

/// `rustup component add rust-src`, which lets the console's release build rebuild std
/// without panic machinery (`console::build`). Whether it is there; without it (no rustup,
/// offline) the console builds with the prebuilt std.
pub fn ensure_rust_src() -> bool {
    let sysroot = output(Command::new("rustc").args(["--print", "sysroot"])).unwrap_or_default();
    let present = |root: &str| Path::new(root.trim()).join("lib/rustlib/src/rust/library/std").is_dir();
    if present(&sysroot) {
        println!("rust-src: installed");
        return true;
    }
    match run_cmd(Command::new("rustup").args(["component", "add", "rust-src"])) {
        Ok(()) => present(&sysroot),
        Err(err) => {
            println!("rust-src unavailable ({err:#}): the console builds with the prebuilt std");
            false
        }
    }
}

/// `cargo install cargo-fuzz` in [`CARGO_FUZZ_VERSION`], unless `cargo-fuzz --version` already prints it.
pub fn ensure_cargo_fuzz() -> Result<()> {
    if installed_version("cargo-fuzz").as_deref() == Some(CARGO_FUZZ_VERSION) {
        println!("cargo-fuzz {CARGO_FUZZ_VERSION}: installed");
        return Ok(());
    }
    run_cmd(cargo().args(["install", "cargo-fuzz", "--version", CARGO_FUZZ_VERSION, "--locked"]))
}

/// Chromium and chromedriver from the distribution (`apt-get install -y chromium
/// chromium-driver`), unless `/usr/bin/chromium` and `/usr/bin/chromedriver` exist.
/// Uses sudo when not root.
pub fn ensure_chromium() -> Result<()> {
    let present = ["/usr/bin/chromium", "/usr/bin/chromedriver"];
    if present.iter().all(|p| Path::new(p).exists()) {
        println!("chromium and chromedriver: installed");
        return Ok(());
    }
    apt_install(&["chromium", "chromium-driver"])
}

/// PostgreSQL's server from the distribution (`apt-get install -y postgresql`:
/// Debian 12's is 15), unless [`postgres_bin`] finds `initdb` and `pg_ctl`.
/// Uses sudo when not root.
pub fn ensure_postgres() -> Result<()> {
    if let Some(bin) = postgres_bin() {
        println!("postgresql: installed ({})", bin.display());
        return Ok(());
    }
    apt_install(&["postgresql"])
}

/// The directory of PostgreSQL's server programs (`initdb`, `pg_ctl`,
/// `postgres`): Debian's `/usr/lib/postgresql/VERSION/bin`, the newest
/// version first, else wherever `pg_config --bindir` says.
pub fn postgres_bin() -> Option<std::path::PathBuf> {
    let mut versions: Vec<(u32, std::path::PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| Some((e.file_name().to_str()?.parse().ok()?, e.path().join("bin"))))
        .collect();
    versions.sort();
    let from_pg_config = output(Command::new("pg_config").arg("--bindir")).map(|d| d.trim().into());
    versions
        .into_iter()
        .rev()
        .map(|(_, bin)| bin)
        .chain(from_pg_config)
        .find(|bin: &std::path::PathBuf| bin.join("initdb").exists() && bin.join("pg_ctl").exists())
}

/// `apt-get update` then `apt-get install -y PACKAGES`, as root or through sudo.
fn apt_install(packages: &[&str]) -> Result<()> {
    let root = output(Command::new("id").arg("-u")).is_some_and(|uid| uid.trim() == "0");
    let sudo = !root && output(Command::new("sudo").arg("--version")).is_some();
    if !root && !sudo {
        bail!(
            "{} missing and installing needs root or sudo: apt-get install -y {}",
            packages.join(", "),
            packages.join(" ")
        );
    }
    let apt = |args: &[&str]| {
        let mut cmd = if sudo {
            let mut cmd = Command::new("sudo");
            cmd.args(["env", "DEBIAN_FRONTEND=noninteractive", "apt-get"]);
            cmd
        } else {
            let mut cmd = Command::new("apt-get");
            cmd.env("DEBIAN_FRONTEND", "noninteractive");
            cmd
        };
        cmd.args(args);
        cmd
    };
    run_cmd(&mut apt(&["update"]))?;
    let mut install = vec!["install", "-y"];
    install.extend_from_slice(packages);
    run_cmd(&mut apt(&install))
}

/// The version `TOOL --version` prints as its second word (`wasm-bindgen 0.2.100`).
fn installed_version(tool: &str) -> Option<String> {
    let text = output(Command::new(tool).arg("--version"))?;
    text.split_whitespace().nth(1).map(str::to_owned)
}

/// The version of package `name` in a Cargo.lock (the first one, if several).
pub fn locked_version(lock: &str, name: &str) -> Option<String> {
    lock.split("[[package]]").skip(1).find_map(|block| {
        let field = |key: &str| {
            block.lines().find_map(|line| {
                let (k, v) = line.split_once('=')?;
                (k.trim() == key).then(|| v.trim().trim_matches('"').to_owned())
            })
        };
        (field("name")? == name).then(|| field("version")).flatten()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_versions_from_the_lock() {
        let lock = "version = 4\n\n[[package]]\nname = \"wasm-bindgen-macro\"\nversion = \"0.1.0\"\n\n\
                    [[package]]\nname = \"wasm-bindgen\"\nversion = \"0.2.100\"\nsource = \"x\"\n";
        assert_eq!(locked_version(lock, "wasm-bindgen").as_deref(), Some("0.2.100"));
        assert_eq!(locked_version(lock, "trunk"), None);
    }
}
