//! Social-media handles: platform-qualified and lowercased, from written
//! handles (`Telegram: @GoodJob_HR`) and from profile links (`t.me/goodjob_hr`).
//!
//! Canonical forms, one per platform (prefix, accepted aliases, value):
//!
//! | platform | aliases | canonical | rule |
//! | --- | --- | --- | --- |
//! | `telegram` | `tg`, `飞机` | `telegram:@goodjob_hr` | 4–32 of `a-z 0-9 _`, starting with a letter (5 for ordinary usernames, 4 for the collectible ones Telegram sells) |
//! | `tiktok` | | `tiktok:@dream.jobs` | 2–24 of `a-z 0-9 _ .` |
//! | `facebook` | `fb`, `messenger` | `facebook:asia.dream.jobs` | 3–80 of `a-z 0-9 . -`; numeric profile ids too |
//! | `line` | `line id`, `ไลน์` | `line:kelvin88` | 3–32 of `a-z 0-9 . _ -`; the `~` and `@` of LINE links are dropped |
//! | `wechat` | `weixin`, `wx`, `微信` | `wechat:kelvin_88` | 5–32 of `a-z 0-9 _ -` |
//! | `instagram` | `ig`, `insta` | `instagram:dream.jobs` | 1–30 of `a-z 0-9 _ .` |
//! | `x` | `twitter` | `x:dreamjobs` | 1–15 of `a-z 0-9 _` |
//! | `signal` | | `signal:kelvin.01` | 3–40 of `a-z 0-9 _ .`; a number resolves to a phone |
//! | `whatsapp`, `viber`, `zalo` | `wa` | `phone:+85512345678` | accounts are phone numbers, so these resolve to the **phone** selector |
//!
//! Telegram and TikTok keep the `@` because both platforms write their
//! handles with it (TikTok's profile links do too); the others never show one,
//! so a leading `@` is dropped. A Telegram, WeChat, LINE or Signal "handle"
//! written as a phone number (`+855…`, or national with a region) is a phone
//! number and resolves to one.
//!
//! Profile links give the same selectors. Links that name no account stay
//! URLs (`from_profile_url` returns `None`): Telegram invite links
//! (`t.me/joinchat/…`, `t.me/+AbC…`), WhatsApp group invites and short links,
//! LINE QR tokens, and Facebook groups, events, posts and other non-profile
//! pages. Group pages are useful identifiers, but their URL selector already
//! identifies them exactly, and a `facebook:` selector for a group would mix
//! groups into the account namespace.

use super::{ErrorCode, Region, Selector, SelectorError, SelectorKind, phone};

/// The platforms whose accounts are phone numbers.
const PHONE_PLATFORMS: [&str; 3] = ["whatsapp", "viber", "zalo"];

/// Maps a lowercase prefix word (`tg`, `twitter`, `line id` …) to its
/// canonical platform prefix.
pub(crate) fn platform_prefix(s: &str) -> Option<&'static str> {
    Some(match s.trim() {
        // 飞机 ("aeroplane", after its logo) is what Chinese-speaking
        // recruiters call Telegram.
        "telegram" | "tg" | "飞机" | "纸飞机" => "telegram",
        "whatsapp" | "wa" => "whatsapp",
        "facebook" | "fb" | "messenger" => "facebook",
        "line" | "line id" | "lineid" | "ไลน์" => "line",
        "wechat" | "weixin" | "wx" | "wechat id" | "微信" => "wechat",
        "tiktok" => "tiktok",
        "instagram" | "ig" | "insta" => "instagram",
        "x" | "twitter" => "x",
        "signal" => "signal",
        "viber" => "viber",
        "zalo" => "zalo",
        _ => return None,
    })
}

/// Normalises a handle. `prefix` is the canonical platform when the input
/// carried one (`telegram:@x`); without it the platform must be written in
/// the value (`Telegram @x`, `tg: x`) or be a profile link.
pub(crate) fn normalize(
    value: &str,
    prefix: Option<&'static str>,
    region: Option<Region>,
) -> Result<Selector, SelectorError> {
    let value = value.trim();
    if value.is_empty() {
        return Err(SelectorError::new(ErrorCode::Empty, "handle is empty"));
    }
    match prefix {
        Some(platform) => {
            if is_link(value) {
                return link_for(platform, value, region);
            }
            canonical(platform, value, region)
        }
        None => {
            if let Some((platform, rest)) = split_platform(value) {
                return if is_link(rest) {
                    link_for(platform, rest, region)
                } else {
                    canonical(platform, rest, region)
                };
            }
            if is_link(value) {
                if let Some(found) = from_profile_url(value, region) {
                    return found;
                }
                return Err(invalid(format!(
                    "'{value}' is not a profile link of a known platform; give the handle as 'telegram:@name'"
                )));
            }
            Err(invalid(format!(
                "handle '{value}' names no platform; write it as 'telegram:@name' (telegram, whatsapp, facebook, line, wechat, tiktok, instagram, x, signal, viber, zalo)"
            )))
        }
    }
}

/// A profile link under an explicit platform prefix must be of that platform.
fn link_for(
    platform: &'static str,
    value: &str,
    region: Option<Region>,
) -> Result<Selector, SelectorError> {
    let Some(found) = from_profile_url(value, region) else {
        return Err(invalid(format!(
            "'{value}' is not a {platform} profile link; give the handle itself"
        )));
    };
    let selector = found?;
    let same = selector.prefix() == platform
        || (selector.kind() == SelectorKind::Phone
            && (PHONE_PLATFORMS.contains(&platform)
                || platform == "telegram"
                || platform == "signal"));
    if same {
        Ok(selector)
    } else {
        Err(invalid(format!(
            "'{value}' is a {} link, not a {platform} one",
            selector.prefix()
        )))
    }
}

/// Splits `Telegram: @x`, `tg @x`, `Line ID: kelvin88` into the canonical
/// platform and the handle.
pub(crate) fn split_platform(value: &str) -> Option<(&'static str, &str)> {
    if let Some((head, rest)) = value.split_once(':')
        && head.len() <= 12
        && let Some(p) = platform_prefix(&head.trim().to_ascii_lowercase())
    {
        return Some((p, rest.trim()));
    }
    let (head, rest) = value.split_once(char::is_whitespace)?;
    let head = head.to_ascii_lowercase();
    let rest = rest.trim_start();
    // `Line ID kelvin88`, `WeChat ID: kelvin_88`
    if let Some(after_id) = strip_prefix_ignore_case(rest, "id")
        && after_id.starts_with([':', ' '])
        && let Some(p) = platform_prefix(&head)
    {
        return Some((p, after_id.trim_start_matches([':', ' '])));
    }
    platform_prefix(&head).map(|p| (p, rest.trim_start_matches(':').trim()))
}

fn strip_prefix_ignore_case<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &s[prefix.len()..])
}

fn invalid(message: String) -> SelectorError {
    SelectorError::new(ErrorCode::InvalidHandle, message)
}

/// The canonical selector of `handle` on `platform`.
pub(crate) fn canonical(
    platform: &'static str,
    handle: &str,
    region: Option<Region>,
) -> Result<Selector, SelectorError> {
    let handle = handle.trim();
    if PHONE_PLATFORMS.contains(&platform) {
        return phone::normalize(handle, region);
    }
    if handle.is_empty() {
        return Err(SelectorError::new(
            ErrorCode::Empty,
            format!("{platform} handle is empty"),
        ));
    }
    // Telegram, WeChat, LINE and Signal accounts can be reached by their
    // phone number, and people give the number as the "handle".
    if matches!(platform, "telegram" | "wechat" | "signal" | "line")
        && phone::looks_like_phone(handle)
        && !handle.bytes().any(|b| b.is_ascii_alphabetic())
    {
        let international = handle.starts_with('+') || handle.starts_with("00");
        match phone::normalize(handle, region) {
            Ok(selector) => return Ok(selector),
            Err(e) if international => return Err(e),
            // A numeric LINE ID, or a national number without a region:
            // judged as a handle below.
            Err(_) => {}
        }
    }
    let bare = match platform {
        "line" => handle.trim_start_matches(['@', '~']),
        _ => handle.strip_prefix('@').unwrap_or(handle),
    };
    let rule = rule_of(platform);
    let lower = bare.to_ascii_lowercase();
    if let Some(bad) = lower
        .chars()
        .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || rule.extra.contains(*c)))
    {
        return Err(invalid(format!(
            "{platform} handle '{bare}' contains '{bad}'; it may contain only {}",
            rule.describe
        )));
    }
    if !(rule.min..=rule.max).contains(&lower.len()) {
        return Err(invalid(format!(
            "{platform} handle '{bare}' has {} characters; it must have {} to {}",
            lower.len(),
            rule.min,
            rule.max
        )));
    }
    if rule.letter_first && !lower.starts_with(|c: char| c.is_ascii_lowercase()) {
        return Err(invalid(format!(
            "{platform} handle '{bare}' must start with a letter"
        )));
    }
    if !lower.bytes().any(|b| b.is_ascii_alphanumeric()) {
        return Err(invalid(format!(
            "{platform} handle '{bare}' has no letter or digit"
        )));
    }
    let value = if rule.at { format!("@{lower}") } else { lower };
    Ok(Selector::from_parts(SelectorKind::Handle, platform, &value))
}

/// What a platform allows in a handle.
struct Rule {
    min: usize,
    max: usize,
    /// Allowed besides `a-z` and `0-9`.
    extra: &'static str,
    describe: &'static str,
    letter_first: bool,
    /// Whether the canonical form keeps the `@`.
    at: bool,
}

fn rule_of(platform: &str) -> Rule {
    let r = |min, max, extra, describe, letter_first, at| Rule {
        min,
        max,
        extra,
        describe,
        letter_first,
        at,
    };
    match platform {
        "telegram" => r(4, 32, "_", "letters, digits and underscores", true, true),
        "tiktok" => r(
            2,
            24,
            "_.",
            "letters, digits, underscores and dots",
            false,
            true,
        ),
        "facebook" => r(
            3,
            80,
            ".-",
            "letters, digits, dots and hyphens",
            false,
            false,
        ),
        "line" => r(
            3,
            32,
            "._-",
            "letters, digits, dots, underscores and hyphens",
            false,
            false,
        ),
        "wechat" => r(
            5,
            32,
            "_-",
            "letters, digits, underscores and hyphens",
            false,
            false,
        ),
        "instagram" => r(
            1,
            30,
            "_.",
            "letters, digits, underscores and dots",
            false,
            false,
        ),
        "x" => r(1, 15, "_", "letters, digits and underscores", false, false),
        _ => r(
            3,
            40,
            "_.",
            "letters, digits, underscores and dots",
            false,
            false,
        ),
    }
}

/// Whether `value` is written as a link rather than as a handle.
fn is_link(value: &str) -> bool {
    value.contains('/') || value.contains("://")
}

/// The parts of a link: lowercase host without `www.`-like labels, path and
/// query (fragment dropped, except that Signal keeps its data there).
struct Link<'a> {
    scheme: String,
    host: String,
    path: &'a str,
    query: &'a str,
    fragment: &'a str,
}

fn parse_link(s: &str) -> Option<Link<'_>> {
    let s = s.trim();
    let (scheme, rest) = match s.find("://") {
        Some(i) => (s[..i].to_ascii_lowercase(), &s[i + 3..]),
        None => (String::new(), s),
    };
    if !scheme.is_empty()
        && !scheme
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'.' || b == b'-')
    {
        return None;
    }
    let host_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (host, tail) = rest.split_at(host_end);
    let host = host.rsplit_once('@').map_or(host, |(_, h)| h);
    let host = host.split_once(':').map_or(host, |(h, _)| h);
    let mut host = host.trim_end_matches('.').to_ascii_lowercase();
    for label in ["www.", "m.", "mobile.", "web.", "mbasic.", "touch."] {
        // `m.me` is Messenger's own host, not a mobile `me`.
        if let Some(h) = host.strip_prefix(label).filter(|h| h.contains('.')) {
            host = h.to_owned();
            break;
        }
    }
    let (before_fragment, fragment) = tail.split_once('#').unwrap_or((tail, ""));
    let (path, query) = before_fragment
        .split_once('?')
        .unwrap_or((before_fragment, ""));
    Some(Link {
        scheme,
        host,
        path,
        query,
        fragment,
    })
}

impl Link<'_> {
    fn segments(&self) -> impl Iterator<Item = &str> {
        self.path.split('/').filter(|s| !s.is_empty())
    }

    fn first(&self) -> Option<&str> {
        self.segments().next()
    }

    fn nth(&self, n: usize) -> Option<&str> {
        self.segments().nth(n)
    }

    fn query_param(&self, key: &str) -> Option<&str> {
        self.query
            .split('&')
            .filter_map(|kv| kv.split_once('='))
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v)
    }
}

/// The handle or phone selector of a profile link (`t.me/x`, `wa.me/855…`,
/// `facebook.com/x` …); `None` for links that name no account. A profile link
/// whose account part is malformed (`t.me/ab`) gives the error.
pub(crate) fn from_profile_url(
    s: &str,
    region: Option<Region>,
) -> Option<Result<Selector, SelectorError>> {
    let link = parse_link(s)?;
    let host = link.host.as_str();
    match link.scheme.as_str() {
        "" | "http" | "https" => {}
        "tg" => {
            let name = link.query_param("domain")?;
            return Some(canonical("telegram", name, region));
        }
        "whatsapp" | "viber" => {
            let number = link
                .query_param("phone")
                .or_else(|| link.query_param("number"))?;
            return Some(phone_from_link(number));
        }
        _ => return None,
    }
    match host {
        "t.me" | "telegram.me" | "telegram.dog" => telegram_path(&link, region),
        "wa.me" => {
            let first = link.first()?;
            let number = if first == "c" { link.nth(1)? } else { first };
            is_digits(number.trim_start_matches('+')).then(|| phone_from_link(number))
        }
        "api.whatsapp.com" | "whatsapp.com" => {
            if !link.first()?.eq_ignore_ascii_case("send") {
                return None;
            }
            Some(phone_from_link(link.query_param("phone")?))
        }
        "facebook.com" | "fb.com" | "fb.me" | "m.me" | "messenger.com" => {
            facebook_path(&link, region)
        }
        "line.me" => line_path(&link, region),
        "tiktok.com" => {
            let first = link.first()?;
            let name = first
                .strip_prefix("%40")
                .or_else(|| first.strip_prefix('@'))?;
            Some(canonical("tiktok", name, region))
        }
        "instagram.com" | "instagr.am" => {
            let first = link.first()?;
            let name = match first.to_ascii_lowercase().as_str() {
                "stories" => link.nth(1)?,
                "p" | "reel" | "reels" | "tv" | "explore" | "accounts" | "direct" | "about"
                | "developer" | "legal" | "web" | "challenge" | "s" | "privacy" | "terms" => {
                    return None;
                }
                _ => first,
            };
            Some(canonical("instagram", name, region))
        }
        "x.com" | "twitter.com" => {
            let first = link.first()?;
            match first.to_ascii_lowercase().as_str() {
                "home" | "i" | "intent" | "search" | "hashtag" | "share" | "explore"
                | "settings" | "messages" | "notifications" | "login" | "logout" | "signup"
                | "tos" | "privacy" | "compose" | "about" | "download" | "jobs" | "account" => None,
                _ => Some(canonical("x", first, region)),
            }
        }
        "signal.me" => {
            // `signal.me/#p/+85512345678` shares a number; the username
            // links (`#eu/…`) carry only an opaque hash.
            let number = link.fragment.strip_prefix("p/")?;
            Some(phone_from_link(number))
        }
        _ => {
            // `goodjob_hr.t.me` is a Telegram public-channel link too.
            let name = host.strip_suffix(".t.me")?;
            (!name.contains('.')).then(|| canonical("telegram", name, region))
        }
    }
}

fn is_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// A number in a link is international, with or without its `+` (often
/// percent-encoded as `%2B`).
fn phone_from_link(number: &str) -> Result<Selector, SelectorError> {
    let number = number
        .strip_prefix("%2B")
        .or_else(|| number.strip_prefix("%2b"))
        .unwrap_or(number);
    let digits = number.trim_start_matches('+');
    phone::normalize(&format!("+{digits}"), None)
}

fn telegram_path(
    link: &Link<'_>,
    region: Option<Region>,
) -> Option<Result<Selector, SelectorError>> {
    let first = link.first()?;
    if let Some(rest) = first.strip_prefix('+') {
        // `t.me/+85512345678` opens a chat by number; `t.me/+AbCd…` is an
        // invite link.
        return is_digits(rest).then(|| phone_from_link(first));
    }
    let name = match first.to_ascii_lowercase().as_str() {
        "s" => link.nth(1)?,
        "joinchat" | "addstickers" | "addemoji" | "addtheme" | "setlanguage" | "share"
        | "proxy" | "socks" | "login" | "confirmphone" | "invoice" | "addlist" | "iv" | "bg"
        | "c" | "boost" | "m" | "contact" | "giftcode" | "nft" => return None,
        _ if first.starts_with('$') => return None,
        _ => first,
    };
    Some(canonical("telegram", name, region))
}

fn facebook_path(
    link: &Link<'_>,
    region: Option<Region>,
) -> Option<Result<Selector, SelectorError>> {
    let first = link.first()?;
    let lower = first.to_ascii_lowercase();
    if link.host == "messenger.com" {
        return (lower == "t").then(|| link.nth(1).map(|n| canonical("facebook", n, region)))?;
    }
    let name = match lower.as_str() {
        "profile.php" => link.query_param("id")?,
        "people" => {
            let id = link.nth(2)?;
            is_digits(id).then_some(id)?
        }
        "pages" => {
            let id = link.segments().last()?;
            is_digits(id).then_some(id)?
        }
        "pg" => link.nth(1)?,
        "groups"
        | "events"
        | "watch"
        | "marketplace"
        | "sharer"
        | "sharer.php"
        | "share"
        | "share.php"
        | "photo"
        | "photo.php"
        | "photos"
        | "story.php"
        | "permalink.php"
        | "login"
        | "login.php"
        | "help"
        | "policies"
        | "policy.php"
        | "hashtag"
        | "reel"
        | "reels"
        | "stories"
        | "messages"
        | "gaming"
        | "ads"
        | "business"
        | "l.php"
        | "dialog"
        | "plugins"
        | "home.php"
        | "search"
        | "settings"
        | "notifications"
        | "friends"
        | "bookmarks"
        | "privacy"
        | "legal"
        | "about"
        | "video.php"
        | "videos"
        | "media"
        | "fundraisers"
        | "live"
        | "places"
        | "pages_reaction_units"
        | "tr"
        | "recover"
        | "r.php"
        | "checkpoint"
        | "terms.php"
        | "careers" => return None,
        _ => first,
    };
    Some(canonical("facebook", name, region))
}

fn line_path(link: &Link<'_>, region: Option<Region>) -> Option<Result<Selector, SelectorError>> {
    let mut segments = link.segments().peekable();
    if segments.peek().is_some_and(|s| s.eq_ignore_ascii_case("r")) {
        segments.next();
    }
    let (ti, p, id) = (segments.next()?, segments.next()?, segments.next()?);
    if !ti.eq_ignore_ascii_case("ti") || !p.eq_ignore_ascii_case("p") {
        return None;
    }
    let explicit = id.starts_with(['~', '@', '%']);
    let id = id.strip_prefix("%40").unwrap_or(id);
    // Other `ti/p/` tokens are opaque QR codes, not LINE IDs.
    explicit.then(|| canonical("line", id, region))
}

#[cfg(test)]
mod tests {
    use super::super::{Hint, normalize_one};
    use super::*;
    use proptest::prelude::*;

    fn kh() -> Option<Region> {
        Some("KH".parse().expect("region"))
    }

    #[test]
    fn platform_prefixes() {
        for (head, want) in [
            ("tg", Some("telegram")),
            ("telegram", Some("telegram")),
            ("twitter", Some("x")),
            ("x", Some("x")),
            ("fb", Some("facebook")),
            ("line id", Some("line")),
            ("weixin", Some("wechat")),
            ("ig", Some("instagram")),
            ("wa", Some("whatsapp")),
            ("http", None),
            ("https", None),
            ("mailto", None),
        ] {
            assert_eq!(platform_prefix(head), want, "{head}");
        }
    }

    #[test]
    fn accepts_handles() {
        let cases: &[(&str, Option<&'static str>, &str)] = &[
            ("@GoodJob_HR", Some("telegram"), "telegram:@goodjob_hr"),
            ("goodjob_hr", Some("telegram"), "telegram:@goodjob_hr"),
            (
                "Asia.Dream.Jobs",
                Some("facebook"),
                "facebook:asia.dream.jobs",
            ),
            (
                "100012345678901",
                Some("facebook"),
                "facebook:100012345678901",
            ),
            ("kelvin88", Some("line"), "line:kelvin88"),
            ("@kelvin88", Some("line"), "line:kelvin88"),
            ("~kelvin88", Some("line"), "line:kelvin88"),
            ("Kelvin_88", Some("wechat"), "wechat:kelvin_88"),
            ("@Dream.Jobs", Some("tiktok"), "tiktok:@dream.jobs"),
            ("dream.jobs", Some("tiktok"), "tiktok:@dream.jobs"),
            ("@Dream.Jobs", Some("instagram"), "instagram:dream.jobs"),
            ("@DreamJobs", Some("x"), "x:dreamjobs"),
            ("kelvin.01", Some("signal"), "signal:kelvin.01"),
            ("+855 12 345 678", Some("whatsapp"), "phone:+85512345678"),
            ("012 345 678", Some("whatsapp"), "phone:+85512345678"),
            ("+855 12 345 678", Some("viber"), "phone:+85512345678"),
            ("+855 12 345 678", Some("telegram"), "phone:+85512345678"),
            ("+855 12 345 678", Some("signal"), "phone:+85512345678"),
            (
                "https://t.me/goodjob_hr",
                Some("telegram"),
                "telegram:@goodjob_hr",
            ),
            ("wa.me/85512345678", Some("whatsapp"), "phone:+85512345678"),
            ("Telegram: @GoodJob_HR", None, "telegram:@goodjob_hr"),
            ("telegram @goodjob_hr", None, "telegram:@goodjob_hr"),
            ("tg: @goodjob_hr", None, "telegram:@goodjob_hr"),
            ("Line ID: kelvin88", None, "line:kelvin88"),
            ("WhatsApp +855 12 345 678", None, "phone:+85512345678"),
            ("t.me/goodjob_hr", None, "telegram:@goodjob_hr"),
        ];
        for (input, prefix, want) in cases {
            let got = normalize(input, *prefix, kh());
            assert_eq!(
                got.as_ref().map(Selector::as_str),
                Ok(*want),
                "input {input:?} prefix {prefix:?}"
            );
        }
    }

    #[test]
    fn whatsapp_is_a_phone() {
        let got = normalize("+855 12 345 678", Some("whatsapp"), None).expect("whatsapp");
        assert_eq!(got.kind(), SelectorKind::Phone);
        let got = normalize("@goodjob_hr", Some("telegram"), None).expect("telegram");
        assert_eq!(got.kind(), SelectorKind::Handle);
        assert_eq!(got.prefix(), "telegram");
        assert_eq!(got.value(), "@goodjob_hr");
    }

    #[test]
    fn rejects_handles() {
        let cases: &[(&str, Option<&'static str>, ErrorCode)] = &[
            ("abc", Some("telegram"), ErrorCode::InvalidHandle),
            ("1goodjob", Some("telegram"), ErrorCode::InvalidHandle),
            ("good-job", Some("telegram"), ErrorCode::InvalidHandle),
            (&"a".repeat(33), Some("telegram"), ErrorCode::InvalidHandle),
            ("@", Some("telegram"), ErrorCode::InvalidHandle),
            ("", Some("telegram"), ErrorCode::Empty),
            ("sixteen_chars_xx", Some("x"), ErrorCode::InvalidHandle),
            ("has space", Some("instagram"), ErrorCode::InvalidHandle),
            ("012 345 678", Some("whatsapp"), ErrorCode::MissingRegion),
            ("+855 12", Some("whatsapp"), ErrorCode::InvalidPhone),
            ("@goodjob_hr", None, ErrorCode::InvalidHandle),
            (
                "https://t.me/joinchat/AbCdEf",
                Some("telegram"),
                ErrorCode::InvalidHandle,
            ),
            (
                "https://t.me/goodjob_hr",
                Some("facebook"),
                ErrorCode::InvalidHandle,
            ),
            ("https://example.com/x", None, ErrorCode::InvalidHandle),
        ];
        for (input, prefix, code) in cases {
            let err = normalize(input, *prefix, None).expect_err(input);
            assert_eq!(err.code, *code, "input {input:?}: {}", err.message);
            assert!(!err.message.ends_with('.'), "{}", err.message);
        }
    }

    #[test]
    fn profile_links() {
        let cases: &[(&str, Option<&str>)] = &[
            ("t.me/goodjob_hr", Some("telegram:@goodjob_hr")),
            ("https://t.me/GoodJob_HR/123", Some("telegram:@goodjob_hr")),
            ("https://t.me/s/goodjob_hr", Some("telegram:@goodjob_hr")),
            (
                "https://telegram.me/goodjob_hr",
                Some("telegram:@goodjob_hr"),
            ),
            ("https://goodjob_hr.t.me/", Some("telegram:@goodjob_hr")),
            (
                "tg://resolve?domain=goodjob_hr",
                Some("telegram:@goodjob_hr"),
            ),
            ("https://t.me/+85512345678", Some("phone:+85512345678")),
            ("https://t.me/joinchat/AAAAAE3Xx", None),
            ("https://t.me/+AbCdEfGhIjK", None),
            ("https://t.me/addstickers/pack", None),
            (
                "https://www.facebook.com/asia.dream.jobs",
                Some("facebook:asia.dream.jobs"),
            ),
            (
                "https://m.facebook.com/Asia.Dream.Jobs/posts/123",
                Some("facebook:asia.dream.jobs"),
            ),
            (
                "https://www.facebook.com/profile.php?id=100012345678",
                Some("facebook:100012345678"),
            ),
            (
                "https://www.facebook.com/people/Kelvin-Li/100012345678/",
                Some("facebook:100012345678"),
            ),
            ("https://www.facebook.com/groups/123456789", None),
            ("https://www.facebook.com/events/123456789", None),
            (
                "https://m.me/asia.dream.jobs",
                Some("facebook:asia.dream.jobs"),
            ),
            ("wa.me/85512345678", Some("phone:+85512345678")),
            (
                "https://wa.me/+85512345678?text=hi",
                Some("phone:+85512345678"),
            ),
            (
                "https://api.whatsapp.com/send?phone=85512345678&text=hi",
                Some("phone:+85512345678"),
            ),
            ("https://wa.me/message/ABCDEF", None),
            ("https://chat.whatsapp.com/AbCdEf123", None),
            ("https://line.me/ti/p/~kelvin88", Some("line:kelvin88")),
            ("https://line.me/R/ti/p/@kelvin88", Some("line:kelvin88")),
            ("https://line.me/R/ti/p/%40kelvin88", Some("line:kelvin88")),
            ("https://line.me/ti/p/AbC123xYz", None),
            ("https://line.me/ti/g/AbC123xYz", None),
            (
                "https://www.tiktok.com/@Dream.Jobs/video/123",
                Some("tiktok:@dream.jobs"),
            ),
            ("https://vm.tiktok.com/ZMabc123/", None),
            (
                "https://www.instagram.com/dream.jobs/",
                Some("instagram:dream.jobs"),
            ),
            ("https://www.instagram.com/p/Cabc123/", None),
            ("https://x.com/DreamJobs/status/1", Some("x:dreamjobs")),
            ("https://twitter.com/DreamJobs", Some("x:dreamjobs")),
            ("https://twitter.com/intent/tweet?text=x", None),
            (
                "https://signal.me/#p/+85512345678",
                Some("phone:+85512345678"),
            ),
            (
                "viber://chat?number=%2B85512345678",
                Some("phone:+85512345678"),
            ),
            ("https://example.com/goodjob_hr", None),
            ("https://trade-usdt.vip/login", None),
        ];
        for (input, want) in cases {
            let got = from_profile_url(input, None).map(|r| r.map(Selector::into_string));
            match want {
                Some(w) => assert_eq!(got, Some(Ok((*w).to_owned())), "input {input:?}"),
                None => assert_eq!(got, None, "input {input:?}"),
            }
        }
        let malformed = from_profile_url("https://t.me/ab", None).expect("a profile link");
        assert_eq!(
            malformed.expect_err("too short").code,
            ErrorCode::InvalidHandle
        );
    }

    #[test]
    fn through_the_dispatcher() {
        let got = normalize_one("telegram:@goodjob_hr", &Hint::default()).expect("canonical");
        assert_eq!(got.as_str(), "telegram:@goodjob_hr");
        let got = normalize_one("twitter:@DreamJobs", &Hint::default()).expect("alias");
        assert_eq!(got.as_str(), "x:dreamjobs");
        let got = normalize_one("whatsapp:+855 12 345 678", &Hint::default()).expect("whatsapp");
        assert_eq!(got.as_str(), "phone:+85512345678");
        let got = normalize_one("Telegram @goodjob_hr", &Hint::kind(SelectorKind::Handle))
            .expect("hinted");
        assert_eq!(got.as_str(), "telegram:@goodjob_hr");
    }

    proptest! {
        #[test]
        fn never_panics(s in "\\PC{0,60}", p in proptest::option::of(proptest::sample::select(vec!["telegram", "facebook", "line", "wechat", "tiktok", "instagram", "x", "signal", "whatsapp"]))) {
            let _ = normalize(&s, p, None);
            let _ = from_profile_url(&s, None);
            let _ = split_platform(&s);
        }

        #[test]
        fn never_panics_on_links(host in "(t\\.me|wa\\.me|facebook\\.com|line\\.me|tiktok\\.com|x\\.com|instagram\\.com|signal\\.me)", path in "[/a-zA-Z0-9_.~@%+?=&#-]{0,30}") {
            let _ = from_profile_url(&format!("https://{host}/{path}"), None);
        }

        #[test]
        fn idempotent(h in "@?[a-zA-Z][a-zA-Z0-9_.]{0,33}", p in proptest::sample::select(vec!["telegram", "facebook", "line", "wechat", "tiktok", "instagram", "x", "signal"])) {
            if let Ok(sel) = normalize(&h, Some(p), None) {
                let again = normalize_one(sel.as_str(), &Hint::default()).expect("canonical renormalises");
                prop_assert_eq!(again, sel);
            }
        }
    }
}
