//! New state lines: presets, the county map, resolving and evaluating scenarios, and the SVG map
//! download. Every figure comes from the same library calls as `redraw scenario` and
//! `redraw map`, so the web app and the CLI cannot disagree.

use std::sync::OnceLock;

use axum::body::Body;
use axum::extract::RawQuery;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use redraw_core::evaluate::EvalOptions;
use redraw_core::scenario::{preset, presets, ResolveOptions};
use redraw_core::{Dataset, Scenario};
use serde::{Deserialize, Serialize};

use crate::error::{blocking, ApiError, ApiResult};
use crate::guard::{parse_json, read_body};

/// A JSON response from text already serialized.
pub fn json_text(text: String) -> Response {
    let mut r = (StatusCode::OK, text).into_response();
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    r
}

fn json_value<T: Serialize>(v: &T) -> ApiResult<Response> {
    serde_json::to_string(v).map(json_text).map_err(|e| ApiError::internal(format!("cannot serialize: {e}")))
}

#[derive(Serialize)]
struct PresetInfo {
    id: &'static str,
    title: Option<String>,
    description: Option<String>,
    source: Option<String>,
    toml: &'static str,
}

/// `GET /api/presets`: every built-in scenario with its commented TOML.
pub async fn get_presets() -> ApiResult<Response> {
    let list: Vec<PresetInfo> = presets()
        .iter()
        .map(|p| {
            let sc = p.scenario();
            PresetInfo {
                id: p.id,
                title: sc.title,
                description: sc.description,
                source: sc.source,
                toml: p.toml,
            }
        })
        .collect();
    json_value(&serde_json::json!({ "schema_version": crate::SCHEMA_VERSION, "presets": list }))
}

/// The name a scenario file should use for a county: the short name ("Los Angeles") when it
/// resolves to this county alone, else the official name ("Richmond city"), else the FIPS code.
pub fn toml_name(ds: &Dataset, c: usize) -> String {
    let county = &ds.counties[c];
    for cand in [county.short_name(), county.name.as_str()] {
        if ds.find_county(county.state, cand).ok() == Some(c as u32) {
            return cand.to_string();
        }
    }
    county.fips.clone()
}

#[derive(Serialize)]
struct StateInfo<'a> {
    fips: &'a str,
    abbr: &'a str,
    name: &'a str,
    /// 2020 apportionment population (resident + overseas federal personnel; DC: residents).
    population: u64,
    /// House seats today (2020 apportionment); 0 for DC.
    house_seats: u32,
    is_district: bool,
    counties: usize,
}

#[derive(Serialize)]
struct CountyInfo<'a> {
    fips: &'a str,
    name: &'a str,
    /// How a scenario file names it (see [`toml_name`]).
    toml_name: String,
    /// Index into `states`.
    state: usize,
    pop2020: u64,
    /// Index into `features` (`None`: no polygon, Falls Church city VA at this scale).
    feature: Option<usize>,
}

#[derive(Serialize)]
struct FeatureInfo<'a> {
    path: &'a str,
    centre: Option<[f64; 2]>,
    bbox: Option<[f64; 4]>,
    /// The counties this polygon draws (two for Valdez-Cordova: Chugach and Copper River).
    counties: Vec<u32>,
}

#[derive(Serialize)]
struct GeometryDoc<'a> {
    schema_version: u32,
    /// Frame of every coordinate: d3's Albers USA 960 x 600, as `redraw map` projects.
    width: f64,
    height: f64,
    states: Vec<StateInfo<'a>>,
    counties: Vec<CountyInfo<'a>>,
    features: Vec<FeatureInfo<'a>>,
    /// `[feature a, feature b or -1 for the outside, path]`: every shared boundary once.
    borders: Vec<(u32, i64, &'a str)>,
    /// Today's state lines (borders between states, and coasts), one path.
    state_lines: String,
    /// The county adjacency redraw uses for contiguity (Census county adjacency), per county.
    adjacency: Vec<&'a [u32]>,
    /// 2020 apportionment population of the 50 states / 435: the population of an average
    /// House seat.
    ideal_seat_population: u64,
    /// Territories a scenario can admit (`[[admit]] territory = "PR"`): abbreviation, name and
    /// 2020 population.
    territories: Vec<(&'a str, &'a str, u64)>,
    attribution: &'static str,
}

/// The county map as JSON, built once (about 0.3 s) and kept.
pub fn geometry_json() -> Result<&'static str, ApiError> {
    static CACHE: OnceLock<Result<String, String>> = OnceLock::new();
    CACHE
        .get_or_init(|| build_geometry().map_err(|e| e.to_string()))
        .as_deref()
        .map_err(|e| ApiError::internal(e.clone()))
}

fn build_geometry() -> Result<String, ApiError> {
    let ds = Dataset::embedded();
    let geo_err = |e: redraw_geo::GeoError| ApiError::internal(format!("embedded county geometry: {e}"));
    let layer = redraw_geo::counties::us_counties().map_err(geo_err)?;
    let ids = layer.ids("id").map_err(geo_err)?;
    // 0.05-unit grid: sharp when zoomed 10x into a small state.
    let g = redraw_geo::unit_geometry(&layer, redraw_geo::MapProjection::AlbersUsa, 960.0, 20.0);
    let mut feature_of = vec![None; ds.counties.len()];
    let mut features = Vec::with_capacity(ids.len());
    for (i, id) in ids.iter().enumerate() {
        let mut counties = Vec::new();
        for fips in redraw_geo::counties::fips_2020_of(id) {
            let c = ds.county_by_fips(fips).ok_or_else(|| {
                ApiError::internal(format!("county {fips} of the geometry is not in the dataset"))
            })?;
            if !g.paths[i].is_empty() {
                feature_of[c as usize] = Some(i);
            }
            counties.push(c);
        }
        features.push(FeatureInfo { path: &g.paths[i], centre: g.centres[i], bbox: g.bboxes[i], counties });
    }
    let state_of_feature =
        |f: u32| features[f as usize].counties.first().map(|&c| ds.counties[c as usize].state);
    let mut state_lines = String::new();
    for b in &g.borders {
        let differ = match b.b {
            None => true,
            Some(other) => state_of_feature(b.a) != state_of_feature(other),
        };
        if differ {
            state_lines.push_str(&b.path);
        }
    }
    let total50: u64 =
        ds.states.iter().filter(|s| !s.is_district()).map(|s| s.apportionment[2].population).sum();
    let doc = GeometryDoc {
        schema_version: crate::SCHEMA_VERSION,
        width: g.width,
        height: g.height,
        states: ds
            .states
            .iter()
            .map(|s| StateInfo {
                fips: &s.fips,
                abbr: &s.abbr,
                name: &s.name,
                population: if s.is_district() { s.resident[1] } else { s.apportionment[2].population },
                house_seats: if s.is_district() { 0 } else { s.apportionment[2].seats },
                is_district: s.is_district(),
                counties: s.counties.len(),
            })
            .collect(),
        counties: ds
            .counties
            .iter()
            .enumerate()
            .map(|(c, county)| CountyInfo {
                fips: &county.fips,
                name: &county.name,
                toml_name: toml_name(ds, c),
                state: county.state,
                pop2020: county.pop2020,
                feature: feature_of[c],
            })
            .collect(),
        borders: g.borders.iter().map(|b| (b.a, b.b.map_or(-1, i64::from), b.path.as_str())).collect(),
        features,
        state_lines,
        adjacency: (0..ds.counties.len() as u32).map(|c| ds.adjacency.neighbors(c)).collect(),
        ideal_seat_population: (total50 as f64 / 435.0).round() as u64,
        territories: ds
            .territories
            .iter()
            .map(|t| (t.abbr.as_str(), t.name.as_str(), t.resident[1]))
            .collect(),
        attribution: "Counties: US Census Bureau 2017 cartographic boundaries via us-atlas (ISC).",
    };
    serde_json::to_string(&doc).map_err(|e| ApiError::internal(e.to_string()))
}

/// `GET /api/geometry`.
pub async fn get_geometry() -> ApiResult<Response> {
    // Built once; every answer after the first sends the same bytes without copying them.
    let text: &'static str = blocking(geometry_json).await?;
    let mut r = (StatusCode::OK, text).into_response();
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    r.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    Ok(r)
}

/// `state=XX` from a query string (percent-decoded; `+` is a space).
fn state_param(query: Option<&str>) -> ApiResult<String> {
    let mut state = None;
    for pair in query.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        if k != "state" {
            return Err(ApiError::bad_request(format!("unknown query parameter `{k}` (expected state=XX)")));
        }
        state = Some(percent_decode(v)?);
    }
    state.ok_or_else(|| ApiError::bad_request("give the state: /api/counties?state=XX"))
}

fn percent_decode(s: &str) -> ApiResult<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = s.get(i + 1..i + 3).and_then(|h| u8::from_str_radix(h, 16).ok());
                out.push(hex.ok_or_else(|| ApiError::bad_request("a malformed %-escape in the query"))?);
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).map_err(|_| ApiError::bad_request("the query is not UTF-8"))
}

#[derive(Serialize)]
struct CountyRow<'a> {
    fips: &'a str,
    name: &'a str,
    toml_name: String,
    pop2020: u64,
    pop2010: Option<u64>,
    land_sq_mi: f64,
}

/// `GET /api/counties?state=XX`: the counties of one state.
pub async fn get_counties(RawQuery(query): RawQuery) -> ApiResult<Response> {
    let ds = Dataset::embedded();
    let state = state_param(query.as_deref())?;
    let st = ds.state_by_name(&state).ok_or_else(|| {
        ApiError::bad_request(format!("unknown state `{state}` (use an abbreviation, a name or a FIPS code)"))
    })?;
    let rows: Vec<CountyRow> = ds.states[st]
        .counties
        .iter()
        .map(|&c| {
            let county = &ds.counties[c as usize];
            CountyRow {
                fips: &county.fips,
                name: &county.name,
                toml_name: toml_name(ds, c as usize),
                pop2020: county.pop2020,
                pop2010: county.pop2010,
                land_sq_mi: county.land_m2 as f64 / 2_589_988.110336,
            }
        })
        .collect();
    json_value(
        &serde_json::json!({ "state": ds.states[st].name, "abbr": ds.states[st].abbr, "counties": rows }),
    )
}

/// Where a scenario comes from in a request: a preset id, or the text of a scenario file.
#[derive(Deserialize, Default, Clone)]
#[serde(deny_unknown_fields)]
pub struct ScenarioSource {
    /// A preset id (see `GET /api/presets`).
    #[serde(default)]
    pub scenario: Option<String>,
    /// The text of a scenario file.
    #[serde(default)]
    pub toml: Option<String>,
    /// The file name used in error messages, as the CLI names the file it read.
    #[serde(default)]
    pub file_name: Option<String>,
}

/// A scenario read from a request, like `redraw scenario NAME|FILE` reads it:
/// `(scenario, file text, display name)`.
pub fn load(src: &ScenarioSource) -> ApiResult<(Scenario, String, String)> {
    match (&src.scenario, &src.toml) {
        (Some(name), None) => match preset(name) {
            Some(p) => Ok((p.scenario(), p.toml.to_string(), format!("preset {}", p.id))),
            None => {
                let mut names: Vec<(usize, &str)> = presets()
                    .iter()
                    .map(|p| (redraw_core::dataset::levenshtein(&name.to_lowercase(), p.id), p.id))
                    .collect();
                names.sort();
                let hint = match names.first() {
                    Some((d, id)) if *d <= 3.max(name.chars().count() / 3) => {
                        format!(" (did you mean `{id}`?)")
                    }
                    _ => String::new(),
                };
                Err(ApiError::bad_request(format!(
                    "`{name}` is not a preset{hint}. Presets: {}",
                    presets().iter().map(|p| p.id).collect::<Vec<_>>().join(", ")
                )))
            }
        },
        (None, Some(text)) => {
            let file = match src.file_name.as_deref().map(str::trim) {
                Some(f) if !f.is_empty() && f.len() <= 200 && !f.contains(['\n', '\r']) => f.to_string(),
                Some(_) => return Err(ApiError::bad_request("file_name must be a short single-line name")),
                None => "scenario.toml".to_string(),
            };
            let sc = Scenario::from_toml(text, &file)?;
            Ok((sc, text.clone(), file))
        }
        (Some(_), Some(_)) => {
            Err(ApiError::bad_request("give either `scenario` (a preset id) or `toml`, not both"))
        }
        (None, None) => {
            Err(ApiError::bad_request("give `scenario` (a preset id) or `toml` (a scenario file's text)"))
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ResolveRequest {
    #[serde(default)]
    scenario: Option<String>,
    #[serde(default)]
    toml: Option<String>,
    #[serde(default)]
    file_name: Option<String>,
}

/// `POST /api/resolve`: which state every county ends up in, for loading a preset or a file into
/// the editor.
pub async fn post_resolve(body: Body) -> ApiResult<Response> {
    let bytes = read_body(body).await?;
    let req: ResolveRequest = parse_json(&bytes)?;
    let src = ScenarioSource { scenario: req.scenario, toml: req.toml, file_name: req.file_name };
    blocking(move || {
        let (sc, text, file) = load(&src)?;
        let ds = Dataset::embedded();
        let resolved = sc.resolve(ds, &ResolveOptions::default(), Some((&text, &file)))?;
        json_value(&serde_json::json!({
            "schema_version": crate::SCHEMA_VERSION,
            // The file's `[[admit]]` entries as written (the editor keeps them: admitted
            // states have no counties to paint).
            "admit": sc.admit,
            "name": sc.name,
            "title": sc.title,
            "description": sc.description,
            "source": sc.source,
            "resolved": resolved,
        }))
    })
    .await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EvaluateRequest {
    #[serde(default)]
    scenario: Option<String>,
    #[serde(default)]
    toml: Option<String>,
    #[serde(default)]
    file_name: Option<String>,
    /// `redraw scenario --census` (default: the census in force at each election).
    #[serde(default)]
    census: Option<u16>,
    /// `--election-year`: years, or `"all"` (default 2016, 2020, 2024).
    #[serde(default)]
    election_years: Option<serde_json::Value>,
    /// `--method` (default huntington-hill).
    #[serde(default)]
    method: Option<String>,
    /// `--house-size`: a number of seats, `"wyoming"` or `"cube-root"` (default 435).
    #[serde(default)]
    house_size: Option<serde_json::Value>,
    /// `--ec-rule` (default winner-take-all).
    #[serde(default)]
    ec_rule: Option<String>,
    /// `--economy-year` (default: the newest).
    #[serde(default)]
    economy_year: Option<u16>,
    /// `--strict-contiguity`.
    #[serde(default)]
    strict_contiguity: bool,
    /// `"full"` (the default): the bytes `redraw scenario --format json` prints. `"panel"`: the
    /// same report without what the web app's panel never shows (see [`panel_view`]), as
    /// compact JSON: about a quarter of the bytes, which is most of a repaint's time.
    #[serde(default)]
    view: Option<String>,
}

/// The report for the web app's panel: every figure of the full report except each state's
/// industry sectors, per-rule electors and vote counts, and the national sectors and popular
/// votes (the national figures under every rule stay).
fn panel_view(report: &redraw_core::ScenarioReport) -> String {
    let mut v = report.to_json_value();
    for side in ["baseline", "scenario"] {
        let Some(side) = v.get_mut(side) else { continue };
        if let Some(states) = side.get_mut("states").and_then(|s| s.as_array_mut()) {
            for st in states {
                if let Some(e) = st.get_mut("economy").and_then(|e| e.as_object_mut()) {
                    e.remove("sectors");
                }
                for e in st.get_mut("elections").and_then(|e| e.as_array_mut()).into_iter().flatten() {
                    if let Some(e) = e.as_object_mut() {
                        e.remove("by_rule");
                        e.remove("votes");
                    }
                }
            }
        }
        if let Some(e) = side.get_mut("economy").and_then(|e| e.as_object_mut()) {
            e.remove("sectors");
        }
        for e in side.get_mut("elections").and_then(|e| e.as_array_mut()).into_iter().flatten() {
            if let Some(e) = e.as_object_mut() {
                e.remove("popular");
            }
        }
    }
    let mut s = serde_json::to_string(&v).expect("a report always serializes");
    s.push('\n');
    s
}

/// The evaluation options of a request, read as `redraw scenario` reads its flags (same
/// defaults, same words, the same messages after the field name).
fn eval_options(req: &EvaluateRequest) -> ApiResult<EvalOptions> {
    use redraw_core::evaluate::{EcRule, HouseRule};
    use redraw_core::{CensusYear, ElectionYear, Method};
    let bad = |field: &str, m: String| ApiError::bad_request(format!("{field}: {m}"));
    let census = match req.census {
        None => None,
        Some(y) => Some(CensusYear::from_year(y).ok_or_else(|| {
            bad("census", format!("`{y}` is not a census year with county data (expected 2010 or 2020)"))
        })?),
    };
    let year = |v: &serde_json::Value| -> ApiResult<Vec<ElectionYear>> {
        match v {
            serde_json::Value::String(s) if s.trim().eq_ignore_ascii_case("all") => {
                Ok(ElectionYear::ALL.to_vec())
            }
            other => {
                let y = other.as_u64().or_else(|| other.as_str().and_then(|s| s.trim().parse().ok()));
                y.and_then(|y| u16::try_from(y).ok())
                    .and_then(ElectionYear::from_year)
                    .map(|y| vec![y])
                    .ok_or_else(|| {
                        bad(
                            "election_years",
                            format!("`{other}` is not an election year in the data (expected 2012, 2016, 2020, 2024 or all)"),
                        )
                    })
            }
        }
    };
    let mut elections = match &req.election_years {
        None => ElectionYear::DEFAULT.to_vec(),
        Some(serde_json::Value::Array(items)) => {
            let mut out = Vec::new();
            for it in items {
                out.extend(year(it)?);
            }
            out
        }
        Some(v) => year(v)?,
    };
    if elections.is_empty() {
        return Err(bad("election_years", "give at least one of 2012, 2016, 2020, 2024 (or all)".into()));
    }
    elections.sort();
    elections.dedup();
    let method = match req.method.as_deref() {
        None => Method::HuntingtonHill,
        Some(m) => Method::parse(m).ok_or_else(|| {
            bad(
                "method",
                format!(
                    "unknown method `{m}` (expected one of: {})",
                    Method::ALL.iter().map(|m| m.id()).collect::<Vec<_>>().join(", ")
                ),
            )
        })?,
    };
    let (house_rule, house_size) = match &req.house_size {
        None => (HouseRule::Fixed, 435),
        Some(serde_json::Value::Number(n)) => {
            let n = n.as_u64().and_then(|n| u32::try_from(n).ok()).ok_or_else(|| {
                bad(
                    "house_size",
                    format!(
                        "`{n}` is not a house size (expected a number of seats, `wyoming` or `cube-root`)"
                    ),
                )
            })?;
            (HouseRule::Fixed, n)
        }
        Some(serde_json::Value::String(s)) => {
            let t = s.trim().to_ascii_lowercase().replace(['_', ' '], "-");
            match t.as_str() {
                "wyoming" | "wyoming-rule" => (HouseRule::Wyoming, 435),
                "cube-root" | "cuberoot" | "cube-root-rule" => (HouseRule::CubeRoot, 435),
                _ => (
                    HouseRule::Fixed,
                    t.parse::<u32>().map_err(|_| {
                        bad(
                            "house_size",
                            format!("`{s}` is not a house size (expected a number of seats, `wyoming` or `cube-root`)"),
                        )
                    })?,
                ),
            }
        }
        Some(other) => {
            return Err(bad(
                "house_size",
                format!(
                    "`{other}` is not a house size (expected a number of seats, `wyoming` or `cube-root`)"
                ),
            ))
        }
    };
    let ec_rule = match req.ec_rule.as_deref() {
        None => EcRule::WinnerTakeAll,
        Some(r) => EcRule::parse(r).ok_or_else(|| {
            bad(
                "ec_rule",
                format!(
                    "unknown allocation rule `{r}` (expected one of: {})",
                    EcRule::ALL.iter().map(|r| r.id()).collect::<Vec<_>>().join(", ")
                ),
            )
        })?,
    };
    Ok(EvalOptions {
        census,
        elections,
        method,
        house_size,
        house_rule,
        ec_rule,
        economy_year: req.economy_year,
    })
}

/// `POST /api/evaluate`: exactly what `redraw scenario NAME|FILE --format json` prints for the
/// same scenario and options (the same library call, the same serialization).
pub async fn post_evaluate(body: Body) -> ApiResult<Response> {
    let bytes = read_body(body).await?;
    let req: EvaluateRequest = parse_json(&bytes)?;
    // A bad view is a bad request: refused before any work.
    let panel = match req.view.as_deref() {
        None | Some("full") => false,
        Some("panel") => true,
        Some(other) => {
            return Err(ApiError::bad_request(format!("view: `{other}` is not a view (full or panel)")))
        }
    };
    let opts = eval_options(&req)?;
    let src = ScenarioSource { scenario: req.scenario, toml: req.toml, file_name: req.file_name };
    // About a millisecond of work (every preset evaluates in about 3 ms together): done on the
    // request's own thread, since a hand-off to the blocking pool would cost more than that when
    // the machine is busy. A panic still becomes a 500 (the guard catches it).
    let (sc, text, file) = load(&src)?;
    let ds = Dataset::embedded();
    let resolve = ResolveOptions { strict_contiguity: req.strict_contiguity };
    let report = redraw_core::scenario_report(ds, &sc, Some((&text, &file)), &resolve, &opts)?;
    Ok(json_text(if panel { panel_view(&report) } else { report.to_json() }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MapRequest {
    #[serde(default)]
    scenario: Option<String>,
    #[serde(default)]
    toml: Option<String>,
    #[serde(default)]
    file_name: Option<String>,
    /// `redraw map --national`.
    #[serde(default)]
    national: bool,
    /// `redraw map --title`.
    #[serde(default)]
    title: Option<String>,
    /// `redraw map --ec YEAR`: the Electoral College of that year instead of the lines.
    #[serde(default)]
    ec: Option<u16>,
    /// `redraw map --ec-rule` (with `ec`).
    #[serde(default)]
    ec_rule: Option<String>,
}

/// `POST /api/map.svg`: the scenario's map, byte for byte what `redraw map` writes.
pub async fn post_map_svg(body: Body) -> ApiResult<Response> {
    let bytes = read_body(body).await?;
    let req: MapRequest = parse_json(&bytes)?;
    let ec = match req.ec {
        None => None,
        Some(y) => Some(redraw_core::ElectionYear::from_year(y).ok_or_else(|| {
            ApiError::bad_request(format!(
                "ec: `{y}` is not an election year in the data (expected 2012, 2016, 2020 or 2024)"
            ))
        })?),
    };
    let rule = match req.ec_rule.as_deref() {
        None => redraw_core::evaluate::EcRule::WinnerTakeAll,
        Some(_) if ec.is_none() => return Err(ApiError::bad_request("ec_rule needs ec (a year)")),
        Some(r) => redraw_core::evaluate::EcRule::parse(r)
            .ok_or_else(|| ApiError::bad_request(format!("ec_rule: unknown allocation rule `{r}`")))?,
    };
    let src = ScenarioSource { scenario: req.scenario, toml: req.toml, file_name: req.file_name };
    let svg = blocking(move || {
        let (sc, text, file) = load(&src)?;
        let ds = Dataset::embedded();
        let resolved = sc.resolve(ds, &ResolveOptions::default(), Some((&text, &file)))?;
        let drawn = match ec {
            Some(year) => redraw_geo::scenario_map::ec_map_svg(ds, &resolved, year, rule, req.title),
            None => redraw_geo::scenario_map::scenario_map_svg(ds, &resolved, req.title, req.national),
        };
        // A scenario the model cannot evaluate (a data pool split) is the input's fault.
        drawn.map_err(|e| match e {
            redraw_geo::GeoError::Input(m) => ApiError::bad_request(m),
            other => ApiError::internal(format!("map: {other}")),
        })
    })
    .await?;
    let mut r = (StatusCode::OK, svg).into_response();
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("image/svg+xml"));
    Ok(r)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_county_toml_name_resolves_to_itself() {
        let ds = Dataset::embedded();
        let mut short = 0;
        for c in 0..ds.counties.len() {
            let n = toml_name(ds, c);
            assert_eq!(ds.find_county(ds.counties[c].state, &n).unwrap(), c as u32, "{n}");
            short += usize::from(n == ds.counties[c].short_name());
        }
        // Nearly every county goes by its short name, as the presets write them.
        assert!(short > 3000, "{short}");
        let richmond_city = ds.county_by_fips("51760").unwrap() as usize;
        assert_eq!(toml_name(ds, richmond_city), "Richmond city");
    }
}
