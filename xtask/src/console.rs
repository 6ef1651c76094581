//! The Leptos console in `web/`: its build, its browser tests and its
//! end-to-end tests, shared by `cargo xtask test`, `run` and `bench console`.

use crate::tools::{ensure_rust_src, ensure_wasm_bindgen, ensure_wasm_split, ensure_wasm_target};
use crate::{build_gatehouse, cargo, repo_root, run_cmd, target_dir};
use anyhow::{Context, Result, bail};
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

/// The console's wasm as cargo links it, and the name its JS and wasm files take.
const CRATE: &str = "gatehouse-web";

/// Builds the console into `web/dist` and returns that folder.
///
/// 1. cargo links the wasm with the `split` feature and relocations kept (`--emit-relocs`),
///    on a std rebuilt without panic machinery when rust-src is there (else the prebuilt std);
/// 2. `wasm-split-cli` cuts it at the split points of `web/src/split.rs` into the main
///    module, one module per area and the chunks areas share, plus the loader
///    `__wasm_split.js`;
/// 3. wasm-bindgen (`--target web`) writes the main module's JS, wasm-opt `-Oz` shrinks
///    every module, and all of it, with the stylesheet, the icon and a boot script that
///    starts the app, goes to `dist/app-HASH/` (HASH of the contents), which the BFF caches
///    for a year; `dist/index.html` is `web/index.html` linking them (trunk is not used:
///    it cannot split a wasm, and would build one of its own);
/// 4. `precompress.mjs` writes `.br` and `.gz` beside every file.
pub(crate) fn build() -> Result<PathBuf> {
    ensure_wasm_target()?;
    ensure_wasm_bindgen()?;
    ensure_wasm_split()?;
    npm_ci("web")?;
    let web = repo_root().join("web");
    let dist = web.join("dist");
    // binaryen's wasm-opt comes from web/node_modules (trunk cannot download it here).
    let bin = web.join("node_modules/.bin");

    let wasm = link_wasm(&web)?;
    let work = target_dir().join("console-split");
    if work.exists() {
        std::fs::remove_dir_all(&work)?;
    }
    std::fs::create_dir_all(&work)?;
    let split = work.join("split");
    run_cmd(Command::new("wasm-split-cli").arg(&wasm).arg(&split).args(["--target", "web", "--out-name", CRATE]))?;
    let out = work.join("app");
    run_cmd(
        Command::new("wasm-bindgen")
            // The split modules import the main module's function table, which wasm-bindgen
            // would otherwise drop as an export the linker made.
            .args(["--target", "web", "--no-typescript", "--keep-lld-exports", "--out-name", CRATE, "--out-dir"])
            .arg(&out)
            .arg(split.join(format!("{CRATE}.wasm"))),
    )?;
    // The loader and the split modules sit beside the main module's JS, which they import.
    for entry in std::fs::read_dir(&split)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name == "__wasm_split.js" {
            std::fs::write(out.join(&name), without_comment_lines(&std::fs::read_to_string(entry.path())?))?;
        } else if name != format!("{CRATE}.wasm") {
            std::fs::copy(entry.path(), out.join(&name))?;
        }
    }
    println!("wasm-opt -Oz on every module");
    optimize(&out, &bin.join("wasm-opt"))?;
    std::fs::write(
        out.join("boot.js"),
        format!(
            "// Starts the console (written by `cargo xtask`: the CSP allows no inline script).\n\
             import init from './{CRATE}.js';\n\
             await init({{ module_or_path: new URL('./{CRATE}_bg.wasm', import.meta.url) }});\n"
        ),
    )?;
    std::fs::copy(web.join("style/console.css"), out.join("console.css"))?;
    std::fs::copy(web.join("favicon.svg"), out.join("favicon.svg"))?;
    let app = format!("app-{:016x}", content_hash(&out)?);
    if dist.exists() {
        std::fs::remove_dir_all(&dist)?;
    }
    copy_dir(&out, &dist.join(&app))?;
    let index = web.join("index.html");
    let html = std::fs::read_to_string(&index)?;
    let tags = format!(
        "<link rel=\"icon\" href=\"/{app}/favicon.svg\" type=\"image/svg+xml\">\n    \
         <link rel=\"stylesheet\" href=\"/{app}/console.css\">\n    \
         <link rel=\"modulepreload\" href=\"/{app}/{CRATE}.js\">\n    \
         <link rel=\"preload\" href=\"/{app}/{CRATE}_bg.wasm\" as=\"fetch\" type=\"application/wasm\" crossorigin>\n    \
         <script type=\"module\" src=\"/{app}/boot.js\"></script>\n  </head>"
    );
    let Some((head, tail)) = html.split_once("</head>") else { bail!("{} has no </head>", index.display()) };
    std::fs::create_dir_all(&dist)?;
    std::fs::write(dist.join("index.html"), format!("{}\n    {tags}{tail}", head.trim_end_matches([' ', '\n'])))?;
    run_cmd(Command::new("node").args(["precompress.mjs", "dist"]).current_dir(&web))?;
    Ok(dist)
}

/// The loader without the lines that are only a block comment: wasm-split-cli
/// names above each chunk every area that uses it, a fifth of the file (1.6 KB
/// of the first load, brotli). Lines with code are kept as they are.
fn without_comment_lines(js: &str) -> String {
    js.lines()
        .filter(|line| {
            let line = line.trim();
            !(line.starts_with("/*") && line.ends_with("*/") && !line[2..line.len() - 2].contains("*/"))
        })
        .flat_map(|line| [line, "\n"])
        .collect()
}

/// Links the console's wasm for splitting and returns its path. Rebuilds std with
/// `panic=immediate-abort` (no unwinding or panic messages: a panic stops the app, as
/// `panic = "abort"` did) when rust-src is installed, unless `GATEHOUSE_CONSOLE_STD=prebuilt`.
fn link_wasm(web: &std::path::Path) -> Result<PathBuf> {
    // RUSTFLAGS replaces web/.cargo/config.toml's flags, so `erase_components` is repeated here.
    let mut flags = String::from("--cfg erase_components -C link-arg=--emit-relocs");
    let mut cmd = cargo();
    cmd.current_dir(web).args([
        "build",
        "--bin",
        CRATE,
        "--target",
        "wasm32-unknown-unknown",
        "--profile",
        "web-release",
        "--features",
        "split",
    ]);
    let prebuilt = std::env::var("GATEHOUSE_CONSOLE_STD").is_ok_and(|v| v == "prebuilt");
    if !prebuilt && ensure_rust_src() {
        // build-std is unstable: RUSTC_BOOTSTRAP lets the stable toolchain take it.
        flags.push_str(" -Zunstable-options -Cpanic=immediate-abort");
        cmd.args(["-Zbuild-std=std,panic_abort"]).env("RUSTC_BOOTSTRAP", "1");
    }
    cmd.env("RUSTFLAGS", flags);
    run_cmd(&mut cmd)?;
    Ok(target_dir().join("wasm32-unknown-unknown/web-release").join(format!("{CRATE}.wasm")))
}

/// wasm-opt `-Oz` on every module of `dir`, debug sections and producers stripped,
/// on as many modules at once as there are cores (the areas' modules are ~200 small files).
fn optimize(dir: &std::path::Path, wasm_opt: &std::path::Path) -> Result<()> {
    const FEATURES: [&str; 6] = [
        "--enable-bulk-memory",
        "--enable-nontrapping-float-to-int",
        "--enable-sign-ext",
        "--enable-mutable-globals",
        "--enable-reference-types",
        "--enable-multivalue",
    ];
    let mut modules = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.extension().is_some_and(|e| e == "wasm") {
            modules.push(path);
        }
    }
    // The largest first, so the main module does not finish last alone.
    modules.sort_by_key(|p| std::cmp::Reverse(p.metadata().map(|m| m.len()).unwrap_or(0)));
    let next = std::sync::Mutex::new(modules.into_iter());
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get());
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                scope.spawn(|| -> Result<()> {
                    loop {
                        let Some(path) = next.lock().map_err(|_| anyhow::anyhow!("a wasm-opt worker failed"))?.next()
                        else {
                            return Ok(());
                        };
                        let out = Command::new(wasm_opt)
                            .args(["-Oz", "--strip-debug", "--strip-producers"])
                            .args(FEATURES)
                            .arg(&path)
                            .arg("-o")
                            .arg(&path)
                            .output()
                            .with_context(|| format!("cannot start {}", wasm_opt.display()))?;
                        if !out.status.success() {
                            bail!(
                                "wasm-opt failed on {} ({}): {}",
                                path.display(),
                                out.status,
                                String::from_utf8_lossy(&out.stderr)
                            );
                        }
                    }
                })
            })
            .collect();
        handles.into_iter().try_for_each(|h| h.join().map_err(|_| anyhow::anyhow!("a wasm-opt worker panicked"))?)
    })
}

/// FNV-1a over the names and contents of the files of `dir`, in name order: the
/// folder's name changes whenever any of them does.
fn content_hash(dir: &std::path::Path) -> Result<u64> {
    let mut names: Vec<PathBuf> = std::fs::read_dir(dir)?.map(|e| e.map(|e| e.path())).collect::<Result<_, _>>()?;
    names.sort();
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for path in names {
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        for byte in name.bytes().chain([0]).chain(std::fs::read(&path)?) {
            hash = (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
        }
    }
    Ok(hash)
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) -> Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        std::fs::copy(entry.path(), to.join(entry.file_name()))?;
    }
    Ok(())
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

#[cfg(test)]
mod tests {
    use super::without_comment_lines;

    #[test]
    fn only_whole_comment_lines_go() {
        let js = "/* roles, user */\nconst a = 1; /* kept */\n  /* indented */\n/* a */ f(); /* b */\nlet s = \"/* not a comment */\";\n";
        assert_eq!(
            without_comment_lines(js),
            "const a = 1; /* kept */\n/* a */ f(); /* b */\nlet s = \"/* not a comment */\";\n"
        );
    }
}
