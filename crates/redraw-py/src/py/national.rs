//! New state lines: scenarios (the library's `ScenarioReport`, whose JSON the CLI prints with
//! `--format json`) and apportionment, which the Python side turns into dicts or DataFrames.

use pyo3::prelude::*;
use redraw_core::apportion::{apportion as apportion_seats, margins};
use redraw_core::dataset::levenshtein;
use redraw_core::evaluate::{compare, EvalOptions};
use redraw_core::scenario::{preset, presets as all_presets, ResolveOptions};
use redraw_core::{CensusYear, Dataset, ElectionYear, Method, Scenario};

use super::{err, err_msg};

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(scenario_json, m)?)?;
    m.add_function(wrap_pyfunction!(presets, m)?)?;
    m.add_function(wrap_pyfunction!(apportion_json, m)?)?;
    m.add_function(wrap_pyfunction!(official_populations, m)?)?;
    Ok(())
}

fn method(s: &str) -> PyResult<Method> {
    Method::parse(s).ok_or_else(|| {
        err_msg(format!(
            "unknown method `{s}` (expected one of: {})",
            Method::ALL.iter().map(|m| m.id()).collect::<Vec<_>>().join(", ")
        ))
    })
}

/// The built-in presets: `(id, scenario TOML)`.
#[pyfunction]
fn presets() -> Vec<(&'static str, &'static str)> {
    all_presets().iter().map(|p| (p.id, p.toml)).collect()
}

/// Evaluates a scenario against today's map. `target` is a preset id, or the text of a scenario
/// file when `toml_name` (its display name, e.g. the file path) is given. Returns the JSON of
/// `redraw scenario ... --format json` and the resolver's warnings.
#[pyfunction]
#[pyo3(signature = (target, toml_name=None, census=None, election_years=None, method_name="huntington-hill", house_size=435, strict_contiguity=false))]
#[allow(clippy::too_many_arguments)]
fn scenario_json(
    py: Python<'_>,
    target: &str,
    toml_name: Option<&str>,
    census: Option<u16>,
    election_years: Option<Vec<u16>>,
    method_name: &str,
    house_size: u32,
    strict_contiguity: bool,
) -> PyResult<(String, Vec<String>)> {
    let (sc, text, display) = match toml_name {
        Some(name) => (Scenario::from_toml(target, name).map_err(err)?, target.to_string(), name.to_string()),
        None => match preset(target) {
            Some(p) => (p.scenario(), p.toml.to_string(), format!("preset {}", p.id)),
            None => return Err(err_msg(not_a_preset(target))),
        },
    };
    let census = census
        .map(|y| {
            CensusYear::from_year(y).ok_or_else(|| {
                err_msg(format!("`{y}` is not a census year with county data (expected 2010 or 2020)"))
            })
        })
        .transpose()?;
    let mut years = match election_years {
        // The CLI's default (`--election-year 2016,2020,2024`), so both print the same report.
        None => ElectionYear::DEFAULT.to_vec(),
        Some(ys) => ys
            .into_iter()
            .map(|y| {
                ElectionYear::from_year(y).ok_or_else(|| {
                    err_msg(format!(
                        "`{y}` is not an election year in the data (expected 2012, 2016, 2020 or 2024)"
                    ))
                })
            })
            .collect::<PyResult<Vec<_>>>()?,
    };
    if years.is_empty() {
        return Err(err_msg("election_years: give at least one of 2012, 2016, 2020, 2024"));
    }
    years.sort();
    years.dedup();
    let method = method(method_name)?;
    py.detach(move || {
        let ds = Dataset::embedded();
        let resolved =
            sc.resolve(ds, &ResolveOptions { strict_contiguity }, Some((&text, &display))).map_err(err)?;
        let opts = EvalOptions { census, elections: years, method, house_size, ..EvalOptions::default() };
        // The same value and bytes as `redraw scenario --format json` (and `redraw serve`).
        let report = compare(ds, &resolved, &opts).map_err(err)?;
        Ok((report.to_json(), resolved.warnings.clone()))
    })
}

/// The CLI's message for a name that is neither a preset nor a file.
fn not_a_preset(target: &str) -> String {
    let mut names: Vec<(usize, &str)> =
        all_presets().iter().map(|p| (levenshtein(&target.to_lowercase(), p.id), p.id)).collect();
    names.sort();
    let hint = match names.first() {
        Some((d, id)) if *d <= 3.max(target.chars().count() / 3) => format!(" (did you mean `{id}`?)"),
        _ => String::new(),
    };
    format!(
        "`{target}` is neither a preset nor a scenario file{hint}. Presets: {}",
        all_presets().iter().map(|p| p.id).collect::<Vec<_>>().join(", ")
    )
}

/// Apportions `house_size` seats among states with these populations; the JSON of
/// `redraw_core::Apportionment` plus `margins` (per state `{to_gain, can_lose}`) when asked.
#[pyfunction]
#[pyo3(signature = (populations, house_size=435, method_name="huntington-hill", with_margins=false))]
fn apportion_json(
    populations: Vec<u64>,
    house_size: u32,
    method_name: &str,
    with_margins: bool,
) -> PyResult<String> {
    let method = method(method_name)?;
    let app = apportion_seats(&populations, house_size, method).map_err(err)?;
    let mut v = serde_json::to_value(&app).map_err(err)?;
    if with_margins {
        if !method.is_divisor() {
            return Err(err_msg(
                "margins: Hamilton's method has no priority values; choose a divisor method",
            ));
        }
        v["margins"] = serde_json::to_value(margins(&populations, &app)).map_err(err)?;
    }
    serde_json::to_string(&v).map_err(err)
}

/// The official apportionment populations and seats of a census (2000, 2010, 2020):
/// `(state name, population, seats)` for the 50 states.
#[pyfunction]
fn official_populations(year: u16) -> PyResult<Vec<(String, u64, u32)>> {
    if ![2000, 2010, 2020].contains(&year) {
        return Err(err_msg(format!(
            "year {year}: official apportionment populations exist for 2000, 2010 and 2020"
        )));
    }
    let ds = Dataset::embedded();
    Ok(ds
        .states
        .iter()
        .filter(|s| !s.is_district())
        .filter_map(|s| s.official(year).map(|o| (s.name.clone(), o.population, o.seats)))
        .collect())
}
