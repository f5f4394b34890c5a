//! Normalises IPv4 and IPv6 addresses to their canonical text
//! (`ip:203.0.113.5`, `ip:2001:db8::1`, RFC 5952 for v6).
//!
//! Decisions, so that one address has exactly one selector:
//!
//! - IPv4 is strict dotted-quad. An octet with a leading zero (`010.1.1.1`)
//!   is rejected: `inet_aton` and many tools read it as octal (8), others as
//!   decimal (10), so the input does not say which host it means. Short and
//!   numeric forms (`127.1`, `2130706433`, `0x7f.0.0.1`) are rejected too.
//! - IPv6 is printed by the standard library, which follows RFC 5952
//!   (lowercase, longest zero run as `::`, no leading zeros).
//! - An IPv4-mapped IPv6 address (`::ffff:203.0.113.5`) names the IPv4 host,
//!   so it becomes the IPv4 selector (`ip:203.0.113.5`).
//! - Defanged forms (`198.51.100[.]7`), brackets (`[2001:db8::1]`) and a
//!   port (`203.0.113.5:8080`, `[2001:db8::1]:443`) are accepted; the port is
//!   dropped, because the selector names the host.
//! - A zone index (`fe80::1%eth0`) is rejected: it only means something on
//!   the machine that wrote it.

use std::fmt::Write as _;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::defang::refang;
use super::domain::quoted;
use super::{ErrorCode, Selector, SelectorError, SelectorKind};

/// Normalises an IP address, possibly bracketed, defanged or with a port.
pub(crate) fn normalize(value: &str) -> Result<Selector, SelectorError> {
    let refanged = refang(value);
    let addr = parse(refanged.trim())?;
    Ok(selector(addr))
}

/// The `ip:` selector of an address already parsed.
pub(crate) fn selector(addr: IpAddr) -> Selector {
    let mut text = Text::new();
    // Writing to a fixed buffer large enough for any address cannot fail.
    let _ = write!(text, "{}", canonical(addr));
    Selector::from_parts(SelectorKind::Ip, "ip", text.as_str())
}

/// The address a selector stands for: IPv4-mapped IPv6 is its IPv4 host.
pub(crate) fn canonical(addr: IpAddr) -> IpAddr {
    match addr {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(addr, IpAddr::V4),
        IpAddr::V4(_) => addr,
    }
}

/// Cheap shape test used to guess the kind: a dotted quad (with an optional
/// port) or colon-separated hex groups, optionally in brackets.
pub(crate) fn looks_like_ip(s: &str) -> bool {
    let s = s.trim();
    let inner = s
        .strip_prefix('[')
        .and_then(|r| r.split_once(']').map(|(a, _)| a))
        .unwrap_or(s);
    let b = inner.as_bytes();
    if b.is_empty() || b.len() > 45 {
        return false;
    }
    let colons = b.iter().filter(|&&c| c == b':').count();
    let dots = b.iter().filter(|&&c| c == b'.').count();
    if colons >= 2 {
        return b
            .iter()
            .all(|c| c.is_ascii_hexdigit() || *c == b':' || *c == b'.');
    }
    let v4 = match inner.split_once(':') {
        Some((host, port)) if !port.is_empty() && port.bytes().all(|c| c.is_ascii_digit()) => host,
        Some(_) => return false,
        None => inner,
    };
    dots == 3
        && v4.len() >= 7
        && v4.as_bytes()[0].is_ascii_digit()
        && v4.bytes().all(|c| c.is_ascii_digit() || c == b'.')
}

fn err(message: String) -> SelectorError {
    SelectorError::new(ErrorCode::InvalidIp, message)
}

/// Parses an address with optional brackets and port.
pub(crate) fn parse(s: &str) -> Result<IpAddr, SelectorError> {
    if s.is_empty() {
        return Err(err("ip address is empty".into()));
    }
    if let Some(rest) = s.strip_prefix('[') {
        let Some((inner, after)) = rest.split_once(']') else {
            return Err(err(format!(
                "ip address {} has '[' without a closing ']'",
                quoted(s)
            )));
        };
        if !after.is_empty() {
            check_port(s, after.strip_prefix(':').unwrap_or(after))?;
        }
        return parse_v6(inner).map(canonical);
    }
    match s.bytes().filter(|&c| c == b':').count() {
        0 => parse_v4(s).map(IpAddr::V4),
        1 => {
            // One colon: an IPv4 address with a port.
            let (host, port) = s.split_once(':').unwrap_or((s, ""));
            check_port(s, port)?;
            parse_v4(host).map(IpAddr::V4)
        }
        _ => parse_v6(s).map(canonical),
    }
}

fn check_port(whole: &str, port: &str) -> Result<(), SelectorError> {
    let ok = !port.is_empty()
        && port.len() <= 5
        && port.bytes().all(|c| c.is_ascii_digit())
        && port.parse::<u32>().is_ok_and(|p| p <= 65535);
    if ok {
        Ok(())
    } else {
        Err(err(format!(
            "ip address {} has {} where a port number (0-65535) or nothing was expected",
            quoted(whole),
            quoted(port)
        )))
    }
}

/// Strict dotted-quad IPv4 with a specific message for each way to fail.
pub(crate) fn parse_v4(s: &str) -> Result<Ipv4Addr, SelectorError> {
    let mut octets = [0u8; 4];
    let mut n = 0;
    for part in s.split('.') {
        if part.is_empty() || part.len() > 3 || !part.bytes().all(|c| c.is_ascii_digit()) {
            return Err(err(format!(
                "ipv4 address {} must be four numbers 0-255 separated by dots",
                quoted(s)
            )));
        }
        if n == 4 {
            return Err(err(format!(
                "ipv4 address {} has more than four dot-separated numbers",
                quoted(s)
            )));
        }
        if part.len() > 1 && part.starts_with('0') {
            return Err(err(format!(
                "ipv4 address {} has the octet '{part}' with a leading zero, which some tools read as octal; write it without leading zeros",
                quoted(s)
            )));
        }
        let value: u16 = part.parse().unwrap_or(u16::MAX);
        octets[n] = u8::try_from(value).map_err(|_| {
            err(format!(
                "ipv4 address {} has the octet '{part}', which is greater than 255",
                quoted(s)
            ))
        })?;
        n += 1;
    }
    if n != 4 {
        return Err(err(format!(
            "ipv4 address {} must be four numbers 0-255 separated by dots",
            quoted(s)
        )));
    }
    Ok(Ipv4Addr::from(octets))
}

fn parse_v6(s: &str) -> Result<IpAddr, SelectorError> {
    if s.contains('%') {
        return Err(err(format!(
            "ipv6 address {} has a zone index ('%…'), which only means something on one machine; give the address without it",
            quoted(s)
        )));
    }
    s.parse::<Ipv6Addr>().map(IpAddr::V6).map_err(|_| {
        err(format!(
            "{} is not a valid ipv6 address (eight groups of up to four hex digits, '::' at most once)",
            quoted(s)
        ))
    })
}

/// A stack buffer for the text of one address (at most 45 bytes).
struct Text {
    buf: [u8; 48],
    len: usize,
}

impl Text {
    fn new() -> Self {
        Text {
            buf: [0; 48],
            len: 0,
        }
    }

    fn as_str(&self) -> &str {
        // Only ASCII from `Display` of an address is ever written.
        std::str::from_utf8(&self.buf[..self.len]).unwrap_or("")
    }
}

impl std::fmt::Write for Text {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        let end = self.len + s.len();
        let dst = self.buf.get_mut(self.len..end).ok_or(std::fmt::Error)?;
        dst.copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Hint, normalize_one};
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn accepts_and_canonicalises() {
        let cases = [
            ("203.0.113.5", "ip:203.0.113.5"),
            (" 203.0.113.5 ", "ip:203.0.113.5"),
            ("198.51.100[.]7", "ip:198.51.100.7"),
            ("198(.)51(.)100(.)7", "ip:198.51.100.7"),
            ("203.0.113.5:8080", "ip:203.0.113.5"),
            ("0.0.0.0", "ip:0.0.0.0"),
            ("255.255.255.255", "ip:255.255.255.255"),
            ("2001:DB8:0:0::1", "ip:2001:db8::1"),
            ("2001:0db8:0000:0000:0000:0000:0000:0001", "ip:2001:db8::1"),
            ("[2001:db8::1]", "ip:2001:db8::1"),
            ("[2001:db8::1]:443", "ip:2001:db8::1"),
            ("2001:db8:0:1:1:1:1:1", "ip:2001:db8:0:1:1:1:1:1"),
            ("2001:db8::1:0:0:1", "ip:2001:db8::1:0:0:1"),
            ("::", "ip:::"),
            ("::1", "ip:::1"),
            ("::ffff:203.0.113.5", "ip:203.0.113.5"),
            ("::FFFF:cb00:7105", "ip:203.0.113.5"),
            ("[::ffff:203.0.113.5]", "ip:203.0.113.5"),
            ("64:ff9b::203.0.113.5", "ip:64:ff9b::cb00:7105"),
        ];
        for (input, want) in cases {
            let got = normalize(input).unwrap_or_else(|e| panic!("{input:?}: {e}"));
            assert_eq!(got.as_str(), want, "input {input:?}");
            assert_eq!(got.kind(), SelectorKind::Ip);
        }
    }

    #[test]
    fn rejects_with_reason() {
        let cases = [
            ("010.1.1.1", "leading zero"),
            ("1.2.3.04", "leading zero"),
            ("256.1.1.1", "greater than 255"),
            ("1.2.3", "four numbers"),
            ("1.2.3.4.5", "more than four"),
            ("127.1", "four numbers"),
            ("2130706433", "four numbers"),
            ("0x7f.0.0.1", "four numbers"),
            ("1.2.3.4.", "four numbers"),
            ("1..3.4", "four numbers"),
            ("1.2.3.4:99999", "port"),
            ("1.2.3.4:http", "port"),
            ("[2001:db8::1", "closing"),
            ("[2001:db8::1]x", "port"),
            ("fe80::1%eth0", "zone index"),
            ("2001:db8::1::2", "not a valid ipv6"),
            ("2001:db8:0:0:0:0:0:0:1", "not a valid ipv6"),
            ("12345::1", "not a valid ipv6"),
            ("", "empty"),
        ];
        for (input, why) in cases {
            let e = normalize(input).expect_err(input);
            assert_eq!(e.code, ErrorCode::InvalidIp, "{input:?}");
            assert!(e.message.contains(why), "{input:?}: {}", e.message);
            assert!(!e.message.ends_with('.'), "{}", e.message);
        }
    }

    #[test]
    fn shape_test() {
        for yes in [
            "203.0.113.5",
            "2001:db8::1",
            "[2001:db8::1]",
            "1.2.3.4:80",
            "::1",
            "010.1.1.1",
        ] {
            assert!(looks_like_ip(yes), "{yes}");
        }
        for no in [
            "example.com",
            "1.2.3",
            "12:30",
            "+855 12 345 678",
            "abc::xyz",
            "",
            "v1.2.3.4",
        ] {
            assert!(!looks_like_ip(no), "{no}");
        }
    }

    #[test]
    fn dispatcher_prefix_and_kind_hint() {
        let sel = normalize_one("IP:2001:DB8::1", &Hint::default()).expect("valid");
        assert_eq!(sel.as_str(), "ip:2001:db8::1");
        let sel = normalize_one("203.0.113[.]5", &Hint::kind(SelectorKind::Ip)).expect("valid");
        assert_eq!(sel.as_str(), "ip:203.0.113.5");
    }

    proptest! {
        #[test]
        fn never_panics(s in "\\PC{0,60}") {
            let _ = normalize(&s);
            let _ = looks_like_ip(&s);
        }

        #[test]
        fn v4_round_trips(a: u8, b: u8, c: u8, d: u8) {
            let text = format!("{a}.{b}.{c}.{d}");
            let sel = normalize(&text).expect("any dotted quad is valid");
            prop_assert_eq!(sel.as_str(), format!("ip:{text}"));
        }

        #[test]
        fn idempotent(s in "[0-9a-fA-F:.\\[\\]]{1,45}", v6: u128, v4: u32) {
            for input in [s, Ipv6Addr::from(v6).to_string(), Ipv4Addr::from(v4).to_string()] {
                if let Ok(sel) = normalize(&input) {
                    let again = normalize_one(sel.as_str(), &Hint::default()).expect("canonical text normalises");
                    prop_assert_eq!(again.as_str(), sel.as_str());
                }
            }
        }
    }
}
