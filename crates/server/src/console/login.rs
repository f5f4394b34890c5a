//! Logging in with an API token, and out.
//!
//! Every login opens a new session with a new id, whatever cookie came
//! with it, so that an id planted in a browser before login is worth
//! nothing (session fixation). The login form itself carries a one-time
//! value that must match a cookie set with the form, so that another site
//! cannot log a browser into an account of its choosing (login CSRF).

use std::net::SocketAddr;

use axum::extract::rejection::{FormRejection, QueryRejection};
use axum::extract::{ConnectInfo, Form, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use serde::Deserialize;

use super::failure::{Failure, bad_request};
use super::layout::{self, SearchBox};
use super::session::{COOKIE, Console, cookie, csrf_refused, is_local, set_cookie};
use crate::Shared;
use crate::auth::{random_id, same_secret};
use crate::error::ApiError;
use crate::limits::Key;

/// The cookie holding the login form's one-time value; sent back only to
/// the login page.
const LOGIN_COOKIE: &str = "cordon_login";
const LOGIN_PATH: &str = "/login";

#[derive(Debug, Deserialize)]
pub struct LoginQuery {
    next: Option<String>,
}

pub async fn form(
    State(state): State<Shared>,
    query: Result<Query<LoginQuery>, QueryRejection>,
    headers: axum::http::HeaderMap,
) -> Response {
    let next = query.ok().and_then(|q| q.0.next).filter(|n| is_local(n));
    let signed_in = match cookie(&headers, COOKIE) {
        Some(id) => matches!(
            state
                .sessions
                .live(&id, &state.auth, state.store.as_ref())
                .await,
            Ok(Some(_))
        ),
        None => false,
    };
    if signed_in {
        return Redirect::to(next.as_deref().unwrap_or("/")).into_response();
    }
    login_page(&state, StatusCode::OK, next.as_deref(), None)
}

/// The login form with a fresh one-time value in the form and its cookie.
fn login_page(
    state: &Shared,
    status: StatusCode,
    next: Option<&str>,
    error: Option<&str>,
) -> Response {
    let nonce = random_id();
    let body = login_body(&nonce, next, error);
    let page = layout::page("Log in", None, &SearchBox::default(), body);
    (
        status,
        [(
            header::SET_COOKIE,
            set_cookie(
                LOGIN_COOKIE,
                Some(&nonce),
                LOGIN_PATH,
                state.config.secure_cookies,
            ),
        )],
        page,
    )
        .into_response()
}

fn login_body(nonce: &str, next: Option<&str>, error: Option<&str>) -> Markup {
    html! {
        section.narrow aria-labelledby="login-title" {
            h1 #login-title { "Log in to Cordon" }
            p { "Paste an API token of your agency. An admin creates one with "
                code { "cordon token create" } "." }
            @if let Some(e) = error {
                div #error-summary.error-summary role="alert" tabindex="-1" {
                    p { (e) }
                }
            }
            form method="post" action=(LOGIN_PATH) {
                input type="hidden" name="csrf" value=(nonce);
                @if let Some(n) = next {
                    input type="hidden" name="next" value=(n);
                }
                div.field {
                    label for="token" { "API token" }
                    p.hint #token-hint { "It starts with " code { "cordon_" } " and is shown once when it is created." }
                    input #token type="password" name="token" required autocomplete="off"
                        spellcheck="false" maxlength="128" pattern="cordon_.+"
                        aria-describedby="token-hint" aria-invalid=[error.map(|_| "true")]
                        title="the whole token, starting with cordon_"
                        data-pattern-message="a token starts with cordon_; paste the whole token";
                }
                button type="submit" { "Log in" }
            }
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    token: String,
    #[serde(default)]
    csrf: String,
    next: Option<String>,
}

pub async fn submit(
    State(state): State<Shared>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: axum::http::HeaderMap,
    form: Result<Form<LoginForm>, FormRejection>,
) -> Result<Response, Failure> {
    let Form(form) = form.map_err(|e| bad_request(format!("bad form: {}", e.body_text()), None))?;
    state
        .limiter
        .check(Key::Address(peer.ip()))
        .map_err(|e| Failure::new(e, None))?;
    let expected = cookie(&headers, LOGIN_COOKIE).unwrap_or_default();
    if expected.is_empty() || !same_secret(&form.csrf, &expected) {
        return Err(Failure::new(csrf_refused(), None));
    }
    let next = form.next.filter(|n| is_local(n));
    let caller = state
        .auth
        .resolve(state.store.as_ref(), form.token.trim())
        .await
        .map_err(|e| Failure::new(ApiError::from(e), None))?;
    // A federation peer's token opens no console: it only syncs.
    let Some(caller) = caller.filter(|c| c.member.role != crate::access::Role::Peer) else {
        return Ok(login_page(
            &state,
            StatusCode::UNAUTHORIZED,
            next.as_deref(),
            Some(
                "this token is unknown or revoked; paste the whole token, or ask an admin of your agency for a new one",
            ),
        ));
    };
    // A new id at every login: the old session, if any, ends here.
    if let Some(old) = cookie(&headers, COOKIE) {
        state.sessions.close(&old);
    }
    tracing::info!(
        agency = %caller.member.agency,
        user = %caller.member.user,
        token_id = caller.token_id,
        "console login"
    );
    let digest = state.auth.key().digest(form.token.trim());
    let (id, _) = state.sessions.open(caller, digest);
    let secure = state.config.secure_cookies;
    let mut response = Redirect::to(next.as_deref().unwrap_or("/")).into_response();
    let cookies = response.headers_mut();
    cookies.append(
        header::SET_COOKIE,
        set_cookie(COOKIE, Some(&id), "/", secure),
    );
    cookies.append(
        header::SET_COOKIE,
        set_cookie(LOGIN_COOKIE, None, LOGIN_PATH, secure),
    );
    Ok(response)
}

#[derive(Debug, Deserialize)]
pub struct LogoutForm {
    csrf: Option<String>,
}

pub async fn logout(
    State(state): State<Shared>,
    console: Console,
    form: Result<Form<LogoutForm>, FormRejection>,
) -> Result<Response, Failure> {
    let csrf = form.ok().and_then(|Form(f)| f.csrf);
    console.check_csrf(csrf.as_deref())?;
    state.sessions.close(&console.id);
    let mut response = Redirect::to(LOGIN_PATH).into_response();
    response.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(COOKIE, None, "/", state.config.secure_cookies),
    );
    Ok(response)
}
