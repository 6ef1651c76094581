//! `cargo xtask run`: builds Gatehouse and starts it locally.
//!
//! It starts the most complete thing that exists: `gatehouse serve` (the BFF
//! with the console), else `gatehouse emulator` (the emulated tenant alone),
//! else the replay of the recorded traffic. The process replaces xtask, so
//! Ctrl-C reaches it directly and its exit status is xtask's.

use crate::{build_gatehouse, output, shared_dir};
use anyhow::{Context, Result};
use std::process::{Command, ExitCode};

/// Options of `cargo xtask run`.
#[derive(clap::Args)]
pub struct Args {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: String,
}

/// Builds `gatehouse` and starts it.
pub fn run(args: &Args) -> Result<ExitCode> {
    // Later: build the console first (tools::ensure_trunk, then `trunk build` in web/).
    let exe = build_gatehouse()?;
    let help = output(Command::new(&exe).arg("--help")).unwrap_or_default();
    let mut cmd = Command::new(&exe);
    if has_subcommand(&help, "serve") {
        cmd.args(["serve", "--listen", &args.listen]);
    } else if has_subcommand(&help, "emulator") {
        println!(
            "note: the console arrives with the BFF (`gatehouse serve`); \
             starting the emulated tenant alone."
        );
        cmd.args(["emulator", "--listen", &args.listen]);
    } else {
        println!("note: the console and the emulated tenant are not built yet.");
        let recordings = shared_dir().join("recordings");
        if !recordings.is_dir() {
            println!(
                "Nothing to start: {} not found for `gatehouse replay` either.",
                recordings.display()
            );
            return Ok(ExitCode::FAILURE);
        }
        println!("Meanwhile, replaying the recorded traffic through the model:");
        cmd.arg("replay").arg(recordings);
    }
    exec(cmd)
}

/// Whether `--help` output lists `name` as a subcommand.
fn has_subcommand(help: &str, name: &str) -> bool {
    help.lines()
        .skip_while(|line| !line.trim_start().starts_with("Commands:"))
        .skip(1)
        .take_while(|line| line.starts_with(' '))
        .any(|line| line.split_whitespace().next() == Some(name))
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
        Ok(match status.code() {
            Some(0) => ExitCode::SUCCESS,
            Some(code) => ExitCode::from(u8::try_from(code).unwrap_or(1)),
            None => ExitCode::FAILURE,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::has_subcommand;

    #[test]
    fn finds_subcommands_in_help() {
        let help = "Tools\n\nUsage: gatehouse <COMMAND>\n\nCommands:\n  replay    Check the model\n  \
                    emulator  Serve a tenant\n  help      Print this\n\nOptions:\n  -h, --help  Print help\n";
        assert!(has_subcommand(help, "emulator"));
        assert!(has_subcommand(help, "replay"));
        assert!(!has_subcommand(help, "serve"));
        assert!(!has_subcommand(help, "-h,"));
    }
}
