//! A trace drawn as a Sankey-like diagram, rendered on the server as SVG:
//! the seeds on the left, one column per hop, the services on the right,
//! each address a bar as tall as its share of the traced money and each
//! flow of the evidence paths a band between two bars.
//!
//! Heights are shares of each asset's traced money (what was seeded or
//! converted into it), under haircut (the central estimate), so that
//! bitcoin and tether draw side by side. A band's width is the share of
//! what its receiver took in, split over the flows that brought it by
//! their amounts: the trace keeps the paths that carried the most, not
//! every flow's taint, so the drawing shows where the money went and the
//! tables give the amounts. As in `drawing.rs`: no script and no style
//! attribute, the console's stylesheet classes only.

use std::collections::{BTreeMap, HashMap};

use cordon_finance::trace::{ModelAmounts, Trace};
use maud::{Markup, html};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

const WIDTH: f64 = 960.0;
const NODE: f64 = 12.0;
const MARGIN: f64 = 12.0;
/// Room right of the last column for its labels.
const LABELS: f64 = 230.0;
/// The tallest column's bars, gaps aside.
const BARS: f64 = 260.0;
const GAP: f64 = 16.0;
/// Bars drawn per column, the largest; the tables list every address.
const PER_COLUMN: usize = 10;
/// Colours cycle through this many asset classes (`asset-0` …).
const ASSET_CLASSES: usize = 6;

/// Where a bar stands.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Key {
    /// An address of the trace, in one asset.
    Address(String, String),
    /// A service, in one asset.
    Service(String, String),
    /// A sender of a seed payment, outside the trace.
    Source(String, String),
}

#[derive(Debug)]
struct Bar {
    key: Key,
    column: usize,
    /// Share of its asset's traced money.
    share: f64,
    asset: usize,
    title: String,
    label: String,
    href: Option<String>,
    y: f64,
    height: f64,
}

#[derive(Debug)]
struct Band {
    from: usize,
    to: usize,
    share: f64,
    asset: usize,
    title: String,
}

/// The central amount of a model set: haircut's, or the first run.
pub(super) fn central(a: &ModelAmounts) -> Decimal {
    a.haircut
        .or(a.fifo)
        .or(a.lifo)
        .or(a.tiho)
        .or(a.poison)
        .unwrap_or_default()
}

fn float(d: Decimal) -> f64 {
    d.to_f64().unwrap_or(0.0)
}

/// `trx:TQQsMKWc…tQtYv4jS`: enough of an address to tell it on a drawing.
fn short(address: &str) -> String {
    let chars: Vec<char> = address.chars().collect();
    if chars.len() <= 22 {
        return address.to_owned();
    }
    let head: String = chars[..13].iter().collect();
    let tail: String = chars[chars.len() - 6..].iter().collect();
    format!("{head}…{tail}")
}

fn fmt(v: f64) -> String {
    format!("{v:.1}")
}

/// The trace as a Sankey-like SVG, or a note when nothing was reached.
pub fn sankey(trace: &Trace) -> Markup {
    // Each asset's traced money, for shares.
    let mut assets: Vec<String> = Vec::new();
    let mut totals: HashMap<String, f64> = HashMap::new();
    for t in &trace.totals {
        let name = t.asset.to_string();
        totals.insert(
            name.clone(),
            float(central(&t.seeded) + central(&t.converted_in)),
        );
        assets.push(name);
    }
    let asset_of =
        |name: &str, assets: &mut Vec<String>| match assets.iter().position(|a| a == name) {
            Some(i) => i,
            None => {
                assets.push(name.to_owned());
                assets.len() - 1
            }
        };
    let share = |amount: Decimal, asset: &str| {
        let total = totals.get(asset).copied().unwrap_or(0.0);
        if total > 0.0 {
            (float(amount) / total).clamp(0.0, 1.0)
        } else {
            0.0
        }
    };

    let mut bars: Vec<Bar> = Vec::new();
    let mut index: HashMap<Key, usize> = HashMap::new();
    // Service addresses stand for their service's bar.
    let mut service_of: HashMap<(String, String), Key> = HashMap::new();
    for s in &trace.services {
        let asset = s.asset.to_string();
        let key = Key::Service(s.service.clone(), asset.clone());
        index.insert(key.clone(), bars.len());
        bars.push(Bar {
            key,
            column: usize::MAX,
            share: share(s.band.central, &asset),
            asset: asset_of(&asset, &mut assets),
            title: format!(
                "{} ({}), {} addresses: {} {asset} (band {} to {})",
                s.service, s.category, s.addresses, s.band.central, s.band.low, s.band.high
            ),
            label: format!("{} · {} {}", s.service, s.band.central, s.asset.symbol),
            href: None,
            y: 0.0,
            height: 0.0,
        });
    }
    for a in &trace.addresses {
        let asset = a.asset.to_string();
        if let Some(service) = &a.service {
            service_of.insert(
                (a.address.clone(), asset.clone()),
                Key::Service(service.clone(), asset),
            );
            continue;
        }
        let key = Key::Address(a.address.clone(), asset.clone());
        index.insert(key.clone(), bars.len());
        bars.push(Bar {
            key,
            column: usize::from(a.hop),
            share: share(a.band.central, &asset),
            asset: asset_of(&asset, &mut assets),
            title: format!(
                "{}, hop {}: received {} {asset} (band {} to {}), holds {}",
                a.address,
                a.hop,
                a.band.central,
                a.band.low,
                a.band.high,
                central(&a.held)
            ),
            label: format!(
                "{} · {} {}",
                short(&a.address),
                a.band.central,
                a.asset.symbol
            ),
            href: Some(super::selector_href(&a.address)),
            y: 0.0,
            height: 0.0,
        });
    }

    // The evidence flows, each once, between bars; a sender outside the
    // trace is a seed payment's.
    let mut flows: BTreeMap<(Key, Key), (Decimal, String, String)> = BTreeMap::new();
    for s in &trace.steps {
        let asset = s.asset.to_string();
        let find = |address: &str| {
            let pair = (address.to_owned(), asset.clone());
            service_of
                .get(&pair)
                .cloned()
                .unwrap_or(Key::Address(pair.0, pair.1))
        };
        let to = find(&s.to);
        let mut from = find(&s.from);
        if !index.contains_key(&from) {
            from = Key::Source(s.from.clone(), asset.clone());
        }
        if from == to || !index.contains_key(&to) {
            continue;
        }
        let entry =
            flows
                .entry((from, to))
                .or_insert((Decimal::ZERO, s.flow.clone(), asset.clone()));
        entry.0 += s.amount;
    }
    for ((from, _), (_, _, asset)) in &flows {
        if let Key::Source(address, _) = from
            && !index.contains_key(from)
        {
            let paid: Decimal = flows
                .iter()
                .filter(|((f, _), _)| f == from)
                .map(|(_, (amount, _, _))| *amount)
                .sum();
            let symbol = asset.split('@').next().unwrap_or(asset);
            index.insert(from.clone(), bars.len());
            bars.push(Bar {
                key: from.clone(),
                column: 0,
                share: 0.0,
                asset: asset_of(asset, &mut assets),
                title: format!("{address} paid the seed: {paid} {asset}"),
                label: format!("{} · {paid} {symbol}", short(address)),
                href: Some(super::selector_href(address)),
                y: 0.0,
                height: 0.0,
            });
        }
    }
    // Each receiver's share, split over the flows into it by amount.
    let mut into: HashMap<usize, Decimal> = HashMap::new();
    for ((_, to), (amount, _, _)) in &flows {
        *into.entry(index[to]).or_default() += *amount;
    }
    let mut bands: Vec<Band> = flows
        .iter()
        .map(|((from, to), (amount, flow, asset))| {
            let (f, t) = (index[from], index[to]);
            let total = into.get(&t).copied().unwrap_or_default();
            let part = if total > Decimal::ZERO {
                float(*amount) / float(total)
            } else {
                0.0
            };
            Band {
                from: f,
                to: t,
                share: bars[t].share * part,
                asset: bars[t].asset,
                title: format!("{flow}: {amount} {asset}"),
            }
        })
        .collect();
    // A seed's sender is as tall as what it sent.
    for b in &bands {
        if matches!(bars[b.from].key, Key::Source(..)) {
            bars[b.from].share += b.share;
        }
    }

    // Columns: senders of seed payments, then hops, then services.
    let sources = bars.iter().any(|b| matches!(b.key, Key::Source(..)));
    let shift = usize::from(sources);
    let mut last = 0;
    for b in bars.iter_mut() {
        if matches!(b.key, Key::Address(..)) {
            b.column += shift;
            last = last.max(b.column);
        }
    }
    let services = bars.iter().any(|b| matches!(b.key, Key::Service(..)));
    for b in bars.iter_mut() {
        if matches!(b.key, Key::Service(..)) {
            b.column = last + 1;
        }
    }
    let columns = if services { last + 2 } else { last + 1 };
    if bars.is_empty() {
        return html! { p.empty { "The trace reached no address." } };
    }

    // The largest bars of each column, top down.
    let mut drawn = vec![false; bars.len()];
    let mut by_column: Vec<Vec<usize>> = vec![Vec::new(); columns];
    for (i, b) in bars.iter().enumerate() {
        by_column[b.column].push(i);
    }
    for column in &mut by_column {
        column.sort_by(|&a, &b| {
            bars[b]
                .share
                .total_cmp(&bars[a].share)
                .then_with(|| bars[a].key.cmp(&bars[b].key))
        });
        column.truncate(PER_COLUMN);
        for &i in column.iter() {
            drawn[i] = true;
        }
    }
    let tallest = by_column
        .iter()
        .map(|c| c.iter().map(|&i| bars[i].share).sum::<f64>())
        .fold(0.0f64, f64::max);
    let scale = if tallest > 0.0 { BARS / tallest } else { 0.0 };
    let mut height = 0.0f64;
    for column in &by_column {
        let mut y = MARGIN;
        for &i in column {
            bars[i].y = y;
            bars[i].height = (bars[i].share * scale).max(3.0);
            y += bars[i].height + GAP;
        }
        height = height.max(y);
    }
    let height = height + MARGIN;
    let step = if columns > 1 {
        (WIDTH - 2.0 * MARGIN - NODE - LABELS) / (columns - 1) as f64
    } else {
        0.0
    };
    let x = |column: usize| MARGIN + column as f64 * step;

    // Bands leave and enter their bars stacked, the uppermost first.
    bands.retain(|b| drawn[b.from] && drawn[b.to] && bars[b.from].column < bars[b.to].column);
    bands.sort_by(|a, b| {
        bars[a.to]
            .y
            .total_cmp(&bars[b.to].y)
            .then_with(|| bars[a.from].y.total_cmp(&bars[b.from].y))
    });
    let mut out_at: HashMap<usize, f64> = HashMap::new();
    let mut in_at: HashMap<usize, f64> = HashMap::new();
    let paths: Vec<(String, &Band)> = bands
        .iter()
        .map(|b| {
            let w = (b.share * scale).max(1.0);
            let y0 = bars[b.from].y + *out_at.entry(b.from).or_default();
            let y1 = bars[b.to].y + *in_at.entry(b.to).or_default();
            *out_at.entry(b.from).or_default() += w;
            *in_at.entry(b.to).or_default() += w;
            let (x0, x1) = (x(bars[b.from].column) + NODE, x(bars[b.to].column));
            let mid = (x0 + x1) / 2.0;
            let d = format!(
                "M{} {}C{} {} {} {} {} {}L{} {}C{} {} {} {} {} {}Z",
                fmt(x0),
                fmt(y0),
                fmt(mid),
                fmt(y0),
                fmt(mid),
                fmt(y1),
                fmt(x1),
                fmt(y1),
                fmt(x1),
                fmt(y1 + w),
                fmt(mid),
                fmt(y1 + w),
                fmt(mid),
                fmt(y0 + w),
                fmt(x0),
                fmt(y0 + w),
            );
            (d, b)
        })
        .collect();
    let shown = drawn.iter().filter(|d| **d).count();
    html! {
        svg.sankey #trace-sankey viewBox=(format!("0 0 {WIDTH} {}", fmt(height))) role="img"
            aria-label=(format!("where the traced money went: {shown} addresses and services over {columns} columns")) {
            @for (d, b) in &paths {
                path class=(format!("link asset-{}", b.asset % ASSET_CLASSES)) d=(d) {
                    title { (b.title) }
                }
            }
            @for b in bars.iter().enumerate().filter(|(i, _)| drawn[*i]).map(|(_, b)| b) {
                @let kind = match b.key {
                    Key::Address(..) => "node",
                    Key::Service(..) => "node service",
                    Key::Source(..) => "node source",
                };
                @let bx = x(b.column);
                @let bar = html! {
                    rect class=(format!("{kind} asset-{}", b.asset % ASSET_CLASSES))
                        x=(fmt(bx)) y=(fmt(b.y)) width=(NODE) height=(fmt(b.height)) {
                        title { (b.title) }
                    }
                    text.label x=(fmt(bx + NODE + 4.0)) y=(fmt(b.y + b.height / 2.0 + 4.0)) { (b.label) }
                };
                @match &b.href {
                    Some(href) => { a href=(href) { (bar) } }
                    None => { (bar) }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_addresses_are_shortened_on_the_drawing() {
        assert_eq!(
            short("trx:TQQsMKWcpHvG2cKBMMiFFiqRWwtQtYv4jS"),
            "trx:TQQsMKWcp…tYv4jS"
        );
        assert_eq!(short("iban:GB29NWBK6016"), "iban:GB29NWBK6016");
    }
}
