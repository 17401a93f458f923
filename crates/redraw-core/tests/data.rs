//! The embedded tables: they equal a fresh derivation from the raw files, and they hold the
//! real figures.

use redraw_core::dataset::{embedded_tables, PoolField};
use redraw_core::derive::{derive, RawInputs, N_RAW, RAW_FILES};
use redraw_core::{CensusYear, Dataset, ElectionYear};

fn data_dir() -> std::path::PathBuf {
    std::env::var_os("REDRAW_DATA_DIR")
        .map(Into::into)
        .unwrap_or_else(|| concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data").into())
}

/// A raw file as text (`.gz` decompressed), as `redraw derive-data` reads it.
fn read_raw(rel: &str) -> String {
    use std::io::Read as _;
    let p = data_dir().join(rel);
    let bytes = std::fs::read(&p).unwrap_or_else(|e| {
        panic!("cannot read {} ({e}); set REDRAW_DATA_DIR to the shared raw data directory", p.display())
    });
    if rel.ends_with(".gz") {
        let mut s = String::new();
        flate2::read::GzDecoder::new(&bytes[..]).read_to_string(&mut s).unwrap();
        s
    } else {
        String::from_utf8(bytes).unwrap()
    }
}

#[test]
fn committed_tables_equal_a_fresh_derivation() {
    // Covers every table, the territory and economy tables included.
    let texts: Vec<String> = RAW_FILES.iter().map(|r| read_raw(r)).collect();
    let files: [&str; N_RAW] = std::array::from_fn(|i| texts[i].as_str());
    let derived = derive(&RawInputs { files }).expect("derivation succeeds");
    for ((name, fresh), (ename, embedded)) in derived.files().iter().zip(embedded_tables()) {
        assert_eq!(*name, ename);
        assert!(
            *fresh == embedded,
            "data/{name} is stale: run `cargo run --release -- derive-data --from ../shared/data --out data`"
        );
    }
}

#[test]
fn counties_and_states_hold_the_official_figures() {
    let ds = Dataset::embedded();
    assert_eq!(ds.counties.len(), 3143);
    assert_eq!(ds.states.len(), 51);
    assert_eq!(ds.adjacency.edge_count(), 9283);
    let la = &ds.counties[ds.county_by_fips("06037").unwrap() as usize];
    assert_eq!(
        (la.name.as_str(), la.pop2020, la.pop2010),
        ("Los Angeles County", 10_014_009, Some(9_818_605))
    );
    let v16 = la.pres[ElectionYear::Y2016 as usize].unwrap();
    assert!(v16.dem > v16.rep);
    let v20 = la.pres[ElectionYear::Y2020 as usize].unwrap();
    assert_eq!((v20.dem, v20.rep), (3_028_885, 1_145_530));
    assert!((la.land_m2 as f64 / 2_589_988.110336 - 4060.29).abs() < 0.01);
    let ca = ds.state_by_name("CA").unwrap();
    let wy = ds.state_by_name("Wyoming").unwrap();
    assert_eq!(ds.states[ca].resident[1], 39_538_223);
    assert_eq!(ds.states[wy].resident[1], 576_851);
    assert_eq!(ds.states[ca].official(2020).unwrap().population, 39_576_757);
    assert_eq!(ds.states[wy].official(2020).unwrap().population, 577_719);
    // County populations (pools folded) add up to every state's resident count, both censuses.
    for cy in CensusYear::ALL {
        let pop = ds.folded_population(cy);
        let mut total = 0;
        for s in &ds.states {
            let sum: u64 = s.counties.iter().map(|&c| pop[c as usize]).sum();
            assert_eq!(sum, s.resident[cy as usize], "{} {}", s.abbr, cy.year());
            total += sum;
        }
        let expect = if cy == CensusYear::Y2020 { 331_449_281 } else { 308_745_538 };
        assert_eq!(total, expect);
    }
    // Certified state totals come through exactly, pooled or not.
    let state_votes = |abbr: &str, y: ElectionYear| {
        let s = &ds.states[ds.state_by_name(abbr).unwrap()];
        let v = ds.folded_votes(y);
        s.counties.iter().fold((0, 0), |acc, &c| (acc.0 + v[c as usize].dem, acc.1 + v[c as usize].rep))
    };
    assert_eq!(state_votes("CA", ElectionYear::Y2016), (8_753_788, 4_483_810));
    assert_eq!(state_votes("AK", ElectionYear::Y2016), (116_454, 163_387));
    assert_eq!(state_votes("CA", ElectionYear::Y2024), (9_276_179, 6_081_697));
    assert_eq!(state_votes("PA", ElectionYear::Y2024), (3_423_042, 3_543_308));
    assert_eq!(state_votes("WY", ElectionYear::Y2024), (69_527, 192_633));
}

#[test]
fn pools_cover_exactly_the_documented_quirks() {
    let ds = Dataset::embedded();
    let mut seen: Vec<(String, String)> = ds
        .pools
        .iter()
        .map(|p| {
            let f = match p.field {
                PoolField::Population(c) => format!("pop{}", c.year()),
                PoolField::President(y) => format!("pres{}", y.year()),
            };
            (f, ds.states[p.state].abbr.clone())
        })
        .collect();
    seen.sort();
    let expect = [
        ("pop2010", "AK"), // Chugach + Copper River
        ("pres2012", "AK"),
        ("pres2012", "HI"),
        ("pres2016", "AK"),
        ("pres2016", "HI"), // Kalawao with Maui
        ("pres2020", "AK"),
        ("pres2020", "HI"),
        ("pres2024", "AK"),
        ("pres2024", "CT"), // planning regions
        ("pres2024", "HI"),
    ];
    assert_eq!(seen, expect.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect::<Vec<_>>());
    let chugach = ds.pools.iter().find(|p| p.field == PoolField::Population(CensusYear::Y2010)).unwrap();
    assert_eq!(chugach.population, 9_636, "the 2010 count of the former Valdez-Cordova Census Area");
    let ak = ds.state_by_name("AK").unwrap();
    let ak2016 = ds
        .pools
        .iter()
        .find(|p| p.state == ak && p.field == PoolField::President(ElectionYear::Y2016))
        .unwrap();
    assert_eq!(ak2016.members.len(), 30);
}

#[test]
fn fiscal_shares_add_up_to_the_state_totals() {
    let ds = Dataset::embedded();
    let irs: u64 = ds.states.iter().map(|s| s.irs_collections_kusd_2023).sum();
    assert_eq!(irs, 4_665_832_665);
    let nj = &ds.states[ds.state_by_name("NJ").unwrap()];
    assert_eq!(nj.balance_per_capita_2023, Some(-2_011));
    assert_eq!(ds.states[ds.state_by_name("DC").unwrap()].balance_per_capita_2023, None);
    // Every county has personal income (merged BEA units are shared out), so shares are defined.
    assert!(ds.counties.iter().all(|c| c.income_kusd_2018 > 0));
}

#[test]
fn adjacency_is_symmetric_and_states_are_connected_where_expected() {
    let ds = Dataset::embedded();
    let adj = &ds.adjacency;
    for c in 0..ds.counties.len() as u32 {
        for (n, len) in adj.edges(c) {
            assert_ne!(n, c);
            assert!(adj.edges(n).any(|(m, l)| m == c && l == len), "edge {c}-{n} not symmetric");
        }
    }
    let missing =
        (0..ds.counties.len() as u32).flat_map(|c| adj.edges(c)).filter(|(_, l)| l.is_none()).count();
    assert_eq!(missing, 2 * 32, "only the 32 edges touching old Connecticut counties lack a length");
    // Components of each state's county graph: 1 everywhere except Hawaii's islands.
    for s in &ds.states {
        let inside: std::collections::HashSet<u32> = s.counties.iter().copied().collect();
        let mut seen = std::collections::HashSet::new();
        let mut comps = 0;
        for &c in &s.counties {
            if !seen.insert(c) {
                continue;
            }
            comps += 1;
            let mut stack = vec![c];
            while let Some(x) = stack.pop() {
                for &y in adj.neighbors(x) {
                    if inside.contains(&y) && seen.insert(y) {
                        stack.push(y);
                    }
                }
            }
        }
        let expect = if s.abbr == "HI" { 4 } else { 1 };
        assert_eq!(comps, expect, "{}", s.abbr);
    }
}

#[test]
fn malformed_tables_and_raw_files_are_clear_errors() {
    let [(_, c), (_, p), (_, a), (_, s), ..] = embedded_tables();
    let bad = c.replacen("06037,CA,Los Angeles County,10014009", "06037,CA,Los Angeles County,lots", 1);
    let e = Dataset::parse(&bad, p, a, s).unwrap_err().to_string();
    assert!(e.contains("counties.csv line") && e.contains("pop2020") && e.contains("lots"), "{e}");
    let bad = a.replacen("01001,01021", "01001,99999", 1);
    let e = Dataset::parse(c, p, &bad, s).unwrap_err().to_string();
    assert!(e.contains("adjacency.csv line 2") && e.contains("99999"), "{e}");
    // A raw file without an expected column names the file and the column.
    let mut texts: Vec<String> = RAW_FILES.iter().map(|r| read_raw(r)).collect();
    texts[0] = texts[0].replacen("population", "pop", 1);
    let files: [&str; N_RAW] = std::array::from_fn(|i| texts[i].as_str());
    let e = derive(&RawInputs { files }).unwrap_err().to_string();
    assert!(e.contains("census_2020_population_county.csv") && e.contains("`population`"), "{e}");
}

#[test]
fn economy_counties_add_up_to_every_published_state_row() {
    let ds = Dataset::embedded();
    let eco = &ds.economy;
    assert_eq!(eco.years, [2017, 2018, 2019, 2020, 2021]);
    for (k, &y) in eco.years.iter().enumerate() {
        for st in &ds.states {
            let row = eco.published("CAGDP2", y, &st.fips).unwrap();
            for j in 0..6 {
                let sum: i64 = st.counties.iter().map(|&c| eco.county(k, c).kusd[j]).sum();
                assert_eq!(Some(sum), row.kusd[j], "{} {y} column {j}", st.abbr);
            }
        }
    }
    // BEA's own figures (thousands of dollars, 2021): Los Angeles, its Information industry,
    // Santa Clara's, and California.
    let k21 = eco.year_index(2021).unwrap();
    let la = eco.county(k21, ds.county_by_fips("06037").unwrap());
    assert_eq!((la.kusd[0], la.kusd[3]), (836_162_805, 112_770_180));
    assert_eq!(la.estimated, 0);
    assert_eq!(eco.county(k21, ds.county_by_fips("06085").unwrap()).kusd[3], 109_238_303);
    assert_eq!(eco.published("CAGDP2", 2021, "06").unwrap().kusd[0], Some(3_373_240_664));
    // A Virginia combination area is shared out and flagged.
    let albemarle = eco.county(k21, ds.county_by_fips("51003").unwrap());
    assert!(albemarle.estimated & 1 != 0);
}

#[test]
fn national_gdp_is_the_bea_us_row_minus_overseas_activity() {
    let ds = Dataset::embedded();
    let eco = &ds.economy;
    for (k, &y) in eco.years.iter().enumerate() {
        let national: i64 = (0..ds.counties.len() as u32).map(|c| eco.county(k, c).kusd[0]).sum();
        let us = eco.published("CAGDP2", y, "00").unwrap();
        // Overseas federal activity is the part of the US government line (83) that no state has.
        let state_gov: i64 =
            ds.states.iter().map(|s| eco.published("CAGDP2", y, &s.fips).unwrap().kusd[6].unwrap()).sum();
        let overseas = us.kusd[6].unwrap() - state_gov;
        let gap = us.kusd[0].unwrap() - overseas - national;
        // BEA rounds the US row to millions of dollars and estimates it on its own: they agree
        // within $20 million of $20 trillion.
        assert!(
            gap.abs() <= 20_000,
            "{y}: national {national} vs US − overseas {}",
            us.kusd[0].unwrap() - overseas
        );
        if y == 2021 {
            assert_eq!(national, 23_178_655_004);
            assert!((136_400_000..136_500_000).contains(&overseas), "{overseas}");
        }
    }
    // The newer state table publishes the overseas line itself (2024: 160,217 M$).
    let y = eco.latest_state_year().unwrap();
    assert_eq!(y, 2024);
    let us = eco.published("SAGDP2", y, "00").unwrap().kusd[0].unwrap();
    let os = eco.published("SAGDP2", y, "OS").unwrap().kusd[0].unwrap();
    assert_eq!(os, 160_217_000);
    let states: i64 =
        ds.states.iter().map(|s| eco.published("SAGDP2", y, &s.fips).unwrap().kusd[0].unwrap()).sum();
    assert!((us - os - states).abs() <= 11_000, "{us} − {os} vs {states}");
}

#[test]
fn territories_and_2012_results_hold_the_official_figures() {
    let ds = Dataset::embedded();
    let pr = ds.territories.iter().find(|t| t.abbr == "PR").unwrap();
    assert_eq!(pr.resident, [3_725_789, 3_285_874]);
    assert_eq!(pr.irs_collections_kusd_2023, Some(5_140_301));
    assert!((pr.land_m2.unwrap() as f64 / 2_589_988.110336 - 3424.0).abs() < 5.0, "{:?}", pr.land_m2);
    let gu = ds.territories.iter().find(|t| t.abbr == "GU").unwrap();
    assert_eq!((gu.resident[1], gu.land_m2), (153_836, None));
    // 2012 certified: Alaska Obama 122,640, Romney 164,676 of 300,495 (statewide pool).
    let ak = ds.vote_pools(ElectionYear::Y2012).find(|p| ds.states[p.state].abbr == "AK").unwrap();
    assert_eq!((ak.votes.dem, ak.votes.rep, ak.votes.total), (122_640, 164_676, 300_495));
    let ohio = ds.state_by_name("OH").unwrap();
    let oh: (u64, u64) = ds.states[ohio].counties.iter().fold((0, 0), |a, &c| {
        let v = ds.counties[c as usize].pres[ElectionYear::Y2012 as usize].unwrap();
        (a.0 + v.dem, a.1 + v.rep)
    });
    assert_eq!(oh, (2_827_621, 2_661_407));
}
