//! The protocol's clocks: how long each stage may take before the case is
//! overdue, and whom an overdue case is escalated to.
//!
//! Targets are per deployment ([`Clocks`], read from a JSON file by
//! `cordon serve --case-clocks`); the defaults follow DOMAIN.md where it
//! names a figure (a "reasonable grounds" decision within 5 working days,
//! a 45-day recovery period, follow-ups at 3, 6 and 12 months after
//! return) and practice elsewhere: hours while a person is still held,
//! weeks once they are safe. Follow-ups are due counted from the day of
//! return, not from the last stage, so that a late 3-month visit does not
//! push the 6- and 12-month ones back.
//!
//! An overdue case escalates twice: at its due time to the agencies
//! assigned to it ([`Level::Assigned`]), and [`Clocks::supervisors_after`]
//! later, if still overdue, to those agencies' supervisors
//! ([`Level::Supervisors`]). Every function here takes `now`, so tests and
//! the server's controllable clock decide what time it is.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::stage::Stage;

/// How far an overdue case has been escalated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// The agencies assigned to the case.
    Assigned,
    /// And their supervisors.
    Supervisors,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Assigned => "assigned",
            Level::Supervisors => "supervisors",
        }
    }
}

/// When a stage's clock starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Anchor {
    /// When the case entered the stage.
    Entered,
    /// When the person was repatriated (follow-ups).
    Repatriated,
}

/// The targets of one deployment, in hours per stage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Clocks {
    /// Hours each open stage may last, keyed by stage; follow-up stages
    /// count from the day of return.
    pub hours: BTreeMap<Stage, u32>,
    /// Hours after the due time at which supervisors are told.
    pub supervisors_after_hours: u32,
}

impl Default for Clocks {
    fn default() -> Self {
        let day = 24;
        let hours = [
            // A life may be at risk: verify within a day.
            (Stage::SignalReceived, day),
            (Stage::Verified, 3 * day),
            (Stage::Located, 7 * day),
            (Stage::RescuePlanned, 14 * day),
            // A "reasonable grounds" decision within 5 working days.
            (Stage::Extracted, 7 * day),
            (Stage::Screened, 2 * day),
            // The recovery and reflection period.
            (Stage::Shelter, 45 * day),
            (Stage::Assessed, 14 * day),
            (Stage::ReturnAgreed, 30 * day),
            (Stage::Repatriated, 14 * day),
            // Follow-ups, counted from the day of return.
            (Stage::Reintegration, 91 * day),
            (Stage::FollowUp3, 182 * day),
            (Stage::FollowUp6, 365 * day),
            (Stage::FollowUp12, 30 * day),
        ];
        Clocks {
            hours: hours.into_iter().collect(),
            supervisors_after_hours: 2 * day,
        }
    }
}

/// The longest target a deployment may set: ten years.
pub const MAX_HOURS: u32 = 87_600;

/// Why a clocks file is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("protect clocks: {0}")]
pub struct ClocksError(String);

impl Clocks {
    /// Reads a deployment's clocks: JSON with any of the stages' hours
    /// (the others keep their defaults) and `supervisors_after_hours`.
    pub fn from_json(text: &str) -> Result<Clocks, ClocksError> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct File {
            #[serde(default)]
            hours: BTreeMap<String, u32>,
            supervisors_after_hours: Option<u32>,
        }
        let file: File = serde_json::from_str(text).map_err(|e| ClocksError(e.to_string()))?;
        let mut clocks = Clocks::default();
        for (name, hours) in file.hours {
            let stage = Stage::parse(&name).ok_or_else(|| {
                ClocksError(format!(
                    "hours.{name}: unknown stage; expected one of {}",
                    open_stage_names()
                ))
            })?;
            if !stage.is_open() {
                return Err(ClocksError(format!(
                    "hours.{name}: a closed case has no clock"
                )));
            }
            if !(1..=MAX_HOURS).contains(&hours) {
                return Err(ClocksError(format!(
                    "hours.{name}: must be 1 to {MAX_HOURS} hours (ten years)"
                )));
            }
            clocks.hours.insert(stage, hours);
        }
        if let Some(h) = file.supervisors_after_hours {
            if !(1..=MAX_HOURS).contains(&h) {
                return Err(ClocksError(format!(
                    "supervisors_after_hours: must be 1 to {MAX_HOURS} hours"
                )));
            }
            clocks.supervisors_after_hours = h;
        }
        Ok(clocks)
    }

    /// How long `stage` may last.
    pub fn target(&self, stage: Stage) -> Option<Duration> {
        self.hours
            .get(&stage)
            .map(|h| Duration::hours(i64::from(*h)))
    }

    pub fn supervisors_after(&self) -> Duration {
        Duration::hours(i64::from(self.supervisors_after_hours))
    }

    /// When a case in `stage` since `entered` is due to move on;
    /// `repatriated` is when the person returned, if they did.
    pub fn due(
        &self,
        stage: Stage,
        entered: DateTime<Utc>,
        repatriated: Option<DateTime<Utc>>,
    ) -> Option<DateTime<Utc>> {
        let target = self.target(stage)?;
        let start = match anchor(stage) {
            Anchor::Entered => entered,
            Anchor::Repatriated => repatriated.unwrap_or(entered),
        };
        start.checked_add_signed(target)
    }

    /// The escalations a case owes at `now`, lowest first: every level
    /// reached that has not been sent (`sent` is the highest sent in this
    /// stage). A case found late owes both at once, so that the assigned
    /// agencies hear of it too, not only their supervisors.
    pub fn escalation(
        &self,
        due: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
        sent: Option<Level>,
    ) -> Vec<Level> {
        let Some(due) = due else {
            return Vec::new();
        };
        let mut owed = Vec::new();
        if now >= due {
            owed.push(Level::Assigned);
        }
        if due
            .checked_add_signed(self.supervisors_after())
            .is_some_and(|at| now >= at)
        {
            owed.push(Level::Supervisors);
        }
        owed.retain(|l| Some(*l) > sent);
        owed
    }
}

/// Where a stage's clock starts.
pub fn anchor(stage: Stage) -> Anchor {
    match stage {
        Stage::Reintegration | Stage::FollowUp3 | Stage::FollowUp6 => Anchor::Repatriated,
        _ => Anchor::Entered,
    }
}

fn open_stage_names() -> String {
    Stage::ALL
        .iter()
        .filter(|s| s.is_open())
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(day: u32, hour: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, day, hour, 0, 0).unwrap()
    }

    #[test]
    fn every_open_stage_has_a_clock_by_default() {
        let clocks = Clocks::default();
        for s in Stage::ALL {
            assert_eq!(clocks.target(s).is_some(), s.is_open(), "{s}");
        }
        assert_eq!(clocks.target(Stage::Shelter), Some(Duration::days(45)));
    }

    #[test]
    fn a_stage_escalates_to_the_assigned_then_to_supervisors_once_each() {
        let clocks = Clocks::default();
        let due = clocks.due(Stage::SignalReceived, at(1, 8), None);
        assert_eq!(due, Some(at(2, 8)));
        let none: [Level; 0] = [];
        assert_eq!(clocks.escalation(due, at(2, 7), None), none);
        assert_eq!(clocks.escalation(due, at(2, 8), None), [Level::Assigned]);
        assert_eq!(
            clocks.escalation(due, at(3, 8), Some(Level::Assigned)),
            none
        );
        assert_eq!(
            clocks.escalation(due, at(4, 8), Some(Level::Assigned)),
            [Level::Supervisors]
        );
        // A case found late owes both levels at once, lowest first.
        assert_eq!(
            clocks.escalation(due, at(9, 0), None),
            [Level::Assigned, Level::Supervisors]
        );
        assert_eq!(
            clocks.escalation(due, at(9, 0), Some(Level::Supervisors)),
            none
        );
        assert_eq!(clocks.escalation(None, at(9, 0), None), none);
    }

    #[test]
    fn follow_ups_count_from_the_day_of_return() {
        let clocks = Clocks::default();
        let back = at(1, 0);
        let late_reintegration = at(20, 0);
        assert_eq!(
            clocks.due(Stage::Reintegration, late_reintegration, Some(back)),
            Some(back + Duration::days(91))
        );
        assert_eq!(
            clocks.due(Stage::FollowUp6, at(25, 0), Some(back)),
            Some(back + Duration::days(365))
        );
        assert_eq!(
            clocks.due(Stage::FollowUp12, at(25, 0), Some(back)),
            Some(at(25, 0) + Duration::days(30))
        );
        assert_eq!(clocks.due(Stage::Closed, at(25, 0), Some(back)), None);
    }

    #[test]
    fn a_deployment_sets_its_own_targets_and_bad_files_are_named() {
        let c = Clocks::from_json(r#"{"hours": {"verified": 12}, "supervisors_after_hours": 6}"#)
            .unwrap();
        assert_eq!(c.target(Stage::Verified), Some(Duration::hours(12)));
        assert_eq!(c.target(Stage::Located), Some(Duration::days(7)));
        assert_eq!(c.supervisors_after(), Duration::hours(6));
        let e = Clocks::from_json(r#"{"hours": {"rescued": 12}}"#).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("protect clocks: hours.rescued: unknown stage")
        );
        let e = Clocks::from_json(r#"{"hours": {"closed": 12}}"#).unwrap_err();
        assert!(e.to_string().contains("a closed case has no clock"));
        let e = Clocks::from_json(r#"{"hours": {"verified": 0}}"#).unwrap_err();
        assert!(e.to_string().contains("must be 1 to"));
        let e = Clocks::from_json(r#"{"hours": {"verified": 4294967295}}"#).unwrap_err();
        assert!(e.to_string().contains("ten years"));
        assert!(Clocks::from_json(r#"{"supervisors_after_hours": 0}"#).is_err());
        assert!(Clocks::from_json(r#"{"hour": {}}"#).is_err());
    }
}
