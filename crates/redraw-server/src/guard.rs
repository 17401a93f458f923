//! The rules every request passes before a handler sees it.
//!
//! The server listens on loopback, but any web page the user visits can make their browser send
//! requests to it. Two attacks matter:
//! - **DNS rebinding**: a hostile name (`evil.example`) re-resolves to 127.0.0.1, so the page's
//!   scripts talk to this server as same-origin. Its requests carry `Host: evil.example:PORT`,
//!   so only hosts that are this server's own are accepted: `localhost`, an IP literal of the
//!   bound address (any IP literal when bound to `0.0.0.0`/`::`), always with our port.
//! - **Cross-site requests** (a form or `fetch` from another site): the browser sends that
//!   site's `Origin`, which must be one of ours too; `Sec-Fetch-Site: cross-site` is refused
//!   as well.
//!
//! Then: request bodies are capped ([`MAX_BODY`]; larger gets 413), and a panic in a handler
//! becomes a 500 with a message while the server keeps serving.

use std::net::{IpAddr, SocketAddr};
use std::panic::AssertUnwindSafe;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use futures_util::FutureExt as _;

use crate::error::ApiError;

/// Largest request body accepted: scenario files are a few kilobytes; the largest real one (every
/// county of the country listed by name) is under 100 kB.
pub const MAX_BODY: usize = 1024 * 1024;

/// Which `Host` and `Origin` values are this server's own.
#[derive(Clone, Debug)]
pub struct HostPolicy {
    pub bound: SocketAddr,
}

impl HostPolicy {
    /// Whether `authority` (`host[:port]` as in a `Host` header) names this server.
    pub fn allows(&self, authority: &str) -> bool {
        let Some((host, port)) = split_authority(authority) else { return false };
        // Browsers omit the default port; the server never runs on port 80 by default, but
        // allow it when it does.
        let port = port.unwrap_or(80);
        if port != self.bound.port() {
            return false;
        }
        if host.eq_ignore_ascii_case("localhost") {
            return true;
        }
        let Ok(ip) = host.parse::<IpAddr>() else { return false };
        let b = self.bound.ip();
        ip.is_loopback() || ip == b || b.is_unspecified()
    }
}

/// Splits `host[:port]`, with IPv6 literals in brackets (`[::1]:8080`).
fn split_authority(a: &str) -> Option<(&str, Option<u16>)> {
    let a = a.trim();
    if a.is_empty() || a.contains(['/', '@', ' ']) {
        return None;
    }
    if let Some(rest) = a.strip_prefix('[') {
        let (h, after) = rest.split_once(']')?;
        return match after {
            "" => Some((h, None)),
            p => Some((h, Some(p.strip_prefix(':')?.parse().ok()?))),
        };
    }
    match a.rsplit_once(':') {
        Some((h, p)) if !h.contains(':') => Some((h, Some(p.parse().ok()?))),
        Some(_) => None, // an unbracketed IPv6 literal is not a valid Host
        None => Some((a, None)),
    }
}

fn header_str<'a>(h: &'a HeaderMap, name: &header::HeaderName) -> Result<Option<&'a str>, ApiError> {
    match h.get(name) {
        None => Ok(None),
        Some(v) => v
            .to_str()
            .map(Some)
            .map_err(|_| ApiError::bad_request(format!("the {name} header is not ASCII text"))),
    }
}

/// Checks `Host`, `Origin` and `Sec-Fetch-Site`.
pub fn check_request(policy: &HostPolicy, headers: &HeaderMap) -> Result<(), ApiError> {
    let host = header_str(headers, &header::HOST)?
        .ok_or_else(|| ApiError::bad_request("the request has no Host header (HTTP/1.1 requires one)"))?;
    if !policy.allows(host) {
        return Err(ApiError::forbidden(format!(
            "Host `{host}` is not this server's (it answers to localhost:{port} or 127.0.0.1:{port}); \
             requests through other names are refused to stop DNS rebinding",
            port = policy.bound.port()
        )));
    }
    if let Some(origin) = header_str(headers, &header::ORIGIN)? {
        let ok = origin.strip_prefix("http://").is_some_and(|a| policy.allows(a));
        if !ok {
            return Err(ApiError::forbidden(format!(
                "Origin `{origin}` is not this server's: requests from other sites are refused"
            )));
        }
    }
    if let Some(site) = header_str(headers, &header::HeaderName::from_static("sec-fetch-site"))? {
        if site.eq_ignore_ascii_case("cross-site") {
            return Err(ApiError::forbidden("a cross-site request is refused"));
        }
    }
    if let Some(len) = header_str(headers, &header::CONTENT_LENGTH)? {
        let n: u64 = len
            .trim()
            .parse()
            .map_err(|_| ApiError::bad_request(format!("Content-Length `{len}` is not a number")))?;
        if n > MAX_BODY as u64 {
            return Err(too_large());
        }
    }
    Ok(())
}

pub fn too_large() -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        format!("the request body is larger than the {} kB this server accepts", MAX_BODY / 1024),
    )
}

/// Middleware: the host/origin rules, security headers, and panics turned into 500s.
pub async fn guard(State(policy): State<HostPolicy>, req: Request, next: Next) -> Response {
    if let Err(e) = check_request(&policy, req.headers()) {
        return with_security_headers(e.into_response());
    }
    let resp = match AssertUnwindSafe(next.run(req)).catch_unwind().await {
        Ok(r) => r,
        Err(_) => {
            ApiError::internal("internal error while answering this request (the server keeps running)")
                .into_response()
        }
    };
    with_security_headers(resp)
}

fn with_security_headers(mut r: Response) -> Response {
    let h = r.headers_mut();
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; \
             connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
        ),
    );
    r
}

/// Reads a whole request body, at most [`MAX_BODY`] bytes (413 beyond, even without a
/// Content-Length).
pub async fn read_body(body: Body) -> Result<Bytes, ApiError> {
    axum::body::to_bytes(body, MAX_BODY).await.map_err(|e| {
        // The limit's error is wrapped; anything else is a broken connection.
        let over = std::iter::successors(Some(&e as &dyn std::error::Error), |s| s.source())
            .any(|s| s.is::<http_body_util::LengthLimitError>());
        if over {
            too_large()
        } else {
            ApiError::bad_request(format!("cannot read the request body: {e}"))
        }
    })
}

/// Parses a JSON request body into `T`; malformed JSON is a 400 naming the line and column.
pub fn parse_json<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    if bytes.is_empty() {
        return Err(ApiError::bad_request("the request body is empty: send a JSON object"));
    }
    serde_json::from_slice(bytes)
        .map_err(|e| ApiError::bad_request(format!("request body: invalid JSON: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(addr: &str) -> HostPolicy {
        HostPolicy { bound: addr.parse().unwrap() }
    }

    #[test]
    fn hosts() {
        let p = policy("127.0.0.1:8080");
        for ok in ["127.0.0.1:8080", "localhost:8080", "LOCALHOST:8080", "[::1]:8080", "127.0.0.2:8080"] {
            assert!(p.allows(ok), "{ok}");
        }
        for bad in [
            "evil.example:8080",
            "127.0.0.1:8081",
            "127.0.0.1",
            "localhost",
            "192.168.1.5:8080",
            "",
            "::1:8080",
            "user@127.0.0.1:8080",
            "127.0.0.1:8080/x",
            "localhost.evil.example:8080",
        ] {
            assert!(!p.allows(bad), "{bad}");
        }
        // Bound to every interface: any IP literal with our port, still no DNS names.
        let any = policy("0.0.0.0:9000");
        assert!(any.allows("192.168.1.5:9000") && any.allows("localhost:9000"));
        assert!(!any.allows("evil.example:9000") && !any.allows("192.168.1.5:9001"));
        // Bound to one LAN address: that address or loopback.
        let lan = policy("192.168.1.5:9000");
        assert!(lan.allows("192.168.1.5:9000") && lan.allows("127.0.0.1:9000"));
        assert!(!lan.allows("192.168.1.6:9000"));
    }

    #[test]
    fn origins_and_sizes() {
        let p = policy("127.0.0.1:8080");
        let mut h = HeaderMap::new();
        assert_eq!(check_request(&p, &h).unwrap_err().status, StatusCode::BAD_REQUEST);
        h.insert(header::HOST, "127.0.0.1:8080".parse().unwrap());
        assert!(check_request(&p, &h).is_ok());
        h.insert(header::ORIGIN, "http://localhost:8080".parse().unwrap());
        assert!(check_request(&p, &h).is_ok());
        for bad in ["https://evil.example", "null", "http://127.0.0.1:9999", "https://127.0.0.1:8080"] {
            h.insert(header::ORIGIN, bad.parse().unwrap());
            assert_eq!(check_request(&p, &h).unwrap_err().status, StatusCode::FORBIDDEN, "{bad}");
        }
        h.remove(header::ORIGIN);
        h.insert(header::CONTENT_LENGTH, (MAX_BODY + 1).to_string().parse().unwrap());
        assert_eq!(check_request(&p, &h).unwrap_err().status, StatusCode::PAYLOAD_TOO_LARGE);
        h.insert(header::CONTENT_LENGTH, "12".parse().unwrap());
        h.insert("sec-fetch-site", "cross-site".parse().unwrap());
        assert_eq!(check_request(&p, &h).unwrap_err().status, StatusCode::FORBIDDEN);
    }
}
