//! Derivation of the embedded tables from the raw public files (`redraw derive-data`).
//!
//! This module is I/O-free: the caller reads every file named in [`RAW_FILES`] and hands the
//! contents over as [`RawInputs`]; [`derive()`] returns the four table texts that are committed
//! under `data/` and embedded with `include_str!`. The derivation is deterministic (sorted
//! output, integer arithmetic where the sources are integers), so re-running it on the same raw
//! files reproduces the committed tables byte for byte; a test checks exactly that.
//!
//! Every rule applied here is written down in `data/SOURCES.md`.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::Write as _;

mod economy;

pub use economy::{split_exact, COUNTY_YEARS as ECONOMY_COUNTY_YEARS, STATE_YEARS as ECONOMY_STATE_YEARS};

/// Number of raw files.
pub const N_RAW: usize = 22;

/// The raw files, relative to the shared data directory, in the order of [`RawInputs`] fields.
/// A `.gz` file is handed over decompressed.
pub const RAW_FILES: [&str; N_RAW] = [
    "population/census_2020_population_county.csv",
    "population/co-est2020-alldata_subset.csv",
    "geography/2025_Gaz_counties_national.txt",
    "geography/us_geo_2010_counties.csv",
    "county_adjacency/county_adjacency_2020counties.csv",
    "elections/county_president_2016.csv",
    "elections/county_president_2020.csv",
    "elections/county_president_2024.csv",
    "apportionment/apportionment_2000.csv",
    "apportionment/apportionment_2010.csv",
    "apportionment/apportionment_2020.csv",
    "apportionment/census_apportionment_1960_2020_houseofreps.csv",
    "fiscal/irs_databook_fy2023_table5_gross_collections_by_state.csv",
    "fiscal/rockefeller_bop_ffy2023_per_capita.csv",
    "fiscal/bea_cainc1_county_personal_income_2016_2018.csv",
    "population/territories_census_2010_2020.csv",
    "elections/countypres_2000-2020.csv.gz",
    "economy/bea_cagdp2_county_gdp_by_industry_2017_2021.csv",
    "economy/bea_cainc1_county_personal_income_2017_2022.csv",
    "economy/bea_county_combination_areas.csv",
    "economy/bea_sagdp2_state_gdp_by_industry_1997_2024.csv",
    "fiscal/irs_databook_fy2023_table5_nonstate_rows.csv",
];

/// The contents of the raw files listed in [`RAW_FILES`] (same order).
pub struct RawInputs<'a> {
    pub files: [&'a str; N_RAW],
}

/// The derived table texts, written to `data/<name>` by the CLI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DerivedTables {
    pub counties: String,
    pub pools: String,
    pub adjacency: String,
    pub states: String,
    pub territories: String,
    pub economy: String,
    pub economy_states: String,
}

impl DerivedTables {
    /// `(file name, contents)` pairs, in a fixed order (that of `dataset::embedded_tables`).
    pub fn files(&self) -> [(&'static str, &str); 7] {
        [
            ("counties.csv", &self.counties),
            ("pools.csv", &self.pools),
            ("adjacency.csv", &self.adjacency),
            ("states.csv", &self.states),
            ("territories.csv", &self.territories),
            ("economy.csv", &self.economy),
            ("economy_states.csv", &self.economy_states),
        ]
    }
}

/// A derivation failure, naming the raw file and what was wrong.
#[derive(Debug, thiserror::Error)]
#[error("{file}: {message}")]
pub struct DeriveError {
    pub file: String,
    pub message: String,
}

fn err(file_idx: usize, message: impl Into<String>) -> DeriveError {
    DeriveError { file: RAW_FILES[file_idx].to_string(), message: message.into() }
}

type Rows = Vec<HashMap<String, String>>;

fn read_rows(idx: usize, text: &str, delim: u8) -> Result<Rows, DeriveError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut rdr = csv::ReaderBuilder::new().delimiter(delim).flexible(false).from_reader(text.as_bytes());
    let headers: Vec<String> = rdr
        .headers()
        .map_err(|e| err(idx, format!("header: {e}")))?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    let mut rows = Vec::new();
    for (i, rec) in rdr.records().enumerate() {
        let rec = rec.map_err(|e| err(idx, format!("row {}: {e}", i + 2)))?;
        let mut m = HashMap::with_capacity(headers.len());
        for (h, v) in headers.iter().zip(rec.iter()) {
            m.insert(h.clone(), v.trim().to_string());
        }
        rows.push(m);
    }
    Ok(rows)
}

fn get<'r>(idx: usize, row: &'r HashMap<String, String>, col: &str) -> Result<&'r str, DeriveError> {
    row.get(col).map(String::as_str).ok_or_else(|| err(idx, format!("missing column `{col}`")))
}

fn int(idx: usize, row: &HashMap<String, String>, col: &str) -> Result<i64, DeriveError> {
    let v = get(idx, row, col)?;
    let clean: String = v.chars().filter(|c| *c != ',').collect();
    if let Ok(x) = clean.parse::<i64>() {
        return Ok(x);
    }
    // Some files store integers as "8.0".
    match clean.parse::<f64>() {
        Ok(f) if f.fract() == 0.0 && f.abs() < 1e15 => Ok(f as i64),
        _ => Err(err(idx, format!("column `{col}`: expected an integer, found `{v}`"))),
    }
}

struct CountyRow {
    fips: String,
    state: String,
    name: String,
    pop2020: i64,
    pop2010: Option<i64>,
    land_m2: i64,
    pres: [Option<[i64; 3]>; 4],
    income_kusd: i64,
}

/// Presidential election years in the embedded tables. 2012 comes from the MIT 2000–2020
/// county file (the census in force, 2010, has county populations); 2000–2008 are left out:
/// their censuses in force (1990, 2000) have no county populations in the raw data.
pub const ELECTION_YEARS: [u16; 4] = [2012, 2016, 2020, 2024];

/// Derives the embedded tables from the raw files.
pub fn derive(raw: &RawInputs<'_>) -> Result<DerivedTables, DeriveError> {
    let f = &raw.files;
    // ---- county set, names, 2020 population -------------------------------------------------
    let pop20 = read_rows(0, f[0], b',')?;
    let mut state_abbr_by_fips: BTreeMap<String, String> = BTreeMap::new();
    let appt20 = read_rows(10, f[10], b',')?;
    for r in &appt20 {
        state_abbr_by_fips
            .insert(format!("{:0>2}", get(10, r, "state_fips")?), get(10, r, "state_abbr")?.to_string());
    }
    state_abbr_by_fips.insert("11".into(), "DC".into());
    let mut counties: BTreeMap<String, CountyRow> = BTreeMap::new();
    let mut state_pop20: BTreeMap<String, i64> = BTreeMap::new();
    let mut state_names: BTreeMap<String, String> = BTreeMap::new();
    for r in &pop20 {
        let st = format!("{:0>2}", get(0, r, "state_code")?);
        let Some(abbr) = state_abbr_by_fips.get(&st) else { continue }; // PR and island areas
        let cc = format!("{:0>3}", get(0, r, "county_code")?);
        let pop = int(0, r, "population")?;
        if cc == "000" {
            state_pop20.insert(st.clone(), pop);
            state_names.insert(st.clone(), get(0, r, "state_name")?.to_string());
            continue;
        }
        let fips = format!("{st}{cc}");
        counties.insert(
            fips.clone(),
            CountyRow {
                fips,
                state: abbr.clone(),
                name: get(0, r, "county_name")?.to_string(),
                pop2020: pop,
                pop2010: None,
                land_m2: -1,
                pres: [None; 4],
                income_kusd: 0,
            },
        );
    }
    if counties.len() != 3143 {
        return Err(err(
            0,
            format!("expected 3,143 counties of the 50 states and DC, found {}", counties.len()),
        ));
    }
    for (st, total) in &state_pop20 {
        let sum: i64 = counties.values().filter(|c| &c.fips[..2] == st).map(|c| c.pop2020).sum();
        if sum != *total {
            return Err(err(0, format!("state {st}: counties sum to {sum}, state row says {total}")));
        }
    }

    // ---- 2010 population (2020 county set) ------------------------------------------------
    let mut pools = String::from("field,year,state,members,v1,v2,v3,note\n");
    let est = read_rows(1, f[1], b',')?;
    let mut state_pop10: BTreeMap<String, i64> = BTreeMap::new();
    let mut missing10: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for r in &est {
        let st = format!("{:0>2}", get(1, r, "STATE")?);
        let cc = format!("{:0>3}", get(1, r, "COUNTY")?);
        let lev = get(1, r, "SUMLEV")?;
        if lev == "40" {
            state_pop10.insert(st, int(1, r, "CENSUS2010POP")?);
            continue;
        }
        let fips = format!("{st}{cc}");
        let c = counties
            .get_mut(&fips)
            .ok_or_else(|| err(1, format!("county {fips} not in the 2020 county set")))?;
        if get(1, r, "CENSUS2010POP")? == "X" {
            missing10.entry(st).or_default().push(fips);
        } else {
            c.pop2010 = Some(int(1, r, "CENSUS2010POP")?);
        }
    }
    if let Some(c) =
        counties.values().find(|c| c.pop2010.is_none() && !missing10.values().flatten().any(|m| m == &c.fips))
    {
        return Err(err(1, format!("county {} has no 2010 row", c.fips)));
    }
    // Bedford city VA (51515) joined Bedford County (51019) in 2013; the estimates file gives
    // 51019's 2010 count without the city, and no raw file has the city's own 2010 row. The
    // county therefore takes the state's official 2010 total minus the other counties, which
    // adds exactly the city's 2010 population (6,222).
    const MERGED_SINCE_2010: [&str; 1] = ["51019"];
    for into in MERGED_SINCE_2010 {
        let st = &into[..2];
        let others: i64 = counties
            .values()
            .filter(|c| &c.fips[..2] == st && c.fips != into)
            .filter_map(|c| c.pop2010)
            .sum();
        let c = counties.get_mut(into).ok_or_else(|| err(1, format!("no county {into}")))?;
        let own = c.pop2010.unwrap_or(0);
        let merged = state_pop10[st] - others;
        if merged < own {
            return Err(err(1, format!("{into}: merged 2010 count {merged} below its own {own}")));
        }
        c.pop2010 = Some(merged);
    }
    for (st, total) in &state_pop10 {
        if missing10.contains_key(st) {
            continue;
        }
        let sum: i64 = counties.values().filter(|c| &c.fips[..2] == st).filter_map(|c| c.pop2010).sum();
        if sum != *total {
            return Err(err(
                1,
                format!("state {st}: 2010 counties sum to {sum}, the state row says {total}"),
            ));
        }
    }
    for (st, members) in &missing10 {
        let total = state_pop10[st];
        let known: i64 = counties.values().filter(|c| &c.fips[..2] == st).filter_map(|c| c.pop2010).sum();
        let names: Vec<&str> = members.iter().map(|m| counties[m].name.as_str()).collect();
        let _ = writeln!(
            pools,
            "pop,2010,{},{},{},,,{} did not exist in 2010; only their combined 2010 count is known (state total minus the other counties)",
            state_abbr_by_fips[st],
            members.join(" "),
            total - known,
            names.join(" and ")
        );
    }

    // ---- land area ------------------------------------------------------------------------
    let gaz = read_rows(2, f[2], b'|')?;
    for r in &gaz {
        if let Some(c) = counties.get_mut(get(2, r, "GEOID")?) {
            c.land_m2 = int(2, r, "ALAND")?;
        }
    }
    let geo10 = read_rows(3, f[3], b',')?;
    for r in &geo10 {
        if let Some(c) = counties.get_mut(get(3, r, "GEOID")?) {
            if c.land_m2 < 0 {
                c.land_m2 = int(3, r, "Land Area")?;
            }
        }
    }
    if let Some(c) = counties.values().find(|c| c.land_m2 < 0) {
        return Err(err(3, format!("no land area for county {} {}", c.fips, c.name)));
    }

    // ---- adjacency --------------------------------------------------------------------------
    let adj = read_rows(4, f[4], b',')?;
    let mut edges: BTreeSet<(String, String, String)> = BTreeSet::new();
    for r in &adj {
        let (a, b) = (get(4, r, "fips_a")?.to_string(), get(4, r, "fips_b")?.to_string());
        for x in [&a, &b] {
            if !counties.contains_key(x) {
                return Err(err(4, format!("edge endpoint {x} is not a county of the 2020 set")));
            }
        }
        let len = get(4, r, "shared_border_m")?.to_string();
        if !len.is_empty() {
            int(4, r, "shared_border_m")?;
        }
        let (a, b) = if a < b { (a, b) } else { (b, a) };
        edges.insert((a, b, len));
    }
    let mut adjacency = String::from("fips_a,fips_b,shared_border_m\n");
    for (a, b, l) in &edges {
        let _ = writeln!(adjacency, "{a},{b},{l}");
    }

    // ---- presidential results ---------------------------------------------------------------
    // Counties whose votes the sources report inside another county.
    const COUNTED_WITH: [(&str, &str, &str); 1] =
        [("15005", "15009", "Kalawao County's votes are counted with Maui County")];
    for (yi, year) in ELECTION_YEARS.iter().enumerate() {
        let (idx, rows) = if *year == 2012 {
            (16, mit_county_rows(16, f[16], 2012)?)
        } else {
            let idx = 4 + yi;
            let mut out = Vec::new();
            for r in &read_rows(idx, f[idx], b',')? {
                let fips = get(idx, r, "county_fips")?.to_string();
                out.push((
                    fips,
                    [int(idx, r, "votes_dem")?, int(idx, r, "votes_rep")?, int(idx, r, "votes_total")?],
                ));
            }
            (idx, out)
        };
        let mut by_state: BTreeMap<String, Vec<(String, [i64; 3])>> = BTreeMap::new();
        for (fips, v) in rows {
            by_state.entry(fips[..2].to_string()).or_default().push((fips, v));
        }
        for (st, rows) in &by_state {
            let Some(abbr) = state_abbr_by_fips.get(st) else {
                return Err(err(idx, format!("rows for unknown state FIPS {st}")));
            };
            let non_county = rows.iter().any(|(fips, _)| !counties.contains_key(fips));
            if non_county {
                // The state reports by units that are not counties: only the state total exists.
                let mut sum = [0i64; 3];
                for (_, v) in rows {
                    for k in 0..3 {
                        sum[k] += v[k];
                    }
                }
                let members: Vec<&str> =
                    counties.keys().filter(|k| &k[..2] == st).map(String::as_str).collect();
                let unit = if st == "02" {
                    "state house districts, not boroughs"
                } else if st == "09" {
                    "planning regions, not the 2020 counties"
                } else {
                    "units that are not counties"
                };
                let _ = writeln!(
                    pools,
                    "pres,{year},{abbr},{},{},{},{},{} {year} presidential results are reported by {unit}; only the statewide total is known",
                    members.join(" "),
                    sum[0],
                    sum[1],
                    sum[2],
                    state_names[st]
                );
                continue;
            }
            for (fips, v) in rows {
                counties.get_mut(fips).expect("checked").pres[yi] = Some(*v);
            }
            for (from, into, note) in COUNTED_WITH {
                if &from[..2] == st && counties[from].pres[yi].is_none() {
                    let v = counties.get_mut(into).expect("county").pres[yi].take().ok_or_else(|| {
                        err(idx, format!("{from} is counted with {into}, but {into} has no row"))
                    })?;
                    let _ =
                        writeln!(pools, "pres,{year},{abbr},{from} {into},{},{},{},{note}", v[0], v[1], v[2]);
                }
            }
            let pooled: BTreeSet<&str> = COUNTED_WITH
                .iter()
                .filter(|(a, _, _)| &a[..2] == st)
                .flat_map(|(a, b, _)| [*a, *b])
                .collect();
            if let Some(c) = counties
                .values()
                .find(|c| &c.fips[..2] == st && c.pres[yi].is_none() && !pooled.contains(c.fips.as_str()))
            {
                return Err(err(idx, format!("county {} {} has no {year} result", c.fips, c.name)));
            }
        }
    }

    // ---- states -----------------------------------------------------------------------------
    let app: Vec<Rows> = vec![read_rows(8, f[8], b',')?, read_rows(9, f[9], b',')?, appt20];
    let hist = read_rows(11, f[11], b',')?;
    let irs = read_rows(12, f[12], b',')?;
    let bop = read_rows(13, f[13], b',')?;
    let mut states = String::from(
        "fips,abbr,name,app2000,seats2000,app2010,seats2010,app2020,seats2020,res2010,res2020,irs_kusd_2023,balance_per_capita_2023\n",
    );
    for (st, abbr) in &state_abbr_by_fips {
        let name = &state_names[st];
        let mut cols: Vec<String> = vec![st.clone(), abbr.clone(), name.clone()];
        for (k, year) in [2000, 2010, 2020].iter().enumerate() {
            let idx = 8 + k;
            match app[k].iter().find(|r| r.get("state_abbr").map(String::as_str) == Some(abbr)) {
                Some(r) => {
                    cols.push(int(idx, r, &format!("apportionment_population_{year}"))?.to_string());
                    cols.push(int(idx, r, &format!("seats_{year}"))?.to_string());
                }
                None if abbr == "DC" => {
                    cols.push(String::new());
                    cols.push("0".into());
                }
                None => return Err(err(idx, format!("no row for {abbr}"))),
            }
        }
        for year in ["2010", "2020"] {
            let r = hist
                .iter()
                .find(|r| r.get("Name") == Some(name) && r.get("Year").map(String::as_str) == Some(year))
                .ok_or_else(|| err(11, format!("no {year} row for {name}")))?;
            let res = int(11, r, "Resident Population")?;
            let app_pop = int(11, r, "Population used for apportionment")?;
            let own = if year == "2010" { state_pop10[st] } else { state_pop20[st] };
            if res != own {
                return Err(err(
                    11,
                    format!("{name} {year}: resident population {res} differs from the county files' {own}"),
                ));
            }
            let official = if year == "2010" { &cols[5] } else { &cols[7] };
            if abbr != "DC" && official != &app_pop.to_string() {
                return Err(err(
                    11,
                    format!("{name} {year}: apportionment population {app_pop} differs from {official}"),
                ));
            }
            cols.push(res.to_string());
        }
        let r = irs
            .iter()
            .find(|r| r.get("state_po") == Some(abbr))
            .ok_or_else(|| err(12, format!("no row for {abbr}")))?;
        cols.push(int(12, r, "total_collections_kusd")?.to_string());
        match bop.iter().find(|r| r.get("state").map(String::as_str) == Some(name.as_str())) {
            Some(r) => cols.push(int(13, r, "balance_per_capita_usd")?.to_string()),
            None if abbr == "DC" => cols.push(String::new()),
            None => return Err(err(13, format!("no row for {name}"))),
        }
        let _ = writeln!(states, "{}", cols.join(","));
    }

    // ---- personal income (the rule that shares IRS collections out to counties) --------------
    let bea = read_rows(14, f[14], b',')?;
    // Obsolete BEA codes that map to counties of the 2020 set.
    const RECODE: [(&str, &[&str]); 1] = [("02261", &["02063", "02066"])];
    let mut units: Vec<(Vec<String>, i64)> = Vec::new();
    for r in &bea {
        let fips = get(14, r, "geofips")?;
        if fips.ends_with("000") {
            continue;
        }
        let inc = get(14, r, "personal_income_kusd_2018")?;
        if inc.is_empty() || inc == "(NA)" {
            continue;
        }
        let inc = int(14, r, "personal_income_kusd_2018")?;
        let members: Vec<String> = if counties.contains_key(fips) {
            vec![fips.to_string()]
        } else if let Some((_, m)) = RECODE.iter().find(|(k, _)| *k == fips) {
            m.iter().map(|s| s.to_string()).collect()
        } else if &fips[2..3] == "9" {
            bea_merged_members(fips, get(14, r, "geoname")?, &counties).map_err(|m| err(14, m))?
        } else {
            return Err(err(14, format!("BEA unit {fips} has 2018 income but maps to no county")));
        };
        units.push((members, inc));
    }
    let mut covered: BTreeSet<String> = BTreeSet::new();
    for (members, inc) in &units {
        let total_pop: i64 = members.iter().map(|m| counties[m].pop2020).sum();
        // Split a merged unit by 2020 population (largest remainder, so the parts sum exactly).
        let mut parts: Vec<(usize, i64, i64)> = members
            .iter()
            .enumerate()
            .map(|(i, m)| {
                let num = inc * counties[m].pop2020;
                (i, num / total_pop.max(1), num % total_pop.max(1))
            })
            .collect();
        let mut left = inc - parts.iter().map(|p| p.1).sum::<i64>();
        parts.sort_by(|a, b| b.2.cmp(&a.2).then(a.0.cmp(&b.0)));
        for p in parts.iter_mut() {
            if left == 0 {
                break;
            }
            p.1 += 1;
            left -= 1;
        }
        for (i, share, _) in parts {
            let m = &members[i];
            if !covered.insert(m.clone()) {
                return Err(err(14, format!("county {m} is covered by two BEA units")));
            }
            counties.get_mut(m).expect("member").income_kusd += share;
        }
    }
    if let Some(c) = counties.values().find(|c| !covered.contains(&c.fips)) {
        return Err(err(14, format!("county {} {} has no 2018 personal income", c.fips, c.name)));
    }

    // ---- counties table ---------------------------------------------------------------------
    let mut out = String::from(
        "fips,state,name,pop2020,pop2010,land_m2,dem2012,rep2012,tot2012,dem2016,rep2016,tot2016,dem2020,rep2020,tot2020,dem2024,rep2024,tot2024,income_kusd_2018\n",
    );
    for c in counties.values() {
        if c.name.contains(',') {
            return Err(err(0, format!("county name with a comma: {}", c.name)));
        }
        let _ = write!(out, "{},{},{},{},", c.fips, c.state, c.name, c.pop2020);
        match c.pop2010 {
            Some(p) => {
                let _ = write!(out, "{p},");
            }
            None => out.push(','),
        }
        let _ = write!(out, "{}", c.land_m2);
        for p in &c.pres {
            match p {
                Some([d, r, t]) => {
                    let _ = write!(out, ",{d},{r},{t}");
                }
                None => out.push_str(",,,"),
            }
        }
        let _ = writeln!(out, ",{}", c.income_kusd);
    }
    // ---- territories ------------------------------------------------------------------------
    let territories = territories(f, &pop20, &gaz)?;

    // ---- economy ----------------------------------------------------------------------------
    let set: BTreeMap<String, (String, i64)> =
        counties.values().map(|c| (c.fips.clone(), (c.fips[..2].to_string(), c.pop2020))).collect();
    let eco = economy::derive(
        &economy::CountySet { counties: &set },
        &economy::Files {
            cagdp2: (17, f[17]),
            cainc1: (18, f[18]),
            combos: (19, f[19]),
            sagdp2: (20, f[20]),
        },
    )?;
    Ok(DerivedTables {
        counties: out,
        pools,
        adjacency,
        states,
        territories,
        economy: eco.counties,
        economy_states: eco.states,
    })
}

/// County rows `(fips, [dem, rep, total])` of one year of the MIT county presidential file on
/// the 2020 county set. Rules: rows of mode `TOTAL` only when a county has them (else every
/// mode summed); `NA` votes count as 0, and a unit with no candidate votes at all is left
/// out; the county's total is its `totalvotes`; rows with no
/// county (`STATEWIDE WRITEIN`, `MAINE UOCAVA`, `FEDERAL PRECINCT`) are left out, as in the
/// 2016/2020 files; Shannon/Oglala Lakota 46113 -> 46102, Bedford city 51515 -> Bedford
/// County 51019, Kansas City MO (36000) -> Jackson County 29095.
fn mit_county_rows(idx: usize, text: &str, year: u16) -> Result<Vec<(String, [i64; 3])>, DeriveError> {
    let rows = read_rows(idx, text, b',')?;
    const RECODE: [(&str, &str); 3] = [("46113", "46102"), ("51515", "51019"), ("36000", "29095")];
    // (fips, mode) -> (dem, rep, total); total is per (county, mode).
    let mut cells: BTreeMap<(String, String), [i64; 3]> = BTreeMap::new();
    let mut reported: BTreeSet<(String, String)> = BTreeSet::new();
    let y = year.to_string();
    for r in rows.iter().filter(|r| r.get("year") == Some(&y)) {
        let raw = get(idx, r, "county_fips")?;
        if raw == "NA" || raw.is_empty() {
            continue;
        }
        let fips = format!("{raw:0>5}");
        let fips = RECODE.iter().find(|(a, _)| *a == fips).map_or(fips.clone(), |(_, b)| b.to_string());
        let votes = match get(idx, r, "candidatevotes")? {
            "NA" | "" => 0,
            _ => int(idx, r, "candidatevotes")?,
        };
        let total = match get(idx, r, "totalvotes")? {
            "NA" | "" => 0,
            _ => int(idx, r, "totalvotes")?,
        };
        let mode = get(idx, r, "mode")?.to_string();
        let key = (format!("{fips}|{raw:0>5}"), mode);
        if get(idx, r, "candidatevotes")? != "NA" {
            reported.insert(key.clone());
        }
        let c = cells.entry(key).or_insert([0, 0, total]);
        match get(idx, r, "party")? {
            "DEMOCRAT" => c[0] += votes,
            "REPUBLICAN" => c[1] += votes,
            _ => {}
        }
    }
    // A unit whose every candidate cell is NA has a total but no result (Alaska's "District
    // 99" of 2012: 74,045 ballots, which would put the state above its certified 300,495).
    cells.retain(|k, _| reported.contains(k));
    let mut by_county: BTreeMap<String, [i64; 3]> = BTreeMap::new();
    let has_total: BTreeSet<String> =
        cells.keys().filter(|(_, m)| m == "TOTAL").map(|(k, _)| k.clone()).collect();
    for ((key, mode), v) in &cells {
        if mode != "TOTAL" && has_total.contains(key) {
            continue;
        }
        let fips = key.split('|').next().expect("key").to_string();
        let e = by_county.entry(fips).or_insert([0; 3]);
        for k in 0..3 {
            e[k] += v[k];
        }
    }
    if by_county.is_empty() {
        return Err(err(idx, format!("no {year} rows")));
    }
    Ok(by_county.into_iter().collect())
}

/// `territories.csv`: Puerto Rico and the Island Areas, 2010 and 2020 census populations
/// (checked against the 2020 county file's territory rows), land area where the Gazetteer
/// has it (Puerto Rico's municipios), and IRS FY2023 gross collections where the IRS table
/// has a row of its own (Puerto Rico).
fn territories(f: &[&str; N_RAW], pop20: &Rows, gaz: &Rows) -> Result<String, DeriveError> {
    let rows = read_rows(15, f[15], b',')?;
    let nonstate = read_rows(21, f[21], b',')?;
    let mut out = String::from("abbr,fips,name,pop2010,pop2020,land_m2,irs_kusd_2023\n");
    for r in &rows {
        let abbr = get(15, r, "abbr")?;
        let fips = format!("{:0>2}", get(15, r, "fips")?);
        let name = get(15, r, "territory")?;
        let p10 = int(15, r, "pop_2010")?;
        let p20 = int(15, r, "pop_2020")?;
        let county_total: i64 = pop20
            .iter()
            .filter(|c| c.get("state_code").map(|s| format!("{s:0>2}")) == Some(fips.clone()))
            .filter(|c| c.get("county_code").map(|s| format!("{s:0>3}")) != Some("000".into()))
            .map(|c| int(0, c, "population"))
            .sum::<Result<i64, _>>()?;
        if county_total != p20 {
            return Err(err(
                15,
                format!("{name}: 2020 population {p20} differs from the county file's {county_total}"),
            ));
        }
        let land: i64 = gaz
            .iter()
            .filter(|g| g.get("GEOID").is_some_and(|id| id.starts_with(&fips)))
            .map(|g| int(2, g, "ALAND"))
            .sum::<Result<i64, _>>()?;
        // The IRS table has a row of its own for Puerto Rico only; the Island Areas are lumped
        // with service members overseas.
        let irs = match nonstate.iter().find(|x| x.get("row_label").map(String::as_str) == Some(name)) {
            Some(x) => int(21, x, "total_collections_kusd")?.to_string(),
            None => String::new(),
        };
        let _ = writeln!(
            out,
            "{abbr},{fips},{name},{p10},{p20},{},{irs}",
            if land > 0 { land.to_string() } else { String::new() }
        );
    }
    Ok(out)
}

/// Members of a BEA merged unit such as `51919 "Fairfax, Fairfax City + Falls Church, VA*"`:
/// the first component is the county, later ones are the independent cities merged into it.
fn bea_merged_members(
    fips: &str,
    geoname: &str,
    counties: &BTreeMap<String, CountyRow>,
) -> Result<Vec<String>, String> {
    let st = &fips[..2];
    let body = geoname.rsplit_once(", ").map(|(a, _)| a).unwrap_or(geoname);
    let comps: Vec<&str> = body.split(" + ").flat_map(|s| s.split(", ")).map(str::trim).collect();
    let mut out = Vec::new();
    for (i, comp) in comps.iter().enumerate() {
        let base = comp.strip_suffix(" City").unwrap_or(comp);
        let cands: Vec<&CountyRow> = counties
            .values()
            .filter(|c| &c.fips[..2] == st)
            .filter(|c| {
                c.name == format!("{comp} County") || c.name == format!("{base} city") || c.name == *comp
            })
            .collect();
        let pick = match cands.len() {
            0 => return Err(format!("BEA unit {fips} `{geoname}`: no county named `{comp}`")),
            1 => cands[0],
            _ => {
                let want = if i == 0 { format!("{comp} County") } else { format!("{base} city") };
                *cands
                    .iter()
                    .find(|c| c.name == want)
                    .ok_or_else(|| format!("BEA unit {fips} `{geoname}`: `{comp}` is ambiguous"))?
            }
        };
        out.push(pick.fips.clone());
    }
    Ok(out)
}
