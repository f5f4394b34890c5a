//! Pay stated in an advert, as US dollars a month, against typical pay in
//! the job seeker's country.
//!
//! DOMAIN.md's red flag is "pay far above the norm for the applicant's
//! country": a lure offers an unskilled worker several times what they
//! could earn at home. Amounts are read with their currency
//! (`data/currencies.tsv`: symbols, codes and words in the languages the
//! adverts are written in), their multiplier ("60k", "4 jt", "8 triệu",
//! "laki 2") and their period (an hour, a day, a year; a month when none
//! is said), and compared with the country's typical monthly income
//! (`data/wages.tsv`).

use std::collections::BTreeMap;
use std::sync::OnceLock;

use regex::Regex;
use serde::Serialize;

/// An amount of pay found in a text.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Pay {
    /// The words as they stand in the text.
    pub words: String,
    pub start: usize,
    pub end: usize,
    /// ISO 4217 (or USDT).
    pub currency: String,
    /// US dollars a month.
    pub monthly_usd: f64,
}

/// The highest pay an advert offers, against the norm of the job seeker's
/// country.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Offer {
    pub pay: Pay,
    /// The country whose typical income it was compared with.
    pub country: String,
    pub typical_monthly_usd: f64,
    /// How many times the typical income.
    pub ratio: f64,
}

#[derive(Debug)]
struct Currency {
    code: String,
    usd_per_unit: f64,
    home: Option<String>,
}

#[derive(Debug)]
struct Tables {
    currencies: Vec<Currency>,
    /// Token to currency index.
    tokens: BTreeMap<String, usize>,
    /// Lowercased token to currency index, for word tokens.
    words: BTreeMap<String, usize>,
    /// Country to (currency, typical monthly USD).
    wages: BTreeMap<String, (String, f64)>,
    amount: Regex,
    /// A currency token just before an amount.
    before: Regex,
}

/// Written the same for several currencies: the job seeker's own one when
/// it is among them, else the first.
const FAMILIES: [(&str, &[&str]); 4] = [
    ("rupee", &["INR", "LKR", "NPR", "PKR"]),
    ("shilling", &["KES", "UGX", "TZS"]),
    ("peso", &["PHP", "COP"]),
    ("yen", &["JPY", "CNY"]),
];

/// Family tokens, not in the currency table since they name no single
/// currency.
const FAMILY_TOKENS: [(&str, &str); 9] = [
    ("Rs", "rupee"),
    ("Rs.", "rupee"),
    ("rupees", "rupee"),
    ("shillings", "shilling"),
    ("shilingi", "shilling"),
    ("Sh", "shilling"),
    ("pesos", "peso"),
    ("peso", "peso"),
    ("¥", "yen"),
];

fn tables() -> &'static Tables {
    static TABLES: OnceLock<Tables> = OnceLock::new();
    TABLES.get_or_init(|| {
        parse_tables(
            include_str!("../data/currencies.tsv"),
            include_str!("../data/wages.tsv"),
        )
        .unwrap_or_else(|e| panic!("the pay tables are shipped valid: {e}"))
    })
}

/// The rows of one of the pay tables, errors prefixed with its file.
fn rows<'a>(
    text: &'a str,
    header: &[&str],
    file: &str,
) -> Result<Vec<(usize, Vec<&'a str>)>, String> {
    crate::tsv::rows(text, header).map_err(|e| format!("{file} {e}"))
}

fn parse_tables(currencies: &str, wages: &str) -> Result<Tables, String> {
    let mut t = Tables {
        currencies: Vec::new(),
        tokens: BTreeMap::new(),
        words: BTreeMap::new(),
        wages: BTreeMap::new(),
        amount: Regex::new("$^").expect("valid"),
        before: Regex::new("$^").expect("valid"),
    };
    let header = ["currency", "usd_per_unit", "home", "tokens"];
    for (n, cols) in rows(currencies, &header, "currencies.tsv")? {
        let rate: f64 = cols[1]
            .parse()
            .ok()
            .filter(|r: &f64| *r > 0.0)
            .ok_or(format!("currencies.tsv line {n}: bad rate '{}'", cols[1]))?;
        let index = t.currencies.len();
        for token in cols[3].split('|').filter(|s| !s.is_empty()) {
            if is_symbolic(token) {
                t.tokens.insert(token.to_owned(), index);
            } else {
                t.words.insert(token.to_lowercase(), index);
            }
        }
        t.currencies.push(Currency {
            code: cols[0].to_owned(),
            usd_per_unit: rate,
            home: (!cols[2].is_empty()).then(|| cols[2].to_owned()),
        });
    }
    let header = [
        "country",
        "currency",
        "typical_monthly_usd",
        "basis",
        "year",
    ];
    for (n, cols) in rows(wages, &header, "wages.tsv")? {
        let usd: f64 = cols[2]
            .parse()
            .ok()
            .filter(|r: &f64| *r > 0.0)
            .ok_or(format!("wages.tsv line {n}: bad income '{}'", cols[2]))?;
        t.wages
            .insert(cols[0].to_owned(), (cols[1].to_owned(), usd));
    }
    let mut all: Vec<String> = t
        .tokens
        .keys()
        .chain(t.words.keys())
        .map(|s| s.to_owned())
        .chain(FAMILY_TOKENS.iter().map(|(s, _)| (*s).to_owned()))
        .collect();
    // Longest first: "US$" before "$", "NT$" before "$".
    all.sort_by_key(|s| std::cmp::Reverse(s.chars().count()));
    all.dedup();
    let tokens = all
        .iter()
        .map(|s| {
            let body = if is_symbolic(s) {
                regex::escape(s)
            } else {
                format!("(?i:{})", regex::escape(s))
            };
            // "Sh" is no shilling in "Shah Alam".
            if s.ends_with(|c: char| c.is_ascii_alphabetic()) {
                format!("{body}\\b")
            } else {
                body
            }
        })
        .collect::<Vec<_>>()
        .join("|");
    let pattern = format!(
        r"(?x)
        (?P<num>\d{{1,2}}(?:,\d{{2}})+,\d{{3}}|\d{{1,3}}(?:[,.\u{{202F}}\ ]\d{{3}})+|\d+(?:[.,]\d{{1,2}})?)
        (?:\s?[-–~]\s?(?P<upto>\d{{1,3}}(?:[,.\u{{202F}}\ ]\d{{3}})+|\d+(?:[.,]\d{{1,2}})?))?
        \s?(?P<mult>(?i:k|juta|jt|triệu|tr|million|milioni|mil|laki|lakh|ribu|rb)\b|หมื่น|แสน)?
        \s?(?P<post>{tokens})?\+?
        (?P<per>\s?(?:/|per|a|an|kwa|se|ต่อ)?\s?(?i:hour|hr|h|day|month|mo|mth|year|yr|annum|bulan|jam|hari|tahun|mwezi|siku|mwaka|saa|araw|buwan|tháng|ngày|năm|giờ)\b|\s?/?(?:เดือน|วัน|ปี|ชั่วโมง))?"
    );
    // The amount pattern starts at a digit, so that the search skips
    // everything else at once; a currency written before the amount is
    // looked for just before it.
    t.amount = Regex::new(&pattern).map_err(|e| format!("the amount pattern: {e}"))?;
    t.before = Regex::new(&format!(r"(?:{tokens})\s?$"))
        .map_err(|e| format!("the currency pattern: {e}"))?;
    Ok(t)
}

/// Codes and symbols match as written; words ignore case.
fn is_symbolic(token: &str) -> bool {
    !token.chars().any(|c| c.is_lowercase())
}

/// A number as adverts write it: "1,800", "1.800" and "1 800" are
/// thousands; "2,5" and "2.5" are decimals.
fn number(text: &str) -> Option<f64> {
    let groups: Vec<&str> = text.split([',', '.', ' ', '\u{202F}']).collect();
    let thousands = groups[1..].iter().all(|g| g.len() == 3);
    // Indian digit grouping: "1,60,000" is 160,000.
    let lakhs = groups.len() > 2
        && groups.last().is_some_and(|g| g.len() == 3)
        && groups[1..groups.len() - 1].iter().all(|g| g.len() == 2);
    if groups.len() > 1 && (thousands || lakhs) {
        return groups.concat().parse().ok();
    }
    text.replace(',', ".").parse().ok()
}

fn multiplier(word: &str) -> f64 {
    match word.to_lowercase().as_str() {
        "k" | "ribu" | "rb" => 1e3,
        "หมื่น" => 1e4,
        "laki" | "lakh" | "แสน" => 1e5,
        "juta" | "jt" | "triệu" | "tr" | "million" | "milioni" | "mil" => 1e6,
        _ => 1.0,
    }
}

/// Months in one period of pay.
fn per_month(period: &str) -> f64 {
    let p = period.to_lowercase();
    let last = p
        .split(|c: char| !c.is_alphabetic())
        .rfind(|w| !w.is_empty())
        .unwrap_or("");
    let ends = |words: &[&str]| words.contains(&last);
    if ends(&["hour", "hr", "h", "jam", "saa", "giờ", "ชั่วโมง"]) {
        // 8 hours, 26 days.
        208.0
    } else if ends(&["day", "hari", "siku", "araw", "ngày", "วัน"]) {
        26.0
    } else if ends(&["year", "yr", "annum", "tahun", "mwaka", "năm", "ปี"]) {
        1.0 / 12.0
    } else {
        1.0
    }
}

/// The currency a token names, for a job seeker of `origin`.
fn currency_of(t: &Tables, token: &str, origin: Option<&str>) -> Option<usize> {
    if let Some(&i) = t.tokens.get(token) {
        return Some(i);
    }
    if let Some(&i) = t.words.get(&token.to_lowercase()) {
        return Some(i);
    }
    let family = FAMILY_TOKENS.iter().find(|(s, _)| *s == token)?.1;
    let codes = FAMILIES.iter().find(|(f, _)| *f == family)?.1;
    let own = origin.and_then(|o| t.wages.get(o)).map(|(c, _)| c.as_str());
    let code = codes.iter().find(|c| Some(**c) == own).unwrap_or(&codes[0]);
    t.currencies.iter().position(|c| c.code == *code)
}

/// Every amount of pay in `text` with a currency; `origin` (ISO 3166-1
/// alpha-2) settles currencies written alike ("Rs", "shillings").
pub fn amounts(text: &str, origin: Option<&str>) -> Vec<Pay> {
    let t = tables();
    let mut out = Vec::new();
    for caps in t.amount.captures_iter(text) {
        let whole = caps.get(0).expect("match");
        let num = caps.name("num").expect("always captured");
        let mut back = num.start().saturating_sub(12);
        while !text.is_char_boundary(back) {
            back -= 1;
        }
        let pre = t.before.find(&text[back..num.start()]).map(|m| {
            let token = m.as_str().trim_end();
            (back + m.start(), token)
        });
        // A number inside a word or a longer number is no amount.
        let before = text[..num.start()].chars().next_back();
        if before.is_some_and(|c| c.is_alphanumeric()) && pre.is_none() {
            continue;
        }
        let mult = caps.name("mult").map_or(1.0, |m| multiplier(m.as_str()));
        let token = pre.map(|p| p.1).or(caps.name("post").map(|m| m.as_str()));
        let currency = match token {
            Some(token) => currency_of(t, token, origin),
            // "4 jt" is rupiah and "8 triệu" dong without a currency.
            None => match caps.name("mult").map(|m| m.as_str().to_lowercase()) {
                Some(m) if m == "juta" || m == "jt" => currency_of(t, "IDR", origin),
                Some(m) if m == "triệu" || m == "tr" => currency_of(t, "VND", origin),
                _ => None,
            },
        };
        let Some(currency) = currency else {
            continue;
        };
        let Some(low) = number(num.as_str()) else {
            continue;
        };
        let high = caps.name("upto").and_then(|m| number(m.as_str()));
        let amount = high.unwrap_or(low).max(low) * mult;
        let period = caps.name("per").map_or(1.0, |m| per_month(m.as_str()));
        let c = &t.currencies[currency];
        let start = pre.map_or(num.start(), |p| p.0);
        let words = text[start..whole.end()].trim_end();
        out.push(Pay {
            words: words.to_owned(),
            start,
            end: start + words.len(),
            currency: c.code.clone(),
            monthly_usd: amount * c.usd_per_unit * period,
        });
    }
    out
}

/// The highest pay offered against typical income in `origin`, or in the
/// home country of the pay's currency when the job seeker's country is not
/// known; `None` when no amount or no norm is found.
pub fn offer(text: &str, origin: Option<&str>) -> Option<Offer> {
    let t = tables();
    let pay = amounts(text, origin)
        .into_iter()
        .max_by(|a, b| a.monthly_usd.total_cmp(&b.monthly_usd))?;
    let country = match origin {
        Some(o) if t.wages.contains_key(o) => o.to_owned(),
        _ => t
            .currencies
            .iter()
            .find(|c| c.code == pay.currency)?
            .home
            .clone()
            .filter(|h| t.wages.contains_key(h))?,
    };
    let typical = t.wages[&country].1;
    Some(Offer {
        ratio: pay.monthly_usd / typical,
        country,
        typical_monthly_usd: typical,
        pay,
    })
}

/// Countries with a typical income in the table.
pub fn countries() -> impl Iterator<Item = &'static str> {
    tables().wages.keys().map(String::as_str)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn usd(text: &str, origin: Option<&str>) -> Vec<(String, u64)> {
        amounts(text, origin)
            .into_iter()
            .map(|p| (p.currency, p.monthly_usd.round() as u64))
            .collect()
    }

    #[test]
    fn amounts_are_read_with_currency_multiplier_and_period() {
        assert_eq!(usd("Salary US$1,500/month", None), [("USD".into(), 1500)]);
        assert_eq!(usd("₱60k. Free flight", None), [("PHP".into(), 1050)]);
        assert_eq!(usd("LKR 350,000/month", None), [("LKR".into(), 1155)]);
        assert_eq!(usd("20,000 RMB/month", None), [("CNY".into(), 2780)]);
        assert_eq!(usd("เงินเดือน 60,000 บาท", None), [("THB".into(), 1740)]);
        assert_eq!(usd("Gaji 4 jt + makan", None), [("IDR".into(), 248)]);
        assert_eq!(usd("Lương 7–9 triệu", None), [("VND".into(), 351)]);
        assert_eq!(usd("AUD 28/hr", None), [("AUD".into(), 3844)]);
        assert_eq!(usd("₱500/araw", None), [("PHP".into(), 228)]);
        assert_eq!(usd("£28,000+ kwa mwaka", None), [("GBP".into(), 2963)]);
        assert_eq!(
            usd("Gaji Rp 5.000.000 per bulan", None),
            [("IDR".into(), 310)]
        );
        assert_eq!(usd("1200$ monthly", None), [("USD".into(), 1200)]);
        assert_eq!(usd("₹1,60,000 salary", None), [("INR".into(), 1920)]);
    }

    #[test]
    fn currencies_written_alike_follow_the_job_seeker() {
        assert_eq!(usd("Rs 150,000", Some("LK")), [("LKR".into(), 495)]);
        assert_eq!(usd("Rs 150,000", Some("IN")), [("INR".into(), 1800)]);
        assert_eq!(usd("shillings 90,000", Some("UG")), [("UGX".into(), 24)]);
    }

    #[test]
    fn phone_numbers_and_dates_are_no_pay() {
        assert!(amounts("Call 0812 555 0199 before 30 June, age 18-35", None).is_empty());
        assert!(amounts("WhatsApp +254 722 555 019", None).is_empty());
    }

    #[test]
    fn an_offer_is_weighed_against_the_job_seekers_country() {
        let o = offer("KES 180,000 per month", Some("KE")).unwrap();
        assert_eq!(o.country, "KE");
        assert!(o.ratio > 5.0, "{o:?}");
        // Without the job seeker's country, the currency's home stands in.
        assert_eq!(offer("₱18,000 a month", None).unwrap().country, "PH");
        let local = offer("₱18,000 a month", None).unwrap();
        assert!(local.ratio < 1.5, "{local:?}");
        assert!(offer("USDT 2000", None).is_none(), "no home, no norm");
        assert!(offer("no pay stated", Some("KE")).is_none());
    }

    #[test]
    fn the_tables_parser_names_the_bad_line() {
        let w = "country\tcurrency\ttypical_monthly_usd\tbasis\tyear\n";
        let c = "currency\tusd_per_unit\thome\ttokens\n";
        let err = parse_tables(&format!("{c}USD\tx\tUS\t$\n"), w).unwrap_err();
        assert_eq!(err, "currencies.tsv line 2: bad rate 'x'");
        let err = parse_tables(c, &format!("{w}KE\tKES\t0\tb\t2023\n")).unwrap_err();
        assert_eq!(err, "wages.tsv line 2: bad income '0'");
        assert!(parse_tables("nope\n", w).unwrap_err().contains("header"));
    }
}
