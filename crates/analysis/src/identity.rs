//! Network identity: ids that survive recomputation, and analysts'
//! corrections that recomputation respects.
//!
//! Community detection numbers its groups afresh each time; an analyst
//! needs "network N-…" to mean the same organisation tomorrow. A network's
//! id is therefore tied to one of its reports, its *anchor*, chosen once
//! when the network is first seen (its oldest report) and kept by the
//! caller for good. After each grouping, a group is named by the anchors
//! it holds: a group holding one anchor keeps that id; a group holding
//! several (networks that turned out to be one) takes the oldest id and
//! the others become its aliases; a group holding none is new and gets an
//! anchor. A network that splits keeps its id in the part holding its
//! anchor.
//!
//! Analysts correct the grouping with [`Correction`]s, applied in the order
//! they were made over every grouping, so that a recomputation never undoes
//! them.

use std::collections::HashMap;

/// An analyst's correction of a grouping, in rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Correction {
    /// These reports are of one network: the anchors of the networks
    /// merged.
    Merge { rows: Vec<u32> },
    /// These reports are a network apart from the rest of theirs.
    Split { rows: Vec<u32> },
}

/// Applies `corrections` in order to a grouping (each row's group number;
/// `count` numbers in use), numbering split-off groups after the others.
pub fn correct(of_report: &mut [Option<u32>], count: &mut u32, corrections: &[Correction]) {
    for c in corrections {
        match c {
            Correction::Merge { rows } => {
                let Some(into) = rows
                    .iter()
                    .find_map(|&r| of_report.get(r as usize).copied()?)
                else {
                    // None of them is grouped: they make a network together.
                    let fresh = *count;
                    *count += 1;
                    for &r in rows {
                        if let Some(slot) = of_report.get_mut(r as usize) {
                            *slot = Some(fresh);
                        }
                    }
                    continue;
                };
                let absorbed: Vec<u32> = rows
                    .iter()
                    .filter_map(|&r| of_report.get(r as usize).copied()?)
                    .filter(|&g| g != into)
                    .collect();
                if !absorbed.is_empty() {
                    for g in of_report.iter_mut() {
                        if g.is_some_and(|g| absorbed.contains(&g)) {
                            *g = Some(into);
                        }
                    }
                }
                for &r in rows {
                    if let Some(slot) = of_report.get_mut(r as usize) {
                        *slot = Some(into);
                    }
                }
            }
            Correction::Split { rows } => {
                let fresh = *count;
                *count += 1;
                for &r in rows {
                    if let Some(slot) = of_report.get_mut(r as usize) {
                        *slot = Some(fresh);
                    }
                }
            }
        }
    }
}

/// The anchors ids are tied to, in the order the ids were given.
#[derive(Debug, Clone, Default)]
pub struct Anchors {
    rows: Vec<u32>,
    ids: Vec<String>,
    by_id: HashMap<String, usize>,
}

impl Anchors {
    /// Ties `id` to `row`; an id given twice keeps its first anchor.
    pub fn add(&mut self, id: &str, row: u32) {
        if self.by_id.contains_key(id) {
            return;
        }
        self.by_id.insert(id.to_owned(), self.ids.len());
        self.rows.push(row);
        self.ids.push(id.to_owned());
    }

    /// The row an id is tied to.
    pub fn row_of(&self, id: &str) -> Option<u32> {
        self.by_id.get(id).map(|&i| self.rows[i])
    }

    /// Names the groups of a grouping (each row's group, `count` numbers).
    pub fn name(&self, of_report: &[Option<u32>], count: usize) -> Naming {
        let mut held: Vec<Vec<usize>> = vec![Vec::new(); count];
        for (i, &row) in self.rows.iter().enumerate() {
            if let Some(Some(g)) = of_report.get(row as usize) {
                held[*g as usize].push(i);
            }
        }
        let mut oldest = vec![u32::MAX; count];
        for (row, g) in of_report.iter().enumerate() {
            if let Some(g) = g {
                let slot = &mut oldest[*g as usize];
                *slot = (*slot).min(row as u32);
            }
        }
        let mut ids = vec![None; count];
        let mut unnamed = Vec::new();
        let mut aliases = Vec::new();
        for g in 0..count {
            if oldest[g] == u32::MAX {
                continue; // no row holds it (merged or split away)
            }
            // Anchors are in the order their ids were given: the first is
            // the oldest id.
            match held[g].split_first() {
                Some((&first, rest)) => {
                    ids[g] = Some(self.ids[first].clone());
                    for &other in rest {
                        aliases.push((self.ids[other].clone(), self.ids[first].clone()));
                    }
                }
                None => unnamed.push((g as u32, oldest[g])),
            }
        }
        Naming {
            ids,
            unnamed,
            aliases,
        }
    }
}

/// What [`Anchors::name`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Naming {
    /// Each group's id, `None` for an empty group or one still unnamed.
    pub ids: Vec<Option<String>>,
    /// Groups holding no anchor, each with its oldest row: to be given an
    /// id anchored there.
    pub unnamed: Vec<(u32, u32)>,
    /// Ids whose network is now part of another's: (alias, id).
    pub aliases: Vec<(String, String)>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_follow_their_anchors_through_regrouping() {
        let mut anchors = Anchors::default();
        // First grouping: {0,1,2} {3,4}.
        let first = [Some(0), Some(0), Some(0), Some(1), Some(1)];
        let n = anchors.name(&first, 2);
        assert_eq!(n.unnamed, [(0, 0), (1, 3)]);
        anchors.add("N-a", 0);
        anchors.add("N-b", 3);
        // Recomputed with new numbers and a new report 5 joining {3,4}.
        let second = [Some(1), Some(1), Some(1), Some(0), Some(0), Some(0)];
        let n = anchors.name(&second, 2);
        assert_eq!(n.ids, [Some("N-b".into()), Some("N-a".into())]);
        assert!(n.unnamed.is_empty() && n.aliases.is_empty());
        // The networks turn out to be one: the older id stays, the other
        // becomes its alias; then {1,2} splits off and is new.
        let merged = [Some(0); 6];
        let n = anchors.name(&merged, 1);
        assert_eq!(n.ids, [Some("N-a".into())]);
        assert_eq!(n.aliases, [("N-b".into(), "N-a".into())]);
        let split = [Some(0), Some(1), Some(1), Some(0), Some(0), Some(0)];
        let n = anchors.name(&split, 2);
        assert_eq!(n.ids[0].as_deref(), Some("N-a"));
        assert_eq!(n.unnamed, [(1, 1)]);
    }

    #[test]
    fn corrections_apply_in_order_over_any_grouping() {
        let mut groups = vec![Some(0), Some(0), Some(1), Some(1), None];
        let mut count = 2;
        correct(
            &mut groups,
            &mut count,
            &[
                Correction::Merge { rows: vec![0, 2] },
                Correction::Split { rows: vec![1, 4] },
            ],
        );
        assert_eq!(groups, [Some(0), Some(2), Some(0), Some(0), Some(2)]);
        assert_eq!(count, 3);
        // A merge of ungrouped reports makes a network of them; a merge
        // naming rows past the grouping ignores them.
        let mut groups = vec![None, None, Some(0)];
        let mut count = 1;
        correct(
            &mut groups,
            &mut count,
            &[Correction::Merge {
                rows: vec![0, 1, 9],
            }],
        );
        assert_eq!(groups, [Some(1), Some(1), Some(0)]);
    }
}
