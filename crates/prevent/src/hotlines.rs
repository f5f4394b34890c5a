//! Where a job seeker of each country can check an offer or get help
//! (`data/hotlines.tsv`, each entry with its source in the file's
//! comments; numbers not confirmed by a source are left empty there,
//! never guessed).

use std::sync::OnceLock;

use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Hotline {
    /// ISO 3166-1 alpha-2.
    pub country: String,
    pub name: String,
    /// Empty when no source confirmed one.
    pub phone: String,
    pub url: String,
    /// ISO 639-1 codes it answers in (`fil` for Filipino).
    pub languages: Vec<String>,
}

fn all() -> &'static [Hotline] {
    static HOTLINES: OnceLock<Vec<Hotline>> = OnceLock::new();
    HOTLINES.get_or_init(|| {
        parse(include_str!("../data/hotlines.tsv"))
            .unwrap_or_else(|e| panic!("data/hotlines.tsv is shipped valid: {e}"))
    })
}

fn parse(text: &str) -> Result<Vec<Hotline>, String> {
    let header = ["country", "name", "phone", "url", "languages"];
    let mut out = Vec::new();
    for (n, cols) in crate::tsv::rows(text, &header)? {
        let [country, name, phone, url, languages] = cols[..] else {
            unreachable!("rows have the header's columns");
        };
        // A body with no confirmed number or address is still worth
        // naming: the job seeker can ask for it by name.
        if country.len() != 2 || name.is_empty() {
            return Err(format!("line {n}: a hotline needs a country and a name"));
        }
        out.push(Hotline {
            country: country.to_owned(),
            name: name.to_owned(),
            phone: phone.to_owned(),
            url: url.to_owned(),
            languages: languages.split(',').map(str::to_owned).collect(),
        });
    }
    Ok(out)
}

/// The hotlines of a country, in file order.
pub fn of(country: &str) -> Vec<&'static Hotline> {
    all().iter().filter(|h| h.country == country).collect()
}

/// Countries with at least one hotline, sorted.
pub fn countries() -> Vec<&'static str> {
    let mut c: Vec<&str> = all().iter().map(|h| h.country.as_str()).collect();
    c.sort_unstable();
    c.dedup();
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origin_countries_of_the_check_have_hotlines() {
        for c in ["ID", "PH", "TH", "KE"] {
            assert!(!of(c).is_empty(), "{c}");
        }
        assert!(of("ID").iter().any(|h| h.phone == "0800-1000"));
        assert!(countries().len() >= 8);
    }

    #[test]
    fn the_parser_names_the_bad_line() {
        let head = "country\tname\tphone\turl\tlanguages\n";
        assert!(
            parse(&format!("{head}KEN\tx\t\t\ten\n"))
                .unwrap_err()
                .starts_with("line 2")
        );
        assert!(
            parse(&format!("{head}KE\tx\n"))
                .unwrap_err()
                .contains("5 columns")
        );
    }
}
