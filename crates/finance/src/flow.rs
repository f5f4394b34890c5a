//! Flows: one movement of one asset between addresses, and the
//! conversions that carry value from one asset into another.
//!
//! A crypto transaction on a UTXO chain has inputs and outputs (their sums
//! differ by the fee); an account or token transfer and a bank transfer
//! have one sender and one receiver. Both are a [`Flow`] with legs, so that
//! every analysis walks one shape. Addresses are canonical selectors.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::asset::{Asset, Network};

/// One side of a flow: an address and the amount it sent or received.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Leg {
    /// A canonical selector: `trx:T…`, `btc:bc1…`, `eth:0x…`, `iban:…`,
    /// `bank:…`.
    pub address: String,
    pub amount: Decimal,
}

/// One movement of one asset.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Flow {
    /// The transaction hash (with its log index for a token transfer:
    /// `0xab…:3`), or the bank's transfer reference.
    pub id: String,
    pub asset: Asset,
    pub time: DateTime<Utc>,
    /// Who sent: on a UTXO chain, the spent outputs' addresses in input
    /// order; otherwise one leg.
    pub inputs: Vec<Leg>,
    /// Who received, in output order.
    pub outputs: Vec<Leg>,
    /// What the network or bank kept (UTXO: inputs minus outputs).
    #[serde(default, skip_serializing_if = "Decimal::is_zero")]
    pub fee: Decimal,
}

/// Why a flow is not one; the field at fault and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct FlowError {
    pub field: String,
    pub message: String,
}

impl FlowError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> FlowError {
        FlowError {
            field: field.into(),
            message: message.into(),
        }
    }
}

impl Flow {
    /// Checks that the flow holds together: addresses on the asset's
    /// network, positive amounts, one sender and one receiver off UTXO
    /// chains, and inputs covering outputs and fee on them.
    pub fn check(&self) -> Result<(), FlowError> {
        if self.id.trim().is_empty() {
            return Err(FlowError::new(
                "id",
                "a flow needs its transaction hash or transfer reference",
            ));
        }
        if self.inputs.is_empty() {
            return Err(FlowError::new("inputs", "a flow needs a sender"));
        }
        if self.outputs.is_empty() {
            return Err(FlowError::new("outputs", "a flow needs a receiver"));
        }
        let network = self.asset.network;
        for (side, legs) in [("inputs", &self.inputs), ("outputs", &self.outputs)] {
            for (i, leg) in legs.iter().enumerate() {
                if leg.amount <= Decimal::ZERO {
                    return Err(FlowError::new(
                        format!("{side}[{i}].amount"),
                        format!("an amount is positive, not {}", leg.amount),
                    ));
                }
                match Network::of_address(&leg.address) {
                    Some(n) if n == network => {}
                    _ => {
                        return Err(FlowError::new(
                            format!("{side}[{i}].address"),
                            format!(
                                "{} is not an address on {} (the network of {})",
                                leg.address,
                                network.as_str(),
                                self.asset
                            ),
                        ));
                    }
                }
            }
        }
        if self.fee < Decimal::ZERO {
            return Err(FlowError::new("fee", "a fee is not negative"));
        }
        let sent: Decimal = self.inputs.iter().map(|l| l.amount).sum();
        let received: Decimal = self.outputs.iter().map(|l| l.amount).sum();
        if network.is_utxo() {
            if sent != received + self.fee {
                return Err(FlowError::new(
                    "outputs",
                    format!(
                        "inputs ({sent}) must equal outputs ({received}) plus the fee ({})",
                        self.fee
                    ),
                ));
            }
        } else {
            if self.inputs.len() != 1 || self.outputs.len() != 1 {
                return Err(FlowError::new(
                    "inputs",
                    format!(
                        "a transfer on {} has one sender and one receiver",
                        network.as_str()
                    ),
                ));
            }
            if sent != received {
                return Err(FlowError::new(
                    "outputs[0].amount",
                    format!("a transfer receives what it sends ({sent}), not {received}"),
                ));
            }
        }
        Ok(())
    }

    /// What the flow moved to its receivers.
    pub fn value(&self) -> Decimal {
        self.outputs.iter().map(|l| l.amount).sum()
    }
}

/// How value changed asset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConversionKind {
    /// One token for another on one service or pool.
    Swap,
    /// The same token moved to another network.
    Bridge,
    /// Bank money paid into an exchange came out as crypto, or the other
    /// way round.
    Exchange,
}

/// A reference to one leg of a flow.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct LegRef {
    pub flow: String,
    pub address: String,
}

/// Value received in one flow that continues, in another asset, as value
/// sent in another: a swap, a bridge, or an exchange's deposit and
/// withdrawal. Tracing crosses assets only here.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Conversion {
    pub kind: ConversionKind,
    /// The receiving leg: value arrives here...
    pub from: LegRef,
    /// ...and leaves from here, as the other asset.
    pub to: LegRef,
    /// Who converted (a tagged service's address), when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
    /// Where it is recorded (an exchange's reply, a bridge's event).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub evidence: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::dec;

    fn leg(address: &str, amount: Decimal) -> Leg {
        Leg {
            address: address.to_owned(),
            amount,
        }
    }

    fn flow(asset: &str, inputs: Vec<Leg>, outputs: Vec<Leg>, fee: Decimal) -> Flow {
        Flow {
            id: "tx1".into(),
            asset: asset.parse().unwrap(),
            time: "2026-01-02T03:04:05Z".parse().unwrap(),
            inputs,
            outputs,
            fee,
        }
    }

    const A: &str = "btc:bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq";
    const B: &str = "btc:1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2";
    const T: &str = "trx:TLa2f6VPqDgRE67v1736s7bJ8Ray5wYjU7";
    const U: &str = "trx:TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t";

    #[test]
    fn a_utxo_transaction_balances_with_its_fee() {
        let ok = flow(
            "BTC",
            vec![leg(A, dec!(1.0))],
            vec![leg(B, dec!(0.6)), leg(A, dec!(0.3999))],
            dec!(0.0001),
        );
        assert_eq!(ok.check(), Ok(()));
        assert_eq!(ok.value(), dec!(0.9999));
        let short = flow(
            "BTC",
            vec![leg(A, dec!(1.0))],
            vec![leg(B, dec!(0.6))],
            dec!(0.0001),
        );
        assert_eq!(short.check().unwrap_err().field, "outputs");
    }

    #[test]
    fn a_transfer_has_one_sender_one_receiver_on_its_network() {
        let ok = flow(
            "USDT@tron",
            vec![leg(T, dec!(500))],
            vec![leg(U, dec!(500))],
            Decimal::ZERO,
        );
        assert_eq!(ok.check(), Ok(()));
        let two = flow(
            "USDT@tron",
            vec![leg(T, dec!(500))],
            vec![leg(U, dec!(250)), leg(T, dec!(250))],
            Decimal::ZERO,
        );
        assert_eq!(two.check().unwrap_err().field, "inputs");
        let wrong = flow(
            "USDT@ethereum",
            vec![leg(T, dec!(500))],
            vec![leg(U, dec!(500))],
            Decimal::ZERO,
        );
        assert_eq!(wrong.check().unwrap_err().field, "inputs[0].address");
        let zero = flow(
            "USDT@tron",
            vec![leg(T, dec!(0))],
            vec![leg(U, dec!(0))],
            Decimal::ZERO,
        );
        assert_eq!(zero.check().unwrap_err().field, "inputs[0].amount");
    }

    #[test]
    fn amounts_are_exact_decimals_in_json() {
        let f = flow(
            "USDT@tron",
            vec![leg(T, dec!(0.1))],
            vec![leg(U, dec!(0.1))],
            Decimal::ZERO,
        );
        let json = serde_json::to_value(&f).unwrap();
        assert_eq!(json["inputs"][0]["amount"], "0.1");
        assert_eq!(json["asset"], "USDT@tron");
        let back: Flow = serde_json::from_value(json).unwrap();
        assert_eq!(back, f);
    }
}
