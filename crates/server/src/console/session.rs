//! Who is looking at a console page: the session cookie, its member, and
//! the CSRF token every state-changing form must carry back.
//!
//! The cookie is HttpOnly (no script reads it) and SameSite=Strict (no other
//! site's page sends it); the CSRF token is a second, independent guard for
//! browsers that mishandle SameSite. A request without a live session is sent
//! to the login page and returns where it was going afterwards.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};

use super::failure::Failure;
use super::layout::Chrome;
use crate::Shared;
use crate::access::{Member, Viewer};
use crate::auth::{Session, same_secret};
use crate::error::ApiError;
use crate::limits::Key;

/// The session cookie's name.
pub const COOKIE: &str = "cordon_session";

/// A signed-in console request.
#[derive(Debug, Clone)]
pub struct Console {
    /// The cookie value, to close the session on logout.
    pub id: String,
    pub session: Session,
}

impl Console {
    pub fn member(&self) -> &Member {
        &self.session.caller.member
    }

    pub fn viewer(&self) -> Viewer {
        Viewer::Member(self.member().clone())
    }

    /// What the page header shows of the member.
    pub fn chrome(&self) -> Chrome {
        Chrome {
            agency: self.member().agency.clone(),
            user: self.member().user.clone(),
            role: self.member().role,
            csrf: self.session.csrf.clone(),
        }
    }

    /// An error page for this member.
    pub fn fail(&self, error: ApiError) -> Failure {
        Failure::new(error, Some(self.chrome()))
    }

    /// Refuses a form whose CSRF token is missing or is not this session's.
    pub fn check_csrf(&self, sent: Option<&str>) -> Result<(), Failure> {
        match sent {
            Some(sent) if same_secret(sent, &self.session.csrf) => Ok(()),
            _ => Err(self.fail(csrf_refused())),
        }
    }
}

/// The refusal of a form without the right CSRF token.
pub fn csrf_refused() -> ApiError {
    ApiError::forbidden(
        "this form is not from your current console session (it expired or came from another site); nothing was changed, reload the page and send it again",
    )
}

impl FromRequestParts<Shared> for Console {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &Shared) -> Result<Self, Response> {
        let Some(id) = cookie(&parts.headers, COOKIE) else {
            return Err(to_login(parts));
        };
        let session = match state
            .sessions
            .live(&id, &state.auth, state.store.as_ref())
            .await
        {
            Ok(Some(session)) => session,
            Ok(None) => return Err(to_login(parts)),
            Err(e) => return Err(Failure::new(e.into(), None).into_response()),
        };
        let console = Console { id, session };
        if let Err(e) = state
            .limiter
            .check(Key::Token(console.session.caller.token_id))
        {
            return Err(console.fail(e).into_response());
        }
        Ok(console)
    }
}

/// The login page, remembering a page that was asked for with GET so that
/// logging in leads back to it.
fn to_login(parts: &Parts) -> Response {
    let wanted = parts
        .uri
        .path_and_query()
        .map_or("/", |p| p.as_str())
        .to_owned();
    if parts.method == axum::http::Method::GET && wanted != "/" && is_local(&wanted) {
        Redirect::to(&format!("/login?next={}", super::encode(&wanted))).into_response()
    } else {
        Redirect::to("/login").into_response()
    }
}

/// Whether `target` is a path of this site: `/x`, never `//host/x` or
/// `/\host` (which browsers read as another site), so that a login link
/// cannot send anyone elsewhere.
pub fn is_local(target: &str) -> bool {
    target.starts_with('/')
        && !target.starts_with("//")
        && !target.starts_with("/\\")
        && !target.chars().any(|c| c.is_control())
}

/// The value of cookie `name`, from every `Cookie` header.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(n, _)| *n == name)
        .map(|(_, v)| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}

/// A `Set-Cookie` value for a cookie that only this site's pages send back
/// and no script reads. `None` clears it.
pub fn set_cookie(name: &str, value: Option<&str>, path: &str, secure: bool) -> HeaderValue {
    let mut text = match value {
        Some(v) => format!("{name}={v}; HttpOnly; SameSite=Strict; Path={path}"),
        None => format!("{name}=; HttpOnly; SameSite=Strict; Path={path}; Max-Age=0"),
    };
    if secure {
        text.push_str("; Secure");
    }
    // Names, paths and values are ours: ASCII letters, digits, '_', '-', '/'.
    HeaderValue::from_str(&text).unwrap_or_else(|_| HeaderValue::from_static(""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_are_found_among_others() {
        let mut headers = HeaderMap::new();
        headers.append(
            header::COOKIE,
            HeaderValue::from_static("a=1; cordon_session=abc"),
        );
        headers.append(header::COOKIE, HeaderValue::from_static("b=2"));
        assert_eq!(cookie(&headers, COOKIE).as_deref(), Some("abc"));
        assert_eq!(cookie(&headers, "b").as_deref(), Some("2"));
        assert_eq!(cookie(&headers, "cordon"), None);
    }

    #[test]
    fn only_local_paths_are_followed_after_login() {
        assert!(is_local("/selectors/phone%3A%2B1"));
        for bad in [
            "//evil.example/",
            "/\\evil.example",
            "https://evil.example",
            "x",
            "/a\nb",
        ] {
            assert!(!is_local(bad), "{bad}");
        }
    }

    #[test]
    fn session_cookies_are_strict_and_http_only() {
        let v = set_cookie(COOKIE, Some("abc"), "/", true);
        assert_eq!(
            v.to_str().unwrap(),
            "cordon_session=abc; HttpOnly; SameSite=Strict; Path=/; Secure"
        );
        let v = set_cookie(COOKIE, None, "/", false);
        assert!(v.to_str().unwrap().contains("Max-Age=0"));
    }
}
