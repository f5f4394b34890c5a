//! The public check page (`/check`): anyone, with no login and no
//! JavaScript, on a phone, pastes a job advert or a contact and reads the
//! answer with its reasons, in English, Indonesian, Swahili or Thai; and
//! may send the offer to the hotline ("report this offer").
//!
//! The page is plain HTML forms; what it may say is decided where the API
//! decides it ([`crate::public`]).

use axum::extract::rejection::{FormRejection, QueryRejection};
use axum::extract::{Form, Query, State};
use axum::response::{IntoResponse, Response};
use cordon_prevent::check::{Answer, Verdict};
use cordon_prevent::messages::{self, say};
use maud::{DOCTYPE, Markup, html};
use serde::Deserialize;

use super::assets::PUBLIC_CSS_PATH;
use crate::Shared;
use crate::error::{ApiError, ErrorCode};
use crate::public::tips::{self, TipRequest};
use crate::public::{self, CheckRequest};

#[derive(Debug, Default, Deserialize)]
pub struct PageQuery {
    lang: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct CheckForm {
    #[serde(default)]
    text: String,
    #[serde(default)]
    country: String,
    #[serde(default)]
    lang: String,
    /// The hidden field bots fill (tips only).
    #[serde(default)]
    website: String,
}

pub async fn form(query: Result<Query<PageQuery>, QueryRejection>) -> Response {
    let lang = messages::language(query.ok().and_then(|q| q.0.lang).as_deref().unwrap_or("en"));
    page(lang, &CheckForm::default(), None, None).into_response()
}

pub async fn check(
    State(state): State<Shared>,
    connect: axum::extract::ConnectInfo<std::net::SocketAddr>,
    form: Result<Form<CheckForm>, FormRejection>,
) -> Response {
    let form = form.map(|f| f.0).unwrap_or_default();
    let lang = messages::language(&form.lang);
    let result = state
        .public
        .take_check(Some(connect.0.ip()))
        .and_then(|()| {
            public::answer(
                &state,
                &CheckRequest {
                    text: form.text.clone(),
                    country: Some(form.country.clone()),
                    language: Some(lang.to_owned()),
                },
            )
        });
    match result {
        Ok(answer) => page(lang, &form, Some(&answer), None).into_response(),
        Err(e) => failed(lang, &form, &e),
    }
}

pub async fn report(
    State(state): State<Shared>,
    connect: axum::extract::ConnectInfo<std::net::SocketAddr>,
    form: Result<Form<CheckForm>, FormRejection>,
) -> Response {
    let form = form.map(|f| f.0).unwrap_or_default();
    let lang = messages::language(&form.lang);
    let request = TipRequest {
        text: form.text.clone(),
        country: Some(form.country.clone()),
        language: Some(lang.to_owned()),
        website: Some(form.website.clone()),
    };
    let taken = state.public.take_tip(Some(connect.0.ip()));
    let result = match taken {
        Ok(()) => tips::submit(&state, &request).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => page(
            lang,
            &CheckForm::default(),
            None,
            Some(&say("ui.report_done", lang, &[])),
        )
        .into_response(),
        Err(e) => failed(lang, &form, &e),
    }
}

/// An error, said in the page's language where it is one the public
/// makes; the API's words otherwise.
fn failed(lang: &str, form: &CheckForm, e: &ApiError) -> Response {
    let said = match (e.code, e.field.as_deref()) {
        (ErrorCode::RateLimited, _) => say("ui.rate_limited", lang, &[]),
        (_, Some("text")) if form.text.trim().is_empty() => say("ui.empty", lang, &[]),
        (_, Some("text")) if e.message.contains("longer than") => say("ui.too_long", lang, &[]),
        _ => e.message.clone(),
    };
    let status = e.code.status();
    let mut response = (status, page(lang, form, None, Some(&said))).into_response();
    if let Some(v) = e
        .retry_after
        .and_then(|wait| axum::http::HeaderValue::from_str(&wait.to_string()).ok())
    {
        response
            .headers_mut()
            .insert(axum::http::header::RETRY_AFTER, v);
    }
    response
}

fn page(lang: &str, form: &CheckForm, answer: Option<&Answer>, notice: Option<&str>) -> Markup {
    let title = say("ui.title", lang, &[]);
    html! {
        (DOCTYPE)
        html lang=(lang) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="referrer" content="no-referrer";
                title { (title) }
                link rel="stylesheet" href=(PUBLIC_CSS_PATH);
            }
            body.public {
                header {
                    h1 { (title) }
                    nav.languages aria-label=(say("ui.language", lang, &[])) {
                        @for l in messages::languages() {
                            @if l == lang {
                                strong { (l) }
                            } @else {
                                a href={ "/check?lang=" (l) } hreflang=(l) lang=(l) { (l) }
                            }
                        }
                    }
                }
                main #main {
                    @if let Some(n) = notice {
                        p.notice role="status" { (n) }
                    }
                    @if let Some(a) = answer {
                        (verdict(a, lang))
                    }
                    form.check method="post" action="/check" {
                        input type="hidden" name="lang" value=(lang);
                        label for="text" { (say("ui.paste", lang, &[])) }
                        textarea #text name="text" rows="7" maxlength="20000" required { (form.text) }
                        label for="country" { (say("ui.country", lang, &[])) }
                        select #country name="country" {
                            option value="" { "—" }
                            @for c in cordon_prevent::check::countries() {
                                option value=(c) selected[form.country == c] { (c) }
                            }
                        }
                        button type="submit" { (say("ui.check", lang, &[])) }
                    }
                    @if answer.is_some_and(|a| a.verdict > Verdict::None) {
                        form.report method="post" action="/check/report" {
                            input type="hidden" name="lang" value=(lang);
                            input type="hidden" name="text" value=(form.text);
                            input type="hidden" name="country" value=(form.country);
                            p { (say("ui.report_explain", lang, &[])) }
                            // People never see this field; bots fill it.
                            div.trap aria-hidden="true" {
                                label for="website" { "Website" }
                                input #website type="text" name="website" tabindex="-1" autocomplete="off";
                            }
                            button type="submit" { (say("advice.report", lang, &[])) }
                        }
                    }
                }
            }
        }
    }
}

fn verdict(a: &Answer, lang: &str) -> Markup {
    html! {
        section.answer.(a.verdict.as_str()) aria-live="polite" {
            h2 #verdict data-verdict=(a.verdict.as_str()) { (a.headline) }
            @if !a.reasons.is_empty() {
                h3 { (say("ui.reasons", lang, &[])) }
                ul.reasons {
                    @for r in &a.reasons {
                        li.(r.kind) data-subject=(r.subject) { (r.text) }
                    }
                }
            }
            @if !a.selectors.is_empty() {
                h3 { (say("ui.selectors", lang, &[])) }
                ul.selectors {
                    @for s in &a.selectors { li { code { (s) } } }
                }
            }
            h3 { (say("ui.next", lang, &[])) }
            ul.advice {
                @for line in &a.advice { li { (line) } }
                @for h in &a.hotlines {
                    li.hotline {
                        (h.name)
                        @if !h.phone.is_empty() { " — " a href={ "tel:" (h.phone.replace(' ', "")) } { (h.phone) } }
                        @if !h.url.is_empty() { " — " (h.url) }
                    }
                }
            }
        }
    }
}
