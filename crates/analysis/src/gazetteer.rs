//! A gazetteer of the places scam compounds operate from, shipped as data,
//! so that compounds and reports get place names and coarse locations.
//!
//! `data/gazetteer.csv` (`name,aliases,country,region,kind,lat,lon`) holds
//! the towns, zones, cities and border crossings of the regions in
//! DOMAIN.md: the Mekong (Myanmar, Thailand as the entry point, Cambodia,
//! Laos), the Philippines, the rest of Southeast Asia, the Middle East,
//! Africa, Latin America, the Pacific islands and Eastern Europe
//! ([`REGIONS`]). Every site of the simulated world
//! (`crates/sim/data/places.json`) is in it under the same name and at the
//! same point.
//!
//! Coordinates are approximate public coordinates of a town's or zone's
//! centre, as published in public gazetteers and encyclopaedias (GeoNames,
//! Wikipedia), to a kilometre or two; for the simulated world's sites they
//! are that world's points, which agree with the public ones to a few
//! kilometres. A place is a
//! point, not a boundary: it names a compound and locates it coarsely,
//! nothing finer. Aliases are the spellings reports use (`Myawadi`,
//! `Kampong Som`, `Yatai New City`), separated by `|`.
//!
//! Names are compared folded: case, Latin diacritics (`Parañaque` is
//! `Paranaque`) and punctuation are ignored, every run of spaces and
//! punctuation counts as one space (`KK-Park` is `KK Park`, `O'Smach` is
//! `O Smach`). The vowel signs of Thai, Burmese or Khmer stay, as in
//! `cordon-core`'s name folding; names in those scripts are not listed yet,
//! because their text does not separate words and [`Gazetteer::mentions`]
//! finds whole words only.
//!
//! To add a place, add a row; [`Gazetteer::parse`] refuses the file with
//! the line and field at fault if a coordinate, country code, region or
//! kind is wrong, or if a name or alias already names another place.

use std::collections::HashMap;
use std::fmt;
use std::sync::OnceLock;

use aho_corasick::AhoCorasick;

/// The regions places belong to, from DOMAIN.md.
pub const REGIONS: &[&str] = &[
    "mekong",
    "philippines",
    "southeast-asia",
    "middle-east",
    "africa",
    "latin-america",
    "pacific",
    "eastern-europe",
];

/// The columns of a gazetteer file, in order.
const HEADER: [&str; 7] = ["name", "aliases", "country", "region", "kind", "lat", "lon"];

/// Mean Earth radius (IUGG), km.
const EARTH_RADIUS_KM: f64 = 6371.0088;

#[derive(Debug, Clone, PartialEq)]
pub struct Place {
    pub name: String,
    /// Other spellings it is known by.
    pub aliases: Vec<String>,
    /// ISO 3166-1 alpha-2.
    pub country: String,
    /// One of [`REGIONS`].
    pub region: String,
    pub kind: PlaceKind,
    pub lat: f64,
    pub lon: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PlaceKind {
    Town,
    /// A compound complex or special economic zone (`KK Park`, `Golden
    /// Triangle SEZ`).
    Zone,
    BorderCrossing,
    City,
}

impl PlaceKind {
    /// The kind as the file writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            PlaceKind::Town => "town",
            PlaceKind::Zone => "zone",
            PlaceKind::BorderCrossing => "border-crossing",
            PlaceKind::City => "city",
        }
    }

    fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "town" => PlaceKind::Town,
            "zone" => PlaceKind::Zone,
            "border-crossing" => PlaceKind::BorderCrossing,
            "city" => PlaceKind::City,
            _ => return None,
        })
    }
}

impl fmt::Display for PlaceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a gazetteer file cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GazetteerError {
    #[error("line {line}: {field}: {message}")]
    Line {
        line: u64,
        field: &'static str,
        message: String,
    },
    /// A name or alias that already names another place.
    #[error("line {line}: {field}: '{name}' already names {other} (line {other_line})")]
    Duplicate {
        line: u64,
        field: &'static str,
        name: String,
        /// The place it already names, and its line.
        other: String,
        other_line: u64,
    },
    #[error("cannot build the matcher of place names: {0}")]
    Matcher(String),
}

fn bad(line: u64, field: &'static str, message: impl Into<String>) -> GazetteerError {
    GazetteerError::Line {
        line,
        field,
        message: message.into(),
    }
}

/// Places, found by name, by point or in free text.
#[derive(Debug, Clone)]
pub struct Gazetteer {
    places: Vec<Place>,
    /// Folded name or alias → place.
    by_key: HashMap<String, usize>,
    /// Every folded name and alias; pattern `i` names `key_place[i]`.
    matcher: AhoCorasick,
    key_place: Vec<usize>,
}

impl Gazetteer {
    /// The gazetteer shipped with Cordon, `data/gazetteer.csv`, parsed on
    /// first use.
    pub fn shipped() -> &'static Gazetteer {
        static SHIPPED: OnceLock<Gazetteer> = OnceLock::new();
        SHIPPED.get_or_init(|| {
            // The tests parse the same file, so this cannot fail in a build
            // whose tests pass.
            Gazetteer::parse(include_str!("../data/gazetteer.csv"))
                .expect("the shipped gazetteer is valid")
        })
    }

    /// Parses a gazetteer CSV, refusing it whole at the first bad line.
    pub fn parse(csv: &str) -> Result<Gazetteer, GazetteerError> {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .trim(csv::Trim::All)
            .from_reader(csv.as_bytes());
        let mut places: Vec<Place> = Vec::new();
        let mut lines: Vec<u64> = Vec::new();
        let mut by_key: HashMap<String, usize> = HashMap::new();
        let mut keys: Vec<String> = Vec::new();
        let mut key_place: Vec<usize> = Vec::new();
        let mut record = csv::StringRecord::new();
        let mut header = true;
        loop {
            match reader.read_record(&mut record) {
                Ok(false) => break,
                Ok(true) => {}
                Err(e) => {
                    let line = e.position().map_or(0, |p| p.line());
                    return Err(bad(line, "line", e.to_string()));
                }
            }
            let line = record.position().map_or(0, |p| p.line());
            if std::mem::take(&mut header) {
                if record.iter().ne(HEADER) {
                    return Err(bad(
                        line,
                        "header",
                        format!("expected {}", HEADER.join(",")),
                    ));
                }
                continue;
            }
            if record.len() != HEADER.len() {
                return Err(bad(
                    line,
                    "line",
                    format!("{} fields; a place is {}", record.len(), HEADER.join(",")),
                ));
            }
            let place = place(line, &record)?;
            let index = places.len();
            let names = std::iter::once(("name", place.name.as_str()))
                .chain(place.aliases.iter().map(|a| ("aliases", a.as_str())));
            for (field, name) in names {
                let key = fold(name);
                if key.is_empty() {
                    return Err(bad(
                        line,
                        field,
                        format!("'{name}' has no letters or digits"),
                    ));
                }
                match by_key.get(&key) {
                    // A spelling that folds like another of the same place.
                    Some(&i) if i == index => {}
                    Some(&i) => {
                        return Err(GazetteerError::Duplicate {
                            line,
                            field,
                            name: name.to_owned(),
                            other: places[i].name.clone(),
                            other_line: lines[i],
                        });
                    }
                    None => {
                        by_key.insert(key.clone(), index);
                        keys.push(key);
                        key_place.push(index);
                    }
                }
            }
            places.push(place);
            lines.push(line);
        }
        if header {
            return Err(bad(1, "header", format!("expected {}", HEADER.join(","))));
        }
        let matcher =
            AhoCorasick::new(&keys).map_err(|e| GazetteerError::Matcher(e.to_string()))?;
        Ok(Gazetteer {
            places,
            by_key,
            matcher,
            key_place,
        })
    }

    /// Every place, in the file's order.
    pub fn places(&self) -> &[Place] {
        &self.places
    }

    /// A place by name or alias, folded: case, accents and punctuation
    /// ignored.
    pub fn lookup(&self, name: &str) -> Option<&Place> {
        self.by_key.get(&fold(name)).map(|&i| &self.places[i])
    }

    /// The nearest place within `max_km` of a point, with its great-circle
    /// distance in km: the name of a compound from its coordinates. Ties go
    /// to the place listed first; a point off the Earth has none.
    pub fn nearest(&self, lat: f64, lon: f64, max_km: f64) -> Option<(&Place, f64)> {
        if !((-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lon)) {
            return None;
        }
        let mut best: Option<(&Place, f64)> = None;
        for p in &self.places {
            let d = haversine_km(lat, lon, p.lat, p.lon);
            if d <= max_km && best.is_none_or(|(_, b)| d < b) {
                best = Some((p, d));
            }
        }
        best
    }

    /// The places a narrative names, each once, in order of first mention.
    /// Names match whole words, folded; where two overlap the one starting
    /// first wins, then the longer ("KK Park", not "Park").
    pub fn mentions(&self, text: &str) -> Vec<&Place> {
        let folded = fold(text);
        let bytes = folded.as_bytes();
        let word_edge = |at: usize| at == 0 || at == bytes.len() || bytes[at] == b' ';
        // Every whole-word match, overlapping ones too, so that a longer
        // name is never hidden behind a shorter one starting at its place.
        let mut found: Vec<(usize, usize, usize)> = self
            .matcher
            .find_overlapping_iter(&folded)
            .filter(|m| (m.start() == 0 || bytes[m.start() - 1] == b' ') && word_edge(m.end()))
            .map(|m| (m.start(), m.end(), self.key_place[m.pattern().as_usize()]))
            .collect();
        found.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)));
        let mut out: Vec<&Place> = Vec::new();
        let mut seen = vec![false; self.places.len()];
        let mut after = 0;
        for (start, end, place) in found {
            if start < after {
                continue;
            }
            after = end;
            if !std::mem::replace(&mut seen[place], true) {
                out.push(&self.places[place]);
            }
        }
        out
    }
}

/// A place from one record, its fields checked.
fn place(line: u64, record: &csv::StringRecord) -> Result<Place, GazetteerError> {
    let name = &record[0];
    if name.is_empty() {
        return Err(bad(line, "name", "the name is empty"));
    }
    let aliases: Vec<String> = if record[1].is_empty() {
        Vec::new()
    } else {
        record[1]
            .split('|')
            .map(|a| {
                let a = a.trim();
                if a.is_empty() {
                    Err(bad(line, "aliases", "an empty alias (two '|' in a row?)"))
                } else {
                    Ok(a.to_owned())
                }
            })
            .collect::<Result<_, _>>()?
    };
    let country = &record[2];
    if !(country.len() == 2 && country.bytes().all(|b| b.is_ascii_uppercase())) {
        return Err(bad(
            line,
            "country",
            format!("'{country}' is not an ISO 3166-1 alpha-2 code (two capital letters)"),
        ));
    }
    let region = &record[3];
    if !REGIONS.contains(&region) {
        return Err(bad(
            line,
            "region",
            format!("unknown region '{region}'; one of {}", REGIONS.join(", ")),
        ));
    }
    let kind = PlaceKind::parse(&record[4]).ok_or_else(|| {
        bad(
            line,
            "kind",
            format!(
                "unknown kind '{}'; one of town, zone, border-crossing, city",
                &record[4]
            ),
        )
    })?;
    let lat = coordinate(line, "lat", &record[5], 90.0)?;
    let lon = coordinate(line, "lon", &record[6], 180.0)?;
    Ok(Place {
        name: name.to_owned(),
        aliases,
        country: country.to_owned(),
        region: region.to_owned(),
        kind,
        lat,
        lon,
    })
}

fn coordinate(
    line: u64,
    field: &'static str,
    text: &str,
    limit: f64,
) -> Result<f64, GazetteerError> {
    let value: f64 = text
        .parse()
        .map_err(|_| bad(line, field, format!("'{text}' is not a number")))?;
    if !(-limit..=limit).contains(&value) {
        return Err(bad(
            line,
            field,
            format!("{text} is outside [-{limit}, {limit}]"),
        ));
    }
    Ok(value)
}

/// Great-circle distance between two points, km.
pub fn haversine_km(lat1: f64, lon1: f64, lat2: f64, lon2: f64) -> f64 {
    let (p1, p2) = (lat1.to_radians(), lat2.to_radians());
    let dp = p2 - p1;
    let dl = (lon2 - lon1).to_radians();
    let a = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_KM * a.sqrt().min(1.0).asin()
}

/// Names and text compare folded as the core folds names: case, accents
/// and punctuation aside.
fn fold(text: &str) -> String {
    cordon_core::selector::fold_name(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shipped() -> &'static Gazetteer {
        Gazetteer::shipped()
    }

    fn name(p: Option<&Place>) -> Option<&str> {
        p.map(|p| p.name.as_str())
    }

    #[test]
    fn the_shipped_gazetteer_covers_every_region_and_kind() {
        let g = shipped();
        assert!(
            (80..=150).contains(&g.places().len()),
            "{} places",
            g.places().len()
        );
        for region in REGIONS {
            assert!(g.places().iter().any(|p| p.region == *region), "{region}");
        }
        for kind in [
            PlaceKind::Town,
            PlaceKind::Zone,
            PlaceKind::BorderCrossing,
            PlaceKind::City,
        ] {
            assert!(g.places().iter().any(|p| p.kind == kind), "{kind}");
        }
    }

    #[test]
    fn every_place_of_the_simulated_world_is_there_by_name_and_point() {
        let world: serde_json::Value =
            serde_json::from_str(include_str!("../../sim/data/places.json")).unwrap();
        let sites = world["places"].as_array().unwrap();
        assert!(sites.len() > 30);
        for site in sites {
            let sim_name = site["place"].as_str().unwrap();
            let (lat, lon) = (site["lat"].as_f64().unwrap(), site["lon"].as_f64().unwrap());
            let place = shipped()
                .lookup(sim_name)
                .unwrap_or_else(|| panic!("{sim_name}"));
            assert_eq!(place.name, sim_name);
            assert_eq!(
                place.country,
                site["country"].as_str().unwrap(),
                "{sim_name}"
            );
            let d = haversine_km(lat, lon, place.lat, place.lon);
            assert!(
                d <= 2.0,
                "{sim_name} is {d:.1} km from the simulated world's"
            );
            assert_eq!(
                name(shipped().nearest(lat, lon, 5.0).map(|(p, _)| p)),
                Some(sim_name)
            );
        }
    }

    #[test]
    fn compounds_around_a_simulated_site_are_mostly_named_after_it() {
        // The simulated world puts a compound up to 0.03° from its site's
        // point in latitude and longitude. The few named after another
        // place are nearer a neighbour: Clark's south edge is Angeles City,
        // Pasay's is Parañaque, and east of Myawaddy, across the river, is
        // Mae Sot (99.4 % are named after their site).
        let world: serde_json::Value =
            serde_json::from_str(include_str!("../../sim/data/places.json")).unwrap();
        let (mut right, mut all) = (0, 0);
        for site in world["places"].as_array().unwrap() {
            let sim_name = site["place"].as_str().unwrap();
            let (lat, lon) = (site["lat"].as_f64().unwrap(), site["lon"].as_f64().unwrap());
            for i in -5..=5 {
                for j in -5..=5 {
                    let (dlat, dlon) = (f64::from(i) * 0.006, f64::from(j) * 0.006);
                    let found = shipped().nearest(lat + dlat, lon + dlon, 10.0);
                    all += 1;
                    right += usize::from(name(found.map(|(p, _)| p)) == Some(sim_name));
                }
            }
        }
        let share = right as f64 / all as f64;
        assert!(
            share >= 0.98,
            "{:.1} % named after their site",
            share * 100.0
        );
    }

    #[test]
    fn aliases_case_accents_and_punctuation_do_not_matter() {
        let g = shipped();
        for (asked, found) in [
            ("phnom penh", "Phnom Penh"),
            ("  Phnom Penh. ", "Phnom Penh"),
            ("PARAÑAQUE", "Parañaque"),
            ("Paranaque", "Parañaque"),
            ("São Paulo", "Sao Paulo"),
            ("Myawadi", "Myawaddy"),
            ("KK-Park", "KK Park"),
            ("kkpark", "KK Park"),
            ("Yatai New City", "Shwe Kokko"),
            ("Kampong Som", "Sihanoukville"),
            ("Laukkai", "Laukkaing"),
            ("o smach", "O'Smach"),
            ("Osmach", "O'Smach"),
            ("Bokeo", "Golden Triangle SEZ"),
            ("durres", "Durrës"),
        ] {
            assert_eq!(name(g.lookup(asked)), Some(found), "{asked:?}");
        }
        assert_eq!(g.lookup("Park"), None);
        assert_eq!(g.lookup(""), None);
        assert_eq!(g.lookup("..."), None);
    }

    #[test]
    fn nearest_names_the_town_and_stops_at_max_km() {
        let g = shipped();
        // A point some 1.5 km from KK Park, 9 km from Myawaddy.
        let (p, d) = g.nearest(16.6200, 98.5380, 5.0).unwrap();
        assert_eq!(p.name, "KK Park");
        assert!((1.0..2.0).contains(&d), "{d}");
        // Sihanoukville is some 12 km from this point in the Gulf of Thailand.
        let (p, d) = g.nearest(10.5200, 103.5000, 50.0).unwrap();
        assert_eq!(p.name, "Sihanoukville");
        assert!(g.nearest(10.5200, 103.5000, d - 0.1).is_none());
        assert_eq!(
            g.nearest(10.5200, 103.5000, d + 0.1).unwrap().0.name,
            "Sihanoukville"
        );
        // The middle of the Indian Ocean.
        assert!(g.nearest(-20.0, 80.0, 500.0).is_none());
        assert!(g.nearest(f64::NAN, 98.5, 100.0).is_none());
        assert!(g.nearest(95.0, 98.5, 100.0).is_none());
    }

    #[test]
    fn haversine_agrees_with_known_distances() {
        // Bangkok to Phnom Penh, about 530 km; a degree of latitude, 111 km.
        let d = haversine_km(13.7563, 100.5018, 11.5560, 104.9280);
        assert!((525.0..540.0).contains(&d), "{d}");
        let d = haversine_km(0.0, 0.0, 1.0, 0.0);
        assert!((d - 111.19).abs() < 0.01, "{d}");
    }

    #[test]
    fn mentions_are_whole_words_in_order_of_first_mention() {
        let g = shipped();
        let names = |text: &str| -> Vec<&str> {
            g.mentions(text)
                .into_iter()
                .map(|p| p.name.as_str())
                .collect()
        };
        assert_eq!(
            names("I was taken across the river from Mae Sot to KK Park near Myawaddy"),
            ["Mae Sot", "KK Park", "Myawaddy"]
        );
        assert_eq!(
            names("Sold from KK-Park to Shwe Kokko, then back to kk park; Myawaddy's police"),
            ["KK Park", "Shwe Kokko", "Myawaddy"]
        );
        assert_eq!(
            names("Recruited in PARANAQUE, flown via Dubai to the Golden Triangle SEZ (Bokeo)"),
            ["Parañaque", "Dubai", "Golden Triangle SEZ"]
        );
        // Inside other words, nothing.
        assert!(names("Limassol, Clarkson and a parking lot").is_empty());
        assert!(names("").is_empty());
    }

    #[test]
    fn the_longest_name_wins_over_one_inside_it() {
        let g = Gazetteer::parse(
            "name,aliases,country,region,kind,lat,lon\n\
             Park,,MM,mekong,town,16.0,98.0\n\
             KK Park,,MM,mekong,zone,16.6,98.5\n\
             Park Hyatt Zone,,MM,mekong,zone,16.7,98.6\n",
        )
        .unwrap();
        let names = |text: &str| -> Vec<&str> {
            g.mentions(text)
                .into_iter()
                .map(|p| p.name.as_str())
                .collect()
        };
        assert_eq!(names("held in KK Park"), ["KK Park"]);
        assert_eq!(names("KK Park Hyatt Zone"), ["KK Park"]);
        assert_eq!(
            names("a park, then the Park Hyatt Zone"),
            ["Park", "Park Hyatt Zone"]
        );
    }

    #[test]
    fn every_bad_line_is_named_with_its_field() {
        const HEAD: &str = "name,aliases,country,region,kind,lat,lon\n";
        const GOOD: &str = "Myawaddy,Myawadi,MM,mekong,town,16.689,98.509\n";
        for (rows, line, field, says) in [
            (
                "A,,MM,mekong,town,north,98\n",
                2,
                "lat",
                "'north' is not a number",
            ),
            ("A,,MM,mekong,town,91,98\n", 2, "lat", "outside [-90, 90]"),
            (
                "A,,MM,mekong,town,16,-180.5\n",
                2,
                "lon",
                "outside [-180, 180]",
            ),
            (
                "A,,MM,mekong,village,16,98\n",
                2,
                "kind",
                "unknown kind 'village'",
            ),
            ("A,,mm,mekong,town,16,98\n", 2, "country", "'mm' is not"),
            ("A,,MMR,mekong,town,16,98\n", 2, "country", "'MMR' is not"),
            (
                "A,,MM,asia,town,16,98\n",
                2,
                "region",
                "unknown region 'asia'",
            ),
            (",,MM,mekong,town,16,98\n", 2, "name", "empty"),
            ("A,B||C,MM,mekong,town,16,98\n", 2, "aliases", "empty alias"),
            ("A,,MM,mekong,town,16\n", 2, "line", "6 fields"),
            (
                "A,-,MM,mekong,town,16,98\n",
                2,
                "aliases",
                "no letters or digits",
            ),
        ] {
            match Gazetteer::parse(&format!("{HEAD}{rows}")) {
                Err(GazetteerError::Line {
                    line: l,
                    field: f,
                    message,
                }) => {
                    assert_eq!((l, f), (line, field), "{rows:?}: {message}");
                    assert!(message.contains(says), "{rows:?}: {message}");
                }
                other => panic!("{rows:?}: {other:?}"),
            }
        }
        let e = Gazetteer::parse(&format!(
            "{HEAD}{GOOD}Mae Sot,,TH,mekong,town,16.7,98.6\nA,,MM,mekong,town,91,98\n"
        ))
        .unwrap_err();
        assert_eq!(e.to_string(), "line 4: lat: 91 is outside [-90, 90]");
        let e = Gazetteer::parse("name,lat,lon\nA,1,2\n").unwrap_err();
        assert!(
            matches!(
                e,
                GazetteerError::Line {
                    line: 1,
                    field: "header",
                    ..
                }
            ),
            "{e:?}"
        );
        assert!(Gazetteer::parse("").is_err());
        assert!(Gazetteer::parse(HEAD).unwrap().places().is_empty());
    }

    #[test]
    fn a_name_already_taken_is_refused_naming_both_lines() {
        const HEAD: &str = "name,aliases,country,region,kind,lat,lon\n";
        const GOOD: &str = "Myawaddy,Myawadi,MM,mekong,town,16.689,98.509\n";
        for (row, field, name) in [
            // An alias that is another place's name, folded.
            (
                "KK Park,MYAWADDY,MM,mekong,zone,16.6,98.5\n",
                "aliases",
                "MYAWADDY",
            ),
            // An alias that is another place's alias.
            (
                "KK Park,Myawadi,MM,mekong,zone,16.6,98.5\n",
                "aliases",
                "Myawadi",
            ),
            // A name that is another place's alias.
            ("Myawadi,,MM,mekong,zone,16.6,98.5\n", "name", "Myawadi"),
        ] {
            let e = Gazetteer::parse(&format!("{HEAD}{GOOD}{row}")).unwrap_err();
            assert_eq!(
                e,
                GazetteerError::Duplicate {
                    line: 3,
                    field,
                    name: name.to_owned(),
                    other: "Myawaddy".to_owned(),
                    other_line: 2,
                },
                "{row:?}"
            );
            assert!(
                e.to_string().contains("line 3") && e.to_string().contains("line 2"),
                "{e}"
            );
        }
        // Spellings of one place that fold alike are not a clash.
        let g = Gazetteer::parse(&format!(
            "{HEAD}KK Park,KK-Park|kk park,MM,mekong,zone,16.6,98.5\n"
        ))
        .unwrap();
        assert_eq!(g.places()[0].aliases, ["KK-Park", "kk park"]);
    }
}
