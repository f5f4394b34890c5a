//! The assets money moves in, their precision, and what they are worth.
//!
//! Amounts are integers of each asset's smallest unit (USDT and TRX 6
//! decimals, BTC 8, ETH 18, bank money 2), so that every split and fee is
//! exact. Prices are a fixed path through the simulated period (quarterly
//! anchors, linear between them) and exchange rates a fixed table; both are
//! integers of micro-dollars, so conversions use integer arithmetic only and
//! give the same amounts on every platform.

use std::sync::OnceLock;

use cordon_finance::asset::{Asset, Network};
use rust_decimal::Decimal;

use crate::data::Tables;
use crate::world::{END, START};

/// Micro-dollars in a dollar.
pub const MICRO: u128 = 1_000_000;

/// An asset of the money world.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Coin {
    UsdtTron,
    UsdtEth,
    Trx,
    Eth,
    Btc,
    /// Bank money in a currency: an index into [`currencies`].
    Fiat(u8),
}

/// Where a coin moves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Chain {
    Tron,
    Ethereum,
    Bitcoin,
    Bank,
}

impl Chain {
    pub const CRYPTO: [Chain; 3] = [Chain::Tron, Chain::Ethereum, Chain::Bitcoin];

    pub fn index(self) -> usize {
        match self {
            Chain::Tron => 0,
            Chain::Ethereum => 1,
            Chain::Bitcoin => 2,
            Chain::Bank => 3,
        }
    }

    /// The chain an address (a canonical selector) lives on.
    pub fn of(address: &str) -> Chain {
        match address.as_bytes().first() {
            Some(b't') => Chain::Tron,
            Some(b'e') => Chain::Ethereum,
            Some(b'b') if address.starts_with("btc:") => Chain::Bitcoin,
            _ => Chain::Bank,
        }
    }
}

impl Coin {
    pub fn decimals(self) -> u32 {
        match self {
            Coin::UsdtTron | Coin::UsdtEth | Coin::Trx => 6,
            Coin::Eth => 18,
            Coin::Btc => 8,
            Coin::Fiat(_) => 2,
        }
    }

    pub fn chain(self) -> Chain {
        match self {
            Coin::UsdtTron | Coin::Trx => Chain::Tron,
            Coin::UsdtEth | Coin::Eth => Chain::Ethereum,
            Coin::Btc => Chain::Bitcoin,
            Coin::Fiat(_) => Chain::Bank,
        }
    }

    pub fn is_utxo(self) -> bool {
        self == Coin::Btc
    }

    /// A token moved by a contract: its fee (gas) is paid in the chain's
    /// own coin, which the money world does not follow.
    pub fn is_token(self) -> bool {
        matches!(self, Coin::UsdtTron | Coin::UsdtEth)
    }

    /// The currency of a country (a table index).
    pub fn fiat_of_country(country: usize) -> Coin {
        let code = &Tables::get().countries[country].currency;
        let i = currencies()
            .iter()
            .position(|c| c == code)
            .expect("every country's currency is listed");
        Coin::Fiat(i as u8)
    }

    /// The asset as crates/finance names it.
    pub fn asset(self) -> Asset {
        match self {
            Coin::UsdtTron => Asset::new("USDT", Network::Tron),
            Coin::UsdtEth => Asset::new("USDT", Network::Ethereum),
            Coin::Trx => Asset::new("TRX", Network::Tron),
            Coin::Eth => Asset::new("ETH", Network::Ethereum),
            Coin::Btc => Asset::new("BTC", Network::Bitcoin),
            Coin::Fiat(i) => Asset::new(&currencies()[i as usize], Network::Bank),
        }
    }

    /// An amount of this coin as an exact decimal without trailing zeros.
    pub fn decimal(self, units: u128) -> Decimal {
        Decimal::from_i128_with_scale(units as i128, self.decimals()).normalize()
    }

    /// One whole coin in units.
    pub fn one(self) -> u128 {
        10u128.pow(self.decimals())
    }

    /// Micro-dollars per whole coin at time `t`.
    pub fn price(self, t: i64) -> u128 {
        let anchors: &[u64; 13] = match self {
            Coin::UsdtTron | Coin::UsdtEth => return MICRO,
            Coin::Fiat(i) => return fx(&currencies()[i as usize]),
            Coin::Btc => &BTC,
            Coin::Eth => &ETH,
            Coin::Trx => &TRX,
        };
        let span = (END - START) as i128;
        let x = ((t.clamp(START, END) - START) as i128) * 12;
        let i = ((x / span) as usize).min(11);
        let frac = x - i as i128 * span;
        let (a, b) = (anchors[i] as i128, anchors[i + 1] as i128);
        (a + (b - a) * frac / span) as u128
    }

    /// The dollar value of `units` at time `t`, in micro-dollars.
    pub fn usd(self, units: u128, t: i64) -> u128 {
        mul_div(units, self.price(t), self.one())
    }

    /// Units of this coin worth `micro_usd` at time `t`.
    pub fn units_for_usd(self, micro_usd: u128, t: i64) -> u128 {
        mul_div(micro_usd, self.one(), self.price(t))
    }

    /// `units` of `self` converted into `to` at time `t`'s prices, less a
    /// spread in per-mille.
    pub fn convert(self, units: u128, to: Coin, t: i64, spread_per_mille: u128) -> u128 {
        let usd = self.usd(units, t);
        to.units_for_usd(usd, t) * (1000 - spread_per_mille) / 1000
    }
}

/// `a * b / c` rounded down, exactly: through a 256-bit product when
/// `a * b` does not fit in 128 bits. The quotient must fit in 128 bits and
/// `c` in 127 (amounts here stay below 2^96, a decimal's mantissa).
pub fn mul_div(a: u128, b: u128, c: u128) -> u128 {
    if let Some(p) = a.checked_mul(b) {
        return p / c;
    }
    const LOW: u128 = u64::MAX as u128;
    let (a1, a0) = (a >> 64, a & LOW);
    let (b1, b0) = (b >> 64, b & LOW);
    let (p00, p01, p10, p11) = (a0 * b0, a0 * b1, a1 * b0, a1 * b1);
    let mid = (p00 >> 64) + (p01 & LOW) + (p10 & LOW);
    let lo = (p00 & LOW) | (mid << 64);
    let hi = p11 + (p01 >> 64) + (p10 >> 64) + (mid >> 64);
    debug_assert!(c < 1 << 127);
    let mut q = 0u128;
    let mut r = 0u128;
    let top = 256 - hi.leading_zeros();
    for i in (0..top).rev() {
        let bit = if i >= 128 {
            (hi >> (i - 128)) & 1
        } else {
            (lo >> i) & 1
        };
        r = (r << 1) | bit;
        if r >= c {
            r -= c;
            debug_assert!(i < 128, "the quotient fits in 128 bits");
            q |= 1 << i;
        }
    }
    q
}

/// Splits `total` into parts proportional to `weights`, exactly: each part
/// rounded down, the rest to the largest weight (the first of equals).
pub fn split_exact(total: u128, weights: &[u128]) -> Vec<u128> {
    let sum: u128 = weights.iter().sum();
    if sum == 0 {
        let mut out = vec![0; weights.len()];
        if let Some(first) = out.first_mut() {
            *first = total;
        }
        return out;
    }
    let mut out: Vec<u128> = weights.iter().map(|&w| mul_div(total, w, sum)).collect();
    let given: u128 = out.iter().sum();
    let largest = (0..weights.len())
        .max_by(|&a, &b| weights[a].cmp(&weights[b]).then(b.cmp(&a)))
        .expect("weights are not empty");
    out[largest] += total - given;
    out
}

/// Quarterly anchors from 2023-01-01 to 2026-01-01, micro-dollars per coin:
/// roughly the market's path, so amounts look like the period's.
const BTC: [u64; 13] = [
    16_600_000_000,
    28_500_000_000,
    30_400_000_000,
    27_000_000_000,
    42_300_000_000,
    71_300_000_000,
    62_700_000_000,
    63_300_000_000,
    93_400_000_000,
    82_500_000_000,
    107_000_000_000,
    114_000_000_000,
    87_500_000_000,
];
const ETH: [u64; 13] = [
    1_200_000_000,
    1_820_000_000,
    1_930_000_000,
    1_670_000_000,
    2_280_000_000,
    3_600_000_000,
    3_400_000_000,
    2_600_000_000,
    3_330_000_000,
    1_820_000_000,
    2_490_000_000,
    4_150_000_000,
    2_970_000_000,
];
const TRX: [u64; 13] = [
    55_000, 63_000, 78_000, 89_000, 108_000, 121_000, 119_000, 156_000, 254_000, 236_000, 270_000,
    330_000, 280_000,
];

/// Micro-dollars per unit of each currency the tables use (2024 levels).
const FX: &[(&str, u64)] = &[
    ("AED", 272_300),
    ("ALL", 10_800),
    ("AOA", 1_100),
    ("AUD", 660_000),
    ("BDT", 8_500),
    ("BGN", 550_000),
    ("BIF", 350),
    ("BRL", 190_000),
    ("CAD", 735_000),
    ("CHF", 1_130_000),
    ("CNY", 139_000),
    ("COP", 250),
    ("CZK", 43_000),
    ("EGP", 20_500),
    ("ETB", 10_000),
    ("EUR", 1_080_000),
    ("FJD", 445_000),
    ("GBP", 1_270_000),
    ("GEL", 365_000),
    ("GHS", 70_000),
    ("HKD", 128_000),
    ("IDR", 63),
    ("INR", 12_000),
    ("JOD", 1_410_000),
    ("JPY", 6_700),
    ("KES", 7_700),
    ("KGS", 11_500),
    ("KHR", 245),
    ("KRW", 740),
    ("KZT", 2_100),
    ("LAK", 47),
    ("LBP", 11),
    ("LKR", 3_300),
    ("MAD", 100_000),
    ("MMK", 476),
    ("MNT", 290),
    ("MOP", 124_000),
    ("MVR", 65_000),
    ("MXN", 55_000),
    ("MYR", 215_000),
    ("MZN", 15_700),
    ("NGN", 700),
    ("NPR", 7_500),
    ("NZD", 610_000),
    ("PEN", 267_000),
    ("PGK", 260_000),
    ("PHP", 17_700),
    ("PKR", 3_600),
    ("PLN", 250_000),
    ("QAR", 274_700),
    ("RON", 217_000),
    ("RSD", 9_200),
    ("RUB", 11_000),
    ("RWF", 760),
    ("SAR", 266_700),
    ("SBD", 118_000),
    ("SEK", 95_000),
    ("SGD", 745_000),
    ("THB", 28_000),
    ("TRY", 31_000),
    ("TWD", 31_000),
    ("TZS", 390),
    ("UAH", 25_000),
    ("UGX", 265),
    ("USD", 1_000_000),
    ("UZS", 80),
    ("VND", 40),
    ("VUV", 8_400),
    ("XAF", 1_650),
    ("XOF", 1_650),
    ("ZAR", 54_000),
    ("ZMW", 38_000),
];

/// Micro-dollars per unit of a currency.
pub fn fx(code: &str) -> u128 {
    FX.iter()
        .find(|(c, _)| *c == code)
        .map_or(MICRO, |&(_, r)| u128::from(r))
}

/// The currencies of the tables' countries, sorted: `Coin::Fiat` indexes it.
pub fn currencies() -> &'static [String] {
    static LIST: OnceLock<Vec<String>> = OnceLock::new();
    LIST.get_or_init(|| {
        let mut list: Vec<String> = Tables::get()
            .countries
            .iter()
            .map(|c| c.currency.clone())
            .collect();
        list.sort();
        list.dedup();
        list
    })
}

/// A loss in dollar cents as the victim's currency would state it: whole
/// units when `whole`, else with cents.
pub fn local_cents(usd_cents: u64, currency: &str, whole: bool) -> u64 {
    let cents = mul_div(u128::from(usd_cents), MICRO, fx(currency)) as u64;
    if whole { cents / 100 * 100 } else { cents }
}

/// Cents as text: `1234` or `1234.56`.
pub fn cents_text(cents: u64, whole: bool) -> String {
    if whole {
        (cents / 100).to_string()
    } else {
        format!("{}.{:02}", cents / 100, cents % 100)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_currency_has_a_rate_and_an_asset() {
        for (i, c) in currencies().iter().enumerate() {
            assert!(FX.iter().any(|(code, _)| code == c), "no rate for {c}");
            assert_eq!(Coin::Fiat(i as u8).asset().to_string(), format!("{c}@bank"));
        }
        assert!(currencies().len() < 256);
    }

    #[test]
    fn prices_follow_the_anchors() {
        assert_eq!(Coin::Btc.price(START), 16_600_000_000);
        assert_eq!(Coin::Btc.price(END), 87_500_000_000);
        assert_eq!(Coin::UsdtTron.price(START + 5), MICRO);
        let mid = Coin::Eth.price(START + (END - START) / 24);
        assert!(mid > 1_200_000_000 && mid < 1_820_000_000);
        // 1 BTC at the start is worth 16,600 dollars.
        assert_eq!(Coin::Btc.usd(100_000_000, START), 16_600 * MICRO);
        let sats = Coin::Btc.units_for_usd(16_600 * MICRO, START);
        assert_eq!(sats, 100_000_000);
        // Big ETH amounts do not overflow.
        let wei = Coin::Eth.units_for_usd(5_000_000 * MICRO, END);
        assert!(Coin::Eth.usd(wei, END) <= 5_000_000 * MICRO);
    }

    #[test]
    fn splits_are_exact() {
        let parts = split_exact(1_000_000_007, &[1, 2, 3]);
        assert_eq!(parts.iter().sum::<u128>(), 1_000_000_007);
        assert_eq!(parts[0], 166_666_667);
        assert_eq!(split_exact(5, &[0, 0]), vec![5, 0]);
        let huge = 10u128.pow(27);
        let parts = split_exact(huge, &[huge / 3, huge / 3 * 2]);
        assert_eq!(parts.iter().sum::<u128>(), huge);
        assert_eq!(parts[0], huge / 3);
        // Wide products are exact.
        assert_eq!(mul_div(huge, huge, huge), huge);
        assert_eq!(mul_div(huge + 7, huge / 3, huge), (huge + 7) / 3);
        assert_eq!(
            mul_div(u128::MAX, 3, 7),
            u128::MAX / 7 * 3 + (u128::MAX % 7) * 3 / 7
        );
    }

    #[test]
    fn decimals_are_exact_and_trimmed() {
        assert_eq!(Coin::UsdtTron.decimal(5_000_000_000).to_string(), "5000");
        assert_eq!(Coin::Btc.decimal(12_345).to_string(), "0.00012345");
        assert_eq!(
            Coin::Eth.decimal(1_234_567_890_123_456_789).to_string(),
            "1.234567890123456789"
        );
        assert_eq!(local_cents(100_000, "JPY", true), 14_925_300);
        assert_eq!(cents_text(14_925_300, true), "149253");
    }
}
