//! `cordon`: the command-line entry point of Cordon.
//!
//! Each subcommand lives in its own module; this file only parses arguments
//! and turns errors into a message and an exit code.

mod normalize;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(name = "cordon", version, about = "Cordon: the intelligence exchange against scam compounds")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Normalise selectors: one JSON line out for each line on stdin.
    Normalize(normalize::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Normalize(args) => normalize::run(&args),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("cordon: {e:#}");
            ExitCode::FAILURE
        }
    }
}
