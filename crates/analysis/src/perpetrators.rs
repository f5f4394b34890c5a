//! Perpetrator profiles: the contacts and accounts that recur across a
//! network's reports (recruiters, handlers, money movers), ranked by how
//! central they are to it.
//!
//! Centrality here is degree centrality on the network's part of the
//! report–selector graph: the share of the network's reports that name the
//! selector. The role follows from the kind of selector and the reports
//! naming it. An account (wallet, bank account) is a money mover. A contact
//! (phone, handle, e-mail) is a recruiter when most of its reports are
//! about recruitment (job adverts, rescue requests), else a handler: the
//! persona victims deal with.

/// What kind of holder a selector is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Holder {
    /// A phone number, a handle, an e-mail address: someone's contact.
    Contact,
    /// A wallet or a bank account: where money goes.
    Account,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Role {
    Recruiter,
    Handler,
    MoneyMover,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Perpetrator {
    /// The selector, as the caller numbered it.
    pub selector: u32,
    pub role: Role,
    /// Reports of the network that name it.
    pub reports: usize,
    /// The share of the network's reports that name it.
    pub centrality: f64,
}

/// What a report says about the people behind it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// A job advert or a recruitment tip: its contacts are recruiters.
    Recruitment,
    /// A complaint or intelligence: its contacts are the scam's personas.
    Scam,
    /// A rescue request: its contacts are the worker's, not theirs.
    Worker,
}

/// The perpetrators of one network: its `members` (report indexes), what
/// each report names (`named`), each selector's holder kind (`None` for
/// selectors that are nobody's: domains, sites, names), and each report's
/// side. A selector named by fewer than two of the network's reports that
/// speak of the perpetrators does not recur and is left out. Most central
/// first, at most `limit`.
pub fn perpetrators(
    members: &[u32],
    named: &[Vec<u32>],
    holder_of: &[Option<Holder>],
    side: &[Side],
    limit: usize,
) -> Vec<Perpetrator> {
    use std::collections::HashMap;
    // (reports naming it, of which about recruitment)
    let mut seen: HashMap<u32, (usize, usize)> = HashMap::new();
    // Reports that speak of the perpetrators.
    let mut speaking = 0usize;
    for &r in members {
        if side[r as usize] == Side::Worker {
            continue;
        }
        speaking += 1;
        for &s in &named[r as usize] {
            if holder_of[s as usize].is_some() {
                let e = seen.entry(s).or_default();
                e.0 += 1;
                e.1 += usize::from(side[r as usize] == Side::Recruitment);
            }
        }
    }
    let mut out: Vec<Perpetrator> = seen
        .into_iter()
        .filter(|(_, (n, _))| *n >= 2)
        .map(|(s, (n, recruiting))| {
            let role = match holder_of[s as usize] {
                Some(Holder::Account) => Role::MoneyMover,
                _ if recruiting * 2 > n => Role::Recruiter,
                _ => Role::Handler,
            };
            Perpetrator {
                selector: s,
                role,
                reports: n,
                centrality: n as f64 / speaking.max(1) as f64,
            }
        })
        .collect();
    out.sort_by(|a, b| b.reports.cmp(&a.reports).then(a.selector.cmp(&b.selector)));
    out.truncate(limit);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reports 0–3 are complaints naming handle 0 and wallet 1; reports
    /// 4–5 are job adverts naming phone 2; handle 3 is named once; reports
    /// 6–7 are rescue requests naming a worker's phone 5.
    #[test]
    fn recurring_contacts_and_accounts_are_ranked_with_their_roles() {
        let named = vec![
            vec![0, 1],
            vec![0, 1],
            vec![0, 3],
            vec![0],
            vec![2, 4],
            vec![2, 4],
            vec![5],
            vec![5],
        ];
        let holder_of = [
            Some(Holder::Contact),
            Some(Holder::Account),
            Some(Holder::Contact),
            Some(Holder::Contact),
            None, // a domain
            Some(Holder::Contact),
        ];
        use Side::*;
        let side = [
            Scam,
            Scam,
            Scam,
            Scam,
            Recruitment,
            Recruitment,
            Worker,
            Worker,
        ];
        let members: Vec<u32> = (0..8).collect();
        let found = perpetrators(&members, &named, &holder_of, &side, 10);
        let roles: Vec<(u32, Role, usize)> = found
            .iter()
            .map(|p| (p.selector, p.role, p.reports))
            .collect();
        assert_eq!(
            roles,
            [
                (0, Role::Handler, 4),
                (1, Role::MoneyMover, 2),
                (2, Role::Recruiter, 2)
            ]
        );
        assert!((found[0].centrality - 4.0 / 6.0).abs() < 1e-12);
        assert_eq!(
            perpetrators(&members, &named, &holder_of, &side, 1).len(),
            1
        );
    }
}
