//! The screening part of the case page: the decision aid (the ILO/EC
//! reading of the evidence, clearly not a verdict) and the form with every
//! indicator of the catalogue, grouped by framework and Delphi dimension,
//! each with its strength and its help for the interviewer.

use cordon_protect::screening::{self, Dimension, Framework, Indicator, Presence, Strength};
use maud::{Markup, html};

use super::case_page::{Shown, action};
use super::cases::{error_summary, input_id, status_words};
use super::session::Console;
use crate::cases::view::CaseView;

fn strength_words(s: Option<Strength>) -> &'static str {
    match s {
        Some(Strength::Strong) => "strong",
        Some(Strength::Medium) => "medium",
        Some(Strength::Weak) => "weak",
        None => "ILO indicator",
    }
}

fn presence_words(p: Presence) -> &'static str {
    match p {
        Presence::Present => "present",
        Presence::Absent => "absent",
        Presence::Unclear => "unclear",
    }
}

/// The catalogue in the groups the form shows: the ILO indicators, the
/// Delphi ones per dimension, then the scam-compound ones per dimension.
pub(super) fn indicator_groups() -> Vec<(String, Vec<&'static Indicator>)> {
    let all = screening::catalogue();
    let mut groups = vec![(
        "ILO indicators of forced labour".to_owned(),
        all.iter()
            .filter(|i| i.framework == Framework::Ilo)
            .collect::<Vec<_>>(),
    )];
    for (framework, name) in [
        (Framework::Delphi, "ILO/EC Delphi"),
        (Framework::Compound, "Scam compound"),
    ] {
        for d in Dimension::ALL {
            let of: Vec<&Indicator> = all
                .iter()
                .filter(|i| i.framework == framework && i.dimension == Some(d))
                .collect();
            if !of.is_empty() {
                groups.push((format!("{name}: {}", d.label()), of));
            }
        }
    }
    groups
}

/// The decision aid and the screening form.
pub(super) fn section(console: &Console, v: &CaseView, f: Shown) -> Markup {
    let a = &v.assessment;
    let recorded = |id: &str| {
        v.evidence
            .iter()
            .find(|e| e.indicator == id)
            .map(|e| e.presence)
    };
    html! {
        section #screening aria-labelledby="screening-title" {
            h2 #screening-title { "Screening" }
            section.assessment #assessment aria-labelledby="assessment-title" {
                h3 #assessment-title { "Decision aid, not a verdict" }
                p.hint { "What the evidence recorded suggests under the ILO/EC combination rule. The outcome is decided and recorded separately, by an organisation, with its reasons." }
                p #suggestion {
                    "Suggests: "
                    strong { @match a.suggests { Some(st) => (status_words(st)), None => "nothing yet" } }
                    " — because " (a.because) "."
                }
                p { "ILO forced-labour indicators present: " strong #ilo-present { (a.ilo_present) } }
                table.data #dimensions {
                    thead { tr { th { "Delphi dimension" } th.num { "Strong" } th.num { "Medium" } th.num { "Weak" } th { "Met" } } }
                    tbody {
                        @for d in &a.dimensions {
                            tr.met[d.met] {
                                td { (d.dimension.label()) }
                                td.num { (d.strong) } td.num { (d.medium) } td.num { (d.weak) }
                                td { @if d.met { strong { "met" } } @else { "not met" } }
                            }
                        }
                    }
                }
            }
            p.hint {
                (v.evidence.len()) " of " (screening::catalogue().len()) " indicators recorded. "
                "Answer what you asked; only the answers you change (or add a note to) are recorded, all at once."
            }
            (error_summary("The screening was not recorded", f.problem()))
            form #screening-form method="post" action=(action(&v.summary.id, "evidence")) {
                input type="hidden" name="csrf" value=(console.chrome().csrf);
                @for (title, indicators) in indicator_groups() {
                    fieldset.indicators {
                        legend { (title) }
                        @for i in indicators {
                            @let name = format!("i.{}", i.id);
                            @let now = recorded(&i.id);
                            @let error = f.error(&name);
                            div.indicator.has-error[error.is_some()] id=(input_id(&name)) {
                                p.indicator-label {
                                    strong { (i.label) } " "
                                    span.strength { (strength_words(i.strength)) }
                                    @if let Some(p) = now { " " span.recorded { "recorded: " (presence_words(p)) } }
                                }
                                p.hint { (i.help) }
                                @if let Some(e) = &error { p.field-error { "Error: " (e) } }
                                div.choices role="radiogroup" aria-label=(i.label) {
                                    @if now.is_none() {
                                        label.inline-check {
                                            input type="radio" name=(name) value="" checked[f.ticked(&name, "", true)];
                                            " not asked"
                                        }
                                    }
                                    @for p in [Presence::Present, Presence::Absent, Presence::Unclear] {
                                        label.inline-check {
                                            input type="radio" name=(name) value=(presence_words(p))
                                                id=(format!("i-{}-{}", i.id, presence_words(p)))
                                                checked[f.ticked(&name, presence_words(p), now == Some(p))];
                                            " " (presence_words(p))
                                        }
                                    }
                                    label.sr for=(format!("n-{}", i.id)) { "Note on " (i.label) }
                                    input.note type="text" id=(format!("n-{}", i.id)) name=(format!("n.{}", i.id))
                                        value=(f.value(&format!("n.{}", i.id), "")) maxlength="20000" placeholder="note (sealed)";
                                }
                            }
                        }
                    }
                }
                button #screening-submit type="submit" { "Record the changed answers" }
            }
        }
    }
}
