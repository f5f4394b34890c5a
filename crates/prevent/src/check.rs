//! The public check: what anyone may paste — a job advert, a chat
//! message, a phone number, a handle, a website, a bank account — and the
//! answer in plain language, with every reason shown.
//!
//! The answer joins two readings:
//! - the advert's own words, scored by the [`Model`] (red flags, marks of
//!   a real employer, pay against the job seeker's country);
//! - the selectors in it, which the caller looks up in what the exchange
//!   may tell the public (CLEAR reports only, as counts) and passes in as
//!   [`Known`].
//!
//! A selector reported before is the strongest reason there is: the
//! verdict is then "high risk" whatever the words say.

use std::str::FromStr;

use cordon_core::Hint;
use cordon_core::selector::{Region, extract};
use serde::Serialize;

use crate::features::{Feature, Reading};
use crate::flags::Flag;
use crate::hotlines::{self, Hotline};
use crate::messages::{self, say};
use crate::model::Model;

/// The longest text the check reads: a long advert is 2 KB; a whole chat
/// export is not what the page is for.
pub const MAX_TEXT: usize = 20_000;

/// At or above this score an advert shows "warning signs".
pub const WARNING_AT: f64 = 0.5;
/// At or above this score the words alone make it "high risk".
pub const HIGH_AT: f64 = 0.9;

/// Flags that warrant a warning on their own: no honest employer asks for
/// them.
const ALARMS: [Flag; 3] = [Flag::PassportHold, Flag::Fee, Flag::AvoidOfficial];

/// The verdict, on three levels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// No known reports, no warning signs: "stay careful".
    None,
    Warning,
    High,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::None => "none",
            Verdict::Warning => "warning",
            Verdict::High => "high",
        }
    }
}

/// What the exchange may tell the public of one selector: how many CLEAR
/// reports hold it. Never who holds them, never what they say.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Known {
    pub selector: String,
    pub reports: u64,
}

/// A question to the check.
#[derive(Debug, Clone, Copy)]
pub struct Question<'a> {
    pub text: &'a str,
    /// The job seeker's country (ISO 3166-1 alpha-2), when they gave it:
    /// for the pay norm, phone numbers written nationally, and hotlines.
    pub country: Option<&'a str>,
    /// The language to answer in (ISO 639-1); English when not spoken.
    pub language: &'a str,
}

/// Why the verdict is what it is.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Reason {
    /// `reported_selector`, `flag`, `no_company`, `pay` or `mark`.
    pub kind: &'static str,
    /// The feature's name (`flag.fee`, `mark.licence`…) or the selector.
    pub subject: String,
    /// In the answer's language.
    pub text: String,
    /// The words of the text that raised it.
    pub words: Vec<String>,
    /// What it added to the model's log-odds; none for a reported selector,
    /// which decides on its own.
    pub weight: Option<f64>,
}

/// The answer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Answer {
    pub verdict: Verdict,
    /// The verdict in a sentence, in the answer's language.
    pub headline: String,
    pub language: String,
    /// The model's probability that the words are a trafficking lure; none
    /// when the text is only selectors.
    pub score: Option<f64>,
    /// Warning signs first, then signs of a real employer.
    pub reasons: Vec<Reason>,
    pub advice: Vec<String>,
    pub hotlines: Vec<Hotline>,
    /// The canonical selectors found, which the caller looked up.
    pub selectors: Vec<String>,
}

/// The countries the check knows something of (a hotline or a typical
/// income), sorted: what a job seeker or an agency picks from.
pub fn countries() -> Vec<&'static str> {
    let mut c: Vec<&str> = crate::hotlines::countries();
    c.extend(crate::pay::countries());
    c.sort_unstable();
    c.dedup();
    c
}

/// The canonical selectors in a text, to look up before answering.
pub fn selectors(text: &str, country: Option<&str>) -> Vec<String> {
    canonical(&found(text, country))
}

fn canonical(found: &[cordon_core::Found]) -> Vec<String> {
    let mut out: Vec<String> = found
        .iter()
        .map(|f| f.selector.as_str().to_owned())
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

fn found(text: &str, country: Option<&str>) -> Vec<cordon_core::Found> {
    let hint = Hint {
        kind: None,
        region: country.and_then(|c| Region::from_str(c).ok()),
    };
    extract(text, &hint)
}

/// Whether a text is more than its selectors: words the model can read.
/// A pasted number or handle, even with "call" or "WhatsApp" beside it,
/// is not an advert.
fn has_words(text: &str, found: &[cordon_core::Found]) -> bool {
    let mut rest = String::with_capacity(text.len());
    let mut at = 0;
    let mut spans: Vec<[usize; 2]> = found.iter().map(|f| f.span).collect();
    spans.sort_unstable();
    for [start, end] in spans {
        if start >= at && end <= text.len() {
            rest.push_str(&text[at..start]);
            rest.push(' ');
            at = end;
        }
    }
    rest.push_str(&text[at..]);
    let words = rest
        .split_whitespace()
        .filter(|w| w.chars().any(char::is_alphabetic))
        .count();
    // Thai writes no spaces: a long run of letters is words too.
    words > 3 || rest.chars().filter(|c| c.is_alphabetic()).count() > 40
}

/// The answer to a question, given what the exchange knows of its
/// selectors.
pub fn answer(q: Question<'_>, known: &[Known]) -> Answer {
    answer_looking_up(q, |_| known.to_vec())
}

/// The answer to a question, `lookup` telling what the exchange knows of
/// the canonical selectors found in it (read once).
pub fn answer_looking_up(q: Question<'_>, lookup: impl FnOnce(&[String]) -> Vec<Known>) -> Answer {
    let language = messages::language(q.language);
    let spotted = found(q.text, q.country);
    let selectors = canonical(&spotted);
    let known = lookup(&selectors);
    let mut reasons = Vec::new();
    let mut verdict = Verdict::None;
    for k in known.iter().filter(|k| k.reports > 0) {
        verdict = Verdict::High;
        let count = k.reports.to_string();
        reasons.push(Reason {
            kind: "reported_selector",
            subject: k.selector.clone(),
            text: say(
                "reason.reported_selector",
                language,
                &[("selector", &k.selector), ("count", &count)],
            ),
            words: Vec::new(),
            weight: None,
        });
    }
    let mut score = None;
    if has_words(q.text, &spotted) {
        let reading = Reading::of(q.text, q.country);
        let features = reading.features();
        let scored = Model::shipped().score(&features);
        score = Some(scored.probability);
        let alarm = ALARMS.iter().any(|a| features.contains(&Feature::Flag(*a)));
        if scored.probability >= HIGH_AT {
            verdict = verdict.max(Verdict::High);
        } else if scored.probability >= WARNING_AT || alarm {
            verdict = verdict.max(Verdict::Warning);
        }
        let mut warnings: Vec<Reason> = Vec::new();
        let mut reassurances: Vec<Reason> = Vec::new();
        for (feature, weight) in scored.contributions {
            let reason = explain(&reading, feature, weight, language);
            if weight > 0.0 || matches!(feature, Feature::Flag(_)) {
                warnings.push(reason);
            } else if matches!(feature, Feature::Mark(_)) {
                reassurances.push(reason);
            }
        }
        reasons.extend(warnings);
        reasons.extend(reassurances);
    }
    let headline = say(&format!("verdict.{}", verdict.as_str()), language, &[]);
    let hotlines: Vec<Hotline> = q
        .country
        .map(hotlines::of)
        .unwrap_or_default()
        .into_iter()
        .cloned()
        .collect();
    let mut advice = vec![say("advice.verify", language, &[])];
    match hotlines.iter().find(|h| !h.phone.is_empty()) {
        Some(h) => advice.push(say(
            "advice.hotline",
            language,
            &[("name", &h.name), ("phone", &h.phone)],
        )),
        None => advice.push(say("advice.no_hotline", language, &[])),
    }
    if verdict > Verdict::None {
        advice.push(say("advice.never_passport", language, &[]));
        advice.push(say("advice.tell_family", language, &[]));
    }
    Answer {
        verdict,
        headline,
        language: language.to_owned(),
        score,
        reasons,
        advice,
        hotlines,
        selectors,
    }
}

fn explain(reading: &Reading, feature: Feature, weight: f64, language: &str) -> Reason {
    let words: Vec<String> = reading
        .words(feature)
        .into_iter()
        .map(str::to_owned)
        .collect();
    let quoted = words.join("\", \"");
    let (kind, text) = match feature {
        Feature::Flag(f) => {
            let flag = say(&format!("flag.{}", f.as_str()), language, &[]);
            (
                "flag",
                say(
                    "reason.flag",
                    language,
                    &[("flag", &flag), ("words", &quoted)],
                ),
            )
        }
        Feature::NoCompany => ("no_company", say("flag.no_company", language, &[])),
        Feature::PayAbove | Feature::PayFarAbove => {
            let (ratio, country) = reading
                .offer
                .as_ref()
                .map(|o| (format!("{:.0}", o.ratio), o.country.clone()))
                .unwrap_or_default();
            (
                "pay",
                say(
                    "reason.pay",
                    language,
                    &[("words", &quoted), ("ratio", &ratio), ("country", &country)],
                ),
            )
        }
        Feature::Mark(m) => {
            let mark = say(&format!("mark.{}", m.as_str()), language, &[]);
            (
                "mark",
                say(
                    "reason.mark",
                    language,
                    &[("mark", &mark), ("words", &quoted)],
                ),
            )
        }
    };
    Reason {
        kind,
        subject: feature.name(),
        text,
        words,
        weight: Some(weight),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LURE: &str = "URGENT! Customer service in Sihanoukville, $1,500/month, free flight \
                        and hotel, typing test only, tourist visa. Telegram only: t.me/hr_kh";

    fn ask(text: &str, language: &str) -> Answer {
        answer(
            Question {
                text,
                country: Some("KE"),
                language,
            },
            &[],
        )
    }

    #[test]
    fn a_lure_is_flagged_with_its_words_in_each_language() {
        for lang in ["en", "id", "sw", "th"] {
            let a = ask(LURE, lang);
            assert!(a.verdict >= Verdict::Warning, "{a:?}");
            assert_eq!(a.language, lang);
            let dest = a
                .reasons
                .iter()
                .find(|r| r.subject == "flag.destination")
                .unwrap();
            assert_eq!(dest.words, ["Sihanoukville"]);
            assert!(dest.text.contains("Sihanoukville"));
            assert_eq!(a.selectors, ["telegram:@hr_kh"]);
            assert!(a.hotlines.iter().all(|h| h.country == "KE"));
        }
        assert_ne!(ask(LURE, "en").headline, ask(LURE, "th").headline);
    }

    #[test]
    fn a_reported_selector_decides_and_a_lone_one_has_no_score() {
        let known = [Known {
            selector: "phone:+85512700100".into(),
            reports: 3,
        }];
        let q = Question {
            text: "call +855 12 700 100",
            country: None,
            language: "en",
        };
        let a = answer(q, &known);
        assert_eq!(a.verdict, Verdict::High);
        assert_eq!(a.score, None);
        assert_eq!(a.reasons.len(), 1);
        assert!(a.reasons[0].text.contains("3 times"), "{:?}", a.reasons);
        assert_eq!(answer(q, &[]).verdict, Verdict::None);
    }

    #[test]
    fn a_licensed_job_is_not_flagged() {
        let a = ask(
            "Waiters for a resort in Dubai, AED 2,200. Employment visa, contract signed before \
             departure. Licensed agency Zawadi Ltd, NEA licence 0622, Mombasa Road. No placement fee.",
            "en",
        );
        assert_eq!(a.verdict, Verdict::None, "{a:?}");
        assert!(a.reasons.iter().any(|r| r.kind == "mark"));
    }
}
