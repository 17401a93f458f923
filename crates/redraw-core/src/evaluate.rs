//! Consequences of a map: population, land, Senate, House, Electoral College under four
//! allocation rules, counterfactual presidential results, the Senate lean they imply,
//! malapportionment, economic weight and federal fiscal figures, for a [`ResolvedScenario`]
//! and for today's map side by side ([`compare`]).
//!
//! Rules (also printed by the CLI, see [`RULES`] and [`EcRule::rule_text`]):
//! - Apportionment population of an unchanged state is its official figure. For a new or
//!   changed state it is the sum of its counties' resident population plus, from each parent
//!   state, the parent's overseas federal personnel scaled by the county population share it
//!   takes (so the pieces of a split state add up to the parent's official figure). An
//!   admitted territory counts its census resident population.
//! - The House is apportioned among the states in the union (DC excluded) by the chosen method
//!   and size ([`HouseRule`]). Electoral votes are House seats + 2; DC keeps 3 while it exists
//!   unchanged.
//! - Each election is scored with the electoral votes of a census: the one chosen with
//!   `census`, or by default the census in force at that election (2010 for 2012, 2016 and
//!   2020; 2020 for 2024), so today's map reproduces the certified pledged totals.
//! - Electors are allocated by every [`EcRule`]; the main figures follow the chosen one.
//! - Economy: BEA county GDP by industry of the economy year, summed (see [`crate::economy`]).
//! - Fiscal: IRS FY2023 gross collections shared out to counties by BEA 2018 personal income;
//!   the Rockefeller Institute's FFY2023 per-capita balance times the county's 2020
//!   population; and the deficit-neutral balance (spending scaled to national receipts).

use crate::apportion::{apportion_into, Method};
use crate::dataset::{CensusYear, Dataset, ElectionYear, PoolField, Votes, N_ELECTIONS};
use crate::economy::SECTORS;
use crate::report::ScenarioReport;
use crate::rules::NPVIC_MEMBERS;
pub use crate::rules::{published_district_electors, EcRule, HouseRule};
use crate::scenario::{AdmittedFigures, ResolvedScenario, ScenarioError, StateStatus};

/// The rules behind the figures, one sentence each, for reports (the electoral-vote
/// allocation rules are [`EcRule::rule_text`]).
pub const RULES: [&str; 8] = [
    "Apportionment population: official for unchanged states; for new or changed states, county resident population plus each parent's overseas federal personnel scaled by the population share taken from it; for an admitted territory, its census resident population.",
    "Electoral votes = House seats + 2 (DC: 3). Each election uses the census in force at the time (2010 for 2012/2016/2020, 2020 for 2024) unless --census is given. Totals are pledged electors (certified results), not the votes electors actually cast (2016: 304-227 after seven faithless electors).",
    "Senate lean: each state's two seats to its presidential winner of that year (or its assumed lean).",
    "Federal tax collections: IRS FY2023 gross collections by state, shared out to counties by BEA 2018 personal income. IRS counts collections where the filer is (a business: its principal office), so headquarters states (DE, MN, NE, NJ, DC) are inflated and collections are not a measure of who bears the tax.",
    "Federal balance (raw): Rockefeller Institute FFY2023 per-capita balance (federal spending in the state minus federal receipts from it) times 2020 county population; unknown for DC and admitted territories. In FFY2023 the federal government spent more than it received, so most states show a positive balance.",
    "Deficit-neutral balance: each state's federal spending (estimated as its IRS collections plus its raw balance) scaled by national receipts / national spending of the 50 states, minus its IRS collections; these balances sum to zero nationally, so a negative one means the state pays more than it receives in a budget that balances.",
    "Economy: BEA county GDP by industry (CAGDP2, December 2022 release) of the economy year, with withheld cells allocated so that every state total is exact (marked estimated); GDP per person uses BEA's midyear population of that year; national GDP is the 50 states + DC (BEA's US figure minus overseas federal activity). Latest GDP is the BEA state table (SAGDP2) for states made of whole states.",
    "Countries' GDP: no staged source, so blocs are not compared with countries.",
];

/// Evaluation options.
#[derive(Debug, Clone)]
pub struct EvalOptions {
    /// Census of the population, House and electoral-vote tables (default 2020). When `None`,
    /// each election is scored with the census in force at that election.
    pub census: Option<CensusYear>,
    pub elections: Vec<ElectionYear>,
    pub method: Method,
    /// House size under [`HouseRule::Fixed`].
    pub house_size: u32,
    pub house_rule: HouseRule,
    /// The rule of the main electoral-vote figures (every rule is reported as well).
    pub ec_rule: EcRule,
    /// Year of the economic figures: a county year of BEA CAGDP2 (2017–2021); `None` = newest.
    pub economy_year: Option<u16>,
}

impl Default for EvalOptions {
    fn default() -> Self {
        EvalOptions {
            census: None,
            elections: ElectionYear::DEFAULT.to_vec(),
            method: Method::HuntingtonHill,
            house_size: 435,
            house_rule: HouseRule::Fixed,
            ec_rule: EcRule::WinnerTakeAll,
            economy_year: None,
        }
    }
}

impl EvalOptions {
    /// The census of the population/House tables.
    pub fn table_census(&self) -> CensusYear {
        self.census.unwrap_or(CensusYear::Y2020)
    }
    /// The census whose electoral votes score an election.
    pub fn election_census(&self, y: ElectionYear) -> CensusYear {
        self.census.unwrap_or(y.census_in_force())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Party {
    #[serde(rename = "D")]
    Dem,
    #[serde(rename = "R")]
    Rep,
}

impl Party {
    pub fn letter(self) -> &'static str {
        match self {
            Party::Dem => "D",
            Party::Rep => "R",
        }
    }
}

/// A state's electors under one rule (`None`: the rule cannot allocate them with the data).
#[derive(Debug, Clone, serde::Serialize)]
pub struct StateRuleOutcome {
    pub rule: EcRule,
    pub electoral_votes_dem: Option<u32>,
    pub electoral_votes_rep: Option<u32>,
}

/// One state's result in one election.
#[derive(Debug, Clone, serde::Serialize)]
pub struct StateElection {
    pub year: u16,
    pub votes: Votes,
    /// False for an admitted state without votes for this year.
    pub votes_reported: bool,
    /// `None` for a state without votes and without an assumed lean.
    pub winner: Option<Party>,
    /// The winner is the lean the scenario assumes, not a count of votes.
    pub winner_assumed: bool,
    /// (D − R) / total votes, percentage points; `None` without votes.
    pub margin_pct: Option<f64>,
    /// Electoral votes under the chosen rule.
    pub electoral_votes_dem: u32,
    pub electoral_votes_rep: u32,
    /// Electors not cast (a state without votes or assumed lean).
    pub electoral_votes_not_cast: u32,
    /// Electoral votes under every rule.
    pub by_rule: Vec<StateRuleOutcome>,
}

/// One industry's figures for a state, bloc or the nation.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SectorFigures {
    /// `agriculture`, `manufacturing`, `information`, `finance`, `professional`.
    pub key: &'static str,
    pub naics: &'static str,
    pub gdp_usd: f64,
    /// Share of the entity's own GDP (0–1).
    pub share_of_gdp: f64,
    /// Share of the national total of this industry (0–1).
    pub share_of_national_sector: f64,
    /// Some county cells were withheld by BEA and allocated, or shared out of a multi-county area.
    pub estimated: bool,
}

/// GDP of an entity made of whole states, from BEA's newer state table.
#[derive(Debug, Clone, serde::Serialize)]
pub struct LatestGdp {
    pub year: u16,
    pub gdp_usd: f64,
    /// Share of the 50 states + DC.
    pub share_of_national: f64,
    pub source: &'static str,
}

/// Economic weight of a state or bloc.
#[derive(Debug, Clone, serde::Serialize)]
pub struct EconomyFigures {
    pub year: u16,
    pub gdp_usd: f64,
    /// Share of national GDP (every state of the map, seceded ones included; 0–1).
    pub gdp_share: f64,
    /// BEA midyear population of the year (`None` for a user-supplied GDP).
    pub population: Option<u64>,
    pub gdp_per_capita_usd: Option<f64>,
    /// Empty when only a user-supplied total is known.
    pub sectors: Vec<SectorFigures>,
    /// Some figure is an estimate (see `estimated_fields`).
    pub estimated: bool,
    /// `gdp`, sector keys, `population`.
    pub estimated_fields: Vec<&'static str>,
    /// `BEA CAGDP2` or `user-supplied`.
    pub source: &'static str,
    /// BEA's state-table GDP of the newest year, for entities made of whole states.
    pub latest: Option<LatestGdp>,
}

/// National economic totals of a map.
#[derive(Debug, Clone, serde::Serialize)]
pub struct NationalEconomy {
    pub year: u16,
    /// Every state of the map (seceded ones included) with a GDP.
    pub gdp_usd: f64,
    /// The states still in the union.
    pub union_gdp_usd: f64,
    pub population: u64,
    pub sectors: Vec<NationalSector>,
    /// BEA's United States row of the same table and year.
    pub bea_us_gdp_usd: f64,
    /// The US row minus the 50 states + DC: federal military and civilian activity overseas.
    pub bea_overseas_usd: f64,
    pub latest_year: Option<u16>,
    /// The 50 states + DC in BEA's state table of `latest_year`.
    pub latest_gdp_usd: Option<f64>,
    /// States or blocs whose economy is unknown (admitted without a GDP).
    pub unknown: Vec<String>,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct NationalSector {
    pub key: &'static str,
    pub label: &'static str,
    pub naics: &'static str,
    pub gdp_usd: f64,
}

/// Federal fiscal figures of a state or bloc (FFY / FY 2023).
#[derive(Debug, Clone, serde::Serialize)]
pub struct FiscalFigures {
    /// IRS FY2023 gross collections (the state's receipts here).
    pub receipts_usd: Option<f64>,
    /// Estimated federal spending in the state: receipts + raw balance.
    pub spending_usd: Option<f64>,
    /// Rockefeller FFY2023 balance: spending − receipts (positive: net recipient).
    pub balance_usd: Option<f64>,
    /// Spending scaled so national spending = national receipts, minus receipts.
    pub deficit_neutral_balance_usd: Option<f64>,
    /// What the two balances say, and what they cannot.
    pub verdict: String,
}

/// National fiscal frame of the deficit-neutral rule (today's 50 states).
#[derive(Debug, Clone, serde::Serialize)]
pub struct NationalFiscal {
    pub fiscal_year: &'static str,
    pub receipts_usd: f64,
    pub spending_usd: f64,
    /// Spending − receipts of the 50 states: the deficit as spent in the states.
    pub balance_usd: f64,
    /// National receipts / national spending: the factor applied to spending.
    pub spending_scale: f64,
    pub years_covered: Vec<u16>,
}

/// Figures for one state of a map.
#[derive(Debug, Clone, serde::Serialize)]
pub struct StateFigures {
    pub name: String,
    pub abbr: String,
    pub status: StateStatus,
    /// Abbreviation of the state of today's map this one continues (unchanged and changed
    /// states); `None` for a new state.
    pub today: Option<String>,
    /// Abbreviations of today's states that contributed counties.
    pub parents: Vec<String>,
    /// Admitted without counties (a territory, or a state the scenario describes).
    pub admitted: bool,
    pub in_union: bool,
    pub is_district: bool,
    /// Resident population (table census).
    pub population: u64,
    pub apportionment_population: u64,
    /// `None` when unknown (an admitted state without a land area).
    pub land_sq_mi: Option<f64>,
    pub senators: u32,
    pub house_seats: u32,
    pub electoral_votes: u32,
    pub ev_per_million: f64,
    /// Member of the National Popular Vote compact.
    pub npvic_member: bool,
    pub elections: Vec<StateElection>,
    pub irs_collections_usd: f64,
    /// `None` when the state includes DC or an admitted territory, whose balance is not published.
    pub federal_balance_usd: Option<f64>,
    pub fiscal: FiscalFigures,
    /// `None` for an admitted state without a GDP.
    pub economy: Option<EconomyFigures>,
}

/// One allocation rule's national result.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RuleOutcome {
    pub rule: EcRule,
    pub available: bool,
    pub electoral_votes_dem: Option<u32>,
    pub electoral_votes_rep: Option<u32>,
    pub winner: Option<Party>,
    /// States whose electors the rule cannot allocate with the data.
    pub unavailable_states: Vec<String>,
    /// NPVIC: the members' electoral votes under this map, and whether they are a majority.
    pub compact_members_electoral_votes: Option<u32>,
    pub compact_in_force: Option<bool>,
    /// NPVIC: the result if the compact were in force anyway.
    pub if_in_force_dem: Option<u32>,
    pub if_in_force_rep: Option<u32>,
    pub note: String,
}

/// National result of one election under a map.
#[derive(Debug, Clone, serde::Serialize)]
pub struct NationalElection {
    pub year: u16,
    /// Census whose electoral votes were used.
    pub census: u16,
    pub house_size: u32,
    /// The rule of the main figures below.
    pub rule: EcRule,
    pub electoral_votes_dem: u32,
    pub electoral_votes_rep: u32,
    /// Electors of every state in the union.
    pub electoral_votes_total: u32,
    /// Electors not cast (states without votes or assumed lean); a majority is of the rest.
    pub electoral_votes_not_cast: u32,
    pub winner: Option<Party>,
    pub popular: Votes,
    pub popular_winner: Option<Party>,
    /// Senate seats implied by each state's presidential winner.
    pub senate_dem: u32,
    pub senate_rep: u32,
    /// Seats of states without votes or assumed lean.
    pub senate_unknown: u32,
    pub by_rule: Vec<RuleOutcome>,
}

/// A figure that belongs to one named state ("19,769,112 people per senator in California").
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct NamedValue {
    pub state: String,
    pub value: f64,
}

impl NamedValue {
    fn of(state: &str, value: f64) -> Self {
        NamedValue { state: state.to_string(), value }
    }
}

/// How unequal representation is (union states only, DC excluded).
#[derive(Debug, Clone, serde::Serialize)]
pub struct Malapportionment {
    /// Population per senator in the most populous state.
    pub largest_per_senator: NamedValue,
    pub smallest_per_senator: NamedValue,
    /// Ratio of the two above.
    pub senator_ratio: f64,
    /// Smallest share of the union's population living in states that hold a Senate majority.
    pub senate_majority_min_share: f64,
    pub senate_majority_states: usize,
    pub most_ev_per_million: NamedValue,
    pub fewest_ev_per_million: NamedValue,
}

/// A bloc's economy beside the rest of the union.
#[derive(Debug, Clone, serde::Serialize)]
pub struct BlocComparison {
    /// The union's states outside the bloc (for a seceding bloc: the remaining union).
    pub rest_of_union: EconomyFigures,
    /// Bloc GDP / rest-of-union GDP.
    pub gdp_ratio: f64,
    /// Bloc GDP per person / the rest's.
    pub gdp_per_capita_ratio: Option<f64>,
}

/// Aggregate figures of a bloc (seceded states or a coalition).
#[derive(Debug, Clone, serde::Serialize)]
pub struct BlocFigures {
    pub name: String,
    pub seceded: bool,
    pub members: Vec<String>,
    pub population: u64,
    pub land_sq_mi: Option<f64>,
    pub senators: u32,
    pub house_seats: u32,
    pub electoral_votes: u32,
    pub elections: Vec<StateElection>,
    pub irs_collections_usd: f64,
    pub federal_balance_usd: Option<f64>,
    pub fiscal: FiscalFigures,
    pub economy: Option<EconomyFigures>,
    pub versus_rest_of_union: Option<BlocComparison>,
}

/// Everything about one map.
#[derive(Debug, Clone, serde::Serialize)]
pub struct MapReport {
    pub scenario: String,
    pub title: String,
    pub census: u16,
    pub method: Method,
    /// House size of the table census.
    pub house_size: u32,
    pub house_rule: HouseRule,
    pub ec_rule: EcRule,
    pub states: Vec<StateFigures>,
    pub union_states: usize,
    pub senators: u32,
    pub electoral_votes: u32,
    pub union_population: u64,
    pub elections: Vec<NationalElection>,
    pub malapportionment: Malapportionment,
    pub blocs: Vec<BlocFigures>,
    pub economy: Option<NationalEconomy>,
    pub fiscal: NationalFiscal,
    pub warnings: Vec<String>,
}

/// Evaluates a scenario and today's map with the same options: the [`ScenarioReport`] that
/// every front end (CLI `--format json`, `redraw serve`, the Python package) serializes.
pub fn compare(
    ds: &Dataset,
    sc: &ResolvedScenario,
    opts: &EvalOptions,
) -> Result<ScenarioReport, ScenarioError> {
    // The scenario first, so that an error names the scenario's map.
    let scenario = evaluate(ds, sc, opts)?;
    let baseline = evaluate(ds, &ResolvedScenario::baseline(ds), opts)?;
    Ok(ScenarioReport::new(sc, opts, baseline, scenario))
}

/// Per-state sums that every other figure derives from.
#[derive(Debug, Clone, Default)]
pub(crate) struct Agg {
    pub pop: [u64; 2],
    pub overseas: [f64; 2],
    pub votes: [Votes; N_ELECTIONS],
    /// An admitted state without votes for the year.
    pub no_votes: [bool; N_ELECTIONS],
    pub lean: Option<Party>,
    pub land_m2: u64,
    pub land_unknown: bool,
    pub irs: f64,
    pub irs_unknown: bool,
    pub balance: f64,
    /// Includes DC or an admitted territory, whose balance is not published.
    pub balance_unknown: bool,
    /// GDP of the economy year in dollars: total and [`SECTORS`].
    pub gdp: [f64; 6],
    pub gdp_pop: u64,
    /// OR of the counties' estimate bits.
    pub gdp_est: u8,
    pub gdp_unknown: bool,
    /// Only a user-supplied total (no sectors, no population).
    pub gdp_user: bool,
}

impl Agg {
    /// Adds a county; `eco` is the economy year index when economic figures are wanted.
    pub(crate) fn add_county(&mut self, ds: &Dataset, c: usize, eco: Option<usize>) {
        for k in 0..2 {
            self.pop[k] += ds.pop[k].values[c];
            self.overseas[k] += ds.overseas_alloc[k][c];
        }
        for k in 0..N_ELECTIONS {
            self.votes[k].add(&ds.pres[k].values[c]);
        }
        self.land_m2 += ds.counties[c].land_m2.max(1);
        self.irs += ds.irs_usd[c];
        self.balance += ds.balance_usd[c];
        self.balance_unknown |= ds.states[ds.counties[c].state].is_district();
        if let Some(k) = eco {
            let g = ds.economy.county(k, c as u32);
            for j in 0..6 {
                self.gdp[j] += g.kusd[j] as f64 * 1000.0;
            }
            self.gdp_pop += g.population;
            self.gdp_est |= g.estimated;
        }
    }

    fn add_admitted(&mut self, a: &AdmittedFigures) {
        for k in 0..2 {
            self.pop[k] += a.population[k];
        }
        for (k, v) in a.votes.iter().enumerate() {
            match v {
                Some(v) => self.votes[k].add(v),
                None => self.no_votes[k] = true,
            }
        }
        self.lean = a.lean;
        match a.land_m2 {
            Some(l) => self.land_m2 += l,
            None => self.land_unknown = true,
        }
        match a.irs_collections_usd {
            Some(i) => self.irs += i,
            None => self.irs_unknown = true,
        }
        self.balance_unknown = true;
        match a.gdp_usd {
            Some(g) => {
                self.gdp[0] += g;
                self.gdp_user = true;
            }
            None => self.gdp_unknown = true,
        }
    }
}

/// Static facts about a resulting state needed by the national step.
#[derive(Debug, Clone)]
pub(crate) struct Slot {
    pub in_union: bool,
    pub is_district: bool,
    /// `Some(original)` when the state is unchanged (official figures apply).
    pub unchanged: Option<usize>,
    pub npvic_member: bool,
}

/// Output of the national step for one census.
#[derive(Debug, Clone, Default)]
pub(crate) struct Seats {
    pub house: Vec<u32>,
    pub ev: Vec<u32>,
    pub house_size: u32,
}

pub(crate) fn app_population(ds: &Dataset, slot: &Slot, agg: &Agg, census: CensusYear) -> u64 {
    match slot.unchanged {
        Some(o) if !ds.states[o].is_district() => {
            ds.states[o].official(census.year()).expect("census").population
        }
        _ => (agg.pop[census as usize] as f64 + agg.overseas[census as usize]).round() as u64,
    }
}

/// House seats and electoral votes of every slot under a census. `scratch` buffers keep hot
/// loops free of allocation.
#[allow(clippy::too_many_arguments)] // an internal hot-path helper; a struct would only rename these
pub(crate) fn seats_for(
    ds: &Dataset,
    slots: &[Slot],
    aggs: &[Agg],
    census: CensusYear,
    method: Method,
    house_size: u32,
    house_rule: HouseRule,
    scratch: &mut (Vec<u64>, Vec<usize>, Vec<u32>),
    out: &mut Seats,
) -> Result<(), ScenarioError> {
    let (pops, idx, seats) = scratch;
    pops.clear();
    idx.clear();
    for (i, s) in slots.iter().enumerate() {
        if s.in_union && !s.is_district {
            pops.push(app_population(ds, s, &aggs[i], census));
            idx.push(i);
        }
    }
    let size = house_rule.size(house_size, pops);
    seats.clear();
    seats.resize(pops.len(), 0);
    apportion_into(pops, size, method, seats).map_err(|e| ScenarioError::Invalid {
        file: None,
        line: None,
        message: e.to_string(),
    })?;
    out.house_size = size;
    out.house.clear();
    out.house.resize(slots.len(), 0);
    out.ev.clear();
    out.ev.resize(slots.len(), 0);
    for (k, &i) in idx.iter().enumerate() {
        out.house[i] = seats[k];
        out.ev[i] = seats[k] + 2;
    }
    for (i, s) in slots.iter().enumerate() {
        if s.in_union && s.is_district {
            out.ev[i] = 3;
        }
    }
    Ok(())
}

/// Electors a slot casts: D, R, not cast; `unavailable` when the rule cannot allocate them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Cast {
    pub dem: u32,
    pub rep: u32,
    pub not_cast: u32,
    pub unavailable: bool,
}

fn all_to(p: Option<Party>, ev: u32) -> Cast {
    match p {
        Some(Party::Dem) => Cast { dem: ev, ..Default::default() },
        Some(Party::Rep) => Cast { rep: ev, ..Default::default() },
        None => Cast { not_cast: ev, ..Default::default() },
    }
}

/// The statewide winner: the plurality of D and R, or the assumed lean without votes.
pub(crate) fn statewide(agg: &Agg, y: ElectionYear) -> Option<Party> {
    if agg.no_votes[y as usize] {
        return agg.lean;
    }
    let v = &agg.votes[y as usize];
    Some(if v.dem > v.rep { Party::Dem } else { Party::Rep })
}

/// Maine's and Nebraska's published district electors, when the state is unchanged and casts
/// the number of electors it actually cast.
fn published(ds: &Dataset, slot: &Slot, ev: u32, year: ElectionYear) -> Option<(u32, u32)> {
    let st = &ds.states[slot.unchanged?];
    let (d, r) = published_district_electors(&st.abbr, year)?;
    let actual = st.official(year.census_in_force().year()).expect("census").seats + 2;
    (ev == actual).then_some((d, r))
}

/// Electors `(dem, rep)` a slot casts in an election under winner-take-all (today's rule).
pub(crate) fn ec_votes(ds: &Dataset, slot: &Slot, agg: &Agg, ev: u32, year: ElectionYear) -> Cast {
    if !agg.no_votes[year as usize] {
        if let Some((d, r)) = published(ds, slot, ev, year) {
            return Cast { dem: d, rep: r, ..Default::default() };
        }
    }
    all_to(statewide(agg, year), ev)
}

/// Electors a slot casts under a state-level rule (the compact is settled nationally).
fn cast_by(ds: &Dataset, slot: &Slot, agg: &Agg, ev: u32, house: u32, y: ElectionYear, rule: EcRule) -> Cast {
    if agg.no_votes[y as usize] {
        return all_to(agg.lean, ev);
    }
    match rule {
        EcRule::WinnerTakeAll | EcRule::Npvic => ec_votes(ds, slot, agg, ev, y),
        EcRule::Proportional => {
            let v = &agg.votes[y as usize];
            let parts = crate::derive::split_exact(ev as i64, &[v.dem as f64, v.rep as f64]);
            Cast { dem: parts[0] as u32, rep: parts[1] as u32, ..Default::default() }
        }
        EcRule::CongressionalDistrict => {
            if slot.is_district || house == 1 {
                // One district (or none): the district winner is the statewide winner.
                ec_votes(ds, slot, agg, ev, y)
            } else if let Some((d, r)) = published(ds, slot, ev, y) {
                Cast { dem: d, rep: r, ..Default::default() }
            } else {
                Cast { unavailable: true, ..Default::default() }
            }
        }
    }
}

fn majority(dem: u32, rep: u32, appointed: u32) -> Option<Party> {
    if 2 * dem > appointed {
        Some(Party::Dem)
    } else if 2 * rep > appointed {
        Some(Party::Rep)
    } else {
        None
    }
}

/// Whether the scenario puts the counties of one of `state`'s pools for `field` in different states.
fn state_pool_split(ds: &Dataset, sc: &ResolvedScenario, state: usize, field: PoolField) -> bool {
    ds.pools.iter().filter(|p| p.field == field && p.state == state).any(|p| {
        let s0 = sc.county_state[p.members[0] as usize];
        p.members.iter().any(|&m| sc.county_state[m as usize] != s0)
    })
}

fn pool_error(ds: &Dataset, sc: &ResolvedScenario, field: PoolField) -> Option<ScenarioError> {
    for p in ds.pools.iter().filter(|p| p.field == field) {
        let s0 = sc.county_state[p.members[0] as usize];
        if p.members.iter().any(|&m| sc.county_state[m as usize] != s0) {
            let mut names: Vec<&str> = p
                .members
                .iter()
                .map(|&m| sc.states[sc.county_state[m as usize] as usize].name.as_str())
                .collect();
            names.sort_unstable();
            names.dedup();
            let hint = match field {
                PoolField::President(y) => {
                    // Suggest only the years this state's counties can actually be scored in:
                    // Alaska has no borough results in any year, so "leave out 2016" would
                    // only lead to the same error for 2020.
                    let usable: Vec<String> = ElectionYear::ALL
                        .iter()
                        .filter(|e| **e != y && !state_pool_split(ds, sc, p.state, PoolField::President(**e)))
                        .map(|e| e.year().to_string())
                        .collect();
                    if usable.is_empty() {
                        format!(
                            "Keep {} whole: its county-level results exist for none of the election years.",
                            ds.states[p.state].name
                        )
                    } else {
                        format!(
                            "Keep {} whole, or leave out {} (e.g. --election-year {}).",
                            ds.states[p.state].name,
                            y.year(),
                            usable.join(",")
                        )
                    }
                }
                PoolField::Population(c) => format!(
                    "Keep these counties together, or use another census than {} (--census 2020).",
                    c.year()
                ),
            };
            return Some(ScenarioError::DataUnavailable {
                note: p.note.clone(),
                states: names.join(", "),
                hint,
            });
        }
    }
    None
}

/// Is resulting state `i` made of whole states of today (and nothing else)?
fn whole_states(ds: &Dataset, sc: &ResolvedScenario, i: usize) -> bool {
    let s = &sc.states[i];
    s.admitted.is_none()
        && !s.parents.is_empty()
        && s.parents
            .iter()
            .all(|&p| ds.states[p].counties.iter().all(|&c| sc.county_state[c as usize] as usize == i))
}

/// The national frame of the deficit-neutral balance: today's 50 states (DC's balance is not
/// published). Returns (receipts, spending, scale).
pub fn national_fiscal(ds: &Dataset) -> NationalFiscal {
    let mut receipts = 0.0;
    let mut balance = 0.0;
    for s in ds.states.iter().filter(|s| s.balance_per_capita_2023.is_some()) {
        receipts += s.irs_collections_kusd_2023 as f64 * 1000.0;
        balance += s.balance_per_capita_2023.unwrap_or(0) as f64 * s.resident[1] as f64;
    }
    let spending = receipts + balance;
    NationalFiscal {
        fiscal_year: "FFY 2023",
        receipts_usd: receipts,
        spending_usd: spending,
        balance_usd: balance,
        spending_scale: receipts / spending,
        years_covered: vec![2023],
    }
}

fn bn(v: f64) -> String {
    format!("${:.1} bn", v.abs() / 1e9)
}

/// What the raw and deficit-neutral balances say about "pays more than it receives".
fn fiscal_verdict(balance: Option<f64>, dn: Option<f64>) -> String {
    let (Some(b), Some(d)) = (balance, dn) else {
        return "No federal balance is published for DC or territories: the fiscal claim cannot be tested here.".into();
    };
    let raw = if b >= 0.0 {
        format!("received {} more than it paid in FFY 2023", bn(b))
    } else {
        format!("paid {} more than it received in FFY 2023", bn(b))
    };
    let neutral = if d < 0.0 {
        format!("with federal spending scaled to receipts it pays {} more than it receives", bn(d))
    } else {
        format!("with federal spending scaled to receipts it still receives {} more than it pays", bn(d))
    };
    format!(
        "{raw}; {neutral}. One fiscal year only: this cannot show a lasting pattern (\"pays the bills\")."
    )
}

fn fiscal_of(agg_irs: Option<f64>, balance: Option<f64>, scale: f64) -> FiscalFigures {
    let spending = match (agg_irs, balance) {
        (Some(r), Some(b)) => Some(r + b),
        _ => None,
    };
    let dn = match (agg_irs, spending) {
        (Some(r), Some(e)) => Some(scale * e - r),
        _ => None,
    };
    FiscalFigures {
        receipts_usd: agg_irs,
        spending_usd: spending,
        balance_usd: balance,
        deficit_neutral_balance_usd: dn,
        verdict: fiscal_verdict(balance, dn),
    }
}

fn estimated_fields(bits: u8) -> Vec<&'static str> {
    let names =
        ["gdp", SECTORS[0].key, SECTORS[1].key, SECTORS[2].key, SECTORS[3].key, SECTORS[4].key, "population"];
    (0..7).filter(|b| bits & (1 << b) != 0).map(|b| names[b]).collect()
}

/// Economy of an aggregate against national totals (`national[0]` = GDP, then sectors).
fn economy_of(
    agg: &Agg,
    year: u16,
    national: &[f64; 6],
    latest: Option<LatestGdp>,
) -> Option<EconomyFigures> {
    if agg.gdp_unknown {
        return None;
    }
    let gdp = agg.gdp[0];
    let share = if national[0] > 0.0 { gdp / national[0] } else { 0.0 };
    if agg.gdp_user {
        return Some(EconomyFigures {
            year,
            gdp_usd: gdp,
            gdp_share: share,
            population: None,
            gdp_per_capita_usd: None,
            sectors: Vec::new(),
            estimated: false,
            estimated_fields: Vec::new(),
            source: "user-supplied",
            latest: None,
        });
    }
    let sectors = SECTORS
        .iter()
        .enumerate()
        .map(|(j, s)| SectorFigures {
            key: s.key,
            naics: s.naics,
            gdp_usd: agg.gdp[j + 1],
            share_of_gdp: if gdp > 0.0 { agg.gdp[j + 1] / gdp } else { 0.0 },
            share_of_national_sector: if national[j + 1] > 0.0 {
                agg.gdp[j + 1] / national[j + 1]
            } else {
                0.0
            },
            estimated: agg.gdp_est & (1 << (j + 1)) != 0,
        })
        .collect();
    Some(EconomyFigures {
        year,
        gdp_usd: gdp,
        gdp_share: share,
        population: Some(agg.gdp_pop),
        gdp_per_capita_usd: (agg.gdp_pop > 0).then(|| gdp / agg.gdp_pop as f64),
        sectors,
        estimated: agg.gdp_est != 0,
        estimated_fields: estimated_fields(agg.gdp_est),
        source: "BEA CAGDP2",
        latest,
    })
}

/// BEA state-table GDP of the newest year for a set of today's states.
fn latest_gdp(ds: &Dataset, parents: &[usize]) -> Option<LatestGdp> {
    let year = ds.economy.latest_state_year()?;
    let mut gdp = 0.0;
    for &p in parents {
        gdp += ds.economy.published("SAGDP2", year, &ds.states[p].fips)?.kusd[0]? as f64 * 1000.0;
    }
    let national = ds.economy.latest_states_usd()?;
    Some(LatestGdp { year, gdp_usd: gdp, share_of_national: gdp / national, source: "BEA SAGDP2" })
}

/// Estimate bits of groups of counties (`group_of[county]` in `0..groups`; other values are
/// ignored): a group's figure is estimated where it holds part, not all, of a state whose
/// included counties carry estimated cells (every state's counties add up to its BEA total).
fn estimate_flags(ds: &Dataset, group_of: &[usize], groups: usize, eco: usize) -> Vec<u8> {
    let mut out = vec![0u8; groups];
    for (si, st) in ds.states.iter().enumerate() {
        let _ = si;
        let mut flags = vec![0u8; groups];
        let mut count = vec![0usize; groups];
        for &c in &st.counties {
            let g = group_of[c as usize];
            if g < groups {
                flags[g] |= ds.economy.county(eco, c).estimated;
                count[g] += 1;
            }
        }
        for g in 0..groups {
            if count[g] > 0 && count[g] < st.counties.len() {
                out[g] |= flags[g];
            }
        }
    }
    out
}

/// The economy year index to use, or an error naming the available years.
pub fn economy_year(ds: &Dataset, opts: &EvalOptions) -> Result<(u16, usize), ScenarioError> {
    let y = opts.economy_year.unwrap_or_else(|| ds.economy.latest_county_year());
    let k = ds.economy.year_index(y).ok_or_else(|| ScenarioError::Invalid {
        file: None,
        line: None,
        message: format!(
            "economy year {y}: county GDP by industry (BEA CAGDP2) exists for {}–{} only",
            ds.economy.years[0],
            ds.economy.latest_county_year()
        ),
    })?;
    Ok((y, k))
}

/// Evaluates one map.
pub fn evaluate(ds: &Dataset, sc: &ResolvedScenario, opts: &EvalOptions) -> Result<MapReport, ScenarioError> {
    let tc = opts.table_census();
    let mut needed: Vec<CensusYear> = vec![tc];
    for &y in &opts.elections {
        let c = opts.election_census(y);
        if !needed.contains(&c) {
            needed.push(c);
        }
    }
    for &c in &needed {
        if let Some(e) = pool_error(ds, sc, PoolField::Population(c)) {
            return Err(e);
        }
    }
    for &y in &opts.elections {
        if let Some(e) = pool_error(ds, sc, PoolField::President(y)) {
            return Err(e);
        }
    }
    let (eco_year, eco) = economy_year(ds, opts)?;
    let n = sc.states.len();
    let mut aggs = vec![Agg::default(); n];
    for (c, &s) in sc.county_state.iter().enumerate() {
        aggs[s as usize].add_county(ds, c, Some(eco));
    }
    for (i, s) in sc.states.iter().enumerate() {
        if let Some(a) = &s.admitted {
            aggs[i].add_admitted(a);
        }
    }
    // A state's county figures add up exactly to its BEA total, so an entity's figure is an
    // estimate only where it takes part of a state whose counties carry estimated cells.
    let group_of: Vec<usize> = sc.county_state.iter().map(|&s| s as usize).collect();
    let est = estimate_flags(ds, &group_of, n, eco);
    for (i, a) in aggs.iter_mut().enumerate() {
        a.gdp_est = est[i];
    }
    let slots: Vec<Slot> = sc
        .states
        .iter()
        .map(|s| Slot {
            in_union: s.in_union,
            is_district: s.is_district,
            unchanged: (s.status == StateStatus::Unchanged).then_some(s.original).flatten(),
            npvic_member: s.admitted.is_none()
                && !s.parents.is_empty()
                && s.parents.iter().all(|&p| NPVIC_MEMBERS.contains(&ds.states[p].abbr.as_str())),
        })
        .collect();
    let mut scratch = (Vec::new(), Vec::new(), Vec::new());
    let mut by_census: Vec<(CensusYear, Seats)> = Vec::new();
    for &c in &needed {
        let mut seats = Seats::default();
        seats_for(
            ds,
            &slots,
            &aggs,
            c,
            opts.method,
            opts.house_size,
            opts.house_rule,
            &mut scratch,
            &mut seats,
        )?;
        by_census.push((c, seats));
    }
    let seats_of = |c: CensusYear| &by_census.iter().find(|x| x.0 == c).expect("computed").1;
    let table = seats_of(tc);

    // ---- elections: every rule, per state and nationally
    // casts[e][rule][slot]
    let mut national: Vec<NationalElection> = Vec::new();
    let mut casts: Vec<Vec<Vec<Cast>>> = Vec::new();
    for &y in &opts.elections {
        let ec = seats_of(opts.election_census(y));
        let mut popular = Votes::default();
        let (mut senate_dem, mut senate_rep, mut senate_unknown) = (0, 0, 0);
        let mut total = 0;
        for (i, s) in slots.iter().enumerate() {
            if !s.in_union {
                continue;
            }
            total += ec.ev[i];
            if !aggs[i].no_votes[y as usize] {
                popular.add(&aggs[i].votes[y as usize]);
            }
            if !s.is_district {
                match statewide(&aggs[i], y) {
                    Some(Party::Dem) => senate_dem += 2,
                    Some(Party::Rep) => senate_rep += 2,
                    None => senate_unknown += 2,
                }
            }
        }
        let popular_winner = match popular.dem.cmp(&popular.rep) {
            std::cmp::Ordering::Greater => Some(Party::Dem),
            std::cmp::Ordering::Less => Some(Party::Rep),
            std::cmp::Ordering::Equal => None,
        };
        let mut per_rule: Vec<Vec<Cast>> = Vec::new();
        let mut outcomes: Vec<RuleOutcome> = Vec::new();
        for rule in EcRule::ALL {
            let mut cs: Vec<Cast> = slots
                .iter()
                .enumerate()
                .map(|(i, s)| {
                    if s.in_union {
                        cast_by(ds, s, &aggs[i], ec.ev[i], ec.house[i], y, rule)
                    } else {
                        Cast::default()
                    }
                })
                .collect();
            let mut outcome = RuleOutcome {
                rule,
                available: true,
                electoral_votes_dem: None,
                electoral_votes_rep: None,
                winner: None,
                unavailable_states: Vec::new(),
                compact_members_electoral_votes: None,
                compact_in_force: None,
                if_in_force_dem: None,
                if_in_force_rep: None,
                note: String::new(),
            };
            if rule == EcRule::Npvic {
                let members: u32 =
                    (0..n).filter(|&i| slots[i].in_union && slots[i].npvic_member).map(|i| ec.ev[i]).sum();
                let in_force = 2 * members > total;
                let mut as_if = cs.clone();
                for i in (0..n).filter(|&i| slots[i].in_union && slots[i].npvic_member) {
                    as_if[i] = all_to(popular_winner, ec.ev[i]);
                }
                let tally =
                    |v: &[Cast]| (v.iter().map(|c| c.dem).sum::<u32>(), v.iter().map(|c| c.rep).sum::<u32>());
                let (d, r) = tally(&as_if);
                outcome.compact_members_electoral_votes = Some(members);
                outcome.compact_in_force = Some(in_force);
                outcome.if_in_force_dem = Some(d);
                outcome.if_in_force_rep = Some(r);
                outcome.note = if in_force {
                    format!("in force: members hold {members} of {total} electoral votes and give them to the national popular vote winner")
                } else {
                    format!(
                        "not in force: members hold {members} of {total} electoral votes (a majority, {}, is needed), so every state keeps winner-take-all; if it were in force: D {d} – R {r}",
                        total / 2 + 1
                    )
                };
                if in_force {
                    cs = as_if;
                }
            }
            let unavailable: Vec<String> =
                (0..n).filter(|&i| cs[i].unavailable).map(|i| sc.states[i].abbr.clone()).collect();
            if unavailable.is_empty() {
                let d: u32 = cs.iter().map(|c| c.dem).sum();
                let r: u32 = cs.iter().map(|c| c.rep).sum();
                let not_cast: u32 = cs.iter().map(|c| c.not_cast).sum();
                outcome.electoral_votes_dem = Some(d);
                outcome.electoral_votes_rep = Some(r);
                outcome.winner = majority(d, r, total - not_cast);
            } else {
                outcome.available = false;
                let avail: Vec<String> = (0..n)
                    .filter(|&i| slots[i].in_union && !cs[i].unavailable)
                    .map(|i| sc.states[i].abbr.clone())
                    .collect();
                outcome.note = format!(
                    "unavailable: presidential results by congressional district are not in the data for {} of {} states; allocated only for {}",
                    unavailable.len(),
                    unavailable.len() + avail.len(),
                    avail.join(", ")
                );
                outcome.unavailable_states = unavailable;
            }
            per_rule.push(cs);
            outcomes.push(outcome);
        }
        let ri = EcRule::ALL.iter().position(|&r| r == opts.ec_rule).expect("rule");
        let chosen = &outcomes[ri];
        if !chosen.available {
            return Err(ScenarioError::Invalid {
                file: None,
                line: None,
                message: format!(
                    "--ec-rule {}: {} (the other rules are reported for every election)",
                    opts.ec_rule.id(),
                    chosen.note
                ),
            });
        }
        let not_cast: u32 = per_rule[ri].iter().map(|c| c.not_cast).sum();
        national.push(NationalElection {
            year: y.year(),
            census: opts.election_census(y).year(),
            house_size: ec.house_size,
            rule: opts.ec_rule,
            electoral_votes_dem: chosen.electoral_votes_dem.unwrap_or(0),
            electoral_votes_rep: chosen.electoral_votes_rep.unwrap_or(0),
            electoral_votes_total: total,
            electoral_votes_not_cast: not_cast,
            winner: chosen.winner,
            popular,
            popular_winner,
            senate_dem,
            senate_rep,
            senate_unknown,
            by_rule: outcomes,
        });
        casts.push(per_rule);
    }

    // ---- economy: national totals first, then every entity
    let mut nat_gdp = [0.0f64; 6];
    let mut union_gdp = 0.0;
    let mut nat_pop = 0u64;
    let mut unknown_eco = Vec::new();
    for (i, a) in aggs.iter().enumerate() {
        if a.gdp_unknown {
            unknown_eco.push(sc.states[i].name.clone());
            continue;
        }
        for (t, v) in nat_gdp.iter_mut().zip(&a.gdp) {
            *t += v;
        }
        nat_pop += a.gdp_pop;
        if slots[i].in_union {
            union_gdp += a.gdp[0];
        }
    }
    let fiscal_nat = national_fiscal(ds);
    let scale = fiscal_nat.spending_scale;

    let mut states = Vec::with_capacity(n);
    for (i, s) in sc.states.iter().enumerate() {
        let a = &aggs[i];
        let pop = a.pop[tc as usize];
        let mut elections = Vec::new();
        for (e, &y) in opts.elections.iter().enumerate() {
            let v = a.votes[y as usize];
            let reported = !a.no_votes[y as usize];
            let ri = EcRule::ALL.iter().position(|&r| r == opts.ec_rule).expect("rule");
            let c = casts[e][ri][i];
            elections.push(StateElection {
                year: y.year(),
                votes: v,
                votes_reported: reported,
                winner: statewide(a, y),
                winner_assumed: !reported && a.lean.is_some(),
                margin_pct: reported.then(|| v.margin_pct()),
                electoral_votes_dem: c.dem,
                electoral_votes_rep: c.rep,
                electoral_votes_not_cast: c.not_cast,
                by_rule: EcRule::ALL
                    .iter()
                    .enumerate()
                    .map(|(k, &rule)| {
                        let c = casts[e][k][i];
                        StateRuleOutcome {
                            rule,
                            electoral_votes_dem: (!c.unavailable).then_some(c.dem),
                            electoral_votes_rep: (!c.unavailable).then_some(c.rep),
                        }
                    })
                    .collect(),
            });
        }
        let senators = if s.in_union && !s.is_district { 2 } else { 0 };
        let balance = (!a.balance_unknown).then_some(a.balance);
        let latest = if whole_states(ds, sc, i) { latest_gdp(ds, &s.parents) } else { None };
        states.push(StateFigures {
            name: s.name.clone(),
            abbr: s.abbr.clone(),
            status: s.status,
            today: s.original.map(|o| ds.states[o].abbr.clone()),
            parents: s.parents.iter().map(|&p| ds.states[p].abbr.clone()).collect(),
            admitted: s.admitted.is_some(),
            in_union: s.in_union,
            is_district: s.is_district,
            population: pop,
            apportionment_population: if s.is_district { 0 } else { app_population(ds, &slots[i], a, tc) },
            land_sq_mi: (!a.land_unknown).then(|| a.land_m2 as f64 / 2_589_988.110336),
            senators,
            house_seats: table.house[i],
            electoral_votes: table.ev[i],
            ev_per_million: if pop > 0 { table.ev[i] as f64 * 1e6 / pop as f64 } else { 0.0 },
            npvic_member: slots[i].npvic_member,
            elections,
            irs_collections_usd: a.irs,
            federal_balance_usd: balance,
            fiscal: fiscal_of((!a.irs_unknown).then_some(a.irs), balance, scale),
            economy: economy_of(a, eco_year, &nat_gdp, latest),
        });
    }
    let union: Vec<&StateFigures> = states.iter().filter(|s| s.in_union).collect();
    let senate_states: Vec<&StateFigures> = union.iter().copied().filter(|s| !s.is_district).collect();
    let malapportionment = malapportionment(&senate_states, &union);
    let mut blocs = Vec::new();
    for (b, seceded) in sc.seceded.iter().map(|b| (b, true)).chain(sc.coalitions.iter().map(|b| (b, false))) {
        // The bloc and the rest of the union (every union state outside it), as groups of
        // resulting states: 0 = bloc, 1 = rest, 2 = neither.
        let side = |i: usize| {
            if b.members.contains(&i) {
                0
            } else if slots[i].in_union {
                1
            } else {
                2
            }
        };
        let groups: Vec<usize> = group_of.iter().map(|&i| side(i)).collect();
        let gest = estimate_flags(ds, &groups, 3, eco);
        let mut sums = [Agg::default(), Agg::default()];
        for (i, a) in aggs.iter().enumerate() {
            let g = side(i);
            if g < 2 {
                let t = &mut sums[g];
                for j in 0..6 {
                    t.gdp[j] += a.gdp[j];
                }
                t.gdp_pop += a.gdp_pop;
                t.gdp_unknown |= a.gdp_unknown;
                t.gdp_user |= a.gdp_user;
            }
        }
        sums[0].gdp_est = gest[0];
        sums[1].gdp_est = gest[1];
        let whole_parents = |members: &[usize]| -> Option<Vec<usize>> {
            let mut parents: Vec<usize> =
                members.iter().flat_map(|&m| sc.states[m].parents.iter().copied()).collect();
            parents.sort_unstable();
            parents.dedup();
            members.iter().all(|&m| whole_states(ds, sc, m)).then_some(parents)
        };
        let latest = whole_parents(&b.members).and_then(|p| latest_gdp(ds, &p));
        let economy = economy_of(&sums[0], eco_year, &nat_gdp, latest);
        let rest_members: Vec<usize> = (0..n).filter(|&i| side(i) == 1).collect();
        let rest_latest = whole_parents(&rest_members).and_then(|p| latest_gdp(ds, &p));
        let rest = economy_of(&sums[1], eco_year, &nat_gdp, rest_latest);
        let versus = match (&economy, rest) {
            (Some(e), Some(r)) if r.gdp_usd > 0.0 => Some(BlocComparison {
                gdp_ratio: e.gdp_usd / r.gdp_usd,
                gdp_per_capita_ratio: match (e.gdp_per_capita_usd, r.gdp_per_capita_usd) {
                    (Some(a), Some(b)) if b > 0.0 => Some(a / b),
                    _ => None,
                },
                rest_of_union: r,
            }),
            _ => None,
        };
        let mut bf = bloc(&states, &b.name, &b.members, seceded, &opts.elections, scale);
        bf.economy = economy;
        bf.versus_rest_of_union = versus;
        blocs.push(bf);
    }
    let bea_us = ds
        .economy
        .published("CAGDP2", eco_year, "00")
        .and_then(|r| r.kusd[0])
        .map_or(0.0, |k| k as f64 * 1000.0);
    let states51: f64 = ds
        .states
        .iter()
        .filter_map(|s| ds.economy.published("CAGDP2", eco_year, &s.fips).and_then(|r| r.kusd[0]))
        .map(|k| k as f64 * 1000.0)
        .sum();
    let latest_year = ds.economy.latest_state_year();
    let latest_gdp_usd = ds.economy.latest_states_usd();
    let economy = Some(NationalEconomy {
        year: eco_year,
        gdp_usd: nat_gdp[0],
        union_gdp_usd: union_gdp,
        population: nat_pop,
        sectors: SECTORS
            .iter()
            .enumerate()
            .map(|(j, s)| NationalSector {
                key: s.key,
                label: s.label,
                naics: s.naics,
                gdp_usd: nat_gdp[j + 1],
            })
            .collect(),
        bea_us_gdp_usd: bea_us,
        bea_overseas_usd: bea_us - states51,
        latest_year,
        latest_gdp_usd,
        unknown: unknown_eco,
    });
    Ok(MapReport {
        scenario: sc.name.clone(),
        title: sc.title.clone(),
        census: tc.year(),
        method: opts.method,
        house_size: table.house_size,
        house_rule: opts.house_rule,
        ec_rule: opts.ec_rule,
        union_states: senate_states.len(),
        senators: 2 * senate_states.len() as u32,
        electoral_votes: union.iter().map(|s| s.electoral_votes).sum(),
        union_population: union.iter().map(|s| s.population).sum(),
        states,
        elections: national,
        malapportionment,
        blocs,
        economy,
        fiscal: fiscal_nat,
        warnings: sc.warnings.clone(),
    })
}

fn malapportionment(senate: &[&StateFigures], union: &[&StateFigures]) -> Malapportionment {
    let per_sen = |s: &StateFigures| s.population as f64 / 2.0;
    let max = senate.iter().max_by(|a, b| per_sen(a).total_cmp(&per_sen(b))).expect("a state");
    let min = senate.iter().min_by(|a, b| per_sen(a).total_cmp(&per_sen(b))).expect("a state");
    let mut pops: Vec<u64> = senate.iter().map(|s| s.population).collect();
    pops.sort_unstable();
    let k = pops.len() / 2 + 1;
    let total: u64 = pops.iter().sum();
    let share = pops.iter().take(k).sum::<u64>() as f64 / total as f64;
    let evm = |s: &&StateFigures| s.ev_per_million;
    let most = union.iter().max_by(|a, b| evm(a).total_cmp(&evm(b))).expect("a state");
    let fewest = union.iter().min_by(|a, b| evm(a).total_cmp(&evm(b))).expect("a state");
    Malapportionment {
        largest_per_senator: NamedValue::of(&max.name, per_sen(max)),
        smallest_per_senator: NamedValue::of(&min.name, per_sen(min)),
        senator_ratio: per_sen(max) / per_sen(min),
        senate_majority_min_share: share,
        senate_majority_states: k,
        most_ev_per_million: NamedValue::of(&most.name, most.ev_per_million),
        fewest_ev_per_million: NamedValue::of(&fewest.name, fewest.ev_per_million),
    }
}

fn bloc(
    states: &[StateFigures],
    name: &str,
    members: &[usize],
    seceded: bool,
    years: &[ElectionYear],
    scale: f64,
) -> BlocFigures {
    let ms: Vec<&StateFigures> = members.iter().map(|&m| &states[m]).collect();
    let mut elections = Vec::new();
    for (k, y) in years.iter().enumerate() {
        let mut v = Votes::default();
        let (mut d, mut r, mut nc) = (0, 0, 0);
        let mut reported = true;
        for s in &ms {
            let e = &s.elections[k];
            v.add(&e.votes);
            d += e.electoral_votes_dem;
            r += e.electoral_votes_rep;
            nc += e.electoral_votes_not_cast;
            reported &= e.votes_reported;
        }
        let by_rule = EcRule::ALL
            .iter()
            .enumerate()
            .map(|(j, &rule)| {
                let sum = |f: fn(&StateRuleOutcome) -> Option<u32>| -> Option<u32> {
                    ms.iter().map(|s| f(&s.elections[k].by_rule[j])).sum()
                };
                StateRuleOutcome {
                    rule,
                    electoral_votes_dem: sum(|o| o.electoral_votes_dem),
                    electoral_votes_rep: sum(|o| o.electoral_votes_rep),
                }
            })
            .collect();
        elections.push(StateElection {
            year: y.year(),
            votes: v,
            votes_reported: reported,
            winner: (v.total > 0).then_some(if v.dem > v.rep { Party::Dem } else { Party::Rep }),
            winner_assumed: false,
            margin_pct: (v.total > 0).then(|| v.margin_pct()),
            electoral_votes_dem: d,
            electoral_votes_rep: r,
            electoral_votes_not_cast: nc,
            by_rule,
        });
    }
    let irs: Option<f64> = ms.iter().map(|s| s.fiscal.receipts_usd).sum();
    let balance: Option<f64> = ms.iter().map(|s| s.federal_balance_usd).sum();
    BlocFigures {
        name: name.to_string(),
        seceded,
        members: ms.iter().map(|s| s.name.clone()).collect(),
        population: ms.iter().map(|s| s.population).sum(),
        land_sq_mi: ms.iter().map(|s| s.land_sq_mi).sum(),
        senators: ms.iter().map(|s| s.senators).sum(),
        house_seats: ms.iter().map(|s| s.house_seats).sum(),
        electoral_votes: ms.iter().map(|s| s.electoral_votes).sum(),
        elections,
        irs_collections_usd: ms.iter().map(|s| s.irs_collections_usd).sum(),
        federal_balance_usd: balance,
        fiscal: fiscal_of(irs, balance, scale),
        economy: None,
        versus_rest_of_union: None,
    }
}
