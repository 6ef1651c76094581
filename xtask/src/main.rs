//! `cargo xtask`: the project's automation. See `cargo xtask --help`.

mod codegen;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "xtask", about = "Gatehouse project automation")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Regenerate the model's types from Auth0's OpenAPI specs in ../shared/auth0.
    Codegen(codegen::Args),
}

fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        Command::Codegen(args) => codegen::run(args),
    }
}
