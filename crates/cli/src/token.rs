//! `cordon user` and `cordon token`: the people of an agency and their API
//! tokens. A token is printed once, at creation; only its keyed digest is
//! stored.

use crate::output::say;
use anyhow::Context;
use chrono::Utc;
use cordon_core::agency::check_user_name;
use cordon_server::TokenKey;
use cordon_server::auth::issue_token;
use cordon_store::{NewUser, ROLES, Store};

#[derive(Debug, clap::Args)]
pub struct UserArgs {
    #[command(subcommand)]
    command: UserCommand,
    /// Database URL: sqlite://PATH or postgres://…
    #[arg(long, env = "CORDON_DB", default_value = crate::store::DEFAULT_DB, global = true)]
    db: String,
}

#[derive(Debug, clap::Subcommand)]
enum UserCommand {
    /// Add a user to an agency.
    Add {
        #[arg(long)]
        agency: String,
        /// Lowercase letters, digits, '.', '-', '_'.
        #[arg(long)]
        name: String,
        /// admin, analyst, contributor, or peer (the sync account of a node
        /// agency).
        #[arg(long)]
        role: String,
    },
    /// List an agency's users.
    List {
        #[arg(long)]
        agency: String,
    },
}

#[derive(Debug, clap::Args)]
pub struct TokenArgs {
    #[command(subcommand)]
    command: TokenCommand,
    /// Database URL: sqlite://PATH or postgres://…
    #[arg(long, env = "CORDON_DB", default_value = crate::store::DEFAULT_DB, global = true)]
    db: String,
}

#[derive(Debug, clap::Subcommand)]
enum TokenCommand {
    /// Create an API token for a user; prints it once.
    Create {
        #[arg(long)]
        agency: String,
        #[arg(long)]
        user: String,
        /// What the token is for, shown in listings.
        #[arg(long, default_value = "api")]
        label: String,
    },
    /// List an agency's tokens (never the secrets).
    List {
        #[arg(long)]
        agency: String,
    },
    /// Revoke a token by id; it stops working within 30 seconds everywhere.
    Revoke { id: i64 },
}

pub async fn run_user(args: &UserArgs) -> anyhow::Result<()> {
    let store = crate::store::open(&args.db).await?;
    match &args.command {
        UserCommand::Add { agency, name, role } => {
            let user = add_user(store.as_ref(), agency, name, role).await?;
            say!("added {}/{} ({})", user.agency, user.name, user.role);
        }
        UserCommand::List { agency } => {
            for u in store.users(agency).await? {
                say!("{}\t{}\t{}", u.id, u.name, u.role);
            }
        }
    }
    Ok(())
}

pub async fn run_token(args: &TokenArgs) -> anyhow::Result<()> {
    let store = crate::store::open(&args.db).await?;
    match &args.command {
        TokenCommand::Create {
            agency,
            user,
            label,
        } => {
            let key = TokenKey::for_database(&args.db)?;
            let token = create_token(store.as_ref(), &key, agency, user, label).await?;
            say!("{token}");
            eprintln!("this token is shown once; keep it secret");
        }
        TokenCommand::List { agency } => {
            for t in store.tokens(agency).await? {
                let state = t
                    .revoked
                    .map_or_else(|| "live".to_owned(), |at| format!("revoked {at}"));
                say!(
                    "{}\t{}\t{}\t{}\t{}",
                    t.id,
                    t.role,
                    t.label,
                    t.created,
                    state
                );
            }
        }
        TokenCommand::Revoke { id } => {
            anyhow::ensure!(
                store.revoke_token(*id, Utc::now()).await?,
                "no live token has id {id}; see `cordon token list --agency CODE`"
            );
            say!("revoked token {id}");
        }
    }
    Ok(())
}

/// Adds a user after checking name and role.
pub async fn add_user(
    store: &dyn Store,
    agency: &str,
    name: &str,
    role: &str,
) -> anyhow::Result<cordon_store::User> {
    check_user_name(name).map_err(|e| anyhow::anyhow!("--name: {}", e.message))?;
    anyhow::ensure!(
        ROLES.contains(&role),
        "--role: '{role}' is not a role; use admin, analyst, contributor or peer (a federated node's sync account)"
    );
    // A node agency stands for another node: it only syncs, and only its
    // peer accounts may, so that no member's account becomes a peer's.
    if let Some(a) = store.agency(agency).await? {
        let node = a.kind == "node";
        anyhow::ensure!(
            node == (role == "peer"),
            "--role: {agency} is {} agency; {}",
            if node { "a node" } else { "a member" },
            if node {
                "its users are peer accounts (--role peer)"
            } else {
                "only a node agency (--kind node) has peer accounts"
            }
        );
    }
    Ok(store
        .create_user(&NewUser {
            agency: agency.to_owned(),
            name: name.to_owned(),
            role: role.to_owned(),
        })
        .await?)
}

/// Creates a token for an existing user and returns its secret.
pub async fn create_token(
    store: &dyn Store,
    key: &TokenKey,
    agency: &str,
    user: &str,
    label: &str,
) -> anyhow::Result<String> {
    let found = store
        .user(agency, user)
        .await?
        .with_context(|| format!("no user '{user}' in {agency}; add one with `cordon user add`"))?;
    Ok(issue_token(store, key, found.id, label).await?)
}
