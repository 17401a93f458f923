//! The ensemble and judge viewer: ensemble run directories under `--runs DIR`, and what
//! `redraw judge` reports for a chosen run and plan (verdicts, the sorted vote-share boxplot
//! with the plan overlaid, histograms, trace plots, diagnostics) plus a map of the plan where
//! shapes of the units are found.
//!
//! The server reads only inside `--runs`. A path from a client is relative to it and made only
//! of plain names (no `..`, no absolute path, no drive prefix); it is then resolved on disk
//! (symlinks followed) and must still lie inside the canonical `--runs`, else 403. Paths written
//! in a run's manifest (the graph it was drawn on) are used only when they lie inside too;
//! otherwise a file of the same name inside the run's directory or `--runs` is used when its
//! SHA-256 equals the manifest's.

use std::collections::HashMap;
use std::io::Read as _;
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use axum::body::Body;
use axum::extract::State;
use axum::response::Response;
use redraw_graph::io::{read_graph, read_plan_csv};
use redraw_graph::{Graph, Plan};
use redraw_judge::provenance::InputFile;
use redraw_judge::request::{AssignmentSource, CountyChoice, Invocation, Options, Request};
use redraw_judge::EnsembleStats;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::{blocking, ApiError, ApiResult};
use crate::guard::{parse_json, read_body};
use crate::national::json_text;
use crate::AppState;

/// How deep below `--runs` run directories are looked for.
const MAX_DEPTH: usize = 4;
/// Directory entries visited when listing, at most (a huge tree is not walked whole).
const MAX_ENTRIES: usize = 20_000;
/// Largest manifest read (they are a few kilobytes).
const MAX_MANIFEST: u64 = 4 * 1024 * 1024;
/// Judgements kept in memory.
const CACHE_ENTRIES: usize = 16;

/// A cached judgement: the files' modification times it was computed from, and the answer.
type Slot = Arc<Mutex<Option<(Vec<Option<SystemTime>>, Arc<String>)>>>;
/// A file's SHA-256 with the length and modification time it was computed at.
type Hashed = (u64, Option<SystemTime>, String);

/// The `--runs` directory.
pub struct RunsRoot {
    /// Canonical (absolute, symlinks resolved).
    root: PathBuf,
    /// One slot per (run, plan, options): concurrent requests for the same judgement wait for
    /// the first one's answer instead of each computing it (single flight).
    cache: Mutex<HashMap<String, Slot>>,
    /// SHA-256 of input files by (path, length, modification time), so a judged run's graph is
    /// not hashed again on every request.
    hashes: Mutex<HashMap<PathBuf, Hashed>>,
    /// Judgements computed at once (each can take seconds and a core on a large graph).
    permits: Arc<(Mutex<usize>, std::sync::Condvar)>,
}

/// Judgements computed at the same time, at most.
const MAX_JUDGING: usize = 2;

impl RunsRoot {
    pub fn new(path: &Path) -> Result<Self, String> {
        let root = path.canonicalize().map_err(|e| format!("cannot open it: {e}"))?;
        if !root.is_dir() {
            return Err("is not a directory".into());
        }
        Ok(RunsRoot {
            root,
            cache: Mutex::new(HashMap::new()),
            hashes: Mutex::new(HashMap::new()),
            permits: Arc::new((Mutex::new(0), std::sync::Condvar::new())),
        })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// A client's relative path, resolved inside the root: 400 if it is not a relative path of
    /// plain names, 403 if it leaves the root (directly or through a symlink), 404 if missing.
    pub fn resolve(&self, rel: &str) -> ApiResult<PathBuf> {
        let forbidden = || {
            ApiError::forbidden(format!(
                "`{rel}` is outside the runs directory; the server reads only inside --runs"
            ))
        };
        if rel.is_empty() {
            return Ok(self.root.clone());
        }
        if rel.contains('\0') {
            return Err(ApiError::bad_request("a path may not contain a NUL byte"));
        }
        // Windows separators and drive prefixes are refused everywhere, so a path means the
        // same on every platform.
        if rel.contains('\\') || rel.contains(':') {
            return Err(forbidden());
        }
        let p = Path::new(rel);
        if p.is_absolute() || rel.starts_with('/') {
            return Err(forbidden());
        }
        for c in p.components() {
            match c {
                Component::Normal(_) | Component::CurDir => {}
                Component::ParentDir | Component::RootDir | Component::Prefix(_) => return Err(forbidden()),
            }
        }
        let joined = self.root.join(p);
        let real = joined
            .canonicalize()
            .map_err(|_| ApiError::not_found(format!("no `{rel}` in the runs directory")))?;
        if !real.starts_with(&self.root) {
            return Err(forbidden());
        }
        Ok(real)
    }

    /// The SHA-256 of a file, from the cache while its length and modification time hold.
    fn sha256(&self, path: &Path) -> Option<String> {
        let meta = std::fs::metadata(path).ok()?;
        let (len, modified) = (meta.len(), meta.modified().ok());
        let mut cache = self.hashes.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((l, m, h)) = cache.get(path) {
            if *l == len && *m == modified {
                return Some(h.clone());
            }
        }
        drop(cache);
        let h = sha256_file(path)?;
        cache = self.hashes.lock().unwrap_or_else(|e| e.into_inner());
        if cache.len() > 256 {
            cache.clear();
        }
        cache.insert(path.to_path_buf(), (len, modified, h.clone()));
        Some(h)
    }

    /// Waits for one of [`MAX_JUDGING`] permits; released when the guard drops.
    fn permit(&self) -> impl Drop {
        struct Permit(Arc<(Mutex<usize>, std::sync::Condvar)>);
        impl Drop for Permit {
            fn drop(&mut self) {
                let (m, cv) = &*self.0;
                *m.lock().unwrap_or_else(|e| e.into_inner()) -= 1;
                cv.notify_one();
            }
        }
        let (m, cv) = &*self.permits;
        let mut n = m.lock().unwrap_or_else(|e| e.into_inner());
        while *n >= MAX_JUDGING {
            n = cv.wait(n).unwrap_or_else(|e| e.into_inner());
        }
        *n += 1;
        Permit(self.permits.clone())
    }

    /// `path` (absolute or relative to the root) when it lies inside the root, canonical.
    fn inside(&self, path: &Path) -> Option<PathBuf> {
        let real = path.canonicalize().ok()?;
        real.starts_with(&self.root).then_some(real)
    }

    /// The path relative to the root, with `/` separators.
    fn rel(&self, path: &Path) -> String {
        path.strip_prefix(&self.root)
            .map(|r| {
                r.components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect::<Vec<_>>()
                    .join("/")
            })
            .unwrap_or_default()
    }
}

fn read_manifest(dir: &Path) -> Result<serde_json::Value, String> {
    let path = dir.join("manifest.json");
    let mut text = String::new();
    std::fs::File::open(&path)
        .and_then(|f| f.take(MAX_MANIFEST).read_to_string(&mut text))
        .map_err(|e| format!("cannot read manifest.json: {e}"))?;
    serde_json::from_str(&text).map_err(|e| format!("manifest.json is not valid JSON: {e}"))
}

fn sha256_file(path: &Path) -> Option<String> {
    let mut f = std::fs::File::open(path).ok()?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = f.read(&mut buf).ok()?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Some(h.finalize().iter().map(|b| format!("{b:02x}")).collect())
}

/// Where an input file of a run is, inside the root: the manifest's own path when it lies
/// inside, else a file of the same name in the run's directory or one of its parents up to the
/// root whose SHA-256 matches the manifest's. `Err` explains what to do.
fn locate_input(
    root: &RunsRoot,
    run_dir: &Path,
    info: &serde_json::Value,
    what: &str,
) -> Result<PathBuf, String> {
    let Some(path) = info.get("path").and_then(|p| p.as_str()) else {
        return Err(format!("the manifest does not record the {what}'s path"));
    };
    let want = info.get("sha256").and_then(|s| s.as_str());
    let matches = |p: &Path| want.is_none_or(|w| root.sha256(p).is_some_and(|h| h.eq_ignore_ascii_case(w)));
    let recorded = Path::new(path);
    // Looked at only when it is (lexically) under the root: nothing outside is even resolved.
    if recorded.starts_with(&root.root) {
        if let Some(p) = root.inside(recorded) {
            if p.is_file() && matches(&p) {
                return Ok(p);
            }
        }
    }
    let name = recorded
        .file_name()
        .ok_or_else(|| format!("the manifest's {what} path `{path}` has no file name"))?;
    let mut dir = Some(run_dir.to_path_buf());
    while let Some(d) = dir {
        if let Some(p) = root.inside(&d.join(name)) {
            if p.is_file() && matches(&p) {
                return Ok(p);
            }
        }
        if d == root.root {
            break;
        }
        dir = d.parent().map(Path::to_path_buf);
    }
    Err(format!(
        "the run's {what} `{}` (recorded as {path}) is not inside the runs directory; the server reads only inside \
         --runs: copy the file into the run's directory or the runs directory",
        name.to_string_lossy()
    ))
}

#[derive(Serialize)]
struct PlanChoice {
    /// What to send back as `plan`: `column:NAME` or a CSV path relative to the runs directory.
    id: String,
    label: String,
}

#[derive(Serialize)]
struct RunSummary {
    path: String,
    status: Option<String>,
    districts: Option<u64>,
    node_count: Option<u64>,
    chains: Option<u64>,
    steps: Option<u64>,
    samples: Option<u64>,
    proposal: Option<String>,
    tolerance: Option<f64>,
    elections: Vec<String>,
    graph: Option<String>,
    /// Why the run cannot be judged here, if it cannot.
    problem: Option<String>,
    plans: Vec<PlanChoice>,
}

/// CSV files that look like plans (`id,district`) in `dir` and its parents up to the root.
fn plan_files(root: &RunsRoot, dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut d = Some(dir.to_path_buf());
    while let Some(cur) = d {
        if let Ok(entries) = std::fs::read_dir(&cur) {
            let mut files: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
            files.sort();
            for f in files {
                let is_csv = f.extension().is_some_and(|e| e.eq_ignore_ascii_case("csv"));
                let name = f.file_name().map(|n| n.to_string_lossy().to_lowercase()).unwrap_or_default();
                if !is_csv || name == "stats.csv" || name.ends_with("_data.csv") {
                    continue;
                }
                let Some(real) = root.inside(&f) else { continue };
                if looks_like_plan(&real) && !out.contains(&real) {
                    out.push(real);
                }
            }
        }
        if cur == root.root {
            break;
        }
        d = cur.parent().map(Path::to_path_buf);
    }
    out
}

fn looks_like_plan(path: &Path) -> bool {
    let mut head = String::new();
    let Ok(f) = std::fs::File::open(path) else { return false };
    if f.take(4096).read_to_string(&mut head).is_err() {
        return false;
    }
    let first = head.lines().next().unwrap_or("").to_lowercase();
    let cols: Vec<&str> = first.split(',').map(|c| c.trim().trim_matches('"')).collect();
    cols.len() == 2 || cols.iter().any(|c| *c == "district" || *c == "cd")
}

fn summarise_run(root: &RunsRoot, dir: &Path) -> RunSummary {
    let mut s = RunSummary {
        path: root.rel(dir),
        status: None,
        districts: None,
        node_count: None,
        chains: None,
        steps: None,
        samples: None,
        proposal: None,
        tolerance: None,
        elections: Vec::new(),
        graph: None,
        problem: None,
        plans: Vec::new(),
    };
    let m = match read_manifest(dir) {
        Ok(m) => m,
        Err(e) => {
            s.problem = Some(e);
            return s;
        }
    };
    let u = |v: &serde_json::Value| v.as_u64();
    s.status = m.get("status").and_then(|v| v.as_str()).map(str::to_string);
    s.districts = m.get("districts").and_then(u);
    s.node_count = m.get("node_count").and_then(u);
    s.chains = m.pointer("/params/chains").and_then(u);
    s.steps = m.pointer("/params/steps").and_then(u);
    s.samples = m.get("samples_per_chain").and_then(u).zip(s.chains).map(|(a, b)| a * b);
    // An SMC run draws no chain steps: name the sampler and its particles, not `params.proposal`.
    s.proposal = if m.get("sampler").and_then(|v| v.as_str()) == Some("smc") {
        let particles = m.pointer("/smc/config/particles").and_then(u);
        let county = m.pointer("/smc/config/county_hierarchy").and_then(|v| v.as_bool()) == Some(true);
        Some(format!(
            "smc{}{}",
            particles.map_or(String::new(), |p| format!(", {p} particles per run")),
            if county { ", county constraint" } else { "" }
        ))
    } else {
        m.pointer("/params/proposal/kind").and_then(|v| v.as_str()).map(str::to_string)
    };
    s.tolerance = m.get("tolerance").and_then(|v| v.as_f64());
    s.elections = m
        .get("elections")
        .and_then(|e| e.as_array())
        .map(|a| a.iter().filter_map(|e| e.get("name")?.as_str().map(str::to_string)).collect())
        .unwrap_or_default();
    if s.status.as_deref() != Some("complete") {
        s.problem = Some(format!(
            "the run is {}, not complete: finish or resume it first",
            s.status.as_deref().unwrap_or("of unknown status")
        ));
    }
    match m.pointer("/inputs/graph").map(|g| locate_input(root, dir, g, "graph")) {
        Some(Ok(p)) => s.graph = Some(root.rel(&p)),
        Some(Err(e)) => s.problem = s.problem.take().or(Some(e)),
        None => s.problem = s.problem.take().or(Some("the manifest does not name its graph".into())),
    }
    if let Some(col) = m
        .pointer("/inputs/initial_plan")
        .filter(|p| p.get("kind").and_then(|k| k.as_str()) == Some("column"))
        .and_then(|p| p.get("column"))
        .and_then(|c| c.as_str())
    {
        s.plans.push(PlanChoice {
            id: format!("column:{col}"),
            label: format!("{col} (graph column; the chains' starting plan)"),
        });
    }
    for f in plan_files(root, dir) {
        let rel = root.rel(&f);
        s.plans.push(PlanChoice { label: rel.clone(), id: rel });
    }
    s
}

/// `GET /api/runs`: the ensemble run directories under `--runs`.
pub async fn get_runs(State(app): State<AppState>) -> ApiResult<Response> {
    let Some(root) = app.runs.clone() else {
        let doc =
            serde_json::json!({ "schema_version": crate::SCHEMA_VERSION, "enabled": false, "runs": [] });
        return Ok(json_text(doc.to_string()));
    };
    blocking(move || {
        let mut runs = Vec::new();
        let mut visited = 0usize;
        let mut stack = vec![(root.root.clone(), 0usize)];
        while let Some((dir, depth)) = stack.pop() {
            if dir.join("manifest.json").is_file() {
                runs.push(summarise_run(&root, &dir));
                continue; // a run directory holds no other runs
            }
            if depth >= MAX_DEPTH {
                continue;
            }
            let Ok(entries) = std::fs::read_dir(&dir) else { continue };
            let mut subdirs = Vec::new();
            for e in entries.flatten() {
                visited += 1;
                if visited > MAX_ENTRIES {
                    break;
                }
                let p = e.path();
                // Symlinked directories are followed only when they stay inside.
                if let Some(real) = root.inside(&p) {
                    if real.is_dir() && real != dir {
                        subdirs.push(real);
                    }
                }
            }
            subdirs.sort();
            subdirs.dedup();
            for d in subdirs.into_iter().rev() {
                stack.push((d, depth + 1));
            }
        }
        runs.sort_by(|a, b| a.path.cmp(&b.path));
        runs.dedup_by(|a, b| a.path == b.path);
        Ok(json_text(
            serde_json::json!({ "enabled": true, "root": root.root.display().to_string(), "runs": runs })
                .to_string(),
        ))
    })
    .await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct JudgeRequest {
    /// The run directory, relative to the runs directory.
    run: String,
    /// `column:NAME` (a node attribute of the graph) or a plan CSV relative to the runs directory.
    plan: String,
    /// The graph's unit-id column (plan CSV ids, county prefixes, shapes ids). Default: the
    /// manifest's county `of` column, else `GEOID`.
    #[serde(default)]
    key: Option<String>,
    /// Read the units' polygons when found beside the run (default true): the plan's map and
    /// the compactness scores. `false` skips them.
    #[serde(default = "yes")]
    map: bool,
    /// Samples dropped from the start of each chain, as `redraw judge --burn-in`.
    #[serde(default)]
    burn_in: u64,
    /// Keep every n-th sample after the burn-in, as `redraw judge --thin` (default 1).
    #[serde(default = "one")]
    thin: u64,
}

fn one() -> u64 {
    1
}

fn yes() -> bool {
    true
}

fn mtime(p: &Path) -> Option<SystemTime> {
    std::fs::metadata(p).and_then(|m| m.modified()).ok()
}

/// `POST /api/judge`: `{"judgement": ... (as redraw judge --format json), "plots": [{"name",
/// "svg"}], "map": "<svg>" | null, "map_note"}`.
pub async fn post_judge(State(app): State<AppState>, body: Body) -> ApiResult<Response> {
    let bytes = read_body(body).await?;
    let req: JudgeRequest = parse_json(&bytes)?;
    let Some(root) = app.runs.clone() else {
        return Err(ApiError::not_found("the ensemble viewer is off: start the server with --runs DIR"));
    };
    blocking(move || judge(&root, &req).map(|t| json_text(t.as_str().to_string()))).await
}

fn judge(root: &RunsRoot, req: &JudgeRequest) -> ApiResult<Arc<String>> {
    let dir = root.resolve(&req.run)?;
    if !dir.join("manifest.json").is_file() {
        return Err(ApiError::not_found(format!(
            "`{}` is not an ensemble run directory (no manifest.json)",
            req.run
        )));
    }
    let manifest = read_manifest(&dir).map_err(|e| ApiError::unprocessable(format!("{}: {e}", req.run)))?;
    if manifest.get("status").and_then(|s| s.as_str()) != Some("complete") {
        return Err(ApiError::unprocessable(format!(
            "the run {} is not complete: finish or resume it first",
            req.run
        )));
    }
    let plan_path = match req.plan.strip_prefix("column:") {
        Some(_) => None,
        None => Some(root.resolve(&req.plan)?),
    };
    let graph_path = manifest
        .pointer("/inputs/graph")
        .ok_or_else(|| ApiError::unprocessable("the manifest does not name its graph".to_string()))
        .and_then(|g| locate_input(root, &dir, g, "graph").map_err(ApiError::unprocessable))?;
    let data_path = match manifest.pointer("/inputs/data") {
        Some(d) => Some(locate_input(root, &dir, d, "attribute CSV").map_err(ApiError::unprocessable)?),
        None => None,
    };
    let stats_name = manifest.pointer("/files/stats").and_then(|s| s.as_str()).unwrap_or("stats.csv");
    let stats_path = root.resolve(&format!("{}/{stats_name}", root.rel(&dir)))?;

    // A cached answer stands while none of its files changed.
    let manifest_path = dir.join("manifest.json");
    let files: Vec<&Path> = [
        Some(manifest_path.as_path()),
        Some(stats_path.as_path()),
        Some(graph_path.as_path()),
        plan_path.as_deref(),
    ]
    .into_iter()
    .flatten()
    .collect();
    let stamps: Vec<Option<SystemTime>> = files.iter().map(|p| mtime(p)).collect();
    let cache_key = format!(
        "{}\u{1f}{}\u{1f}{:?}\u{1f}{}\u{1f}{}\u{1f}{}",
        root.rel(&dir),
        req.plan,
        req.key,
        req.map,
        req.burn_in,
        req.thin
    );
    let slot = {
        let mut cache = root.cache.lock().unwrap_or_else(|e| e.into_inner());
        if cache.len() >= CACHE_ENTRIES && !cache.contains_key(&cache_key) {
            cache.clear();
        }
        cache.entry(cache_key).or_default().clone()
    };
    // Held while computing: a second request for the same judgement waits here for the answer.
    let mut slot = slot.lock().unwrap_or_else(|e| e.into_inner());
    if let Some((s, doc)) = slot.as_ref() {
        if *s == stamps {
            return Ok(doc.clone());
        }
    }
    let _permit = root.permit();

    // The same checks as `redraw judge`: the manifest against itself, then stats.csv's rows and
    // assignments.bin's header against the manifest.
    let checked = redraw_ensemble::verify::open_complete(&dir)
        .map_err(|e| ApiError::unprocessable(format!("{}: {e}", req.run)))?;
    redraw_ensemble::verify::check_assignments_file(&dir, &checked)
        .map_err(|e| ApiError::unprocessable(format!("{}: {e}", req.run)))?;
    let stats_file = std::fs::File::open(&stats_path).map_err(|e| {
        ApiError::unprocessable(format!("cannot open the run's statistics {stats_name}: {e}"))
    })?;
    let stats_label = format!("{}/{stats_name}", req.run);
    let stats = EnsembleStats::from_csv(std::io::BufReader::new(stats_file), &stats_label)
        .map_err(|e| ApiError::unprocessable(e.to_string()))?;
    checked
        .check_rows(stats.chain.iter().copied().zip(stats.step.iter().copied()))
        .map_err(|msg| ApiError::unprocessable(format!("{stats_label}: {msg}")))?;
    let key = req
        .key
        .clone()
        .or_else(|| {
            manifest
                .pointer("/inputs/county/of")
                .and_then(|v| v.as_str())
                .filter(|s| *s != "node ids")
                .map(str::to_string)
        })
        .unwrap_or_else(|| "GEOID".to_string());
    let (loaded, _) = read_graph(&graph_path, data_path.as_deref(), &key)
        .map_err(|e| ApiError::unprocessable(format!("cannot read the graph: {e}")))?;
    let graph = loaded.graph;
    let plan = load_plan(&graph, &req.plan, plan_path.as_deref(), &key)?;
    let title = match &plan_path {
        Some(p) => p.file_name().map_or(req.plan.clone(), |f| f.to_string_lossy().into_owned()),
        None => req.plan.clone(),
    };

    // Provenance: every file read, with its SHA-256 (cached by length and modification time).
    let mut inputs = Vec::new();
    let mut add = |role: &str, path: &Path| {
        if let (Ok(meta), Some(sha256)) = (std::fs::metadata(path), root.sha256(path)) {
            inputs.push(InputFile { role: role.into(), path: root.rel(path), bytes: meta.len(), sha256 });
        }
    };
    add("graph", &graph_path);
    if let Some(d) = &data_path {
        add("graph attributes", d);
    }
    if let Some(p) = &plan_path {
        add("plan", p);
    }
    add("run manifest", &manifest_path);
    add("run statistics", &stats_path);

    // Polygons found beside the run give the map and the compactness scores; `map: false`
    // skips them (faster on a large graph).
    let found = if req.map { find_shapes(root, &dir, &graph, &key) } else { Ok(None) };
    let (shapes, shapes_missing) = match found {
        Ok(Some((layer, path, id))) => (Some((layer, path, id)), None),
        Ok(None) if req.map => (None, Some(NO_SHAPES.to_string())),
        Ok(None) => {
            (None, Some("No polygons were read (map: false): no map and no compactness.".to_string()))
        }
        Err(e) => (None, Some(e)),
    };
    if let Some((_, path, _)) = &shapes {
        add("shapes", path);
    }
    let mut reader = match &shapes {
        Some(_) if checked.files.assignments.is_some() => {
            add("run assignments", &dir.join(redraw_ensemble::run::ASSIGNMENTS));
            Some(
                redraw_ensemble::run::open_assignments(&dir)
                    .map_err(|e| ApiError::unprocessable(format!("{}: {e}", req.run)))?,
            )
        }
        _ => None,
    };
    let county = match manifest.pointer("/inputs/county") {
        Some(c) if c.get("column").and_then(|v| v.as_str()).is_some() => {
            CountyChoice::Column(c["column"].as_str().unwrap_or_default().to_string())
        }
        Some(c) if c.get("prefix").is_some() => {
            CountyChoice::Prefix(c.get("prefix").and_then(|v| v.as_u64()).unwrap_or(5) as usize)
        }
        _ => CountyChoice::Prefix(5),
    };
    let options = Options {
        key: key.clone(),
        county,
        burn_in: req.burn_in,
        thin: req.thin.max(1),
        shapes_id: shapes.as_ref().map(|(_, _, id)| id.clone()),
        ..Options::default()
    };
    let request_line = serde_json::json!({
        "run": req.run, "plan": req.plan, "key": req.key, "map": req.map, "burn_in": req.burn_in, "thin": req.thin,
    });
    let invocation = Invocation {
        command_line: vec!["redraw serve".into(), "POST /api/judge".into(), request_line.to_string()],
        generated_utc: redraw_judge::provenance::iso8601_utc(
            SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).map_or(0, |d| d.as_secs()),
        ),
        inputs,
    };
    let evaluation = redraw_judge::evaluate(Request {
        graph: &graph,
        plan: &plan,
        plan_name: title.clone(),
        manifest: &checked,
        stats: &stats,
        options: &options,
        shapes: shapes.as_ref().map(|(layer, path, _)| (layer, root.rel(path))),
        shapes_missing: shapes_missing.clone(),
        assignments: reader.as_mut().map(|r| r as &mut dyn AssignmentSource),
        invocation: Some(invocation),
    })
    .map_err(|e| ApiError::unprocessable(e.to_string()))?;
    let judgement = evaluation.judgement;
    let plots: Vec<serde_json::Value> = redraw_judge::report::figures(&judgement, &title)
        .into_iter()
        .map(|f| serde_json::json!({ "name": f.name, "svg": String::from_utf8_lossy(&f.bytes) }))
        .collect();
    let map_note = evaluation.plan_map.is_none().then(|| shapes_missing.unwrap_or_default());
    let doc = serde_json::json!({
        "schema_version": crate::SCHEMA_VERSION,
        "run": root.rel(&dir),
        "plan": req.plan,
        "judgement": judgement,
        "plots": plots,
        "map": evaluation.plan_map,
        "map_note": map_note,
    });
    let text = Arc::new(serde_json::to_string(&doc).map_err(|e| ApiError::internal(e.to_string()))?);
    *slot = Some((stamps, text.clone()));
    Ok(text)
}

const NO_SHAPES: &str =
    "No polygons of the graph's units (a .topojson, .geojson or .shp whose ids match the graph) \
    were found in the run's directory or above it inside --runs, so there is no map and no compactness.";

fn load_plan(graph: &Graph, plan: &str, path: Option<&Path>, key: &str) -> ApiResult<Plan> {
    match (plan.strip_prefix("column:"), path) {
        (Some(col), _) => Plan::from_column(graph, col)
            .map_err(|e| ApiError::unprocessable(format!("plan column {col:?}: {e}"))),
        (None, Some(p)) => {
            let key = graph.column(key).is_ok().then_some(key);
            read_plan_csv(graph, p, key).map_err(|e| ApiError::unprocessable(format!("plan {plan}: {e}")))
        }
        (None, None) => Err(ApiError::bad_request("plan must be `column:NAME` or a CSV path")),
    }
}

/// Polygons of the graph's units: the first shapes file (TopoJSON, GeoJSON, shapefile) in the
/// run's directory or a parent up to the runs directory whose ids cover 95% of the graph's
/// units, with its path and id attribute. `Err` says why a candidate was unusable.
fn find_shapes(
    root: &RunsRoot,
    dir: &Path,
    graph: &Graph,
    key: &str,
) -> Result<Option<(redraw_geo::Layer, PathBuf, String)>, String> {
    let unit_ids: Vec<String> = match graph.column(key) {
        Ok(redraw_graph::Column::Text(v)) => v.iter().map(|s| s.trim().to_string()).collect(),
        Ok(_) | Err(_) => graph.labels().to_vec(),
    };
    let index: std::collections::HashSet<&str> = unit_ids.iter().map(String::as_str).collect();
    let mut unusable = Vec::new();
    let mut d = Some(dir.to_path_buf());
    while let Some(cur) = d {
        let mut files: Vec<PathBuf> =
            std::fs::read_dir(&cur).map(|e| e.flatten().map(|e| e.path()).collect()).unwrap_or_default();
        files.sort();
        for f in files {
            let ext = f.extension().map(|e| e.to_string_lossy().to_lowercase()).unwrap_or_default();
            if !matches!(ext.as_str(), "topojson" | "geojson" | "shp") {
                continue;
            }
            let Some(real) = root.inside(&f) else { continue };
            let layer = match redraw_geo::io::read_path(&real, None) {
                Ok(l) => l,
                Err(e) => {
                    unusable.push(format!("{}: {e}", root.rel(&real)));
                    continue;
                }
            };
            for id_key in [key, "GEOID", "GEOID20", "id"] {
                let Ok(ids) = layer.ids(id_key) else { continue };
                let hits = ids.iter().filter(|i| index.contains(i.as_str())).count();
                if hits * 100 >= unit_ids.len() * 95 {
                    return Ok(Some((layer, real, id_key.to_string())));
                }
            }
        }
        if cur == root.root {
            break;
        }
        d = cur.parent().map(Path::to_path_buf);
    }
    if unusable.is_empty() {
        Ok(None)
    } else {
        Err(format!("{NO_SHAPES} Unreadable candidates: {}.", unusable.join("; ")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_stay_inside() {
        let base = std::env::temp_dir().join(format!("redraw-runs-root-{}", std::process::id()));
        let root_dir = base.join("runs");
        std::fs::create_dir_all(root_dir.join("a/b")).unwrap();
        std::fs::write(base.join("secret.txt"), "secret").unwrap();
        std::fs::write(root_dir.join("a/plan.csv"), "GEOID,district\n").unwrap();
        #[cfg(unix)]
        {
            let _ = std::fs::remove_file(root_dir.join("escape"));
            let _ = std::fs::remove_file(root_dir.join("inner"));
            std::os::unix::fs::symlink(base.join("secret.txt"), root_dir.join("escape")).unwrap();
            std::os::unix::fs::symlink(root_dir.join("a"), root_dir.join("inner")).unwrap();
        }
        let root = RunsRoot::new(&root_dir).unwrap();
        assert!(root.resolve("a/plan.csv").unwrap().ends_with("a/plan.csv"));
        assert!(root.resolve("./a/b").is_ok());
        let status = |p: &str| root.resolve(p).unwrap_err().status.as_u16();
        for bad in ["../secret.txt", "a/../../secret.txt", "a/..", "/etc/passwd", "C:\\x", "a\\..\\..\\x"] {
            assert_eq!(status(bad), 403, "{bad}");
        }
        assert_eq!(status(&base.join("secret.txt").display().to_string()), 403);
        assert_eq!(status("missing.csv"), 404);
        assert_eq!(status("a\0b"), 400);
        #[cfg(unix)]
        {
            assert_eq!(status("escape"), 403, "a symlink out of the root");
            assert!(root.resolve("inner/plan.csv").is_ok(), "a symlink that stays inside");
        }
        let _ = std::fs::remove_dir_all(&base);
    }
}
