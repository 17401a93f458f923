//! Small statistical helpers shared by diagnostics and reports: quantiles, percentile ranks,
//! distribution summaries and the standard normal distribution.

/// Type-7 quantile (R's default, NumPy's `linear`) of **sorted**, non-empty data:
/// `h = (n − 1)p`, linear interpolation between the neighbouring order statistics.
pub fn quantile_sorted(sorted: &[f64], p: f64) -> f64 {
    let n = sorted.len();
    if n == 1 {
        return sorted[0];
    }
    let h = (n - 1) as f64 * p.clamp(0.0, 1.0);
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(n - 1);
    sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
}

/// Where `value` falls in an ensemble: the fractions of ensemble values strictly below it and
/// equal to it. The mid-rank percentile `below + equal/2` is what reports quote, so a plan tied
/// with half the ensemble sits at the median and not at an extreme.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct Placement {
    pub below: f64,
    pub equal: f64,
    /// `below + equal / 2`, in [0, 1].
    pub percentile: f64,
}

/// Places `value` in **sorted** ensemble values.
pub fn placement(sorted: &[f64], value: f64) -> Placement {
    let n = sorted.len() as f64;
    let below = sorted.partition_point(|&x| x < value);
    let not_above = sorted.partition_point(|&x| x <= value);
    let (below, equal) = (below as f64 / n, (not_above - below) as f64 / n);
    Placement { below, equal, percentile: below + equal / 2.0 }
}

/// Summary of an ensemble distribution of one statistic.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Distribution {
    pub count: usize,
    pub mean: f64,
    pub sd: f64,
    pub min: f64,
    pub q01: f64,
    pub q05: f64,
    pub q25: f64,
    pub median: f64,
    pub q75: f64,
    pub q95: f64,
    pub q99: f64,
    pub max: f64,
}

impl Distribution {
    /// Summarises finite values (non-finite ones are ignored). `None` if none are finite.
    pub fn of(values: &[f64]) -> Option<Self> {
        let mut v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
        if v.is_empty() {
            return None;
        }
        v.sort_by(f64::total_cmp);
        Some(Self::of_sorted(&v))
    }

    /// Summarises sorted finite values (non-empty).
    pub fn of_sorted(v: &[f64]) -> Self {
        let n = v.len() as f64;
        let mean = v.iter().sum::<f64>() / n;
        let sd = if v.len() > 1 {
            (v.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / (n - 1.0)).sqrt()
        } else {
            0.0
        };
        let q = |p| quantile_sorted(v, p);
        Distribution {
            count: v.len(),
            mean,
            sd,
            min: v[0],
            q01: q(0.01),
            q05: q(0.05),
            q25: q(0.25),
            median: q(0.5),
            q75: q(0.75),
            q95: q(0.95),
            q99: q(0.99),
            max: v[v.len() - 1],
        }
    }
}

/// Standard normal cumulative distribution function.
pub fn normal_cdf(x: f64) -> f64 {
    0.5 * libm::erfc(-x / std::f64::consts::SQRT_2)
}

/// Standard normal quantile Φ⁻¹(p) for p in (0, 1) (±∞ at the ends, NaN outside). Acklam's
/// rational approximation (relative error < 1.2e-9) refined by two Halley steps on the exact
/// `erfc`, which brings it to machine precision, as needed to match SciPy's `norm.ppf` in the
/// rank-normalised diagnostics.
pub fn normal_quantile(p: f64) -> f64 {
    if p.is_nan() || !(0.0..=1.0).contains(&p) {
        return f64::NAN;
    }
    if p == 0.0 {
        return f64::NEG_INFINITY;
    }
    if p == 1.0 {
        return f64::INFINITY;
    }
    const A: [f64; 6] = [
        -3.969683028665376e1,
        2.209460984245205e2,
        -2.759285104469687e2,
        1.38357751867269e2,
        -3.066479806614716e1,
        2.506628277459239e0,
    ];
    const B: [f64; 5] = [
        -5.447609879822406e1,
        1.615858368580409e2,
        -1.556989798598866e2,
        6.680131188771972e1,
        -1.328068155288572e1,
    ];
    const C: [f64; 6] = [
        -7.784894002430293e-3,
        -3.223964580411365e-1,
        -2.400758277161838e0,
        -2.549732539343734e0,
        4.374664141464968e0,
        2.938163982698783e0,
    ];
    const D: [f64; 4] =
        [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996e0, 3.754408661907416e0];
    const P_LOW: f64 = 0.02425;
    let tail = |q: f64| {
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    };
    let mut x = if p < P_LOW {
        tail((-2.0 * p.ln()).sqrt())
    } else if p <= 1.0 - P_LOW {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    } else {
        -tail((-2.0 * (1.0 - p).ln()).sqrt())
    };
    for _ in 0..2 {
        // Halley's method on Φ(x) − p.
        // Φ(x) − p, computed as (1 − p) − Φ(−x) above the median to avoid cancellation.
        let e = if p > 0.5 { (1.0 - p) - normal_cdf(-x) } else { normal_cdf(x) - p };
        let u = e * (2.0 * std::f64::consts::PI).sqrt() * (x * x / 2.0).exp();
        x -= u / (1.0 + x * u / 2.0);
    }
    x
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normal_quantile_known_values() {
        // Reference values of Φ⁻¹ (SciPy norm.ppf).
        for (p, want) in [
            (0.5, 0.0),
            (0.975, 1.959963984540054),
            (0.025, -1.959963984540054),
            (0.841344746068543, 1.0),
            (1e-10, -6.361340902404056),
            (0.999, 3.090232306167813),
        ] {
            let got = normal_quantile(p);
            assert!((got - want).abs() < 1e-12 * want.abs().max(1.0), "p={p}: {got} vs {want}");
        }
        assert!(normal_quantile(1.5).is_nan());
        assert_eq!(normal_quantile(0.0), f64::NEG_INFINITY);
    }

    #[test]
    fn type7_quantiles() {
        let v = [1.0, 2.0, 3.0, 4.0];
        assert_eq!(quantile_sorted(&v, 0.0), 1.0);
        assert_eq!(quantile_sorted(&v, 1.0), 4.0);
        assert_eq!(quantile_sorted(&v, 0.5), 2.5);
        // h = 3 × 0.1 = 0.3 → 1 + 0.3 × 1.
        assert!((quantile_sorted(&v, 0.1) - 1.3).abs() < 1e-15);
    }

    #[test]
    fn placement_midrank() {
        let v = [1.0, 2.0, 2.0, 3.0];
        assert_eq!(placement(&v, 2.0), Placement { below: 0.25, equal: 0.5, percentile: 0.5 });
        assert_eq!(placement(&v, 0.0).percentile, 0.0);
        assert_eq!(placement(&v, 9.0).percentile, 1.0);
    }

    #[test]
    fn distribution_summary() {
        let d = Distribution::of(&[3.0, 1.0, 2.0, f64::NAN]).unwrap();
        assert_eq!((d.count, d.mean, d.median, d.min, d.max), (3, 2.0, 2.0, 1.0, 3.0));
        assert_eq!(d.sd, 1.0);
        assert!(Distribution::of(&[f64::NAN]).is_none());
    }
}
