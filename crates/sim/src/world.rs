//! The simulated world: agencies, criminal networks, their compounds,
//! infrastructure pools and trafficked workers, built once from the seed
//! before any report is written.
//!
//! Everything here is ground truth. Reports (see `report`) are noisy,
//! partial observations of this world.

use std::collections::{HashMap, HashSet};

use cordon_core::ReportKind;
use serde::Serialize;

use crate::Scale;
use crate::codec;
use crate::data::{Country, Tables};
use crate::dice::{Dice, Weighted};
use crate::selector::{Platform, Sel, bban_segments};

/// 2023-01-01T00:00:00Z: the simulated period starts as the compounds spread.
pub const START: i64 = 1_672_531_200;
/// 2026-01-01T00:00:00Z.
pub const END: i64 = 1_767_225_600;

/// What a selector is used for, recorded in the truth.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    ContactPhone,
    WhatsApp,
    PersonaHandle,
    Platform,
    PlatformEmail,
    CollectionWallet,
    MuleAccount,
    RecruiterHandle,
    RecruiterPhone,
    RecruiterEmail,
    FrontCompany,
    HostingIp,
    CompoundPhone,
    ExchangeDeposit,
    BulletproofHosting,
    JobBoard,
    JobGroup,
    LaunderingService,
    WorkerName,
    WorkerPassport,
    WorkerPhone,
    DepositAddress,
    InviteUrl,
    JobPostUrl,
    Unrelated,
}

/// One selector of the world with its owners.
#[derive(Debug, Clone)]
pub struct Entry {
    pub sel: Sel,
    pub canonical: String,
    pub role: Role,
    pub networks: Vec<u16>,
}

/// A member agency and the report kinds it files.
#[derive(Debug, Clone, Serialize)]
pub struct Agency {
    pub code: String,
    pub name: String,
    pub country: String,
    pub kind: String,
    #[serde(skip)]
    pub country_index: usize,
    #[serde(skip)]
    pub files: Vec<ReportKind>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CompoundStatus {
    Active,
    Raided,
    Relocated,
    Closed,
}

#[derive(Debug, Clone)]
pub struct Compound {
    pub id: String,
    pub name: String,
    pub place: usize,
    pub country: usize,
    pub lat: f64,
    pub lon: f64,
    pub opened: i64,
    pub status: CompoundStatus,
    /// When the status last changed (raid, relocation, closure).
    pub status_since: Option<i64>,
    pub networks: Vec<u16>,
}

/// A network's infrastructure, as indices into [`World::entries`]. Pools
/// are ordered by first use: picking near the current position of the
/// network's timeline gives rotation; picking the same item again gives
/// reuse.
#[derive(Debug, Clone, Default)]
pub struct Pools {
    pub contact_phones: Vec<u32>,
    pub whatsapp: Vec<u32>,
    pub personas: Vec<u32>,
    pub platforms: Vec<u32>,
    pub platform_emails: Vec<u32>,
    pub wallets: Vec<u32>,
    pub mules: Vec<u32>,
    pub recruiters: Vec<u32>,
    pub recruiter_phones: Vec<u32>,
    pub recruiter_emails: Vec<u32>,
    pub companies: Vec<u32>,
    pub ips: Vec<u32>,
    pub compound_phones: Vec<u32>,
    pub exchange: Vec<u32>,
    pub hosting: Vec<u32>,
    pub job_boards: Vec<u32>,
    pub job_groups: Vec<u32>,
    pub laundering: Vec<u32>,
}

#[derive(Debug, Clone)]
pub struct Network {
    pub id: String,
    pub name: String,
    /// Who runs it, as analysts describe it ("Chinese-speaking syndicate").
    pub origin: &'static str,
    pub weight: u64,
    pub start: i64,
    /// Scam types run, with integer weights.
    pub scams: Vec<(&'static str, u64)>,
    pub scam_table: Weighted,
    /// Countries whose residents it targets (table indices).
    pub targets: Vec<usize>,
    pub target_table: Weighted,
    pub platforms: Vec<Platform>,
    /// The compounds it operates from, with the time each was taken up.
    pub sites: Vec<(usize, i64)>,
    pub affiliate: Option<u16>,
    pub pools: Pools,
    pub workers: Vec<u32>,
}

impl Network {
    /// The compound the network works from at time `t`.
    pub fn compound_at(&self, t: i64) -> usize {
        self.sites
            .iter()
            .rev()
            .find(|(_, from)| *from <= t)
            .map_or(self.sites[0].0, |(c, _)| *c)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Trafficked {
    /// Deceived or coerced, held against their will (HTCDS "actual victim").
    Victim,
    /// Went knowingly and may leave (HTCDS "not a victim").
    NotAVictim,
}

#[derive(Debug, Clone)]
pub struct Worker {
    pub id: String,
    pub nationality: usize,
    pub network: u16,
    pub compound: usize,
    pub status: Trafficked,
    pub recruited: i64,
    pub job: usize,
    pub pay: u64,
    pub channel: &'static str,
    pub female: bool,
    pub name: u32,
    pub passport: u32,
    pub phone: u32,
    pub recruiter: u32,
}

/// Unique phone numbers of one country: serial numbers scattered over the
/// country's mobile number space.
#[derive(Debug, Clone)]
pub struct PhonePlan {
    space: u64,
    per_prefix: u64,
    salt: u64,
}

impl PhonePlan {
    fn new(c: &Country, salt: u64) -> Self {
        let lead = c.rest_lead.as_ref().map_or(10, |l| l.len() as u64);
        let per_prefix = lead * 10u64.pow(c.rest - 1);
        PhonePlan {
            space: per_prefix * c.mobile.len() as u64,
            per_prefix,
            salt,
        }
    }

    /// The national significant number for a serial. Serials below half the
    /// space belong to the world; report-time numbers use the upper half,
    /// so the two never collide.
    pub fn nsn(&self, c: &Country, serial: u64) -> String {
        let x = codec::scatter(serial, self.space, self.salt);
        let prefix = &c.mobile[(x / self.per_prefix) as usize];
        let mut rest = x % self.per_prefix;
        let mut out = String::with_capacity(prefix.len() + c.rest as usize);
        out.push_str(prefix);
        let width = c.rest as usize;
        if let Some(lead) = &c.rest_lead {
            let tail = 10u64.pow(c.rest - 1);
            let first = lead.as_bytes()[(rest / tail) as usize];
            out.push(first as char);
            rest %= tail;
            codec::push_digits(&mut out, rest, width - 1);
        } else {
            codec::push_digits(&mut out, rest, width);
        }
        out
    }

    #[cfg(test)]
    pub fn new_for_test(c: &Country, salt: u64) -> Self {
        PhonePlan::new(c, salt)
    }

    /// A number in use for a serial: libphonenumber's plan has unassigned
    /// blocks inside most ranges, so a serial whose number core would reject
    /// moves on by `stride` (callers choose a stride that keeps serials
    /// distinct) until the number is valid.
    pub fn valid_nsn(&self, c: &Country, serial: u64, stride: u64) -> String {
        let mut s = serial;
        for _ in 0..64 {
            let nsn = self.nsn(c, s);
            if in_use(c, &nsn) {
                return nsn;
            }
            s += stride;
        }
        self.nsn(c, serial)
    }

    pub fn half(&self) -> u64 {
        self.space / 2
    }
}

/// True when core accepts the number: it is in use in the country's plan.
fn in_use(c: &Country, nsn: &str) -> bool {
    let e164 = format!("+{}{nsn}", c.dial);
    cordon_core::selector::normalize_one(&e164, &cordon_core::Hint::default()).is_ok()
}

/// The whole simulated world.
#[derive(Debug)]
pub struct World {
    pub seed: u64,
    pub scale: Scale,
    pub total_reports: u64,
    pub agencies: Vec<Agency>,
    pub networks: Vec<Network>,
    pub compounds: Vec<Compound>,
    pub workers: Vec<Worker>,
    pub entries: Vec<Entry>,
    pub phone_plans: Vec<PhonePlan>,
    /// Countries whose residents file fraud complaints, by victim weight.
    pub victim_countries: Vec<usize>,
    pub victim_table: Weighted,
    /// Networks active in each period of the timeline, by weight.
    pub timeline: Vec<(Vec<u16>, Weighted)>,
    /// Shared infrastructure touched by many networks.
    pub shared: Vec<u32>,
    /// Job-board domains, shared by many networks' recruiters and by
    /// legitimate adverts.
    pub job_boards: Vec<u32>,
    pub exchange: Vec<u32>,
    /// Countries whose banks hold mule accounts.
    pub mule_countries: Vec<usize>,
}

/// Periods of the timeline used to pick active networks.
pub const PERIODS: usize = 48;

impl World {
    /// Builds the world for a seed and scale.
    pub fn build(seed: u64, scale: Scale) -> World {
        Builder::new(seed, scale).build()
    }

    /// The period of the timeline a time falls in.
    pub fn period(t: i64) -> usize {
        let p = ((t - START) as i128 * PERIODS as i128 / (END - START) as i128) as usize;
        p.min(PERIODS - 1)
    }

    /// Agencies that file `kind` in `country`.
    pub fn agencies_filing(
        &self,
        kind: ReportKind,
        country: usize,
    ) -> impl Iterator<Item = usize> + '_ {
        self.agencies
            .iter()
            .enumerate()
            .filter(move |(_, a)| a.country_index == country && a.files.contains(&kind))
            .map(|(i, _)| i)
    }
}

struct Builder {
    dice: Dice,
    scale: Scale,
    seed: u64,
    world_entries: Vec<Entry>,
    seen: HashMap<String, u32>,
    phone_plans: Vec<PhonePlan>,
    phone_serial: Vec<u64>,
    account_serial: u64,
}

impl Builder {
    fn new(seed: u64, scale: Scale) -> Self {
        let t = Tables::get();
        let mut dice = Dice::new(seed, 0);
        let phone_plans = t
            .countries
            .iter()
            .map(|c| PhonePlan::new(c, dice.u64()))
            .collect();
        Builder {
            dice,
            scale,
            seed,
            world_entries: Vec::new(),
            seen: HashMap::new(),
            phone_plans,
            phone_serial: vec![0; t.countries.len()],
            account_serial: 0,
        }
    }

    /// Adds an entry unless its canonical form exists already (then the
    /// existing one is returned, so a name clash becomes reuse, not a
    /// duplicate in the truth).
    fn add(&mut self, sel: Sel, role: Role, network: Option<u16>) -> Option<u32> {
        let canonical = sel.canonical();
        let id = self.world_entries.len() as u32;
        if self.seen.contains_key(&canonical) {
            return None;
        }
        self.seen.insert(canonical.clone(), id);
        self.world_entries.push(Entry {
            sel,
            canonical,
            role,
            networks: network.into_iter().collect(),
        });
        Some(id)
    }

    /// Adds a freshly generated entry, retrying on the rare name clash.
    fn fresh(&mut self, role: Role, network: Option<u16>, make: impl Fn(&mut Self) -> Sel) -> u32 {
        loop {
            let sel = make(self);
            if let Some(id) = self.add(sel, role, network) {
                return id;
            }
        }
    }

    /// Adds an entry or, when its canonical form exists, shares the existing
    /// one: people's names repeat ("Nguyen Van An"), and a fuzzy name selector
    /// that several workers share is how a real register looks.
    fn intern(&mut self, sel: Sel, role: Role, network: u16) -> u32 {
        let canonical = sel.canonical();
        if let Some(&id) = self.seen.get(&canonical) {
            let owners = &mut self.world_entries[id as usize].networks;
            if !owners.contains(&network) {
                owners.push(network);
            }
            return id;
        }
        self.add(sel, role, Some(network)).expect("checked absent")
    }

    fn phone(&mut self, country: usize) -> Sel {
        let t = Tables::get();
        // World serials advance past numbers not in use, so each stays unique.
        let c = &t.countries[country];
        let nsn = loop {
            let serial = self.phone_serial[country];
            self.phone_serial[country] += 1;
            let nsn = self.phone_plans[country].nsn(c, serial);
            if in_use(c, &nsn) {
                break nsn;
            }
        };
        Sel::Phone {
            country: country as u16,
            nsn,
        }
    }

    fn build(mut self) -> World {
        let t = Tables::get();
        let total_reports = self.scale.reports();
        let (network_count, workers_per_weight) = match self.scale {
            Scale::Small => (30usize, 2u64),
            Scale::Medium => (120, 2),
            Scale::Large => (400, 3),
        };

        let agencies: Vec<Agency> = t
            .agencies
            .iter()
            .map(|a| Agency {
                code: a.code.clone(),
                name: a.name.clone(),
                country: a.country.clone(),
                kind: a.kind.clone(),
                country_index: t.country(&a.country).expect("checked by data tests"),
                files: a
                    .files
                    .iter()
                    .map(|k| k.parse().expect("checked by data tests"))
                    .collect(),
            })
            .collect();

        let victim_countries: Vec<usize> = (0..t.countries.len())
            .filter(|&c| {
                t.countries[c].victim > 0
                    && agencies.iter().any(|a| {
                        a.country_index == c && a.files.contains(&ReportKind::FraudComplaint)
                    })
            })
            .collect();
        let victim_table = Weighted::new(victim_countries.iter().map(|&c| t.countries[c].victim));
        let mule_countries: Vec<usize> = [
            "TH", "KH", "PH", "VN", "MY", "ID", "CN", "HK", "AE", "TR", "GB", "LT", "NL", "GE",
            "KZ", "UA", "US", "NG", "BR", "DE",
        ]
        .iter()
        .map(|c| t.country(c).expect("mule country in tables"))
        .collect();

        let shared = self.shared_infrastructure();
        let mut networks = self.networks(network_count, total_reports, &victim_countries);
        let compounds = self.compounds(&mut networks);
        self.pools(&mut networks, &compounds, total_reports, &mule_countries);
        self.share(&mut networks, &shared);
        let workers = self.workers(&mut networks, &compounds, workers_per_weight);
        let timeline = timeline(&networks);

        let entries = std::mem::take(&mut self.world_entries);
        World {
            seed: self.seed,
            scale: self.scale,
            total_reports,
            agencies,
            networks,
            compounds,
            workers,
            entries,
            phone_plans: self.phone_plans,
            victim_countries,
            victim_table,
            timeline,
            shared: shared.all,
            job_boards: shared.job_boards,
            exchange: shared.exchange,
            mule_countries,
        }
    }

    fn shared_infrastructure(&mut self) -> SharedSet {
        let lx = &Tables::get().lexicon;
        let mut s = SharedSet::default();
        for _ in 0..3 {
            let id = self.fresh(Role::ExchangeDeposit, None, |b| {
                Sel::Trx(codec::tron_address(&b.dice.bytes()))
            });
            s.exchange.push(id);
        }
        let id = self.fresh(Role::ExchangeDeposit, None, |b| Sel::Eth(b.dice.bytes()));
        s.exchange.push(id);
        let id = self.fresh(Role::ExchangeDeposit, None, |b| {
            Sel::Btc(codec::btc_bech32(&b.dice.bytes()))
        });
        s.exchange.push(id);
        // Documentation address ranges (RFC 5737) stand in for hosting
        // providers, so that no real address is ever labelled criminal.
        for i in 0..4u32 {
            let ip = format!("203.0.113.{}", 10 + i * 7);
            let id = self
                .add(Sel::Ip(ip), Role::BulletproofHosting, None)
                .expect("distinct");
            s.hosting.push(id);
        }
        for _ in 0..3 {
            let id = self.fresh(Role::JobBoard, None, |b| {
                let w = b.dice.pick(&lx.job_words).clone();
                let tld = *b.dice.pick(&["com", "net", "asia", "work"]);
                Sel::Domain(format!("{w}jobsboard.{tld}"))
            });
            s.job_boards.push(id);
        }
        for _ in 0..3 {
            let id = self.fresh(Role::JobGroup, None, |b| {
                let w = b.dice.pick(&lx.job_words).clone();
                Sel::Handle {
                    platform: Platform::Telegram,
                    name: format!("{}_Overseas_Jobs", capitalise(&w)),
                }
            });
            s.job_groups.push(id);
        }
        for cc in ["AE", "TR"] {
            let country = Tables::get().country(cc).expect("in tables");
            let id = self.fresh(Role::LaunderingService, None, |b| b.account(country));
            s.laundering.push(id);
        }
        s.all = [
            &s.exchange,
            &s.hosting,
            &s.job_boards,
            &s.job_groups,
            &s.laundering,
        ]
        .into_iter()
        .flatten()
        .copied()
        .collect();
        s
    }

    fn networks(
        &mut self,
        count: usize,
        total_reports: u64,
        victim_countries: &[usize],
    ) -> Vec<Network> {
        let t = Tables::get();
        let lx = &t.lexicon;
        const SCAMS: [(&str, u64); 10] = [
            ("investment", 40),
            ("romance", 12),
            ("task", 14),
            ("impersonation", 8),
            ("voice_phishing", 4),
            ("sextortion", 4),
            ("loan", 5),
            ("ecommerce", 4),
            ("recovery", 5),
            ("gambling", 4),
        ];
        let scam_table = Weighted::new(SCAMS.iter().map(|s| s.1));
        let victim_weights = Weighted::new(victim_countries.iter().map(|&c| t.countries[c].victim));
        let mut names = HashSet::new();
        (0..count)
            .map(|i| {
                let name = loop {
                    let n = format!(
                        "{} {}",
                        self.dice.pick(&lx.network_first),
                        self.dice.pick(&lx.network_second)
                    );
                    if names.insert(n.clone()) || names.len() > 250 {
                        break n;
                    }
                };
                // A few large syndicates and many small crews.
                let u = self.dice.below(1000);
                let weight = 4 + u * u * u / 10_000_000;
                let start = if i < count / 5 {
                    START
                } else {
                    START + self.dice.below(((END - START) / 2) as u64) as i64
                };
                let n_scams = 1 + self.dice.below(3) as usize;
                let mut scams: Vec<(&'static str, u64)> = Vec::new();
                while scams.len() < n_scams {
                    let s = SCAMS[scam_table.draw(&mut self.dice)];
                    if !scams.iter().any(|x| x.0 == s.0) {
                        scams.push((s.0, 1 + self.dice.below(5)));
                    }
                }
                let n_targets = 3 + self.dice.below(4) as usize;
                let mut targets = Vec::new();
                while targets.len() < n_targets {
                    let c = victim_countries[victim_weights.draw(&mut self.dice)];
                    if !targets.contains(&c) {
                        targets.push(c);
                    }
                }
                let target_table = Weighted::new(targets.iter().map(|_| 1 + self.dice.below(6)));
                let mut platforms = vec![Platform::Telegram];
                for p in [Platform::Facebook, Platform::Line, Platform::WeChat] {
                    if self.dice.chance(450) {
                        platforms.push(p);
                    }
                }
                let _ = total_reports;
                Network {
                    id: format!("N{:04}", i + 1),
                    name,
                    origin: "",
                    weight,
                    start,
                    scam_table: Weighted::new(scams.iter().map(|s| s.1)),
                    scams,
                    target_table,
                    targets,
                    platforms,
                    sites: Vec::new(),
                    affiliate: None,
                    pools: Pools::default(),
                    workers: Vec::new(),
                }
            })
            .collect()
    }

    fn compounds(&mut self, networks: &mut [Network]) -> Vec<Compound> {
        let t = Tables::get();
        let lx = &t.lexicon;
        let place_table = Weighted::new(t.places.iter().map(|p| p.weight));
        let mut compounds: Vec<Compound> = Vec::new();
        let new_compound =
            |b: &mut Builder, place: usize, opened: i64, compounds: &mut Vec<Compound>| {
                let p = &t.places[place];
                let famous = ["KK Park", "Shwe Kokko", "Golden Triangle SEZ"];
                let name = if famous.contains(&p.place.as_str())
                    && !compounds.iter().any(|c| c.place == place)
                {
                    p.place.clone()
                } else {
                    format!(
                        "{} {}",
                        b.dice.pick(&lx.compound_first),
                        b.dice.pick(&lx.compound_second)
                    )
                };
                // Within a few kilometres of the town centre; lat/lon are
                // rounded to 4 decimals (about 10 m) as in intelligence reports.
                let lat = round4(p.lat + (b.dice.unit() - 0.5) * 0.06);
                let lon = round4(p.lon + (b.dice.unit() - 0.5) * 0.06);
                compounds.push(Compound {
                    id: format!("C{:04}", compounds.len() + 1),
                    name,
                    place,
                    country: t.country(&p.country).expect("checked by data tests"),
                    lat,
                    lon,
                    opened,
                    status: CompoundStatus::Active,
                    status_since: None,
                    networks: Vec::new(),
                });
                compounds.len() - 1
            };
        for (n, net) in networks.iter_mut().enumerate() {
            let place = place_table.draw(&mut self.dice);
            // Large parks house several operators: join an existing compound
            // at the same place a quarter of the time.
            let existing: Vec<usize> = (0..compounds.len())
                .filter(|&c| compounds[c].place == place)
                .collect();
            let first = if !existing.is_empty() && self.dice.chance(250) {
                *self.dice.pick(&existing)
            } else {
                new_compound(self, place, net.start, &mut compounds)
            };
            compounds[first].networks.push(n as u16);
            net.sites.push((first, net.start));
            net.origin = origin(&mut self.dice, &t.places[place].region);
            // A third of networks are raided or move during the period.
            if self.dice.chance(350) {
                let span = (END - net.start) as u64;
                let when = net.start + (span * 3 / 10 + self.dice.below(span * 6 / 10)) as i64;
                let raided = self.dice.chance(600);
                let old = &mut compounds[first];
                old.status = if raided {
                    CompoundStatus::Raided
                } else {
                    CompoundStatus::Relocated
                };
                old.status_since = Some(when);
                // Raids displace operations across borders: from Myanmar to
                // Cambodia or further afield, as reported since 2023.
                let next_place = place_table.draw(&mut self.dice);
                let next = new_compound(self, next_place, when, &mut compounds);
                compounds[next].networks.push(n as u16);
                net.sites.push((next, when));
            }
        }
        // Some compounds that were raided were later closed for good.
        for c in compounds.iter_mut() {
            if c.status == CompoundStatus::Raided && self.dice.chance(300) {
                c.status = CompoundStatus::Closed;
            }
        }
        compounds
    }

    fn pools(
        &mut self,
        networks: &mut [Network],
        compounds: &[Compound],
        total_reports: u64,
        mules: &[usize],
    ) {
        let t = Tables::get();
        let lx = &t.lexicon;
        let total_weight: u64 = networks.iter().map(|n| n.weight).sum();
        let th = t.country("TH").expect("in tables");
        let mm = t.country("MM").expect("in tables");
        for (n, net) in networks.iter_mut().enumerate() {
            let id = Some(n as u16);
            // Expected reports of this network: pool sizes follow it, so
            // that reuse per selector is alike at every scale.
            let r = (total_reports * net.weight / total_weight).max(20);
            let size = |div: u64, min: u64| (r / div).max(min) as usize;
            let home = compounds[net.sites[0].0].country;
            // Myanmar compounds run on Thai SIM cards as much as local ones.
            let home_phone = |b: &mut Builder| {
                if home == mm && b.dice.chance(600) {
                    th
                } else {
                    home
                }
            };

            let mut p = Pools::default();
            for _ in 0..size(3, 2) {
                // Voice-phishing calls come from local-looking numbers of the
                // target country as often as from the compound's.
                let c = if self.dice.chance(500) {
                    net.targets[net.target_table.draw(&mut self.dice)]
                } else {
                    home_phone(self)
                };
                let id = self.fresh(Role::ContactPhone, id, |b| b.phone(c));
                p.contact_phones.push(id);
            }
            for _ in 0..size(2, 2) {
                let c = home_phone(self);
                let id = self.fresh(Role::WhatsApp, id, |b| match b.phone(c) {
                    Sel::Phone { country, nsn } => Sel::WhatsApp { country, nsn },
                    other => other,
                });
                p.whatsapp.push(id);
            }
            let pt = &t.personas;
            for _ in 0..size(1, 3) {
                let platform = *self.dice.pick(&net.platforms);
                let id = self.fresh(Role::PersonaHandle, id, |b| {
                    let given = b.dice.pick(&pt.given).clone();
                    let family = b.dice.pick(&pt.family).clone();
                    let num = b.dice.below(10_000);
                    let name = match (platform, b.dice.below(3)) {
                        (Platform::Facebook, _) => format!("{given}.{family}.{num}"),
                        (_, 0) => format!("{given}_{family}{num}"),
                        (_, 1) => format!("{given}{family}_{num}"),
                        _ => format!("{}{}{num}", given.to_ascii_lowercase(), &family[..1]),
                    };
                    Sel::Handle { platform, name }
                });
                p.personas.push(id);
            }
            for _ in 0..size(250, 2) {
                let dom = self.fresh(Role::Platform, id, |b| {
                    let w1 = b.dice.pick(&lx.platform_words).clone();
                    let w2 = b.dice.pick(&lx.platform_words).clone();
                    let suffix = b.dice.pick(&lx.platform_suffixes).clone();
                    let tld = b.dice.pick(&lx.platform_tlds).clone();
                    let name = match b.dice.below(3) {
                        0 => format!("{w1}-{w2}"),
                        1 => format!("{w1}{w2}{suffix}"),
                        _ => format!("{w1}-{suffix}"),
                    };
                    Sel::Domain(format!("{name}.{tld}"))
                });
                p.platforms.push(dom);
                let host = match &self.world_entries[dom as usize].sel {
                    Sel::Domain(d) => d.clone(),
                    _ => unreachable!("platforms are domains"),
                };
                let local = *self.dice.pick(&["support", "service", "vip", "cs", "help"]);
                let email = self
                    .add(
                        Sel::Email(format!("{local}@{host}")),
                        Role::PlatformEmail,
                        id,
                    )
                    .expect("platform domains are unique");
                p.platform_emails.push(email);
            }
            for _ in 0..size(200, 2) {
                // Mostly USDT on Tron (DOMAIN.md: 84 % of traced funds), then
                // Ethereum and Bitcoin of every address type.
                let id = self.fresh(Role::CollectionWallet, id, |b| match b.dice.below(20) {
                    0..=13 => Sel::Trx(codec::tron_address(&b.dice.bytes())),
                    14..=16 => Sel::Eth(b.dice.bytes()),
                    17 => Sel::Btc(codec::btc_bech32(&b.dice.bytes())),
                    18 => Sel::Btc(codec::btc_taproot(&b.dice.bytes())),
                    _ => Sel::Btc(codec::btc_p2pkh(&b.dice.bytes())),
                });
                p.wallets.push(id);
            }
            for _ in 0..size(40, 2) {
                let c = if self.dice.chance(500) {
                    home
                } else {
                    *self.dice.pick(mules)
                };
                let c = if has_accounts(&t.countries[c]) {
                    c
                } else {
                    *self.dice.pick(mules)
                };
                let id = self.fresh(Role::MuleAccount, id, |b| b.account(c));
                p.mules.push(id);
            }
            for _ in 0..size(80, 2) {
                let platform = if self.dice.chance(650) {
                    Platform::Telegram
                } else {
                    Platform::Facebook
                };
                let id = self.fresh(Role::RecruiterHandle, id, |b| {
                    let w = b.dice.pick(&lx.job_words).clone();
                    let noun = b.dice.pick(&lx.job_nouns).clone();
                    let num = b.dice.below(1000);
                    let name = match platform {
                        Platform::Facebook => {
                            format!("{}.{}.{num}", capitalise(&w), capitalise(&noun))
                        }
                        _ => format!("{}{}_{num}", capitalise(&w), capitalise(&noun)),
                    };
                    Sel::Handle { platform, name }
                });
                p.recruiters.push(id);
            }
            for _ in 0..size(120, 1) {
                let c = home_phone(self);
                let id = self.fresh(Role::RecruiterPhone, id, |b| match b.phone(c) {
                    Sel::Phone { country, nsn } => Sel::WhatsApp { country, nsn },
                    other => other,
                });
                p.recruiter_phones.push(id);
            }
            for _ in 0..size(150, 1) {
                let id = self.fresh(Role::RecruiterEmail, id, |b| {
                    let w = b.dice.pick(&lx.job_words).clone();
                    let noun = b.dice.pick(&lx.job_nouns).clone();
                    let host = b.dice.pick(&lx.email_hosts).clone();
                    Sel::Email(format!("{w}.{noun}{}@{host}", b.dice.below(10_000)))
                });
                p.recruiter_emails.push(id);
            }
            for _ in 0..(2 + self.dice.below(2)) {
                let id = self.fresh(Role::FrontCompany, id, |b| {
                    Sel::Company(format!(
                        "{} {} {}",
                        b.dice.pick(&lx.company_first),
                        b.dice.pick(&lx.company_second),
                        b.dice.pick(&lx.company_form)
                    ))
                });
                p.companies.push(id);
            }
            for _ in 0..size(1500, 1) {
                let id = self.fresh(Role::HostingIp, id, |b| {
                    let h: [u8; 8] = b.dice.bytes();
                    Sel::Ip(format!(
                        "2001:db8:{:x}:{:x}::{:x}",
                        u16::from_le_bytes([h[0], h[1]]),
                        u16::from_le_bytes([h[2], h[3]]),
                        u16::from_le_bytes([h[4], h[5]]).max(1)
                    ))
                });
                p.ips.push(id);
            }
            for &(site, _) in &net.sites {
                for _ in 0..size(300, 2) / net.sites.len() + 1 {
                    let c = compounds[site].country;
                    let c = if c == mm && self.dice.chance(600) {
                        th
                    } else {
                        c
                    };
                    let id = self.fresh(Role::CompoundPhone, id, |b| b.phone(c));
                    p.compound_phones.push(id);
                }
            }
            net.pools = p;
        }
    }

    /// A mule bank account: an IBAN where the country has one, else a
    /// national account with the bank's BIC.
    fn account(&mut self, country: usize) -> Sel {
        let c = &Tables::get().countries[country];
        self.account_serial += 1;
        account(&mut self.dice, c, country, self.account_serial)
    }

    fn share(&mut self, networks: &mut [Network], shared: &SharedSet) {
        for (n, net) in networks.iter_mut().enumerate() {
            let id = n as u16;
            let touch = |b: &mut Builder, from: &[u32], per_mille: u32, into: &mut Vec<u32>| {
                for &e in from {
                    if b.dice.chance(per_mille) {
                        into.push(e);
                        b.world_entries[e as usize].networks.push(id);
                    }
                }
            };
            let mut p = std::mem::take(&mut net.pools);
            touch(self, &shared.exchange, 400, &mut p.exchange);
            touch(self, &shared.hosting, 250, &mut p.hosting);
            touch(self, &shared.job_boards, 500, &mut p.job_boards);
            touch(self, &shared.job_groups, 400, &mut p.job_groups);
            touch(self, &shared.laundering, 200, &mut p.laundering);
            if p.job_boards.is_empty() {
                let e = *self.dice.pick(&shared.job_boards);
                p.job_boards.push(e);
                self.world_entries[e as usize].networks.push(id);
            }
            net.pools = p;
        }
        // Affiliated networks share a cash-out crew: some of each other's
        // mule accounts and collection wallets.
        let count = networks.len();
        for n in 0..count {
            if count < 2 || !self.dice.chance(80) {
                continue;
            }
            let mut partner = self.dice.index(count);
            if partner == n {
                partner = (partner + 1) % count;
            }
            networks[n].affiliate = Some(partner as u16);
            let borrowed: Vec<u32> = networks[partner]
                .pools
                .mules
                .iter()
                .take(2)
                .chain(networks[partner].pools.wallets.iter().take(1))
                .copied()
                .collect();
            for e in borrowed {
                let owners = &mut self.world_entries[e as usize].networks;
                if !owners.contains(&(n as u16)) {
                    owners.push(n as u16);
                }
                match self.world_entries[e as usize].role {
                    Role::MuleAccount => networks[n].pools.mules.push(e),
                    _ => networks[n].pools.wallets.push(e),
                }
            }
        }
    }

    fn workers(
        &mut self,
        networks: &mut [Network],
        compounds: &[Compound],
        per_weight: u64,
    ) -> Vec<Worker> {
        let t = Tables::get();
        let lx = &t.lexicon;
        let nationality_table = Weighted::new(t.countries.iter().map(|c| c.worker));
        let mut workers = Vec::new();
        let channels = [
            "telegram",
            "facebook",
            "whatsapp",
            "friend_or_relative",
            "tiktok",
            "line",
            "job_board",
            "agency",
        ];
        for (n, net) in networks.iter_mut().enumerate() {
            let count = (net.weight * per_weight).max(3);
            for _ in 0..count {
                let nationality = nationality_table.draw(&mut self.dice);
                let c = &t.countries[nationality];
                let recruited =
                    net.start + self.dice.below((END - net.start) as u64 * 9 / 10) as i64;
                let compound = net.compound_at(recruited);
                // Some go knowingly; more often among nationals of the
                // operators' own networks (DOMAIN.md: screening must weigh).
                let willing = match c.code.as_str() {
                    "CN" | "TW" | "HK" | "MY" => 300,
                    _ => 120,
                };
                let status = if self.dice.chance(willing) {
                    Trafficked::NotAVictim
                } else {
                    Trafficked::Victim
                };
                let group = &t.names[&c.names];
                let female = self.dice.chance(400);
                let full = if self.dice.chance(500) {
                    format!(
                        "{} {} {}",
                        self.dice.pick(&group.given),
                        self.dice.pick(&group.given),
                        self.dice.pick(&group.family)
                    )
                } else {
                    format!(
                        "{} {}",
                        self.dice.pick(&group.given),
                        self.dice.pick(&group.family)
                    )
                };
                let name = self.intern(Sel::Name(full), Role::WorkerName, n as u16);
                let passport = self.fresh(Role::WorkerPassport, Some(n as u16), |b| {
                    let l1 = (b'A' + b.dice.below(26) as u8) as char;
                    let l2 = (b'A' + b.dice.below(26) as u8) as char;
                    let mut number = format!("{l1}{l2}");
                    codec::push_digits(&mut number, b.dice.below(10_000_000), 7);
                    Sel::Passport {
                        country: nationality as u16,
                        number,
                    }
                });
                let phone = self.fresh(Role::WorkerPhone, Some(n as u16), |b| b.phone(nationality));
                let job = self.dice.index(lx.jobs.len());
                let j = &lx.jobs[job];
                let pay = self.dice.between(j.pay_min / 100, j.pay_max / 100) * 100;
                let recruiter = *self.dice.pick(&net.pools.recruiters);
                let id = workers.len() as u32;
                net.workers.push(id);
                workers.push(Worker {
                    id: format!("W{:06}", id + 1),
                    nationality,
                    network: n as u16,
                    compound,
                    status,
                    recruited,
                    job,
                    pay,
                    channel: channels[self.dice.index(channels.len())],
                    female,
                    name,
                    passport,
                    phone,
                    recruiter,
                });
            }
            let _ = compounds;
        }
        workers
    }
}

pub(crate) fn round4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_ascii_uppercase().to_string() + c.as_str(),
        None => String::new(),
    }
}

fn has_accounts(c: &Country) -> bool {
    c.iban.is_some() || !c.banks.is_empty()
}

/// A bank account of `c`: an IBAN with correct check digits where the
/// country uses IBAN, else `bank:` with one of its banks' BICs. `serial`
/// makes the account number unique.
pub fn account(dice: &mut Dice, c: &Country, country: usize, serial: u64) -> Sel {
    if let Some(pattern) = &c.iban {
        let mut bban = String::with_capacity(c.iban_len);
        let segments = bban_segments(pattern);
        let last = segments.len() - 1;
        for (i, &(len, class)) in segments.iter().enumerate() {
            if i == 0 && class == b'a' && !c.iban_banks.is_empty() {
                let bank = dice.pick(&c.iban_banks);
                if bank.len() == len {
                    bban.push_str(bank);
                    continue;
                }
            }
            if i == last && class != b'a' {
                let space = 10u64.pow(len.min(18) as u32);
                let v = codec::scatter(serial, space, 0x5EED);
                codec::push_digits(&mut bban, v, len);
                continue;
            }
            for _ in 0..len {
                let ch = match class {
                    b'a' => (b'A' + dice.below(26) as u8) as char,
                    _ => (b'0' + dice.below(10) as u8) as char,
                };
                bban.push(ch);
            }
        }
        Sel::Iban(codec::iban(&c.code, &bban))
    } else {
        let mut account = String::with_capacity(c.account);
        let width = c.account.min(18);
        let v = codec::scatter(serial, 10u64.pow(width as u32), 0xACC7);
        // Longer account numbers keep a fixed branch prefix.
        for _ in width..c.account {
            account.push('1');
        }
        codec::push_digits(&mut account, v, width);
        Sel::Bank {
            country: country as u16,
            bic: dice.pick(&c.banks).clone(),
            account,
        }
    }
}

fn origin(dice: &mut Dice, region: &str) -> &'static str {
    let options: &[&'static str] = match region {
        "mekong" | "southeast_asia" => &[
            "Chinese-speaking syndicate",
            "Chinese-speaking syndicate",
            "Chinese-speaking syndicate",
            "Taiwanese-led group",
            "Malaysian Chinese group",
            "Thai-Chinese partnership",
            "Vietnamese-run crew",
        ],
        "africa" => &[
            "Chinese-speaking syndicate",
            "Nigerian-led crew",
            "mixed West African and Asian group",
        ],
        "middle_east" => &[
            "Chinese-speaking syndicate",
            "South Asian-led call centre group",
        ],
        "latin_america" => &["Chinese-speaking syndicate", "Brazilian-led group"],
        "pacific" => &["Chinese-speaking syndicate", "Malaysian Chinese group"],
        _ => &[
            "Georgian-run call centre group",
            "Eastern European call centre group",
            "Chinese-speaking syndicate",
        ],
    };
    options[dice.index(options.len())]
}

#[derive(Debug, Default)]
struct SharedSet {
    exchange: Vec<u32>,
    hosting: Vec<u32>,
    job_boards: Vec<u32>,
    job_groups: Vec<u32>,
    laundering: Vec<u32>,
    all: Vec<u32>,
}

fn timeline(networks: &[Network]) -> Vec<(Vec<u16>, Weighted)> {
    (0..PERIODS)
        .map(|p| {
            let period_end =
                START + ((END - START) as i128 * (p as i128 + 1) / PERIODS as i128) as i64;
            let active: Vec<u16> = (0..networks.len())
                .filter(|&n| networks[n].start < period_end)
                .map(|n| n as u16)
                .collect();
            let table = Weighted::new(active.iter().map(|&n| networks[n as usize].weight));
            (active, table)
        })
        .collect()
}
