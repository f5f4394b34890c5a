//! What the risk model reads in an advert: its red flags, the marks of a
//! real employer, and the pay against the job seeker's country. Every
//! feature keeps the words that raised it, so that each reason a check
//! gives can quote them.

use serde::Serialize;

use crate::flags::{self, Flag};
use crate::identity::{self, Mark};
use crate::pay::{self, Offer};

/// Pay this many times the typical income of the job seeker's country is
/// "far above the norm"; the second step is a lure no honest unskilled job
/// comes near.
pub const PAY_ABOVE: f64 = 3.0;
pub const PAY_FAR_ABOVE: f64 = 6.0;

/// A feature the model weighs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "name")]
pub enum Feature {
    Flag(Flag),
    Mark(Mark),
    /// None of the marks: no company, licence or address.
    NoCompany,
    PayAbove,
    PayFarAbove,
}

impl Feature {
    /// Every feature, in the order of the model's weights.
    pub fn all() -> Vec<Feature> {
        let mut out: Vec<Feature> = Flag::ALL.into_iter().map(Feature::Flag).collect();
        out.extend(Mark::ALL.into_iter().map(Feature::Mark));
        out.extend([Feature::NoCompany, Feature::PayAbove, Feature::PayFarAbove]);
        out
    }

    /// The name in the model file and in answers: `flag.fee`,
    /// `mark.licence`, `no_company`, `pay_above`.
    pub fn name(self) -> String {
        match self {
            Feature::Flag(f) => format!("flag.{}", f.as_str()),
            Feature::Mark(m) => format!("mark.{}", m.as_str()),
            Feature::NoCompany => "no_company".into(),
            Feature::PayAbove => "pay_above".into(),
            Feature::PayFarAbove => "pay_far_above".into(),
        }
    }

    pub fn parse(name: &str) -> Option<Feature> {
        Feature::all().into_iter().find(|f| f.name() == name)
    }
}

/// An advert as the model reads it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Reading {
    pub flags: Vec<flags::Found>,
    pub marks: Vec<identity::Found>,
    /// The highest pay offered against the norm, when one is stated.
    pub offer: Option<Offer>,
}

impl Reading {
    /// Reads `text`; `origin` is the job seeker's country (ISO 3166-1
    /// alpha-2) when known.
    pub fn of(text: &str, origin: Option<&str>) -> Reading {
        // The longer phrase says what the words mean: "no need to go
        // through the Department of Employment" names the department to go
        // around it, and "no placement fee" is no fee.
        let flags = flags::find(text);
        let marks = identity::find(text);
        let inside = |s: usize, e: usize, span: (usize, usize)| {
            span.0 <= s && e <= span.1 && (span.1 - span.0) > (e - s)
        };
        let kept_marks: Vec<identity::Found> = marks
            .iter()
            .filter(|m| {
                !flags.iter().any(|f| {
                    inside(m.start, m.end, (f.start, f.end)) || (f.start, f.end) == (m.start, m.end)
                })
            })
            .cloned()
            .collect();
        let kept_flags: Vec<flags::Found> = flags
            .into_iter()
            .filter(|f| {
                !marks
                    .iter()
                    .any(|m| inside(f.start, f.end, (m.start, m.end)))
            })
            .collect();
        Reading {
            flags: kept_flags,
            marks: kept_marks,
            offer: pay::offer(text, origin),
        }
    }

    /// The features present, in feature order.
    pub fn features(&self) -> Vec<Feature> {
        let mut out: Vec<Feature> = flags::flags_of(&self.flags)
            .into_iter()
            .map(Feature::Flag)
            .collect();
        let marks = identity::marks_of(&self.marks);
        let company = marks
            .iter()
            .any(|m| matches!(m, Mark::Company | Mark::Licence | Mark::Address));
        out.extend(marks.into_iter().map(Feature::Mark));
        if !company {
            out.push(Feature::NoCompany);
        }
        if let Some(o) = &self.offer {
            if o.ratio >= PAY_ABOVE {
                out.push(Feature::PayAbove);
            }
            if o.ratio >= PAY_FAR_ABOVE {
                out.push(Feature::PayFarAbove);
            }
        }
        out
    }

    /// The words that raised a feature, for the reason shown.
    pub fn words(&self, feature: Feature) -> Vec<&str> {
        match feature {
            Feature::Flag(f) => self
                .flags
                .iter()
                .filter(|x| x.key == f)
                .map(|x| x.words.as_str())
                .collect(),
            Feature::Mark(m) => self
                .marks
                .iter()
                .filter(|x| x.key == m)
                .map(|x| x.words.as_str())
                .collect(),
            Feature::PayAbove | Feature::PayFarAbove => {
                self.offer.iter().map(|o| o.pay.words.as_str()).collect()
            }
            Feature::NoCompany => Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for f in Feature::all() {
            assert_eq!(Feature::parse(&f.name()), Some(f));
        }
        assert_eq!(Feature::parse("flag.nope"), None);
    }

    #[test]
    fn a_lure_reads_as_flags_no_company_and_pay_far_above() {
        let r = Reading::of(
            "Customer service in Sihanoukville, $1,500/month, free flight. Telegram only.",
            Some("KE"),
        );
        let f = r.features();
        assert!(f.contains(&Feature::Flag(Flag::Destination)));
        assert!(f.contains(&Feature::NoCompany));
        assert!(f.contains(&Feature::PayFarAbove));
        assert_eq!(r.words(Feature::PayAbove), ["$1,500/month"]);
    }

    #[test]
    fn a_licensed_job_reads_as_marks() {
        let r = Reading::of(
            "Nurses for Saudi Arabia, SAR 6,500. Licensed agency DMW-089, office in Ermita. No placement fee.",
            Some("PH"),
        );
        let f = r.features();
        assert!(f.contains(&Feature::Mark(Mark::Licence)));
        assert!(f.contains(&Feature::Mark(Mark::NoFee)));
        assert!(!f.contains(&Feature::NoCompany));
    }
}
