//! Writes a generated world to disk: one JSON-lines file of reports per
//! agency, `agencies.json`, the ground truth `truth.json`, the money world
//! (`money`), the victim-protection signals (`signals`) and the training
//! set of job adverts (`adverts`).
//!
//! Reports are made in chunks on worker threads, each chunk from its own
//! random stream, and written strictly in chunk order, so the bytes on disk
//! depend on the seed and scale only, never on thread timing.

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;

use serde::Serialize;
use serde_json::json;

use crate::data::Tables;
use crate::dice::Dice;
use crate::money::{self, Paid};
use crate::report::{self, rfc3339};
use crate::world::World;
use crate::{SimError, Summary};

/// Reports per chunk: large enough to amortise channel traffic, small
/// enough that two threads stay evenly loaded.
const CHUNK: u64 = 2048;

/// What one chunk produced, serialised and ready to append.
#[derive(Default)]
struct ChunkOut {
    /// Report lines: (agency, end offset into `reports`).
    lines: Vec<(u16, usize)>,
    reports: Vec<u8>,
    truth: Vec<u8>,
    fresh: Vec<u8>,
    used: Vec<u32>,
    fresh_count: u64,
    kinds: BTreeMap<&'static str, u64>,
    tlps: BTreeMap<&'static str, u64>,
    unattributed: u64,
    selectors_listed: u64,
    paid: Vec<Paid>,
}

#[derive(Serialize)]
struct ReportTruth<'a> {
    id: &'a str,
    agency: &'a str,
    kind: &'a str,
    received: &'a str,
    network: Option<&'a str>,
    worker: Option<&'a str>,
    selectors: &'a [String],
}

fn chunk(world: &World, index: u64) -> ChunkOut {
    let mut dice = Dice::new(world.seed, index + 1);
    let first = index * CHUNK;
    let last = (first + CHUNK).min(world.total_reports);
    let mut out = ChunkOut {
        reports: Vec::with_capacity(CHUNK as usize * 900),
        truth: Vec::with_capacity(CHUNK as usize * 300),
        ..ChunkOut::default()
    };
    for i in first..last {
        let mut g = report::generate(world, i, &mut dice);
        out.paid.extend(g.paid.take());
        serde_json::to_writer(&mut out.reports, &g.submission)
            .expect("writing to memory cannot fail");
        out.reports.push(b'\n');
        out.lines.push((g.agency, out.reports.len()));
        let agency = &world.agencies[g.agency as usize];
        let truth = ReportTruth {
            id: g.submission.id.as_deref().unwrap_or_default(),
            agency: &agency.code,
            kind: g.kind.as_str(),
            received: g.submission.received.as_deref().unwrap_or_default(),
            network: g.network.map(|n| world.networks[n as usize].id.as_str()),
            worker: g.worker.map(|w| world.workers[w as usize].id.as_str()),
            selectors: &g.selectors,
        };
        serde_json::to_writer(&mut out.truth, &truth).expect("writing to memory cannot fail");
        out.truth.extend_from_slice(b",\n");
        for f in &g.fresh {
            let networks: Vec<&str> = f
                .network
                .iter()
                .map(|&n| world.networks[n as usize].id.as_str())
                .collect();
            let line = json!({"selector": f.canonical, "networks": networks, "role": f.role, "reports": 1});
            serde_json::to_writer(&mut out.fresh, &line).expect("writing to memory cannot fail");
            out.fresh.extend_from_slice(b",\n");
            out.fresh_count += 1;
        }
        out.used.extend_from_slice(&g.used);
        *out.kinds.entry(g.kind.as_str()).or_default() += 1;
        let tlp = g
            .submission
            .marking
            .as_ref()
            .map_or("AMBER", |m| m.tlp.as_str());
        *out.tlps.entry(tlp).or_default() += 1;
        out.unattributed += u64::from(g.network.is_none());
        out.selectors_listed += g.submission.selectors.len() as u64;
    }
    out
}

/// What the victims of the world's fraud reports paid, in report order,
/// as `write` collects it (without writing anything).
#[cfg(test)]
pub fn paid(world: &World) -> Vec<Paid> {
    let mut out = Vec::new();
    for index in 0..world.total_reports.div_ceil(CHUNK) {
        let mut dice = Dice::new(world.seed, index + 1);
        let first = index * CHUNK;
        for i in first..(first + CHUNK).min(world.total_reports) {
            out.extend(report::generate(world, i, &mut dice).paid);
        }
    }
    out
}

pub(crate) fn io_err(path: &Path) -> impl Fn(io::Error) -> SimError + '_ {
    move |source| SimError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Writes the whole world under `out_dir`.
pub fn write(
    world: &World,
    out_dir: &Path,
    threads: usize,
    progress: &dyn Fn(u64, u64),
) -> Result<Summary, SimError> {
    let reports_dir = out_dir.join("reports");
    fs::create_dir_all(&reports_dir).map_err(io_err(&reports_dir))?;
    let mut agency_files = Vec::with_capacity(world.agencies.len());
    for a in &world.agencies {
        let path = reports_dir.join(format!("{}.jsonl", a.code));
        let file = File::create(&path).map_err(io_err(&path))?;
        agency_files.push((path, BufWriter::with_capacity(64 * 1024, file)));
    }
    let truth_path = out_dir.join("truth.json");
    let mut truth = BufWriter::with_capacity(
        1 << 20,
        File::create(&truth_path).map_err(io_err(&truth_path))?,
    );
    let fresh_path = out_dir.join(".truth-selectors.part");
    let mut fresh = BufWriter::with_capacity(
        1 << 20,
        File::create(&fresh_path).map_err(io_err(&fresh_path))?,
    );

    write_world_truth(world, &mut truth).map_err(io_err(&truth_path))?;
    truth
        .write_all(b",\n\"reports\": [\n")
        .map_err(io_err(&truth_path))?;

    let total = world.total_reports;
    let chunks = total.div_ceil(CHUNK);
    let mut per_agency = vec![0u64; world.agencies.len()];
    let mut used = vec![0u32; world.entries.len()];
    let mut summary = Summary::default();
    let mut first_report = true;
    let mut first_fresh = true;
    let mut paid: Vec<Paid> = Vec::new();

    let next = AtomicU64::new(0);
    let result: Result<(), SimError> = std::thread::scope(|scope| {
        let (tx, rx) = mpsc::sync_channel::<(u64, ChunkOut)>(threads * 2);
        for _ in 0..threads {
            let tx = tx.clone();
            let next = &next;
            scope.spawn(move || {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= chunks || tx.send((i, chunk(world, i))).is_err() {
                        break;
                    }
                }
            });
        }
        drop(tx);
        let mut pending = BTreeMap::new();
        let mut expected = 0u64;
        for (i, out) in rx {
            pending.insert(i, out);
            while let Some(out) = pending.remove(&expected) {
                let mut start = 0;
                for &(agency, end) in &out.lines {
                    let (path, w) = &mut agency_files[agency as usize];
                    w.write_all(&out.reports[start..end])
                        .map_err(io_err(path))?;
                    per_agency[agency as usize] += 1;
                    start = end;
                }
                // Array separators: every element was written with a
                // trailing ",\n"; drop the comma of the very last later by
                // writing the separator before each chunk instead.
                if !out.truth.is_empty() {
                    if !first_report {
                        truth.write_all(b",\n").map_err(io_err(&truth_path))?;
                    }
                    truth
                        .write_all(&out.truth[..out.truth.len() - 2])
                        .map_err(io_err(&truth_path))?;
                    first_report = false;
                }
                if !out.fresh.is_empty() {
                    if !first_fresh {
                        fresh.write_all(b",\n").map_err(io_err(&fresh_path))?;
                    }
                    fresh
                        .write_all(&out.fresh[..out.fresh.len() - 2])
                        .map_err(io_err(&fresh_path))?;
                    first_fresh = false;
                }
                for &e in &out.used {
                    used[e as usize] += 1;
                }
                paid.extend(out.paid);
                summary.reports += out.lines.len() as u64;
                summary.unattributed_reports += out.unattributed;
                summary.selectors_listed += out.selectors_listed;
                summary.fresh_selectors += out.fresh_count;
                for (k, v) in out.kinds {
                    *summary.kinds.entry(k.to_owned()).or_default() += v;
                }
                for (k, v) in out.tlps {
                    *summary.tlp.entry(k.to_owned()).or_default() += v;
                }
                expected += 1;
                progress(summary.reports, total);
            }
        }
        Ok(())
    });
    result?;

    for (path, w) in &mut agency_files {
        w.flush().map_err(io_err(path))?;
    }
    fresh.flush().map_err(io_err(&fresh_path))?;
    drop(fresh);

    truth
        .write_all(b"\n],\n\"selectors\": [\n")
        .map_err(io_err(&truth_path))?;
    let mut first = true;
    for (e, entry) in world.entries.iter().enumerate() {
        if !first {
            truth.write_all(b",\n").map_err(io_err(&truth_path))?;
        }
        first = false;
        let networks: Vec<&str> = entry
            .networks
            .iter()
            .map(|&n| world.networks[n as usize].id.as_str())
            .collect();
        let line = json!({"selector": entry.canonical, "networks": networks, "role": entry.role, "reports": used[e]});
        serde_json::to_writer(&mut truth, &line).map_err(|e| io_err(&truth_path)(e.into()))?;
    }
    if !first_fresh {
        truth.write_all(b",\n").map_err(io_err(&truth_path))?;
        let mut part = File::open(&fresh_path).map_err(io_err(&fresh_path))?;
        io::copy(&mut part, &mut truth).map_err(io_err(&truth_path))?;
    }
    fs::remove_file(&fresh_path).map_err(io_err(&fresh_path))?;

    summary.seed = world.seed;
    summary.scale = world.scale.to_string();
    summary.agencies = per_agency.iter().filter(|&&n| n > 0).count() as u64;
    summary.networks = world.networks.len() as u64;
    summary.compounds = world.compounds.len() as u64;
    summary.workers = world.workers.len() as u64;
    summary.nationalities = {
        let mut seen: Vec<usize> = world.workers.iter().map(|w| w.nationality).collect();
        seen.sort_unstable();
        seen.dedup();
        seen.len() as u64
    };
    summary.distinct_selectors =
        used.iter().filter(|&&n| n > 0).count() as u64 + summary.fresh_selectors;
    summary.shared_selectors = world.shared.len() as u64;
    summary.money = money::generate(world, paid, out_dir, threads)?;
    summary.signals = crate::signals::write(world, out_dir)?;
    summary.adverts = crate::adverts::write(world.seed, world.scale, out_dir)?;

    truth
        .write_all(b"\n],\n\"summary\": ")
        .map_err(io_err(&truth_path))?;
    serde_json::to_writer(&mut truth, &summary).map_err(|e| io_err(&truth_path)(e.into()))?;
    truth.write_all(b"\n}\n").map_err(io_err(&truth_path))?;
    truth.flush().map_err(io_err(&truth_path))?;

    write_agencies(world, out_dir, &per_agency)?;
    Ok(summary)
}

fn write_agencies(world: &World, out_dir: &Path, per_agency: &[u64]) -> Result<(), SimError> {
    #[derive(Serialize)]
    struct Row<'a> {
        code: &'a str,
        name: &'a str,
        country: &'a str,
        kind: &'a str,
        reports: u64,
        file: String,
    }
    let rows: Vec<Row> = world
        .agencies
        .iter()
        .zip(per_agency)
        .map(|(a, &reports)| Row {
            code: &a.code,
            name: &a.name,
            country: &a.country,
            kind: &a.kind,
            reports,
            file: format!("reports/{}.jsonl", a.code),
        })
        .collect();
    let path: PathBuf = out_dir.join("agencies.json");
    let mut text =
        serde_json::to_vec_pretty(&json!({ "agencies": rows })).expect("agency rows serialise");
    text.push(b'\n');
    fs::write(&path, text).map_err(io_err(&path))
}

/// The world part of the truth: header, networks, compounds and workers,
/// one array element per line.
fn write_world_truth(world: &World, w: &mut impl Write) -> io::Result<()> {
    let t = Tables::get();
    let net_id = |n: u16| world.networks[n as usize].id.as_str();
    let canonical = |e: u32| world.entries[e as usize].canonical.as_str();
    write!(
        w,
        "{{\n\"format\": \"cordon-sim-truth/1\",\n\"seed\": {},\n\"scale\": \"{}\",\n\"period\": {{\"start\": \"{}\", \"end\": \"{}\"}},\n",
        world.seed,
        world.scale,
        rfc3339(crate::world::START),
        rfc3339(crate::world::END)
    )?;
    w.write_all(b"\"networks\": [\n")?;
    for (i, n) in world.networks.iter().enumerate() {
        let line = json!({
            "id": n.id,
            "name": n.name,
            "origin": n.origin,
            "weight": n.weight,
            "active_from": rfc3339(n.start),
            "scams": n.scams.iter().map(|s| s.0).collect::<Vec<_>>(),
            "targets": n.targets.iter().map(|&c| t.countries[c].code.as_str()).collect::<Vec<_>>(),
            "platforms": n.platforms.iter().map(|p| p.prefix()).collect::<Vec<_>>(),
            "sites": n.sites.iter().map(|&(c, from)| json!({"compound": world.compounds[c].id, "from": rfc3339(from)})).collect::<Vec<_>>(),
            "affiliate": n.affiliate.map(net_id),
            "workers": n.workers.len(),
        });
        sep(w, i)?;
        serde_json::to_writer(&mut *w, &line)?;
    }
    w.write_all(b"\n],\n\"compounds\": [\n")?;
    for (i, c) in world.compounds.iter().enumerate() {
        let place = &t.places[c.place];
        let line = json!({
            "id": c.id,
            "name": c.name,
            "place": place.place,
            "country": place.country,
            "region": place.region,
            "lat": c.lat,
            "lon": c.lon,
            "opened": rfc3339(c.opened),
            "status": c.status,
            "status_since": c.status_since.map(rfc3339),
            "networks": c.networks.iter().map(|&n| net_id(n)).collect::<Vec<_>>(),
        });
        sep(w, i)?;
        serde_json::to_writer(&mut *w, &line)?;
    }
    w.write_all(b"\n],\n\"workers\": [\n")?;
    for (i, k) in world.workers.iter().enumerate() {
        let line = json!({
            "id": k.id,
            "nationality": t.countries[k.nationality].code,
            "status": k.status,
            "network": net_id(k.network),
            "compound": world.compounds[k.compound].id,
            "recruited": rfc3339(k.recruited),
            "job": t.lexicon.jobs[k.job].title,
            "pay_usd": k.pay,
            "channel": k.channel,
            "name": canonical(k.name),
            "passport": canonical(k.passport),
            "phone": canonical(k.phone),
            "recruiter": canonical(k.recruiter),
        });
        sep(w, i)?;
        serde_json::to_writer(&mut *w, &line)?;
    }
    w.write_all(b"\n]")
}

fn sep(w: &mut impl Write, i: usize) -> io::Result<()> {
    if i > 0 { w.write_all(b",\n") } else { Ok(()) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Scale;

    fn files(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
        let mut out = Vec::new();
        for sub in [
            dir.to_path_buf(),
            dir.join("reports"),
            dir.join("protect"),
            dir.join("prevent"),
        ] {
            for e in fs::read_dir(&sub).unwrap() {
                let p = e.unwrap().path();
                if p.is_file() {
                    out.push((
                        p.strip_prefix(dir).unwrap().to_path_buf(),
                        fs::read(&p).unwrap(),
                    ));
                }
            }
        }
        out.sort();
        out
    }

    #[test]
    fn output_does_not_depend_on_the_number_of_threads() {
        let world = World::build(3, Scale::Small);
        let one = tempfile::tempdir().unwrap();
        let three = tempfile::tempdir().unwrap();
        let a = write(&world, one.path(), 1, &|_, _| {}).unwrap();
        let b = write(&world, three.path(), 3, &|_, _| {}).unwrap();
        assert_eq!(a, b);
        assert_eq!(files(one.path()), files(three.path()));
    }

    #[test]
    fn progress_reaches_the_total() {
        let world = World::build(4, Scale::Small);
        let dir = tempfile::tempdir().unwrap();
        let last = std::cell::Cell::new((0, 0));
        write(&world, dir.path(), 2, &|done, total| {
            last.set((done, total))
        })
        .unwrap();
        assert_eq!(last.get(), (world.total_reports, world.total_reports));
    }
}
