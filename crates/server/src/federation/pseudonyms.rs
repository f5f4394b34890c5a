//! Blind matching on a node: its RED and AMBER selectors become
//! pseudonyms through the matching service, published to its peers with
//! the holder's contact and marking; the peers' pseudonyms are pulled and
//! compared with its own. A pseudonym both hold is a hit, told to the
//! owning agency on each side (each side computes it from the other's
//! list) with whom to contact; nothing else of either side is revealed.
//!
//! Pseudonyms are derived, like alerts: they are rebuilt from the store
//! at start and at every new key epoch, never stored. A node's list only
//! grows within an epoch, which is what lets peers pull it by offset.

use std::collections::{HashMap, HashSet};

use cordon_core::Tlp;
use cordon_federation::config::MatchingConfig;
use cordon_federation::oprf::{self, Pseudonym};
use cordon_federation::protocol::{
    Epochs, EvaluateRequest, EvaluateResponse, MAX_BATCH, PseudonymPage, Published,
};
use parking_lot::RwLock;
use serde::Serialize;

use super::Federation;
use crate::Shared;
use crate::access;

/// Postings read from the store at a time.
const FETCH: u32 = 10_000;

/// What this node holds and publishes under the current epoch.
#[derive(Debug, Default)]
struct Own {
    epoch: u32,
    /// A fresh id each time the list starts over (a new epoch, a restart,
    /// another replica taking over): a peer that sees it change pulls the
    /// list again from its start, since offsets of one list mean nothing
    /// in another.
    instance: String,
    /// The store's postings taken in so far.
    after: i64,
    /// (selector, agency, level) already pseudonymised.
    seen: HashSet<(String, String, Tlp)>,
    /// What peers pull, in the order it was made.
    published: Vec<Published>,
    /// Pseudonym to the local (selector, agency, level) behind it.
    mine: HashMap<String, Vec<(String, String, Tlp)>>,
}

/// A peer's published list, as pulled so far.
#[derive(Debug, Default)]
struct PeerList {
    epoch: u32,
    instance: String,
    next: usize,
    by_pseudonym: HashMap<String, Vec<Published>>,
}

/// A selector of a local agency that a peer's agency holds too.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, utoipa::ToSchema)]
pub struct FederationHit {
    /// The canonical selector, which the local agency holds itself.
    pub selector: String,
    /// The local agency holding it, and its marking there.
    pub agency: String,
    pub tlp: Tlp,
    /// The peer node, its agency holding the same selector, whom to
    /// contact, and the peer's marking.
    pub node: String,
    pub peer_agency: String,
    pub contact: String,
    pub peer_tlp: Tlp,
}

/// The node's matching state.
#[derive(Debug, Default)]
pub struct Matching {
    own: RwLock<Own>,
    peers: RwLock<HashMap<String, PeerList>>,
    hits: RwLock<HashSet<FederationHit>>,
}

impl Matching {
    /// The hits on one local agency's selectors, by selector.
    pub fn hits_of(&self, agency: &str) -> Vec<FederationHit> {
        let mut hits: Vec<FederationHit> = self
            .hits
            .read()
            .iter()
            .filter(|h| h.agency == agency)
            .cloned()
            .collect();
        hits.sort_by(|a, b| {
            (&a.selector, &a.node, &a.peer_agency).cmp(&(&b.selector, &b.node, &b.peer_agency))
        });
        hits
    }

    /// The epoch this node publishes under (0 before the first round).
    pub fn epoch(&self) -> u32 {
        self.own.read().epoch
    }

    /// How many pseudonyms this node publishes.
    pub fn published(&self) -> usize {
        self.own.read().published.len()
    }

    /// A page of what this node publishes, for a peer.
    pub fn page(
        &self,
        node: &str,
        epoch: u32,
        after: usize,
        limit: usize,
    ) -> Option<PseudonymPage> {
        let own = self.own.read();
        if own.epoch != epoch {
            return None;
        }
        let items: Vec<Published> = own
            .published
            .iter()
            .skip(after)
            .take(limit)
            .cloned()
            .collect();
        Some(PseudonymPage {
            node: node.to_owned(),
            epoch,
            instance: own.instance.clone(),
            next: after + items.len(),
            items,
        })
    }

    fn add_own(
        &self,
        made: Vec<((String, String, Tlp), Pseudonym)>,
        contact: impl Fn(&str) -> String,
    ) {
        let mut own = self.own.write();
        let peers = self.peers.read();
        let mut hits = self.hits.write();
        for ((selector, agency, tlp), p) in made {
            let key = (selector.clone(), agency.clone(), tlp);
            if p.epoch != own.epoch || !own.seen.insert(key) {
                continue;
            }
            for (node, list) in peers.iter() {
                for theirs in list.by_pseudonym.get(&p.value).into_iter().flatten() {
                    add_hit(&mut hits, hit(&selector, &agency, tlp, node, theirs));
                }
            }
            own.published.push(Published {
                pseudonym: p.value.clone(),
                agency: agency.clone(),
                contact: contact(&agency),
                tlp,
            });
            own.mine
                .entry(p.value)
                .or_default()
                .push((selector, agency, tlp));
        }
    }

    fn add_peer(&self, node: &str, page: PseudonymPage) -> usize {
        let own = self.own.read();
        let mut peers = self.peers.write();
        let mut hits = self.hits.write();
        let list = peers.entry(node.to_owned()).or_default();
        if list.epoch != page.epoch || list.instance != page.instance {
            *list = PeerList {
                epoch: page.epoch,
                instance: page.instance.clone(),
                ..PeerList::default()
            };
            hits.retain(|h| h.node != node);
        }
        let n = page.items.len();
        for theirs in page.items {
            if page.epoch == own.epoch {
                for (selector, agency, tlp) in own.mine.get(&theirs.pseudonym).into_iter().flatten()
                {
                    add_hit(&mut hits, hit(selector, agency, *tlp, node, &theirs));
                }
            }
            list.by_pseudonym
                .entry(theirs.pseudonym.clone())
                .or_default()
                .push(theirs);
        }
        list.next = page.next;
        n
    }

    /// Where a pull of a peer's list resumes: its offset, when the list
    /// pulled so far is of this epoch and of the peer's current instance.
    fn resume(&self, node: &str, epoch: u32) -> (usize, String) {
        self.peers
            .read()
            .get(node)
            .filter(|l| l.epoch == epoch)
            .map_or((0, String::new()), |l| (l.next, l.instance.clone()))
    }

    /// Forgets what was pulled of a peer (its list started over).
    fn forget_peer(&self, node: &str) {
        self.peers.write().remove(node);
        self.hits.write().retain(|h| h.node != node);
    }

    /// Starts over under a new epoch: everything is pseudonymised again.
    fn restart(&self, epoch: u32) {
        *self.own.write() = Own {
            epoch,
            instance: crate::auth::random_id(),
            ..Own::default()
        };
        self.peers.write().clear();
        self.hits.write().clear();
    }
}

/// Adds a hit once: the same pair told twice is one hit.
fn add_hit(hits: &mut HashSet<FederationHit>, h: FederationHit) {
    hits.insert(h);
}

fn hit(selector: &str, agency: &str, tlp: Tlp, node: &str, theirs: &Published) -> FederationHit {
    FederationHit {
        selector: selector.to_owned(),
        agency: agency.to_owned(),
        tlp,
        node: node.to_owned(),
        peer_agency: theirs.agency.clone(),
        contact: theirs.contact.clone(),
        peer_tlp: theirs.tlp,
    }
}

/// One round: follow the key epoch, pseudonymise what the store holds
/// that is new, pull what peers published since the last round.
pub async fn round(state: &Shared, federation: &Federation) -> anyhow::Result<()> {
    let Some(config) = &federation.config else {
        return Ok(());
    };
    let Some(matching) = &config.matching else {
        return Ok(());
    };
    let epochs: Epochs = federation
        .http
        .get(matching.endpoint("/match/v1/epochs"))
        .bearer_auth(&matching.token)
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    let m = &federation.matching;
    if epochs.current != m.epoch() {
        tracing::info!(
            epoch = epochs.current,
            "pseudonymising under a new key epoch"
        );
        m.restart(epochs.current);
    }
    pseudonymise_new(state, federation, matching, epochs.current).await?;
    for peer in &config.peers {
        if let Err(e) = pull_peer(federation, peer, epochs.current).await {
            tracing::warn!(peer = %peer.node, "pseudonyms not pulled: {e}");
        }
    }
    Ok(())
}

async fn pseudonymise_new(
    state: &Shared,
    federation: &Federation,
    matching: &MatchingConfig,
    epoch: u32,
) -> anyhow::Result<()> {
    let m = &federation.matching;
    loop {
        let after = m.own.read().after;
        let postings = state.store.postings_after(after, FETCH).await?;
        let Some(last) = postings.last().map(|p| p.posting.seq) else {
            return Ok(());
        };
        let mut todo: Vec<(String, String, Tlp)> = Vec::new();
        {
            let own = m.own.read();
            let mut fresh = HashSet::new();
            for p in postings {
                // Names are fuzzy: they never make an exact hit, here
                // neither; what is published is the access rules' to say.
                let fuzzy = p.selector.starts_with("name:") || p.selector.starts_with("company:");
                if fuzzy
                    || !access::matched_blindly(access::Marked::of_posting(&p.posting))
                    || !state.owned_here(&p.posting.agency)
                {
                    continue;
                }
                let key = (p.selector, p.posting.agency, p.posting.tlp);
                if !own.seen.contains(&key) && fresh.insert(key.clone()) {
                    todo.push(key);
                }
            }
        }
        // Marked as seen once evaluated (in add_own): a refused or failed
        // batch is asked for again next round.
        for chunk in todo.chunks(MAX_BATCH) {
            let made = evaluate(federation, matching, chunk, epoch).await?;
            m.add_own(made, |agency| {
                state
                    .directory
                    .get(agency)
                    .map(|a| a.contact)
                    .unwrap_or_default()
            });
        }
        m.own.write().after = last;
    }
}

/// The OPRF protocol for one batch: blind here, evaluate at the service,
/// finalize here.
async fn evaluate(
    federation: &Federation,
    matching: &MatchingConfig,
    chunk: &[(String, String, Tlp)],
    epoch: u32,
) -> anyhow::Result<Vec<((String, String, Tlp), Pseudonym)>> {
    let selectors: Vec<String> = chunk.iter().map(|(s, _, _)| s.clone()).collect();
    let (pending, blinded) = tokio::task::spawn_blocking(move || oprf::blind(&selectors)).await??;
    let answer: EvaluateResponse = federation
        .http
        .post(matching.endpoint("/match/v1/evaluate"))
        .bearer_auth(&matching.token)
        .json(&EvaluateRequest {
            epoch: Some(epoch),
            blinded,
        })
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    let pseudonyms =
        tokio::task::spawn_blocking(move || pending.finalize(&answer.evaluated, answer.epoch))
            .await??;
    Ok(chunk.iter().cloned().zip(pseudonyms).collect())
}

async fn pull_peer(
    federation: &Federation,
    peer: &cordon_federation::config::PeerConfig,
    epoch: u32,
) -> anyhow::Result<()> {
    loop {
        let (after, instance) = federation.matching.resume(&peer.node, epoch);
        let response = federation
            .http
            .get(format!(
                "{}/federation/v1/pseudonyms",
                peer.url.trim_end_matches('/')
            ))
            .query(&[("epoch", epoch.to_string()), ("after", after.to_string())])
            .bearer_auth(&peer.token)
            .send()
            .await?;
        if response.status() == reqwest::StatusCode::CONFLICT {
            // The peer has not reached this epoch yet: next round.
            return Ok(());
        }
        let page: PseudonymPage = response.error_for_status()?.json().await?;
        if page.node != peer.node {
            anyhow::bail!("the peer at {} says it is node {}", peer.url, page.node);
        }
        if after > 0 && page.instance != instance {
            // The peer's list started over (it restarted, or another of its
            // replicas leads): pull it again from its start.
            federation.matching.forget_peer(&peer.node);
            continue;
        }
        if federation.matching.add_peer(&peer.node, page) == 0 {
            return Ok(());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn made(
        selector: &str,
        agency: &str,
        tlp: Tlp,
        value: &str,
    ) -> ((String, String, Tlp), Pseudonym) {
        (
            (selector.to_owned(), agency.to_owned(), tlp),
            Pseudonym {
                epoch: 1,
                value: value.to_owned(),
            },
        )
    }

    fn theirs(value: &str, agency: &str) -> Published {
        Published {
            pseudonym: value.to_owned(),
            agency: agency.to_owned(),
            contact: format!("desk@{agency}"),
            tlp: Tlp::Red,
        }
    }

    fn page(items: Vec<Published>, epoch: u32, next: usize) -> PseudonymPage {
        PseudonymPage {
            node: "KE".into(),
            epoch,
            instance: "ke-1".into(),
            items,
            next,
        }
    }

    #[test]
    fn a_hit_is_found_whichever_side_arrives_first() {
        let m = Matching::default();
        m.restart(1);
        // Ours first, then the peer's.
        m.add_own(vec![made("phone:+1", "TH-DSI", Tlp::Red, "aa")], |a| {
            format!("desk@{a}")
        });
        assert!(m.hits_of("TH-DSI").is_empty());
        m.add_peer(
            "KE",
            page(vec![theirs("aa", "KE-DCI"), theirs("bb", "KE-DCI")], 1, 2),
        );
        // The peer's first, then ours.
        m.add_own(vec![made("phone:+2", "TH-AMLO", Tlp::Amber, "bb")], |a| {
            format!("desk@{a}")
        });
        let hits = m.hits_of("TH-DSI");
        assert_eq!(hits.len(), 1);
        assert_eq!(
            (
                hits[0].selector.as_str(),
                hits[0].peer_agency.as_str(),
                hits[0].contact.as_str()
            ),
            ("phone:+1", "KE-DCI", "desk@KE-DCI")
        );
        assert_eq!(m.hits_of("TH-AMLO")[0].selector, "phone:+2");
        // Each agency sees its own hits only.
        assert!(m.hits_of("KE-DCI").is_empty());
        // The same page told twice is the same hits.
        m.add_peer("KE", page(vec![theirs("aa", "KE-DCI")], 1, 3));
        assert_eq!(m.hits_of("TH-DSI").len(), 1);
        // The peer's list started over: what was pulled of it is forgotten
        // until it is pulled again.
        let mut again = page(vec![theirs("bb", "KE-DCI")], 1, 1);
        again.instance = "ke-2".into();
        m.add_peer("KE", again);
        assert!(m.hits_of("TH-DSI").is_empty());
        assert_eq!(m.hits_of("TH-AMLO").len(), 1);
        assert_eq!(m.resume("KE", 1), (1, "ke-2".to_owned()));
    }

    #[test]
    fn what_a_node_publishes_pages_by_offset_within_its_epoch() {
        let m = Matching::default();
        m.restart(3);
        let three: Vec<_> = ["a", "b", "c"]
            .iter()
            .map(|v| {
                let (k, mut p) = made(v, "TH-DSI", Tlp::Red, v);
                p.epoch = 3;
                (k, p)
            })
            .collect();
        m.add_own(three, |_| "desk".into());
        let first = m.page("TH", 3, 0, 2).unwrap();
        assert_eq!(first.items.len(), 2);
        assert_eq!(first.next, 2);
        let rest = m.page("TH", 3, first.next, 2).unwrap();
        assert_eq!(rest.items[0].pseudonym, "c");
        assert!(m.page("TH", 3, 3, 2).unwrap().items.is_empty());
        // Another epoch is not served: the peer must follow the service.
        assert!(m.page("TH", 2, 0, 2).is_none());
        // The published entries carry the holder and marking, nothing else.
        assert_eq!(first.items[0].agency, "TH-DSI");
        assert_eq!(first.items[0].tlp, Tlp::Red);
    }

    #[test]
    fn a_new_epoch_forgets_every_pseudonym_and_hit() {
        let m = Matching::default();
        m.restart(1);
        m.add_own(vec![made("phone:+1", "TH-DSI", Tlp::Red, "aa")], |_| {
            String::new()
        });
        m.add_peer("KE", page(vec![theirs("aa", "KE-DCI")], 1, 1));
        assert_eq!(m.hits_of("TH-DSI").len(), 1);
        m.restart(2);
        assert_eq!((m.epoch(), m.published()), (2, 0));
        assert!(m.hits_of("TH-DSI").is_empty());
        // A pseudonym of the old epoch is never compared with the new.
        m.add_own(vec![made("phone:+1", "TH-DSI", Tlp::Red, "aa")], |_| {
            String::new()
        });
        assert_eq!(m.published(), 0);
    }
}
