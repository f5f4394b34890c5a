//! Victim-protection signals about the world's trafficked workers: distress
//! messages from inside compounds, family reports, hotline calls, escaped
//! workers and NGO referrals, each a `cordon_protect::case::Opening` as
//! `POST /api/v1/cases` takes it, with the truth of who is held where.
//!
//! # What is made
//!
//! Some 15 % of the workers are the subject of one signal each. A worker
//! is held in their compound from two weeks after recruitment until the
//! compound is raided, relocated or closed (or the period ends): every
//! signal falls in that window. About a fifth of the signals are about a
//! group of two to five workers of one network held in the same compound
//! at the same time (countrymen where there are any); a quarter of those
//! name only the one who wrote and give the group's size.
//!
//! A signal is as precise as its source can be ([`PROFILES`]): a message
//! from inside often shares a live location (the compound's exact
//! coordinates), a family knows the town (kilometres off), an escaped
//! worker is already out and rarely knows where they were. Coordinates are
//! offset with exact arithmetic only (no trigonometry: the same bytes on
//! every platform), so east-west offsets shrink with latitude. The
//! compound is linked by its site (the H3 cell of resolution 9 that
//! `cordon_analysis::places` gives the coordinates reports locate it by)
//! sometimes, by its country often, by nothing at times, for analysts to
//! link later.
//!
//! The people carry their world identifiers as canonical selectors (the
//! passport and phone the reports use), their recruitment the recruiter's
//! handle and, at times, phone and e-mail from the network's pools, so
//! that releasing them as intelligence links the case to the network. A
//! family's account often quotes a ransom demand sent from one of the
//! network's compound or WhatsApp phones.
//!
//! # Agencies
//!
//! Each case is assigned police of the workers' nationality (role
//! `origin`, those taking rescue requests first), police of the compound's
//! country (role `destination`) when the signal names that country and
//! they are abroad, and for some cases the consulate (a migrant-workers
//! desk where the country has one, else another of its police agencies,
//! else the origin agency itself). Where the nationality has no police in
//! the world, police of a country of its region (never the compound's)
//! stand in as consulate with `embassy: false`. The agency the signal reached (`raised_by`, assigned
//! first) is the origin agency for family reports, a hotline or NGO for
//! hotline calls and referrals where the world has one (in the workers'
//! country, the compound's, or across the border), police at the border
//! or in the compound's country for many escapes.
//!
//! # Determinism
//!
//! Signals come from a random stream of their own ([`STREAM`]), so the
//! other outputs are untouched, and are written sorted by time of receipt.

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::Path;

use chrono::{DateTime, NaiveDate, Utc};
use cordon_core::ReportKind;
use cordon_protect::case::{Assignment, CompoundLink, Opening, Role, Source};
use cordon_protect::person::{
    Contact, ForcedCriminality, Gender, HeldAt, Person, Personal, Recruitment,
};
use serde::{Deserialize, Serialize};

use crate::SimError;
use crate::data::Tables;
use crate::dice::{Dice, Weighted};
use crate::output::io_err;
use crate::report::{channel_display, fill, lure_destination, rfc3339, rotate};
use crate::selector::{Platform, Sel};
use crate::world::{self, Agency, CompoundStatus, Trafficked, Worker, World};

/// The signals' random stream, apart from the world's (0), the reports'
/// (1 + chunk) and the money world's (1 << 40 and up).
pub const STREAM: u64 = 5 << 40;

/// Time from recruitment to arrival at the compound.
const TRAVEL: i64 = 14 * DAY;
const DAY: i64 = 86_400;

/// A signal as an agency received it: the case opening it asks for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Signal {
    /// `SIG-000001`, in order of receipt.
    pub id: String,
    /// RFC 3339, as `opening.received`.
    pub received: String,
    /// The agency that received the signal and takes the case.
    pub raised_by: String,
    pub opening: Opening,
}

/// How close a signal's coordinates are to the compound.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Precision {
    /// The compound's own coordinates (a live location from inside).
    Exact,
    /// 150–900 m off (a photo of a map, a screenshot).
    Near,
    /// 2–25 km off (the nearest town, a cell tower).
    KmOff,
    /// No coordinates.
    None,
}

impl Precision {
    pub const ALL: [Precision; 4] = [
        Precision::Exact,
        Precision::Near,
        Precision::KmOff,
        Precision::None,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Precision::Exact => "exact",
            Precision::Near => "near",
            Precision::KmOff => "km_off",
            Precision::None => "none",
        }
    }
}

/// The truth behind one signal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SignalTruth {
    pub signal: String,
    pub source: Source,
    /// When they were last known to be held there (the last contact, or
    /// the escape), RFC 3339.
    pub at: String,
    /// The workers the signal is about (world ids); the first `named` are
    /// the people the opening names, in its order.
    pub workers: Vec<String>,
    pub named: usize,
    pub network: String,
    /// The compound's world id (`C0001`), index into the truth's
    /// `compounds` and name.
    pub compound: String,
    pub compound_index: usize,
    pub compound_name: String,
    /// The compound's site: its H3 cell at resolution 9.
    pub site: String,
    /// ISO 3166-1 alpha-2 of the compound's country.
    pub country: String,
    pub lat: f64,
    pub lon: f64,
    /// How precise the opening's `held` coordinates are.
    pub location: Precision,
    /// The perpetrators' canonical selectors the opening carries: the
    /// recruiter's and the ransom demand's sender.
    pub perpetrators: Vec<String>,
}

/// Counts of the signals, in the run's [`crate::Summary`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SignalSummary {
    pub signals: u64,
    /// Workers the signals are about.
    pub workers: u64,
    /// People the openings name.
    pub named: u64,
    /// Signals about two to five workers.
    pub groups: u64,
    /// Signals by source (`distress_signal`, …).
    pub sources: BTreeMap<String, u64>,
    /// Signals by the precision of their coordinates (`exact`, `near`,
    /// `km_off`, `none`).
    pub locations: BTreeMap<String, u64>,
    /// Signals by what they link the compound by (`site`, `country`,
    /// `none`).
    pub compound_links: BTreeMap<String, u64>,
}

/// What each source knows and how often it comes, in per mille.
#[derive(Debug, Clone, Copy)]
pub struct Profile {
    pub source: Source,
    /// Relative frequency among signals.
    pub weight: u64,
    /// About a group of two to five.
    pub group: u32,
    /// Weights of exact, near, km-off and no coordinates.
    pub precision: [u64; 4],
    /// Weights of linking the compound by site and country, by country
    /// only, by nothing.
    pub link: [u64; 3],
    pub consent: u32,
    /// The first person's phone, passport and birth date given.
    pub phone: u32,
    pub passport: u32,
    pub birth: u32,
    /// What the person was made to do is told.
    pub forced: u32,
    /// The consulate is assigned at once.
    pub consulate: u32,
}

/// The sources of signals (raids bring people in by the list and are not
/// simulated as signals).
pub const PROFILES: [Profile; 5] = [
    Profile {
        source: Source::DistressSignal,
        weight: 30,
        group: 300,
        precision: [350, 150, 300, 200],
        link: [200, 550, 250],
        consent: 700,
        phone: 1000,
        passport: 300,
        birth: 400,
        forced: 800,
        consulate: 250,
    },
    Profile {
        source: Source::FamilyReport,
        weight: 30,
        group: 60,
        precision: [50, 50, 400, 500],
        link: [100, 500, 400],
        consent: 200,
        phone: 850,
        passport: 700,
        birth: 900,
        forced: 300,
        consulate: 200,
    },
    Profile {
        source: Source::HotlineCall,
        weight: 12,
        group: 150,
        precision: [100, 100, 400, 400],
        link: [150, 500, 350],
        consent: 400,
        phone: 700,
        passport: 400,
        birth: 500,
        forced: 500,
        consulate: 200,
    },
    Profile {
        source: Source::EscapedWorker,
        weight: 13,
        group: 350,
        precision: [0, 0, 300, 700],
        link: [200, 750, 50],
        consent: 900,
        phone: 600,
        passport: 250,
        birth: 700,
        forced: 950,
        consulate: 600,
    },
    Profile {
        source: Source::NgoReferral,
        weight: 15,
        group: 300,
        precision: [150, 150, 400, 300],
        link: [250, 600, 150],
        consent: 950,
        phone: 750,
        passport: 550,
        birth: 800,
        forced: 900,
        consulate: 300,
    },
];

/// The profile of a source.
pub fn profile(source: Source) -> &'static Profile {
    PROFILES
        .iter()
        .find(|p| p.source == source)
        .expect("every simulated source has a profile")
}

/// When worker `w` is held in their compound: from arrival until the
/// compound is raided, relocated or closed, or the period ends; `None` if
/// that window is empty.
pub fn held(world: &World, w: &Worker) -> Option<(i64, i64)> {
    let c = &world.compounds[w.compound];
    let from = w.recruited + TRAVEL;
    let until = match c.status {
        CompoundStatus::Active => world::END,
        _ => c.status_since.unwrap_or(world::END).min(world::END),
    };
    (from < until).then_some((from, until))
}

/// Makes every signal of the world with its truth, in order of receipt.
pub fn generate(world: &World) -> Vec<(Signal, SignalTruth)> {
    let mut g = Gen::new(world);
    for w in 0..world.workers.len() {
        g.consider(w as u32);
    }
    let mut made = g.made;
    // Creation order breaks ties, so the order is total.
    made.sort_by_key(|(received, order, _, _)| (*received, *order));
    made.into_iter()
        .enumerate()
        .map(|(i, (_, _, mut signal, mut truth))| {
            signal.id = format!("SIG-{:06}", i + 1);
            truth.signal.clone_from(&signal.id);
            (signal, truth)
        })
        .collect()
}

/// Writes `protect/signals.jsonl` and `protect/truth.jsonl` under
/// `out_dir`.
pub fn write(world: &World, out_dir: &Path) -> Result<SignalSummary, SimError> {
    let dir = out_dir.join("protect");
    fs::create_dir_all(&dir).map_err(io_err(&dir))?;
    let signals = generate(world);
    let mut summary = SignalSummary::default();
    let signals_path = dir.join("signals.jsonl");
    let truth_path = dir.join("truth.jsonl");
    let mut out = BufWriter::new(File::create(&signals_path).map_err(io_err(&signals_path))?);
    let mut truth = BufWriter::new(File::create(&truth_path).map_err(io_err(&truth_path))?);
    let mut workers = std::collections::BTreeSet::new();
    for (signal, t) in &signals {
        serde_json::to_writer(&mut out, signal).map_err(|e| io_err(&signals_path)(e.into()))?;
        out.write_all(b"\n").map_err(io_err(&signals_path))?;
        serde_json::to_writer(&mut truth, t).map_err(|e| io_err(&truth_path)(e.into()))?;
        truth.write_all(b"\n").map_err(io_err(&truth_path))?;
        summary.signals += 1;
        summary.named += signal.opening.personal.people.len() as u64;
        summary.groups += u64::from(t.workers.len() > 1);
        workers.extend(t.workers.iter().map(String::as_str));
        *summary
            .sources
            .entry(t.source.as_str().to_owned())
            .or_default() += 1;
        *summary
            .locations
            .entry(t.location.as_str().to_owned())
            .or_default() += 1;
        let link = match &signal.opening.compound {
            CompoundLink { site: Some(_), .. } => "site",
            CompoundLink {
                country: Some(_), ..
            } => "country",
            _ => "none",
        };
        *summary.compound_links.entry(link.to_owned()).or_default() += 1;
    }
    summary.workers = workers.len() as u64;
    out.flush().map_err(io_err(&signals_path))?;
    truth.flush().map_err(io_err(&truth_path))?;
    Ok(summary)
}

/// A signal made, before ids are given in order of receipt: (received,
/// creation order, signal, truth).
type Made = (i64, usize, Signal, SignalTruth);

struct Gen<'w> {
    world: &'w World,
    dice: Dice,
    /// Workers by compound, in index order.
    by_compound: Vec<Vec<u32>>,
    covered: Vec<bool>,
    /// Per country: family and caseworker phones handed out.
    contact_serial: Vec<u64>,
    sources: Weighted,
    made: Vec<Made>,
}

/// What the account's placeholders are filled with.
struct Words {
    name: String,
    nationality: String,
    job: String,
    pronoun: &'static str,
    possessive: &'static str,
    count: usize,
    whereabouts: String,
    relation: &'static str,
    caller: String,
    channel: &'static str,
    app: &'static str,
    days: i64,
    reached: String,
    ngo: String,
}

impl<'w> Gen<'w> {
    fn new(world: &'w World) -> Self {
        let mut by_compound = vec![Vec::new(); world.compounds.len()];
        for (i, w) in world.workers.iter().enumerate() {
            by_compound[w.compound].push(i as u32);
        }
        Gen {
            world,
            dice: Dice::new(world.seed, STREAM),
            by_compound,
            covered: vec![false; world.workers.len()],
            contact_serial: vec![0; Tables::get().countries.len()],
            sources: Weighted::new(PROFILES.iter().map(|p| p.weight)),
            made: Vec::new(),
        }
    }

    /// Decides whether worker `w` is the subject of a signal, and makes it.
    fn consider(&mut self, w: u32) {
        let world = self.world;
        let worker = &world.workers[w as usize];
        if self.covered[w as usize] {
            return;
        }
        let Some((from, until)) = held(world, worker) else {
            return;
        };
        // Families of those who went knowingly raise fewer alarms.
        let per_mille = match worker.status {
            Trafficked::Victim => 105,
            Trafficked::NotAVictim => 40,
        };
        if !self.dice.chance(per_mille) {
            return;
        }
        let p = PROFILES[self.sources.draw(&mut self.dice)];
        let t = from + self.dice.below((until - from) as u64) as i64;
        let mut members = vec![w];
        if self.dice.chance(p.group) {
            let size = self.dice.between(2, 5) as usize;
            members.extend(self.companions(w, t, size - 1));
        }
        for &m in &members {
            self.covered[m as usize] = true;
        }
        let named = if members.len() > 1 && self.dice.chance(250) {
            1
        } else {
            members.len()
        };
        let made = self.signal(&p, &members, named, t);
        self.made.push(made);
    }

    /// Up to `k` other workers of `w`'s network held in `w`'s compound at
    /// `t` and not yet in a signal: countrymen where there are any.
    fn companions(&mut self, w: u32, t: i64, k: usize) -> Vec<u32> {
        let world = self.world;
        let anchor = &world.workers[w as usize];
        let there: Vec<u32> = self.by_compound[anchor.compound]
            .iter()
            .copied()
            .filter(|&o| {
                o != w
                    && !self.covered[o as usize]
                    && world.workers[o as usize].network == anchor.network
                    && held(world, &world.workers[o as usize])
                        .is_some_and(|(from, until)| from <= t && t < until)
            })
            .collect();
        let countrymen: Vec<u32> = there
            .iter()
            .copied()
            .filter(|&o| world.workers[o as usize].nationality == anchor.nationality)
            .collect();
        let mut pool = if countrymen.is_empty() {
            there
        } else {
            countrymen
        };
        let k = k.min(pool.len());
        for i in 0..k {
            let j = i + self.dice.index(pool.len() - i);
            pool.swap(i, j);
        }
        pool.truncate(k);
        pool
    }

    fn signal(&mut self, p: &Profile, members: &[u32], named: usize, t: i64) -> Made {
        let world = self.world;
        let tables = Tables::get();
        let anchor = &world.workers[members[0] as usize];
        let nat = anchor.nationality;
        let c = &tables.countries[nat];
        let compound = &world.compounds[anchor.compound];
        let place = &tables.places[compound.place];
        let net = &world.networks[anchor.network as usize];
        let dest = compound.country;
        let abroad = dest != nat;

        let received = match p.source {
            Source::DistressSignal => t + self.dice.below(6 * 3600) as i64,
            Source::FamilyReport => t + self.dice.between(2, 45) as i64 * DAY,
            Source::HotlineCall => t + self.dice.below(3 * DAY as u64) as i64,
            Source::EscapedWorker => t + self.dice.below(5 * DAY as u64) as i64,
            _ => t + self.dice.between(1, 20) as i64 * DAY,
        }
        .min(world::END - 1);

        // Who the signal reaches.
        let origin = self.origin_agency(nat);
        let partner = if origin.is_none() {
            self.partner(nat, dest)
        } else {
            None
        };
        let home = origin.or(partner);
        let neighbour = neighbour(&tables.countries[dest].code).and_then(|n| tables.country(n));
        let raised = match p.source {
            Source::DistressSignal if self.dice.chance(400) => self.destination_agency(dest),
            Source::HotlineCall => self
                .support(nat, "hotline")
                .or_else(|| self.support(dest, "hotline"))
                .or_else(|| neighbour.and_then(|n| self.support(n, "hotline"))),
            Source::EscapedWorker => match self.dice.below(10) {
                0..=3 => neighbour.and_then(|n| self.destination_agency(n)),
                4..=6 => self.destination_agency(dest),
                _ => None,
            },
            Source::NgoReferral => {
                if self.dice.chance(500) {
                    self.support(dest, "ngo")
                        .or_else(|| neighbour.and_then(|n| self.support(n, "ngo")))
                        .or_else(|| self.support(nat, "ngo"))
                } else {
                    self.support(nat, "ngo")
                        .or_else(|| self.support(dest, "ngo"))
                        .or_else(|| neighbour.and_then(|n| self.support(n, "ngo")))
                }
            }
            _ => None,
        }
        .or(home)
        .unwrap_or_else(|| {
            // No agency of their own nor a partner: the hubs take it.
            self.hub(dest)
        });
        let raised_agency = &world.agencies[raised];
        let raised_country = raised_agency.country_index;

        // What the signal says of the compound: at least its country when
        // the signal reached police there or across its border.
        let mut link = Weighted::new(p.link).draw(&mut self.dice);
        if link == 2 && public(raised_agency) && raised_country != nat {
            link = 1;
        }
        let site = cordon_analysis::places::site(compound.lat, compound.lon)
            .expect("compounds lie on Earth")
            .to_string();
        let compound_link = CompoundLink {
            site: (link == 0).then(|| site.clone()),
            country: (link <= 1).then(|| tables.countries[dest].code.clone()),
        };

        // Assignments: the taker first, then origin, destination, consulate.
        let mut assigned: Vec<Assignment> = Vec::new();
        let mut assign = |agency: usize, role: Role, embassy: bool| {
            let code = &world.agencies[agency].code;
            if !assigned.iter().any(|a| a.agency == *code && a.role == role) {
                assigned.push(Assignment {
                    agency: code.clone(),
                    role,
                    embassy,
                });
            }
        };
        let raised_role = if Some(raised) == partner {
            Role::Consulate
        } else if !public(raised_agency) {
            Role::Support
        } else if raised_country == nat {
            Role::Origin
        } else if raised_country == dest {
            Role::Destination
        } else {
            Role::Transit
        };
        assign(raised, raised_role, raised_role != Role::Consulate);
        if let Some(o) = origin {
            assign(o, Role::Origin, true);
        }
        if let Some(pa) = partner {
            // Their country has no agency that can act as consulate here.
            assign(pa, Role::Consulate, false);
        }
        if abroad
            && compound_link.country.is_some()
            && let Some(d) = if raised_role == Role::Destination {
                Some(raised)
            } else {
                self.destination_agency(dest)
            }
        {
            assign(d, Role::Destination, true);
        }
        if abroad
            && let Some(o) = origin
            && self.dice.chance(p.consulate)
        {
            let consulate = self.consulate(nat, o);
            assign(consulate, Role::Consulate, true);
        }

        // Where they are held, as precisely as the source can say.
        let precision = Precision::ALL[Weighted::new(p.precision).draw(&mut self.dice)];
        let (lat, lon) = match precision {
            Precision::Exact => (Some(compound.lat), Some(compound.lon)),
            Precision::Near => {
                let (a, b) = offset(&mut self.dice, compound.lat, compound.lon, 150.0, 900.0);
                (Some(a), Some(b))
            }
            Precision::KmOff => {
                let (a, b) = offset(
                    &mut self.dice,
                    compound.lat,
                    compound.lon,
                    2_000.0,
                    25_000.0,
                );
                (Some(a), Some(b))
            }
            Precision::None => (None, None),
        };
        let (pronoun, possessive) = if anchor.female {
            ("she", "her")
        } else {
            ("he", "his")
        };
        let escaped = p.source == Source::EscapedWorker;
        let (whereabouts, description) = match precision {
            Precision::Exact => {
                // The famous parks are named after their place.
                let at = if compound.name == place.place {
                    compound.name.clone()
                } else {
                    format!("{} in {}", compound.name, place.place)
                };
                (
                    format!("at {at} (live location shared)"),
                    format!("{at}: live location shared from inside"),
                )
            }
            Precision::Near => (
                format!("in a compound near {} (photo of a map sent)", place.place),
                format!(
                    "a compound near {}: photo of a map with the buildings marked",
                    place.place
                ),
            ),
            Precision::KmOff => (
                format!("somewhere around {}", place.place),
                format!(
                    "around {}: the nearest town {pronoun} could name",
                    place.place
                ),
            ),
            Precision::None => (
                format!("at a place {pronoun} cannot name"),
                if escaped {
                    format!("unknown: {pronoun} was driven in and out at night")
                } else {
                    "unknown: driven for hours after crossing the border".to_owned()
                },
            ),
        };
        let held_at = HeldAt {
            description,
            lat,
            lon,
            last_contact: (!escaped).then(|| time(t)),
        };

        // The people.
        let mut people = Vec::with_capacity(named);
        let mut worker_ids = Vec::with_capacity(members.len());
        for (i, &m) in members.iter().enumerate() {
            let wk = &world.workers[m as usize];
            worker_ids.push(wk.id.clone());
            if i < named {
                let person = self.person(p, wk, i == 0);
                people.push(person);
            }
        }
        let name = people[0].name();

        // How they were recruited, and who by.
        let mut perpetrators = Vec::new();
        let recruitment = (p.source != Source::FamilyReport || self.dice.chance(800))
            .then(|| self.recruitment(anchor, &mut perpetrators));

        // Who to call.
        let mut contacts = Vec::new();
        let relation = *self.dice.pick(&RELATIONS);
        let family = match p.source {
            Source::FamilyReport => true,
            Source::HotlineCall => self.dice.chance(600),
            Source::DistressSignal => self.dice.chance(300),
            Source::EscapedWorker => self.dice.chance(400),
            _ => false,
        };
        if family {
            let contact = self.family_contact(anchor, relation);
            contacts.push(contact);
        }
        let supporter = (!public(raised_agency)).then_some(raised_agency);
        match p.source {
            Source::HotlineCall => contacts.push(Contact {
                kind: "hotline".into(),
                name: supporter.map_or_else(|| "national hotline".into(), |a| a.name.clone()),
                ..Contact::default()
            }),
            Source::NgoReferral => {
                let phone = self.contact_phone(supporter.map_or(nat, |a| a.country_index));
                let personas = &tables.personas;
                contacts.push(Contact {
                    kind: "ngo".into(),
                    name: format!(
                        "{} {}",
                        self.dice.pick(&personas.given),
                        self.dice.pick(&personas.family)
                    ),
                    relation: format!(
                        "caseworker, {}",
                        supporter.map_or("partner NGO", |a| a.name.as_str())
                    ),
                    phone,
                    email: String::new(),
                });
            }
            _ => {}
        }

        // The account, in the words it came in.
        let reached = match raised_role {
            Role::Transit => format!(
                "a police post across the border in {}",
                tables.countries[raised_country].name
            ),
            Role::Destination => format!("the police in {}", tables.countries[dest].name),
            _ => format!("{possessive} country's embassy"),
        };
        let words = Words {
            name,
            nationality: c.name.clone(),
            job: tables.lexicon.jobs[anchor.job].title.clone(),
            pronoun,
            possessive,
            count: members.len(),
            whereabouts,
            relation,
            caller: if family {
                format!("the {relation}")
            } else {
                (*self
                    .dice
                    .pick(&["a former co-worker", "a friend", "a neighbour"]))
                .to_owned()
            },
            channel: channel_display(anchor.channel),
            app: APPS[self.dice.index(APPS.len())],
            days: (t - anchor.recruited) / DAY,
            reached,
            ngo: supporter.map_or_else(|| "a partner NGO".to_owned(), |a| a.name.clone()),
        };
        let list = &tables.narratives.signal[p.source.as_str()];
        let template = self.dice.pick(list).clone();
        let mut account = capitalised(&fill(&template, |v| words.var(v)));
        let ransom = match p.source {
            Source::FamilyReport => self.dice.chance(600),
            Source::HotlineCall => self.dice.chance(250),
            _ => false,
        };
        if ransom {
            let pool = if self.dice.chance(500) {
                &net.pools.compound_phones
            } else {
                &net.pools.whatsapp
            };
            let sender = rotate(pool, net.start, t, &mut self.dice);
            let entry = &world.entries[sender as usize];
            let demand = entry.sel.mention(&mut self.dice);
            push_unique(&mut perpetrators, entry.canonical.clone());
            let amount = self.dice.between(2, 30) * 1000;
            let template = self.dice.pick(&tables.narratives.signal["ransom"]).clone();
            let sentence = fill(&template, |v| match v {
                "ransom" => Some(amount.to_string()),
                "demand" => Some(demand.clone()),
                other => words.var(other),
            });
            account.push(' ');
            account.push_str(&sentence);
        }

        let forced = self.dice.chance(p.forced).then(|| self.forced(anchor));
        let opening = Opening {
            source: p.source,
            nationality: c.code.clone(),
            origin: String::new(),
            compound: compound_link,
            group_size: (members.len() > 1).then_some(members.len() as u32),
            assigned,
            consent: self.dice.chance(p.consent),
            personal: Personal {
                people,
                held: Some(held_at),
                recruitment,
                contacts,
                account,
                forced_criminality: forced.unwrap_or_default(),
            },
            received: Some(time(received)),
            reference: None,
        };
        let truth = SignalTruth {
            signal: String::new(),
            source: p.source,
            at: rfc3339(t),
            workers: worker_ids,
            named,
            network: net.id.clone(),
            compound: compound.id.clone(),
            compound_index: anchor.compound,
            compound_name: compound.name.clone(),
            site,
            country: tables.countries[dest].code.clone(),
            lat: compound.lat,
            lon: compound.lon,
            location: precision,
            perpetrators,
        };
        let signal = Signal {
            id: String::new(),
            received: rfc3339(received),
            raised_by: raised_agency.code.clone(),
            opening,
        };
        (received, self.made.len(), signal, truth)
    }

    fn person(&mut self, p: &Profile, wk: &Worker, first: bool) -> Person {
        let world = self.world;
        let tables = Tables::get();
        let c = &tables.countries[wk.nationality];
        let full = match &world.entries[wk.name as usize].sel {
            Sel::Name(n) => n.clone(),
            _ => String::new(),
        };
        let (given, family) = match full.rsplit_once(' ') {
            Some((g, f)) => (g.to_owned(), f.to_owned()),
            None => (full.clone(), String::new()),
        };
        // Companions are known less well than the one who wrote.
        let less = |pm: u32| if first { pm } else { pm * 7 / 10 };
        let mut identifiers = Vec::with_capacity(2);
        if self.dice.chance(less(p.passport)) {
            identifiers.push(world.entries[wk.passport as usize].canonical.clone());
        }
        if self.dice.chance(less(p.phone)) {
            identifiers.push(world.entries[wk.phone as usize].canonical.clone());
        }
        let birth_date = self.dice.chance(less(p.birth)).then(|| {
            // Mostly adults of 18 to 40; a few minors.
            let years = if self.dice.chance(30) {
                self.dice.between(16, 17)
            } else {
                self.dice.between(18, 40)
            } as i64;
            let days = years * 365 + years / 4 + self.dice.below(365) as i64;
            date(wk.recruited - days * DAY)
        });
        let mut languages = vec![c.lang.clone()];
        if c.lang != "en" && self.dice.chance(450) {
            languages.push("en".to_owned());
        }
        Person {
            given_name: given,
            family_name: family,
            birth_date,
            gender: if wk.female {
                Gender::Feminine
            } else {
                Gender::Masculine
            },
            nationality: c.code.clone(),
            languages,
            identifiers,
        }
    }

    /// The recruitment as the worker tells it, with the recruiter's
    /// selectors from the network's pools (added to `perpetrators`).
    fn recruitment(&mut self, wk: &Worker, perpetrators: &mut Vec<String>) -> Recruitment {
        let world = self.world;
        let tables = Tables::get();
        let net = &world.networks[wk.network as usize];
        let job = &tables.lexicon.jobs[wk.job];
        let lure = lure_destination(
            &mut self.dice,
            &tables.places[world.compounds[wk.compound].place].country,
        );
        let recruiter = &world.entries[wk.recruiter as usize];
        let handle = match &recruiter.sel {
            Sel::Handle {
                platform: Platform::Telegram,
                name,
            } => format!("@{name}"),
            Sel::Handle { name, .. } => name.clone(),
            _ => String::new(),
        };
        let mut selectors = Vec::with_capacity(3);
        if self.dice.chance(900) {
            push_unique(&mut selectors, recruiter.canonical.clone());
        }
        if self.dice.chance(350) {
            let phone = rotate(
                &net.pools.recruiter_phones,
                net.start,
                wk.recruited,
                &mut self.dice,
            );
            push_unique(
                &mut selectors,
                world.entries[phone as usize].canonical.clone(),
            );
        }
        if self.dice.chance(100) {
            let email = rotate(
                &net.pools.recruiter_emails,
                net.start,
                wk.recruited,
                &mut self.dice,
            );
            push_unique(
                &mut selectors,
                world.entries[email as usize].canonical.clone(),
            );
        }
        for s in &selectors {
            push_unique(perpetrators, s.clone());
        }
        let advert = if self.dice.chance(400) {
            format!(
                "Hiring {}! US${} a month, free flight and visa to {lure}. Message {handle} now.",
                job.title, wk.pay
            )
        } else {
            String::new()
        };
        Recruitment {
            channel: match wk.channel {
                "friend_or_relative" => "friend",
                other => other,
            }
            .to_owned(),
            promised_job: format!("{}, US${} a month in {lure}", job.title, wk.pay),
            advert,
            recruiter: handle,
            selectors,
        }
    }

    fn forced(&mut self, wk: &Worker) -> ForcedCriminality {
        let world = self.world;
        let tables = Tables::get();
        let net = &world.networks[wk.network as usize];
        let mut languages_used = vec!["en".to_owned()];
        for &target in &net.targets {
            let lang = &tables.countries[target].lang;
            if languages_used.len() < 3 && !languages_used.contains(lang) {
                languages_used.push(lang.clone());
            }
        }
        let mut coerced_offences = vec!["fraud".to_owned()];
        if self.dice.chance(200) {
            coerced_offences.push("money_laundering".to_owned());
        }
        if self.dice.chance(150) {
            coerced_offences.push("recruiting_others".to_owned());
        }
        ForcedCriminality {
            scam_types: net.scams.iter().map(|s| s.0.to_owned()).collect(),
            quota: (*self.dice.pick(&QUOTAS)).to_owned(),
            coerced_offences,
            languages_used,
            times_resold: match self.dice.below(100) {
                0..=74 => 0,
                75..=92 => 1,
                _ => 2,
            },
        }
    }

    fn family_contact(&mut self, wk: &Worker, relation: &'static str) -> Contact {
        let tables = Tables::get();
        let c = &tables.countries[wk.nationality];
        let names = &tables.names[&c.names];
        let family = match &self.world.entries[wk.name as usize].sel {
            Sel::Name(n) => n.rsplit(' ').next().unwrap_or_default().to_owned(),
            _ => String::new(),
        };
        let given = self.dice.pick(&names.given).clone();
        Contact {
            kind: "family".into(),
            name: format!("{given} {family}"),
            relation: relation.to_owned(),
            phone: self.contact_phone(wk.nationality),
            email: String::new(),
        }
    }

    /// A phone of `country` for a family member or a caseworker: serials
    /// from a quarter of the plan's space, 64 apart (below the report-time
    /// half, above the world's own), so none is a world or report number.
    fn contact_phone(&mut self, country: usize) -> String {
        let c = &Tables::get().countries[country];
        let plan = &self.world.phone_plans[country];
        let k = self.contact_serial[country];
        self.contact_serial[country] += 1;
        let nsn = plan.valid_nsn(c, plan.half() / 2 + k * 64, 1);
        format!("+{}{nsn}", c.dial)
    }

    /// Police of the workers' country, those who take rescue requests
    /// first.
    fn origin_agency(&mut self, country: usize) -> Option<usize> {
        let rescue = self.agencies(|a| {
            a.country_index == country && public(a) && a.files.contains(&ReportKind::RescueRequest)
        });
        let any = self.agencies(|a| a.country_index == country && public(a));
        self.pick(if rescue.is_empty() { any } else { rescue })
    }

    /// Police in the compound's country (or across its border), those who
    /// work on compounds or rescues first.
    fn destination_agency(&mut self, country: usize) -> Option<usize> {
        let working = self.agencies(|a| {
            a.country_index == country
                && public(a)
                && (a.files.contains(&ReportKind::RescueRequest)
                    || a.files.contains(&ReportKind::CompoundIntel))
        });
        let any = self.agencies(|a| a.country_index == country && public(a));
        self.pick(if working.is_empty() { any } else { working })
    }

    /// A hotline or NGO of `country`: those that take rescue requests
    /// first, then those of kind `first`.
    fn support(&mut self, country: usize, first: &str) -> Option<usize> {
        let rank = |a: &Agency| {
            2 * u8::from(!a.files.contains(&ReportKind::RescueRequest)) + u8::from(a.kind != first)
        };
        let here = self.agencies(|a| a.country_index == country && supports(a));
        let best = here.iter().map(|&a| rank(&self.world.agencies[a])).min();
        let preferred = here
            .into_iter()
            .filter(|&a| Some(rank(&self.world.agencies[a])) == best)
            .collect();
        self.pick(preferred)
    }

    /// The consulate's agency for nationals of `country`: a migrant
    /// workers' desk that takes rescue requests, else another of the
    /// country's agencies, else the origin agency itself.
    fn consulate(&mut self, country: usize, origin: usize) -> usize {
        let desk = self.agencies(|a| {
            a.country_index == country
                && a.kind == "hotline"
                && a.files.contains(&ReportKind::RescueRequest)
        });
        let other = {
            let origin_code = &self.world.agencies[origin].code;
            self.agencies(|a| a.country_index == country && public(a) && a.code != *origin_code)
        };
        self.pick(if desk.is_empty() { other } else { desk })
            .unwrap_or(origin)
    }

    /// A partner standing in for a country with no agency: police of a
    /// country of the same region (name group), never the compound's.
    fn partner(&mut self, country: usize, dest: usize) -> Option<usize> {
        let tables = Tables::get();
        let group = &tables.countries[country].names;
        let near = self.agencies(|a| {
            a.country_index != dest
                && public(a)
                && tables.countries[a.country_index].names == *group
        });
        if near.is_empty() {
            return Some(self.hub(dest));
        }
        self.pick(near)
    }

    /// A hub agency that stands in for anyone, not of the compound's
    /// country.
    fn hub(&mut self, dest: usize) -> usize {
        let hubs = self.agencies(|a| HUBS.contains(&a.code.as_str()) && a.country_index != dest);
        self.pick(hubs)
            .expect("the hubs are agencies of several countries")
    }

    fn agencies(&self, keep: impl Fn(&Agency) -> bool) -> Vec<usize> {
        (0..self.world.agencies.len())
            .filter(|&a| keep(&self.world.agencies[a]))
            .collect()
    }

    fn pick(&mut self, from: Vec<usize>) -> Option<usize> {
        (!from.is_empty()).then(|| *self.dice.pick(&from))
    }
}

impl Words {
    fn var(&self, name: &str) -> Option<String> {
        Some(match name {
            "name" => self.name.clone(),
            "nationality" => self.nationality.clone(),
            "job" => self.job.clone(),
            "pronoun" => self.pronoun.to_owned(),
            "pronoun_cap" => capitalised(self.pronoun),
            "possessive" => self.possessive.to_owned(),
            "together" => match self.count {
                0 | 1 => String::new(),
                2 => " together with one other".to_owned(),
                n => format!(" together with {} others", n - 1),
            },
            "people" => match self.count {
                0 | 1 => "all of us".to_owned(),
                n => format!("the {n} of us"),
            },
            "whereabouts" => self.whereabouts.clone(),
            "relation" => self.relation.to_owned(),
            "caller" => self.caller.clone(),
            "channel" => self.channel.to_owned(),
            "app" => self.app.to_owned(),
            "days" => self.days.to_string(),
            "reached" => self.reached.clone(),
            "ngo" => self.ngo.clone(),
            _ => return None,
        })
    }
}

/// The apps a message from inside comes on.
const APPS: [&str; 5] = [
    "WhatsApp",
    "Telegram",
    "Facebook Messenger",
    "LINE",
    "Signal",
];

const RELATIONS: [&str; 8] = [
    "mother", "father", "sister", "brother", "wife", "husband", "cousin", "uncle",
];

const QUOTAS: [&str; 6] = [
    "five new contacts a day",
    "20 chats a day",
    "US$10,000 in deposits a month",
    "two victims depositing a week",
    "US$50,000 a month for the team",
    "one new 'client' a day or no food",
];

/// Agencies that stand in for a partner where a region has none.
const HUBS: [&str; 4] = ["SG-SPF", "GB-NCA", "AU-AFP", "US-FBI"];

/// Police: the agencies that act for a state in a case.
fn public(a: &Agency) -> bool {
    matches!(a.kind.as_str(), "police" | "ncb")
}

/// Hotlines and NGOs: the agencies that support victims.
fn supports(a: &Agency) -> bool {
    matches!(a.kind.as_str(), "hotline" | "ngo")
}

/// The country across the border a compound's escapees reach first.
fn neighbour(country: &str) -> Option<&'static str> {
    match country {
        "MM" | "LA" | "KH" => Some("TH"),
        "TL" => Some("ID"),
        _ => None,
    }
}

/// A point `lo`–`hi` metres from (`lat`, `lon`) in a random direction,
/// rounded to 4 decimals, with exact IEEE operations only (square root
/// among them): a degree is taken as 111.32 km both ways.
fn offset(dice: &mut Dice, lat: f64, lon: f64, lo: f64, hi: f64) -> (f64, f64) {
    let distance = lo + (hi - lo) * dice.unit();
    let (x, y, norm) = loop {
        let x = 2.0 * dice.unit() - 1.0;
        let y = 2.0 * dice.unit() - 1.0;
        let n2 = x * x + y * y;
        if (0.01..=1.0).contains(&n2) {
            break (x, y, n2.sqrt());
        }
    };
    let metres = 111_320.0;
    (
        world::round4(lat + y / norm * distance / metres),
        world::round4(lon + x / norm * distance / metres),
    )
}

fn time(t: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(t, 0).expect("simulated times are in range")
}

fn date(t: i64) -> NaiveDate {
    time(t).date_naive()
}

fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    c.next().map_or(String::new(), |f| {
        f.to_ascii_uppercase().to_string() + c.as_str()
    })
}

fn push_unique(v: &mut Vec<String>, s: String) {
    if !v.contains(&s) {
        v.push(s);
    }
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeSet, HashMap};
    use std::sync::OnceLock;

    use super::*;
    use crate::Scale;

    type Made = Vec<(Signal, SignalTruth)>;

    /// The small world of seed 7 and its signals, made once for all tests.
    fn small() -> &'static (World, Made) {
        static SMALL: OnceLock<(World, Made)> = OnceLock::new();
        SMALL.get_or_init(|| {
            let world = World::build(7, Scale::Small);
            let signals = generate(&world);
            (world, signals)
        })
    }

    fn lines(signals: &Made) -> Vec<u8> {
        let mut out = Vec::new();
        for (s, t) in signals {
            serde_json::to_writer(&mut out, s).unwrap();
            serde_json::to_writer(&mut out, t).unwrap();
        }
        out
    }

    fn at(text: &str) -> i64 {
        DateTime::parse_from_rfc3339(text).unwrap().timestamp()
    }

    fn worker<'w>(world: &'w World, id: &str) -> &'w Worker {
        let n: usize = id[1..].parse().unwrap();
        let w = &world.workers[n - 1];
        assert_eq!(w.id, id);
        w
    }

    /// Metres between two points, on a sphere (tests only: trigonometry
    /// may differ in the last bit between platforms, output may not).
    fn metres(a: (f64, f64), b: (f64, f64)) -> f64 {
        let (la, lb) = (a.0.to_radians(), b.0.to_radians());
        let dlat = lb - la;
        let dlon = (b.1 - a.1).to_radians();
        let h = (dlat / 2.0).sin().powi(2) + la.cos() * lb.cos() * (dlon / 2.0).sin().powi(2);
        2.0 * 6_371_000.0 * h.sqrt().asin()
    }

    #[test]
    fn the_same_seed_gives_the_same_bytes_and_another_seed_others() {
        let (world, signals) = small();
        let again = generate(&World::build(7, Scale::Small));
        assert_eq!(lines(signals), lines(&again));
        assert_eq!(lines(signals), lines(&generate(world)));
        let other = generate(&World::build(8, Scale::Small));
        assert_ne!(lines(signals), lines(&other));
    }

    #[test]
    fn every_opening_passes_the_check_and_is_taken_by_the_agency_it_reached() {
        let (world, signals) = small();
        let end = time(world::END);
        let codes: HashMap<&str, &Agency> = world
            .agencies
            .iter()
            .map(|a| (a.code.as_str(), a))
            .collect();
        for (s, _) in signals {
            let o = &s.opening;
            o.check(end)
                .unwrap_or_else(|e| panic!("{}: {e}: {}", s.id, serde_json::to_string(o).unwrap()));
            assert_eq!(o.assigned[0].agency, s.raised_by, "{}", s.id);
            assert!(codes.contains_key(s.raised_by.as_str()));
            assert_eq!(o.received, Some(time(at(&s.received))));
            assert!(!o.personal.account.contains('{'), "{}", o.personal.account);
            let first = o.personal.account.chars().next().unwrap();
            assert!(first.is_uppercase(), "{}", o.personal.account);
            for a in &o.assigned {
                assert!(codes.contains_key(a.agency.as_str()), "{}", a.agency);
            }
        }
    }

    #[test]
    fn the_truth_names_the_workers_compounds_and_sites() {
        let (world, signals) = small();
        let tables = Tables::get();
        for (s, t) in signals {
            assert_eq!(t.signal, s.id);
            assert_eq!(t.source, s.opening.source);
            let c = &world.compounds[t.compound_index];
            assert_eq!(
                (c.id.as_str(), c.name.as_str()),
                (t.compound.as_str(), t.compound_name.as_str())
            );
            assert_eq!((c.lat, c.lon), (t.lat, t.lon));
            assert_eq!(tables.countries[c.country].code, t.country);
            let site = cordon_analysis::places::site(c.lat, c.lon).unwrap();
            assert_eq!(site.to_string(), t.site);
            for id in &t.workers {
                let w = worker(world, id);
                assert_eq!(w.compound, t.compound_index, "{}", s.id);
                assert_eq!(world.networks[w.network as usize].id, t.network);
            }
            // What the opening says of the compound is true.
            if let Some(site) = &s.opening.compound.site {
                assert_eq!(*site, t.site);
            }
            if let Some(country) = &s.opening.compound.country {
                assert_eq!(*country, t.country);
            }
            // The people named are the first workers, with their own
            // passport and phone.
            assert_eq!(s.opening.personal.people.len(), t.named);
            for (p, id) in s.opening.personal.people.iter().zip(&t.workers) {
                let w = worker(world, id);
                let own = [
                    &world.entries[w.passport as usize].canonical,
                    &world.entries[w.phone as usize].canonical,
                ];
                assert!(p.identifiers.iter().all(|i| own.contains(&i)), "{p:?}");
                assert_eq!(p.nationality, tables.countries[w.nationality].code);
                let name = &world.entries[w.name as usize].canonical;
                assert_eq!(format!("name:{}", p.name().to_ascii_lowercase()), *name);
            }
            assert_eq!(
                s.opening.nationality,
                s.opening.personal.people[0].nationality
            );
        }
    }

    #[test]
    fn recruiters_and_ransom_senders_are_the_networks_own_selectors() {
        let (world, signals) = small();
        let owners: HashMap<&str, &[u16]> = world
            .entries
            .iter()
            .map(|e| (e.canonical.as_str(), e.networks.as_slice()))
            .collect();
        let mut released = 0;
        for (s, t) in signals {
            let n = world
                .networks
                .iter()
                .position(|x| x.id == t.network)
                .unwrap() as u16;
            for sel in &t.perpetrators {
                cordon_core::Selector::parse_canonical(sel).unwrap();
                assert!(owners[sel.as_str()].contains(&n), "{sel} of {}", t.network);
            }
            if let Some(r) = &s.opening.personal.recruitment {
                assert!(r.selectors.iter().all(|x| t.perpetrators.contains(x)));
                released += usize::from(!r.selectors.is_empty());
            }
        }
        assert!(released * 10 > signals.len() * 7, "{released}");
    }

    #[test]
    fn a_group_is_held_in_one_compound_at_one_time() {
        let (world, signals) = small();
        let mut groups = 0;
        let mut seen = BTreeSet::new();
        for (s, t) in signals {
            let when = at(&t.at);
            for id in &t.workers {
                assert!(seen.insert(id.clone()), "{id} is in two signals");
                let w = worker(world, id);
                let (from, until) = held(world, w).unwrap();
                assert!(from <= when && when < until, "{} {id}", s.id);
            }
            assert!(at(&s.received) >= when);
            if t.workers.len() > 1 {
                groups += 1;
                assert!((2..=5).contains(&t.workers.len()));
                assert_eq!(s.opening.group_size, Some(t.workers.len() as u32));
                assert!(t.named == 1 || t.named == t.workers.len());
            } else {
                assert_eq!(s.opening.group_size, None);
                assert_eq!(t.named, 1);
            }
        }
        let share = groups as f64 / signals.len() as f64;
        assert!((0.12..0.35).contains(&share), "{groups} groups");
    }

    #[test]
    fn a_share_of_the_workers_raises_signals_from_every_source() {
        let (world, signals) = small();
        let workers: usize = signals.iter().map(|(_, t)| t.workers.len()).sum();
        let share = workers as f64 / world.workers.len() as f64;
        assert!((0.10..=0.20).contains(&share), "{share}");
        let total: u64 = PROFILES.iter().map(|p| p.weight).sum();
        for p in PROFILES {
            let n = signals
                .iter()
                .filter(|(s, _)| s.opening.source == p.source)
                .count();
            let observed = n as f64 / signals.len() as f64;
            let expected = p.weight as f64 / total as f64;
            assert!(
                (observed - expected).abs() < 0.08,
                "{:?}: {observed} vs {expected}",
                p.source
            );
            assert_eq!(profile(p.source).weight, p.weight);
        }
    }

    #[test]
    fn locations_are_as_precise_as_designed() {
        let mut count = [0usize; 4];
        let mut expected = [0f64; 4];
        let mut total = 0;
        let others: Vec<Made> = [1, 2]
            .into_iter()
            .map(|seed| generate(&World::build(seed, Scale::Small)))
            .collect();
        for signals in std::iter::once(&small().1).chain(&others) {
            for (s, t) in signals {
                let held = s.opening.personal.held.as_ref().unwrap();
                let point = held.lat.zip(held.lon);
                match t.location {
                    Precision::Exact => {
                        assert_eq!(point, Some((t.lat, t.lon)));
                        let site = cordon_analysis::places::site(t.lat, t.lon).unwrap();
                        assert_eq!(site.to_string(), t.site);
                    }
                    Precision::Near => {
                        let d = metres(point.unwrap(), (t.lat, t.lon));
                        assert!((100.0..=950.0).contains(&d), "{d} m");
                    }
                    Precision::KmOff => {
                        let d = metres(point.unwrap(), (t.lat, t.lon));
                        assert!((1_400.0..=25_100.0).contains(&d), "{d} m");
                    }
                    Precision::None => assert_eq!(point, None),
                }
                if s.opening.source == Source::EscapedWorker {
                    assert!(matches!(t.location, Precision::KmOff | Precision::None));
                    assert_eq!(held.last_contact, None);
                } else {
                    assert_eq!(held.last_contact, Some(time(at(&t.at))));
                }
                let p = profile(s.opening.source);
                let sum: u64 = p.precision.iter().sum();
                for (e, w) in expected.iter_mut().zip(p.precision) {
                    *e += w as f64 / sum as f64;
                }
                count[Precision::ALL
                    .iter()
                    .position(|&x| x == t.location)
                    .unwrap()] += 1;
                total += 1;
            }
        }
        for (i, kind) in Precision::ALL.iter().enumerate() {
            let observed = count[i] as f64 / total as f64;
            let designed = expected[i] / total as f64;
            assert!(
                (observed - designed).abs() < 0.05,
                "{kind:?}: {observed:.3} observed, {designed:.3} designed ({total} signals)"
            );
        }
        // Exact pins and no location at all are both common.
        assert!(count[0] * 10 > total && count[3] * 4 > total, "{count:?}");
    }

    #[test]
    fn agencies_act_for_the_workers_country_the_compounds_and_stand_in() {
        let (world, signals) = small();
        let tables = Tables::get();
        let country_of = |code: &str| {
            let a = world.agencies.iter().find(|a| a.code == code).unwrap();
            (a.country.clone(), public(a))
        };
        let mut stand_ins = 0;
        let mut consulates = 0;
        for (s, t) in signals {
            let o = &s.opening;
            let has_police = world
                .agencies
                .iter()
                .any(|a| a.country == o.nationality && public(a));
            let origin: Vec<_> = o
                .assigned
                .iter()
                .filter(|a| a.role == Role::Origin)
                .collect();
            if has_police {
                assert!(!origin.is_empty(), "{}", s.id);
                assert!(o.assigned.iter().all(|a| a.embassy), "{}", s.id);
            } else {
                // No agency of their own: a partner stands in, and says so.
                assert!(origin.is_empty());
                let partner = o
                    .assigned
                    .iter()
                    .find(|a| a.role == Role::Consulate)
                    .unwrap_or_else(|| panic!("{}: no stand-in", s.id));
                assert!(!partner.embassy);
                assert_ne!(country_of(&partner.agency).0, o.nationality);
                assert_ne!(country_of(&partner.agency).0, t.country);
                stand_ins += 1;
            }
            for a in &o.assigned {
                let (country, police) = country_of(&a.agency);
                match a.role {
                    Role::Origin => assert!(country == o.nationality && police),
                    Role::Destination => assert!(country == t.country && police),
                    Role::Consulate if a.embassy => {
                        consulates += 1;
                        assert_eq!(country, o.nationality);
                    }
                    Role::Transit => assert!(police && country != t.country),
                    Role::Support => assert!(!police),
                    _ => {}
                }
            }
            // A destination agency is assigned when the signal names the
            // compound's country and it has one, unless they are at home.
            let dest_police = world
                .agencies
                .iter()
                .any(|a| a.country == t.country && public(a));
            let named_abroad = o.compound.country.is_some() && t.country != o.nationality;
            assert_eq!(
                o.assigned.iter().any(|a| a.role == Role::Destination),
                named_abroad && dest_police,
                "{}",
                s.id
            );
            // Hotline calls reach a hotline or NGO where the world has one.
            if o.source == Source::HotlineCall {
                let nat = tables.country(&o.nationality).unwrap();
                let any = world
                    .agencies
                    .iter()
                    .any(|a| a.country_index == nat && supports(a));
                if any {
                    assert!(!country_of(&s.raised_by).1, "{}", s.id);
                }
            }
        }
        assert!(stand_ins > 0 && consulates > 0, "{stand_ins} {consulates}");
    }

    #[test]
    fn the_files_hold_one_signal_and_one_truth_a_line_in_order_of_receipt() {
        let (world, signals) = small();
        let dir = tempfile::tempdir().unwrap();
        let summary = write(world, dir.path()).unwrap();
        let read = |name: &str| fs::read_to_string(dir.path().join("protect").join(name)).unwrap();
        let written: Vec<Signal> = read("signals.jsonl")
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        let truth: Vec<SignalTruth> = read("truth.jsonl")
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(written.len() as u64, summary.signals);
        assert_eq!(truth.len(), written.len());
        for (i, ((s, t), (made, _))) in written.iter().zip(&truth).zip(signals).enumerate() {
            assert_eq!(s.id, format!("SIG-{:06}", i + 1));
            assert_eq!(t.signal, s.id);
            assert_eq!(s, made);
        }
        assert!(
            written
                .windows(2)
                .all(|w| at(&w[0].received) <= at(&w[1].received))
        );
        assert_eq!(summary.sources.values().sum::<u64>(), summary.signals);
        assert_eq!(summary.locations.values().sum::<u64>(), summary.signals);
        assert_eq!(
            summary.compound_links.values().sum::<u64>(),
            summary.signals
        );
        assert_eq!(
            summary.workers,
            truth.iter().map(|t| t.workers.len() as u64).sum::<u64>()
        );
        assert!(summary.compound_links["site"] > 0 && summary.compound_links["none"] > 0);
        assert!(summary.compound_links["country"] > summary.compound_links["site"]);
        // Writing again gives the same bytes.
        let first = read("signals.jsonl");
        write(world, dir.path()).unwrap();
        assert_eq!(read("signals.jsonl"), first);
    }
}
