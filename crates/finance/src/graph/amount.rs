//! Amounts as whole base units of their asset, for exact arithmetic at
//! the speed of integers.
//!
//! Each asset has a scale (its decimal places, the largest any of its legs
//! uses), so that every amount is an exact integer of base units. Most
//! amounts fit 63 bits (all of Bitcoin in satoshis does); an amount that
//! does not (ether in wei above 9.2 ETH) is kept in a side table, so that a
//! leg costs 8 bytes rather than 16.

use rust_decimal::Decimal;

/// A non-negative amount in base units.
pub type Units = u128;

const BIG: u64 = 1 << 63;

/// Leg amounts: 8 bytes each, the rare large one in `big`.
#[derive(Debug, Clone, Default)]
pub(crate) struct Amounts {
    small: Vec<u64>,
    big: Vec<Units>,
}

impl Amounts {
    pub(crate) fn with_capacity(n: usize) -> Amounts {
        Amounts {
            small: Vec::with_capacity(n),
            big: Vec::new(),
        }
    }

    pub(crate) fn push(&mut self, units: Units) {
        if units < u128::from(BIG) {
            self.small.push(units as u64);
        } else {
            self.small.push(BIG | self.big.len() as u64);
            self.big.push(units);
        }
    }

    #[inline]
    pub(crate) fn get(&self, i: usize) -> Units {
        let v = self.small[i];
        if v & BIG == 0 {
            Units::from(v)
        } else {
            self.big[(v & !BIG) as usize]
        }
    }

    pub(crate) fn heap_bytes(&self) -> usize {
        self.small.capacity() * 8 + self.big.capacity() * 16
    }
}

/// `a × b / c`, rounded down, without overflow for any `a`, `b` ≤ `c`
/// products that exceed 128 bits (the 256-bit product is divided by long
/// division). Rounding down is what keeps a traced amount from ever
/// exceeding what was seeded.
#[inline]
pub fn mul_div_floor(a: Units, b: Units, c: Units) -> Units {
    debug_assert!(c > 0);
    if let Some(p) = a.checked_mul(b) {
        return p / c;
    }
    let (hi, lo) = widening_mul(a, b);
    div_256_by_128(hi, lo, c)
}

/// The 256-bit product of two 128-bit numbers as (high, low).
fn widening_mul(a: u128, b: u128) -> (u128, u128) {
    let mask = u128::from(u64::MAX);
    let (a1, a0) = (a >> 64, a & mask);
    let (b1, b0) = (b >> 64, b & mask);
    let p00 = a0 * b0;
    let p01 = a0 * b1;
    let p10 = a1 * b0;
    let p11 = a1 * b1;
    let mid = (p00 >> 64) + (p01 & mask) + (p10 & mask);
    let lo = (p00 & mask) | (mid << 64);
    let hi = p11 + (p01 >> 64) + (p10 >> 64) + (mid >> 64);
    (hi, lo)
}

/// (hi·2¹²⁸ + lo) / d, saturating when the quotient exceeds 128 bits
/// (which `mul_div_floor`'s callers never ask: their `a` or `b` ≤ `c`).
fn div_256_by_128(hi: u128, lo: u128, d: u128) -> u128 {
    if hi >= d {
        return u128::MAX;
    }
    let mut rem = hi;
    let mut quo = 0u128;
    for i in (0..128).rev() {
        let carry = rem >> 127;
        rem = (rem << 1) | ((lo >> i) & 1);
        quo <<= 1;
        if carry == 1 || rem >= d {
            rem = rem.wrapping_sub(d);
            quo |= 1;
        }
    }
    quo
}

/// Base units of an amount at `scale` decimal places, or `None` when the
/// amount is negative, has more places than `scale`, or does not fit.
pub(crate) fn to_units(amount: Decimal, scale: u32) -> Option<Units> {
    if amount.is_sign_negative() && !amount.is_zero() {
        return None;
    }
    let s = amount.scale();
    if s > scale {
        return None;
    }
    let m = u128::try_from(amount.mantissa()).ok()?;
    m.checked_mul(10u128.checked_pow(scale - s)?)
}

/// The exact decimal of `units` base units at `scale` places, normalised
/// (no trailing zeros). Decimal holds 96 bits: an amount beyond that loses
/// its last places (never reached by real amounts: 7.9 × 10²⁸ base units).
pub fn to_decimal(units: Units, scale: u32) -> Decimal {
    let (mut v, mut s) = (units, scale);
    while v >= 1 << 96 && s > 0 {
        v /= 10;
        s -= 1;
    }
    Decimal::try_from_i128_with_scale(v.min((1 << 96) - 1) as i128, s)
        .unwrap_or(Decimal::MAX)
        .normalize()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::dec;

    #[test]
    fn mul_div_is_exact_beyond_128_bits() {
        assert_eq!(mul_div_floor(10, 7, 3), 23);
        let wei = 10u128.pow(24); // a million ether in wei
        // 10^24 × 10^24 overflows 128 bits; / 10^24 gives it back.
        assert_eq!(mul_div_floor(wei, wei, wei), wei);
        assert_eq!(mul_div_floor(wei, 3 * wei, 4 * wei), wei * 3 / 4);
        assert_eq!(
            mul_div_floor(u128::MAX, u128::MAX - 1, u128::MAX),
            u128::MAX - 1
        );
    }

    #[test]
    fn units_round_trip_exactly() {
        assert_eq!(to_units(dec!(0.1), 8), Some(10_000_000));
        assert_eq!(to_units(dec!(0.123), 2), None);
        assert_eq!(to_units(dec!(-1), 2), None);
        assert_eq!(to_decimal(10_000_000, 8), dec!(0.1));
        assert_eq!(to_decimal(10_000_000, 8).to_string(), "0.1");
        let mut a = Amounts::default();
        a.push(5);
        a.push(u128::from(u64::MAX) * 4);
        assert_eq!(a.get(0), 5);
        assert_eq!(a.get(1), u128::from(u64::MAX) * 4);
    }
}
