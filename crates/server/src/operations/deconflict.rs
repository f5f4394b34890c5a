//! Deconfliction: finding where an operation's new targets meet another
//! agency's operation, watch or recent hit query, and what each side is
//! told of such an overlap.
//!
//! Both sides are told at once, by one `deconfliction` decision naming the
//! target and the two sides with their agencies' contacts. Each side sees
//! its own operation, watch or query, and of the other side only its
//! agency, country and contact: never the other operation's id, name,
//! parties, marking or anything else in it. Agencies that already take
//! part in the operation are not "another agency": nothing is told.

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use super::book::Book;
use super::model::{Deconfliction, Operation, Overlap, Side, SideKind, Target};
use crate::access::{self, Viewer};
use crate::directory::Directory;

/// The overlaps not yet told that `targets`, now in `op`, make with open
/// operations of other agencies and with `others` (the watches and recent
/// queries of a target, as sides without their contact, which is filled
/// in here from the directory), in target order.
pub fn overlaps(
    book: &Book,
    op: &Operation,
    targets: &[Target],
    others: &dyn Fn(&Target) -> Vec<Side>,
    directory: &Directory,
) -> Vec<Overlap> {
    let contact = |agency: &str| directory.contact(agency).1;
    let own = Side {
        kind: SideKind::Operation,
        agency: op.lead.clone(),
        contact: contact(&op.lead),
        operation: Some(op.id.clone()),
        watch: None,
        user: None,
        asked: None,
    };
    let mut out: Vec<Overlap> = Vec::new();
    for target in targets {
        let mut sides: Vec<Side> = book
            .holding(target)
            .filter(|other| other.id != op.id && other.state.is_open() && !op.is_party(&other.lead))
            .map(|other| Side {
                kind: SideKind::Operation,
                agency: other.lead.clone(),
                contact: contact(&other.lead),
                operation: Some(other.id.clone()),
                watch: None,
                user: None,
                asked: None,
            })
            .collect();
        sides.extend(
            others(target)
                .into_iter()
                .filter(|s| !op.is_party(&s.agency))
                .map(|s| Side {
                    contact: contact(&s.agency),
                    ..s
                }),
        );
        for side in sides {
            let overlap = Overlap {
                target: target.clone(),
                sides: [own.clone(), side],
            };
            if !book.told(&overlap) && !out.iter().any(|o| o.key() == overlap.key()) {
                out.push(overlap);
            }
        }
    }
    out
}

/// The overlaps not yet told that a watch kept or a hit query answered
/// now (`side`, its contact filled in here) makes on `target` with open
/// operations of other agencies: the same overlaps, from the other end,
/// as when a target enters an operation that is watched or was asked of.
pub fn met_by(book: &Book, target: &Target, side: &Side, directory: &Directory) -> Vec<Overlap> {
    let contact = |agency: &str| directory.contact(agency).1;
    let side = Side {
        contact: contact(&side.agency),
        ..side.clone()
    };
    book.holding(target)
        .filter(|op| op.state.is_open() && !op.is_party(&side.agency))
        .map(|op| Overlap {
            target: target.clone(),
            sides: [
                Side {
                    kind: SideKind::Operation,
                    agency: op.lead.clone(),
                    contact: contact(&op.lead),
                    operation: Some(op.id.clone()),
                    watch: None,
                    user: None,
                    asked: None,
                },
                side.clone(),
            ],
        })
        .filter(|o| !book.told(o))
        .collect()
}

/// Your side of an overlap.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct YourSide {
    pub kind: SideKind,
    pub agency: String,
    /// Your operation (`OP-…`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operation: Option<String>,
    /// Your watch (`W-…`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub watch: Option<String>,
    /// Who keeps the watch, or who asked the query.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// When the query was asked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub asked: Option<DateTime<Utc>>,
}

/// The other side of an overlap: whom to call, and nothing of what they do.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OtherSide {
    /// An operation, a watch or a recent hit query.
    pub kind: SideKind,
    pub agency: String,
    pub country: String,
    pub contact: String,
}

/// An overlap as one of its sides is told of it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DeconflictionView {
    /// `D-…`.
    pub id: String,
    pub at: DateTime<Utc>,
    pub target: Target,
    pub yours: YourSide,
    pub other: OtherSide,
}

/// Whether `viewer` is told of `side`: those who read its operation, or
/// the agency of a watch or query (a user's own watch: that user).
fn told(book: &Book, viewer: &Viewer, side: &Side) -> bool {
    match side.kind {
        SideKind::Operation => side
            .operation
            .as_deref()
            .and_then(|id| book.operation(id))
            .is_some_and(|op| access::reads_operation(viewer, op.marked())),
        SideKind::Watch => access::told_of_interest(viewer, &side.agency, side.user.as_deref()),
        SideKind::Query => access::told_of_interest(viewer, &side.agency, None),
    }
}

/// What `viewer` is told of one overlap: once per side it is on (an
/// agency may be on both, through two operations).
pub fn view(
    book: &Book,
    viewer: &Viewer,
    d: &Deconfliction,
    directory: &Directory,
) -> Vec<DeconflictionView> {
    let mut out = Vec::new();
    for (mine, theirs) in [(0, 1), (1, 0)] {
        let (side, other) = (&d.overlap.sides[mine], &d.overlap.sides[theirs]);
        if !told(book, viewer, side) {
            continue;
        }
        out.push(DeconflictionView {
            id: d.id.clone(),
            at: d.at,
            target: d.overlap.target.clone(),
            yours: YourSide {
                kind: side.kind,
                agency: side.agency.clone(),
                operation: side.operation.clone(),
                watch: side.watch.clone(),
                user: side.user.clone(),
                asked: side.asked,
            },
            other: OtherSide {
                kind: other.kind,
                agency: other.agency.clone(),
                country: directory.contact(&other.agency).0,
                contact: other.contact.clone(),
            },
        });
    }
    out
}

/// Every overlap `viewer` is told of, newest first.
pub fn visible(book: &Book, viewer: &Viewer, directory: &Directory) -> Vec<DeconflictionView> {
    book.deconflictions()
        .iter()
        .rev()
        .flat_map(|d| view(book, viewer, d, directory))
        .collect()
}
