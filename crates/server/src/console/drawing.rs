//! Drawings rendered on the server as SVG: a network's graph and a map of
//! compounds. No script and no style attribute (the console's content
//! security policy forbids inline styles): presentation attributes and
//! the console's stylesheet classes only.

use maud::{Markup, html};

use crate::networks::view::{CompoundView, NetworkGraph};

const WIDTH: f64 = 720.0;
const HEIGHT: f64 = 480.0;
/// Most reports and selectors drawn; the tables list the rest.
const DRAWN_REPORTS: usize = 150;
const DRAWN_SELECTORS: usize = 60;

/// Positions for a graph's nodes by Fruchterman and Reingold's force
/// layout (1991), from a deterministic start on a circle, so that the same
/// network is drawn the same way every time.
fn layout(nodes: usize, edges: &[(usize, usize)]) -> Vec<(f64, f64)> {
    let n = nodes.max(1) as f64;
    let k = (WIDTH * HEIGHT / n).sqrt() * 0.6;
    let mut at: Vec<(f64, f64)> = (0..nodes)
        .map(|i| {
            let angle = i as f64 * std::f64::consts::TAU / n;
            (
                WIDTH / 2.0 + 200.0 * angle.cos(),
                HEIGHT / 2.0 + 150.0 * angle.sin(),
            )
        })
        .collect();
    let mut heat = WIDTH / 10.0;
    for _ in 0..120 {
        let mut push = vec![(0.0f64, 0.0f64); nodes];
        for i in 0..nodes {
            for j in (i + 1)..nodes {
                let (dx, dy) = (at[i].0 - at[j].0, at[i].1 - at[j].1);
                let d = (dx * dx + dy * dy).sqrt().max(0.01);
                let f = k * k / d;
                push[i].0 += dx / d * f;
                push[i].1 += dy / d * f;
                push[j].0 -= dx / d * f;
                push[j].1 -= dy / d * f;
            }
        }
        for &(a, b) in edges {
            let (dx, dy) = (at[a].0 - at[b].0, at[a].1 - at[b].1);
            let d = (dx * dx + dy * dy).sqrt().max(0.01);
            let f = d * d / k;
            push[a].0 -= dx / d * f;
            push[a].1 -= dy / d * f;
            push[b].0 += dx / d * f;
            push[b].1 += dy / d * f;
        }
        for (p, f) in at.iter_mut().zip(&push) {
            let len = (f.0 * f.0 + f.1 * f.1).sqrt().max(0.01);
            p.0 = (p.0 + f.0 / len * len.min(heat)).clamp(20.0, WIDTH - 20.0);
            p.1 = (p.1 + f.1 / len * len.min(heat)).clamp(20.0, HEIGHT - 20.0);
        }
        heat *= 0.95;
    }
    at
}

/// A network's readable reports (circles) and the keys linking them
/// (squares; shared infrastructure hollow), with each node's title.
pub fn network(graph: &NetworkGraph) -> Markup {
    let reports = graph.reports.len().min(DRAWN_REPORTS);
    let selectors = graph.selectors.len().min(DRAWN_SELECTORS);
    let edges: Vec<(usize, usize)> = graph
        .edges
        .iter()
        .filter(|(r, s)| *r < reports && *s < selectors)
        .map(|&(r, s)| (r, reports + s))
        .collect();
    let at = layout(reports + selectors, &edges);
    html! {
        svg.graph #network-graph viewBox=(format!("0 0 {WIDTH} {HEIGHT}")) role="img"
            aria-label=(format!("graph of {reports} reports and {selectors} linking selectors")) {
            @for &(a, b) in &edges {
                line.edge x1=(fmt(at[a].0)) y1=(fmt(at[a].1)) x2=(fmt(at[b].0)) y2=(fmt(at[b].1)) {}
            }
            @for (i, r) in graph.reports.iter().take(reports).enumerate() {
                a href=(super::report_href(&r.agency, &r.report_id)) {
                    circle.report cx=(fmt(at[i].0)) cy=(fmt(at[i].1)) r="6" {
                        title { (r.agency) "/" (r.report_id) " (" (r.kind.as_str()) ")" }
                    }
                }
            }
            @for (i, s) in graph.selectors.iter().take(selectors).enumerate() {
                @let (x, y) = at[reports + i];
                a href=(match s.selector.strip_prefix("site:") {
                    Some(cell) if s.evidence == "site" => format!("/compounds/{cell}"),
                    _ => super::selector_href(&s.selector),
                }) {
                    rect class=(if s.shared { "selector shared" } else { "selector" })
                        x=(fmt(x - 6.0)) y=(fmt(y - 6.0)) width="12" height="12" {
                        title { (s.selector) " — " (s.reports) " reports" }
                    }
                }
            }
        }
    }
}

fn fmt(v: f64) -> String {
    format!("{v:.1}")
}

/// One point on a map: where, how big, its class, its title and the page
/// it links to.
struct Pin {
    lat: f64,
    lon: f64,
    r: f64,
    class: String,
    title: String,
    href: Option<String>,
}

/// Points on an equirectangular map of the area they span (the Mekong
/// when there are none), with the gazetteer's places in it for
/// orientation.
fn area_map(id: &str, label: &str, pins: &[Pin]) -> Markup {
    let places = cordon_analysis::gazetteer::Gazetteer::shipped().places();
    let (mut south, mut north, mut west, mut east) = (90.0f64, -90.0f64, 180.0f64, -180.0f64);
    for p in pins {
        south = south.min(p.lat);
        north = north.max(p.lat);
        west = west.min(p.lon);
        east = east.max(p.lon);
    }
    if pins.is_empty() {
        // The Mekong, where most compounds stand.
        (south, north, west, east) = (9.0, 24.0, 96.0, 108.0);
    }
    let pad = 1.0;
    let (south, north, west, east) = (south - pad, north + pad, west - pad, east + pad);
    let x = |lon: f64| (lon - west) / (east - west) * WIDTH;
    let y = |lat: f64| (north - lat) / (north - south) * HEIGHT;
    let inside =
        |lat: f64, lon: f64| (south..=north).contains(&lat) && (west..=east).contains(&lon);
    let pin = |p: &Pin| {
        html! {
            circle class=(p.class) cx=(fmt(x(p.lon))) cy=(fmt(y(p.lat))) r=(fmt(p.r)) {
                title { (p.title) }
            }
        }
    };
    html! {
        svg.map id=(id) viewBox=(format!("0 0 {WIDTH} {HEIGHT}")) role="img" aria-label=(label) {
            rect.sea x="0" y="0" width=(WIDTH) height=(HEIGHT) {}
            @for p in places.iter().filter(|p| inside(p.lat, p.lon)) {
                circle.place cx=(fmt(x(p.lon))) cy=(fmt(y(p.lat))) r="2" {}
                text.place x=(fmt(x(p.lon) + 4.0)) y=(fmt(y(p.lat) - 4.0)) { (p.name) }
            }
            @for p in pins {
                @match &p.href {
                    Some(href) => { a href=(href) { (pin(p)) } }
                    None => { (pin(p)) }
                }
            }
        }
    }
}

/// Compounds on a map; a dot's size follows its readable reports and its
/// class its latest status.
pub fn compound_map(compounds: &[CompoundView]) -> Markup {
    let most = compounds
        .iter()
        .map(|c| c.readable)
        .max()
        .unwrap_or(1)
        .max(1) as f64;
    let pins: Vec<Pin> = compounds
        .iter()
        .map(|c| Pin {
            lat: c.lat,
            lon: c.lon,
            r: 4.0 + 10.0 * (c.readable as f64 / most).sqrt(),
            class: format!("compound {}", c.status.as_deref().unwrap_or("unknown")),
            title: format!(
                "{} — {} reports{}",
                c.places.first().map_or("unnamed site", |p| p.0.as_str()),
                c.readable,
                c.status
                    .as_ref()
                    .map(|s| format!(", {s}"))
                    .unwrap_or_default()
            ),
            href: Some(format!("/compounds/{}", c.site)),
        })
        .collect();
    area_map(
        "compound-map",
        &format!("map of {} compounds", compounds.len()),
        &pins,
    )
}

/// Where a case's people are held: the point last reported, and the
/// compound's site (linked to its page) when the case names one.
pub fn held_map(held: Option<(f64, f64)>, site: Option<(&str, f64, f64)>) -> Markup {
    let mut pins = Vec::new();
    if let Some((cell, lat, lon)) = site {
        pins.push(Pin {
            lat,
            lon,
            r: 9.0,
            class: "compound unknown".to_owned(),
            title: format!("compound site {cell}"),
            href: Some(format!("/compounds/{cell}")),
        });
    }
    if let Some((lat, lon)) = held {
        pins.push(Pin {
            lat,
            lon,
            r: 5.0,
            class: "held".to_owned(),
            title: format!("held here, as last reported ({lat:.4}, {lon:.4})"),
            href: None,
        });
    }
    area_map("held-map", "map of where the people are held", &pins)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_layout_is_deterministic_and_inside_the_drawing() {
        let edges = [(0, 3), (1, 3), (2, 3), (2, 4)];
        let a = layout(5, &edges);
        assert_eq!(a, layout(5, &edges));
        assert!(
            a.iter()
                .all(|&(x, y)| (0.0..=WIDTH).contains(&x) && (0.0..=HEIGHT).contains(&y))
        );
        // Linked nodes end nearer than the unlinked pair 0 and 4.
        let d = |i: usize, j: usize| ((a[i].0 - a[j].0).powi(2) + (a[i].1 - a[j].1).powi(2)).sqrt();
        assert!(d(0, 3) < d(0, 4), "{a:?}");
    }
}
