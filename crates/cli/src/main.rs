//! `cordon`: the command-line entry point of Cordon.
//!
//! Each subcommand lives in its own module; this file only parses arguments
//! and turns errors into a message and an exit code.

mod agency;
mod analyze;
mod audit;
mod backup;
mod case;
mod demo;
mod export;
mod flows;
mod import;
mod match_service;
mod normalize;
mod output;
mod patterns;
mod prevent;
mod progress;
mod serve;
mod sim;
mod store;
mod token;
mod trace;
mod world;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Imports and the server allocate millions of small values from several
/// threads at once (one STIX bundle is hundreds of thousands of JSON
/// trees); mimalloc's per-thread heaps serve that far faster than glibc's.
/// Built without the `mimalloc` feature, the system allocator serves, for
/// heap profilers.
#[cfg(feature = "mimalloc")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Debug, Parser)]
#[command(
    name = "cordon",
    version,
    about = "Cordon: the intelligence exchange against scam compounds"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Simulate a world, load it into an embedded store and summarise it.
    Demo(demo::Args),
    /// Generate a deterministic simulated world with ground truth.
    Sim(sim::Args),
    /// Import reports from JSON lines, CSV, STIX 2.1 bundles, MISP events or
    /// feeds, or a simulated world's folder.
    Import(import::Args),
    /// Export what an agency may read: a STIX 2.1 bundle, MISP events or a
    /// MISP feed.
    Export(export::Args),
    /// Normalise selectors: one JSON line out for each line on stdin.
    Normalize(normalize::Args),
    /// Register and list member agencies.
    Agency(agency::Args),
    /// Add and list an agency's users.
    User(token::UserArgs),
    /// Create, list and revoke API tokens.
    Token(token::TokenArgs),
    /// Serve the API and web console.
    Serve(serve::Args),
    /// Check the audit log's hash chain.
    Audit(audit::Args),
    /// Find communities in an edge list (the method that groups reports
    /// into networks), to compare with other graph tools.
    Analyze(analyze::Args),
    /// Money: import flows, conversions and attribution tags; find mule
    /// accounts and wallet clusters.
    Flows(flows::Args),
    /// Trace money from a payment, a wallet or an account, as one agency
    /// may see it.
    Trace(trace::Args),
    /// Victim-protection cases as one agency's user: open, move, screen, export.
    Case(case::Args),
    /// Prevention: train and evaluate the job-offer risk model, check an
    /// advert offline.
    Prevent(prevent::Args),
    /// Copy the embedded store and its token key while it serves.
    Backup(backup::BackupArgs),
    /// Restore a backup into a new path.
    Restore(backup::RestoreArgs),
    /// The federation's matching service: evaluate nodes' blinded
    /// selectors, add nodes, rotate the key.
    MatchService(match_service::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli.command) {
        Ok(code) => code,
        // A reader that went away early is no failure (`| head`).
        Err(e) if output::is_closed_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("cordon: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(command: Command) -> anyhow::Result<ExitCode> {
    match command {
        // Pure, synchronous work needs no async runtime.
        Command::Normalize(args) => normalize::run(&args),
        Command::Sim(args) => sim::run(&args).map(|_| ExitCode::SUCCESS),
        Command::Demo(args) => {
            init_logs();
            block_on(demo::run(&args))
        }
        Command::Import(args) => block_on(async { import::run(&args).await.map(|_| ()) }),
        Command::Export(args) => block_on(export::run(&args)),
        Command::Agency(args) => block_on(agency::run(&args)),
        Command::User(args) => block_on(token::run_user(&args)),
        Command::Token(args) => block_on(token::run_token(&args)),
        Command::Backup(args) => backup::backup(&args).map(|()| ExitCode::SUCCESS),
        Command::Restore(args) => backup::restore(&args).map(|()| ExitCode::SUCCESS),
        Command::MatchService(args) => {
            init_logs();
            block_on(match_service::run(&args))
        }
        Command::Serve(args) => {
            init_logs();
            block_on(serve::run(&args))
        }
        Command::Audit(args) => block_on(audit::run(&args)),
        Command::Analyze(args) => analyze::run(&args).map(|()| ExitCode::SUCCESS),
        Command::Flows(args) => block_on(flows::run(&args)),
        Command::Trace(args) => block_on(trace::run(&args)),
        Command::Case(args) => block_on(case::run(&args)),
        Command::Prevent(args) => prevent::run(&args),
    }
}

/// Structured logs on stderr for the long-running commands; `RUST_LOG`
/// chooses what (default: info).
fn init_logs() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .try_init();
}

/// Runs an async command on a multi-threaded runtime.
fn block_on(
    work: impl std::future::Future<Output = anyhow::Result<()>>,
) -> anyhow::Result<ExitCode> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(work)?;
    Ok(ExitCode::SUCCESS)
}
