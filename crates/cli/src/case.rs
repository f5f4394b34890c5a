//! `cordon case`: the victim-protection desk on the command line.
//!
//! Every command acts as one agency's user on a store through the server's
//! own case functions (`cordon_server::case_api`) on an [`Offline`] server
//! state, so the checks, the access rules and the audit are the API's: a
//! case the agency is not assigned to answers like a missing one, every
//! read is audited, and a refused change names its field and writes
//! nothing. Answers are JSON, as the API's (`export --format csv` is CSV).
//!
//! `cordon case signals` opens the simulator's signals (one JSON object a
//! line, `{"id", "received", "raised_by", "opening"}`), each as the agency
//! that received it; the whole file is checked before the first case is
//! opened, like `cordon import`.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, bail};
use chrono::{DateTime, Utc};
use cordon_protect::case::Opening;
use cordon_protect::clock::Clocks;
use cordon_server::access::{Member, Role, Viewer};
use cordon_server::case_api::{
    self, AssignRequest, CaseFilter, DemandRequest, EvidenceRequest, MergeRequest, MoveRequest,
    OutcomeRequest, ReleaseMarking, ReleaseRequest, SplitRequest, TaskRequest,
};
use cordon_server::cases::CasesConfig;
use cordon_server::{Config, Offline, Shared, TokenKey};
use cordon_store::Store;
use serde::de::DeserializeOwned;
use serde_json::json;

use crate::patterns::{failed, write_json, write_text};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

/// The store, the deployment's clocks, and where the answer goes.
#[derive(Debug, clap::Args)]
pub(crate) struct Db {
    /// Database URL: sqlite://PATH or postgres://…
    #[arg(long, env = "CORDON_DB", default_value = crate::store::DEFAULT_DB)]
    pub(crate) db: String,
    /// The protocol's targets of this deployment, as `cordon serve
    /// --case-clocks` reads them (JSON: `hours` per stage,
    /// `supervisors_after_hours`); the defaults without.
    #[arg(long, env = "CORDON_CASE_CLOCKS")]
    pub(crate) case_clocks: Option<PathBuf>,
    /// Write the answer here rather than to stdout.
    #[arg(long)]
    pub(crate) out: Option<PathBuf>,
}

/// Whose desk: an agency, and the user who acts.
#[derive(Debug, clap::Args)]
struct Desk {
    #[command(flatten)]
    db: Db,
    /// The agency whose desk this is (its code, such as TH-DSI).
    #[arg(long)]
    agency: String,
    /// The user who acts, recorded with every change (required for the
    /// commands that write); reads without one are the agency's.
    #[arg(long)]
    user: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Format {
    /// HTCDS v2 as JSON: the case, persons, events, organisations.
    Json,
    /// One line per person, the case's fields repeated.
    Csv,
}

#[derive(Debug, clap::Subcommand)]
enum Command {
    /// Open a case from a JSON case opening, as `POST /api/v1/cases`
    /// takes it; prints its id. The agency is assigned as support when the opening does not
    /// name it.
    Open {
        #[command(flatten)]
        desk: Desk,
        /// The opening, or `-` for stdin.
        #[arg(long)]
        file: String,
    },
    /// The agency's cases, most overdue first; nothing personal.
    List {
        #[command(flatten)]
        desk: Desk,
        /// Only cases in this stage (signal_received, verified, …).
        #[arg(long)]
        stage: Option<String>,
        /// Only overdue cases.
        #[arg(long)]
        overdue: bool,
        /// Closed cases too.
        #[arg(long)]
        closed: bool,
    },
    /// One case, opened: its personal part, screening, timeline (audited).
    Show {
        #[command(flatten)]
        desk: Desk,
        id: String,
    },
    /// Move a case to another stage of the protocol.
    Move {
        #[command(flatten)]
        desk: Desk,
        id: String,
        /// The stage to move to.
        #[arg(long)]
        to: String,
        /// Why (sealed in the case).
        #[arg(long)]
        why: String,
        /// Closing: completed, not_a_victim, declined_support,
        /// lost_contact, deceased or unfounded.
        #[arg(long)]
        closure: Option<String>,
        /// Moving to return_agreed: the person gave informed consent.
        #[arg(long)]
        informed_consent: bool,
    },
    /// Assign an agency to a case (or unassign it with --remove).
    Assign {
        #[command(flatten)]
        desk: Desk,
        id: String,
        /// The agency assigned.
        #[arg(long = "assign")]
        assignee: String,
        /// origin, destination, transit, consulate or support.
        #[arg(long)]
        role: String,
        /// For a consulate: the origin country has no embassy in the
        /// compound's country and this agency stands in.
        #[arg(long)]
        no_embassy: bool,
        #[arg(long)]
        remove: bool,
    },
    /// Record screening evidence: --indicator with its --presence (and
    /// --note), repeated; or --file with a JSON list of
    /// {"indicator", "presence", "note"}. `cordon case indicators` lists
    /// the indicators.
    Screen {
        #[command(flatten)]
        desk: Desk,
        id: String,
        #[arg(long, conflicts_with = "file")]
        indicator: Vec<String>,
        /// present, absent or unclear; one for each --indicator.
        #[arg(long, conflicts_with = "file")]
        presence: Vec<String>,
        /// What was said or seen (sealed); one for each --indicator, or
        /// none.
        #[arg(long, conflicts_with = "file")]
        note: Vec<String>,
        /// A JSON list of evidence, or `-` for stdin.
        #[arg(long)]
        file: Option<String>,
    },
    /// Record the screening outcome.
    Outcome {
        #[command(flatten)]
        desk: Desk,
        id: String,
        /// possible_victim, actual_victim or not_a_victim.
        #[arg(long)]
        status: String,
        /// Why (sealed).
        #[arg(long)]
        reasons: String,
        /// The deciding organisation (an agency code); yours by default.
        #[arg(long)]
        organisation: Option<String>,
    },
    /// Record a ransom demand or proof of life; its selectors go into
    /// intelligence as a report of the agency. Prints the report's id.
    Demand {
        #[command(flatten)]
        desk: Desk,
        id: String,
        /// ransom_demand or proof_of_life.
        #[arg(long)]
        kind: String,
        /// The perpetrators' wallets, phones and handles, in any form.
        #[arg(long = "selector", required = true)]
        selectors: Vec<String>,
        /// The message as received (sealed).
        #[arg(long)]
        message: String,
        #[arg(long, requires = "currency")]
        amount: Option<String>,
        #[arg(long)]
        currency: Option<String>,
        /// GREEN, AMBER (the default) or AMBER+STRICT.
        #[arg(long)]
        tlp: Option<String>,
    },
    /// Release recruiters' and compounds' selectors of a case as
    /// intelligence (never the person's own). Prints the report's id.
    Release {
        #[command(flatten)]
        desk: Desk,
        id: String,
        #[arg(long = "selector", required = true)]
        selectors: Vec<String>,
        /// GREEN, AMBER (the default) or AMBER+STRICT.
        #[arg(long)]
        tlp: Option<String>,
    },
    /// Move some of a group's people into a new case. Prints its id.
    Split {
        #[command(flatten)]
        desk: Desk,
        id: String,
        /// A person who moves: their index (from 0) among the case's
        /// people, as `show` lists them.
        #[arg(long = "person", required = true)]
        people: Vec<usize>,
        #[arg(long)]
        why: String,
    },
    /// Merge another case into this one (the other closes as merged).
    Merge {
        #[command(flatten)]
        desk: Desk,
        id: String,
        /// The case that merges in.
        #[arg(long)]
        from: String,
        #[arg(long)]
        why: String,
    },
    /// Add a note to a case's timeline (sealed).
    Note {
        #[command(flatten)]
        desk: Desk,
        id: String,
        #[arg(long)]
        text: String,
    },
    /// Set a task, or update one with --task. Prints its id.
    Task {
        #[command(flatten)]
        desk: Desk,
        id: String,
        /// What is to be done (sealed).
        #[arg(long)]
        text: String,
        /// The task to update (T1, T2, …).
        #[arg(long)]
        task: Option<String>,
        /// When it is due, RFC 3339 (2026-03-01T09:00:00Z).
        #[arg(long)]
        due: Option<String>,
        #[arg(long)]
        done: bool,
        /// The assigned agency that does it; yours by default.
        #[arg(long = "for")]
        for_agency: Option<String>,
    },
    /// A case as IOM HTCDS v2 with Cordon's forced-criminality extension
    /// (audited).
    Export {
        #[command(flatten)]
        desk: Desk,
        id: String,
        #[arg(long, value_enum, default_value_t = Format::Json)]
        format: Format,
    },
    /// The agency's country's nationals in its cases, by stage and by the
    /// compound's country (audited).
    Embassy {
        #[command(flatten)]
        desk: Desk,
    },
    /// The screening indicators (ILO, ILO/EC Delphi, scam compounds) with
    /// what to ask.
    Indicators {
        /// Write the list here rather than to stdout.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Run the case clocks once: every overdue case escalates now. Prints
    /// how many escalated. For stores no server runs on (a running server
    /// keeps the clocks itself).
    Clocks {
        #[command(flatten)]
        db: Db,
    },
    /// Open the simulator's signals (protect/signals.jsonl) as cases, each
    /// as the agency that received it; a file with a bad line opens
    /// nothing.
    Signals {
        #[command(flatten)]
        db: Db,
        /// The signals: one {"id", "received", "raised_by", "opening"} a
        /// line.
        #[arg(long)]
        file: PathBuf,
        /// The actor recorded as opening the cases.
        #[arg(long, default_value = "intake")]
        user: String,
    },
}

/// What a command answers: JSON as its types order their fields, or CSV.
struct Answer(String);

impl Answer {
    fn json(answer: &impl serde::Serialize) -> anyhow::Result<Answer> {
        Ok(Answer(serde_json::to_string_pretty(answer)? + "\n"))
    }
}

pub async fn run(args: &Args) -> anyhow::Result<()> {
    match &args.command {
        Command::Indicators { out } => {
            write_json(out.as_deref(), &cordon_protect::screening::catalogue())
        }
        Command::Clocks { db } => clocks(db).await,
        Command::Signals { db, file, user } => signals(db, file, user).await,
        command => {
            let desk = command.desk().expect("every other command is a desk's");
            if command.writes() && desk.user.is_none() {
                bail!(
                    "--user: name the user who acts, recorded with the change; `cordon user list --agency {}` shows them",
                    desk.agency
                );
            }
            let store = crate::store::open(&desk.db.db).await?;
            let viewer =
                crate::export::viewer_of(store.as_ref(), &desk.agency, desk.user.as_deref())
                    .await?;
            let offline = offline(&desk.db, store).await?;
            let answer = act(&offline.state, &viewer, command).await;
            // Reads queued their audit events before answering: they are
            // written whether or not the command then failed.
            offline.finish().await?;
            write_text(desk.db.out.as_deref(), &answer?.0)
        }
    }
}

impl Command {
    fn desk(&self) -> Option<&Desk> {
        Some(match self {
            Command::Open { desk, .. }
            | Command::List { desk, .. }
            | Command::Show { desk, .. }
            | Command::Move { desk, .. }
            | Command::Assign { desk, .. }
            | Command::Screen { desk, .. }
            | Command::Outcome { desk, .. }
            | Command::Demand { desk, .. }
            | Command::Release { desk, .. }
            | Command::Split { desk, .. }
            | Command::Merge { desk, .. }
            | Command::Note { desk, .. }
            | Command::Task { desk, .. }
            | Command::Export { desk, .. }
            | Command::Embassy { desk } => desk,
            Command::Indicators { .. } | Command::Clocks { .. } | Command::Signals { .. } => {
                return None;
            }
        })
    }

    fn writes(&self) -> bool {
        !matches!(
            self,
            Command::List { .. }
                | Command::Show { .. }
                | Command::Export { .. }
                | Command::Embassy { .. }
                | Command::Indicators { .. }
        )
    }
}

/// The server's state on `store`, with the deployment's clocks.
async fn offline(db: &Db, store: std::sync::Arc<dyn Store>) -> anyhow::Result<Offline> {
    let clocks = match &db.case_clocks {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("--case-clocks: cannot read {}", path.display()))?;
            Clocks::from_json(&text)
                .map_err(|e| anyhow::anyhow!("--case-clocks: {}: {e}", path.display()))?
        }
        None => Clocks::default(),
    };
    let key = TokenKey::for_database(&db.db)?;
    let config = Config {
        cases: CasesConfig {
            clocks,
            ..CasesConfig::default()
        },
        ..Config::default()
    };
    Offline::open(store, key, config).await
}

/// Runs one desk command as `viewer`.
async fn act(state: &Shared, viewer: &Viewer, command: &Command) -> anyhow::Result<Answer> {
    let case = |id: &str| -> anyhow::Result<cordon_protect::Case> {
        case_api::readable(state, viewer, id)
            .map_err(failed)
            .with_context(|| format!("case {id}"))
    };
    let done = |id: &str| Answer::json(&json!({ "id": id }));
    match command {
        Command::Open { file, .. } => {
            let (name, text) = read_input(file)?;
            let opening: Opening = parse(&name, &text)?;
            let id = case_api::open_with(state, viewer, opening)
                .await
                .map_err(failed)?;
            done(&id)
        }
        Command::List {
            stage,
            overdue,
            closed,
            ..
        } => {
            let filter = CaseFilter {
                stage: stage.clone(),
                overdue: Some(*overdue),
                closed: Some(*closed),
            };
            let cases = case_api::list_for(state, viewer, &filter).map_err(failed)?;
            Answer::json(&cases)
        }
        Command::Show { id, .. } => {
            let opened =
                case_api::open_for(state, viewer, &case(id)?, "case_read").map_err(failed)?;
            Answer::json(&opened)
        }
        Command::Move {
            id,
            to,
            why,
            closure,
            informed_consent,
            ..
        } => {
            let request = MoveRequest {
                to: to.clone(),
                closure: closure.clone(),
                informed_consent: *informed_consent,
                why: why.clone(),
            };
            case_api::move_for(state, viewer, id, &request)
                .await
                .map_err(failed)
                .with_context(|| format!("case {id}"))?;
            Answer::json(&json!({ "id": id, "stage": to.trim() }))
        }
        Command::Assign {
            id,
            assignee,
            role,
            no_embassy,
            remove,
            ..
        } => {
            let request = AssignRequest {
                agency: assignee.clone(),
                role: role.clone(),
                embassy: !no_embassy,
                remove: *remove,
            };
            case_api::assign_for(state, viewer, id, &request)
                .await
                .map_err(failed)
                .with_context(|| format!("case {id}"))?;
            done(id)
        }
        Command::Screen {
            id,
            indicator,
            presence,
            note,
            file,
            ..
        } => {
            let items = evidence(indicator, presence, note, file.as_deref())?;
            case_api::evidence_for(state, viewer, id, &items)
                .await
                .map_err(failed)
                .with_context(|| format!("case {id}"))?;
            Answer::json(&json!({ "id": id, "recorded": items.len() }))
        }
        Command::Outcome {
            id,
            status,
            reasons,
            organisation,
            ..
        } => {
            let request = OutcomeRequest {
                status: status.clone(),
                organisation: organisation.clone(),
                reasons: reasons.clone(),
            };
            case_api::outcome_for(state, viewer, id, &request)
                .await
                .map_err(failed)
                .with_context(|| format!("case {id}"))?;
            done(id)
        }
        Command::Demand {
            id,
            kind,
            selectors,
            message,
            amount,
            currency,
            tlp,
            ..
        } => {
            let request = DemandRequest {
                kind: kind.clone(),
                selectors: selectors.clone(),
                amount: amount.clone(),
                currency: currency.clone(),
                message: message.clone(),
                marking: marking(tlp),
            };
            let report = case_api::demand_for(state, viewer, id, &request)
                .await
                .map_err(failed)
                .with_context(|| format!("case {id}"))?;
            Answer::json(&json!({ "id": id, "report": report }))
        }
        Command::Release {
            id, selectors, tlp, ..
        } => {
            let request = ReleaseRequest {
                selectors: selectors.clone(),
                marking: marking(tlp),
            };
            let report = case_api::release_for(state, viewer, id, &request)
                .await
                .map_err(failed)
                .with_context(|| format!("case {id}"))?;
            Answer::json(&json!({ "id": id, "report": report }))
        }
        Command::Split {
            id, people, why, ..
        } => {
            let request = SplitRequest {
                people: people.clone(),
                why: why.clone(),
            };
            let new = case_api::split_for(state, viewer, id, &request)
                .await
                .map_err(failed)
                .with_context(|| format!("case {id}"))?;
            Answer::json(&json!({ "id": new, "split_from": id }))
        }
        Command::Merge { id, from, why, .. } => {
            let request = MergeRequest {
                from: from.clone(),
                why: why.clone(),
            };
            case_api::merge_for(state, viewer, id, &request)
                .await
                .map_err(failed)
                .with_context(|| format!("case {id}"))?;
            Answer::json(&json!({ "id": id, "merged": from }))
        }
        Command::Note { id, text, .. } => {
            case_api::note_for(state, viewer, id, text)
                .await
                .map_err(failed)
                .with_context(|| format!("case {id}"))?;
            done(id)
        }
        Command::Task {
            id,
            text,
            task,
            due,
            done: finished,
            for_agency,
            ..
        } => {
            let due = due.as_deref().map(rfc3339).transpose()?;
            let request = TaskRequest {
                task: task.clone(),
                text: text.clone(),
                agency: for_agency.clone(),
                due,
                done: *finished,
            };
            let task = case_api::task_for(state, viewer, id, &request)
                .await
                .map_err(failed)
                .with_context(|| format!("case {id}"))?;
            Answer::json(&json!({ "id": id, "task": task }))
        }
        Command::Export { id, format, .. } => {
            let export = case_api::htcds_for(state, viewer, id)
                .map_err(failed)
                .with_context(|| format!("case {id}"))?;
            match format {
                Format::Json => Answer::json(&export),
                Format::Csv => Ok(Answer(cordon_protect::htcds::to_csv(&export))),
            }
        }
        Command::Embassy { .. } => {
            Answer::json(&case_api::embassy_for(state, viewer).map_err(failed)?)
        }
        Command::Indicators { .. } | Command::Clocks { .. } | Command::Signals { .. } => {
            unreachable!("not a desk command")
        }
    }
}

fn marking(tlp: &Option<String>) -> Option<ReleaseMarking> {
    tlp.as_ref().map(|t| ReleaseMarking {
        tlp: Some(t.clone()),
        recipients: None,
    })
}

fn rfc3339(text: &str) -> anyhow::Result<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text.trim())
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| {
            anyhow::anyhow!("--due: '{text}' is not an RFC 3339 time such as 2026-03-01T09:00:00Z")
        })
}

/// The evidence of `cordon case screen`, from its flags or its file.
fn evidence(
    indicators: &[String],
    presences: &[String],
    notes: &[String],
    file: Option<&str>,
) -> anyhow::Result<Vec<EvidenceRequest>> {
    if let Some(file) = file {
        let (name, text) = read_input(file)?;
        return parse(&name, &text);
    }
    if indicators.is_empty() {
        bail!(
            "--indicator: name at least one indicator with its --presence, or give --file; `cordon case indicators` lists them"
        );
    }
    if presences.len() != indicators.len() {
        bail!(
            "--presence: give one --presence (present, absent or unclear) for each --indicator: {} indicators, {} presences",
            indicators.len(),
            presences.len()
        );
    }
    if !notes.is_empty() && notes.len() != indicators.len() {
        bail!(
            "--note: give one --note for each --indicator, or none: {} indicators, {} notes",
            indicators.len(),
            notes.len()
        );
    }
    Ok(indicators
        .iter()
        .zip(presences)
        .enumerate()
        .map(|(i, (indicator, presence))| EvidenceRequest {
            indicator: indicator.clone(),
            presence: presence.clone(),
            note: notes.get(i).cloned().unwrap_or_default(),
        })
        .collect())
}

/// A file's name and text; `-` is stdin.
fn read_input(file: &str) -> anyhow::Result<(String, String)> {
    if file == "-" {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .context("cannot read stdin")?;
        return Ok(("stdin".to_owned(), text));
    }
    let text = std::fs::read_to_string(file).with_context(|| format!("cannot read {file}"))?;
    Ok((file.to_owned(), text))
}

/// JSON into `T`, naming the field at fault.
fn parse<T: DeserializeOwned>(name: &str, text: &str) -> anyhow::Result<T> {
    from_json(text).map_err(|e| anyhow::anyhow!("{name}: {e}"))
}

/// JSON into `T`; the error is `field: what is wrong`.
fn from_json<T: DeserializeOwned>(text: &str) -> Result<T, String> {
    let mut de = serde_json::Deserializer::from_str(text);
    let value: T = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        if path == "." {
            inner.to_string()
        } else {
            format!("{path}: {inner}")
        }
    })?;
    de.end().map_err(|e| e.to_string())?;
    Ok(value)
}

/// `cordon case clocks`: one round of the case clocks, if no server keeps
/// them.
async fn clocks(db: &Db) -> anyhow::Result<()> {
    let store = crate::store::open(&db.db).await?;
    let Some(lead) = store.try_lead("cases").await? else {
        bail!(
            "another process (a running `cordon serve`) keeps the case clocks of this store and escalates overdue cases itself; nothing was changed"
        );
    };
    let offline = offline(db, store).await?;
    let escalated = cordon_server::cases::escalate_once(&offline.state).await;
    offline.finish().await?;
    drop(lead);
    let escalated = escalated.map_err(failed)?;
    write_json(db.out.as_deref(), &json!({ "escalated": escalated }))
}

/// `cordon case signals`: the simulator's signals opened as cases.
async fn signals(db: &Db, file: &Path, user: &str) -> anyhow::Result<()> {
    let opened = open_signals(db, file, user).await?;
    write_json(
        db.out.as_deref(),
        &json!({ "opened": opened.len(), "cases": opened }),
    )
}

/// Opens a signals file's signals as cases (each signal once, whatever
/// how often the file is opened): `{"signal", "case"}` for each.
pub(crate) async fn open_signals(
    db: &Db,
    file: &Path,
    user: &str,
) -> anyhow::Result<Vec<serde_json::Value>> {
    cordon_core::agency::check_user_name(user)
        .map_err(|e| anyhow::anyhow!("--user: {}", e.message))?;
    let text =
        std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
    let store = crate::store::open(&db.db).await?;
    let now = Utc::now();
    let mut registered: BTreeMap<String, bool> = BTreeMap::new();
    let (mut good, mut bad, mut lines) = (Vec::new(), Vec::new(), 0usize);
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        lines += 1;
        match check_signal(store.as_ref(), &mut registered, line, now).await? {
            Ok(signal) => good.push(signal),
            Err(e) => bad.push(format!("{}:{}: {e}", file.display(), n + 1)),
        }
    }
    if !bad.is_empty() {
        let shown = 50;
        for e in bad.iter().take(shown) {
            eprintln!("{e}");
        }
        if bad.len() > shown {
            eprintln!("… and {} more bad lines", bad.len() - shown);
        }
        bail!(
            "{}: {} of {lines} lines are bad; nothing of this file was imported",
            file.display(),
            bad.len()
        );
    }
    let offline = offline(db, store).await?;
    let started = Instant::now();
    let bar = crate::progress::bar(good.len() as u64, "opening cases");
    let mut opened = Vec::with_capacity(good.len());
    let mut failure = None;
    for signal in good {
        let viewer = Viewer::Member(Member {
            agency: signal.raised_by.clone(),
            user_id: 0,
            user: user.to_owned(),
            role: Role::Analyst,
        });
        // The signal's id is its reference: a file opened again opens no
        // second case for any of its signals.
        let mut opening = signal.opening;
        opening.reference.get_or_insert_with(|| signal.id.clone());
        match case_api::open_with(&offline.state, &viewer, opening).await {
            Ok(id) => opened.push(json!({ "signal": signal.id, "case": id })),
            Err(e) => {
                failure = Some(failed(e).context(format!("signal {}", signal.id)));
                break;
            }
        }
        bar.inc(1);
    }
    bar.finish_and_clear();
    offline.finish().await?;
    if let Some(e) = failure {
        return Err(e.context(format!(
            "{} cases were opened before this signal failed; the signals after it were not",
            opened.len()
        )));
    }
    let secs = started.elapsed().as_secs_f64();
    eprintln!(
        "opened {} cases from {} in {secs:.1}s",
        opened.len(),
        file.display()
    );
    Ok(opened)
}

/// Checks one line of a signals file as opening it would: `Ok(Err(…))` is
/// a bad line, `Err` a store that does not answer.
async fn check_signal(
    store: &dyn Store,
    registered: &mut BTreeMap<String, bool>,
    line: &str,
    now: DateTime<Utc>,
) -> anyhow::Result<Result<cordon_sim::Signal, String>> {
    let mut signal: cordon_sim::Signal = match from_json(line) {
        Ok(s) => s,
        Err(e) => return Ok(Err(e)),
    };
    let received = match DateTime::parse_from_rfc3339(signal.received.trim()) {
        Ok(t) => t.with_timezone(&Utc),
        Err(_) => {
            return Ok(Err(format!(
                "received: '{}' is not an RFC 3339 time",
                signal.received
            )));
        }
    };
    match signal.opening.received {
        None => signal.opening.received = Some(received),
        Some(at) if at != received => {
            return Ok(Err(format!(
                "opening.received: {at} differs from the signal's received {}",
                signal.received
            )));
        }
        Some(_) => {}
    }
    if let Err(e) = signal.opening.check(now) {
        return Ok(Err(format!("opening.{}: {}", e.field, e.message)));
    }
    let agencies = std::iter::once(("raised_by".to_owned(), signal.raised_by.clone())).chain(
        signal
            .opening
            .assigned
            .iter()
            .enumerate()
            .map(|(i, a)| (format!("opening.assigned[{i}].agency"), a.agency.clone())),
    );
    for (field, agency) in agencies.collect::<Vec<_>>() {
        let known = match registered.get(&agency) {
            Some(known) => *known,
            None => {
                let known = store.agency(&agency).await?.is_some();
                registered.insert(agency.clone(), known);
                known
            }
        };
        if !known {
            return Ok(Err(format!(
                "{field}: agency '{agency}' is not registered; add it first with `cordon agency add`"
            )));
        }
    }
    Ok(Ok(signal))
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[derive(Debug, clap::Parser)]
    struct Cordon {
        #[command(subcommand)]
        command: super::Command,
    }

    #[test]
    fn every_case_command_is_well_formed() {
        Cordon::command().debug_assert();
    }
}
