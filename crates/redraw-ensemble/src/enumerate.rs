//! Exact enumeration of the plans of small graphs (at most 64 nodes, in practice a few dozen),
//! spanning-tree counts by the matrix-tree theorem, and Pearson's chi-square test. These are
//! the ground truth against which the samplers' distributions are tested; they are far too
//! slow for real graphs and are not used by the chains.

use crate::problem::Problem;

/// All partitions of the nodes into `k` connected districts with populations within the
/// problem's bounds, **unlabelled**: each partition is its districts' node bitmasks, sorted
/// ascending. (Every unlabelled partition corresponds to `k!` labelled plans.)
pub fn enumerate_partitions(p: &Problem) -> Vec<Vec<u64>> {
    assert!(p.n <= 24, "enumeration is for small graphs only");
    let n = p.n;
    let full: u64 = if n == 64 { u64::MAX } else { (1u64 << n) - 1 };
    // Connected subsets within the population bounds, grouped by lowest node.
    let mut by_low: Vec<Vec<u64>> = vec![Vec::new(); n];
    for mask in 1..=full {
        let pop: u64 = (0..n).filter(|&i| mask >> i & 1 == 1).map(|i| p.pop[i]).sum();
        if pop < p.lo || pop > p.hi || !mask_connected(p, mask) {
            continue;
        }
        by_low[mask.trailing_zeros() as usize].push(mask);
    }
    let mut out = Vec::new();
    let mut cur = Vec::new();
    fn rec(by_low: &[Vec<u64>], full: u64, used: u64, k: usize, cur: &mut Vec<u64>, out: &mut Vec<Vec<u64>>) {
        if used == full {
            if cur.len() == k {
                let mut c = cur.clone();
                c.sort_unstable();
                out.push(c);
            }
            return;
        }
        if cur.len() == k {
            return;
        }
        let low = (!used & full).trailing_zeros() as usize;
        for &m in &by_low[low] {
            if m & used == 0 {
                cur.push(m);
                rec(by_low, full, used | m, k, cur, out);
                cur.pop();
            }
        }
    }
    rec(&by_low, full, 0, p.k, &mut cur, &mut out);
    out.sort();
    out
}

fn mask_connected(p: &Problem, mask: u64) -> bool {
    let start = mask.trailing_zeros();
    let mut seen = 1u64 << start;
    let mut stack = vec![start];
    while let Some(u) = stack.pop() {
        for &w in p.nbrs(u) {
            if mask >> w & 1 == 1 && seen >> w & 1 == 0 {
                seen |= 1 << w;
                stack.push(w);
            }
        }
    }
    seen == mask
}

/// The unlabelled key of a labelled plan (as in [`enumerate_partitions`]).
pub fn partition_key(assignment: &[u32], k: usize) -> Vec<u64> {
    let mut masks = vec![0u64; k];
    for (v, &d) in assignment.iter().enumerate() {
        masks[d as usize] |= 1 << v;
    }
    masks.sort_unstable();
    masks
}

/// Number of spanning trees of the subgraph induced by `mask` (matrix-tree theorem: the
/// determinant of the Laplacian with one row and column removed), by Gaussian elimination in
/// `f64` and rounded; exact for the small graphs this is meant for.
pub fn spanning_trees(p: &Problem, mask: u64) -> f64 {
    let nodes: Vec<u32> = (0..p.n as u32).filter(|&i| mask >> i & 1 == 1).collect();
    let m = nodes.len();
    if m <= 1 {
        return 1.0;
    }
    let idx = |u: u32| nodes.iter().position(|&x| x == u);
    let mut a = vec![vec![0.0f64; m - 1]; m - 1];
    for (i, &u) in nodes.iter().enumerate().skip(1) {
        for &w in p.nbrs(u) {
            if let Some(j) = idx(w) {
                a[i - 1][i - 1] += 1.0;
                if j > 0 {
                    a[i - 1][j - 1] -= 1.0;
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
        if piv != c {
            a.swap(piv, c);
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

/// Pearson's chi-square statistic and its upper-tail p-value for observed counts against
/// expected probabilities (which must sum to 1), with `len - 1` degrees of freedom.
pub fn chi_square(observed: &[u64], expected_prob: &[f64]) -> (f64, f64) {
    let total: u64 = observed.iter().sum();
    let mut stat = 0.0;
    for (&o, &q) in observed.iter().zip(expected_prob) {
        let e = q * total as f64;
        stat += (o as f64 - e).powi(2) / e;
    }
    let df = (observed.len() - 1) as f64;
    (stat, gamma_q(df / 2.0, stat / 2.0))
}

/// Regularised upper incomplete gamma function Q(a, x) (series for x < a + 1, continued fraction
/// otherwise; Lentz's method).
pub fn gamma_q(a: f64, x: f64) -> f64 {
    if x <= 0.0 {
        return 1.0;
    }
    let gln = ln_gamma(a);
    if x < a + 1.0 {
        let mut sum = 1.0 / a;
        let mut del = sum;
        let mut ap = a;
        for _ in 0..10_000 {
            ap += 1.0;
            del *= x / ap;
            sum += del;
            if del.abs() < sum.abs() * 1e-15 {
                break;
            }
        }
        1.0 - sum * (-x + a * x.ln() - gln).exp()
    } else {
        let tiny = 1e-300;
        let mut b = x + 1.0 - a;
        let mut c = 1.0 / tiny;
        let mut d = 1.0 / b;
        let mut h = d;
        for i in 1..10_000 {
            let an = -(i as f64) * (i as f64 - a);
            b += 2.0;
            d = an * d + b;
            if d.abs() < tiny {
                d = tiny;
            }
            c = b + an / c;
            if c.abs() < tiny {
                c = tiny;
            }
            d = 1.0 / d;
            let del = d * c;
            h *= del;
            if (del - 1.0).abs() < 1e-15 {
                break;
            }
        }
        (-x + a * x.ln() - gln).exp() * h
    }
}

/// ln Γ(x) for x > 0 (Lanczos approximation, g = 7, n = 9).
fn ln_gamma(x: f64) -> f64 {
    const C: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        let pi = std::f64::consts::PI;
        return (pi / (pi * x).sin()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let mut a = C[0];
    let t = x + 7.5;
    for (i, &c) in C.iter().enumerate().skip(1) {
        a += c / (x + i as f64);
    }
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + a.ln()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gamma_q_matches_known_chi_square_tails() {
        // chi2 with 1 df at 3.841459 has upper tail 0.05; with 10 df at 18.307038, 0.05;
        // with 4 df at 13.276704, 0.01.
        assert!((gamma_q(0.5, 3.841_459 / 2.0) - 0.05).abs() < 1e-6);
        assert!((gamma_q(5.0, 18.307_038 / 2.0) - 0.05).abs() < 1e-6);
        assert!((gamma_q(2.0, 13.276_704 / 2.0) - 0.01).abs() < 1e-6);
        assert!((ln_gamma(5.0) - 24f64.ln()).abs() < 1e-12);
    }
}
