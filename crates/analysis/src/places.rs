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

/// The centre (latitude, longitude) of a site written as its cell, the way
/// compounds are named (`8965…fff`); `None` when the text is not a cell of a
/// site's resolution.
pub fn site_centre(cell: &str) -> Option<(f64, f64)> {
    let cell: h3o::CellIndex = cell.parse().ok()?;
    (cell.resolution() == SITE).then(|| {
        let centre = LatLng::from(cell);
        (centre.lat(), centre.lng())
    })
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
        let (lat, lon) = site_centre(&a.to_string()).unwrap();
        assert_eq!(site(lat, lon), Some(a));
        assert_eq!(
            site_centre(&a.parent(Resolution::Eight).unwrap().to_string()),
            None
        );
        assert_eq!(site_centre("not a cell"), None);
        assert_ne!(a, far);
        assert_eq!(site_key(16.6087, 98.5212).unwrap(), format!("site:{a}"));
        assert!(site(91.0, 0.0).is_none());
        assert!(site(f64::NAN, 0.0).is_none());
    }
}
