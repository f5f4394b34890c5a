//! The corpus: reports as analysis reads them.
//!
//! Each report becomes a row (numbered in the order reports are added) of
//! the keys it names: its selectors, and its site when it gives
//! coordinates. A key is numbered once, the first time a report names it,
//! with what it says about reports that share it ([`Evidence`]) and whose
//! it is ([`Holder`]). Beside the keys, each row keeps the few facts the
//! profiles read (modus operandi, country, language, day, place), not the
//! report: the server holds a corpus of every report in memory.
//!
//! The CLI builds one from a world's files, the server from its store; both
//! group and profile the same way because both read this.

use std::collections::HashMap;

use cordon_core::{Report, ReportKind, SelectorKind};

use crate::compounds::Located;
use crate::networks::Evidence;
use crate::perpetrators::{Holder, Side};
use crate::places;
use crate::profile::Facts;

/// A selector or site that reports name.
#[derive(Debug, Clone, PartialEq)]
pub struct Key {
    /// The canonical selector (`phone:+855…`) or site (`site:<cell>`).
    pub text: String,
    pub evidence: Evidence,
    pub holder: Option<Holder>,
}

/// What a row keeps of its report besides its keys.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub side: Side,
    pub mo: Vec<String>,
    pub country: String,
    pub language: Option<String>,
    /// Days since the epoch of the report's receipt.
    pub day: Option<i64>,
    /// Coordinates and place name, when the report gives them.
    pub location: Option<(f64, f64, Option<String>)>,
}

#[derive(Debug, Clone, Default)]
pub struct Corpus {
    numbers: HashMap<String, u32>,
    keys: Vec<Key>,
    /// The keys each row names, for [`crate::networks::resolve`].
    named: Vec<Vec<u32>>,
    rows: Vec<Row>,
}

impl Corpus {
    pub fn new() -> Corpus {
        Corpus::default()
    }

    /// Adds a report as the next row; returns its row number.
    pub fn add(&mut self, report: &Report) -> u32 {
        let named = self.keys_of(report);
        self.named.push(named);
        self.rows.push(row_of(report));
        (self.rows.len() - 1) as u32
    }

    /// Replaces a row with a report's newer revision. Its keys are those of
    /// the revision; keys only the older revision named stay numbered.
    pub fn replace(&mut self, row: u32, report: &Report) {
        let named = self.keys_of(report);
        self.named[row as usize] = named;
        self.rows[row as usize] = row_of(report);
    }

    /// The key numbers a report names, numbering keys first seen.
    fn keys_of(&mut self, report: &Report) -> Vec<u32> {
        let site = report
            .location
            .as_ref()
            .and_then(|l| places::site_key(l.lat, l.lon));
        let mut named = Vec::with_capacity(report.selectors.len() + 1);
        for s in &report.selectors {
            let evidence = if s.kind().is_fuzzy() {
                Evidence::Fuzzy
            } else {
                Evidence::Selector
            };
            named.push(self.number(s.as_str(), evidence, holder(s.kind())));
        }
        if let Some(site) = site {
            named.push(self.number(&site, Evidence::Place, None));
        }
        named
    }

    fn number(&mut self, text: &str, evidence: Evidence, holder: Option<Holder>) -> u32 {
        if let Some(&n) = self.numbers.get(text) {
            return n;
        }
        let n = self.keys.len() as u32;
        self.keys.push(Key {
            text: text.to_owned(),
            evidence,
            holder,
        });
        self.numbers.insert(text.to_owned(), n);
        n
    }

    /// The corpus with its rows in another order: row `i` of the result
    /// is row `order[i]` of this one. Keys keep their numbers.
    pub fn reordered(mut self, order: &[usize]) -> Corpus {
        assert_eq!(order.len(), self.rows.len(), "an order names every row");
        self.named = order
            .iter()
            .map(|&i| std::mem::take(&mut self.named[i]))
            .collect();
        let mut rows: Vec<Option<Row>> = self.rows.into_iter().map(Some).collect();
        self.rows = order
            .iter()
            .map(|&i| rows[i].take().expect("an order names each row once"))
            .collect();
        self
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The keys each row names.
    pub fn named(&self) -> &[Vec<u32>] {
        &self.named
    }

    pub fn row(&self, row: u32) -> &Row {
        &self.rows[row as usize]
    }

    pub fn keys(&self) -> &[Key] {
        &self.keys
    }

    pub fn key(&self, key: u32) -> &Key {
        &self.keys[key as usize]
    }

    /// A key's number, when some report names it.
    pub fn key_number(&self, text: &str) -> Option<u32> {
        self.numbers.get(text).copied()
    }

    /// What each key is, in key order, for [`crate::networks::resolve`].
    pub fn evidence(&self) -> Vec<Evidence> {
        self.keys.iter().map(|k| k.evidence).collect()
    }

    pub fn holders(&self) -> Vec<Option<Holder>> {
        self.keys.iter().map(|k| k.holder).collect()
    }

    pub fn sides(&self) -> Vec<Side> {
        self.rows.iter().map(|r| r.side).collect()
    }

    /// The profile facts of a row.
    pub fn facts(&self, row: u32) -> Facts<'_> {
        let r = &self.rows[row as usize];
        Facts {
            mo: &r.mo,
            country: &r.country,
            language: r.language.as_deref(),
            day: r.day,
        }
    }

    /// The rows among `rows` that give coordinates, for
    /// [`crate::compounds::compounds`].
    pub fn located(&self, rows: impl IntoIterator<Item = u32>) -> Vec<Located> {
        rows.into_iter()
            .filter_map(|row| {
                let (lat, lon, place) = self.rows[row as usize].location.clone()?;
                Some(Located {
                    report: row,
                    lat,
                    lon,
                    place,
                })
            })
            .collect()
    }
}

fn row_of(report: &Report) -> Row {
    Row {
        side: match report.kind {
            ReportKind::RecruitmentAd => Side::Recruitment,
            ReportKind::RescueRequest => Side::Worker,
            _ => Side::Scam,
        },
        mo: report.mo.clone(),
        country: report.country.clone(),
        language: report.language.clone(),
        day: report.received.map(|t| t.timestamp().div_euclid(86_400)),
        location: report
            .location
            .as_ref()
            .map(|l| (l.lat, l.lon, l.place.clone())),
    }
}

/// Whose a selector is: a contact, an account, or nobody's.
pub fn holder(kind: SelectorKind) -> Option<Holder> {
    match kind {
        SelectorKind::Phone | SelectorKind::Email | SelectorKind::Handle => Some(Holder::Contact),
        SelectorKind::Crypto | SelectorKind::Iban | SelectorKind::Bank => Some(Holder::Account),
        _ => None,
    }
}
