//! Generates one report of the simulated world: who files it, what it is
//! about, which selectors it lists (messy) and what the truth behind it is
//! (canonical).
//!
//! A report depends only on the world, its global index and its own random
//! stream, so reports can be made on any thread in any order.

use cordon_core::ReportKind;
use cordon_core::marking::{Marking, Tlp};
use cordon_core::report::{Location, Loss, ReportSubmission, SelectorInput};

use crate::adverts::{self, Contact, Part};
use crate::codec;
use crate::data::Tables;
use crate::dice::Dice;
use crate::money::{Coin, Paid, PaidTo};
use crate::selector::{Platform, Sel};
use crate::world::{self, Role, Trafficked, World};

/// A selector made for one report only (a victim's deposit address, an
/// invite link): unique by construction, never in the world's pools.
#[derive(Debug, Clone)]
pub struct Fresh {
    pub canonical: String,
    pub role: Role,
    pub network: Option<u16>,
}

/// One generated report with its ground truth.
#[derive(Debug)]
pub struct Generated {
    pub agency: u16,
    pub submission: ReportSubmission,
    pub kind: ReportKind,
    pub network: Option<u16>,
    pub worker: Option<u32>,
    /// Canonical selectors the report carries (listed or in its narrative).
    pub selectors: Vec<String>,
    /// World entries the report used.
    pub used: Vec<u32>,
    pub fresh: Vec<Fresh>,
    /// What the victim of a network's fraud paid, and where: the money
    /// world makes these payments (see `money`).
    pub paid: Option<Paid>,
}

/// The time of report `index` of `total`: volume grows over the period, as
/// the industry did, so reports are spread with density rising linearly.
pub fn received_at(index: u64, total: u64, jitter: f64) -> i64 {
    let u = (index as f64 + jitter) / total as f64;
    world::START + ((world::END - world::START) as f64 * u.sqrt()) as i64
}

struct Draft<'w> {
    world: &'w World,
    index: u64,
    region: String,
    listed: Vec<SelectorInput>,
    truth: Vec<String>,
    used: Vec<u32>,
    fresh: Vec<Fresh>,
    /// Selectors a narrative may mention (extractable ones).
    mentionable: Vec<Sel>,
    garble: Option<Sel>,
}

impl<'w> Draft<'w> {
    fn new(world: &'w World, region: &str, index: u64) -> Self {
        Draft {
            world,
            index,
            region: region.to_owned(),
            listed: Vec::with_capacity(6),
            truth: Vec::with_capacity(6),
            used: Vec::with_capacity(6),
            fresh: Vec::new(),
            mentionable: Vec::new(),
            garble: None,
        }
    }

    fn entry(&mut self, id: u32, dice: &mut Dice) {
        let e = &self.world.entries[id as usize];
        if self.used.contains(&id) {
            return;
        }
        self.used.push(id);
        self.add(dice, &e.sel.clone(), e.canonical.clone());
    }

    fn add(&mut self, dice: &mut Dice, sel: &Sel, canonical: String) {
        self.listed.push(sel.render(dice, &self.region));
        if let Some(implied) = sel.implied() {
            push_unique(&mut self.truth, implied);
        }
        push_unique(&mut self.truth, canonical);
        if sel.extractable() {
            self.mentionable.push(sel.clone());
        }
    }

    fn fresh(&mut self, dice: &mut Dice, sel: Sel, role: Role, network: Option<u16>) {
        let canonical = sel.canonical();
        self.fresh.push(Fresh {
            canonical: canonical.clone(),
            role,
            network,
        });
        self.add(dice, &sel, canonical);
    }
}

fn push_unique(v: &mut Vec<String>, s: String) {
    if !v.contains(&s) {
        v.push(s);
    }
}

/// What a report is about, before its agency and marking are chosen.
#[derive(Clone, Copy)]
enum Plan {
    Fraud,
    Unrelated,
    Advert,
    Intel,
    Rescue,
    Tip,
}

/// Generates report `index` (0-based, global) of the world.
pub fn generate(world: &World, index: u64, dice: &mut Dice) -> Generated {
    let received = received_at(index, world.total_reports, dice.unit());
    let period = World::period(received);
    let (active, table) = &world.timeline[period];
    let network = active[table.draw(dice)];
    let plan = match dice.below(100) {
        0..=56 => Plan::Fraud,
        57..=67 => Plan::Unrelated,
        68..=79 => Plan::Advert,
        80..=85 => Plan::Intel,
        86..=91 => Plan::Rescue,
        _ => Plan::Tip,
    };
    match plan {
        Plan::Fraud => fraud(world, index, dice, received, Some(network)),
        Plan::Unrelated => fraud(world, index, dice, received, None),
        Plan::Advert => advert(world, index, dice, received, network),
        Plan::Intel => intel(world, index, dice, received, network),
        Plan::Rescue => rescue(world, index, dice, received, network),
        Plan::Tip => tip(world, index, dice, received, network),
    }
}

/// Picks an entry near the network's current point in time: pools are in
/// order of first use, so this rotates infrastructure over the period while
/// reusing each item for a while.
pub(crate) fn rotate(pool: &[u32], start: i64, t: i64, dice: &mut Dice) -> u32 {
    let n = pool.len() as i64;
    let span = (world::END - start).max(1);
    let centre = ((t - start).clamp(0, span) as i128 * n as i128 / span as i128) as i64;
    let offset = dice.below(5) as i64 - 2;
    pool[(centre + offset).clamp(0, n - 1) as usize]
}

fn fraud(world: &World, index: u64, dice: &mut Dice, t: i64, network: Option<u16>) -> Generated {
    let tables = Tables::get();
    let (country, scam) = match network {
        Some(n) => {
            let net = &world.networks[n as usize];
            (
                net.targets[net.target_table.draw(dice)],
                net.scams[net.scam_table.draw(dice)].0,
            )
        }
        None => (
            world.victim_countries[world.victim_table.draw(dice)],
            *dice.pick(&[
                "ecommerce",
                "loan",
                "romance",
                "impersonation",
                "investment",
            ]),
        ),
    };
    let agency = pick_agency(world, dice, ReportKind::FraudComplaint, country);
    let c = &tables.countries[country];
    let mut d = Draft::new(world, &c.code, index);
    let mut mo = vec![scam.to_owned()];
    let mut channel = "telegram";
    let mut platform_name = String::new();
    // The name the persona went by, read off its handle, so the narrative
    // and the listed account tell one story.
    let mut persona_name: Option<String> = None;
    let mut crypto = true;
    let mut paid_to: Option<PaidTo> = None;

    match network {
        Some(n) => {
            let net = &world.networks[n as usize];
            let p = &net.pools;
            let voice = matches!(scam, "impersonation" | "voice_phishing");
            if voice {
                channel = "phone_call";
                d.entry(rotate(&p.contact_phones, net.start, t, dice), dice);
                if dice.chance(300) {
                    // The "senior officer" the call was transferred to.
                    d.entry(rotate(&p.contact_phones, net.start, t, dice), dice);
                }
                crypto = dice.chance(300);
            } else {
                // The persona the victim talked to, on the network's apps.
                let persona = rotate(&p.personas, net.start, t, dice);
                if let Sel::Handle { platform, name } = &world.entries[persona as usize].sel {
                    channel = platform.channel();
                    persona_name = Some(display_name(name));
                    if dice.chance(500) {
                        // A throwaway account made for this victim alone:
                        // scripts are shared, accounts are not. World
                        // handles continue after their separator with a
                        // letter or at most four digits; a digit and five
                        // more characters keeps this one apart from them.
                        let stem: String = name
                            .chars()
                            .take_while(|c| c.is_ascii_alphabetic())
                            .collect();
                        let sep = if *platform == Platform::Facebook {
                            '.'
                        } else {
                            '_'
                        };
                        let token = codec::token(codec::scatter(index, 1 << 25, 0x9E5), 5)
                            .to_ascii_lowercase();
                        let sel = Sel::Handle {
                            platform: *platform,
                            name: format!("{stem}{sep}{}{token}", index % 10),
                        };
                        d.fresh(dice, sel, Role::PersonaHandle, network);
                    } else {
                        d.entry(persona, dice);
                    }
                }
                if dice.chance(450) {
                    // Conversations move to WhatsApp once trust is built.
                    channel = "whatsapp";
                    d.entry(rotate(&p.whatsapp, net.start, t, dice), dice);
                }
                if dice.chance(200) {
                    // The platform's "customer service" agent.
                    d.entry(rotate(&p.personas, net.start, t, dice), dice);
                }
            }
            if matches!(scam, "investment" | "task" | "recovery" | "gambling") {
                let dom = rotate(&p.platforms, net.start, t, dice);
                if let Sel::Domain(host) = &world.entries[dom as usize].sel {
                    platform_name = brand(host);
                    if dice.chance(800) {
                        // The victim's own account link on the fake platform.
                        let host = match dice.below(4) {
                            0 => format!("www.{host}"),
                            1 => format!("app.{host}"),
                            _ => host.clone(),
                        };
                        let code = codec::token(codec::scatter(index, 1 << 40, 0x1A71), 8);
                        let path = match dice.below(4) {
                            0 => format!("/register?invite={code}"),
                            1 => format!("/m/register?ref={code}"),
                            2 => format!("/invite/{code}"),
                            _ => format!("/login?uid={code}"),
                        };
                        d.fresh(dice, Sel::Url { host, path }, Role::InviteUrl, network);
                        d.used.push(dom);
                    } else {
                        d.entry(dom, dice);
                    }
                    if dice.chance(80) {
                        d.entry(
                            p.platform_emails
                                [p.platforms.iter().position(|&x| x == dom).unwrap_or(0)],
                            dice,
                        );
                    }
                }
            }
            if crypto && !matches!(scam, "ecommerce" | "loan" | "sextortion") || dice.chance(150) {
                // Fake platforms give each victim a deposit address of their
                // own; funds are then swept to the network's wallets.
                // Platforms often rotate the address per deposit, so a
                // victim who paid several times lists several.
                let chain = dice.below(10);
                let tag = match chain {
                    0..=6 => "payment:usdt_trc20",
                    7 | 8 => "payment:usdt_erc20",
                    _ => "payment:btc",
                };
                mo.push(tag.to_owned());
                let mut deposits = Vec::with_capacity(5);
                for _ in 0..dice.between(2, 5) {
                    let sel = match chain {
                        0..=6 => Sel::Trx(codec::tron_address(&dice.bytes())),
                        7 | 8 => Sel::Eth(dice.bytes()),
                        _ => Sel::Btc(codec::btc_bech32(&dice.bytes())),
                    };
                    if d.garble.is_none() && dice.chance(150) {
                        d.garble = Some(sel.clone());
                    }
                    deposits.push(sel.canonical());
                    d.fresh(dice, sel, Role::DepositAddress, network);
                }
                let mut wallet = None;
                if dice.chance(250) {
                    let w = rotate(&p.wallets, net.start, t, dice);
                    wallet = Some(w);
                    d.entry(w, dice);
                }
                paid_to = Some(PaidTo::Crypto {
                    coin: match chain {
                        0..=6 => Coin::UsdtTron,
                        7 | 8 => Coin::UsdtEth,
                        _ => Coin::Btc,
                    },
                    deposits,
                    wallet,
                });
                if !p.exchange.is_empty() && dice.chance(60) {
                    d.entry(*dice.pick(&p.exchange), dice);
                }
            } else {
                crypto = false;
                mo.push("payment:bank_transfer".to_owned());
                mo.push("payment:mule_account".to_owned());
                let mule = if !p.laundering.is_empty() && dice.chance(100) {
                    *dice.pick(&p.laundering)
                } else {
                    rotate(&p.mules, net.start, t, dice)
                };
                if let Sel::Iban(_) = &world.entries[mule as usize].sel
                    && d.garble.is_none()
                    && dice.chance(200)
                {
                    d.garble = Some(world.entries[mule as usize].sel.clone());
                }
                d.entry(mule, dice);
                paid_to = Some(PaidTo::Bank { account: mule });
            }
            if dice.chance(120) {
                mo.push("crime:money_laundering".to_owned());
            }
        }
        None => {
            // Unrelated fraud: a one-off scammer with fresh selectors of its
            // own, touching shared infrastructure now and then.
            channel = *dice.pick(&["facebook", "sms", "phone_call", "email"]);
            let plan = &world.phone_plans[country];
            // Stepping by the report count keeps every report's serials apart.
            let nsn = plan.valid_nsn(c, plan.half() + index, world.total_reports);
            d.fresh(
                dice,
                Sel::Phone {
                    country: country as u16,
                    nsn,
                },
                Role::Unrelated,
                None,
            );
            let lx = &tables.lexicon;
            let code = codec::token(codec::scatter(index, 1 << 35, 0xD0), 7).to_ascii_lowercase();
            if dice.chance(500) {
                let host = dice.pick(&lx.email_hosts).clone();
                let word = dice.pick(&lx.platform_words).clone();
                d.fresh(
                    dice,
                    Sel::Email(format!("{word}.deals.{code}@{host}")),
                    Role::Unrelated,
                    None,
                );
            }
            if dice.chance(300) {
                let wallet = Sel::Trx(codec::tron_address(&dice.bytes()));
                d.fresh(dice, wallet, Role::Unrelated, None);
            }
            if dice.chance(700) {
                let word = dice.pick(&lx.platform_words).clone();
                let tld = dice.pick(&lx.platform_tlds).clone();
                d.fresh(
                    dice,
                    Sel::Domain(format!("{word}-shop-{code}.{tld}")),
                    Role::Unrelated,
                    None,
                );
            }
            if dice.chance(300) {
                let mule = world.mule_countries[dice.index(world.mule_countries.len())];
                let mc = &tables.countries[mule];
                if wide_accounts(mc) {
                    let sel = world::account(dice, mc, mule, 50_000_000 + index);
                    d.fresh(dice, sel, Role::Unrelated, None);
                    mo.push("payment:bank_transfer".to_owned());
                }
            }
            if dice.chance(50) {
                d.entry(*dice.pick(&world.exchange), dice);
            }
            crypto = false;
        }
    }
    mo.push(format!("channel:{channel}"));

    let currency = if crypto {
        "USDT".to_owned()
    } else {
        c.currency.clone()
    };
    // Losses are drawn in dollars and stated in the currency paid.
    let (usd_cents, whole) = loss_cents(dice, scam);
    let cents = if crypto {
        usd_cents
    } else {
        crate::money::local_cents(usd_cents, &currency, whole)
    };
    let amount = crate::money::cents_text(cents, whole);
    let lang = c.lang.as_str();
    let templates = &tables.narratives.fraud_complaint[scam];
    let (lang, list) = match templates.get(lang) {
        Some(list) => (lang, list),
        None => ("en", &templates["en"]),
    };
    let persona = persona_name.unwrap_or_else(|| {
        let p = &tables.personas;
        format!("{} {}", dice.pick(&p.given), dice.pick(&p.family))
    });
    let template = dice.pick(list).clone();
    let weeks = dice.between(2, 16).to_string();
    let payments = dice.between(2, 9).to_string();
    let fee = (dice.between(5, 60) * 100).to_string();
    let channel_name = channel_display(channel);
    let platform_name = if platform_name.is_empty() {
        "an online platform".to_owned()
    } else {
        platform_name
    };
    let vars = |name: &str| -> Option<String> {
        Some(match name {
            "persona" => persona.clone(),
            "channel" => channel_name.to_owned(),
            "platform" => platform_name.clone(),
            "amount" => amount.clone(),
            "currency" => currency.clone(),
            "weeks" => weeks.clone(),
            "payments" => payments.clone(),
            "fee" => fee.clone(),
            _ => return None,
        })
    };
    let losses = vec![Loss {
        amount: amount.clone(),
        currency: currency.clone(),
    }];
    let grading = *dice.pick(&["C3", "B3", "F6", "C2", "B2", "F3"]);
    let tlp = pick_tlp(dice, [6, 30, 54, 6, 4]);
    let paid = network.zip(paid_to).map(|(n, to)| Paid {
        report: String::new(),
        network: n,
        time: t,
        country: country as u16,
        currency: currency.clone(),
        cents,
        to,
    });
    let mut g = finish(
        world,
        dice,
        d,
        Finish {
            kind: ReportKind::FraudComplaint,
            agency,
            received: t,
            template,
            lang,
            vars: &vars,
            mo,
            losses,
            location: None,
            grading,
            tlp,
            network,
            worker: None,
        },
    );
    g.paid = paid.map(|mut p| {
        p.report = g.submission.id.clone().unwrap_or_default();
        p
    });
    g
}

fn advert(world: &World, index: u64, dice: &mut Dice, t: i64, n: u16) -> Generated {
    let tables = Tables::get();
    let net = &world.networks[n as usize];
    let p = &net.pools;
    // One advert in ten on the big job boards is an ordinary job, not a
    // network's lure: boards are shared with legitimate employers.
    let legit = dice.chance(100);
    let network = (!legit).then_some(n);
    let country = tables
        .country(pick_worker_country(world, dice))
        .expect("in tables");
    let agency = pick_agency(world, dice, ReportKind::RecruitmentAd, country);
    let c = &tables.countries[agency_country(world, agency)];
    let mut d = Draft::new(world, &c.code, index);
    let mut mo = vec![
        "recruitment:fake_job_offer".to_owned(),
        "recruitment:high_pay".to_owned(),
    ];
    let mut channel = "job_board";
    if !legit {
        match dice.below(10) {
            0..=5 => {
                let r = rotate(&p.recruiters, net.start, t, dice);
                if let Sel::Handle { platform, .. } = &world.entries[r as usize].sel {
                    channel = platform.channel();
                }
                d.entry(r, dice);
            }
            6 => {
                channel = "whatsapp";
                d.entry(rotate(&p.recruiter_phones, net.start, t, dice), dice);
            }
            7 => {
                channel = "email";
                d.entry(rotate(&p.recruiter_emails, net.start, t, dice), dice);
            }
            _ => {
                if let Some(&g) = p.job_groups.first() {
                    channel = "telegram";
                    d.entry(g, dice);
                }
                d.entry(rotate(&p.recruiters, net.start, t, dice), dice);
            }
        }
        if dice.chance(400) {
            d.entry(rotate(&p.recruiter_phones, net.start, t, dice), dice);
        }
        if dice.chance(300) {
            d.entry(rotate(&p.recruiter_emails, net.start, t, dice), dice);
        }
        if dice.chance(300) {
            d.entry(*dice.pick(&p.companies), dice);
        }
        for tag in [
            "recruitment:free_travel",
            "recruitment:no_contract",
            "recruitment:typing_test",
            "recruitment:tourist_visa",
        ] {
            if dice.chance(400) {
                mo.push(tag.to_owned());
            }
        }
        mo.push(
            if compound_region(world, net, t) == "middle_east" || dice.chance(150) {
                "recruitment:transit_dubai"
            } else {
                "recruitment:transit_thailand"
            }
            .to_owned(),
        );
        mo.push("crime:human_trafficking".to_owned());
    } else {
        mo.truncate(0);
    }
    if legit || dice.chance(700) {
        let board = if legit {
            *dice.pick(&world.job_boards)
        } else {
            *dice.pick(&p.job_boards)
        };
        if let Sel::Domain(dom) = &world.entries[board as usize].sel {
            let path = format!("/jobs/{}", codec::scatter(index, 1 << 32, 0x10B5) + 100_000);
            let host = if dice.chance(500) {
                format!("www.{dom}")
            } else {
                dom.clone()
            };
            d.fresh(dice, Sel::Url { host, path }, Role::JobPostUrl, network);
            d.used.push(board);
        }
    }
    // The advert shows what the report can mention (the recruiter's phone
    // or e-mail, the post's link), filled in by `finish`; a handle alone
    // stays out of the text, as extraction would not find it there.
    let shown = (!d.mentionable.is_empty()).then_some("{mention}");
    // Four words of the report's stream are what its job, pay, destination
    // and template once took; skipping them keeps the reports after an
    // advert, and the money world that follows them, as they were.
    for _ in 0..4 {
        dice.u64();
    }
    let own = &mut adverts::report_dice(world.seed, index);
    let composed = if legit {
        adverts::legitimate(
            own,
            country,
            Contact::Given {
                app: "job_board",
                text: shown,
            },
        )
    } else {
        let compound = &tables.places[world.compounds[net.compound_at(t)].place].country;
        let route = adverts::Route {
            compound,
            via_dubai: mo.iter().any(|m| m == "recruitment:transit_dubai"),
        };
        adverts::lure(
            own,
            country,
            route,
            &lure_parts(&mo),
            Contact::Given {
                app: channel_display(channel),
                text: shown,
            },
        )
    };
    if !legit {
        // The tags say what the advert says.
        for tag in composed.mo() {
            if !mo.iter().any(|m| m == tag) {
                mo.push(tag.to_owned());
            }
        }
    }
    mo.push(format!("channel:{channel}"));
    let grading = *dice.pick(&["B2", "C2", "B3", "A2"]);
    let tlp = pick_tlp(dice, [40, 40, 18, 2, 0]);
    finish(
        world,
        dice,
        d,
        Finish {
            kind: ReportKind::RecruitmentAd,
            agency,
            received: t,
            template: composed.text,
            lang: composed.language,
            vars: &|_| None,
            mo,
            losses: Vec::new(),
            location: None,
            grading,
            tlp,
            network,
            worker: None,
        },
    )
}

/// The parts a lure must carry for the tags its report was given: pay
/// (`high_pay`) and the destination (the transit tags) always.
fn lure_parts(mo: &[String]) -> Vec<Part> {
    let mut parts = vec![Part::Pay, Part::Destination];
    for tag in mo {
        let part = match tag.as_str() {
            "recruitment:free_travel" => Part::Travel,
            "recruitment:no_contract" => Part::Contract,
            "recruitment:typing_test" => Part::Interview,
            "recruitment:tourist_visa" => Part::Visa,
            _ => continue,
        };
        parts.push(part);
    }
    parts
}

fn intel(world: &World, index: u64, dice: &mut Dice, t: i64, n: u16) -> Generated {
    let tables = Tables::get();
    let net = &world.networks[n as usize];
    let p = &net.pools;
    let site = net.compound_at(t);
    let compound = &world.compounds[site];
    // Most compound intelligence comes from the country the compound is
    // in; the rest from foreign police whose nationals are held there.
    let local: Vec<usize> = world
        .agencies_filing(ReportKind::CompoundIntel, compound.country)
        .collect();
    let agency = if !local.is_empty() && dice.chance(600) {
        *dice.pick(&local)
    } else {
        pick_agency(world, dice, ReportKind::CompoundIntel, usize::MAX)
    };
    let c = &tables.countries[agency_country(world, agency)];
    let mut d = Draft::new(world, &c.code, index);
    for _ in 0..dice.between(1, 2) {
        d.entry(rotate(&p.compound_phones, net.start, t, dice), dice);
    }
    d.entry(rotate(&p.wallets, net.start, t, dice), dice);
    if dice.chance(500) {
        let ip = if !p.hosting.is_empty() && dice.chance(400) {
            *dice.pick(&p.hosting)
        } else {
            *dice.pick(&p.ips)
        };
        d.entry(ip, dice);
    }
    if dice.chance(400) {
        d.entry(rotate(&p.platforms, net.start, t, dice), dice);
    }
    let company = p.companies[dice.index(p.companies.len())];
    if dice.chance(500) {
        d.entry(company, dice);
    }
    let company_name = match &world.entries[company as usize].sel {
        Sel::Company(name) => name.clone(),
        _ => String::new(),
    };
    let mut mo = vec![
        "crime:human_trafficking".to_owned(),
        "crime:forced_criminality".to_owned(),
    ];
    for (s, _) in &net.scams {
        mo.push((*s).to_owned());
    }
    for tag in [
        "control:withholds_documents",
        "control:restricts_movement",
        "control:physical_abuse",
        "control:excessive_working_hours",
        "control:debt_bondage",
    ] {
        if dice.chance(450) {
            mo.push(tag.to_owned());
        }
    }
    if dice.chance(80) {
        mo.push((*dice.pick(&["crime:drugs", "crime:firearms", "crime:wildlife"])).to_owned());
    }
    let place = tables.places[compound.place].place.clone();
    let workers = (dice.between(2, 60) * 50).to_string();
    let nationalities = {
        let mut names: Vec<&str> = Vec::new();
        for _ in 0..3 {
            if let Some(&w) = net.workers.get(dice.index(net.workers.len().max(1))) {
                let name = tables.countries[world.workers[w as usize].nationality]
                    .name
                    .as_str();
                if !names.contains(&name) {
                    names.push(name);
                }
            }
        }
        if names.is_empty() {
            "several countries".to_owned()
        } else {
            names.join(", ")
        }
    };
    let list = &tables.narratives.compound_intel["en"];
    let template = dice.pick(list).clone();
    let compound_name = compound.name.clone();
    let origin = net.origin.to_owned();
    let vars = |name: &str| -> Option<String> {
        Some(match name {
            "compound" => compound_name.clone(),
            "place" => place.clone(),
            "workers" => workers.clone(),
            "nationalities" => nationalities.clone(),
            "network_hint" => format!("a {origin}"),
            "company" => company_name.clone(),
            _ => return None,
        })
    };
    let location = Some(Location {
        lat: compound.lat,
        lon: compound.lon,
        place: Some(tables.places[compound.place].place.clone()),
    });
    let grading = *dice.pick(&["B2", "A2", "B3", "C3", "B1"]);
    let tlp = pick_tlp(dice, [0, 5, 50, 20, 25]);
    finish(
        world,
        dice,
        d,
        Finish {
            kind: ReportKind::CompoundIntel,
            agency,
            received: t,
            template,
            lang: "en",
            vars: &vars,
            mo,
            losses: Vec::new(),
            location,
            grading,
            tlp,
            network: Some(n),
            worker: None,
        },
    )
}

fn rescue(world: &World, index: u64, dice: &mut Dice, t: i64, n: u16) -> Generated {
    let tables = Tables::get();
    let net = &world.networks[n as usize];
    let mut w = *dice.pick(&net.workers);
    // Families of willing workers call less often; re-draw once.
    if world.workers[w as usize].status == Trafficked::NotAVictim && dice.chance(600) {
        w = *dice.pick(&net.workers);
    }
    let worker = &world.workers[w as usize];
    let home: Vec<usize> = world
        .agencies_filing(ReportKind::RescueRequest, worker.nationality)
        .collect();
    let agency = if !home.is_empty() && dice.chance(700) {
        *dice.pick(&home)
    } else {
        pick_agency(world, dice, ReportKind::RescueRequest, usize::MAX)
    };
    let c = &tables.countries[agency_country(world, agency)];
    let mut d = Draft::new(world, &c.code, index);
    d.entry(worker.phone, dice);
    if dice.chance(700) {
        d.entry(worker.name, dice);
    }
    if dice.chance(400) {
        d.entry(worker.passport, dice);
    }
    if dice.chance(500) {
        d.entry(worker.recruiter, dice);
    }
    let compound = &world.compounds[worker.compound];
    let mut mo = vec![
        "crime:human_trafficking".to_owned(),
        "crime:forced_criminality".to_owned(),
        "recruitment:fake_job_offer".to_owned(),
        format!("channel:{}", worker.channel),
    ];
    let victim = worker.status == Trafficked::Victim;
    for (tag, pm) in [
        ("control:withholds_documents", 700),
        ("control:restricts_movement", 650),
        ("control:physical_abuse", 400),
        ("control:threats", 500),
        ("control:excessive_working_hours", 600),
        ("control:debt_bondage", 350),
        ("control:takes_earnings", 250),
    ] {
        // Willing workers' cases show fewer, weaker indicators.
        if dice.chance(if victim { pm } else { pm / 4 }) {
            mo.push(tag.to_owned());
        }
    }
    let ransom = dice.between(2, 30) * 1000;
    let mut losses = Vec::new();
    if dice.chance(300) {
        mo.push("crime:ransom".to_owned());
        losses.push(Loss {
            amount: ransom.to_string(),
            currency: "USDT".to_owned(),
        });
    }
    let worker_name = match &world.entries[worker.name as usize].sel {
        Sel::Name(name) => name.clone(),
        _ => String::new(),
    };
    let nationality = tables.countries[worker.nationality].name.clone();
    let place = tables.places[compound.place].place.clone();
    let compound_name = compound.name.clone();
    let job = tables.lexicon.jobs[worker.job].title.clone();
    let pronoun = if worker.female { "she" } else { "he" };
    let channel = channel_display(worker.channel).to_owned();
    let list = &tables.narratives.rescue_request["en"];
    let template = dice.pick(list).clone();
    let vars = |name: &str| -> Option<String> {
        Some(match name {
            "worker" => worker_name.clone(),
            "nationality" => nationality.clone(),
            "place" => place.clone(),
            "compound" => compound_name.clone(),
            "job" => job.clone(),
            "pronoun" => pronoun.to_owned(),
            "ransom" => ransom.to_string(),
            "channel" => channel.clone(),
            _ => return None,
        })
    };
    let location = dice.chance(600).then(|| Location {
        lat: compound.lat,
        lon: compound.lon,
        place: Some(place.clone()),
    });
    let grading = *dice.pick(&["B2", "C3", "B3", "F6"]);
    let tlp = pick_tlp(dice, [0, 0, 20, 40, 40]);
    finish(
        world,
        dice,
        d,
        Finish {
            kind: ReportKind::RescueRequest,
            agency,
            received: t,
            template,
            lang: "en",
            vars: &vars,
            mo,
            losses,
            location,
            grading,
            tlp,
            network: Some(n),
            worker: Some(w),
        },
    )
}

fn tip(world: &World, index: u64, dice: &mut Dice, t: i64, n: u16) -> Generated {
    let tables = Tables::get();
    let net = &world.networks[n as usize];
    let p = &net.pools;
    let agency = pick_agency(world, dice, ReportKind::Tip, usize::MAX);
    let c = &tables.countries[agency_country(world, agency)];
    let mut d = Draft::new(world, &c.code, index);
    for _ in 0..dice.between(2, 4) {
        let id = match dice.below(8) {
            0 => rotate(&p.contact_phones, net.start, t, dice),
            1 => rotate(&p.platforms, net.start, t, dice),
            2 => rotate(&p.wallets, net.start, t, dice),
            3 => rotate(&p.mules, net.start, t, dice),
            4 => rotate(&p.whatsapp, net.start, t, dice),
            5 => rotate(&p.compound_phones, net.start, t, dice),
            6 => rotate(&p.recruiters, net.start, t, dice),
            _ => match p.hosting.first() {
                Some(&h) if dice.chance(500) => h,
                _ => *dice.pick(&p.ips),
            },
        };
        d.entry(id, dice);
    }
    let place = tables.places[world.compounds[net.compound_at(t)].place]
        .place
        .clone();
    let list = &tables.narratives.tip["en"];
    let template = dice.pick(list).clone();
    let vars = |name: &str| -> Option<String> {
        Some(match name {
            "place" => place.clone(),
            _ => return None,
        })
    };
    let grading = *dice.pick(&["E5", "F6", "C3", "D4", "B3"]);
    let tlp = pick_tlp(dice, [5, 45, 45, 5, 0]);
    let mo = vec![net.scams[0].0.to_owned()];
    finish(
        world,
        dice,
        d,
        Finish {
            kind: ReportKind::Tip,
            agency,
            received: t,
            template,
            lang: "en",
            vars: &vars,
            mo,
            losses: Vec::new(),
            location: None,
            grading,
            tlp,
            network: Some(n),
            worker: None,
        },
    )
}

struct Finish<'a> {
    kind: ReportKind,
    agency: usize,
    received: i64,
    template: String,
    lang: &'a str,
    vars: &'a dyn Fn(&str) -> Option<String>,
    mo: Vec<String>,
    losses: Vec<Loss>,
    location: Option<Location>,
    grading: &'static str,
    tlp: Tlp,
    network: Option<u16>,
    worker: Option<u32>,
}

/// Assembles the submission: narrative, marking, partial-report noise.
fn finish(world: &World, dice: &mut Dice, mut d: Draft<'_>, f: Finish<'_>) -> Generated {
    let agency = &world.agencies[f.agency];
    // Partial reports: some list selectors only, some leave them all in the
    // narrative for extraction to find.
    let shape = dice.below(100);
    let selectors_only = shape < 7;
    let narrative_only = (7..12).contains(&shape) && !d.mentionable.is_empty();

    let mention = if narrative_only {
        let mentions: Vec<String> = d
            .mentionable
            .clone()
            .iter()
            .map(|s| s.mention(dice))
            .collect();
        mentions.join(", ")
    } else if d.mentionable.is_empty() {
        "the accounts listed with this report".to_owned()
    } else {
        let i = dice.index(d.mentionable.len());
        d.mentionable[i].clone().mention(dice)
    };
    let garbled = d
        .garble
        .clone()
        .and_then(|s| s.garbled(dice))
        .unwrap_or_else(|| "an address the victim could not read".to_owned());
    let narrative = fill(&f.template, |name| match name {
        "mention" => Some(mention.clone()),
        "garbled" => Some(garbled.clone()),
        other => (f.vars)(other),
    });

    if narrative_only {
        // Only what extraction can see remains in the truth.
        let keep: Vec<String> = d
            .mentionable
            .iter()
            .flat_map(|s| [Some(s.canonical()), s.implied()])
            .flatten()
            .collect();
        d.truth.retain(|s| keep.contains(s));
        d.used
            .retain(|&e| keep.contains(&world.entries[e as usize].canonical));
        d.fresh.retain(|f| keep.contains(&f.canonical));
        d.listed.clear();
    }

    let mut marking = Marking::new(f.tlp);
    if matches!(f.tlp, Tlp::Red | Tlp::AmberStrict) || (f.tlp == Tlp::Amber && dice.chance(400)) {
        let count = if f.tlp == Tlp::Red {
            dice.between(1, 3)
        } else {
            dice.between(1, 2)
        };
        // Addressed to those who can act: agencies where the network's
        // compound is, or the regional hubs that coordinate operations.
        let place = f
            .network
            .map(|n| world.compounds[world.networks[n as usize].compound_at(f.received)].country);
        let local: Vec<&str> = place
            .map(|c| {
                world
                    .agencies
                    .iter()
                    .filter(|a| a.country_index == c)
                    .map(|a| a.code.as_str())
                    .collect()
            })
            .unwrap_or_default();
        for _ in 0..count {
            let code = if !local.is_empty() && dice.chance(600) {
                *dice.pick(&local)
            } else {
                *dice.pick(&HUBS)
            };
            // RED goes to named individuals (TLP 2.0): each agency's
            // liaison officer, the user the demo logs in as.
            let recipient = if f.tlp == Tlp::Red {
                format!("{code}/{LIAISON}")
            } else {
                code.to_owned()
            };
            if code != agency.code && !marking.recipients.contains(&recipient) {
                marking.recipients.push(recipient);
            }
        }
        if f.tlp == Tlp::Red && dice.chance(300) {
            marking.hit_notification = false;
        }
    }
    // The global index, scattered, makes ids unique without revealing the
    // order across agencies.
    let id = format!(
        "{}-{}",
        agency.code,
        codec::token(codec::scatter(d.index, 1 << 40, 0x1D), 8)
    );
    let submission = ReportSubmission {
        id: Some(id),
        kind: Some(f.kind.as_str().to_owned()),
        received: Some(rfc3339(f.received)),
        country: Some(agency.country.clone()),
        language: (!dice.chance(80)).then(|| f.lang.to_owned()),
        marking: (!dice.chance(40)).then_some(marking),
        grading: (!dice.chance(100)).then(|| f.grading.to_owned()),
        mo: f.mo,
        narrative: (!selectors_only || d.listed.is_empty()).then_some(narrative),
        selectors: d.listed,
        losses: f.losses,
        location: f.location,
    };
    Generated {
        agency: f.agency as u16,
        submission,
        kind: f.kind,
        network: f.network,
        worker: f.worker,
        selectors: d.truth,
        used: d.used,
        fresh: d.fresh,
        paid: None,
    }
}

/// Agencies that coordinate most cross-border work on scam compounds.
/// The user name of each agency's liaison officer, to whom RED reports are
/// addressed; `cordon demo` creates these users.
pub const LIAISON: &str = "liaison";

const HUBS: [&str; 8] = [
    "TH-DSI", "KH-NCB", "PH-PAOCC", "SG-SPF", "US-FBI", "GB-NCA", "AU-AFP", "CN-MPS",
];

/// Replaces `{name}` placeholders; unknown names are left as written.
pub fn fill(template: &str, var: impl Fn(&str) -> Option<String>) -> String {
    let mut out = String::with_capacity(template.len() + 64);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after.find('}') {
            Some(close) => {
                let name = &after[..close];
                match var(name) {
                    Some(value) => out.push_str(&value),
                    None => {
                        out.push('{');
                        out.push_str(name);
                        out.push('}');
                    }
                }
                rest = &after[close + 1..];
            }
            None => {
                out.push_str(&rest[open..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

/// RFC 3339 UTC time with seconds, as FORMATS.md shows it.
pub fn rfc3339(t: i64) -> String {
    chrono::DateTime::from_timestamp(t, 0)
        .expect("simulated times are in range")
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

fn pick_agency(world: &World, dice: &mut Dice, kind: ReportKind, country: usize) -> usize {
    let local: Vec<usize> = world.agencies_filing(kind, country).collect();
    if !local.is_empty() {
        return *dice.pick(&local);
    }
    let any: Vec<usize> = (0..world.agencies.len())
        .filter(|&a| world.agencies[a].files.contains(&kind))
        .collect();
    *dice.pick(&any)
}

fn agency_country(world: &World, agency: usize) -> usize {
    world.agencies[agency].country_index
}

/// A country whose nationals are recruited, weighted as in the tables.
fn pick_worker_country(world: &World, dice: &mut Dice) -> &'static str {
    let tables = Tables::get();
    let filers: Vec<usize> = (0..tables.countries.len())
        .filter(|&c| {
            tables.countries[c].worker > 0
                && world
                    .agencies_filing(ReportKind::RecruitmentAd, c)
                    .next()
                    .is_some()
        })
        .collect();
    let weights = crate::dice::Weighted::new(filers.iter().map(|&c| tables.countries[c].worker));
    tables.countries[filers[weights.draw(dice)]].code.as_str()
}

fn compound_region<'a>(world: &'a World, net: &crate::world::Network, t: i64) -> &'a str {
    let tables = Tables::get();
    tables.places[world.compounds[net.compound_at(t)].place]
        .region
        .as_str()
}

/// Adverts name the lure, not the compound: Thailand as the entry point,
/// Dubai as transit, or the country's better-known cities.
pub(crate) fn lure_destination(dice: &mut Dice, compound_country: &str) -> String {
    let options: &[&str] = match compound_country {
        "MM" | "LA" => &["Thailand", "Bangkok", "Mae Sot, Thailand"],
        "KH" => &["Thailand", "Phnom Penh", "Cambodia"],
        "PH" => &["Manila", "the Philippines"],
        "AE" => &["Dubai"],
        _ => &["Thailand", "Dubai", "Malaysia"],
    };
    (*dice.pick(options)).to_owned()
}

pub(crate) fn channel_display(channel: &str) -> &'static str {
    match channel {
        "telegram" => "Telegram",
        "facebook" => "Facebook",
        "line" => "LINE",
        "wechat" => "WeChat",
        "whatsapp" => "WhatsApp",
        "phone_call" => "a phone call",
        "sms" => "SMS",
        "email" => "email",
        "tiktok" => "TikTok",
        "job_board" => "a job board",
        "agency" => "a recruitment agency",
        "friend_or_relative" => "a friend",
        _ => "social media",
    }
}

/// The name a persona handle presents: its leading letters split at
/// capitals (`JessicaLee_1e2` → `Jessica Lee`, `Anna.Chen.12` → `Anna Chen`).
fn display_name(handle: &str) -> String {
    let mut out = String::new();
    for part in handle.split(['.', '_']).take(2) {
        let letters: String = part
            .chars()
            .take_while(|c| c.is_ascii_alphabetic())
            .collect();
        for (i, c) in letters.char_indices() {
            if i > 0 && c.is_ascii_uppercase() {
                out.push(' ');
            }
            out.push(if i == 0 { c.to_ascii_uppercase() } else { c });
        }
        if !letters.is_empty() && !out.ends_with(' ') {
            out.push(' ');
        }
    }
    out.trim_end().to_owned()
}

/// A platform's brand as victims name it: the domain's first label, in
/// capitals, without the TLD (so that the narrative does not repeat the
/// domain as a second selector).
fn brand(host: &str) -> String {
    let label = host.split('.').next().unwrap_or(host);
    label
        .split('-')
        .map(|w| {
            let mut c = w.chars();
            c.next().map_or(String::new(), |f| {
                f.to_ascii_uppercase().to_string() + c.as_str()
            })
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Countries whose account numbers are long enough for report-time serials
/// to stay clear of the world's (see `world::account`).
pub(crate) fn wide_accounts(c: &crate::data::Country) -> bool {
    match &c.iban {
        Some(pattern) => crate::selector::bban_segments(pattern)
            .last()
            .is_some_and(|&(len, class)| len >= 8 && class != b'a'),
        None => c.account >= 8 && !c.banks.is_empty(),
    }
}

/// A loss in dollar cents, and whether it is a whole amount.
fn loss_cents(dice: &mut Dice, scam: &str) -> (u64, bool) {
    let bases: &[u64] = match scam {
        "investment" | "recovery" => &[1_000, 5_000, 10_000, 25_000, 50_000, 100_000, 250_000],
        "romance" | "impersonation" => &[500, 2_000, 5_000, 15_000, 40_000],
        "task" | "gambling" => &[200, 800, 2_000, 6_000, 15_000],
        _ => &[50, 150, 400, 1_000, 3_000],
    };
    let base = *dice.pick(bases);
    let amount = base + dice.below(base);
    if dice.chance(300) {
        (amount * 100 + dice.below(100), false)
    } else {
        (amount * 100, true)
    }
}

fn pick_tlp(dice: &mut Dice, weights: [u64; 5]) -> Tlp {
    let table = crate::dice::Weighted::new(weights);
    Tlp::ALL[table.draw(dice)]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hubs_are_member_agencies() {
        let t = Tables::get();
        for hub in HUBS {
            assert!(t.agencies.iter().any(|a| a.code == hub), "{hub}");
        }
    }

    #[test]
    fn fill_replaces_known_names_only() {
        let s = fill("a {x} b {y} c {", |n| (n == "x").then(|| "X".to_owned()));
        assert_eq!(s, "a X b {y} c {");
    }

    #[test]
    fn times_rise_with_the_index_and_stay_in_the_period() {
        let a = received_at(0, 100, 0.0);
        let b = received_at(50, 100, 0.5);
        let c = received_at(99, 100, 0.999);
        assert!(world::START <= a && a < b && b < c && c < world::END);
        assert_eq!(rfc3339(world::START), "2023-01-01T00:00:00Z");
    }

    #[test]
    fn persona_names_come_from_handles() {
        assert_eq!(display_name("JessicaLee_1e2yxm"), "Jessica Lee");
        assert_eq!(display_name("Anna.Chen.123"), "Anna Chen");
        assert_eq!(display_name("Kevin_Wong42"), "Kevin Wong");
        assert_eq!(display_name("annac1234"), "Annac");
    }

    #[test]
    fn brands_hide_the_domain() {
        assert_eq!(brand("trade-usdt.vip"), "Trade Usdt");
    }
}
