//! redraw's declination against Warrington's definition (Election Law J. 17(1), 2018), as his
//! published code computes it (`get_declination` in GSWarrington/gerrymandering-declination,
//! `metrics.py`): on Democratic vote shares, districts at or below 1/2 are Republican wins,
//! `θ = atan((1 − 2·mean(R wins))·N/#R)`, `γ = atan((2·mean(D wins) − 1)·N/#D)` and
//! `δ = 2(γ − θ)/π`, positive when Republicans are favoured. The formula is transcribed below
//! independently of redraw's code; redraw's `declination` must equal `−δ` on every case
//! without a tied district (Warrington counts a tie as a Republican win, redraw leaves it out).
//!
//! Cases: Warrington's three-district example, the vote vectors of the GerryChain fixture, and
//! every enacted plan staged in the shared data (NC 2011/2016/2022, PA 2011/2018/2022, CA
//! 2011/2021) under the rdabase 2016–2020 composite. The NC 2016 plan is the case the issue
//! quoted: Warrington −0.554 (in redraw's sign), where redraw's earlier half-argument formula
//! gave −0.401.

use std::collections::HashMap;

use redraw_metrics::{plan, ElectionResults};
use serde_json::Value;

fn warrington(shares: &[f64]) -> Option<f64> {
    let bel: Vec<f64> = shares.iter().copied().filter(|&x| x <= 0.5).collect();
    let abo: Vec<f64> = shares.iter().copied().filter(|&x| x > 0.5).collect();
    if bel.is_empty() || abo.is_empty() {
        return None;
    }
    let n = shares.len() as f64;
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    let theta = ((1.0 - 2.0 * mean(&bel)) * n / bel.len() as f64).atan();
    let gamma = ((2.0 * mean(&abo) - 1.0) * n / abo.len() as f64).atan();
    Some(2.0 * (gamma - theta) / std::f64::consts::PI)
}

fn data_dir() -> std::path::PathBuf {
    std::env::var_os("REDRAW_DATA_DIR")
        .map(Into::into)
        .unwrap_or_else(|| concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data").into())
}

/// District vote totals of an enacted plan over the rdabase data CSV (GEOID, ..., REP_VOTES,
/// DEM_VOTES, ...): `(dem, rep)` by district number order.
fn plan_votes(state: &str, plan_file: &str) -> (Vec<f64>, Vec<f64>) {
    let dir = data_dir();
    let data = std::fs::read_to_string(dir.join(format!("graphs/rdabase/{state}_2020_data.csv")))
        .expect("set REDRAW_DATA_DIR to the shared data directory");
    let mut lines = data.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = |n: &str| header.iter().position(|h| *h == n).unwrap();
    let (gi, di, ri) = (col("GEOID"), col("DEM_VOTES"), col("REP_VOTES"));
    let plan = std::fs::read_to_string(dir.join("plans").join(plan_file)).unwrap();
    let district: HashMap<&str, usize> = plan
        .lines()
        .skip(1)
        .map(|l| {
            let (g, d) = l.split_once(',').unwrap();
            (g, d.trim().parse::<usize>().unwrap())
        })
        .collect();
    let k = *district.values().max().unwrap();
    let (mut ids, mut dem, mut rep) = (Vec::new(), Vec::new(), Vec::new());
    for l in lines {
        let f: Vec<&str> = l.split(',').collect();
        ids.push(district[f[gi]] as u32 - 1);
        dem.push(f[di].parse::<f64>().unwrap());
        rep.push(f[ri].parse::<f64>().unwrap());
    }
    (plan::tally(&ids, &dem, k).unwrap(), plan::tally(&ids, &rep, k).unwrap())
}

fn check(name: &str, dem: &[f64], rep: &[f64]) -> f64 {
    let e = ElectionResults::new(dem.to_vec(), rep.to_vec()).unwrap();
    assert_eq!(e.tied_districts(), 0, "{name}: the comparison needs no tied district");
    let ours = e.declination();
    let theirs = warrington(&e.dem_shares());
    match (ours, theirs) {
        (Some(a), Some(b)) => assert!((a + b).abs() < 1e-12, "{name}: redraw {a} vs Warrington {b}"),
        (None, None) => {}
        other => panic!("{name}: defined differently: {other:?}"),
    }
    ours.unwrap_or(f64::NAN)
}

#[test]
fn warrington_example() {
    let d = check("(0.3, 0.3, 0.7)", &[0.3, 0.3, 0.7], &[0.7, 0.7, 0.3]);
    assert!((d - -0.2137).abs() < 5e-5, "{d}");
}

#[test]
fn agrees_on_the_fixture_vote_vectors() {
    let fx: Value =
        serde_json::from_str(include_str!("fixtures/gerrychain_reference.json")).expect("fixture parses");
    let nums = |v: &Value| v.as_array().unwrap().iter().map(|x| x.as_f64().unwrap()).collect::<Vec<f64>>();
    let mut n = 0;
    for c in fx["vectors"].as_array().unwrap().iter().chain(fx["plans"].as_array().unwrap()) {
        let name = c.get("name").or_else(|| c.get("plan")).and_then(Value::as_str).unwrap();
        check(name, &nums(&c["dem"]), &nums(&c["rep"]));
        n += 1;
    }
    assert!(n >= 10);
}

#[test]
fn agrees_on_every_staged_enacted_plan() {
    let mut values = HashMap::new();
    for (state, file) in [
        ("NC", "NC_cd_2011_vtds.csv"),
        ("NC", "NC_cd_2016_vtds.csv"),
        ("NC", "NC_cd_2022_vtds.csv"),
        ("PA", "PA_cd_2011_vtds.csv"),
        ("PA", "PA_cd_2018_vtds.csv"),
        ("PA", "PA_cd_2022_vtds.csv"),
        ("CA", "CA_cd_2011_blockgroups.csv"),
        ("CA", "CA_cd_2021_blockgroups.csv"),
    ] {
        let (dem, rep) = plan_votes(state, file);
        values.insert(file, check(file, &dem, &rep));
        if file == "NC_cd_2016_vtds.csv" {
            let e = ElectionResults::new(dem, rep).unwrap();
            // The figures of the issue: Warrington −0.554; the earlier formula −0.401.
            assert!((values[file] - -0.554).abs() < 5e-4, "NC 2016: {}", values[file]);
            let old = e.declination_redistmetrics().unwrap();
            assert!((old - -0.401).abs() < 5e-4, "NC 2016 redistmetrics variant: {old}");
        }
    }
    assert_eq!(values.len(), 8);
}
