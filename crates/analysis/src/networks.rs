//! Networks: reports grouped by the selectors they share, weighted by how
//! telling each selector is.
//!
//! The graph is bipartite, reports on one side and selectors on the other
//! (no report–report projection: a selector in `d` reports would make
//! `d²/2` edges). An edge weighs `1 / ln(1 + d)`: a wallet in three
//! reports binds them far harder than a domain in three hundred.
//!
//! Shared infrastructure (an exchange's deposit address, a hosting IP, a
//! job board) would weld unrelated networks into one "supercluster". It
//! is found in two passes. The first groups reports by every selector at
//! Newman's resolution, which does not pay to weld large groups: a network
//! holds together around its own hubs (its scam platform's domain, its
//! collection wallets), while a shared selector's reports stay with their
//! own networks. A selector whose reports then spread over several groups,
//! none holding most of them, is *shared*: flagged, reported with its
//! spread, and left out of the second pass, which groups by every selector
//! that is not, at a low resolution. Fuzzy selectors (names) make no link.

use crate::community::{CommunityDetection, Louvain};
use crate::graph::{GraphBuilder, Node};

/// When a selector is telling enough to link reports.
#[derive(Debug, Clone, Copy)]
pub struct Thresholds {
    /// A selector is shared when, of its reports that the first pass put
    /// in a group, two or more fall in each of at least this many groups…
    pub shared_groups: usize,
    /// …and no group holds this share of them…
    pub dominant_share: f64,
    /// …and they are fewer than this share of the reports of those groups.
    pub max_coverage: f64,
    /// The resolution of the grouping pass: low, so that a network is
    /// split only where a weak link alone holds it together (at 1, a
    /// network of a few dense cells came out as one network per cell; at
    /// 0.05 a selector of two networks welded them). The defaults are the
    /// best of a sweep on the simulated worlds (docs/BENCHMARKS.md).
    pub resolution: f64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            shared_groups: 2,
            dominant_share: 0.8,
            max_coverage: 0.5,
            resolution: 0.2,
        }
    }
}

/// A selector left out of linking because it spans unrelated groups.
#[derive(Debug, Clone, PartialEq)]
pub struct Shared {
    /// The selector, as the caller numbered it.
    pub selector: u32,
    /// Reports that name it.
    pub reports: usize,
    /// First-pass groups its reports fall in, and the largest group's share.
    pub groups: usize,
    pub largest_share: f64,
}

/// Reports grouped into networks.
#[derive(Debug, Clone, PartialEq)]
pub struct Networks {
    /// Each report's network, numbered from 0 by decreasing size; `None`
    /// for a report that shares no usable selector with another.
    pub of_report: Vec<Option<u32>>,
    /// How many networks there are (of two reports or more).
    pub count: usize,
    /// The selectors flagged as shared infrastructure, most reports first.
    pub shared: Vec<Shared>,
}

/// What a key that reports share says about them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Evidence {
    /// An exact selector (phone, wallet, handle, …): links reports.
    Selector,
    /// A fuzzy selector (a name): links nothing.
    Fuzzy,
    /// A site ([`crate::places`]): links reports, but compounds often host
    /// several networks, so a site is judged against what the selectors
    /// alone group (it takes no part in the first pass) and is shared
    /// when its reports spread over their groups.
    Place,
}

/// Groups reports. `reports[r]` lists the keys report `r` names, as
/// indexes into `evidence`, which says what each key is.
pub fn resolve(reports: &[Vec<u32>], evidence: &[Evidence], thresholds: &Thresholds) -> Networks {
    let postings = postings(reports, evidence.len());
    let linking = |s: usize| evidence[s] != Evidence::Fuzzy && postings[s].len() >= 2;

    let all: Vec<bool> = (0..evidence.len())
        .map(|s| linking(s) && evidence[s] == Evidence::Selector)
        .collect();
    let first = group(reports.len(), &postings, &all, 1.0);
    let mut first_size = vec![0usize; reports.len()];
    for &g in &first {
        first_size[g as usize] += 1;
    }

    let mut shared = Vec::new();
    let mut usable = vec![false; evidence.len()];
    let mut count_in = std::collections::HashMap::new();
    for s in 0..evidence.len() {
        if !linking(s) {
            continue;
        }
        // Only reports that the first pass placed in a group say where a
        // selector belongs; a report alone says nothing.
        count_in.clear();
        let mut anchored = 0usize;
        for &r in &postings[s] {
            let g = first[r as usize];
            if first_size[g as usize] >= 2 {
                *count_in.entry(g).or_insert(0usize) += 1;
                anchored += 1;
            }
        }
        let groups = count_in.values().filter(|&&n| n >= 2).count();
        let largest = count_in.values().copied().max().unwrap_or(0);
        let largest_share = largest as f64 / anchored.max(1) as f64;
        // A network's own hub is named by most reports of the groups it
        // spans (the first pass may cut a network into cells around it);
        // shared infrastructure by a few reports of each network.
        let spanned: usize = count_in
            .iter()
            .filter(|(_, n)| **n >= 2)
            .map(|(g, _)| first_size[*g as usize])
            .sum();
        let coverage = anchored as f64 / spanned.max(1) as f64;
        if groups >= thresholds.shared_groups
            && largest_share < thresholds.dominant_share
            && coverage < thresholds.max_coverage
        {
            shared.push(Shared {
                selector: s as u32,
                reports: postings[s].len(),
                groups,
                largest_share,
            });
        } else {
            usable[s] = true;
        }
    }
    shared.sort_by(|a, b| b.reports.cmp(&a.reports).then(a.selector.cmp(&b.selector)));

    let second = group(reports.len(), &postings, &usable, thresholds.resolution);
    // Networks are groups of two reports or more, numbered by size.
    let mut size = vec![0usize; reports.len()];
    for &g in &second {
        size[g as usize] += 1;
    }
    let mut groups: Vec<u32> = (0..reports.len() as u32)
        .filter(|&g| size[g as usize] >= 2)
        .collect();
    let mut first_report = vec![usize::MAX; reports.len()];
    for (r, &g) in second.iter().enumerate().rev() {
        first_report[g as usize] = r;
    }
    groups.sort_by_key(|&g| {
        (
            std::cmp::Reverse(size[g as usize]),
            first_report[g as usize],
        )
    });
    let mut number = vec![None; reports.len()];
    for (i, &g) in groups.iter().enumerate() {
        number[g as usize] = Some(i as u32);
    }
    Networks {
        of_report: second.iter().map(|&g| number[g as usize]).collect(),
        count: groups.len(),
        shared,
    }
}

/// The reports that name each selector, each once, ascending.
pub(crate) fn postings(reports: &[Vec<u32>], selectors: usize) -> Vec<Vec<u32>> {
    let mut postings: Vec<Vec<u32>> = vec![Vec::new(); selectors];
    for (r, named) in reports.iter().enumerate() {
        for &s in named {
            let list = &mut postings[s as usize];
            if list.last() != Some(&(r as u32)) {
                list.push(r as u32);
            }
        }
    }
    postings
}

/// Community detection on the report–selector graph of the selectors
/// `used`; each report's group, as a community number (a report alone is
/// a group of its own).
fn group(reports: usize, postings: &[Vec<u32>], used: &[bool], resolution: f64) -> Vec<u32> {
    let mut builder = GraphBuilder::new(reports);
    let mut next = reports as Node;
    for (s, list) in postings.iter().enumerate() {
        if !used[s] {
            continue;
        }
        let weight = 1.0 / (1.0 + list.len() as f64).ln();
        for &r in list {
            builder.edge(r, next, weight);
        }
        next += 1;
    }
    let louvain = Louvain {
        resolution,
        ..Louvain::default()
    };
    let partition = louvain.detect(&builder.build());
    partition.membership()[..reports].to_vec()
}

/// B-cubed precision and recall of `found` against `truth` (each report's
/// true group; `None` is a group of its own): the mean, over reports, of
/// the share of its found group that truly belongs with it, and of its
/// true group that was found with it.
pub fn b_cubed(found: &[Option<u32>], truth: &[Option<u32>]) -> (f64, f64) {
    use std::collections::HashMap;
    assert_eq!(
        found.len(),
        truth.len(),
        "one found and one true group per report"
    );
    let n = found.len();
    if n == 0 {
        return (1.0, 1.0);
    }
    // Singletons get keys of their own past every real group.
    let key = |g: Option<u32>, r: usize| g.map_or(u64::MAX - r as u64, u64::from);
    let mut found_size: HashMap<u64, usize> = HashMap::new();
    let mut true_size: HashMap<u64, usize> = HashMap::new();
    let mut both: HashMap<(u64, u64), usize> = HashMap::new();
    for r in 0..n {
        let (f, t) = (key(found[r], r), key(truth[r], r));
        *found_size.entry(f).or_default() += 1;
        *true_size.entry(t).or_default() += 1;
        *both.entry((f, t)).or_default() += 1;
    }
    let (mut precision, mut recall) = (0.0, 0.0);
    for r in 0..n {
        let (f, t) = (key(found[r], r), key(truth[r], r));
        let common = both[&(f, t)] as f64;
        precision += common / found_size[&f] as f64;
        recall += common / true_size[&t] as f64;
    }
    (precision / n as f64, recall / n as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Four networks of twelve reports, each naming its handler's handle
    /// (in all of them) and one of three wallets, and one exchange address
    /// that two victims of each network paid: the address is flagged, the
    /// handlers are not, and each network comes out whole and apart.
    #[test]
    fn shared_infrastructure_is_flagged_not_used() {
        let mut reports: Vec<Vec<u32>> = Vec::new();
        let exchange = 0u32;
        let mut next_selector = 1u32;
        for _network in 0..4 {
            let first = reports.len();
            let handler = next_selector;
            for i in 0..12 {
                reports.push(vec![handler, handler + 1 + i % 3]);
            }
            next_selector += 4;
            for r in &mut reports[first..first + 2] {
                r.push(exchange);
            }
        }
        let evidence = vec![Evidence::Selector; next_selector as usize];
        let n = resolve(&reports, &evidence, &Thresholds::default());
        assert_eq!(n.shared.len(), 1, "{:?}", n.shared);
        assert_eq!(n.shared[0].selector, exchange);
        assert_eq!((n.shared[0].reports, n.shared[0].groups), (8, 4));
        assert_eq!(n.count, 4);
        for network in 0..4 {
            let first = network * 12;
            let id = n.of_report[first].unwrap();
            assert!((first..first + 12).all(|r| n.of_report[r] == Some(id)));
        }
    }

    /// Without the coverage rule, a network that the first pass cuts into
    /// cells around its handler would lose the handler: it spreads over
    /// the cells, none holding most of it, but it is named by every report
    /// of them, which no shared selector is.
    #[test]
    fn a_network_hub_is_not_shared_however_the_first_pass_cuts() {
        // Two networks as above, an exchange paid by a third of each and
        // by four pairs of victims who share a phone number.
        let mut reports: Vec<Vec<u32>> = Vec::new();
        let exchange = 0u32;
        for network in 0..2u32 {
            let handler = 1 + network * 4;
            for i in 0..12 {
                let mut r = vec![handler, handler + 1 + i % 3];
                if i < 4 {
                    r.push(exchange);
                }
                reports.push(r);
            }
        }
        for pair in 0..4u32 {
            reports.push(vec![exchange, 9 + pair]);
            reports.push(vec![exchange, 9 + pair]);
        }
        let evidence = vec![Evidence::Selector; 13];
        // No coverage rule: any coverage is below 2.
        let lax = Thresholds {
            max_coverage: 2.0,
            ..Thresholds::default()
        };
        let cut = resolve(&reports, &evidence, &lax);
        assert!(!cut.shared.is_empty(), "the first pass no longer cuts here");
        assert!(
            cut.shared
                .iter()
                .any(|s| s.selector == 1 || s.selector == 5)
        );
        let n = resolve(&reports, &evidence, &Thresholds::default());
        assert!(
            n.shared.iter().all(|s| s.selector != 1 && s.selector != 5),
            "{:?}",
            n.shared
        );
        assert!((0..12).all(|r| n.of_report[r] == n.of_report[0]));
        assert!((12..24).all(|r| n.of_report[r] == n.of_report[12]));
    }

    /// Two networks around their handlers, each with its own compound
    /// site, and a third site both operate from. A rescue request naming
    /// only a worker's phone and its compound's site joins that compound's
    /// network; the site of both is shared.
    #[test]
    fn a_site_links_a_network_unless_several_operate_there() {
        let mut reports: Vec<Vec<u32>> = Vec::new();
        // Keys: handlers 0 and 1; own sites 2 and 3; common site 4;
        // wallets 5..11; workers' phones 11...
        for network in 0..2u32 {
            for i in 0..8 {
                let mut r = vec![network, 5 + network * 3 + i % 3];
                if i < 2 {
                    r.push(2 + network);
                }
                if i >= 6 {
                    r.push(4);
                }
                reports.push(r);
            }
        }
        reports.push(vec![11, 2]); // held in network 0's compound
        reports.push(vec![12, 4]); // held where both operate
        let mut evidence = vec![Evidence::Selector; 13];
        for site in [2, 3, 4] {
            evidence[site] = Evidence::Place;
        }
        let n = resolve(&reports, &evidence, &Thresholds::default());
        assert!(n.shared.iter().any(|s| s.selector == 4), "{:?}", n.shared);
        assert!(n.shared.iter().all(|s| s.selector != 2 && s.selector != 3));
        assert_eq!(
            n.of_report[16], n.of_report[0],
            "joined its compound's network"
        );
        assert_ne!(n.of_report[0], n.of_report[8]);
        assert_eq!(n.of_report[17], None, "a shared site links nothing");
    }

    #[test]
    fn a_name_alone_links_nothing_and_a_loner_has_no_network() {
        let reports = vec![vec![0], vec![0], vec![1], vec![2, 3], vec![3]];
        let evidence = [
            Evidence::Fuzzy,
            Evidence::Selector,
            Evidence::Selector,
            Evidence::Selector,
        ];
        let n = resolve(&reports, &evidence, &Thresholds::default());
        assert_eq!(n.of_report, [None, None, None, Some(0), Some(0)]);
        assert_eq!(n.count, 1);
        assert!(n.shared.is_empty());
    }

    #[test]
    fn b_cubed_matches_hand_counts() {
        // Truth: {0,1,2} {3}; found: {0,1} {2,3}.
        let truth = [Some(0), Some(0), Some(0), None];
        let found = [Some(0), Some(0), Some(1), Some(1)];
        let (p, r) = b_cubed(&found, &truth);
        assert!((p - (1.0 + 1.0 + 0.5 + 0.5) / 4.0).abs() < 1e-12);
        assert!((r - (2.0 / 3.0 + 2.0 / 3.0 + 1.0 / 3.0 + 1.0) / 4.0).abs() < 1e-12);
        assert_eq!(b_cubed(&truth, &truth), (1.0, 1.0));
    }
}
