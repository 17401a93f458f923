//! Neutral splits as jobs: "how does this map compare with neutral splits of the same state
//! into the same number of parts?" runs `redraw split`'s sampler (redraw-judge) on the blocking
//! pool, reports progress over server-sent events (or polling), and stops as soon as nobody is
//! listening: when the event stream's client disconnects, on `DELETE`, or when a polling
//! client has not asked for 10 s. Each job's result is what `redraw split --format json`
//! prints, plus the user's map placed among the samples and one histogram per statistic with
//! the user's map marked (drawn by redraw-geo's plot module, as `redraw judge` draws its own).

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::Response;
use futures_util::stream::Stream;
use redraw_core::scenario::ResolveOptions;
use redraw_core::Dataset;
use redraw_judge::split::{self, SplitError, SplitSpec};
use serde::{Deserialize, Serialize};
use tokio::sync::watch;

use crate::error::{ApiError, ApiResult};
use crate::guard::{parse_json, read_body};
use crate::national::{json_text, load, ScenarioSource};
use crate::AppState;

/// Bounds on what one request may ask, so a request cannot hold the machine or its memory.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct Limits {
    pub max_samples: usize,
    pub max_chains: u32,
    pub max_parts: usize,
    pub max_thin: u64,
    pub max_burn_in: u64,
    /// Jobs running at once (the server has other requests to answer).
    pub max_running: usize,
    /// A job nobody follows (no event stream, no poll) for this long is cancelled.
    pub abandon_after_s: u64,
}

pub const LIMITS: Limits = Limits {
    max_samples: 20_000,
    max_chains: 8,
    max_parts: 12,
    max_thin: 1_000,
    max_burn_in: 100_000,
    max_running: 2,
    abandon_after_s: 10,
};

/// How long a finished job's result stays available, and how many finished jobs are kept.
const KEEP_FINISHED: Duration = Duration::from_secs(600);
const KEEP_FINISHED_JOBS: usize = 32;

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum JobState {
    Running,
    Done,
    Failed,
    Cancelled,
}

#[derive(Clone, Debug, Serialize)]
pub struct Progress {
    pub state: JobState,
    pub done: usize,
    pub total: usize,
}

/// One job.
pub struct Job {
    pub id: u64,
    pub total: usize,
    cancel: AtomicBool,
    progress: watch::Sender<Progress>,
    /// The result document (JSON text) or the error, once finished.
    outcome: Mutex<Option<Result<Arc<String>, ApiError>>>,
    watchers: AtomicUsize,
    last_seen: Mutex<Instant>,
    finished_at: Mutex<Option<Instant>>,
}

impl Job {
    fn touch(&self) {
        *self.last_seen.lock().unwrap_or_else(|e| e.into_inner()) = Instant::now();
    }
    pub fn cancel(&self) {
        self.cancel.store(true, Ordering::Relaxed);
    }
    fn snapshot(&self) -> Progress {
        self.progress.borrow().clone()
    }
}

/// Every job of this server.
#[derive(Default)]
pub struct Jobs {
    map: Mutex<HashMap<u64, Arc<Job>>>,
    next: AtomicU64,
}

impl Jobs {
    fn get(&self, id: u64) -> Option<Arc<Job>> {
        self.map.lock().unwrap_or_else(|e| e.into_inner()).get(&id).cloned()
    }
    fn running(&self) -> usize {
        self.map
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .values()
            .filter(|j| j.snapshot().state == JobState::Running)
            .count()
    }
    /// Forgets finished jobs older than [`KEEP_FINISHED`], and all but the newest
    /// [`KEEP_FINISHED_JOBS`] finished ones (their results can be large).
    fn prune(&self) {
        let mut map = self.map.lock().unwrap_or_else(|e| e.into_inner());
        let finished = |j: &Job| *j.finished_at.lock().unwrap_or_else(|e| e.into_inner());
        map.retain(|_, j| finished(j).is_none_or(|t| t.elapsed() < KEEP_FINISHED));
        let mut done: Vec<(Instant, u64)> =
            map.values().filter_map(|j| finished(j).map(|t| (t, j.id))).collect();
        if done.len() > KEEP_FINISHED_JOBS {
            done.sort();
            for (_, id) in &done[..done.len() - KEEP_FINISHED_JOBS] {
                map.remove(id);
            }
        }
    }

    /// Cancels every running job (server shutdown).
    pub fn cancel_all(&self) {
        for j in self.map.lock().unwrap_or_else(|e| e.into_inner()).values() {
            j.cancel();
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SplitRequest {
    /// State abbreviation, name or FIPS.
    state: String,
    parts: usize,
    #[serde(default = "default_tolerance")]
    tolerance: f64,
    #[serde(default = "default_samples")]
    samples: usize,
    #[serde(default = "default_chains")]
    chains: u32,
    #[serde(default = "default_thin")]
    thin: u64,
    #[serde(default = "default_burn_in")]
    burn_in: u64,
    #[serde(default = "default_seed")]
    seed: u64,
    /// The user's map (a preset id or scenario text) to place among the samples.
    #[serde(default)]
    scenario: Option<String>,
    #[serde(default)]
    toml: Option<String>,
    #[serde(default)]
    file_name: Option<String>,
    /// How to name the user's map in the results.
    #[serde(default)]
    label: Option<String>,
}

// The defaults of `redraw split`, except fewer samples: an answer in seconds in the app.
fn default_tolerance() -> f64 {
    0.25
}
fn default_samples() -> usize {
    2000
}
fn default_chains() -> u32 {
    4
}
fn default_thin() -> u64 {
    10
}
fn default_burn_in() -> u64 {
    100
}
fn default_seed() -> u64 {
    2020
}

fn validate(r: &SplitRequest) -> ApiResult<()> {
    let l = LIMITS;
    let bad = |m: String| Err(ApiError::bad_request(m));
    if !(2..=l.max_parts).contains(&r.parts) {
        return bad(format!("parts must be between 2 and {} (got {})", l.max_parts, r.parts));
    }
    if !(r.tolerance > 0.0 && r.tolerance < 1.0) {
        return bad(format!("tolerance {} must be between 0 and 1 (e.g. 0.25 for ±25 %)", r.tolerance));
    }
    if r.chains == 0 || r.chains > l.max_chains {
        return bad(format!("chains must be between 1 and {} (got {})", l.max_chains, r.chains));
    }
    if r.samples < r.chains as usize || r.samples > l.max_samples {
        return bad(format!(
            "samples must be between chains ({}) and {} (got {}); for more, run `redraw split` from the command line",
            r.chains, l.max_samples, r.samples
        ));
    }
    if r.thin == 0 || r.thin > l.max_thin {
        return bad(format!("thin must be between 1 and {} (got {})", l.max_thin, r.thin));
    }
    if r.burn_in > l.max_burn_in {
        return bad(format!("burn_in must be at most {} (got {})", l.max_burn_in, r.burn_in));
    }
    Ok(())
}

/// `POST /api/splits`: starts a job; `202 {"id", "events", "status"}`.
pub async fn post_split(State(app): State<AppState>, body: Body) -> ApiResult<Response> {
    let bytes = read_body(body).await?;
    let req: SplitRequest = parse_json(&bytes)?;
    validate(&req)?;
    let ds = Dataset::embedded();
    if ds.state_by_name(&req.state).is_none() {
        return Err(ApiError::bad_request(format!(
            "unknown state `{}` (use an abbreviation, a name or a FIPS code)",
            req.state
        )));
    }
    // The user's map is read and resolved now, so a bad file is a 400 before any sampling.
    let mine = if req.scenario.is_some() || req.toml.is_some() {
        let src = ScenarioSource {
            scenario: req.scenario.clone(),
            toml: req.toml.clone(),
            file_name: req.file_name.clone(),
        };
        let (sc, text, file) = load(&src)?;
        let resolved = sc.resolve(ds, &ResolveOptions::default(), Some((&text, &file)))?;
        let label = req.label.clone().or(sc.title.clone()).unwrap_or_else(|| sc.name.clone());
        Some((label, resolved))
    } else {
        None
    };
    app.jobs.prune();
    if app.jobs.running() >= LIMITS.max_running {
        return Err(ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            format!(
                "{} split jobs are already running; wait for one to finish or cancel it",
                LIMITS.max_running
            ),
        ));
    }
    let spec = SplitSpec {
        state: req.state.clone(),
        parts: req.parts,
        tolerance: req.tolerance,
        samples_per_chain: req.samples.div_ceil(req.chains as usize),
        chains: req.chains,
        seed: req.seed,
        thin: req.thin,
        burn_in: req.burn_in,
    };
    let total = spec.samples_per_chain * spec.chains as usize;
    let id = app.jobs.next.fetch_add(1, Ordering::Relaxed) + 1;
    let (tx, _) = watch::channel(Progress { state: JobState::Running, done: 0, total });
    let job = Arc::new(Job {
        id,
        total,
        cancel: AtomicBool::new(false),
        progress: tx,
        outcome: Mutex::new(None),
        watchers: AtomicUsize::new(0),
        last_seen: Mutex::new(Instant::now()),
        finished_at: Mutex::new(None),
    });
    app.jobs.map.lock().unwrap_or_else(|e| e.into_inner()).insert(id, job.clone());

    let worker = job.clone();
    tokio::task::spawn_blocking(move || {
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| run_job(&worker, &spec, mine)))
            .unwrap_or_else(|_| {
                Err(ApiError::internal("the split job failed unexpectedly (the server keeps running)"))
            });
        let state = match &result {
            Ok(_) => JobState::Done,
            Err(e) if e.status == StatusCode::GONE => JobState::Cancelled,
            Err(_) => JobState::Failed,
        };
        *worker.outcome.lock().unwrap_or_else(|e| e.into_inner()) = Some(result);
        *worker.finished_at.lock().unwrap_or_else(|e| e.into_inner()) = Some(Instant::now());
        let done = worker.progress.borrow().done;
        worker.progress.send_replace(Progress { state, done, total: worker.total });
    });

    // The watchdog: a job nobody follows is cancelled.
    let watched = job.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_millis(500));
        loop {
            tick.tick().await;
            if watched.snapshot().state != JobState::Running {
                break;
            }
            let idle = watched.last_seen.lock().unwrap_or_else(|e| e.into_inner()).elapsed();
            if watched.watchers.load(Ordering::SeqCst) == 0
                && idle > Duration::from_secs(LIMITS.abandon_after_s)
            {
                watched.cancel();
            }
        }
    });

    let body = serde_json::json!({
        "id": id,
        "total": total,
        "events": format!("/api/splits/{id}/events"),
        "status": format!("/api/splits/{id}"),
    });
    let mut r = json_text(body.to_string());
    *r.status_mut() = StatusCode::ACCEPTED;
    Ok(r)
}

/// Runs the sampler and builds the result document. A cancelled job is `Err` with 410 Gone.
fn run_job(
    job: &Job,
    spec: &SplitSpec,
    mine: Option<(String, redraw_core::ResolvedScenario)>,
) -> Result<Arc<String>, ApiError> {
    let ds = Dataset::embedded();
    let mut last_sent = Instant::now();
    let run = split::draw_splits_cancellable(ds, spec, &job.cancel, |n| {
        // A few updates a second are plenty for a progress bar.
        if n == job.total || last_sent.elapsed() >= Duration::from_millis(100) {
            last_sent = Instant::now();
            job.progress.send_replace(Progress { state: JobState::Running, done: n, total: job.total });
        }
    })
    .map_err(|e| match e {
        SplitError::Cancelled { samples } => {
            ApiError::new(StatusCode::GONE, format!("cancelled after {samples} of {} samples", job.total))
        }
        other => ApiError::bad_request(other.to_string()),
    })?;
    let mut proposals = Vec::new();
    for id in split::matching_presets(ds, &spec.state, spec.parts) {
        proposals.push(
            split::evaluate_preset(ds, &run, id)
                .map_err(|e| ApiError::internal(format!("preset {id}: {e}")))?,
        );
    }
    let mut note = None;
    let mut mine_id = None;
    if let Some((label, resolved)) = &mine {
        match split::evaluate_resolved(ds, &run, "your-map", label, resolved) {
            Ok(p) => {
                mine_id = Some(p.id.clone());
                proposals.insert(0, p);
            }
            Err(e) => note = Some(format!("your map is not placed: {e}")),
        }
    }
    let summary = split::summarise(&run, proposals);
    // Histograms: the statistics' values with the user's map (else the first proposal) marked.
    let values: Vec<(String, Vec<f64>)> = split::statistic_values(&run);
    let mut histograms = Vec::new();
    for st in &summary.statistics {
        let key = &st.judged.metric;
        let Some((_, v)) = values.iter().find(|(k, _)| k == key) else { continue };
        let marked = st.proposals.first().map(|p| p.value);
        let who = st.proposals.first().map(|p| p.id.as_str()).unwrap_or("");
        let title = if who.is_empty() {
            st.judged.label.clone()
        } else {
            format!("{} ({} marked)", st.judged.label, if who == "your-map" { "your map" } else { who })
        };
        histograms.push(serde_json::json!({
            "metric": key,
            "label": st.judged.label,
            "svg": redraw_geo::histogram_svg(v, marked, &title, &st.judged.label),
        }));
    }
    let doc = serde_json::json!({
        "schema_version": crate::SCHEMA_VERSION,
        "summary": summary,
        "your_map": mine_id,
        "note": note,
        "histograms": histograms,
    });
    serde_json::to_string(&doc).map(Arc::new).map_err(|e| ApiError::internal(e.to_string()))
}

fn job_or_404(app: &AppState, id: &str) -> ApiResult<Arc<Job>> {
    let n: u64 = id.parse().map_err(|_| ApiError::bad_request(format!("`{id}` is not a job id")))?;
    app.jobs
        .get(n)
        .ok_or_else(|| ApiError::not_found(format!("no split job {n} (finished jobs are kept 10 minutes)")))
}

fn status_doc(job: &Job) -> serde_json::Value {
    let p = job.snapshot();
    let mut v = serde_json::json!({ "id": job.id, "state": p.state, "done": p.done, "total": p.total });
    if let Some(outcome) = job.outcome.lock().unwrap_or_else(|e| e.into_inner()).as_ref() {
        match outcome {
            Ok(doc) => v["result"] = serde_json::from_str(doc).unwrap_or(serde_json::Value::Null),
            Err(e) => v["error"] = serde_json::Value::String(e.message.clone()),
        }
    }
    v
}

/// `GET /api/splits/{id}`: progress (and the result once done). Polling keeps the job alive.
pub async fn get_split(State(app): State<AppState>, Path(id): Path<String>) -> ApiResult<Response> {
    let job = job_or_404(&app, &id)?;
    job.touch();
    Ok(json_text(status_doc(&job).to_string()))
}

/// `DELETE /api/splits/{id}`: cancels the job.
pub async fn delete_split(State(app): State<AppState>, Path(id): Path<String>) -> ApiResult<Response> {
    let job = job_or_404(&app, &id)?;
    job.cancel();
    Ok(json_text(
        serde_json::json!({ "id": job.id, "cancelling": job.snapshot().state == JobState::Running })
            .to_string(),
    ))
}

enum Phase {
    First,
    Wait,
    Finished,
}

/// Counts an event stream as a watcher; when the last one goes away (the client disconnected)
/// while the job runs, the job is cancelled.
struct Watch(Arc<Job>);

impl Drop for Watch {
    fn drop(&mut self) {
        if self.0.watchers.fetch_sub(1, Ordering::SeqCst) == 1 && self.0.snapshot().state == JobState::Running
        {
            self.0.cancel();
        }
    }
}

/// `GET /api/splits/{id}/events`: `progress` events (`{"state","done","total"}`), then one
/// `result` event (the document) or `failed` / `cancelled` (`{"error"}`), then the stream ends.
pub async fn split_events(
    State(app): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Sse<impl Stream<Item = Result<Event, Infallible>>>> {
    let job = job_or_404(&app, &id)?;
    job.watchers.fetch_add(1, Ordering::SeqCst);
    job.touch();
    let rx = job.progress.subscribe();
    let stream =
        futures_util::stream::unfold((Watch(job), rx, Phase::First), |(watch, mut rx, phase)| async move {
            match phase {
                Phase::Finished => return None,
                // The job holds the sender as long as this stream holds the job, so this only
                // returns on a change.
                Phase::Wait => {
                    let _ = rx.changed().await;
                }
                Phase::First => {}
            }
            let p = rx.borrow_and_update().clone();
            if p.state == JobState::Running {
                let event =
                    Event::default().event("progress").data(serde_json::to_string(&p).unwrap_or_default());
                return Some((Ok(event), (watch, rx, Phase::Wait)));
            }
            let outcome = watch.0.outcome.lock().unwrap_or_else(|e| e.into_inner()).clone();
            let event = match outcome {
                Some(Ok(doc)) => Event::default().event("result").data(doc.as_str()),
                Some(Err(e)) => Event::default()
                    .event(if p.state == JobState::Cancelled { "cancelled" } else { "failed" })
                    .data(serde_json::json!({ "error": e.message }).to_string()),
                None => {
                    Event::default().event("failed").data(r#"{"error":"the job ended without a result"}"#)
                }
            };
            Some((Ok(event), (watch, rx, Phase::Finished)))
        });
    Ok(Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_millis(1000))))
}
