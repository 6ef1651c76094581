//! `cargo xtask test`: every test of the project, as one list of steps.
//!
//! Each [`Step`] names the tools it [needs](Need); the `tools` step installs
//! what the selected steps need before they run. To add a test (the wasm
//! package in Node and Chromium, the npm package, the end-to-end tests), add
//! one entry to [`STEPS`], with its needs (for example [`Need::Chromium`]).

use crate::tools::Need;
use crate::{build_gatehouse, cargo, output, repo_root, run_cmd, shared_dir};
use anyhow::{Context, Result, bail};
use std::path::Path;
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
        about: "unit, integration and doc tests of the workspace (the BFF's on SQLite and on a throwaway PostgreSQL cluster)",
        lint: false,
        needs: &[Need::Postgres],
        run: workspace_tests,
    },
    Step {
        name: "fuzz",
        about: "coverage-guided fuzzing (cargo fuzz, libFuzzer): every target in fuzz/ for 15 s from its corpus, no panic",
        lint: false,
        needs: &[Need::CargoFuzz],
        run: fuzz,
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
        about: "the Leptos console builds, split by area (web/dist)",
        lint: false,
        needs: &[Need::WasmTarget, Need::WasmBindgen, Need::ConsoleTools],
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
        about: "end-to-end: the console in headless Chromium against `gatehouse serve` (demo mode), and /mcp through the official MCP TypeScript SDK",
        lint: false,
        needs: &[Need::Chromium],
        run: |_| {
            crate::console::e2e("run.mjs")?;
            crate::console::e2e("mcp.mjs")?;
            Ok(Outcome::Passed)
        },
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
    // The BFF's store tests and its several-instance tests run on this
    // cluster too; it stops (and its files go) when the tests end.
    let cluster = PgCluster::start().context("starting a PostgreSQL cluster for the tests")?;
    let url = cluster.url();
    let with_pg = |cmd: &mut Command| {
        cmd.env(PG_ENV, &url);
        if let Some(ca) = &cluster.ca {
            cmd.env(PG_CA_ENV, ca);
        }
        run_cmd(cmd)
    };
    println!("PostgreSQL for the tests: {PG_ENV}={}", cluster.url());
    let has_nextest = output(cargo().args(["nextest", "--version"])).is_some();
    if has_nextest {
        with_pg(cargo().args(["nextest", "run", "--workspace", "--no-fail-fast", "--no-tests=warn"]))?;
        run_cmd(cargo().args(["test", "--workspace", "--doc"]))?;
    } else {
        println!("cargo-nextest not found: using cargo test");
        with_pg(cargo().args(["test", "--workspace", "--no-fail-fast"]))?;
    }
    Ok(Outcome::Passed)
}

/// The variable naming the tests' PostgreSQL cluster (read by the BFF's tests).
pub const PG_ENV: &str = "GATEHOUSE_TEST_POSTGRES";

/// The variable naming the PEM file of the certificate authority that
/// signed the tests' cluster's TLS certificate (for `localhost` and
/// 127.0.0.1), when `openssl` could make one.
pub const PG_CA_ENV: &str = "GATEHOUSE_TEST_POSTGRES_CA";

/// A throwaway PostgreSQL cluster: `initdb` into a temporary directory,
/// `pg_ctl start` on a free port of 127.0.0.1 (and a Unix socket in that
/// directory), trust authentication for the user `gatehouse`, who may
/// create databases (each test makes its own). Run as the `postgres` user
/// when this runs as root, since PostgreSQL refuses to run as root.
/// Stopped (immediately) and removed when dropped.
pub struct PgCluster {
    dir: std::path::PathBuf,
    bin: std::path::PathBuf,
    as_postgres: bool,
    port: u16,
    /// The test authority's certificate, when the cluster also speaks TLS.
    pub ca: Option<std::path::PathBuf>,
}

impl PgCluster {
    /// Creates and starts it.
    pub fn start() -> Result<Self> {
        let bin = crate::tools::postgres_bin().context(
            "PostgreSQL's initdb and pg_ctl are not installed (cargo xtask test --only tools installs them)",
        )?;
        let as_postgres = output(Command::new("id").arg("-u")).is_some_and(|uid| uid.trim() == "0");
        let dir = std::env::temp_dir().join(format!("gatehouse-pg-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        if as_postgres {
            run_cmd(Command::new("chown").arg("postgres:").arg(&dir))
                .context("running as root, the cluster runs as the `postgres` user (made by the postgresql package)")?;
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let mut cluster = Self { dir, bin, as_postgres, port, ca: None };
        let data = cluster.dir.join("data");
        let log = cluster.dir.join("server.log");
        run_cmd(cluster.pg("initdb").arg("-D").arg(&data).args([
            "-U",
            "gatehouse",
            "--auth=trust",
            "-E",
            "UTF8",
            "--no-sync",
        ]))?;
        let mut options = format!(
            "-p {port} -k {} -c listen_addresses=127.0.0.1 -c max_connections=300 -c fsync=off -c full_page_writes=off",
            cluster.dir.display()
        );
        match cluster.certificates() {
            Ok(ca) => {
                options.push_str(" -c ssl=on -c ssl_cert_file=server.pem -c ssl_key_file=server.key");
                cluster.ca = Some(ca);
            }
            Err(e) => println!("the test cluster speaks plain TCP only (no TLS certificate: {e:#})"),
        }
        run_cmd(cluster.pg("pg_ctl").arg("-D").arg(&data).arg("-l").arg(&log).args(["-w", "-o", &options, "start"]))
            .with_context(|| format!("starting PostgreSQL (its log: {})", log.display()))?;
        Ok(cluster)
    }

    /// Its URL, for the user `gatehouse` and the database `postgres`.
    pub fn url(&self) -> String {
        format!("postgres://gatehouse@127.0.0.1:{}/postgres", self.port)
    }

    /// Makes a test certificate authority and, signed by it, the server's
    /// certificate for `localhost` and 127.0.0.1 (with `openssl`, which
    /// Debian's PostgreSQL brings), in the data directory; returns the
    /// authority's certificate.
    fn certificates(&self) -> Result<std::path::PathBuf> {
        let data = self.dir.join("data");
        std::fs::write(self.dir.join("san.ext"), "subjectAltName=DNS:localhost,IP:127.0.0.1\n")?;
        let openssl = |args: &[&str]| {
            let mut cmd = self.as_user("openssl");
            cmd.args(args).current_dir(&data);
            run_cmd(cmd.stdout(std::process::Stdio::null()).stderr(std::process::Stdio::null()))
        };
        let ext = self.dir.join("san.ext");
        openssl(&[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "ca.key",
            "-out",
            "ca.pem",
            "-days",
            "2",
            "-subj",
            "/CN=gatehouse test CA",
        ])?;
        openssl(&[
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "server.key",
            "-out",
            "server.csr",
            "-subj",
            "/CN=localhost",
        ])?;
        openssl(&[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            "server.pem",
            "-days",
            "2",
            "-extfile",
            &ext.display().to_string(),
        ])?;
        run_cmd(self.as_user("chmod").args(["600"]).arg(data.join("server.key")))?;
        Ok(data.join("ca.pem"))
    }

    /// A command running `program` as the cluster's user.
    fn as_user(&self, program: &str) -> Command {
        if self.as_postgres {
            let mut cmd = Command::new("runuser");
            cmd.args(["-u", "postgres", "--", program]).current_dir(&self.dir);
            cmd
        } else {
            Command::new(program)
        }
    }

    /// A command running one of PostgreSQL's programs, as `postgres` when needed.
    fn pg(&self, program: &str) -> Command {
        let path = self.bin.join(program);
        if self.as_postgres {
            let mut cmd = Command::new("runuser");
            cmd.args(["-u", "postgres", "--"]).arg(path).current_dir(&self.dir);
            cmd
        } else {
            Command::new(path)
        }
    }
}

impl Drop for PgCluster {
    fn drop(&mut self) {
        let data = self.dir.join("data");
        let _ = self.pg("pg_ctl").arg("-D").arg(&data).args(["-m", "immediate", "stop"]).output();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
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

/// The fuzz targets of `fuzz/` (`fuzz/fuzz_targets/NAME.rs`), run in this order.
const FUZZ_TARGETS: &[&str] = &["decode_response", "error_body", "path", "lucene"];

/// Seconds each target runs (`GATEHOUSE_FUZZ_SECS` overrides it, for a longer local run).
const FUZZ_SECS: u64 = 15;

/// Builds the fuzz targets once, then runs each for [`FUZZ_SECS`].
///
/// Stable Rust builds them: `RUSTC_BOOTSTRAP=1` lets cargo-fuzz pass its
/// `-Z` flags, and `--sanitizer none` drops the one thing that really needs
/// nightly (AddressSanitizer; the code under test has no `unsafe`). The
/// coverage instrumentation (`-Cpasses=sancov-module`) is stable, and
/// libfuzzer-sys builds libFuzzer with the system C++ compiler.
///
/// Each run reads the committed seeds in `fuzz/corpus/TARGET` and writes what
/// it finds to `target/fuzz/corpus/TARGET`, which later runs start from, so
/// the tree stays clean. A crash fails the step and names its reproducer.
fn fuzz(_: &Plan) -> Result<Outcome> {
    let cxx = std::env::var("CXX").unwrap_or_else(|_| "c++".into());
    if output(Command::new(&cxx).arg("--version")).is_none() {
        return Ok(Outcome::Skipped(format!(
            "no C++ compiler (`{cxx}`) to build libFuzzer; the same properties run as property tests in `test`"
        )));
    }
    let secs = match std::env::var("GATEHOUSE_FUZZ_SECS") {
        Ok(s) if !s.is_empty() => s.parse().with_context(|| format!("GATEHOUSE_FUZZ_SECS={s} is not a number"))?,
        _ => FUZZ_SECS,
    };
    let root = repo_root();
    let dir = crate::target_dir().join("fuzz");
    let host = output(Command::new("rustc").arg("-vV"))
        .and_then(|v| v.lines().find_map(|l| l.strip_prefix("host: ").map(str::to_owned)))
        .context("`rustc -vV` names no host")?;
    let mut build = cargo();
    build.env("RUSTC_BOOTSTRAP", "1").args(["fuzz", "build", "--fuzz-dir", "fuzz", "--sanitizer", "none"]);
    // 16 codegen units (cargo-fuzz's default is 1) and the model at opt-level 1
    // (fuzz/Cargo.toml) build three times faster, and fuzz about as fast.
    build.args(["--codegen-units", "16", "--target", &host, "--target-dir"]).arg(&dir);
    run_cmd(&mut build)?;

    let mut summary = Vec::new();
    for target in FUZZ_TARGETS {
        let exe = dir.join(&host).join("release").join(target);
        let seeds = root.join("fuzz/corpus").join(target);
        let corpus = dir.join("corpus").join(target);
        let artifacts = dir.join("artifacts").join(target);
        let log = dir.join("logs").join(format!("{target}.log"));
        for d in [&corpus, &artifacts, &dir.join("logs")] {
            std::fs::create_dir_all(d).with_context(|| format!("creating {}", d.display()))?;
        }
        let mut cmd = Command::new(&exe);
        // New inputs go to the first directory; the committed seeds are only read.
        cmd.arg(&corpus);
        if seeds.is_dir() {
            cmd.arg(&seeds);
        }
        cmd.arg(format!("-max_total_time={secs}"));
        cmd.arg(format!("-artifact_prefix={}/", artifacts.display()));
        // A single input slower than this is a failure (a hang), as is a panic.
        cmd.args(["-timeout=10", "-rss_limit_mb=2048", "-print_final_stats=1"]);
        if *target == "lucene" {
            cmd.arg("-max_len=256");
        }
        println!("$ {} 2> {}", crate::command_line(&cmd), log.display());
        let file = std::fs::File::create(&log).with_context(|| format!("creating {}", log.display()))?;
        let status = cmd
            .stdout(file.try_clone()?)
            .stderr(file)
            .status()
            .with_context(|| format!("cannot start {}", exe.display()))?;
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        let stat = |name: &str| {
            text.lines().find_map(|l| l.strip_prefix(&format!("stat::{name}:")).map(|v| v.trim().to_owned()))
        };
        let execs = stat("number_of_executed_units").unwrap_or_else(|| "?".into());
        let per_sec = stat("average_exec_per_sec").unwrap_or_else(|| "?".into());
        let inputs = std::fs::read_dir(&corpus).map(|d| d.count()).unwrap_or(0);
        println!("{target}: {execs} runs ({per_sec}/s), {inputs} inputs in {}", corpus.display());
        if !status.success() {
            for line in failure_excerpt(&text) {
                println!("  | {line}");
            }
            let reproducer = crash_file(&text, &artifacts);
            let shown =
                reproducer.as_deref().map_or_else(|| artifacts.display().to_string(), |p| p.display().to_string());
            bail!(
                "fuzz target `{target}` failed ({status}); reproducer: {shown}\n  \
                 rerun it: {} {shown}\n  full log: {}\n  \
                 fix the bug, then add a regression test (and the input to fuzz/corpus/{target}/)",
                exe.display(),
                log.display()
            );
        }
        summary.push(format!("{target} {execs}"));
    }
    println!("fuzzed {secs} s each, no failure: {}", summary.join(", "));
    Ok(Outcome::Passed)
}

/// What to show of a failed run's log: the panic message and libFuzzer's verdict
/// (the backtrace stays in the log), or its last lines when there is no panic.
fn failure_excerpt(log: &str) -> Vec<&str> {
    let lines: Vec<&str> = log.lines().collect();
    let Some(start) = lines.iter().position(|l| l.contains("panicked at")) else {
        return lines[lines.len().saturating_sub(25)..].to_vec();
    };
    let panic = lines[start..].iter().take_while(|l| !l.starts_with("stack backtrace:") && !l.starts_with("note:"));
    let verdict = lines[start..]
        .iter()
        .filter(|l| l.contains("ERROR: libFuzzer") || l.starts_with("SUMMARY:") || l.contains("Test unit written to"));
    panic.take(20).chain(verdict).copied().collect()
}

/// The input libFuzzer saved for a failure (`Test unit written to PATH`), if it says.
fn crash_file(log: &str, artifacts: &Path) -> Option<std::path::PathBuf> {
    let written = log.lines().rev().find_map(|l| l.split_once("Test unit written to ").map(|(_, p)| p.trim()));
    written.map(Into::into).or_else(|| {
        let newest =
            std::fs::read_dir(artifacts).ok()?.flatten().max_by_key(|e| e.metadata().and_then(|m| m.modified()).ok());
        newest.map(|e| e.path())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const CRASH_LOG: &str = "INFO: Seed: 1\n\
        thread '<unnamed>' (29423) panicked at src/decode.rs:100:9:\n\
        DeleteRole: decoded a body that is not JSON: \"9\\0\"\n\
        stack backtrace:\n   0: __rustc::rust_begin_unwind\n\
        ==29423== ERROR: libFuzzer: deadly signal\n\
        SUMMARY: libFuzzer: deadly signal\n\
        artifact_prefix='/t/artifacts/decode_response/'; Test unit written to /t/artifacts/decode_response/crash-d233\n\
        Base64: DQAAADkA\n";

    #[test]
    fn a_crash_shows_the_panic_and_the_reproducer() {
        let excerpt = failure_excerpt(CRASH_LOG);
        assert_eq!(excerpt[0], "thread '<unnamed>' (29423) panicked at src/decode.rs:100:9:");
        assert!(excerpt[1].starts_with("DeleteRole: decoded"));
        assert!(!excerpt.iter().any(|l| l.contains("rust_begin_unwind")));
        assert!(excerpt.last().unwrap().ends_with("crash-d233"));
        let file = crash_file(CRASH_LOG, Path::new("/nonexistent"));
        assert_eq!(file.as_deref(), Some(Path::new("/t/artifacts/decode_response/crash-d233")));
    }

    #[test]
    fn fuzz_runs_after_the_tests_and_needs_cargo_fuzz() {
        let names: Vec<&str> = STEPS.iter().map(|s| s.name).collect();
        let fuzz = names.iter().position(|n| *n == "fuzz").unwrap();
        assert_eq!(names[fuzz - 1], "test");
        assert_eq!(STEPS[fuzz].needs, &[Need::CargoFuzz]);
    }
}

#[cfg(test)]
mod pg_tests {
    use super::*;

    #[test]
    fn a_throwaway_cluster_starts_takes_connections_and_goes_away() {
        if crate::tools::postgres_bin().is_none() {
            eprintln!("SKIPPED: PostgreSQL is not installed (cargo xtask test --only tools installs it)");
            return;
        }
        let cluster = PgCluster::start().unwrap();
        let url = cluster.url();
        let port = url.rsplit_once(':').unwrap().1.split('/').next().unwrap().parse::<u16>().unwrap();
        std::net::TcpStream::connect(("127.0.0.1", port)).expect("the cluster listens");
        let dir = cluster.dir.clone();
        drop(cluster);
        assert!(!dir.exists(), "its files are removed");
        assert!(std::net::TcpStream::connect(("127.0.0.1", port)).is_err(), "it is stopped");
    }
}
