//! Screening: is this person a victim of trafficking?
//!
//! The indicators are data (`data/indicators.tsv`, with its sources): the
//! 11 ILO indicators of forced labour, the ILO/EC "Delphi" operational
//! indicators of trafficking of adults for labour exploitation (six
//! dimensions, each indicator strong, medium or weak), and Cordon's
//! scam-compound indicators of forced criminality, each supporting one
//! Delphi dimension. Officers record evidence per indicator over time;
//! [`assess`] reads the latest evidence the way the ILO/EC combination
//! rule does and suggests an HTCDS status. It is a decision aid and never
//! a verdict: the outcome is recorded separately, by an organisation, with
//! its reasons ([`crate::case::Event::Outcome`]).

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

/// HTCDS's trafficking status of a person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    PossibleVictim,
    ActualVictim,
    NotAVictim,
}

impl Status {
    pub const ALL: [Status; 3] = [
        Status::PossibleVictim,
        Status::ActualVictim,
        Status::NotAVictim,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::PossibleVictim => "possible_victim",
            Status::ActualVictim => "actual_victim",
            Status::NotAVictim => "not_a_victim",
        }
    }

    pub fn parse(text: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|s| s.as_str() == text.trim())
    }

    /// Possible and actual victims are protected (non-punishment).
    pub fn is_victim(self) -> bool {
        self != Status::NotAVictim
    }
}

/// What the evidence says about one indicator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Presence {
    Present,
    Absent,
    /// Asked, and the answer was unclear or refused.
    Unclear,
}

impl Presence {
    pub fn parse(text: &str) -> Option<Presence> {
        match text.trim() {
            "present" => Some(Presence::Present),
            "absent" => Some(Presence::Absent),
            "unclear" => Some(Presence::Unclear),
            _ => None,
        }
    }
}

/// Which list an indicator belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Framework {
    Ilo,
    Delphi,
    Compound,
}

/// The six Delphi dimensions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Dimension {
    DeceptiveRecruitment,
    CoerciveRecruitment,
    RecruitmentAbuseOfVulnerability,
    ExploitativeConditions,
    CoercionAtDestination,
    AbuseOfVulnerabilityAtDestination,
}

impl Dimension {
    pub const ALL: [Dimension; 6] = [
        Dimension::DeceptiveRecruitment,
        Dimension::CoerciveRecruitment,
        Dimension::RecruitmentAbuseOfVulnerability,
        Dimension::ExploitativeConditions,
        Dimension::CoercionAtDestination,
        Dimension::AbuseOfVulnerabilityAtDestination,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Dimension::DeceptiveRecruitment => "deceptive_recruitment",
            Dimension::CoerciveRecruitment => "coercive_recruitment",
            Dimension::RecruitmentAbuseOfVulnerability => "recruitment_abuse_of_vulnerability",
            Dimension::ExploitativeConditions => "exploitative_conditions",
            Dimension::CoercionAtDestination => "coercion_at_destination",
            Dimension::AbuseOfVulnerabilityAtDestination => "abuse_of_vulnerability_at_destination",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Dimension::DeceptiveRecruitment => "Deceptive recruitment",
            Dimension::CoerciveRecruitment => "Coercive recruitment",
            Dimension::RecruitmentAbuseOfVulnerability => "Recruitment by abuse of vulnerability",
            Dimension::ExploitativeConditions => "Exploitative conditions of work",
            Dimension::CoercionAtDestination => "Coercion at destination",
            Dimension::AbuseOfVulnerabilityAtDestination => "Abuse of vulnerability at destination",
        }
    }

    fn parse(text: &str) -> Option<Dimension> {
        Dimension::ALL.into_iter().find(|d| d.as_str() == text)
    }

    fn is_recruitment(self) -> bool {
        matches!(
            self,
            Dimension::DeceptiveRecruitment
                | Dimension::CoerciveRecruitment
                | Dimension::RecruitmentAbuseOfVulnerability
        )
    }
}

/// How much an indicator weighs in its dimension.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Strength {
    Weak,
    Medium,
    Strong,
}

/// One indicator of the catalogue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Indicator {
    pub id: String,
    pub framework: Framework,
    /// The Delphi dimension (Delphi and compound indicators).
    pub dimension: Option<Dimension>,
    pub strength: Option<Strength>,
    pub label: String,
    /// What to ask or look for.
    pub help: String,
}

/// Every indicator, in the catalogue's order.
pub fn catalogue() -> &'static [Indicator] {
    static CATALOGUE: OnceLock<Vec<Indicator>> = OnceLock::new();
    CATALOGUE.get_or_init(|| {
        parse_catalogue(include_str!("../data/indicators.tsv"))
            .unwrap_or_else(|e| panic!("data/indicators.tsv is shipped valid: {e}"))
    })
}

/// The indicator with this id.
pub fn indicator(id: &str) -> Option<&'static Indicator> {
    catalogue().iter().find(|i| i.id == id)
}

fn parse_catalogue(text: &str) -> Result<Vec<Indicator>, String> {
    let mut out: Vec<Indicator> = Vec::new();
    let mut header = false;
    for (n, line) in text.lines().enumerate() {
        let n = n + 1;
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let cols: Vec<&str> = line.split('\t').collect();
        if !header {
            if cols != ["id", "framework", "dimension", "strength", "label", "help"] {
                return Err(format!("line {n}: unexpected header"));
            }
            header = true;
            continue;
        }
        let [id, framework, dimension, strength, label, help] = cols[..] else {
            return Err(format!(
                "line {n}: expected 6 columns, found {}",
                cols.len()
            ));
        };
        let framework = match framework {
            "ilo" => Framework::Ilo,
            "delphi" => Framework::Delphi,
            "compound" => Framework::Compound,
            other => return Err(format!("line {n}: unknown framework '{other}'")),
        };
        let dimension = match (framework, dimension) {
            (Framework::Ilo, "") => None,
            (Framework::Ilo, d) => {
                return Err(format!("line {n}: ilo rows have no dimension ({d})"));
            }
            (_, d) => {
                Some(Dimension::parse(d).ok_or(format!("line {n}: unknown dimension '{d}'"))?)
            }
        };
        let strength = match (framework, strength) {
            (Framework::Ilo, "") => None,
            (_, "strong") => Some(Strength::Strong),
            (_, "medium") => Some(Strength::Medium),
            (_, "weak") => Some(Strength::Weak),
            (_, s) => return Err(format!("line {n}: bad strength '{s}'")),
        };
        if out.iter().any(|i| i.id == id) {
            return Err(format!("line {n}: indicator {id} listed twice"));
        }
        out.push(Indicator {
            id: id.to_string(),
            framework,
            dimension,
            strength,
            label: label.to_string(),
            help: help.to_string(),
        });
    }
    Ok(out)
}

/// One dimension as the evidence fills it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DimensionReading {
    pub dimension: Dimension,
    pub strong: u32,
    pub medium: u32,
    pub weak: u32,
    /// Met by the ILO/EC combination rule.
    pub met: bool,
}

/// What the evidence suggests; never a verdict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Assessment {
    pub dimensions: Vec<DimensionReading>,
    /// ILO forced-labour indicators present.
    pub ilo_present: u32,
    /// The status the ILO/EC combination suggests, if any evidence points
    /// to trafficking at all.
    pub suggests: Option<Status>,
    /// Why, in a sentence.
    pub because: String,
}

/// Reads the latest presence per indicator (`evidence`) the ILO/EC way.
///
/// A dimension is met with at least two strong indicators, or one strong
/// and one medium or weak, or three medium, or two medium and one weak.
/// Trafficking is suggested (actual victim) when a recruitment dimension,
/// exploitative conditions and coercion or abuse of vulnerability at
/// destination are all met; a possible victim when any dimension is met,
/// any strong indicator or any ILO indicator is present.
pub fn assess<'a>(evidence: impl IntoIterator<Item = (&'a str, Presence)>) -> Assessment {
    let mut counts: BTreeMap<Dimension, [u32; 3]> = BTreeMap::new();
    let mut ilo_present = 0;
    let mut any_strong = false;
    for (id, presence) in evidence {
        if presence != Presence::Present {
            continue;
        }
        let Some(ind) = indicator(id) else { continue };
        if ind.framework == Framework::Ilo {
            ilo_present += 1;
            continue;
        }
        let (Some(d), Some(s)) = (ind.dimension, ind.strength) else {
            continue;
        };
        any_strong |= s == Strength::Strong;
        counts.entry(d).or_default()[s as usize] += 1;
    }
    let dimensions: Vec<DimensionReading> = Dimension::ALL
        .into_iter()
        .map(|dimension| {
            let [weak, medium, strong] = counts.get(&dimension).copied().unwrap_or_default();
            let met = strong >= 2
                || (strong >= 1 && medium + weak >= 1)
                || medium >= 3
                || (medium >= 2 && weak >= 1);
            DimensionReading {
                dimension,
                strong,
                medium,
                weak,
                met,
            }
        })
        .collect();
    let met = |f: &dyn Fn(Dimension) -> bool| dimensions.iter().any(|r| r.met && f(r.dimension));
    let recruitment = met(&|d| d.is_recruitment());
    let exploitation = met(&|d| d == Dimension::ExploitativeConditions);
    let coercion = met(&|d| {
        matches!(
            d,
            Dimension::CoercionAtDestination | Dimension::AbuseOfVulnerabilityAtDestination
        )
    });
    let (suggests, because) = if recruitment && exploitation && coercion {
        (
            Some(Status::ActualVictim),
            "recruitment, exploitation and coercion at destination are all met (ILO/EC combination)".to_string(),
        )
    } else if met(&|_| true) || any_strong || ilo_present > 0 {
        let missing: Vec<&str> = [
            (!recruitment).then_some("recruitment"),
            (!exploitation).then_some("exploitative conditions"),
            (!coercion).then_some("coercion or abuse of vulnerability at destination"),
        ]
        .into_iter()
        .flatten()
        .collect();
        (
            Some(Status::PossibleVictim),
            format!(
                "indicators present, but not yet met: {}",
                missing.join(", ")
            ),
        )
    } else {
        (
            None,
            "no indicator of trafficking recorded as present".to_string(),
        )
    };
    Assessment {
        dimensions,
        ilo_present,
        suggests,
        because,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of(
        framework: Framework,
        dimension: Option<Dimension>,
        strength: Option<Strength>,
    ) -> Vec<&'static str> {
        catalogue()
            .iter()
            .filter(|i| {
                i.framework == framework && i.dimension == dimension && i.strength == strength
            })
            .map(|i| i.id.as_str())
            .collect()
    }

    #[test]
    fn the_catalogue_holds_the_ilo_eleven_and_six_delphi_dimensions() {
        let ilo = catalogue()
            .iter()
            .filter(|i| i.framework == Framework::Ilo)
            .count();
        assert_eq!(ilo, 11);
        for d in Dimension::ALL {
            assert!(
                catalogue()
                    .iter()
                    .any(|i| i.framework == Framework::Delphi && i.dimension == Some(d)),
                "{d:?}"
            );
        }
        assert!(
            catalogue()
                .iter()
                .filter(|i| i.framework == Framework::Compound)
                .count()
                >= 10
        );
        for i in catalogue() {
            assert!(!i.label.is_empty() && !i.help.is_empty(), "{}", i.id);
        }
    }

    #[test]
    fn the_catalogue_parser_names_the_bad_line() {
        let head = "id\tframework\tdimension\tstrength\tlabel\thelp\n";
        assert_eq!(
            parse_catalogue(&format!("{head}x\tnope\t\t\tl\th\n")).unwrap_err(),
            "line 2: unknown framework 'nope'"
        );
        assert!(
            parse_catalogue(&format!("{head}x\tilo\t\t\tl\n"))
                .unwrap_err()
                .contains("6 columns")
        );
        assert!(
            parse_catalogue(&format!("{head}x\tilo\t\t\tl\th\nx\tilo\t\t\tl\th\n"))
                .unwrap_err()
                .contains("twice")
        );
    }

    #[test]
    fn nothing_present_suggests_nothing() {
        let a = assess([]);
        assert_eq!(a.suggests, None);
        let absent: Vec<(&str, Presence)> = catalogue()
            .iter()
            .map(|i| (i.id.as_str(), Presence::Absent))
            .collect();
        assert_eq!(assess(absent).suggests, None);
    }

    #[test]
    fn all_three_elements_met_suggest_an_actual_victim() {
        let strong_cd = of(
            Framework::Delphi,
            Some(Dimension::CoercionAtDestination),
            Some(Strength::Strong),
        );
        let medium_dr = of(
            Framework::Delphi,
            Some(Dimension::DeceptiveRecruitment),
            Some(Strength::Medium),
        );
        let medium_ex = of(
            Framework::Delphi,
            Some(Dimension::ExploitativeConditions),
            Some(Strength::Medium),
        );
        let mut present: Vec<&str> = Vec::new();
        present.extend(&strong_cd[..2]);
        present.extend(&medium_dr[..3]);
        let partial = assess(present.iter().map(|id| (*id, Presence::Present)));
        assert_eq!(partial.suggests, Some(Status::PossibleVictim));
        assert!(
            partial.because.contains("exploitative conditions"),
            "{}",
            partial.because
        );
        present.extend(&medium_ex[..3]);
        let full = assess(present.iter().map(|id| (*id, Presence::Present)));
        assert_eq!(
            full.suggests,
            Some(Status::ActualVictim),
            "{}",
            full.because
        );
        let cd = full
            .dimensions
            .iter()
            .find(|d| d.dimension == Dimension::CoercionAtDestination)
            .unwrap();
        assert_eq!((cd.strong, cd.met), (2, true));
    }

    #[test]
    fn the_combination_rule_counts_strengths_as_the_ilo_ec_list_does() {
        let dim = Dimension::CoercionAtDestination;
        let strong = of(Framework::Delphi, Some(dim), Some(Strength::Strong));
        let medium = of(Framework::Delphi, Some(dim), Some(Strength::Medium));
        let weak = of(Framework::Delphi, Some(dim), Some(Strength::Weak));
        let met = |ids: &[&str]| {
            assess(ids.iter().map(|id| (*id, Presence::Present)))
                .dimensions
                .into_iter()
                .find(|d| d.dimension == dim)
                .unwrap()
                .met
        };
        assert!(!met(&[strong[0]]));
        assert!(met(&[strong[0], weak[0]]));
        assert!(met(&[strong[0], medium[0]]));
        assert!(!met(&[medium[0], medium[1]]));
        assert!(met(&[medium[0], medium[1], weak[0]]));
        assert!(met(&[medium[0], medium[1], medium[2]]));
        // Unclear answers count for nothing.
        assert!(!met(&[]) && !assess([(strong[0], Presence::Unclear)]).dimensions[4].met);
    }

    #[test]
    fn compound_indicators_count_in_their_dimension() {
        let compound: Vec<&Indicator> = catalogue()
            .iter()
            .filter(|i| i.framework == Framework::Compound && i.strength == Some(Strength::Strong))
            .collect();
        assert!(compound.len() >= 2);
        let a = assess(
            compound
                .iter()
                .take(2)
                .map(|i| (i.id.as_str(), Presence::Present)),
        );
        assert_eq!(a.suggests, Some(Status::PossibleVictim));
        let ilo = assess([("ilo_debt_bondage", Presence::Present)]);
        assert!(indicator("ilo_debt_bondage").is_some());
        assert_eq!(
            (ilo.ilo_present, ilo.suggests),
            (1, Some(Status::PossibleVictim))
        );
    }
}
