//! Assets and the networks they move on.
//!
//! An asset is a symbol on a network: `BTC`, `ETH`, `TRX`, `USDT@tron`,
//! `USDT@ethereum`, `EUR@bank`. The same symbol on two networks is two
//! assets (USDT on Tron is not USDT on Ethereum until a bridge says so).
//! Block explorers and banks spell them many ways (`USDT-TRC20`,
//! `USDT (TRC-20)`, `Tether USD`, `EUR`); [`Asset::parse`] reads them all.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Where value moves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Network {
    Bitcoin,
    Ethereum,
    Tron,
    /// Bank transfers, in a currency (ISO 4217).
    Bank,
}

impl Network {
    pub fn as_str(self) -> &'static str {
        match self {
            Network::Bitcoin => "bitcoin",
            Network::Ethereum => "ethereum",
            Network::Tron => "tron",
            Network::Bank => "bank",
        }
    }

    /// Whether value on it moves as unspent outputs (inputs and outputs of
    /// a transaction) rather than between accounts.
    pub fn is_utxo(self) -> bool {
        self == Network::Bitcoin
    }

    /// The network's own coin.
    pub fn native(self) -> Option<&'static str> {
        match self {
            Network::Bitcoin => Some("BTC"),
            Network::Ethereum => Some("ETH"),
            Network::Tron => Some("TRX"),
            Network::Bank => None,
        }
    }

    /// The network an address (a canonical selector) lives on.
    pub fn of_address(address: &str) -> Option<Network> {
        let (prefix, _) = address.split_once(':')?;
        match prefix {
            "btc" => Some(Network::Bitcoin),
            "eth" => Some(Network::Ethereum),
            "trx" => Some(Network::Tron),
            "iban" | "bank" => Some(Network::Bank),
            _ => None,
        }
    }

    fn parse(text: &str) -> Option<Network> {
        match text
            .trim()
            .to_ascii_lowercase()
            .replace(['-', '_', ' '], "")
            .as_str()
        {
            "bitcoin" | "btc" => Some(Network::Bitcoin),
            "ethereum" | "eth" | "erc20" => Some(Network::Ethereum),
            "tron" | "trx" | "trc20" => Some(Network::Tron),
            "bank" | "fiat" => Some(Network::Bank),
            _ => None,
        }
    }
}

/// An asset: a symbol on a network.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Asset {
    /// Uppercase: `USDT`, `BTC`, `EUR`.
    pub symbol: String,
    pub network: Network,
}

/// Why a text names no asset.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct AssetError(String);

impl Asset {
    pub fn new(symbol: &str, network: Network) -> Asset {
        Asset {
            symbol: symbol.to_ascii_uppercase(),
            network,
        }
    }

    /// Reads an asset as explorers, banks and people write it:
    /// `USDT@tron`, `USDT-TRC20`, `USDT (TRC-20)`, `TRC20-USDT`, `BTC`,
    /// `ETH`, `TRX`, `Tether USD` with a `network` hint, or a three-letter
    /// currency (`EUR`: a bank transfer). `hint` is the network the file
    /// or column says, when the text alone does not.
    pub fn parse(text: &str, hint: Option<Network>) -> Result<Asset, AssetError> {
        let t = text.trim();
        if t.is_empty() {
            return Err(AssetError("the asset is empty".into()));
        }
        if let Some((symbol, network)) = t.split_once('@') {
            let network = Network::parse(network).ok_or_else(|| {
                AssetError(format!(
                    "unknown network {network:?} in {t:?}; use bitcoin, ethereum, tron or bank"
                ))
            })?;
            return Asset::checked(symbol, network);
        }
        let upper = t.to_ascii_uppercase();
        // `USDT-TRC20`, `USDT (TRC-20)`, `TRC20-USDT`, `USDT_ERC20`.
        let squeezed: String = upper
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { ' ' })
            .collect();
        let words: Vec<&str> = squeezed.split_whitespace().collect();
        let standard = |w: &str| match w {
            "TRC20" | "TRC" => Some(Network::Tron),
            "ERC20" | "ERC" => Some(Network::Ethereum),
            _ => None,
        };
        if let Some(network) = words.iter().find_map(|w| standard(w)) {
            let symbol: Vec<&str> = words
                .iter()
                .copied()
                .filter(|w| standard(w).is_none() && *w != "20")
                .collect();
            return match symbol.as_slice() {
                [s] => Asset::checked(s, network),
                _ => Err(AssetError(format!(
                    "{t:?} names no one token: write it as SYMBOL@network, e.g. USDT@tron"
                ))),
            };
        }
        match upper.as_str() {
            "BTC" | "BITCOIN" | "XBT" => return Ok(Asset::new("BTC", Network::Bitcoin)),
            "ETH" | "ETHER" | "ETHEREUM" => return Ok(Asset::new("ETH", Network::Ethereum)),
            "TRX" | "TRON" => return Ok(Asset::new("TRX", Network::Tron)),
            "TETHER USD" | "TETHER" => {
                return match hint {
                    Some(n) if n != Network::Bank => Ok(Asset::new("USDT", n)),
                    _ => Err(AssetError(format!(
                        "{t:?} is on several networks: write USDT@tron or USDT@ethereum"
                    ))),
                };
            }
            _ => {}
        }
        if let Some(network) = hint {
            return Asset::checked(&upper, network);
        }
        if upper.len() == 3 && upper.bytes().all(|b| b.is_ascii_uppercase()) {
            return Ok(Asset::new(&upper, Network::Bank));
        }
        Err(AssetError(format!(
            "{t:?} names no asset Cordon knows the network of: write it as SYMBOL@network, e.g. USDT@tron"
        )))
    }

    fn checked(symbol: &str, network: Network) -> Result<Asset, AssetError> {
        let symbol = symbol.trim();
        let ok = !symbol.is_empty()
            && symbol.len() <= 12
            && symbol
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'.');
        if !ok {
            return Err(AssetError(format!(
                "{symbol:?} is not an asset symbol (1 to 12 letters and digits)"
            )));
        }
        if network == Network::Bank
            && !(symbol.len() == 3 && symbol.bytes().all(|b| b.is_ascii_alphabetic()))
        {
            return Err(AssetError(format!(
                "{symbol:?} is not a currency: bank transfers are in ISO 4217 codes such as EUR"
            )));
        }
        Ok(Asset::new(symbol, network))
    }
}

impl fmt::Display for Asset {
    /// `BTC`, `ETH` and `TRX` alone (each network's own coin); everything
    /// else `SYMBOL@network`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.network.native() == Some(self.symbol.as_str()) {
            f.write_str(&self.symbol)
        } else {
            write!(f, "{}@{}", self.symbol, self.network.as_str())
        }
    }
}

impl FromStr for Asset {
    type Err = AssetError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Asset::parse(s, None)
    }
}

impl Serialize for Asset {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Asset {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Asset::parse(&text, None).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn explorers_and_banks_spellings_name_one_asset() {
        let usdt_tron = Asset::new("USDT", Network::Tron);
        for text in [
            "USDT@tron",
            "usdt@TRC20",
            "USDT-TRC20",
            "USDT (TRC-20)",
            "TRC20-USDT",
            "USDT_TRC20",
        ] {
            assert_eq!(Asset::parse(text, None).unwrap(), usdt_tron, "{text}");
        }
        assert_eq!(
            Asset::parse("USDT (ERC-20)", None).unwrap(),
            Asset::new("USDT", Network::Ethereum)
        );
        assert_eq!(Asset::parse("btc", None).unwrap().to_string(), "BTC");
        assert_eq!(Asset::parse("EUR", None).unwrap().to_string(), "EUR@bank");
        assert_eq!(
            Asset::parse("Tether USD", Some(Network::Tron)).unwrap(),
            usdt_tron
        );
        assert!(Asset::parse("Tether USD", None).is_err());
        assert!(Asset::parse("USDT", None).is_err());
        assert!(Asset::parse("EURO@bank", None).is_err());
        assert!(Asset::parse("USDT@moon", None).is_err());
        assert!(Asset::parse("", None).is_err());
    }

    #[test]
    fn an_asset_reads_back_what_it_writes() {
        for text in [
            "BTC",
            "ETH",
            "TRX",
            "USDT@tron",
            "USDC@ethereum",
            "KHR@bank",
        ] {
            let asset: Asset = text.parse().unwrap();
            assert_eq!(asset.to_string(), text);
            let json = serde_json::to_string(&asset).unwrap();
            assert_eq!(serde_json::from_str::<Asset>(&json).unwrap(), asset);
        }
    }

    #[test]
    fn addresses_say_their_network() {
        assert_eq!(
            Network::of_address("trx:TLa2f6VPqDgRE67v1736s7bJ8Ray5wYjU7"),
            Some(Network::Tron)
        );
        assert_eq!(
            Network::of_address("iban:DE89370400440532013000"),
            Some(Network::Bank)
        );
        assert_eq!(Network::of_address("phone:+85512345678"), None);
    }
}
