//! The operations and the overlaps found between them and others, folded
//! from the decision log in its order.
//!
//! The fold trusts what it reads: every decision was checked by the request
//! that wrote it. A decision that does not parse, or names an operation the
//! book does not hold, is skipped with a warning rather than stopping the
//! fold, as the watches' fold does.

use std::collections::{BTreeSet, HashMap, HashSet};

use cordon_store::Decision;
use serde::de::DeserializeOwned;

use super::model::{
    Created, Deconfliction, LogEntry, Logged, Operation, Overlap, Target, TargetEntry, Targets,
    Task, TaskEntry, Updated,
};

/// Every operation by id, each target's operations, and every overlap.
#[derive(Debug, Default)]
pub struct Book {
    operations: HashMap<String, Operation>,
    /// Target key → ids of the operations holding it.
    by_target: HashMap<String, BTreeSet<String>>,
    /// In log order.
    deconflictions: Vec<Deconfliction>,
    overlap_keys: HashSet<String>,
}

fn parse<T: DeserializeOwned>(d: &Decision) -> Option<T> {
    match serde_json::from_value(d.body.clone()) {
        Ok(body) => Some(body),
        Err(e) => {
            tracing::warn!(kind = %d.kind, subject = %d.subject, error = %e, "a decision in the log does not parse; skipped");
            None
        }
    }
}

impl Book {
    /// Folds a decision in; other kinds are not about operations.
    pub fn apply(&mut self, d: &Decision) {
        let by = format!("{}/{}", d.agency, d.user);
        match d.kind.as_str() {
            "operation.create" => {
                let Some(c) = parse::<Created>(d) else { return };
                if self.operations.contains_key(&d.subject) {
                    return;
                }
                let op = Operation {
                    id: d.subject.clone(),
                    name: c.name,
                    summary: c.summary,
                    lead: d.agency.clone(),
                    participants: c.participants,
                    marking: c.marking,
                    state: c.state,
                    targets: Vec::new(),
                    tasks: Vec::new(),
                    log: Vec::new(),
                    created: d.at,
                    created_by: by.clone(),
                    updated: d.at,
                };
                self.operations.insert(d.subject.clone(), op);
                self.add_targets(&d.subject, c.targets, d, &by);
            }
            "operation.update" => {
                let Some(u) = parse::<Updated>(d) else { return };
                let Some(op) = self.touch(d) else { return };
                op.name = u.name;
                op.summary = u.summary;
                op.participants = u.participants;
                op.marking = u.marking;
                op.state = u.state;
            }
            "operation.target.add" => {
                let Some(t) = parse::<Targets>(d) else { return };
                if self.touch(d).is_some() {
                    self.add_targets(&d.subject, t.targets, d, &by);
                }
            }
            "operation.target.remove" => {
                let Some(t) = parse::<Targets>(d) else { return };
                let Some(op) = self.touch(d) else { return };
                op.targets.retain(|e| !t.targets.contains(&e.target));
                for target in &t.targets {
                    let key = target.key();
                    if let Some(ids) = self.by_target.get_mut(&key) {
                        ids.remove(&d.subject);
                        if ids.is_empty() {
                            self.by_target.remove(&key);
                        }
                    }
                }
            }
            "operation.task" => {
                let Some(task) = parse::<Task>(d) else { return };
                let Some(op) = self.touch(d) else { return };
                match op.tasks.iter_mut().find(|t| t.task.id == task.id) {
                    Some(entry) => {
                        entry.task = task;
                        entry.updated = d.at;
                        entry.by = by;
                    }
                    None => op.tasks.push(TaskEntry {
                        task,
                        created: d.at,
                        updated: d.at,
                        by,
                    }),
                }
            }
            "operation.log" => {
                let Some(l) = parse::<Logged>(d) else { return };
                let Some(op) = self.touch(d) else { return };
                op.log.push(LogEntry {
                    at: d.at,
                    agency: d.agency.clone(),
                    user: d.user.clone(),
                    text: l.text,
                });
            }
            "deconfliction" => {
                let Some(overlap) = parse::<Overlap>(d) else {
                    return;
                };
                // Two replicas may find one overlap at once: it is told once.
                if self.overlap_keys.insert(overlap.key()) {
                    self.deconflictions.push(Deconfliction {
                        id: d.subject.clone(),
                        at: d.at,
                        overlap,
                    });
                }
            }
            _ => {}
        }
    }

    /// The operation a decision changes, its `updated` set to the
    /// decision's time.
    fn touch(&mut self, d: &Decision) -> Option<&mut Operation> {
        let Some(op) = self.operations.get_mut(&d.subject) else {
            tracing::warn!(kind = %d.kind, operation = %d.subject, "a decision names an operation not in the log; skipped");
            return None;
        };
        op.updated = d.at;
        Some(op)
    }

    fn add_targets(&mut self, id: &str, targets: Vec<Target>, d: &Decision, by: &str) {
        let Some(op) = self.operations.get_mut(id) else {
            return;
        };
        for target in targets {
            if op.has_target(&target) {
                continue;
            }
            self.by_target
                .entry(target.key())
                .or_default()
                .insert(id.to_owned());
            op.targets.push(TargetEntry {
                target,
                added: d.at,
                by: by.to_owned(),
            });
        }
    }

    pub fn operation(&self, id: &str) -> Option<&Operation> {
        self.operations.get(id)
    }

    pub fn operations(&self) -> impl Iterator<Item = &Operation> {
        self.operations.values()
    }

    /// The operations holding a target.
    pub fn holding(&self, target: &Target) -> impl Iterator<Item = &Operation> {
        self.by_target
            .get(&target.key())
            .into_iter()
            .flatten()
            .filter_map(|id| self.operations.get(id))
    }

    /// Whether this overlap was told already.
    pub fn told(&self, overlap: &Overlap) -> bool {
        self.overlap_keys.contains(&overlap.key())
    }

    /// Every overlap, in log order.
    pub fn deconflictions(&self) -> &[Deconfliction] {
        &self.deconflictions
    }
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};
    use serde_json::json;

    use super::*;
    use crate::operations::model::{OperationState, TargetKind};

    fn decision(seq: i64, kind: &str, subject: &str, body: serde_json::Value) -> Decision {
        Decision {
            seq,
            at: Utc.timestamp_opt(1_800_000_000 + seq, 0).unwrap(),
            kind: kind.into(),
            subject: subject.into(),
            agency: "GB-NCA".into(),
            user: "anna".into(),
            reason: String::new(),
            body,
        }
    }

    fn phone() -> Target {
        Target {
            kind: TargetKind::Selector,
            value: "phone:+85512345678".into(),
        }
    }

    #[test]
    fn an_operation_is_folded_from_its_decisions_in_order() {
        let mut book = Book::default();
        book.apply(&decision(
            1,
            "operation.create",
            "OP-1",
            json!({"name": "kk", "summary": "", "participants": ["KH-NCB"],
                   "marking": {"tlp": "AMBER"}, "state": "planned",
                   "targets": [{"kind": "selector", "value": "phone:+85512345678"}]}),
        ));
        book.apply(&decision(2, "watch.create", "W-1", json!({})));
        book.apply(&decision(
            3,
            "operation.target.add",
            "OP-1",
            json!({"targets": [{"kind": "network", "value": "N-0a1b2c3d4e5f"},
                               {"kind": "selector", "value": "phone:+85512345678"}]}),
        ));
        book.apply(&decision(
            4,
            "operation.task",
            "OP-1",
            json!({"id": "T-1", "title": "trace", "owner": "KH-NCB", "state": "open"}),
        ));
        book.apply(&decision(
            5,
            "operation.task",
            "OP-1",
            json!({"id": "T-1", "title": "trace", "owner": "KH-NCB", "due": "2027-01-31", "state": "done"}),
        ));
        book.apply(&decision(
            6,
            "operation.log",
            "OP-1",
            json!({"text": "briefed"}),
        ));
        book.apply(&decision(
            7,
            "operation.target.remove",
            "OP-1",
            json!({"targets": [{"kind": "selector", "value": "phone:+85512345678"}]}),
        ));
        book.apply(&decision(
            8,
            "operation.update",
            "OP-1",
            json!({"name": "kk 2", "summary": "s", "participants": [],
                   "marking": {"tlp": "RED", "recipients": ["GB-NCA/anna"]}, "state": "active"}),
        ));
        // A change to an operation the log never created is skipped.
        book.apply(&decision(9, "operation.log", "OP-2", json!({"text": "x"})));
        let op = book.operation("OP-1").unwrap();
        assert_eq!(op.name, "kk 2");
        assert_eq!(op.state, OperationState::Active);
        assert!(op.participants.is_empty());
        assert_eq!(op.targets.len(), 1);
        assert_eq!(op.targets[0].target.value, "N-0a1b2c3d4e5f");
        assert_eq!(op.tasks.len(), 1);
        assert_eq!(
            op.tasks[0].task.state,
            crate::operations::model::TaskState::Done
        );
        assert_eq!(op.tasks[0].created, decision(4, "", "", json!(0)).at);
        assert_eq!(op.log[0].text, "briefed");
        assert_eq!(op.updated, decision(8, "", "", json!(0)).at);
        assert_eq!(book.holding(&phone()).count(), 0);
        assert!(book.operation("OP-2").is_none());
    }

    #[test]
    fn one_overlap_found_twice_is_told_once() {
        let mut book = Book::default();
        let body = |op: &str| {
            json!({"target": {"kind": "selector", "value": "phone:+85512345678"},
                   "sides": [
                       {"kind": "operation", "agency": "GB-NCA", "contact": "a", "operation": op},
                       {"kind": "query", "agency": "KH-NCB", "contact": "k", "user": "x", "asked": "2026-01-01T00:00:00Z"}]})
        };
        book.apply(&decision(1, "deconfliction", "D-1", body("OP-1")));
        book.apply(&decision(2, "deconfliction", "D-2", body("OP-1")));
        book.apply(&decision(3, "deconfliction", "D-3", body("OP-2")));
        let ids: Vec<&str> = book
            .deconflictions()
            .iter()
            .map(|d| d.id.as_str())
            .collect();
        assert_eq!(ids, ["D-1", "D-3"]);
    }
}
