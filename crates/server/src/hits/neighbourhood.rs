//! The neighbourhood of a selector in the report–selector graph, from the
//! hit index: the reports holding it, the selectors those reports hold,
//! the reports holding those, and so on, to a depth.
//!
//! Access: the walk goes on only through reports the caller may read. A
//! report it may not read is never a node: it counts in its selector's
//! "held elsewhere" summary (holder, contact, marking, counts), exactly as
//! a hit answer shows it, and what else that report holds stays unknown.
//! The decision is [`crate::access::sight`]'s, report by report.
//!
//! Size: a selector held by more than `hub` reports (a job board, an
//! exchange's deposit address) is shown with its counts but not walked
//! through, and the walk stops at `max_nodes`; both are said in the answer.

use std::collections::{HashSet, VecDeque};

use chrono::{DateTime, Utc};
use cordon_core::Tlp;
use serde::Serialize;
use utoipa::ToSchema;

use super::{Elsewhere, HeldElsewhere, Hits, NotReady, TouchedOwners, see};
use crate::access::Viewer;
use crate::directory::Directory;

/// How far and how wide a walk goes.
#[derive(Debug, Clone, Copy)]
pub struct Bounds {
    /// Steps from the selector: 1 is its reports, 2 their selectors, 3 the
    /// reports holding those.
    pub depth: u8,
    /// A selector held by more reports is not walked through.
    pub hub: usize,
    /// The walk stops once it holds this many nodes (reports and selectors).
    pub max_nodes: usize,
}

/// A selector reached.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct SelectorNode {
    pub selector: String,
    /// Steps from the start (0 for the start itself).
    pub depth: u8,
    /// How many reports holding it you may read.
    pub readable: u64,
    /// Those reports (`agency/report_id`), when it was walked through.
    pub reports: Vec<String>,
    pub held_elsewhere: Vec<HeldElsewhere>,
    /// False when its reports were not walked: the depth was reached, it is
    /// a hub, or the walk was full.
    pub expanded: bool,
    /// Held by more reports than a walk goes through.
    pub hub: bool,
}

/// A report reached that you may read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct ReportNode {
    /// `agency/report_id`, as selector nodes name it.
    pub key: String,
    pub agency: String,
    pub report_id: String,
    pub tlp: Tlp,
    pub received: DateTime<Utc>,
    pub depth: u8,
    /// Its selectors, when the walk went through it.
    pub selectors: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Neighbourhood {
    pub selector: String,
    pub depth: u8,
    pub selectors: Vec<SelectorNode>,
    pub reports: Vec<ReportNode>,
    /// The walk stopped at its node limit before reaching the depth.
    pub truncated: bool,
}

impl Hits {
    /// The neighbourhood of a canonical selector as `viewer` may see it,
    /// and the owners whose reports it touched (for the audit log).
    pub fn neighbourhood(
        &self,
        viewer: &Viewer,
        start: &str,
        bounds: Bounds,
        directory: &Directory,
    ) -> Result<(Neighbourhood, TouchedOwners), NotReady> {
        if !self.is_ready() {
            return Err(NotReady);
        }
        let index = self.index.read();
        let mut touched: TouchedOwners = Vec::new();
        let mut selectors: Vec<SelectorNode> = Vec::new();
        let mut selector_seen: HashSet<String> = HashSet::new();
        let mut reports: Vec<ReportNode> = Vec::new();
        let mut report_seen: HashSet<u32> = HashSet::new();
        let mut truncated = false;
        // Selectors to walk through, with their depth.
        let mut queue: VecDeque<usize> = VecDeque::new();
        selectors.push(node_at(start, 0));
        selector_seen.insert(start.to_owned());
        queue.push_back(0);
        while let Some(at) = queue.pop_front() {
            let depth = selectors[at].depth;
            let text = selectors[at].selector.clone();
            let hits: Vec<_> = index.lookup_slots(&text).collect();
            let walk = depth < bounds.depth && hits.len() <= bounds.hub;
            selectors[at].hub = hits.len() > bounds.hub;
            let mut elsewhere = Elsewhere::new();
            for (slot, hit) in hits {
                if !see(viewer, &hit, &mut touched, &mut elsewhere) {
                    continue;
                }
                selectors[at].readable += 1;
                if !walk {
                    continue;
                }
                let key = format!("{}/{}", hit.agency, hit.report_id);
                selectors[at].reports.push(key.clone());
                if report_seen.contains(&slot) {
                    continue;
                }
                if selectors.len() + reports.len() >= bounds.max_nodes {
                    truncated = true;
                    continue;
                }
                report_seen.insert(slot);
                let mut node = ReportNode {
                    key,
                    agency: hit.agency.to_owned(),
                    report_id: hit.report_id.to_owned(),
                    tlp: hit.tlp,
                    received: hit.received,
                    depth: depth + 1,
                    selectors: Vec::new(),
                };
                if depth + 1 < bounds.depth {
                    for s in index.selectors_of(slot) {
                        node.selectors.push(s.to_owned());
                        if selector_seen.contains(s) {
                            continue;
                        }
                        if selectors.len() + reports.len() >= bounds.max_nodes {
                            truncated = true;
                            continue;
                        }
                        selector_seen.insert(s.to_owned());
                        queue.push_back(selectors.len());
                        selectors.push(node_at(s, depth + 2));
                    }
                }
                reports.push(node);
            }
            selectors[at].expanded = walk;
            selectors[at].held_elsewhere = super::summarise(elsewhere, directory);
        }
        drop(index);
        Ok((
            Neighbourhood {
                selector: start.to_owned(),
                depth: bounds.depth,
                selectors,
                reports,
                truncated,
            },
            touched,
        ))
    }
}

fn node_at(selector: &str, depth: u8) -> SelectorNode {
    SelectorNode {
        selector: selector.to_owned(),
        depth,
        readable: 0,
        reports: Vec::new(),
        held_elsewhere: Vec::new(),
        expanded: false,
        hub: false,
    }
}
