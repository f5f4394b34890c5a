//! Awareness bulletins: per origin country, what recruitment into scam
//! compounds looks like now — the jobs promised, the channels, the
//! destinations, the pay offered, the ages of the people it caught — and
//! how that changed since the period before, so that campaigns reach the
//! groups actually targeted.
//!
//! This module aggregates observations the caller gathered (adverts from
//! intelligence, recruitments from victim-protection cases) and never
//! sees where they came from; the caller decides what may go in. Small
//! counts of people are not shown ([`MIN_PEOPLE`]): a bulletin is
//! published, and an age band of one is a person.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use crate::features::Reading;
use crate::flags::Flag;

/// Age bands with fewer people than this are folded into "other ages".
pub const MIN_PEOPLE: u64 = 3;

/// How many of each list a bulletin shows.
pub const TOP: usize = 8;

/// One thing seen about recruitment from the origin country.
#[derive(Debug, Clone, PartialEq)]
pub struct Observation {
    pub at: DateTime<Utc>,
    pub source: Source,
    /// The advert's text, when there is one.
    pub text: String,
    /// The job promised, when a case says it in so many words.
    pub job: Option<String>,
    /// `telegram`, `facebook`, `job_board`…
    pub channel: Option<String>,
    /// Birth dates of the people recruited (cases).
    pub born: Vec<NaiveDate>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// A recruitment advert reported as intelligence.
    Advert,
    /// A victim-protection case's account of the recruitment.
    Case,
}

/// A count now and in the period before.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Trend {
    pub name: String,
    pub now: u64,
    pub before: u64,
}

/// Pay offered, in US dollars a month, and against the origin's norm.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PayLure {
    pub adverts: u64,
    pub median_usd: f64,
    pub low_usd: f64,
    pub high_usd: f64,
    /// Median times the typical income of the origin country.
    pub median_ratio: Option<f64>,
}

/// The bulletin.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Bulletin {
    /// ISO 3166-1 alpha-2.
    pub origin: String,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    /// The period compared with: as long, just before.
    pub before_from: DateTime<Utc>,
    pub adverts: Trend,
    pub cases: Trend,
    /// What the adverts promise (their words for the duties), most first.
    pub jobs: Vec<Trend>,
    pub channels: Vec<Trend>,
    /// Places named in the adverts (destination and transit words).
    pub destinations: Vec<Trend>,
    /// The red flags the adverts carry, most first.
    pub flags: Vec<Trend>,
    pub pay: Option<PayLure>,
    /// Age bands of the people recruited, at the time of their case.
    pub ages: Vec<Trend>,
}

/// Age bands used for campaigns (schools, young job seekers, adults).
const BANDS: [(u32, u32, &str); 5] = [
    (0, 17, "under 18"),
    (18, 24, "18-24"),
    (25, 34, "25-34"),
    (35, 44, "35-44"),
    (45, 200, "45 and over"),
];

fn band(born: NaiveDate, at: DateTime<Utc>) -> Option<&'static str> {
    let age = at.date_naive().years_since(born)?;
    BANDS
        .iter()
        .find(|(lo, hi, _)| (*lo..=*hi).contains(&age))
        .map(|b| b.2)
}

#[derive(Default)]
struct Tally(BTreeMap<String, (u64, u64)>);

impl Tally {
    fn add(&mut self, name: &str, now: bool) {
        let e = self.0.entry(name.to_owned()).or_default();
        if now {
            e.0 += 1;
        } else {
            e.1 += 1;
        }
    }

    /// The most frequent now, ties by name; those only seen before too,
    /// as the fall that a campaign should know of.
    fn top(self, n: usize) -> Vec<Trend> {
        let mut v: Vec<Trend> = self
            .0
            .into_iter()
            .map(|(name, (now, before))| Trend { name, now, before })
            .collect();
        v.sort_by(|a, b| {
            (b.now, b.before)
                .cmp(&(a.now, a.before))
                .then_with(|| a.name.cmp(&b.name))
        });
        v.truncate(n);
        v
    }
}

fn median(sorted: &[f64]) -> f64 {
    let n = sorted.len();
    if n % 2 == 1 {
        sorted[n / 2]
    } else {
        (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0
    }
}

fn quantile(sorted: &[f64], q: f64) -> f64 {
    let i = ((sorted.len() - 1) as f64 * q).round() as usize;
    sorted[i]
}

/// Builds the bulletin of `origin` for `[from, to)` from observations of
/// that period and the one as long before it (others are ignored).
pub fn build(
    origin: &str,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    observations: &[Observation],
) -> Bulletin {
    let before_from = from - (to - from);
    let mut adverts = (0, 0);
    let mut cases = (0, 0);
    let (mut jobs, mut channels, mut places, mut flags, mut ages) = (
        Tally::default(),
        Tally::default(),
        Tally::default(),
        Tally::default(),
        Tally::default(),
    );
    let mut pays: Vec<f64> = Vec::new();
    let mut ratios: Vec<f64> = Vec::new();
    for o in observations {
        let now = o.at >= from && o.at < to;
        let before = o.at >= before_from && o.at < from;
        if !now && !before {
            continue;
        }
        let count = match o.source {
            Source::Advert => &mut adverts,
            Source::Case => &mut cases,
        };
        if now {
            count.0 += 1;
        } else {
            count.1 += 1;
        }
        if let Some(c) = o.channel.as_deref().filter(|c| !c.is_empty()) {
            channels.add(&c.to_lowercase(), now);
        }
        if let Some(j) = o.job.as_deref().filter(|j| !j.trim().is_empty()) {
            jobs.add(&j.trim().to_lowercase(), now);
        }
        for b in &o.born {
            if let Some(b) = band(*b, o.at) {
                ages.add(b, now);
            }
        }
        if o.text.is_empty() {
            continue;
        }
        let reading = Reading::of(&o.text, Some(origin));
        let mut seen_flags: Vec<Flag> = Vec::new();
        let mut seen_words: Vec<(u8, String)> = Vec::new();
        for f in &reading.flags {
            if !seen_flags.contains(&f.key) {
                seen_flags.push(f.key);
                flags.add(f.key.as_str(), now);
            }
            let kind = match f.key {
                Flag::VagueDuties => 0,
                Flag::Destination | Flag::Transit => 1,
                _ => continue,
            };
            let word = f.words.to_lowercase();
            if !seen_words.contains(&(kind, word.clone())) {
                if kind == 0 {
                    jobs.add(&word, now);
                } else {
                    places.add(&word, now);
                }
                seen_words.push((kind, word));
            }
        }
        if let (true, Some(offer)) = (now, &reading.offer) {
            pays.push(offer.pay.monthly_usd);
            if offer.country == origin {
                ratios.push(offer.ratio);
            }
        }
    }
    pays.sort_by(f64::total_cmp);
    ratios.sort_by(f64::total_cmp);
    let pay = (!pays.is_empty()).then(|| PayLure {
        adverts: pays.len() as u64,
        median_usd: median(&pays),
        low_usd: quantile(&pays, 0.25),
        high_usd: quantile(&pays, 0.75),
        median_ratio: (!ratios.is_empty()).then(|| median(&ratios)),
    });
    Bulletin {
        origin: origin.to_owned(),
        from,
        to,
        before_from,
        adverts: Trend {
            name: "adverts".into(),
            now: adverts.0,
            before: adverts.1,
        },
        cases: Trend {
            name: "cases".into(),
            now: cases.0,
            before: cases.1,
        },
        jobs: jobs.top(TOP),
        channels: channels.top(TOP),
        destinations: places.top(TOP),
        flags: flags.top(TOP),
        pay,
        ages: suppress_small(ages.top(BANDS.len())),
    }
}

/// Age bands in band order, those with too few people folded together so
/// that no band points at a person; the fold itself is dropped when it is
/// still too small.
fn suppress_small(bands: Vec<Trend>) -> Vec<Trend> {
    let mut out = Vec::new();
    let mut other = Trend {
        name: "other ages".into(),
        now: 0,
        before: 0,
    };
    for (_, _, name) in BANDS {
        let Some(t) = bands.iter().find(|t| t.name == name) else {
            continue;
        };
        if t.now >= MIN_PEOPLE && (t.before == 0 || t.before >= MIN_PEOPLE) {
            out.push(t.clone());
        } else {
            other.now += t.now;
            other.before += t.before;
        }
    }
    if other.now >= MIN_PEOPLE {
        if other.before < MIN_PEOPLE {
            other.before = 0;
        }
        out.push(other);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(month: u32, day: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, month, day, 12, 0, 0).unwrap()
    }

    fn advert(month: u32, text: &str, channel: &str) -> Observation {
        Observation {
            at: at(month, 10),
            source: Source::Advert,
            text: text.into(),
            job: None,
            channel: Some(channel.into()),
            born: Vec::new(),
        }
    }

    fn case(month: u32, born: &[(i32, u32)]) -> Observation {
        Observation {
            at: at(month, 12),
            source: Source::Case,
            text: String::new(),
            job: Some("Customer Service".into()),
            channel: Some("telegram".into()),
            born: born
                .iter()
                .map(|(y, m)| NaiveDate::from_ymd_opt(*y, *m, 1).unwrap())
                .collect(),
        }
    }

    #[test]
    fn a_quarter_is_compared_with_the_one_before() {
        let lure =
            "Customer service in Sihanoukville, KES 180,000/month, free flight, telegram only";
        let old = "Data entry in Myawaddy, KES 150,000/month";
        let mut obs = vec![
            advert(7, lure, "telegram"),
            advert(8, lure, "telegram"),
            advert(8, lure, "facebook"),
            advert(4, old, "facebook"),
            advert(1, old, "facebook"), // two quarters ago: ignored
        ];
        obs.push(case(8, &[(2005, 3), (2004, 6), (2003, 1)]));
        obs.push(case(9, &[(1990, 1)]));
        let b = build("KE", at(7, 1), at(10, 1), &obs);
        assert_eq!((b.adverts.now, b.adverts.before), (3, 1));
        assert_eq!((b.cases.now, b.cases.before), (2, 0));
        assert_eq!(b.channels[0].name, "telegram");
        assert_eq!(
            b.channels[0].now, 4,
            "two adverts and two cases on telegram"
        );
        assert_eq!(b.destinations[0].name, "sihanoukville");
        assert!(
            b.destinations
                .iter()
                .any(|d| d.name == "myawaddy" && d.now == 0 && d.before == 1)
        );
        assert!(
            b.jobs
                .iter()
                .any(|j| j.name == "customer service" && j.now == 5)
        );
        let pay = b.pay.unwrap();
        assert_eq!(pay.adverts, 3);
        assert!((pay.median_usd - 1386.0).abs() < 1.0, "{pay:?}");
        assert!(pay.median_ratio.unwrap() > 6.0);
        // Three people aged 18-24 shown; the one of 36 is folded away.
        assert_eq!(b.ages.len(), 1, "{:?}", b.ages);
        assert_eq!((b.ages[0].name.as_str(), b.ages[0].now), ("18-24", 3));
    }

    #[test]
    fn nothing_seen_is_an_empty_bulletin() {
        let b = build("TH", at(7, 1), at(10, 1), &[]);
        assert_eq!(b.adverts.now + b.cases.now, 0);
        assert!(b.jobs.is_empty() && b.pay.is_none() && b.ages.is_empty());
        assert_eq!(b.before_from, at(7, 1) - (at(10, 1) - at(7, 1)));
    }
}
