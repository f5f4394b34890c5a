//! The in-memory hit index: canonical selector text to the current revisions
//! of the reports holding it, so that hit/no-hit answers never touch SQL.
//!
//! The layout is chosen for the large simulated world (1,000,000 reports,
//! over 3,000,000 distinct selectors, most of them held by a single report),
//! where the budget is 100 bytes per distinct selector plus the postings:
//!
//! - Selector texts (and report ids) live in one arena of 1 MiB chunks, each
//!   text behind its length, and are named by their `u32` position there:
//!   no `String` header or allocation per text.
//! - The selector table holds 8-byte entries (text position, postings)
//!   directly in a `hashbrown::HashTable` hashed by the text. A selector held
//!   by one report keeps that report's slot inline; only a selector held by
//!   several reports owns a list.
//! - Report metadata is kept once per report (40 bytes), not once per
//!   posting, with the agency interned as a `u16` and the recipient list
//!   shared by every report carrying the same list. A report keeps the text
//!   positions of its selectors (4 bytes a posting) so that a revision can
//!   take back the postings of the selectors it dropped.
//!
//! A selector thus costs its text plus 10 to 20 bytes of table (hashbrown's
//! load factor ranges over 7/16 to 7/8), and a posting 4 bytes;
//! [`IndexStats::heap_bytes`] adds up the capacity of every allocation the
//! index owns. Hits of one selector come in ascending `seq`, the order of
//! `Store::postings`.
//!
//! A selector's text stays in the index after its last report dropped it,
//! as the store keeps it in its selector table: texts are never moved, so a
//! selector that comes back finds its entry, and nothing needs compacting.

use std::fmt;
use std::hash::BuildHasher;

use chrono::{DateTime, Utc};
use cordon_core::{Selector, Tlp};
use cordon_store::{Posting, SelectorPosting, Store, StoreError, StoredReport};
use hashbrown::hash_table::Entry;
use hashbrown::{DefaultHashBuilder, HashTable};

/// Reports read per page by [`load`]: few enough round trips that the read
/// itself dominates, and small enough (some 200,000 postings) that holding
/// two pages, one being indexed while the next is read, costs little.
pub const LOAD_PAGE: u32 = 50_000;

/// A current report revision as the index keeps it: what the access check and
/// the hit answer need, nothing of the content.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IndexedReport<'a> {
    pub seq: i64,
    pub agency: &'a str,
    pub report_id: &'a str,
    pub tlp: Tlp,
    pub recipients: &'a [String],
    pub hit_notification: bool,
    pub received: DateTime<Utc>,
}

impl<'a> From<&'a Posting> for IndexedReport<'a> {
    fn from(p: &'a Posting) -> Self {
        IndexedReport {
            seq: p.seq,
            agency: &p.agency,
            report_id: &p.report_id,
            tlp: p.tlp,
            recipients: &p.recipients,
            hit_notification: p.hit_notification,
            received: p.received,
        }
    }
}

/// One current report holding a looked-up selector, borrowed from the index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hit<'a> {
    pub seq: i64,
    pub agency: &'a str,
    pub report_id: &'a str,
    pub tlp: Tlp,
    pub recipients: &'a [String],
    pub hit_notification: bool,
    pub received: DateTime<Utc>,
}

impl From<Hit<'_>> for Posting {
    fn from(h: Hit<'_>) -> Self {
        Posting {
            seq: h.seq,
            agency: h.agency.to_owned(),
            report_id: h.report_id.to_owned(),
            tlp: h.tlp,
            recipients: h.recipients.to_vec(),
            hit_notification: h.hit_notification,
            received: h.received,
        }
    }
}

/// What the index holds and what it costs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct IndexStats {
    /// Distinct selectors held by at least one current report.
    pub selectors: u64,
    /// Reports known, each by its current revision (those without selectors
    /// included: they still fix the newest `seq` seen).
    pub reports: u64,
    /// (selector, report) pairs.
    pub postings: u64,
    /// Capacity of every allocation the index owns, in bytes (allocator
    /// overhead per allocation not included).
    pub heap_bytes: u64,
}

/// Selector → current reports holding it. `Send + Sync`; writers need
/// `&mut`, so the server wraps it in a read-write lock.
pub struct HitIndex {
    hasher: DefaultHashBuilder,
    texts: Texts,
    selectors: HashTable<SelectorEntry>,
    lists: PostingLists,
    reports: Vec<ReportMeta>,
    /// Report slots, hashed by (agency id, report id).
    report_slots: HashTable<u32>,
    links: Links,
    agencies: Vec<String>,
    agency_ids: HashTable<u16>,
    recipient_lists: Vec<Box<[String]>>,
    recipient_ids: HashTable<u32>,
    live_selectors: u64,
    newest_seq: Option<i64>,
}

/// A selector: its text position and its postings, encoded as
/// [`NO_POSTING`], one report slot, or [`LIST`] | an index into
/// [`PostingLists`].
#[derive(Debug, Clone, Copy)]
struct SelectorEntry {
    text: u32,
    postings: u32,
}

/// `SelectorEntry::postings` of a selector no current report holds.
const NO_POSTING: u32 = u32::MAX;
/// Set in `SelectorEntry::postings` when the rest indexes a posting list;
/// clear when it is the one holding report's slot. Report slots and list
/// indices stay below it (list indices also below `NO_POSTING & !LIST`).
const LIST: u32 = 1 << 31;

#[derive(Debug, Clone, Copy)]
struct ReportMeta {
    seq: i64,
    received: DateTime<Utc>,
    /// Position of the report id in the text arena.
    id: u32,
    /// Index into `HitIndex::recipient_lists`.
    recipients: u32,
    /// The text positions of the report's selectors are
    /// `links.pool[links..links + link_count]`.
    links: u32,
    link_count: u32,
    agency: u16,
    tlp: Tlp,
    hit_notification: bool,
}

// The memory budget rests on these sizes.
const _: () = assert!(size_of::<SelectorEntry>() == 8);
const _: () = assert!(size_of::<ReportMeta>() == 40);

impl Default for HitIndex {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for HitIndex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The contents are far too large to print.
        f.debug_struct("HitIndex")
            .field("stats", &self.stats())
            .field("newest_seq", &self.newest_seq)
            .finish_non_exhaustive()
    }
}

impl HitIndex {
    pub fn new() -> Self {
        HitIndex {
            hasher: DefaultHashBuilder::default(),
            texts: Texts::default(),
            selectors: HashTable::new(),
            lists: PostingLists::default(),
            reports: Vec::new(),
            report_slots: HashTable::new(),
            links: Links::default(),
            agencies: Vec::new(),
            agency_ids: HashTable::new(),
            recipient_lists: Vec::new(),
            recipient_ids: HashTable::new(),
            live_selectors: 0,
            newest_seq: None,
        }
    }

    /// Makes `selectors` the selectors of report (agency, report_id) with
    /// this metadata, replacing what the index held for that report
    /// (selectors a revision dropped lose its posting), if `report.seq` is
    /// newer than what the index holds for it. An older or equal `seq` is
    /// ignored, so replays are idempotent and their order does not matter.
    /// A selector listed twice is posted once. Returns whether it applied.
    ///
    /// # Panics
    ///
    /// Past the index's capacity: 2^31 reports, 2^31 selectors held by more
    /// than one report, 2^32 postings, 65,536 agencies, 4 GiB of selector
    /// and report id text (the large world uses at most 4% of any).
    pub fn put<'s>(
        &mut self,
        report: &IndexedReport<'_>,
        selectors: impl IntoIterator<Item = &'s str>,
    ) -> bool {
        let agency = self.agency_id(report.agency);
        let hash = self.hasher.hash_one((agency, report.report_id));
        let (reports, texts) = (&self.reports, &self.texts);
        let found = self
            .report_slots
            .find(hash, |&slot| {
                let r = &reports[slot as usize];
                r.agency == agency && texts.get(r.id) == report.report_id
            })
            .copied();
        if let Some(slot) = found {
            if self.reports[slot as usize].seq >= report.seq {
                return false;
            }
            self.unlink(slot);
        }
        let meta = ReportMeta {
            seq: report.seq,
            received: report.received,
            id: match found {
                Some(slot) => self.reports[slot as usize].id,
                None => self.texts.push(report.report_id),
            },
            recipients: self.recipient_id(report.recipients),
            links: u32::try_from(self.links.pool.len())
                .expect("the hit index holds at most 2^32 postings"),
            link_count: 0,
            agency,
            tlp: report.tlp,
            hit_notification: report.hit_notification,
        };
        let slot = match found {
            Some(slot) => {
                self.reports[slot as usize] = meta;
                slot
            }
            None => {
                let slot = u32::try_from(self.reports.len())
                    .ok()
                    .filter(|&s| s < LIST)
                    .expect("the hit index holds at most 2^31 reports");
                self.reports.push(meta);
                let (reports, texts, hasher) = (&self.reports, &self.texts, &self.hasher);
                self.report_slots.insert_unique(hash, slot, |&s| {
                    let r = &reports[s as usize];
                    hasher.hash_one((r.agency, texts.get(r.id)))
                });
                slot
            }
        };
        for text in selectors {
            self.link(slot, text);
        }
        self.newest_seq = self.newest_seq.max(Some(report.seq));
        if self.links.wants_compaction() {
            self.links.compact(&mut self.reports);
        }
        true
    }

    /// [`put`](Self::put) of a stored revision. Its `received` is the
    /// report's own, or its acceptance time when it has none, as the store
    /// keeps it.
    pub fn put_stored(&mut self, r: &StoredReport) -> bool {
        let marking = &r.report.marking;
        let report = IndexedReport {
            seq: r.seq,
            agency: &r.agency,
            report_id: &r.report.id,
            tlp: marking.tlp,
            recipients: &marking.recipients,
            hit_notification: marking.hit_notification,
            received: r.report.received.unwrap_or(r.accepted),
        };
        self.put(&report, r.report.selectors.iter().map(Selector::as_str))
    }

    /// Puts postings as `Store::postings_after` gives them: consecutive
    /// postings with one `seq` are one report's. Returns how many reports
    /// applied.
    pub fn put_postings(&mut self, postings: &[SelectorPosting]) -> usize {
        let mut applied = 0;
        for report in postings.chunk_by(|a, b| a.posting.seq == b.posting.seq) {
            let meta = IndexedReport::from(&report[0].posting);
            if self.put(&meta, report.iter().map(|p| p.selector.as_str())) {
                applied += 1;
            }
        }
        applied
    }

    /// The current reports holding `selector`, in ascending `seq`; none when
    /// the selector is unknown. Reversible (`.rev()` gives newest first) and
    /// counted (`.len()`).
    pub fn lookup<'a>(
        &'a self,
        selector: &str,
    ) -> impl ExactSizeIterator<Item = Hit<'a>> + DoubleEndedIterator + use<'a> {
        self.lookup_slots(selector).map(|(_, hit)| hit)
    }

    /// [`HitIndex::lookup`] with each report's slot, which names it to
    /// [`HitIndex::selectors_of`] while the index is borrowed (a graph walk).
    pub fn lookup_slots<'a>(
        &'a self,
        selector: &str,
    ) -> impl ExactSizeIterator<Item = (u32, Hit<'a>)> + DoubleEndedIterator + use<'a> {
        let hash = self.hasher.hash_one(selector);
        let slots = match self
            .selectors
            .find(hash, |e| self.texts.get(e.text) == selector)
        {
            Some(entry) => self.lists.slots(&entry.postings),
            None => &[],
        };
        slots.iter().map(move |&slot| (slot, self.hit(slot)))
    }

    /// The selectors of the report in `slot`, as [`HitIndex::lookup_slots`]
    /// gave it.
    pub fn selectors_of(&self, slot: u32) -> impl ExactSizeIterator<Item = &str> + '_ {
        let r = &self.reports[slot as usize];
        let start = r.links as usize;
        self.links.pool[start..start + r.link_count as usize]
            .iter()
            .map(move |&position| self.texts.get(position))
    }

    /// The highest `seq` applied so far: a catch-up after [`load`] reads
    /// `Store::postings_after` from here.
    pub fn newest_seq(&self) -> Option<i64> {
        self.newest_seq
    }

    pub fn stats(&self) -> IndexStats {
        IndexStats {
            selectors: self.live_selectors,
            reports: self.reports.len() as u64,
            postings: (self.links.pool.len() - self.links.garbage) as u64,
            heap_bytes: self.heap_bytes() as u64,
        }
    }

    fn heap_bytes(&self) -> usize {
        let strings = |v: &[String]| v.iter().map(String::capacity).sum::<usize>();
        self.texts.heap_bytes()
            + self.selectors.allocation_size()
            + self.lists.heap_bytes()
            + self.reports.capacity() * size_of::<ReportMeta>()
            + self.report_slots.allocation_size()
            + self.links.pool.capacity() * size_of::<u32>()
            + self.agencies.capacity() * size_of::<String>()
            + strings(&self.agencies)
            + self.agency_ids.allocation_size()
            + self.recipient_lists.capacity() * size_of::<Box<[String]>>()
            + self
                .recipient_lists
                .iter()
                .map(|l| l.len() * size_of::<String>() + strings(l))
                .sum::<usize>()
            + self.recipient_ids.allocation_size()
    }

    fn hit(&self, slot: u32) -> Hit<'_> {
        let r = &self.reports[slot as usize];
        Hit {
            seq: r.seq,
            agency: &self.agencies[usize::from(r.agency)],
            report_id: self.texts.get(r.id),
            tlp: r.tlp,
            recipients: &self.recipient_lists[r.recipients as usize],
            hit_notification: r.hit_notification,
            received: r.received,
        }
    }

    /// Takes the report's postings off all its selectors. Runs before the
    /// report's `seq` changes: posting lists are ordered by it.
    fn unlink(&mut self, slot: u32) {
        let meta = self.reports[slot as usize];
        let start = meta.links as usize;
        for &position in &self.links.pool[start..start + meta.link_count as usize] {
            let hash = self.hasher.hash_one(self.texts.get(position));
            // One entry per text, so the position identifies it.
            let entry = self
                .selectors
                .find_mut(hash, |e| e.text == position)
                .expect("a report's selectors are in the selector table");
            let removed = self.lists.remove(&mut entry.postings, slot, &self.reports);
            debug_assert!(removed, "a report's selectors hold its posting");
            if entry.postings == NO_POSTING {
                self.live_selectors -= 1;
            }
        }
        self.links.garbage += meta.link_count as usize;
    }

    /// Posts the report on one selector and records the link, unless the
    /// selector already holds it (listed twice).
    fn link(&mut self, slot: u32, text: &str) {
        let hash = self.hasher.hash_one(text);
        let (texts, hasher) = (&self.texts, &self.hasher);
        let entry = self.selectors.entry(
            hash,
            |e| texts.get(e.text) == text,
            |e| hasher.hash_one(texts.get(e.text)),
        );
        let position = match entry {
            Entry::Occupied(mut occupied) => {
                let e = occupied.get_mut();
                let was_empty = e.postings == NO_POSTING;
                if !self.lists.add(&mut e.postings, slot, &self.reports) {
                    return;
                }
                if was_empty {
                    self.live_selectors += 1;
                }
                e.text
            }
            Entry::Vacant(vacant) => {
                let position = self.texts.push(text);
                vacant.insert(SelectorEntry {
                    text: position,
                    postings: slot,
                });
                self.live_selectors += 1;
                position
            }
        };
        self.links.pool.push(position);
        self.reports[slot as usize].link_count += 1;
    }

    fn agency_id(&mut self, agency: &str) -> u16 {
        let hash = self.hasher.hash_one(agency);
        let agencies = &self.agencies;
        if let Some(&id) = self
            .agency_ids
            .find(hash, |&id| agencies[usize::from(id)] == agency)
        {
            return id;
        }
        let id = u16::try_from(self.agencies.len())
            .expect("the hit index holds at most 65,536 agencies");
        self.agencies.push(agency.to_owned());
        let (agencies, hasher) = (&self.agencies, &self.hasher);
        self.agency_ids.insert_unique(hash, id, |&id| {
            hasher.hash_one(agencies[usize::from(id)].as_str())
        });
        id
    }

    /// Interns a recipient list: reports of one sharing arrangement carry the
    /// same list, and each would otherwise own a copy.
    fn recipient_id(&mut self, recipients: &[String]) -> u32 {
        let hash = self.hasher.hash_one(recipients);
        let lists = &self.recipient_lists;
        if let Some(&id) = self
            .recipient_ids
            .find(hash, |&id| *lists[id as usize] == *recipients)
        {
            return id;
        }
        let id =
            u32::try_from(self.recipient_lists.len()).expect("fewer recipient lists than reports");
        self.recipient_lists.push(recipients.into());
        let (lists, hasher) = (&self.recipient_lists, &self.hasher);
        self.recipient_ids.insert_unique(hash, id, |&id| {
            hasher.hash_one::<&[String]>(&lists[id as usize])
        });
        id
    }
}

/// Rebuilds the index from the store page by page with
/// `Store::postings_after` ([`LOAD_PAGE`] reports a page). `progress` is
/// called after each page with the number of postings loaded so far.
pub async fn load(
    store: &dyn Store,
    progress: &(dyn Fn(u64) + Sync),
) -> cordon_store::Result<HitIndex> {
    load_paged(store, LOAD_PAGE, progress).await
}

async fn load_paged(
    store: &dyn Store,
    page_size: u32,
    progress: &(dyn Fn(u64) + Sync),
) -> cordon_store::Result<HitIndex> {
    let mut index = HitIndex::new();
    let mut loaded = 0;
    let mut page = store.postings_after(0, page_size).await?;
    while let Some(last) = page.last() {
        let after = last.posting.seq;
        loaded += page.len() as u64;
        // Indexing a page overlaps reading the next one, which the store does
        // on its own threads; indexing runs on the blocking pool (tens of
        // milliseconds a page) so that the runtime's workers stay free.
        let build = tokio::task::spawn_blocking(move || {
            index.put_postings(&page);
            index
        });
        let (next, built) = tokio::join!(store.postings_after(after, page_size), build);
        index = match built {
            Ok(index) => index,
            Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
            Err(e) => {
                return Err(StoreError::Backend(format!(
                    "the hit index build was cancelled: {e}"
                )));
            }
        };
        progress(loaded);
        page = next?;
    }
    Ok(index)
}

/// Bits of a text position that address a byte within its chunk.
const CHUNK_BITS: u32 = 20;
/// A full chunk: large enough that chunk headers and the unused tail of each
/// chunk are noise, small enough that no growth copies much.
const CHUNK: usize = 1 << CHUNK_BITS;
/// The first chunk starts this small and doubles up to `CHUNK`, so that a
/// small index stays small.
const FIRST_CHUNK: usize = 4 << 10;
const MAX_CHUNKS: usize = 1 << (32 - CHUNK_BITS);

/// Append-only text arena. A text is stored behind its length and named by
/// its position: chunk index in the high bits, byte offset in the low ones.
/// Chunks are `String`s so that [`Texts::get`] hands out `&str` without
/// validating UTF-8 again (`unsafe` is not an option), which is why lengths
/// are written in ASCII: 6 bits a byte, bit 6 set when more bytes follow.
#[derive(Debug, Default)]
struct Texts {
    chunks: Vec<String>,
}

impl Texts {
    fn push(&mut self, text: &str) -> u32 {
        let need = prefix_len(text.len()) + text.len();
        let fits = self.chunks.last().is_some_and(|c| c.len() + need <= CHUNK);
        if !fits {
            assert!(
                self.chunks.len() < MAX_CHUNKS,
                "the hit index holds at most 4 GiB of selector and report id text"
            );
            let size = if self.chunks.is_empty() {
                FIRST_CHUNK
            } else {
                CHUNK
            };
            // A text longer than a chunk gets a chunk of its own: a position
            // addresses only where a text starts.
            self.chunks.push(String::with_capacity(size.max(need)));
        }
        let index = self.chunks.len() - 1;
        let chunk = &mut self.chunks[index];
        let offset = chunk.len();
        if offset + need > chunk.capacity() {
            // Only the first chunk grows; later ones are allocated whole.
            let target = (chunk.capacity() * 2).max(offset + need).min(CHUNK);
            chunk.reserve_exact(target - offset);
        }
        write_prefix(chunk, text.len());
        chunk.push_str(text);
        ((index as u32) << CHUNK_BITS) | offset as u32
    }

    fn get(&self, position: u32) -> &str {
        let chunk = &self.chunks[(position >> CHUNK_BITS) as usize];
        let (len, start) = read_prefix(chunk.as_bytes(), position as usize & (CHUNK - 1));
        &chunk[start..start + len]
    }

    fn heap_bytes(&self) -> usize {
        self.chunks.capacity() * size_of::<String>()
            + self.chunks.iter().map(String::capacity).sum::<usize>()
    }
}

fn prefix_len(mut len: usize) -> usize {
    let mut bytes = 1;
    while len >= 64 {
        len >>= 6;
        bytes += 1;
    }
    bytes
}

fn write_prefix(chunk: &mut String, mut len: usize) {
    while len >= 64 {
        chunk.push(char::from(0x40 | (len & 0x3f) as u8));
        len >>= 6;
    }
    chunk.push(char::from(len as u8));
}

/// The length at `at` and where the text after it starts.
fn read_prefix(bytes: &[u8], mut at: usize) -> (usize, usize) {
    let mut len = 0;
    let mut shift = 0;
    loop {
        let byte = bytes[at];
        at += 1;
        len |= usize::from(byte & 0x3f) << shift;
        if byte & 0x40 == 0 {
            return (len, at);
        }
        shift += 6;
    }
}

/// Posting lists of the selectors held by more than one report, each in
/// ascending (seq, slot). Freed lists are reused.
#[derive(Debug, Default)]
struct PostingLists {
    lists: Vec<Vec<u32>>,
    free: Vec<u32>,
    /// Capacity of the lists' buffers in bytes, kept up to date so that
    /// `stats` need not walk them.
    heap: usize,
}

/// The order of a posting list. The slot breaks ties, which only callers
/// reusing a `seq` for two reports can cause.
fn order(reports: &[ReportMeta], slot: u32) -> (i64, u32) {
    (reports[slot as usize].seq, slot)
}

impl PostingLists {
    fn slots<'a>(&'a self, postings: &'a u32) -> &'a [u32] {
        match *postings {
            NO_POSTING => &[],
            many if many & LIST != 0 => &self.lists[(many & !LIST) as usize],
            _ => std::slice::from_ref(postings),
        }
    }

    /// Adds the slot unless the postings hold it already.
    fn add(&mut self, postings: &mut u32, slot: u32, reports: &[ReportMeta]) -> bool {
        match *postings {
            NO_POSTING => *postings = slot,
            one if one & LIST == 0 => {
                if one == slot {
                    return false;
                }
                let list = if order(reports, one) < order(reports, slot) {
                    vec![one, slot]
                } else {
                    vec![slot, one]
                };
                self.heap += list.capacity() * size_of::<u32>();
                let index = match self.free.pop() {
                    Some(index) => {
                        self.lists[index as usize] = list;
                        index
                    }
                    None => {
                        let index = u32::try_from(self.lists.len())
                            .ok()
                            .filter(|&i| i < NO_POSTING & !LIST)
                            .expect("the hit index holds at most 2^31 shared selectors");
                        self.lists.push(list);
                        index
                    }
                };
                *postings = LIST | index;
            }
            many => {
                let list = &mut self.lists[(many & !LIST) as usize];
                let new = order(reports, slot);
                // Reports mostly arrive in ingest order: an append.
                let at = match list.last() {
                    Some(&last) if order(reports, last) < new => list.len(),
                    _ => match list.binary_search_by_key(&new, |&s| order(reports, s)) {
                        Ok(_) => return false,
                        Err(at) => at,
                    },
                };
                let before = list.capacity();
                list.insert(at, slot);
                self.heap += (list.capacity() - before) * size_of::<u32>();
            }
        }
        true
    }

    /// Removes the slot; false when the postings did not hold it. A list left
    /// with one report goes back inline.
    fn remove(&mut self, postings: &mut u32, slot: u32, reports: &[ReportMeta]) -> bool {
        match *postings {
            NO_POSTING => false,
            one if one & LIST == 0 => {
                if one != slot {
                    return false;
                }
                *postings = NO_POSTING;
                true
            }
            many => {
                let index = many & !LIST;
                let list = &mut self.lists[index as usize];
                let Ok(at) =
                    list.binary_search_by_key(&order(reports, slot), |&s| order(reports, s))
                else {
                    return false;
                };
                list.remove(at);
                let before = list.capacity();
                if list.len() == 1 {
                    *postings = list[0];
                    self.lists[index as usize] = Vec::new();
                    self.free.push(index);
                    self.heap -= before * size_of::<u32>();
                } else if list.len() * 4 < before {
                    // A list its reports left gives the memory back.
                    list.shrink_to(list.len() * 2);
                    self.heap -= (before - list.capacity()) * size_of::<u32>();
                }
                true
            }
        }
    }

    fn heap_bytes(&self) -> usize {
        self.lists.capacity() * size_of::<Vec<u32>>()
            + self.heap
            + self.free.capacity() * size_of::<u32>()
    }
}

/// Every report's selector positions, one run per report. A revision appends
/// a new run and leaves the old one as garbage, collected once it is half the
/// pool: amortised constant time, no allocation per report.
#[derive(Debug, Default)]
struct Links {
    pool: Vec<u32>,
    garbage: usize,
}

impl Links {
    fn wants_compaction(&self) -> bool {
        // The floor keeps a small index from compacting on every revision.
        self.garbage > 4096 && self.garbage * 2 > self.pool.len()
    }

    fn compact(&mut self, reports: &mut [ReportMeta]) {
        let mut pool = Vec::with_capacity(self.pool.len() - self.garbage);
        for r in reports {
            let start = r.links as usize;
            let run = &self.pool[start..start + r.link_count as usize];
            // Fewer links than before: the new start fits.
            r.links = pool.len() as u32;
            pool.extend_from_slice(run);
        }
        self.pool = pool;
        self.garbage = 0;
    }
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};
    use std::sync::Mutex;

    use chrono::TimeDelta;
    use cordon_core::selector::normalize_one;
    use cordon_core::{Hint, Marking, Report, ReportKind};
    use cordon_store_sqlite::SqliteStore;
    use proptest::prelude::*;

    use super::*;

    fn time(seq: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_772_000_000 + seq * 3600, 0).expect("a valid time")
    }

    fn report<'a>(seq: i64, agency: &'a str, id: &'a str) -> IndexedReport<'a> {
        IndexedReport {
            seq,
            agency,
            report_id: id,
            tlp: Tlp::Amber,
            recipients: &[],
            hit_notification: true,
            received: time(seq),
        }
    }

    /// (seq, agency, report id) of each hit, in the index's order.
    fn hits(index: &HitIndex, selector: &str) -> Vec<(i64, String, String)> {
        index
            .lookup(selector)
            .map(|h| (h.seq, h.agency.to_owned(), h.report_id.to_owned()))
            .collect()
    }

    fn hit(seq: i64, agency: &str, id: &str) -> (i64, String, String) {
        (seq, agency.to_owned(), id.to_owned())
    }

    #[test]
    fn a_put_report_is_found_by_each_of_its_selectors() {
        let mut index = HitIndex::new();
        let recipients = vec!["GB-NCA".to_owned(), "TH-DSI".to_owned()];
        let r = IndexedReport {
            seq: 7,
            agency: "KH-NCB",
            report_id: "KH-NCB-0001",
            tlp: Tlp::AmberStrict,
            recipients: &recipients,
            hit_notification: false,
            received: time(3),
        };
        let selectors = ["phone:+85512345678", "telegram:@boss", "email:a@b.example"];
        assert!(index.put(&r, selectors));
        for s in selectors {
            let found: Vec<Hit<'_>> = index.lookup(s).collect();
            assert_eq!(
                found,
                [Hit {
                    seq: 7,
                    agency: "KH-NCB",
                    report_id: "KH-NCB-0001",
                    tlp: Tlp::AmberStrict,
                    recipients: &recipients,
                    hit_notification: false,
                    received: time(3),
                }],
                "{s}"
            );
        }
        assert_eq!(index.lookup("phone:+85599999999").len(), 0);
        assert_eq!(index.lookup("").len(), 0);
        let stats = index.stats();
        assert_eq!((stats.selectors, stats.reports, stats.postings), (3, 1, 3));
        assert_eq!(index.newest_seq(), Some(7));
    }

    #[test]
    fn an_unknown_selector_has_no_hits_in_an_empty_index() {
        let index = HitIndex::new();
        assert_eq!(index.lookup("phone:+85512345678").len(), 0);
        assert_eq!(
            index.stats(),
            IndexStats {
                heap_bytes: 0,
                ..IndexStats::default()
            }
        );
        assert_eq!(index.newest_seq(), None);
    }

    #[test]
    fn a_revision_replaces_the_selectors_of_its_report() {
        let mut index = HitIndex::new();
        assert!(index.put(&report(1, "KH-NCB", "r"), ["a:1", "b:2"]));
        assert!(index.put(&report(5, "KH-NCB", "r"), ["b:2", "c:3"]));
        assert!(hits(&index, "a:1").is_empty(), "dropped selector loses it");
        assert_eq!(hits(&index, "b:2"), [hit(5, "KH-NCB", "r")]);
        assert_eq!(hits(&index, "c:3"), [hit(5, "KH-NCB", "r")]);
        let stats = index.stats();
        assert_eq!((stats.selectors, stats.reports, stats.postings), (2, 1, 2));
        // A selector coming back finds its old entry.
        assert!(index.put(&report(6, "KH-NCB", "r"), ["a:1"]));
        assert_eq!(hits(&index, "a:1"), [hit(6, "KH-NCB", "r")]);
        assert!(hits(&index, "b:2").is_empty());
        // A revision without selectors keeps the report, with no postings.
        assert!(index.put(&report(9, "KH-NCB", "r"), []));
        let stats = index.stats();
        assert_eq!((stats.selectors, stats.reports, stats.postings), (0, 1, 0));
        assert!(!index.put(&report(8, "KH-NCB", "r"), ["a:1"]));
        assert!(hits(&index, "a:1").is_empty());
    }

    #[test]
    fn an_older_or_equal_seq_is_ignored() {
        let mut index = HitIndex::new();
        assert!(index.put(&report(5, "KH-NCB", "r"), ["a:1"]));
        assert!(!index.put(&report(3, "KH-NCB", "r"), ["b:2"]), "older");
        assert!(!index.put(&report(5, "KH-NCB", "r"), ["b:2"]), "equal");
        assert_eq!(hits(&index, "a:1"), [hit(5, "KH-NCB", "r")]);
        assert!(hits(&index, "b:2").is_empty());
        assert_eq!(index.newest_seq(), Some(5));
    }

    #[test]
    fn replays_are_idempotent_and_order_independent() {
        let revisions = [
            (report(2, "KH-NCB", "r"), vec!["a:1", "b:2"]),
            (report(4, "KH-NCB", "r"), vec!["b:2", "c:3"]),
            (report(3, "GB-NCA", "r"), vec!["b:2"]),
            (report(9, "KH-NCB", "r"), vec!["c:3", "d:4"]),
        ];
        let mut forward = HitIndex::new();
        for (r, s) in &revisions {
            forward.put(r, s.iter().copied());
        }
        let before = forward.stats();
        for (r, s) in &revisions {
            assert!(!forward.put(r, s.iter().copied()), "replay applies nothing");
        }
        assert_eq!(forward.stats(), before);

        let mut backward = HitIndex::new();
        for (r, s) in revisions.iter().rev() {
            backward.put(r, s.iter().copied());
        }
        for s in ["a:1", "b:2", "c:3", "d:4"] {
            assert_eq!(hits(&forward, s), hits(&backward, s), "{s}");
        }
        assert_eq!(
            hits(&forward, "b:2"),
            [hit(3, "GB-NCA", "r")],
            "same id, other agency: another report"
        );
        assert_eq!(hits(&forward, "c:3"), [hit(9, "KH-NCB", "r")]);
    }

    #[test]
    fn a_marking_change_reaches_the_hits() {
        let mut index = HitIndex::new();
        index.put(&report(1, "KH-NCB", "r"), ["a:1", "b:2"]);
        let recipients = vec!["TH-DSI".to_owned()];
        let revised = IndexedReport {
            tlp: Tlp::Red,
            recipients: &recipients,
            hit_notification: false,
            ..report(2, "KH-NCB", "r")
        };
        assert!(index.put(&revised, ["a:1", "b:2"]));
        for s in ["a:1", "b:2"] {
            let found: Vec<Hit<'_>> = index.lookup(s).collect();
            assert_eq!(found.len(), 1);
            assert_eq!(found[0].seq, 2);
            assert_eq!(found[0].tlp, Tlp::Red);
            assert_eq!(found[0].recipients, recipients.as_slice());
            assert!(!found[0].hit_notification);
        }
    }

    #[test]
    fn many_reports_share_a_selector_in_seq_order() {
        let mut index = HitIndex::new();
        let shared = "phone:+85512345678";
        let agencies = ["KH-NCB", "GB-NCA", "TH-DSI"];
        let ids: Vec<String> = (0..1000).map(|i| format!("r{i}")).collect();
        // Out of order, to exercise insertion inside lists.
        for i in (0..1000).rev().step_by(2).chain((0..1000).step_by(2)) {
            let own = format!("email:r{i}@x.example");
            let r = report(i as i64 + 1, agencies[i % 3], &ids[i]);
            assert!(index.put(&r, [shared, own.as_str()]));
        }
        let seqs: Vec<i64> = index.lookup(shared).map(|h| h.seq).collect();
        assert_eq!(seqs, (1..=1000).collect::<Vec<i64>>());
        assert_eq!(index.lookup(shared).next_back().map(|h| h.seq), Some(1000));
        assert_eq!(index.stats().selectors, 1001);
        assert_eq!(index.stats().postings, 2000);

        // Revising the oldest moves it to the end; dropping the selector
        // takes it off.
        let r0 = report(2000, agencies[0], &ids[0]);
        assert!(index.put(&r0, [shared]));
        assert_eq!(index.lookup(shared).last().map(|h| h.seq), Some(2000));
        assert_eq!(index.lookup(shared).next().map(|h| h.seq), Some(2));
        for i in 1..999 {
            let r = report(3000 + i as i64, agencies[i % 3], &ids[i]);
            assert!(index.put(&r, ["domain:elsewhere.example"]));
        }
        assert_eq!(
            hits(&index, shared),
            [hit(1000, "KH-NCB", "r999"), hit(2000, "KH-NCB", "r0")]
        );
        let r999 = report(5000, agencies[999 % 3], &ids[999]);
        assert!(index.put(&r999, []));
        assert_eq!(hits(&index, shared), [hit(2000, "KH-NCB", "r0")]);
        let r0 = report(5001, agencies[0], &ids[0]);
        assert!(index.put(&r0, []));
        assert!(hits(&index, shared).is_empty());
        assert_eq!(index.lookup("domain:elsewhere.example").len(), 998);
        // The shared list went back inline and then away: its buffer is
        // free for the next shared selector.
        assert!(index.put(&report(6000, "KH-NCB", "new"), [shared]));
        assert!(index.put(&report(6001, "GB-NCA", "new"), [shared]));
        assert_eq!(index.lookup(shared).len(), 2);
    }

    #[test]
    fn a_selector_listed_twice_is_posted_once() {
        let mut index = HitIndex::new();
        index.put(&report(1, "KH-NCB", "r"), ["a:1", "a:1", "b:2"]);
        index.put(&report(2, "KH-NCB", "s"), ["a:1", "b:2", "a:1"]);
        assert_eq!(index.lookup("a:1").len(), 2);
        assert_eq!(index.stats().postings, 4);
        index.put(&report(3, "KH-NCB", "s"), ["b:2"]);
        assert_eq!(hits(&index, "a:1"), [hit(1, "KH-NCB", "r")]);
    }

    #[test]
    fn identical_recipient_lists_are_shared() {
        let mut index = HitIndex::new();
        let a = vec!["GB-NCA".to_owned(), "TH-DSI".to_owned()];
        let b = a.clone();
        let r1 = IndexedReport {
            recipients: &a,
            ..report(1, "KH-NCB", "r1")
        };
        let r2 = IndexedReport {
            recipients: &b,
            ..report(2, "KH-NCB", "r2")
        };
        index.put(&r1, ["a:1"]);
        index.put(&r2, ["a:1"]);
        let found: Vec<Hit<'_>> = index.lookup("a:1").collect();
        assert!(std::ptr::eq(found[0].recipients, found[1].recipients));
        assert!(std::ptr::eq(found[0].agency, found[1].agency));
        assert_eq!(index.recipient_lists.len(), 1);
    }

    #[test]
    fn texts_of_every_length_come_back() {
        let mut texts = Texts::default();
        let long = "u".repeat(CHUNK + 5000);
        let mut stored = Vec::new();
        for i in 0..60_000usize {
            let text = match i % 1000 {
                0 => "x".repeat(63),
                1 => "y".repeat(64),
                2 => "ž".repeat(3000),
                3 if i == 20_003 => long.clone(),
                4 => String::new(),
                _ => format!("phone:+855{i:09}"),
            };
            stored.push((texts.push(&text), text));
        }
        assert!(texts.chunks.len() > 2, "{}", texts.chunks.len());
        for (position, text) in &stored {
            assert_eq!(texts.get(*position), text);
        }
    }

    #[test]
    fn stats_account_for_growth() {
        let mut index = HitIndex::new();
        let mut previous = index.stats();
        for i in 0..20_000i64 {
            let id = format!("KH-NCB-{i:08}");
            let a = format!("phone:+855{i:09}");
            let b = format!("email:victim{i}@example.com");
            index.put(&report(i + 1, "KH-NCB", &id), [a.as_str(), b.as_str()]);
            let stats = index.stats();
            assert!(stats.heap_bytes >= previous.heap_bytes);
            previous = stats;
        }
        let stats = index.stats();
        assert_eq!(
            (stats.selectors, stats.reports, stats.postings),
            (40_000, 20_000, 40_000)
        );
        let text: u64 = 20_000 * (16 + 20 + 28);
        let fixed = 20_000 * size_of::<ReportMeta>() as u64 + 40_000 * 12;
        assert!(stats.heap_bytes > text + fixed, "{stats:?}");
        assert!(stats.heap_bytes < 3 * (text + fixed), "{stats:?}");

        // Revisions leave garbage in the link pool, which compaction bounds.
        for seq in 0..50_000i64 {
            let a = format!("phone:+855{:09}", seq % 7);
            index.put(
                &report(100_000 + seq, "KH-NCB", "KH-NCB-00000000"),
                [a.as_str()],
            );
        }
        assert!(index.links.pool.len() < 2 * 40_000 + 8192);
        assert_eq!(index.stats().postings, 40_000 - 1);
        assert!(index.stats().heap_bytes < 2 * stats.heap_bytes);
    }

    /// A deterministic stream of realistic selectors: phones, emails,
    /// handles, URLs and crypto addresses, 18 to 48 bytes.
    fn synthetic_selector(i: u64) -> String {
        let h = i.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 20;
        match i % 5 {
            // A bijection of 0..10^9: phones never repeat.
            0 => format!("phone:+855{:09}", i * 7919 % 1_000_000_000),
            1 => format!("email:victim.{h:x}@mail.example.com"),
            2 => format!("telegram:@recruiter_{h:x}"),
            3 => format!("url:https://invest-{h:x}.example/login"),
            _ => format!("eth:0x{h:040x}"),
        }
    }

    #[test]
    fn single_posting_selectors_cost_under_100_bytes_each() {
        // The large world's mix: about 3.2 distinct selectors a report.
        let mut index = HitIndex::new();
        let mut texts = 0;
        let mut i = 0;
        for n in 0..62_500u64 {
            let id = format!("KH-NCB-{:08x}", n.wrapping_mul(0x2545_F491));
            let selectors: Vec<String> = (0..3 + n % 5 / 4)
                .map(|_| {
                    i += 1;
                    synthetic_selector(i)
                })
                .collect();
            texts += selectors.iter().map(String::len).sum::<usize>();
            let agency = ["KH-NCB", "GB-NCA", "TH-DSI"][n as usize % 3];
            index.put(
                &report(n as i64 + 1, agency, &id),
                selectors.iter().map(String::as_str),
            );
        }
        let stats = index.stats();
        assert_eq!(stats.selectors, i);
        assert!(stats.selectors >= 200_000, "{stats:?}");
        assert_eq!(stats.postings, stats.selectors, "one posting each");
        let mean_text = texts as f64 / stats.selectors as f64;
        assert!((20.0..40.0).contains(&mean_text), "{mean_text}");
        let per_selector = stats.heap_bytes as f64 / stats.selectors as f64;
        println!("{per_selector:.1} bytes/selector, {mean_text:.1} bytes of text");
        assert!(per_selector < 100.0, "{per_selector} bytes per selector");
    }

    #[test]
    fn the_index_can_be_shared_between_threads() {
        fn shareable<T: Send + Sync>() {}
        shareable::<HitIndex>();
    }

    // ---- model check ----

    const AGENCIES: [&str; 2] = ["KH-NCB", "GB-NCA"];
    const IDS: [&str; 4] = ["r1", "r2", "r3", "KH-NCB-sha256-0123456789abcdef"];
    const SELECTORS: [&str; 7] = [
        "phone:+85512345678",
        "telegram:@scamboss",
        "email:a@example.com",
        "url:https://invest-portal.example/register?ref=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        "name:ñandú pérez",
        "domain:x.example",
        "",
    ];

    #[derive(Debug, Clone)]
    struct Put {
        agency: usize,
        id: usize,
        seq: i64,
        tlp: Tlp,
        recipients: Vec<String>,
        hit_notification: bool,
        selectors: Vec<usize>,
    }

    impl Put {
        fn report(&self) -> IndexedReport<'_> {
            IndexedReport {
                seq: self.seq,
                agency: AGENCIES[self.agency],
                report_id: IDS[self.id],
                tlp: self.tlp,
                recipients: &self.recipients,
                hit_notification: self.hit_notification,
                received: time(self.seq) + TimeDelta::nanoseconds(self.id as i64 * 7),
            }
        }
    }

    fn put_strategy() -> impl Strategy<Value = Put> {
        let recipients = prop::sample::select(vec![
            vec![],
            vec!["GB-NCA".to_owned()],
            vec!["GB-NCA".to_owned(), "TH-DSI".to_owned()],
        ]);
        (
            0..AGENCIES.len(),
            0..IDS.len(),
            1..30i64,
            prop::sample::select(Tlp::ALL.to_vec()),
            recipients,
            any::<bool>(),
            prop::collection::vec(0..SELECTORS.len(), 0..5),
        )
            .prop_map(
                |(agency, id, seq, tlp, recipients, hit_notification, selectors)| Put {
                    agency,
                    id,
                    seq,
                    tlp,
                    recipients,
                    hit_notification,
                    selectors,
                },
            )
    }

    type Owned = (i64, String, String, Tlp, Vec<String>, bool, DateTime<Utc>);

    fn owned(h: Hit<'_>) -> Owned {
        (
            h.seq,
            h.agency.to_owned(),
            h.report_id.to_owned(),
            h.tlp,
            h.recipients.to_vec(),
            h.hit_notification,
            h.received,
        )
    }

    proptest! {
        #[test]
        fn the_index_agrees_with_a_naive_model(puts in prop::collection::vec(put_strategy(), 1..60)) {
            let mut index = HitIndex::new();
            let mut model: BTreeMap<(usize, usize), Put> = BTreeMap::new();
            for put in &puts {
                let applies = model
                    .get(&(put.agency, put.id))
                    .is_none_or(|held| held.seq < put.seq);
                if applies {
                    model.insert((put.agency, put.id), put.clone());
                }
                let applied = index.put(&put.report(), put.selectors.iter().map(|&s| SELECTORS[s]));
                prop_assert_eq!(applied, applies);

                for (s, text) in SELECTORS.iter().enumerate() {
                    let got: Vec<Owned> = index.lookup(text).map(owned).collect();
                    prop_assert!(got.windows(2).all(|w| w[0].0 <= w[1].0), "ascending seq");
                    let mut got = got;
                    got.sort();
                    let mut want: Vec<Owned> = model
                        .values()
                        .filter(|p| p.selectors.contains(&s))
                        .map(|p| {
                            let r = p.report();
                            owned(Hit {
                                seq: r.seq,
                                agency: r.agency,
                                report_id: r.report_id,
                                tlp: r.tlp,
                                recipients: r.recipients,
                                hit_notification: r.hit_notification,
                                received: r.received,
                            })
                        })
                        .collect();
                    want.sort();
                    prop_assert_eq!(got, want, "selector {}", text);
                }
                let held: BTreeSet<usize> = model.values().flat_map(|p| p.selectors.iter().copied()).collect();
                let postings: usize = model
                    .values()
                    .map(|p| p.selectors.iter().collect::<BTreeSet<_>>().len())
                    .sum();
                let stats = index.stats();
                prop_assert_eq!(stats.selectors, held.len() as u64);
                prop_assert_eq!(stats.reports, model.len() as u64);
                prop_assert_eq!(stats.postings, postings as u64);
                prop_assert_eq!(index.newest_seq(), model.values().map(|p| p.seq).max());
            }
        }
    }

    // ---- load ----

    const PHONE_1: &str = "phone:+85512340001";
    const PHONE_2: &str = "phone:+85512340002";

    fn stored_report(id: &str, selectors: &[&str], marking: Marking) -> Report {
        let mut selectors: Vec<Selector> = selectors
            .iter()
            .map(|s| normalize_one(s, &Hint::default()).expect("test selectors normalise"))
            .collect();
        selectors.sort();
        selectors.dedup();
        Report {
            id: id.to_owned(),
            kind: ReportKind::FraudComplaint,
            received: (id != "no-time").then(|| time(1)),
            country: "KH".into(),
            language: None,
            marking,
            grading: None,
            mo: Vec::new(),
            narrative: None,
            selectors,
            losses: Vec::new(),
            location: None,
        }
    }

    #[tokio::test]
    async fn load_rebuilds_the_index_from_the_store() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let url = format!("sqlite://{}", dir.path().join("cordon.db").display());
        let store = SqliteStore::open(&url).expect("the store opens");
        for code in ["KH-NCB", "GB-NCA"] {
            store
                .create_agency(&cordon_store::NewAgency {
                    code: code.into(),
                    name: format!("{code} unit"),
                    country: code[..2].into(),
                    kind: "police".into(),
                    contact: "duty@example.org".into(),
                })
                .await
                .expect("the agency is created");
        }
        let accepted = time(2);
        let amber = Marking::new(Tlp::Amber);
        let shared = Marking {
            tlp: Tlp::AmberStrict,
            recipients: vec!["GB-NCA".into()],
            hit_notification: false,
        };
        let kh = [
            stored_report("a", &[PHONE_1, "email:boss@scam-invest.com"], amber.clone()),
            stored_report("b", &[], amber.clone()),
            stored_report("c", &[PHONE_1, "telegram:@scamboss"], shared.clone()),
            stored_report("no-time", &[PHONE_2], amber.clone()),
            stored_report("d", &[PHONE_1], Marking::new(Tlp::Green)),
        ];
        store
            .submit("KH-NCB", &kh, accepted)
            .await
            .expect("submitted");
        let gb = [
            stored_report(
                "a",
                &["email:boss@scam-invest.com", PHONE_2],
                shared.clone(),
            ),
            stored_report("e", &["telegram:@scamboss"], Marking::new(Tlp::Red)),
        ];
        store
            .submit("GB-NCA", &gb, accepted)
            .await
            .expect("submitted");
        // A revision drops a selector and changes the marking.
        let revised = [stored_report(
            "c",
            &["telegram:@scamboss", "domain:scam-invest.com"],
            amber.clone(),
        )];
        store
            .submit("KH-NCB", &revised, accepted)
            .await
            .expect("submitted");

        let seen = Mutex::new(Vec::new());
        let progress = |n: u64| seen.lock().expect("not poisoned").push(n);
        let index = load_paged(&store, 2, &progress).await.expect("loaded");
        let seen = seen.into_inner().expect("not poisoned");

        let universe: BTreeSet<String> = kh
            .iter()
            .chain(&gb)
            .chain(&revised)
            .flat_map(|r| r.selectors.iter().map(|s| s.as_str().to_owned()))
            .collect();
        let mut postings = 0;
        for s in &universe {
            let want = store.postings(s).await.expect("postings");
            let got: Vec<Posting> = index.lookup(s).map(Posting::from).collect();
            assert_eq!(got, want, "{s}");
            postings += want.len() as u64;
        }
        let stats = index.stats();
        assert_eq!(stats.postings, postings);
        assert_eq!(stats.reports, 6, "the 6 reports with selectors");
        assert_eq!(stats.selectors, universe.len() as u64);
        assert_eq!(seen.len(), 3, "6 reports, 2 a page: {seen:?}");
        assert!(seen.windows(2).all(|w| w[0] < w[1]), "{seen:?}");
        assert_eq!(seen.last(), Some(&postings));
        let counts = store.counts().await.expect("counts");
        assert_eq!(counts.links, postings);
        assert_eq!(
            index.newest_seq(),
            store.report("KH-NCB", "c").await.unwrap().map(|r| r.seq)
        );

        // The default page size reads it all at once; put_stored agrees.
        let whole = load(&store, &|_| {}).await.expect("loaded");
        let mut stored = HitIndex::new();
        for r in &store.reports_after(0, 100).await.expect("reports") {
            stored.put_stored(r);
        }
        for s in &universe {
            let a: Vec<Hit<'_>> = whole.lookup(s).collect();
            let b: Vec<Hit<'_>> = stored.lookup(s).collect();
            assert_eq!(a, b, "{s}");
            assert_eq!(a.len(), index.lookup(s).len(), "{s}");
        }
    }
}
