//! `cargo xtask test`: every test of the project, as one list of steps.
//!
//! Each [`Step`] names the tools it [needs](Need); the `tools` step installs
//! what the selected steps need before they run. To add a test (the wasm
//! package in Node and Chromium, the npm package, the end-to-end tests), add
//! one entry to [`STEPS`], with its needs (for example [`Need::Chromium`]).

use crate::tools::Need;
use crate::{build_gatehouse, cargo, output, run_cmd, shared_dir};
use anyhow::{Result, bail};
use std::process::{Command, ExitCode};
use std::time::{Duration, Instant};

/// Options of `cargo xtask test`.
#[derive(clap::Args)]
pub struct Args {
    /// Skip the lint steps (fmt, clippy).
    #[arg(long)]
    pub skip_lint: bool,
    /// Run only these steps (repeat the flag or separate with commas; see --list).
    #[arg(long, value_name = "STEP", value_delimiter = ',')]
    pub only: Vec<String>,
    /// List the steps and exit.
    #[arg(long)]
    pub list: bool,
}

/// What a step did.
pub enum Outcome {
    /// It ran and passed.
    Passed,
    /// It did not apply here, with the reason.
    Skipped(String),
}

/// One step of the test run.
pub struct Step {
    /// Name for `--only` and the summary.
    pub name: &'static str,
    /// What it checks, for the header and `--list`.
    pub about: &'static str,
    /// Whether `--skip-lint` skips it.
    pub lint: bool,
    /// Tools it needs installed; the `tools` step installs them.
    pub needs: &'static [Need],
    /// Runs it; an error stops the run.
    pub run: fn(&Plan) -> Result<Outcome>,
}

/// The steps, in the order they run.
pub const STEPS: &[Step] = &[
    Step {
        name: "tools",
        about: "install the tools the selected steps need",
        lint: false,
        needs: &[],
        run: install_tools,
    },
    Step {
        name: "fmt",
        about: "formatting (cargo fmt --all --check)",
        lint: true,
        needs: &[],
        run: |_| cargo_step(&["fmt", "--all", "--check"]),
    },
    Step {
        name: "clippy",
        about: "lints (cargo clippy --workspace --all-targets -- -D warnings)",
        lint: true,
        needs: &[],
        run: |_| cargo_step(&["clippy", "--workspace", "--all-targets", "--", "-D", "warnings"]),
    },
    Step {
        name: "test",
        about: "unit, integration and doc tests of the workspace",
        lint: false,
        needs: &[],
        run: workspace_tests,
    },
    Step {
        name: "wasm",
        about: "the model builds for wasm32-unknown-unknown",
        lint: false,
        needs: &[Need::WasmTarget, Need::WasmBindgen],
        run: |_| cargo_step(&["build", "-p", "gatehouse-model", "--target", "wasm32-unknown-unknown"]),
    },
    Step {
        name: "console",
        about: "the Leptos console builds with trunk (web/dist)",
        lint: false,
        needs: &[Need::WasmTarget, Need::WasmBindgen, Need::Trunk],
        run: |_| crate::console::build().map(|_| Outcome::Passed),
    },
    Step {
        name: "browser",
        about: "the console's wasm-bindgen tests in headless Chromium",
        lint: false,
        needs: &[Need::WasmTarget, Need::WasmBindgen, Need::Chromium],
        run: |_| crate::console::browser_tests().map(|()| Outcome::Passed),
    },
    Step {
        name: "e2e",
        about: "end-to-end: the console in headless Chromium against `gatehouse serve` (demo mode)",
        lint: false,
        needs: &[Need::Chromium],
        run: |_| crate::console::e2e("run.mjs").map(|()| Outcome::Passed),
    },
    Step {
        name: "npm",
        about: "the npm package: wasm-bindgen tests in Node and Chromium, packed tarball + tsc, README examples, pages, cookie mode through the BFF",
        lint: false,
        needs: &[Need::WasmTarget, Need::WasmBindgen, Need::Chromium],
        run: |_| {
            run_cmd(Command::new("bash").arg(crate::repo_root().join("tests/js/run.sh")))?;
            // The package in cookie mode against the BFF, in a page (needs pkg/ from run.sh).
            crate::console::e2e("npm-cookie-mode.mjs")?;
            Ok(Outcome::Passed)
        },
    },
    Step {
        name: "codegen",
        about: "generated model code matches Auth0's specs (cargo xtask codegen --check)",
        lint: false,
        needs: &[],
        run: codegen_check,
    },
    Step {
        name: "replay",
        about: "decode → encode every recorded interaction (gatehouse replay)",
        lint: false,
        needs: &[],
        run: replay,
    },
];

/// The selected steps and what they need.
pub struct Plan {
    steps: Vec<&'static Step>,
}

impl Plan {
    fn new(args: &Args) -> Result<Self> {
        for name in &args.only {
            if !STEPS.iter().any(|s| s.name == name) {
                let names: Vec<_> = STEPS.iter().map(|s| s.name).collect();
                bail!("no step named `{name}`; the steps are: {}", names.join(", "));
            }
        }
        let mut steps: Vec<&Step> = STEPS
            .iter()
            .filter(|s| args.only.is_empty() || args.only.iter().any(|o| o == s.name))
            .filter(|s| !(args.skip_lint && s.lint))
            .collect();
        // `--only X` still installs what X needs.
        let tools = &STEPS[0];
        let wants_tools = steps.iter().any(|s| !s.needs.is_empty());
        if wants_tools && !steps.iter().any(|s| s.name == tools.name) {
            steps.insert(0, tools);
        }
        Ok(Self { steps })
    }

    /// Everything the selected steps need (all steps' needs when only `tools` runs).
    fn needs(&self) -> Vec<Need> {
        let only_tools = self.steps.iter().all(|s| s.name == "tools");
        let from: Vec<&Step> = if only_tools { STEPS.iter().collect() } else { self.steps.clone() };
        let mut needs = Vec::new();
        for need in from.iter().flat_map(|s| s.needs) {
            if !needs.contains(need) {
                needs.push(*need);
            }
        }
        needs
    }
}

/// Runs the selected steps, stopping at the first failure, and prints a summary.
pub fn run(args: &Args) -> Result<ExitCode> {
    if args.list {
        for step in STEPS {
            let lint = if step.lint { " [lint]" } else { "" };
            println!("{:<8} {}{lint}", step.name, step.about);
        }
        return Ok(ExitCode::SUCCESS);
    }
    let plan = Plan::new(args)?;
    let started = Instant::now();
    let mut results: Vec<(&str, Duration, Result<Outcome>)> = Vec::new();
    for step in &plan.steps {
        println!("\n==> {}: {}", step.name, step.about);
        let t = Instant::now();
        let result = (step.run)(&plan);
        if let Ok(Outcome::Skipped(why)) = &result {
            println!("skipped: {why}");
        }
        let failed = result.is_err();
        results.push((step.name, t.elapsed(), result));
        if failed {
            break;
        }
    }

    println!("\n==> summary");
    let (mut passed, mut skipped, mut failed) = (0, 0, None);
    for (name, took, result) in &results {
        let status = match result {
            Ok(Outcome::Passed) => {
                passed += 1;
                "ok".to_owned()
            }
            Ok(Outcome::Skipped(why)) => {
                skipped += 1;
                format!("skipped ({why})")
            }
            Err(err) => {
                failed = Some(*name);
                format!("FAILED: {err:#}")
            }
        };
        println!("{name:<8} {:>7}  {status}", secs(*took));
    }
    let not_run = plan.steps.len() - results.len();
    let total = secs(started.elapsed());
    match failed {
        None => {
            println!("xtask test: ok. {passed} steps passed, {skipped} skipped ({total})");
            Ok(ExitCode::SUCCESS)
        }
        Some(name) => {
            println!(
                "xtask test: FAILED at step `{name}`. {passed} passed, {skipped} skipped, {not_run} not run ({total})"
            );
            Ok(ExitCode::FAILURE)
        }
    }
}

fn secs(d: Duration) -> String {
    format!("{:.1}s", d.as_secs_f64())
}

fn cargo_step(args: &[&str]) -> Result<Outcome> {
    run_cmd(cargo().args(args))?;
    Ok(Outcome::Passed)
}

fn install_tools(plan: &Plan) -> Result<Outcome> {
    let needs = plan.needs();
    if needs.is_empty() {
        return Ok(Outcome::Skipped("the selected steps need no tools".into()));
    }
    for need in needs {
        need.ensure()?;
    }
    Ok(Outcome::Passed)
}

/// `cargo nextest run` (then doctests, which nextest does not run), or `cargo test`.
fn workspace_tests(_: &Plan) -> Result<Outcome> {
    let has_nextest = output(cargo().args(["nextest", "--version"])).is_some();
    if has_nextest {
        run_cmd(cargo().args(["nextest", "run", "--workspace", "--no-fail-fast", "--no-tests=warn"]))?;
        run_cmd(cargo().args(["test", "--workspace", "--doc"]))?;
    } else {
        println!("cargo-nextest not found: using cargo test");
        run_cmd(cargo().args(["test", "--workspace", "--no-fail-fast"]))?;
    }
    Ok(Outcome::Passed)
}

fn codegen_check(_: &Plan) -> Result<Outcome> {
    let shared = shared_dir();
    if !shared.is_dir() {
        return Ok(Outcome::Skipped(format!("{} not found (set AUTH0_SHARED_DIR)", shared.display())));
    }
    let spec_dir = std::env::var_os("AUTH0_SPEC_DIR").filter(|d| !d.is_empty()).map_or(shared, Into::into);
    println!("$ cargo xtask codegen --check --spec-dir {}", spec_dir.display());
    crate::codegen::run(crate::codegen::Args { check: true, spec_dir: Some(spec_dir) })?;
    Ok(Outcome::Passed)
}

fn replay(_: &Plan) -> Result<Outcome> {
    let recordings = shared_dir().join("recordings");
    if !recordings.is_dir() {
        return Ok(Outcome::Skipped(format!("{} not found (set AUTH0_SHARED_DIR)", recordings.display())));
    }
    let exe = build_gatehouse()?;
    run_cmd(Command::new(exe).arg("replay").arg(&recordings))?;
    Ok(Outcome::Passed)
}
