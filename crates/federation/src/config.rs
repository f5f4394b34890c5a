//! A node's federation: who it is, its matching service, and the peers it
//! trusts, read from one JSON file (`cordon serve --federation FILE`).
//!
//! ```json
//! {
//!   "node": "TH",
//!   "every_seconds": 10,
//!   "matching": { "url": "http://10.0.0.5:7300", "token": "…" },
//!   "peers": [
//!     { "node": "KE", "url": "https://cordon.ke.example", "token": "cordon_…",
//!       "accept": "AMBER", "amber_to": ["TH-DSI"] }
//!   ]
//! }
//! ```
//!
//! What a node sends a peer is decided where it is served: the peer pulls
//! with a token of the `peer` role that this node's admin gave it, and the
//! access rules let that role read only what may leave. What a node takes
//! from a peer is decided here: nothing above `accept`, and AMBER only for
//! the local agencies in `amber_to`.

use cordon_core::Tlp;
use serde::Deserialize;

/// Why a federation file cannot be used: the field at fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct ConfigError {
    pub field: String,
    pub message: String,
}

fn error(field: impl Into<String>, message: impl Into<String>) -> ConfigError {
    ConfigError {
        field: field.into(),
        message: message.into(),
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FederationConfig {
    /// This node's name, as its peers know it (`TH`).
    pub node: String,
    /// Seconds between two rounds of sync and matching.
    #[serde(default = "default_every")]
    pub every_seconds: u64,
    pub matching: Option<MatchingConfig>,
    #[serde(default)]
    pub peers: Vec<PeerConfig>,
}

fn default_every() -> u64 {
    30
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MatchingConfig {
    pub url: String,
    /// This node's token at the matching service.
    pub token: String,
}

impl MatchingConfig {
    /// The URL of one of the service's endpoints (`/match/v1/…`).
    pub fn endpoint(&self, path: &str) -> String {
        format!("{}{path}", self.url.trim_end_matches('/'))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PeerConfig {
    /// The peer's node name: the provenance of what comes from it.
    pub node: String,
    /// The peer's base URL (its TAXII root is `/taxii2/cordon/` under it).
    pub url: String,
    /// A `peer` token the peer's admin issued to this node.
    pub token: String,
    /// The least shareable marking taken from this peer; objects marked
    /// above it are refused. AMBER+STRICT and RED never leave a node.
    #[serde(default = "default_accept")]
    pub accept: Tlp,
    /// The local agencies that read AMBER received from this peer: what
    /// the peer addressed to this node goes to them and no one else.
    #[serde(default)]
    pub amber_to: Vec<String>,
    /// The TAXII collection pulled: every object this node may receive.
    #[serde(default = "default_collection")]
    pub collection: String,
    /// Objects asked for per TAXII page (1 to 10,000); each page is stored
    /// in one durable write before its checkpoint.
    #[serde(default = "default_page")]
    pub page: usize,
}

fn default_page() -> usize {
    1_000
}

fn default_accept() -> Tlp {
    Tlp::Amber
}

fn default_collection() -> String {
    "all".to_owned()
}

fn valid_name(name: &str) -> bool {
    (1..=32).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-')
}

fn valid_url(url: &str) -> bool {
    (url.starts_with("http://") || url.starts_with("https://"))
        && !url.contains(char::is_whitespace)
}

impl FederationConfig {
    /// Reads and checks a federation file's text.
    pub fn from_json(text: &str) -> Result<FederationConfig, ConfigError> {
        let config: FederationConfig = serde_json::from_str(text).map_err(|e| {
            error(
                format!("line {}", e.line()),
                format!("not a federation file: {e}"),
            )
        })?;
        config.check()?;
        Ok(config)
    }

    fn check(&self) -> Result<(), ConfigError> {
        if !valid_name(&self.node) {
            return Err(error(
                "node",
                "a node name is 1 to 32 capital letters, digits or '-', like TH",
            ));
        }
        if self.every_seconds == 0 {
            return Err(error("every_seconds", "must be at least 1"));
        }
        if let Some(m) = &self.matching {
            if !valid_url(&m.url) {
                return Err(error("matching.url", "must be an http:// or https:// URL"));
            }
            if m.token.is_empty() {
                return Err(error("matching.token", "is empty"));
            }
        }
        let mut seen = std::collections::HashSet::new();
        for (i, p) in self.peers.iter().enumerate() {
            let field = |f: &str| format!("peers[{i}].{f}");
            if !valid_name(&p.node) {
                return Err(error(
                    field("node"),
                    "a node name is 1 to 32 capital letters, digits or '-'",
                ));
            }
            if p.node == self.node {
                return Err(error(field("node"), "a node is not its own peer"));
            }
            if !seen.insert(&p.node) {
                return Err(error(field("node"), format!("{} is listed twice", p.node)));
            }
            if !valid_url(&p.url) {
                return Err(error(field("url"), "must be an http:// or https:// URL"));
            }
            if p.token.is_empty() {
                return Err(error(field("token"), "is empty"));
            }
            if !(1..=10_000).contains(&p.page) {
                return Err(error(field("page"), "must lie in 1..10000"));
            }
            if p.accept > Tlp::Amber {
                return Err(error(
                    field("accept"),
                    "AMBER+STRICT and RED never leave a node: accept CLEAR, GREEN or AMBER",
                ));
            }
            if p.accept == Tlp::Amber && p.amber_to.is_empty() {
                return Err(error(
                    field("amber_to"),
                    "name the local agencies that read AMBER from this peer, or accept GREEN",
                ));
            }
        }
        Ok(())
    }

    pub fn peer(&self, node: &str) -> Option<&PeerConfig> {
        self.peers.iter().find(|p| p.node == node)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"{
        "node": "TH",
        "every_seconds": 5,
        "matching": {"url": "http://127.0.0.1:7300", "token": "t"},
        "peers": [
            {"node": "KE", "url": "http://127.0.0.1:8082", "token": "cordon_x",
             "accept": "AMBER", "amber_to": ["TH-DSI"]},
            {"node": "PH", "url": "https://ph.example", "token": "cordon_y", "accept": "GREEN"}
        ]
    }"#;

    #[test]
    fn a_federation_file_reads_with_its_defaults() {
        let c = FederationConfig::from_json(GOOD).unwrap();
        assert_eq!(c.peers.len(), 2);
        assert_eq!(c.peer("PH").unwrap().accept, Tlp::Green);
        assert_eq!(c.peer("KE").unwrap().collection, "all");
        assert!(c.peer("XX").is_none());
    }

    #[test]
    fn each_mistake_names_its_field() {
        let cases = [
            (GOOD.replace("\"TH\"", "\"th\""), "node"),
            (GOOD.replace("\"KE\"", "\"TH\""), "peers[0].node"),
            (GOOD.replace("\"PH\"", "\"KE\""), "peers[1].node"),
            (
                GOOD.replace("https://ph.example", "ftp://x"),
                "peers[1].url",
            ),
            (GOOD.replace("\"GREEN\"", "\"RED\""), "peers[1].accept"),
            (GOOD.replace("\"TH-DSI\"", ""), "peers[0].amber_to"),
            (
                GOOD.replace("\"every_seconds\": 5", "\"every_seconds\": 0"),
                "every_seconds",
            ),
            (GOOD.replace("\"t\"}", "\"\"}"), "matching.token"),
            (
                GOOD.replace("\"GREEN\"}", "\"GREEN\", \"page\": 0}"),
                "peers[1].page",
            ),
            (
                GOOD.replace(
                    "\"accept\": \"GREEN\"",
                    "\"accept\": \"GREEN\", \"page\": 0",
                ),
                "peers[1].page",
            ),
        ];
        for (text, field) in cases {
            let e = FederationConfig::from_json(&text).unwrap_err();
            assert_eq!(e.field, field, "{e}");
        }
        let e = FederationConfig::from_json("{\"node\": \"TH\", \"colour\": 1}").unwrap_err();
        assert!(e.message.contains("colour"), "{e}");
    }
}
