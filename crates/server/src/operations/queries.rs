//! Who asked about which selector lately: the hit queries of the last 30
//! days, by selector, so that a selector put into an operation is
//! deconflicted with the agencies that were asking about it.
//!
//! It lives in memory and is bounded: per selector the latest query of each
//! agency, at most [`MAX_KEPT`] in all; beyond that the oldest go first. It
//! holds the queries this replica answered since it started (the audit log
//! keeps every query durably; this is only the quick look-up).

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use parking_lot::Mutex;

use crate::access::Viewer;

/// How far back a query counts.
pub const WINDOW: Duration = Duration::days(30);
/// Most (selector, agency) pairs kept.
pub const MAX_KEPT: usize = 250_000;

/// A query of a selector by a member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Asked {
    pub agency: String,
    pub user: String,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Default)]
pub struct RecentQueries {
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    by_selector: HashMap<String, Vec<Asked>>,
    kept: usize,
}

impl RecentQueries {
    /// Notes that `viewer` asked about `selectors` (canonical) now.
    pub fn record<'a>(&self, viewer: &Viewer, selectors: impl IntoIterator<Item = &'a str>) {
        let Some(member) = viewer.member() else {
            return;
        };
        self.record_at(&member.agency, &member.user, selectors, Utc::now());
    }

    fn record_at<'a>(
        &self,
        agency: &str,
        user: &str,
        selectors: impl IntoIterator<Item = &'a str>,
        at: DateTime<Utc>,
    ) {
        let mut inner = self.inner.lock();
        for selector in selectors {
            let asked = match inner.by_selector.get_mut(selector) {
                Some(asked) => asked,
                None => inner.by_selector.entry(selector.to_owned()).or_default(),
            };
            match asked.iter_mut().find(|a| a.agency == agency) {
                Some(a) => {
                    a.at = at;
                    if a.user != user {
                        a.user = user.to_owned();
                    }
                }
                None => {
                    asked.push(Asked {
                        agency: agency.to_owned(),
                        user: user.to_owned(),
                        at,
                    });
                    inner.kept += 1;
                }
            }
        }
        if inner.kept > MAX_KEPT {
            inner.shed(at);
        }
    }

    /// The agencies that asked about `selector` within the window before
    /// `now`, each with its latest query.
    pub fn askers(&self, selector: &str, now: DateTime<Utc>) -> Vec<Asked> {
        let inner = self.inner.lock();
        let mut out: Vec<Asked> = inner
            .by_selector
            .get(selector)
            .into_iter()
            .flatten()
            .filter(|a| now - a.at <= WINDOW)
            .cloned()
            .collect();
        out.sort_by(|a, b| a.agency.cmp(&b.agency));
        out
    }
}

impl Inner {
    /// Drops what is older than the window, then, if still too many, the
    /// oldest down to three quarters of the bound, so that shedding is
    /// rare.
    fn shed(&mut self, now: DateTime<Utc>) {
        let mut cutoff = now - WINDOW;
        let target = MAX_KEPT / 4 * 3;
        let live = self
            .by_selector
            .values()
            .flatten()
            .filter(|a| a.at >= cutoff)
            .count();
        if live > target {
            let mut times: Vec<DateTime<Utc>> =
                self.by_selector.values().flatten().map(|a| a.at).collect();
            times.sort_unstable();
            cutoff = cutoff.max(times[times.len() - target]);
        }
        let mut kept = 0;
        self.by_selector.retain(|_, asked| {
            asked.retain(|a| a.at >= cutoff);
            kept += asked.len();
            !asked.is_empty()
        });
        self.kept = kept;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_latest_query_of_each_agency_within_thirty_days_counts() {
        let q = RecentQueries::default();
        let now = Utc::now();
        q.record_at("KH-NCB", "a", ["phone:+1"], now - Duration::days(40));
        q.record_at(
            "PH-NBI",
            "b",
            ["phone:+1", "email:x@y.z"],
            now - Duration::days(2),
        );
        assert_eq!(q.askers("phone:+1", now).len(), 1);
        q.record_at("KH-NCB", "c", ["phone:+1"], now - Duration::days(1));
        let askers = q.askers("phone:+1", now);
        assert_eq!(askers.len(), 2);
        assert_eq!(askers[0].agency, "KH-NCB");
        assert_eq!(askers[0].user, "c");
        assert!(q.askers("phone:+2", now).is_empty());
    }

    #[test]
    fn it_stays_within_its_bound_dropping_the_oldest() {
        let q = RecentQueries::default();
        let start = Utc::now() - Duration::days(1);
        let selectors: Vec<String> = (0..MAX_KEPT + 10)
            .map(|i| format!("email:{i}@x.y"))
            .collect();
        for (i, s) in selectors.iter().enumerate() {
            q.record_at(
                "KH-NCB",
                "a",
                [s.as_str()],
                start + Duration::milliseconds(i as i64),
            );
        }
        let kept = q.inner.lock().kept;
        assert!(kept <= MAX_KEPT, "{kept}");
        let now = Utc::now();
        assert!(q.askers(&selectors[0], now).is_empty());
        assert_eq!(q.askers(&selectors[MAX_KEPT + 9], now).len(), 1);
    }
}
