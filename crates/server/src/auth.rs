//! Who is asking: API tokens and console sessions.
//!
//! A token is 256 random bits, shown once at creation and stored only as a
//! keyed digest (HMAC-SHA256 under the deployment's token key), so that a
//! stolen database yields no usable token and no way to test guesses
//! offline without the key. The key lives outside the database: a file
//! beside the SQLite file, or `CORDON_TOKEN_KEY` for PostgreSQL.
//!
//! Resolved tokens are cached for a short time so that a hit query does not
//! touch SQL; a revocation takes effect at once on the replica that made it
//! and within [`TOKEN_CACHE_TTL`] on the others.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use parking_lot::RwLock;
use rand::RngCore;
use sha2::Sha256;

use crate::access::{Member, Role};
use cordon_store::{Store, StoreError};

/// Every token starts with this, so that secret scanners and people can
/// recognise one.
pub const TOKEN_PREFIX: &str = "cordon_";

/// How long a resolved token is trusted without asking the store again.
pub const TOKEN_CACHE_TTL: Duration = Duration::from_secs(30);

/// How long a console session lives without use.
pub const SESSION_IDLE: Duration = Duration::from_secs(8 * 3600);

/// The key under which token digests are computed.
#[derive(Clone)]
pub struct TokenKey([u8; 32]);

impl std::fmt::Debug for TokenKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenKey(…)")
    }
}

impl TokenKey {
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        TokenKey(bytes)
    }

    /// The key that wraps victim-protection cases' data keys: derived from
    /// the same secret, which lives outside the database.
    pub fn case_key(&self) -> cordon_protect::CaseKey {
        cordon_protect::CaseKey::derive(&self.0)
    }

    /// The keyed digest under which a token is stored and looked up.
    pub fn digest(&self, token: &str) -> [u8; 32] {
        let mut mac =
            <Hmac<Sha256> as Mac>::new_from_slice(&self.0).expect("hmac takes any key length");
        mac.update(token.as_bytes());
        mac.finalize().into_bytes().into()
    }

    /// Reads the key from `CORDON_TOKEN_KEY` (64 hex digits) if set, else
    /// from the key file of the database, creating that file (mode 0600)
    /// with a fresh random key the first time.
    pub fn for_database(db_url: &str) -> anyhow::Result<TokenKey> {
        if let Ok(hex_key) = std::env::var("CORDON_TOKEN_KEY") {
            return TokenKey::from_hex(&hex_key);
        }
        let Some(path) = key_file_of(db_url) else {
            anyhow::bail!(
                "set CORDON_TOKEN_KEY to 64 hex digits: a PostgreSQL deployment keeps its token key outside the database, the same on every replica"
            );
        };
        TokenKey::load_or_create(&path)
    }

    fn from_hex(text: &str) -> anyhow::Result<TokenKey> {
        let bytes = hex::decode(text.trim()).ok().filter(|b| b.len() == 32);
        let bytes = bytes.ok_or_else(|| {
            anyhow::anyhow!("CORDON_TOKEN_KEY must be 64 hex digits (32 random bytes)")
        })?;
        Ok(TokenKey(bytes.try_into().expect("length checked")))
    }

    fn load_or_create(path: &Path) -> anyhow::Result<TokenKey> {
        use std::io::Write;
        match std::fs::read_to_string(path) {
            Ok(text) => TokenKey::from_hex(&text).map_err(|_| {
                anyhow::anyhow!(
                    "token key file {} is damaged: it must hold 64 hex digits",
                    path.display()
                )
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let mut key = [0u8; 32];
                rand::rng().fill_bytes(&mut key);
                let mut options = std::fs::OpenOptions::new();
                options.write(true).create_new(true);
                #[cfg(unix)]
                std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
                match options.open(path) {
                    Ok(mut file) => {
                        file.write_all(hex::encode(key).as_bytes())?;
                        file.sync_all()?;
                        Ok(TokenKey(key))
                    }
                    // Another process created it first: use theirs.
                    Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                        TokenKey::load_or_create(path)
                    }
                    Err(e) => Err(anyhow::anyhow!(
                        "cannot create token key file {}: {e}",
                        path.display()
                    )),
                }
            }
            Err(e) => Err(anyhow::anyhow!(
                "cannot read token key file {}: {e}",
                path.display()
            )),
        }
    }
}

/// `sqlite://./cordon.db` keeps its key in `./cordon.db.key`.
fn key_file_of(db_url: &str) -> Option<PathBuf> {
    let path = db_url
        .strip_prefix("sqlite://")
        .or_else(|| db_url.strip_prefix("sqlite:"))?;
    let path = path.split('?').next().unwrap_or(path);
    Some(PathBuf::from(format!("{path}.key")))
}

/// A new random token: the prefix and 256 bits in URL-safe base64.
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    format!("{TOKEN_PREFIX}{}", URL_SAFE_NO_PAD.encode(bytes))
}

/// Issues a new token for a user: stores its keyed digest and returns the
/// secret, which is never stored and must be shown to the user once.
pub async fn issue_token(
    store: &dyn Store,
    key: &TokenKey,
    user_id: i64,
    label: &str,
) -> Result<String, StoreError> {
    let token = new_token();
    store
        .create_token(&cordon_store::NewToken {
            user_id,
            digest: key.digest(&token).to_vec(),
            label: label.to_owned(),
            created: chrono::Utc::now(),
        })
        .await?;
    Ok(token)
}

/// A fresh random identifier for sessions and CSRF tokens.
pub fn random_id() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// An authenticated caller: the member and the token it used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub member: Member,
    pub token_id: i64,
}

/// A resolved token (or the knowledge that it is no good) and when.
type Cached = (Option<Caller>, Instant);

/// Resolves tokens to callers, with a short-lived cache.
#[derive(Debug)]
pub struct Authenticator {
    key: TokenKey,
    cache: RwLock<HashMap<[u8; 32], Cached>>,
}

/// The cache is bounded: beyond this many entries it is cleared, which costs
/// only store lookups (and keeps a flood of random tokens from growing it).
const CACHE_LIMIT: usize = 100_000;

impl Authenticator {
    pub fn new(key: TokenKey) -> Self {
        Authenticator {
            key,
            cache: RwLock::new(HashMap::new()),
        }
    }

    pub fn key(&self) -> &TokenKey {
        &self.key
    }

    /// The caller a token belongs to; `None` when it is unknown or revoked.
    pub async fn resolve(
        &self,
        store: &dyn Store,
        token: &str,
    ) -> Result<Option<Caller>, StoreError> {
        if !token.starts_with(TOKEN_PREFIX) || token.len() > 128 {
            return Ok(None);
        }
        self.resolve_digest(store, &self.key.digest(token)).await
    }

    /// The caller behind a token's digest, from the cache while it is fresh.
    /// Console sessions keep the digest (never the token) and come back
    /// here, so that a revocation ends them as it ends API use.
    pub async fn resolve_digest(
        &self,
        store: &dyn Store,
        digest: &[u8; 32],
    ) -> Result<Option<Caller>, StoreError> {
        if let Some((caller, at)) = self.cache.read().get(digest)
            && at.elapsed() < TOKEN_CACHE_TTL
        {
            return Ok(caller.clone());
        }
        let caller = match store.token_by_digest(digest).await? {
            Some(t) if t.revoked.is_none() => {
                let user = store
                    .users(&t.agency)
                    .await?
                    .into_iter()
                    .find(|u| u.id == t.user_id);
                match (user, Role::parse(&t.role)) {
                    (Some(user), Some(role)) => Some(Caller {
                        member: Member {
                            agency: t.agency,
                            user_id: t.user_id,
                            user: user.name,
                            role,
                        },
                        token_id: t.id,
                    }),
                    _ => None,
                }
            }
            _ => None,
        };
        let mut cache = self.cache.write();
        if cache.len() >= CACHE_LIMIT {
            cache.clear();
        }
        cache.insert(*digest, (caller.clone(), Instant::now()));
        Ok(caller)
    }

    /// Forgets cached tokens, after a revocation on this replica.
    pub fn forget_all(&self) {
        self.cache.write().clear();
    }
}

/// A console session: who logged in, and the token that every form must
/// carry back (CSRF).
#[derive(Debug, Clone)]
pub struct Session {
    pub caller: Caller,
    pub csrf: String,
    last_used: Instant,
    /// The digest of the token the session was opened with.
    digest: [u8; 32],
}

/// Console sessions, in memory: a restart logs everyone out, which is the
/// safe direction.
#[derive(Debug, Default)]
pub struct Sessions {
    by_id: RwLock<HashMap<String, Session>>,
}

impl Sessions {
    /// Opens a session for the caller of a token; returns its id (the
    /// cookie value).
    pub fn open(&self, caller: Caller, digest: [u8; 32]) -> (String, Session) {
        let id = random_id();
        let session = Session {
            caller,
            csrf: random_id(),
            last_used: Instant::now(),
            digest,
        };
        let mut map = self.by_id.write();
        map.retain(|_, s| s.last_used.elapsed() < SESSION_IDLE);
        map.insert(id.clone(), session.clone());
        (id, session)
    }

    pub fn get(&self, id: &str) -> Option<Session> {
        let mut map = self.by_id.write();
        match map.get_mut(id) {
            Some(s) if s.last_used.elapsed() < SESSION_IDLE => {
                s.last_used = Instant::now();
                Some(s.clone())
            }
            Some(_) => {
                map.remove(id);
                None
            }
            None => None,
        }
    }

    /// The session behind a cookie if it is alive and its token still is
    /// (through the token cache, so revocation ends sessions too).
    pub async fn live(
        &self,
        id: &str,
        auth: &Authenticator,
        store: &dyn Store,
    ) -> Result<Option<Session>, StoreError> {
        let Some(session) = self.get(id) else {
            return Ok(None);
        };
        let still = auth.resolve_digest(store, &session.digest).await?;
        if still.is_some_and(|c| c.token_id == session.caller.token_id) {
            Ok(Some(session))
        } else {
            self.close(id);
            Ok(None)
        }
    }

    pub fn close(&self, id: &str) {
        self.by_id.write().remove(id);
    }
}

/// Compares two secrets in constant time.
pub fn same_secret(a: &str, b: &str) -> bool {
    use subtle::ConstantTimeEq;
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_prefixed_and_digest_under_the_key() {
        let a = new_token();
        let b = new_token();
        assert_ne!(a, b);
        assert!(a.starts_with(TOKEN_PREFIX));
        assert_eq!(a.len(), TOKEN_PREFIX.len() + 43);
        let k1 = TokenKey([1; 32]);
        let k2 = TokenKey([2; 32]);
        assert_eq!(k1.digest(&a), k1.digest(&a));
        assert_ne!(k1.digest(&a), k2.digest(&a));
    }

    #[test]
    fn the_key_file_is_created_once_and_reused() {
        let dir = tempfile::tempdir().unwrap();
        let db = format!("sqlite://{}/x.db", dir.path().display());
        let k1 = TokenKey::for_database(&db).unwrap();
        let k2 = TokenKey::for_database(&db).unwrap();
        assert_eq!(k1.0, k2.0);
        let file = dir.path().join("x.db.key");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&file).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        std::fs::write(&file, "not hex").unwrap();
        let err = TokenKey::for_database(&db).unwrap_err().to_string();
        assert!(err.contains("damaged"), "{err}");
    }

    #[test]
    fn sessions_open_find_and_close() {
        let sessions = Sessions::default();
        let caller = Caller {
            member: Member {
                agency: "KH-NCB".into(),
                user_id: 1,
                user: "sokha".into(),
                role: Role::Analyst,
            },
            token_id: 9,
        };
        let (id, s) = sessions.open(caller.clone(), [0; 32]);
        assert_eq!(sessions.get(&id).unwrap().csrf, s.csrf);
        sessions.close(&id);
        assert!(sessions.get(&id).is_none());
        let (id, _) = sessions.open(caller, [0; 32]);
        sessions.close(&id);
        assert!(sessions.get(&id).is_none());
        assert!(same_secret("abc", "abc") && !same_secret("abc", "abd"));
    }
}
