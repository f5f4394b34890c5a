//! The simulator's data tables (countries, compound sites, agencies, names,
//! vocabulary, narrative templates and job-advert phrasings), compiled in
//! from `data/*.json` so that generation reads no file but its output.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::Deserialize;

#[derive(Debug, Deserialize)]
pub struct Country {
    pub code: String,
    pub name: String,
    /// Country calling code without `+`.
    pub dial: String,
    /// National trunk prefix written before national numbers ("0", "8" or none).
    pub trunk: String,
    /// Leading digits of mobile national significant numbers.
    pub mobile: Vec<String>,
    /// Random digits after the mobile prefix.
    pub rest: u32,
    /// Allowed first digits of `rest` (North American exchanges start 2–9).
    #[serde(default)]
    pub rest_lead: Option<String>,
    pub lang: String,
    pub currency: String,
    pub names: String,
    pub victim: u64,
    pub worker: u64,
    /// BICs of banks where no IBAN exists.
    #[serde(default)]
    pub banks: Vec<String>,
    #[serde(default)]
    pub account: usize,
    /// IBAN BBAN structure in registry notation (`4a6n8n`).
    #[serde(default)]
    pub iban: Option<String>,
    #[serde(default)]
    pub iban_len: usize,
    #[serde(default)]
    pub iban_banks: Vec<String>,
}

#[derive(Debug, Deserialize)]
pub struct Place {
    pub place: String,
    pub country: String,
    pub region: String,
    pub lat: f64,
    pub lon: f64,
    pub weight: u64,
}

#[derive(Debug, Deserialize)]
pub struct AgencyRow {
    pub code: String,
    pub name: String,
    pub country: String,
    pub kind: String,
    pub files: Vec<String>,
}

#[derive(Debug, Deserialize)]
pub struct NameGroup {
    pub given: Vec<String>,
    pub family: Vec<String>,
}

#[derive(Debug, Deserialize)]
pub struct Personas {
    pub given: Vec<String>,
    pub family: Vec<String>,
}

#[derive(Debug, Deserialize)]
pub struct Job {
    pub title: String,
    pub pay_min: u64,
    pub pay_max: u64,
}

#[derive(Debug, Deserialize)]
pub struct Lexicon {
    pub platform_words: Vec<String>,
    pub platform_suffixes: Vec<String>,
    pub platform_tlds: Vec<String>,
    pub job_words: Vec<String>,
    pub job_nouns: Vec<String>,
    pub company_first: Vec<String>,
    pub company_second: Vec<String>,
    pub company_form: Vec<String>,
    pub email_hosts: Vec<String>,
    pub compound_first: Vec<String>,
    pub compound_second: Vec<String>,
    pub network_first: Vec<String>,
    pub network_second: Vec<String>,
    pub jobs: Vec<Job>,
}

/// Templates per kind, then per scam type (fraud complaints only), then per
/// language; the victim-protection signals' accounts per source (and the
/// ransom sentence families add).
#[derive(Debug, Deserialize)]
pub struct Narratives {
    pub fraud_complaint: BTreeMap<String, BTreeMap<String, Vec<String>>>,
    pub compound_intel: BTreeMap<String, Vec<String>>,
    pub rescue_request: BTreeMap<String, Vec<String>>,
    pub tip: BTreeMap<String, Vec<String>>,
    pub signal: BTreeMap<String, Vec<String>>,
}

/// The job-advert phrasebook (`data/adverts.json`); `adverts` composes
/// adverts from it.
#[derive(Debug, Deserialize)]
pub struct Adverts {
    /// Contact apps with weights, per language (`default` for the rest).
    pub apps: BTreeMap<String, BTreeMap<String, u64>>,
    pub freemail: Vec<String>,
    pub mailboxes: Vec<String>,
    /// Emojis an advert may put before a part, by part.
    pub emoji: BTreeMap<String, Vec<String>>,
    pub bullets: Vec<String>,
    pub usd_forms: Vec<String>,
    /// Monthly unskilled wage in US dollars where a market names none.
    pub default_wage: u64,
    /// What is local to the job seekers' country, by alpha-2; `default`
    /// fills the gaps.
    pub markets: BTreeMap<String, Market>,
    pub places: BTreeMap<String, AdvertPlace>,
    /// How lures name the way to a compound, by the compound's country.
    pub routes: BTreeMap<String, LureRoute>,
    /// Names of foreign employers in legitimate overseas adverts.
    pub employers: Vec<String>,
    /// Countries (and `SEA`, ships) where legitimate overseas jobs are.
    pub abroad: BTreeMap<String, Abroad>,
    pub lure_jobs: Vec<LureJob>,
    pub legit_jobs: Vec<LegitJob>,
    pub languages: BTreeMap<String, Phrasebook>,
}

/// One country's job market; every field left out comes from `default`.
#[derive(Debug, Default, Deserialize)]
pub struct Market {
    /// Weight multiplier of the country in the training set.
    pub boost: Option<u64>,
    pub languages: Option<BTreeMap<String, u64>>,
    /// Currency adverts pay in, where it is not the country's own.
    pub currency: Option<String>,
    pub wage: Option<u64>,
    /// Thousands separator.
    pub group: Option<String>,
    pub money: Option<Vec<String>>,
    pub cities: Option<Vec<String>>,
    pub streets: Option<Vec<String>>,
    pub addresses: Option<Vec<String>>,
    pub companies: Option<Vec<String>>,
    pub company_forms: Option<Vec<String>>,
    pub recruiter_forms: Option<Vec<String>>,
    pub licences: Option<Vec<String>>,
}

#[derive(Debug, Deserialize)]
pub struct AdvertPlace {
    /// Alpha-2, or empty for a ship.
    pub country: String,
    /// Names by language; English where a language has none.
    pub names: BTreeMap<String, String>,
}

#[derive(Debug, Deserialize)]
pub struct LureRoute {
    pub weight: u64,
    pub named: Vec<String>,
    pub pickup: Vec<String>,
    pub transit: Vec<String>,
}

#[derive(Debug, Deserialize)]
pub struct Abroad {
    pub place: String,
    pub currency: String,
    /// Monthly pay in US dollars of an ordinary job there.
    pub base: u64,
    pub money: Vec<String>,
    pub forms: Vec<String>,
}

#[derive(Debug, Deserialize)]
pub struct LureJob {
    pub key: String,
    /// Monthly pay promised, in US dollars.
    pub usd: [u64; 2],
    pub titles: BTreeMap<String, Vec<String>>,
}

#[derive(Debug, Deserialize)]
pub struct LegitJob {
    pub key: String,
    /// Pay at home in per mille of the market's wage; empty where the job
    /// is only abroad.
    pub local: Vec<u64>,
    pub abroad: Vec<String>,
    pub titles: BTreeMap<String, Vec<String>>,
    pub duties: BTreeMap<String, String>,
}

/// One language's phrasings: parts of lures and of legitimate adverts.
#[derive(Debug, Deserialize)]
pub struct Phrasebook {
    pub per_month: Vec<String>,
    pub langs: Vec<String>,
    pub lure: BTreeMap<String, Vec<String>>,
    pub legit: BTreeMap<String, Vec<String>>,
}

#[derive(Debug)]
pub struct Tables {
    pub countries: Vec<Country>,
    pub places: Vec<Place>,
    pub agencies: Vec<AgencyRow>,
    pub names: BTreeMap<String, NameGroup>,
    pub personas: Personas,
    pub lexicon: Lexicon,
    pub narratives: Narratives,
    pub adverts: Adverts,
}

impl Tables {
    pub fn get() -> &'static Tables {
        static TABLES: OnceLock<Tables> = OnceLock::new();
        TABLES.get_or_init(load)
    }

    pub fn country(&self, code: &str) -> Option<usize> {
        self.countries.iter().position(|c| c.code == code)
    }
}

fn load() -> Tables {
    #[derive(Deserialize)]
    struct Countries {
        countries: Vec<Country>,
    }
    #[derive(Deserialize)]
    struct Places {
        places: Vec<Place>,
    }
    #[derive(Deserialize)]
    struct Agencies {
        agencies: Vec<AgencyRow>,
    }
    #[derive(Deserialize)]
    struct People {
        groups: BTreeMap<String, NameGroup>,
        personas: Personas,
    }
    // The tables are part of the source; a malformed one is a build defect
    // that this module's tests catch, not a run-time condition.
    fn parse<T: for<'de> Deserialize<'de>>(name: &str, text: &str) -> T {
        serde_json::from_str(text).unwrap_or_else(|e| panic!("data/{name} is malformed: {e}"))
    }
    let countries: Countries = parse("countries.json", include_str!("../data/countries.json"));
    let places: Places = parse("places.json", include_str!("../data/places.json"));
    let agencies: Agencies = parse("agencies.json", include_str!("../data/agencies.json"));
    let people: People = parse("people.json", include_str!("../data/people.json"));
    Tables {
        countries: countries.countries,
        places: places.places,
        agencies: agencies.agencies,
        names: people.groups,
        personas: people.personas,
        lexicon: parse("lexicon.json", include_str!("../data/lexicon.json")),
        narratives: parse("narratives.json", include_str!("../data/narratives.json")),
        adverts: parse("adverts.json", include_str!("../data/adverts.json")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_are_consistent() {
        let t = Tables::get();
        for c in &t.countries {
            assert!(
                t.names.contains_key(&c.names),
                "{}: unknown name group {}",
                c.code,
                c.names
            );
            assert!(!c.mobile.is_empty(), "{} has no mobile prefixes", c.code);
            if let Some(pattern) = &c.iban {
                let len: usize = crate::selector::bban_segments(pattern)
                    .iter()
                    .map(|s| s.0)
                    .sum();
                assert_eq!(
                    len + 4,
                    c.iban_len,
                    "{}: iban pattern and length disagree",
                    c.code
                );
            }
            assert!(
                c.banks.is_empty() || c.iban.is_none(),
                "{} has both banks and iban",
                c.code
            );
        }
        for p in &t.places {
            assert!(
                t.country(&p.country).is_some(),
                "place {} in unknown country",
                p.place
            );
        }
        for a in &t.agencies {
            assert!(
                t.country(&a.country).is_some(),
                "agency {} in unknown country",
                a.code
            );
            assert!(
                a.code.starts_with(&format!("{}-", a.country)),
                "agency code {}",
                a.code
            );
            for kind in &a.files {
                assert!(
                    kind.parse::<cordon_core::ReportKind>().is_ok(),
                    "{}: {kind}",
                    a.code
                );
            }
        }
    }
}
