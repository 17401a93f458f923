//! County GDP by industry on the 2020 county set, with BEA's withheld cells allocated
//! (`economy.csv`), and BEA's published state and national rows (`economy_states.csv`).
//!
//! Rules (also in `data/SOURCES.md`):
//! 1. **Exact state totals.** For every state, year and line, the state row of the same file
//!    is the total. Disclosed county cells are kept; the residual (state − disclosed counties)
//!    goes to the withheld `(D)` cells of that state and line. Where no cell is withheld the
//!    residual is BEA's rounding (at most a few k$) and goes to the state's largest county on
//!    that line.
//! 2. **Withheld cells** of the 19 private sector lines are filled by biproportional fitting
//!    (RAS): each withheld county's row must add up to its private GDP (line 2, never withheld)
//!    minus its disclosed sectors; each line's column must add up to the state residual. The
//!    seed is the county's private GDP times the state's share of that sector. Columns are
//!    scaled last, so state totals are exact; integers are fixed by largest remainders.
//! 3. **BEA areas that are not 2020 counties** (Maui + Kalawao, the 23 Virginia combination
//!    areas, Valdez-Cordova 02261 for 2017–2019) are shared among their member counties by
//!    2020 census population (largest remainders), and flagged estimated.
//! 4. Population is BEA's midyear estimate (CAINC1 line 2) of the same year, mapped the same way.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::Write as _;

use super::{err, get, read_rows, Rows};

/// CAGDP2 years on the county level.
pub const COUNTY_YEARS: [u16; 5] = [2017, 2018, 2019, 2020, 2021];
/// SAGDP2 years kept for whole states (the newest state table).
pub const STATE_YEARS: [u16; 1] = [2024];

/// The 19 private sector lines of CAGDP2 that add up to line 2 (private industries).
const SECTORS: [&str; 19] = [
    "3", "6", "10", "11", "12", "34", "35", "36", "45", "51", "56", "60", "64", "65", "69", "70", "76", "79",
    "82",
];
/// The lines redraw reports: total, then agriculture (NAICS 11), manufacturing (31-33),
/// information (51), finance and insurance (52), professional, scientific and technical
/// services (54); the letters flag estimated cells.
pub const REPORTED: [(&str, char); 6] =
    [("1", 'g'), ("3", 'a'), ("12", 'm'), ("45", 'i'), ("51", 'f'), ("60", 'p')];

/// A cell of a BEA table: a value in thousands of dollars, withheld, or absent.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Cell {
    Value(i64),
    Withheld,
    Missing,
}

fn cell(idx: usize, text: &str) -> Result<Cell, super::DeriveError> {
    match text {
        "(D)" => Ok(Cell::Withheld),
        "(NA)" | "" => Ok(Cell::Missing),
        t => t
            .parse::<i64>()
            .map(Cell::Value)
            .map_err(|_| err(idx, format!("expected thousands of dollars or a BEA code, found `{t}`"))),
    }
}

/// Largest-remainder split of `total` among `weights` (non-negative); equal shares when every
/// weight is zero. The parts add up to `total` exactly.
pub fn split_exact(total: i64, weights: &[f64]) -> Vec<i64> {
    let n = weights.len();
    if n == 0 {
        return Vec::new();
    }
    let sum: f64 = weights.iter().map(|w| w.max(0.0)).sum();
    let w: Vec<f64> =
        if sum > 0.0 { weights.iter().map(|x| x.max(0.0) / sum).collect() } else { vec![1.0 / n as f64; n] };
    let raw: Vec<f64> = w.iter().map(|x| x * total as f64).collect();
    let mut out: Vec<i64> = raw.iter().map(|x| x.floor() as i64).collect();
    let mut left = total - out.iter().sum::<i64>();
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| (raw[b] - raw[b].floor()).total_cmp(&(raw[a] - raw[a].floor())).then(a.cmp(&b)));
    let mut k = 0;
    while left > 0 {
        out[order[k % n]] += 1;
        left -= 1;
        k += 1;
    }
    while left < 0 {
        // Only reachable through float rounding of huge totals: take from the largest parts.
        out[order[(n - 1) - (k % n)]] -= 1;
        left += 1;
        k += 1;
    }
    out
}

/// Biproportional fitting of a seed matrix to row and column targets; columns are fitted
/// last so they hold exactly (up to float rounding).
fn ras(seed: &mut [Vec<f64>], rows: &[f64], cols: &[f64]) {
    for _ in 0..500 {
        let mut worst = 0.0f64;
        for (r, row) in seed.iter_mut().enumerate() {
            let s: f64 = row.iter().sum();
            if s > 0.0 {
                let f = rows[r] / s;
                worst = worst.max((f - 1.0).abs());
                row.iter_mut().for_each(|x| *x *= f);
            }
        }
        for (c, &target) in cols.iter().enumerate() {
            let s: f64 = seed.iter().map(|row| row[c]).sum();
            if s > 0.0 {
                let f = target / s;
                worst = worst.max((f - 1.0).abs());
                seed.iter_mut().for_each(|row| row[c] *= f);
            }
        }
        if worst < 1e-12 {
            break;
        }
    }
}

/// Everything the economy derivation needs from the rest of the derivation.
pub(crate) struct CountySet<'a> {
    /// 2020 county FIPS -> (state FIPS, 2020 population).
    pub counties: &'a BTreeMap<String, (String, i64)>,
}

pub(crate) struct EconomyTables {
    pub counties: String,
    pub states: String,
}

/// Index of the raw files (see `RAW_FILES`).
pub(crate) struct Files<'a> {
    pub cagdp2: (usize, &'a str),
    pub cainc1: (usize, &'a str),
    pub combos: (usize, &'a str),
    pub sagdp2: (usize, &'a str),
}

pub(crate) fn derive(set: &CountySet<'_>, f: &Files<'_>) -> Result<EconomyTables, super::DeriveError> {
    let (gi, gtext) = f.cagdp2;
    let gdp = read_rows(gi, gtext, b',')?;
    // (geofips, line) -> cells by year
    let mut table: HashMap<(String, String), [Cell; 5]> = HashMap::new();
    let mut areas: BTreeSet<String> = BTreeSet::new();
    for r in &gdp {
        let fips = get(gi, r, "geofips")?.to_string();
        let line = get(gi, r, "line_code")?.to_string();
        let mut cells = [Cell::Missing; 5];
        for (k, y) in COUNTY_YEARS.iter().enumerate() {
            cells[k] = cell(gi, get(gi, r, &format!("gdp_kusd_{y}"))?)?;
        }
        if !fips.ends_with("000") {
            areas.insert(fips.clone());
        }
        table.insert((fips, line), cells);
    }
    let value = |fips: &str, line: &str, k: usize| -> Cell {
        table.get(&(fips.to_string(), line.to_string())).map(|c| c[k]).unwrap_or(Cell::Missing)
    };

    // ---- BEA area -> 2020 counties ---------------------------------------------------------
    let (ci, ctext) = f.combos;
    let combos = read_rows(ci, ctext, b',')?;
    let mut members: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for r in &combos {
        members
            .entry(get(ci, r, "bea_geofips")?.to_string())
            .or_default()
            .push(get(ci, r, "census_fips")?.to_string());
    }
    // Valdez-Cordova was split into Chugach and Copper River in 2019; BEA reports it whole to 2019.
    members.insert("02261".into(), vec!["02063".into(), "02066".into()]);
    for a in &areas {
        if set.counties.contains_key(a) {
            members.entry(a.clone()).or_insert_with(|| vec![a.clone()]);
        }
    }
    for (a, ms) in &members {
        for m in ms {
            if !set.counties.contains_key(m) {
                return Err(err(ci, format!("BEA area {a} maps to {m}, which is not a 2020 county")));
            }
        }
    }
    // Every 2020 county must be reached by exactly one BEA area per year (checked per year).

    let states: BTreeSet<String> = set.counties.values().map(|(s, _)| s.clone()).collect();
    let mut out_counties: BTreeMap<(String, u16), [i64; 7]> = BTreeMap::new(); // pop + 6 lines
    let mut flags: BTreeMap<(String, u16), BTreeSet<char>> = BTreeMap::new();

    // ---- population (CAINC1 line 2) ----------------------------------------------------------
    let (pi, ptext) = f.cainc1;
    let inc = read_rows(pi, ptext, b',')?;
    let mut pop_area: HashMap<String, [Cell; 5]> = HashMap::new();
    for r in inc.iter().filter(|r| r.get("line_code").map(String::as_str) == Some("2")) {
        let fips = get(pi, r, "geofips")?.to_string();
        let mut cells = [Cell::Missing; 5];
        for (k, y) in COUNTY_YEARS.iter().enumerate() {
            cells[k] = cell(pi, get(pi, r, &format!("value_{y}"))?)?;
        }
        pop_area.insert(fips, cells);
    }

    for (k, &year) in COUNTY_YEARS.iter().enumerate() {
        // Per BEA area: the six reported lines after allocation.
        let mut area_vals: BTreeMap<String, [i64; 6]> = BTreeMap::new();
        let mut area_flags: BTreeMap<String, BTreeSet<char>> = BTreeMap::new();
        for st in &states {
            let st_areas: Vec<&String> = areas
                .iter()
                .filter(|a| &a[..2] == st && matches!(value(a, "1", k), Cell::Value(_)))
                .collect();
            // Lines 1, 2 and the 19 sectors, fitted to the state row.
            let mut lines: Vec<&str> = vec!["1", "2"];
            lines.extend(SECTORS);
            let mut filled: HashMap<(usize, &str), i64> = HashMap::new();
            let mut estimated: BTreeSet<(usize, &str)> = BTreeSet::new();
            for (ai, a) in st_areas.iter().enumerate() {
                for &l in &lines {
                    if let Cell::Value(v) = value(a, l, k) {
                        filled.insert((ai, l), v);
                    }
                }
            }
            let state_val = |l: &str| -> Result<i64, super::DeriveError> {
                match value(&format!("{st}000"), l, k) {
                    Cell::Value(v) => Ok(v),
                    _ => Err(err(gi, format!("state {st}000 line {l} {year} is not a number"))),
                }
            };
            // Withheld sector cells: RAS.
            let withheld_rows: Vec<usize> = (0..st_areas.len())
                .filter(|&ai| SECTORS.iter().any(|l| value(st_areas[ai], l, k) == Cell::Withheld))
                .collect();
            let withheld_cols: Vec<&str> = SECTORS
                .iter()
                .copied()
                .filter(|l| st_areas.iter().any(|a| value(a, l, k) == Cell::Withheld))
                .collect();
            if !withheld_rows.is_empty() {
                let line2 = |ai: usize| filled.get(&(ai, "2")).copied().unwrap_or(0);
                let row_t: Vec<f64> = withheld_rows
                    .iter()
                    .map(|&ai| {
                        let disclosed: i64 = SECTORS.iter().filter_map(|l| filled.get(&(ai, *l))).sum();
                        (line2(ai) - disclosed).max(0) as f64
                    })
                    .collect();
                let mut col_t = Vec::new();
                for &l in &withheld_cols {
                    let disclosed: i64 = (0..st_areas.len()).filter_map(|ai| filled.get(&(ai, l))).sum();
                    col_t.push((state_val(l)? - disclosed).max(0) as f64);
                }
                let st2 = state_val("2")? as f64;
                let mut seed: Vec<Vec<f64>> = Vec::new();
                for &ai in &withheld_rows {
                    let mut row = Vec::new();
                    for &l in &withheld_cols {
                        let w = value(st_areas[ai], l, k) == Cell::Withheld;
                        row.push(if w {
                            (line2(ai) as f64).max(1.0) * (state_val(l)? as f64 / st2.max(1.0)).max(1e-9)
                        } else {
                            0.0
                        });
                    }
                    seed.push(row);
                }
                ras(&mut seed, &row_t, &col_t);
                for (c, &l) in withheld_cols.iter().enumerate() {
                    let cells: Vec<usize> = (0..withheld_rows.len())
                        .filter(|&r| value(st_areas[withheld_rows[r]], l, k) == Cell::Withheld)
                        .collect();
                    let weights: Vec<f64> = cells.iter().map(|&r| seed[r][c]).collect();
                    let parts = split_exact(col_t[c] as i64, &weights);
                    for (&r, v) in cells.iter().zip(parts) {
                        filled.insert((withheld_rows[r], l), v);
                        estimated.insert((withheld_rows[r], l));
                    }
                }
            }
            // Rounding residuals (and negative residuals of withheld columns) to the largest
            // area of the line, so every state total is exact.
            for &l in &lines {
                let sum: i64 = (0..st_areas.len()).filter_map(|ai| filled.get(&(ai, l))).sum();
                let resid = state_val(l)? - sum;
                if resid != 0 {
                    let big = (0..st_areas.len())
                        .max_by_key(|&ai| {
                            (filled.get(&(ai, l)).copied().unwrap_or(i64::MIN), std::cmp::Reverse(ai))
                        })
                        .ok_or_else(|| err(gi, format!("state {st} has no county areas in {year}")))?;
                    *filled.entry((big, l)).or_insert(0) += resid;
                    if resid.abs() > 50 {
                        // More than BEA rounding: part of a withheld residual.
                        estimated.insert((big, l));
                    }
                }
            }
            for (ai, a) in st_areas.iter().enumerate() {
                let mut v = [0i64; 6];
                let mut fl = BTreeSet::new();
                for (j, (l, letter)) in REPORTED.iter().enumerate() {
                    v[j] = filled
                        .get(&(ai, *l))
                        .copied()
                        .ok_or_else(|| err(gi, format!("{a} line {l} {year} missing")))?;
                    if estimated.contains(&(ai, *l)) {
                        fl.insert(*letter);
                    }
                }
                area_vals.insert((*a).clone(), v);
                area_flags.insert((*a).clone(), fl);
            }
        }
        // ---- to 2020 counties
        let mut seen: BTreeSet<String> = BTreeSet::new();
        for (a, v) in &area_vals {
            let ms = members.get(a).ok_or_else(|| err(gi, format!("BEA area {a} maps to no 2020 county")))?;
            let weights: Vec<f64> = ms.iter().map(|m| set.counties[m].1 as f64).collect();
            let pop = match pop_area.get(a).map(|c| c[k]) {
                Some(Cell::Value(p)) => p,
                _ => return Err(err(pi, format!("BEA area {a} has GDP but no {year} population"))),
            };
            let mut per_member: Vec<[i64; 7]> = vec![[0; 7]; ms.len()];
            for (j, part) in split_exact(pop, &weights).into_iter().enumerate() {
                per_member[j][0] = part;
            }
            for col in 0..6 {
                for (j, part) in split_exact(v[col], &weights).into_iter().enumerate() {
                    per_member[j][col + 1] = part;
                }
            }
            for (j, m) in ms.iter().enumerate() {
                if !seen.insert(m.clone()) {
                    return Err(err(ci, format!("{year}: county {m} is covered by two BEA areas")));
                }
                let mut fl = area_flags[a].clone();
                if ms.len() > 1 {
                    // Shared out by population: every figure is an estimate.
                    fl.extend(REPORTED.iter().map(|(_, c)| *c));
                    fl.insert('n');
                }
                out_counties.insert((m.clone(), year), per_member[j]);
                flags.insert((m.clone(), year), fl);
            }
        }
        if let Some(c) = set.counties.keys().find(|c| !seen.contains(*c)) {
            return Err(err(gi, format!("{year}: county {c} has no BEA area")));
        }
    }

    let mut counties =
        String::from("fips,year,pop,gdp_kusd,ag_kusd,mfg_kusd,info_kusd,fin_kusd,prof_kusd,estimated\n");
    for ((fips, year), v) in &out_counties {
        let fl: String = flags[&(fips.clone(), *year)].iter().collect();
        let _ = writeln!(
            counties,
            "{fips},{year},{},{},{},{},{},{},{},{fl}",
            v[0], v[1], v[2], v[3], v[4], v[5], v[6]
        );
    }

    // ---- published state and national rows ---------------------------------------------------
    let mut states_out = String::from(
        "fips,source,year,gdp_kusd,ag_kusd,mfg_kusd,info_kusd,fin_kusd,prof_kusd,gov_kusd,estimated\n",
    );
    let mut geos: Vec<String> = vec!["00000".into()];
    geos.extend(states.iter().map(|s| format!("{s}000")));
    for (k, &year) in COUNTY_YEARS.iter().enumerate() {
        for g in &geos {
            let mut cols = Vec::new();
            for l in ["1", "3", "12", "45", "51", "60", "83"] {
                match value(g, l, k) {
                    Cell::Value(v) => cols.push(v.to_string()),
                    _ => return Err(err(gi, format!("{g} line {l} {year} is not a number"))),
                }
            }
            let _ = writeln!(states_out, "{},CAGDP2,{year},{},", &g[..2], cols.join(","));
        }
    }
    let (si, stext) = f.sagdp2;
    let sag: Rows = read_rows(si, stext, b',')?;
    for &year in &STATE_YEARS {
        let mut rows: Vec<(String, Vec<String>, String)> = Vec::new();
        for g in geos.iter().chain(std::iter::once(&"overseas".to_string())) {
            let (geo, lines): (&str, Vec<&str>) = if g == "overseas" {
                ("00000", vec!["100", "", "", "", "", "", "101"])
            } else {
                (g.as_str(), vec!["1", "3", "12", "45", "51", "60", "83"])
            };
            let mut cols = Vec::new();
            let mut est = String::new();
            for (j, l) in lines.iter().enumerate() {
                if l.is_empty() {
                    cols.push(String::new());
                    continue;
                }
                let r = sag
                    .iter()
                    .find(|r| {
                        r.get("geofips").map(String::as_str) == Some(geo)
                            && r.get("line_code").map(String::as_str) == Some(*l)
                    })
                    .ok_or_else(|| err(si, format!("no row {geo} line {l}")))?;
                let t = get(si, r, &format!("gdp_musd_{year}"))?;
                let kusd = if t == "(L)" {
                    // Less than $50,000: shown as 0 and flagged.
                    est.push(REPORTED.get(j).map_or('v', |x| x.1));
                    0
                } else {
                    musd_to_kusd(t).ok_or_else(|| {
                        err(
                            si,
                            format!("{geo} line {l} {year}: expected millions with one decimal, found `{t}`"),
                        )
                    })?
                };
                cols.push(kusd.to_string());
            }
            let code = if g == "overseas" { "OS".to_string() } else { g[..2].to_string() };
            rows.push((code, cols, est));
        }
        for (code, cols, est) in rows {
            let _ = writeln!(states_out, "{code},SAGDP2,{year},{},{est}", cols.join(","));
        }
    }
    Ok(EconomyTables { counties, states: states_out })
}

/// "3827007.3" (millions, one decimal) -> 3,827,007,300 (thousands), exactly.
fn musd_to_kusd(t: &str) -> Option<i64> {
    let (whole, frac) = t.split_once('.').unwrap_or((t, "0"));
    if frac.len() != 1 || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let w: i64 = whole.parse().ok()?;
    let f: i64 = frac.parse().ok()?;
    Some(w * 1000 + if w < 0 { -f * 100 } else { f * 100 })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_splits() {
        assert_eq!(split_exact(10, &[1.0, 1.0, 1.0]), vec![4, 3, 3]);
        assert_eq!(split_exact(7, &[0.0, 0.0]), vec![4, 3]);
        assert_eq!(split_exact(100, &[3.0, 1.0]), vec![75, 25]);
        assert_eq!(musd_to_kusd("3827007.3"), Some(3_827_007_300));
        assert_eq!(musd_to_kusd("12"), Some(12_000));
    }

    #[test]
    fn ras_fits_columns_exactly() {
        let mut seed = vec![vec![1.0, 1.0], vec![1.0, 0.0]];
        ras(&mut seed, &[10.0, 5.0], &[8.0, 7.0]);
        assert!((seed[0][0] + seed[1][0] - 8.0).abs() < 1e-9);
        assert!((seed[0][1] - 7.0).abs() < 1e-9);
        assert!((seed[1][0] - 5.0).abs() < 1e-6 && (seed[0][0] - 3.0).abs() < 1e-6);
    }
}
