//! The IBAN registry: each country's IBAN length and BBAN structure, read
//! from `data/iban_registry.tsv`.
//!
//! The table is data, not code, so that a registry update is a reviewed
//! diff of facts. It is parsed once, on first use, into a lookup indexed by
//! the country code.

use std::sync::LazyLock;

const REGISTRY_TSV: &str = include_str!("../../../data/iban_registry.tsv");

static REGISTRY: LazyLock<Registry> = LazyLock::new(|| Registry::parse(REGISTRY_TSV));

/// The registry parsed from the shipped table.
pub(crate) fn registry() -> &'static Registry {
    &REGISTRY
}

/// What a BBAN position may hold (ISO 13616 notation).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CharClass {
    /// `n`: a digit.
    Digit,
    /// `a`: an uppercase letter.
    Letter,
    /// `c`: a letter or a digit.
    Alnum,
}

impl CharClass {
    fn from_code(c: u8) -> Option<CharClass> {
        match c {
            b'n' => Some(CharClass::Digit),
            b'a' => Some(CharClass::Letter),
            b'c' => Some(CharClass::Alnum),
            _ => None,
        }
    }

    pub(crate) fn admits(self, c: u8) -> bool {
        match self {
            CharClass::Digit => c.is_ascii_digit(),
            CharClass::Letter => c.is_ascii_uppercase(),
            CharClass::Alnum => c.is_ascii_digit() || c.is_ascii_uppercase(),
        }
    }

    pub(crate) fn describe(self) -> &'static str {
        match self {
            CharClass::Digit => "a digit",
            CharClass::Letter => "a letter",
            CharClass::Alnum => "a letter or digit",
        }
    }
}

/// Where a country's IBAN format comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Status {
    /// Its own entry in the SWIFT IBAN registry.
    Registry,
    /// Covered by another country's SWIFT registry entry (French overseas
    /// territories under FR, Åland under FI, the Crown Dependencies under GB).
    Territory,
    /// A national extension: IBANs issued there, not in the SWIFT registry.
    National,
}

/// One country's IBAN format.
#[derive(Debug, Clone)]
pub(crate) struct IbanFormat {
    pub(crate) country: [u8; 2],
    pub(crate) length: usize,
    /// The BBAN structure as written in the registry, e.g. `8!n10!n`.
    pub(crate) bban_spec: String,
    /// The class of each BBAN position.
    pub(crate) bban: Vec<CharClass>,
    pub(crate) status: Status,
    pub(crate) name: String,
}

/// The parsed table.
#[derive(Debug)]
pub(crate) struct Registry {
    formats: Vec<IbanFormat>,
    /// `formats` index by `(c0 - 'A') * 26 + (c1 - 'A')`; `u16::MAX` when absent.
    index: Box<[u16; 26 * 26]>,
    /// Lines that did not parse; a unit test requires none.
    pub(crate) problems: Vec<String>,
}

impl Registry {
    fn parse(tsv: &str) -> Registry {
        let mut registry = Registry {
            formats: Vec::new(),
            index: Box::new([u16::MAX; 26 * 26]),
            problems: Vec::new(),
        };
        for (n, line) in tsv.lines().enumerate() {
            if line.is_empty() || line.starts_with('#') || line.starts_with("country\t") {
                continue;
            }
            match parse_line(line) {
                Ok(format) => {
                    let slot = slot(format.country);
                    match slot {
                        Some(i) if registry.index[i] == u16::MAX => {
                            registry.index[i] = registry.formats.len() as u16;
                            registry.formats.push(format);
                        }
                        _ => registry
                            .problems
                            .push(format!("line {}: duplicate or bad country", n + 1)),
                    }
                }
                Err(why) => registry.problems.push(format!("line {}: {why}", n + 1)),
            }
        }
        registry
    }

    /// The format of `country` (two uppercase ASCII letters), if it uses IBAN.
    pub(crate) fn get(&self, country: [u8; 2]) -> Option<&IbanFormat> {
        let i = slot(country)?;
        self.formats.get(usize::from(self.index[i]))
    }

    #[cfg(test)]
    pub(crate) fn formats(&self) -> &[IbanFormat] {
        &self.formats
    }
}

fn slot(country: [u8; 2]) -> Option<usize> {
    let [a, b] = country;
    (a.is_ascii_uppercase() && b.is_ascii_uppercase())
        .then(|| usize::from(a - b'A') * 26 + usize::from(b - b'A'))
}

fn parse_line(line: &str) -> Result<IbanFormat, String> {
    let fields: Vec<&str> = line.split('\t').collect();
    let [country, length, spec, status, _parent, name] = fields[..] else {
        return Err(format!(
            "expected 6 tab-separated fields, found {}",
            fields.len()
        ));
    };
    let country: [u8; 2] = country
        .as_bytes()
        .try_into()
        .ok()
        .filter(|c: &[u8; 2]| c.iter().all(u8::is_ascii_uppercase))
        .ok_or_else(|| format!("bad country code '{country}'"))?;
    let length: usize = length
        .parse()
        .map_err(|_| format!("bad length '{length}'"))?;
    let bban = parse_spec(spec)?;
    if bban.len() + 4 != length {
        return Err(format!(
            "bban spec {spec} has {} positions but the length is {length}",
            bban.len()
        ));
    }
    let status = match status {
        "registry" => Status::Registry,
        "territory" => Status::Territory,
        "national" => Status::National,
        other => return Err(format!("bad status '{other}'")),
    };
    Ok(IbanFormat {
        country,
        length,
        bban_spec: spec.to_owned(),
        bban,
        status,
        name: name.to_owned(),
    })
}

/// Expands an ISO 13616 structure such as `4!a6!n8!n` into one class per
/// position. Only fixed-length groups (`!`) occur in the registry.
fn parse_spec(spec: &str) -> Result<Vec<CharClass>, String> {
    let mut out = Vec::new();
    let mut rest = spec.as_bytes();
    while !rest.is_empty() {
        let digits = rest.iter().take_while(|c| c.is_ascii_digit()).count();
        let count: usize = std::str::from_utf8(&rest[..digits])
            .ok()
            .and_then(|d| d.parse().ok())
            .ok_or_else(|| format!("bad group count in '{spec}'"))?;
        let (Some(b'!'), Some(&code)) = (rest.get(digits), rest.get(digits + 1)) else {
            return Err(format!(
                "only fixed-length groups like 8!n are supported, in '{spec}'"
            ));
        };
        let class = CharClass::from_code(code).ok_or_else(|| format!("bad class in '{spec}'"))?;
        out.extend(std::iter::repeat_n(class, count));
        rest = &rest[digits + 2..];
    }
    if out.is_empty() || out.len() > 30 {
        return Err(format!("bban spec '{spec}' has {} positions", out.len()));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_table_parses_completely() {
        let r = registry();
        assert!(r.problems.is_empty(), "{:?}", r.problems);
        let count = |s: Status| r.formats().iter().filter(|f| f.status == s).count();
        assert_eq!(count(Status::Registry), 89);
        assert_eq!(count(Status::Territory), 16);
        assert_eq!(count(Status::National), 22);
    }

    #[test]
    fn known_formats() {
        let r = registry();
        let de = r.get(*b"DE").expect("DE");
        assert_eq!(
            (de.length, de.bban_spec.as_str(), de.status),
            (22, "8!n10!n", Status::Registry)
        );
        let pk = r.get(*b"PK").expect("PK");
        assert_eq!((pk.length, pk.status), (24, Status::Registry));
        assert_eq!(r.get(*b"NO").map(|f| f.length), Some(15));
        assert_eq!(r.get(*b"RU").map(|f| f.length), Some(33));
        // Francophone Africa and the other national extensions.
        for cc in [
            *b"MA", *b"SN", *b"CI", *b"CM", *b"MG", *b"BJ", *b"BF", *b"ML", *b"NE", *b"TG", *b"GA",
            *b"CG", *b"TD", *b"CF", *b"GQ", *b"KM", *b"DZ", *b"IR", *b"GW", *b"AO", *b"CV", *b"MZ",
        ] {
            assert_eq!(
                r.get(cc).map(|f| f.status),
                Some(Status::National),
                "{cc:?}"
            );
        }
        assert_eq!(r.get(*b"DJ").map(|f| f.status), Some(Status::Registry));
        assert_eq!(r.get(*b"GF").map(|f| f.status), Some(Status::Territory));
        for none in [*b"US", *b"KH", *b"TH", *b"CN", *b"ZZ"] {
            assert!(r.get(none).is_none(), "{none:?}");
        }
    }

    #[test]
    fn rejects_malformed_lines() {
        let bad = Registry::parse(
            "XX\t10\t6!n\tregistry\t-\tA\nYY\t10\t6n\tregistry\t-\tB\nZZ\t10\t6!x\tregistry\t-\tC\nAB\t10\t6!n\n\
             AC\t10\t6!n\tother\t-\tD\nAD\t10\t6!n\tregistry\t-\tE\nAD\t10\t6!n\tregistry\t-\tF\n",
        );
        assert_eq!(bad.formats().len(), 2, "{:?}", bad.problems);
        assert_eq!(bad.problems.len(), 5, "{:?}", bad.problems);
    }
}
