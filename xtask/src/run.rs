//! `cargo xtask run`: builds the console and Gatehouse, then starts the BFF.
//!
//! Without a tenant configured, `gatehouse serve` runs in demo mode against
//! an in-process emulated tenant and prints the console URL and the demo
//! sign-ins. The process replaces xtask, so Ctrl-C reaches it directly.

use crate::build_gatehouse;
use anyhow::{Context, Result};
use std::process::{Command, ExitCode};

/// Options of `cargo xtask run`.
#[derive(clap::Args)]
pub struct Args {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: String,
    /// Start without rebuilding the console (serve whatever web/dist holds).
    #[arg(long)]
    pub no_console_build: bool,
}

/// Builds the console and `gatehouse`, then starts `gatehouse serve`.
pub fn run(args: &Args) -> Result<ExitCode> {
    let dist = if args.no_console_build { crate::repo_root().join("web/dist") } else { crate::console::build()? };
    let exe = build_gatehouse()?;
    let mut cmd = Command::new(&exe);
    cmd.args(["serve", "--listen", &args.listen]).arg("--console-dir").arg(dist);
    exec(cmd)
}

/// Replaces this process with `cmd` (Unix), so signals such as Ctrl-C go
/// straight to it; elsewhere runs it and returns its status.
fn exec(mut cmd: Command) -> Result<ExitCode> {
    println!("$ {}", crate::command_line(&cmd));
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        let err = cmd.exec();
        Err(err).context("cannot start gatehouse")
    }
    #[cfg(not(unix))]
    {
        let status = cmd.status().context("cannot start gatehouse")?;
        Ok(if status.success() { ExitCode::SUCCESS } else { ExitCode::FAILURE })
    }
}
