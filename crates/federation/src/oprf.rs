//! Keyed pseudonyms of selectors through an oblivious PRF (RFC 9497,
//! OPRF mode, ristretto255 with SHA-512).
//!
//! A node blinds its canonical selectors ([`blind`]); the matching service
//! evaluates the blinded elements with its key ([`MatchingKey::evaluate`])
//! without learning what they are; the node unblinds them into
//! pseudonyms ([`Pending::finalize`]) without learning the key. The same
//! selector under the same key is the same pseudonym on every node, so
//! pseudonyms can be compared; without the key, a pseudonym says nothing
//! of its selector, and trying candidates needs the service, which limits
//! how many each node may ask for.
//!
//! Keys have an epoch: rotating the key re-pseudonymises everything, and a
//! pseudonym is only ever compared with those of its own epoch.

use rand_core::OsRng;
use serde::{Deserialize, Serialize};
use voprf::{BlindedElement, EvaluationElement, OprfClient, OprfServer, Ristretto255};

type Suite = Ristretto255;

/// Why a step of the protocol failed. Indexes name the selector or element
/// at fault; nothing names a selector's value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OprfError {
    #[error("selectors[{0}] is empty or longer than 65,535 bytes")]
    Input(usize),
    #[error("element {0} is not a valid group element")]
    Element(usize),
    #[error("{sent} elements were blinded but {got} evaluations came back")]
    Count { sent: usize, got: usize },
    #[error("the key is not a valid ristretto255 scalar")]
    Key,
}

/// A blinded selector, as sent to the matching service (32 bytes).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Blinded(#[serde(with = "hex_bytes")] pub Vec<u8>);

/// The service's evaluation of one blinded element (32 bytes).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evaluated(#[serde(with = "hex_bytes")] pub Vec<u8>);

/// A selector's pseudonym under one key epoch.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Pseudonym {
    pub epoch: u32,
    /// The OPRF output (64 bytes), hex.
    pub value: String,
}

/// The matching service's key of one epoch.
pub struct MatchingKey {
    epoch: u32,
    server: OprfServer<Suite>,
}

impl std::fmt::Debug for MatchingKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MatchingKey")
            .field("epoch", &self.epoch)
            .finish_non_exhaustive()
    }
}

impl MatchingKey {
    /// A fresh random key.
    pub fn generate(epoch: u32) -> MatchingKey {
        MatchingKey {
            epoch,
            server: OprfServer::new(&mut OsRng).expect("a random scalar is a key"),
        }
    }

    /// A key kept as bytes ([`MatchingKey::to_bytes`]).
    pub fn from_bytes(epoch: u32, bytes: &[u8]) -> Result<MatchingKey, OprfError> {
        Ok(MatchingKey {
            epoch,
            server: OprfServer::new_with_key(bytes).map_err(|_| OprfError::Key)?,
        })
    }

    /// The key's 32 bytes, to keep outside the database like the token key.
    pub fn to_bytes(&self) -> Vec<u8> {
        self.server.serialize().to_vec()
    }

    pub fn epoch(&self) -> u32 {
        self.epoch
    }

    /// Evaluates blinded elements, in order. The service learns nothing of
    /// the selectors behind them.
    pub fn evaluate(&self, blinded: &[Blinded]) -> Result<Vec<Evaluated>, OprfError> {
        blinded
            .iter()
            .enumerate()
            .map(|(i, b)| {
                let element = BlindedElement::<Suite>::deserialize(&b.0)
                    .map_err(|_| OprfError::Element(i))?;
                Ok(Evaluated(
                    self.server.blind_evaluate(&element).serialize().to_vec(),
                ))
            })
            .collect()
    }

    /// A selector's pseudonym computed by the service itself: for tests
    /// and for a node that is its own matching service.
    pub fn pseudonym(&self, selector: &str) -> Result<Pseudonym, OprfError> {
        let out = self
            .server
            .evaluate(selector.as_bytes())
            .map_err(|_| OprfError::Input(0))?;
        Ok(Pseudonym {
            epoch: self.epoch,
            value: hex::encode(out),
        })
    }
}

/// What a node keeps between blinding and finalizing: each selector's
/// blinding factor.
pub struct Pending {
    inputs: Vec<String>,
    clients: Vec<OprfClient<Suite>>,
}

impl std::fmt::Debug for Pending {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pending")
            .field("selectors", &self.inputs.len())
            .finish_non_exhaustive()
    }
}

/// Blinds canonical selectors for the matching service, each with a fresh
/// random factor: the same selector twice looks different each time.
pub fn blind(selectors: &[String]) -> Result<(Pending, Vec<Blinded>), OprfError> {
    let mut clients = Vec::with_capacity(selectors.len());
    let mut blinded = Vec::with_capacity(selectors.len());
    for (i, s) in selectors.iter().enumerate() {
        // An empty selector names nothing; every node would share its
        // pseudonym.
        if s.is_empty() || s.len() > usize::from(u16::MAX) {
            return Err(OprfError::Input(i));
        }
        let r = OprfClient::<Suite>::blind(s.as_bytes(), &mut OsRng)
            .map_err(|_| OprfError::Input(i))?;
        clients.push(r.state);
        blinded.push(Blinded(r.message.serialize().to_vec()));
    }
    Ok((
        Pending {
            inputs: selectors.to_vec(),
            clients,
        },
        blinded,
    ))
}

impl Pending {
    /// Unblinds the service's evaluations into pseudonyms of `epoch`, in
    /// the selectors' order.
    pub fn finalize(
        self,
        evaluated: &[Evaluated],
        epoch: u32,
    ) -> Result<Vec<Pseudonym>, OprfError> {
        if evaluated.len() != self.clients.len() {
            return Err(OprfError::Count {
                sent: self.clients.len(),
                got: evaluated.len(),
            });
        }
        self.clients
            .iter()
            .zip(&self.inputs)
            .zip(evaluated)
            .enumerate()
            .map(|(i, ((client, input), e))| {
                let element = EvaluationElement::<Suite>::deserialize(&e.0)
                    .map_err(|_| OprfError::Element(i))?;
                let out = client
                    .finalize(input.as_bytes(), &element)
                    .map_err(|_| OprfError::Input(i))?;
                Ok(Pseudonym {
                    epoch,
                    value: hex::encode(out),
                })
            })
            .collect()
    }
}

mod hex_bytes {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&hex::encode(bytes))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let text = String::deserialize(d)?;
        hex::decode(text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pseudonyms(key: &MatchingKey, selectors: &[&str]) -> Vec<Pseudonym> {
        let selectors: Vec<String> = selectors.iter().map(|s| (*s).to_owned()).collect();
        let (pending, blinded) = blind(&selectors).unwrap();
        let evaluated = key.evaluate(&blinded).unwrap();
        pending.finalize(&evaluated, key.epoch()).unwrap()
    }

    #[test]
    fn two_nodes_get_the_same_pseudonym_and_the_service_sees_neither_selector() {
        let key = MatchingKey::generate(1);
        let a = pseudonyms(&key, &["phone:+85512345678", "email:hr@example.com"]);
        let b = pseudonyms(&key, &["email:hr@example.com", "phone:+66812345678"]);
        assert_eq!(a[1], b[0], "the shared selector matches");
        assert_ne!(a[0], b[1]);
        // The protocol's output is the key's PRF of the selector.
        assert_eq!(a[0], key.pseudonym("phone:+85512345678").unwrap());
        // Blinding is randomised: the service cannot tell two requests for
        // the same selector apart, let alone read one.
        let s = vec!["phone:+85512345678".to_owned()];
        let (_, one) = blind(&s).unwrap();
        let (_, two) = blind(&s).unwrap();
        assert_ne!(one, two);
        assert!(!String::from_utf8_lossy(&one[0].0).contains("855"));
    }

    #[test]
    fn another_key_or_epoch_gives_unrelated_pseudonyms() {
        let old = MatchingKey::generate(1);
        let new = MatchingKey::generate(2);
        let a = pseudonyms(&old, &["phone:+85512345678"]);
        let b = pseudonyms(&new, &["phone:+85512345678"]);
        assert_ne!(a[0].value, b[0].value);
        assert_eq!((a[0].epoch, b[0].epoch), (1, 2));
        // A key kept and read back is the same key.
        let again = MatchingKey::from_bytes(1, &old.to_bytes()).unwrap();
        assert_eq!(pseudonyms(&again, &["phone:+85512345678"]), a);
    }

    #[test]
    fn bad_messages_are_named_by_index() {
        let key = MatchingKey::generate(1);
        assert_eq!(
            key.evaluate(&[Blinded(vec![1; 32])]).unwrap_err(),
            OprfError::Element(0)
        );
        let s = vec!["a".to_owned(), "b".to_owned()];
        let (pending, blinded) = blind(&s).unwrap();
        let evaluated = key.evaluate(&blinded[..1]).unwrap();
        assert_eq!(
            pending.finalize(&evaluated, 1).unwrap_err(),
            OprfError::Count { sent: 2, got: 1 }
        );
        assert_eq!(blind(&[String::new()]).unwrap_err(), OprfError::Input(0));
        assert_eq!(
            MatchingKey::from_bytes(1, &[0xff; 32]).unwrap_err(),
            OprfError::Key
        );
    }
}
