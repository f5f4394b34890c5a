//! Finds every selector in free text (a narrative, a job advert, a chat log),
//! with byte spans `[start, end)` into the original text.
//!
//! A cheap pass over the bytes says which candidate shapes can occur at all
//! (a phone needs seven digits, an address a long alphanumeric run, an email
//! an `@`); each shape that can is then scanned with its own compiled regex,
//! and every candidate goes to the normaliser of its kind, which alone
//! decides whether it is a selector. Regexes only find places worth asking
//! about. (A `RegexSet` was the first gate; on text that holds selectors it
//! matched nearly every shape and cost more than the byte pass, which is why
//! it went.)
//!
//! Shapes: URLs (also defanged, `hxxps://evil[.]vip/x`, and `www.…`), emails
//! (also `user[@]mail[.]com`), bare domains (`trade-usdt.vip`, and bare
//! links such as `evil.vip/login` or `t.me/x`), IPv4 and IPv6 addresses,
//! crypto addresses (EVM `0x…`, bech32, base58check, and chain-named ones
//! like `BSC: 0x…` or `USDT (TRC20): T…`), IBANs (compact or in groups),
//! hashes (32, 40, 64 or 128 hex digits), handles written with their
//! platform (`Telegram: @goodjob_hr`, `tg @x`, `Line ID: kelvin88`,
//! `WhatsApp: +855…`) and phone numbers.
//!
//! Rules that decide what is reported:
//!
//! - **Longest valid candidate wins** where candidates overlap; on equal
//!   spans, the more specific kind wins (URL, email, handle, crypto, IBAN,
//!   hash, IP, domain, then phone), so that `203.0.113.5` is an IP and not
//!   a phone number.
//! - A URL yields its `url:` and its `domain:` selector with the same span
//!   (its `ip:` selector when the host is an address). A profile link
//!   (`t.me/x`, `wa.me/855…`, `facebook.com/x`) yields only the handle or
//!   phone it names: a `domain:t.me` selector would link every Telegram user.
//! - A handle needs its platform written before it, and either an `@` or an
//!   explicit `:` / `ID` (`telegram @x`, `Telegram: x`); "on telegram
//!   yesterday" is no handle. Its span starts at the platform word.
//! - Phone numbers: national forms need the region hint; text that looks like
//!   a date, a year range, an amount (a currency next to it, or
//!   `1 500 000`-style grouping) or an order, invoice, account or reference
//!   number is not a phone number. When a run of digit groups is not valid
//!   as a whole, its longest valid run of groups is taken
//!   (`012 345 678 99 times`).
//! - Internationalised domain names are found only inside URLs and emails
//!   written with ASCII hosts: in Thai or Chinese text there are no spaces
//!   between words, so a non-ASCII "label" would swallow the sentence.
//! - Names and companies are never extracted: free text is full of words
//!   that look like names.
//!
//! With `hint.kind` set, only selectors of that kind are returned.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use regex::{Captures, Regex};

use super::{
    Found, Hint, Region, Selector, SelectorKind, bank, crypto, defang, domain, email, handle, hash,
    ip, phone,
};

/// What a candidate is, in the order that breaks ties between equal spans.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Shape {
    Url,
    Email,
    Handle,
    Crypto,
    Iban,
    Hash,
    Ip,
    Domain,
    Phone,
}

/// The scanning patterns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pattern {
    Url,
    Email,
    Handle,
    /// A long alphanumeric word: crypto address or hash.
    Token,
    Iban,
    Ip4,
    Ip6,
    Domain,
    Phone,
}

/// A defanged or plain dot, as analysts write it.
const DOT: &str = r"(?:\.|\[\.\]|\(\.\)|\{\.\}|\[dot\]|\(dot\)|\{dot\})";
/// Characters of a URL after its scheme (RFC 3986's, ASCII only).
const URL_CHARS: &str = r"[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]";

/// The patterns. Most run in ASCII mode (`-u`): selectors are ASCII here,
/// and ASCII automata are smaller and faster.
fn patterns() -> Vec<(Pattern, String)> {
    let label = r"[a-z0-9][a-z0-9_\-]*";
    let tld = r"(?:[a-z]{2,63}|xn--[a-z0-9\-]{1,59})";
    vec![
        (
            Pattern::Url,
            format!(
                r"(?i-u)(?:\b(?:h[tx]{{2}}ps?|f[tx]p)(?:://|\[://\]|\(://\)|\{{://\}}|\[:\]//|\(:\)//|\{{:\}}//)|\bwww{DOT}){URL_CHARS}+"
            ),
        ),
        (
            Pattern::Email,
            format!(
                r"(?i-u)[a-z0-9._%+\-]+(?:@|[ ]?(?:\[@\]|\(@\)|\{{@\}}|\[at\]|\(at\)|\{{at\}})[ ]?){label}(?:{DOT}{label})*{DOT}{tld}\b"
            ),
        ),
        (Pattern::Handle, handle_pattern()),
        (Pattern::Token, r"(?-u)\b[0-9A-Za-z]{25,130}\b".to_owned()),
        (
            Pattern::Iban,
            r"(?-u)\b[A-Z]{2}[0-9]{2}(?:[ ]?[A-Z0-9]{4}){2,7}(?:[ ]?[A-Z0-9]{1,4})?\b".to_owned(),
        ),
        (
            Pattern::Ip4,
            format!(r"(?i-u)\b[0-9]{{1,3}}(?:{DOT}[0-9]{{1,3}}){{3}}(?::[0-9]{{1,5}})?\b"),
        ),
        (
            Pattern::Ip6,
            r"(?i-u)[0-9a-f]{0,4}:[0-9a-f]{0,4}:[0-9a-f:]*[0-9a-f]".to_owned(),
        ),
        (
            Pattern::Domain,
            format!(r"(?i-u){label}(?:{DOT}{label})*{DOT}{tld}\b(?:/{URL_CHARS}*)?"),
        ),
        (
            Pattern::Phone,
            r"(?:\(\+[0-9]{1,4}\)[ ]?|\+[ ]?|\()?[0-9]+(?:\)[ ]?)?(?:(?:[ ]?[\-–][ ]?|[.]|[ ]|[ ]?\([0-9]{1,5}\)[ ]?)?[0-9]+)*"
                .to_owned(),
        ),
    ]
}

/// Platform words, as written before a handle.
pub const PLATFORM_WORDS: [&str; 20] = [
    "telegram",
    "tg",
    "whatsapp",
    "whats app",
    "wa",
    "line",
    "wechat",
    "weixin",
    "wx",
    "viber",
    "signal",
    "zalo",
    "facebook",
    "fb",
    "messenger",
    "instagram",
    "ig",
    "insta",
    "tiktok",
    "twitter",
];

/// Words written between a platform word and an `@handle`.
const HANDLE_FILLERS: [&str; 6] = ["only", "just", "account", "username", "handle", "me"];

/// The handle pattern: a platform word, a separator, a value. The words are
/// spelled out in lower, Capitalised, UPPER and brand case rather than matched
/// case-insensitively, because a plain set of literals lets the regex engine
/// skip ahead to them (four times faster on a narrative).
fn handle_pattern() -> String {
    let mut words = Vec::with_capacity(PLATFORM_WORDS.len() * 3);
    for w in PLATFORM_WORDS {
        let mut chars = w.chars();
        let capital: String = chars
            .next()
            .map(|c| c.to_ascii_uppercase())
            .into_iter()
            .chain(chars)
            .collect();
        words.push(w.to_owned());
        words.push(capital);
        words.push(w.to_ascii_uppercase());
    }
    // Brand spellings that are none of the three.
    words.extend(["WhatsApp", "Whats App", "WeChat", "TikTok"].map(str::to_owned));
    let words = words.join("|");
    // Between word and value: `:` or `=` (with or without `ID`), `ID`, a
    // space, or one of the few words adverts put before an `@handle`
    // (`Telegram only @goodjob_hr`); after those words only an `@handle`
    // is taken (`handle_candidate`).
    let fillers = HANDLE_FILLERS.join("|");
    format!(
        r"((?-u:\b(?:{words})\b)|微信|纸飞机|飞机|ไลน์)((?:[ ]*(?:id|ID|Id))?[ ]*[:：=][ ]*|[ ]*(?:id|ID|Id)[ ]+|[ ]+(?i:{fillers})[ ]+|[ ]+)((?-u:\+?[0-9(][0-9 ().\-]*[0-9]\b|@[a-zA-Z0-9_.]+|~?[a-zA-Z0-9_.\-]+))"
    )
}

struct Patterns {
    each: Vec<(Pattern, Regex)>,
    date: Regex,
}

/// Compiled once, on first use.
static PATTERNS: LazyLock<Patterns> = LazyLock::new(|| {
    // The patterns are constants of this file; a failure is a bug that the
    // first test run shows.
    let each = patterns()
        .into_iter()
        .map(|(pattern, p)| {
            let re = Regex::new(&p).unwrap_or_else(|e| panic!("pattern {pattern:?}: {e}"));
            (pattern, re)
        })
        .collect();
    let date = Regex::new(
        r"^(?:[12][0-9]{3}[\-./ ][0-9]{1,2}[\-./ ][0-9]{1,2}|[0-9]{1,2}[\-./][0-9]{1,2}[\-./](?:[0-9]{4}|[0-9]{2}))$",
    )
    .unwrap_or_else(|e| panic!("date pattern: {e}"));
    Patterns { each, date }
});

/// What one pass over the bytes learns about a text: enough to skip the
/// patterns that cannot match.
#[derive(Debug, Default)]
struct Gate {
    digits: usize,
    longest_word: usize,
    colons: usize,
    at: bool,
    /// A dot between two letters or digits (`evil.vip`), or a bracket right
    /// after one (`evil[.]vip`).
    dotted_word: bool,
    /// A dot between two digits, or a bracket right after a digit.
    dotted_number: bool,
    iban_start: bool,
}

impl Gate {
    fn of(text: &str) -> Gate {
        let b = text.as_bytes();
        let mut g = Gate::default();
        let mut run = 0usize;
        for (i, &c) in b.iter().enumerate() {
            if c.is_ascii_alphanumeric() {
                run += 1;
                g.longest_word = g.longest_word.max(run);
                if c.is_ascii_digit() {
                    g.digits += 1;
                    // `DE89…`: two capitals, two digits, at a word start.
                    if run == 4
                        && b[i - 1].is_ascii_digit()
                        && b[i - 2].is_ascii_uppercase()
                        && b[i - 3].is_ascii_uppercase()
                    {
                        g.iban_start = true;
                    }
                }
            } else {
                run = 0;
                match c {
                    b':' => g.colons += 1,
                    // The first byte of the full-width colon `：`.
                    0xEF => g.colons += 1,
                    b'@' => g.at = true,
                    b'.' if i > 0 && i + 1 < b.len() => {
                        let (prev, next) = (b[i - 1], b[i + 1]);
                        g.dotted_word |=
                            prev.is_ascii_alphanumeric() && next.is_ascii_alphanumeric();
                        g.dotted_number |= prev.is_ascii_digit() && next.is_ascii_digit();
                    }
                    b'[' | b'(' | b'{' if i > 0 => {
                        g.dotted_word |= b[i - 1].is_ascii_alphanumeric();
                        g.dotted_number |= b[i - 1].is_ascii_digit();
                    }
                    _ => {}
                }
            }
        }
        g
    }

    fn allows(&self, pattern: Pattern, text: &str) -> bool {
        match pattern {
            Pattern::Url => self.colons > 0 || contains_ignore_case(text, b"www"),
            Pattern::Email => {
                self.at
                    || contains_ignore_case(text, b"at]")
                    || contains_ignore_case(text, b"at)")
                    || contains_ignore_case(text, b"at}")
            }
            Pattern::Handle => true,
            Pattern::Token => self.longest_word >= 25,
            Pattern::Iban => self.iban_start,
            Pattern::Ip4 => self.digits >= 4 && self.dotted_number,
            Pattern::Ip6 => self.colons >= 3,
            Pattern::Domain => self.dotted_word,
            Pattern::Phone => self.digits >= 7,
        }
    }
}

fn contains_ignore_case(text: &str, needle: &[u8]) -> bool {
    text.as_bytes()
        .windows(needle.len())
        .any(|w| w.eq_ignore_ascii_case(needle))
}

/// One place in the text that normalised, with what it normalised to.
#[derive(Debug)]
struct Candidate {
    start: usize,
    end: usize,
    shape: Shape,
    selectors: Vec<Selector>,
}

/// Finds every selector in free text, with byte spans.
pub fn extract(text: &str, hint: &Hint) -> Vec<Found> {
    if text.is_empty() {
        return Vec::new();
    }
    let patterns = &*PATTERNS;
    let gate = Gate::of(text);
    let region = hint.region;
    let mut cands = Vec::new();
    for (pattern, re) in &patterns.each {
        if !gate.allows(*pattern, text) {
            continue;
        }
        match pattern {
            Pattern::Handle => {
                for caps in re.captures_iter(text) {
                    handle_candidate(text, &caps, region, &mut cands);
                }
            }
            _ => {
                for m in re.find_iter(text) {
                    let (start, end) = (m.start(), m.end());
                    match pattern {
                        Pattern::Url => url_candidate(text, start, end, region, &mut cands),
                        Pattern::Email => email_candidate(text, start, end, &mut cands),
                        Pattern::Token => token_candidate(text, start, end, &mut cands),
                        Pattern::Iban => iban_candidate(text, start, end, &mut cands),
                        Pattern::Ip4 => ip4_candidate(text, start, end, &mut cands),
                        Pattern::Ip6 => ip6_candidate(text, start, end, &mut cands),
                        Pattern::Domain => domain_candidate(text, start, end, region, &mut cands),
                        Pattern::Phone => {
                            phone_candidate(text, start, end, region, patterns, &mut cands)
                        }
                        Pattern::Handle => {}
                    }
                }
            }
        }
    }
    resolve(cands, hint.kind)
}

fn push<E>(
    cands: &mut Vec<Candidate>,
    start: usize,
    end: usize,
    shape: Shape,
    r: Result<Selector, E>,
) {
    if let Ok(selector) = r {
        cands.push(Candidate {
            start,
            end,
            shape,
            selectors: vec![selector],
        });
    }
}

/// Keeps the longest valid candidate where candidates overlap, then sorts by
/// span and selector.
fn resolve(mut cands: Vec<Candidate>, kind: Option<SelectorKind>) -> Vec<Found> {
    cands.sort_by(|a, b| {
        (b.end - b.start)
            .cmp(&(a.end - a.start))
            .then(a.shape.cmp(&b.shape))
            .then(a.start.cmp(&b.start))
    });
    // Accepted spans by start; they never overlap, so only the neighbours of
    // a new span can.
    let mut taken: BTreeMap<usize, usize> = BTreeMap::new();
    let mut out = Vec::new();
    for c in cands {
        let before = taken.range(..c.end).next_back();
        if before.is_some_and(|(_, &end)| end > c.start) {
            continue;
        }
        taken.insert(c.start, c.end);
        for selector in c.selectors {
            if kind.is_none_or(|k| k == selector.kind()) {
                out.push(Found {
                    selector,
                    span: [c.start, c.end],
                });
            }
        }
    }
    out.sort_by(|a, b| {
        a.span
            .cmp(&b.span)
            .then_with(|| a.selector.cmp(&b.selector))
    });
    out.dedup();
    out
}

fn prev_char(text: &str, at: usize) -> Option<char> {
    text.get(..at)?.chars().next_back()
}

fn next_char(text: &str, at: usize) -> Option<char> {
    text.get(at..)?.chars().next()
}

/// Drops sentence punctuation that a URL-like match swallowed at its end;
/// a closing bracket stays only when the match opened one.
fn trim_url_end(text: &str, start: usize, mut end: usize) -> usize {
    loop {
        let s = &text[start..end];
        let Some(last) = s.chars().next_back() else {
            return end;
        };
        let drop = match last {
            '.' | ',' | ';' | ':' | '!' | '?' | '\'' | '"' | '*' => true,
            ')' => s.matches('(').count() < s.matches(')').count(),
            ']' => !s.ends_with("[.]") && s.matches('[').count() < s.matches(']').count(),
            _ => false,
        };
        if !drop {
            return end;
        }
        end -= last.len_utf8();
    }
}

/// A link (with or without scheme): the handle it names, else its URL and
/// domain selectors.
fn link_selectors(raw: &str, region: Option<Region>) -> Option<(Shape, Vec<Selector>)> {
    let refanged = defang::refang(raw);
    if let Some(Ok(selector)) = handle::from_profile_url(&refanged, region) {
        return Some((Shape::Handle, vec![selector]));
    }
    let url = domain::normalize_url(&refanged).ok()?;
    let mut selectors = Vec::with_capacity(2);
    let extra = domain::domain_of_url(&url).or_else(|| ip_host_of(&url));
    selectors.push(url);
    selectors.extend(extra);
    Some((Shape::Url, selectors))
}

/// The `ip:` selector of a URL whose host is an address.
fn ip_host_of(url: &Selector) -> Option<Selector> {
    let rest = url.value().split_once("://")?.1;
    let authority = &rest[..rest.find(['/', '?']).unwrap_or(rest.len())];
    let host = match authority.strip_prefix('[') {
        Some(v6) => v6.split_once(']')?.0,
        None => authority.split_once(':').map_or(authority, |(h, _)| h),
    };
    ip::normalize(host).ok()
}

fn url_candidate(
    text: &str,
    start: usize,
    end: usize,
    region: Option<Region>,
    cands: &mut Vec<Candidate>,
) {
    let end = trim_url_end(text, start, end);
    if let Some((shape, selectors)) = link_selectors(&text[start..end], region) {
        cands.push(Candidate {
            start,
            end,
            shape,
            selectors,
        });
    }
}

fn email_candidate(text: &str, start: usize, end: usize, cands: &mut Vec<Candidate>) {
    let raw = &text[start..end];
    // A local part starts with neither a dot nor a hyphen.
    let skip = raw.len() - raw.trim_start_matches(['.', '-']).len();
    let start = start + skip;
    let refanged = defang::refang(&text[start..end]);
    push(cands, start, end, Shape::Email, email::normalize(&refanged));
}

/// Top-level domains that are also common file extensions: `setup.py` and
/// `video.mov` in a narrative are files, not websites.
const FILE_LIKE_TLDS: [&str; 8] = ["zip", "mov", "py", "md", "rs", "sh", "ts", "ps"];

fn domain_candidate(
    text: &str,
    start: usize,
    end: usize,
    region: Option<Region>,
    cands: &mut Vec<Candidate>,
) {
    // Inside an email, a URL, a longer name or a path: that candidate or
    // none speaks for this text.
    if prev_char(text, start).is_some_and(|c| {
        c.is_ascii_alphanumeric() || matches!(c, '@' | '.' | '_' | '-' | '/' | '\\' | '%')
    }) {
        return;
    }
    let end = trim_url_end(text, start, end);
    let raw = &text[start..end];
    if next_char(text, end).is_some_and(|c| c == '@') {
        return;
    }
    let host_end = raw.find('/').unwrap_or(raw.len());
    let host = &raw[..host_end];
    let tld = last_label(host);
    // `scam.Money` is two sentences run together; hosts are written in one
    // case.
    let mut tld_chars = tld.chars();
    if tld_chars.next().is_some_and(|c| c.is_ascii_uppercase())
        && tld_chars.any(|c| c.is_ascii_lowercase())
    {
        return;
    }
    let dots = host.matches('.').count();
    if dots == 1
        && FILE_LIKE_TLDS.iter().any(|t| t.eq_ignore_ascii_case(tld))
        && host_end == raw.len()
    {
        return;
    }
    if host_end < raw.len()
        && let Some((shape, selectors)) = link_selectors(raw, region)
    {
        cands.push(Candidate {
            start,
            end,
            shape,
            selectors,
        });
        return;
    }
    let refanged = defang::refang(host);
    push(
        cands,
        start,
        start + host_end,
        Shape::Domain,
        domain::normalize_domain(&refanged),
    );
}

/// The last label of a possibly defanged host.
fn last_label(host: &str) -> &str {
    let cut = host.rfind(['.', ']', ')', '}']).map_or(0, |i| i + 1);
    &host[cut..]
}

fn handle_candidate(
    text: &str,
    caps: &Captures<'_>,
    region: Option<Region>,
    cands: &mut Vec<Candidate>,
) {
    let (Some(whole), Some(word), Some(sep), Some(value)) =
        (caps.get(0), caps.get(1), caps.get(2), caps.get(3))
    else {
        return;
    };
    let word: String = word
        .as_str()
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| c.to_ascii_lowercase())
        .collect();
    let Some(platform) = handle::platform_prefix(&word) else {
        return;
    };
    let sep = sep.as_str();
    let explicit = sep.contains([':', '：', '=']) || sep.to_ascii_lowercase().contains("id");
    let v = value.as_str().trim_end_matches(['.', '-']);
    if !(explicit || v.starts_with('@')) {
        return;
    }
    let end = value.start() + v.len();
    // `FB: Asia Dream Jobs PH` names a page by its title; the title's first
    // word is no handle.
    if !v.starts_with('@') && starts_title_case_phrase(text, value.start(), end) {
        return;
    }
    if let Ok(selector) = handle::canonical(platform, v, region) {
        cands.push(Candidate {
            start: whole.start(),
            end,
            shape: Shape::Handle,
            selectors: vec![selector],
        });
    }
}

/// Whether `text[start..end]` is a capitalised word followed by another
/// capitalised word: the start of a title, not a handle.
fn starts_title_case_phrase(text: &str, start: usize, end: usize) -> bool {
    let word = &text[start..end];
    let mut chars = word.chars();
    let capitalised = chars.next().is_some_and(|c| c.is_ascii_uppercase())
        && chars.all(|c| c.is_ascii_lowercase());
    let mut rest = text[end..].chars();
    capitalised && rest.next() == Some(' ') && rest.next().is_some_and(|c| c.is_uppercase())
}

/// A chain written before an address (`BSC:`, `USDT (TRC20):`, `SOL :`):
/// where the name starts, and its canonical chain prefix.
fn chain_named_before(text: &str, start: usize) -> Option<(usize, &'static str)> {
    let head = text[..start].trim_end_matches(' ');
    let head = head
        .strip_suffix(':')
        .or_else(|| head.strip_suffix('：'))?
        .trim_end_matches(' ');
    let (head, inner) = match head.strip_suffix(')') {
        Some(h) => {
            let open = h.rfind('(')?;
            (
                h[..open].trim_end_matches(' '),
                Some((open, h[open + 1..].trim())),
            )
        }
        None => (head, None),
    };
    let word_start = head
        .char_indices()
        .rev()
        .find(|(_, c)| !(c.is_ascii_alphanumeric() || *c == '-' || *c == '_'))
        .map_or(0, |(i, c)| i + c.len_utf8());
    let outer = crypto::chain_prefix(&head[word_start..]).filter(|_| word_start < head.len());
    let inner_chain = inner.and_then(|(open, w)| crypto::chain_prefix(w).map(|c| (open, c)));
    match (outer, inner_chain) {
        // `USDT (TRC20)`: the token names no chain, the bracket does.
        (Some(_), Some((_, chain))) => Some((word_start, chain)),
        (Some(chain), None) => Some((word_start, chain)),
        (None, Some((open, chain))) => Some((open, chain)),
        (None, None) => None,
    }
}

fn iban_candidate(text: &str, start: usize, end: usize, cands: &mut Vec<Candidate>) {
    // A greedy match may have taken the next word ("… 0130 00 BANK"): try
    // shorter runs of groups until one checks out.
    let mut end = end;
    loop {
        if bank::normalize_iban(&text[start..end])
            .map(|s| push_one(cands, start, end, Shape::Iban, s))
            .is_ok()
        {
            return;
        }
        match text[start..end].rfind(' ') {
            Some(cut) if cut >= 15 => end = start + cut,
            _ => return,
        }
    }
}

fn push_one(
    cands: &mut Vec<Candidate>,
    start: usize,
    end: usize,
    shape: Shape,
    selector: Selector,
) {
    cands.push(Candidate {
        start,
        end,
        shape,
        selectors: vec![selector],
    });
}

/// A long alphanumeric word: an EVM, bech32 or base58check address, or a
/// hash (32, 40, 64 or 128 hex digits written in one case, with letters and
/// digits both; a run of 32 digits is a number).
fn token_candidate(text: &str, start: usize, end: usize, cands: &mut Vec<Candidate>) {
    let s = &text[start..end];
    let b = s.as_bytes();
    // `BSC: 0x…`, `USDT (TRC20): T…`, `SOL: 7xKX…`: the named chain decides,
    // and the span takes the name in.
    if let Some((named_start, chain)) = chain_named_before(text, start)
        && let Ok(selector) = crypto::normalize(s, Some(chain))
    {
        push_one(cands, named_start, end, Shape::Crypto, selector);
        return;
    }
    let evm = b.len() == 42 && (s.starts_with("0x") || s.starts_with("0X"));
    let bech32 = b.len() >= 14
        && (b[..3].eq_ignore_ascii_case(b"bc1") || b[..4].eq_ignore_ascii_case(b"ltc1"));
    if (evm || bech32 || (25..=44).contains(&b.len()))
        && let Ok(selector) = crypto::normalize(s, None)
    {
        push_one(cands, start, end, Shape::Crypto, selector);
        return;
    }
    if !matches!(b.len(), 32 | 40 | 64 | 128) || !b.iter().all(u8::is_ascii_hexdigit) {
        return;
    }
    let upper = b.iter().any(u8::is_ascii_uppercase);
    let lower = b.iter().any(u8::is_ascii_lowercase);
    if (upper && lower) || !(upper || lower) || !b.iter().any(u8::is_ascii_digit) {
        return;
    }
    push(cands, start, end, Shape::Hash, hash::normalize(s, None));
}

fn ip4_candidate(text: &str, start: usize, end: usize, cands: &mut Vec<Candidate>) {
    // Part of a longer dotted number (a version, `1.2.3.4.5`)?
    if prev_char(text, start) == Some('.') {
        return;
    }
    if text[end..].starts_with('.') && text[end + 1..].starts_with(|c: char| c.is_ascii_digit()) {
        return;
    }
    // `version 2.3.4.5`, `build 10.0.19045.1`: dotted numbers that are not
    // addresses.
    let (before, _) = word_before(text, start);
    if matches!(
        before.as_str(),
        "version" | "versions" | "ver" | "build" | "release" | "firmware"
    ) {
        return;
    }
    let refanged = defang::refang(&text[start..end]);
    push(cands, start, end, Shape::Ip, ip::normalize(&refanged));
}

fn ip6_candidate(text: &str, start: usize, end: usize, cands: &mut Vec<Candidate>) {
    let s = &text[start..end];
    // `std::vector`, `10:30:00`: an address written in text has at least
    // three colons and a `::` or all eight groups.
    let colons = s.matches(':').count();
    if colons < 3 || !(s.contains("::") || colons == 7) {
        return;
    }
    if prev_char(text, start).is_some_and(|c| c.is_ascii_alphanumeric() || c == ':' || c == '.')
        || next_char(text, end).is_some_and(|c| c.is_ascii_alphanumeric() || c == '.')
    {
        return;
    }
    push(cands, start, end, Shape::Ip, ip::normalize(s));
}

// ------------------------------------------------------------------ phones

/// Currency codes and words that make a number next to them an amount.
const CURRENCY_WORDS: &[&str] = &[
    "usdt",
    "usdc",
    "usd",
    "vnd",
    "thb",
    "khr",
    "php",
    "myr",
    "idr",
    "cny",
    "rmb",
    "inr",
    "kes",
    "ngn",
    "zar",
    "ghs",
    "ugx",
    "tzs",
    "eur",
    "gbp",
    "aud",
    "sgd",
    "hkd",
    "twd",
    "jpy",
    "krw",
    "lak",
    "mmk",
    "bdt",
    "pkr",
    "lkr",
    "npr",
    "aed",
    "sar",
    "btc",
    "eth",
    "trx",
    "baht",
    "dollar",
    "dollars",
    "riel",
    "riels",
    "dong",
    "peso",
    "pesos",
    "yuan",
    "rupee",
    "rupees",
    "rupiah",
    "ringgit",
    "kip",
    "kyat",
    "naira",
    "shilling",
    "shillings",
    "ksh",
    "kshs",
    "ush",
    "tsh",
    "rand",
    "rands",
    "cedi",
    "cedis",
    "euro",
    "euros",
    "pound",
    "pounds",
    "won",
    "yen",
    "rp",
    "rm",
    "rs",
    "tether",
];

/// Words that make the number after them something other than a phone.
const NOT_PHONE_WORDS: &[&str] = &[
    "order",
    "invoice",
    "inv",
    "ref",
    "reference",
    "txid",
    "tx",
    "txn",
    "transaction",
    "account",
    "acct",
    "acc",
    "case",
    "passport",
    "receipt",
    "tracking",
    "serial",
    "code",
    "otp",
    "pin",
    "iban",
    "swift",
    "bank",
    "card",
    "no",
    "nr",
    "amount",
    "total",
    "paid",
    "sent",
    "transferred",
    "deposit",
    "deposited",
    "lost",
    "withdraw",
    "withdrew",
    "price",
    "salary",
    "fee",
    "balance",
    "profit",
    "loss",
    "room",
    "block",
    "id",
];

fn is_currency_symbol(c: char) -> bool {
    matches!(
        c,
        '$' | '€'
            | '£'
            | '¥'
            | '₫'
            | '៛'
            | '฿'
            | '₱'
            | '₹'
            | '₦'
            | '₩'
            | '₭'
            | '₮'
            | '₺'
            | '₽'
    )
}

/// The ASCII word just before `at`, skipping spaces and `:#.-`, lowercased;
/// and whether a `#` was among what was skipped.
fn word_before(text: &str, at: usize) -> (String, bool) {
    let head = &text[..at];
    let trimmed = head.trim_end_matches([' ', ':', '#', '.', '-', '\t', '：']);
    let hash = head[trimmed.len()..].contains('#');
    let word_start = trimmed
        .rfind(|c: char| !c.is_ascii_alphabetic())
        .map_or(0, |i| {
            i + trimmed[i..].chars().next().map_or(1, char::len_utf8)
        });
    (trimmed[word_start..].to_ascii_lowercase(), hash)
}

/// The ASCII word just after `at`, skipping one space.
fn word_after(text: &str, at: usize) -> String {
    let tail = &text[at..];
    let tail = tail.strip_prefix(' ').unwrap_or(tail);
    let end = tail
        .find(|c: char| !c.is_ascii_alphabetic())
        .unwrap_or(tail.len());
    tail[..end].to_ascii_lowercase()
}

/// Whether the text around a number marks it as an amount.
fn is_amount_context(text: &str, start: usize, end: usize) -> bool {
    let after = word_after(text, end);
    if CURRENCY_WORDS.contains(&after.as_str()) {
        return true;
    }
    let before_text = text[..start].trim_end();
    if before_text
        .chars()
        .next_back()
        .is_some_and(is_currency_symbol)
    {
        return true;
    }
    let (before, _) = word_before(text, start);
    CURRENCY_WORDS.contains(&before.as_str())
}

/// `1 500 000`, `150.000.000`: thousands grouping, as amounts are written.
fn is_grouped_amount(groups: &[(usize, usize)], text: &str) -> bool {
    if groups.len() < 3 {
        return false;
    }
    let (s0, e0) = groups[0];
    (1..=3).contains(&(e0 - s0))
        && !text[s0..].starts_with('0')
        && groups[1..].iter().all(|(s, e)| e - s == 3)
}

/// `2019-2023`: a range of years.
fn is_year_range(groups: &[(usize, usize)], text: &str) -> bool {
    groups.len() == 2
        && groups.iter().all(|&(s, e)| {
            let g = &text[s..e];
            g.len() == 4 && (g.starts_with("19") || g.starts_with("20"))
        })
}

fn phone_candidate(
    text: &str,
    start: usize,
    end: usize,
    region: Option<Region>,
    patterns: &Patterns,
    cands: &mut Vec<Candidate>,
) {
    let s = &text[start..end];
    let digits = s.bytes().filter(u8::is_ascii_digit).count();
    if digits < 7 {
        return;
    }
    // Glued to a word, a path, an address or another number.
    if prev_char(text, start).is_some_and(|c| {
        c.is_ascii_alphanumeric()
            || matches!(
                c,
                '_' | '.' | '/' | '\\' | '@' | '#' | '-' | '+' | '=' | '&' | '%' | '*' | ','
            )
    }) {
        return;
    }
    let mut after = text[end..].chars();
    let next = after.next();
    let next_digit = after.next().is_some_and(|c| c.is_ascii_digit());
    if next.is_some_and(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '@' | '%'))
        || (next.is_some_and(|c| matches!(c, '.' | ',' | ':' | '/')) && next_digit)
    {
        return;
    }
    let international = s.starts_with('+') || s.starts_with("(+") || s.starts_with("00");
    if !international && region.is_none() {
        return;
    }
    if patterns.date.is_match(s) || is_amount_context(text, start, end) {
        return;
    }
    let groups: Vec<(usize, usize)> = digit_groups(s, start);
    if !international {
        if is_grouped_amount(&groups, text) || is_year_range(&groups, text) {
            return;
        }
        let (before, hash) = word_before(text, start);
        if hash || NOT_PHONE_WORDS.contains(&before.as_str()) {
            return;
        }
    }
    let mut budget = 48usize;
    let hi = groups.len();
    longest_valid_run(
        text,
        start,
        &groups,
        0,
        hi,
        international,
        region,
        &mut budget,
        cands,
    );
}

/// The byte ranges of the digit runs of `s`, which starts at `offset`.
fn digit_groups(s: &str, offset: usize) -> Vec<(usize, usize)> {
    let mut groups = Vec::new();
    let mut run: Option<usize> = None;
    for (i, b) in s.bytes().enumerate() {
        match (b.is_ascii_digit(), run) {
            (true, None) => run = Some(i),
            (false, Some(r)) => {
                groups.push((offset + r, offset + i));
                run = None;
            }
            _ => {}
        }
    }
    if let Some(r) = run {
        groups.push((offset + r, offset + s.len()));
    }
    groups
}

/// Finds the longest run of digit groups in `[lo, hi)` that is a valid
/// number, then looks for more on each side of it.
#[allow(clippy::too_many_arguments)]
fn longest_valid_run(
    text: &str,
    cand_start: usize,
    groups: &[(usize, usize)],
    lo: usize,
    hi: usize,
    international: bool,
    region: Option<Region>,
    budget: &mut usize,
    cands: &mut Vec<Candidate>,
) {
    for len in (1..=hi.saturating_sub(lo)).rev() {
        for i in lo..=hi - len {
            // An international number starts at its `+`; a run inside it
            // read as a national number would be another number entirely.
            if international && i != 0 {
                continue;
            }
            if i > 0 && region.is_none() {
                continue;
            }
            let j = i + len;
            let digits: usize = groups[i..j].iter().map(|(s, e)| e - s).sum();
            if !(7..=17).contains(&digits) {
                continue;
            }
            if *budget == 0 {
                return;
            }
            *budget -= 1;
            let start = if i == 0 { cand_start } else { groups[i].0 };
            let end = groups[j - 1].1;
            if let Ok(selector) = phone::normalize(&text[start..end], region) {
                push_one(cands, start, end, Shape::Phone, selector);
                longest_valid_run(
                    text,
                    cand_start,
                    groups,
                    lo,
                    i,
                    international,
                    region,
                    budget,
                    cands,
                );
                longest_valid_run(
                    text, cand_start, groups, j, hi, false, region, budget, cands,
                );
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::normalize_one;
    use super::*;
    use proptest::prelude::*;

    /// Selectors with their spans, as `found` returns them.
    type Expected = Vec<(String, [usize; 2])>;

    fn region(s: &str) -> Option<Region> {
        Some(s.parse().expect("test region"))
    }

    fn found(text: &str, r: Option<&str>) -> Expected {
        let hint = Hint {
            kind: None,
            region: r.and_then(region),
        };
        extract(text, &hint)
            .into_iter()
            .map(|f| (f.selector.into_string(), f.span))
            .collect()
    }

    fn sel(s: &str, span: [usize; 2]) -> (String, [usize; 2]) {
        (s.to_owned(), span)
    }

    #[test]
    fn formats_md_example() {
        assert_eq!(
            found("call +855 12 345 678", None),
            vec![sel("phone:+85512345678", [5, 20])]
        );
    }

    #[test]
    fn phones() {
        let cases: &[(&str, Option<&str>, Expected)] = &[
            (
                "call 012 345 678 now",
                Some("KH"),
                vec![sel("phone:+85512345678", [5, 16])],
            ),
            ("call 012 345 678 now", None, vec![]),
            (
                "(+66) 81-234-5678, or 081 234 5678",
                Some("TH"),
                vec![
                    sel("phone:+66812345678", [0, 17]),
                    sel("phone:+66812345678", [22, 34]),
                ],
            ),
            (
                "โทร081-234-5678ครับ",
                Some("TH"),
                vec![sel("phone:+66812345678", [9, 21])],
            ),
            (
                "ring 012 345 678 99 times",
                Some("KH"),
                vec![sel("phone:+85512345678", [5, 16])],
            ),
            (
                "tel:+855-12-345-678.",
                None,
                vec![sel("phone:+85512345678", [4, 19])],
            ),
            (
                "0044 20 7946 0958",
                None,
                vec![sel("phone:+442079460958", [0, 17])],
            ),
            (
                "WhatsApp +855 12 345 678",
                None,
                vec![sel("phone:+85512345678", [9, 24])],
            ),
        ];
        for (text, r, want) in cases {
            assert_eq!(&found(text, *r), want, "text {text:?}");
        }
    }

    #[test]
    fn not_phones() {
        for text in [
            "on 2026-03-01 at 10:30",
            "on 01.03.2026 she paid",
            "2026-03-01 10:30:00",
            "lost 15000 USDT",
            "lost 150000000 VND",
            "paid $ 1250000",
            "sent 1 500 000 riel",
            "1.500.000 đồng",
            "order #12345678",
            "Order 0123456789 shipped",
            "invoice no. 0123456789",
            "account 000123456789",
            "worked there 2019-2023",
            "version 1.2.3.4.5",
        ] {
            let got: Vec<_> = found(text, Some("KH"))
                .into_iter()
                .filter(|(s, _)| s.starts_with("phone:"))
                .collect();
            assert!(got.is_empty(), "text {text:?} gave {got:?}");
        }
    }

    #[test]
    fn amounts_in_the_recruiting_countries_currencies_are_not_phones() {
        // Scam-centre adverts in East, West and Southern Africa quote pay in
        // local money; read with the country's own numbering, such amounts
        // look like phone numbers.
        for (text, region) in [
            ("earn 350000000 ZAR", "ZA"),
            ("earn 350000000 rand", "ZA"),
            ("pay 0244123456 cedis", "GH"),
            ("pay 0244123456 GHS", "GH"),
            ("salary 0772123456 UGX", "UG"),
            ("salary 0772123456 ush", "UG"),
            ("salary 0712345678 TZS", "TZ"),
            ("salary 0712345678 tsh", "TZ"),
        ] {
            let got: Vec<_> = found(text, Some(region))
                .into_iter()
                .filter(|(s, _)| s.starts_with("phone:"))
                .collect();
            assert!(got.is_empty(), "text {text:?} gave {got:?}");
        }
        // The same number without the currency is a phone.
        assert_eq!(
            found("call 0244123456", Some("GH")),
            vec![sel("phone:+233244123456", [5, 15])]
        );
    }

    #[test]
    fn handles() {
        let cases: &[(&str, Expected)] = &[
            (
                "telegram @goodjob_hr",
                vec![sel("telegram:@goodjob_hr", [0, 20])],
            ),
            (
                "Telegram: @GoodJob_HR.",
                vec![sel("telegram:@goodjob_hr", [0, 21])],
            ),
            (
                "tg: @goodjob_hr",
                vec![sel("telegram:@goodjob_hr", [0, 15])],
            ),
            ("Line ID: kelvin88 now", vec![sel("line:kelvin88", [0, 17])]),
            (
                "see t.me/goodjob_hr",
                vec![sel("telegram:@goodjob_hr", [4, 19])],
            ),
            (
                "WhatsApp: +855 12 345 678",
                vec![sel("phone:+85512345678", [0, 25])],
            ),
            (
                "wa.me/85512345678",
                vec![sel("phone:+85512345678", [0, 17])],
            ),
            ("微信: kelvin_88", vec![sel("wechat:kelvin_88", [0, 17])]),
            (
                "飞机 @goodjob_hr",
                vec![sel("telegram:@goodjob_hr", [0, 18])],
            ),
            ("ไลน์ @kelvin88", vec![sel("line:kelvin88", [0, 22])]),
            ("FB: Asia Dream Jobs PH", vec![]),
            (
                "FB: AsiaDreamJobs",
                vec![sel("facebook:asiadreamjobs", [0, 17])],
            ),
            (
                "Telegram only @goodjob_hr",
                vec![sel("telegram:@goodjob_hr", [0, 25])],
            ),
            (
                "WhatsApp or Telegram username @goodjob_hr",
                vec![sel("telegram:@goodjob_hr", [12, 41])],
            ),
            ("message me on telegram only please", vec![]),
            ("I asked him on telegram yesterday", vec![]),
            ("the bottom line is money", vec![]),
        ];
        for (text, want) in cases {
            assert_eq!(&found(text, None), want, "text {text:?}");
        }
    }

    #[test]
    fn never_emits_names() {
        let got = found(
            "Nguyễn Văn An met Kelvin Li at the Golden Fortune office",
            None,
        );
        assert!(got.is_empty(), "{got:?}");
    }

    #[test]
    fn kind_hint_filters() {
        let text = "call +855 12 345 678 or see t.me/goodjob_hr";
        let got = extract(text, &Hint::kind(SelectorKind::Phone));
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].selector.as_str(), "phone:+85512345678");
    }

    #[test]
    fn spans_index_the_original_text() {
        let text = "Gọi +84 91 234 5678 hoặc Telegram: @viec_lam_tot";
        for f in extract(text, &Hint::default()) {
            let [s, e] = f.span;
            assert!(
                text.get(s..e).is_some(),
                "{:?} is not on char boundaries",
                f.span
            );
        }
    }

    /// These need the other normalisers (email, domain, url, ip, crypto,
    /// iban, hash).
    #[test]
    fn every_kind() {
        let cases: &[(&str, Expected)] = &[
            (
                "mail jobs[@]asia-dream[.]vip today",
                vec![sel("email:jobs@asia-dream.vip", [5, 28])],
            ),
            (
                "write to HR@Example.com.",
                vec![sel("email:hr@example.com", [9, 23])],
            ),
            (
                "go to hxxps://evil[.]vip/x now",
                vec![
                    sel("domain:evil.vip", [6, 26]),
                    sel("url:https://evil.vip/x", [6, 26]),
                ],
            ),
            (
                "(see https://trade-usdt.vip/login?ref=7)",
                vec![
                    sel("domain:trade-usdt.vip", [5, 39]),
                    sel("url:https://trade-usdt.vip/login?ref=7", [5, 39]),
                ],
            ),
            (
                "visit trade-usdt.vip today",
                vec![sel("domain:trade-usdt.vip", [6, 20])],
            ),
            (
                "server 203.0.113.5 hosted it",
                vec![sel("ip:203.0.113.5", [7, 18])],
            ),
            ("and 2001:db8::1 too", vec![sel("ip:2001:db8::1", [4, 15])]),
            (
                "send to TLa2f6VPqDgRE67v1736s7bJ8Ray5wYjU7 please",
                vec![sel("trx:TLa2f6VPqDgRE67v1736s7bJ8Ray5wYjU7", [8, 42])],
            ),
            (
                "wallet 0x52908400098527886E0F7030069857D2E4169EE7",
                vec![sel(
                    "eth:0x52908400098527886e0f7030069857d2e4169ee7",
                    [7, 49],
                )],
            ),
            (
                "IBAN DE89 3704 0044 0532 0130 00 BANK",
                vec![sel("iban:DE89370400440532013000", [5, 32])],
            ),
            (
                "apk sha256 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
                vec![sel(
                    "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
                    [11, 75],
                )],
            ),
            (
                "USDT (TRC20): TLa2f6VPqDgRE67v1736s7bJ8Ray5wYjU7",
                vec![sel("trx:TLa2f6VPqDgRE67v1736s7bJ8Ray5wYjU7", [0, 48])],
            ),
            (
                "BSC: 0x52908400098527886e0f7030069857d2e4169ee7",
                vec![sel(
                    "bsc:0x52908400098527886e0f7030069857d2e4169ee7",
                    [0, 47],
                )],
            ),
            ("file setup.py and clip.mov", vec![]),
            ("upgrade to version 2.3.4.5 now", vec![]),
            ("I paid them.Money gone", vec![]),
        ];
        let wrong: Vec<String> = cases
            .iter()
            .filter_map(|(text, want)| {
                let got = found(text, None);
                (&got != want).then(|| format!("text {text:?}: got {got:?}, want {want:?}"))
            })
            .collect();
        assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    }

    proptest! {
        #[test]
        fn never_panics_and_spans_are_sound(text in "\\PC{0,200}", r in proptest::option::of("[A-Z]{2}")) {
            let hint = Hint { kind: None, region: r.and_then(|r| r.parse().ok()) };
            let got = extract(&text, &hint);
            for f in &got {
                let [s, e] = f.span;
                prop_assert!(s < e && e <= text.len());
                prop_assert!(text.get(s..e).is_some());
                prop_assert!(!f.selector.kind().is_fuzzy());
            }
            for w in got.windows(2) {
                prop_assert!((w[0].span, &w[0].selector) < (w[1].span, &w[1].selector));
            }
        }

        #[test]
        fn selector_fragments_never_panic(parts in proptest::collection::vec(proptest::sample::select(vec![
            "t.me/", "wa.me/", "hxxps://", "https://", "www.", "[.]", "(.)", "[@]", "@", ":", "：", " ", "/",
            "+855", "012", " 345 ", "678", "0x", "52908400098527886E0F7030069857D2E4169EE7", "T", "bc1q",
            "DE89", " 3704", "vip", "com", "Telegram", "tg", "WhatsApp", "微信", "ไลน์", "โทร", "ID",
            "(", ")", "-", ".", "#", "order", "USDT", "2026-03-01", "~", "%40", "?id=1", "&",
        ]), 0..24)) {
            let text: String = parts.concat();
            for f in extract(&text, &Hint::region("KH".parse().expect("region"))) {
                prop_assert!(text.get(f.span[0]..f.span[1]).is_some());
            }
        }

        #[test]
        fn phone_like_text_never_panics(text in "[0-9 +().\\-:/#a-z]{0,80}") {
            let _ = extract(&text, &Hint::region("KH".parse().expect("region")));
        }

        #[test]
        fn extracted_selectors_are_canonical(
            number in "0[1-9][0-9] [0-9]{3} [0-9]{3,4}",
            words in "[a-z ]{0,20}",
        ) {
            let text = format!("{words} {number} {words}");
            for f in extract(&text, &Hint::region("KH".parse().expect("region"))) {
                let again = normalize_one(f.selector.as_str(), &Hint::default()).expect("canonical renormalises");
                prop_assert_eq!(&again, &f.selector);
            }
        }
    }
}
