//! Labelled job adverts, one JSON object a line: the hand-written sets
//! shipped as test data (`data/adverts.jsonl`, `data/adverts_sealed.jsonl`)
//! and the simulator's (`OUT/prevent/adverts.jsonl`), which the model is
//! trained on.

use serde::{Deserialize, Serialize};

use crate::features::Reading;
use crate::model::Example;

/// One labelled advert.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Advert {
    pub id: String,
    pub label: Label,
    /// ISO 639-1.
    pub language: String,
    /// The targeted job seekers' country (ISO 3166-1 alpha-2), or empty.
    pub origin: String,
    /// The job's country, or empty when the advert does not say.
    pub destination: String,
    pub job: String,
    pub text: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Label {
    Trafficking,
    Legitimate,
}

/// A line that is no advert.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct BadLine {
    pub line: usize,
    pub message: String,
}

/// Reads adverts, one a line; the error names the line and what is wrong.
pub fn read(text: &str) -> Result<Vec<Advert>, BadLine> {
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let advert: Advert = serde_json::from_str(line).map_err(|e| BadLine {
            line: n + 1,
            message: e.to_string(),
        })?;
        if advert.text.trim().is_empty() {
            return Err(BadLine {
                line: n + 1,
                message: "the advert's text is empty".into(),
            });
        }
        out.push(advert);
    }
    Ok(out)
}

impl Advert {
    /// The advert as the model reads it, with its label.
    pub fn example(&self) -> Example {
        let origin = (!self.origin.is_empty()).then_some(self.origin.as_str());
        (
            Reading::of(&self.text, origin).features(),
            self.label == Label::Trafficking,
        )
    }
}

/// The hand-written set the figures are reported on (`data/adverts.jsonl`).
pub fn hand_written() -> Vec<Advert> {
    read(include_str!("../data/adverts.jsonl"))
        .unwrap_or_else(|e| panic!("data/adverts.jsonl is shipped valid: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_lines_are_named() {
        let e = read("\n{\"id\": 1}\n").unwrap_err();
        assert_eq!(e.line, 2);
        let good = r#"{"id":"a","label":"legitimate","language":"en","origin":"","destination":"","job":"x","text":" "}"#;
        assert_eq!(
            read(good).unwrap_err().message,
            "the advert's text is empty"
        );
        let e = read(&good.replace("legitimate", "maybe")).unwrap_err();
        assert!(e.message.contains("unknown variant"), "{}", e.message);
    }
}
