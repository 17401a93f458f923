//! The web app's files, compiled into the binary: the server needs no files on disk, no CDN and
//! no network. Plain ES modules, CSS and HTML written for this project (no framework, no build
//! step), so `cargo build` is all a fresh clone needs.

use axum::extract::Path;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

macro_rules! assets {
    ($($path:literal => $mime:literal),* $(,)?) => {
        /// `(path under /assets/, content type, bytes)`.
        pub const ASSETS: &[(&str, &str, &[u8])] = &[
            $(($path, $mime, include_bytes!(concat!("../assets/", $path))),)*
        ];
    };
}

assets! {
    "app.css" => "text/css; charset=utf-8",
    "favicon.svg" => "image/svg+xml",
    "js/main.js" => "text/javascript; charset=utf-8",
    "js/api.js" => "text/javascript; charset=utf-8",
    "js/model.js" => "text/javascript; charset=utf-8",
    "js/codec.js" => "text/javascript; charset=utf-8",
    "js/mapview.js" => "text/javascript; charset=utf-8",
    "js/panel.js" => "text/javascript; charset=utf-8",
    "js/charts.js" => "text/javascript; charset=utf-8",
    "js/splits.js" => "text/javascript; charset=utf-8",
    "js/runs.js" => "text/javascript; charset=utf-8",
    "js/format.js" => "text/javascript; charset=utf-8",
    "js/dom.js" => "text/javascript; charset=utf-8",
}

pub const INDEX_HTML: &str = include_str!("../assets/index.html");

fn asset_response(mime: &str, bytes: &'static [u8]) -> Response {
    let mut r = (StatusCode::OK, bytes).into_response();
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_str(mime).expect("static mime"));
    // The files change only with the binary: revalidate (cheap on loopback) so an upgraded
    // redraw never runs yesterday's scripts.
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    r
}

pub async fn index() -> Response {
    asset_response("text/html; charset=utf-8", INDEX_HTML.as_bytes())
}

pub async fn asset(Path(path): Path<String>) -> Response {
    match ASSETS.iter().find(|(p, _, _)| *p == path) {
        Some((_, mime, bytes)) => asset_response(mime, bytes),
        None => crate::error::ApiError::not_found(format!("no asset /assets/{path}")).into_response(),
    }
}

pub async fn favicon() -> Response {
    let (_, mime, bytes) = ASSETS.iter().find(|(p, _, _)| *p == "favicon.svg").expect("favicon");
    asset_response(mime, bytes)
}
