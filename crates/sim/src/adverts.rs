//! Composes job adverts from parts, in the job seekers' language: network
//! lures that carry a varying handful of recruitment red flags, and
//! ordinary employers' adverts that carry the marks of a real employer;
//! and writes the labelled training set `prevent/adverts.jsonl`.
//!
//! # Lures
//!
//! A lure draws a subset of the red flags of DOMAIN.md (destination or a
//! border-town pickup, tourist visa, free or deducted travel, typing test,
//! pay far above home norms, chat-app contact, no company, urgency, vague
//! duties, age and language limits, a fee, advice to dodge the labour
//! office, the passport "kept for safekeeping"...): two or three in subtle
//! adverts, up to eleven in blatant ones, in random order, with emojis,
//! capitals and typos in varying measure.
//!
//! # Legitimate adverts
//!
//! Shop, factory, nursing, hospitality, construction, teaching, call-centre,
//! IT, seafaring, care, driving and kitchen jobs, at home or abroad, with
//! local pay and marks of a real employer in varied forms (legal form,
//! licence of the recruiter, address, work visa before departure, no
//! placement fee, walk-in interview, mail at the company's own domain or
//! careers page). Hard cases are kept on purpose: urgency, free housing,
//! only a phone to call, customer-service roles, tickets paid abroad.
//!
//! Phrasings are data (`data/adverts.json`), written for Cordon. Contact
//! details the composer invents are made up: `.example` domains, random
//! digits.
//!
//! # Determinism
//!
//! An advert depends only on the dice it is given. The training set has a
//! random stream of its own ([`STREAM`]), and so has each report's advert
//! ([`report_dice`]): neither shifts the randomness of any other output.

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::Path;

use serde::Serialize;

use crate::data::{Abroad, Country, LegitJob, Market, Phrasebook, Tables};
use crate::dice::{Dice, Weighted};
use crate::output::io_err;
use crate::report::fill;
use crate::{Scale, SimError};

/// The training set's random stream (other outputs use streams 0 to
/// 5 << 40 and up).
pub const STREAM: u64 = 6 << 40;

/// The first of the streams report adverts are written from, one per
/// report index.
const REPORT_STREAM: u64 = 7 << 40;

/// The dice report `index` writes its advert with: a stream of its own, so
/// that the phrasing (however many draws it takes, however the phrasebook
/// grows) never shifts the reports after it.
pub fn report_dice(seed: u64, index: u64) -> Dice {
    Dice::new(seed, REPORT_STREAM + index)
}

/// Adverts in the training set at `scale`: enough to train on at small
/// scale, growing more slowly than the world.
pub fn count(scale: Scale) -> u64 {
    match scale {
        Scale::Small => 2_000,
        Scale::Medium => 10_000,
        Scale::Large => 50_000,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Label {
    Trafficking,
    Legitimate,
}

impl Label {
    pub fn as_str(self) -> &'static str {
        match self {
            Label::Trafficking => "trafficking",
            Label::Legitimate => "legitimate",
        }
    }
}

/// A part of an advert: a red flag of a lure, a mark of a real employer,
/// or the frame both share (headline, job, pay, contact, closing).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    Headline,
    Job,
    Destination,
    Visa,
    Travel,
    Interview,
    Pay,
    Contract,
    Anonymity,
    Urgency,
    Duties,
    Easy,
    Limits,
    Fee,
    Evasion,
    Passport,
    Perks,
    Contact,
    Closing,
    Company,
    Licence,
    Address,
    WorkVisa,
    NoFee,
    WalkIn,
    Email,
    Careers,
    Phone,
    Apply,
    PayOpen,
    Requirements,
    Benefits,
    Hours,
    Accommodation,
    Ticket,
}

impl Part {
    /// The key of its phrasings and emojis in `data/adverts.json`.
    pub fn key(self) -> &'static str {
        match self {
            Part::Headline => "headline",
            Part::Job => "job",
            Part::Destination => "destination",
            Part::Visa => "visa",
            Part::Travel => "travel",
            Part::Interview => "interview",
            Part::Pay => "pay",
            Part::Contract => "contract",
            Part::Anonymity => "anonymity",
            Part::Urgency => "urgency",
            Part::Duties => "duties",
            Part::Easy => "easy",
            Part::Limits => "limits",
            Part::Fee => "fee",
            Part::Evasion => "evasion",
            Part::Passport => "passport",
            Part::Perks => "perks",
            Part::Contact => "contact",
            Part::Closing => "closing",
            Part::Company => "company",
            Part::Licence => "licence",
            Part::Address => "address",
            Part::WorkVisa => "work_visa",
            Part::NoFee => "no_fee",
            Part::WalkIn => "walk_in",
            Part::Email => "email",
            Part::Careers => "careers",
            Part::Phone => "phone",
            Part::Apply => "apply",
            Part::PayOpen => "pay_open",
            Part::Requirements => "requirements",
            Part::Benefits => "benefits",
            Part::Hours => "hours",
            Part::Accommodation => "accommodation",
            Part::Ticket => "ticket",
        }
    }

    /// The modus-operandi tag a lure carrying this part earns, where the
    /// taxonomy has one.
    pub fn mo(self) -> Option<&'static str> {
        Some(match self {
            Part::Pay => "recruitment:high_pay",
            Part::Travel => "recruitment:free_travel",
            Part::Interview => "recruitment:typing_test",
            Part::Visa => "recruitment:tourist_visa",
            Part::Contract => "recruitment:no_contract",
            Part::Passport => "control:withholds_documents",
            _ => return None,
        })
    }
}

/// The red flags a lure draws from, with weights: the common ones (pay,
/// destination, travel) more often than the ones few recruiters write down
/// (evasion, passport).
const RED_FLAGS: [(Part, u64); 15] = [
    (Part::Destination, 9),
    (Part::Pay, 9),
    (Part::Travel, 6),
    (Part::Visa, 4),
    (Part::Interview, 5),
    (Part::Contract, 3),
    (Part::Anonymity, 3),
    (Part::Urgency, 6),
    (Part::Duties, 6),
    (Part::Easy, 6),
    (Part::Limits, 5),
    (Part::Fee, 3),
    (Part::Evasion, 2),
    (Part::Passport, 2),
    (Part::Perks, 5),
];

/// One composed advert.
#[derive(Debug, Clone)]
pub struct Advert {
    pub label: Label,
    /// ISO 639-1 code.
    pub language: &'static str,
    /// Alpha-2 of the job seekers the advert targets.
    pub origin: &'static str,
    /// Alpha-2 of where the advert says the work is (the origin for jobs
    /// at home); empty where it does not say, or the job is at sea.
    pub destination: &'static str,
    /// The job's key in `data/adverts.json`.
    pub job: &'static str,
    pub text: String,
    /// The parts written, in order.
    pub parts: Vec<Part>,
}

impl Advert {
    /// Tags of the modus-operandi taxonomy the advert's red flags earn.
    pub fn mo(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.parts.iter().filter_map(|p| p.mo())
    }
}

/// How an advert gives its contact.
#[derive(Debug, Clone, Copy)]
pub enum Contact<'a> {
    /// The composer makes contact details up (made-up numbers and handles,
    /// `.example` domains).
    Invented,
    /// A report's advert: `app` is the channel the recruiter used (a
    /// display name such as `Telegram`, or `email`), `text` what the advert
    /// shows where it shows anything (`{mention}`, filled by the report).
    Given { app: &'a str, text: Option<&'a str> },
}

/// Where a network's compound is and how its recruits are routed.
#[derive(Debug, Clone, Copy)]
pub struct Route<'a> {
    /// Alpha-2 of the compound's country.
    pub compound: &'a str,
    /// Recruits fly through Dubai.
    pub via_dubai: bool,
}

/// Composes a network's lure aimed at job seekers of country `origin`
/// (index into the tables), carrying at least the parts in `must`.
pub fn lure(
    dice: &mut Dice,
    origin: usize,
    route: Route<'_>,
    must: &[Part],
    contact: Contact<'_>,
) -> Advert {
    let a = &Tables::get().adverts;
    let local = Local::of(origin);
    let language = pick_language(dice, &local);
    let job = dice.pick(&a.lure_jobs);
    let mut pen = Pen::new(dice, language, Section::Lure, Style::loud);
    let job_title = title(pen.dice, &job.titles, language);
    pen.set("job", job_title);

    let mut flags: Vec<Part> = Vec::with_capacity(12);
    for &p in must {
        if p != Part::Contact && !flags.contains(&p) {
            flags.push(p);
        }
    }
    let wanted = match pen.dice.below(100) {
        0..=34 => pen.dice.between(2, 3),
        35..=74 => pen.dice.between(4, 6),
        _ => pen.dice.between(7, 11),
    } as usize;
    draw_flags(pen.dice, &mut flags, wanted);
    shuffle(pen.dice, &mut flags);

    let way = Way::choose(pen.dice, route, local.code, language);
    pen.set("dest", way.dest.clone());
    pen.set("pickup", way.pickup.clone().unwrap_or_default());
    pen.set("transit", way.transit.clone().unwrap_or_default());
    let pay = lure_pay(pen.dice, &local, job.usd, pen.book);
    pen.set("pay", pay);
    let fee = fee(pen.dice, &local);
    pen.set("fee", fee);
    set_numbers(&mut pen, (18, 22), (28, 40));
    let langs = pen.dice.pick(&pen.book.langs).clone();
    pen.set("langs", langs);

    let contact_line = lure_contact(&mut pen, contact, &local, &way);
    let mut lines: Vec<(Part, String)> = Vec::with_capacity(flags.len() + 5);
    if pen.dice.chance(750) {
        lines.push(pen.part(Part::Headline));
    }
    if pen.dice.chance(900) {
        lines.push(pen.part(Part::Job));
    }
    let early = pen.dice.chance(200);
    if early {
        lines.push(contact_line.clone());
    }
    for &flag in &flags {
        let line = match flag {
            Part::Destination => pen.line(Part::Destination, way.list),
            other => pen.part(other),
        };
        lines.push(line);
    }
    if !early {
        lines.push(contact_line);
    }
    if pen.dice.chance(350) {
        lines.push(pen.part(Part::Closing));
    }
    let destination = if flags.contains(&Part::Destination) {
        way.country
    } else {
        ""
    };
    let (parts, text) = pen.assemble(lines);
    Advert {
        label: Label::Trafficking,
        language,
        origin: local.code,
        destination,
        job: &job.key,
        text,
        parts,
    }
}

/// Composes an ordinary employer's advert aimed at job seekers of country
/// `origin` (index into the tables), for a job at home or abroad.
pub fn legitimate(dice: &mut Dice, origin: usize, contact: Contact<'_>) -> Advert {
    let a = &Tables::get().adverts;
    let local = Local::of(origin);
    let language = pick_language(dice, &local);
    let job = dice.pick(&a.legit_jobs);
    let abroad = abroad_for(dice, job, local.code);
    let mut pen = Pen::new(dice, language, Section::Legit, Style::plain);
    let job_title = title(pen.dice, &job.titles, language);
    pen.set("job", job_title);
    let duty = job.duties.get(language).unwrap_or(&job.duties["en"]);
    pen.set("duty", duty.clone());
    let city = local.city(pen.dice);
    pen.set("city", city.clone());
    set_numbers(&mut pen, (18, 25), (35, 50));

    let employer = Employer::make(pen.dice, &local, abroad);
    pen.set("company", employer.company.clone());
    pen.set("recruiter", employer.recruiter.clone());
    pen.set("licence", employer.licence.clone());
    let address = local.address(pen.dice, &city);
    pen.set("address", address);
    let mail_slug = employer.recruiter_slug.as_ref().unwrap_or(&employer.slug);
    let email = format!("{}@{mail_slug}.example", pen.dice.pick(&a.mailboxes));
    pen.set("email", email);
    let careers = match pen.dice.below(3) {
        0 => format!("https://careers.{}.example", employer.slug),
        1 => format!("www.{}.example/careers", employer.slug),
        _ => format!("https://{}.example/jobs", employer.slug),
    };
    pen.set("careers", careers);
    let international = pen.dice.chance(500);
    let phone = phone(pen.dice, local.country, international);
    pen.set("phone", phone);
    let (destination, pay) = match abroad {
        Some(place) => {
            let name = place_name(&place.place, language);
            pen.set("dest", name);
            let country = a.places[&place.place].country.as_str();
            (country, abroad_pay(pen.dice, place))
        }
        None => (local.code, local_pay(pen.dice, &local, &job.local)),
    };
    let pay = with_month(pen.dice, pay, pen.book, 900);
    pen.set("pay", pay);

    let plan = LegitPlan::draw(pen.dice, abroad.is_some(), contact);
    if let Contact::Given {
        text: Some(text), ..
    } = contact
    {
        pen.set("contact", text.to_owned());
    }
    let mut lines = Vec::with_capacity(16);
    if pen.dice.chance(850) {
        let list = if abroad.is_some() && pen.dice.chance(700) {
            "headline_abroad"
        } else {
            "headline"
        };
        lines.push(pen.line(Part::Headline, list));
    }
    if plan.urgency_first {
        lines.push(pen.part(Part::Urgency));
    }
    if pen.dice.chance(850) {
        lines.push(pen.part(Part::Job));
    }
    if plan.company {
        let list = if abroad.is_some() {
            "company_abroad"
        } else {
            "company"
        };
        lines.push(pen.line(Part::Company, list));
    }
    let mut middle = plan.middle.clone();
    shuffle(pen.dice, &mut middle);
    let mut assurances = plan.assurances.clone();
    shuffle(pen.dice, &mut assurances);
    for part in middle
        .into_iter()
        .chain(assurances)
        .chain(plan.contacts.iter().copied())
    {
        lines.push(pen.part(part));
    }
    if pen.dice.chance(400) {
        lines.push(pen.part(Part::Closing));
    }
    let (parts, text) = pen.assemble(lines);
    Advert {
        label: Label::Legitimate,
        language,
        origin: local.code,
        destination,
        job: &job.key,
        text,
        parts,
    }
}

/// The parts a legitimate advert will carry, drawn before it is written.
struct LegitPlan {
    company: bool,
    urgency_first: bool,
    /// Job details, in any order.
    middle: Vec<Part>,
    /// Work visa, no fee, licence: what makes an overseas job safe.
    assurances: Vec<Part>,
    /// How to apply, last.
    contacts: Vec<Part>,
}

impl LegitPlan {
    fn draw(dice: &mut Dice, abroad: bool, contact: Contact<'_>) -> Self {
        let mut middle = Vec::with_capacity(8);
        add(dice, Part::Duties, 750, &mut middle);
        add(dice, Part::Requirements, 650, &mut middle);
        add(dice, Part::Requirements, 250, &mut middle);
        match dice.below(100) {
            0..=69 => middle.push(Part::Pay),
            70..=84 => middle.push(Part::PayOpen),
            _ => {}
        }
        add(dice, Part::Hours, 300, &mut middle);
        add(dice, Part::Benefits, 450, &mut middle);
        // The hard cases: what lures say too, said by real employers.
        add(
            dice,
            Part::Accommodation,
            if abroad { 450 } else { 100 },
            &mut middle,
        );
        if abroad {
            add(dice, Part::Ticket, 500, &mut middle);
        }
        let urgent = dice.chance(150);
        let urgency_first = urgent && dice.chance(500);
        if urgent && !urgency_first {
            middle.push(Part::Urgency);
        }
        let mut assurances = Vec::with_capacity(3);
        if abroad {
            add(dice, Part::WorkVisa, 700, &mut assurances);
            add(dice, Part::Licence, 750, &mut assurances);
        }
        add(
            dice,
            Part::NoFee,
            if abroad { 600 } else { 80 },
            &mut assurances,
        );
        // Most jobs at home in the origin countries are informal (the ILO
        // counts well over half of employment there): a shop or a family
        // hiring names no registered company, gives a number to call or
        // message, and perhaps says to come by.
        let informal = !abroad && matches!(contact, Contact::Invented) && dice.chance(450);
        let company = !informal && dice.chance(if abroad { 650 } else { 850 });
        let mut contacts = Vec::with_capacity(4);
        if informal {
            contacts.push(Part::Phone);
            add(dice, Part::WalkIn, 400, &mut contacts);
            return LegitPlan {
                company,
                urgency_first,
                middle,
                assurances: Vec::new(),
                contacts,
            };
        }
        add(dice, Part::Address, 450, &mut contacts);
        match contact {
            Contact::Given { text, .. } => {
                if text.is_some() {
                    contacts.push(Part::Apply);
                }
            }
            Contact::Invented if dice.chance(150) => {
                // Only a number to call: common among small employers.
                contacts.push(Part::Phone);
            }
            Contact::Invented => {
                add(dice, Part::WalkIn, 350, &mut contacts);
                add(dice, Part::Email, 550, &mut contacts);
                add(dice, Part::Careers, 350, &mut contacts);
                add(dice, Part::Phone, 150, &mut contacts);
                if !contacts
                    .iter()
                    .any(|p| matches!(p, Part::WalkIn | Part::Email | Part::Careers))
                {
                    contacts.push(Part::Email);
                }
            }
        }
        LegitPlan {
            company,
            urgency_first,
            middle,
            assurances,
            contacts,
        }
    }
}

/// Pushes `part` with probability `per_mille / 1000`.
fn add(dice: &mut Dice, part: Part, per_mille: u32, parts: &mut Vec<Part>) {
    if dice.chance(per_mille) {
        parts.push(part);
    }
}

/// Which phrasing list of a section a part is written from.
#[derive(Clone, Copy)]
enum Section {
    Lure,
    Legit,
}

/// How an advert looks: how often its lines get an emoji, capitals, a
/// typo per word and extra exclamation marks (per mille), and its layout.
struct Style {
    emoji: u32,
    caps: u32,
    typo: u32,
    bang: u32,
    /// Lines with this bullet (`None`: plain lines), or one paragraph.
    layout: Layout,
}

enum Layout {
    Lines(Option<&'static str>),
    Paragraph(&'static str),
}

impl Style {
    /// Lures: from plain to shouting, each advert its own.
    fn loud(dice: &mut Dice) -> Self {
        Style {
            emoji: *dice.pick(&[0, 200, 500, 800]),
            caps: *dice.pick(&[0, 100, 250]),
            typo: *dice.pick(&[0, 10, 25, 50]),
            bang: *dice.pick(&[0, 150, 300]),
            layout: layout(dice, 550),
        }
    }

    /// Employers: mostly tidy, some informal.
    fn plain(dice: &mut Dice) -> Self {
        Style {
            emoji: *dice.pick(&[0, 0, 0, 150, 300]),
            caps: *dice.pick(&[0, 0, 30]),
            typo: *dice.pick(&[0, 0, 5, 10]),
            bang: *dice.pick(&[0, 0, 50]),
            layout: layout(dice, 800),
        }
    }
}

/// What joins the parts of a one-paragraph advert.
const SEPARATORS: [&str; 4] = [". ", " | ", " - ", " • "];

fn layout(dice: &mut Dice, lines_pm: u32) -> Layout {
    let bullets = &Tables::get().adverts.bullets;
    if dice.chance(lines_pm) {
        Layout::Lines(dice.chance(450).then(|| dice.pick(bullets).as_str()))
    } else {
        Layout::Paragraph(SEPARATORS[dice.index(SEPARATORS.len())])
    }
}

/// Writes an advert's lines from its language's phrasings.
struct Pen<'d> {
    dice: &'d mut Dice,
    language: &'static str,
    book: &'static Phrasebook,
    section: &'static BTreeMap<String, Vec<String>>,
    vars: BTreeMap<&'static str, String>,
    style: Style,
}

impl<'d> Pen<'d> {
    fn new(
        dice: &'d mut Dice,
        language: &'static str,
        section: Section,
        style: fn(&mut Dice) -> Style,
    ) -> Self {
        let book = &Tables::get().adverts.languages[language];
        let section = match section {
            Section::Lure => &book.lure,
            Section::Legit => &book.legit,
        };
        let style = style(dice);
        Pen {
            dice,
            language,
            book,
            section,
            vars: BTreeMap::new(),
            style,
        }
    }

    fn set(&mut self, name: &'static str, value: String) {
        self.vars.insert(name, value);
    }

    fn part(&mut self, part: Part) -> (Part, String) {
        self.line(part, part.key())
    }

    /// One line of `part` from phrasing list `list`, styled and filled.
    fn line(&mut self, part: Part, list: &str) -> (Part, String) {
        let phrasings = &self.section[list];
        let mut template = self.dice.pick(phrasings).clone();
        if self.style.typo > 0 {
            template = misspell(self.dice, &template, self.style.typo);
        }
        let caps = if part == Part::Headline {
            self.style.caps * 2 + 100
        } else {
            self.style.caps
        };
        if self.dice.chance(caps) {
            template = shout(&template);
        }
        let mut text = fill(&template, |name| self.vars.get(name).cloned());
        if let Some(emoji) = Tables::get().adverts.emoji.get(part.key())
            && self.dice.chance(self.style.emoji)
        {
            text = format!("{} {text}", self.dice.pick(emoji));
        }
        if self.dice.chance(self.style.bang) && !text.ends_with('!') {
            text.push_str(if self.dice.chance(500) { "!!" } else { "!" });
        }
        (part, text)
    }

    /// Joins the lines in the advert's layout, each text once (a part
    /// drawn twice may draw the same phrasing).
    fn assemble(&mut self, mut lines: Vec<(Part, String)>) -> (Vec<Part>, String) {
        let mut seen = Vec::with_capacity(lines.len());
        lines.retain(|(_, line)| {
            let fresh = !seen.contains(line);
            seen.push(line.clone());
            fresh
        });
        let parts = lines.iter().map(|(p, _)| *p).collect();
        let mut text = String::with_capacity(lines.iter().map(|(_, l)| l.len() + 4).sum());
        match self.style.layout {
            Layout::Lines(bullet) => {
                for (i, (part, line)) in lines.iter().enumerate() {
                    if i > 0 {
                        text.push('\n');
                        if i == 1 && lines[0].0 == Part::Headline && self.dice.chance(400) {
                            text.push('\n');
                        }
                    }
                    if let Some(b) = bullet
                        && *part != Part::Headline
                    {
                        text.push_str(b);
                    }
                    text.push_str(line);
                }
            }
            Layout::Paragraph(sep) => {
                for (i, (_, line)) in lines.iter().enumerate() {
                    if i > 0 {
                        let closed = text.ends_with(['.', '!', '?']);
                        text.push_str(if closed && sep == ". " { " " } else { sep });
                    }
                    text.push_str(line);
                }
            }
        }
        (parts, text)
    }
}

/// A lure's contact line: the recruiter's app and, where the advert shows
/// one, the address to write to.
fn lure_contact(
    pen: &mut Pen<'_>,
    contact: Contact<'_>,
    local: &Local,
    way: &Way,
) -> (Part, String) {
    let (app, text) = match contact {
        Contact::Given { app, text } => (app.to_owned(), text.map(str::to_owned)),
        Contact::Invented => {
            let app = pick_app(pen.dice, pen.language);
            let text = invent_contact(pen.dice, &app, local, way);
            (app, Some(text))
        }
    };
    let list = match (&text, app.as_str()) {
        (Some(_), "email") => "contact_email",
        (Some(_), _) => "contact",
        (None, _) => "contact_app",
    };
    pen.set("app", app);
    pen.set("contact", text.unwrap_or_default());
    pen.line(Part::Contact, list)
}

fn pick_app(dice: &mut Dice, language: &str) -> String {
    let apps = &Tables::get().adverts.apps;
    let table = apps.get(language).unwrap_or(&apps["default"]);
    let names: Vec<&String> = table.keys().collect();
    let weights = Weighted::new(table.values().copied());
    names[weights.draw(dice)].clone()
}

/// Made-up contact details for an app: a phone number for the apps that
/// run on one, a handle for the others, a free-mail address.
fn invent_contact(dice: &mut Dice, app: &str, local: &Local, way: &Way) -> String {
    let t = Tables::get();
    let handle = handle(dice);
    match app {
        "WhatsApp" | "Viber" => {
            // Recruiters abroad often give a number of the destination.
            let country = way
                .country_index
                .filter(|_| dice.chance(400))
                .map_or(local.country, |c| &t.countries[c]);
            phone(dice, country, true)
        }
        "Zalo" => phone(dice, local.country, false),
        "Telegram" if dice.chance(250) => format!("t.me/{handle}"),
        "Telegram" => format!("@{handle}"),
        "LINE" if dice.chance(400) => format!("@{handle}"),
        "Facebook" if dice.chance(500) => format!("m.me/{handle}"),
        "email" => format!("{handle}@{}", dice.pick(&t.adverts.freemail)),
        _ => handle,
    }
}

/// A recruiter's handle as such people pick them (`lisa_hr88`,
/// `goldenjobs24`, `recruit.kevin`).
fn handle(dice: &mut Dice) -> String {
    let t = Tables::get();
    let given = dice.pick(&t.personas.given).to_ascii_lowercase();
    let noun = dice.pick(&t.lexicon.job_nouns);
    let digits = dice.between(1, 999);
    match dice.below(3) {
        0 => format!("{given}_{noun}{digits}"),
        1 => format!("{}{noun}{digits}", dice.pick(&t.lexicon.job_words)),
        _ => format!("{noun}.{given}{}", digits % 100),
    }
}

/// A made-up mobile number of `country`, international or national.
fn phone(dice: &mut Dice, country: &Country, international: bool) -> String {
    let prefix = dice.pick(&country.mobile).clone();
    let mut nsn = prefix;
    for i in 0..country.rest {
        let digit = match (&country.rest_lead, i) {
            (Some(lead), 0) => lead.as_bytes()[dice.index(lead.len())] as char,
            _ => char::from(b'0' + dice.below(10) as u8),
        };
        nsn.push(digit);
    }
    let grouped = group_digits(&nsn);
    if international {
        format!("+{} {grouped}", country.dial)
    } else {
        format!("{}{grouped}", country.trunk)
    }
}

/// `9171234567` → `917 123 4567`: threes, then fours at the end so that
/// no group is shorter than three.
fn group_digits(digits: &str) -> String {
    let mut out = String::with_capacity(digits.len() + 4);
    let mut rest = digits;
    while rest.len() > 4 {
        let take = if rest.len() == 8 { 4 } else { 3 };
        out.push_str(&rest[..take]);
        out.push(' ');
        rest = &rest[take..];
    }
    out.push_str(rest);
    out
}

/// Draws red flags in proportion to their weights, without repeats, until
/// `flags` holds `wanted` of them.
fn draw_flags(dice: &mut Dice, flags: &mut Vec<Part>, wanted: usize) {
    while flags.len() < wanted.min(RED_FLAGS.len()) {
        let open: Vec<(Part, u64)> = RED_FLAGS
            .iter()
            .copied()
            .filter(|(p, _)| !flags.contains(p))
            .collect();
        let weights = Weighted::new(open.iter().map(|&(_, w)| w));
        flags.push(open[weights.draw(dice)].0);
    }
}

/// Fisher–Yates with the simulator's dice.
fn shuffle<T>(dice: &mut Dice, items: &mut [T]) {
    for i in (1..items.len()).rev() {
        let j = dice.index(i + 1);
        items.swap(i, j);
    }
}

/// Ages, counts and years the phrasings use.
fn set_numbers(pen: &mut Pen<'_>, min_age: (u64, u64), max_age: (u64, u64)) {
    let numbers = [
        ("age_min", pen.dice.between(min_age.0, min_age.1)),
        ("age_max", pen.dice.between(max_age.0, max_age.1)),
        ("slots", pen.dice.between(2, 30)),
        ("days", pen.dice.between(2, 7)),
        ("years", pen.dice.between(1, 3)),
        ("year", pen.dice.between(1988, 2018)),
    ];
    for (name, value) in numbers {
        pen.set(name, value.to_string());
    }
}

fn title(dice: &mut Dice, titles: &BTreeMap<String, Vec<String>>, language: &str) -> String {
    dice.pick(titles.get(language).unwrap_or(&titles["en"]))
        .clone()
}

fn place_name(key: &str, language: &str) -> String {
    let names = &Tables::get().adverts.places[key].names;
    names.get(language).unwrap_or(&names["en"]).clone()
}

/// How a lure names the way to the compound.
struct Way {
    dest: String,
    pickup: Option<String>,
    transit: Option<String>,
    /// The phrasing list the destination is written from.
    list: &'static str,
    /// Alpha-2 of the named destination.
    country: &'static str,
    country_index: Option<usize>,
}

impl Way {
    fn choose(dice: &mut Dice, route: Route<'_>, origin: &str, language: &str) -> Self {
        let t = Tables::get();
        let a = &t.adverts;
        let r = a.routes.get(route.compound).unwrap_or(&a.routes["default"]);
        // A lure sends job seekers abroad: never to their own country.
        let abroad = |k: &&String| a.places[k.as_str()].country != origin;
        let named: Vec<&String> = r.named.iter().filter(abroad).collect();
        let named = if named.is_empty() {
            a.routes["default"].named.iter().filter(abroad).collect()
        } else {
            named
        };
        let dest = named[dice.index(named.len())].as_str();
        let pickups: Vec<&String> = r.pickup.iter().filter(|k| k.as_str() != dest).collect();
        let pickup = (!pickups.is_empty()).then(|| pickups[dice.index(pickups.len())].as_str());
        let transit = if route.via_dubai {
            (dest != "dubai").then_some("dubai")
        } else {
            let transits: Vec<&String> = r.transit.iter().filter(|k| k.as_str() != dest).collect();
            (!transits.is_empty()).then(|| transits[dice.index(transits.len())].as_str())
        };
        let roll = dice.below(100);
        let list = if route.via_dubai && transit.is_some() {
            "transit"
        } else if pickup.is_some() && roll < 45 {
            "pickup"
        } else if transit.is_some() && roll < 70 {
            "transit"
        } else {
            "destination"
        };
        let country = a.places[dest].country.as_str();
        Way {
            dest: place_name(dest, language),
            pickup: pickup.map(|k| place_name(k, language)),
            transit: transit.map(|k| place_name(k, language)),
            list,
            country,
            country_index: t.country(country),
        }
    }
}

/// What an advert uses of the job seekers' market, with `default` filling
/// the gaps.
struct Local {
    code: &'static str,
    country: &'static Country,
    market: &'static Market,
    fallback: &'static Market,
}

impl Local {
    fn of(origin: usize) -> Self {
        let t = Tables::get();
        let country = &t.countries[origin];
        let fallback = &t.adverts.markets["default"];
        Local {
            code: &country.code,
            country,
            market: t.adverts.markets.get(&country.code).unwrap_or(fallback),
            fallback,
        }
    }

    fn list(&self, get: fn(&Market) -> &Option<Vec<String>>) -> &'static [String] {
        get(self.market)
            .as_deref()
            .or(get(self.fallback).as_deref())
            .unwrap_or_default()
    }

    fn languages(&self) -> &'static BTreeMap<String, u64> {
        self.market
            .languages
            .as_ref()
            .or(self.fallback.languages.as_ref())
            .expect("the default market names its languages")
    }

    fn currency(&self) -> &'static str {
        self.market
            .currency
            .as_deref()
            .unwrap_or(&self.country.currency)
    }

    fn wage(&self) -> u64 {
        self.market
            .wage
            .unwrap_or(Tables::get().adverts.default_wage)
    }

    fn group(&self) -> char {
        match self.market.group.as_deref() {
            Some(".") => '.',
            _ => ',',
        }
    }

    fn city(&self, dice: &mut Dice) -> String {
        let cities = self.list(|m| &m.cities);
        if cities.is_empty() {
            self.country.name.clone()
        } else {
            dice.pick(cities).clone()
        }
    }

    fn address(&self, dice: &mut Dice, city: &str) -> String {
        let shape = dice.pick(self.list(|m| &m.addresses)).clone();
        let street = dice.pick(self.list(|m| &m.streets)).clone();
        let n = dice.between(1, 280).to_string();
        fill(&shape, |name| match name {
            "n" => Some(n.clone()),
            "street" => Some(street.clone()),
            "city" => Some(city.to_owned()),
            _ => None,
        })
    }
}

fn pick_language(dice: &mut Dice, local: &Local) -> &'static str {
    let languages = local.languages();
    let names: Vec<&'static String> = languages.keys().collect();
    let weights = Weighted::new(languages.values().copied());
    names[weights.draw(dice)].as_str()
}

/// Who an advert names as the employer, and the licensed recruiter that
/// places workers abroad.
struct Employer {
    company: String,
    slug: String,
    recruiter: String,
    recruiter_slug: Option<String>,
    licence: String,
}

impl Employer {
    fn make(dice: &mut Dice, local: &Local, abroad: Option<&Abroad>) -> Self {
        let a = &Tables::get().adverts;
        let names = local.list(|m| &m.companies);
        let (company, slug) = match abroad {
            Some(x) => {
                let name = dice.pick(&a.employers).clone();
                let form = dice.pick(&x.forms);
                (form.replace("{name}", &name), slug_of(&name))
            }
            None => {
                let (name, slug) = split_name(dice.pick(names).as_str());
                let form = dice.pick(local.list(|m| &m.company_forms));
                (form.replace("{name}", name), slug)
            }
        };
        let (name, recruiter_slug) = split_name(dice.pick(names).as_str());
        let recruiter = dice
            .pick(local.list(|m| &m.recruiter_forms))
            .replace("{name}", name);
        let shape = dice.pick(local.list(|m| &m.licences));
        let licence = shape
            .chars()
            .map(|c| {
                if c == '#' {
                    char::from(b'0' + dice.below(10) as u8)
                } else {
                    c
                }
            })
            .collect();
        Employer {
            company,
            slug,
            recruiter,
            recruiter_slug: abroad.map(|_| recruiter_slug),
            licence,
        }
    }
}

/// `Sao Mai|saomai` → (`Sao Mai`, `saomai`); ASCII names give their own
/// slug.
fn split_name(entry: &str) -> (&str, String) {
    match entry.split_once('|') {
        Some((name, slug)) => (name, slug.to_owned()),
        None => (entry, slug_of(entry)),
    }
}

fn slug_of(name: &str) -> String {
    name.split_whitespace()
        .map(|w| {
            w.chars()
                .filter(char::is_ascii_alphanumeric)
                .collect::<String>()
                .to_ascii_lowercase()
        })
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join("-")
}

/// Where a legitimate job abroad is, if it is: the job's places other than
/// the job seekers' own country.
fn abroad_for(dice: &mut Dice, job: &'static LegitJob, origin: &str) -> Option<&'static Abroad> {
    let a = &Tables::get().adverts;
    let options: Vec<&'static String> = job.abroad.iter().filter(|c| *c != origin).collect();
    let go = !options.is_empty() && (job.local.is_empty() || dice.chance(400));
    go.then(|| &a.abroad[options[dice.index(options.len())]])
}

/// A lure's pay: far above home norms, in the local currency or dollars.
fn lure_pay(dice: &mut Dice, local: &Local, usd: [u64; 2], book: &Phrasebook) -> String {
    // At least two and a half home wages, even where wages are high: the
    // promise is what makes people leave.
    let floor = local.wage() * 5 / 2 / 50;
    let dollars = dice.between(usd[0] / 50, usd[1] / 50).max(floor) * 50;
    let amount = if dice.chance(600) {
        local_money(dice, local, dollars)
    } else {
        usd_money(dice, dollars)
    };
    with_month(dice, amount, book, 800)
}

/// A recruitment fee or deposit.
fn fee(dice: &mut Dice, local: &Local) -> String {
    let dollars = dice.between(5, 60) * 10;
    if dice.chance(750) {
        local_money(dice, local, dollars)
    } else {
        usd_money(dice, dollars)
    }
}

/// Pay at home: the market's wage scaled for the job.
fn local_pay(dice: &mut Dice, local: &Local, range: &[u64]) -> String {
    let (lo, hi) = match range {
        [lo, hi] => (*lo, *hi),
        _ => (1000, 1000),
    };
    let dollars = local.wage() * dice.between(lo, hi) / 1000;
    local_money(dice, local, dollars)
}

/// Pay abroad: the destination's level, in its currency or dollars.
fn abroad_pay(dice: &mut Dice, place: &Abroad) -> String {
    let dollars = place.base * dice.between(900, 1800) / 1000;
    if place.currency != "USD" && dice.chance(600) {
        let amount = nice(crate::money::local_cents(dollars * 100, &place.currency, true) / 100);
        money_text(dice, &place.money, &place.currency, amount, ',')
    } else {
        usd_money(dice, nice(dollars))
    }
}

fn local_money(dice: &mut Dice, local: &Local, dollars: u64) -> String {
    let currency = local.currency();
    let amount = if currency == "USD" {
        nice(dollars)
    } else {
        nice(crate::money::local_cents(dollars * 100, currency, true) / 100)
    };
    money_text(
        dice,
        local.list(|m| &m.money),
        currency,
        amount,
        local.group(),
    )
}

fn usd_money(dice: &mut Dice, dollars: u64) -> String {
    let forms = &Tables::get().adverts.usd_forms;
    money_text(dice, forms, "USD", nice(dollars), ',')
}

/// Appends "per month" in one of the language's ways, most of the time.
fn with_month(dice: &mut Dice, amount: String, book: &Phrasebook, per_mille: u32) -> String {
    if dice.chance(per_mille) {
        format!("{amount}{}", dice.pick(&book.per_month))
    } else {
        amount
    }
}

/// Rounds to two significant digits, as adverts state pay.
fn nice(n: u64) -> u64 {
    let mut unit = 1;
    while n / unit >= 100 {
        unit *= 10;
    }
    ((n + unit / 2) / unit * unit).max(1)
}

/// Writes `amount` in one of `forms`: `{n}` grouped by `group`, `{k}`
/// thousands, `{m}` millions (with a decimal where needed), `{code}` the
/// currency code. Forms whose short units do not fit the amount are
/// skipped.
fn money_text(dice: &mut Dice, forms: &[String], code: &str, amount: u64, group: char) -> String {
    let thousands = (1_000..1_000_000).contains(&amount) && amount.is_multiple_of(1_000);
    let millions = amount >= 1_000_000 && amount.is_multiple_of(100_000);
    let fits: Vec<&String> = forms
        .iter()
        .filter(|f| (thousands || !f.contains("{k}")) && (millions || !f.contains("{m}")))
        .collect();
    let form = if fits.is_empty() {
        "{code} {n}"
    } else {
        fits[dice.index(fits.len())].as_str()
    };
    let decimal = if group == '.' { ',' } else { '.' };
    fill(form, |name| match name {
        "n" => Some(grouped(amount, group)),
        "k" => Some((amount / 1_000).to_string()),
        "m" => Some(match (amount / 1_000_000, amount % 1_000_000 / 100_000) {
            (whole, 0) => whole.to_string(),
            (whole, tenth) => format!("{whole}{decimal}{tenth}"),
        }),
        "code" => Some(code.to_owned()),
        _ => None,
    })
}

/// `1234567` → `1,234,567` (or with dots).
fn grouped(n: u64, sep: char) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(sep);
        }
        out.push(c);
    }
    out
}

/// Capitals outside `{placeholders}`, so that the names still fill.
fn shout(template: &str) -> String {
    let mut inside = false;
    let mut out = String::with_capacity(template.len());
    for c in template.chars() {
        match c {
            '{' => inside = true,
            '}' => inside = false,
            _ => {}
        }
        if inside {
            out.push(c);
        } else {
            out.extend(c.to_uppercase());
        }
    }
    out
}

/// Typos as hurried posters make them (a swapped, dropped or doubled
/// letter), in plain ASCII words of five letters or more, never in a
/// placeholder.
fn misspell(dice: &mut Dice, template: &str, per_mille: u32) -> String {
    template
        .split(' ')
        .map(|word| {
            let plain = word.len() >= 5 && word.bytes().all(|b| b.is_ascii_alphabetic());
            if plain && dice.chance(per_mille) {
                typo(dice, word)
            } else {
                word.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn typo(dice: &mut Dice, word: &str) -> String {
    let mut b = word.as_bytes().to_vec();
    // Keep the first letter: readers (and posters) rarely miss it.
    let i = 1 + dice.index(b.len() - 2);
    match dice.below(3) {
        0 => b.swap(i, i + 1),
        1 => {
            b.remove(i);
        }
        _ => b.insert(i, b[i]),
    }
    String::from_utf8(b).expect("ascii letters stay ascii")
}

/// One line of `prevent/adverts.jsonl`.
#[derive(Serialize)]
struct Example<'a> {
    id: String,
    label: &'static str,
    language: &'a str,
    origin: &'a str,
    destination: &'a str,
    job: &'a str,
    text: &'a str,
}

/// Counts of the training set, by label and language.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct AdvertSummary {
    pub adverts: u64,
    pub labels: BTreeMap<String, u64>,
    pub languages: BTreeMap<String, u64>,
}

/// The labelled training set of `seed` and `scale`: about half lures, half
/// ordinary adverts, aimed at job seekers of the countries compounds
/// recruit from (the main recruiting markets weighted up so that every
/// language is well represented).
pub fn training_set(seed: u64, scale: Scale) -> Vec<Advert> {
    let t = Tables::get();
    let a = &t.adverts;
    let mut dice = Dice::new(seed, STREAM);
    let origins: Vec<usize> = (0..t.countries.len())
        .filter(|&c| t.countries[c].worker > 0)
        .collect();
    let origin_weights = Weighted::new(origins.iter().map(|&c| {
        let boost = a
            .markets
            .get(&t.countries[c].code)
            .and_then(|m| m.boost)
            .unwrap_or(1);
        t.countries[c].worker * boost
    }));
    let compounds: Vec<&String> = a.routes.keys().collect();
    let compound_weights = Weighted::new(a.routes.values().map(|r| r.weight));
    (0..count(scale))
        .map(|_| {
            let origin = origins[origin_weights.draw(&mut dice)];
            if dice.chance(500) {
                let route = Route {
                    compound: compounds[compound_weights.draw(&mut dice)],
                    via_dubai: dice.chance(150),
                };
                lure(&mut dice, origin, route, &[], Contact::Invented)
            } else {
                legitimate(&mut dice, origin, Contact::Invented)
            }
        })
        .collect()
}

/// Writes `prevent/adverts.jsonl` under `out_dir`.
pub fn write(seed: u64, scale: Scale, out_dir: &Path) -> Result<AdvertSummary, SimError> {
    let dir = out_dir.join("prevent");
    fs::create_dir_all(&dir).map_err(io_err(&dir))?;
    let path = dir.join("adverts.jsonl");
    let mut out = BufWriter::new(File::create(&path).map_err(io_err(&path))?);
    let mut summary = AdvertSummary::default();
    for (i, advert) in training_set(seed, scale).iter().enumerate() {
        let line = Example {
            id: format!("sim-{:06}", i + 1),
            label: advert.label.as_str(),
            language: advert.language,
            origin: advert.origin,
            destination: advert.destination,
            job: advert.job,
            text: &advert.text,
        };
        serde_json::to_writer(&mut out, &line).map_err(|e| io_err(&path)(e.into()))?;
        out.write_all(b"\n").map_err(io_err(&path))?;
        summary.adverts += 1;
        *summary
            .labels
            .entry(advert.label.as_str().to_owned())
            .or_default() += 1;
        *summary
            .languages
            .entry(advert.language.to_owned())
            .or_default() += 1;
    }
    out.flush().map_err(io_err(&path))?;
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    const LANGUAGES: [&str; 6] = ["en", "id", "sw", "th", "tl", "vi"];

    /// How each language says "tourist visa": what a lure may say and an
    /// employer never does.
    const TOURIST_VISA: [&str; 7] = [
        "tourist visa",
        "visa: tourist",
        "visa turis",
        "visa: turis",
        "viza ya utalii",
        "วีซ่าท่องเที่ยว",
        "visa du lịch",
    ];

    fn small() -> &'static [Advert] {
        static SET: std::sync::OnceLock<Vec<Advert>> = std::sync::OnceLock::new();
        SET.get_or_init(|| training_set(7, Scale::Small))
    }

    fn lures() -> impl Iterator<Item = &'static Advert> {
        small().iter().filter(|a| a.label == Label::Trafficking)
    }

    fn legitimate() -> impl Iterator<Item = &'static Advert> {
        small().iter().filter(|a| a.label == Label::Legitimate)
    }

    /// Whether `text` holds a licence number of `shape` (`#` a digit).
    fn has_shape(text: &str, shape: &str) -> bool {
        let shape: Vec<char> = shape.chars().collect();
        let chars: Vec<char> = text.chars().collect();
        chars.windows(shape.len()).any(|w| {
            w.iter().zip(&shape).all(|(&c, &s)| match s {
                '#' => c.is_ascii_digit(),
                s => c == s,
            })
        })
    }

    fn licence_shapes() -> BTreeSet<&'static str> {
        Tables::get()
            .adverts
            .markets
            .values()
            .flat_map(|m| m.licences.iter().flatten())
            .map(String::as_str)
            .collect()
    }

    /// The `{names}` a template uses.
    fn placeholders(template: &str) -> Vec<&str> {
        template
            .split('{')
            .skip(1)
            .filter_map(|rest| rest.split_once('}').map(|(name, _)| name))
            .collect()
    }

    #[test]
    fn the_phrasebook_is_complete_in_every_language() {
        let a = &Tables::get().adverts;
        let en = &a.languages["en"];
        let known = [
            "job",
            "dest",
            "pickup",
            "transit",
            "pay",
            "fee",
            "app",
            "contact",
            "slots",
            "days",
            "age_min",
            "age_max",
            "langs",
            "years",
            "year",
            "duty",
            "city",
            "company",
            "recruiter",
            "licence",
            "address",
            "email",
            "careers",
            "phone",
        ];
        for language in LANGUAGES {
            let book = &a.languages[language];
            for (section, reference) in [(&book.lure, &en.lure), (&book.legit, &en.legit)] {
                let keys: Vec<&String> = section.keys().collect();
                let want: Vec<&String> = reference.keys().collect();
                assert_eq!(keys, want, "{language}: parts differ from English");
                for (key, phrasings) in section {
                    assert!(!phrasings.is_empty(), "{language}.{key} is empty");
                    for p in phrasings {
                        for name in placeholders(p) {
                            assert!(known.contains(&name), "{language}.{key}: {{{name}}} in {p}");
                        }
                        // A platform name followed by `:`, `=`, `ID` or
                        // `@` makes extraction read the next word as a
                        // handle; contacts follow the app in other ways.
                        for glued in ["{app}:", "{app} :", "{app}=", "{app} ID", "{app} @"] {
                            assert!(!p.contains(glued), "{language}.{key}: {p}");
                        }
                    }
                }
            }
            for key in ["contact", "contact_email"] {
                assert!(
                    book.lure[key].iter().all(|p| p.contains("{contact}")),
                    "{language}.{key} drops the contact"
                );
            }
            assert!(
                book.lure["contact_app"]
                    .iter()
                    .all(|p| p.contains("{app}") && !p.contains("{contact}")),
                "{language}.contact_app"
            );
            for job in &a.lure_jobs {
                assert!(job.titles.contains_key(language), "{}: {language}", job.key);
            }
            for job in &a.legit_jobs {
                assert!(job.titles.contains_key(language), "{}: {language}", job.key);
                assert!(job.duties.contains_key(language), "{}: {language}", job.key);
            }
        }
        let t = Tables::get();
        for (code, market) in &a.markets {
            assert!(code == "default" || t.country(code).is_some(), "{code}");
            for language in market.languages.iter().flat_map(|l| l.keys()) {
                assert!(a.languages.contains_key(language), "{code}: {language}");
            }
        }
        let default = &a.markets["default"];
        assert!(default.languages.is_some() && default.money.is_some());
        for route in a.routes.values() {
            for key in route
                .named
                .iter()
                .chain(&route.pickup)
                .chain(&route.transit)
            {
                assert!(a.places.contains_key(key), "route place {key}");
            }
        }
        for (code, abroad) in &a.abroad {
            let place = &a.places[&abroad.place];
            assert!(code == "SEA" || place.country == *code, "{code}");
        }
        for job in &a.legit_jobs {
            for code in &job.abroad {
                assert!(a.abroad.contains_key(code), "{}: {code}", job.key);
            }
        }
        for place in a.places.values() {
            assert!(place.names.contains_key("en"));
            assert!(place.country.is_empty() || t.country(&place.country).is_some());
        }
    }

    // The words selector extraction reads as a platform before a handle.
    use cordon_core::selector::PLATFORM_WORDS;

    fn ends_with_platform(text: &str) -> bool {
        let lower = text.trim_end().to_lowercase();
        PLATFORM_WORDS.iter().any(|w| {
            lower
                .strip_suffix(w)
                .is_some_and(|head| head.is_empty() || head.ends_with(' '))
        })
    }

    #[test]
    fn no_phrasing_or_name_reads_as_a_platform_handle() {
        // `... cruise line: ...` once made extraction find `line:cruise`
        // in reports: nothing but the app may end in a platform word.
        let a = &Tables::get().adverts;
        let mut names: Vec<&String> = a.places.values().flat_map(|p| p.names.values()).collect();
        names.extend(&a.employers);
        for job in &a.lure_jobs {
            names.extend(job.titles.values().flatten());
        }
        for job in &a.legit_jobs {
            names.extend(job.titles.values().flatten());
        }
        for m in a.markets.values() {
            for list in [&m.cities, &m.streets, &m.companies].into_iter().flatten() {
                names.extend(list);
            }
        }
        for name in names {
            assert!(!ends_with_platform(name), "{name}");
        }
        for book in a.languages.values() {
            for p in book.lure.values().chain(book.legit.values()).flatten() {
                for (i, _) in p.match_indices([':', '=']) {
                    assert!(!ends_with_platform(&p[..i]), "{p}");
                }
            }
        }
    }

    #[test]
    fn labels_are_balanced_and_every_language_has_both() {
        let set = small();
        assert_eq!(set.len() as u64, count(Scale::Small));
        let lures = lures().count();
        assert!(
            (900..=1100).contains(&lures),
            "{lures} lures of {}",
            set.len()
        );
        for language in LANGUAGES {
            let of = |label| {
                set.iter()
                    .filter(|a| a.language == language && a.label == label)
                    .count()
            };
            let (lure, legit) = (of(Label::Trafficking), of(Label::Legitimate));
            assert!(
                lure >= 25 && legit >= 25,
                "{language}: {lure} lures, {legit} legitimate"
            );
        }
        let languages: BTreeSet<&str> = set.iter().map(|a| a.language).collect();
        assert_eq!(languages, LANGUAGES.into_iter().collect());
    }

    #[test]
    fn the_language_follows_the_job_seekers_country() {
        for a in small() {
            let allowed: &[&str] = match a.origin {
                "ID" => &["id"],
                "KE" | "TZ" | "UG" => &["sw", "en"],
                "TH" => &["th"],
                "PH" => &["tl", "en"],
                "VN" => &["vi"],
                _ => &["en"],
            };
            assert!(
                allowed.contains(&a.language),
                "{} in {}",
                a.origin,
                a.language
            );
        }
    }

    #[test]
    fn the_same_seed_gives_the_same_adverts_and_another_seed_others() {
        let again = training_set(7, Scale::Small);
        let texts = |set: &[Advert]| set.iter().map(|a| a.text.clone()).collect::<Vec<_>>();
        assert_eq!(texts(small()), texts(&again));
        assert_ne!(texts(small()), texts(&training_set(8, Scale::Small)));
        let distinct: BTreeSet<&str> = small().iter().map(|a| a.text.as_str()).collect();
        assert!(distinct.len() * 100 >= small().len() * 99, "adverts repeat");
    }

    #[test]
    fn no_placeholder_is_left_and_no_text_is_empty() {
        for a in small() {
            assert!(!a.text.trim().is_empty());
            assert!(!a.text.contains('{') && !a.text.contains('}'), "{}", a.text);
        }
    }

    #[test]
    fn lures_never_carry_a_licence_and_employers_never_a_tourist_visa() {
        let shapes = licence_shapes();
        for a in lures() {
            for shape in &shapes {
                assert!(!has_shape(&a.text, shape), "licence in a lure: {}", a.text);
            }
            assert!(!a.parts.iter().any(|p| matches!(
                p,
                Part::Licence | Part::WorkVisa | Part::NoFee | Part::Company | Part::Email
            )));
        }
        let mut licensed = 0;
        for a in legitimate() {
            let lower = a.text.to_lowercase();
            for marker in TOURIST_VISA {
                assert!(!lower.contains(marker), "tourist visa: {}", a.text);
            }
            if a.parts.contains(&Part::Licence) {
                licensed += 1;
                assert!(
                    shapes.iter().any(|s| has_shape(&a.text, s)),
                    "licence without its number: {}",
                    a.text
                );
            }
            assert!(!a.parts.iter().any(|p| matches!(
                p,
                Part::Visa | Part::Evasion | Part::Passport | Part::Fee | Part::Anonymity
            )));
        }
        assert!(licensed > 50, "{licensed} adverts name a licence");
        // Tourist visas are what lures say (typos aside).
        let visas: Vec<&Advert> = lures().filter(|a| a.parts.contains(&Part::Visa)).collect();
        let said = visas
            .iter()
            .filter(|a| {
                let lower = a.text.to_lowercase();
                TOURIST_VISA.iter().any(|m| lower.contains(m)) || lower.contains("turista")
            })
            .count();

        assert!(said * 10 >= visas.len() * 9, "{said} of {}", visas.len());
    }

    #[test]
    fn e_mail_goes_to_free_mail_for_lures_and_the_company_domain_for_employers() {
        let free = &Tables::get().adverts.freemail;
        let hosts = |text: &str| -> Vec<String> {
            text.split_whitespace()
                .filter_map(|w| w.split_once('@'))
                .filter(|(user, _)| !user.is_empty())
                .map(|(_, h)| h.to_owned())
                .filter(|h| h.contains('.'))
                .map(|h| h.trim_end_matches(['.', ',', ')', '!']).to_owned())
                .collect()
        };
        let mut lure_mail = 0;
        for a in lures() {
            for host in hosts(&a.text) {
                assert!(free.contains(&host), "{host} in a lure");
                lure_mail += 1;
            }
        }
        let mut employer_mail = 0;
        for a in legitimate() {
            for host in hosts(&a.text) {
                assert!(
                    host.ends_with(".example") && !free.contains(&host),
                    "{host} in an employer's advert"
                );
                employer_mail += 1;
            }
        }
        assert!(
            lure_mail > 20 && employer_mail > 200,
            "{lure_mail} {employer_mail}"
        );
    }

    #[test]
    fn lures_range_from_subtle_to_blatant() {
        let counts: Vec<usize> = lures()
            .map(|a| {
                a.parts
                    .iter()
                    .filter(|p| RED_FLAGS.iter().any(|(f, _)| f == *p))
                    .count()
            })
            .collect();
        let subtle = counts.iter().filter(|&&n| n <= 3).count();
        let blatant = counts.iter().filter(|&&n| n >= 7).count();
        assert!(subtle * 5 >= counts.len(), "{subtle} subtle");
        assert!(blatant * 10 >= counts.len(), "{blatant} blatant");
        // Orders differ: the first red flag is not always the same.
        let firsts: BTreeSet<&str> = lures()
            .filter_map(|a| {
                a.parts
                    .iter()
                    .find(|p| RED_FLAGS.iter().any(|(f, _)| f == *p))
            })
            .map(|p| p.key())
            .collect();
        assert!(firsts.len() >= 10, "{firsts:?}");
    }

    #[test]
    fn hard_cases_appear_among_legitimate_adverts() {
        let with = |part: Part| legitimate().filter(|a| a.parts.contains(&part)).count();
        assert!(with(Part::Urgency) > 30);
        assert!(with(Part::Accommodation) > 30);
        assert!(with(Part::Ticket) > 30);
        let phone_only = legitimate()
            .filter(|a| {
                a.parts.contains(&Part::Phone)
                    && !a
                        .parts
                        .iter()
                        .any(|p| matches!(p, Part::Email | Part::Careers | Part::WalkIn))
            })
            .count();
        assert!(phone_only > 30, "{phone_only}");
        let service = legitimate()
            .filter(|a| a.job == "call_centre_agent")
            .count();
        assert!(service > 30, "{service}");
        let abroad = legitimate().filter(|a| a.destination != a.origin).count();
        assert!(abroad > 100, "{abroad} overseas jobs");
    }

    #[test]
    fn pay_is_written_as_adverts_write_it() {
        assert_eq!(nice(56_321), 56_000);
        assert_eq!(nice(15_873_015), 16_000_000);
        assert_eq!(nice(1_250), 1_300);
        assert_eq!(grouped(1_234_567, ','), "1,234,567");
        assert_eq!(grouped(15_000_000, '.'), "15.000.000");
        assert_eq!(grouped(999, ','), "999");
        let mut dice = Dice::new(1, 0);
        let juta = ["Rp {m} juta".to_owned()];
        assert_eq!(
            money_text(&mut dice, &juta, "IDR", 15_000_000, '.'),
            "Rp 15 juta"
        );
        assert_eq!(
            money_text(&mut dice, &juta, "IDR", 7_500_000, '.'),
            "Rp 7,5 juta"
        );
        // A short unit that does not fit falls back to the full amount.
        let k = ["₱{k}k".to_owned(), "PHP {n}".to_owned()];
        assert_eq!(money_text(&mut dice, &k, "PHP", 56_500, ','), "PHP 56,500");
        let all: String = small().iter().map(|a| a.text.as_str()).collect();
        for written in ["₱", "KES ", "juta", "บาท", "US$", "triệu", "TSh", "UGX"] {
            assert!(all.contains(written), "no pay written with {written}");
        }
    }

    #[test]
    fn typos_and_capitals_keep_the_placeholders() {
        let mut dice = Dice::new(2, 0);
        assert_eq!(shout("salary {pay} now"), "SALARY {pay} NOW");
        for _ in 0..200 {
            let t = misspell(&mut dice, "Contact {app} immediately about {contact}", 1000);
            assert!(t.contains("{app}") && t.contains("{contact}"), "{t}");
            assert_ne!(t, "Contact {app} immediately about {contact}");
        }
    }

    #[test]
    fn the_file_holds_one_labelled_advert_a_line() {
        let dir = tempfile::tempdir().unwrap();
        let summary = write(7, Scale::Small, dir.path()).unwrap();
        let text = fs::read_to_string(dir.path().join("prevent/adverts.jsonl")).unwrap();
        let t = Tables::get();
        let mut n = 0;
        for (i, line) in text.lines().enumerate() {
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            let o = v.as_object().unwrap();
            let keys: Vec<&str> = o.keys().map(String::as_str).collect();
            let mut want = [
                "id",
                "label",
                "language",
                "origin",
                "destination",
                "job",
                "text",
            ];
            want.sort_unstable();
            assert_eq!(keys, want);
            assert_eq!(o["id"], format!("sim-{:06}", i + 1));
            assert!(["trafficking", "legitimate"].contains(&o["label"].as_str().unwrap()));
            assert!(t.country(o["origin"].as_str().unwrap()).is_some(), "{line}");
            let dest = o["destination"].as_str().unwrap();
            assert!(dest.is_empty() || t.country(dest).is_some(), "{line}");
            assert_eq!(o["text"].as_str().unwrap(), small()[i].text);
            n += 1;
        }
        assert_eq!(n, summary.adverts);
        assert_eq!(
            summary.labels.values().sum::<u64>(),
            summary.languages.values().sum::<u64>()
        );
        assert_eq!(summary.labels.values().sum::<u64>(), n);
    }
}
