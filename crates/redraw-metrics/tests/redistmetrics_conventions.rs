//! redraw against redistmetrics' definitions (R package `redistmetrics`, `src/partisan.cpp`).
//!
//! R is not available to produce a fixture here, so the redistmetrics formulas are transcribed
//! below, literally and independently of redraw's code, from its C++ source: `effgap` (wasted
//! votes with `floor(total / 2) + 1` votes to win, `(dem waste − rep waste) / total`),
//! `meanmedian` (`mean − median` of Democratic shares), `biasatv` (uniform swing of the *mean
//! district share* to `v` and to `1 − v`), `dseats` (a tie goes to the Democrat). The tests
//! assert how redraw's values relate: exact negation for mean-median and bias (redistmetrics
//! signs positive towards Republicans), and efficiency gaps that differ only by the rounding of
//! the winning threshold.

use redraw_metrics::ElectionResults;
use serde_json::Value;

fn redist_effgap(dem: &[f64], rep: &[f64]) -> f64 {
    let total: f64 = dem.iter().sum::<f64>() + rep.iter().sum::<f64>();
    let (mut dw, mut rw) = (0.0, 0.0);
    for (&d, &r) in dem.iter().zip(rep) {
        let minwin = ((d + r) / 2.0).floor() + 1.0;
        if d > r {
            dw += d - minwin;
            rw += r;
        } else {
            dw += d;
            rw += r - minwin;
        }
    }
    (dw - rw) / total
}

fn dvs(dem: &[f64], rep: &[f64]) -> Vec<f64> {
    dem.iter().zip(rep).map(|(d, r)| d / (d + r)).collect()
}

fn redist_meanmedian(dem: &[f64], rep: &[f64]) -> f64 {
    let mut v = dvs(dem, rep);
    let mean = v.iter().sum::<f64>() / v.len() as f64;
    v.sort_by(f64::total_cmp);
    let n = v.len();
    let median = if n % 2 == 1 { v[n / 2] } else { (v[n / 2 - 1] + v[n / 2]) / 2.0 };
    mean - median
}

fn redist_biasatv(dem: &[f64], rep: &[f64], v: f64) -> f64 {
    let s = dvs(dem, rep);
    let nd = s.len() as f64;
    let mean = s.iter().sum::<f64>() / nd;
    let seats = |shift: f64| s.iter().filter(|&&x| x + shift > 0.5).count() as f64 / nd;
    let seat_dshift = seats(v - mean);
    let seat_rshift = 1.0 - seats((1.0 - v) - mean);
    (seat_rshift - seat_dshift) / 2.0
}

fn cases() -> Vec<(String, Vec<f64>, Vec<f64>)> {
    let fx: Value = serde_json::from_str(include_str!("fixtures/gerrychain_reference.json")).unwrap();
    let nums = |v: &Value| v.as_array().unwrap().iter().map(|x| x.as_f64().unwrap()).collect::<Vec<f64>>();
    let mut out: Vec<(String, Vec<f64>, Vec<f64>)> = fx["vectors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["name"].as_str().unwrap().to_string(), nums(&c["dem"]), nums(&c["rep"])))
        .collect();
    for p in fx["plans"].as_array().unwrap() {
        out.push((p["plan"].as_str().unwrap().to_string(), nums(&p["dem"]), nums(&p["rep"])));
    }
    out
}

#[test]
fn mean_median_and_bias_are_redistmetrics_negated() {
    for (name, dem, rep) in cases() {
        let e = ElectionResults::new(dem.clone(), rep.clone()).unwrap();
        let mm = redist_meanmedian(&dem, &rep);
        assert!((e.mean_median() + mm).abs() < 1e-12, "{name}: {} vs redist {mm}", e.mean_median());
        let b = redist_biasatv(&dem, &rep, 0.5);
        assert!((e.partisan_bias() + b).abs() < 1e-12, "{name}: {} vs redist {b}", e.partisan_bias());
    }
}

#[test]
fn efficiency_gap_is_redistmetrics_negated_up_to_the_winning_threshold() {
    for (name, dem, rep) in cases() {
        let e = ElectionResults::new(dem.clone(), rep.clone()).unwrap();
        let total: f64 = dem.iter().sum::<f64>() + rep.iter().sum::<f64>();
        let r = redist_effgap(&dem, &rep);
        // redistmetrics' winner needs floor(T/2) + 1 votes instead of T/2: at most one vote of
        // difference per district, in the same direction for every district won by one party.
        let bound = dem.len() as f64 / total;
        assert!(
            (e.efficiency_gap() + r).abs() <= bound + 1e-15,
            "{name}: {} vs redist {r}",
            e.efficiency_gap()
        );
    }
    // Hand case: (60, 40) and (30, 70). redraw: D waste 10 + 30, R waste 40 + 20 → +20/200.
    // redistmetrics: minwin 51 → D waste 9 + 30, R waste 40 + 19 → (39 − 59)/200 = −20/200.
    let e = ElectionResults::new(vec![60.0, 30.0], vec![40.0, 70.0]).unwrap();
    assert!((e.efficiency_gap() - 0.1).abs() < 1e-15);
    assert!((redist_effgap(&[60.0, 30.0], &[40.0, 70.0]) + 0.1).abs() < 1e-15);
}
