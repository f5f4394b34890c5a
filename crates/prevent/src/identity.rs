//! The marks of a real employer or a licensed recruiter in an advert's
//! words: a registered company, a licence, an address, a work visa
//! arranged before departure, no fee, an application in person or through
//! the company's own channel (`data/identity.tsv`), and an email address
//! or website of the company's own.
//!
//! Scam-compound lures name no company and give only a chat handle; their
//! absence is one of DOMAIN.md's red flags, and their presence is what
//! legitimate adverts share. The risk model reads both ways.

use std::sync::OnceLock;

use regex::Regex;
use serde::Serialize;

use crate::phrasebook::{Key, Phrase, Phrasebook, Spotted, keys_of};

/// A mark of a real employer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Mark {
    /// A company's legal form or registration number.
    Company,
    /// A recruiter's licence, or a government channel.
    Licence,
    /// A street address or an office.
    Address,
    /// A work visa or a contract arranged before departure.
    WorkVisa,
    /// An explicit "no placement fee".
    NoFee,
    /// An application in person, or through the company's own channel.
    Application,
}

impl Mark {
    pub const ALL: [Mark; 6] = [
        Mark::Company,
        Mark::Licence,
        Mark::Address,
        Mark::WorkVisa,
        Mark::NoFee,
        Mark::Application,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Mark::Company => "company",
            Mark::Licence => "licence",
            Mark::Address => "address",
            Mark::WorkVisa => "work_visa",
            Mark::NoFee => "no_fee",
            Mark::Application => "application",
        }
    }

    pub fn parse(text: &str) -> Option<Mark> {
        Mark::ALL.into_iter().find(|m| m.as_str() == text)
    }
}

impl Key for Mark {
    const COLUMN: &'static str = "mark";
    fn parse(text: &str) -> Option<Self> {
        Mark::parse(text)
    }
}

/// A mark found in a text, with the words that show it.
pub type Found = Spotted<Mark>;

fn catalogue() -> &'static Phrasebook<Mark> {
    static CATALOGUE: OnceLock<Phrasebook<Mark>> = OnceLock::new();
    CATALOGUE.get_or_init(|| {
        Phrasebook::parse(include_str!("../data/identity.tsv"))
            .unwrap_or_else(|e| panic!("data/identity.tsv is shipped valid: {e}"))
    })
}

/// Every phrase of the catalogue.
pub fn phrases() -> &'static [Phrase<Mark>] {
    catalogue().phrases()
}

/// Every mark in `text`, in text order.
pub fn find(text: &str) -> Vec<Found> {
    let mut out = catalogue().find(text);
    out.extend(own_contacts(text));
    out.sort_by_key(|f| (f.start, f.key));
    out
}

/// Mail services anyone can sign up to: an address there names no company.
const FREE_MAIL: [&str; 12] = [
    "gmail.",
    "googlemail.",
    "yahoo.",
    "ymail.",
    "hotmail.",
    "outlook.",
    "live.",
    "icloud.",
    "proton",
    "mail.ru",
    "qq.com",
    "163.com",
];

/// Email addresses at a company's own domain, and websites: a company
/// that can be looked up. Chat handles and free mail are not.
fn own_contacts(text: &str) -> Vec<Found> {
    static CONTACT: OnceLock<Regex> = OnceLock::new();
    let re = CONTACT.get_or_init(|| {
        Regex::new(r"(?i)\b[\w.+-]+@(?P<domain>[\w-]+(?:\.[\w-]+)+)|\b(?:https?://|www\.)[\w.-]+\.[a-z]{2,}\S*")
            .expect("valid")
    });
    re.captures_iter(text)
        .filter(|c| {
            c.name("domain").is_none_or(|d| {
                let d = d.as_str().to_lowercase();
                !FREE_MAIL
                    .iter()
                    .any(|f| d.starts_with(f) || d.contains(&format!(".{f}")))
            })
        })
        .map(|c| {
            let m = c.get(0).expect("match");
            Found {
                key: Mark::Company,
                language: String::new(),
                words: m.as_str().to_owned(),
                start: m.start(),
                end: m.end(),
            }
        })
        .collect()
}

/// The distinct marks of a text, in mark order.
pub fn marks_of(found: &[Found]) -> Vec<Mark> {
    keys_of(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn marks(text: &str) -> Vec<Mark> {
        marks_of(&find(text))
    }

    #[test]
    fn every_mark_has_phrases_in_four_languages() {
        for mark in Mark::ALL {
            for lang in ["en", "id", "sw", "th"] {
                assert!(
                    phrases()
                        .iter()
                        .any(|p| p.key == mark && p.language == lang),
                    "{} has no {lang} phrase",
                    mark.as_str()
                );
            }
        }
    }

    #[test]
    fn a_licensed_overseas_job_shows_its_marks() {
        let advert = "Waiters for a resort in Dubai. Employer-paid employment visa, contract \
                      signed before departure. Licensed agency: Zawadi Ltd, NEA licence 0622, \
                      Mombasa Road. No placement fee. Walk-in interviews Monday.";
        assert_eq!(
            marks(advert),
            [
                Mark::Company,
                Mark::Licence,
                Mark::Address,
                Mark::WorkVisa,
                Mark::NoFee,
                Mark::Application
            ]
        );
    }

    #[test]
    fn a_company_address_or_site_is_a_mark_but_free_mail_is_not() {
        assert_eq!(
            marks("Send CV to hr@batikjogja.example.id"),
            [Mark::Company]
        );
        assert_eq!(
            marks("Apply at https://jobs.example.org/123"),
            [Mark::Company]
        );
        assert!(marks("Send CV to bestjob2025@gmail.com").is_empty());
    }

    #[test]
    fn a_lure_shows_none() {
        let lure = "URGENT! Customer service Cambodia, $1500/month, free ticket, \
                    limited places, send CV on Telegram @hr_kh";
        assert!(marks(lure).is_empty(), "{:?}", find(lure));
    }

    #[test]
    fn indonesian_swahili_and_thai_marks_are_read() {
        assert!(marks("P3MI berizin, kantor di Jl. Sudirman 5, tidak ada biaya").len() >= 3);
        assert!(marks("Wakala amesajiliwa, visa ya kazi, hakuna ada, Barabara ya Moi").len() >= 4);
        assert!(marks("บริษัท ไทยลิงก์ จำกัด ใบอนุญาตเลขที่ 12 ถนนวิภาวดี").len() >= 3);
    }
}
