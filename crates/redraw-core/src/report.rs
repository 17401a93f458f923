//! The scenario report: one serializable value holding every figure redraw computes for a
//! scenario, today's map beside it, and the rules behind the figures.
//!
//! Every front end returns this same value: `redraw scenario --format json` prints
//! [`ScenarioReport::to_json`], the local web app (`redraw serve`) answers with the same bytes,
//! and the Python package turns the same structure into dictionaries. Keys are snake_case;
//! money is in dollars (`*_usd`), shares are fractions (0.12, not 12 %), margins are percentage
//! points of the total vote (D − R), land is in square miles (`*_sq_mi`).
//!
//! `schema_version` changes when a key is renamed or removed or its meaning changes; adding a
//! key does not change it, so readers should ignore keys they do not know.

use crate::apportion::Method;
use crate::dataset::Dataset;
use crate::evaluate::{compare, EcRule, EvalOptions, HouseRule, MapReport, RULES};
use crate::scenario::{ResolveOptions, ResolvedScenario, Scenario, ScenarioError};

/// Version of the [`ScenarioReport`] JSON layout.
pub const SCHEMA_VERSION: u32 = 1;

/// Today's map and the scenario's, evaluated with the same options.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ScenarioReport {
    pub schema_version: u32,
    /// The scenario's identifier (`six-californias`, or the `name` of a scenario file).
    pub name: String,
    pub title: String,
    pub description: Option<String>,
    /// Where the scenario's county lists come from.
    pub source: Option<String>,
    pub options: ReportOptions,
    /// Today's map under the same options.
    pub baseline: MapReport,
    pub scenario: MapReport,
    /// The rules behind the figures, one sentence each.
    pub rules: Vec<String>,
    /// What the data can and cannot support, one sentence each (fiscal years covered, vintages,
    /// comparisons left out).
    pub limits: Vec<String>,
}

/// The data's limits, stated in every report.
pub const LIMITS: [&str; 7] = [
    "Fiscal figures cover one year only: IRS collections are FY2023 and the Rockefeller balances FFY2023 (the only year staged); no claim about other years or trends can be tested.",
    "The deficit-neutral balance needs each state's federal receipts and spending; only the net balance (a secondary transcription of Rockefeller's Table 6) and IRS gross collections are staged, so receipts are IRS collections (counted where filers are, before refunds) and spending is collections + balance: an estimate.",
    "DC's federal balance is not in the Rockefeller report: any state containing DC, and any admitted territory, has no balance.",
    "County GDP by industry ends in 2021 (BEA CAGDP2, December 2022 release); BEA withholds about a fifth of county cells for the five industries, filled here so that state totals are exact and marked estimated.",
    "Latest GDP (2024) is BEA's state table (SAGDP2, September 2025 release), a later vintage than the county table: the two are not comparable to the dollar, and the state table covers only entities made of whole states.",
    "No staged source gives countries' GDP, so no bloc is compared with countries.",
    "Territories have no BEA GDP and no federal balance in the data; their economy is unknown unless the scenario gives gdp_usd.",
];

/// The options the report was computed with.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ReportOptions {
    /// Census of the population, House and electoral-vote tables.
    pub census: u16,
    /// Census whose electoral votes score every election; `null` when each election uses the
    /// census in force at the time (2010 for 2016 and 2020, 2020 for 2024).
    pub election_census: Option<u16>,
    pub election_years: Vec<u16>,
    pub method: Method,
    /// House size under the `fixed` rule.
    pub house_size: u32,
    pub house_rule: HouseRule,
    /// The rule of the main electoral-vote figures.
    pub ec_rule: EcRule,
    /// Year of the county economic figures.
    pub economy_year: u16,
}

impl ScenarioReport {
    pub(crate) fn new(
        sc: &ResolvedScenario,
        opts: &EvalOptions,
        baseline: MapReport,
        scenario: MapReport,
    ) -> ScenarioReport {
        ScenarioReport {
            schema_version: SCHEMA_VERSION,
            name: sc.name.clone(),
            title: sc.title.clone(),
            description: sc.description.clone(),
            source: sc.source.clone(),
            options: ReportOptions {
                census: opts.table_census().year(),
                election_census: opts.census.map(|c| c.year()),
                election_years: opts.elections.iter().map(|e| e.year()).collect(),
                method: opts.method,
                house_size: opts.house_size,
                house_rule: opts.house_rule,
                ec_rule: opts.ec_rule,
                economy_year: scenario.economy.as_ref().map_or(0, |e| e.year),
            },
            baseline,
            scenario,
            rules: {
                let mut r: Vec<String> = RULES.iter().map(|r| r.to_string()).collect();
                r.extend(EcRule::ALL.iter().map(|e| e.rule_text().to_string()));
                if opts.house_rule != HouseRule::Fixed {
                    r.push(format!("House size: {}.", opts.house_rule.describe(opts.house_size)));
                }
                r
            },
            limits: LIMITS.iter().map(|l| l.to_string()).collect(),
        }
    }

    /// The report as pretty-printed JSON ending in a newline: the exact bytes every front end
    /// returns.
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).expect("a report always serializes");
        s.push('\n');
        s
    }

    /// The report as a JSON value (for embedding it in a larger document).
    pub fn to_json_value(&self) -> serde_json::Value {
        serde_json::to_value(self).expect("a report always serializes")
    }
}

/// Resolves a scenario and evaluates it against today's map: the one entry point behind every
/// front end's scenario report. `source` (the file text and a display name) turns spans into
/// line numbers in errors; pass `None` for scenarios built in code.
pub fn scenario_report(
    ds: &Dataset,
    scenario: &Scenario,
    source: Option<(&str, &str)>,
    resolve: &ResolveOptions,
    opts: &EvalOptions,
) -> Result<ScenarioReport, ScenarioError> {
    let resolved = scenario.resolve(ds, resolve, source)?;
    compare(ds, &resolved, opts)
}
