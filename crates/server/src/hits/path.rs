//! The shortest path between two selectors in the report–selector graph,
//! from the hit index: selector, report, selector, … report, selector.
//!
//! Access as in [`super::neighbourhood`]: the path goes only through
//! reports the caller may read, so "no path" can mean that the only links
//! are in reports it may not read. It is never told which. A selector held
//! by more than `hub` reports is not walked through (it would link nearly
//! everything), though it may end a path.

use std::collections::{HashSet, VecDeque};

use chrono::{DateTime, Utc};
use cordon_core::Tlp;
use serde::Serialize;
use utoipa::ToSchema;

use super::{Elsewhere, Hits, NotReady, TouchedOwners, see};
use crate::access::Viewer;

/// One step of a path: a selector or a report you may read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[serde(tag = "node", rename_all = "snake_case")]
pub enum Step {
    Selector {
        selector: String,
    },
    Report {
        agency: String,
        report_id: String,
        tlp: Tlp,
        received: DateTime<Utc>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Path {
    pub from: String,
    pub to: String,
    /// From `from` to `to`, both included; empty when no path was found
    /// within `max_reports` reports.
    pub steps: Vec<Step>,
    /// The search stopped at its node limit before it was done.
    pub truncated: bool,
}

/// How far a search goes.
#[derive(Debug, Clone, Copy)]
pub struct Reach {
    /// Most reports on a path.
    pub max_reports: u8,
    pub hub: usize,
    pub max_nodes: usize,
}

impl Hits {
    /// The shortest path from `from` to `to` (canonical selectors) through
    /// reports `viewer` may read, and the owners whose reports the search
    /// touched (for the audit log).
    pub fn path(
        &self,
        viewer: &Viewer,
        from: &str,
        to: &str,
        reach: Reach,
    ) -> Result<(Path, TouchedOwners), NotReady> {
        if !self.is_ready() {
            return Err(NotReady);
        }
        let index = self.index.read();
        let mut touched: TouchedOwners = Vec::new();
        // Every node reached, with the index of the node it came from.
        let mut nodes: Vec<(Step, Option<usize>)> = vec![(selector(from), None)];
        let mut selector_seen: HashSet<String> = HashSet::from([from.to_owned()]);
        let mut report_seen: HashSet<u32> = HashSet::new();
        // (node index, reports on the path so far)
        let mut queue: VecDeque<(usize, u8)> = VecDeque::from([(0, 0)]);
        let mut found = (from == to).then_some(0);
        let mut truncated = false;
        let mut elsewhere = Elsewhere::new();
        'search: while let Some((at, reports)) = queue.pop_front() {
            if found.is_some() || reports >= reach.max_reports {
                break;
            }
            let Step::Selector { selector: text } = &nodes[at].0 else {
                continue;
            };
            let hits: Vec<_> = index.lookup_slots(text).collect();
            if at != 0 && hits.len() > reach.hub {
                continue;
            }
            for (slot, hit) in hits {
                if !see(viewer, &hit, &mut touched, &mut elsewhere) || !report_seen.insert(slot) {
                    continue;
                }
                if nodes.len() >= reach.max_nodes {
                    truncated = true;
                    break 'search;
                }
                nodes.push((
                    Step::Report {
                        agency: hit.agency.to_owned(),
                        report_id: hit.report_id.to_owned(),
                        tlp: hit.tlp,
                        received: hit.received,
                    },
                    Some(at),
                ));
                let report = nodes.len() - 1;
                for s in index.selectors_of(slot) {
                    if !selector_seen.insert(s.to_owned()) {
                        continue;
                    }
                    nodes.push((selector(s), Some(report)));
                    if s == to {
                        found = Some(nodes.len() - 1);
                        break 'search;
                    }
                    queue.push_back((nodes.len() - 1, reports + 1));
                }
            }
        }
        let mut steps = Vec::new();
        let mut at = found;
        while let Some(i) = at {
            steps.push(nodes[i].0.clone());
            at = nodes[i].1;
        }
        steps.reverse();
        drop(index);
        Ok((
            Path {
                from: from.to_owned(),
                to: to.to_owned(),
                steps,
                truncated: truncated && found.is_none(),
            },
            touched,
        ))
    }
}

fn selector(text: &str) -> Step {
    Step::Selector {
        selector: text.to_owned(),
    }
}
