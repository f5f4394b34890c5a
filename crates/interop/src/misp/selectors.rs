//! Selectors ↔ MISP attributes and objects.
//!
//! Reading, an attribute or object offers [`Candidate`]s: its values with
//! the selector kind they claim and, where MISP splits one identifier over
//! several attributes (a bank code and an account, a chain and an address,
//! a platform and a user name, a passport number and its country), the
//! parts put back together. Every candidate then goes through Cordon's own
//! normalisation; one that does not normalise is not a selector, and the
//! import counts it.
//!
//! Writing, a selector becomes a standalone attribute where MISP has an
//! attribute type that holds all of it (`phone-number`, `email`, `domain`,
//! `url`, `ip-dst`, `btc`, `iban`, hashes, `full-name`), and an object of
//! MISP's templates where it has parts: `bank-account`, `coin-address`
//! (crypto addresses of chains other than Bitcoin, with their `symbol`),
//! `legal-entity` (companies), and the account objects for social handles
//! (`telegram-account`, `facebook-account`, `instagram-account`,
//! `twitter-account`, and `user-account` with its `account-type` for the
//! other platforms). A passport number is a `passport-number` attribute
//! whose comment names the issuing country (`issuing country: KE`): MISP's
//! `person` object would pair them, but its template requires a name.
//! MISP has no `social-media` template; one written by another tool
//! (PyMISP allows template-less objects) is read all the same.

use cordon_core::selector::Region;
use cordon_core::{Hint, Selector, SelectorKind};

/// Selector input one attribute or object offers, still to normalise.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub kind: SelectorKind,
    pub text: String,
}

impl Candidate {
    fn new(kind: SelectorKind, text: impl Into<String>) -> Self {
        Candidate {
            kind,
            text: text.into(),
        }
    }

    /// The canonical selectors of this candidate (a URL also gives its
    /// domain), or `None` when Cordon cannot normalise it. `region` is the
    /// report's country, as for any submitted selector.
    pub fn normalise(&self, region: Option<Region>) -> Option<Vec<Selector>> {
        let hint = Hint {
            kind: Some(self.kind),
            region,
        };
        cordon_core::selector::normalize(&self.text, &hint)
            .ok()
            .filter(|s| !s.is_empty())
    }
}

/// What a standalone attribute is to Cordon.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Use {
    /// Selector input.
    Selectors(Vec<Candidate>),
    /// Free text for the narrative (`text`, `comment`, `other`).
    Text,
    /// Not an identifier Cordon matches (a port, a file name, a mutex …).
    Context,
}

const HASHES: [&str; 4] = ["md5", "sha1", "sha256", "sha512"];

/// What an attribute of a MISP type offers. The comment matters for one
/// type: a passport number's issuing country is in it (`issuing country:
/// KE`, as Cordon writes it), since MISP has no standalone attribute for it.
pub fn of_attribute(kind: &str, value: &str, comment: &str) -> Use {
    use SelectorKind as K;
    let value = value.trim();
    let one = |k: K, text: String| Use::Selectors(vec![Candidate::new(k, text)]);
    let first = |v: &str| v.split('|').next().unwrap_or_default().to_owned();
    let second = |v: &str| v.split_once('|').map(|(_, b)| b.to_owned());
    match kind {
        "phone-number" | "prtn" | "whois-registrant-phone" => one(K::Phone, value.into()),
        "email"
        | "email-src"
        | "email-dst"
        | "email-reply-to"
        | "target-email"
        | "whois-registrant-email"
        | "dns-soa-email" => one(K::Email, value.into()),
        "domain" | "hostname" => one(K::Domain, value.into()),
        "hostname|port" => one(K::Domain, first(value)),
        "domain|ip" => {
            let mut c = vec![Candidate::new(K::Domain, first(value))];
            c.extend(second(value).map(|ip| Candidate::new(K::Ip, ip)));
            Use::Selectors(c)
        }
        "ip-src" | "ip-dst" => one(K::Ip, value.into()),
        "ip-src|port" | "ip-dst|port" => one(K::Ip, first(value)),
        "url" | "link" => one(K::Url, value.into()),
        // Monero and Dash addresses are kept as crypto input; Cordon has no
        // such chains, so they are counted as unusable, not silently lost.
        "btc" | "xmr" | "dash" => one(K::Crypto, format!("{kind}:{value}")),
        "iban" => one(K::Iban, value.into()),
        "bank-account-nr" => one(K::Bank, value.into()),
        "passport-number" => match country_of_comment(comment) {
            Some(c) => one(K::Passport, format!("{c}:{value}")),
            None => one(K::Passport, value.into()),
        },
        "full-name" | "whois-registrant-name" => one(K::Name, value.into()),
        "whois-registrant-org" => one(K::Company, value.into()),
        "twitter-id" => one(K::Handle, format!("x:{value}")),
        k if HASHES.contains(&k) => one(K::Hash, format!("{k}:{value}")),
        k if k.starts_with("filename|") && HASHES.contains(&&k["filename|".len()..]) => {
            match second(value) {
                Some(hex) => one(K::Hash, format!("{}:{hex}", &k["filename|".len()..])),
                None => one(K::Hash, value.into()),
            }
        }
        "text" | "comment" | "other" => Use::Text,
        _ => Use::Context,
    }
}

/// One attribute of an object: its relation, type and value.
#[derive(Debug, Clone, Copy)]
pub struct Part<'a> {
    pub relation: &'a str,
    pub kind: &'a str,
    pub value: &'a str,
}

/// What an object offers: the candidates of the relations its template
/// gives a meaning together, then every other attribute by its type.
pub fn of_object(name: &str, comment: &str, parts: &[Part<'_>]) -> Vec<Candidate> {
    use SelectorKind as K;
    let mut used = vec![false; parts.len()];
    let mut out = Vec::new();
    {
        let mut take = |relation: &str| -> Vec<&str> {
            parts
                .iter()
                .enumerate()
                .filter(|(_, p)| p.relation.eq_ignore_ascii_case(relation))
                .map(|(i, p)| {
                    used[i] = true;
                    p.value.trim()
                })
                .filter(|v| !v.is_empty())
                .collect()
        };
        match name {
            "bank-account" => {
                let ibans = take("iban");
                let accounts = take("account");
                let swift = take("swift").first().copied();
                let aba = take("aba-rtn").first().copied();
                let institution = take("institution-code").first().copied();
                let country = country_of_comment(comment);
                out.extend(ibans.iter().map(|i| Candidate::new(K::Iban, *i)));
                // An IBAN holds its account number; the account is a
                // selector of its own only where there is no IBAN.
                if ibans.is_empty() {
                    for account in accounts {
                        let text = match (swift, aba, institution) {
                            (Some(bic), _, _) => format!("{bic}:{account}"),
                            (None, Some(aba), _) => format!("US:{aba}:{account}"),
                            (None, None, Some(code)) => match country {
                                Some(c) => format!("{c}:{code}:{account}"),
                                None => format!("{code}:{account}"),
                            },
                            (None, None, None) => account.to_owned(),
                        };
                        out.push(Candidate::new(K::Bank, text));
                    }
                }
            }
            "coin-address" | "cryptocurrency-transaction" => {
                let symbol = take("symbol").first().map(|s| s.to_ascii_lowercase());
                let mut addresses = take("address");
                addresses.extend(take("address-crypto"));
                for a in addresses {
                    let text = match &symbol {
                        Some(s) => format!("{s}:{a}"),
                        None => a.to_owned(),
                    };
                    out.push(Candidate::new(K::Crypto, text));
                }
                for a in take("address-xmr") {
                    out.push(Candidate::new(K::Crypto, format!("xmr:{a}")));
                }
            }
            "person" => {
                let full = take("full-name");
                let first = take("first-name");
                let middle = take("middle-name");
                let last = take("last-name");
                if let Some(f) = full.first() {
                    out.push(Candidate::new(K::Name, *f));
                } else if !first.is_empty() || !last.is_empty() {
                    let name: Vec<&str> =
                        first.iter().chain(&middle).chain(&last).copied().collect();
                    out.push(Candidate::new(K::Name, name.join(" ")));
                }
                let country = take("passport-country").first().copied();
                for number in take("passport-number") {
                    let text = match country {
                        Some(c) => format!("{c}:{number}"),
                        None => number.to_owned(),
                    };
                    out.push(Candidate::new(K::Passport, text));
                }
            }
            "ftm-Passport" => {
                let country = take("country").first().copied();
                for number in take("passportNumber") {
                    let text = match country {
                        Some(c) => format!("{c}:{number}"),
                        None => number.to_owned(),
                    };
                    out.push(Candidate::new(K::Passport, text));
                }
            }
            "legal-entity" => {
                out.extend(
                    take("name")
                        .into_iter()
                        .map(|n| Candidate::new(K::Company, n)),
                );
            }
            "telegram-account" => {
                out.extend(
                    take("username")
                        .into_iter()
                        .map(|u| Candidate::new(K::Handle, format!("telegram:{u}"))),
                );
                out.extend(
                    take("phone")
                        .into_iter()
                        .map(|p| Candidate::new(K::Phone, p)),
                );
                take("id");
            }
            "facebook-account" | "instagram-account" | "twitter-account" => {
                let platform = name.trim_end_matches("-account");
                let mut handles = take("account-name");
                handles.extend(take("name"));
                let ids = take("account-id");
                take("id");
                let chosen = if handles.is_empty() && platform == "facebook" {
                    // Numeric Facebook profile ids are handles too.
                    ids
                } else {
                    handles
                };
                out.extend(
                    chosen
                        .into_iter()
                        .map(|u| Candidate::new(K::Handle, format!("{platform}:{u}"))),
                );
            }
            "social-media" | "user-account" => {
                let platform = ["platform", "account-type"]
                    .iter()
                    .find_map(|r| take(r).first().copied());
                let mut users = Vec::new();
                for r in [
                    "username",
                    "account-name",
                    "handle",
                    "user-id",
                    "account-id",
                ] {
                    users.extend(take(r));
                }
                for u in users.into_iter().take(1) {
                    let text = match platform {
                        Some(p) => format!("{}:{u}", p.to_ascii_lowercase()),
                        None => u.to_owned(),
                    };
                    out.push(Candidate::new(K::Handle, text));
                }
            }
            _ => {}
        }
    }
    for (p, used) in parts.iter().zip(used) {
        if !used && let Use::Selectors(c) = of_attribute(p.kind, p.value, "") {
            out.extend(c);
        }
    }
    out
}

/// The country a comment names as `country: KH` (Cordon writes it on
/// bank accounts, and `issuing country: KE` on passport numbers): two or
/// three letters, which the selector's own rules then check.
fn country_of_comment(comment: &str) -> Option<&str> {
    let at = comment.to_ascii_lowercase().find("country:")?;
    let rest = &comment[at + "country:".len()..];
    let c = rest.split([',', ';', ')']).next()?.trim();
    ((2..=3).contains(&c.len()) && c.bytes().all(|b| b.is_ascii_alphabetic())).then_some(c)
}

/// A MISP object template Cordon writes: its name, UUID, version and
/// meta-category, exactly as in MISP's object directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Template {
    pub name: &'static str,
    pub uuid: &'static str,
    pub version: u32,
    pub meta_category: &'static str,
    pub description: &'static str,
}

pub const BANK_ACCOUNT: Template = Template {
    name: "bank-account",
    uuid: "b4712203-95a8-4883-80e9-b566f5df11c9",
    version: 3,
    meta_category: "financial",
    description: "An object describing bank account information based on account description from goAML 4.0.",
};
pub const COIN_ADDRESS: Template = Template {
    name: "coin-address",
    uuid: "d0e6997e-78da-4815-a6a1-cfc1c1cb8a46",
    version: 7,
    meta_category: "financial",
    description: "An address used in a cryptocurrency",
};
pub const LEGAL_ENTITY: Template = Template {
    name: "legal-entity",
    uuid: "14f5688f-d89c-469f-9878-c48bf6c41c65",
    version: 2,
    meta_category: "misc",
    description: "An object to describe a legal entity.",
};
pub const TELEGRAM_ACCOUNT: Template = Template {
    name: "telegram-account",
    uuid: "06f02ecf-5afb-42c5-9cb0-b362e222f52c",
    version: 2,
    meta_category: "misc",
    description: "Information related to a telegram account",
};
pub const FACEBOOK_ACCOUNT: Template = Template {
    name: "facebook-account",
    uuid: "b9862b95-7d78-4938-a2b5-13e45c60f25a",
    version: 1,
    meta_category: "misc",
    description: "Facebook account.",
};
pub const INSTAGRAM_ACCOUNT: Template = Template {
    name: "instagram-account",
    uuid: "656ced16-23f3-4322-925d-c9c961684999",
    version: 1,
    meta_category: "misc",
    description: "Instagram account.",
};
pub const TWITTER_ACCOUNT: Template = Template {
    name: "twitter-account",
    uuid: "8066563f-881e-4f6a-9d6c-a9d15b8658bb",
    version: 7,
    meta_category: "misc",
    description: "Twitter account.",
};
pub const USER_ACCOUNT: Template = Template {
    name: "user-account",
    uuid: "49606b06-22f0-4ac8-8eee-2f12ad46f3d3",
    version: 6,
    meta_category: "misc",
    description: "User-account object, defining aspects of user identification, authentication, privileges and other relevant data points.",
};
pub const GEOLOCATION: Template = Template {
    name: "geolocation",
    uuid: "cd6f2238-ba55-4888-82c4-104e6e1acf21",
    version: 8,
    meta_category: "misc",
    description: "An object to describe a geographic location.",
};

/// An attribute to write: standalone, or in an object under `relation`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttributeSpec {
    pub relation: Option<&'static str>,
    pub kind: &'static str,
    pub value: String,
    pub comment: String,
}

impl AttributeSpec {
    fn standalone(kind: &'static str, value: impl Into<String>) -> Self {
        AttributeSpec {
            relation: None,
            kind,
            value: value.into(),
            comment: String::new(),
        }
    }

    /// An attribute of an object, under its relation.
    pub fn part(relation: &'static str, kind: &'static str, value: impl Into<String>) -> Self {
        AttributeSpec {
            relation: Some(relation),
            kind,
            value: value.into(),
            comment: String::new(),
        }
    }

    /// The MISP category: the type's default in MISP's describeTypes, which
    /// is always a valid category for the type.
    pub fn category(&self) -> &'static str {
        match self.kind {
            "phone-number" | "passport-number" | "passport-country" | "full-name" => "Person",
            "email" => "Social network",
            "domain" | "url" | "ip-dst" | "hostname" => "Network activity",
            "btc" | "iban" | "bank-account-nr" | "bic" | "aba-rtn" => "Financial fraud",
            "md5" | "sha1" | "sha256" | "sha512" => "Payload delivery",
            _ => "Other",
        }
    }

    /// Whether IDS rules may be made of it: MISP's default for the type.
    pub fn to_ids(&self) -> bool {
        matches!(
            self.kind,
            "email"
                | "domain"
                | "url"
                | "ip-dst"
                | "btc"
                | "iban"
                | "bank-account-nr"
                | "bic"
                | "aba-rtn"
                | "md5"
                | "sha1"
                | "sha256"
                | "sha512"
        ) && self.relation.is_none_or(|r| r != "symbol")
    }
}

/// What a selector becomes in an event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Emit {
    Attribute(AttributeSpec),
    Object {
        template: Template,
        comment: String,
        attributes: Vec<AttributeSpec>,
    },
}

/// The attribute or object a selector becomes.
pub fn emit(selector: &Selector) -> Emit {
    use AttributeSpec as A;
    let value = selector.value();
    let object = |template: Template, attributes: Vec<AttributeSpec>| Emit::Object {
        template,
        comment: String::new(),
        attributes,
    };
    match selector.kind() {
        SelectorKind::Phone => Emit::Attribute(A::standalone("phone-number", value)),
        SelectorKind::Email => Emit::Attribute(A::standalone("email", value)),
        SelectorKind::Domain => Emit::Attribute(A::standalone("domain", value)),
        SelectorKind::Url => Emit::Attribute(A::standalone("url", value)),
        SelectorKind::Ip => Emit::Attribute(A::standalone("ip-dst", value)),
        SelectorKind::Iban => Emit::Attribute(A::standalone("iban", value)),
        SelectorKind::Name => Emit::Attribute(A::standalone("full-name", value)),
        SelectorKind::Hash => {
            let kind = HASHES
                .into_iter()
                .find(|h| *h == selector.prefix())
                .unwrap_or("sha256");
            Emit::Attribute(A::standalone(kind, value))
        }
        SelectorKind::Crypto if selector.prefix() == "btc" => {
            Emit::Attribute(A::standalone("btc", value))
        }
        SelectorKind::Crypto => object(
            COIN_ADDRESS,
            vec![
                A::part("address-crypto", "text", value),
                A::part("symbol", "text", selector.prefix().to_ascii_uppercase()),
            ],
        ),
        SelectorKind::Bank => {
            let mut it = value.splitn(3, ':');
            let (country, code, account) = (
                it.next().unwrap_or_default(),
                it.next().unwrap_or_default(),
                it.next().unwrap_or_default(),
            );
            let code_part = if is_bic(code, country) {
                A::part("swift", "bic", code)
            } else if country == "US" && code.len() == 9 && code.bytes().all(|b| b.is_ascii_digit())
            {
                A::part("aba-rtn", "aba-rtn", code)
            } else {
                A::part("institution-code", "text", code)
            };
            Emit::Object {
                template: BANK_ACCOUNT,
                comment: format!("country: {country}"),
                attributes: vec![A::part("account", "bank-account-nr", account), code_part],
            }
        }
        SelectorKind::Handle => {
            let bare = value.trim_start_matches('@');
            match selector.prefix() {
                "telegram" => object(TELEGRAM_ACCOUNT, vec![A::part("username", "text", bare)]),
                "facebook" => object(
                    FACEBOOK_ACCOUNT,
                    vec![A::part("account-name", "text", bare)],
                ),
                "instagram" => object(
                    INSTAGRAM_ACCOUNT,
                    vec![A::part("account-name", "text", bare)],
                ),
                "x" => object(TWITTER_ACCOUNT, vec![A::part("name", "text", bare)]),
                platform => object(
                    USER_ACCOUNT,
                    vec![
                        A::part("username", "text", bare),
                        A::part("account-type", "text", platform.to_owned()),
                    ],
                ),
            }
        }
        // A `person` object would pair the number with its country, but
        // its template requires a name, which a passport selector does not
        // have; the standalone attribute keeps MISP's correlation on the
        // number, its comment the issuing country.
        SelectorKind::Passport => {
            let (country, number) = value.split_once(':').unwrap_or(("", value));
            Emit::Attribute(AttributeSpec {
                comment: format!("issuing country: {country}"),
                ..A::standalone("passport-number", number)
            })
        }
        SelectorKind::Company => object(LEGAL_ENTITY, vec![A::part("name", "text", value)]),
    }
}

/// Whether a canonical bank code is a BIC (its 8-character institution
/// code) of the account's country.
fn is_bic(code: &str, country: &str) -> bool {
    code.len() == 8
        && code.is_ascii()
        && code[..4].bytes().all(|b| b.is_ascii_uppercase())
        && &code[4..6] == country
}

#[cfg(test)]
mod tests {
    use super::*;
    use cordon_core::selector::normalize_one;

    fn sel(text: &str) -> Selector {
        normalize_one(text, &Hint::default()).unwrap()
    }

    /// What an emitted selector reads back as.
    fn read_back(e: &Emit) -> Vec<Selector> {
        let candidates = match e {
            Emit::Attribute(a) => match of_attribute(a.kind, &a.value, &a.comment) {
                Use::Selectors(c) => c,
                other => panic!("{a:?} reads back as {other:?}"),
            },
            Emit::Object {
                template,
                comment,
                attributes,
            } => {
                let parts: Vec<Part<'_>> = attributes
                    .iter()
                    .map(|a| Part {
                        relation: a.relation.unwrap(),
                        kind: a.kind,
                        value: &a.value,
                    })
                    .collect();
                of_object(template.name, comment, &parts)
            }
        };
        candidates
            .iter()
            .flat_map(|c| c.normalise(None).unwrap_or_else(|| panic!("{c:?}")))
            .collect()
    }

    #[test]
    fn every_selector_kind_comes_back_from_what_it_becomes() {
        for text in [
            "phone:+85512345678",
            "email:recruit+hr@example.com",
            "domain:example.vip",
            "ip:203.0.113.5",
            "ip:2001:db8::1",
            "btc:bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq",
            "eth:0x52908400098527886e0f7030069857d2e4169ee7",
            "bsc:0x52908400098527886e0f7030069857d2e4169ee7",
            "trx:TLa2f6VPqDgRE67v1736s7bJ8Ray5wYjU7",
            "iban:DE89370400440532013000",
            "bank:KH:ABAAKHPP:000123456",
            "telegram:@goodjob_hr",
            "facebook:asia.dream.jobs",
            "instagram:dream.jobs",
            "x:dreamjobs",
            "line:kelvin88",
            "tiktok:@dream.jobs",
            "wechat:kelvin_88",
            "passport:KE:AK1234567",
            "md5:d41d8cd98f00b204e9800998ecf8427e",
            "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
            "name:nguyen van an",
            "company:golden dream ltd",
        ] {
            let s = sel(text);
            assert_eq!(read_back(&emit(&s)), vec![s], "{text}");
        }
        // A URL gives its domain as well, exactly as a submitted one does.
        let url = sel("url:https://trade.example.vip/login?ref=7");
        assert_eq!(
            read_back(&emit(&url)),
            vec![url.clone(), sel("domain:example.vip")]
        );
    }

    #[test]
    fn bank_accounts_keep_their_code_and_country() {
        for text in ["bank:KH:ABAAKHPP:000123456", "bank:US:021000021:12345678"] {
            let s = match normalize_one(text, &Hint::default()) {
                Ok(s) => s,
                Err(e) => panic!("{text}: {e}"),
            };
            assert_eq!(read_back(&emit(&s)), vec![s.clone()], "{text}");
        }
    }

    #[test]
    fn attributes_of_other_tools_offer_what_they_hold() {
        let c = |k: &str, v: &str| match of_attribute(k, v, "") {
            Use::Selectors(c) => c
                .iter()
                .filter_map(|c| c.normalise(Some("KH".parse().unwrap())))
                .flatten()
                .map(|s| s.into_string())
                .collect::<Vec<_>>(),
            other => panic!("{k}: {other:?}"),
        };
        assert_eq!(c("ip-dst|port", "203.0.113.5|443"), ["ip:203.0.113.5"]);
        assert_eq!(
            c("domain|ip", "login.example.vip|203.0.113.5"),
            ["domain:example.vip", "ip:203.0.113.5"]
        );
        assert_eq!(
            c(
                "filename|md5",
                "invoice.exe|D41D8CD98F00B204E9800998ECF8427E"
            ),
            ["md5:d41d8cd98f00b204e9800998ecf8427e"]
        );
        assert_eq!(c("phone-number", "012 345 678"), ["phone:+85512345678"]);
        assert_eq!(c("hostname", "www.example.vip"), ["domain:example.vip"]);
        assert!(c("xmr", "4AdUndXHHZ6cfufTMvppY6JwXNouMBzSkbLYfpAV5Usx").is_empty());
        assert_eq!(of_attribute("text", "anything", ""), Use::Text);
        assert_eq!(of_attribute("port", "443", ""), Use::Context);
        // Without an issuing country, the report's (as for any input).
        assert_eq!(
            c("passport-number", "ak 1234567"),
            ["passport:KH:AK1234567"]
        );
        let kenyan = match of_attribute("passport-number", "AK1234567", "issuing country: KEN") {
            Use::Selectors(c) => c[0].normalise(None).unwrap(),
            other => panic!("{other:?}"),
        };
        assert_eq!(kenyan[0].as_str(), "passport:KE:AK1234567");
    }

    #[test]
    fn objects_of_other_tools_put_their_parts_together() {
        let read = |name: &str, parts: &[(&str, &str, &str)]| {
            let parts: Vec<Part<'_>> = parts
                .iter()
                .map(|(relation, kind, value)| Part {
                    relation,
                    kind,
                    value,
                })
                .collect();
            of_object(name, "", &parts)
                .iter()
                .filter_map(|c| c.normalise(Some("TH".parse().unwrap())))
                .flatten()
                .map(|s| s.into_string())
                .collect::<Vec<_>>()
        };
        assert_eq!(
            read(
                "social-media",
                &[
                    ("platform", "text", "Telegram"),
                    ("username", "text", "@GoodJob_HR")
                ]
            ),
            ["telegram:@goodjob_hr"]
        );
        assert_eq!(
            read(
                "social-media",
                &[
                    ("platform", "text", "WhatsApp"),
                    ("username", "text", "+66 81 234 5678")
                ]
            ),
            ["phone:+66812345678"]
        );
        assert_eq!(
            read(
                "cryptocurrency-transaction",
                &[
                    ("address", "btc", "TLa2f6VPqDgRE67v1736s7bJ8Ray5wYjU7"),
                    ("symbol", "text", "USDT"),
                    ("value", "float", "1500"),
                ]
            ),
            ["trx:TLa2f6VPqDgRE67v1736s7bJ8Ray5wYjU7"]
        );
        assert_eq!(
            read(
                "person",
                &[
                    ("first-name", "first-name", "Nguyen"),
                    ("last-name", "last-name", "An"),
                    ("passport-number", "passport-number", "ak1234567"),
                    ("passport-country", "passport-country", "KEN"),
                    ("phone-number", "phone-number", "+66812345678"),
                ]
            ),
            [
                "name:nguyen an",
                "passport:KE:AK1234567",
                "phone:+66812345678"
            ]
        );
        assert_eq!(
            read(
                "bank-account",
                &[
                    ("iban", "iban", "DE89 3704 0044 0532 0130 00"),
                    ("account", "bank-account-nr", "0532013000"),
                    ("swift", "bic", "COBADEFFXXX"),
                ]
            ),
            ["iban:DE89370400440532013000"]
        );
        assert_eq!(
            read(
                "domain-ip",
                &[
                    ("domain", "domain", "example.vip"),
                    ("ip", "ip-dst", "203.0.113.5"),
                    ("port", "port", "443"),
                ]
            ),
            ["domain:example.vip", "ip:203.0.113.5"]
        );
    }
}
