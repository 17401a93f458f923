//! Economic weight: GDP, GDP per person and five industries of every state, new state and bloc,
//! from BEA county GDP by industry (CAGDP2, 2017–2021) with BEA's withheld cells allocated by a
//! rule that keeps every state total exact (see `data/SOURCES.md` and `derive::economy`).
//!
//! The embedded tables are `data/economy.csv` (one row per county and year, thousands of
//! dollars, BEA midyear population, and letters naming the estimated cells) and
//! `data/economy_states.csv` (BEA's published US and state rows: CAGDP2 2017–2021, and the
//! newer state table SAGDP2 for 2024 with the overseas-activity line).

use std::collections::HashMap;

use crate::dataset::{CountyId, State, TableError};

/// An industry redraw reports: its key (used in JSON and CSV), label and NAICS code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Sector {
    pub key: &'static str,
    pub label: &'static str,
    pub naics: &'static str,
}

/// The five industries the reports show (after the all-industry total), in table order.
pub const SECTORS: [Sector; 5] = [
    Sector { key: "agriculture", label: "Agriculture, forestry, fishing and hunting", naics: "11" },
    Sector { key: "manufacturing", label: "Manufacturing", naics: "31-33" },
    Sector { key: "information", label: "Information", naics: "51" },
    Sector { key: "finance", label: "Finance and insurance", naics: "52" },
    Sector { key: "professional", label: "Professional, scientific, and technical services", naics: "54" },
];

/// Letters of `economy.csv`'s `estimated` column: total GDP, the five sectors, population.
const FLAG_LETTERS: [char; 7] = ['g', 'a', 'm', 'i', 'f', 'p', 'n'];

/// GDP figures of one county in one year.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CountyGdp {
    /// BEA midyear population.
    pub population: u64,
    /// Thousands of current dollars: total, then [`SECTORS`] in order.
    pub kusd: [i64; 6],
    /// Bit `j` set: column `j` of `kusd` is an estimate (withheld by BEA and allocated, or
    /// shared out of a BEA area of several counties); bit 6: the population is.
    pub estimated: u8,
}

/// A row BEA published for the US, a state, or overseas activity.
#[derive(Clone, Debug, PartialEq)]
pub struct PublishedRow {
    /// State FIPS, `00` for the United States, `OS` for overseas activity (SAGDP2 only).
    pub fips: String,
    /// `CAGDP2` (county table's state rows, 2017–2021) or `SAGDP2` (state table, newer).
    pub source: String,
    pub year: u16,
    /// Thousands of dollars: total, the five [`SECTORS`], government (line 83).
    pub kusd: [Option<i64>; 7],
    pub estimated: String,
}

/// The economy tables, parsed.
#[derive(Clone, Debug, Default)]
pub struct EconomyData {
    /// Years with county figures, ascending.
    pub years: Vec<u16>,
    /// `[year index][county id]`.
    county: Vec<Vec<CountyGdp>>,
    pub published: Vec<PublishedRow>,
    /// `(source, year, fips)` -> index into `published` (reports look rows up per state).
    index: HashMap<(String, u16, String), usize>,
    /// The 50 states + DC in the newest state table, thousands of dollars.
    latest_states_kusd: Option<i64>,
}

impl EconomyData {
    pub(crate) fn parse(
        counties: &str,
        states: &str,
        by_fips: &HashMap<String, CountyId>,
        st: &[State],
    ) -> Result<EconomyData, TableError> {
        let terr =
            |table: &str, line: usize, message: String| TableError { table: table.into(), line, message };
        let mut years: Vec<u16> = Vec::new();
        let mut rows: Vec<(u16, CountyId, CountyGdp)> = Vec::new();
        let t = "economy.csv";
        for (i, line) in counties.lines().enumerate().skip(1) {
            let ln = i + 1;
            let f: Vec<&str> = line.split(',').collect();
            if f.len() != 10 {
                return Err(terr(t, ln, format!("expected 10 fields, found {}", f.len())));
            }
            let c = *by_fips.get(f[0]).ok_or_else(|| terr(t, ln, format!("unknown county {}", f[0])))?;
            let year: u16 = f[1].parse().map_err(|_| terr(t, ln, format!("bad year `{}`", f[1])))?;
            let mut g = CountyGdp {
                population: f[2].parse().map_err(|_| terr(t, ln, format!("bad population `{}`", f[2])))?,
                ..Default::default()
            };
            for j in 0..6 {
                g.kusd[j] =
                    f[3 + j].parse().map_err(|_| terr(t, ln, format!("bad amount `{}`", f[3 + j])))?;
            }
            for ch in f[9].chars() {
                let bit = FLAG_LETTERS
                    .iter()
                    .position(|&l| l == ch)
                    .ok_or_else(|| terr(t, ln, format!("unknown estimate flag `{ch}`")))?;
                g.estimated |= 1 << bit;
            }
            if !years.contains(&year) {
                years.push(year);
            }
            rows.push((year, c, g));
        }
        years.sort_unstable();
        let n = by_fips.len();
        let mut county = vec![vec![CountyGdp::default(); n]; years.len()];
        let mut seen = vec![vec![false; n]; years.len()];
        for (y, c, g) in rows {
            let k = years.binary_search(&y).expect("collected");
            county[k][c as usize] = g;
            seen[k][c as usize] = true;
        }
        for (k, s) in seen.iter().enumerate() {
            if let Some(c) = s.iter().position(|x| !x) {
                return Err(terr(t, 0, format!("county #{c} has no {} row", years[k])));
            }
        }
        let mut published = Vec::new();
        let t = "economy_states.csv";
        for (i, line) in states.lines().enumerate().skip(1) {
            let ln = i + 1;
            let f: Vec<&str> = line.split(',').collect();
            if f.len() != 11 {
                return Err(terr(t, ln, format!("expected 11 fields, found {}", f.len())));
            }
            let mut kusd = [None; 7];
            for (j, k) in kusd.iter_mut().enumerate() {
                if !f[3 + j].is_empty() {
                    *k = Some(
                        f[3 + j].parse().map_err(|_| terr(t, ln, format!("bad amount `{}`", f[3 + j])))?,
                    );
                }
            }
            if f[0] != "00" && f[0] != "OS" && !st.iter().any(|s| s.fips == f[0]) {
                return Err(terr(t, ln, format!("unknown state FIPS {}", f[0])));
            }
            published.push(PublishedRow {
                fips: f[0].into(),
                source: f[1].into(),
                year: f[2].parse().map_err(|_| terr(t, ln, format!("bad year `{}`", f[2])))?,
                kusd,
                estimated: f[10].into(),
            });
        }
        let index = published
            .iter()
            .enumerate()
            .map(|(i, r)| ((r.source.clone(), r.year, r.fips.clone()), i))
            .collect();
        let mut data = EconomyData { years, county, published, index, latest_states_kusd: None };
        data.latest_states_kusd = data.latest_state_year().map(|y| {
            st.iter().filter_map(|s| data.published("SAGDP2", y, &s.fips).and_then(|r| r.kusd[0])).sum()
        });
        Ok(data)
    }

    /// Index of a county year in [`Self::years`].
    pub fn year_index(&self, year: u16) -> Option<usize> {
        self.years.iter().position(|&y| y == year)
    }

    /// The newest county year (the default economy year).
    pub fn latest_county_year(&self) -> u16 {
        *self.years.last().expect("economy years")
    }

    /// A county's figures in a county year (by index into [`Self::years`]).
    pub fn county(&self, year_index: usize, c: CountyId) -> &CountyGdp {
        &self.county[year_index][c as usize]
    }

    /// A published BEA row.
    pub fn published(&self, source: &str, year: u16, fips: &str) -> Option<&PublishedRow> {
        self.index.get(&(source.to_string(), year, fips.to_string())).map(|&i| &self.published[i])
    }

    /// The 50 states + DC in the newest state table, in dollars.
    pub fn latest_states_usd(&self) -> Option<f64> {
        self.latest_states_kusd.map(|k| k as f64 * 1000.0)
    }

    /// The newest year of the state table (SAGDP2).
    pub fn latest_state_year(&self) -> Option<u16> {
        self.published.iter().filter(|r| r.source == "SAGDP2").map(|r| r.year).max()
    }
}
