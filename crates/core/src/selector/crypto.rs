//! Crypto addresses: checks an address's checksum and returns it chain-qualified.
//!
//! Canonical forms (FORMATS.md: chain prefix; bech32 lowercase; base58 as
//! written; EVM lowercase hex):
//!
//! | chain | prefix | accepted | verified |
//! | --- | --- | --- | --- |
//! | Bitcoin | `btc` | `1…`, `3…` base58check; `bc1…` bech32 (v0) / bech32m (v1+, taproot) | double-SHA-256 checksum and version byte; BIP-173/350 checksum, witness version and program length |
//! | Litecoin | `ltc` | `L…`, `M…`, `3…` base58check; `ltc1…` bech32/bech32m | as Bitcoin |
//! | Dogecoin | `doge` | `D…`, `A…`/`9…` base58check | checksum and version byte |
//! | Tron | `trx` | `T…` base58check (34 characters); with `trx:`, also the 21-byte hex form `41…` | checksum and version byte 0x41 |
//! | XRP Ledger | `xrp` | `r…` classic address (XRP base58 alphabet) | checksum and version byte |
//! | EVM chains | `eth`, `bsc`, `polygon`, `arbitrum`, `optimism`, `avax`, `base` | `0x` + 40 hex | EIP-55 checksum when the hex is mixed case |
//! | Solana | `sol` (only with the prefix) | base58 public key | alphabet and 32-byte length: the format has no checksum |
//!
//! An EVM address is the same key on every EVM chain, but the selector keeps
//! the chain the input names (`bsc:0x…` stays `bsc:`), because where the
//! money moved is part of the intelligence; an address with no chain named
//! is `eth:`. USDT is a token, not a chain: `usdt-trc20:`/`trc20:` give a
//! Tron address, `usdt-erc20:`/`erc20:` an Ethereum one, `usdt-bep20:`/
//! `bep20:` a BSC one, and a bare `usdt:` takes the chain from the address's
//! shape (`T…` Tron, `0x…` Ethereum).

use sha2::{Digest, Sha256};
use sha3::Keccak256;

use super::{ErrorCode, Selector, SelectorError, SelectorKind};

/// The words accepted before `:` for crypto addresses, and the canonical
/// prefix each stands for. `usdt` is a pseudo-prefix resolved from the
/// address's shape. Only chain and token words: never `http`, `tel`, a
/// platform or anything else another selector kind owns.
const CHAIN_WORDS: &[(&str, &str)] = &[
    ("btc", "btc"),
    ("bitcoin", "btc"),
    ("xbt", "btc"),
    ("ltc", "ltc"),
    ("litecoin", "ltc"),
    ("doge", "doge"),
    ("dogecoin", "doge"),
    ("trx", "trx"),
    ("tron", "trx"),
    ("trc20", "trx"),
    ("trc-20", "trx"),
    ("usdt-trc20", "trx"),
    ("usdt_trc20", "trx"),
    ("usdttrc20", "trx"),
    ("eth", "eth"),
    ("ethereum", "eth"),
    ("erc20", "eth"),
    ("erc-20", "eth"),
    ("usdt-erc20", "eth"),
    ("usdt_erc20", "eth"),
    ("usdterc20", "eth"),
    ("bsc", "bsc"),
    ("bep20", "bsc"),
    ("bep-20", "bsc"),
    ("usdt-bep20", "bsc"),
    ("usdt_bep20", "bsc"),
    ("polygon", "polygon"),
    ("matic", "polygon"),
    ("arbitrum", "arbitrum"),
    ("optimism", "optimism"),
    ("avax", "avax"),
    ("avalanche", "avax"),
    ("base", "base"),
    ("xrp", "xrp"),
    ("ripple", "xrp"),
    ("sol", "sol"),
    ("solana", "sol"),
    ("usdt", "usdt"),
    ("tether", "usdt"),
];

/// The canonical EVM chain prefixes (every one of them is also its own word
/// in [`CHAIN_WORDS`], so canonical text normalises to itself).
const EVM_CHAINS: &[&str] = &[
    "eth", "bsc", "polygon", "arbitrum", "optimism", "avax", "base",
];

/// Maps the word before `:` (as split off by the dispatcher, lowercase) to
/// its canonical chain prefix.
pub(crate) fn chain_prefix(s: &str) -> Option<&'static str> {
    CHAIN_WORDS
        .iter()
        .find(|(word, _)| word.eq_ignore_ascii_case(s))
        .map(|&(_, prefix)| prefix)
}

/// Normalises an address. `prefix` is the canonical chain prefix when the
/// input named one; without it the chain is taken from the address's shape.
pub(crate) fn normalize(
    value: &str,
    prefix: Option<&'static str>,
) -> Result<Selector, SelectorError> {
    let value = strip_uri_parameters(value.trim());
    if value.is_empty() {
        return Err(invalid("crypto address is empty"));
    }
    match prefix {
        None => by_shape(value),
        Some("btc") => bitcoin_like(value, &BITCOIN),
        Some("ltc") => bitcoin_like(value, &LITECOIN),
        Some("doge") => bitcoin_like(value, &DOGECOIN),
        Some("trx") => tron(value),
        Some("xrp") => base58_address(value, &XRP),
        Some("sol") => solana(value),
        Some("usdt") => usdt(value),
        Some(chain) => match EVM_CHAINS.iter().find(|c| **c == chain) {
            Some(chain) => evm(value, chain, true),
            None => Err(invalid(format!(
                "unknown chain '{chain}'; use btc, ltc, doge, trx, xrp, sol or an evm chain (eth, bsc, polygon, arbitrum, optimism, avax, base)"
            ))),
        },
    }
}

/// A cheap shape test for the guesser: does this look like an address of a
/// chain we can recognise without a prefix? It deliberately accepts a
/// corrupted address of a distinctive shape, so that the user hears which
/// check failed rather than "unrecognised".
pub(crate) fn looks_like_address(s: &str) -> bool {
    let b = s.as_bytes();
    if let Some(hex) = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        return hex.len() == 40 && hex.bytes().all(|c| c.is_ascii_hexdigit());
    }
    if starts_with_ignore_case(b, b"bc1") || starts_with_ignore_case(b, b"ltc1") {
        return (14..=90).contains(&b.len()) && b.iter().all(u8::is_ascii_alphanumeric);
    }
    let Some(&first) = b.first() else {
        return false;
    };
    match first {
        // Digits-only strings of this length are numbers, not addresses.
        b'1' | b'3' => {
            (25..=35).contains(&b.len())
                && b.iter().all(|&c| is_base58(c))
                && b.iter().any(u8::is_ascii_alphabetic)
        }
        b'T' | b'D' => b.len() == 34 && b.iter().all(|&c| is_base58(c)),
        b'L' | b'M' => (33..=34).contains(&b.len()) && b.iter().all(|&c| is_base58(c)),
        // A lowercase `r` opens many words, so an XRP address is only
        // guessed when its checksum holds.
        b'r' => base58_address(s, &XRP).is_ok(),
        _ => false,
    }
}

/// Drops BIP-21 / EIP-681 URI parameters (`?amount=…`, `@chain-id`,
/// `/transfer`) and EIP-681's `pay-`: none of their separators occurs in an
/// address, so what precedes them is the address itself.
fn strip_uri_parameters(value: &str) -> &str {
    let value = value.strip_prefix("pay-").unwrap_or(value);
    match value.find(['?', '@', '/']) {
        Some(end) => value[..end].trim_end(),
        None => value,
    }
}

/// Decides the chain of an unprefixed address from its shape.
fn by_shape(value: &str) -> Result<Selector, SelectorError> {
    let b = value.as_bytes();
    if starts_with_ignore_case(b, b"0x") {
        return evm(value, "eth", false);
    }
    if starts_with_ignore_case(b, b"bc1") {
        return bitcoin_like(value, &BITCOIN);
    }
    if starts_with_ignore_case(b, b"ltc1") {
        return bitcoin_like(value, &LITECOIN);
    }
    match b[0] {
        b'1' | b'3' => bitcoin_like(value, &BITCOIN),
        b'T' => tron(value),
        b'L' | b'M' => bitcoin_like(value, &LITECOIN),
        b'D' => bitcoin_like(value, &DOGECOIN),
        b'r' => base58_address(value, &XRP),
        _ => Err(invalid(
            "not a recognised crypto address; name its chain, for example 'btc:', 'eth:', 'trx:', 'ltc:', 'doge:', 'xrp:' or 'sol:'",
        )),
    }
}

/// `usdt:` names the token, not the chain; the address's shape tells which.
fn usdt(value: &str) -> Result<Selector, SelectorError> {
    let b = value.as_bytes();
    if b.first() == Some(&b'T') {
        tron(value)
    } else if starts_with_ignore_case(b, b"0x") {
        evm(value, "eth", false)
    } else {
        Err(invalid(
            "usdt address must be a tron address (T…) or an ethereum address (0x…); name the chain with 'usdt-trc20:', 'usdt-erc20:' or 'usdt-bep20:'",
        ))
    }
}

/// A base58check address family: its name in messages, the canonical
/// prefix, the alphabet and the version bytes it accepts.
#[derive(Debug)]
struct Base58Family {
    name: &'static str,
    prefix: &'static str,
    alphabet: &'static bs58::Alphabet,
    versions: &'static [(u8, &'static str)],
}

/// A chain with base58check addresses and, optionally, segwit ones.
#[derive(Debug)]
struct BitcoinLike {
    base58: Base58Family,
    /// The bech32 human-readable part of mainnet segwit addresses.
    hrp: Option<&'static str>,
}

const BITCOIN: BitcoinLike = BitcoinLike {
    base58: Base58Family {
        name: "bitcoin",
        prefix: "btc",
        alphabet: bs58::Alphabet::BITCOIN,
        versions: &[(0x00, "0x00 (p2pkh, 1…)"), (0x05, "0x05 (p2sh, 3…)")],
    },
    hrp: Some("bc"),
};

const LITECOIN: BitcoinLike = BitcoinLike {
    base58: Base58Family {
        name: "litecoin",
        prefix: "ltc",
        alphabet: bs58::Alphabet::BITCOIN,
        // 0x05 is the legacy p2sh version, shared with bitcoin; a `3…`
        // address without a prefix is taken as bitcoin.
        versions: &[
            (0x30, "0x30 (p2pkh, L…)"),
            (0x32, "0x32 (p2sh, M…)"),
            (0x05, "0x05 (legacy p2sh, 3…)"),
        ],
    },
    hrp: Some("ltc"),
};

const DOGECOIN: BitcoinLike = BitcoinLike {
    base58: Base58Family {
        name: "dogecoin",
        prefix: "doge",
        alphabet: bs58::Alphabet::BITCOIN,
        versions: &[(0x1e, "0x1e (p2pkh, D…)"), (0x16, "0x16 (p2sh, 9… or A…)")],
    },
    hrp: None,
};

const TRON: Base58Family = Base58Family {
    name: "tron",
    prefix: "trx",
    alphabet: bs58::Alphabet::BITCOIN,
    versions: &[(0x41, "0x41 (T…)")],
};

const XRP: Base58Family = Base58Family {
    name: "xrp",
    prefix: "xrp",
    alphabet: bs58::Alphabet::RIPPLE,
    versions: &[(0x00, "0x00 (classic address, r…)")],
};

/// Version bytes of other chains, to tell the user which chain an address
/// with a valid checksum but the wrong version belongs to.
const KNOWN_VERSIONS: &[(u8, &str, &str)] = &[
    (0x00, "bitcoin", "btc"),
    (0x05, "bitcoin", "btc"),
    (0x30, "litecoin", "ltc"),
    (0x32, "litecoin", "ltc"),
    (0x1e, "dogecoin", "doge"),
    (0x16, "dogecoin", "doge"),
    (0x41, "tron", "trx"),
];

fn bitcoin_like(value: &str, chain: &BitcoinLike) -> Result<Selector, SelectorError> {
    if let Some(hrp) = chain.hrp {
        let b = value.as_bytes();
        if b.len() > hrp.len() && starts_with_ignore_case(b, hrp.as_bytes()) && b[hrp.len()] == b'1'
        {
            return segwit(value, hrp, &chain.base58);
        }
    }
    base58_address(value, &chain.base58)
}

/// Verifies a segwit address: bech32 checksum for witness version 0,
/// bech32m for 1 and above (BIP-173, BIP-350), witness program length, and
/// the chain's mainnet human-readable part.
fn segwit(value: &str, hrp: &str, family: &Base58Family) -> Result<Selector, SelectorError> {
    use bech32::primitives::decode::{
        CharError, SegwitHrpstring, SegwitHrpstringError as E, UncheckedHrpstringError as U,
    };
    let name = family.name;
    // Six characters are the checksum alone; the crate would report this
    // as a checksum failure.
    if value.len() <= hrp.len() + 1 + 6 {
        return Err(invalid(format!(
            "{name} segwit address has no data after '{hrp}1', only a checksum"
        )));
    }
    let parsed = SegwitHrpstring::new(value).map_err(|e| {
        invalid(match e {
            E::Unchecked(U::Char(CharError::MixedCase)) => format!(
                "{name} segwit address mixes upper and lower case; bech32 is written all lowercase (or all uppercase)"
            ),
            E::Unchecked(U::Char(CharError::InvalidChar(c))) => {
                format!("{name} segwit address contains '{c}', which is not a bech32 character (bech32 has no 1, b, i or o after the separator)")
            }
            E::Unchecked(U::Char(_)) | E::NoData => {
                format!("{name} segwit address has no data after '{hrp}1'")
            }
            E::Unchecked(_) => format!("{name} segwit address has an invalid prefix; mainnet addresses start with '{hrp}1'"),
            E::TooLong(len) => format!("{name} segwit address has {len} characters; the limit is 90"),
            E::InvalidWitnessVersion(v) => {
                format!("{name} segwit address has witness version {}; versions run from 0 to 16", v.to_u8())
            }
            E::Padding(_) => format!("{name} segwit address has invalid padding; check for a missing or extra character"),
            E::WitnessLength(_) => format!(
                "{name} segwit address has a witness program of the wrong length (20 or 32 bytes for version 0, 2 to 40 otherwise); check for a missing or extra character"
            ),
            E::Checksum(_) => format!(
                "{name} segwit address checksum does not match (bech32 for witness version 0, bech32m for version 1 and above); check for a mistyped character"
            ),
            _ => format!("{name} segwit address is not valid bech32"),
        })
    })?;
    if !parsed.hrp().as_str().eq_ignore_ascii_case(hrp) {
        return Err(invalid(format!(
            "{name} segwit address must start with '{hrp}1' (mainnet); test networks are not accepted"
        )));
    }
    Ok(Selector::from_parts(
        SelectorKind::Crypto,
        family.prefix,
        &value.to_ascii_lowercase(),
    ))
}

/// Verifies a base58check address: alphabet, 25 decoded bytes (version,
/// 20-byte hash, 4-byte checksum), double-SHA-256 checksum, version byte.
/// The canonical text is the address as written: base58 is case-sensitive
/// and each byte string has exactly one base58 spelling.
fn base58_address(value: &str, family: &Base58Family) -> Result<Selector, SelectorError> {
    let payload = decode_base58check(value, family)?;
    let version = payload[0];
    if !family.versions.iter().any(|&(v, _)| v == version) {
        let expected: Vec<&str> = family.versions.iter().map(|&(_, d)| d).collect();
        let other = KNOWN_VERSIONS
            .iter()
            .find(|&&(v, chain, _)| v == version && chain != family.name)
            .map(|&(_, chain, prefix)| format!("; it is a {chain} address (use '{prefix}:')"))
            .unwrap_or_default();
        return Err(invalid(format!(
            "{} address has version byte 0x{version:02x}; expected {}{other}",
            family.name,
            expected.join(" or ")
        )));
    }
    Ok(Selector::from_parts(
        SelectorKind::Crypto,
        family.prefix,
        value,
    ))
}

/// Decodes a base58check string and verifies its checksum; returns the
/// 21-byte payload (version and hash).
fn decode_base58check(value: &str, family: &Base58Family) -> Result<[u8; 21], SelectorError> {
    let name = family.name;
    let chars = value.chars().count();
    // Bounds the quadratic base58 decoding; a 25-byte value has at most 35.
    if chars > 40 {
        return Err(invalid(format!(
            "{name} address has {chars} characters; base58 addresses have 25 to 35"
        )));
    }
    let mut buf = [0u8; 40];
    let len = bs58::decode(value)
        .with_alphabet(family.alphabet)
        .onto(&mut buf)
        .map_err(|e| {
            invalid(match e {
                bs58::decode::Error::InvalidCharacter { character, index } => format!(
                    "{name} address contains '{character}' at position {}, which is not a base58 character (base58 has no 0, O, I or l)",
                    index + 1
                ),
                bs58::decode::Error::NonAsciiCharacter { index } => format!(
                    "{name} address contains a non-ascii character at position {}",
                    index + 1
                ),
                _ => format!("{name} address has {chars} characters; base58 addresses have 25 to 35"),
            })
        })?;
    if len != 25 {
        return Err(invalid(format!(
            "{name} address decodes to {len} bytes; expected 25 (version, 20-byte hash, checksum): check for a missing or extra character"
        )));
    }
    let digest = Sha256::digest(Sha256::digest(&buf[..21]));
    if digest[..4] != buf[21..25] {
        return Err(invalid(format!(
            "{name} address checksum does not match; check for a mistyped, missing or extra character"
        )));
    }
    let mut payload = [0u8; 21];
    payload.copy_from_slice(&buf[..21]);
    Ok(payload)
}

/// A Tron address: base58check with version 0x41, or (with an explicit
/// chain) the 21-byte hex form `41…` that Tron's APIs print, which is
/// rewritten to base58check so both spellings are one selector. The hex form
/// carries no checksum of its own.
fn tron(value: &str) -> Result<Selector, SelectorError> {
    let b = value.as_bytes();
    if b.len() == 42 && b.starts_with(b"41") && b.iter().all(u8::is_ascii_hexdigit) {
        let mut raw = [0u8; 21];
        hex::decode_to_slice(value, &mut raw)
            .map_err(|_| invalid("tron hex address is not valid hex"))?;
        let text = bs58::encode(raw).with_check().into_string();
        return Ok(Selector::from_parts(SelectorKind::Crypto, "trx", &text));
    }
    if starts_with_ignore_case(b, b"0x") {
        return Err(invalid(
            "tron address must start with T (base58) or be 42 hex digits starting 41; this looks like an evm address (use 'eth:' or the evm chain's prefix)",
        ));
    }
    base58_address(value, &TRON)
}

/// A Solana address is a base58 ed25519 public key with no checksum, so only
/// its alphabet and 32-byte length can be verified; it is never guessed.
fn solana(value: &str) -> Result<Selector, SelectorError> {
    let chars = value.chars().count();
    if !(32..=44).contains(&chars) {
        return Err(invalid(format!(
            "solana address has {chars} characters; solana addresses have 32 to 44"
        )));
    }
    let mut buf = [0u8; 44];
    let len = bs58::decode(value).onto(&mut buf).map_err(|e| {
        invalid(match e {
            bs58::decode::Error::InvalidCharacter { character, index } => format!(
                "solana address contains '{character}' at position {}, which is not a base58 character (base58 has no 0, O, I or l)",
                index + 1
            ),
            _ => "solana address is not valid base58".to_owned(),
        })
    })?;
    if len != 32 {
        return Err(invalid(format!(
            "solana address decodes to {len} bytes; a solana public key has 32"
        )));
    }
    Ok(Selector::from_parts(SelectorKind::Crypto, "sol", value))
}

/// An EVM address: `0x` and 40 hex digits. Mixed case carries the EIP-55
/// checksum, which is verified; all-lowercase or all-uppercase carries none.
/// `bare_hex_ok` admits 40 hex digits without `0x` when the input named the
/// chain (without a chain, 40 hex digits are a SHA-1 hash).
fn evm(value: &str, chain: &'static str, bare_hex_ok: bool) -> Result<Selector, SelectorError> {
    let hex = match value
        .strip_prefix("0x")
        .or_else(|| value.strip_prefix("0X"))
    {
        Some(hex) => hex,
        None if bare_hex_ok && value.len() == 40 => value,
        None => {
            let hint = if value.starts_with('T') {
                "; this looks like a tron address (use 'trx:')"
            } else {
                ""
            };
            return Err(invalid(format!(
                "{chain} address must be 0x followed by 40 hex digits{hint}"
            )));
        }
    };
    if let Some((i, c)) = hex.char_indices().find(|(_, c)| !c.is_ascii_hexdigit()) {
        return Err(invalid(format!(
            "{chain} address contains '{c}' at position {}, which is not a hex digit",
            value.len() - hex.len() + i + 1
        )));
    }
    if hex.len() != 40 {
        return Err(invalid(format!(
            "{chain} address must have 40 hex digits after 0x; this one has {}",
            hex.len()
        )));
    }
    let mut lower = [0u8; 40];
    lower.copy_from_slice(hex.as_bytes());
    lower.make_ascii_lowercase();
    let has_upper = hex.bytes().any(|c| c.is_ascii_uppercase());
    let has_lower = hex.bytes().any(|c| c.is_ascii_lowercase());
    if has_upper && has_lower && !eip55_matches(hex.as_bytes(), &lower) {
        return Err(invalid(format!(
            "{chain} address fails its eip-55 checksum (the mixed-case letters); check for a mistyped character"
        )));
    }
    let mut canonical = String::with_capacity(42);
    canonical.push_str("0x");
    // `lower` holds ASCII hex digits only.
    canonical.extend(lower.iter().map(|&c| c as char));
    Ok(Selector::from_parts(
        SelectorKind::Crypto,
        chain,
        &canonical,
    ))
}

/// EIP-55: a hex letter is uppercase exactly when the matching nibble of
/// keccak-256(lowercase hex) is 8 or more.
fn eip55_matches(hex: &[u8], lower: &[u8; 40]) -> bool {
    let hash = Keccak256::digest(lower);
    hex.iter().enumerate().all(|(i, &c)| {
        if !c.is_ascii_alphabetic() {
            return true;
        }
        let byte = hash[i / 2];
        let nibble = if i % 2 == 0 { byte >> 4 } else { byte & 0x0f };
        c.is_ascii_uppercase() == (nibble >= 8)
    })
}

fn is_base58(c: u8) -> bool {
    c.is_ascii_alphanumeric() && !matches!(c, b'0' | b'O' | b'I' | b'l')
}

fn starts_with_ignore_case(s: &[u8], prefix: &[u8]) -> bool {
    s.len() >= prefix.len() && s[..prefix.len()].eq_ignore_ascii_case(prefix)
}

fn invalid(message: impl Into<String>) -> SelectorError {
    SelectorError::new(ErrorCode::InvalidCrypto, message)
}

#[cfg(test)]
mod tests {
    use super::super::{Hint, normalize_one};
    use super::*;
    use proptest::prelude::*;

    fn ok(input: &str, prefix: Option<&'static str>) -> String {
        match normalize(input, prefix) {
            Ok(s) => s.into_string(),
            Err(e) => panic!("{input:?} with {prefix:?} was rejected: {}", e.message),
        }
    }

    fn err(input: &str, prefix: Option<&'static str>) -> String {
        match normalize(input, prefix) {
            Ok(s) => panic!("{input:?} with {prefix:?} was accepted as {s}"),
            Err(e) => {
                assert_eq!(e.code, ErrorCode::InvalidCrypto, "{input:?}: {}", e.message);
                assert!(
                    !e.message.ends_with('.'),
                    "message ends with a period: {}",
                    e.message
                );
                assert!(
                    e.message.starts_with(|c: char| c.is_ascii_lowercase()),
                    "{}",
                    e.message
                );
                e.message
            }
        }
    }

    #[test]
    fn accepts_valid_addresses() {
        let cases: &[(&str, Option<&'static str>, &str)] = &[
            // BIP-173 / BIP-350 mainnet vectors.
            (
                "BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4",
                None,
                "btc:bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4",
            ),
            (
                "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4",
                Some("btc"),
                "btc:bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4",
            ),
            (
                "bc1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3qccfmv3",
                None,
                "btc:bc1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3qccfmv3",
            ),
            (
                "bc1pw508d6qejxtdg4y5r3zarvary0c5xw7kw508d6qejxtdg4y5r3zarvary0c5xw7kt5nd6y",
                None,
                "btc:bc1pw508d6qejxtdg4y5r3zarvary0c5xw7kw508d6qejxtdg4y5r3zarvary0c5xw7kt5nd6y",
            ),
            ("BC1SW50QGDZ25J", None, "btc:bc1sw50qgdz25j"),
            (
                "bc1zw508d6qejxtdg4y5r3zarvaryvaxxpcs",
                None,
                "btc:bc1zw508d6qejxtdg4y5r3zarvaryvaxxpcs",
            ),
            (
                "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0",
                None,
                "btc:bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0",
            ),
            // Base58check: the genesis coinbase address and a p2sh address.
            (
                "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa",
                None,
                "btc:1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa",
            ),
            (
                "3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy",
                None,
                "btc:3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy",
            ),
            // BIP-21 URI parameters are dropped.
            (
                "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa?amount=0.1&label=x",
                Some("btc"),
                "btc:1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa",
            ),
            // EIP-55 examples: mixed case verified, output lowercase.
            (
                "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
                None,
                "eth:0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed",
            ),
            (
                "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
                None,
                "eth:0xfb6916095ca1df60bb79ce92ce3ea74c37c5d359",
            ),
            (
                "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB",
                Some("eth"),
                "eth:0xdbf03b407c01e7cd3cbea99509d93f8dddc8c6fb",
            ),
            (
                "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb",
                Some("bsc"),
                "bsc:0xd1220a0cf47c7b9be7a2e6ba89f429762e7b9adb",
            ),
            // Single-case hex carries no checksum.
            (
                "0x52908400098527886E0F7030069857D2E4169EE7",
                None,
                "eth:0x52908400098527886e0f7030069857d2e4169ee7",
            ),
            (
                "0X52908400098527886e0f7030069857d2e4169ee7",
                Some("polygon"),
                "polygon:0x52908400098527886e0f7030069857d2e4169ee7",
            ),
            (
                "52908400098527886e0f7030069857d2e4169ee7",
                Some("eth"),
                "eth:0x52908400098527886e0f7030069857d2e4169ee7",
            ),
            // EIP-681 payment URI.
            (
                "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359@1/transfer?value=1",
                Some("eth"),
                "eth:0xfb6916095ca1df60bb79ce92ce3ea74c37c5d359",
            ),
            // Tron: base58check with version 0x41; the hex form is rewritten.
            (
                "TLa2f6VPqDgRE67v1736s7bJ8Ray5wYjU7",
                None,
                "trx:TLa2f6VPqDgRE67v1736s7bJ8Ray5wYjU7",
            ),
            (
                "TLa2f6VPqDgRE67v1736s7bJ8Ray5wYjU7",
                Some("trx"),
                "trx:TLa2f6VPqDgRE67v1736s7bJ8Ray5wYjU7",
            ),
            (
                "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t",
                Some("usdt"),
                "trx:TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t",
            ),
            (
                "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
                Some("usdt"),
                "eth:0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed",
            ),
            (
                "41a614f803b6fd780986a42c78ec9c7f77e6ded13c",
                Some("trx"),
                "trx:TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t",
            ),
            // Litecoin and dogecoin.
            (
                "LVg2kJoFNg45Nbpy53h7Fe1wKyeXVRhMH9",
                None,
                "ltc:LVg2kJoFNg45Nbpy53h7Fe1wKyeXVRhMH9",
            ),
            (
                "MGxNPPB7eBoWPUaprtX9v9CXJZoD2465zN",
                Some("ltc"),
                "ltc:MGxNPPB7eBoWPUaprtX9v9CXJZoD2465zN",
            ),
            (
                "LTC1QVT5S0V2UHUNA2SJNN84LDU8M2R4M3RCC3N0RM5",
                None,
                "ltc:ltc1qvt5s0v2uhuna2sjnn84ldu8m2r4m3rcc3n0rm5",
            ),
            (
                "DH5yaieqoZN36fDVciNyRueRGvGLR3mr7L",
                None,
                "doge:DH5yaieqoZN36fDVciNyRueRGvGLR3mr7L",
            ),
            (
                "A1TG3QCihNTvfF67tcng864kBsarnaPyFm",
                Some("doge"),
                "doge:A1TG3QCihNTvfF67tcng864kBsarnaPyFm",
            ),
            // XRP classic address (the genesis account) and a solana key.
            (
                "rHb9CJAWyB4rj91VRWn96DkukG4bwdtyTh",
                None,
                "xrp:rHb9CJAWyB4rj91VRWn96DkukG4bwdtyTh",
            ),
            (
                "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v",
                Some("sol"),
                "sol:EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v",
            ),
        ];
        for &(input, prefix, want) in cases {
            assert_eq!(ok(input, prefix), want, "{input} with {prefix:?}");
        }
    }

    #[test]
    fn rejects_corrupted_addresses_saying_which_check_failed() {
        let cases: &[(&str, Option<&'static str>, &str)] = &[
            // BIP-173 / BIP-350 invalid vectors.
            (
                "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5",
                None,
                "checksum",
            ),
            (
                "BC13W508D6QEJXTDG4Y5R3ZARVARY0C5XW7KN40WF2",
                None,
                "witness version 17",
            ),
            ("bc1pw5dgrnzv", None, "witness program"),
            (
                "BC1QR508D6QEJXTDG4Y5R3ZARVARYV98GJ9P",
                None,
                "witness program",
            ),
            (
                "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4".trim_end_matches('4'),
                None,
                "checksum",
            ),
            (
                "bc1QW508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4",
                None,
                "mixes upper and lower case",
            ),
            (
                "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7v07qwwzcrf",
                None,
                "padding",
            ),
            (
                "bc1p38j9r5y49hruaue7wxjce0updqjuyyx0kh56v8s25huc6995vvpql3jow4",
                None,
                "'o', which is not a bech32 character",
            ),
            (
                "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7v8n0nx0muaewav253zgeav",
                None,
                "witness program",
            ),
            ("bc1gmk9yu", None, "no data"),
            // Taproot encoded with bech32 instead of bech32m, and v0 with bech32m.
            (
                "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqh2y7hd",
                None,
                "checksum",
            ),
            (
                "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kemeawh",
                None,
                "checksum",
            ),
            (
                "tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx",
                Some("btc"),
                "base58",
            ),
            (
                "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3tb",
                None,
                "not a bech32 character",
            ),
            // Base58check: one character changed, one dropped, a bad character, wrong chain.
            ("1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb", None, "checksum"),
            ("1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfN", None, "checksum"),
            (
                "1A1zP1eP5QGefi2DMPTfTL5SLmv7Divf",
                None,
                "decodes to 24 bytes",
            ),
            (
                "1A1zP1eP5QGefi2DMPTfTL5SLmv7Divf0a",
                None,
                "not a base58 character",
            ),
            (
                "TLa2f6VPqDgRE67v1736s7bJ8Ray5wYjU7",
                Some("btc"),
                "it is a tron address (use 'trx:')",
            ),
            (
                "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa",
                Some("trx"),
                "version byte 0x00",
            ),
            ("TLa2f6VPqDgRE67v1736s7bJ8Ray5wYjU8", None, "checksum"),
            ("TLa2f6VPqDgRE67v1736s7bJ8Ray5wY", Some("trx"), "decodes to"),
            (
                "TLa2f6VPqDgRE67v1736s7bJ8Ray5wYjU7",
                Some("eth"),
                "tron address (use 'trx:')",
            ),
            (
                "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
                Some("trx"),
                "evm address",
            ),
            // EIP-55: one letter's case flipped; wrong length; a non-hex digit.
            (
                "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD",
                None,
                "eip-55 checksum",
            ),
            (
                "0x5AAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
                None,
                "eip-55 checksum",
            ),
            (
                "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beae",
                None,
                "40 hex digits",
            ),
            (
                "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaedd",
                None,
                "40 hex digits",
            ),
            (
                "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaeg",
                None,
                "'g' at position 42, which is not a hex digit",
            ),
            (
                "52908400098527886e0f7030069857d2e4169ee7",
                None,
                "name its chain",
            ),
            ("xyz", Some("usdt"), "usdt address"),
            (
                "rHb9CJAWyB4rj91VRWn96DkukG4bwdtyTj",
                Some("xrp"),
                "checksum",
            ),
            (
                "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt",
                Some("sol"),
                "decodes to",
            ),
            ("", Some("btc"), "empty"),
        ];
        for &(input, prefix, needle) in cases {
            let message = err(input, prefix);
            assert!(
                message.contains(needle),
                "{input:?} with {prefix:?}: '{message}' lacks '{needle}'"
            );
        }
    }

    #[test]
    fn chain_words_never_claim_other_kinds() {
        for word in [
            "http", "https", "tel", "mailto", "phone", "email", "telegram", "whatsapp", "line",
            "facebook", "sha256", "url", "ip", "iban", "bank",
        ] {
            assert_eq!(chain_prefix(word), None, "{word}");
        }
        assert_eq!(chain_prefix("usdt-trc20"), Some("trx"));
        assert_eq!(chain_prefix("USDT_ERC20"), Some("eth"));
        assert_eq!(chain_prefix("bitcoin"), Some("btc"));
        // Every canonical prefix is its own word, so canonical text round-trips.
        for &(_, prefix) in CHAIN_WORDS {
            if prefix != "usdt" {
                assert_eq!(chain_prefix(prefix), Some(prefix), "{prefix}");
            }
        }
    }

    #[test]
    fn shape_test_matches_addresses_and_skips_other_text() {
        for s in [
            "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
            "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4",
            "BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4",
            "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa",
            "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb",
            "TLa2f6VPqDgRE67v1736s7bJ8Ray5wYjU7",
            "LVg2kJoFNg45Nbpy53h7Fe1wKyeXVRhMH9",
            "DH5yaieqoZN36fDVciNyRueRGvGLR3mr7L",
            "rHb9CJAWyB4rj91VRWn96DkukG4bwdtyTh",
        ] {
            assert!(looks_like_address(s), "{s}");
        }
        for s in [
            "",
            "13800138000",
            "1234567890123456789012345678",
            "+85512345678",
            "DE89370400440532013000",
            "GB82WEST12345698765432",
            "TR330006100519786457841326",
            "rememberthattheyarewatching",
            "example.com",
            "52908400098527886e0f7030069857d2e4169ee7",
            "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAe",
            "Thisisnotanaddressjustalongword",
        ] {
            assert!(!looks_like_address(s), "{s}");
        }
    }

    #[test]
    fn canonical_text_round_trips_through_the_dispatcher() {
        for input in [
            "btc:BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4",
            "bitcoin:1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa?amount=1",
            "USDT-TRC20:TLa2f6VPqDgRE67v1736s7bJ8Ray5wYjU7",
            "usdt_erc20:0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
            "bep20:0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
            "sol:EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v",
            "ltc:ltc1qvt5s0v2uhuna2sjnn84ldu8m2r4m3rcc3n0rm5",
        ] {
            let first = normalize_one(input, &Hint::default()).expect(input);
            let again = normalize_one(first.as_str(), &Hint::default())
                .unwrap_or_else(|e| panic!("{first}: {}", e.message));
            assert_eq!(first, again, "{input}");
            assert_eq!(first.kind(), SelectorKind::Crypto);
        }
    }

    #[test]
    fn flipping_the_case_of_any_eip55_letter_is_rejected() {
        // Flipping one letter leaves the hashed lowercase text as it was, so
        // that letter alone disagrees with the hash: always detected.
        let valid = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed";
        let mut flipped = 0;
        for i in 2..valid.len() {
            let mut bytes = valid.as_bytes().to_vec();
            if !bytes[i].is_ascii_alphabetic() {
                continue;
            }
            bytes[i] ^= 0x20;
            let mutated = String::from_utf8(bytes).expect("ascii");
            assert!(err(&mutated, None).contains("eip-55"), "{mutated}");
            flipped += 1;
        }
        assert_eq!(flipped, 18);
    }

    #[test]
    fn unprefixed_addresses_are_guessed_through_the_dispatcher() {
        for (input, want) in [
            (
                "TLa2f6VPqDgRE67v1736s7bJ8Ray5wYjU7",
                "trx:TLa2f6VPqDgRE67v1736s7bJ8Ray5wYjU7",
            ),
            (
                "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
                "eth:0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed",
            ),
            (
                "BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4",
                "btc:bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4",
            ),
            (
                "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa",
                "btc:1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa",
            ),
            (
                "rHb9CJAWyB4rj91VRWn96DkukG4bwdtyTh",
                "xrp:rHb9CJAWyB4rj91VRWn96DkukG4bwdtyTh",
            ),
        ] {
            let sel = normalize_one(input, &Hint::default())
                .unwrap_or_else(|e| panic!("{input}: {}", e.message));
            assert_eq!(sel.as_str(), want);
        }
        // A corrupted address of a distinctive shape says which check failed.
        for input in [
            "TLa2f6VPqDgRE67v1736s7bJ8Ray5wYjU8",
            "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD",
        ] {
            let e = normalize_one(input, &Hint::default()).expect_err(input);
            assert_eq!(e.code, ErrorCode::InvalidCrypto, "{input}: {}", e.message);
            assert!(e.message.contains("checksum"), "{input}: {}", e.message);
        }
    }

    /// Base58 / hex characters for mutation.
    const ALNUM: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

    const VALID: &[(&str, Option<&str>)] = &[
        ("bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4", None),
        (
            "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0",
            None,
        ),
        ("1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa", None),
        ("3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy", None),
        ("TLa2f6VPqDgRE67v1736s7bJ8Ray5wYjU7", None),
        ("rHb9CJAWyB4rj91VRWn96DkukG4bwdtyTh", None),
        ("DH5yaieqoZN36fDVciNyRueRGvGLR3mr7L", None),
    ];

    proptest! {
        #[test]
        fn never_panics(s in "\\PC{0,100}", p in prop::sample::select(vec!["btc", "ltc", "doge", "trx", "xrp", "sol", "usdt", "eth", "bsc", "nochain"])) {
            let _ = normalize(&s, None);
            let _ = normalize(&s, Some(p));
            let _ = looks_like_address(&s);
        }

        #[test]
        fn never_panics_on_address_like_text(s in "(0x|bc1|ltc1|T|1|3|r|D|L)[0-9a-zA-Z]{0,80}") {
            let _ = normalize(&s, None);
            let _ = looks_like_address(&s);
        }

        #[test]
        fn whatever_normalises_is_canonical(s in "(0x[0-9a-fA-F]{40}|T[1-9A-HJ-NP-Za-km-z]{33}|bc1[02-9ac-hj-np-z]{6,60}|1[1-9A-HJ-NP-Za-km-z]{25,33})") {
            if let Ok(sel) = normalize(&s, None) {
                let again = super::super::normalize_one(sel.as_str(), &Hint::default()).expect("canonical text normalises");
                prop_assert_eq!(again, sel);
            }
        }

        #[test]
        fn one_changed_character_is_rejected(i in 0usize..100, c in prop::sample::select(ALNUM.to_vec()), which in 0usize..VALID.len()) {
            let (valid, _) = VALID[which];
            let i = i % valid.len();
            let mut bytes = valid.as_bytes().to_vec();
            prop_assume!(bytes[i] != c);
            // Bech32's case carries no information.
            prop_assume!(!(valid.starts_with("bc1") && bytes[i].eq_ignore_ascii_case(&c)));
            bytes[i] = c;
            let mutated = String::from_utf8(bytes).expect("ascii");
            let result = normalize(&mutated, None);
            prop_assert!(result.is_err(), "{} accepted as {:?}", mutated, result);
        }
    }
}
