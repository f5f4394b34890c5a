//! `cordon prevent`: train the job-offer risk model on labelled adverts
//! (the simulator's `OUT/prevent/adverts.jsonl`), evaluate a model on a
//! labelled set, and check an advert offline.
//!
//! The model Cordon ships (`crates/prevent/data/model.tsv`) is what
//! `cordon prevent train` writes from the simulator's adverts; its file
//! names what it was trained on.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::output::say;
use anyhow::Context;
use cordon_prevent::check::{self, Question};
use cordon_prevent::labelled::{self, Advert};
use cordon_prevent::model::{self, Example, Model, Training};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, clap::Subcommand)]
enum Command {
    /// Train the model on labelled adverts (JSON lines) and write its file.
    /// Each file is a set that counts equally, whatever its size.
    Train {
        /// Labelled adverts, one JSON object a line.
        #[arg(long = "adverts", required = true)]
        adverts: Vec<PathBuf>,
        /// Where to write the model (a TSV of readable weights).
        #[arg(long)]
        out: PathBuf,
        /// The L2 penalty on the weights.
        #[arg(long, default_value_t = Training::default().l2)]
        l2: f64,
        /// A line for the model file's header: where the adverts came from.
        #[arg(long = "note")]
        notes: Vec<String>,
    },
    /// Score labelled adverts with a model and print precision, recall, F1
    /// and the false-positive rate, as JSON.
    Evaluate {
        #[arg(long = "adverts", required = true)]
        adverts: Vec<PathBuf>,
        /// The model file; the shipped model when not given.
        #[arg(long)]
        model: Option<PathBuf>,
    },
    /// Cross-validate on a labelled set: train on all but one fold (and on
    /// the `--with` sets), score the fold, for each fold; print the pooled
    /// figures as JSON.
    CrossValidate {
        /// The set folded.
        #[arg(long)]
        adverts: PathBuf,
        /// Sets always trained on (the simulator's adverts).
        #[arg(long = "with")]
        with: Vec<PathBuf>,
        #[arg(long, default_value_t = 5)]
        folds: usize,
        /// The L2 penalty on the weights.
        #[arg(long, default_value_t = Training::default().l2)]
        l2: f64,
    },
    /// Check one advert or contact offline (no known selectors): the
    /// answer as JSON.
    Check {
        text: String,
        /// The job seeker's country (ISO 3166-1 alpha-2).
        #[arg(long)]
        country: Option<String>,
        /// The answer's language (en, id, sw, th).
        #[arg(long, default_value = "en")]
        language: String,
    },
}

fn read(paths: &[PathBuf]) -> anyhow::Result<Vec<Advert>> {
    let mut out = Vec::new();
    for path in paths {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        let adverts =
            labelled::read(&text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
        out.extend(adverts);
    }
    if out.is_empty() {
        anyhow::bail!("no adverts in {}", names(paths));
    }
    Ok(out)
}

/// The files as `folder/name`: enough to tell the simulator's
/// `prevent/adverts.jsonl` from the shipped `data/adverts.jsonl`.
fn names(paths: &[PathBuf]) -> String {
    paths
        .iter()
        .map(|p| short(p))
        .collect::<Vec<_>>()
        .join(", ")
}

fn short(p: &Path) -> String {
    let name = p.file_name().map_or(p.display().to_string(), |n| {
        n.to_string_lossy().into_owned()
    });
    match p.parent().and_then(Path::file_name) {
        Some(dir) => format!("{}/{name}", dir.to_string_lossy()),
        None => name,
    }
}

fn examples(adverts: &[Advert]) -> Vec<Example> {
    adverts.iter().map(Advert::example).collect()
}

pub fn run(args: &Args) -> anyhow::Result<ExitCode> {
    match &args.command {
        Command::Train {
            adverts,
            out,
            l2,
            notes,
        } => {
            // Each file is read once, as its own set.
            let sets: Vec<Vec<Example>> = adverts
                .iter()
                .map(|p| read(std::slice::from_ref(p)).map(|a| examples(&a)))
                .collect::<anyhow::Result<_>>()?;
            let all: Vec<Example> = sets.iter().flatten().cloned().collect();
            let lures = all.iter().filter(|e| e.1).count();
            let how = Training {
                l2: *l2,
                ..Training::default()
            };
            let views: Vec<&[Example]> = sets.iter().map(Vec::as_slice).collect();
            let mut m = Model::train_sets(&views, how);
            m.provenance = vec![
                "The job-offer risk model: a logistic regression whose weights are the".into(),
                "log-odds each feature adds (crates/prevent/src/model.rs). Written by".into(),
                format!(
                    "`cordon prevent train --adverts {} --out {}`",
                    adverts
                        .iter()
                        .map(|p| short(p))
                        .collect::<Vec<_>>()
                        .join(" --adverts "),
                    short(out)
                ),
                format!(
                    "from {} labelled adverts ({lures} trafficking, {} legitimate), each file",
                    all.len(),
                    all.len() - lures
                ),
                "counting equally and within it each label;".into(),
                format!(
                    "{} epochs, learning rate {}, L2 {}.",
                    how.epochs, how.learning_rate, how.l2
                ),
            ];
            m.provenance.extend(notes.iter().cloned());
            std::fs::write(out, m.to_tsv())
                .with_context(|| format!("cannot write {}", out.display()))?;
            let e = model::evaluate(&m, &all, check::WARNING_AT);
            eprintln!(
                "trained on {} adverts; on them: f1 {:.3}, false positive rate {:.3}",
                all.len(),
                e.f1,
                e.false_positive_rate
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Evaluate { adverts, model } => {
            let all = read(adverts)?;
            let loaded;
            let m = match model {
                Some(path) => {
                    let text = std::fs::read_to_string(path)
                        .with_context(|| format!("cannot read {}", path.display()))?;
                    loaded = Model::parse(&text)
                        .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
                    &loaded
                }
                None => Model::shipped(),
            };
            let e = model::evaluate(m, &examples(&all), check::WARNING_AT);
            say!("{}", serde_json::to_string(&e)?);
            Ok(ExitCode::SUCCESS)
        }
        Command::CrossValidate {
            adverts,
            with,
            folds,
            l2,
        } => {
            let how = Training {
                l2: *l2,
                ..Training::default()
            };
            if *folds < 2 {
                anyhow::bail!("--folds must be 2 or more");
            }
            let folded = examples(&read(std::slice::from_ref(adverts))?);
            let always: Vec<Vec<Example>> = with
                .iter()
                .map(|p| read(std::slice::from_ref(p)).map(|a| examples(&a)))
                .collect::<anyhow::Result<_>>()?;
            let always: Vec<&[Example]> = always.iter().map(Vec::as_slice).collect();
            let e = model::cross_validate(&folded, &always, *folds, how, check::WARNING_AT);
            say!("{}", serde_json::to_string(&e)?);
            Ok(ExitCode::SUCCESS)
        }
        Command::Check {
            text,
            country,
            language,
        } => {
            let answer = check::answer(
                Question {
                    text,
                    country: country.as_deref(),
                    language,
                },
                &[],
            );
            say!("{}", serde_json::to_string_pretty(&answer)?);
            Ok(ExitCode::SUCCESS)
        }
    }
}
