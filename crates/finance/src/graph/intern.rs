//! Interned strings: each distinct text stored once in one arena and known
//! by a dense `u32`, found again through an open-addressing table of ids.
//!
//! Ten million addresses or transaction ids as separate `String`s would cost
//! a heap block, a 24-byte header and a hash-map slot each; here they cost
//! their bytes, an 8-byte offset and about 8 bytes of table.

use std::hash::Hasher;

use rustc_hash::FxHasher;

const EMPTY: u32 = u32::MAX;

#[derive(Debug, Clone)]
pub(crate) struct Interner {
    text: String,
    /// Entry `i` is `text[starts[i]..starts[i + 1]]`.
    starts: Vec<u64>,
    /// Ids by hash, `EMPTY` where free; kept at most half full.
    table: Vec<u32>,
    bits: u32,
}

impl Default for Interner {
    fn default() -> Interner {
        Interner::with_capacity(16, 0)
    }
}

fn hash(s: &str) -> u64 {
    let mut h = FxHasher::default();
    h.write(s.as_bytes());
    // Fibonacci hashing: the table index takes the high bits, which the
    // multiplication mixes best.
    h.finish().wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

impl Interner {
    pub(crate) fn with_capacity(entries: usize, bytes: usize) -> Interner {
        let bits = (entries.max(8) * 2).next_power_of_two().trailing_zeros();
        let mut starts = Vec::with_capacity(entries + 1);
        starts.push(0);
        Interner {
            text: String::with_capacity(bytes),
            starts,
            table: vec![EMPTY; 1 << bits],
            bits,
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.starts.len() - 1
    }

    #[inline]
    pub(crate) fn get(&self, id: u32) -> &str {
        let i = id as usize;
        &self.text[self.starts[i] as usize..self.starts[i + 1] as usize]
    }

    fn slot(&self, s: &str) -> (usize, Option<u32>) {
        let mask = (1usize << self.bits) - 1;
        let mut at = (hash(s) >> (64 - self.bits)) as usize;
        loop {
            let id = self.table[at];
            if id == EMPTY {
                return (at, None);
            }
            if self.get(id) == s {
                return (at, Some(id));
            }
            at = (at + 1) & mask;
        }
    }

    pub(crate) fn find(&self, s: &str) -> Option<u32> {
        self.slot(s).1
    }

    /// The id of `s`, and whether it is new.
    pub(crate) fn intern(&mut self, s: &str) -> (u32, bool) {
        let (at, found) = self.slot(s);
        if let Some(id) = found {
            return (id, false);
        }
        let id = self.len() as u32;
        self.text.push_str(s);
        self.starts.push(self.text.len() as u64);
        self.table[at] = id;
        if self.len() * 2 > self.table.len() {
            self.grow();
        }
        (id, true)
    }

    fn grow(&mut self) {
        self.bits += 1;
        self.table = vec![EMPTY; 1 << self.bits];
        let mask = (1usize << self.bits) - 1;
        for id in 0..self.len() as u32 {
            let mut at = (hash(self.get(id)) >> (64 - self.bits)) as usize;
            while self.table[at] != EMPTY {
                at = (at + 1) & mask;
            }
            self.table[at] = id;
        }
    }

    pub(crate) fn heap_bytes(&self) -> usize {
        self.text.capacity() + self.starts.capacity() * 8 + self.table.capacity() * 4
    }

    pub(crate) fn shrink(&mut self) {
        self.text.shrink_to_fit();
        self.starts.shrink_to_fit();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_text_gets_one_id() {
        let mut i = Interner::default();
        let ids: Vec<u32> = (0..1000).map(|n| i.intern(&format!("btc:{n}")).0).collect();
        assert_eq!(ids, (0..1000).collect::<Vec<u32>>());
        assert_eq!(i.intern("btc:7"), (7, false));
        assert_eq!(i.find("btc:999"), Some(999));
        assert_eq!(i.find("btc:1000"), None);
        assert_eq!(i.get(42), "btc:42");
    }
}
