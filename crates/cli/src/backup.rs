//! `cordon backup` and `cordon restore`: an online, consistent copy of the
//! embedded store and its token key, and its restore into a new path
//! (`cordon_store_sqlite::backup`). A PostgreSQL deployment backs up with
//! PostgreSQL's own tools (`pg_dump`, `pg_basebackup`) and keeps its
//! `CORDON_TOKEN_KEY` apart, as it already does.

use std::path::{Path, PathBuf};

use anyhow::Context;

#[derive(Debug, clap::Args)]
pub struct BackupArgs {
    /// The store to copy: sqlite://PATH. The server may be running.
    #[arg(long, env = "CORDON_DB", default_value = crate::store::DEFAULT_DB)]
    db: String,
    /// The new file to write (never overwritten); its token key goes
    /// beside it as FILE.key.
    #[arg(long)]
    out: PathBuf,
}

#[derive(Debug, clap::Args)]
pub struct RestoreArgs {
    /// A file `cordon backup` wrote.
    #[arg(long)]
    from: PathBuf,
    /// Where the restored store goes: sqlite://PATH, a path that does not
    /// exist yet.
    #[arg(long)]
    db: String,
}

fn sqlite_only(db: &str) -> anyhow::Result<()> {
    if db.starts_with("postgres://") || db.starts_with("postgresql://") {
        anyhow::bail!(
            "--db: cordon backup copies the embedded SQLite store; back PostgreSQL up with pg_dump or pg_basebackup, and keep CORDON_TOKEN_KEY with it"
        );
    }
    Ok(())
}

/// The token key file beside a database file (sealed cases and tokens
/// need it: a backup without it restores data no one can log in to).
fn key_of(path: &Path) -> PathBuf {
    PathBuf::from(format!("{}.key", path.display()))
}

fn file_of(db: &str) -> PathBuf {
    let rest = db
        .strip_prefix("sqlite://")
        .or_else(|| db.strip_prefix("sqlite:"))
        .unwrap_or(db);
    PathBuf::from(rest.split('?').next().unwrap_or(rest))
}

pub fn backup(args: &BackupArgs) -> anyhow::Result<()> {
    sqlite_only(&args.db)?;
    let key = key_of(&file_of(&args.db));
    let out_key = key_of(&args.out);
    if out_key.exists() {
        anyhow::bail!("{} exists; name a new backup file", out_key.display());
    }
    let copied = cordon_store_sqlite::backup::backup(&args.db, &args.out)
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    if key.exists() {
        std::fs::copy(&key, &out_key)
            .with_context(|| format!("cannot copy the token key to {}", out_key.display()))?;
    }
    eprintln!(
        "backed up {} reports ({} bytes) to {}{}",
        copied.reports,
        copied.bytes,
        args.out.display(),
        if key.exists() {
            format!(" and its token key to {}", out_key.display())
        } else {
            String::new()
        }
    );
    Ok(())
}

pub fn restore(args: &RestoreArgs) -> anyhow::Result<()> {
    sqlite_only(&args.db)?;
    let target = file_of(&args.db);
    let target_key = key_of(&target);
    if target_key.exists() {
        anyhow::bail!("{} exists; restore into a new path", target_key.display());
    }
    let copied = cordon_store_sqlite::backup::restore(&args.from, &args.db)
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let key = key_of(&args.from);
    if key.exists() {
        std::fs::copy(&key, &target_key)
            .with_context(|| format!("cannot copy the token key to {}", target_key.display()))?;
    }
    eprintln!(
        "restored {} reports ({} bytes) into {}",
        copied.reports,
        copied.bytes,
        target.display()
    );
    Ok(())
}
