//! The modus-operandi taxonomy: scam types, channels, methods of control and
//! more. The taxonomy is data (`data/mo.json`), compiled into the binary so
//! that nothing is read at run time.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::Deserialize;

const TAXONOMY_JSON: &str = include_str!("../data/mo.json");

#[derive(Debug, Deserialize)]
struct TaxonomyFile {
    families: BTreeMap<String, Family>,
}

/// One family of tags, such as `channel` or `control`.
#[derive(Debug, Deserialize)]
pub struct Family {
    /// Bare families (scam types) are written without their family prefix.
    #[serde(default)]
    pub bare: bool,
    pub label: String,
    pub codes: BTreeMap<String, String>,
}

/// The loaded taxonomy.
#[derive(Debug)]
pub struct Taxonomy {
    families: BTreeMap<String, Family>,
}

/// A tag that is not in the taxonomy.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown modus-operandi tag '{tag}'{}", suggestion.as_ref().map(|s| format!("; did you mean '{s}'?")).unwrap_or_default())]
pub struct MoError {
    pub tag: String,
    pub suggestion: Option<String>,
}

impl Taxonomy {
    /// The taxonomy compiled into this binary.
    pub fn get() -> &'static Taxonomy {
        static TAXONOMY: OnceLock<Taxonomy> = OnceLock::new();
        TAXONOMY.get_or_init(|| {
            let file: TaxonomyFile = serde_json::from_str(TAXONOMY_JSON)
                .expect("data/mo.json is checked by this module's tests");
            Taxonomy {
                families: file.families,
            }
        })
    }

    pub fn families(&self) -> impl Iterator<Item = (&str, &Family)> {
        self.families.iter().map(|(k, v)| (k.as_str(), v))
    }

    /// Every tag in its written form (`investment`, `channel:telegram`).
    pub fn tags(&self) -> impl Iterator<Item = String> + '_ {
        self.families.iter().flat_map(|(name, fam)| {
            fam.codes.keys().map(move |code| {
                if fam.bare {
                    code.clone()
                } else {
                    format!("{name}:{code}")
                }
            })
        })
    }

    /// Canonicalises a tag: trimmed, lowercase, spaces and dashes as `_`.
    pub fn canonical(&self, tag: &str) -> Result<String, MoError> {
        let cleaned: String = tag
            .trim()
            .chars()
            .map(|c| match c {
                ' ' | '-' => '_',
                c => c.to_ascii_lowercase(),
            })
            .collect();
        let known = match cleaned.split_once(':') {
            Some((family, code)) => self
                .families
                .get(family)
                .is_some_and(|f| !f.bare && f.codes.contains_key(code)),
            None => self
                .families
                .values()
                .any(|f| f.bare && f.codes.contains_key(&cleaned)),
        };
        if known {
            Ok(cleaned)
        } else {
            let suggestion = self.tags().find(|t| {
                t.ends_with(&format!(":{cleaned}")) || cleaned.ends_with(&format!(":{t}"))
            });
            Err(MoError {
                tag: tag.to_owned(),
                suggestion,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn taxonomy_loads_and_has_every_htcds_control_method() {
        let t = Taxonomy::get();
        let controls = t.families().find(|(n, _)| *n == "control").unwrap().1;
        assert_eq!(controls.codes.len(), 17);
        assert!(t.tags().count() > 60);
    }

    #[test]
    fn canonicalises_known_tags() {
        let t = Taxonomy::get();
        assert_eq!(t.canonical(" Investment ").unwrap(), "investment");
        assert_eq!(t.canonical("channel:Telegram").unwrap(), "channel:telegram");
        assert_eq!(
            t.canonical("control:debt-bondage").unwrap(),
            "control:debt_bondage"
        );
    }

    #[test]
    fn rejects_unknown_tags_with_a_suggestion() {
        let t = Taxonomy::get();
        let err = t.canonical("telegram").unwrap_err();
        assert_eq!(err.suggestion.as_deref(), Some("channel:telegram"));
        assert!(err.to_string().contains("did you mean 'channel:telegram'"));
        assert!(t.canonical("channel:carrier_pigeon").is_err());
        assert!(t.canonical("scam:investment").is_err());
    }
}
