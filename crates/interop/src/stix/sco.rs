//! Selectors as STIX Cyber-observable Objects, and back.
//!
//! Each exact selector kind has one SCO type; a name or a company (fuzzy
//! selectors) is an `identity` instead, since STIX observes no names.
//! Reading back accepts what other tools write for the same things
//! (OpenCTI's `phone-number`, `cryptocurrency-wallet` and `bank-account`
//! use the same type names and `value`), and turns every observable into
//! selector input that then goes through Cordon's own normalisation: an
//! observable Cordon cannot normalise is not a selector, but it is still
//! kept verbatim by the import.

use std::collections::BTreeMap;

use cordon_core::report::SelectorInput;
use cordon_core::{Selector, SelectorKind};
use serde_json::{Map, Value, json};

use super::extension::{self, EXTENSION};
use super::ids::{self, ScoValue};

/// STIX hash algorithm names by Cordon's hash prefixes.
const HASHES: [(&str, &str); 4] = [
    ("md5", "MD5"),
    ("sha1", "SHA-1"),
    ("sha256", "SHA-256"),
    ("sha512", "SHA-512"),
];

/// An SCO's type and id-contributing properties, before it becomes JSON.
struct Parts<'a> {
    kind: &'static str,
    props: BTreeMap<&'static str, ScoValue<'a>>,
}

fn parts(selector: &Selector) -> Option<Parts<'_>> {
    let value = selector.value();
    let mut props = BTreeMap::new();
    let kind = match selector.kind() {
        SelectorKind::Phone => {
            props.insert("value", ScoValue::Text(value));
            "phone-number"
        }
        SelectorKind::Email => {
            props.insert("value", ScoValue::Text(value));
            "email-addr"
        }
        SelectorKind::Domain => {
            props.insert("value", ScoValue::Text(value));
            "domain-name"
        }
        SelectorKind::Url => {
            props.insert("value", ScoValue::Text(value));
            "url"
        }
        SelectorKind::Ip => {
            props.insert("value", ScoValue::Text(value));
            if value.contains(':') {
                "ipv6-addr"
            } else {
                "ipv4-addr"
            }
        }
        SelectorKind::Crypto => {
            props.insert("chain", ScoValue::Text(selector.prefix()));
            props.insert("value", ScoValue::Text(value));
            "cryptocurrency-wallet"
        }
        SelectorKind::Iban => {
            props.insert("iban", ScoValue::Text(value));
            "bank-account"
        }
        SelectorKind::Bank => {
            let mut it = value.splitn(3, ':');
            let (country, bank, account) = (it.next()?, it.next()?, it.next()?);
            props.insert("country", ScoValue::Text(country));
            props.insert("bank_code", ScoValue::Text(bank));
            props.insert("account_number", ScoValue::Text(account));
            "bank-account"
        }
        SelectorKind::Handle => {
            props.insert("account_type", ScoValue::Text(selector.prefix()));
            props.insert("account_login", ScoValue::Text(value));
            "user-account"
        }
        SelectorKind::Passport => {
            let (country, number) = value.split_once(':')?;
            props.insert("document_type", ScoValue::Text("passport"));
            props.insert("issuing_country", ScoValue::Text(country));
            props.insert("number", ScoValue::Text(number));
            "travel-document"
        }
        SelectorKind::Hash => {
            let alg = HASHES
                .iter()
                .find(|(p, _)| *p == selector.prefix())
                .map(|(_, s)| *s)?;
            props.insert("hashes", ScoValue::Map(BTreeMap::from([(alg, value)])));
            "file"
        }
        SelectorKind::Name | SelectorKind::Company => return None,
    };
    Some(Parts { kind, props })
}

/// The STIX id of the object a selector becomes.
pub fn id(selector: &Selector) -> String {
    match parts(selector) {
        Some(p) => ids::sco(p.kind, &p.props),
        None => ids::named_identity(selector.as_str()),
    }
}

/// The object a selector becomes: an SCO, or an `identity` for a name or
/// company. `marking` is the TLP marking-definition id it carries.
pub fn object(selector: &Selector, marking: &str) -> Value {
    let Some(p) = parts(selector) else {
        let class = if selector.kind() == SelectorKind::Company {
            "organization"
        } else {
            "individual"
        };
        return json!({
            "type": "identity",
            "spec_version": super::SPEC_VERSION,
            "id": ids::named_identity(selector.as_str()),
            "created": extension::PUBLISHED,
            "modified": extension::PUBLISHED,
            "name": selector.value(),
            "identity_class": class,
            "object_marking_refs": [marking],
            "extensions": { EXTENSION: extension::marker(false) },
        });
    };
    let id = ids::sco(p.kind, &p.props);
    let new_sco = extension::NEW_SCOS.contains(&p.kind);
    let mut object = Map::new();
    object.insert("type".into(), p.kind.into());
    object.insert("spec_version".into(), super::SPEC_VERSION.into());
    object.insert("id".into(), id.into());
    for (k, v) in p.props {
        object.insert(
            k.into(),
            serde_json::to_value(v).expect("strings always serialise"),
        );
    }
    object.insert("object_marking_refs".into(), json!([marking]));
    // A file's `extensions` count towards its id (STIX 2.1 §6.7): with
    // Cordon's marker there, the same file from another tool would get
    // another id. A file carries no marker, so an import keeps it too.
    if p.kind != "file" {
        object.insert(
            "extensions".into(),
            json!({ EXTENSION: extension::marker(new_sco) }),
        );
    }
    Value::Object(object)
}

/// One comparison of a STIX pattern: `[type:path = 'value']`.
pub fn pattern(selector: &Selector) -> Option<String> {
    let p = parts(selector)?;
    let terms: Vec<String> = p
        .props
        .iter()
        .map(|(k, v)| match v {
            ScoValue::Text(t) => format!("{}:{k} = '{}'", p.kind, escape(t)),
            ScoValue::Map(m) => {
                let (alg, hex) = m.iter().next().expect("one hash");
                format!("{}:{k}.'{alg}' = '{}'", p.kind, escape(hex))
            }
        })
        .collect();
    Some(format!("[{}]", terms.join(" AND ")))
}

fn escape(text: &str) -> String {
    text.replace('\\', "\\\\").replace('\'', "\\'")
}

/// Selector input from an observable's properties (an SCO object, or the
/// property values one observation of a pattern compares against). The
/// input still goes through Cordon's normalisation.
pub fn selector_inputs(kind: &str, get: &dyn Fn(&str) -> Option<String>) -> Vec<SelectorInput> {
    let typed = |kind: &str, value: String| SelectorInput::Typed {
        kind: kind.to_owned(),
        value,
        region: None,
    };
    let text = SelectorInput::Text;
    let mut out = Vec::new();
    match kind {
        "phone-number" => out.extend(get("value").map(|v| typed("phone", v))),
        "email-addr" => out.extend(get("value").map(|v| typed("email", v))),
        "domain-name" => out.extend(get("value").map(|v| typed("domain", v))),
        "url" => out.extend(get("value").map(|v| typed("url", v))),
        "ipv4-addr" | "ipv6-addr" => out.extend(get("value").map(|v| typed("ip", v))),
        "cryptocurrency-wallet" => match (get("chain"), get("value")) {
            (Some(chain), Some(v)) => out.push(text(format!("{}:{v}", chain.to_lowercase()))),
            (None, Some(v)) => out.push(typed("crypto", v)),
            _ => {}
        },
        "bank-account" => {
            if let Some(iban) = get("iban") {
                out.push(typed("iban", iban));
            } else if let (Some(c), Some(b), Some(a)) =
                (get("country"), get("bank_code"), get("account_number"))
            {
                out.push(text(format!("bank:{c}:{b}:{a}")));
            }
        }
        "travel-document" => {
            if let (Some(c), Some(n)) = (get("issuing_country"), get("number")) {
                out.push(text(format!("passport:{c}:{n}")));
            }
        }
        "user-account" => {
            if let (Some(t), Some(login)) = (
                get("account_type"),
                get("account_login").or_else(|| get("user_id")),
            ) {
                out.push(text(format!("{}:{login}", t.to_lowercase())));
            }
        }
        "file" => {
            for (prefix, alg) in HASHES {
                if let Some(hex) = get(&format!("hashes.{alg}")) {
                    out.push(text(format!("{prefix}:{}", hex.to_lowercase())));
                }
            }
        }
        _ => {}
    }
    out
}

/// Selector input from an SCO object as JSON.
pub fn inputs_of_object(object: &Value) -> Vec<SelectorInput> {
    let Some(kind) = object.get("type").and_then(Value::as_str) else {
        return Vec::new();
    };
    let get = |path: &str| -> Option<String> {
        let v = match path.split_once('.') {
            Some((a, b)) => object.get(a)?.get(b)?,
            None => object.get(path)?,
        };
        v.as_str().map(str::to_owned)
    };
    selector_inputs(kind, &get)
}

#[cfg(test)]
mod tests {
    use super::*;
    use cordon_core::Hint;
    use cordon_core::selector::normalize_one;

    fn sel(text: &str) -> Selector {
        normalize_one(text, &Hint::default()).unwrap()
    }

    #[test]
    fn every_exact_selector_kind_round_trips_through_its_sco() {
        for text in [
            "phone:+85512345678",
            "email:recruit+hr@example.com",
            "domain:example.vip",
            "url:https://trade.example.vip/login?ref=7",
            "ip:203.0.113.5",
            "ip:2001:db8::1",
            "eth:0x52908400098527886e0f7030069857d2e4169ee7",
            "trx:TLa2f6VPqDgRE67v1736s7bJ8Ray5wYjU7",
            "iban:DE89370400440532013000",
            "telegram:@goodjob_hr",
            "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
        ] {
            let s = sel(text);
            let object = object(&s, "marking-definition--x");
            assert_eq!(object["id"], id(&s), "{text}");
            let back = inputs_of_object(&object);
            assert_eq!(back.len(), 1, "{text}: {back:?}");
            let again = match &back[0] {
                SelectorInput::Text(t) => normalize_one(t, &Hint::default()),
                SelectorInput::Typed { kind, value, .. } => {
                    normalize_one(value, &Hint::kind(kind.parse().unwrap()))
                }
            }
            .unwrap();
            assert_eq!(again, s, "{text}");
        }
    }

    #[test]
    fn names_become_identities_and_have_no_pattern() {
        let s = sel("name:nguyen van an");
        let o = object(&s, "marking-definition--x");
        assert_eq!(o["type"], "identity");
        assert_eq!(o["identity_class"], "individual");
        assert!(pattern(&s).is_none());
    }

    #[test]
    fn patterns_escape_quotes_and_backslashes() {
        let s = sel("url:https://example.vip/a?q=it's");
        let p = pattern(&s).unwrap();
        assert!(p.contains("\\'"), "{p}");
    }
}
