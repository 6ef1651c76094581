//! `cargo xtask bench TARGET`: runs one benchmark; see BENCHMARKS.md for the results.

use crate::{cargo, has_package, run_cmd};
use anyhow::Result;
use std::process::ExitCode;

/// Options of `cargo xtask bench`.
#[derive(clap::Args)]
pub struct Args {
    /// What to benchmark.
    #[arg(value_enum)]
    pub target: Target,
    /// Arguments passed to the benchmark after `--`.
    #[arg(last = true)]
    pub rest: Vec<String>,
}

/// The benchmarks.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum Target {
    /// The tenant emulator under load (`cargo bench -p gatehouse-emulator --bench load`).
    Emulator,
    /// The typed client against the emulator.
    Client,
    /// Latency and throughput added by the BFF (`cargo bench -p gatehouse-bff --bench proxy`).
    Bff,
    /// The console's first-load bytes and time to the users table, in headless Chromium.
    Console,
}

/// Runs the benchmark of `args.target`.
pub fn run(args: &Args) -> Result<ExitCode> {
    let (package, bench) = match args.target {
        Target::Emulator => ("gatehouse-emulator", "load"),
        Target::Client => return crate::pkg::bench(&args.rest),
        Target::Bff => ("gatehouse-bff", "proxy"),
        Target::Console => {
            crate::console::build()?;
            crate::console::e2e("bench-console.mjs")?;
            return Ok(ExitCode::SUCCESS);
        }
    };
    if !has_package(package)? {
        eprintln!("bench: the workspace has no `{package}` package yet, so there is no `{bench}` benchmark to run");
        return Ok(ExitCode::FAILURE);
    }
    let mut cmd = cargo();
    cmd.args(["bench", "-p", package, "--bench", bench]);
    // The BFF's bench also measures several instances on one PostgreSQL.
    let cluster = match args.target {
        Target::Bff => {
            crate::tools::ensure_postgres()?;
            let cluster = crate::test::PgCluster::start()?;
            cmd.env(crate::test::PG_ENV, cluster.url());
            Some(cluster)
        }
        _ => None,
    };
    if !args.rest.is_empty() {
        cmd.arg("--").args(&args.rest);
    }
    run_cmd(&mut cmd)?;
    drop(cluster);
    Ok(ExitCode::SUCCESS)
}
