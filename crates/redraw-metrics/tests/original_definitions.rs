//! Every metric against its original definition, written here from the author's own formula
//! and in the author's terms, independently of redraw's code (`docs/metrics.md` is the audit
//! this file pins: sources, formulas, signs, ties, and the differences from GerryChain and
//! redistmetrics).
//!
//! Inputs: the NC 2022 enacted congressional plan under the rdabase 2016–2020 composite
//! (district totals as in `docs/examples/nc-2022/report.json`; unequal turnout, no ties), the
//! vote vectors of the GerryChain fixture, hand-made cases with unequal turnout (where
//! vote-weighted and unweighted averages part), and constructed ties.
//!
//! Each assertion is exact to 1e-12 up to the sign convention stated beside it (redraw: positive
//! favours Democrats).

use std::collections::{BTreeMap, BTreeSet};

use redraw_metrics::{plan, ElectionResults};
use serde_json::Value;

const TOL: f64 = 1e-12;

/// NC 2022 enacted plan, districts 1–14: Democratic and Republican votes of the rdabase
/// 2016–2020 composite summed over the plan's VTDs.
const NC22_DEM: [f64; 14] = [
    1230482.0, 1449547.0, 766798.0, 1537710.0, 897607.0, 1247148.0, 997400.0, 721560.0, 915890.0, 676255.0,
    1082436.0, 1295359.0, 1095491.0, 1205062.0,
];
const NC22_REP: [f64; 14] = [
    1009554.0, 846258.0, 1270536.0, 732389.0, 1363687.0, 962538.0, 1240726.0, 1450111.0, 1044840.0,
    1508650.0, 1323760.0, 715887.0, 1066561.0, 933067.0,
];

/// Unequal turnout: shares 0.9 (1,000 votes), 0.6, 0.6, 0.2 (100 votes each). Statewide share
/// 0.8, average district share 0.575.
const TURNOUT_DEM: [f64; 4] = [900.0, 60.0, 60.0, 20.0];
const TURNOUT_REP: [f64; 4] = [100.0, 40.0, 40.0, 80.0];

fn cases() -> Vec<(String, Vec<f64>, Vec<f64>)> {
    let fx: Value = serde_json::from_str(include_str!("fixtures/gerrychain_reference.json")).unwrap();
    let nums = |v: &Value| v.as_array().unwrap().iter().map(|x| x.as_f64().unwrap()).collect::<Vec<f64>>();
    let mut out = vec![
        ("NC 2022 enacted".to_string(), NC22_DEM.to_vec(), NC22_REP.to_vec()),
        ("unequal turnout".to_string(), TURNOUT_DEM.to_vec(), TURNOUT_REP.to_vec()),
        // Packed Democrats, equal turnout: 55 % of the vote, 2 of 5 seats.
        ("packed".to_string(), vec![80.0, 75.0, 45.0, 40.0, 35.0], vec![20.0, 25.0, 55.0, 60.0, 65.0]),
    ];
    for c in fx["vectors"].as_array().unwrap().iter().chain(fx["plans"].as_array().unwrap()) {
        let name = c.get("name").or_else(|| c.get("plan")).and_then(Value::as_str).unwrap();
        out.push((name.to_string(), nums(&c["dem"]), nums(&c["rep"])));
    }
    assert!(out.len() >= 13);
    out
}

fn results(dem: &[f64], rep: &[f64]) -> ElectionResults {
    ElectionResults::new(dem.to_vec(), rep.to_vec()).unwrap()
}

fn shares(dem: &[f64], rep: &[f64]) -> Vec<f64> {
    dem.iter().zip(rep).map(|(d, r)| d / (d + r)).collect()
}

fn mean(v: &[f64]) -> f64 {
    v.iter().sum::<f64>() / v.len() as f64
}

fn close(name: &str, metric: &str, got: f64, want: f64) {
    assert!((got - want).abs() <= TOL, "{name}: {metric}: redraw {got}, author's formula {want}");
}

// ---------------------------------------------------------------------------------------------
// Seats

#[test]
fn seats_are_districts_won_by_a_strict_majority() {
    for (name, dem, rep) in cases() {
        let e = results(&dem, &rep);
        let won = dem.iter().zip(&rep).filter(|(d, r)| d > r).count() as f64;
        assert_eq!(e.dem_seats(), won, "{name}");
    }
    assert_eq!(results(&NC22_DEM, &NC22_REP).dem_seats(), 7.0);
    // A tie is won by neither party here; redistmetrics' `dseats` (dem >= rep) gives it to the
    // Democrat.
    let (dem, rep) = ([50.0, 70.0, 20.0], [50.0, 30.0, 80.0]);
    let redist_dseats = dem.iter().zip(&rep).filter(|(d, r)| d >= r).count() as f64;
    let e = results(&dem, &rep);
    assert_eq!((e.dem_seats(), e.rep_seats(), redist_dseats), (1.0, 1.0, 2.0));
}

// ---------------------------------------------------------------------------------------------
// Efficiency gap: Stephanopoulos & McGhee (2015)

/// The authors' wasted votes of one district: the loser's votes are all wasted ("lost"), the
/// winner's votes beyond the half of the district's votes needed to win are wasted ("surplus").
fn sm_wasted(d: f64, r: f64) -> (f64, f64) {
    let needed = (d + r) / 2.0;
    if d > r {
        (d - needed, r)
    } else {
        (d, r - needed)
    }
}

/// Stephanopoulos and McGhee's gap in their terms: (Democratic − Republican wasted votes) / all
/// votes, positive when Democrats waste more (the plan favours Republicans).
fn sm_gap(dem: &[f64], rep: &[f64]) -> f64 {
    let (mut wd, mut wr) = (0.0, 0.0);
    for (&d, &r) in dem.iter().zip(rep) {
        let (a, b) = sm_wasted(d, r);
        wd += a;
        wr += b;
    }
    (wd - wr) / (dem.iter().sum::<f64>() + rep.iter().sum::<f64>())
}

#[test]
fn efficiency_gap_is_stephanopoulos_mcghee_wasted_votes_negated() {
    for (name, dem, rep) in cases() {
        let e = results(&dem, &rep);
        assert_eq!(e.tied_districts(), 0, "{name}");
        close(&name, "efficiency gap", e.efficiency_gap(), -sm_gap(&dem, &rep));
    }
    // Hand computation on the packed case (5 districts of 100): Democrats waste 30 + 25 (surplus)
    // + 45 + 40 + 35 (lost) = 175, Republicans 20 + 25 + 5 + 10 + 15 = 75; the authors' gap is
    // (175 − 75) / 500 = +0.2 (favours Republicans), redraw's −0.2.
    let e = results(&[80.0, 75.0, 45.0, 40.0, 35.0], &[20.0, 25.0, 55.0, 60.0, 65.0]);
    close("packed", "efficiency gap", e.efficiency_gap(), -0.2);
}

/// With equal turnout in every district the wasted-votes form reduces to Stephanopoulos and
/// McGhee's simplified form, "seat margin − 2 × vote margin" (for the Democrats, in redraw's
/// sign): EG = (S − 1/2) − 2(V − 1/2). With unequal turnout the two differ; redraw computes the
/// wasted-votes form.
#[test]
fn efficiency_gap_simplified_form_holds_only_with_equal_turnout() {
    let simplified = |e: &ElectionResults| {
        let s = e.dem_seats() / e.districts() as f64;
        (s - 0.5) - 2.0 * (e.statewide_dem_share() - 0.5)
    };
    let equal = [
        (vec![80.0, 75.0, 45.0, 40.0, 35.0], vec![20.0, 25.0, 55.0, 60.0, 65.0]),
        (vec![60.0, 60.0, 60.0, 20.0, 20.0], vec![40.0, 40.0, 40.0, 80.0, 80.0]),
        (vec![510.0, 300.0, 700.0, 490.0], vec![490.0, 700.0, 300.0, 510.0]),
    ];
    for (dem, rep) in equal {
        let e = results(&dem, &rep);
        close("equal turnout", "simplified efficiency gap", e.efficiency_gap(), simplified(&e));
    }
    let nc = results(&NC22_DEM, &NC22_REP);
    let gap = (nc.efficiency_gap() - simplified(&nc)).abs();
    assert!(gap > 1e-3, "NC 2022 has unequal turnout, the forms should differ: {gap}");
}

/// Ties: the authors give no rule. redraw: neither party wins, each wastes half its votes (no
/// contribution). GerryChain's `wasted_votes` gives the tie to the second party listed (the
/// Republican here); redistmetrics' `effgap` also takes the Republican branch, with
/// `floor(total / 2) + 1` votes needed to win.
#[test]
fn efficiency_gap_tie_conventions() {
    let (dem, rep) = ([50.0, 70.0], [50.0, 30.0]);
    let e = results(&dem, &rep);
    // redraw: tie wastes 25 + 25; district 2 wastes D 20, R 30 → (55 − 45) / 200.
    close("tie", "redraw", e.efficiency_gap(), 10.0 / 200.0);
    // GerryChain (Democrats first): tie → D wastes 50, R wastes 0 → (30 − 70) / 200.
    let gerrychain = {
        let (mut wd, mut wr) = (0.0, 0.0);
        for (&d, &r) in dem.iter().zip(&rep) {
            let t = d + r;
            if d > r {
                wd += d - t / 2.0;
                wr += r;
            } else {
                wd += d;
                wr += r - t / 2.0;
            }
        }
        (wr - wd) / 200.0
    };
    close("tie", "GerryChain", gerrychain, -40.0 / 200.0);
    // redistmetrics (its sign: D waste − R waste): tie → D wastes 50, R wastes 50 − 51 = −1.
    let redist = {
        let (mut wd, mut wr) = (0.0, 0.0);
        for (&d, &r) in dem.iter().zip(&rep) {
            let minwin = ((d + r) / 2.0).floor() + 1.0;
            if d > r {
                wd += d - minwin;
                wr += r;
            } else {
                wd += d;
                wr += r - minwin;
            }
        }
        (wd - wr) / 200.0
    };
    close("tie", "redistmetrics", redist, (69.0 - 29.0) / 200.0);
    assert!((e.efficiency_gap() - gerrychain).abs() > 0.2 && (e.efficiency_gap() + redist).abs() > 0.2);
}

// ---------------------------------------------------------------------------------------------
// Mean-median: McDonald & Best (2015), Wang (2016)

/// The authors' mean-median difference of the Democratic district shares: the (unweighted)
/// mean minus the median, positive when the Democrats' median district is below their average
/// district (the plan favours Republicans). redraw reports median − mean.
fn mm_authors(dem: &[f64], rep: &[f64]) -> f64 {
    let mut s = shares(dem, rep);
    let m = mean(&s);
    s.sort_by(f64::total_cmp);
    let n = s.len();
    let median = if n % 2 == 1 { s[n / 2] } else { 0.5 * (s[n / 2 - 1] + s[n / 2]) };
    m - median
}

#[test]
fn mean_median_is_the_authors_difference_negated() {
    for (name, dem, rep) in cases() {
        close(&name, "mean-median", results(&dem, &rep).mean_median(), -mm_authors(&dem, &rep));
    }
    // The mean is of district shares, not the statewide share: with unequal turnout they differ
    // (0.575 vs 0.8) and only the former gives the authors' value (median 0.6 → −0.025 here).
    let e = results(&TURNOUT_DEM, &TURNOUT_REP);
    close("unequal turnout", "mean-median", e.mean_median(), 0.6 - 0.575);
    assert!((e.mean_median() - (0.6 - e.statewide_dem_share())).abs() > 0.1);
}

// ---------------------------------------------------------------------------------------------
// Partisan bias: Gelman & King (1994), Grofman & King (2007), Katz, King & Rosenblatt (2020)

/// Democratic seat share after uniform partisan swing moves `average` to `to`: every district's
/// share moves by the same amount, and a district is won when its share is strictly above 1/2.
fn swung_seat_share(s: &[f64], average: f64, to: f64) -> f64 {
    s.iter().filter(|&&x| x + (to - average) > 0.5).count() as f64 / s.len() as f64
}

/// The authors' partisan bias: the seats-votes curve is a function of the *average district
/// vote* (the unweighted mean of the district shares); the bias is the Democratic seat share at
/// an average district vote of 1/2, minus 1/2 (equivalently half the difference between the
/// two parties' seat shares at 1/2). Positive favours Democrats, as in redraw.
fn gk_bias(dem: &[f64], rep: &[f64]) -> f64 {
    let s = shares(dem, rep);
    let dem_seats = swung_seat_share(&s, mean(&s), 0.5);
    // The Republican curve at 1/2: swing the Democratic average to 1/2 as well, count R wins.
    let rep_seats = s.iter().filter(|&&x| x + (0.5 - mean(&s)) < 0.5).count() as f64 / s.len() as f64;
    (dem_seats - rep_seats) / 2.0
}

#[test]
fn partisan_bias_is_gelman_king_at_the_average_district_vote() {
    for (name, dem, rep) in cases() {
        let s = shares(&dem, &rep);
        // Exact ties on the swung threshold (a district exactly at the mean) are won by neither
        // party; the half-difference form above then equals the seat-share form.
        assert!(s.iter().all(|x| (x - mean(&s)).abs() > 1e-12), "{name}");
        close(&name, "partisan bias", results(&dem, &rep).partisan_bias(), gk_bias(&dem, &rep));
        close(&name, "mean_share_bias alias", results(&dem, &rep).mean_share_bias(), gk_bias(&dem, &rep));
    }
    // Regression (the audit's fix): with unequal turnout the average district vote (0.575) and
    // the statewide share (0.8) differ. Swinging the average to 1/2 leaves 0.9, 0.6, 0.6 above
    // 0.575: 3/4 of the seats, bias +1/4. redraw's `partisan_bias` used to swing the statewide
    // share instead (1/4 of the seats, −1/4); that variant is now `statewide_bias`.
    let e = results(&TURNOUT_DEM, &TURNOUT_REP);
    close("unequal turnout", "partisan bias", e.partisan_bias(), 0.25);
    close("unequal turnout", "statewide bias", e.statewide_bias(), -0.25);
}

#[test]
fn statewide_bias_swings_the_vote_weighted_share() {
    for (name, dem, rep) in cases() {
        let s = shares(&dem, &rep);
        let statewide = dem.iter().sum::<f64>() / (dem.iter().sum::<f64>() + rep.iter().sum::<f64>());
        let want = swung_seat_share(&s, statewide, 0.5) - 0.5;
        close(&name, "statewide bias", results(&dem, &rep).statewide_bias(), want);
    }
}

// ---------------------------------------------------------------------------------------------
// Partisan Gini: the area between the uniform-swing seats-votes curve and its reflection
// through (1/2, 1/2) (Grofman 1983; Definition 1 of DeFord, Dhamankar, Duchin et al., as in
// GerryChain's `partisan_gini`, swinging the statewide share).

/// The area computed directly by integrating |S(v) − (1 − S(1 − v))| over v, with S the
/// step-function seats-votes curve under uniform swing from the statewide share. Exact: both
/// curves are piecewise constant, so the integral is a sum over the intervals between all their
/// break points (evaluated at each interval's midpoint).
fn gini_by_integration(dem: &[f64], rep: &[f64]) -> f64 {
    let s = shares(dem, rep);
    let v0 = dem.iter().sum::<f64>() / (dem.iter().sum::<f64>() + rep.iter().sum::<f64>());
    let curve = |v: f64| swung_seat_share(&s, v0, v);
    let reflected = |v: f64| 1.0 - curve(1.0 - v);
    // District i flips at v = v0 − s_i + 1/2; the reflection at 1 − that.
    let mut breaks: Vec<f64> = s.iter().flat_map(|x| [v0 - x + 0.5, 1.0 - (v0 - x + 0.5)]).collect();
    breaks.sort_by(f64::total_cmp);
    breaks
        .windows(2)
        .map(|w| (w[1] - w[0]) * (curve((w[0] + w[1]) / 2.0) - reflected((w[0] + w[1]) / 2.0)).abs())
        .sum()
}

#[test]
fn partisan_gini_is_the_area_between_the_curve_and_its_reflection() {
    for (name, dem, rep) in cases() {
        close(&name, "partisan Gini", results(&dem, &rep).partisan_gini(), gini_by_integration(&dem, &rep));
    }
    // Hand computation (packed case): flip points 0.25, 0.30, 0.60, 0.65, 0.70, reflected 0.30,
    // 0.35, 0.40, 0.70, 0.75; |differences| 0.05 + 0.05 + 0.20 + 0.05 + 0.05 = 0.40, each step 1/5
    // high: area 0.08.
    let e = results(&[80.0, 75.0, 45.0, 40.0, 35.0], &[20.0, 25.0, 55.0, 60.0, 65.0]);
    close("packed", "partisan Gini", e.partisan_gini(), 0.08);
}

// ---------------------------------------------------------------------------------------------
// Declination: Warrington (2018)

/// Warrington's geometry, in his sign (positive favours Republicans): districts sorted by
/// Democratic share sit at x = (i − 1/2)/N; the Republican-won ones' centre of mass is
/// (r/(2N), ȳ_R), the Democratic-won ones' (1 − d/(2N), ȳ_D), the point where the parties meet
/// is (r/N, 1/2); θ_R and θ_D are the angles of the lines from it to each centre, and
/// δ = 2(θ_D − θ_R)/π. Here the angles are computed from the points themselves, not from the
/// closed form redraw uses.
fn warrington_from_points(s: &[f64]) -> Option<f64> {
    let mut s = s.to_vec();
    s.sort_by(f64::total_cmp);
    let n = s.len() as f64;
    let x = |i: usize| (i as f64 + 0.5) / n;
    let (rw, dw): (Vec<usize>, Vec<usize>) = (0..s.len()).partition(|&i| s[i] <= 0.5);
    if rw.is_empty() || dw.is_empty() {
        return None;
    }
    let centre = |idx: &[usize]| {
        let k = idx.len() as f64;
        (idx.iter().map(|&i| x(i)).sum::<f64>() / k, idx.iter().map(|&i| s[i]).sum::<f64>() / k)
    };
    let (xr, yr) = centre(&rw);
    let (xd, yd) = centre(&dw);
    let xm = rw.len() as f64 / n;
    let theta_r = ((0.5 - yr) / (xm - xr)).atan();
    let theta_d = ((yd - 0.5) / (xd - xm)).atan();
    Some(2.0 * (theta_d - theta_r) / std::f64::consts::PI)
}

#[test]
fn declination_is_warringtons_geometry_negated() {
    for (name, dem, rep) in cases() {
        let e = results(&dem, &rep);
        match (e.declination(), warrington_from_points(&e.dem_shares())) {
            (Some(a), Some(b)) => close(&name, "declination", a, -b),
            (None, None) => {}
            other => panic!("{name}: {other:?}"),
        }
    }
    // Warrington's example (0.3, 0.3, 0.7): δ = 2(atan(1.2) − atan(0.6))/π = 0.2137 in his sign.
    let d = results(&[30.0, 30.0, 70.0], &[70.0, 70.0, 30.0]).declination().unwrap();
    close("(0.3, 0.3, 0.7)", "declination", d, -2.0 * (1.2f64.atan() - 0.6f64.atan()) / std::f64::consts::PI);
    // Ties: Warrington counts a district at exactly 1/2 as a Republican win; redraw leaves it out.
    let t = results(&[30.0, 50.0, 70.0, 70.0], &[70.0, 50.0, 30.0, 30.0]);
    let without = results(&[30.0, 70.0, 70.0], &[70.0, 30.0, 30.0]);
    assert_eq!(t.declination(), without.declination());
    let his = warrington_from_points(&t.dem_shares()).unwrap();
    assert!((t.declination().unwrap() + his).abs() > 0.01, "the tie rule must matter here");
}

// ---------------------------------------------------------------------------------------------
// Responsiveness: the slope of the uniform-swing seats-votes curve at the observed vote

#[test]
fn responsiveness_is_the_swing_slope_at_the_observed_vote() {
    let h = 0.01;
    for (name, dem, rep) in cases() {
        let s = shares(&dem, &rep);
        // Move every district by ±h/2 from the observed result and count strict wins.
        let up = s.iter().filter(|&&x| x + h / 2.0 > 0.5).count() as f64 / s.len() as f64;
        let down = s.iter().filter(|&&x| x - h / 2.0 > 0.5).count() as f64 / s.len() as f64;
        close(&name, "responsiveness", results(&dem, &rep).responsiveness(h), (up - down) / h);
        // redistmetrics' `part_resp` swings the mean district share to v ± h/2; at v = the
        // observed mean it is the same quotient (its default v = 0.5 is another point).
        let m = mean(&s);
        let redist = (swung_seat_share(&s, m, m + h / 2.0) - swung_seat_share(&s, m, m - h / 2.0)) / h;
        close(
            &name,
            "redistmetrics part_resp(v = mean share)",
            results(&dem, &rep).responsiveness(h),
            redist,
        );
    }
    // Hand computation: shares 0.51, 0.7, 0.2; a window of ±0.02 moves 0.51 across 1/2 only:
    // 1/3 of a seat over 0.04.
    let e = results(&[51.0, 70.0, 20.0], &[49.0, 30.0, 80.0]);
    close("(0.51, 0.7, 0.2)", "responsiveness", e.responsiveness(0.04), (1.0 / 3.0) / 0.04);
}

// ---------------------------------------------------------------------------------------------
// Plan measures

/// A 4 × 5 grid of units (rook adjacency), numbered row by row, as an edge list and as CSR.
fn grid() -> (Vec<(u32, u32)>, Vec<u32>, Vec<u32>) {
    let (rows, cols) = (4u32, 5u32);
    let mut edges = Vec::new();
    for r in 0..rows {
        for c in 0..cols {
            let u = r * cols + c;
            if c + 1 < cols {
                edges.push((u, u + 1));
            }
            if r + 1 < rows {
                edges.push((u, u + cols));
            }
        }
    }
    let n = (rows * cols) as usize;
    let mut adj = vec![Vec::new(); n];
    for &(a, b) in &edges {
        adj[a as usize].push(b);
        adj[b as usize].push(a);
    }
    let mut offsets = vec![0u32];
    let mut nb = Vec::new();
    for a in adj {
        nb.extend(a);
        offsets.push(nb.len() as u32);
    }
    (edges, offsets, nb)
}

/// Three plans of the grid into 4 districts: columns-ish, a checkerboard-ish stripe, and a
/// ragged one.
fn grid_plans() -> Vec<Vec<u32>> {
    vec![
        (0..20).map(|u| [0, 0, 1, 2, 3][u % 5]).collect(),
        (0..20).map(|u| (u / 5) as u32).collect(),
        vec![0, 0, 1, 1, 1, 0, 2, 2, 1, 3, 0, 2, 2, 3, 3, 2, 2, 3, 3, 3],
    ]
}

#[test]
fn population_deviation_is_the_largest_relative_departure_from_the_ideal() {
    let pop: Vec<f64> = (0..20).map(|u| 700.0 + 37.0 * ((u * 7) % 11) as f64).collect();
    // The same with the top row thinned out, so that an under-populated district has the
    // largest deviation in some plans.
    let thin: Vec<f64> = pop.iter().enumerate().map(|(u, p)| if u < 5 { 0.3 * p } else { *p }).collect();
    for (a, pop) in grid_plans().into_iter().flat_map(|a| [(a.clone(), pop.clone()), (a, thin.clone())]) {
        let mut by: BTreeMap<u32, f64> = BTreeMap::new();
        for (u, &d) in a.iter().enumerate() {
            *by.entry(d).or_default() += pop[u];
        }
        let ideal = pop.iter().sum::<f64>() / 4.0;
        let max_abs = by.values().map(|p| (p - ideal).abs() / ideal).fold(0.0, f64::max);
        let (lo, hi) = by.values().fold((f64::INFINITY, 0.0f64), |(l, h), &p| (l.min(p), h.max(p)));
        let b = plan::population_balance(&a, &pop, 4).unwrap();
        close("grid", "max |deviation|", b.max_abs_deviation, max_abs);
        close("grid", "overall range", b.range, (hi - lo) / ideal);
        close("grid", "ideal", b.ideal, ideal);
    }
}

#[test]
fn cut_edges_are_edges_between_districts() {
    let (edges, offsets, nb) = grid();
    assert_eq!(edges.len(), 31);
    for a in grid_plans() {
        let want = edges.iter().filter(|(u, v)| a[*u as usize] != a[*v as usize]).count();
        assert_eq!(plan::cut_edges(&offsets, &nb, &a).unwrap(), want);
    }
}

#[test]
fn county_splits_count_counties_in_more_than_one_district() {
    // Counties: pairs of grid columns, so county splits depend on the plan.
    let county: Vec<String> = (0..20).map(|u| format!("C{}", (u % 5) / 2 + 3 * (u / 10))).collect();
    let ids: Vec<Option<u32>> = plan::dense_region_ids(&county).into_iter().map(Some).collect();
    for a in grid_plans() {
        let mut touched: BTreeMap<&str, BTreeSet<u32>> = BTreeMap::new();
        for (u, c) in county.iter().enumerate() {
            touched.entry(c).or_default().insert(a[u]);
        }
        let split = touched.values().filter(|d| d.len() > 1).count();
        // redistmetrics' `splits_total` counts the pieces of split counties; redraw's
        // `extra_pieces` counts the pieces beyond the first (Σ (districts − 1)).
        let pieces_of_split: usize = touched.values().filter(|d| d.len() > 1).map(BTreeSet::len).sum();
        let s = plan::region_splits(&a, &ids).unwrap();
        assert_eq!((s.regions, s.split_regions), (touched.len(), split));
        assert_eq!(s.extra_pieces + s.split_regions, pieces_of_split);
    }
}
