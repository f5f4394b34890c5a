//! Addresses in imported files, made canonical selectors of their network.
//!
//! An explorer writes an address bare (`TLa2f6…`, `0x5290…`, `bc1q…`); a
//! Cordon file may write it canonical (`trx:TLa2f6…`). Either way it goes
//! through the selector normaliser (`cordon_core::selector`), which checks
//! its checksum, so that a wallet in a flow is the same key as the wallet
//! in a report.

use cordon_core::selector::{Hint, SelectorKind, normalize_one};

use crate::asset::Network;

/// Normalises an address on `network` to its canonical selector text.
pub fn normalize_address(text: &str, network: Network) -> Result<String, String> {
    let t = text.trim();
    if t.is_empty() {
        return Err("the address is empty".into());
    }
    let selector = if t.contains(':') {
        normalize_one(t, &Hint::default())
    } else {
        match network {
            Network::Bitcoin => normalize_one(&format!("btc:{t}"), &Hint::default()),
            Network::Ethereum => normalize_one(&format!("eth:{t}"), &Hint::default()),
            Network::Tron => normalize_one(&format!("trx:{t}"), &Hint::default()),
            Network::Bank => {
                if !looks_like_iban(t) {
                    return Err(format!(
                        "{t:?} is not an iban; give an account without iban as bank:<country>:<bank code>:<account>"
                    ));
                }
                normalize_one(t, &Hint::kind(SelectorKind::Iban))
            }
        }
    }
    .map_err(|e| format!("{t:?} is not an address on {}: {e}", network.as_str()))?;
    let canonical = selector.into_string();
    match Network::of_address(&canonical) {
        Some(n) if n == network => Ok(canonical),
        _ => Err(format!(
            "{canonical} is not an address on {}",
            network.as_str()
        )),
    }
}

/// Normalises a bank account without an IBAN from its parts; `country` may
/// be empty when `bank` is a BIC (which names its country).
pub fn bank_account(country: &str, bank: &str, account: &str) -> Result<String, String> {
    let text = if country.trim().is_empty() {
        format!("bank:{}:{}", bank.trim(), account.trim())
    } else {
        format!("bank:{}:{}:{}", country.trim(), bank.trim(), account.trim())
    };
    normalize_one(&text, &Hint::default())
        .map(|s| s.into_string())
        .map_err(|e| format!("{text:?} is not a bank account: {e}"))
}

/// Two letters, two check digits, then letters and digits (spaces allowed):
/// the shape of an IBAN, before its checksum is checked.
pub fn looks_like_iban(text: &str) -> bool {
    let compact: Vec<u8> = text.bytes().filter(|b| *b != b' ').collect();
    compact.len() >= 15
        && compact.len() <= 34
        && compact[..2].iter().all(u8::is_ascii_alphabetic)
        && compact[2..4].iter().all(u8::is_ascii_digit)
        && compact[4..].iter().all(u8::is_ascii_alphanumeric)
}

/// The network an explorer's address belongs to, from its shape alone:
/// `0x` and 40 hex digits is Ethereum, `T` and 33 base58 characters Tron,
/// `bc1`, `1` or `3` Bitcoin.
pub fn network_of_shape(text: &str) -> Option<Network> {
    let t = text.trim();
    if let Some(hex) = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        return (hex.len() == 40 && hex.bytes().all(|b| b.is_ascii_hexdigit()))
            .then_some(Network::Ethereum);
    }
    if t.len() == 34 && t.starts_with('T') {
        return Some(Network::Tron);
    }
    let lower = t.to_ascii_lowercase();
    if lower.starts_with("bc1") || ((t.starts_with('1') || t.starts_with('3')) && t.len() >= 26) {
        return Some(Network::Bitcoin);
    }
    Network::of_address(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bare_and_canonical_addresses_give_one_selector() {
        let t = "trx:TLa2f6VPqDgRE67v1736s7bJ8Ray5wYjU7";
        assert_eq!(
            normalize_address("TLa2f6VPqDgRE67v1736s7bJ8Ray5wYjU7", Network::Tron).as_deref(),
            Ok(t)
        );
        assert_eq!(normalize_address(t, Network::Tron).as_deref(), Ok(t));
        assert_eq!(
            normalize_address(
                "0x52908400098527886E0F7030069857D2E4169EE7",
                Network::Ethereum
            )
            .as_deref(),
            Ok("eth:0x52908400098527886e0f7030069857d2e4169ee7")
        );
        assert_eq!(
            normalize_address("DE89 3704 0044 0532 0130 00", Network::Bank).as_deref(),
            Ok("iban:DE89370400440532013000")
        );
        assert!(
            normalize_address(t, Network::Ethereum)
                .unwrap_err()
                .contains("not an address on ethereum")
        );
        assert!(
            normalize_address("TLa2f6VPqDgRE67v1736s7bJ8Ray5wYjU8", Network::Tron)
                .unwrap_err()
                .contains("not an address on tron")
        );
        assert!(
            normalize_address("000123456", Network::Bank)
                .unwrap_err()
                .contains("bank:")
        );
        assert!(
            normalize_address(" ", Network::Bitcoin)
                .unwrap_err()
                .contains("empty")
        );
    }

    #[test]
    fn accounts_without_iban_need_country_and_bank() {
        assert_eq!(
            bank_account("KH", "ABAAKHPP", "000 123 456").as_deref(),
            Ok("bank:KH:ABAAKHPP:000123456")
        );
        assert_eq!(
            bank_account("", "ABAAKHPPXXX", "000123456").as_deref(),
            Ok("bank:KH:ABAAKHPP:000123456")
        );
        assert!(bank_account("", "002", "000123456").is_err());
    }

    #[test]
    fn shapes_name_their_network() {
        assert_eq!(
            network_of_shape("0x52908400098527886e0f7030069857d2e4169ee7"),
            Some(Network::Ethereum)
        );
        assert_eq!(
            network_of_shape("TLa2f6VPqDgRE67v1736s7bJ8Ray5wYjU7"),
            Some(Network::Tron)
        );
        assert_eq!(
            network_of_shape("bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq"),
            Some(Network::Bitcoin)
        );
        assert_eq!(network_of_shape("hello"), None);
    }
}
