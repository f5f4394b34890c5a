//! Cordon's simulated world: a deterministic generator of criminal networks,
//! scam compounds, trafficked workers, the reports agencies file about them,
//! the money their victims paid (flows, conversions, tags) and the
//! victim-protection signals about the workers (case openings), with the
//! ground truth written beside them, and a labelled set of job adverts
//! (lures and ordinary jobs) for training a job-offer risk model.
//!
//! The same seed and scale give byte-identical output on every platform.
//!
//! # Output layout
//!
//! ```text
//! OUT/agencies.json          the filing agencies: code, name, country, kind,
//!                            report count and their file
//! OUT/reports/<AGENCY>.jsonl one FORMATS.md report per line, in time order,
//!                            filed by that agency: import each with
//!                            `cordon import --agency <AGENCY> OUT/reports/<AGENCY>.jsonl`
//! OUT/truth.json             ground truth: networks, compounds, workers (with
//!                            trafficked status), every report's network and
//!                            canonical selectors, every selector's networks,
//!                            and the summary; one array element per line
//! OUT/flows.jsonl            the money world: one crates/finance `Flow` per
//!                            line, in time order (victims' payments, their
//!                            laundering, legitimate traffic)
//! OUT/conversions.jsonl      swaps, bridges and exchange deposits linking a
//!                            flow's receiving leg to another's sending leg
//! OUT/tags.jsonl             crates/finance `Tag`s an investigator would hold:
//!                            services and some reported scam deposits, never
//!                            mules
//! OUT/money_truth.json       where every payment's value went (services by
//!                            hops, remainder, fees), mules with their
//!                            patterns, decoys, the networks' wallets
//! OUT/protect/signals.jsonl  victim-protection signals (distress messages,
//!                            family reports, hotline calls, escaped
//!                            workers, NGO referrals): one `Signal` per
//!                            line, in order of receipt, each the
//!                            cordon-protect `Opening` of its case with
//!                            the agency it reached (see `signals`)
//! OUT/protect/truth.jsonl    one `SignalTruth` per line: the workers, their
//!                            network, the compound with its site and
//!                            coordinates, how precise the signal's
//!                            location is, the perpetrators' selectors
//! OUT/prevent/adverts.jsonl  labelled job adverts for training (see
//!                            `adverts`): one object a line, {"id":
//!                            "sim-000001", "label": "trafficking" or
//!                            "legitimate", "language" (ISO 639-1),
//!                            "origin" (alpha-2 of the job seekers
//!                            targeted), "destination" (alpha-2 of where
//!                            the advert says the work is, the origin for
//!                            jobs at home, "" where it does not say or
//!                            the job is at sea), "job", "text"}; about
//!                            half each label, 2,000 at small scale
//! ```
//!
//! Reports and flows join on selectors: a fraud report's deposit addresses
//! and mule account are where the victim paid (for the reports of the
//! months the money world follows, see `money`), and the networks' wallets
//! and mule accounts of the world carry the laundering.
//!
//! Signals join the rest on selectors too: the people's passports and
//! phones are the workers' (as rescue requests name them), and the
//! recruiters' and ransom senders' selectors are the networks' own.
//!
//! Every listed selector imports cleanly: messy forms (national phone
//! numbers, defanged URLs, mixed case, grouped IBANs) are valid inputs that
//! normalise to the canonical text recorded in the truth. Typos appear only
//! in narratives (a mistyped wallet or IBAN whose checksum fails), where
//! extraction misses them as it would in real reports.

mod adverts;
mod codec;
mod data;
mod dice;
mod money;
mod output;
mod report;
mod selector;
mod signals;
mod world;

pub use adverts::AdvertSummary;
pub use money::MoneySummary;
pub use report::LIAISON;
pub use signals::{PROFILES, Precision, Profile, Signal, SignalSummary, SignalTruth, profile};

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use serde::Serialize;

/// How big a world to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scale {
    /// 10,000 reports, 30 networks: tests and demos.
    Small,
    /// 100,000 reports, 120 networks.
    Medium,
    /// 1,000,000 reports, 400 networks, over 3,000,000 distinct selectors:
    /// benchmarks.
    Large,
}

impl Scale {
    pub const ALL: [Scale; 3] = [Scale::Small, Scale::Medium, Scale::Large];

    pub fn as_str(self) -> &'static str {
        match self {
            Scale::Small => "small",
            Scale::Medium => "medium",
            Scale::Large => "large",
        }
    }

    /// The number of reports this scale generates.
    pub fn reports(self) -> u64 {
        match self {
            Scale::Small => 10_000,
            Scale::Medium => 100_000,
            Scale::Large => 1_000_000,
        }
    }
}

impl fmt::Display for Scale {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A scale name that is not small, medium or large.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown scale '{0}'; expected small, medium or large")]
pub struct ScaleError(pub String);

impl FromStr for Scale {
    type Err = ScaleError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Scale::ALL
            .into_iter()
            .find(|k| k.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| ScaleError(s.to_owned()))
    }
}

/// What to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SimConfig {
    pub seed: u64,
    pub scale: Scale,
}

/// Counts of what was generated; also written at the end of `truth.json`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub seed: u64,
    pub scale: String,
    pub reports: u64,
    /// Reports by kind (`fraud_complaint`, …).
    pub kinds: BTreeMap<String, u64>,
    /// Reports by TLP (unmarked reports count as AMBER, their default).
    pub tlp: BTreeMap<String, u64>,
    /// Reports about no network (unrelated fraud, legitimate adverts).
    pub unattributed_reports: u64,
    /// Agencies that filed at least one report.
    pub agencies: u64,
    pub networks: u64,
    pub compounds: u64,
    pub workers: u64,
    /// Nationalities among the trafficked workers.
    pub nationalities: u64,
    /// Entries in reports' `selectors` lists.
    pub selectors_listed: u64,
    /// Distinct canonical selectors that appear in at least one report.
    pub distinct_selectors: u64,
    /// Selectors made for a single report (deposit addresses, invite links).
    pub fresh_selectors: u64,
    /// Shared infrastructure selectors (exchange deposit addresses,
    /// bulletproof hosting, job boards and groups, laundering services).
    pub shared_selectors: u64,
    /// The money world: flows, payments, mules, values.
    pub money: MoneySummary,
    /// Victim-protection signals: counts by source, location precision and
    /// compound link.
    pub signals: SignalSummary,
    /// The training set of job adverts: counts by label and language.
    pub adverts: AdvertSummary,
}

/// Why generation failed.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    #[error("cannot write {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// Generates the world for `config` and writes it under `out_dir` (created
/// if missing; files of an earlier run are overwritten). `progress` is
/// called with (reports written, total) as chunks complete.
pub fn generate(
    config: &SimConfig,
    out_dir: &Path,
    progress: &dyn Fn(u64, u64),
) -> Result<Summary, SimError> {
    let world = world::World::build(config.seed, config.scale);
    // Two generator threads keep a two-core machine busy while the calling
    // thread writes; more rarely help because writing becomes the bound.
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get().clamp(1, 4));
    output::write(&world, out_dir, threads, progress)
}

/// The victim-protection signals of the world of `config` with their
/// truth, in order of receipt, as `generate` writes them under `protect/`
/// (without writing anything).
pub fn signals(config: &SimConfig) -> Vec<(Signal, SignalTruth)> {
    signals::generate(&world::World::build(config.seed, config.scale))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scales_parse_print_and_size() {
        for s in Scale::ALL {
            assert_eq!(s.as_str().parse::<Scale>(), Ok(s));
            assert_eq!(s.to_string(), s.as_str());
        }
        assert_eq!(" Large ".parse::<Scale>(), Ok(Scale::Large));
        assert!(
            "huge"
                .parse::<Scale>()
                .unwrap_err()
                .to_string()
                .contains("small, medium or large")
        );
        assert_eq!(Scale::Small.reports(), 10_000);
        assert_eq!(Scale::Medium.reports(), 100_000);
        assert!(Scale::Large.reports() >= 1_000_000);
    }
}
