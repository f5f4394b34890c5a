//! `cordon analyze --db URL --agency CODE`: the networks, compounds and
//! purple notices of a store as one agency (or one of its users) may see
//! them, as one JSON document. The grouping is the server's own
//! (`cordon_server::networks`), from every report and decision in the
//! store (read only), and what the document holds passes the same access rules as the
//! API; every other agency whose reports it shows finds the read in its
//! audit log.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::Path;

use anyhow::Context;
use cordon_server::directory::Directory;
use cordon_server::networks::casebook::Notice;
use cordon_server::networks::view::{self, CompoundView, NetworkView, Seen};
use serde::Serialize;

#[derive(Serialize)]
struct Document {
    agency: String,
    /// Networks you may read a report of, most readable reports first.
    networks_total: usize,
    networks: Vec<NetworkView>,
    compounds: Vec<CompoundView>,
    notices: Vec<Notice>,
}

pub async fn report(
    db: &str,
    agency: &str,
    user: Option<&str>,
    limit: usize,
    out: Option<&Path>,
) -> anyhow::Result<()> {
    let store = crate::store::open(db).await?;
    let viewer = crate::export::viewer_of(store.as_ref(), agency, user).await?;
    let directory = Directory::default();
    directory.refresh(store.as_ref()).await?;
    let started = std::time::Instant::now();
    // Ids are keyed as the server keys them; networks no server has named
    // yet get the ids a server would give them, and nothing is written.
    let key = cordon_server::TokenKey::for_database(db)?;
    let loaded = cordon_server::networks::load(store.as_ref(), &key).await?;
    let model = &loaded.model;
    let (listed, total) = view::list(model, &viewer, limit);
    let mut networks = Vec::with_capacity(listed.len());
    let mut touched: BTreeSet<String> = BTreeSet::new();
    for summary in &listed {
        let (seen, owners) = view::network(model, &viewer, &directory, &summary.id);
        touched.extend(owners);
        if let Seen::Network(v) = seen {
            networks.push(*v);
        }
    }
    let compounds = view::compounds(model, &loaded.casebook, &viewer);
    let mut notices: Vec<Notice> = loaded
        .casebook
        .notices()
        .filter(|n| cordon_server::networks::may_read_notice(&viewer, n))
        .cloned()
        .collect();
    notices.sort_by(|a, b| b.modified.cmp(&a.modified).then(a.id.cmp(&b.id)));
    let events: Vec<_> = touched
        .iter()
        .map(|owner| {
            cordon_server::audit::event(&viewer, "network_read", Some(owner), "cordon analyze --db")
        })
        .collect();
    store.append_audit(&events).await?;
    let document = Document {
        agency: agency.to_owned(),
        networks_total: total,
        networks,
        compounds,
        notices,
    };
    let text = serde_json::to_string_pretty(&document)?;
    match out {
        Some(path) => std::fs::write(path, text + "\n")
            .with_context(|| format!("cannot write {}", path.display()))?,
        None => {
            let mut stdout = std::io::stdout().lock();
            writeln!(stdout, "{text}")?;
        }
    }
    eprintln!(
        "{} networks shown of {total} {agency} may read, {} compounds, {} notices, from {} reports in {:.1}s",
        document.networks.len(),
        document.compounds.len(),
        document.notices.len(),
        model.corpus.len(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
