//! Exports of what one viewer may read, as a STIX 2.1 bundle.
//!
//! The store is read page by page and every report and kept object goes
//! through the access rules ([`crate::access`]) before the exporter sees
//! it, so an export holds exactly what its viewer could read through the
//! API, whatever the size of the store.

use std::io::Write;
use std::sync::Arc;

use cordon_interop::stix::export::{AgencyView, ReportView};
use cordon_interop::stix::{Exporter, KeptObject};
use cordon_store::{StixFilter, Store};

use crate::access::{self, Viewer};

/// Rows read from the store per page.
const PAGE: u32 = 5_000;

/// Totals of one export.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Exported {
    pub reports: u64,
    pub kept: u64,
    pub objects: u64,
}

/// What an export took from each other agency: (reports, kept objects).
pub type Taken = std::collections::BTreeMap<String, (u64, u64)>;

/// The audit events of an export: one per other agency whose data it
/// holds, so that every owner sees in its log who exported what of its.
pub fn audit_events(viewer: &Viewer, format: &str, taken: &Taken) -> Vec<cordon_store::AuditEvent> {
    taken
        .iter()
        .map(|(owner, (reports, kept))| {
            crate::audit::event(
                viewer,
                "export",
                Some(owner),
                &format!("{format}: {reports} reports, {kept} objects of other tools"),
            )
        })
        .collect()
}

/// Writes every report and kept object `viewer` may read as one bundle.
/// `progress` is told how many store rows have been read.
pub async fn stix<W: Write>(
    store: &Arc<dyn Store>,
    viewer: &Viewer,
    out: W,
    progress: &(dyn Fn(u64) + Sync),
) -> anyhow::Result<(Exported, Taken, W)> {
    let agencies = store
        .agencies()
        .await?
        .into_iter()
        .map(|a| AgencyView {
            code: a.code,
            name: a.name,
            country: a.country,
            contact: a.contact,
            kind: a.kind,
            created: a.created,
        })
        .collect();
    let mut exporter = Exporter::new(out, agencies)?;
    let mut totals = Exported::default();
    let mut read = 0u64;
    let mut taken = Taken::new();
    let own = viewer.member().map(|m| m.agency.as_str());

    // Kept objects first: a report imported from another tool is then
    // represented by its own objects, verbatim.
    let mut after = 0;
    loop {
        let page = store
            .stix_objects_after(after, PAGE, &StixFilter::default())
            .await?;
        let Some(last) = page.last() else { break };
        after = last.seq;
        read += page.len() as u64;
        for object in page {
            if let Some(object) = access::readable_kept(viewer, object) {
                let o = object.get();
                exporter.kept(&KeptObject {
                    id: o.id.clone(),
                    added: o.added,
                    json: o.json.clone(),
                })?;
                totals.kept += 1;
                if own != Some(o.agency.as_str()) {
                    taken.entry(o.agency.clone()).or_default().1 += 1;
                }
            }
        }
        progress(read);
    }

    let mut after = 0;
    loop {
        let page = store.reports_after(after, PAGE).await?;
        let Some(last) = page.last() else { break };
        after = last.seq;
        read += page.len() as u64;
        for stored in access::readable_reports(viewer, page) {
            let s = stored.get();
            exporter.report(ReportView {
                agency: &s.agency,
                revision: s.revision,
                accepted: s.accepted,
                report: &s.report,
            })?;
            totals.reports += 1;
            if own != Some(s.agency.as_str()) {
                taken.entry(s.agency.clone()).or_default().0 += 1;
            }
        }
        progress(read);
    }
    totals.objects = exporter.written();
    Ok((totals, taken, exporter.finish()?))
}
