//! The embedded dataset: 3,143 counties and 51 states (50 + DC), parsed once from the tables
//! under `data/` (derived by `redraw derive-data`, see `data/SOURCES.md`).
//!
//! Invariants (checked by tests): counties are sorted by FIPS and indexed `0..3143` as
//! [`CountyId`]; states are sorted by FIPS and indexed as [`StateId`]; every county belongs to
//! exactly one state; county populations sum to the official state resident counts; presidential
//! votes (counties plus pools) sum to the state totals of the sources.
//!
//! Where a figure exists only for a group of counties (a [`Pool`]: Alaska's presidential results,
//! Connecticut's 2024 results, Kalawao counted with Maui, the 2010 count of Chugach + Copper
//! River), the counties' own cells are empty and the pool holds the group total. Columns used by
//! the evaluator are "folded": the pool total sits on the pool's first member, the other members
//! hold 0, so summing a column over any union of whole pools is exact; a map that splits a pool
//! between states is rejected with the pool's note (naming the state and year).

use std::collections::HashMap;
use std::sync::OnceLock;

/// Index of a county in [`Dataset::counties`] (sorted by FIPS).
pub type CountyId = u32;
/// Index of a state in [`Dataset::states`] (sorted by FIPS; DC included).
pub type StateId = usize;

/// Census years with county-level populations.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
pub enum CensusYear {
    #[serde(rename = "2010")]
    Y2010,
    #[serde(rename = "2020")]
    Y2020,
}

impl CensusYear {
    pub const ALL: [CensusYear; 2] = [CensusYear::Y2010, CensusYear::Y2020];
    pub fn year(self) -> u16 {
        match self {
            CensusYear::Y2010 => 2010,
            CensusYear::Y2020 => 2020,
        }
    }
    pub fn from_year(y: u16) -> Option<Self> {
        match y {
            2010 => Some(CensusYear::Y2010),
            2020 => Some(CensusYear::Y2020),
            _ => None,
        }
    }
    fn idx(self) -> usize {
        self as usize
    }
}

/// Number of presidential elections with county results in the dataset.
pub const N_ELECTIONS: usize = 4;

/// Presidential election years in the dataset: 2012 to 2024. Earlier elections are not
/// available: see [`ElectionYear::unavailable_reason`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
pub enum ElectionYear {
    #[serde(rename = "2012")]
    Y2012,
    #[serde(rename = "2016")]
    Y2016,
    #[serde(rename = "2020")]
    Y2020,
    #[serde(rename = "2024")]
    Y2024,
}

impl ElectionYear {
    pub const ALL: [ElectionYear; N_ELECTIONS] =
        [ElectionYear::Y2012, ElectionYear::Y2016, ElectionYear::Y2020, ElectionYear::Y2024];
    /// The elections a scenario is scored on unless others are asked for.
    pub const DEFAULT: [ElectionYear; 3] = [ElectionYear::Y2016, ElectionYear::Y2020, ElectionYear::Y2024];
    pub fn year(self) -> u16 {
        match self {
            ElectionYear::Y2012 => 2012,
            ElectionYear::Y2016 => 2016,
            ElectionYear::Y2020 => 2020,
            ElectionYear::Y2024 => 2024,
        }
    }
    pub fn from_year(y: u16) -> Option<Self> {
        Self::ALL.into_iter().find(|e| e.year() == y)
    }
    /// Why a presidential election year is not in the data, or `None` if it is.
    pub fn unavailable_reason(year: u16) -> Option<String> {
        if Self::from_year(year).is_some() {
            return None;
        }
        Some(match year {
            2000 | 2004 | 2008 => format!(
                "{year} is not available: it was held on the {} census, whose county populations are not in the data (only 2010 and 2020 are), so no map can be scored on it{}",
                if year == 2000 { 1990 } else { 2000 },
                match year {
                    2000 => "; the MIT county returns for 2000 are also off at state level (Florida sums to Gore +202 against the certified Bush +537)",
                    2004 => "; the MIT county returns for 2004 are also off at state level (Alaska's districts sum to 472,632 two-party votes against 301,914 certified)",
                    _ => "",
                }
            ),
            y if y % 4 == 0 && (1789..2012).contains(&y) => {
                format!("{y} is not available: the data has county results for 2000 to 2024 only, and county populations for the 2010 and 2020 censuses")
            }
            y => format!("{y} is not a presidential election year in the data"),
        })
    }
    /// The census whose apportionment fixed the electoral votes of that election.
    pub fn census_in_force(self) -> CensusYear {
        match self {
            ElectionYear::Y2012 | ElectionYear::Y2016 | ElectionYear::Y2020 => CensusYear::Y2010,
            ElectionYear::Y2024 => CensusYear::Y2020,
        }
    }
    pub(crate) fn idx(self) -> usize {
        self as usize
    }
}

/// Two-party and total presidential votes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Votes {
    pub dem: u64,
    pub rep: u64,
    pub total: u64,
}

impl Votes {
    pub fn add(&mut self, o: &Votes) {
        self.dem += o.dem;
        self.rep += o.rep;
        self.total += o.total;
    }
    /// (D − R) / total, in percentage points of the total vote.
    pub fn margin_pct(&self) -> f64 {
        if self.total == 0 {
            0.0
        } else {
            100.0 * (self.dem as f64 - self.rep as f64) / self.total as f64
        }
    }
}

#[derive(Clone, Debug, serde::Serialize)]
pub struct County {
    pub fips: String,
    pub state: StateId,
    /// Official name, e.g. "Los Angeles County", "Richmond city".
    pub name: String,
    pub pop2020: u64,
    /// `None` where only a pooled figure exists (Chugach and Copper River).
    pub pop2010: Option<u64>,
    pub land_m2: u64,
    /// Presidential votes by [`ElectionYear`] index; `None` where only a pooled figure exists.
    pub pres: [Option<Votes>; N_ELECTIONS],
    /// BEA 2018 personal income in thousands of dollars (merged BEA units shared by population).
    pub income_kusd_2018: u64,
}

impl County {
    /// The name without its "County"/"Parish"/"city"... suffix, as written in proposals.
    pub fn short_name(&self) -> &str {
        short_name(&self.name)
    }
}

pub(crate) fn short_name(name: &str) -> &str {
    for suf in
        [" City and Borough", " Census Area", " Municipality", " Borough", " County", " Parish", " city"]
    {
        if let Some(s) = name.strip_suffix(suf) {
            return s;
        }
    }
    name
}

/// Official apportionment figures of one census.
#[derive(Clone, Copy, Debug, serde::Serialize)]
pub struct OfficialApportionment {
    /// Resident population plus overseas federal personnel allocated to the state
    /// (0 for DC, which is not apportioned).
    pub population: u64,
    pub seats: u32,
}

#[derive(Clone, Debug, serde::Serialize)]
pub struct State {
    pub fips: String,
    pub abbr: String,
    pub name: String,
    /// Official apportionment of 2000, 2010 and 2020 (in that order).
    pub apportionment: [OfficialApportionment; 3],
    /// Resident population by [`CensusYear`] index (2010, 2020).
    pub resident: [u64; 2],
    /// IRS Data Book FY2023 Table 5 gross collections, thousands of dollars.
    pub irs_collections_kusd_2023: u64,
    /// Rockefeller Institute FFY2023 federal balance per capita (expenditures − receipts), USD;
    /// `None` for DC (not in the report).
    pub balance_per_capita_2023: Option<i64>,
    /// The state's counties, ascending.
    pub counties: Vec<CountyId>,
}

impl State {
    pub fn is_district(&self) -> bool {
        self.abbr == "DC"
    }
    /// The official apportionment of a census year (2000, 2010 or 2020).
    pub fn official(&self, census_year: u16) -> Option<OfficialApportionment> {
        match census_year {
            2000 => Some(self.apportionment[0]),
            2010 => Some(self.apportionment[1]),
            2020 => Some(self.apportionment[2]),
            _ => None,
        }
    }
    /// Apportionment population minus resident population: overseas federal personnel.
    pub fn overseas(&self, census: CensusYear) -> u64 {
        let off = self.official(census.year()).expect("census year");
        off.population.saturating_sub(self.resident[census.idx()])
    }
}

/// Which column a pool stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub enum PoolField {
    Population(CensusYear),
    President(ElectionYear),
}

/// A group of counties whose figure exists only as a total.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Pool {
    pub field: PoolField,
    pub state: StateId,
    pub members: Vec<CountyId>,
    pub population: u64,
    pub votes: Votes,
    /// Why the figure is pooled, e.g. "Alaska 2016 presidential results are reported by ...".
    pub note: String,
}

/// County adjacency in CSR form, with the shared border length of each edge.
#[derive(Clone, Debug)]
pub struct Adjacency {
    pub offsets: Vec<u32>,
    pub targets: Vec<CountyId>,
    /// Shared border in metres; `None` for the 32 edges touching old Connecticut counties.
    pub border_m: Vec<Option<u32>>,
}

impl Adjacency {
    pub fn neighbors(&self, c: CountyId) -> &[CountyId] {
        &self.targets[self.offsets[c as usize] as usize..self.offsets[c as usize + 1] as usize]
    }
    /// Neighbours with border lengths.
    pub fn edges(&self, c: CountyId) -> impl Iterator<Item = (CountyId, Option<u32>)> + '_ {
        let r = self.offsets[c as usize] as usize..self.offsets[c as usize + 1] as usize;
        self.targets[r.clone()].iter().copied().zip(self.border_m[r].iter().copied())
    }
    pub fn edge_count(&self) -> usize {
        self.targets.len() / 2
    }
}

/// A column with pooled values folded onto the first member of each pool.
#[derive(Clone, Debug)]
pub(crate) struct Folded<T> {
    pub values: Vec<T>,
    /// Indices into `Dataset::pools`.
    pub pools: Vec<usize>,
}

/// The whole national dataset.
#[derive(Debug)]
pub struct Dataset {
    pub counties: Vec<County>,
    pub states: Vec<State>,
    pub pools: Vec<Pool>,
    pub adjacency: Adjacency,
    pub(crate) pop: [Folded<u64>; 2],
    pub(crate) pres: [Folded<Votes>; N_ELECTIONS],
    /// Per county: its share of its state's overseas apportionment population, by census
    /// (overseas × folded county population / state resident population).
    pub(crate) overseas_alloc: [Vec<f64>; 2],
    /// Per county: estimated IRS FY2023 gross collections in USD (state total × the county's
    /// share of the state's BEA 2018 personal income).
    pub(crate) irs_usd: Vec<f64>,
    /// Per county: estimated FFY2023 federal balance in USD (state per-capita balance × 2020
    /// population); 0 for DC, whose balance is unknown.
    pub(crate) balance_usd: Vec<f64>,
    /// Puerto Rico and the Island Areas (for scenarios that admit one as a state).
    pub territories: Vec<TerritoryFigures>,
    /// County GDP by industry (BEA CAGDP2) and BEA's published state rows.
    pub economy: crate::economy::EconomyData,
    by_fips: HashMap<String, CountyId>,
}

/// Staged figures of a territory (`data/territories.csv`).
#[derive(Clone, Debug, serde::Serialize)]
pub struct TerritoryFigures {
    pub abbr: String,
    pub fips: String,
    pub name: String,
    /// Census resident population by [`CensusYear`] index (2010, 2020).
    pub resident: [u64; 2],
    /// Land area from the Census Gazetteer, where it covers the territory (Puerto Rico).
    pub land_m2: Option<u64>,
    /// IRS FY2023 gross collections where the IRS table has a row of its own (Puerto Rico).
    pub irs_collections_kusd_2023: Option<u64>,
}

/// A malformed embedded or user-supplied table.
#[derive(Debug, thiserror::Error)]
#[error("{table} line {line}: {message}")]
pub struct TableError {
    pub table: String,
    pub line: usize,
    pub message: String,
}

const COUNTIES: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/counties.csv"));
const POOLS: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/pools.csv"));
const ADJACENCY: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/adjacency.csv"));
const STATES: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/states.csv"));
const TERRITORIES_CSV: &str =
    include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/territories.csv"));
const ECONOMY: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/economy.csv"));
const ECONOMY_STATES: &str =
    include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/economy_states.csv"));

/// The embedded table texts, in the order of `derive::DerivedTables::files`.
pub fn embedded_tables() -> [(&'static str, &'static str); 7] {
    [
        ("counties.csv", COUNTIES),
        ("pools.csv", POOLS),
        ("adjacency.csv", ADJACENCY),
        ("states.csv", STATES),
        ("territories.csv", TERRITORIES_CSV),
        ("economy.csv", ECONOMY),
        ("economy_states.csv", ECONOMY_STATES),
    ]
}

/// The embedded table texts, as [`Dataset::parse_all`] takes them.
pub struct Tables<'a> {
    pub counties: &'a str,
    pub pools: &'a str,
    pub adjacency: &'a str,
    pub states: &'a str,
    pub territories: &'a str,
    pub economy: &'a str,
    pub economy_states: &'a str,
}

impl Dataset {
    /// The dataset compiled into the binary, parsed once (about 10 ms) and cached.
    pub fn embedded() -> &'static Dataset {
        static DS: OnceLock<Dataset> = OnceLock::new();
        DS.get_or_init(|| {
            Dataset::parse_all(&Tables {
                counties: COUNTIES,
                pools: POOLS,
                adjacency: ADJACENCY,
                states: STATES,
                territories: TERRITORIES_CSV,
                economy: ECONOMY,
                economy_states: ECONOMY_STATES,
            })
            .expect("embedded tables are valid (checked by tests)")
        })
    }

    /// Parses the four core tables written by `redraw derive-data`, with the embedded
    /// territory and economy tables.
    pub fn parse(counties: &str, pools: &str, adjacency: &str, states: &str) -> Result<Dataset, TableError> {
        Dataset::parse_all(&Tables {
            counties,
            pools,
            adjacency,
            states,
            territories: TERRITORIES_CSV,
            economy: ECONOMY,
            economy_states: ECONOMY_STATES,
        })
    }

    /// Parses every table written by `redraw derive-data`.
    pub fn parse_all(t: &Tables<'_>) -> Result<Dataset, TableError> {
        let (counties, pools, adjacency, states) = (t.counties, t.pools, t.adjacency, t.states);
        let terr =
            |table: &str, line: usize, message: String| TableError { table: table.into(), line, message };
        fn num<T: std::str::FromStr>(table: &str, line: usize, col: &str, v: &str) -> Result<T, TableError> {
            v.parse::<T>().map_err(|_| TableError {
                table: table.into(),
                line,
                message: format!("column `{col}`: expected a number, found `{v}`"),
            })
        }
        fn opt<T: std::str::FromStr>(
            table: &str,
            line: usize,
            col: &str,
            v: &str,
        ) -> Result<Option<T>, TableError> {
            if v.is_empty() {
                Ok(None)
            } else {
                num(table, line, col, v).map(Some)
            }
        }
        // ---- states
        let mut st: Vec<State> = Vec::new();
        let mut st_by_abbr: HashMap<String, StateId> = HashMap::new();
        for (i, line) in states.lines().enumerate().skip(1) {
            let ln = i + 1;
            let f: Vec<&str> = line.split(',').collect();
            if f.len() != 13 {
                return Err(terr("states.csv", ln, format!("expected 13 fields, found {}", f.len())));
            }
            let t = "states.csv";
            let app = |k: usize| -> Result<OfficialApportionment, TableError> {
                Ok(OfficialApportionment {
                    population: opt(t, ln, "app", f[3 + 2 * k])?.unwrap_or(0),
                    seats: num(t, ln, "seats", f[4 + 2 * k])?,
                })
            };
            st_by_abbr.insert(f[1].to_string(), st.len());
            st.push(State {
                fips: f[0].into(),
                abbr: f[1].into(),
                name: f[2].into(),
                apportionment: [app(0)?, app(1)?, app(2)?],
                resident: [num(t, ln, "res2010", f[9])?, num(t, ln, "res2020", f[10])?],
                irs_collections_kusd_2023: num(t, ln, "irs_kusd_2023", f[11])?,
                balance_per_capita_2023: opt(t, ln, "balance_per_capita_2023", f[12])?,
                counties: Vec::new(),
            });
        }
        // ---- counties
        let mut cs: Vec<County> = Vec::new();
        let mut by_fips = HashMap::new();
        for (i, line) in counties.lines().enumerate().skip(1) {
            let ln = i + 1;
            let t = "counties.csv";
            let f: Vec<&str> = line.split(',').collect();
            if f.len() != 7 + 3 * N_ELECTIONS {
                return Err(terr(
                    t,
                    ln,
                    format!("expected {} fields, found {}", 7 + 3 * N_ELECTIONS, f.len()),
                ));
            }
            let state =
                *st_by_abbr.get(f[1]).ok_or_else(|| terr(t, ln, format!("unknown state `{}`", f[1])))?;
            let mut pres = [None; N_ELECTIONS];
            for (k, p) in pres.iter_mut().enumerate() {
                let b = 6 + 3 * k;
                if !f[b].is_empty() {
                    *p = Some(Votes {
                        dem: num(t, ln, "dem", f[b])?,
                        rep: num(t, ln, "rep", f[b + 1])?,
                        total: num(t, ln, "tot", f[b + 2])?,
                    });
                }
            }
            let id = cs.len() as CountyId;
            if let Some(prev) = cs.last() {
                if prev.fips.as_str() >= f[0] {
                    return Err(terr(t, ln, "counties must be sorted by FIPS".into()));
                }
            }
            by_fips.insert(f[0].to_string(), id);
            st[state].counties.push(id);
            cs.push(County {
                fips: f[0].into(),
                state,
                name: f[2].into(),
                pop2020: num(t, ln, "pop2020", f[3])?,
                pop2010: opt(t, ln, "pop2010", f[4])?,
                land_m2: num(t, ln, "land_m2", f[5])?,
                pres,
                income_kusd_2018: num(t, ln, "income_kusd_2018", f[6 + 3 * N_ELECTIONS])?,
            });
        }
        // ---- pools
        let mut pl = Vec::new();
        for (i, line) in pools.lines().enumerate().skip(1) {
            let ln = i + 1;
            let t = "pools.csv";
            let f: Vec<&str> = line.splitn(8, ',').collect();
            if f.len() != 8 {
                return Err(terr(t, ln, "expected 8 fields".into()));
            }
            let year: u16 = num(t, ln, "year", f[1])?;
            let field = match f[0] {
                "pop" => PoolField::Population(
                    CensusYear::from_year(year)
                        .ok_or_else(|| terr(t, ln, format!("bad census year {year}")))?,
                ),
                "pres" => PoolField::President(
                    ElectionYear::from_year(year)
                        .ok_or_else(|| terr(t, ln, format!("bad election year {year}")))?,
                ),
                other => return Err(terr(t, ln, format!("unknown field `{other}`"))),
            };
            let state =
                *st_by_abbr.get(f[2]).ok_or_else(|| terr(t, ln, format!("unknown state `{}`", f[2])))?;
            let mut members = Vec::new();
            for m in f[3].split_whitespace() {
                members.push(*by_fips.get(m).ok_or_else(|| terr(t, ln, format!("unknown county {m}")))?);
            }
            let (population, votes) = match field {
                PoolField::Population(_) => (num(t, ln, "v1", f[4])?, Votes::default()),
                PoolField::President(_) => (
                    0,
                    Votes {
                        dem: num(t, ln, "v1", f[4])?,
                        rep: num(t, ln, "v2", f[5])?,
                        total: num(t, ln, "v3", f[6])?,
                    },
                ),
            };
            pl.push(Pool { field, state, members, population, votes, note: f[7].to_string() });
        }
        // ---- adjacency (CSR)
        let mut lists: Vec<Vec<(CountyId, Option<u32>)>> = vec![Vec::new(); cs.len()];
        for (i, line) in adjacency.lines().enumerate().skip(1) {
            let ln = i + 1;
            let t = "adjacency.csv";
            let f: Vec<&str> = line.split(',').collect();
            if f.len() != 3 {
                return Err(terr(t, ln, "expected 3 fields".into()));
            }
            let a = *by_fips.get(f[0]).ok_or_else(|| terr(t, ln, format!("unknown county {}", f[0])))?;
            let b = *by_fips.get(f[1]).ok_or_else(|| terr(t, ln, format!("unknown county {}", f[1])))?;
            let len: Option<u32> = opt(t, ln, "shared_border_m", f[2])?;
            lists[a as usize].push((b, len));
            lists[b as usize].push((a, len));
        }
        let mut offsets = Vec::with_capacity(cs.len() + 1);
        let mut targets = Vec::new();
        let mut border_m = Vec::new();
        offsets.push(0);
        for l in &mut lists {
            l.sort_by_key(|x| x.0);
            for &(b, len) in l.iter() {
                targets.push(b);
                border_m.push(len);
            }
            offsets.push(targets.len() as u32);
        }
        let adjacency = Adjacency { offsets, targets, border_m };

        // ---- folded columns
        let mut pop: [Folded<u64>; 2] = [
            Folded { values: Vec::with_capacity(cs.len()), pools: Vec::new() },
            Folded { values: Vec::with_capacity(cs.len()), pools: Vec::new() },
        ];
        let mut pres: [Folded<Votes>; N_ELECTIONS] =
            std::array::from_fn(|_| Folded { values: Vec::new(), pools: Vec::new() });
        for c in &cs {
            pop[0].values.push(c.pop2010.unwrap_or(0));
            pop[1].values.push(c.pop2020);
            for (k, p) in pres.iter_mut().enumerate() {
                p.values.push(c.pres[k].unwrap_or_default());
            }
        }
        for (pi, p) in pl.iter().enumerate() {
            let first = p.members[0] as usize;
            match p.field {
                PoolField::Population(cy) => {
                    pop[cy.idx()].values[first] += p.population;
                    pop[cy.idx()].pools.push(pi);
                }
                PoolField::President(ey) => {
                    pres[ey.idx()].values[first].add(&p.votes);
                    pres[ey.idx()].pools.push(pi);
                }
            }
        }
        // Every county must have a value or be covered by a pool.
        for (id, c) in cs.iter().enumerate() {
            let covered =
                |f: PoolField| pl.iter().any(|p| p.field == f && p.members.contains(&(id as CountyId)));
            if c.pop2010.is_none() && !covered(PoolField::Population(CensusYear::Y2010)) {
                return Err(terr(
                    "counties.csv",
                    id + 2,
                    format!("{} has no 2010 population and no pool", c.fips),
                ));
            }
            for ey in ElectionYear::ALL {
                if c.pres[ey.idx()].is_none() && !covered(PoolField::President(ey)) {
                    return Err(terr(
                        "counties.csv",
                        id + 2,
                        format!("{} has no {} result and no pool", c.fips, ey.year()),
                    ));
                }
            }
        }
        let mut overseas_alloc = [vec![0.0; cs.len()], vec![0.0; cs.len()]];
        let mut irs_usd = vec![0.0; cs.len()];
        let mut balance_usd = vec![0.0; cs.len()];
        for s in &st {
            let income: u64 = s.counties.iter().map(|&c| cs[c as usize].income_kusd_2018).sum();
            for &c in &s.counties {
                let ci = c as usize;
                for cy in CensusYear::ALL {
                    let k = cy.idx();
                    if s.resident[k] > 0 && !s.is_district() {
                        overseas_alloc[k][ci] =
                            s.overseas(cy) as f64 * pop[k].values[ci] as f64 / s.resident[k] as f64;
                    }
                }
                if income > 0 {
                    irs_usd[ci] =
                        s.irs_collections_kusd_2023 as f64 * 1000.0 * cs[ci].income_kusd_2018 as f64
                            / income as f64;
                }
                balance_usd[ci] = s.balance_per_capita_2023.unwrap_or(0) as f64 * cs[ci].pop2020 as f64;
            }
        }
        // ---- territories
        let mut territories = Vec::new();
        for (i, line) in t.territories.lines().enumerate().skip(1) {
            let (ln, tb) = (i + 1, "territories.csv");
            let f: Vec<&str> = line.split(',').collect();
            if f.len() != 7 {
                return Err(terr(tb, ln, format!("expected 7 fields, found {}", f.len())));
            }
            territories.push(TerritoryFigures {
                abbr: f[0].into(),
                fips: f[1].into(),
                name: f[2].into(),
                resident: [num(tb, ln, "pop2010", f[3])?, num(tb, ln, "pop2020", f[4])?],
                land_m2: opt(tb, ln, "land_m2", f[5])?,
                irs_collections_kusd_2023: opt(tb, ln, "irs_kusd_2023", f[6])?,
            });
        }
        let economy = crate::economy::EconomyData::parse(t.economy, t.economy_states, &by_fips, &st)?;
        Ok(Dataset {
            counties: cs,
            states: st,
            pools: pl,
            adjacency,
            pop,
            pres,
            overseas_alloc,
            irs_usd,
            balance_usd,
            territories,
            economy,
            by_fips,
        })
    }

    pub fn county_by_fips(&self, fips: &str) -> Option<CountyId> {
        self.by_fips.get(fips).copied()
    }

    /// A state by abbreviation, name or FIPS code (case-insensitive).
    pub fn state_by_name(&self, s: &str) -> Option<StateId> {
        let s = s.trim();
        self.states
            .iter()
            .position(|st| st.abbr.eq_ignore_ascii_case(s) || st.name.eq_ignore_ascii_case(s) || st.fips == s)
    }

    /// Why a state reference resolves to no state, for error messages: `unknown state `PR``
    /// followed by this text. A territory is named as one ("Puerto Rico (territory)"), a near
    /// miss gets the closest names ("did you mean California?"), anything else gets what is
    /// expected. Only near misses are suggested: `PR` is not a typo of `AR`.
    pub fn unknown_state_hint(&self, query: &str) -> String {
        let q = query.trim();
        if let Some(t) = territory(q) {
            return format!(
                "did you mean {} (territory)? A territory is not one of the 50 states + DC that the county data covers",
                t.name
            );
        }
        let mut cands: Vec<(String, String, String)> =
            self.states.iter().map(|st| (st.name.clone(), st.abbr.clone(), st.name.clone())).collect();
        cands.extend(
            TERRITORIES
                .iter()
                .map(|t| (t.name.to_string(), t.abbr.to_string(), format!("{} (territory)", t.name))),
        );
        let best = near_misses(q, &cands);
        if best.is_empty() {
            "expected a state abbreviation (CA), a name (California) or a FIPS code (06); DC is `DC`".into()
        } else {
            format!("did you mean {}?", best.join(" or "))
        }
    }

    /// County resident population of a census year, with pooled figures folded onto the first
    /// member of each pool (sums over whole pools are exact).
    pub fn folded_population(&self, census: CensusYear) -> &[u64] {
        &self.pop[census.idx()].values
    }

    /// Presidential votes per county with pooled figures folded (see [`Self::folded_population`]).
    pub fn folded_votes(&self, year: ElectionYear) -> &[Votes] {
        &self.pres[year.idx()].values
    }

    /// The pools that constrain a census year's population.
    pub fn population_pools(&self, census: CensusYear) -> impl Iterator<Item = &Pool> {
        self.pop[census.idx()].pools.iter().map(|&i| &self.pools[i])
    }

    /// The pools that constrain an election year's results.
    pub fn vote_pools(&self, year: ElectionYear) -> impl Iterator<Item = &Pool> {
        self.pres[year.idx()].pools.iter().map(|&i| &self.pools[i])
    }

    /// Resolves a county reference within a state: FIPS code, full name ("Los Angeles County")
    /// or short name ("Los Angeles"), case-insensitive. Errors suggest the closest names.
    pub fn find_county(&self, state: StateId, name: &str) -> Result<CountyId, CountyLookupError> {
        let st = &self.states[state];
        let q = name.trim();
        if (1..=5).contains(&q.len()) && q.bytes().all(|b| b.is_ascii_digit()) {
            // A 5-digit FIPS code; a 4-digit one that lost its leading zero in a spreadsheet
            // ("6059"); or the 3-digit county part within this state ("059").
            let fips = match q.len() {
                5 => q.to_string(),
                4 => format!("0{q}"),
                _ => format!("{}{q:0>3}", st.fips),
            };
            return match self.county_by_fips(&fips) {
                Some(c) if self.counties[c as usize].state == state => Ok(c),
                // Say where the code does point, when it is another state's county.
                Some(c) => Err(CountyLookupError::OtherState {
                    code: fips,
                    state: st.name.clone(),
                    county: self.counties[c as usize].name.clone(),
                    county_state: self.states[self.counties[c as usize].state].name.clone(),
                }),
                None => Err(CountyLookupError::Unknown {
                    name: q.into(),
                    state: st.name.clone(),
                    suggestions: Vec::new(),
                }),
            };
        }
        let full: Vec<CountyId> = st
            .counties
            .iter()
            .copied()
            .filter(|&c| self.counties[c as usize].name.eq_ignore_ascii_case(q))
            .collect();
        if full.len() == 1 {
            return Ok(full[0]);
        }
        let short: Vec<CountyId> = st
            .counties
            .iter()
            .copied()
            .filter(|&c| self.counties[c as usize].short_name().eq_ignore_ascii_case(q))
            .collect();
        match short.len() {
            1 => Ok(short[0]),
            0 => {
                let ql = q.to_lowercase();
                let mut scored: Vec<(usize, &str)> = st
                    .counties
                    .iter()
                    .map(|&c| {
                        let n = &self.counties[c as usize].name;
                        let d = levenshtein(&ql, &short_name(n).to_lowercase())
                            .min(levenshtein(&ql, &n.to_lowercase()));
                        (d, n.as_str())
                    })
                    .collect();
                scored.sort();
                let suggestions = scored.iter().take(3).map(|(_, n)| n.to_string()).collect();
                Err(CountyLookupError::Unknown { name: q.into(), state: st.name.clone(), suggestions })
            }
            _ => Err(CountyLookupError::Ambiguous {
                name: q.into(),
                state: st.name.clone(),
                candidates: short.iter().map(|&c| self.counties[c as usize].name.clone()).collect(),
            }),
        }
    }
}

/// The closest of `candidates` `(name, abbreviation, label)` to `query`, by edit distance, as
/// labels: only near misses (a query of up to three letters one letter off an abbreviation, a
/// longer one within a third of its length of a name), all those tied at the smallest distance,
/// at most 3. An abbreviation match is labelled with the code ("California (CA)").
pub fn near_misses(query: &str, candidates: &[(String, String, String)]) -> Vec<String> {
    let ql = query.trim().to_lowercase();
    let mut scored: Vec<(usize, String)> = Vec::new();
    for (name, abbr, label) in candidates {
        let n = ql.chars().count();
        if n <= 3 && levenshtein(&ql, &abbr.to_lowercase()) <= 1 {
            // An abbreviation one letter off (`CF`, `ORR`).
            scored.push((levenshtein(&ql, &abbr.to_lowercase()), format!("{label} ({abbr})")));
        } else if n > 2 {
            let limit = 2.max(ql.chars().count() / 3);
            let d = levenshtein(&ql, &name.to_lowercase()).min(if abbr.chars().count() > 2 {
                levenshtein(&ql, &abbr.to_lowercase())
            } else {
                usize::MAX
            });
            if d <= limit {
                scored.push((d, label.clone()));
            }
        }
    }
    scored.sort();
    scored.dedup();
    match scored.first() {
        Some(&(d0, _)) => scored.into_iter().filter(|(d, _)| *d == d0).take(3).map(|(_, n)| n).collect(),
        None => Vec::new(),
    }
}

/// A territory of the United States: not a state, not in the county data, no apportionment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Territory {
    pub abbr: &'static str,
    pub fips: &'static str,
    pub name: &'static str,
}

/// Puerto Rico and the four inhabited Island Areas (USPS codes and FIPS state codes).
pub const TERRITORIES: [Territory; 5] = [
    Territory { abbr: "PR", fips: "72", name: "Puerto Rico" },
    Territory { abbr: "GU", fips: "66", name: "Guam" },
    Territory { abbr: "VI", fips: "78", name: "U.S. Virgin Islands" },
    Territory { abbr: "AS", fips: "60", name: "American Samoa" },
    Territory { abbr: "MP", fips: "69", name: "Northern Mariana Islands" },
];

/// A territory by abbreviation, name or FIPS code (case-insensitive; "Virgin Islands" and
/// "Northern Marianas" are accepted).
pub fn territory(s: &str) -> Option<&'static Territory> {
    let s = s.trim();
    TERRITORIES.iter().find(|t| {
        t.abbr.eq_ignore_ascii_case(s)
            || t.name.eq_ignore_ascii_case(s)
            || t.fips == s
            || (t.abbr == "VI"
                && (s.eq_ignore_ascii_case("Virgin Islands") || s.eq_ignore_ascii_case("USVI")))
            || (t.abbr == "MP"
                && (s.eq_ignore_ascii_case("Northern Marianas") || s.eq_ignore_ascii_case("CNMI")))
    })
}

/// A county name that does not resolve.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CountyLookupError {
    #[error("{state} has no county `{name}`{}", suggest(suggestions))]
    Unknown { name: String, state: String, suggestions: Vec<String> },
    #[error("{state} has no county `{code}`: that code is {county}, {county_state}")]
    OtherState { code: String, state: String, county: String, county_state: String },
    #[error("`{name}` is ambiguous in {state}: write one of {}", candidates.join(" or "))]
    Ambiguous { name: String, state: String, candidates: Vec<String> },
}

fn suggest(s: &[String]) -> String {
    if s.is_empty() {
        String::new()
    } else {
        format!(" (did you mean {}?)", s.join(", "))
    }
}

/// Edit distance between two strings (used to suggest the closest names).
pub fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        cur[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j + 1] + 1).min(cur[j] + 1).min(prev[j] + usize::from(ca != cb));
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}
