//! Modus-operandi profiles: what a network's reports say about how it
//! works. That covers the scam types it runs, its recruitment and contact
//! channels, its payment rails, its methods of control, the countries of
//! the agencies its victims report to, the languages, when it was first and
//! last seen, and whether reports are rising or falling.
//!
//! MO tags are the taxonomy's canonical tags (`core::mo`). A bare tag is a
//! scam type; any other is `family:code` (`channel:telegram`,
//! `payment:usdt_trc20`, `control:debt_bondage`, …).

use std::collections::BTreeMap;

use crate::ranked;

/// What one report of the network says.
#[derive(Debug, Clone, Copy)]
pub struct Facts<'a> {
    pub mo: &'a [String],
    /// The country of the agency it was reported to.
    pub country: &'a str,
    pub language: Option<&'a str>,
    /// When it was received, in days since 1970-01-01.
    pub day: Option<i64>,
}

/// Whether a network's reports are growing in number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trend {
    /// A quarter more reports in its last 90 days than in the 90 before.
    Rising,
    Steady,
    /// A fifth fewer.
    Falling,
    /// Fewer than ten reports in those 180 days: too few to tell.
    Unknown,
}

/// The window a trend compares, in days.
const WINDOW: i64 = 90;

#[derive(Debug, Clone, PartialEq)]
pub struct Profile {
    pub reports: usize,
    /// MO tags by family (`scam` for the bare scam types), each code with
    /// how many reports give it, most given first.
    pub families: BTreeMap<String, Vec<(String, usize)>>,
    pub countries: Vec<(String, usize)>,
    pub languages: Vec<(String, usize)>,
    pub first_day: Option<i64>,
    pub last_day: Option<i64>,
    pub trend: Trend,
}

impl Profile {
    /// The codes of a family that at least `share` of the reports give.
    pub fn common(&self, family: &str, share: f64) -> Vec<&str> {
        self.families
            .get(family)
            .into_iter()
            .flatten()
            .filter(|(_, n)| *n as f64 >= share * self.reports as f64)
            .map(|(c, _)| c.as_str())
            .collect()
    }
}

/// The profile of one network from its reports.
pub fn profile<'a>(reports: impl IntoIterator<Item = Facts<'a>>) -> Profile {
    let mut count = 0;
    let mut families: BTreeMap<String, BTreeMap<String, usize>> = BTreeMap::new();
    let mut countries: BTreeMap<&str, usize> = BTreeMap::new();
    let mut languages: BTreeMap<&str, usize> = BTreeMap::new();
    let mut days: Vec<i64> = Vec::new();
    for r in reports {
        count += 1;
        for tag in r.mo {
            let (family, code) = tag.split_once(':').unwrap_or(("scam", tag));
            *families
                .entry(family.to_owned())
                .or_default()
                .entry(code.to_owned())
                .or_default() += 1;
        }
        *countries.entry(r.country).or_default() += 1;
        if let Some(l) = r.language {
            *languages.entry(l).or_default() += 1;
        }
        days.extend(r.day);
    }
    let (first_day, last_day) = (days.iter().min().copied(), days.iter().max().copied());
    let trend = last_day.map_or(Trend::Unknown, |last| {
        let recent = days.iter().filter(|d| **d > last - WINDOW).count();
        let before = days
            .iter()
            .filter(|d| **d <= last - WINDOW && **d > last - 2 * WINDOW)
            .count();
        if recent + before < 10 {
            Trend::Unknown
        } else if recent as f64 > 1.25 * before as f64 {
            Trend::Rising
        } else if (recent as f64) < 0.8 * before as f64 {
            Trend::Falling
        } else {
            Trend::Steady
        }
    });
    Profile {
        reports: count,
        families: families
            .into_iter()
            .map(|(f, codes)| (f, ranked(codes.into_iter())))
            .collect(),
        countries: ranked(countries.into_iter().map(|(c, n)| (c.to_owned(), n))),
        languages: ranked(languages.into_iter().map(|(l, n)| (l.to_owned(), n))),
        first_day,
        last_day,
        trend,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tags(list: &[&str]) -> Vec<String> {
        list.iter().map(|t| (*t).to_owned()).collect()
    }

    #[test]
    fn tags_are_counted_by_family_and_the_common_ones_found() {
        let a = tags(&["romance", "payment:usdt_trc20", "channel:telegram"]);
        let b = tags(&["romance", "channel:whatsapp"]);
        let c = tags(&["task", "channel:telegram"]);
        let reports = [
            Facts {
                mo: &a,
                country: "AU",
                language: Some("en"),
                day: Some(100),
            },
            Facts {
                mo: &b,
                country: "AU",
                language: Some("en"),
                day: Some(120),
            },
            Facts {
                mo: &c,
                country: "NG",
                language: None,
                day: Some(110),
            },
        ];
        let p = profile(reports);
        assert_eq!(p.reports, 3);
        assert_eq!(
            p.families["scam"],
            [("romance".to_owned(), 2), ("task".to_owned(), 1)]
        );
        assert_eq!(p.common("channel", 0.5), ["telegram"]);
        assert_eq!(p.common("payment", 0.5), Vec::<&str>::new());
        assert_eq!(p.countries[0], ("AU".to_owned(), 2));
        assert_eq!(p.languages, [("en".to_owned(), 2)]);
        assert_eq!((p.first_day, p.last_day), (Some(100), Some(120)));
        assert_eq!(p.trend, Trend::Unknown);
    }

    #[test]
    fn the_trend_compares_the_last_ninety_days_with_the_ninety_before() {
        let none: Vec<String> = Vec::new();
        let at = |day| Facts {
            mo: &none,
            country: "GB",
            language: None,
            day: Some(day),
        };
        // Ten reports in days 0–81, then `recent` more and one on day 179
        // (the last 90 days are 90–179).
        let with = |recent: i64| {
            let mut days: Vec<i64> = (0..10).map(|i| i * 9).collect();
            days.extend((0..recent).map(|i| 100 + i * 5));
            days.push(179);
            profile(days.into_iter().map(at)).trend
        };
        assert_eq!(with(15), Trend::Rising);
        assert_eq!(with(9), Trend::Steady);
        assert_eq!(with(5), Trend::Falling);
    }
}
