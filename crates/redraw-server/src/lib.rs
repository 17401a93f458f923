//! redraw-server: `redraw serve`, the local web app and its JSON API.
//!
//! The app paints new state lines on the embedded county map and shows every figure
//! `redraw scenario` reports, live; runs `redraw split`'s sampler as a cancellable job; and
//! views ensemble runs and judgements under `--runs`. Everything is served from the binary
//! (assets are compiled in), offline.
//!
//! # Modules and boundaries
//! - [`guard`]: the rules every request passes first: `Host`/`Origin` must be this server's
//!   (DNS rebinding, cross-site requests), bodies are capped (413), panics become 500s.
//! - [`national`]: presets, the county map (`unit_geometry` of redraw-geo, the projection of
//!   `redraw map`), resolving and evaluating scenarios, the SVG download (`scenario_map_svg`,
//!   the renderer of `redraw map`).
//! - [`splits`]: neutral splits (redraw-judge's sampler) as jobs with progress over
//!   server-sent events; a client that disconnects cancels its job.
//! - [`runs`]: ensemble runs under `--runs` and their judgements; every path is checked to stay
//!   inside `--runs` (no `..`, no absolute paths, no symlink out).
//! - [`assets`]: the page, scripts and styles, compiled in.
//!
//! The server does the I/O (sockets, files under `--runs`); every computation is a library
//! call shared with the CLI. The API is documented in `docs/api.md`.

pub mod assets;
pub mod error;
pub mod guard;
pub mod national;
pub mod runs;
pub mod splits;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use axum::routing::{get, post};
use axum::Router;

pub use error::{ApiError, ApiResult};

/// Version of the layout of the API's own JSON documents (runs, judge, split jobs, geometry,
/// info). The scenario report (`/api/evaluate`) carries redraw-core's own `schema_version`.
/// It changes when a key is renamed or removed or changes meaning; new keys do not change it.
pub const SCHEMA_VERSION: u32 = 1;

/// What `redraw serve` was asked for.
#[derive(Clone, Debug)]
pub struct Config {
    /// Where to listen (port 0: any free port).
    pub addr: SocketAddr,
    /// The directory whose ensemble runs the viewer may read (nothing outside it is read).
    pub runs: Option<PathBuf>,
}

/// Shared state of the handlers.
#[derive(Clone)]
pub struct AppState {
    pub jobs: Arc<splits::Jobs>,
    pub runs: Option<Arc<runs::RunsRoot>>,
}

/// Errors that stop the server from starting.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error("cannot listen on {addr}: {source}")]
    Bind { addr: SocketAddr, source: std::io::Error },
    #[error("--runs {path}: {message}")]
    Runs { path: String, message: String },
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

/// The whole app: routes, guard and state. `bound` is the address actually listened on (its
/// port decides which `Host` headers are accepted).
pub fn router(state: AppState, bound: SocketAddr) -> Router {
    let policy = guard::HostPolicy { bound };
    let api = Router::new()
        .route("/api/info", get(info))
        .route("/api/presets", get(national::get_presets))
        .route("/api/geometry", get(national::get_geometry))
        .route("/api/counties", get(national::get_counties))
        .route("/api/resolve", post(national::post_resolve))
        .route("/api/evaluate", post(national::post_evaluate))
        .route("/api/map.svg", post(national::post_map_svg))
        .route("/api/splits", post(splits::post_split))
        .route("/api/splits/{id}", get(splits::get_split).delete(splits::delete_split))
        .route("/api/splits/{id}/events", get(splits::split_events))
        .route("/api/runs", get(runs::get_runs))
        .route("/api/judge", post(runs::post_judge))
        .fallback(not_found)
        .with_state(state);
    Router::new()
        .route("/", get(assets::index))
        .route("/favicon.ico", get(assets::favicon))
        .route("/assets/{*path}", get(assets::asset))
        .merge(api)
        .layer(axum::middleware::from_fn_with_state(policy, guard::guard))
}

async fn not_found(uri: axum::http::Uri) -> ApiError {
    ApiError::not_found(format!("no such page or API endpoint: {}", uri.path()))
}

async fn info(axum::extract::State(state): axum::extract::State<AppState>) -> axum::response::Response {
    national::json_text(
        serde_json::json!({
            "schema_version": SCHEMA_VERSION,
            "name": "redraw",
            "version": env!("CARGO_PKG_VERSION"),
            "runs": state.runs.is_some(),
            "max_body_bytes": guard::MAX_BODY,
            "splits": splits::LIMITS,
        })
        .to_string(),
    )
}

/// Builds the state for `config` (checks `--runs`).
pub fn app_state(config: &Config) -> Result<AppState, ServerError> {
    let runs = match &config.runs {
        Some(p) => Some(Arc::new(
            runs::RunsRoot::new(p)
                .map_err(|message| ServerError::Runs { path: p.display().to_string(), message })?,
        )),
        None => None,
    };
    Ok(AppState { jobs: Arc::new(splits::Jobs::default()), runs })
}

/// Binds, calls `ready` with the bound address, and serves until Ctrl-C. Blocks.
pub fn run(config: Config, ready: impl FnOnce(SocketAddr)) -> Result<(), ServerError> {
    let state = app_state(&config)?;
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind(config.addr)
            .await
            .map_err(|source| ServerError::Bind { addr: config.addr, source })?;
        let bound = listener.local_addr()?;
        // Answers go out as soon as they are written (no Nagle delay on small JSON answers).
        let listener = axum::serve::ListenerExt::tap_io(listener, |tcp: &mut tokio::net::TcpStream| {
            let _ = tcp.set_nodelay(true);
        });
        // Build the county map before the first page asks for it.
        tokio::task::spawn_blocking(national::geometry_json);
        ready(bound);
        let jobs = state.jobs.clone();
        let shutdown = async move {
            let _ = tokio::signal::ctrl_c().await;
            // Running split jobs stop, so their event streams end and the server can exit.
            jobs.cancel_all();
        };
        axum::serve(listener, router(state, bound)).with_graceful_shutdown(shutdown).await?;
        Ok(())
    })
}
