//! `cordon match-service`: the federation's matching service, which holds
//! the OPRF key ring and evaluates nodes' blinded selectors
//! (`cordon_server::federation::matching`), and its upkeep: adding a node
//! with its token and quota, rotating the key at once.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use crate::output::say;
use anyhow::Context;
use cordon_federation::keyring::Schedule;
use cordon_server::federation::matching::{self, MatchConfig, MatchService, Nodes};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, clap::Subcommand)]
enum Command {
    /// Serve evaluations to the federation's nodes.
    Serve(ServeArgs),
    /// Add a node (or give it a new token): prints the token, once.
    AddNode(AddNodeArgs),
    /// Begin a new key epoch now; nodes re-pseudonymise at their next round.
    Rotate(RotateArgs),
}

#[derive(Debug, clap::Args)]
struct ServeArgs {
    /// The key ring file (created, mode 0600, when missing).
    #[arg(long, env = "CORDON_MATCH_KEYS")]
    keys: PathBuf,
    /// The nodes file (`cordon match-service add-node` writes it).
    #[arg(long, env = "CORDON_MATCH_NODES")]
    nodes: PathBuf,
    #[arg(long, env = "CORDON_MATCH_BIND", default_value = "127.0.0.1:7300")]
    bind: SocketAddr,
    /// How long a key is current: 90d, 12h, 30m, 45s.
    #[arg(long, default_value = "90d", value_parser = period)]
    rotate_every: chrono::Duration,
    /// How long a replaced key still evaluates before it is destroyed.
    #[arg(long, default_value = "7d", value_parser = period)]
    grace: chrono::Duration,
}

#[derive(Debug, clap::Args)]
struct AddNodeArgs {
    #[arg(long)]
    nodes: PathBuf,
    /// The node's name (`TH`), as in its federation file.
    #[arg(long)]
    node: String,
    /// Evaluations the node may ask for in an hour: what a node needs to
    /// pseudonymise its RED and AMBER selectors, and a bound on how many
    /// guesses it could test.
    #[arg(long, default_value_t = 2_000_000)]
    evaluations_per_hour: u32,
}

#[derive(Debug, clap::Args)]
struct RotateArgs {
    #[arg(long)]
    keys: PathBuf,
}

/// A period such as `90d`, `12h`, `30m` or `45s`, at most ten years.
fn period(text: &str) -> Result<chrono::Duration, String> {
    let bad = || format!("'{text}' is not a period like 90d, 12h, 30m or 45s (at most 3650d)");
    let unit = text.chars().last().ok_or_else(bad)?;
    let n: i64 = text[..text.len() - unit.len_utf8()]
        .parse()
        .map_err(|_| bad())?;
    let seconds = match unit {
        'd' => 86_400,
        'h' => 3_600,
        'm' => 60,
        's' => 1,
        _ => return Err(bad()),
    };
    if n <= 0 || n > 3650 * 86_400 / seconds {
        return Err(bad());
    }
    Ok(chrono::Duration::seconds(n * seconds))
}

pub async fn run(args: &Args) -> anyhow::Result<()> {
    match &args.command {
        Command::Serve(a) => serve(a).await,
        Command::AddNode(a) => {
            let valid = !a.node.is_empty()
                && a.node.len() <= 32
                && a.node
                    .bytes()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-');
            if !valid {
                anyhow::bail!(
                    "--node: a node name is 1 to 32 capital letters, digits or '-', like TH"
                );
            }
            let least = cordon_federation::protocol::MAX_BATCH as u32;
            if a.evaluations_per_hour < least {
                anyhow::bail!(
                    "--evaluations-per-hour must be at least {least}, one full batch of a node's pseudonymisation"
                );
            }
            let mut nodes = Nodes::read(&a.nodes)?;
            let token = nodes.add(&a.node, a.evaluations_per_hour);
            nodes.write(&a.nodes)?;
            say!("{token}");
            eprintln!(
                "node {} added to {}; put this token in its federation file's matching.token (it is not kept)",
                a.node,
                a.nodes.display()
            );
            Ok(())
        }
        Command::Rotate(a) => {
            let service = MatchService::open(&MatchConfig {
                keys: a.keys.clone(),
                nodes: Nodes::default(),
                schedule: Schedule {
                    rotate_every: chrono::Duration::MAX,
                    grace: chrono::Duration::MAX,
                },
                check_every: Duration::from_secs(60),
            })?;
            let epoch = service.rotate_now()?;
            say!("epoch {epoch} begins; a running service takes it within a second");
            Ok(())
        }
    }
}

async fn serve(a: &ServeArgs) -> anyhow::Result<()> {
    let nodes = Nodes::read(&a.nodes)?;
    if nodes.nodes.is_empty() {
        anyhow::bail!(
            "{} names no node; add one with `cordon match-service add-node --nodes {} --node TH`",
            a.nodes.display(),
            a.nodes.display()
        );
    }
    let config = MatchConfig {
        keys: a.keys.clone(),
        nodes,
        schedule: Schedule {
            rotate_every: a.rotate_every,
            grace: a.grace,
        },
        // Cheap (a small file read): an operator's rotation takes effect
        // within a second.
        check_every: Duration::from_secs(1),
    };
    let listener = tokio::net::TcpListener::bind(a.bind)
        .await
        .with_context(|| format!("cannot listen on {}", a.bind))?;
    say!("cordon match-service on http://{}/", listener.local_addr()?);
    matching::serve(config, listener, async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::period;

    #[test]
    fn periods_read_with_their_unit() {
        assert_eq!(period("90d").unwrap(), chrono::Duration::days(90));
        assert_eq!(period("45s").unwrap(), chrono::Duration::seconds(45));
        for bad in [
            "",
            "d",
            "0h",
            "-1d",
            "5w",
            "1.5h",
            "3651d",
            "99999999999999d",
            "5é",
        ] {
            assert!(period(bad).is_err(), "{bad}");
        }
    }
}
