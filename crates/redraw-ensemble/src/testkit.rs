//! Ground truth for the distribution tests of SMC and merge-split, computed independently of the
//! samplers' own code: plans of small grids by enumeration, spanning-tree counts by a dense
//! matrix-tree determinant, county-respecting tree counts from pieces and their multigraph, and
//! the hierarchical county rule by trying every order of the districts.

use std::collections::HashMap;

use redraw_graph::{Column, Counties, Graph};

use crate::enumerate::{chi_square, enumerate_partitions, spanning_trees};
use crate::problem::{Problem, ProblemSpec};

/// A `w`×`h` grid (rook adjacency, unit populations) into `k` districts at tolerance `tol`,
/// with county `county[i]` per node when given.
pub(crate) fn grid_problem(w: usize, h: usize, k: usize, tol: f64, county: Option<Vec<u32>>) -> Problem {
    let mut edges = Vec::new();
    for y in 0..h {
        for x in 0..w {
            let i = (y * w + x) as u32;
            if x + 1 < w {
                edges.push((i, i + 1));
            }
            if y + 1 < h {
                edges.push((i, i + w as u32));
            }
        }
    }
    let n = w * h;
    let mut g = Graph::from_edges((0..n).map(|i| i.to_string()).collect(), &edges, None).unwrap();
    g.set_column("pop", Column::Int(vec![1; n])).unwrap();
    let counties = county.map(|c| {
        let nc = c.iter().max().map_or(0, |&m| m as usize + 1);
        Counties { of_node: c, names: (0..nc).map(|i| format!("c{i}")).collect() }
    });
    let spec = ProblemSpec {
        pop_column: "pop".into(),
        districts: k,
        tolerance: tol,
        elections: vec![],
        county: counties,
        max_county_splits: None,
        tracked: Vec::new(),
    };
    Problem::new(&g, &spec).unwrap()
}

fn nodes_of(mask: u64) -> impl Iterator<Item = u32> {
    (0..64u32).filter(move |&i| mask >> i & 1 == 1)
}

/// Connected components of `mask` in the graph restricted to nodes with `keep(u, v)` edges.
fn components(p: &Problem, mask: u64, same: impl Fn(u32, u32) -> bool) -> Vec<u64> {
    let mut left = mask;
    let mut out = Vec::new();
    while left != 0 {
        let s = left.trailing_zeros();
        let mut comp = 1u64 << s;
        let mut stack = vec![s];
        while let Some(u) = stack.pop() {
            for &w in p.nbrs(u) {
                if mask >> w & 1 == 1 && comp >> w & 1 == 0 && same(u, w) {
                    comp |= 1 << w;
                    stack.push(w);
                }
            }
        }
        left &= !comp;
        out.push(comp);
    }
    out
}

/// County pieces of `mask`: components of its nodes of each county.
pub(crate) fn pieces(p: &Problem, mask: u64) -> Vec<u64> {
    let county = p.county.as_ref().unwrap();
    components(p, mask, |u, w| county[u as usize] == county[w as usize])
}

/// Number of spanning trees of a multigraph given by its multiplicity matrix (dense
/// matrix-tree determinant, rounded).
fn multigraph_trees(mult: &[Vec<f64>]) -> f64 {
    let m = mult.len();
    if m <= 1 {
        return 1.0;
    }
    let mut a = vec![vec![0.0f64; m - 1]; m - 1];
    for i in 1..m {
        for j in 0..m {
            if i != j {
                a[i - 1][i - 1] += mult[i][j];
                if j > 0 {
                    a[i - 1][j - 1] -= mult[i][j];
                }
            }
        }
    }
    let d = m - 1;
    let mut det = 1.0;
    for c in 0..d {
        let piv = (c..d).max_by(|&x, &y| a[x][c].abs().total_cmp(&a[y][c].abs())).unwrap();
        if a[piv][c].abs() < 1e-12 {
            return 0.0;
        }
        a.swap(piv, c);
        if piv != c {
            det = -det;
        }
        det *= a[c][c];
        let pivot_row = a[c].clone();
        for row in a.iter_mut().skip(c + 1) {
            let f = row[c] / pivot_row[c];
            for (x, pv) in row.iter_mut().zip(&pivot_row).skip(c) {
                *x -= f * pv;
            }
        }
    }
    det.round()
}

/// County-respecting spanning trees of `mask`: `∏ τ(piece) · τ(piece multigraph)`.
pub(crate) fn hier_trees(p: &Problem, mask: u64) -> f64 {
    let ps = pieces(p, mask);
    let mut t: f64 = ps.iter().map(|&q| spanning_trees(p, q)).product();
    let m = ps.len();
    let mut mult = vec![vec![0.0; m]; m];
    for (i, &a) in ps.iter().enumerate() {
        for (j, &b) in ps.iter().enumerate() {
            if i != j {
                for u in nodes_of(a) {
                    mult[i][j] += p.nbrs(u).iter().filter(|&&w| b >> w & 1 == 1).count() as f64;
                }
            }
        }
    }
    t *= multigraph_trees(&mult);
    t
}

/// Whether removing `d` from the region `region` is a valid hierarchical stage: the rest is
/// connected, and at most one county piece of the region is split, into two connected parts.
fn valid_hier_stage(p: &Problem, region: u64, d: u64) -> bool {
    let rest = region & !d;
    if rest != 0 && components(p, rest, |_, _| true).len() != 1 {
        return false;
    }
    let mut split = 0;
    for piece in pieces(p, region) {
        let (a, b) = (piece & d, piece & !d);
        if a != 0 && b != 0 {
            split += 1;
            if pieces(p, a).len() != 1 || pieces(p, b).len() != 1 {
                return false;
            }
        }
    }
    split <= 1
}

/// Whether the plan (district masks) has an order of its districts in which every stage is a
/// valid hierarchical stage (all `k!` orders tried).
pub(crate) fn hier_peelable(p: &Problem, plan: &[u64]) -> bool {
    fn rec(p: &Problem, region: u64, left: &mut Vec<u64>) -> bool {
        if left.len() <= 1 {
            return true;
        }
        for i in 0..left.len() {
            let d = left[i];
            if valid_hier_stage(p, region, d) {
                left.remove(i);
                let ok = rec(p, region & !d, left);
                left.insert(i, d);
                if ok {
                    return true;
                }
            }
        }
        false
    }
    let region = plan.iter().fold(0, |a, &b| a | b);
    rec(p, region, &mut plan.to_vec())
}

/// Counties whose nodes lie in two or more districts of the plan.
pub(crate) fn split_counties(p: &Problem, plan: &[u64]) -> u32 {
    let county = p.county.as_ref().unwrap();
    let nc = county.iter().max().map_or(0, |&c| c as usize + 1);
    (0..nc as u32)
        .filter(|&c| plan.iter().filter(|&&d| nodes_of(d).any(|u| county[u as usize] == c)).count() > 1)
        .count() as u32
}

/// The target on every enumerated plan: `∏ τ^ρ` (`τ_h` and restricted to peelable plans when
/// `hier`) times `exp(−λ · split counties)`. Returns the plans and their unnormalised weights.
pub(crate) fn target(p: &Problem, rho: f64, hier: bool, lambda: f64) -> (Vec<Vec<u64>>, Vec<f64>) {
    let all: Vec<Vec<u64>> =
        enumerate_partitions(p).into_iter().filter(|pl| !hier || hier_peelable(p, pl)).collect();
    let w = all
        .iter()
        .map(|pl| {
            let t: f64 =
                pl.iter().map(|&d| if hier { hier_trees(p, d) } else { spanning_trees(p, d) }).product();
            let pen = if lambda > 0.0 { (-lambda * split_counties(p, pl) as f64).exp() } else { 1.0 };
            t.powf(rho) * pen
        })
        .collect();
    (all, w)
}

/// Pearson's chi-square p-value of `counts` against `weights` over `all` (asserting that nothing
/// was sampled outside `all`).
pub(crate) fn p_value(all: &[Vec<u64>], weights: &[f64], counts: &HashMap<Vec<u64>, u64>) -> f64 {
    let total: f64 = weights.iter().sum();
    let probs: Vec<f64> = weights.iter().map(|w| w / total).collect();
    let observed: Vec<u64> = all.iter().map(|key| counts.get(key).copied().unwrap_or(0)).collect();
    assert_eq!(
        observed.iter().sum::<u64>(),
        counts.values().sum::<u64>(),
        "a plan outside the target's support"
    );
    chi_square(&observed, &probs).1
}
