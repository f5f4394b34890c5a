//! `/reports/{agency}/{id}`: one report, read through the access rules and
//! audited like the API's read; a report the viewer may not read is the
//! same 404 page as one that does not exist.

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use cordon_core::Grading;
use cordon_core::mo::Taxonomy;
use maud::{Markup, html};

use super::failure::{Failure, not_found};
use super::layout::{self, SearchBox, tlp_badge, when};
use super::selector::kind_label;
use super::selector_href;
use super::session::Console;
use crate::Shared;
use crate::api::reports::read_one;

pub async fn page(
    State(state): State<Shared>,
    console: Console,
    path: Result<Path<(String, String)>, PathRejection>,
) -> Result<Markup, Failure> {
    let Ok(Path((agency, id))) = path else {
        return Err(not_found(Some(console.chrome())));
    };
    let readable = read_one(&state, &console.viewer(), &agency, &id)
        .await
        .map_err(|e| console.fail(e))?;
    let stored = readable.get();
    // Read already: the report's network is the viewer's to know.
    let network = state
        .networks
        .read(|m| crate::networks::view::network_of_report(m, &stored.agency, &stored.report.id))
        .ok()
        .flatten();
    let r = &stored.report;
    let protected = crate::api::reports::non_punishment(&state.cases, r);
    crate::api::reports::audit_non_punishment(&state, &console.viewer(), &protected)
        .map_err(|e| console.fail(e))?;
    let title = format!("Report {}/{}", stored.agency, r.id);
    let body = html! {
        h1 { "Report " code { (stored.agency) "/" (r.id) } }
        @if !protected.is_empty() {
            p.notice #non-punishment role="note" {
                strong { "Non-punishment principle. " }
                "These selectors identify a person screened as a victim of trafficking, who is not to be prosecuted for offences they were forced to commit: "
                @for (i, p) in protected.iter().enumerate() {
                    @if i > 0 { ", " }
                    code { (p.selector) } " (" (p.status.as_str().replace('_', " ")) ")"
                }
                "."
            }
        }
        p.lead {
            (tlp_badge(r.marking.tlp)) " "
            (r.kind.as_str().replace('_', " "))
            " from " (stored.agency) ", country " (r.country)
        }
        div.columns {
            section aria-labelledby="facts-title" {
                h2 #facts-title { "Facts" }
                dl.facts {
                    dt { "Marking" }
                    dd {
                        (tlp_badge(r.marking.tlp))
                        @if !r.marking.recipients.is_empty() {
                            " for " (r.marking.recipients.join(", "))
                        }
                        br;
                        @if r.marking.hit_notification {
                            "Others holding its selectors learn of it as a hit."
                        } @else {
                            "Hit notification off: others do not learn of it."
                        }
                    }
                    dt { "Grading" }
                    dd { (grading(r.grading)) }
                    dt { "Received" }
                    dd { (when(r.received.unwrap_or(stored.accepted))) }
                    dt { "Accepted" }
                    dd { (when(stored.accepted)) }
                    dt { "Revision" }
                    dd { (stored.revision) }
                    @if let Some(network) = &network {
                        dt { "Network" }
                        dd { a href=(format!("/networks/{network}")) { code { (network) } } }
                    }
                    @if let Some(language) = &r.language {
                        dt { "Language" }
                        dd { (language) }
                    }
                    @if let Some(loc) = &r.location {
                        dt { "Location" }
                        dd {
                            @if let Some(place) = &loc.place { (place) ", " }
                            (format!("{:.5}, {:.5}", loc.lat, loc.lon))
                        }
                    }
                }
                @if !r.losses.is_empty() {
                    h3 { "Losses" }
                    ul.plain {
                        @for loss in &r.losses {
                            li { (loss.amount) " " (loss.currency) }
                        }
                    }
                }
                h3 { "Modus operandi" }
                @if r.mo.is_empty() {
                    p.empty { "No tags." }
                } @else {
                    ul.tags {
                        @for tag in &r.mo {
                            li { span.tag title=[mo_description(tag)] { (tag) } }
                        }
                    }
                }
            }
            section aria-labelledby="narrative-title" {
                h2 #narrative-title { "Narrative" }
                @if let Some(n) = &r.narrative {
                    div.narrative { (n) }
                } @else {
                    p.empty { "No narrative." }
                }
                h2 { "Selectors" }
                @if r.selectors.is_empty() {
                    p.empty { "None." }
                } @else {
                    ul.selectors {
                        @for s in &r.selectors {
                            li {
                                a href=(selector_href(s.as_str())) { code { (s.as_str()) } }
                                " " span.kind { (kind_label(s.kind())) }
                            }
                        }
                    }
                }
            }
        }
    };
    Ok(layout::page(
        &title,
        Some(&console.chrome()),
        &SearchBox::default(),
        body,
    ))
}

/// An Admiralty code with its meaning.
fn grading(g: Option<Grading>) -> Markup {
    let Some(g) = g else {
        return html! { "not graded" };
    };
    let reliability = match g.reliability() {
        'A' => "completely reliable",
        'B' => "usually reliable",
        'C' => "fairly reliable",
        'D' => "not usually reliable",
        'E' => "unreliable",
        _ => "reliability cannot be judged",
    };
    let credibility = match g.credibility() {
        1 => "confirmed",
        2 => "probably true",
        3 => "possibly true",
        4 => "doubtful",
        5 => "improbable",
        _ => "truth cannot be judged",
    };
    html! { strong { (g.to_string()) } " — source " (reliability) ", information " (credibility) }
}

/// A tag's meaning from the taxonomy, shown as its tooltip.
pub fn mo_description(tag: &str) -> Option<String> {
    let (family, code) = tag.split_once(':').unwrap_or(("", tag));
    Taxonomy::get().families().find_map(|(name, f)| {
        let matches = if family.is_empty() {
            f.bare
        } else {
            name == family
        };
        matches.then(|| f.codes.get(code).cloned()).flatten()
    })
}
