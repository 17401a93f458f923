//! Convergence diagnostics for ensembles drawn by several Markov chains.
//!
//! Definitions follow Vehtari, Gelman, Simpson, Carpenter & Bürkner (2021), "Rank-normalization,
//! folding, and localization: an improved R-hat", *Bayesian Analysis* 16(2), the same
//! definitions ArviZ (`rhat(method="rank")`, `ess(method="bulk"|"tail")`) and the R package
//! `posterior` implement; agreement with ArviZ is tested on a committed fixture.
//!
//! * Chains are **split** in half (the middle draw is dropped when the length is odd), so a
//!   trend inside one chain shows up as disagreement between its halves.
//! * **Rank normalisation**: all draws are ranked together (ties get their average rank) and
//!   mapped to normal scores `Φ⁻¹((r − 3/8) / (S + 1/4))` (Blom), which makes R-hat and ESS
//!   meaningful for heavy-tailed and discrete statistics (seat counts).
//! * **R-hat** = max(bulk R-hat of the normal scores, tail R-hat of the normal scores of
//!   `|x − median|`).
//! * **Bulk ESS** = ESS of the normal scores of the split chains; **tail ESS** = the smaller ESS
//!   of the indicators `x ≤ q05` and `x ≤ q95` (type-7 quantiles). ESS uses Geyer's initial
//!   positive and monotone sequences on the multi-chain autocorrelation.
//!
//! "Has not mixed" ([`MixingVerdict`]): R-hat > 1.01 or bulk or tail ESS < 400 (the thresholds
//! Vehtari et al. recommend), or fewer than two chains (R-hat cannot be computed).

use crate::MetricsError;

/// R-hat above this means the chains disagree.
pub const RHAT_THRESHOLD: f64 = 1.01;
/// Bulk or tail ESS below this is too few effective draws to trust quantiles.
pub const ESS_THRESHOLD: f64 = 400.0;

/// Convergence summary of one statistic across chains.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Convergence {
    pub chains: usize,
    pub draws_per_chain: usize,
    /// Rank-normalised split R-hat (NaN with fewer than two chains or four draws).
    pub rhat: f64,
    pub ess_bulk: f64,
    pub ess_tail: f64,
    /// Every draw is the same value.
    pub constant: bool,
}

/// The rule redraw applies to say whether an ensemble can be trusted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MixingVerdict {
    /// R-hat ≤ 1.01 and both ESS ≥ 400.
    Mixed,
    /// R-hat > 1.01 or an ESS < 400.
    NotMixed,
    /// One chain only: R-hat is undefined; ESS alone cannot show that the chain explored
    /// everything. Run several chains from different seeds.
    SingleChain,
    /// Every draw of every chain is the same value: there is nothing to diagnose (R-hat is
    /// 0/0), and the statistic is trivially settled.
    Constant,
}

impl Convergence {
    pub fn verdict(&self) -> MixingVerdict {
        if self.constant {
            MixingVerdict::Constant
        } else if self.chains < 2 || !self.rhat.is_finite() {
            MixingVerdict::SingleChain
        } else if self.rhat > RHAT_THRESHOLD
            || !(self.ess_bulk >= ESS_THRESHOLD && self.ess_tail >= ESS_THRESHOLD)
        {
            MixingVerdict::NotMixed
        } else {
            MixingVerdict::Mixed
        }
    }
}

/// All diagnostics of one statistic. `chains[c]` is chain `c`'s draws in order; every chain
/// must have the same length, at least 4 (chains of unequal length: truncate to the shortest
/// first, see [`truncate_to_shortest`]).
pub fn convergence(chains: &[Vec<f64>]) -> Result<Convergence, MetricsError> {
    let n = check_chains(chains)?;
    Ok(Convergence {
        chains: chains.len(),
        draws_per_chain: n,
        rhat: rank_rhat(chains)?,
        ess_bulk: ess_bulk(chains)?,
        ess_tail: ess_tail(chains)?,
        constant: chains.iter().flatten().all(|&x| x == chains[0][0]),
    })
}

/// Truncates every chain to the shortest one's length (chains stopped at different steps).
pub fn truncate_to_shortest(chains: &mut [Vec<f64>]) {
    let n = chains.iter().map(Vec::len).min().unwrap_or(0);
    for c in chains {
        c.truncate(n);
    }
}

/// Rank-normalised split R-hat: max of bulk and folded (tail) R-hat. NaN for a single chain.
pub fn rank_rhat(chains: &[Vec<f64>]) -> Result<f64, MetricsError> {
    check_chains(chains)?;
    if chains.len() < 2 {
        return Ok(f64::NAN);
    }
    let split = split_chains(chains);
    let bulk = basic_rhat(&z_scale(&split));
    let med = {
        let mut all: Vec<f64> = split.iter().flatten().copied().collect();
        crate::partisan::median_in_place(&mut all)
    };
    let folded: Vec<Vec<f64>> = split.iter().map(|c| c.iter().map(|x| (x - med).abs()).collect()).collect();
    let tail = basic_rhat(&z_scale(&folded));
    Ok(bulk.max(tail))
}

/// Rank-normalised R-hat of **independent runs** without splitting them (SMC runs: their
/// particles have no order, so a split would compare arbitrary halves): the larger of the bulk
/// and folded basic R-hat of the normal scores. Needs two runs of equal length (at least 4
/// draws each); NaN for one run.
pub fn rank_rhat_runs(runs: &[Vec<f64>]) -> Result<f64, MetricsError> {
    check_chains(runs)?;
    if runs.len() < 2 {
        return Ok(f64::NAN);
    }
    let bulk = basic_rhat(&z_scale(runs));
    let med = {
        let mut all: Vec<f64> = runs.iter().flatten().copied().collect();
        crate::partisan::median_in_place(&mut all)
    };
    let folded: Vec<Vec<f64>> = runs.iter().map(|c| c.iter().map(|x| (x - med).abs()).collect()).collect();
    Ok(bulk.max(basic_rhat(&z_scale(&folded))))
}

/// Bulk effective sample size (ESS of the rank-normalised split chains).
pub fn ess_bulk(chains: &[Vec<f64>]) -> Result<f64, MetricsError> {
    check_chains(chains)?;
    Ok(ess(&z_scale(&split_chains(chains))))
}

/// Tail effective sample size: min over the 5 % and 95 % quantiles of the ESS of the indicator
/// "draw ≤ quantile" on split chains.
pub fn ess_tail(chains: &[Vec<f64>]) -> Result<f64, MetricsError> {
    check_chains(chains)?;
    let mut all: Vec<f64> = chains.iter().flatten().copied().collect();
    all.sort_by(f64::total_cmp);
    let split = split_chains(chains);
    let ess_at = |p: f64| {
        let q = crate::stats::quantile_sorted(&all, p);
        let ind: Vec<Vec<f64>> =
            split.iter().map(|c| c.iter().map(|&x| if x <= q { 1.0 } else { 0.0 }).collect()).collect();
        ess(&ind)
    };
    Ok(ess_at(0.05).min(ess_at(0.95)))
}

/// Classic (non-split, non-ranked) R-hat of equal-length chains:
/// `sqrt(((n − 1)/n · W + B/n) / W)` with `W` the mean within-chain variance and `B/n` the
/// variance of the chain means.
pub fn basic_rhat(chains: &[Vec<f64>]) -> f64 {
    let m = chains.len();
    let n = chains[0].len() as f64;
    let means: Vec<f64> = chains.iter().map(|c| mean(c)).collect();
    let w = chains.iter().zip(&means).map(|(c, mu)| var_with_mean(c, *mu)).sum::<f64>() / m as f64;
    let b_over_n = var_with_mean(&means, mean(&means));
    ((b_over_n * n / w + n - 1.0) / n).sqrt()
}

/// Effective sample size of equal-length chains (no splitting or ranking): `M·N / τ` with the
/// integrated autocorrelation time `τ` from Geyer's initial positive sequence, made monotone,
/// on the multi-chain autocorrelation estimate of Stan / ArviZ. Constant input has ESS = M·N.
pub fn ess(chains: &[Vec<f64>]) -> f64 {
    let m = chains.len();
    let n = chains[0].len();
    let total = (m * n) as f64;
    let (lo, hi) = chains
        .iter()
        .flatten()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &x| (lo.min(x), hi.max(x)));
    if hi - lo < 1e-15 {
        return total;
    }
    let nf = n as f64;
    let acov: Vec<Vec<f64>> = chains.iter().map(|c| autocovariance(c)).collect();
    let mean_acov = |t: usize| acov.iter().map(|a| a[t]).sum::<f64>() / m as f64;
    let means: Vec<f64> = chains.iter().map(|c| mean(c)).collect();
    let mean_var = mean_acov(0) * nf / (nf - 1.0);
    let mut var_plus = mean_var * (nf - 1.0) / nf;
    if m > 1 {
        var_plus += var_with_mean(&means, mean(&means));
    }
    let rho = |t: usize| 1.0 - (mean_var - mean_acov(t)) / var_plus;
    let mut rho_hat = vec![0.0; n];
    rho_hat[0] = 1.0;
    let mut even = 1.0;
    let mut odd = rho(1);
    rho_hat[1] = odd;
    // Geyer's initial positive sequence: sum autocorrelation pairs while they stay positive.
    let mut t = 1;
    while t + 3 < n && even + odd > 0.0 {
        even = rho(t + 1);
        odd = rho(t + 2);
        if even + odd >= 0.0 {
            rho_hat[t + 1] = even;
            rho_hat[t + 2] = odd;
        }
        t += 2;
    }
    // `max_t` is −1 when the loop never ran (chains of ≤ 4 draws); ArviZ's slicing then sums
    // nothing below it and takes `rho_hat[0]` as the tail term, which this mirrors.
    let max_t = t as isize - 2;
    let first_after = (max_t + 1) as usize;
    if even > 0.0 {
        rho_hat[first_after] = even;
    }
    // Initial monotone sequence: pair sums may not increase.
    let mut t = 1;
    while (t + 2) as isize <= max_t {
        if rho_hat[t + 1] + rho_hat[t + 2] > rho_hat[t - 1] + rho_hat[t] {
            let v = (rho_hat[t - 1] + rho_hat[t]) / 2.0;
            rho_hat[t + 1] = v;
            rho_hat[t + 2] = v;
        }
        t += 2;
    }
    let tau = -1.0 + 2.0 * rho_hat[..first_after].iter().sum::<f64>() + rho_hat[first_after];
    let tau = tau.max(1.0 / total.log10());
    total / tau
}

/// Acceptance and self-loop rates of a chain's steps.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct StepRates {
    pub steps: u64,
    /// Fraction of proposals that were accepted.
    pub acceptance: f64,
    /// Fraction of steps where the chain stayed on the same plan (rejections plus accepted
    /// proposals that left the plan unchanged). ReCom samples count repeats this way.
    pub self_loop: f64,
}

impl StepRates {
    /// From counts; zero steps gives NaN rates.
    pub fn from_counts(steps: u64, accepted: u64, unchanged: u64) -> Self {
        let s = steps as f64;
        StepRates { steps, acceptance: accepted as f64 / s, self_loop: unchanged as f64 / s }
    }

    /// From a recorded statistic sequence: the fraction of consecutive draws that are equal is
    /// a lower bound on the self-loop rate when only some statistics are recorded.
    pub fn repeat_fraction(draws: &[f64]) -> f64 {
        if draws.len() < 2 {
            return f64::NAN;
        }
        draws.windows(2).filter(|w| w[0] == w[1]).count() as f64 / (draws.len() - 1) as f64
    }
}

/// Splits every chain into its first and last `⌊n/2⌋` draws.
fn split_chains(chains: &[Vec<f64>]) -> Vec<Vec<f64>> {
    let half = chains[0].len() / 2;
    let mut out = Vec::with_capacity(2 * chains.len());
    for c in chains {
        out.push(c[..half].to_vec());
    }
    for c in chains {
        out.push(c[c.len() - half..].to_vec());
    }
    out
}

/// Rank-normalises all draws jointly (average ranks for ties, Blom offsets).
fn z_scale(chains: &[Vec<f64>]) -> Vec<Vec<f64>> {
    let flat: Vec<f64> = chains.iter().flatten().copied().collect();
    let s = flat.len();
    let mut order: Vec<usize> = (0..s).collect();
    order.sort_by(|&a, &b| flat[a].total_cmp(&flat[b]));
    let mut rank = vec![0.0; s];
    let mut i = 0;
    while i < s {
        let mut j = i + 1;
        while j < s && flat[order[j]] == flat[order[i]] {
            j += 1;
        }
        // Ranks are 1-based; tied positions i..j share the mean of ranks i+1..=j.
        let avg = (i + 1 + j) as f64 / 2.0;
        for &k in &order[i..j] {
            rank[k] = avg;
        }
        i = j;
    }
    let denom = s as f64 + 0.25;
    let mut it = rank.into_iter().map(|r| crate::stats::normal_quantile((r - 0.375) / denom));
    chains.iter().map(|c| c.iter().map(|_| it.next().expect("same length")).collect()).collect()
}

/// Biased (divide by n) autocovariance at every lag, by FFT in O(n log n) so long chains stay
/// cheap even when the autocorrelation decays slowly.
fn autocovariance(x: &[f64]) -> Vec<f64> {
    let n = x.len();
    let mu = mean(x);
    let size = (2 * n).next_power_of_two();
    let mut re: Vec<f64> = x.iter().map(|v| v - mu).chain(std::iter::repeat(0.0)).take(size).collect();
    let mut im = vec![0.0; size];
    fft(&mut re, &mut im, false);
    for k in 0..size {
        re[k] = re[k] * re[k] + im[k] * im[k];
        im[k] = 0.0;
    }
    fft(&mut re, &mut im, true);
    re.truncate(n);
    for v in &mut re {
        *v /= n as f64;
    }
    re
}

/// In-place iterative radix-2 FFT (length a power of two). `inverse` includes the 1/n scale.
fn fft(re: &mut [f64], im: &mut [f64], inverse: bool) {
    let n = re.len();
    let mut j = 0;
    for i in 1..n {
        let mut bit = n >> 1;
        while j & bit != 0 {
            j ^= bit;
            bit >>= 1;
        }
        j |= bit;
        if i < j {
            re.swap(i, j);
            im.swap(i, j);
        }
    }
    let mut len = 2;
    while len <= n {
        let ang = 2.0 * std::f64::consts::PI / len as f64 * if inverse { 1.0 } else { -1.0 };
        for start in (0..n).step_by(len) {
            for k in 0..len / 2 {
                // Twiddles from sin/cos of each angle (not a running product) to keep
                // round-off at the 1e-15 level for long chains.
                let (s, c) = (ang * k as f64).sin_cos();
                let (a, b) = (start + k, start + k + len / 2);
                let tr = re[b] * c - im[b] * s;
                let ti = re[b] * s + im[b] * c;
                re[b] = re[a] - tr;
                im[b] = im[a] - ti;
                re[a] += tr;
                im[a] += ti;
            }
        }
        len <<= 1;
    }
    if inverse {
        for k in 0..n {
            re[k] /= n as f64;
            im[k] /= n as f64;
        }
    }
}

fn mean(x: &[f64]) -> f64 {
    x.iter().sum::<f64>() / x.len() as f64
}

/// Sample variance (n − 1 denominator).
fn var_with_mean(x: &[f64], mu: f64) -> f64 {
    x.iter().map(|v| (v - mu) * (v - mu)).sum::<f64>() / (x.len() as f64 - 1.0)
}

fn check_chains(chains: &[Vec<f64>]) -> Result<usize, MetricsError> {
    let first = chains.first().ok_or(MetricsError::Empty("chains"))?;
    let n = first.len();
    if n < 4 {
        return Err(MetricsError::TooFewDraws { draws: n, needed: 4 });
    }
    for c in chains {
        if c.len() != n {
            return Err(MetricsError::LengthMismatch { what: "chain draws", expected: n, found: c.len() });
        }
        if c.iter().any(|x| !x.is_finite()) {
            return Err(MetricsError::Malformed("a chain contains a non-finite draw"));
        }
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A small deterministic generator (SplitMix64) so the tests need no RNG crate.
    struct SplitMix(u64);
    impl SplitMix {
        fn next_u64(&mut self) -> u64 {
            self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        }
        fn uniform(&mut self) -> f64 {
            ((self.next_u64() >> 11) as f64 + 0.5) / (1u64 << 53) as f64
        }
        fn normal(&mut self) -> f64 {
            crate::stats::normal_quantile(self.uniform())
        }
    }

    fn iid(chains: usize, n: usize, seed: u64) -> Vec<Vec<f64>> {
        let mut g = SplitMix(seed);
        (0..chains).map(|_| (0..n).map(|_| g.normal()).collect()).collect()
    }

    #[test]
    fn fft_autocovariance_matches_direct_sum() {
        let x = iid(1, 300, 7).remove(0);
        let ac = autocovariance(&x);
        let mu = mean(&x);
        for t in [0usize, 1, 2, 17, 299] {
            let direct: f64 = (0..x.len() - t).map(|i| (x[i] - mu) * (x[i + t] - mu)).sum::<f64>() / 300.0;
            assert!((ac[t] - direct).abs() < 1e-12, "lag {t}: {} vs {direct}", ac[t]);
        }
    }

    #[test]
    fn iid_draws_mix() {
        let chains = iid(4, 1000, 42);
        let c = convergence(&chains).unwrap();
        assert!((c.rhat - 1.0).abs() < 0.01, "{c:?}");
        // ESS of iid draws is about the number of draws (4,000); sampling noise is ~ ±10 %.
        assert!(c.ess_bulk > 3400.0 && c.ess_bulk < 4800.0, "{c:?}");
        assert!(c.ess_tail > 3000.0 && c.ess_tail < 4800.0, "{c:?}");
        assert_eq!(c.verdict(), MixingVerdict::Mixed);
    }

    #[test]
    fn stuck_chains_do_not_mix() {
        // Four chains each exploring its own mode.
        let mut chains = iid(4, 500, 3);
        for (i, c) in chains.iter_mut().enumerate() {
            for x in c.iter_mut() {
                *x += 5.0 * i as f64;
            }
        }
        let c = convergence(&chains).unwrap();
        assert!(c.rhat > 2.0, "{c:?}");
        assert_eq!(c.verdict(), MixingVerdict::NotMixed);
    }

    #[test]
    fn autocorrelated_chain_has_small_ess() {
        // AR(1) with φ = 0.9: τ = (1 + φ)/(1 − φ) = 19, so ESS ≈ 4 × 5000 / 19 ≈ 1050.
        let mut g = SplitMix(11);
        let chains: Vec<Vec<f64>> = (0..4)
            .map(|_| {
                let mut x = 0.0;
                (0..5000)
                    .map(|_| {
                        x = 0.9 * x + (1.0f64 - 0.81).sqrt() * g.normal();
                        x
                    })
                    .collect()
            })
            .collect();
        let e = ess_bulk(&chains).unwrap();
        assert!(e > 750.0 && e < 1400.0, "{e}");
    }

    #[test]
    fn single_chain_and_bad_input() {
        let c = convergence(&iid(1, 100, 1)).unwrap();
        assert!(c.rhat.is_nan());
        assert_eq!(c.verdict(), MixingVerdict::SingleChain);
        assert!(convergence(&[]).is_err());
        assert!(convergence(&[vec![1.0, 2.0, 3.0]]).is_err());
        assert!(convergence(&[vec![1.0; 5], vec![1.0; 6]]).is_err());
        // Very short chains (2 draws per split half) follow ArviZ's conventions without panicking.
        let short = convergence(&[vec![0.1, 0.5, 0.2, 0.9], vec![1.0, 0.3, 0.7, 0.4]]).unwrap();
        assert!(short.ess_bulk.is_finite() && short.rhat.is_finite(), "{short:?}");
        // Constant chains: ESS is the draw count, and the verdict says so.
        let c = convergence(&[vec![2.0; 10], vec![2.0; 10]]).unwrap();
        assert_eq!(c.verdict(), MixingVerdict::Constant);
        assert_eq!(ess(&[vec![2.0; 10], vec![2.0; 10]]), 20.0);
    }

    #[test]
    fn run_rhat_detects_disagreeing_runs() {
        let runs = iid(4, 500, 9);
        assert!((rank_rhat_runs(&runs).unwrap() - 1.0).abs() < 0.01);
        let mut shifted = runs.clone();
        for x in shifted[0].iter_mut() {
            *x += 1.0;
        }
        assert!(rank_rhat_runs(&shifted).unwrap() > 1.05);
        assert!(rank_rhat_runs(&runs[..1]).unwrap().is_nan());
    }

    #[test]
    fn step_rates() {
        let r = StepRates::from_counts(10, 4, 7);
        assert_eq!((r.acceptance, r.self_loop), (0.4, 0.7));
        assert_eq!(StepRates::repeat_fraction(&[1.0, 1.0, 2.0, 2.0, 2.0]), 0.75);
    }
}
