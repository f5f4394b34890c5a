//! The services money passes through: exchanges (hot wallets, client-funds
//! bank accounts), OTC desks, swap pools, a bridge and a payment processor,
//! with the tags an investigator would hold for them.
//!
//! Exchanges and OTC desks are the cash-out points, where a freeze request
//! can be sent; pools and the bridge only convert value, which goes on.
//! The world's shared exchange deposit addresses and laundering-service
//! accounts (named in reports) belong to these services.

use serde::Serialize;

use super::coin::Chain;
use super::ledger::{Book, crypto_address};
use crate::data::Tables;
use crate::dice::{Dice, Weighted};
use crate::report::wide_accounts;
use crate::world::{self, Role, World};

/// What a service does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Exchange,
    OtcDesk,
    /// A swap pool: converts, never cashes out.
    Dex,
    Bridge,
    PaymentProcessor,
}

impl Kind {
    /// The tag category (crates/finance's), for its addresses.
    pub fn category(self) -> &'static str {
        match self {
            Kind::Exchange => "exchange",
            Kind::OtcDesk => "otc_desk",
            Kind::Dex => "other",
            Kind::Bridge => "bridge",
            Kind::PaymentProcessor => "payment_processor",
        }
    }

    /// Where value stops for the truth: a service that can freeze it.
    pub fn cashes_out(self) -> bool {
        matches!(self, Kind::Exchange | Kind::OtcDesk)
    }
}

/// One service and its own addresses.
#[derive(Debug, Clone)]
pub struct Service {
    /// `S01`, … in the truth.
    pub id: String,
    pub name: String,
    pub kind: Kind,
    /// Its own addresses by chain (`Chain::index`): an exchange's hot
    /// wallets and client-funds accounts, a desk's wallets and accounts, a
    /// pool, a bridge's contracts.
    pub own: [Vec<String>; 4],
    /// World selectors that reports name and that belong to it: exchange
    /// deposit addresses several networks share, laundering accounts.
    pub known: Vec<String>,
}

impl Service {
    /// Its first own address on `chain`.
    pub fn main(&self, chain: Chain) -> &str {
        &self.own[chain.index()][0]
    }
}

/// Every service of the world.
#[derive(Debug)]
pub struct Services {
    pub list: Vec<Service>,
    pub exchanges: Vec<usize>,
    /// How often victims and networks use each exchange.
    pub exchange_table: Weighted,
    pub otc: Vec<usize>,
    /// Swap pools on Tron (USDT/TRX) and Ethereum (USDT/ETH).
    pub dex: [usize; 2],
    pub bridge: usize,
    pub processor: usize,
    /// Countries with account numbers wide enough for money-world serials.
    pub account_countries: Vec<usize>,
}

/// Bank-account serials of the services (see `mod.rs` for the ranges).
const SERIALS: u64 = 99_000_000;

const EXCHANGES: [(&str, u64); 6] = [
    ("Kaiyo Exchange", 30),
    ("Bitora", 22),
    ("Coinvale", 16),
    ("Northstar Digital", 12),
    ("Lumenex", 10),
    ("Paxora Global", 10),
];
const DESKS: [&str; 4] = [
    "Jade Harbour OTC",
    "Mekong Star Trading",
    "Crescent Gold OTC",
    "Lotus Pay Services",
];

impl Services {
    pub fn build(world: &World, dice: &mut Dice) -> Services {
        let t = Tables::get();
        let wide = |codes: &[&str]| -> Vec<usize> {
            codes
                .iter()
                .filter_map(|c| t.country(c))
                .filter(|&c| wide_accounts(&t.countries[c]))
                .collect()
        };
        let mut serial = SERIALS;
        let mut account = |dice: &mut Dice, countries: &[usize]| {
            let c = *dice.pick(countries);
            serial += 1;
            world::account(dice, &t.countries[c], c, serial).canonical()
        };
        let fiat_countries = wide(&["LT", "GB", "NL", "DE", "AE", "TR", "KZ", "GE"]);
        let desk_countries = wide(&["HK", "AE", "TR", "TH", "KH", "PH", "MY"]);
        let mut list = Vec::new();
        let mut add = |name: &str, kind: Kind, own: [Vec<String>; 4]| {
            list.push(Service {
                id: format!("S{:02}", list.len() + 1),
                name: name.to_owned(),
                kind,
                own,
                known: Vec::new(),
            });
            list.len() - 1
        };
        let mut exchanges = Vec::new();
        for (name, _) in EXCHANGES {
            let own = [
                vec![crypto_address(dice, Chain::Tron)],
                vec![crypto_address(dice, Chain::Ethereum)],
                vec![crypto_address(dice, Chain::Bitcoin)],
                (0..1 + dice.below(2))
                    .map(|_| account(dice, &fiat_countries))
                    .collect(),
            ];
            exchanges.push(add(name, Kind::Exchange, own));
        }
        let mut otc = Vec::new();
        for name in DESKS {
            let own = [
                vec![
                    crypto_address(dice, Chain::Tron),
                    crypto_address(dice, Chain::Tron),
                ],
                vec![crypto_address(dice, Chain::Ethereum)],
                vec![crypto_address(dice, Chain::Bitcoin)],
                vec![account(dice, &desk_countries)],
            ];
            otc.push(add(name, Kind::OtcDesk, own));
        }
        let dex = [
            add(
                "SunPool USDT/TRX",
                Kind::Dex,
                [
                    vec![crypto_address(dice, Chain::Tron)],
                    vec![],
                    vec![],
                    vec![],
                ],
            ),
            add(
                "Uniflow USDT/ETH",
                Kind::Dex,
                [
                    vec![],
                    vec![crypto_address(dice, Chain::Ethereum)],
                    vec![],
                    vec![],
                ],
            ),
        ];
        let bridge = add(
            "Crossway Bridge",
            Kind::Bridge,
            [
                vec![crypto_address(dice, Chain::Tron)],
                vec![crypto_address(dice, Chain::Ethereum)],
                vec![],
                vec![],
            ],
        );
        let processor = add(
            "PayNimbus",
            Kind::PaymentProcessor,
            [
                vec![crypto_address(dice, Chain::Tron)],
                vec![crypto_address(dice, Chain::Ethereum)],
                vec![],
                vec![],
            ],
        );
        // The world's shared exchange deposit addresses and laundering
        // accounts are some exchange's and some desk's.
        for (i, &e) in world.exchange.iter().enumerate() {
            let s = exchanges[i % exchanges.len()];
            list[s]
                .known
                .push(world.entries[e as usize].canonical.clone());
        }
        let laundering = world
            .shared
            .iter()
            .filter(|&&e| world.entries[e as usize].role == Role::LaunderingService);
        for (i, &e) in laundering.enumerate() {
            let s = otc[i % otc.len()];
            list[s]
                .known
                .push(world.entries[e as usize].canonical.clone());
        }
        let account_countries = (0..t.countries.len())
            .filter(|&c| wide_accounts(&t.countries[c]))
            .collect();
        Services {
            list,
            exchange_table: Weighted::new(EXCHANGES.iter().map(|e| e.1)),
            exchanges,
            otc,
            dex,
            bridge,
            processor,
            account_countries,
        }
    }

    /// A random exchange, the big ones more often.
    pub fn exchange(&self, dice: &mut Dice) -> usize {
        self.exchanges[self.exchange_table.draw(dice)]
    }

    /// The tags an investigator holds for the services' own and known
    /// addresses: all of them, with the confidence their source deserves.
    pub fn tag(&self, book: &mut Book) {
        for s in &self.list {
            let confidence = match s.kind {
                Kind::Exchange | Kind::Dex | Kind::Bridge => 100,
                Kind::PaymentProcessor => 90,
                Kind::OtcDesk => 70,
            };
            for addr in s.own.iter().flatten() {
                let a = book.named(addr);
                book.tag(a, &s.name, s.kind.category(), confidence);
            }
            for addr in &s.known {
                let a = book.named(addr);
                book.tag(a, &s.name, s.kind.category(), confidence.min(80));
            }
        }
    }

    /// The service owning `address` among own and known addresses.
    pub fn owner(&self, address: &str) -> Option<usize> {
        self.list.iter().position(|s| {
            s.own.iter().flatten().any(|a| a == address) || s.known.iter().any(|a| a == address)
        })
    }
}
