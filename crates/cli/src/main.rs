//! `gatehouse`: the command-line binary.
//!
//! - `replay` checks the model against recorded Auth0 traffic;
//! - `emulator` runs the local tenant emulator;
//! - `serve` runs the BFF with the console.

mod replay;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "gatehouse", version, about = "Typed Auth0 Management API v2 and Teams API tooling")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check the model against recorded traffic: decode → encode every
    /// request and response body of go-vcr cassettes (`*.yaml`) and report
    /// what did not survive unchanged.
    Replay(replay::Args),
    /// Run a local Auth0 tenant emulator: the Management and Teams APIs,
    /// client-credentials tokens and admin sign-in (OIDC), on a seeded tenant.
    Emulator(Box<gatehouse_emulator::Config>),
    /// Run the backend-for-frontend: admin sign-in (OIDC), sessions, the
    /// access policy, the audit log and the API proxy. Without a tenant it
    /// runs in demo mode against an in-process emulator.
    Serve(Box<gatehouse_bff::cli::ServeArgs>),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Replay(args) => replay::run(&args),
        Command::Emulator(config) => tokio::runtime::Runtime::new()
            .map_err(anyhow::Error::from)
            .and_then(|rt| rt.block_on(gatehouse_emulator::serve(*config)))
            .map(|()| ExitCode::SUCCESS),
        Command::Serve(args) => gatehouse_bff::cli::run(&args).map(|()| ExitCode::SUCCESS),
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            eprintln!("gatehouse: {err:#}");
            ExitCode::from(2)
        }
    }
}
