//! `cordon agency`: register and list member agencies.

use crate::output::say;
use anyhow::Context;
use cordon_core::agency::{AgencyKind, check_code};
use cordon_core::selector::Region;
use cordon_store::NewAgency;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
    /// Database URL: sqlite://PATH or postgres://…
    #[arg(long, env = "CORDON_DB", default_value = crate::store::DEFAULT_DB, global = true)]
    db: String,
}

#[derive(Debug, clap::Subcommand)]
enum Command {
    /// Register a member agency.
    Add {
        /// Its code: country, dash, name (KH-NCB).
        #[arg(long)]
        code: String,
        #[arg(long)]
        name: String,
        /// ISO 3166-1 alpha-2 country.
        #[arg(long)]
        country: String,
        /// police, ncb, fiu, ngo, hotline, bank, telecom, platform, or node (a
        /// federated peer node's account).
        #[arg(long)]
        kind: String,
        /// What other agencies see on a hit: a desk, an email, a phone.
        #[arg(long)]
        contact: String,
    },
    /// List registered agencies.
    List,
}

pub async fn run(args: &Args) -> anyhow::Result<()> {
    let store = crate::store::open(&args.db).await?;
    match &args.command {
        Command::Add {
            code,
            name,
            country,
            kind,
            contact,
        } => {
            let agency = new_agency(code, name, country, kind, contact)?;
            store.create_agency(&agency).await?;
            say!("registered {} ({})", agency.code, agency.name);
        }
        Command::List => {
            for a in store.agencies().await? {
                say!(
                    "{}\t{}\t{}\t{}\t{}",
                    a.code,
                    a.country,
                    a.kind,
                    a.name,
                    a.contact
                );
            }
        }
    }
    Ok(())
}

/// Checks and builds an agency record from user input.
pub fn new_agency(
    code: &str,
    name: &str,
    country: &str,
    kind: &str,
    contact: &str,
) -> anyhow::Result<NewAgency> {
    check_code(code)?;
    let kind: AgencyKind = kind.parse()?;
    let country: Region = country.parse().context("--country")?;
    let name = name.trim();
    let contact = contact.trim();
    anyhow::ensure!(
        !name.is_empty() && name.len() <= 200,
        "name: give 1 to 200 characters"
    );
    anyhow::ensure!(
        !contact.is_empty() && contact.len() <= 200,
        "contact: give a desk, email or phone that other agencies may use (1 to 200 characters)"
    );
    Ok(NewAgency {
        code: code.to_owned(),
        name: name.to_owned(),
        country: country.to_string(),
        kind: kind.to_string(),
        contact: contact.to_owned(),
    })
}
