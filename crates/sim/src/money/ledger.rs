//! The ledger one generator writes: addresses, flows in a compact form,
//! conversions and tags, rendered into crates/finance's types only when
//! written out.
//!
//! Millions of flows are held at once before they are sorted by time, so a
//! flow is a few integers and its legs index a shared table; addresses live
//! in one text arena. Flow ids (transaction hashes, bank references) are
//! derived from a key unique across the world, never stored.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use cordon_finance::flow::{Conversion, ConversionKind, Flow, Leg, LegRef};

use super::coin::{Chain, Coin};
use crate::codec;
use crate::dice::Dice;

/// Why a flow exists: kept for the tests and the truth, never written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// An exchange's withdrawal to a victim's own wallet, before the scam
    /// took the money.
    VictimFunding,
    /// A victim paying a scam deposit address or a mule account.
    Payment,
    /// A network moving victims' value before it reaches a service.
    Launder,
    /// The flow that delivers value to a cash-out service.
    CashOut,
    /// A service moving what it received (deposit address to hot wallet),
    /// or a conversion's outgoing leg owed to the scam.
    Service,
    /// A network moving value it got back from an exchange, past the first
    /// service (not followed by the truth).
    Onward,
    /// Everything legitimate, and mules' own everyday banking.
    Background,
}

/// One leg: an address of the book and an amount in units.
#[derive(Debug, Clone, Copy)]
pub struct RawLeg {
    lo: u64,
    hi: u32,
    pub addr: u32,
}

impl RawLeg {
    fn new(addr: u32, units: u128) -> RawLeg {
        debug_assert!(units < 1 << 96);
        RawLeg {
            lo: units as u64,
            hi: (units >> 64) as u32,
            addr,
        }
    }

    pub fn units(&self) -> u128 {
        u128::from(self.lo) | (u128::from(self.hi) << 64)
    }
}

/// One flow, compact.
#[derive(Debug, Clone, Copy)]
pub struct RawFlow {
    pub key: u64,
    pub time: i64,
    fee_lo: u64,
    fee_hi: u32,
    first: u32,
    pub n_in: u16,
    pub n_out: u16,
    pub coin: Coin,
    pub role: Role,
}

impl RawFlow {
    pub fn fee(&self) -> u128 {
        u128::from(self.fee_lo) | (u128::from(self.fee_hi) << 64)
    }
}

/// A conversion between two flows of the same book.
#[derive(Debug, Clone, Copy)]
pub struct RawConversion {
    pub kind: ConversionKind,
    /// The flow that brought value to the service, and the service's
    /// address in it.
    pub from: (u32, u32),
    /// The flow the service paid out, and its address in it.
    pub to: (u32, u32),
    pub evidence: &'static str,
}

/// An attribution tag an investigator would have.
#[derive(Debug, Clone)]
pub struct RawTag {
    pub addr: u32,
    pub label: String,
    pub category: &'static str,
    /// From 0 to 100.
    pub confidence: u8,
}

/// Everything one generator wrote.
#[derive(Debug)]
pub struct Book {
    seed: u64,
    stream: u64,
    next: u32,
    text: String,
    ends: Vec<u32>,
    /// Addresses of the world and of services, written once per book.
    named: HashMap<String, u32>,
    pub flows: Vec<RawFlow>,
    pub legs: Vec<RawLeg>,
    pub conversions: Vec<RawConversion>,
    pub tags: Vec<RawTag>,
}

impl Book {
    /// A book whose flow keys are `stream` in the high half: streams are
    /// distinct per generator, so keys (and flow ids) are unique.
    pub fn new(seed: u64, stream: u64) -> Book {
        Book {
            seed,
            stream,
            next: 0,
            text: String::new(),
            ends: Vec::new(),
            named: HashMap::new(),
            flows: Vec::new(),
            legs: Vec::new(),
            conversions: Vec::new(),
            tags: Vec::new(),
        }
    }

    /// The canonical text of address `a`.
    pub fn addr(&self, a: u32) -> &str {
        let start = if a == 0 {
            0
        } else {
            self.ends[a as usize - 1] as usize
        };
        &self.text[start..self.ends[a as usize] as usize]
    }

    /// A new address, known to be distinct from every other.
    pub fn fresh(&mut self, canonical: &str) -> u32 {
        self.text.push_str(canonical);
        self.ends.push(self.text.len() as u32);
        self.ends.len() as u32 - 1
    }

    /// An address that may be used again (a service's, a world selector):
    /// the same text gives the same index.
    pub fn named(&mut self, canonical: &str) -> u32 {
        if let Some(&a) = self.named.get(canonical) {
            return a;
        }
        let a = self.fresh(canonical);
        self.named.insert(canonical.to_owned(), a);
        a
    }

    /// The index of a named address, if the book has it.
    #[cfg(test)]
    pub fn lookup(&self, canonical: &str) -> Option<u32> {
        self.named.get(canonical).copied()
    }

    /// Appends a flow; amounts in the coin's units.
    pub fn flow(
        &mut self,
        coin: Coin,
        time: i64,
        role: Role,
        inputs: &[(u32, u128)],
        outputs: &[(u32, u128)],
        fee: u128,
    ) -> u32 {
        debug_assert!(inputs.iter().chain(outputs).all(|&(_, u)| u > 0));
        debug_assert!(
            if coin.is_utxo() {
                inputs.iter().map(|l| l.1).sum::<u128>()
                    == outputs.iter().map(|l| l.1).sum::<u128>() + fee
            } else {
                inputs.len() == 1 && outputs.len() == 1 && inputs[0].1 == outputs[0].1
            },
            "an unbalanced {coin:?} flow"
        );
        let first = self.legs.len() as u32;
        for &(a, u) in inputs.iter().chain(outputs) {
            self.legs.push(RawLeg::new(a, u));
        }
        let key = (self.stream << 32) | u64::from(self.next);
        self.next += 1;
        self.flows.push(RawFlow {
            key,
            time,
            fee_lo: fee as u64,
            fee_hi: (fee >> 64) as u32,
            first,
            n_in: inputs.len() as u16,
            n_out: outputs.len() as u16,
            coin,
            role,
        });
        self.flows.len() as u32 - 1
    }

    pub fn inputs(&self, f: &RawFlow) -> &[RawLeg] {
        let s = f.first as usize;
        &self.legs[s..s + f.n_in as usize]
    }

    pub fn outputs(&self, f: &RawFlow) -> &[RawLeg] {
        let s = f.first as usize + f.n_in as usize;
        &self.legs[s..s + f.n_out as usize]
    }

    /// The id of flow `f`: its transaction hash or bank reference.
    pub fn flow_id(&self, f: u32) -> String {
        let flow = &self.flows[f as usize];
        flow_id(self.seed, flow.key, flow.coin)
    }

    pub fn tag(&mut self, addr: u32, label: &str, category: &'static str, confidence: u8) {
        self.tags.push(RawTag {
            addr,
            label: label.to_owned(),
            category,
            confidence,
        });
    }

    /// Flow `f` as crates/finance has it.
    pub fn render(&self, f: u32) -> Flow {
        let flow = &self.flows[f as usize];
        let leg = |l: &RawLeg| Leg {
            address: self.addr(l.addr).to_owned(),
            amount: flow.coin.decimal(l.units()),
        };
        Flow {
            id: flow_id(self.seed, flow.key, flow.coin),
            asset: flow.coin.asset(),
            time: time(flow.time),
            inputs: self.inputs(flow).iter().map(leg).collect(),
            outputs: self.outputs(flow).iter().map(leg).collect(),
            fee: flow.coin.decimal(flow.fee()),
        }
    }

    /// Conversion `c` as crates/finance has it.
    pub fn render_conversion(&self, c: &RawConversion) -> Conversion {
        let leg = |(f, a): (u32, u32)| LegRef {
            flow: self.flow_id(f),
            address: self.addr(a).to_owned(),
        };
        Conversion {
            kind: c.kind,
            from: leg(c.from),
            to: leg(c.to),
            service: Some(self.addr(c.from.1).to_owned()),
            evidence: c.evidence.to_owned(),
        }
    }
}

pub fn time(t: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(t, 0).expect("times of the period are valid")
}

/// splitmix64's finaliser: a bijection of u64.
pub fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A flow id as its network writes it: a 64-digit transaction hash (with
/// `0x` and, for a token transfer, the log index on Ethereum), or a bank's
/// transfer reference. Distinct keys give distinct ids: the first word of
/// the hash is a bijection of the key.
pub fn flow_id(seed: u64, key: u64, coin: Coin) -> String {
    let base = mix(seed) ^ key;
    let words = [
        mix(base),
        mix(base ^ 0x5555),
        mix(base ^ 0xAAAA),
        mix(base ^ 0xFFFF),
    ];
    let mut hash = String::with_capacity(72);
    for w in words {
        hash.push_str(&format!("{w:016x}"));
    }
    match coin.chain() {
        Chain::Tron | Chain::Bitcoin => hash,
        Chain::Ethereum if coin.is_token() => format!("0x{hash}:{}", words[1] % 240),
        Chain::Ethereum => format!("0x{hash}"),
        Chain::Bank => format!("FT{}", codec::token(words[0], 13)),
    }
}

/// A new address on a crypto chain, canonical. Bitcoin addresses are of
/// every type wallets use, mostly native segwit.
pub fn crypto_address(dice: &mut Dice, chain: Chain) -> String {
    match chain {
        Chain::Tron => format!("trx:{}", codec::tron_address(&dice.bytes())),
        Chain::Ethereum => format!("eth:{}", codec::eth_lower(&dice.bytes())),
        Chain::Bitcoin => match dice.below(10) {
            0..=6 => format!("btc:{}", codec::btc_bech32(&dice.bytes())),
            7 => format!("btc:{}", codec::btc_taproot(&dice.bytes())),
            _ => format!("btc:{}", codec::btc_p2pkh(&dice.bytes())),
        },
        Chain::Bank => unreachable!("bank accounts are made by world::account"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_book_keeps_addresses_flows_and_renders_them() {
        let mut b = Book::new(7, 3);
        let x = b.named("trx:TLa2f6VPqDgRE67v1736s7bJ8Ray5wYjU7");
        let y = b.fresh("trx:TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t");
        assert_eq!(b.named("trx:TLa2f6VPqDgRE67v1736s7bJ8Ray5wYjU7"), x);
        assert_eq!(b.addr(y), "trx:TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t");
        let big = 5u128 << 70;
        let f = b.flow(
            Coin::UsdtTron,
            1_700_000_000,
            Role::Payment,
            &[(x, big)],
            &[(y, big)],
            0,
        );
        let flow = b.render(f);
        assert_eq!(flow.check(), Ok(()));
        assert_eq!(flow.inputs[0].amount, Coin::UsdtTron.decimal(big));
        assert_eq!(flow.id.len(), 64);
        assert_eq!(flow.time.to_rfc3339(), "2023-11-14T22:13:20+00:00");
    }

    #[test]
    fn flow_ids_look_like_their_networks() {
        assert_eq!(flow_id(1, 2, Coin::Btc).len(), 64);
        assert!(flow_id(1, 2, Coin::Eth).starts_with("0x"));
        assert!(flow_id(1, 2, Coin::UsdtEth).contains(':'));
        assert!(flow_id(1, 2, Coin::Fiat(0)).starts_with("FT"));
        assert_ne!(flow_id(1, 2, Coin::Btc), flow_id(1, 3, Coin::Btc));
    }
}
