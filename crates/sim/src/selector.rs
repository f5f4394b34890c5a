//! Simulated selectors: each is generated in canonical form first (the
//! ground truth), then rendered the way a victim, analyst or advert would
//! write it (national phone formats, defanged URLs, mixed case, grouping).
//!
//! Renderings are always *valid*: a selector listed in a report must import
//! cleanly. Typos are made only in narrative text (see [`Sel::garbled`]),
//! where selector extraction simply misses them, as it would in real reports.

use cordon_core::report::SelectorInput;

use crate::codec;
use crate::data::{Country, Tables};
use crate::dice::Dice;

/// Social platforms whose handles the networks use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Platform {
    Telegram,
    Line,
    Facebook,
    WeChat,
}

impl Platform {
    pub fn prefix(self) -> &'static str {
        match self {
            Platform::Telegram => "telegram",
            Platform::Line => "line",
            Platform::Facebook => "facebook",
            Platform::WeChat => "wechat",
        }
    }

    /// The modus-operandi channel tag (`channel:*`) of this platform.
    pub fn channel(self) -> &'static str {
        match self {
            Platform::Telegram => "telegram",
            Platform::Line => "line",
            Platform::Facebook => "facebook",
            Platform::WeChat => "wechat",
        }
    }
}

/// A selector of the simulated world, in a form that knows both its
/// canonical text and how people write it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sel {
    /// A phone number: the country (index into the tables) and its national
    /// significant number.
    Phone {
        country: u16,
        nsn: String,
    },
    /// A phone number used as a WhatsApp account; canonical form is the phone.
    WhatsApp {
        country: u16,
        nsn: String,
    },
    /// A registrable domain, lower case.
    Domain(String),
    /// An https URL: lower-case host and a path with query.
    Url {
        host: String,
        path: String,
    },
    Email(String),
    Ip(String),
    /// A social handle as its owner writes it (case kept; canonical is lower).
    Handle {
        platform: Platform,
        name: String,
    },
    Trx(String),
    Eth([u8; 20]),
    /// A bech32 or base58 Bitcoin address (canonical as generated).
    Btc(String),
    Iban(String),
    Bank {
        country: u16,
        bic: String,
        account: String,
    },
    Passport {
        country: u16,
        number: String,
    },
    /// A person's name as written in a passport (ASCII).
    Name(String),
    Company(String),
}

impl Sel {
    /// The canonical selector text (FORMATS.md), which is its identity.
    pub fn canonical(&self) -> String {
        let t = Tables::get();
        match self {
            Sel::Phone { country, nsn } | Sel::WhatsApp { country, nsn } => {
                format!("phone:+{}{nsn}", t.countries[*country as usize].dial)
            }
            Sel::Domain(d) => format!("domain:{d}"),
            Sel::Url { host, path } => format!("url:https://{host}{path}"),
            Sel::Email(e) => format!("email:{e}"),
            Sel::Ip(ip) => format!("ip:{ip}"),
            Sel::Handle { platform, name } => match platform {
                Platform::Telegram => format!("telegram:@{}", name.to_ascii_lowercase()),
                p => format!("{}:{}", p.prefix(), name.to_ascii_lowercase()),
            },
            Sel::Trx(a) => format!("trx:{a}"),
            Sel::Eth(raw) => format!("eth:{}", codec::eth_lower(raw)),
            Sel::Btc(a) => format!("btc:{a}"),
            Sel::Iban(i) => format!("iban:{i}"),
            Sel::Bank {
                country,
                bic,
                account,
            } => format!(
                "bank:{}:{bic}:{account}",
                t.countries[*country as usize].code
            ),
            Sel::Passport { country, number } => {
                format!("passport:{}:{number}", t.countries[*country as usize].code)
            }
            Sel::Name(n) => format!("name:{}", fold_name(n)),
            Sel::Company(c) => format!("company:{}", fold_name(c)),
        }
    }

    /// The further canonical selector this one implies: a URL also yields
    /// its registrable domain.
    pub fn implied(&self) -> Option<String> {
        match self {
            Sel::Url { host, .. } => Some(format!("domain:{}", registrable(host))),
            _ => None,
        }
    }

    /// True for kinds that selector extraction finds in free text, so that
    /// narratives mention only what a reader (and the extractor) can see.
    pub fn extractable(&self) -> bool {
        matches!(
            self,
            Sel::Phone { .. }
                | Sel::WhatsApp { .. }
                | Sel::Domain(_)
                | Sel::Url { .. }
                | Sel::Email(_)
                | Sel::Trx(_)
                | Sel::Eth(_)
                | Sel::Btc(_)
        )
    }

    /// A messy but valid rendering for a report's `selectors` list, as filed
    /// by an agency of `region` (the report's country).
    pub fn render(&self, dice: &mut Dice, region: &str) -> SelectorInput {
        let t = Tables::get();
        match self {
            Sel::Phone { country, nsn } => {
                render_phone(dice, &t.countries[*country as usize], nsn, region)
            }
            Sel::WhatsApp { country, nsn } => {
                let c = &t.countries[*country as usize];
                match dice.below(4) {
                    0 => text(format!("https://wa.me/{}{nsn}", c.dial)),
                    1 => text(format!("wa.me/{}{nsn}", c.dial)),
                    2 => text(format!("whatsapp:+{}{nsn}", c.dial)),
                    _ => render_phone(dice, c, nsn, region),
                }
            }
            Sel::Domain(d) => match dice.below(5) {
                0 => text(defang_dots(d)),
                1 => text(title_case(d)),
                // A bare `www.` host reads as a URL when guessed; people who
                // type it into a domain field say so.
                2 => typed("domain", format!("www.{d}"), None),
                _ => text(d.clone()),
            },
            Sel::Url { host, path } => text(render_url(dice, host, path)),
            Sel::Email(e) => match dice.below(4) {
                0 => text(e.replace('@', "[@]")),
                1 => text(title_case(e)),
                2 => text(format!("mailto:{e}")),
                _ => text(e.clone()),
            },
            Sel::Ip(ip) => {
                if dice.chance(300) && ip.contains('.') {
                    text(defang_last_dot(ip))
                } else {
                    text(ip.clone())
                }
            }
            Sel::Handle { platform, name } => render_handle(dice, *platform, name),
            Sel::Trx(a) => match dice.below(4) {
                0 => text(format!("trx:{a}")),
                1 => typed("crypto", a.clone(), None),
                _ => text(a.clone()),
            },
            Sel::Eth(raw) => match dice.below(4) {
                0 => text(codec::eth_lower(raw)),
                1 => text(format!("eth:{}", codec::eth_checksummed(raw))),
                _ => text(codec::eth_checksummed(raw)),
            },
            Sel::Btc(a) => {
                if a.starts_with("bc1") && dice.chance(250) {
                    text(a.to_ascii_uppercase())
                } else {
                    text(a.clone())
                }
            }
            Sel::Iban(i) => match dice.below(3) {
                0 => text(group4(i)),
                1 => text(group4(i).to_ascii_lowercase()),
                _ => text(i.clone()),
            },
            Sel::Bank { .. } => text(self.canonical()),
            Sel::Passport { country, number } => {
                let code = t.countries[*country as usize].code.clone();
                if dice.chance(500) {
                    typed("passport", number.to_ascii_lowercase(), Some(code))
                } else {
                    typed("passport", number.clone(), Some(code))
                }
            }
            Sel::Name(n) => match dice.below(3) {
                0 => typed("name", n.to_ascii_uppercase(), None),
                1 => typed("name", format!("  {}", n.replace(' ', "  ")), None),
                _ => typed("name", n.clone(), None),
            },
            Sel::Company(c) => {
                if dice.chance(300) {
                    typed("company", c.to_ascii_uppercase(), None)
                } else {
                    typed("company", c.clone(), None)
                }
            }
        }
    }

    /// How the selector reads inside narrative text. Only called for
    /// [`Sel::extractable`] selectors; forms are ones an extractor can find.
    pub fn mention(&self, dice: &mut Dice) -> String {
        let t = Tables::get();
        match self {
            // In running text, numbers are found by libphonenumber's matcher,
            // which rejects groupings that differ from the national plan; a
            // compact international number is what it always accepts.
            Sel::Phone { country, nsn } | Sel::WhatsApp { country, nsn } => {
                format!("+{}{nsn}", t.countries[*country as usize].dial)
            }
            Sel::Domain(d) => {
                if dice.chance(400) {
                    defang_dots(d)
                } else {
                    d.clone()
                }
            }
            Sel::Url { host, path } => {
                if dice.chance(400) {
                    format!("hxxps://{}{path}", defang_dots(host))
                } else {
                    format!("https://{host}{path}")
                }
            }
            Sel::Email(e) => e.clone(),
            Sel::Trx(a) | Sel::Btc(a) => a.clone(),
            Sel::Eth(raw) => codec::eth_checksummed(raw),
            other => other.canonical(),
        }
    }

    /// A mistyped copy for narrative text that no normaliser accepts: a
    /// wallet or IBAN with one character changed, which breaks its checksum.
    /// `None` for kinds where a typo could still be a valid selector.
    pub fn garbled(&self, dice: &mut Dice) -> Option<String> {
        match self {
            Sel::Trx(a) => {
                // Swapping two different adjacent characters always changes
                // the base58check payload, and the 4-byte checksum catches it
                // except with probability 2^-32; re-check to be certain.
                for _ in 0..8 {
                    let mut b = a.clone().into_bytes();
                    let i = 1 + dice.index(b.len() - 2);
                    if b[i] == b[i + 1] {
                        continue;
                    }
                    b.swap(i, i + 1);
                    let s = String::from_utf8(b).expect("base58 is ascii");
                    if bs58::decode(&s).with_check(None).into_vec().is_err() {
                        return Some(s);
                    }
                }
                None
            }
            Sel::Iban(i) => {
                let mut b = i.clone().into_bytes();
                // A change of one digit is always caught by mod 97.
                let pos = (4..b.len()).rev().find(|&p| b[p].is_ascii_digit())?;
                b[pos] = if b[pos] == b'9' { b'0' } else { b[pos] + 1 };
                let s = String::from_utf8(b).expect("iban is ascii");
                (!codec::iban_is_valid(&s)).then(|| group4(&s))
            }
            _ => None,
        }
    }
}

fn text(s: String) -> SelectorInput {
    SelectorInput::Text(s)
}

fn typed(kind: &str, value: String, region: Option<String>) -> SelectorInput {
    SelectorInput::Typed {
        kind: kind.to_owned(),
        value,
        region,
    }
}

/// Names and companies fold to lower case with single spaces; the tables
/// hold ASCII only, so Unicode folding has nothing further to do.
pub fn fold_name(name: &str) -> String {
    name.split_whitespace()
        .map(str::to_ascii_lowercase)
        .collect::<Vec<_>>()
        .join(" ")
}

/// The registrable domain of a simulated host: every base domain the
/// simulator makes has one label under a single-label public suffix.
pub fn registrable(host: &str) -> &str {
    let mut dots = host.rmatch_indices('.');
    dots.next();
    match dots.next() {
        Some((i, _)) => &host[i + 1..],
        None => host,
    }
}

fn defang_dots(s: &str) -> String {
    s.replace('.', "[.]")
}

fn defang_last_dot(s: &str) -> String {
    match s.rfind('.') {
        Some(i) => format!("{}[.]{}", &s[..i], &s[i + 1..]),
        None => s.to_owned(),
    }
}

fn title_case(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut start = true;
    for c in s.chars() {
        out.push(if start { c.to_ascii_uppercase() } else { c });
        start = !c.is_ascii_alphanumeric();
    }
    out
}

fn group4(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + s.len() / 4);
    for (i, c) in s.chars().enumerate() {
        if i > 0 && i % 4 == 0 {
            out.push(' ');
        }
        out.push(c);
    }
    out
}

/// Splits a national significant number into the prefix and groups of
/// three (the last group takes up to four digits).
fn groups(nsn: &str, first: usize) -> Vec<&str> {
    let mut out = Vec::with_capacity(4);
    let first = first.min(nsn.len());
    out.push(&nsn[..first]);
    let mut rest = &nsn[first..];
    while rest.len() > 4 {
        out.push(&rest[..3]);
        rest = &rest[3..];
    }
    if !rest.is_empty() {
        out.push(rest);
    }
    out
}

fn first_group(country: &Country, nsn: &str) -> usize {
    country
        .mobile
        .iter()
        .find(|p| nsn.starts_with(p.as_str()))
        .map_or(2, |p| p.len().min(3))
}

fn international_grouped(country: &Country, nsn: &str, sep: char) -> String {
    let mut out = format!("+{}", country.dial);
    for g in groups(nsn, first_group(country, nsn)) {
        out.push(sep);
        out.push_str(g);
    }
    out
}

fn national(country: &Country, nsn: &str) -> String {
    let mut out = country.trunk.clone();
    for (i, g) in groups(nsn, first_group(country, nsn))
        .into_iter()
        .enumerate()
    {
        if i > 0 {
            out.push(' ');
        }
        out.push_str(g);
    }
    out
}

fn render_phone(dice: &mut Dice, c: &Country, nsn: &str, region: &str) -> SelectorInput {
    let same_country = c.code == region;
    match dice.below(if same_country { 9 } else { 7 }) {
        0 => text(format!("+{}{nsn}", c.dial)),
        1 => text(international_grouped(c, nsn, ' ')),
        2 => text(international_grouped(c, nsn, '-')),
        3 => {
            // Shape guessing does not take a bracketed country code for a
            // phone, so this form is filed with its kind.
            let grouped = international_grouped(c, nsn, ' ');
            let rest = grouped.split_once(' ').map_or("", |(_, r)| r);
            typed("phone", format!("(+{}) {rest}", c.dial), None)
        }
        // `00` is the international prefix only where the filing country's
        // dialling plan says so (not in the US, Thailand or Australia).
        4 if IDD_00.contains(&region) => text(format!("00{}{nsn}", c.dial)),
        4 => text(format!("+{}{nsn}", c.dial)),
        5 => text(format!("tel:{}", international_grouped(c, nsn, '-'))),
        6 => typed("phone", national(c, nsn), Some(c.code.clone())),
        // National forms carry no country code: valid only because the
        // report's own country supplies the region.
        7 => text(national(c, nsn)),
        _ => text(national(c, nsn).replace(' ', "-")),
    }
}

/// Countries whose international call prefix is exactly `00`.
const IDD_00: [&str; 24] = [
    "GB", "DE", "FR", "NL", "BE", "ES", "IT", "PT", "CH", "SE", "IE", "IN", "NZ", "MY", "CN", "PK",
    "BD", "LK", "ZA", "AE", "SA", "TR", "EG", "MX",
];

fn render_url(dice: &mut Dice, host: &str, path: &str) -> String {
    let mut scheme_host = match dice.below(6) {
        0 => format!("hxxps://{}", defang_dots(host)),
        1 => format!("HTTPS://{}", host.to_ascii_uppercase()),
        2 => format!("https://{}:443", host),
        _ => format!("https://{host}"),
    };
    scheme_host.push_str(path);
    // Tracking parameters are dropped by normalisation; add them only after
    // an existing query so the canonical URL keeps its exact shape.
    if path.contains('?') && dice.chance(250) {
        scheme_host.push_str(match dice.below(3) {
            0 => "&utm_source=facebook&utm_medium=social",
            1 => "&fbclid=IwAR2xk9Q",
            _ => "&utm_campaign=vip",
        });
    }
    if dice.chance(100) {
        scheme_host.push_str("#top");
    }
    scheme_host
}

fn render_handle(dice: &mut Dice, platform: Platform, name: &str) -> SelectorInput {
    match platform {
        Platform::Telegram => match dice.below(4) {
            0 => text(format!("https://t.me/{name}")),
            1 => text(format!("t.me/{name}")),
            2 => text(format!("telegram:@{name}")),
            _ => typed("handle", format!("telegram:@{name}"), None),
        },
        Platform::Facebook => match dice.below(3) {
            0 => text(format!("https://www.facebook.com/{name}")),
            1 => text(format!("facebook.com/{name}")),
            _ => text(format!("facebook:{name}")),
        },
        Platform::Line => text(format!("line:{name}")),
        Platform::WeChat => text(format!("wechat:{name}")),
    }
}

/// Splits a BBAN pattern such as `4a6n8n` into (length, class) segments.
pub fn bban_segments(pattern: &str) -> Vec<(usize, u8)> {
    let mut out = Vec::new();
    let mut n = 0usize;
    for b in pattern.bytes() {
        if b.is_ascii_digit() {
            n = n * 10 + usize::from(b - b'0');
        } else {
            out.push((n, b));
            n = 0;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registrable_domain_drops_subdomains() {
        assert_eq!(registrable("www.trade-usdt.vip"), "trade-usdt.vip");
        assert_eq!(registrable("trade-usdt.vip"), "trade-usdt.vip");
    }

    #[test]
    fn phone_groups_keep_every_digit() {
        let t = Tables::get();
        let kh = &t.countries[t.country("KH").unwrap()];
        assert_eq!(national(kh, "12345678"), "012 345 678");
        assert_eq!(
            international_grouped(kh, "12345678", '-'),
            "+855-12-345-678"
        );
    }

    #[test]
    fn garbled_iban_fails_its_checksum() {
        let sel = Sel::Iban(codec::iban("GB", "NWBK60161331926819"));
        let g = sel.garbled(&mut Dice::new(1, 0)).unwrap();
        assert!(!codec::iban_is_valid(&g.replace(' ', "")));
    }

    #[test]
    fn names_fold_to_single_spaced_lower_case() {
        assert_eq!(fold_name("  NGUYEN  Van An "), "nguyen van an");
        assert_eq!(
            Sel::Name("Maria Dela Cruz".into()).canonical(),
            "name:maria dela cruz"
        );
    }
}

/// Every rendering of every kind, for every country, must normalise in
/// cordon-core to the canonical text the truth records.
#[cfg(test)]
mod agreement {
    use std::collections::BTreeMap;

    use cordon_core::report::SelectorInput;
    use cordon_core::selector::{Hint, Region, SelectorKind, normalize};

    use super::*;
    use crate::world::{PhonePlan, account};

    fn check(sel: &Sel, region: &str, dice: &mut Dice, failures: &mut BTreeMap<String, String>) {
        let want = sel.canonical();
        let mut wanted = vec![want.clone()];
        wanted.extend(sel.implied());
        for _ in 0..24 {
            let input = sel.render(dice, region);
            let report_region: Option<Region> = region.parse().ok();
            let (value, hint) = match &input {
                SelectorInput::Text(v) => (
                    v.clone(),
                    Hint {
                        kind: None,
                        region: report_region,
                    },
                ),
                SelectorInput::Typed {
                    kind,
                    value,
                    region: r,
                } => (
                    value.clone(),
                    Hint {
                        kind: Some(kind.parse::<SelectorKind>().unwrap()),
                        region: r.as_deref().map(|x| x.parse().unwrap()).or(report_region),
                    },
                ),
            };
            let got = normalize(&value, &hint)
                .map(|v| v.into_iter().map(|s| s.into_string()).collect::<Vec<_>>());
            if got.as_ref().ok() != Some(&wanted) {
                failures
                    .entry(format!("{want} as {value:?} in {region}"))
                    .or_insert(format!("{got:?}"));
            }
            if sel.extractable() {
                let text = format!("contact {} now", sel.mention(dice));
                let found: Vec<String> = cordon_core::selector::extract(
                    &text,
                    &Hint {
                        kind: None,
                        region: report_region,
                    },
                )
                .into_iter()
                .map(|f| f.selector.into_string())
                .collect();
                if !wanted.iter().all(|w| found.contains(w)) || found.len() != wanted.len() {
                    failures
                        .entry(format!("extract {want} from {text:?}"))
                        .or_insert(format!("{found:?}"));
                }
            }
        }
    }

    #[test]
    fn phones_of_every_country_normalise_to_their_canonical_form() {
        let t = Tables::get();
        let mut dice = Dice::new(11, 0);
        let mut failures = BTreeMap::new();
        for (i, c) in t.countries.iter().enumerate() {
            let plan = PhonePlan::new_for_test(c, 99);
            for serial in [0, 1, 2, 777, plan.half() + 5] {
                let nsn = plan.nsn(c, serial);
                for region in [c.code.as_str(), "GB", "TH"] {
                    check(
                        &Sel::Phone {
                            country: i as u16,
                            nsn: nsn.clone(),
                        },
                        region,
                        &mut dice,
                        &mut failures,
                    );
                    check(
                        &Sel::WhatsApp {
                            country: i as u16,
                            nsn: nsn.clone(),
                        },
                        region,
                        &mut dice,
                        &mut failures,
                    );
                }
            }
        }
        let report: Vec<String> = failures
            .iter()
            .map(|(k, v)| format!("{k} -> {v}"))
            .collect();
        assert!(
            report.is_empty(),
            "{} failures:\n{}",
            report.len(),
            report.join("\n")
        );
    }

    #[test]
    fn phone_plans_only_make_numbers_in_use() {
        let t = Tables::get();
        let mut bad = BTreeMap::new();
        for c in &t.countries {
            let plan = PhonePlan::new_for_test(c, 7);
            for serial in (0..3000).chain(plan.half()..plan.half() + 500) {
                let nsn = plan.nsn(c, serial);
                let input = format!("+{}{nsn}", c.dial);
                if normalize(&input, &Hint::default()).is_err() {
                    *bad.entry(format!("{} {}", c.code, &nsn[..nsn.len().min(4)]))
                        .or_insert(0) += 1;
                }
            }
        }
        assert!(
            bad.is_empty(),
            "numbers not in use (country, leading digits: count): {bad:?}"
        );
    }

    #[test]
    fn other_kinds_normalise_to_their_canonical_form() {
        let t = Tables::get();
        let mut dice = Dice::new(12, 0);
        let mut failures = BTreeMap::new();
        let mut sels = vec![
            Sel::Domain("trade-usdt.vip".into()),
            Sel::Domain("goldcoinpro.asia".into()),
            Sel::Url {
                host: "www.trade-usdt.vip".into(),
                path: "/register?invite=K29F8XQ0".into(),
            },
            Sel::Url {
                host: "app.bit-swap.co".into(),
                path: "/invite/7HX2KQ90".into(),
            },
            Sel::Url {
                host: "asiajobsboard.com".into(),
                path: "/jobs/123456".into(),
            },
            Sel::Email("support@trade-usdt.vip".into()),
            Sel::Email("dream.hr42@gmail.com".into()),
            Sel::Ip("203.0.113.10".into()),
            Sel::Ip("2001:db8:1a2b:3c::5".into()),
            Sel::Handle {
                platform: Platform::Telegram,
                name: "Anna_Chen123".into(),
            },
            Sel::Handle {
                platform: Platform::Facebook,
                name: "Asia.Dream.Jobs.12".into(),
            },
            Sel::Handle {
                platform: Platform::Line,
                name: "kelvin88".into(),
            },
            Sel::Handle {
                platform: Platform::WeChat,
                name: "LisaWong_88".into(),
            },
            Sel::Trx(codec::tron_address(&[9; 20])),
            Sel::Eth([0xab; 20]),
            Sel::Btc(codec::btc_bech32(&[4; 20])),
            Sel::Btc(codec::btc_taproot(&[5; 32])),
            Sel::Btc(codec::btc_p2pkh(&[6; 20])),
            Sel::Name("Nguyen Van An".into()),
            Sel::Company("Golden Fortune Trading Co Ltd".into()),
        ];
        for (i, c) in t.countries.iter().enumerate() {
            if c.iban.is_some() || !c.banks.is_empty() {
                sels.push(account(&mut dice, c, i, 12345));
                sels.push(account(&mut dice, c, i, 50_000_000 + 999));
            }
            sels.push(Sel::Passport {
                country: i as u16,
                number: "AK1234567".into(),
            });
        }
        for sel in &sels {
            check(sel, "GB", &mut dice, &mut failures);
        }
        let report: Vec<String> = failures
            .iter()
            .map(|(k, v)| format!("{k} -> {v}"))
            .collect();
        assert!(
            report.is_empty(),
            "{} failures:\n{}",
            report.len(),
            report.join("\n")
        );
    }
}
