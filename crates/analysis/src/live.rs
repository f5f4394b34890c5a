//! Networks kept current as reports arrive, between two recomputations.
//!
//! A recomputation ([`crate::networks::resolve`]) sees the whole graph;
//! between two, each new report joins the network its selectors bind it to
//! most (each linking selector counts `1 / ln(1 + reports)` once for every
//! network among its reports). A report that reaches no network but shares
//! a selector with reports in none starts a new network with them. Shared
//! and fuzzy selectors link nothing, as in the recomputation; a selector
//! that turns into shared infrastructure between two recomputations is
//! only found by the next one.
//!
//! A join reads the postings of the report's own selectors only: its cost
//! does not grow with the graph.

use std::collections::HashMap;

use crate::networks::{Evidence, Networks};

#[derive(Debug, Clone)]
pub struct LiveNetworks {
    /// The reports naming each selector.
    postings: Vec<Vec<u32>>,
    evidence: Vec<Evidence>,
    shared: Vec<bool>,
    of_report: Vec<Option<u32>>,
    /// Networks numbered so far; a new one takes the next number.
    count: u32,
}

impl LiveNetworks {
    /// Starts from a recomputation over `reports` (selector indexes into
    /// `evidence`, as [`crate::networks::resolve`] took them).
    pub fn new(reports: &[Vec<u32>], evidence: Vec<Evidence>, found: &Networks) -> LiveNetworks {
        let postings = crate::networks::postings(reports, evidence.len());
        let mut shared = vec![false; evidence.len()];
        for s in &found.shared {
            shared[s.selector as usize] = true;
        }
        LiveNetworks {
            postings,
            evidence,
            shared,
            of_report: found.of_report.clone(),
            count: found.count as u32,
        }
    }

    /// Registers a selector first seen after the recomputation; returns
    /// its index.
    pub fn add_selector(&mut self, evidence: Evidence) -> u32 {
        self.postings.push(Vec::new());
        self.evidence.push(evidence);
        self.shared.push(false);
        (self.postings.len() - 1) as u32
    }

    /// Adds the next report, naming `selectors`, and returns the network
    /// it joins (`None`: it shares nothing that links).
    pub fn join(&mut self, selectors: &[u32]) -> Option<u32> {
        let report = self.of_report.len() as u32;
        self.of_report.push(None);
        let mut score: HashMap<u32, f64> = HashMap::new();
        let mut alone: Vec<u32> = Vec::new();
        let mut seen_here: Vec<u32> = Vec::new();
        for &s in selectors {
            let list = &self.postings[s as usize];
            if list.last() == Some(&report) {
                continue;
            }
            let links = self.evidence[s as usize] != Evidence::Fuzzy && !self.shared[s as usize];
            if links && !list.is_empty() {
                let weight = 1.0 / (2.0 + list.len() as f64).ln();
                seen_here.clear();
                for &other in list {
                    match self.of_report[other as usize] {
                        Some(n) if !seen_here.contains(&n) => {
                            seen_here.push(n);
                            *score.entry(n).or_default() += weight;
                        }
                        Some(_) => {}
                        None => alone.push(other),
                    }
                }
            }
            self.postings[s as usize].push(report);
        }
        let network = match score
            .into_iter()
            .max_by(|a, b| a.1.total_cmp(&b.1).then(b.0.cmp(&a.0)))
        {
            Some((n, _)) => n,
            None if !alone.is_empty() => {
                self.count += 1;
                self.count - 1
            }
            None => return None,
        };
        self.of_report[report as usize] = Some(network);
        // Reports alone until now are bound to the network through it.
        for r in alone {
            self.of_report[r as usize] = Some(network);
        }
        Some(network)
    }

    /// Each report's network, in the order the reports came.
    pub fn of_report(&self) -> &[Option<u32>] {
        &self.of_report
    }

    /// Network numbers in use (some may hold no report any more).
    pub fn count(&self) -> u32 {
        self.count
    }

    /// Selectors known.
    pub fn selectors(&self) -> usize {
        self.postings.len()
    }

    /// The reports naming a selector, ascending.
    pub fn postings(&self, selector: u32) -> &[u32] {
        &self.postings[selector as usize]
    }

    /// Whether the last recomputation found the selector to be shared
    /// infrastructure.
    pub fn is_shared(&self, selector: u32) -> bool {
        self.shared[selector as usize]
    }

    /// Applies analysts' corrections ([`crate::identity::correct`]).
    pub fn correct(&mut self, corrections: &[crate::identity::Correction]) {
        crate::identity::correct(&mut self.of_report, &mut self.count, corrections);
    }

    /// A report revised to name `new` selectors instead of `old`: the
    /// postings follow; its network stays until the next recomputation.
    pub fn revise(&mut self, report: u32, old: &[u32], new: &[u32]) {
        for &s in old.iter().filter(|s| !new.contains(s)) {
            let list = &mut self.postings[s as usize];
            if let Ok(at) = list.binary_search(&report) {
                list.remove(at);
            }
        }
        for &s in new.iter().filter(|s| !old.contains(s)) {
            let list = &mut self.postings[s as usize];
            if let Err(at) = list.binary_search(&report) {
                list.insert(at, report);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::networks::{Thresholds, resolve};

    /// Two networks, each around its handler; then a report naming one
    /// network's wallet joins it, a report naming a loner's phone starts a
    /// network with the loner, and one naming nothing known stays alone.
    #[test]
    fn a_new_report_joins_the_network_its_selectors_bind_it_to() {
        let mut reports: Vec<Vec<u32>> = Vec::new();
        for network in 0..2u32 {
            let handler = network * 4;
            for i in 0..6 {
                reports.push(vec![handler, handler + 1 + i % 3]);
            }
        }
        reports.push(vec![8]); // a loner with its phone
        let evidence = vec![Evidence::Selector; 9];
        let found = resolve(&reports, &evidence, &Thresholds::default());
        assert_eq!(found.count, 2);
        let mut live = LiveNetworks::new(&reports, evidence, &found);
        let second = found.of_report[6];
        assert_eq!(live.join(&[6]), second, "the second network's wallet");
        let new_phone = live.add_selector(Evidence::Selector);
        assert_eq!(live.join(&[new_phone]), None);
        let joined = live.join(&[8]);
        assert_eq!(joined, Some(2), "a new network, after the two");
        assert_eq!(live.of_report()[12], Some(2), "the loner joined it");
        let name = live.add_selector(Evidence::Fuzzy);
        assert_eq!(live.join(&[name]), None);
        assert_eq!(live.join(&[name]), None, "names link nothing");
    }

    /// Two selectors of different networks: the one that binds more
    /// strongly (fewer reports) wins.
    #[test]
    fn the_strongest_binding_wins() {
        // Network A: six reports around handler 0; network B: two reports
        // sharing wallet 1.
        let mut reports: Vec<Vec<u32>> = (0..6).map(|_| vec![0]).collect();
        reports.push(vec![1]);
        reports.push(vec![1]);
        let evidence = vec![Evidence::Selector; 2];
        let found = resolve(&reports, &evidence, &Thresholds::default());
        let (a, b) = (found.of_report[0], found.of_report[6]);
        assert_ne!(a, b);
        let mut live = LiveNetworks::new(&reports, evidence, &found);
        assert_eq!(live.join(&[0, 1]), b);
    }
}
