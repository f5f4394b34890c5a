//! `cordon audit verify`: checks the whole hash chain of the audit log.

use crate::output::say;
use cordon_store::audit::{GENESIS, verify};

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
    /// Recompute every record's hash and link; fails at the first break.
    Verify,
}

const PAGE: u32 = 10_000;

pub async fn run(args: &Args) -> anyhow::Result<()> {
    let Command::Verify = args.command;
    let store = crate::store::open(&args.db).await?;
    let total = store.counts().await?.audit;
    let bar = crate::progress::bar(total, "verifying the audit log");
    let (mut seq, mut hash) = (0i64, GENESIS.to_owned());
    loop {
        let page = store.audit_after(seq, PAGE).await?;
        if page.is_empty() {
            break;
        }
        (seq, hash) = verify(seq, hash, &page)
            .map_err(|e| anyhow::anyhow!("the audit log is broken: {e}"))?;
        bar.inc(page.len() as u64);
    }
    bar.finish_and_clear();
    say!("audit log intact: {seq} records, last hash {hash}");
    Ok(())
}
