//! Partisan metrics of one plan under one two-party election.
//!
//! Everything here starts from [`ElectionResults`]: the Democratic and Republican vote totals of
//! each district (district order does not matter to any metric). Construction validates the
//! input once, so every metric is an infallible function of a well-formed result.
//!
//! # Sign convention (one for the whole crate)
//!
//! **Every signed partisan metric is positive when the plan favours the Democratic party** and
//! negative when it favours the Republican party. Vote shares are Democratic shares of the
//! two-party vote, `dem / (dem + rep)`.
//!
//! Peers differ:
//! * GerryChain (`gerrychain.metrics.partisan`) signs each metric towards the *first* party of
//!   the `Election`. With the Democratic column listed first its efficiency gap, mean-median and
//!   `partisan_bias` carry redraw's sign; listed second, they are negated.
//! * redist / redistmetrics (`part_egap`, `part_mean_median`, `part_bias`) are signed so that
//!   positive favours Republicans: their values are the negation of redraw's (up to the
//!   tie and rounding details noted on each function).
//! * Warrington's declination (his published code, Democratic vote shares as input) is positive
//!   when Republicans are favoured: redraw's is his value negated. redistmetrics' declination
//!   halves Warrington's tangent arguments; redraw keeps that variant only under its own name,
//!   [`ElectionResults::declination_redistmetrics`].
//!
//! # Ties: one rule everywhere
//!
//! **A district is won by the party with strictly more votes; a district with exactly equal
//! totals is won by neither party.** This is the rule of `stats.csv` (`NAME_dem_seats`, see
//! `docs/run-format.md`), so a plan has one seat count whether it is read from a run or
//! recomputed here, and it is GerryChain's rule. Every metric follows it:
//! * seats: a tie counts 0 for each party (so Democratic and Republican seats need not add up
//!   to the districts);
//! * uniform-swing seat counts (partisan bias, the statewide bias, responsiveness): a district
//!   is won when its swung share is strictly above 1/2, so a share exactly on a threshold counts
//!   0;
//! * efficiency gap: a tie has no winner, so neither party's votes there are surplus of a
//!   winner; it adds the same waste to both parties (half of each party's votes, the average of
//!   the two ways the tie can be broken) and so nothing to the gap;
//! * declination: a tied district belongs to neither side and is left out (Warrington's code
//!   counts it as a Republican win, redistmetrics as a Democratic one).
//!
//! Peers differ (each pinned by a test in `tests/original_definitions.rs`):
//! * GerryChain: seats, partisan bias and mean-median follow the same rule; its efficiency gap
//!   gives a tie to the *second* party listed (the Republican, with the Democratic column
//!   first), and it has no declination.
//! * redistmetrics: a tie is a Democratic seat (`dseats`: `dem >= rep`); its efficiency gap
//!   treats a tie as a Republican win with `floor(total / 2) + 1` votes needed to win (so the
//!   Republican "wastes" −1 vote there); its declination counts a tie as a Democratic win; its
//!   swung seat counts (`part_bias`, `part_resp`) need a share strictly above 1/2, as here.
//! * Warrington's code counts a district at exactly 1/2 as a Republican win.
//!
//! With real vote counts exact ties are vanishingly rare; the tests construct them on purpose.
//! `docs/metrics.md` has the audit of every metric against its original paper.

use crate::MetricsError;

/// Per-district two-party vote totals of one plan under one election.
#[derive(Clone, Debug, PartialEq)]
pub struct ElectionResults {
    dem: Vec<f64>,
    rep: Vec<f64>,
}

impl ElectionResults {
    /// Validates and stores per-district totals. Votes must be finite and non-negative, both
    /// vectors the same non-zero length, and every district must have at least one vote (a
    /// district without votes has no vote share; it is an input error, not a zero).
    pub fn new(dem: Vec<f64>, rep: Vec<f64>) -> Result<Self, MetricsError> {
        if dem.len() != rep.len() {
            return Err(MetricsError::LengthMismatch {
                what: "Republican votes",
                expected: dem.len(),
                found: rep.len(),
            });
        }
        if dem.is_empty() {
            return Err(MetricsError::Empty("districts"));
        }
        for (i, (&d, &r)) in dem.iter().zip(&rep).enumerate() {
            if !(d.is_finite() && r.is_finite() && d >= 0.0 && r >= 0.0) {
                return Err(MetricsError::InvalidVotes { district: i, dem: d, rep: r });
            }
            if d + r <= 0.0 {
                return Err(MetricsError::NoVotes { district: i });
            }
        }
        // Every metric divides by vote totals: a total beyond f64's range would turn them into
        // NaN. No real tally comes near (counts are capped at 2^53 by the graph readers).
        if !(dem.iter().sum::<f64>() + rep.iter().sum::<f64>()).is_finite() {
            return Err(MetricsError::Malformed("the votes add up to more than a 64-bit float can hold"));
        }
        Ok(ElectionResults { dem, rep })
    }

    /// Convenience for integer tallies (the usual case: summed precinct votes).
    pub fn from_counts(dem: &[u64], rep: &[u64]) -> Result<Self, MetricsError> {
        Self::new(dem.iter().map(|&v| v as f64).collect(), rep.iter().map(|&v| v as f64).collect())
    }

    pub fn districts(&self) -> usize {
        self.dem.len()
    }
    pub fn dem_votes(&self) -> &[f64] {
        &self.dem
    }
    pub fn rep_votes(&self) -> &[f64] {
        &self.rep
    }

    /// Democratic two-party share of each district, in district order.
    pub fn dem_shares(&self) -> Vec<f64> {
        self.dem.iter().zip(&self.rep).map(|(d, r)| d / (d + r)).collect()
    }

    /// Statewide Democratic two-party share: total Democratic votes over total two-party votes
    /// (vote-weighted, unlike [`mean_dem_share`](Self::mean_dem_share)).
    pub fn statewide_dem_share(&self) -> f64 {
        let d: f64 = self.dem.iter().sum();
        let r: f64 = self.rep.iter().sum();
        d / (d + r)
    }

    /// Unweighted mean of the district Democratic shares (the "average district vote" that
    /// Katz–King–Rosenblatt and redistmetrics swing uniformly).
    pub fn mean_dem_share(&self) -> f64 {
        let s = self.dem_shares();
        s.iter().sum::<f64>() / s.len() as f64
    }

    /// Democratic seats: districts where the Democrat has strictly more votes. A tied district
    /// is won by neither party (module docs, "Ties"): it counts 0 here and 0 in
    /// [`rep_seats`](Self::rep_seats), exactly as `NAME_dem_seats` in a run's `stats.csv`.
    pub fn dem_seats(&self) -> f64 {
        self.dem.iter().zip(&self.rep).filter(|(d, r)| d > r).count() as f64
    }

    /// Republican seats: districts where the Republican has strictly more votes.
    pub fn rep_seats(&self) -> f64 {
        self.dem.iter().zip(&self.rep).filter(|(d, r)| r > d).count() as f64
    }

    /// Districts with exactly equal Democratic and Republican totals (won by neither party).
    pub fn tied_districts(&self) -> usize {
        self.dem.iter().zip(&self.rep).filter(|(d, r)| d == r).count()
    }

    /// Wasted votes `(dem, rep)` summed over districts. The loser wastes every vote; the winner
    /// wastes the votes beyond half the district total (GerryChain's `wasted_votes`, which uses
    /// the exact half; redistmetrics uses `floor(total / 2) + 1` votes to win, a difference of
    /// at most one vote per district). A tie has no winner: each party wastes half its votes
    /// (the average of the two ways the tie can be broken), the same number for both, so a tie
    /// adds nothing to the efficiency gap. (GerryChain treats a tie as a win of the second
    /// party listed, which moves its efficiency gap by `tied votes / 2 / total`.)
    pub fn wasted_votes(&self) -> (f64, f64) {
        let (mut wd, mut wr) = (0.0, 0.0);
        for (&d, &r) in self.dem.iter().zip(&self.rep) {
            let half = (d + r) / 2.0;
            if d > r {
                wd += d - half;
                wr += r;
            } else if r > d {
                wd += d;
                wr += r - half;
            } else {
                wd += half / 2.0;
                wr += half / 2.0;
            }
        }
        (wd, wr)
    }

    /// Efficiency gap (Stephanopoulos & McGhee 2015, "Partisan Gerrymandering and the
    /// Efficiency Gap", 82 U. Chi. L. Rev. 831): `(wasted_rep − wasted_dem) / total votes`.
    /// Stephanopoulos and McGhee write `(W_D − W_R) / n` and read a positive gap as a plan that
    /// disadvantages Democrats; redraw's is that value negated, so **positive favours
    /// Democrats** (Republicans waste more votes). Equals GerryChain's
    /// `efficiency_gap` with the Democratic party listed first; redistmetrics' `part_egap` is
    /// the negation (and rounds the winning threshold, see [`wasted_votes`](Self::wasted_votes)).
    pub fn efficiency_gap(&self) -> f64 {
        let (wd, wr) = self.wasted_votes();
        let total: f64 = self.dem.iter().sum::<f64>() + self.rep.iter().sum::<f64>();
        (wr - wd) / total
    }

    /// Mean-median difference (McDonald & Best 2015, "Unfair Partisan Gerrymanders in
    /// Politics and Law", Election Law J. 14(4); Wang 2016, Stanford L. Rev. 68):
    /// `median(dem shares) − mean(dem shares)` over districts (median
    /// of an even count = mean of the two middle values). **Positive favours Democrats**: the
    /// median district is more Democratic than the average one, so the Democrat needs less than
    /// half the average vote to win half the seats. Equals GerryChain's `mean_median` with the
    /// Democratic party first; redistmetrics' `part_mean_median` (mean − median) is the negation.
    pub fn mean_median(&self) -> f64 {
        let mut s = self.dem_shares();
        let mean = s.iter().sum::<f64>() / s.len() as f64;
        median_in_place(&mut s) - mean
    }

    /// Democratic seat *share* when the statewide Democratic share is moved to `v` by uniform
    /// swing from the observed statewide share `V`: each district's share moves by `v − V`, and
    /// a district is won when its swung share is strictly above one half (exactly one half: won
    /// by neither party, module docs "Ties").
    pub fn seat_share_at(&self, v: f64) -> f64 {
        self.seat_share_swung(self.statewide_dem_share(), v)
    }

    /// Seat share after swinging from `base` (the share the swing is measured from) to `v`.
    /// A district with share `s` is won iff `s − base + v > 1/2`; comparing `s` with
    /// `base + 1/2 − v` keeps a district whose share equals the threshold exactly a tie (won by
    /// neither party), rather than letting rounding decide.
    fn seat_share_swung(&self, base: f64, v: f64) -> f64 {
        let threshold = base + 0.5 - v;
        let n = self.districts() as f64;
        self.dem_shares().iter().filter(|&&s| s > threshold).count() as f64 / n
    }

    /// Partisan bias at 50 % (Gelman & King 1994, "A Unified Method of Evaluating Electoral
    /// Systems and Redistricting Plans", AJPS 38(2); Grofman & King 2007, "The Future of Partisan
    /// Symmetry as a Judicial Test for Partisan Gerrymandering after LULAC v. Perry", Election
    /// Law J. 6(1); Katz, King & Rosenblatt 2020, APSR 114(1)), under uniform partisan swing:
    /// the authors' seats-votes curve is a function of the **average district vote** (the
    /// unweighted mean of the district shares, not the vote-weighted statewide share), and the
    /// bias is the Democratic seat share minus one half when that average is moved to exactly
    /// 50 %: the share of districts whose Democratic share is strictly above the mean district
    /// share, minus one half. **Positive favours Democrats.** Ranges over [−1/2, 1/2].
    ///
    /// Equals GerryChain's `partisan_bias` (Democratic party first) and the negation of
    /// redistmetrics' `part_bias(v = 0.5)`. A district exactly at the mean share is won by
    /// neither party (module docs, "Ties"), as in both. Until 2025 redraw returned
    /// [`statewide_bias`](Self::statewide_bias) under this name, which differs when turnout
    /// differs between districts.
    pub fn partisan_bias(&self) -> f64 {
        self.seat_share_swung(self.mean_dem_share(), 0.5) - 0.5
    }

    /// The same value as [`partisan_bias`](Self::partisan_bias), under the name earlier reports
    /// used for it (the bias at a 50 % *mean district* vote). Kept so that callers of that name
    /// keep working; new code should call `partisan_bias`.
    pub fn mean_share_bias(&self) -> f64 {
        self.partisan_bias()
    }

    /// A variant of the partisan bias that swings the **statewide (vote-weighted)** Democratic
    /// share, rather than the average district share, to exactly 50 %: the Democratic seat share
    /// then, minus one half. **Positive favours Democrats.** It is the "tied statewide election"
    /// some public tools describe; it differs from [`partisan_bias`](Self::partisan_bias) only
    /// when turnout differs between districts (then the two averages differ). Reports show it
    /// under its own name, `statewide_bias`.
    pub fn statewide_bias(&self) -> f64 {
        self.seat_share_at(0.5) - 0.5
    }

    /// Partisan Gini (Grofman 1983, "Measures of Bias and Proportionality in Seats-Votes
    /// Relationships", Political Methodology 9; in the form of Definition 1 of DeFord, Dhamankar,
    /// Duchin et al., "Implementing Partisan Symmetry: Problems and Paradoxes", arXiv:2008.06930,
    /// as GerryChain's `partisan_gini`): the area between the uniform-swing
    /// seats-votes curve and its reflection through (1/2, 1/2), divided by the number of
    /// districts. **Unsigned**: 0 is a perfectly symmetric curve; it does not say which party
    /// is favoured. The i-th district (by decreasing Democratic share `r_i`) flips at statewide
    /// share `V − r_i + 1/2`.
    pub fn partisan_gini(&self) -> f64 {
        let v = self.statewide_dem_share();
        let mut r = self.dem_shares();
        r.sort_by(|a, b| b.total_cmp(a));
        let sv: Vec<f64> = r.iter().map(|ri| v - ri + 0.5).collect();
        let n = sv.len();
        // Reflection about (1/2, 1/2) maps the i-th flip point to 1 − sv[n−1−i].
        let area: f64 = (0..n).map(|i| (sv[i] - (1.0 - sv[n - 1 - i])).abs()).sum();
        area / n as f64
    }

    /// Declination (Warrington 2018, "Quantifying Gerrymandering Using the Vote
    /// Distribution", Election Law J. 17(1), 39–57), scaled to [−1, 1] by `2/π`.
    ///
    /// Sort the districts by Democratic share and place district `i` of `N` at `x = (i − 1/2)/N`.
    /// The Republican-won districts (`r` of them, mean share `ȳ_R`) then have their centre of
    /// mass at `(r/2N, ȳ_R)` and the Democratic-won ones (`d`, mean `ȳ_D`) at
    /// `(1 − d/2N, ȳ_D)`; both are joined to the point `(r/N, 1/2)` where the parties meet. The
    /// angles of those lines with the horizontal are
    /// `θ_R = atan((1 − 2ȳ_R) / (r/N))` and `θ_D = atan((2ȳ_D − 1) / (d/N))`, and Warrington's
    /// declination is `δ = 2(θ_D − θ_R)/π`, positive when the plan favours **Republicans**
    /// (Democratic wins are more lopsided than Republican ones: Democrats packed). redraw
    /// returns `2(θ_R − θ_D)/π = −δ`, **positive favours Democrats**, like every signed metric
    /// here. Example: shares (0.3, 0.3, 0.7) give δ = +0.2137 in Warrington's sign, −0.2137
    /// here.
    ///
    /// `None` when one party wins every district (the angle is undefined). A district tied at
    /// exactly 1/2 is won by neither party and is left out, `N` included (module docs, "Ties").
    /// For the variant redistmetrics computes, see
    /// [`declination_redistmetrics`](Self::declination_redistmetrics).
    pub fn declination(&self) -> Option<f64> {
        let (theta_d, theta_r) = self.declination_angles(2.0)?;
        Some(2.0 * (theta_r - theta_d) / std::f64::consts::PI)
    }

    /// The declination as redistmetrics computes it (`part_decl`, C++ `declination_angle`),
    /// negated to redraw's sign: the same construction as [`declination`](Self::declination)
    /// but with the tangent arguments halved, `θ_D = atan((ȳ_D − 1/2) / (d/N))` and
    /// `θ_R = atan((1/2 − ȳ_R) / (r/N))`, i.e. the angles to the centres of mass measured from
    /// `(r/N, 1/2)` with the horizontal distances doubled. Its values are 30–45 % smaller in
    /// size than Warrington's: (0.3, 0.3, 0.7) gives −0.1585 against −0.2137. Kept only for
    /// comparison with studies made with redist; reports use [`declination`](Self::declination).
    /// Ties as in `declination` (redistmetrics itself counts a tie as a Democratic win).
    pub fn declination_redistmetrics(&self) -> Option<f64> {
        let (theta_d, theta_r) = self.declination_angles(1.0)?;
        Some(2.0 * (theta_r - theta_d) / std::f64::consts::PI)
    }

    /// `(θ_D, θ_R)` with tangent arguments `scale · (ȳ_D − 1/2) / (d/N)` and
    /// `scale · (1/2 − ȳ_R) / (r/N)`; `None` unless both parties win a district.
    fn declination_angles(&self, scale: f64) -> Option<(f64, f64)> {
        let (mut sd, mut nd, mut sr, mut nr) = (0.0, 0usize, 0.0, 0usize);
        for (&d, &r) in self.dem.iter().zip(&self.rep) {
            let s = d / (d + r);
            if d > r {
                sd += s;
                nd += 1;
            } else if r > d {
                sr += s;
                nr += 1;
            }
        }
        if nd == 0 || nr == 0 {
            return None;
        }
        let n = (nd + nr) as f64;
        let theta_d = (scale * (sd / nd as f64 - 0.5) / (nd as f64 / n)).atan();
        let theta_r = (scale * (0.5 - sr / nr as f64) / (nr as f64 / n)).atan();
        Some((theta_d, theta_r))
    }

    /// Responsiveness (Tufte 1973, "The Relationship between Seats and Votes in Two-Party
    /// Systems", APSR 67(2); as a local slope, Katz, King & Rosenblatt 2020): slope of the
    /// uniform-swing seats-votes curve (seat share per unit of
    /// statewide vote share) around the observed statewide share `V`, estimated as
    /// `(S(V + h/2) − S(V − h/2)) / h`. `bandwidth` `h` is typically 0.01 (redistmetrics'
    /// default). **Unsigned** in the partisan sense: it measures competitiveness, not advantage.
    /// redistmetrics' `part_resp` evaluates the same quotient at a chosen `v` (default 0.5)
    /// around the mean district share instead.
    pub fn responsiveness(&self, bandwidth: f64) -> f64 {
        let v = self.statewide_dem_share();
        (self.seat_share_at(v + bandwidth / 2.0) - self.seat_share_at(v - bandwidth / 2.0)) / bandwidth
    }

    /// Every metric of this module at once, in the shape reports use.
    pub fn summary(&self) -> PartisanSummary {
        PartisanSummary {
            districts: self.districts(),
            statewide_dem_share: self.statewide_dem_share(),
            dem_seats: self.dem_seats(),
            efficiency_gap: self.efficiency_gap(),
            mean_median: self.mean_median(),
            partisan_bias: self.partisan_bias(),
            statewide_bias: self.statewide_bias(),
            partisan_gini: self.partisan_gini(),
            declination: self.declination(),
            responsiveness: self.responsiveness(DEFAULT_RESPONSIVENESS_BANDWIDTH),
        }
    }
}

/// The bandwidth [`ElectionResults::summary`] uses for responsiveness (one point of vote share).
pub const DEFAULT_RESPONSIVENESS_BANDWIDTH: f64 = 0.01;

/// All partisan metrics of one plan under one election (see each method of
/// [`ElectionResults`] for definitions; signed values are positive when Democrats are favoured).
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct PartisanSummary {
    pub districts: usize,
    pub statewide_dem_share: f64,
    pub dem_seats: f64,
    pub efficiency_gap: f64,
    pub mean_median: f64,
    /// Gelman–King partisan bias (average district vote swung to 50 %).
    pub partisan_bias: f64,
    /// The variant swinging the statewide vote-weighted share to 50 %.
    pub statewide_bias: f64,
    pub partisan_gini: f64,
    pub declination: Option<f64>,
    pub responsiveness: f64,
}

/// Median of a non-empty slice (reorders it). Even length: mean of the two middle values.
pub(crate) fn median_in_place(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn er(dem: &[f64], rep: &[f64]) -> ElectionResults {
        ElectionResults::new(dem.to_vec(), rep.to_vec()).unwrap()
    }

    /// Five districts of 100 votes; Democrats pack two (80, 75) and narrowly lose three
    /// (45, 40, 35): 55 % of the vote, two of five seats.
    fn packed() -> ElectionResults {
        er(&[80.0, 75.0, 45.0, 40.0, 35.0], &[20.0, 25.0, 55.0, 60.0, 65.0])
    }

    #[test]
    fn rejects_bad_input() {
        assert!(matches!(
            ElectionResults::new(vec![1.0], vec![1.0, 2.0]),
            Err(MetricsError::LengthMismatch { .. })
        ));
        assert!(matches!(ElectionResults::new(vec![], vec![]), Err(MetricsError::Empty(_))));
        assert!(matches!(
            ElectionResults::new(vec![1.0, 0.0], vec![1.0, 0.0]),
            Err(MetricsError::NoVotes { district: 1 })
        ));
        assert!(matches!(
            ElectionResults::new(vec![-1.0], vec![3.0]),
            Err(MetricsError::InvalidVotes { district: 0, .. })
        ));
        assert!(ElectionResults::new(vec![f64::NAN], vec![3.0]).is_err());
    }

    #[test]
    fn shares_and_seats() {
        let e = packed();
        assert_eq!(e.dem_shares(), vec![0.8, 0.75, 0.45, 0.4, 0.35]);
        assert!((e.statewide_dem_share() - 0.55).abs() < 1e-15);
        assert_eq!(e.dem_seats(), 2.0);
        // A tie is won by neither party (the stats.csv rule): 1 Democratic seat, 0 Republican.
        let t = er(&[50.0, 60.0], &[50.0, 40.0]);
        assert_eq!((t.dem_seats(), t.rep_seats(), t.tied_districts()), (1.0, 0.0, 1));
    }

    #[test]
    fn efficiency_gap_by_hand() {
        // Wasted: D = 30 + 25 + 45 + 40 + 35 = 175; R = 20 + 25 + 5 + 10 + 15 = 75.
        let e = packed();
        assert_eq!(e.wasted_votes(), (175.0, 75.0));
        assert!((e.efficiency_gap() - (75.0 - 175.0) / 500.0).abs() < 1e-15);
        assert!(e.efficiency_gap() < 0.0, "packing Democrats favours Republicans");
        // Mirror image: swapping parties flips the sign exactly.
        let m = er(&[20.0, 25.0, 55.0, 60.0, 65.0], &[80.0, 75.0, 45.0, 40.0, 35.0]);
        assert!((m.efficiency_gap() + e.efficiency_gap()).abs() < 1e-15);
        // Unequal turnout: (75, 25) wastes D 25, R 25; (20, 180) wastes D 20, R 80.
        // EG = (105 − 45) / 300.
        let t = er(&[75.0, 20.0], &[25.0, 180.0]);
        assert!((t.efficiency_gap() - 60.0 / 300.0).abs() < 1e-15);
        // Tie: each wastes a quarter of the district, so no contribution.
        assert_eq!(er(&[50.0], &[50.0]).efficiency_gap(), 0.0);
    }

    #[test]
    fn mean_median_by_hand() {
        // Shares 0.8, 0.75, 0.45, 0.4, 0.35: median 0.45, mean 0.55.
        let e = packed();
        assert!((e.mean_median() - (0.45 - 0.55)).abs() < 1e-12);
        // Even count: median of 0.3, 0.4, 0.6, 0.9 is 0.5; mean 0.55.
        let f = er(&[30.0, 40.0, 60.0, 90.0], &[70.0, 60.0, 40.0, 10.0]);
        assert!((f.mean_median() - (0.5 - 0.55)).abs() < 1e-12);
    }

    #[test]
    fn bias_by_hand() {
        // Mean share 0.55; swing −0.05: shares 0.75, 0.70, 0.40, 0.35, 0.30 → 2/5 seats.
        let e = packed();
        assert!((e.partisan_bias() - (0.4 - 0.5)).abs() < 1e-12);
        // Statewide share 0.55 equals the mean here (equal turnout), so both biases agree.
        assert!((e.statewide_bias() - e.partisan_bias()).abs() < 1e-12);
        assert_eq!(e.mean_share_bias(), e.partisan_bias());
        // Unequal turnout separates them: shares 0.9 (1,000 votes), 0.6, 0.6, 0.2 (100 each).
        let u = er(&[900.0, 60.0, 60.0, 20.0], &[100.0, 40.0, 40.0, 80.0]);
        // Mean district share = 2.3 / 4 = 0.575: three districts are above it → 3/4
        // (Gelman–King's average district vote).
        assert!((u.partisan_bias() - (0.75 - 0.5)).abs() < 1e-12);
        // Statewide = 1040 / 1300 = 0.8: swung to 50 % only the 0.9 district is won → 1/4.
        assert!((u.statewide_bias() - (0.25 - 0.5)).abs() < 1e-12);
    }

    #[test]
    fn gini_by_hand() {
        // Shares sorted 0.8, 0.75, 0.45, 0.4, 0.35; V = 0.55; flip points V − r + 0.5:
        // 0.25, 0.30, 0.60, 0.65, 0.70. Reflection 1 − reversed: 0.30, 0.35, 0.40, 0.70, 0.75.
        // |diff| = 0.05, 0.05, 0.20, 0.05, 0.05 → 0.40 / 5 = 0.08.
        assert!((packed().partisan_gini() - 0.08).abs() < 1e-12);
        // A perfectly symmetric plan has Gini 0.
        let s = er(&[30.0, 40.0, 60.0, 70.0], &[70.0, 60.0, 40.0, 30.0]);
        assert!(s.partisan_gini().abs() < 1e-12);
    }

    #[test]
    fn declination_by_hand() {
        // D wins 0.8, 0.75 (ȳ_D = 0.775, d = 0.4); R wins 0.45, 0.4, 0.35 (ȳ_R = 0.4, r = 0.6).
        // Warrington: θ_D = atan((2ȳ_D − 1)/d), θ_R = atan((1 − 2ȳ_R)/r).
        let e = packed();
        let td = (0.55f64 / 0.4).atan();
        let tr = (0.2f64 / 0.6).atan();
        let want = 2.0 * (tr - td) / std::f64::consts::PI;
        assert!((e.declination().unwrap() - want).abs() < 1e-12);
        assert!(want < 0.0, "packed Democrats: favours Republicans, negative in redraw");
        // redistmetrics' variant halves the tangent arguments.
        let half = 2.0 * ((0.1f64 / 0.6).atan() - (0.275f64 / 0.4).atan()) / std::f64::consts::PI;
        assert!((e.declination_redistmetrics().unwrap() - half).abs() < 1e-12);
        // Sweep: undefined.
        assert_eq!(er(&[60.0, 70.0], &[40.0, 30.0]).declination(), None);
        // Symmetric plan: zero.
        let s = er(&[30.0, 40.0, 60.0, 70.0], &[70.0, 60.0, 40.0, 30.0]);
        assert!(s.declination().unwrap().abs() < 1e-12);
        // A tied district is left out of both sides (and of N).
        let t = er(&[30.0, 50.0, 70.0], &[70.0, 50.0, 30.0]);
        let u = er(&[30.0, 70.0], &[70.0, 30.0]);
        assert_eq!(t.declination(), u.declination());
    }

    /// Warrington's own example values: (0.3, 0.3, 0.7) has δ = 2(atan(1.2) − atan(0.6))/π =
    /// +0.2137 in his sign (his `get_declination` on Democratic shares), so −0.2137 in redraw's;
    /// redistmetrics' half-argument formula gives −0.1585.
    #[test]
    fn declination_matches_warrington_on_his_example() {
        let e = er(&[30.0, 30.0, 70.0], &[70.0, 70.0, 30.0]);
        let d = e.declination().unwrap();
        assert!((d - -0.213_674_137_507_347_6).abs() < 1e-12, "{d}");
        assert!((d + 2.0 * (1.2f64.atan() - 0.6f64.atan()) / std::f64::consts::PI).abs() < 1e-15);
        let r = e.declination_redistmetrics().unwrap();
        assert!((r - -0.158_494_581_089_776_7).abs() < 1e-12, "{r}");
    }

    #[test]
    fn responsiveness_by_hand() {
        // Shares 0.51, 0.7, 0.2 (equal turnout): V = 0.47. Window V ± 0.01 moves district 1
        // (0.51 − 0.47 + v > 0.5 iff v > 0.46): at 0.46 it sits exactly on the threshold
        // (won by neither party), at 0.48 it is won. S goes from 1/3 to 2/3: slope (1/3)/0.02.
        let e = er(&[51.0, 70.0, 20.0], &[49.0, 30.0, 80.0]);
        let r = e.responsiveness(0.02);
        assert!((r - (1.0 / 3.0) / 0.02).abs() < 1e-9, "{r}");
        // No district within reach: zero.
        assert_eq!(packed().responsiveness(0.01), 0.0);
    }

    #[test]
    fn summary_fields_match_methods() {
        let e = packed();
        let s = e.summary();
        assert_eq!(s.dem_seats, 2.0);
        assert_eq!(s.efficiency_gap, e.efficiency_gap());
        assert_eq!(s.declination, e.declination());
    }
}
