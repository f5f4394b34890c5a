//! Attribution tags: who an address or account belongs to, by whose word
//! and how sure.
//!
//! A [`Tag`] says that a wallet or bank account (a canonical selector) is
//! an exchange's, an OTC desk's, a mixer's, a bridge's, a payment
//! processor's, a mule's or a scam's deposit address, with its source and
//! a confidence from 0 to 100. [`Tags`] answers "what is known of this
//! address". Tags come from and go to GraphSense TagPacks
//! ([`tagpack`]; docs/FLOWS.md has the mapping of categories and
//! confidences).

mod locate;
pub mod tagpack;

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;

use cordon_core::selector::{Hint, SelectorKind, normalize_one};
use serde::{Deserialize, Serialize};

/// What an address is, as far as following the money goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// A centralised exchange: where a freeze request can be sent.
    Exchange,
    /// An over-the-counter desk trading crypto for cash or bank money.
    OtcDesk,
    /// A mixing service or CoinJoin coordinator.
    Mixer,
    /// A bridge moving tokens between networks.
    Bridge,
    PaymentProcessor,
    /// An account or wallet that passes victims' money on.
    Mule,
    /// Where a scam tells its victims to pay.
    ScamDeposit,
    Other,
}

impl Category {
    pub const ALL: [Category; 8] = [
        Category::Exchange,
        Category::OtcDesk,
        Category::Mixer,
        Category::Bridge,
        Category::PaymentProcessor,
        Category::Mule,
        Category::ScamDeposit,
        Category::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Category::Exchange => "exchange",
            Category::OtcDesk => "otc_desk",
            Category::Mixer => "mixer",
            Category::Bridge => "bridge",
            Category::PaymentProcessor => "payment_processor",
            Category::Mule => "mule",
            Category::ScamDeposit => "scam_deposit",
            Category::Other => "other",
        }
    }

    /// Whether the address belongs to a service that can be asked to
    /// freeze or to say who its customer is: tracing usually stops there.
    pub fn is_service(self) -> bool {
        matches!(
            self,
            Category::Exchange
                | Category::OtcDesk
                | Category::Mixer
                | Category::Bridge
                | Category::PaymentProcessor
        )
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Category {
    type Err = TagError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Category::ALL
            .into_iter()
            .find(|c| c.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| {
                TagError::new(
                    "category",
                    format!(
                        "unknown category {s:?}; expected one of {}",
                        Category::ALL.map(Category::as_str).join(", ")
                    ),
                )
            })
    }
}

/// How sure the source is, from 0 to 100.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "u8", into = "u8")]
pub struct Confidence(u8);

impl Confidence {
    pub fn new(value: u8) -> Result<Confidence, TagError> {
        if value <= 100 {
            Ok(Confidence(value))
        } else {
            Err(TagError::new(
                "confidence",
                format!("confidence {value} is not from 0 to 100"),
            ))
        }
    }

    pub fn get(self) -> u8 {
        self.0
    }
}

impl TryFrom<u8> for Confidence {
    type Error = TagError;

    fn try_from(value: u8) -> Result<Self, Self::Error> {
        Confidence::new(value)
    }
}

impl From<Confidence> for u8 {
    fn from(c: Confidence) -> u8 {
        c.0
    }
}

/// Why a tag is not one: the field at fault and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct TagError {
    pub field: String,
    pub message: String,
}

impl TagError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> TagError {
        TagError {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// An attribution: this address is `label`, of `category`, says `source`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Tag {
    /// A canonical selector of a wallet (`btc:`, `eth:`, `trx:` and the
    /// other chains Cordon reads) or an account (`iban:`, `bank:`).
    pub address: String,
    /// Who it is: `Binance`, `Huione Pay`, `mule of network 7`.
    pub label: String,
    pub category: Category,
    /// Whose word it is: an agency, a report, a URL, a tag pack.
    pub source: String,
    pub confidence: Confidence,
    /// Anything else the source said.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context: Option<String>,
}

impl Tag {
    /// Makes a tag, normalising the address to its canonical selector.
    pub fn new(
        address: &str,
        label: &str,
        category: Category,
        source: &str,
        confidence: u8,
    ) -> Result<Tag, TagError> {
        let tag = Tag {
            address: money_selector(address)?,
            label: label.trim().to_owned(),
            category,
            source: source.trim().to_owned(),
            confidence: Confidence::new(confidence)?,
            context: None,
        };
        tag.check()?;
        Ok(tag)
    }

    /// Checks a tag built field by field: a canonical wallet or account,
    /// a label and a source.
    pub fn check(&self) -> Result<(), TagError> {
        let canonical = money_selector(&self.address)?;
        if canonical != self.address {
            return Err(TagError::new(
                "address",
                format!(
                    "{} is not canonical; its canonical form is {canonical}",
                    self.address
                ),
            ));
        }
        if self.label.trim().is_empty() {
            return Err(TagError::new("label", "a tag needs a label"));
        }
        if self.source.trim().is_empty() {
            return Err(TagError::new("source", "a tag needs its source"));
        }
        Ok(())
    }
}

/// Normalises a wallet or account to its canonical selector; anything else
/// (a phone, a domain) is refused.
pub fn money_selector(text: &str) -> Result<String, TagError> {
    let selector = normalize_one(text, &Hint::default())
        .map_err(|e| TagError::new("address", format!("{:?}: {e}", text.trim())))?;
    match selector.kind() {
        SelectorKind::Crypto | SelectorKind::Iban | SelectorKind::Bank => {
            Ok(selector.into_string())
        }
        other => Err(TagError::new(
            "address",
            format!(
                "{selector} is a {other}, not a wallet or account: tags name crypto addresses, ibans and bank accounts"
            ),
        )),
    }
}

/// Tags looked up by address.
#[derive(Debug, Clone, Default)]
pub struct Tags {
    tags: Vec<Tag>,
    by_address: HashMap<String, Vec<usize>>,
}

impl Tags {
    pub fn new(tags: impl IntoIterator<Item = Tag>) -> Tags {
        let mut all = Tags::default();
        for t in tags {
            all.push(t);
        }
        all
    }

    pub fn push(&mut self, tag: Tag) {
        self.by_address
            .entry(tag.address.clone())
            .or_default()
            .push(self.tags.len());
        self.tags.push(tag);
    }

    /// The tags of a canonical address, in the order they were added.
    pub fn of(&self, address: &str) -> impl Iterator<Item = &Tag> {
        self.by_address
            .get(address)
            .into_iter()
            .flatten()
            .map(|&i| &self.tags[i])
    }

    /// The tags of an address written any way (`TLa2…`, `trx:TLa2…`),
    /// normalised first.
    pub fn lookup(&self, address: &str) -> Result<Vec<&Tag>, TagError> {
        let canonical = money_selector(address)?;
        Ok(self.of(&canonical).collect())
    }

    /// The most confident tag of a canonical address (the first added
    /// among equals).
    pub fn best(&self, address: &str) -> Option<&Tag> {
        self.of(address)
            .fold(None, |best: Option<&Tag>, t| match best {
                Some(b) if b.confidence >= t.confidence => Some(b),
                _ => Some(t),
            })
    }

    pub fn iter(&self) -> impl Iterator<Item = &Tag> {
        self.tags.iter()
    }

    pub fn len(&self) -> usize {
        self.tags.len()
    }

    pub fn is_empty(&self) -> bool {
        self.tags.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: &str = "trx:TLa2f6VPqDgRE67v1736s7bJ8Ray5wYjU7";

    #[test]
    fn tags_are_looked_up_by_any_spelling_of_their_address() {
        let tags = Tags::new([
            Tag::new(
                T,
                "Huione Pay",
                Category::PaymentProcessor,
                "agency KH-NCB",
                60,
            )
            .unwrap(),
            Tag::new(
                "TLa2f6VPqDgRE67v1736s7bJ8Ray5wYjU7",
                "Huione deposit",
                Category::ScamDeposit,
                "report 17",
                90,
            )
            .unwrap(),
            Tag::new(
                "DE89 3704 0044 0532 0130 00",
                "mule 3",
                Category::Mule,
                "bank",
                70,
            )
            .unwrap(),
        ]);
        assert_eq!(tags.len(), 3);
        assert_eq!(
            tags.lookup("TLa2f6VPqDgRE67v1736s7bJ8Ray5wYjU7")
                .unwrap()
                .len(),
            2
        );
        assert_eq!(tags.best(T).unwrap().label, "Huione deposit");
        assert_eq!(tags.of("iban:DE89370400440532013000").count(), 1);
        assert_eq!(tags.of("btc:1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2").count(), 0);
        assert!(tags.lookup("hello").is_err());
    }

    #[test]
    fn bad_tags_name_their_field() {
        let field = |r: Result<Tag, TagError>| r.unwrap_err().field;
        assert_eq!(
            field(Tag::new("+85512345678", "x", Category::Mule, "s", 5)),
            "address"
        );
        assert_eq!(field(Tag::new(T, " ", Category::Mule, "s", 5)), "label");
        assert_eq!(field(Tag::new(T, "x", Category::Mule, "", 5)), "source");
        assert_eq!(
            field(Tag::new(T, "x", Category::Mule, "s", 101)),
            "confidence"
        );
        assert_eq!("OTC_desk".parse::<Category>(), Ok(Category::OtcDesk));
        assert!(
            "casino"
                .parse::<Category>()
                .unwrap_err()
                .message
                .contains("scam_deposit")
        );
        let json =
            serde_json::to_string(&Tag::new(T, "x", Category::OtcDesk, "s", 5).unwrap()).unwrap();
        assert!(
            json.contains(r#""category":"otc_desk","source":"s","confidence":5"#),
            "{json}"
        );
        assert!(serde_json::from_str::<Tag>(&json.replace(":5}", ":101}")).is_err());
    }
}
