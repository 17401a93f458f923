//! Consequences of a map: population, land, Senate, House, Electoral College, counterfactual
//! presidential results, the Senate lean they imply, malapportionment and federal fiscal
//! figures, for a [`ResolvedScenario`] and for today's map side by side ([`compare`]).
//!
//! Rules (also printed by the CLI, see [`RULES`]):
//! - Apportionment population of an unchanged state is its official figure. For a new or
//!   changed state it is the sum of its counties' resident population plus, from each parent
//!   state, the parent's overseas federal personnel scaled by the county population share it
//!   takes (so the pieces of a split state add up to the parent's official figure).
//! - The House is apportioned among the states in the union (DC excluded) by the chosen method
//!   and size. Electoral votes are House seats + 2; DC keeps 3 while it exists unchanged.
//! - Each election is scored with the electoral votes of a census: the one chosen with
//!   `census`, or by default the census in force at that election (2010 for 2016 and 2020,
//!   2020 for 2024), so today's map reproduces the certified pledged totals.
//! - Winner-take-all on the two-party plurality, except Maine and Nebraska, which keep their
//!   published district electors when unchanged and casting the electoral votes they actually
//!   cast; otherwise they are scored winner-take-all.
//! - Federal tax collections: IRS FY2023 gross collections of each state shared out to its
//!   counties by BEA 2018 personal income; federal balance: the state's FFY2023 per-capita
//!   balance (Rockefeller Institute) times the county's 2020 population.

use crate::apportion::{apportion_into, Method};
use crate::dataset::{CensusYear, Dataset, ElectionYear, PoolField, Votes};
use crate::report::ScenarioReport;
use crate::scenario::{ResolvedScenario, ScenarioError, StateStatus};

/// The rules behind the figures, one sentence each, for reports.
pub const RULES: [&str; 5] = [
    "Apportionment population: official for unchanged states; for new or changed states, county resident population plus each parent's overseas federal personnel scaled by the population share taken from it.",
    "Electoral votes = House seats + 2 (DC: 3). Each election uses the census in force at the time (2010 for 2016/2020, 2020 for 2024) unless --census is given.",
    "Winner-take-all by two-party plurality; Maine and Nebraska keep their published district electors when unchanged and casting the votes they actually cast.",
    "Federal tax collections: IRS FY2023 gross collections by state, shared out to counties by BEA 2018 personal income.",
    "Federal balance: Rockefeller Institute FFY2023 per-capita balance (federal spending minus federal receipts) times 2020 county population; unknown for DC.",
];

/// Evaluation options.
#[derive(Debug, Clone)]
pub struct EvalOptions {
    /// Census of the population, House and electoral-vote tables (default 2020). When `None`,
    /// each election is scored with the census in force at that election.
    pub census: Option<CensusYear>,
    pub elections: Vec<ElectionYear>,
    pub method: Method,
    pub house_size: u32,
}

impl Default for EvalOptions {
    fn default() -> Self {
        EvalOptions {
            census: None,
            elections: ElectionYear::ALL.to_vec(),
            method: Method::HuntingtonHill,
            house_size: 435,
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

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
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

/// One state's result in one election.
#[derive(Debug, Clone, serde::Serialize)]
pub struct StateElection {
    pub year: u16,
    pub votes: Votes,
    pub winner: Party,
    /// (D − R) / total votes, percentage points.
    pub margin_pct: f64,
    pub electoral_votes_dem: u32,
    pub electoral_votes_rep: u32,
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
    pub in_union: bool,
    pub is_district: bool,
    /// Resident population (table census).
    pub population: u64,
    pub apportionment_population: u64,
    pub land_sq_mi: f64,
    pub senators: u32,
    pub house_seats: u32,
    pub electoral_votes: u32,
    pub ev_per_million: f64,
    pub elections: Vec<StateElection>,
    pub irs_collections_usd: f64,
    /// `None` when the state includes DC, whose balance is not published.
    pub federal_balance_usd: Option<f64>,
}

/// National result of one election under a map.
#[derive(Debug, Clone, serde::Serialize)]
pub struct NationalElection {
    pub year: u16,
    /// Census whose electoral votes were used.
    pub census: u16,
    pub electoral_votes_dem: u32,
    pub electoral_votes_rep: u32,
    pub electoral_votes_total: u32,
    pub winner: Option<Party>,
    pub popular: Votes,
    /// Senate seats implied by each state's presidential winner.
    pub senate_dem: u32,
    pub senate_rep: u32,
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

/// Aggregate figures of a bloc (seceded states or a coalition).
#[derive(Debug, Clone, serde::Serialize)]
pub struct BlocFigures {
    pub name: String,
    pub seceded: bool,
    pub members: Vec<String>,
    pub population: u64,
    pub land_sq_mi: f64,
    pub senators: u32,
    pub house_seats: u32,
    pub electoral_votes: u32,
    pub elections: Vec<StateElection>,
    pub irs_collections_usd: f64,
    pub federal_balance_usd: Option<f64>,
}

/// Everything about one map.
#[derive(Debug, Clone, serde::Serialize)]
pub struct MapReport {
    pub scenario: String,
    pub title: String,
    pub census: u16,
    pub method: Method,
    pub house_size: u32,
    pub states: Vec<StateFigures>,
    pub union_states: usize,
    pub senators: u32,
    pub electoral_votes: u32,
    pub union_population: u64,
    pub elections: Vec<NationalElection>,
    pub malapportionment: Malapportionment,
    pub blocs: Vec<BlocFigures>,
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

/// Published Maine/Nebraska electoral votes `(dem, rep)` and the state's total, by year.
pub fn published_district_electors(abbr: &str, year: ElectionYear) -> Option<(u32, u32)> {
    match (abbr, year) {
        ("ME", _) => Some((3, 1)),
        ("NE", ElectionYear::Y2016) => Some((0, 5)),
        ("NE", _) => Some((1, 4)),
        _ => None,
    }
}

/// Per-state sums that every other figure derives from.
#[derive(Debug, Clone, Default)]
pub(crate) struct Agg {
    pub pop: [u64; 2],
    pub overseas: [f64; 2],
    pub votes: [Votes; 3],
    pub land_m2: u64,
    pub irs: f64,
    pub balance: f64,
    pub has_dc: bool,
}

/// Static facts about a resulting state needed by [`national`].
#[derive(Debug, Clone)]
pub(crate) struct Slot {
    pub in_union: bool,
    pub is_district: bool,
    /// `Some(original)` when the state is unchanged (official figures apply).
    pub unchanged: Option<usize>,
}

/// Output of the national step for one census.
pub(crate) struct Seats {
    pub house: Vec<u32>,
    pub ev: Vec<u32>,
}

pub(crate) fn app_population(ds: &Dataset, slot: &Slot, agg: &Agg, census: CensusYear) -> u64 {
    match slot.unchanged {
        Some(o) if !ds.states[o].is_district() => {
            ds.states[o].official(census.year()).expect("census").population
        }
        _ => (agg.pop[census as usize] as f64 + agg.overseas[census as usize]).round() as u64,
    }
}

/// House seats and electoral votes of every slot under a census. `pops`/`idx`/`seats_buf` are
/// scratch buffers so hot loops do not allocate.
#[allow(clippy::too_many_arguments)] // an internal hot-path helper; a struct would only rename these
pub(crate) fn seats_for(
    ds: &Dataset,
    slots: &[Slot],
    aggs: &[Agg],
    census: CensusYear,
    method: Method,
    house_size: u32,
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
    seats.clear();
    seats.resize(pops.len(), 0);
    apportion_into(pops, house_size, method, seats).map_err(|e| ScenarioError::Invalid {
        file: None,
        line: None,
        message: e.to_string(),
    })?;
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

/// Electoral votes `(dem, rep)` a slot casts in an election.
pub(crate) fn ec_votes(ds: &Dataset, slot: &Slot, votes: &Votes, ev: u32, year: ElectionYear) -> (u32, u32) {
    if let Some(o) = slot.unchanged {
        let st = &ds.states[o];
        if let Some((d, r)) = published_district_electors(&st.abbr, year) {
            let actual = st.official(year.census_in_force().year()).expect("census").seats + 2;
            if ev == actual {
                return (d, r);
            }
        }
    }
    if votes.dem > votes.rep {
        (ev, 0)
    } else {
        (0, ev)
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
    let n = sc.states.len();
    let mut aggs = vec![Agg::default(); n];
    for (c, &s) in sc.county_state.iter().enumerate() {
        let a = &mut aggs[s as usize];
        for k in 0..2 {
            a.pop[k] += ds.pop[k].values[c];
            a.overseas[k] += ds.overseas_alloc[k][c];
        }
        for k in 0..3 {
            a.votes[k].add(&ds.pres[k].values[c]);
        }
        a.land_m2 += ds.counties[c].land_m2;
        a.irs += ds.irs_usd[c];
        a.balance += ds.balance_usd[c];
        a.has_dc |= ds.states[ds.counties[c].state].is_district();
    }
    let slots: Vec<Slot> = sc
        .states
        .iter()
        .map(|s| Slot {
            in_union: s.in_union,
            is_district: s.is_district,
            unchanged: (s.status == StateStatus::Unchanged).then_some(s.original).flatten(),
        })
        .collect();
    let mut scratch = (Vec::new(), Vec::new(), Vec::new());
    let mut by_census: Vec<(CensusYear, Seats)> = Vec::new();
    for &c in &needed {
        let mut seats = Seats { house: Vec::new(), ev: Vec::new() };
        seats_for(ds, &slots, &aggs, c, opts.method, opts.house_size, &mut scratch, &mut seats)?;
        by_census.push((c, seats));
    }
    let seats_of = |c: CensusYear| &by_census.iter().find(|x| x.0 == c).expect("computed").1;
    let table = seats_of(tc);

    let mut states = Vec::with_capacity(n);
    let mut national: Vec<NationalElection> = Vec::new();
    for &y in &opts.elections {
        let ec = seats_of(opts.election_census(y));
        let mut ne = NationalElection {
            year: y.year(),
            census: opts.election_census(y).year(),
            electoral_votes_dem: 0,
            electoral_votes_rep: 0,
            electoral_votes_total: 0,
            winner: None,
            popular: Votes::default(),
            senate_dem: 0,
            senate_rep: 0,
        };
        for (i, s) in slots.iter().enumerate() {
            if !s.in_union {
                continue;
            }
            let v = &aggs[i].votes[y.idx()];
            let (d, r) = ec_votes(ds, s, v, ec.ev[i], y);
            ne.electoral_votes_dem += d;
            ne.electoral_votes_rep += r;
            ne.electoral_votes_total += ec.ev[i];
            ne.popular.add(v);
            if !s.is_district {
                if v.dem > v.rep {
                    ne.senate_dem += 2;
                } else {
                    ne.senate_rep += 2;
                }
            }
        }
        let half = ne.electoral_votes_total / 2;
        ne.winner = if ne.electoral_votes_dem > half {
            Some(Party::Dem)
        } else if ne.electoral_votes_rep > half {
            Some(Party::Rep)
        } else {
            None
        };
        national.push(ne);
    }
    for (i, s) in sc.states.iter().enumerate() {
        let a = &aggs[i];
        let pop = a.pop[tc as usize];
        let mut elections = Vec::new();
        for &y in &opts.elections {
            let v = a.votes[y.idx()];
            let ev = seats_of(opts.election_census(y)).ev[i];
            let (d, r) = if slots[i].in_union { ec_votes(ds, &slots[i], &v, ev, y) } else { (0, 0) };
            elections.push(StateElection {
                year: y.year(),
                votes: v,
                winner: if v.dem > v.rep { Party::Dem } else { Party::Rep },
                margin_pct: v.margin_pct(),
                electoral_votes_dem: d,
                electoral_votes_rep: r,
            });
        }
        let senators = if s.in_union && !s.is_district { 2 } else { 0 };
        states.push(StateFigures {
            name: s.name.clone(),
            abbr: s.abbr.clone(),
            status: s.status,
            today: s.original.map(|o| ds.states[o].abbr.clone()),
            parents: s.parents.iter().map(|&p| ds.states[p].abbr.clone()).collect(),
            in_union: s.in_union,
            is_district: s.is_district,
            population: pop,
            apportionment_population: if s.is_district { 0 } else { app_population(ds, &slots[i], a, tc) },
            land_sq_mi: a.land_m2 as f64 / 2_589_988.110336,
            senators,
            house_seats: table.house[i],
            electoral_votes: table.ev[i],
            ev_per_million: if pop > 0 { table.ev[i] as f64 * 1e6 / pop as f64 } else { 0.0 },
            elections,
            irs_collections_usd: a.irs,
            federal_balance_usd: (!a.has_dc).then_some(a.balance),
        });
    }
    let union: Vec<&StateFigures> = states.iter().filter(|s| s.in_union).collect();
    let senate_states: Vec<&StateFigures> = union.iter().copied().filter(|s| !s.is_district).collect();
    let malapportionment = malapportionment(&senate_states, &union);
    let mut blocs = Vec::new();
    for (b, seceded) in sc.seceded.iter().map(|b| (b, true)).chain(sc.coalitions.iter().map(|b| (b, false))) {
        blocs.push(bloc(&states, &b.name, &b.members, seceded, &opts.elections));
    }
    Ok(MapReport {
        scenario: sc.name.clone(),
        title: sc.title.clone(),
        census: tc.year(),
        method: opts.method,
        house_size: opts.house_size,
        union_states: senate_states.len(),
        senators: 2 * senate_states.len() as u32,
        electoral_votes: union.iter().map(|s| s.electoral_votes).sum(),
        union_population: union.iter().map(|s| s.population).sum(),
        states,
        elections: national,
        malapportionment,
        blocs,
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
) -> BlocFigures {
    let ms: Vec<&StateFigures> = members.iter().map(|&m| &states[m]).collect();
    let mut elections = Vec::new();
    for (k, y) in years.iter().enumerate() {
        let mut v = Votes::default();
        let (mut d, mut r) = (0, 0);
        for s in &ms {
            v.add(&s.elections[k].votes);
            d += s.elections[k].electoral_votes_dem;
            r += s.elections[k].electoral_votes_rep;
        }
        elections.push(StateElection {
            year: y.year(),
            votes: v,
            winner: if v.dem > v.rep { Party::Dem } else { Party::Rep },
            margin_pct: v.margin_pct(),
            electoral_votes_dem: d,
            electoral_votes_rep: r,
        });
    }
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
        federal_balance_usd: ms.iter().map(|s| s.federal_balance_usd).sum(),
    }
}
