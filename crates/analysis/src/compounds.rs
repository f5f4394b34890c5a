//! Compounds: the sites that reports locate, with what they say of each.
//!
//! A compound is a site ([`crate::places`]) that at least `min_reports`
//! reports locate: intelligence on the compound, rescue requests from
//! workers held there. Each comes with the place names its reports give,
//! the reports themselves, and the networks those reports belong to (how
//! many reports of each), which link the compound to the organisations
//! operating there: one, or several sharing the grounds.

use std::collections::{BTreeMap, HashMap};

use h3o::{CellIndex, LatLng};

use crate::{places, ranked};

/// A report that gives coordinates.
#[derive(Debug, Clone, PartialEq)]
pub struct Located {
    /// The report's index, as the networks number reports.
    pub report: u32,
    pub lat: f64,
    pub lon: f64,
    pub place: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Compound {
    pub site: CellIndex,
    /// The centre of the site.
    pub lat: f64,
    pub lon: f64,
    /// Place names its reports give, most given first.
    pub places: Vec<(String, usize)>,
    pub reports: Vec<u32>,
    /// Networks of its reports, most reports first.
    pub networks: Vec<(u32, usize)>,
}

/// The compounds that `located` reports point at; `network_of` gives each
/// report's network. Most reports first, then by site.
pub fn compounds(
    located: &[Located],
    network_of: &[Option<u32>],
    min_reports: usize,
) -> Vec<Compound> {
    let mut by_site: HashMap<CellIndex, Vec<&Located>> = HashMap::new();
    for l in located {
        if let Some(site) = places::site(l.lat, l.lon) {
            by_site.entry(site).or_default().push(l);
        }
    }
    let mut out: Vec<Compound> = by_site
        .into_iter()
        .filter(|(_, reports)| reports.len() >= min_reports.max(1))
        .map(|(site, reports)| {
            let centre = LatLng::from(site);
            let mut places: BTreeMap<&str, usize> = BTreeMap::new();
            let mut networks: BTreeMap<u32, usize> = BTreeMap::new();
            for l in &reports {
                if let Some(p) = l.place.as_deref() {
                    *places.entry(p).or_default() += 1;
                }
                if let Some(Some(n)) = network_of.get(l.report as usize) {
                    *networks.entry(*n).or_default() += 1;
                }
            }
            Compound {
                site,
                lat: centre.lat(),
                lon: centre.lng(),
                places: ranked(places.into_iter().map(|(p, c)| (p.to_owned(), c))),
                reports: reports.iter().map(|l| l.report).collect(),
                networks: ranked(networks.into_iter()),
            }
        })
        .collect();
    out.sort_by(|a, b| {
        b.reports
            .len()
            .cmp(&a.reports.len())
            .then(u64::from(a.site).cmp(&u64::from(b.site)))
    });
    out
}

/// How far from a point a compound may be to be offered as where people
/// held there are.
pub const NEAR_KM: f64 = 30.0;

/// The sites among `sites` (index, lat, lon) within `within_km` of
/// (`lat`, `lon`), nearest first, at most `most`, with their distance in
/// km: where a distress signal's coordinates point, among the compounds
/// intelligence knows.
pub fn near(
    sites: impl IntoIterator<Item = (usize, f64, f64)>,
    lat: f64,
    lon: f64,
    within_km: f64,
    most: usize,
) -> Vec<(usize, f64)> {
    let mut out: Vec<(usize, f64)> = sites
        .into_iter()
        .map(|(i, la, lo)| (i, crate::gazetteer::haversine_km(lat, lon, la, lo)))
        .filter(|(_, km)| *km <= within_km)
        .collect();
    out.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
    out.truncate(most);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(report: u32, lat: f64, lon: f64, place: &str) -> Located {
        Located {
            report,
            lat,
            lon,
            place: Some(place.to_owned()),
        }
    }

    #[test]
    fn reports_at_one_site_make_one_compound_with_its_networks() {
        let located = vec![
            at(0, 16.6087, 98.5212, "KK Park"),
            at(1, 16.6088, 98.5213, "KK Park"),
            at(2, 16.6087, 98.5212, "Myawaddy"),
            at(3, 10.6128, 103.5234, "Sihanoukville"),
        ];
        let network_of = [Some(0), Some(0), Some(1), None];
        let found = compounds(&located, &network_of, 2);
        assert_eq!(found.len(), 1, "a site of one report is not a compound yet");
        let c = &found[0];
        assert_eq!(c.reports, [0, 1, 2]);
        assert_eq!(c.places[0], ("KK Park".to_owned(), 2));
        assert_eq!(c.networks, [(0, 2), (1, 1)]);
        assert!((c.lat - 16.6087).abs() < 0.01 && (c.lon - 98.5212).abs() < 0.01);
        assert_eq!(compounds(&located, &network_of, 1).len(), 2);
    }

    #[test]
    fn coordinates_off_the_earth_are_left_out() {
        let located = vec![at(0, 95.0, 0.0, "nowhere"), at(1, 95.0, 0.0, "nowhere")];
        assert!(compounds(&located, &[None, None], 1).is_empty());
    }

    #[test]
    fn near_offers_the_closest_sites_within_reach_first() {
        let sites = [(0, 16.60, 98.52), (1, 16.70, 98.50), (2, 20.0, 100.0)];
        let found = near(sites, 16.62, 98.53, NEAR_KM, 5);
        assert_eq!(found.iter().map(|f| f.0).collect::<Vec<_>>(), [0, 1]);
        assert!(found[0].1 < 3.0 && found[1].1 > 5.0);
        assert_eq!(near(sites, 16.62, 98.53, NEAR_KM, 1).len(), 1);
        assert!(near(sites, 0.0, 0.0, NEAR_KM, 5).is_empty());
    }
}
