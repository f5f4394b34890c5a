//! The console's pages for the money patterns an analyst looks for beside a
//! trace: `/money/mules` lists the accounts whose traffic looks like a money
//! mule's, each pattern explained, and `/money/cluster` shows the addresses
//! one owner controls with the merges that join them. Both run the API's
//! own functions ([`mules_for`], [`cluster_for`]) over the money the member
//! may read, so the console shows no more than `/api/v1/money/mules` and
//! `/api/v1/money/cluster` would.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use cordon_finance::cluster::Heuristic;
use cordon_finance::mules::{MuleScore, Pattern};
use maud::{Markup, html};

use super::failure::Failure;
use super::money::{on_the_form, page, problem_summary, query_pairs};
use super::session::Console;
use crate::Shared;
use crate::api::money::{MIN_SCORE, cluster_for, mules_for};
use crate::error::ApiError;
use crate::money::patterns::Cluster;

/// What the mule form holds.
#[derive(Debug, Default)]
struct MulesForm {
    /// As typed, so that a bad value is shown again to be fixed.
    typed: String,
    min_score: Option<f64>,
    crypto: bool,
}

impl MulesForm {
    /// The form, and the first value in it that cannot be read.
    fn read(pairs: &[(String, String)]) -> (MulesForm, Option<ApiError>) {
        let mut form = MulesForm::default();
        let mut problem = None;
        for (name, value) in pairs {
            let value = value.trim();
            match name.as_str() {
                "min_score" => {
                    form.typed = value.to_owned();
                    form.min_score = None;
                    if !value.is_empty() {
                        match value.parse::<f64>() {
                            Ok(n) => form.min_score = Some(n),
                            Err(_) => {
                                problem.get_or_insert(
                                    ApiError::bad_request(format!(
                                        "min_score {value:?} is not a number: give one between 0 and 1, like {MIN_SCORE}"
                                    ))
                                    .field("min_score"),
                                );
                            }
                        }
                    }
                }
                "crypto" => match value {
                    "on" | "true" => form.crypto = true,
                    "" | "off" | "false" => form.crypto = false,
                    _ => {
                        problem.get_or_insert(
                            ApiError::bad_request(format!(
                                "crypto {value:?} is not on or off: tick the box to list wallets too"
                            ))
                            .field("crypto"),
                        );
                    }
                },
                _ => {}
            }
        }
        (form, problem)
    }
}

/// A pattern as people name it.
fn pattern_name(p: Pattern) -> &'static str {
    match p {
        Pattern::FanIn => "fan-in",
        Pattern::FanOut => "fan-out",
        Pattern::RapidPassThrough => "rapid pass-through",
        Pattern::ScatterGather => "scatter-gather",
        Pattern::Cycle => "cycle",
        Pattern::RelayForSuspect => "relay for a suspect",
    }
}

/// A clustering heuristic as people name it.
fn heuristic_name(h: Heuristic) -> &'static str {
    match h {
        Heuristic::CoSpend => "co-spend",
        Heuristic::PeelChain => "peel chain",
        Heuristic::OneTimeChange => "one-time change",
    }
}

fn mules_form(form: &MulesForm) -> Markup {
    let shown = if form.typed.is_empty() {
        MIN_SCORE.to_string()
    } else {
        form.typed.clone()
    };
    html! {
        form #mules-form method="get" action="/money/mules" {
            div.form-grid {
                div.field {
                    label for="m-min-score" { "Lowest score" }
                    p.hint { "From 0 to 1: the higher, the fewer and more suspect the accounts listed." }
                    input #m-min-score.short type="number" name="min_score" value=(shown) min="0" max="1" step="any";
                }
                div.field {
                    label.inline-check {
                        input #m-crypto type="checkbox" name="crypto" value="on" checked[form.crypto];
                        " Crypto wallets too"
                    }
                    p.hint { "By default only bank accounts are listed." }
                }
                div.field.actions {
                    button type="submit" { "List" }
                }
            }
        }
    }
}

fn mules_list(accounts: &[MuleScore]) -> Markup {
    html! {
        section #mules-result aria-labelledby="mules-title" {
            h2 #mules-title { "Suspect accounts" }
            @if accounts.is_empty() {
                p.empty { "No account among the flows you may read scores this high." }
            } @else {
                p.hint { (accounts.len()) " account(s), most suspect first. A score combines the patterns below as independent evidence." }
                table.data #mules {
                    thead { tr {
                        th { "Address" } th { "Asset" } th.num { "Score" } th { "Why" }
                    } }
                    tbody {
                        @for m in accounts {
                            tr {
                                td { a href=(super::selector_href(&m.address)) { code { (m.address) } } }
                                td { (m.asset) }
                                td.num { (format!("{:.2}", m.score)) }
                                td {
                                    ul.indicators {
                                        @for i in &m.indicators {
                                            li {
                                                strong { (pattern_name(i.pattern)) }
                                                " (" (format!("{:.2}", i.score)) "): " (i.explanation)
                                                @if !i.flows.is_empty() {
                                                    " " span.kind {
                                                        "flows "
                                                        @for (n, f) in i.flows.iter().enumerate() {
                                                            @if n > 0 { ", " }
                                                            code { (f) }
                                                        }
                                                    }
                                                }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// `GET /money/mules`: the accounts whose traffic looks like a mule's.
pub async fn mules(
    State(state): State<Shared>,
    console: Console,
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> Result<Response, Failure> {
    let pairs = query_pairs(&console, query)?;
    let (form, mut problem) = MulesForm::read(&pairs);
    let mut found = None;
    if problem.is_none() {
        match mules_for(&state, &console.viewer(), form.min_score, form.crypto).await {
            Ok(accounts) => found = Some(accounts),
            Err(e) if on_the_form(&e) => problem = Some(e),
            Err(e) => return Err(console.fail(e)),
        }
    }
    let status = problem.as_ref().map_or(StatusCode::OK, |e| e.code.status());
    let body = html! {
        h1 { "Mule accounts" }
        p.lead { "Accounts whose traffic, among the flows you may read, looks like a money mule's: many senders or receivers at once, money passed straight on, one source scattered and gathered again, money going round in a cycle, or a quick relay for a suspect." }
        p #money-pages {
            "Also: " a href="/money" { "follow the money" } " · " a href="/money/cluster" { "wallet clusters" }
        }
        (problem_summary("The accounts could not be listed", problem.as_ref()))
        (mules_form(&form))
        @if let Some(accounts) = &found { (mules_list(accounts)) }
    };
    Ok((status, page(&console, "Mule accounts", body)).into_response())
}

/// The address the cluster form asks about: in another spelling it names
/// the same wallet.
fn cluster_address(pairs: &[(String, String)]) -> String {
    let typed = pairs
        .iter()
        .rev()
        .find(|(name, _)| name == "address")
        .map_or("", |(_, value)| value.trim());
    crate::hits::canonical(typed, None)
        .map(|s| s.into_string())
        .unwrap_or_else(|_| typed.to_owned())
}

fn cluster_form(address: &str) -> Markup {
    html! {
        form #cluster-form method="get" action="/money/cluster" {
            div.form-grid {
                div.field {
                    label for="c-address" { "Address" }
                    p.hint { "A wallet or account, in any form: its cluster is the addresses the same owner controls." }
                    input #c-address type="text" name="address" value=(address) required maxlength="200" autocomplete="off";
                }
                div.field.actions {
                    button type="submit" { "Find its cluster" }
                }
            }
        }
    }
}

fn cluster_view(c: &Cluster) -> Markup {
    // `evidence` runs in the order of the members other than the address.
    let others = c.members.iter().filter(|m| **m != c.address);
    html! {
        section #cluster-result aria-labelledby="cluster-title" {
            h2 #cluster-title { "The cluster of " code { (c.address) } }
            p #cluster-service {
                @if let Some(service) = &c.service {
                    "Tagged as " strong { (service) } "."
                } @else {
                    "Not tagged as any service among the tags you may read."
                }
            }
            @if c.members.len() <= 1 {
                p.empty { "No other address is joined to it among the flows you may read." }
            } @else {
                p.hint { (c.members.len()) " addresses one owner controls, each with the merges that join it." }
                table.data #cluster-members {
                    thead { tr { th { "Member" } th { "Joined by" } } }
                    tbody {
                        tr {
                            td { a href=(super::selector_href(&c.address)) { code { (c.address) } } }
                            td { span.kind { "the address asked about" } }
                        }
                        @for (member, merges) in others.zip(&c.evidence) {
                            tr {
                                td { a href=(super::selector_href(member)) { code { (member) } } }
                                td {
                                    ul.merges {
                                        @for j in merges {
                                            li {
                                                strong { (heuristic_name(j.heuristic)) }
                                                " in flow " code { (j.flow) } ": "
                                                code { (j.a) } " with " code { (j.b) }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
                p.hint {
                    "Co-spend: spent together as inputs of one transaction. Peel chain: a wallet paying out small amounts and keeping the rest, again and again. "
                    "One-time change: the output of a transaction that can only be the sender's change."
                }
            }
        }
    }
}

/// `GET /money/cluster`: the addresses one owner controls, and why.
pub async fn cluster(
    State(state): State<Shared>,
    console: Console,
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> Result<Response, Failure> {
    let pairs = query_pairs(&console, query)?;
    let address = cluster_address(&pairs);
    let (mut found, mut problem) = (None, None);
    if !address.is_empty() {
        match cluster_for(&state, &console.viewer(), &address).await {
            Ok(c) => found = Some(c),
            Err(e) if on_the_form(&e) => problem = Some(e),
            Err(e) => return Err(console.fail(e)),
        }
    }
    let status = problem.as_ref().map_or(StatusCode::OK, |e| e.code.status());
    let body = html! {
        h1 { "Wallet cluster" }
        p.lead { "The addresses the owner of a wallet controls, as clustering finds them among the flows you may read, each with the transactions that show it." }
        p #money-pages {
            "Also: " a href="/money" { "follow the money" } " · " a href="/money/mules" { "mule accounts" }
        }
        (problem_summary("The cluster could not be found", problem.as_ref()))
        (cluster_form(&address))
        @if let Some(c) = &found { (cluster_view(c)) }
    };
    Ok((status, page(&console, "Wallet cluster", body)).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
        items
            .iter()
            .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn the_mule_form_reads_its_fields_and_names_a_bad_one() {
        let (form, problem) = MulesForm::read(&pairs(&[("min_score", " 0.5 "), ("crypto", "on")]));
        assert!(problem.is_none());
        assert_eq!(form.min_score, Some(0.5));
        assert!(form.crypto);
        let (form, problem) = MulesForm::read(&pairs(&[("min_score", "")]));
        assert!(problem.is_none() && form.min_score.is_none() && !form.crypto);
        let (form, problem) = MulesForm::read(&pairs(&[("min_score", "abc")]));
        let problem = problem.expect("abc is no score");
        assert_eq!(problem.field.as_deref(), Some("min_score"));
        assert!(problem.message.starts_with("min_score \"abc\""));
        assert_eq!(form.typed, "abc");
        let (_, problem) = MulesForm::read(&pairs(&[("crypto", "maybe")]));
        assert_eq!(problem.unwrap().field.as_deref(), Some("crypto"));
    }
}
