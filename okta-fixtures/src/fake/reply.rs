//! Response builders with Okta's content types.

use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;

/// Okta's JSON content type (no space before `charset`).
pub(crate) const JSON: &str = "application/json;charset=UTF-8";
/// The content type of Okta's HTML pages.
pub(crate) const HTML: &str = "text/html;charset=utf-8";

/// A JSON body.
pub(crate) fn json(status: StatusCode, body: String) -> Response {
    with_type(status, JSON, body)
}

/// An HTML page.
pub(crate) fn html(status: StatusCode, body: String) -> Response {
    with_type(status, HTML, body)
}

/// No body at all (`content-length: 0`).
pub(crate) fn empty(status: StatusCode) -> Response {
    let mut res = Response::new(Body::empty());
    *res.status_mut() = status;
    res
}

fn with_type(status: StatusCode, content_type: &'static str, body: String) -> Response {
    let mut res = Response::new(Body::from(body));
    *res.status_mut() = status;
    res.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    res
}
