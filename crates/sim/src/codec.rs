//! Encoders for identifiers that carry checksums: TRON and Bitcoin addresses,
//! EIP-55 Ethereum addresses and IBANs, plus the digit permutation that makes
//! generated numbers unique without a global registry.
//!
//! Every selector the simulator writes must survive core normalisation, so
//! checksums are computed here exactly as the standards define them rather
//! than faked.

use bech32::{Fe32, Hrp};
use sha3::{Digest, Keccak256};

/// A TRON address: version byte 0x41 and a 20-byte account id in
/// base58check, which always starts with `T`.
pub fn tron_address(account: &[u8; 20]) -> String {
    let mut payload = [0u8; 21];
    payload[0] = 0x41;
    payload[1..].copy_from_slice(account);
    bs58::encode(payload).with_check().into_string()
}

/// A legacy Bitcoin pay-to-public-key-hash address (`1…`, base58check).
pub fn btc_p2pkh(hash: &[u8; 20]) -> String {
    let mut payload = [0u8; 21];
    payload[1..].copy_from_slice(hash);
    bs58::encode(payload).with_check().into_string()
}

/// A native segwit v0 Bitcoin address (`bc1q…`, bech32, lower case).
pub fn btc_bech32(program: &[u8; 20]) -> String {
    bech32::segwit::encode(bech32::hrp::BC, Fe32::Q, program)
        .expect("a 20-byte v0 witness program always encodes")
}

/// A Bitcoin Taproot address (`bc1p…`, bech32m) for a 32-byte key.
pub fn btc_taproot(key: &[u8; 32]) -> String {
    let hrp: Hrp = bech32::hrp::BC;
    bech32::segwit::encode(hrp, Fe32::P, key).expect("a 32-byte v1 witness program always encodes")
}

/// An Ethereum address in canonical lower case, `0x` and 40 hex digits.
pub fn eth_lower(account: &[u8; 20]) -> String {
    format!("0x{}", hex::encode(account))
}

/// The EIP-55 mixed-case checksum form of an Ethereum address, as wallets
/// display it: a hex letter is upper case when the matching nibble of the
/// Keccak-256 hash of the lower-case address is 8 or more.
pub fn eth_checksummed(account: &[u8; 20]) -> String {
    let lower = hex::encode(account);
    let hash = Keccak256::digest(lower.as_bytes());
    let mut out = String::with_capacity(42);
    out.push_str("0x");
    for (i, c) in lower.chars().enumerate() {
        let nibble = (hash[i / 2] >> (if i % 2 == 0 { 4 } else { 0 })) & 0x0f;
        if c.is_ascii_alphabetic() && nibble >= 8 {
            out.push(c.to_ascii_uppercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// The two IBAN check digits for a country and BBAN (ISO 13616, mod 97).
pub fn iban_check_digits(country: &str, bban: &str) -> u8 {
    let mut rem: u32 = 0;
    let mut feed = |c: u8| {
        let v = if c.is_ascii_digit() {
            u32::from(c - b'0')
        } else {
            u32::from(c.to_ascii_uppercase() - b'A') + 10
        };
        rem = if v >= 10 {
            (rem * 100 + v) % 97
        } else {
            (rem * 10 + v) % 97
        };
    };
    for &c in bban
        .as_bytes()
        .iter()
        .chain(country.as_bytes())
        .chain(b"00")
    {
        feed(c);
    }
    (98 - rem) as u8
}

/// A complete IBAN in compact upper-case form.
pub fn iban(country: &str, bban: &str) -> String {
    format!("{country}{:02}{bban}", iban_check_digits(country, bban))
}

/// True when an IBAN's mod-97 check holds (used by tests and by the typo
/// generator to be sure a garbled IBAN really is invalid).
pub fn iban_is_valid(iban: &str) -> bool {
    if iban.len() < 5 || !iban.is_ascii() {
        return false;
    }
    let (head, rest) = iban.split_at(4);
    let mut rem: u32 = 0;
    for c in rest.bytes().chain(head.bytes()) {
        let v = match c {
            b'0'..=b'9' => u32::from(c - b'0'),
            b'A'..=b'Z' => u32::from(c - b'A') + 10,
            _ => return false,
        };
        rem = if v >= 10 {
            (rem * 100 + v) % 97
        } else {
            (rem * 10 + v) % 97
        };
    }
    rem == 1
}

/// A bijection of `0..space` that scatters consecutive serial numbers, so
/// that counters become random-looking yet never collide.
///
/// `x -> (a*x + b) mod space` is a bijection when `a` is coprime to `space`;
/// `a` is a prime larger than any factor our spaces are built from.
pub fn scatter(serial: u64, space: u64, salt: u64) -> u64 {
    const A: u128 = 1_000_003;
    debug_assert!(space > 0 && !space.is_multiple_of(1_000_003));
    let b = u128::from(salt % space);
    ((A * u128::from(serial % space) + b) % u128::from(space)) as u64
}

/// Writes `value` as exactly `width` decimal digits (zero-padded, high digits
/// dropped), into `out`.
pub fn push_digits(out: &mut String, value: u64, width: usize) {
    let mut buf = [b'0'; 24];
    let mut v = value;
    for i in (0..width.min(24)).rev() {
        buf[i] = b'0' + (v % 10) as u8;
        v /= 10;
    }
    out.push_str(std::str::from_utf8(&buf[..width.min(24)]).expect("ascii digits"));
}

/// Crockford-style base-32 text of a number, for invite codes and tokens
/// (no I, L, O, U, so that they read unambiguously).
pub fn token(mut value: u64, width: usize) -> String {
    const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    let mut out = vec![b'0'; width];
    for slot in out.iter_mut().rev() {
        *slot = ALPHABET[(value % 32) as usize];
        value /= 32;
    }
    String::from_utf8(out).expect("ascii alphabet")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tron_addresses_start_with_t_and_decode_with_their_checksum() {
        let a = tron_address(&[7u8; 20]);
        assert!(a.starts_with('T') && a.len() == 34, "{a}");
        let raw = bs58::decode(&a).with_check(None).into_vec().unwrap();
        assert_eq!(raw[0], 0x41);
    }

    #[test]
    fn eip55_matches_the_reference_vector() {
        // From EIP-55's test cases.
        let raw: [u8; 20] = hex::decode("5aaeb6053f3e94c9b9a09f33669435e7ef1beaed")
            .unwrap()
            .try_into()
            .unwrap();
        assert_eq!(
            eth_checksummed(&raw),
            "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
        );
        assert_eq!(
            eth_lower(&raw),
            "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed"
        );
    }

    #[test]
    fn bech32_round_trips() {
        let a = btc_bech32(&[1u8; 20]);
        assert!(a.starts_with("bc1q"));
        let (hrp, version, program) = bech32::segwit::decode(&a).unwrap();
        assert_eq!(hrp, bech32::hrp::BC);
        assert_eq!(version, Fe32::Q);
        assert_eq!(program, vec![1u8; 20]);
        assert!(btc_taproot(&[2u8; 32]).starts_with("bc1p"));
        assert!(btc_p2pkh(&[3u8; 20]).starts_with('1'));
    }

    #[test]
    fn iban_check_digits_match_the_registry_examples() {
        assert_eq!(iban("GB", "NWBK60161331926819"), "GB29NWBK60161331926819");
        assert_eq!(iban("DE", "370400440532013000"), "DE89370400440532013000");
        assert!(iban_is_valid("GB29NWBK60161331926819"));
        assert!(!iban_is_valid("GB28NWBK60161331926819"));
    }

    #[test]
    fn scatter_is_a_bijection() {
        let space = 9 * 1000;
        let mut seen = vec![false; space as usize];
        for x in 0..space {
            let y = scatter(x, space, 12345) as usize;
            assert!(!seen[y]);
            seen[y] = true;
        }
    }

    #[test]
    fn digits_and_tokens_have_fixed_width() {
        let mut s = String::new();
        push_digits(&mut s, 42, 6);
        assert_eq!(s, "000042");
        assert_eq!(token(0, 4), "0000");
        assert_eq!(token(31, 2), "0Z");
    }
}
