//! Writes the money world's records: `flows.jsonl` (one crates/finance
//! `Flow` per line, sorted by time), `conversions.jsonl` (sorted by the
//! time of the flow they lead to) and `tags.jsonl` (sorted by address).
//!
//! Flows are rendered in chunks on worker threads and written in order, so
//! the bytes depend on the seed and scale only.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;

use cordon_finance::tags::{Category, Tag};

use super::{MoneySummary, MoneyWorld};
use crate::SimError;

const CHUNK: usize = 16_384;

fn io_err(path: &Path) -> impl Fn(std::io::Error) -> SimError + '_ {
    move |source| SimError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Every flow's place in time order: (time, key, book, flow).
pub fn order(money: &MoneyWorld) -> Vec<(i64, u64, u32, u32)> {
    let mut order = Vec::new();
    for (b, book) in money.books().enumerate() {
        for (f, flow) in book.flows.iter().enumerate() {
            order.push((flow.time, flow.key, b as u32, f as u32));
        }
    }
    order.sort_unstable();
    order
}

pub fn write(money: &MoneyWorld, out_dir: &Path, threads: usize) -> Result<MoneySummary, SimError> {
    let books: Vec<&super::Book> = money.books().collect();
    let order = order(money);
    let mut summary = MoneySummary {
        flows: order.len() as u64,
        ..MoneySummary::default()
    };
    let mut by_asset: BTreeMap<super::Coin, u64> = BTreeMap::new();
    for &(_, _, b, f) in &order {
        *by_asset
            .entry(books[b as usize].flows[f as usize].coin)
            .or_default() += 1;
    }
    summary.flows_by_asset = by_asset
        .into_iter()
        .map(|(c, n)| (c.asset().to_string(), n))
        .collect();

    let path = out_dir.join("flows.jsonl");
    let mut out = BufWriter::with_capacity(1 << 20, File::create(&path).map_err(io_err(&path))?);
    let chunks = order.len().div_ceil(CHUNK);
    let next = AtomicUsize::new(0);
    let result: Result<(), SimError> = std::thread::scope(|scope| {
        let (tx, rx) = mpsc::sync_channel::<(usize, Vec<u8>)>(threads * 2);
        for _ in 0..threads.max(1) {
            let tx = tx.clone();
            let (next, order, books) = (&next, &order, &books);
            scope.spawn(move || {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= chunks {
                        break;
                    }
                    let mut bytes = Vec::with_capacity(CHUNK * 320);
                    for &(_, _, b, f) in &order[i * CHUNK..((i + 1) * CHUNK).min(order.len())] {
                        let flow = books[b as usize].render(f);
                        debug_assert_eq!(flow.check(), Ok(()), "{flow:?}");
                        serde_json::to_writer(&mut bytes, &flow).expect("writing to memory");
                        bytes.push(b'\n');
                    }
                    if tx.send((i, bytes)).is_err() {
                        break;
                    }
                }
            });
        }
        drop(tx);
        let mut pending = BTreeMap::new();
        let mut expected = 0;
        for (i, bytes) in rx {
            pending.insert(i, bytes);
            while let Some(bytes) = pending.remove(&expected) {
                out.write_all(&bytes).map_err(io_err(&path))?;
                expected += 1;
            }
        }
        Ok(())
    });
    result?;
    out.flush().map_err(io_err(&path))?;

    let mut conversions = Vec::new();
    for (b, book) in books.iter().enumerate() {
        for (c, conv) in book.conversions.iter().enumerate() {
            let to = &book.flows[conv.to.0 as usize];
            conversions.push((to.time, to.key, b, c));
        }
    }
    conversions.sort_unstable();
    summary.conversions = conversions.len() as u64;
    let path = out_dir.join("conversions.jsonl");
    let mut out = BufWriter::with_capacity(1 << 20, File::create(&path).map_err(io_err(&path))?);
    for &(_, _, b, c) in &conversions {
        let book = books[b];
        let conv = book.render_conversion(&book.conversions[c]);
        serde_json::to_writer(&mut out, &conv).map_err(|e| io_err(&path)(e.into()))?;
        out.write_all(b"\n").map_err(io_err(&path))?;
    }
    out.flush().map_err(io_err(&path))?;

    let mut tags: Vec<(&str, &str, &str, u8)> = books
        .iter()
        .flat_map(|book| {
            book.tags.iter().map(|t| {
                (
                    book.addr(t.addr),
                    t.label.as_str(),
                    t.category,
                    t.confidence,
                )
            })
        })
        .collect();
    tags.sort_unstable();
    tags.dedup_by(|a, b| a.0 == b.0 && a.1 == b.1);
    summary.tags = tags.len() as u64;
    let path = out_dir.join("tags.jsonl");
    let mut out = BufWriter::with_capacity(1 << 20, File::create(&path).map_err(io_err(&path))?);
    for (address, label, category, confidence) in tags {
        let category: Category = serde_json::from_value(category.into())
            .expect("the simulator's categories are crates/finance's");
        let tag = Tag::new(address, label, category, "sim", confidence)
            .expect("the simulator's tags are valid");
        serde_json::to_writer(&mut out, &tag).map_err(|e| io_err(&path)(e.into()))?;
        out.write_all(b"\n").map_err(io_err(&path))?;
    }
    out.flush().map_err(io_err(&path))?;
    Ok(summary)
}
