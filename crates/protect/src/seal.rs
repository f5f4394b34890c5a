//! Sealing a case's personal fields: envelope encryption with one data key
//! per case.
//!
//! Every case has its own random 256-bit data key. Personal fields (names,
//! documents, phones, where the person is held, what they said) are sealed
//! with it by XChaCha20-Poly1305 (a random 192-bit nonce per seal, so that
//! nonces never repeat without a counter to keep), bound by the associated
//! data to the case and to what the field is, so that a sealed value moved
//! into another case or another field fails to open. The data key itself is
//! kept only wrapped by the server's case key, which is derived (HKDF-SHA256)
//! from the deployment's secret that lives outside the database: a copied
//! database holds no readable person.
//!
//! Keys are wiped from memory when dropped (`zeroize`), and opened plaintext
//! is handed out as [`Zeroizing`] buffers for the same reason.
//!
//! Text forms: `v1.<key id>.<base64url(nonce ‖ ciphertext)>`; the key id
//! (16 hex digits of SHA-256 over the case key) names the server key that
//! wrapped a data key, so that a database opened with the wrong key says so
//! instead of failing on every field.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rand::RngCore;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sha2::{Digest, Sha256};
use zeroize::Zeroize;
pub use zeroize::Zeroizing;

const VERSION: &str = "v1";
const NONCE: usize = 24;

/// Why sealed data does not open.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SealError {
    #[error("sealed value is malformed: {0}")]
    Malformed(&'static str),
    #[error(
        "case data was sealed under server key {sealed}, not this server's key {ours}: start the server with the key it was written with"
    )]
    OtherKey { sealed: String, ours: String },
    #[error("sealed value does not open: it was altered, or belongs to another case or field")]
    Forged,
}

/// The server's case key: wraps every case's data key.
#[derive(Clone)]
pub struct CaseKey {
    key: [u8; 32],
    id: String,
}

impl Drop for CaseKey {
    fn drop(&mut self) {
        self.key.zeroize();
    }
}

impl std::fmt::Debug for CaseKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "CaseKey({})", self.id)
    }
}

impl CaseKey {
    /// The case key of a deployment secret (32 random bytes kept outside
    /// the database). HKDF keeps it independent of the secret's other uses.
    pub fn derive(secret: &[u8; 32]) -> CaseKey {
        let hk = hkdf::Hkdf::<Sha256>::new(Some(b"cordon-protect"), secret);
        let mut key = [0u8; 32];
        hk.expand(b"case data key wrapping v1", &mut key)
            .expect("32 bytes is a valid HKDF-SHA256 length");
        let id = hex16(&Sha256::digest(key));
        CaseKey { key, id }
    }

    /// The key's id, as written in wrapped keys.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Wraps a new case's data key.
    pub fn wrap(&self, case: &str, data: &DataKey) -> Sealed {
        seal_with(&self.key, &self.id, &wrap_aad(case), &data.0)
    }

    /// The data key of `case`, unwrapped.
    pub fn unwrap(&self, case: &str, wrapped: &Sealed) -> Result<DataKey, SealError> {
        if wrapped.key_id != self.id {
            return Err(SealError::OtherKey {
                sealed: wrapped.key_id.clone(),
                ours: self.id.clone(),
            });
        }
        let plain = open_with(&self.key, &wrap_aad(case), wrapped)?;
        let bytes: [u8; 32] = plain
            .as_slice()
            .try_into()
            .map_err(|_| SealError::Malformed("a data key is 32 bytes"))?;
        Ok(DataKey(bytes))
    }
}

fn wrap_aad(case: &str) -> Vec<u8> {
    format!("cordon case key\0{case}").into_bytes()
}

/// One case's data key.
pub struct DataKey([u8; 32]);

impl Drop for DataKey {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl std::fmt::Debug for DataKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DataKey(…)")
    }
}

impl DataKey {
    /// A fresh random data key, for a new case.
    pub fn generate() -> DataKey {
        let mut key = [0u8; 32];
        rand::rng().fill_bytes(&mut key);
        DataKey(key)
    }

    /// Seals `plain` as field `field` of case `case`.
    pub fn seal(&self, case: &str, field: &str, plain: &[u8]) -> Sealed {
        seal_with(&self.0, "case", &field_aad(case, field), plain)
    }

    /// Opens field `field` of case `case`.
    pub fn open(
        &self,
        case: &str,
        field: &str,
        sealed: &Sealed,
    ) -> Result<Zeroizing<Vec<u8>>, SealError> {
        open_with(&self.0, &field_aad(case, field), sealed)
    }

    /// Seals a value as JSON.
    pub fn seal_json<T: Serialize>(&self, case: &str, field: &str, value: &T) -> Sealed {
        let plain = Zeroizing::new(serde_json::to_vec(value).expect("case values serialise"));
        self.seal(case, field, &plain)
    }

    /// Opens a value sealed as JSON.
    pub fn open_json<T: for<'de> Deserialize<'de>>(
        &self,
        case: &str,
        field: &str,
        sealed: &Sealed,
    ) -> Result<T, SealError> {
        let plain = self.open(case, field, sealed)?;
        serde_json::from_slice(&plain).map_err(|_| SealError::Malformed("sealed JSON"))
    }
}

fn field_aad(case: &str, field: &str) -> Vec<u8> {
    format!("cordon case field\0{case}\0{field}").into_bytes()
}

/// A sealed value: nonce and ciphertext with its tag, and the id of the
/// key that sealed it (`case` for a case's data key).
#[derive(Clone, PartialEq, Eq)]
pub struct Sealed {
    key_id: String,
    bytes: Vec<u8>,
}

impl std::fmt::Debug for Sealed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Sealed({} bytes)", self.bytes.len())
    }
}

impl Sealed {
    pub fn to_text(&self) -> String {
        format!(
            "{VERSION}.{}.{}",
            self.key_id,
            URL_SAFE_NO_PAD.encode(&self.bytes)
        )
    }

    pub fn parse(text: &str) -> Result<Sealed, SealError> {
        let mut parts = text.splitn(3, '.');
        let (Some(version), Some(key_id), Some(body)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(SealError::Malformed("expected v1.<key id>.<base64>"));
        };
        if version != VERSION {
            return Err(SealError::Malformed("unknown sealing version"));
        }
        let bytes = URL_SAFE_NO_PAD
            .decode(body)
            .map_err(|_| SealError::Malformed("not base64url"))?;
        if bytes.len() < NONCE + 16 {
            return Err(SealError::Malformed("too short"));
        }
        Ok(Sealed {
            key_id: key_id.to_string(),
            bytes,
        })
    }
}

impl Serialize for Sealed {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_text())
    }
}

impl<'de> Deserialize<'de> for Sealed {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Sealed::parse(&text).map_err(serde::de::Error::custom)
    }
}

fn seal_with(key: &[u8; 32], key_id: &str, aad: &[u8], plain: &[u8]) -> Sealed {
    let cipher = XChaCha20Poly1305::new(key.into());
    let mut nonce = [0u8; NONCE];
    rand::rng().fill_bytes(&mut nonce);
    let sealed = cipher
        .encrypt(&XNonce::from(nonce), Payload { msg: plain, aad })
        .expect("XChaCha20-Poly1305 seals any length a case holds");
    let mut bytes = Vec::with_capacity(NONCE + sealed.len());
    bytes.extend_from_slice(&nonce);
    bytes.extend_from_slice(&sealed);
    Sealed {
        key_id: key_id.to_string(),
        bytes,
    }
}

fn open_with(key: &[u8; 32], aad: &[u8], sealed: &Sealed) -> Result<Zeroizing<Vec<u8>>, SealError> {
    let cipher = XChaCha20Poly1305::new(key.into());
    let (nonce, body) = sealed.bytes.split_at(NONCE);
    let nonce: [u8; NONCE] = nonce.try_into().expect("split at the nonce's length");
    cipher
        .decrypt(&XNonce::from(nonce), Payload { msg: body, aad })
        .map(Zeroizing::new)
        .map_err(|_| SealError::Forged)
}

fn hex16(bytes: &[u8]) -> String {
    bytes[..8].iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> CaseKey {
        CaseKey::derive(&[7u8; 32])
    }

    #[test]
    fn a_sealed_field_opens_only_in_its_own_case_and_field() {
        let data = DataKey::generate();
        let sealed = data.seal("C-1", "people", b"Nguyen Van A");
        assert_eq!(
            data.open("C-1", "people", &sealed).unwrap().as_slice(),
            b"Nguyen Van A"
        );
        assert_eq!(data.open("C-2", "people", &sealed), Err(SealError::Forged));
        assert_eq!(data.open("C-1", "held", &sealed), Err(SealError::Forged));
        assert_eq!(
            DataKey::generate().open("C-1", "people", &sealed),
            Err(SealError::Forged)
        );
    }

    #[test]
    fn sealing_twice_gives_different_text_and_none_holds_the_plaintext() {
        let data = DataKey::generate();
        let a = data.seal("C-1", "people", b"passport:C1234567").to_text();
        let b = data.seal("C-1", "people", b"passport:C1234567").to_text();
        assert_ne!(a, b);
        assert!(!a.contains("C1234567"));
        let raw = Sealed::parse(&a).unwrap().bytes;
        assert!(!raw.windows(8).any(|w| w == b"C1234567"));
    }

    #[test]
    fn a_data_key_unwraps_only_under_its_case_and_the_same_server_key() {
        let data = DataKey::generate();
        let wrapped = key().wrap("C-1", &data);
        let sealed = data.seal("C-1", "people", b"x");
        let back = key().unwrap("C-1", &wrapped).unwrap();
        assert_eq!(
            back.open("C-1", "people", &sealed).unwrap().as_slice(),
            b"x"
        );
        assert_eq!(
            key().unwrap("C-2", &wrapped).unwrap_err(),
            SealError::Forged
        );
        let other = CaseKey::derive(&[8u8; 32]);
        assert!(matches!(
            other.unwrap("C-1", &wrapped),
            Err(SealError::OtherKey { .. })
        ));
    }

    #[test]
    fn the_text_form_reads_back_and_a_flipped_bit_is_caught() {
        let data = DataKey::generate();
        let sealed = data.seal("C-1", "f", b"hello");
        let text = serde_json::to_string(&sealed).unwrap();
        let back: Sealed = serde_json::from_str(&text).unwrap();
        assert_eq!(back, sealed);
        let mut bent = back.clone();
        let last = bent.bytes.len() - 1;
        bent.bytes[last] ^= 1;
        assert_eq!(data.open("C-1", "f", &bent), Err(SealError::Forged));
        for bad in ["", "v1", "v2.case.AAAA", "v1.case.!!", "v1.case.AAAA"] {
            assert!(Sealed::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_case_key_is_derived_not_the_secret_itself() {
        let secret = [9u8; 32];
        let k = CaseKey::derive(&secret);
        assert_ne!(k.key, secret);
        assert_eq!(k.id().len(), 16);
        assert_eq!(CaseKey::derive(&secret).id(), k.id());
    }
}
