//! Admiralty grading: source reliability A–F and information credibility 1–6.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// An Admiralty code such as `B2`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Grading {
    reliability: u8,
    credibility: u8,
}

/// A grading that is not a letter A–F followed by a digit 1–6.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "grading '{0}' is not an admiralty code: source reliability A-F then information credibility 1-6, like 'B2'"
)]
pub struct GradingError(pub String);

impl Grading {
    pub fn new(reliability: char, credibility: u8) -> Result<Self, GradingError> {
        let r = reliability.to_ascii_uppercase();
        if ('A'..='F').contains(&r) && (1..=6).contains(&credibility) {
            Ok(Grading {
                reliability: r as u8,
                credibility,
            })
        } else {
            Err(GradingError(format!("{reliability}{credibility}")))
        }
    }

    /// A (completely reliable) … E (unreliable), F (cannot be judged).
    pub fn reliability(&self) -> char {
        self.reliability as char
    }

    /// 1 (confirmed) … 5 (improbable), 6 (cannot be judged).
    pub fn credibility(&self) -> u8 {
        self.credibility
    }
}

impl FromStr for Grading {
    type Err = GradingError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut chars = s.trim().chars();
        match (chars.next(), chars.next(), chars.next()) {
            (Some(r), Some(c), None) => c
                .to_digit(10)
                .and_then(|d| Grading::new(r, d as u8).ok())
                .ok_or_else(|| GradingError(s.to_owned())),
            _ => Err(GradingError(s.to_owned())),
        }
    }
}

impl fmt::Display for Grading {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.reliability(), self.credibility)
    }
}

impl Serialize for Grading {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Grading {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_valid_code_and_prints_it_back() {
        for r in 'A'..='F' {
            for c in 1..=6 {
                let text = format!("{r}{c}");
                let g: Grading = text.parse().unwrap();
                assert_eq!(g.to_string(), text);
                assert_eq!(text.to_lowercase().parse::<Grading>().unwrap(), g);
            }
        }
    }

    #[test]
    fn rejects_out_of_range_codes() {
        for bad in ["G1", "A0", "A7", "B", "B22", "", "2B"] {
            assert!(bad.parse::<Grading>().is_err(), "{bad}");
        }
    }
}
