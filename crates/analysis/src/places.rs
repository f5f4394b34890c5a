//! Where reports put things: coordinates resolved to sites, H3 cells of
//! resolution 9 (about 0.1 km², some 175 m across), the size of a
//! compound's grounds.
//!
//! A site links the reports that locate something there as a selector
//! does: a rescue request giving the compound a worker is held in and the
//! intelligence on that compound name the same site, though they share no
//! phone or wallet. A site several networks operate from is shared
//! infrastructure and found as such ([`crate::networks`]).

use h3o::{LatLng, Resolution};

/// The resolution of a site.
pub const SITE: Resolution = Resolution::Nine;

/// The site of a point, when the coordinates are a point on Earth.
pub fn site(lat: f64, lon: f64) -> Option<h3o::CellIndex> {
    if !((-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lon)) {
        return None;
    }
    LatLng::new(lat, lon).ok().map(|p| p.to_cell(SITE))
}

/// A site as a linking key beside the canonical selectors: `site:<cell>`.
pub fn site_key(lat: f64, lon: f64) -> Option<String> {
    site(lat, lon).map(|cell| format!("site:{cell}"))
}

/// Compounds a narrative names: a quoted name that the words just before
/// call a compound or a site ("held at 'Golden Lotus Park' near
/// Myawaddy", "the site known as 'Jinbei'"), as keys `named:<name>`, with
/// the first gazetteer place the narrative mentions when it mentions one
/// (`named:golden lotus park@myawaddy`): two compounds of one name in two
/// towns are two keys. A named compound links reports as a site does; a
/// rescue request often names where the worker is held without giving
/// coordinates.
pub fn named_compounds(narrative: &str) -> Vec<String> {
    const CUES: [&str; 5] = ["compound", "site", "held at", "known as", "detained at"];
    let town = crate::gazetteer::Gazetteer::shipped()
        .mentions(narrative)
        .first()
        .map(|p| p.name.to_lowercase());
    let mut out = Vec::new();
    let mut rest = narrative;
    let mut at = 0usize;
    while let Some(open) = rest.find(['\'', '"', '‘', '“']) {
        let quote = rest[open..].chars().next().expect("found a char there");
        let close_with = match quote {
            '‘' => '’',
            '“' => '”',
            q => q,
        };
        let inner_start = open + quote.len_utf8();
        let Some(len) = rest[inner_start..].find(close_with) else {
            break;
        };
        let name = rest[inner_start..inner_start + len].trim();
        // The two dozen characters before the quote.
        let head = &narrative[..at + open];
        let from = head.char_indices().rev().nth(23).map_or(0, |(i, _)| i);
        let before = head[from..].to_lowercase();
        let named = (3..=60).contains(&name.chars().count())
            && name.chars().next().is_some_and(char::is_uppercase)
            && CUES.iter().any(|c| before.contains(c));
        if named {
            let name = name.to_lowercase();
            let key = match &town {
                Some(t) => format!("named:{name}@{t}"),
                None => format!("named:{name}"),
            };
            if !out.contains(&key) {
                out.push(key);
            }
        }
        let next = inner_start + len + close_with.len_utf8();
        at += next;
        rest = &rest[next..];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn points_of_one_compound_share_a_site_and_a_town_does_not() {
        // Two corners of one compound's grounds, 60 m apart, and a point
        // 2 km away in the same town.
        let a = site(16.6087, 98.5212).unwrap();
        let b = site(16.6090, 98.5216).unwrap();
        let far = site(16.6260, 98.5300).unwrap();
        assert_eq!(a, b);
        assert_ne!(a, far);
        assert_eq!(site_key(16.6087, 98.5212).unwrap(), format!("site:{a}"));
        assert!(site(91.0, 0.0).is_none());
        assert!(site(f64::NAN, 0.0).is_none());
    }

    #[test]
    fn a_quoted_compound_name_is_a_key_with_its_town() {
        assert_eq!(
            named_compounds("NGO hotline: a worker held at 'Golden Lotus Park' near Myawaddy."),
            ["named:golden lotus park@myawaddy"]
        );
        assert_eq!(
            named_compounds(
                "Compound \u{201c}Jinbei\u{201d}: 300 workers. The site known as 'Jinbei' again."
            ),
            ["named:jinbei"]
        );
        // A quoted phrase that nothing calls a compound is not one; nor is
        // a lowercase or overlong one.
        assert!(named_compounds("He said 'Help me' near Poipet.").is_empty());
        assert!(named_compounds("held at 'the big one' in Bavet").is_empty());
        assert!(named_compounds("held at 'unterminated").is_empty());
        // Text whose lowercase is longer than itself does not upset it.
        assert_eq!(
            named_compounds("İİİİİİİİİİ İİİ held at 'Kİng Park'"),
            ["named:ki\u{307}ng park"]
        );
    }

    proptest::proptest! {
        #[test]
        fn any_narrative_is_read_without_panicking(text in "\\PC{0,80}") {
            for key in named_compounds(&text) {
                proptest::prop_assert!(key.starts_with("named:"));
            }
        }
    }
}
