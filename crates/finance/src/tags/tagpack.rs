//! GraphSense TagPacks: the YAML files in which the public attribution
//! tags of crypto addresses are shared, read into [`Tag`]s and written
//! from them.
//!
//! A TagPack has a header (`title`, `creator`, `description`, `is_public`;
//! any tag field there, such as `currency`, `category`, `confidence` or
//! `source`, is a default for every tag) and a `tags:` list of `address`,
//! `label`, `currency`, `network`, `category`, `abuse`, `confidence`,
//! `source`, `context`… Fields follow the schema of GraphSense's
//! `tagpack-tool` (25.8); a field outside it is an error, as there.
//!
//! Reading:
//!
//! - The address's chain is the tag's `network`, else its `currency`
//!   (`BTC`, `ETH`, `TRX`, `LTC`, `DOGE`, `XRP`, `BSC`, `MATIC`, `ARB`,
//!   `OP`, `AVAX`, `BASE`, `SOL`; `USDT`/`USDC` without a network go by the
//!   address's shape). The address becomes a canonical selector, checksum
//!   checked. Tags on chains Cordon has no selector for (`ZEC`, `XMR`,
//!   `BCH`…) and tags on a transaction (`tx_hash`) are skipped and listed.
//! - Categories and confidences map as [`category_of`] and
//!   [`CONFIDENCE_LEVELS`] say (docs/FLOWS.md has the tables).
//! - A pack with any bad tag imports nothing; every error names its field
//!   (`tags[3].address`) and its line. Lines come from the YAML parser
//!   ([`super::locate`]); past [`MAX_LOCATED`] errors, the rest carry the
//!   line of the `tags:` list.
//!
//! Writing maps back: a tag whose category or confidence GraphSense cannot
//! say exactly (an OTC desk, a confidence between two levels) carries
//! Cordon's values in its `context`, a JSON object with a `cordon` member,
//! so that a pack written and read again gives the same tags. Bank
//! accounts have no GraphSense currency and are refused.

use serde_json::json;

use super::locate::{Step, line_of};
use super::{Category, Confidence, Tag, TagError};
use crate::import::{LineError, Rejected, Skipped};
use cordon_core::selector::{Hint, normalize_one};

/// GraphSense's confidence ids and their levels (its `confidence.csv`).
pub const CONFIDENCE_LEVELS: &[(&str, u8)] = &[
    ("override", 100),
    ("ownership", 100),
    ("ledger_immanent", 100),
    ("manual_transaction", 90),
    ("service_api", 70),
    ("forensic_investigation", 70),
    ("authority_data", 60),
    ("trusted_provider", 50),
    ("service_data", 50),
    ("forensic", 50),
    ("untrusted_transaction", 40),
    ("web_crawl", 20),
    ("heuristic", 10),
    ("unknown", 5),
];

/// The id written for each level (one per level, highest first).
const CONFIDENCE_WRITTEN: &[(&str, u8)] = &[
    ("ownership", 100),
    ("manual_transaction", 90),
    ("forensic_investigation", 70),
    ("authority_data", 60),
    ("forensic", 50),
    ("untrusted_transaction", 40),
    ("web_crawl", 20),
    ("heuristic", 10),
    ("unknown", 5),
];

/// Errors given their own line; see the module doc.
pub const MAX_LOCATED: usize = 200;

const HEADER_FIELDS: &[&str] = &[
    "title",
    "creator",
    "description",
    "owner",
    "is_public",
    "tags",
];
const TAG_FIELDS: &[&str] = &[
    "label",
    "source",
    "currency",
    "network",
    "context",
    "confidence",
    "is_cluster_definer",
    "lastmod",
    "category",
    "abuse",
    "address",
    "tx_hash",
    "actor",
    "concepts",
    "tag_type",
];

/// A TagPack's own fields.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TagPackHeader {
    pub title: String,
    pub creator: String,
    pub description: Option<String>,
    /// Deprecated by GraphSense (a flag of its insert command now), still
    /// read and written.
    pub is_public: Option<bool>,
}

/// A TagPack read: its header, its tags, and the tags left out with why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagPack {
    pub header: TagPackHeader,
    pub tags: Vec<Tag>,
    pub skipped: Vec<Skipped>,
}

/// A field's value and where it is (its path in the document).
struct Field<'a> {
    value: &'a yaml_serde::Value,
    path: Vec<Step>,
}

/// An error at a path, before its line is located.
struct PathError {
    path: Vec<Step>,
    message: String,
}

fn key(k: &str) -> Step {
    Step::Key(k.to_owned())
}

/// `tags[3].address` from a path.
fn dotted(path: &[Step]) -> String {
    let mut out = String::new();
    for step in path {
        match step {
            Step::Key(k) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(k);
            }
            Step::Index(i) => out.push_str(&format!("[{i}]")),
        }
    }
    out
}

/// Reads a TagPack; all of it, or every error.
pub fn read_tagpack(text: &str) -> Result<TagPack, Rejected> {
    let doc: yaml_serde::Value = yaml_serde::from_str(text).map_err(|e| Rejected {
        errors: vec![LineError {
            line: e.location().map_or(1, |l| l.line() as u64),
            field: None,
            message: format!("not yaml: {e}"),
        }],
    })?;
    let mut errors: Vec<PathError> = Vec::new();
    let mut skipped_at: Vec<(Vec<Step>, String)> = Vec::new();
    let mut tags = Vec::new();
    let header = read_pack(&doc, &mut tags, &mut skipped_at, &mut errors);
    let tags_line = || line_of(text, &[key("tags")]).unwrap_or(1);
    let locate = |path: &[Step], n: usize| {
        if n < MAX_LOCATED {
            line_of(text, path).unwrap_or_else(|| {
                // A missing field: the line of what should hold it.
                path.len()
                    .checked_sub(1)
                    .and_then(|k| line_of(text, &path[..k]))
                    .unwrap_or(1)
            })
        } else {
            tags_line()
        }
    };
    if !errors.is_empty() {
        // A bad header default is one error, not one per tag.
        let mut seen = std::collections::HashSet::new();
        errors.retain(|e| seen.insert((dotted(&e.path), e.message.clone())));
        let mut located: Vec<LineError> = errors
            .into_iter()
            .enumerate()
            .map(|(n, e)| LineError {
                line: locate(&e.path, n),
                field: (!e.path.is_empty()).then(|| dotted(&e.path)),
                message: e.message,
            })
            .collect();
        located.sort_by_key(|e| e.line);
        return Err(Rejected { errors: located });
    }
    let skipped = skipped_at
        .into_iter()
        .enumerate()
        .map(|(n, (path, reason))| Skipped {
            line: locate(&path, n),
            reason,
        })
        .collect();
    Ok(TagPack {
        header: header.unwrap_or_default(),
        tags,
        skipped,
    })
}

fn read_pack(
    doc: &yaml_serde::Value,
    tags: &mut Vec<Tag>,
    skipped: &mut Vec<(Vec<Step>, String)>,
    errors: &mut Vec<PathError>,
) -> Option<TagPackHeader> {
    let Some(top) = doc.as_mapping() else {
        errors.push(PathError {
            path: Vec::new(),
            message: "a tagpack is a mapping with title, creator and tags".into(),
        });
        return None;
    };
    // tagpack-tool lifts the fields of a `header:` mapping to the top.
    let mut fields: Vec<(String, Field)> = Vec::new();
    for (k, v) in top {
        let Some(name) = k.as_str() else {
            errors.push(PathError {
                path: Vec::new(),
                message: format!("a key is not text: {k:?}"),
            });
            continue;
        };
        if name == "header" {
            match v.as_mapping() {
                Some(inner) => {
                    for (hk, hv) in inner {
                        if let Some(hname) = hk.as_str() {
                            fields.push((
                                hname.to_owned(),
                                Field {
                                    value: hv,
                                    path: vec![key("header"), key(hname)],
                                },
                            ));
                        }
                    }
                }
                None => errors.push(PathError {
                    path: vec![key("header")],
                    message: "header is a mapping of header fields".into(),
                }),
            }
            continue;
        }
        fields.push((
            name.to_owned(),
            Field {
                value: v,
                path: vec![key(name)],
            },
        ));
    }
    let mut header = TagPackHeader::default();
    let mut defaults: Vec<(String, Field)> = Vec::new();
    let mut list: Option<Field> = None;
    for (name, field) in fields {
        match name.as_str() {
            "title" => header.title = text(&field, errors).unwrap_or_default(),
            "creator" => header.creator = text(&field, errors).unwrap_or_default(),
            "description" => header.description = text(&field, errors),
            // `owner` is tagpack-tool's and not stored; `created` and a
            // header `lastmod` appear in older public packs.
            "owner" | "created" | "lastmod" => {}
            "is_public" => match field.value.as_bool() {
                Some(b) => header.is_public = Some(b),
                None => errors.push(PathError {
                    path: field.path,
                    message: "is_public is true or false".into(),
                }),
            },
            "tags" => list = Some(field),
            other if TAG_FIELDS.contains(&other) => defaults.push((name, field)),
            other => errors.push(PathError {
                path: field.path,
                message: format!(
                    "field {other:?} is not allowed in a tagpack header; allowed: {}, and tag fields as defaults: {}",
                    HEADER_FIELDS.join(", "),
                    TAG_FIELDS.join(", ")
                ),
            }),
        }
    }
    for (name, value) in [("title", &header.title), ("creator", &header.creator)] {
        if value.trim().is_empty() && !errors.iter().any(|e| e.path.last() == Some(&key(name))) {
            errors.push(PathError {
                path: vec![key(name)],
                message: format!("a tagpack needs its {name}"),
            });
        }
    }
    let Some(list) = list else {
        errors.push(PathError {
            path: vec![key("tags")],
            message: "a tagpack needs a tags list".into(),
        });
        return Some(header);
    };
    let Some(items) = list.value.as_sequence() else {
        errors.push(PathError {
            path: list.path,
            message: "tags is a list of tags".into(),
        });
        return Some(header);
    };
    for (i, item) in items.iter().enumerate() {
        let mut path = list.path.clone();
        path.push(Step::Index(i));
        match read_tag(item, &path, &defaults) {
            Ok(Read::Tag(t)) => tags.push(t),
            Ok(Read::Skip(reason)) => skipped.push((path, reason)),
            Err(mut es) => errors.append(&mut es),
        }
    }
    Some(header)
}

enum Read {
    Tag(Tag),
    Skip(String),
}

fn text(field: &Field, errors: &mut Vec<PathError>) -> Option<String> {
    match field.value.as_str() {
        Some(s) => Some(s.to_owned()),
        None => {
            errors.push(PathError {
                path: field.path.clone(),
                message: format!("{} is text", dotted(&field.path)),
            });
            None
        }
    }
}

fn read_tag(
    item: &yaml_serde::Value,
    path: &[Step],
    defaults: &[(String, Field)],
) -> Result<Read, Vec<PathError>> {
    let Some(map) = item.as_mapping() else {
        return Err(vec![PathError {
            path: path.to_vec(),
            message: "a tag is a mapping of tag fields".into(),
        }]);
    };
    let mut errors = Vec::new();
    let mut own: Vec<(String, Field)> = Vec::new();
    for (k, v) in map {
        let name = k.as_str().unwrap_or_default().to_owned();
        let mut p = path.to_vec();
        p.push(key(&name));
        if !TAG_FIELDS.contains(&name.as_str()) {
            errors.push(PathError {
                path: p,
                message: format!(
                    "field {name:?} is not allowed in a tag; allowed: {}",
                    TAG_FIELDS.join(", ")
                ),
            });
            continue;
        }
        own.push((name, Field { value: v, path: p }));
    }
    // A tag's own field wins over the header's default.
    let get = |name: &str| -> Option<&Field> {
        own.iter()
            .chain(defaults.iter())
            .find(|(n, _)| n == name)
            .map(|(_, f)| f)
    };
    let missing = |name: &str| {
        let mut p = path.to_vec();
        p.push(key(name));
        PathError {
            path: p,
            message: format!("a tag needs its {name} (here or as a header default)"),
        }
    };
    let text_of = |name: &str, errors: &mut Vec<PathError>| -> Option<String> {
        let f = get(name)?;
        match f.value {
            yaml_serde::Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
            yaml_serde::Value::String(_) => {
                errors.push(PathError {
                    path: f.path.clone(),
                    message: format!("{name} is empty"),
                });
                None
            }
            _ => {
                errors.push(PathError {
                    path: f.path.clone(),
                    message: format!("{name} is text"),
                });
                None
            }
        }
    };
    let address = text_of("address", &mut errors);
    let tx_hash = text_of("tx_hash", &mut errors);
    let label = text_of("label", &mut errors);
    let source = text_of("source", &mut errors);
    let currency = text_of("currency", &mut errors);
    let network = text_of("network", &mut errors);
    let category = text_of("category", &mut errors);
    let abuse = text_of("abuse", &mut errors);
    let confidence_field = get("confidence");
    let context_field = get("context");
    let concepts: Vec<String> = match get("concepts") {
        None => Vec::new(),
        Some(f) => match f.value.as_sequence() {
            Some(items) => items
                .iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect(),
            None => {
                errors.push(PathError {
                    path: f.path.clone(),
                    message: "concepts is a list of concept ids".into(),
                });
                Vec::new()
            }
        },
    };
    if address.is_none() && tx_hash.is_some() && errors.is_empty() {
        return Ok(Read::Skip(
            "a tag on a transaction (tx_hash), not on an address".into(),
        ));
    }
    if address.is_some() && tx_hash.is_some() {
        errors.push(missing("tx_hash"));
        if let Some(e) = errors.last_mut() {
            e.message = "a tag has an address or a tx_hash, not both".into();
        }
    }
    for (value, name) in [
        (&address, "address"),
        (&label, "label"),
        (&source, "source"),
        (&currency, "currency"),
    ] {
        if value.is_none() && get(name).is_none() {
            errors.push(missing(name));
        }
    }
    let confidence = match confidence_field {
        None => Some(5),
        Some(f) => match confidence_of(f.value) {
            Ok(c) => Some(c),
            Err(message) => {
                errors.push(PathError {
                    path: f.path.clone(),
                    message,
                });
                None
            }
        },
    };
    let (context, extras) = match context_field {
        None => (None, Extras::default()),
        Some(f) => match context_of(f.value) {
            Ok(c) => c,
            Err(message) => {
                errors.push(PathError {
                    path: f.path.clone(),
                    message,
                });
                (None, Extras::default())
            }
        },
    };
    if !errors.is_empty() {
        return Err(errors);
    }
    let (Some(address), Some(label), Some(source), Some(currency), Some(confidence)) =
        (address, label, source, currency, confidence)
    else {
        return Err(vec![missing("address")]);
    };
    let chain_word = network.as_deref().unwrap_or(&currency);
    let Some(prefix) = chain_prefix(chain_word, &currency) else {
        return Ok(Read::Skip(format!(
            "Cordon has no selector for addresses on {chain_word}"
        )));
    };
    let address_path = get("address").map(|f| f.path.clone()).unwrap_or_default();
    let selector = match normalize_one(&format!("{prefix}:{address}"), &Hint::default()) {
        Ok(s) => s.into_string(),
        Err(e) => {
            return Err(vec![PathError {
                path: address_path,
                message: format!("{address:?} is not an address on {chain_word}: {e}"),
            }]);
        }
    };
    // Older packs capitalise categories (`Exchange`).
    let mut gs_concepts: Vec<String> = Vec::new();
    gs_concepts.extend(
        category
            .iter()
            .chain(&abuse)
            .chain(&concepts)
            .map(|c| c.to_ascii_lowercase()),
    );
    let gs_concepts: Vec<&str> = gs_concepts.iter().map(String::as_str).collect();
    let tag = Tag {
        address: selector,
        label,
        category: extras.category.unwrap_or_else(|| category_of(&gs_concepts)),
        source,
        confidence: extras.confidence.unwrap_or(Confidence(confidence)),
        context,
    };
    tag.check().map_err(|e| {
        vec![PathError {
            path: [path, &[key(&e.field)]].concat(),
            message: e.message,
        }]
    })?;
    Ok(Read::Tag(tag))
}

/// The Cordon chain prefix for a GraphSense network or currency.
fn chain_prefix(word: &str, currency: &str) -> Option<&'static str> {
    let prefix = match word.trim().to_ascii_uppercase().as_str() {
        "BTC" | "XBT" => "btc",
        "ETH" => "eth",
        "TRX" => "trx",
        "LTC" => "ltc",
        "DOGE" => "doge",
        "XRP" => "xrp",
        // Not `BNB`: in GraphSense that is the Binance Chain (`bnb1…`).
        "BSC" => "bsc",
        "MATIC" | "POLYGON" => "polygon",
        "ARB" => "arbitrum",
        "OP" => "optimism",
        "AVAX" => "avax",
        "BASE" => "base",
        "SOL" => "sol",
        // A token on no named network: its address's shape says (T… Tron,
        // 0x… Ethereum).
        "USDT" | "USDC" if currency.eq_ignore_ascii_case(word) => "usdt",
        _ => return None,
    };
    Some(prefix)
}

/// The GraphSense currency and network of a Cordon chain prefix.
fn currency_of(prefix: &str) -> Option<(&'static str, &'static str)> {
    Some(match prefix {
        "btc" => ("BTC", "BTC"),
        "eth" => ("ETH", "ETH"),
        "trx" => ("TRX", "TRX"),
        "ltc" => ("LTC", "LTC"),
        "doge" => ("DOGE", "DOGE"),
        "xrp" => ("XRP", "XRP"),
        "bsc" => ("BSC", "BSC"),
        "polygon" => ("MATIC", "MATIC"),
        "arbitrum" => ("ETH", "ARB"),
        "optimism" => ("ETH", "OP"),
        "avax" => ("AVAX", "AVAX"),
        "base" => ("ETH", "BASE"),
        "sol" => ("SOL", "SOL"),
        _ => return None,
    })
}

/// Our category for GraphSense concepts (category, abuse, then the
/// `concepts` list): a service first (exchange; mixing_service, coinjoin,
/// mixing; defi_bridge; payment_processor), then money_laundering (a
/// mule), then scam, investment_fraud, ponzi_scheme, pyramid_scheme (a
/// scam's deposit); anything else is `other`.
pub fn category_of(concepts: &[&str]) -> Category {
    let service = concepts.iter().find_map(|c| match *c {
        "exchange" => Some(Category::Exchange),
        "mixing_service" | "coinjoin" | "mixing" => Some(Category::Mixer),
        "defi_bridge" => Some(Category::Bridge),
        "payment_processor" => Some(Category::PaymentProcessor),
        _ => None,
    });
    if let Some(c) = service {
        return c;
    }
    if concepts.contains(&"money_laundering") {
        return Category::Mule;
    }
    if concepts.iter().any(|c| {
        matches!(
            *c,
            "scam" | "investment_fraud" | "ponzi_scheme" | "pyramid_scheme"
        )
    }) {
        return Category::ScamDeposit;
    }
    Category::Other
}

/// GraphSense's category and abuse for ours, and whether reading them back
/// gives ours.
fn concepts_of(category: Category) -> (&'static str, Option<&'static str>, bool) {
    match category {
        Category::Exchange => ("exchange", None, true),
        Category::OtcDesk => ("exchange", None, false),
        Category::Mixer => ("mixing_service", None, true),
        Category::Bridge => ("defi_bridge", None, true),
        Category::PaymentProcessor => ("payment_processor", None, true),
        Category::Mule => ("perpetrator", Some("money_laundering"), true),
        Category::ScamDeposit => ("perpetrator", Some("scam"), true),
        Category::Other => ("unknown", None, true),
    }
}

/// A GraphSense confidence id (or a whole number from 0 to 100) as ours.
fn confidence_of(value: &yaml_serde::Value) -> Result<u8, String> {
    if let Some(n) = value.as_u64() {
        return u8::try_from(n)
            .ok()
            .filter(|n| *n <= 100)
            .ok_or_else(|| format!("confidence {n} is not from 0 to 100"));
    }
    let Some(id) = value.as_str() else {
        return Err("confidence is a graphsense confidence id such as authority_data".into());
    };
    CONFIDENCE_LEVELS
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(id.trim()))
        .map(|(_, level)| *level)
        .ok_or_else(|| {
            format!(
                "unknown confidence {id:?}; graphsense's are {}",
                CONFIDENCE_LEVELS
                    .iter()
                    .map(|(n, _)| *n)
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        })
}

/// The GraphSense id written for our confidence: the highest level not
/// above it (`unknown` below 5), and whether it is exact.
fn confidence_id(c: Confidence) -> (&'static str, bool) {
    let (id, level) = CONFIDENCE_WRITTEN
        .iter()
        .find(|(_, level)| *level <= c.get())
        .copied()
        .unwrap_or(("unknown", 5));
    (id, level == c.get())
}

/// Cordon's own values carried in a GraphSense context.
#[derive(Debug, Default)]
struct Extras {
    category: Option<Category>,
    confidence: Option<Confidence>,
}

/// Our context and the Cordon values in a GraphSense context (text, or a
/// mapping that tagpack-tool turns into JSON).
fn context_of(value: &yaml_serde::Value) -> Result<(Option<String>, Extras), String> {
    let text = match value {
        yaml_serde::Value::String(s) => s.clone(),
        yaml_serde::Value::Mapping(_) => {
            serde_json::to_string(value).map_err(|e| format!("context cannot be made json: {e}"))?
        }
        _ => return Err("context is text or a mapping".into()),
    };
    let Ok(serde_json::Value::Object(mut object)) = serde_json::from_str(&text) else {
        return Ok((Some(text), Extras::default()));
    };
    let Some(cordon) = object.remove("cordon") else {
        return Ok((Some(text), Extras::default()));
    };
    let serde_json::Value::Object(cordon) = cordon else {
        return Err(
            "context.cordon is an object of cordon's category, confidence and context".into(),
        );
    };
    let mut extras = Extras::default();
    if let Some(c) = cordon.get("category") {
        let name = c.as_str().ok_or("context.cordon.category is text")?;
        extras.category = Some(
            name.parse::<Category>()
                .map_err(|e| format!("context.cordon.{e}"))?,
        );
    }
    if let Some(c) = cordon.get("confidence") {
        let n = c
            .as_u64()
            .and_then(|n| u8::try_from(n).ok())
            .ok_or("context.cordon.confidence is a whole number from 0 to 100")?;
        extras.confidence = Some(Confidence::new(n).map_err(|e| format!("context.cordon.{e}"))?);
    }
    let context = match cordon.get("context") {
        Some(serde_json::Value::String(s)) => Some(s.clone()),
        Some(_) => return Err("context.cordon.context is text".into()),
        None if object.is_empty() => None,
        None => Some(serde_json::Value::Object(object).to_string()),
    };
    Ok((context, extras))
}

/// The GraphSense context written for a tag: its own context, or, where
/// GraphSense's category or confidence would lose Cordon's, a JSON object
/// `{"cordon": {"category": …, "confidence": …, "context": <its own>}}`.
fn written_context(tag: &Tag, category_exact: bool, confidence_exact: bool) -> Option<String> {
    if category_exact && confidence_exact {
        return tag.context.clone();
    }
    let mut cordon = serde_json::Map::new();
    if !category_exact {
        cordon.insert("category".into(), json!(tag.category.as_str()));
    }
    if !confidence_exact {
        cordon.insert("confidence".into(), json!(tag.confidence.get()));
    }
    if let Some(context) = &tag.context {
        cordon.insert("context".into(), json!(context));
    }
    Some(json!({ "cordon": cordon }).to_string())
}

/// A tag as written, GraphSense's way.
struct TagOut<'a> {
    address: &'a str,
    label: &'a str,
    currency: &'static str,
    network: &'static str,
    category: &'static str,
    abuse: Option<&'static str>,
    confidence: &'static str,
    source: &'a str,
    context: Option<String>,
}

/// A YAML double-quoted scalar: JSON's string syntax is a subset of it.
/// Every string is quoted, because a YAML 1.1 reader (PyYAML, which
/// tagpack-tool uses) takes a bare `0x5290…` for a number and `no` for
/// false.
fn quoted(text: &str) -> String {
    serde_json::Value::String(text.to_owned()).to_string()
}

/// Writes tags as a TagPack, or says which tags cannot be written (a bank
/// account, a chain GraphSense has no currency for), each by its index.
pub fn write_tagpack(header: &TagPackHeader, tags: &[Tag]) -> Result<String, Vec<TagError>> {
    let mut errors = Vec::new();
    for (name, value) in [("title", &header.title), ("creator", &header.creator)] {
        if value.trim().is_empty() {
            errors.push(TagError::new(name, format!("a tagpack needs its {name}")));
        }
    }
    let mut out = Vec::with_capacity(tags.len());
    for (i, tag) in tags.iter().enumerate() {
        if let Err(e) = tag.check() {
            errors.push(TagError::new(format!("tags[{i}].{}", e.field), e.message));
            continue;
        }
        let (prefix, address) = tag.address.split_once(':').unwrap_or(("", &tag.address));
        let Some((currency, network)) = currency_of(prefix) else {
            errors.push(TagError::new(
                format!("tags[{i}].address"),
                format!(
                    "{} has no graphsense currency: a tagpack holds crypto addresses, not bank accounts",
                    tag.address
                ),
            ));
            continue;
        };
        let (category, abuse, category_exact) = concepts_of(tag.category);
        let (confidence, confidence_exact) = confidence_id(tag.confidence);
        out.push(TagOut {
            address,
            label: &tag.label,
            currency,
            network,
            category,
            abuse,
            confidence,
            source: &tag.source,
            context: written_context(tag, category_exact, confidence_exact),
        });
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let mut yaml = String::new();
    yaml.push_str(&format!("title: {}\n", quoted(header.title.trim())));
    yaml.push_str(&format!("creator: {}\n", quoted(header.creator.trim())));
    if let Some(d) = &header.description {
        yaml.push_str(&format!("description: {}\n", quoted(d)));
    }
    if let Some(p) = header.is_public {
        yaml.push_str(&format!("is_public: {p}\n"));
    }
    if out.is_empty() {
        yaml.push_str("tags: []\n");
        return Ok(yaml);
    }
    yaml.push_str("tags:\n");
    for t in out {
        yaml.push_str(&format!("  - address: {}\n", quoted(t.address)));
        yaml.push_str(&format!("    label: {}\n", quoted(t.label)));
        yaml.push_str(&format!("    currency: {}\n", t.currency));
        yaml.push_str(&format!("    network: {}\n", t.network));
        yaml.push_str(&format!("    category: {}\n", t.category));
        if let Some(a) = t.abuse {
            yaml.push_str(&format!("    abuse: {a}\n"));
        }
        yaml.push_str(&format!("    confidence: {}\n", t.confidence));
        yaml.push_str(&format!("    source: {}\n", quoted(t.source)));
        if let Some(c) = &t.context {
            yaml.push_str(&format!("    context: {}\n", quoted(c)));
        }
    }
    Ok(yaml)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const BTC: &str = "btc:1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2";
    const TRX: &str = "trx:TLa2f6VPqDgRE67v1736s7bJ8Ray5wYjU7";
    const ETH: &str = "eth:0x52908400098527886e0f7030069857d2e4169ee7";

    fn header() -> TagPackHeader {
        TagPackHeader {
            title: "Cordon test pack".into(),
            creator: "Cordon".into(),
            description: Some("tags for tests".into()),
            is_public: Some(false),
        }
    }

    #[test]
    fn header_defaults_apply_to_tags_and_names_map() {
        let text = "\
title: Scam compound deposits
creator: KH-NCB
description: addresses victims were told to pay
currency: TRX
category: perpetrator
abuse: investment_fraud
confidence: forensic_investigation
source: https://example.org/case/17
tags:
  - address: TLa2f6VPqDgRE67v1736s7bJ8Ray5wYjU7
    label: fake exchange deposit
  - address: '0x52908400098527886E0F7030069857D2E4169EE7'
    label: Some CEX hot wallet
    currency: ETH
    category: exchange
    confidence: service_data
    context: '{\"refs\": [\"https://example.org\"]}'
  - address: t1ZzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzZ
    label: shielded
    currency: ZEC
  - tx_hash: '0xab'
    label: a payment
";
        let pack = read_tagpack(text).unwrap();
        assert_eq!(pack.header.title, "Scam compound deposits");
        assert_eq!(pack.tags.len(), 2);
        let t = &pack.tags[0];
        assert_eq!(t.address, TRX);
        assert_eq!(t.category, Category::ScamDeposit);
        assert_eq!(t.confidence.get(), 70);
        assert_eq!(t.source, "https://example.org/case/17");
        let e = &pack.tags[1];
        assert_eq!(e.address, ETH);
        assert_eq!(e.category, Category::Exchange);
        assert_eq!(e.confidence.get(), 50);
        assert_eq!(
            e.context.as_deref(),
            Some("{\"refs\": [\"https://example.org\"]}")
        );
        let skipped: Vec<u64> = pack.skipped.iter().map(|s| s.line).collect();
        assert_eq!(skipped, [18, 21]);
        assert!(pack.skipped[0].reason.contains("ZEC"));
    }

    #[test]
    fn every_bad_tag_is_named_by_field_and_line() {
        let text = "\
title: bad pack
creator: me
confidence: authority_data
source: s
tags:
  - address: 1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN3
    label: bad checksum
    currency: BTC
  - address: TLa2f6VPqDgRE67v1736s7bJ8Ray5wYjU7
    currency: TRX
  - address: TLa2f6VPqDgRE67v1736s7bJ8Ray5wYjU7
    label: x
    currency: TRX
    confidence: very_sure
  - address: TLa2f6VPqDgRE67v1736s7bJ8Ray5wYjU7
    label: x
    currency: TRX
    colour: red
  - address: TLa2f6VPqDgRE67v1736s7bJ8Ray5wYjU7
    label: [x]
    currency: TRX
";
        let err = read_tagpack(text).unwrap_err();
        let got: Vec<(u64, Option<&str>)> = err
            .errors
            .iter()
            .map(|e| (e.line, e.field.as_deref()))
            .collect();
        assert_eq!(
            got,
            [
                (6, Some("tags[0].address")),
                (9, Some("tags[1].label")),
                (14, Some("tags[2].confidence")),
                (18, Some("tags[3].colour")),
                (20, Some("tags[4].label")),
            ],
            "{err}"
        );
        assert!(
            err.errors[0].message.contains("checksum"),
            "{}",
            err.errors[0].message
        );
        assert!(err.errors[2].message.contains("authority_data"));
    }

    #[test]
    fn yaml_syntax_errors_carry_the_parser_s_line() {
        let err =
            read_tagpack("title: x\ncreator: y\ntags:\n  - address: [unclosed\n").unwrap_err();
        assert_eq!(err.errors.len(), 1);
        assert!(err.errors[0].line >= 4, "{err}");
        let err = read_tagpack("- just\n- a list\n").unwrap_err();
        assert!(err.errors[0].message.contains("mapping"));
        let err = read_tagpack("title: x\n").unwrap_err();
        let fields: Vec<Option<&str>> = err.errors.iter().map(|e| e.field.as_deref()).collect();
        assert_eq!(fields, [Some("creator"), Some("tags")]);
    }

    #[test]
    fn a_written_pack_reads_back_with_cordon_values_kept() {
        let mut otc = Tag::new(
            TRX,
            "OTC desk Phnom Penh",
            Category::OtcDesk,
            "agency KH-NCB",
            65,
        )
        .unwrap();
        otc.context = Some("met in person".into());
        let tags = vec![
            Tag::new(BTC, "mixer", Category::Mixer, "https://example.org", 20).unwrap(),
            otc,
            Tag::new(ETH, "mule 7", Category::Mule, "report 17", 60).unwrap(),
            Tag::new(ETH, "deposit", Category::ScamDeposit, "report 18", 3).unwrap(),
        ];
        let yaml = write_tagpack(&header(), &tags).unwrap();
        assert!(yaml.contains("category: mixing_service"), "{yaml}");
        assert!(yaml.contains("abuse: money_laundering"), "{yaml}");
        assert!(yaml.contains("confidence: authority_data"), "{yaml}");
        assert!(
            yaml.contains("address: \"TLa2f6VPqDgRE67v1736s7bJ8Ray5wYjU7\""),
            "{yaml}"
        );
        let back = read_tagpack(&yaml).unwrap();
        assert_eq!(back.tags, tags);
        assert_eq!(back.header, header());
        let bank = Tag::new("DE89370400440532013000", "mule", Category::Mule, "bank", 60).unwrap();
        let err = write_tagpack(&header(), &[tags[0].clone(), bank]).unwrap_err();
        assert_eq!(err[0].field, "tags[1].address");
    }

    fn arb_tag() -> impl Strategy<Value = Tag> {
        (
            prop::sample::select(vec![
                BTC,
                TRX,
                ETH,
                "btc:bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq",
            ]),
            "[A-Za-z0-9 :#'\"-]{1,30}",
            prop::sample::select(Category::ALL.to_vec()),
            "[a-z:/.]{1,20}",
            0u8..=100,
            prop::option::of("[a-z {}\":,]{0,30}"),
        )
            .prop_filter_map(
                "label and source are trimmed",
                |(a, label, category, source, c, context)| {
                    let mut t = Tag::new(a, &label, category, &source, c).ok()?;
                    if t.label != label || t.source != source {
                        return None;
                    }
                    t.context = context;
                    Some(t)
                },
            )
    }

    proptest! {
        /// Tags written as a TagPack read back equal.
        #[test]
        fn tags_round_trip_through_a_tagpack(tags in prop::collection::vec(arb_tag(), 0..6)) {
            let yaml = write_tagpack(&header(), &tags).unwrap();
            let back = read_tagpack(&yaml).unwrap();
            prop_assert_eq!(back.tags, tags);
        }

        #[test]
        fn never_panics_on_any_text(s in "\\PC{0,200}") {
            let _ = read_tagpack(&s);
        }
    }
}
