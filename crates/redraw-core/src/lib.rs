//! redraw-core: the national model. What happens to American representation when state lines
//! are redrawn with whole counties, computed offline from official data compiled into the
//! binary.
//!
//! # Modules and boundaries
//! - [`dataset`]: the embedded [`Dataset`] (3,143 counties of the 2020 census set and the 50
//!   states + DC) parsed once from `data/*.csv` via `include_str!` ([`Dataset::embedded`]).
//!   Counties are indexed by [`CountyId`] (sorted by FIPS), states by [`StateId`]; county
//!   adjacency is CSR with shared-border lengths. Figures that exist only for a group of
//!   counties are [`dataset::Pool`]s; a map that splits one fails with a clear error.
//! - [`derive`](mod@derive): turns the raw public files into those tables (`redraw derive-data`); I/O-free.
//! - [`apportion`](mod@apportion): Huntington-Hill, Webster, Hamilton, Jefferson, Adams, Dean for any house
//!   size and any states; priority list; per-state margins (people to gain / could lose).
//! - [`scenario`]: the scenario file format (TOML) and API: split a state, draw a new state from
//!   several, move counties, secede, coalitions; validation; built-in [`scenario::presets`].
//!   [`Scenario::resolve`] gives a [`ResolvedScenario`]: county → resulting state.
//! - [`evaluate`]: consequences of a resolved map and today's map side by side
//!   ([`evaluate::compare`]): population, land, Senate, House, electoral votes, 2016/2020/2024
//!   results and the national Electoral College, Senate lean, malapportionment, fiscal figures.
//! - [`report`]: [`ScenarioReport`], the one serializable value (schema-versioned, snake_case
//!   JSON) that the CLI, the web app and the Python package all return for a scenario;
//!   [`scenario_report`] resolves and evaluates in one call.
//! - [`split`]: [`SplitEvaluator`], a precomputed fast path scoring "state XX split into k
//!   parts by this county assignment" in microseconds, for samplers.
//!
//! The crate does no file I/O: parsers take `&str`, the CLI reads and writes files.
//!
//! # API for other crates
//! ```
//! use redraw_core::{Dataset, scenario::{preset, ResolveOptions}, evaluate::{compare, EvalOptions}};
//! let ds = Dataset::embedded();
//! let resolved = preset("six-californias").unwrap().resolve(ds, &ResolveOptions::default()).unwrap();
//! // Geometry: county FIPS -> resulting state name.
//! assert_eq!(resolved.county_state(ds, "06037").unwrap().name, "West California");
//! let report = compare(ds, &resolved, &EvalOptions::default()).unwrap();
//! assert_eq!(report.baseline.elections[0].electoral_votes_rep, 306); // 2016, as pledged
//! ```
//! For neutral splits: `ds.states[st].counties` and `ds.adjacency` (CSR, border metres) give
//! the county graph; [`SplitEvaluator::new`]`(ds, "CA", k, opts)` then `evaluate(&assignment,
//! &mut outcome)` scores each split.
//!
//! # Invariants
//! - Today's map reproduces the official 2000/2010/2020 seats (Huntington-Hill, 435) and the
//!   certified pledged Electoral College totals of 2016, 2020 and 2024 (tests).
//! - An unchanged state keeps its exact official apportionment population; the parts of a
//!   split state add up to the parent's.
//! - The committed tables equal a fresh derivation from `../shared/data` (test).

pub mod apportion;
pub mod dataset;
pub mod derive;
pub mod economy;
pub mod evaluate;
pub mod report;
pub mod rules;
pub mod scenario;
pub mod split;
pub mod text;

pub use apportion::{apportion, Apportionment, Method};
pub use dataset::{CensusYear, CountyId, Dataset, ElectionYear, StateId, Votes};
pub use report::{scenario_report, ScenarioReport};
pub use scenario::{ResolvedScenario, Scenario, ScenarioError};
pub use split::SplitEvaluator;
