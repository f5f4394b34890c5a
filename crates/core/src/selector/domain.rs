//! Normalises domains to their registrable domain and URLs to one canonical
//! text; also holds the hostname rules that email domains share.
//!
//! **Hostnames** (in domains, URLs and emails) go through IDNA (UTS-46,
//! non-transitional) to ASCII, are lowercased, lose one trailing dot, and
//! must fit DNS limits (labels of 1-63 characters, 253 in all) with letters,
//! digits, `-` and, below the registrable domain, `_` (seen in real
//! subdomains). Their public suffix must be in the public suffix list,
//! *private section included* (`psl` crate, which compiles both sections):
//! a scam shop on `shop1.herokuapp.com` is not the same owner as one on
//! `shop2.herokuapp.com`. The label just above the suffix must not start or
//! end with `-` nor hold `_`, as no registry allows that.
//!
//! **Domain** selectors are the registrable domain (`www.evil.example.co.uk`
//! → `domain:example.co.uk`). A bare public suffix (`co.uk`, `github.io`),
//! an unknown suffix and an IP address are rejected. A URL, `host:port` or a
//! leading `*.` (wildcard in feeds) given as a domain is reduced to its host.
//!
//! **URL** selectors are `scheme://host[:port]/path[?query]`:
//!
//! - schemes `http`, `https` and `ftp` only; without a scheme (`evil.vip/login`,
//!   `//evil.vip/`) the URL is taken as `http://`, the scheme a browser tries
//!   for a bare address in a message;
//! - scheme and host lowercase, host IDNA ASCII (or an IP address, `[v6]`
//!   bracketed), userinfo dropped (`https://paypal.com@evil.vip/` is a
//!   trick; the host is what identifies the site), default port dropped
//!   (80, 443, 21), fragment dropped;
//! - path: `\` read as `/` (as browsers do), dot segments resolved, an empty
//!   path becomes `/`, percent-escapes uppercased and decoded when they stand
//!   for an unreserved character, anything outside RFC 3986's allowed set
//!   (spaces, non-ASCII, `[]{}<>"|^` …) percent-encoded;
//! - query: the same encoding rules; these tracking parameters are dropped
//!   (names compared case-insensitively): `utm_*`, `fbclid`, `gclid`,
//!   `gclsrc`, `dclid`, `gbraid`, `wbraid`, `msclkid`, `twclid`, `ttclid`,
//!   `li_fat_id`, `igshid`, `mc_cid`, `mc_eid`, `yclid`, `_ga`, `_gl`,
//!   `_hsenc`, `_hsmi`, `mkt_tok`. Everything else stays in order: referral
//!   codes such as `ref=7` identify recruiters and are intelligence;
//! - defanged forms are re-fanged in the scheme and host (all forms) and in
//!   the path and query (bracketed forms only, see [`refang_path`]).
//!
//! Hand-written rather than the `url` crate's WHATWG parser: it has to run at
//! well over a million URLs a second, needs the rules above (tracking
//! parameters, known suffix, strict IPv4) that WHATWG does not have, and
//! must give a typed message for each failure.

use std::borrow::Cow;
use std::net::IpAddr;

use idna::uts46::{AsciiDenyList, DnsLength, Hyphens, Uts46};

use super::defang::{refang, refang_path};
use super::{ErrorCode, Selector, SelectorError, SelectorKind, ip};

/// Where a hostname came from: decides the error code and the words used.
#[derive(Debug, Clone, Copy)]
pub(super) struct Ctx {
    code: ErrorCode,
    what: &'static str,
}

const DOMAIN: Ctx = Ctx {
    code: ErrorCode::InvalidDomain,
    what: "domain",
};
const URL_HOST: Ctx = Ctx {
    code: ErrorCode::InvalidUrl,
    what: "url host",
};
pub(super) const EMAIL_DOMAIN: Ctx = Ctx {
    code: ErrorCode::InvalidEmail,
    what: "email domain",
};

impl Ctx {
    fn err(self, message: String) -> SelectorError {
        SelectorError::new(self.code, message)
    }
}

/// Tracking parameters dropped from URLs (besides every `utm_*`).
const TRACKING_PARAMS: [&str; 19] = [
    "fbclid",
    "gclid",
    "gclsrc",
    "dclid",
    "gbraid",
    "wbraid",
    "msclkid",
    "twclid",
    "ttclid",
    "li_fat_id",
    "igshid",
    "mc_cid",
    "mc_eid",
    "yclid",
    "_ga",
    "_gl",
    "_hsenc",
    "_hsmi",
    "mkt_tok",
];

/// User input quoted for an error message, shortened so that a 2 KiB input
/// does not make a 2 KiB message.
pub(super) fn quoted(s: &str) -> String {
    const MAX: usize = 64;
    if s.len() <= MAX {
        return format!("'{s}'");
    }
    let mut end = MAX;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("'{}…'", &s[..end])
}

/// A canonical host: a DNS name (IDNA ASCII, lowercase, no trailing dot) or
/// an IP address.
#[derive(Debug)]
pub(super) enum Host<'a> {
    Name(Cow<'a, str>),
    Ip(IpAddr),
}

// ---------------------------------------------------------------- domains

/// Normalises a domain (or a URL, `host:port`, `*.domain`) to its registrable
/// domain.
pub(crate) fn normalize_domain(value: &str) -> Result<Selector, SelectorError> {
    let refanged = refang(value);
    let s = refanged.trim();
    let s = s.strip_prefix("*.").unwrap_or(s);
    if s.is_empty() {
        return Err(DOMAIN.err("domain is empty".into()));
    }
    if s.contains('@') && !s.contains("://") {
        return Err(DOMAIN.err(format!(
            "domain {} contains '@'; an email address is an 'email:' selector",
            quoted(s)
        )));
    }
    let (head, _) = split_head(s);
    let head = parse_head(head, DOMAIN)?;
    match head.host {
        Host::Ip(addr) => Err(DOMAIN.err(format!(
            "{} is an ip address, not a domain; give it as 'ip:{}'",
            quoted(s),
            ip::canonical(addr)
        ))),
        Host::Name(name) => match registrable(&name, DOMAIN)? {
            Some(domain) => Ok(Selector::from_parts(SelectorKind::Domain, "domain", domain)),
            None => Err(DOMAIN.err(format!(
                "'{name}' is a public suffix shared by many owners, not a registrable domain; give a name under it such as 'example.{name}'"
            ))),
        },
    }
}

/// Canonicalises a hostname as written in a domain, URL or email.
pub(super) fn canonical_host(raw: &str, ctx: Ctx) -> Result<Host<'_>, SelectorError> {
    if raw.is_empty() {
        return Err(ctx.err(format!("{} is empty", ctx.what)));
    }
    if raw.starts_with('[') {
        return ip::parse(raw)
            .map(Host::Ip)
            .map_err(|e| SelectorError::new(ctx.code, e.message));
    }
    let b = raw.as_bytes();
    let plain = b
        .iter()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'.' | b'_'));
    let mut name: Cow<'_, str> = if plain && !has_punycode_label(b) {
        if b.iter().any(u8::is_ascii_uppercase) {
            Cow::Owned(raw.to_ascii_lowercase())
        } else {
            Cow::Borrowed(raw)
        }
    } else {
        // UTS-46 maps case, width and dots (`。`), converts Unicode labels to
        // punycode and checks `xn--` labels decode to valid Unicode. Hyphen
        // and length rules are ours, below.
        Uts46::new()
            .to_ascii(b, AsciiDenyList::EMPTY, Hyphens::Allow, DnsLength::Ignore)
            .map_err(|_| {
                ctx.err(format!(
                    "{} {} is not a valid internationalised domain name (idna)",
                    ctx.what,
                    quoted(raw)
                ))
            })?
    };
    if name.ends_with('.') {
        match &mut name {
            Cow::Borrowed(s) => {
                let t: &str = s;
                *s = &t[..t.len() - 1];
            }
            Cow::Owned(s) => {
                s.pop();
            }
        }
    }
    check_name(raw, &name, ctx)?;
    let last = name.rsplit('.').next().unwrap_or("");
    if last.bytes().all(|c| c.is_ascii_digit()) {
        if name.bytes().all(|c| c.is_ascii_digit() || c == b'.') {
            return ip::parse_v4(&name)
                .map(|a| Host::Ip(IpAddr::V4(a)))
                .map_err(|e| SelectorError::new(ctx.code, e.message));
        }
        return Err(ctx.err(format!(
            "{} {} ends in a number, so it is neither a hostname nor an ipv4 address",
            ctx.what,
            quoted(raw)
        )));
    }
    Ok(Host::Name(name))
}

/// True when a label starts with `xn--` (any case): punycode that must be
/// validated by IDNA.
fn has_punycode_label(b: &[u8]) -> bool {
    (0..b.len()).any(|i| {
        (i == 0 || b[i - 1] == b'.')
            && b.get(i..i + 4)
                .is_some_and(|l| l.eq_ignore_ascii_case(b"xn--"))
    })
}

/// DNS length limits and hostname characters, on the ASCII form.
fn check_name(raw: &str, name: &str, ctx: Ctx) -> Result<(), SelectorError> {
    if name.is_empty() {
        return Err(ctx.err(format!("{} is empty", ctx.what)));
    }
    if name.len() > 253 {
        return Err(ctx.err(format!(
            "{} {} is {} characters long in ascii form; the limit is 253",
            ctx.what,
            quoted(raw),
            name.len()
        )));
    }
    for label in name.split('.') {
        if label.is_empty() {
            return Err(ctx.err(format!(
                "{} {} has an empty label (a dot at the start or two dots in a row)",
                ctx.what,
                quoted(raw)
            )));
        }
        if label.len() > 63 {
            return Err(ctx.err(format!(
                "{} {} has a label of {} characters; the limit is 63",
                ctx.what,
                quoted(raw),
                label.len()
            )));
        }
        if let Some(c) = label
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || *c == '-' || *c == '_'))
        {
            return Err(ctx.err(format!(
                "{} {} contains '{c}', which is not allowed in a hostname (letters, digits, '-' and '.')",
                ctx.what,
                quoted(raw)
            )));
        }
    }
    Ok(())
}

/// The registrable domain of a canonical hostname, `None` when the name is
/// itself a public suffix; an error when its suffix is not in the list or
/// the registrable label is malformed.
fn registrable(name: &str, ctx: Ctx) -> Result<Option<&str>, SelectorError> {
    // One lookup on the common path; the suffix alone only for the errors.
    let domain = match psl::domain(name.as_bytes()) {
        Some(domain) if domain.suffix().is_known() => domain,
        found => {
            let known =
                found.is_none() && psl::suffix(name.as_bytes()).is_some_and(|s| s.is_known());
            if known {
                return Ok(None);
            }
            let tld = name.rsplit('.').next().unwrap_or(name);
            return Err(ctx.err(format!(
                "{} '{name}' has no known public suffix: '{tld}' is not a top-level domain in the public suffix list",
                ctx.what
            )));
        }
    };
    let domain_len = domain.as_bytes().len();
    let suffix_len = domain.suffix().as_bytes().len();
    // Both are tails of `name` that start at a label boundary.
    let registrable = &name[name.len() - domain_len..];
    let label = &registrable[..domain_len - suffix_len - 1];
    if label.starts_with('-') || label.ends_with('-') {
        return Err(ctx.err(format!(
            "{} '{name}' has the label '{label}', which cannot start or end with '-'",
            ctx.what
        )));
    }
    if label.contains('_') {
        return Err(ctx.err(format!(
            "{} '{name}' has the label '{label}', which cannot contain '_' (only subdomains may)",
            ctx.what
        )));
    }
    Ok(Some(registrable))
}

/// Checks that a canonical host name has a known public suffix and at least
/// two labels; for URL hosts and email domains, which may be more than the
/// registrable domain (and may be a multi-label public suffix themselves).
pub(super) fn check_host_suffix(name: &str, ctx: Ctx) -> Result<(), SelectorError> {
    registrable(name, ctx)?;
    if !name.contains('.') {
        return Err(ctx.err(format!(
            "{} '{name}' is a top-level domain alone; give the full host name",
            ctx.what
        )));
    }
    Ok(())
}

/// Cheap shape test used to guess the kind: a dot, no spaces, only
/// characters that can be in a hostname, not ending in a number.
pub(crate) fn looks_like_domain(s: &str) -> bool {
    let s = s.strip_prefix("*.").unwrap_or(s);
    let s = s.strip_suffix('.').unwrap_or(s);
    let b = s.as_bytes();
    !b.is_empty()
        && b.len() <= 253 * 4
        && memchr::memchr(b'.', b).is_some()
        && b[0] != b'.'
        && b.iter()
            .all(|&c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'.' | b'_') || c >= 0x80)
        && !s
            .rsplit('.')
            .next()
            .unwrap_or("")
            .bytes()
            .all(|c| c.is_ascii_digit())
        && !s.chars().any(char::is_whitespace)
}

// ------------------------------------------------------------------- urls

/// Normalises a URL (see the module documentation for the rules).
pub(crate) fn normalize_url(value: &str) -> Result<Selector, SelectorError> {
    let value = value.trim();
    if value.is_empty() {
        return Err(URL_HOST.err("url is empty".into()));
    }
    let (head, tail) = split_head(value);
    let head = refang(head);
    let tail = refang_path(tail);
    let parts = parse_head(&head, URL_HOST)?;
    let mut out = String::with_capacity(value.len() + 16);
    out.push_str(parts.scheme);
    out.push_str("://");
    match &parts.host {
        Host::Name(name) => {
            check_host_suffix(name, URL_HOST)?;
            out.push_str(name);
        }
        Host::Ip(addr) => push_ip(&mut out, *addr),
    }
    if let Some(port) = parts.port
        && port != default_port(parts.scheme)
    {
        push_port(&mut out, u32::from(port));
    }
    push_path_and_query(&mut out, &tail);
    Ok(Selector::from_parts(SelectorKind::Url, "url", &out))
}

/// The registrable domain of a canonical URL's host; `None` for an IP host
/// or a host that is itself a public suffix.
pub(crate) fn domain_of_url(url: &Selector) -> Option<Selector> {
    let rest = url.value().split_once("://")?.1;
    let end = rest.find(['/', '?']).unwrap_or(rest.len());
    let authority = &rest[..end];
    if authority.starts_with('[') {
        return None;
    }
    let host = authority.rsplit_once(':').map_or(authority, |(h, _)| h);
    if host.bytes().last().is_none_or(|c| c.is_ascii_digit()) {
        return None;
    }
    let domain = registrable(host, URL_HOST).ok()??;
    Some(Selector::from_parts(SelectorKind::Domain, "domain", domain))
}

/// Cheap shape test used to guess the kind: a web scheme (also defanged),
/// `www.`, any `scheme://`, or a domain-looking host followed by a path.
pub(crate) fn looks_like_url(s: &str) -> bool {
    let s = s.trim();
    let b = s.as_bytes();
    let starts = |p: &[u8]| b.len() >= p.len() && b[..p.len()].eq_ignore_ascii_case(p);
    if starts(b"http:")
        || starts(b"https:")
        || starts(b"ftp:")
        || starts(b"hxxp")
        || starts(b"fxp:")
    {
        return true;
    }
    if starts(b"www.") {
        return b.len() > 4
            && memchr::memchr(b'@', b).is_none()
            && !s.contains(char::is_whitespace);
    }
    if let Some(i) = s.find("://") {
        let scheme = &b[..i];
        return !scheme.is_empty()
            && scheme.len() <= 16
            && scheme[0].is_ascii_alphabetic()
            && scheme
                .iter()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'-' | b'.'));
    }
    match s.split_once('/') {
        Some((host, _)) => {
            let tld = host.rsplit('.').next().unwrap_or("");
            looks_like_domain(host)
                && !host.ends_with('.')
                && memchr::memchr(b'@', b).is_none()
                && !s.contains(char::is_whitespace)
                && tld.len() >= 2
                && (tld.bytes().all(|c| c.is_ascii_alphabetic()) || tld.starts_with("xn--"))
        }
        None => false,
    }
}

/// Splits a URL-ish string into its head (scheme and authority) and tail
/// (path, query, fragment), on the raw text so that defanged separators
/// (`hxxps[://]`, `https[:]//`) are recognised before re-fanging.
fn split_head(s: &str) -> (&str, &str) {
    let b = s.as_bytes();
    let is_slash = |c: u8| c == b'/' || c == b'\\';
    let mut start = 0;
    if let Some(i) = b
        .iter()
        .position(|&c| matches!(c, b'/' | b'\\' | b'?' | b'#'))
    {
        let after_colon = i == 0
            || b[i - 1] == b':'
            || (i >= 2 && matches!(b[i - 1], b']' | b')' | b'}') && b[i - 2] == b':');
        if is_slash(b[i]) && b.get(i + 1).is_some_and(|&c| is_slash(c)) && after_colon {
            start = i + 2;
            if matches!(b.get(start), Some(b']' | b')' | b'}')) {
                start += 1;
            }
        }
    }
    let end = b[start..]
        .iter()
        .position(|&c| matches!(c, b'/' | b'\\' | b'?' | b'#'))
        .map_or(b.len(), |p| start + p);
    (&s[..end], &s[end..])
}

/// The parts of a URL's head, canonical.
struct Head<'a> {
    scheme: &'static str,
    host: Host<'a>,
    port: Option<u16>,
}

/// Parses `[scheme://][userinfo@]host[:port]` (already re-fanged).
fn parse_head(head: &str, ctx: Ctx) -> Result<Head<'_>, SelectorError> {
    let (scheme, authority) = match scheme_separator(head) {
        Some(i) => (scheme_of(&head[..i], ctx)?, &head[i + 3..]),
        None => match head
            .strip_prefix("//")
            .or_else(|| head.strip_prefix("\\\\"))
        {
            Some(rest) => ("http", rest),
            None => {
                if let Some((name, rest)) = head.split_once(':') {
                    let is_scheme = !name.is_empty()
                        && name.bytes().all(|c| c.is_ascii_alphabetic())
                        && !rest.bytes().all(|c| c.is_ascii_digit());
                    if is_scheme {
                        scheme_of(name, ctx)?;
                    }
                }
                ("http", head)
            }
        },
    };
    // Userinfo is dropped: `https://bank.com@evil.vip/` is a trick whose
    // host is `evil.vip`.
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let (host, port) = if host_port.starts_with('[') {
        match host_port.find(']') {
            Some(i) => {
                let after = &host_port[i + 1..];
                match after.strip_prefix(':') {
                    Some(p) => (&host_port[..=i], Some(p)),
                    None if after.is_empty() => (host_port, None),
                    None => {
                        return Err(ctx.err(format!(
                            "{} {} has text after ']' that is not a port",
                            ctx.what,
                            quoted(host_port)
                        )));
                    }
                }
            }
            None => (host_port, None),
        }
    } else {
        match host_port.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (host_port, None),
        }
    };
    if host.is_empty() {
        return Err(ctx.err(format!("{} {} has no host", ctx.what, quoted(head))));
    }
    let port = match port {
        None | Some("") => None,
        Some(p) => Some(parse_port(p).ok_or_else(|| {
            ctx.err(format!(
                "port {} is not a number from 0 to 65535",
                quoted(p)
            ))
        })?),
    };
    Ok(Head {
        scheme,
        host: canonical_host(host, ctx)?,
        port,
    })
}

/// Where `://` (or `:\\\\`, which browsers read the same) starts.
fn scheme_separator(head: &str) -> Option<usize> {
    let i = head.find(':')?;
    let b = head.as_bytes();
    let slash = |j: usize| matches!(b.get(j), Some(b'/' | b'\\'));
    (slash(i + 1) && slash(i + 2)).then_some(i)
}

fn scheme_of(name: &str, ctx: Ctx) -> Result<&'static str, SelectorError> {
    let b = name.as_bytes();
    if b.eq_ignore_ascii_case(b"http") {
        Ok("http")
    } else if b.eq_ignore_ascii_case(b"https") {
        Ok("https")
    } else if b.eq_ignore_ascii_case(b"ftp") {
        Ok("ftp")
    } else {
        Err(SelectorError::new(
            if ctx.code == ErrorCode::InvalidDomain {
                ctx.code
            } else {
                ErrorCode::InvalidUrl
            },
            format!(
                "url scheme {} is not supported; use http, https or ftp",
                quoted(name)
            ),
        ))
    }
}

fn parse_port(p: &str) -> Option<u16> {
    if p.is_empty() || !p.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let digits = p.trim_start_matches('0');
    if digits.len() > 5 {
        return None;
    }
    if digits.is_empty() {
        return Some(0);
    }
    digits.parse().ok()
}

fn default_port(scheme: &str) -> u16 {
    match scheme {
        "https" => 443,
        "ftp" => 21,
        _ => 80,
    }
}

fn push_ip(out: &mut String, addr: IpAddr) {
    use std::fmt::Write as _;
    // Writing to a String cannot fail.
    let _ = match ip::canonical(addr) {
        IpAddr::V4(v4) => write!(out, "{v4}"),
        IpAddr::V6(v6) => write!(out, "[{v6}]"),
    };
}

fn push_port(out: &mut String, n: u32) {
    use std::fmt::Write as _;
    // Writing to a String cannot fail.
    let _ = write!(out, ":{n}");
}

/// Appends the canonical path and query of `tail` (which starts with `/`,
/// `\`, `?` or `#`, or is empty).
fn push_path_and_query(out: &mut String, tail: &str) {
    let tail = tail.split_once('#').map_or(tail, |(t, _)| t);
    let (path, query) = match tail.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (tail, None),
    };
    push_path(out, path);
    if let Some(query) = query {
        push_query(out, query);
    }
}

/// Appends the path with dot segments resolved (RFC 3986 §5.2.4).
fn push_path(out: &mut String, path: &str) {
    let path_start = out.len();
    if path.is_empty() {
        out.push('/');
        return;
    }
    // The path starts with a separator; each segment follows one.
    let mut segments = path[1..].split(['/', '\\']).peekable();
    while let Some(segment) = segments.next() {
        let last = segments.peek().is_none();
        let seg_start = out.len();
        out.push('/');
        push_encoded(out, segment, false);
        let dots = match &out[seg_start + 1..] {
            "." => 1,
            ".." => 2,
            _ => continue,
        };
        out.truncate(seg_start);
        if dots == 2 {
            let parent = out[path_start..]
                .rfind('/')
                .map_or(path_start, |p| path_start + p);
            out.truncate(parent);
        }
        if last {
            out.push('/');
        }
    }
}

/// Appends `?` and the query's parameters, in order, without tracking ones.
fn push_query(out: &mut String, query: &str) {
    let mark = out.len();
    out.push('?');
    for param in query.split('&') {
        if param.is_empty() {
            continue;
        }
        let start = out.len();
        if start > mark + 1 {
            out.push('&');
        }
        let name_start = out.len();
        push_encoded(out, param, true);
        let written = &out[name_start..];
        let name = written.split_once('=').map_or(written, |(n, _)| n);
        if is_tracking(name) {
            out.truncate(start);
        }
    }
    if out.len() == mark + 1 {
        out.truncate(mark);
    }
}

fn is_tracking(name: &str) -> bool {
    let b = name.as_bytes();
    (b.len() > 4 && b[..4].eq_ignore_ascii_case(b"utm_"))
        || TRACKING_PARAMS
            .iter()
            .any(|t| t.as_bytes().eq_ignore_ascii_case(b))
}

/// Appends `s` with percent-escapes normalised: uppercase hex, unreserved
/// characters decoded, a stray `%` and every byte outside the allowed set
/// encoded. `query` also allows `/` and `?`.
fn push_encoded(out: &mut String, s: &str, query: bool) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let b = s.as_bytes();
    let mut i = 0;
    let mut run = 0;
    while i < b.len() {
        let c = b[i];
        if allowed(c, query) {
            i += 1;
            continue;
        }
        // A run of kept bytes is ASCII, so both ends are char boundaries.
        if run < i {
            out.push_str(&s[run..i]);
        }
        if c == b'%'
            && let (Some(h), Some(l)) = (
                b.get(i + 1).and_then(hex_val),
                b.get(i + 2).and_then(hex_val),
            )
        {
            let v = (h << 4) | l;
            if is_unreserved(v) {
                out.push(char::from(v));
            } else {
                out.push('%');
                out.push(char::from(HEX[usize::from(h)]));
                out.push(char::from(HEX[usize::from(l)]));
            }
            i += 3;
            run = i;
            continue;
        }
        out.push('%');
        out.push(char::from(HEX[usize::from(c >> 4)]));
        out.push(char::from(HEX[usize::from(c & 15)]));
        i += 1;
        run = i;
    }
    if run < b.len() {
        out.push_str(&s[run..]);
    }
}

fn hex_val(c: &u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

fn is_unreserved(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'-' | b'.' | b'_' | b'~')
}

/// Bytes kept as they are: unreserved, sub-delims, `:` and `@` (RFC 3986
/// `pchar`), plus `/` and `?` in a query.
fn allowed(c: u8, query: bool) -> bool {
    is_unreserved(c)
        || matches!(
            c,
            b'!' | b'$'
                | b'&'
                | b'\''
                | b'('
                | b')'
                | b'*'
                | b'+'
                | b','
                | b';'
                | b'='
                | b':'
                | b'@'
        )
        || (query && matches!(c, b'/' | b'?'))
}

#[cfg(test)]
mod tests {
    use super::super::{Hint, normalize, normalize_one};
    use super::*;
    use proptest::prelude::*;

    fn domain(input: &str) -> Result<String, SelectorError> {
        normalize_domain(input).map(Selector::into_string)
    }

    fn url(input: &str) -> Result<String, SelectorError> {
        normalize_url(input).map(Selector::into_string)
    }

    #[test]
    fn domains_accepted() {
        let cases = [
            ("example.com", "domain:example.com"),
            ("WWW.Example.COM.", "domain:example.com"),
            ("www.evil.example.co.uk", "domain:example.co.uk"),
            ("shop1.herokuapp.com", "domain:shop1.herokuapp.com"),
            ("WWW.Shop1.HerokuApp.com", "domain:shop1.herokuapp.com"),
            ("a.b.shop1.herokuapp.com", "domain:shop1.herokuapp.com"),
            ("my-blog.blogspot.com", "domain:my-blog.blogspot.com"),
            ("trade-usdt.vip", "domain:trade-usdt.vip"),
            ("bücher.de", "domain:xn--bcher-kva.de"),
            ("WWW.BÜCHER.DE", "domain:xn--bcher-kva.de"),
            ("xn--bcher-kva.de", "domain:xn--bcher-kva.de"),
            ("XN--BCHER-KVA.DE", "domain:xn--bcher-kva.de"),
            ("例え.テスト.公司.cn", "domain:xn--zckzah.xn--55qx5d.cn"),
            ("shop.example.xn--55qx5d.cn", "domain:example.xn--55qx5d.cn"),
            ("evil。example。com", "domain:example.com"),
            ("evil[.]vip", "domain:evil.vip"),
            ("evil(dot)vip", "domain:evil.vip"),
            ("evil dot vip", "domain:evil.vip"),
            ("*.evil.vip", "domain:evil.vip"),
            (
                "https://shop1.herokuapp.com/login?x=1",
                "domain:shop1.herokuapp.com",
            ),
            ("hxxps://www[.]evil[.]vip/", "domain:evil.vip"),
            ("evil.vip:8080", "domain:evil.vip"),
            ("evil.vip/login", "domain:evil.vip"),
            ("_dmarc.example.com", "domain:example.com"),
            ("r3---sn-abc.googlevideo.com", "domain:googlevideo.com"),
            ("www.ck", "domain:www.ck"),
            ("a.b.ck", "domain:a.b.ck"),
            ("xyz.onion", "domain:xyz.onion"),
            ("a.b.c.d.e.f.example.com", "domain:example.com"),
        ];
        for (input, want) in cases {
            assert_eq!(
                domain(input).as_deref().map_err(|e| e.message.as_str()),
                Ok(want),
                "input {input:?}"
            );
        }
    }

    #[test]
    fn domains_rejected() {
        let long_label = format!("{}.com", "a".repeat(64));
        let long_name = format!("{}example.com", "abcdefghi.".repeat(25));
        let cases: Vec<(&str, &str)> = vec![
            ("co.uk", "public suffix"),
            ("herokuapp.com", "public suffix"),
            ("com", "public suffix"),
            ("example.notatld", "no known public suffix"),
            ("localhost", "no known public suffix"),
            (long_label.as_str(), "limit is 63"),
            (long_name.as_str(), "limit is 253"),
            ("exa mple.com", "contains ' '"),
            ("exa!mple.com", "contains '!'"),
            ("example..com", "empty label"),
            (".example.com", "empty label"),
            ("example.com..", "empty label"),
            ("-example.com", "cannot start or end with '-'"),
            ("example-.com", "cannot start or end with '-'"),
            ("ex_ample.com", "cannot contain '_'"),
            ("203.0.113.5", "ip address"),
            ("[2001:db8::1]", "ip address"),
            ("010.1.1.1", "leading zero"),
            ("example.123", "ends in a number"),
            ("xn--zz.com", "idna"),
            ("john@example.com", "email"),
            ("javascript:alert(1)", "scheme"),
            ("", "empty"),
        ];
        for (input, why) in cases {
            let e = normalize_domain(input).expect_err(input);
            assert_eq!(e.code, ErrorCode::InvalidDomain, "{input:?}: {}", e.message);
            assert!(e.message.contains(why), "{input:?}: {}", e.message);
            assert!(!e.message.ends_with('.'), "{}", e.message);
        }
    }

    #[test]
    fn urls_accepted() {
        let cases = [
            (
                "https://trade.example.vip/login?ref=7",
                "url:https://trade.example.vip/login?ref=7",
            ),
            (
                "HTTPS://Trade.Example.VIP:443/login?ref=7#top",
                "url:https://trade.example.vip/login?ref=7",
            ),
            (
                "hxxps://trade-usdt[.]vip/login?ref=7&utm_source=fb",
                "url:https://trade-usdt.vip/login?ref=7",
            ),
            ("hXXp[://]evil(.)vip", "url:http://evil.vip/"),
            ("hxxps[:]//evil[.]vip/a", "url:https://evil.vip/a"),
            ("evil.vip/login", "url:http://evil.vip/login"),
            ("//evil.vip", "url:http://evil.vip/"),
            ("www.evil.vip", "url:http://www.evil.vip/"),
            ("http://evil.vip:80/", "url:http://evil.vip/"),
            ("http://evil.vip:8080/", "url:http://evil.vip:8080/"),
            ("https://evil.vip:80/", "url:https://evil.vip:80/"),
            ("ftp://files.evil.vip:21/a", "url:ftp://files.evil.vip/a"),
            ("http://evil.vip:/", "url:http://evil.vip/"),
            ("https://user:pass@evil.vip/x", "url:https://evil.vip/x"),
            ("https://paypal.com@evil.vip/", "url:https://evil.vip/"),
            (
                "http://bücher.de/straße",
                "url:http://xn--bcher-kva.de/stra%C3%9Fe",
            ),
            ("http://evil.vip/a b", "url:http://evil.vip/a%20b"),
            (
                "http://evil.vip/%7euser/%2fx/%zz",
                "url:http://evil.vip/~user/%2Fx/%25zz",
            ),
            ("http://evil.vip/a/./b/../c", "url:http://evil.vip/a/c"),
            ("http://evil.vip/a/b/..", "url:http://evil.vip/a/"),
            ("http://evil.vip/..", "url:http://evil.vip/"),
            ("http://evil.vip/a/%2E%2E/b", "url:http://evil.vip/b"),
            ("http:\\\\evil.vip\\a\\b", "url:http://evil.vip/a/b"),
            (
                "http://evil.vip/login[.]php",
                "url:http://evil.vip/login.php",
            ),
            (
                "http://evil.vip/wiki/Foo_(bar)",
                "url:http://evil.vip/wiki/Foo_(bar)",
            ),
            ("http://evil.vip/?", "url:http://evil.vip/"),
            (
                "http://evil.vip/?utm_source=x&UTM_Medium=y&fbclid=1",
                "url:http://evil.vip/",
            ),
            (
                "http://evil.vip/?a=1&&b=2&gclid=z&c",
                "url:http://evil.vip/?a=1&b=2&c",
            ),
            ("http://evil.vip/?b=2&a=1", "url:http://evil.vip/?b=2&a=1"),
            (
                "http://evil.vip/?q=a+b&r=/x?y",
                "url:http://evil.vip/?q=a+b&r=/x?y",
            ),
            (
                "http://evil.vip/?utm%5Fsource=x&k=v",
                "url:http://evil.vip/?k=v",
            ),
            ("http://evil.vip/#/login", "url:http://evil.vip/"),
            ("http://203.0.113.5:8080/x", "url:http://203.0.113.5:8080/x"),
            ("http://[2001:DB8::1]:443/", "url:http://[2001:db8::1]:443/"),
            ("http://[::ffff:203.0.113.5]/", "url:http://203.0.113.5/"),
            ("https://herokuapp.com/", "url:https://herokuapp.com/"),
            ("http://xyz.onion/market", "url:http://xyz.onion/market"),
            ("http://evil.vip.", "url:http://evil.vip/"),
        ];
        for (input, want) in cases {
            assert_eq!(
                url(input).as_deref().map_err(|e| e.message.as_str()),
                Ok(want),
                "input {input:?}"
            );
        }
    }

    #[test]
    fn urls_rejected() {
        let cases = [
            (
                "javascript:alert(1)",
                "scheme 'javascript' is not supported",
            ),
            ("file:///etc/passwd", "scheme 'file'"),
            ("data://x", "scheme 'data'"),
            ("http://", "no host"),
            ("http:///path", "no host"),
            ("http://evil.vip:99999/", "port"),
            ("http://evil.vip:http/", "port"),
            ("http://intranet.local/", "no known public suffix"),
            ("http://localhost/", "no known public suffix"),
            ("http://com/", "top-level domain alone"),
            ("http://ev%69l.vip/", "contains '%'"),
            ("http://3232235777/", "four numbers"),
            ("http://0x7f.0.0.1/", "ends in a number"),
            ("http://[2001:db8::1/", "closing"),
            ("http://[2001:db8::1]x/", "not a port"),
            ("http://-evil.vip/", "cannot start or end with '-'"),
            ("", "empty"),
        ];
        for (input, why) in cases {
            let e = normalize_url(input).expect_err(input);
            assert_eq!(e.code, ErrorCode::InvalidUrl, "{input:?}: {}", e.message);
            assert!(e.message.contains(why), "{input:?}: {}", e.message);
            assert!(!e.message.ends_with('.'), "{}", e.message);
        }
    }

    #[test]
    fn url_yields_its_domain() {
        let cases = [
            (
                "https://shop1.herokuapp.com/x",
                Some("domain:shop1.herokuapp.com"),
            ),
            (
                "https://www.evil.example.co.uk:8443/x",
                Some("domain:example.co.uk"),
            ),
            ("http://203.0.113.5/", None),
            ("http://[2001:db8::1]:8080/", None),
            ("https://herokuapp.com/", None),
        ];
        for (input, want) in cases {
            let sel = normalize_url(input).expect(input);
            assert_eq!(
                domain_of_url(&sel).as_ref().map(Selector::as_str),
                want,
                "{input}"
            );
        }
        let both =
            normalize("url:hxxps://shop1.herokuapp[.]com/login", &Hint::default()).expect("valid");
        let texts: Vec<&str> = both.iter().map(Selector::as_str).collect();
        assert_eq!(
            texts,
            [
                "url:https://shop1.herokuapp.com/login",
                "domain:shop1.herokuapp.com"
            ]
        );
    }

    #[test]
    fn shape_tests() {
        for yes in [
            "https://x.com",
            "HTTP://X.COM",
            "hxxps://evil[.]vip",
            "www.evil.vip",
            "evil.vip/login",
            "t.me/goodjob_hr",
            "ftp://x.com",
            "javascript://x",
        ] {
            assert!(looks_like_url(yes), "{yes}");
        }
        for no in [
            "evil.vip",
            "john@evil.vip",
            "12.05/2024",
            "a/b",
            "www.",
            "1.2.3.4/24",
            "hello world/x.com",
        ] {
            assert!(!looks_like_url(no), "{no}");
        }
        for yes in [
            "evil.vip",
            "bücher.de",
            "example.com.",
            "*.evil.vip",
            "xn--bcher-kva.de",
        ] {
            assert!(looks_like_domain(yes), "{yes}");
        }
        for no in [
            "evil",
            "1.2.3.4",
            "evil .vip",
            ".evil.vip",
            "evil.vip/x",
            "a@b.com",
            "",
        ] {
            assert!(!looks_like_domain(no), "{no}");
        }
    }

    #[test]
    fn dispatcher_prefixes_and_hints() {
        let hint = Hint::kind(SelectorKind::Domain);
        assert_eq!(
            normalize_one("Domain:WWW.Evil.VIP", &hint)
                .expect("valid")
                .as_str(),
            "domain:evil.vip"
        );
        assert_eq!(
            normalize_one("evil[.]vip", &hint).expect("valid").as_str(),
            "domain:evil.vip"
        );
        let sel = normalize_one(
            "URL:https://Trade.Example.VIP/login?ref=7",
            &Hint::default(),
        )
        .expect("valid");
        assert_eq!(sel.as_str(), "url:https://trade.example.vip/login?ref=7");
        let sel = normalize_one("evil.vip/login", &Hint::kind(SelectorKind::Url)).expect("valid");
        assert_eq!(sel.as_str(), "url:http://evil.vip/login");
    }

    /// Hostname-like strings: labels of hostname characters, some Unicode,
    /// some defanged dots, over a few real suffixes.
    fn hostish() -> impl Strategy<Value = String> {
        let label = "[a-zA-Z0-9_-]{1,12}|[a-zà-ÿ]{1,8}|[а-я]{1,6}|xn--[a-z0-9-]{1,10}|[一-龥]{1,3}";
        let suffix = prop::sample::select(vec![
            "com",
            "co.uk",
            "herokuapp.com",
            "vip",
            "xn--55qx5d.cn",
            "公司.cn",
            "ck",
            "notatld",
            "1",
        ]);
        let sep = prop::sample::select(vec![".", ".", ".", "[.]", "。"]);
        (
            prop::collection::vec((label, sep), 0..4),
            suffix,
            prop::bool::ANY,
        )
            .prop_map(|(labels, suffix, dot)| {
                let mut s = String::new();
                for (l, sep) in labels {
                    s.push_str(&l);
                    s.push_str(sep);
                }
                s.push_str(suffix);
                if dot {
                    s.push('.');
                }
                s
            })
    }

    fn urlish() -> impl Strategy<Value = String> {
        let scheme = prop::sample::select(vec![
            "", "http://", "HTTPS://", "hxxps://", "ftp://", "//", "mailto:",
        ]);
        let userinfo = prop::sample::select(vec!["", "user:pw@", "a@"]);
        let port = prop::sample::select(vec!["", ":80", ":443", ":8080", ":", ":99999"]);
        let tail = "(/[a-zA-Z0-9%._~!$&'()*+,;=:@ \\[\\]{}\\\\é-]{0,8}){0,4}(\\?[a-z_A-Z0-9=&%+/?.\\[\\]-]{0,20})?(#[a-z]{0,5})?";
        (scheme, userinfo, hostish(), port, tail)
            .prop_map(|(a, b, c, d, e)| format!("{a}{b}{c}{d}{e}"))
    }

    proptest! {
        #[test]
        fn never_panics(s in "\\PC{0,80}") {
            let _ = normalize_domain(&s);
            let _ = normalize_url(&s);
            let _ = looks_like_url(&s);
            let _ = looks_like_domain(&s);
            let _ = normalize_one(&s, &Hint::kind(SelectorKind::Domain));
            let _ = normalize_one(&s, &Hint::kind(SelectorKind::Url));
        }

        #[test]
        fn domain_idempotent(s in hostish()) {
            if let Ok(sel) = normalize_domain(&s) {
                let again = normalize_one(sel.as_str(), &Hint::default()).expect("canonical text normalises");
                prop_assert_eq!(again.as_str(), sel.as_str());
            }
        }

        #[test]
        fn url_idempotent(s in urlish()) {
            if let Ok(sel) = normalize_url(&s) {
                let again = normalize_one(sel.as_str(), &Hint::default()).expect("canonical text normalises");
                prop_assert_eq!(again.as_str(), sel.as_str());
                if let Some(d) = domain_of_url(&sel) {
                    let again = normalize_one(d.as_str(), &Hint::default()).expect("domain of a url normalises");
                    prop_assert_eq!(again.as_str(), d.as_str());
                }
            }
        }

        #[test]
        fn url_idempotent_any_text(s in "\\PC{0,60}") {
            if let Ok(sel) = normalize_url(&s) {
                let again = normalize_one(sel.as_str(), &Hint::default()).expect("canonical text normalises");
                prop_assert_eq!(again.as_str(), sel.as_str());
            }
        }
    }
}
