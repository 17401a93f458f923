//! Apportionment under arbitrary input (issue 8): regression tests for the hang in `margins`
//! (finding 5) and the floating-point tie (finding 15), and property tests: for any populations
//! and house size every method terminates, the seats sum to the house size, every state gets
//! its minimum, the methods satisfy the quota properties theory guarantees and agree where
//! theory says they must, and exact ties in every divisor method go to the larger population.

use std::sync::mpsc;
use std::time::Duration;

use proptest::prelude::*;
use redraw_core::apportion::{apportion, apportion_into, margins, ApportionError, MAX_POPULATION};
use redraw_core::{Dataset, Method};

const DIVISOR: [Method; 5] =
    [Method::HuntingtonHill, Method::Webster, Method::Jefferson, Method::Adams, Method::Dean];

/// Runs `f` on a thread and fails the test if it has not returned within `secs` seconds (the
/// bugs here were infinite loops, which must fail a test, not hang it).
fn within<T: Send + 'static>(secs: u64, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(Duration::from_secs(secs)).expect("did not terminate")
}

fn states_2020() -> Vec<u64> {
    Dataset::embedded()
        .states
        .iter()
        .filter(|s| !s.is_district())
        .map(|s| s.official(2020).unwrap().population)
        .collect()
}

/// Finding 5: `redraw apportion --house-size 51 --margins` never returned: the state holding
/// every seat beyond the others' minimums cannot gain one, and the search for its threshold
/// looped forever. Its margin is now "none".
#[test]
fn finding_5_margins_terminate_when_a_state_holds_every_spare_seat() {
    let pops = states_2020();
    for m in DIVISOR {
        let pops = pops.clone();
        let (app, marg) = within(20, move || {
            let app = apportion(&pops, 51, m).unwrap();
            let marg = margins(&pops, &app).unwrap();
            (app, marg)
        });
        let top = app.seats.iter().position(|&s| s == 2).unwrap();
        assert_eq!(marg[top].to_gain, None, "{m}: the state with the 51st seat cannot gain another");
        assert!(marg[top].can_lose.is_some());
        for (i, mg) in marg.iter().enumerate() {
            if i != top {
                assert!(mg.to_gain.is_some() && mg.can_lose.is_none(), "{m} state {i}: {mg:?}");
            }
        }
    }
    // Two states and a House of 3: the larger holds the only spare seat.
    for m in Method::ALL {
        let marg = within(20, move || margins(&[10, 20], &apportion(&[10, 20], 3, m).unwrap()).unwrap());
        assert_eq!(marg[1].to_gain, None, "{m}");
    }
}

/// Finding 15: populations 100000, 1000000, 10000 x 3 and a House of 30. Seat 30 is an exact
/// Huntington-Hill tie, 100000/sqrt(2*3) = 1000000/sqrt(24*25); the documented rule gives it to
/// the larger population. Floating point gave it to the smaller state.
#[test]
fn finding_15_an_exact_huntington_hill_tie_goes_to_the_larger_state() {
    let pops = [100_000, 1_000_000, 10_000, 10_000, 10_000];
    let app = apportion(&pops, 30, Method::HuntingtonHill).unwrap();
    assert_eq!(app.seats, vec![2, 25, 1, 1, 1]);
    let last = app.priority.last().unwrap();
    assert_eq!((last.seat, last.state, last.state_seat), (30, 1, 25));
    let mut fast = vec![0; 5];
    apportion_into(&pops, 30, Method::HuntingtonHill, &mut fast).unwrap();
    assert_eq!(fast, app.seats);
}

#[test]
fn populations_beyond_the_exact_range_are_refused() {
    assert!(matches!(
        apportion(&[MAX_POPULATION + 1, 5], 10, Method::Webster),
        Err(ApportionError::PopulationTooLarge { index: 0, .. })
    ));
    let app = apportion(&[MAX_POPULATION, MAX_POPULATION - 1, 1], 100_000, Method::HuntingtonHill).unwrap();
    assert_eq!(app.seats.iter().sum::<u32>(), 100_000);
}

/// Every divisor method's exact tie: two states whose priorities for their next seats are
/// equal as rationals, with a House that leaves exactly one seat for the two. Returns
/// `(larger state's population, smaller's, its seats before the tie, the other's)`.
fn exact_tie(m: Method, mult: u64, na: u32, nb: u32) -> Option<(u64, u64, u32, u32)> {
    let (na64, nb64) = (na as u64, nb as u64);
    // Priorities p/d(n) equal: p_a d(n_b) = p_b d(n_a), with d written as a fraction.
    let (pa, pb) = match m {
        Method::Webster => (2 * na64 + 1, 2 * nb64 + 1),
        Method::Jefferson => (na64 + 1, nb64 + 1),
        Method::Adams => (na64, nb64),
        Method::Dean => ((2 * nb64 + 1) * na64 * (na64 + 1), (2 * na64 + 1) * nb64 * (nb64 + 1)),
        Method::HuntingtonHill => {
            // p^2 / (n(n+1)) equal: needs n_a(n_a+1) n_b(n_b+1) to be a perfect square.
            let (da, db) = (na64 * (na64 + 1), nb64 * (nb64 + 1));
            let prod = da * db;
            let r = (prod as f64).sqrt().round() as u64;
            if r * r != prod {
                return None;
            }
            // p_a / p_b = sqrt(da / db) = da / r.
            (da, r)
        }
        Method::Hamilton => return None,
    };
    let g = gcd(pa, pb);
    let (pa, pb) = (pa / g * mult, pb / g * mult);
    if pa == pb || pa > MAX_POPULATION || pb > MAX_POPULATION {
        return None;
    }
    Some((pa, pb, na, nb))
}

fn gcd(a: u64, b: u64) -> u64 {
    if b == 0 {
        a
    } else {
        gcd(b, a % b)
    }
}

/// Pairs (n_a, n_b) with n_a(n_a+1) n_b(n_b+1) a perfect square, n below 3,000: the seat counts
/// at which Huntington-Hill priorities can tie exactly (e.g. 2 and 24: 6 * 600 = 60^2).
fn hh_tie_pairs() -> &'static [(u32, u32)] {
    static PAIRS: std::sync::OnceLock<Vec<(u32, u32)>> = std::sync::OnceLock::new();
    PAIRS.get_or_init(|| {
        // n(n+1) = s * k^2 with s square-free; two products multiply to a square iff their
        // square-free parts are equal.
        let squarefree = |mut x: u64| {
            let mut s = 1;
            let mut f = 2;
            while f * f <= x {
                let mut e = 0;
                while x % f == 0 {
                    x /= f;
                    e += 1;
                }
                if e % 2 == 1 {
                    s *= f;
                }
                f += 1;
            }
            s * x
        };
        let mut by_part: std::collections::HashMap<u64, Vec<u32>> = Default::default();
        for n in 1..3000u32 {
            by_part.entry(squarefree(n as u64 * (n as u64 + 1))).or_default().push(n);
        }
        let mut pairs = Vec::new();
        for ns in by_part.values() {
            for (i, &a) in ns.iter().enumerate() {
                for &b in &ns[i + 1..] {
                    pairs.push((a, b));
                }
            }
        }
        pairs.sort();
        pairs
    })
}

#[test]
fn huntington_hill_tie_pairs_exist() {
    assert!(hh_tie_pairs().contains(&(2, 24)));
    assert!(hh_tie_pairs().len() > 20, "{}", hh_tie_pairs().len());
}

fn check_apportionment(pops: &[u64], house: u32, m: Method) -> Vec<u32> {
    let app = apportion(pops, house, m).unwrap();
    assert_eq!(app.seats.iter().sum::<u32>(), house, "{m}: seats sum to the house size");
    assert!(app.seats.iter().all(|&s| s >= 1), "{m}: every state gets its minimum");
    let mut fast = vec![0; pops.len()];
    apportion_into(pops, house, m, &mut fast).unwrap();
    assert_eq!(fast, app.seats, "{m}: the fast path equals the priority list");
    if m.is_divisor() {
        assert_eq!(app.priority.len(), (house as usize) - pops.len());
    }
    app.seats
}

fn pops_strategy() -> impl Strategy<Value = Vec<u64>> {
    prop_oneof![
        prop::collection::vec(1u64..2_000, 1..8),
        prop::collection::vec(1u64..40_000_000, 1..60),
        prop::collection::vec(1u64..=MAX_POPULATION, 1..12),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Any populations, any house size: every method terminates with a valid apportionment,
    /// and the quota properties theory guarantees hold (Adams never above the upper quota;
    /// Jefferson never below the lower quota and Hamilton within both when every quota is at
    /// least one, so the constitutional minimum does not bind; every divisor method house
    /// monotone).
    #[test]
    fn every_method_is_a_valid_apportionment(pops in pops_strategy(), extra in 0u32..400) {
        let house = pops.len() as u32 + extra;
        let total: u128 = pops.iter().map(|&p| p as u128).sum();
        let quota_floor = |i: usize| (pops[i] as u128 * house as u128 / total) as u32;
        let quota_ceil = |i: usize| ((pops[i] as u128 * house as u128).div_ceil(total)) as u32;
        // Hamilton sets states with a quota below one aside with one seat, which can push the
        // others below their lower quota; without such states it satisfies quota exactly.
        let all_above_one = (0..pops.len()).all(|i| quota_floor(i) >= 1);
        for m in Method::ALL {
            let seats = check_apportionment(&pops, house, m);
            for (i, &got) in seats.iter().enumerate() {
                match m {
                    // With every quota at least one the minimum seat never binds, and
                    // Jefferson satisfies lower quota; otherwise the minimums can take seats
                    // from it (four states and a House of four).
                    Method::Jefferson => prop_assert!(!all_above_one || got >= quota_floor(i)),
                    Method::Adams => prop_assert!(got <= quota_ceil(i).max(1)),
                    Method::Hamilton => {
                        prop_assert!(got <= quota_ceil(i).max(1));
                        prop_assert!(!all_above_one || got >= quota_floor(i));
                    }
                    _ => {}
                }
            }
            if m.is_divisor() {
                let bigger = apportion(&pops, house + 1, m).unwrap().seats;
                prop_assert!(bigger.iter().zip(&seats).all(|(b, s)| b >= s), "{m}: Alabama paradox");
            }
        }
    }

    /// Exactly proportional populations: every method gives each state its (integer) quota.
    #[test]
    fn integer_quotas_are_given_exactly_by_every_method(
        quotas in prop::collection::vec(1u32..40, 1..20), unit in 1u64..100_000_000,
    ) {
        let pops: Vec<u64> = quotas.iter().map(|&q| q as u64 * unit).collect();
        let house: u32 = quotas.iter().sum();
        for m in Method::ALL {
            prop_assert_eq!(&check_apportionment(&pops, house, m), &quotas, "{}", m);
        }
    }

    /// Two states: Hamilton and Webster both round the quota to the nearest integer, so they
    /// agree (Balinski and Young); with an exact half both give the seat to the larger state.
    #[test]
    fn hamilton_and_webster_agree_for_two_states(a in 1u64..10_000_000, b in 1u64..10_000_000, extra in 0u32..300) {
        let house = 2 + extra;
        prop_assert_eq!(
            check_apportionment(&[a, b], house, Method::Hamilton),
            check_apportionment(&[a, b], house, Method::Webster)
        );
    }

    /// Exact ties in every divisor method, compared in integer arithmetic: the contested seat
    /// goes to the larger population, whatever the order of the states.
    #[test]
    fn exact_ties_go_to_the_larger_population(
        method in prop::sample::select(DIVISOR.to_vec()),
        na in 1u32..400, nb in 1u32..400, pair in 0usize..10_000, mult in 1u64..1000, swap in any::<bool>(),
    ) {
        let (na, nb) = if method == Method::HuntingtonHill {
            hh_tie_pairs()[pair % hh_tie_pairs().len()]
        } else {
            (na, nb)
        };
        let Some((pa, pb, na, nb)) = exact_tie(method, mult, na, nb) else { return Ok(()) };
        // Seats n_a and n_b, then one seat for the two tied priorities.
        let house = na + nb + 1;
        let (pops, a_idx) = if swap { (vec![pb, pa], 1) } else { (vec![pa, pb], 0) };
        let seats = check_apportionment(&pops, house, method);
        let larger = if pa > pb { a_idx } else { 1 - a_idx };
        let (n_larger, n_smaller) = if pa > pb { (na, nb) } else { (nb, na) };
        prop_assert_eq!(seats[larger], n_larger + 1, "{} {:?}", method, pops);
        prop_assert_eq!(seats[1 - larger], n_smaller, "{} {:?}", method, pops);
    }

    /// Margins terminate and are exact thresholds: gaining `to_gain` people wins a seat and one
    /// fewer does not; losing `can_lose` keeps every seat and one more loses one.
    #[test]
    fn margins_terminate_and_are_exact(pops in prop::collection::vec(1u64..5_000_000, 1..7), extra in 0u32..30) {
        let house = pops.len() as u32 + extra;
        for m in Method::ALL {
            let app = apportion(&pops, house, m).unwrap();
            let pops2 = pops.clone();
            let app2 = app.clone();
            let marg = within(30, move || margins(&pops2, &app2).unwrap());
            for (i, mg) in marg.iter().enumerate() {
                let seats_with = |p: u64| {
                    let mut q = pops.clone();
                    q[i] = p;
                    apportion(&q, house, m).unwrap().seats[i]
                };
                let n = app.seats[i];
                match mg.to_gain {
                    Some(g) => {
                        prop_assert!(seats_with(pops[i] + g) > n, "{m} state {i}: gaining {g} wins a seat");
                        prop_assert!(g == 1 || seats_with(pops[i] + g - 1) <= n, "{m} state {i}: {g} is the least");
                    }
                    None => prop_assert_eq!(n, house - (pops.len() as u32 - 1), "{} state {}: none only at the maximum", m, i),
                }
                match mg.can_lose {
                    Some(l) => {
                        prop_assert!(seats_with(pops[i] - l) >= n);
                        prop_assert!(l + 1 >= pops[i] || seats_with(pops[i] - l - 1) < n);
                    }
                    None => prop_assert_eq!(n, 1),
                }
            }
        }
    }
}
