//! Simulated worlds on disk: registering their agencies and listing their
//! report files for import.
//!
//! A world folder (from `cordon sim`) holds `agencies.json` and one
//! `reports/<AGENCY>.jsonl` per filing agency.

use std::path::{Path, PathBuf};

use anyhow::Context;
use cordon_store::Store;
use serde::Deserialize;

#[derive(Debug, Deserialize)]
struct AgencyFile {
    agencies: Vec<AgencyRow>,
}

#[derive(Debug, Deserialize)]
struct AgencyRow {
    code: String,
    name: String,
    country: String,
    kind: String,
    #[serde(default)]
    contact: Option<String>,
    #[serde(default)]
    reports: u64,
    file: PathBuf,
}

/// Registers the world's agencies that the store does not know yet and
/// returns `(agency, report file)` pairs to import.
pub async fn import_jobs(store: &dyn Store, dir: &Path) -> anyhow::Result<Vec<(String, PathBuf)>> {
    let index = dir.join("agencies.json");
    let text = std::fs::read_to_string(&index).with_context(|| {
        format!(
            "{} is a folder without agencies.json; give report files, or a folder made by `cordon sim`",
            dir.display()
        )
    })?;
    let file: AgencyFile = serde_json::from_str(&text)
        .with_context(|| format!("{} is not an agency list", index.display()))?;
    let mut jobs = Vec::new();
    for row in file.agencies {
        if store.agency(&row.code).await?.is_none() {
            let contact = row
                .contact
                .unwrap_or_else(|| format!("{} duty desk ({})", row.name, row.code));
            let agency =
                crate::agency::new_agency(&row.code, &row.name, &row.country, &row.kind, &contact)
                    .with_context(|| format!("{}: agency {}", index.display(), row.code))?;
            store.create_agency(&agency).await?;
        }
        if row.reports > 0 {
            jobs.push((row.code, dir.join(row.file)));
        }
    }
    Ok(jobs)
}
