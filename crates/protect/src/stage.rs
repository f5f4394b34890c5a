//! The protocol's stages and the transitions between them.
//!
//! One standard path from the first signal to the last follow-up, drawn
//! from national referral mechanisms and IOM practice (DOMAIN.md):
//!
//! ```text
//! signal received → verified → located → rescue planned → extracted / handed over
//!   → identified and screened → in shelter and recovery → risk and needs assessed
//!   → return agreed (informed consent) → repatriated → reintegration
//!   → follow-up at 3 months → at 6 months → at 12 months → closed
//! ```
//!
//! Besides the next stage, the protocol allows only what happens in the
//! field, each listed in [`TRANSITIONS`] with why it exists: a person who
//! escaped or was released by a raid is handed over before any rescue was
//! planned; a person who chooses not to return is reintegrated where they
//! are; and a case may close from any open stage, always with a
//! [`Closure`] reason. Nothing moves backwards: a person trafficked again
//! is a new case linked to the old one, so that each timeline stays true.

use serde::{Deserialize, Serialize};

/// Where a case stands in the protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    SignalReceived,
    Verified,
    Located,
    RescuePlanned,
    /// Extracted by a rescue, or handed over (escaped, released, deported
    /// from the compound) to an agency.
    Extracted,
    /// Identified and screened: the outcome of screening is recorded.
    Screened,
    /// In shelter and recovery (the recovery and reflection period).
    Shelter,
    /// Risk and needs assessed.
    Assessed,
    /// Return agreed, with the person's informed consent.
    ReturnAgreed,
    Repatriated,
    Reintegration,
    /// The follow-up three months after return is done.
    #[serde(rename = "follow_up_3")]
    FollowUp3,
    #[serde(rename = "follow_up_6")]
    FollowUp6,
    #[serde(rename = "follow_up_12")]
    FollowUp12,
    Closed,
}

impl Stage {
    /// Every stage, in protocol order.
    pub const ALL: [Stage; 15] = [
        Stage::SignalReceived,
        Stage::Verified,
        Stage::Located,
        Stage::RescuePlanned,
        Stage::Extracted,
        Stage::Screened,
        Stage::Shelter,
        Stage::Assessed,
        Stage::ReturnAgreed,
        Stage::Repatriated,
        Stage::Reintegration,
        Stage::FollowUp3,
        Stage::FollowUp6,
        Stage::FollowUp12,
        Stage::Closed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Stage::SignalReceived => "signal_received",
            Stage::Verified => "verified",
            Stage::Located => "located",
            Stage::RescuePlanned => "rescue_planned",
            Stage::Extracted => "extracted",
            Stage::Screened => "screened",
            Stage::Shelter => "shelter",
            Stage::Assessed => "assessed",
            Stage::ReturnAgreed => "return_agreed",
            Stage::Repatriated => "repatriated",
            Stage::Reintegration => "reintegration",
            Stage::FollowUp3 => "follow_up_3",
            Stage::FollowUp6 => "follow_up_6",
            Stage::FollowUp12 => "follow_up_12",
            Stage::Closed => "closed",
        }
    }

    /// The words a desk officer reads.
    pub fn label(self) -> &'static str {
        match self {
            Stage::SignalReceived => "Signal received",
            Stage::Verified => "Verified",
            Stage::Located => "Located",
            Stage::RescuePlanned => "Rescue planned",
            Stage::Extracted => "Extracted / handed over",
            Stage::Screened => "Identified and screened",
            Stage::Shelter => "In shelter and recovery",
            Stage::Assessed => "Risk and needs assessed",
            Stage::ReturnAgreed => "Return agreed",
            Stage::Repatriated => "Repatriated",
            Stage::Reintegration => "Reintegration",
            Stage::FollowUp3 => "Follow-up at 3 months",
            Stage::FollowUp6 => "Follow-up at 6 months",
            Stage::FollowUp12 => "Follow-up at 12 months",
            Stage::Closed => "Closed",
        }
    }

    pub fn parse(text: &str) -> Option<Stage> {
        let text = text.trim();
        Stage::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// The stage after this one on the standard path.
    pub fn next(self) -> Option<Stage> {
        let i = Stage::ALL.iter().position(|s| *s == self)?;
        Stage::ALL.get(i + 1).copied()
    }

    pub fn is_open(self) -> bool {
        self != Stage::Closed
    }

    /// Whether the person is still held (or not yet known to be out): the
    /// stages where a life may be at risk and every hour counts.
    pub fn still_held(self) -> bool {
        self <= Stage::RescuePlanned
    }
}

impl std::fmt::Display for Stage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a case closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Closure {
    /// Every follow-up done.
    Completed,
    /// Screening found the person not to be a victim of trafficking.
    NotAVictim,
    /// The person declined further support (their right at any stage).
    DeclinedSupport,
    /// Contact lost and not regained.
    LostContact,
    Deceased,
    /// The signal proved false or a duplicate of a case not merged.
    Unfounded,
    /// Merged into another case (set by a merge, never chosen).
    Merged,
}

impl Closure {
    pub const ALL: [Closure; 7] = [
        Closure::Completed,
        Closure::NotAVictim,
        Closure::DeclinedSupport,
        Closure::LostContact,
        Closure::Deceased,
        Closure::Unfounded,
        Closure::Merged,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Closure::Completed => "completed",
            Closure::NotAVictim => "not_a_victim",
            Closure::DeclinedSupport => "declined_support",
            Closure::LostContact => "lost_contact",
            Closure::Deceased => "deceased",
            Closure::Unfounded => "unfounded",
            Closure::Merged => "merged",
        }
    }

    pub fn parse(text: &str) -> Option<Closure> {
        let text = text.trim();
        Closure::ALL.into_iter().find(|c| c.as_str() == text)
    }
}

/// A kind of move between stages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Move {
    /// The next stage on the standard path.
    Advance,
    /// Out of the compound without a planned rescue: escaped, released
    /// after a raid, or handed over by the compound's country.
    HandedOver,
    /// The person chose not to return: reintegration where they are.
    StayInCountry,
    /// Closed, with a reason.
    Close,
}

/// One allowed transition and why the protocol allows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Transition {
    pub from: Stage,
    pub to: Stage,
    pub kind: Move,
}

/// Every allowed transition, besides closing an open case (allowed from
/// every open stage, see [`check`]).
pub const TRANSITIONS: &[Transition] = &[
    t(Stage::SignalReceived, Stage::Verified, Move::Advance),
    t(Stage::Verified, Stage::Located, Move::Advance),
    t(Stage::Located, Stage::RescuePlanned, Move::Advance),
    t(Stage::RescuePlanned, Stage::Extracted, Move::Advance),
    t(Stage::Extracted, Stage::Screened, Move::Advance),
    t(Stage::Screened, Stage::Shelter, Move::Advance),
    t(Stage::Shelter, Stage::Assessed, Move::Advance),
    t(Stage::Assessed, Stage::ReturnAgreed, Move::Advance),
    t(Stage::ReturnAgreed, Stage::Repatriated, Move::Advance),
    t(Stage::Repatriated, Stage::Reintegration, Move::Advance),
    t(Stage::Reintegration, Stage::FollowUp3, Move::Advance),
    t(Stage::FollowUp3, Stage::FollowUp6, Move::Advance),
    t(Stage::FollowUp6, Stage::FollowUp12, Move::Advance),
    t(Stage::FollowUp12, Stage::Closed, Move::Advance),
    // Escaped workers reach an embassy or a border post on their own, and
    // raids release people before anyone planned their rescue.
    t(Stage::SignalReceived, Stage::Extracted, Move::HandedOver),
    t(Stage::Verified, Stage::Extracted, Move::HandedOver),
    t(Stage::Located, Stage::Extracted, Move::HandedOver),
    // Informed consent can be refused: support goes on where they are.
    t(Stage::Assessed, Stage::Reintegration, Move::StayInCountry),
];

const fn t(from: Stage, to: Stage, kind: Move) -> Transition {
    Transition { from, to, kind }
}

/// Why a move is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoveError {
    #[error("case is closed: a closed case does not move; open a new case linked to it")]
    Closed,
    #[error("cannot move from {from} to {to}: the protocol goes {from} → {next}")]
    NotAllowed { from: Stage, to: Stage, next: Stage },
    #[error("closing a case needs a closure reason")]
    NoClosure,
    #[error("a closure reason is given only when closing")]
    ClosureNotClosing,
    #[error("'merged' closes a case only through a merge")]
    MergedByHand,
    #[error("a case closes as completed only after the 12-month follow-up")]
    NotCompleted,
}

/// Checks a move from `from` to `to`, with `closure` for a close. Returns
/// the kind of move.
pub fn check(from: Stage, to: Stage, closure: Option<Closure>) -> Result<Move, MoveError> {
    if from == Stage::Closed {
        return Err(MoveError::Closed);
    }
    if to == Stage::Closed {
        let closure = closure.ok_or(MoveError::NoClosure)?;
        if closure == Closure::Merged {
            return Err(MoveError::MergedByHand);
        }
        if (closure == Closure::Completed) != (from == Stage::FollowUp12) {
            return if closure == Closure::Completed {
                Err(MoveError::NotCompleted)
            } else {
                // The 12-month follow-up done closes as completed; any
                // other reason there is still a close.
                Ok(Move::Close)
            };
        }
        return Ok(if from == Stage::FollowUp12 {
            Move::Advance
        } else {
            Move::Close
        });
    }
    if closure.is_some() {
        return Err(MoveError::ClosureNotClosing);
    }
    TRANSITIONS
        .iter()
        .find(|t| t.from == from && t.to == to)
        .map(|t| t.kind)
        .ok_or(MoveError::NotAllowed {
            from,
            to,
            next: from.next().unwrap_or(Stage::Closed),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_stage_but_the_last_has_a_next_and_the_path_is_in_order() {
        for pair in Stage::ALL.windows(2) {
            assert_eq!(pair[0].next(), Some(pair[1]));
            assert!(pair[0] < pair[1]);
            assert_eq!(
                check(pair[0], pair[1], None).is_ok(),
                pair[1] != Stage::Closed
            );
        }
        assert_eq!(Stage::Closed.next(), None);
    }

    #[test]
    fn every_listed_transition_is_allowed_and_every_other_refused() {
        for from in Stage::ALL {
            for to in Stage::ALL {
                if to == Stage::Closed {
                    continue;
                }
                let listed = TRANSITIONS.iter().find(|t| t.from == from && t.to == to);
                match (check(from, to, None), listed) {
                    (Ok(kind), Some(t)) => assert_eq!(kind, t.kind, "{from} → {to}"),
                    (Err(MoveError::Closed), None) => assert_eq!(from, Stage::Closed),
                    (Err(MoveError::NotAllowed { next, .. }), None) => {
                        assert_eq!(Some(next), from.next(), "{from} → {to}");
                    }
                    (answer, listed) => panic!("{from} → {to}: {answer:?} but listed {listed:?}"),
                }
            }
        }
    }

    #[test]
    fn nothing_moves_backwards_or_stays() {
        for t in TRANSITIONS {
            assert!(t.from < t.to, "{:?}", t);
        }
        for s in Stage::ALL {
            assert!(check(s, s, None).is_err());
        }
    }

    #[test]
    fn every_open_stage_closes_with_a_reason_and_only_with_one() {
        for from in Stage::ALL.into_iter().filter(|s| s.is_open()) {
            assert_eq!(
                check(from, Stage::Closed, None),
                Err(MoveError::NoClosure),
                "{from}"
            );
            assert_eq!(
                check(from, Stage::Closed, Some(Closure::LostContact)),
                Ok(Move::Close),
                "{from}"
            );
            assert_eq!(
                check(from, Stage::Closed, Some(Closure::Merged)),
                Err(MoveError::MergedByHand)
            );
            if let Some(next) = from.next().filter(|n| *n != Stage::Closed) {
                assert_eq!(
                    check(from, next, Some(Closure::Deceased)),
                    Err(MoveError::ClosureNotClosing)
                );
            }
        }
        assert_eq!(
            check(Stage::Closed, Stage::Closed, Some(Closure::Completed)),
            Err(MoveError::Closed)
        );
    }

    #[test]
    fn only_the_last_follow_up_completes_a_case() {
        assert_eq!(
            check(Stage::FollowUp12, Stage::Closed, Some(Closure::Completed)),
            Ok(Move::Advance)
        );
        assert_eq!(
            check(Stage::FollowUp6, Stage::Closed, Some(Closure::Completed)),
            Err(MoveError::NotCompleted)
        );
        assert_eq!(
            check(Stage::FollowUp12, Stage::Closed, Some(Closure::Deceased)),
            Ok(Move::Close)
        );
    }

    #[test]
    fn the_refusal_names_the_stage_that_comes_next() {
        let e = check(Stage::Verified, Stage::Shelter, None).unwrap_err();
        assert_eq!(
            e.to_string(),
            "cannot move from verified to shelter: the protocol goes verified → located"
        );
    }

    #[test]
    fn stages_and_closures_read_back_from_their_text() {
        for s in Stage::ALL {
            assert_eq!(Stage::parse(s.as_str()), Some(s));
            let json = serde_json::to_string(&s).unwrap();
            assert_eq!(json, format!("\"{}\"", s.as_str()));
        }
        for c in Closure::ALL {
            assert_eq!(Closure::parse(c.as_str()), Some(c));
        }
        assert_eq!(Stage::parse("rescued"), None);
    }
}
