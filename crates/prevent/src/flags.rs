//! The red flags of trafficking recruitment, found in an advert's words.
//!
//! Each flag is shown by phrases in several languages
//! (`data/flags.tsv`, with where they come from). A finding keeps the flag,
//! the phrase's language and where in the text it stands, so that every
//! reason a check gives can quote the words that raised it (matching as
//! [`crate::phrasebook`] says).

use std::sync::OnceLock;

use serde::Serialize;

use crate::phrasebook::{Key, Phrase, Phrasebook, Spotted, keys_of};

/// A red flag of recruitment into scam compounds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Flag {
    /// A job where scam compounds operate.
    Destination,
    /// Travel through one country to another, met at the airport.
    Transit,
    /// A tourist or visit visa for work, the permit "later".
    TouristVisa,
    /// Free flight and hotel, or travel paid and deducted later.
    FreeTravel,
    /// A typing test as the interview.
    TypingTest,
    /// Pay far above the norm, no experience needed.
    HighPay,
    /// Contact through a messaging app only.
    ChatOnly,
    Urgency,
    /// Duties as vague as "customer service" or "online sales".
    VagueDuties,
    /// Strict age and language requirements, no skills.
    AgeLanguage,
    /// The passport held by the employer or agent.
    PassportHold,
    /// A recruitment fee or deposit.
    Fee,
    /// Advice to go around the labour authority or to lie to immigration.
    AvoidOfficial,
}

impl Flag {
    pub const ALL: [Flag; 13] = [
        Flag::Destination,
        Flag::Transit,
        Flag::TouristVisa,
        Flag::FreeTravel,
        Flag::TypingTest,
        Flag::HighPay,
        Flag::ChatOnly,
        Flag::Urgency,
        Flag::VagueDuties,
        Flag::AgeLanguage,
        Flag::PassportHold,
        Flag::Fee,
        Flag::AvoidOfficial,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Flag::Destination => "destination",
            Flag::Transit => "transit",
            Flag::TouristVisa => "tourist_visa",
            Flag::FreeTravel => "free_travel",
            Flag::TypingTest => "typing_test",
            Flag::HighPay => "high_pay",
            Flag::ChatOnly => "chat_only",
            Flag::Urgency => "urgency",
            Flag::VagueDuties => "vague_duties",
            Flag::AgeLanguage => "age_language",
            Flag::PassportHold => "passport_hold",
            Flag::Fee => "fee",
            Flag::AvoidOfficial => "avoid_official",
        }
    }

    pub fn parse(text: &str) -> Option<Flag> {
        Flag::ALL.into_iter().find(|f| f.as_str() == text)
    }
}

impl Key for Flag {
    const COLUMN: &'static str = "flag";
    fn parse(text: &str) -> Option<Self> {
        Flag::parse(text)
    }
}

/// A red flag found in a text, with the words that show it.
pub type Found = Spotted<Flag>;

fn catalogue() -> &'static Phrasebook<Flag> {
    static CATALOGUE: OnceLock<Phrasebook<Flag>> = OnceLock::new();
    CATALOGUE.get_or_init(|| {
        Phrasebook::parse(include_str!("../data/flags.tsv"))
            .unwrap_or_else(|e| panic!("data/flags.tsv is shipped valid: {e}"))
    })
}

/// Every phrase of the catalogue.
pub fn phrases() -> &'static [Phrase<Flag>] {
    catalogue().phrases()
}

/// Every red flag in `text`, in text order, each place once per flag.
pub fn find(text: &str) -> Vec<Found> {
    catalogue().find(text)
}

/// The distinct flags of a text, in flag order.
pub fn flags_of(found: &[Found]) -> Vec<Flag> {
    keys_of(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flags(text: &str) -> Vec<Flag> {
        flags_of(&find(text))
    }

    #[test]
    fn the_catalogue_covers_every_flag_in_four_languages() {
        for flag in Flag::ALL {
            for lang in ["en", "id", "sw", "th"] {
                assert!(
                    phrases()
                        .iter()
                        .any(|p| p.key == flag && p.language == lang),
                    "{} has no {lang} phrase",
                    flag.as_str()
                );
            }
        }
    }

    #[test]
    fn a_typical_lure_shows_its_flags_with_the_words() {
        let advert = "URGENT hiring! Customer service in Sihanoukville, high salary, \
                      free flight ticket provided. Typing test only, age 18-35, speak English. \
                      Tourist visa first. Contact via Telegram @jobs_kh";
        let found = find(advert);
        assert_eq!(
            flags_of(&found),
            [
                Flag::Destination,
                Flag::TouristVisa,
                Flag::FreeTravel,
                Flag::TypingTest,
                Flag::HighPay,
                Flag::ChatOnly,
                Flag::Urgency,
                Flag::VagueDuties,
                Flag::AgeLanguage,
            ]
        );
        let urgent = found.iter().find(|f| f.key == Flag::Urgency).unwrap();
        assert_eq!(urgent.words, "URGENT");
        assert_eq!(&advert[urgent.start..urgent.end], "URGENT");
    }

    #[test]
    fn words_stand_on_their_boundaries() {
        assert!(flags("The insurgents were urgently evacuated").contains(&Flag::Urgency));
        assert!(!flags("insurgent groups").contains(&Flag::Urgency));
        assert!(!flags("Laosheng noodles").contains(&Flag::Destination));
    }

    #[test]
    fn indonesian_swahili_and_thai_lures_are_read_too() {
        assert!(
            flags("Dibutuhkan segera! Gaji tinggi, tiket pesawat gratis, visa turis").len() >= 4
        );
        assert!(flags("Kazi Kambodia, mshahara mkubwa, tiketi ya ndege bure, haraka").len() >= 4);
        assert!(flags("ด่วน! งานแอดมินออนไลน์ เงินเดือนสูง ตั๋วเครื่องบินฟรี").len() >= 4);
    }

    #[test]
    fn a_plain_job_raises_nothing() {
        let advert = "Staff nurse, Royal Free Hospital, London. NMC registration required. \
                      Tier 2 visa sponsored by the Trust. Apply at careers.example.org.";
        assert!(find(advert).is_empty(), "{:?}", find(advert));
    }
}

#[cfg(test)]
mod labelled {
    //! The hand-written labelled adverts as the flags alone read them: the
    //! baseline the risk model is measured against.
    use super::*;
    use crate::labelled::{Label, hand_written};

    #[test]
    fn the_labelled_set_is_balanced_and_in_four_languages_at_least() {
        let all = hand_written();
        assert!(all.len() >= 200, "{}", all.len());
        let bad = all.iter().filter(|a| a.label == Label::Trafficking).count();
        let good = all.len() - bad;
        assert!(bad.abs_diff(good) <= all.len() / 20, "{bad} / {good}");
        for lang in ["en", "id", "sw", "th"] {
            let n = all.iter().filter(|a| a.language == lang).count();
            assert!(n >= 15, "{lang}: {n}");
        }
        let mut ids: Vec<&str> = all.iter().map(|a| a.id.as_str()).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), all.len(), "ids are unique");
    }

    /// How well "k distinct flags or more" separates the set, printed for
    /// `--nocapture`: what the trained model must beat.
    #[test]
    fn the_flags_alone_separate_the_set_somewhat() {
        let all = hand_written();
        let legit = all.iter().filter(|a| a.label == Label::Legitimate).count() as f64;
        let mut best = (0.0_f64, 0);
        for k in 1..=5 {
            let (mut tp, mut fp, mut fneg) = (0.0, 0.0, 0.0);
            for a in &all {
                let flagged = flags_of(&find(&a.text)).len() >= k;
                match (flagged, a.label == Label::Trafficking) {
                    (true, true) => tp += 1.0,
                    (true, false) => fp += 1.0,
                    (false, true) => fneg += 1.0,
                    _ => {}
                }
            }
            let f1 = 2.0 * tp / (2.0 * tp + fp + fneg);
            eprintln!(
                "k={k}: f1 {f1:.3}, false positives {:.3} of legitimate",
                fp / legit
            );
            if f1 > best.0 {
                best = (f1, k);
            }
        }
        assert!(best.0 > 0.6, "best f1 {:.3} at k={}", best.0, best.1);
    }
}
