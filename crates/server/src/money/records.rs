//! Money items as the store keeps them: each under a key that makes the
//! same item imported again the same record (a revision when it changed),
//! with its JSON as the finance crate writes it. Shared by the API's
//! import and `cordon flows import`.

use cordon_finance::flow::{Conversion, Flow};
use cordon_finance::tags::Tag;
use cordon_store::{MoneyKind, NewMoney};

fn record(kind: MoneyKind, key: String, body: &impl serde::Serialize) -> NewMoney {
    NewMoney {
        kind,
        key,
        // Serialising plain data does not fail.
        body: serde_json::to_string(body).unwrap_or_default(),
    }
}

/// A flow is its transaction (and log index) or transfer reference.
pub fn of_flows(flows: &[Flow]) -> Vec<NewMoney> {
    flows
        .iter()
        .map(|f| record(MoneyKind::Flow, f.id.clone(), f))
        .collect()
}

/// A conversion is the two legs it joins.
pub fn of_conversions(conversions: &[Conversion]) -> Vec<NewMoney> {
    conversions
        .iter()
        .map(|c| {
            let key = format!(
                "{}/{}>{}/{}",
                c.from.flow, c.from.address, c.to.flow, c.to.address
            );
            record(MoneyKind::Conversion, key, c)
        })
        .collect()
}

/// A tag is what it says of an address: its category and label (a new
/// confidence or source is a revision of it).
pub fn of_tags(tags: &[Tag]) -> Vec<NewMoney> {
    tags.iter()
        .map(|t| {
            let key = format!("{}|{}|{}", t.address, t.category.as_str(), t.label);
            record(MoneyKind::Tag, key, t)
        })
        .collect()
}

/// What an upload holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Upload {
    /// Flows as Cordon JSON lines.
    FlowLines,
    /// Flows as an explorer's or bank's CSV export.
    FlowCsv,
    /// Conversions as JSON lines.
    Conversions,
    /// Tags as JSON lines.
    TagLines,
    /// Tags as a GraphSense TagPack (YAML).
    TagPack,
}

/// An upload read whole: its records to keep, lines read and lines left
/// out on purpose.
#[derive(Debug)]
pub struct Read {
    pub lines: u64,
    pub records: Vec<NewMoney>,
    pub skipped: Vec<cordon_finance::import::Skipped>,
}

/// Reads an upload into records, or every bad line; shared by the API and
/// `cordon flows import`. `network` is the network of a transfer export
/// whose addresses do not say it.
pub fn read(
    upload: Upload,
    bytes: &[u8],
    network: Option<cordon_finance::asset::Network>,
) -> Result<Read, cordon_finance::import::Rejected> {
    use cordon_finance::import::{self, Imported};
    fn of<T>(read: Imported<T>, records: impl Fn(&[T]) -> Vec<NewMoney>) -> Read {
        Read {
            lines: read.lines,
            records: records(&read.items),
            skipped: read.skipped,
        }
    }
    Ok(match upload {
        Upload::FlowLines => of(import::jsonl::flows_from_json_lines(bytes)?, of_flows),
        Upload::FlowCsv => of(
            import::csv::flows_from_csv(bytes, &import::csv::CsvOptions { network })?,
            of_flows,
        ),
        Upload::Conversions => of(
            import::jsonl::conversions_from_json_lines(bytes, None)?,
            of_conversions,
        ),
        Upload::TagLines => of(import::jsonl::tags_from_json_lines(bytes)?, of_tags),
        Upload::TagPack => {
            let text =
                std::str::from_utf8(bytes).map_err(|e| cordon_finance::import::Rejected {
                    errors: vec![cordon_finance::import::LineError {
                        line: 1,
                        field: None,
                        message: format!("a tag pack is UTF-8 text: {e}"),
                    }],
                })?;
            let pack = cordon_finance::tags::tagpack::read_tagpack(text)?;
            Read {
                lines: text.lines().count() as u64,
                records: of_tags(&pack.tags),
                skipped: pack.skipped,
            }
        }
    })
}
