//! House apportionment: Huntington-Hill (the law since 1941), Webster, Hamilton (Hamilton-Vinton),
//! Jefferson, Adams and Dean, for any house size and any set of states.
//!
//! Divisor methods are computed as the Census Bureau does it: every state first receives the
//! constitutional minimum of one seat, then seats `S+1..=H` go one at a time to the state with
//! the highest priority value `p / d(n)`, where `n` is the state's current seat count and `d`
//! the method's divisor function (Huntington-Hill `sqrt(n(n+1))`, Webster `n + 1/2`, Jefferson
//! `n + 1`, Adams `n`, Dean `n(n+1)/(n + 1/2)`). This yields the priority list and, for each
//! state, how many people it would need to gain (or could lose) before its seat count changes.
//!
//! Hamilton (largest remainders) has no priority list. States whose quota is below one are given
//! the constitutional minimum seat and set aside; the remaining seats are shared among the rest by
//! largest remainders (repeated until every remaining state has a quota of at least one). Its
//! margins are found by search: with the other states fixed, a state's own seat count never falls
//! when its population grows (its quota rises; another state whose floor drops adds one competitor
//! and one leftover seat at once), so an exponential-then-binary search finds the exact threshold.

use std::cmp::Ordering;
use std::fmt;

/// An apportionment method.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Method {
    /// Method of equal proportions (geometric-mean rounding); US law since 1941.
    HuntingtonHill,
    /// Major fractions (arithmetic-mean rounding); used 1840, 1910, 1930.
    Webster,
    /// Largest remainders (Hamilton-Vinton); used 1850-1900.
    Hamilton,
    /// Greatest divisors (round down); used 1790-1830.
    Jefferson,
    /// Smallest divisors (round up).
    Adams,
    /// Harmonic-mean rounding.
    Dean,
}

impl Method {
    pub const ALL: [Method; 6] = [
        Method::HuntingtonHill,
        Method::Webster,
        Method::Hamilton,
        Method::Jefferson,
        Method::Adams,
        Method::Dean,
    ];

    /// The kebab-case identifier used on the command line and in scenario files.
    pub fn id(self) -> &'static str {
        match self {
            Method::HuntingtonHill => "huntington-hill",
            Method::Webster => "webster",
            Method::Hamilton => "hamilton",
            Method::Jefferson => "jefferson",
            Method::Adams => "adams",
            Method::Dean => "dean",
        }
    }

    /// Parses an identifier (case-insensitive; `hh`, `vinton`, `sainte-lague` accepted as aliases).
    pub fn parse(s: &str) -> Option<Method> {
        let s = s.trim().to_ascii_lowercase().replace(['_', ' '], "-");
        Some(match s.as_str() {
            "huntington-hill" | "hh" | "equal-proportions" => Method::HuntingtonHill,
            "webster" | "sainte-lague" | "webster-sainte-lague" => Method::Webster,
            "hamilton" | "vinton" | "hamilton-vinton" | "largest-remainder" => Method::Hamilton,
            "jefferson" | "dhondt" | "d-hondt" => Method::Jefferson,
            "adams" => Method::Adams,
            "dean" => Method::Dean,
            _ => return None,
        })
    }

    pub fn is_divisor(self) -> bool {
        self != Method::Hamilton
    }

    /// The divisor `d(n)` for a state holding `n >= 1` seats: its priority for seat `n + 1` is
    /// `p / d(n)`.
    #[inline]
    pub fn divisor(self, n: u32) -> f64 {
        let n = n as f64;
        match self {
            Method::HuntingtonHill => (n * (n + 1.0)).sqrt(),
            Method::Webster => n + 0.5,
            Method::Jefferson => n + 1.0,
            Method::Adams => n,
            Method::Dean => n * (n + 1.0) / (n + 0.5),
            Method::Hamilton => f64::NAN,
        }
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Method::HuntingtonHill => "Huntington-Hill",
            Method::Webster => "Webster",
            Method::Hamilton => "Hamilton",
            Method::Jefferson => "Jefferson",
            Method::Adams => "Adams",
            Method::Dean => "Dean",
        })
    }
}

/// Why an apportionment cannot be computed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApportionError {
    #[error("no states to apportion among")]
    NoStates,
    #[error("a House of {house_size} seats cannot give each of the {states} states its constitutional minimum of one seat (need at least {states})")]
    HouseTooSmall { house_size: u32, states: usize },
    #[error("state #{index} has population 0; every state needs a positive population")]
    ZeroPopulation { index: usize },
    #[error("a House of {house_size} seats is more than redraw apportions (at most {max}; the Constitution allows at most one representative per 30,000 people, about 11,000 seats for 2020)")]
    HouseTooLarge { house_size: u32, max: u32 },
    #[error("state #{index} has population {population}, more than redraw apportions exactly (at most {max}, ten thousand times the world's population)")]
    PopulationTooLarge { index: usize, population: u64, max: u64 },
}

/// The largest state population [`apportion`] accepts: 2^46 (about 7e13). Priorities are
/// compared exactly in 128-bit integers (Huntington-Hill as `p^2 d(m)^2` against `q^2 d(n)^2`),
/// which stays exact for populations up to this bound and houses up to [`MAX_HOUSE_SIZE`].
pub const MAX_POPULATION: u64 = 1 << 46;

/// The largest House [`apportion`] accepts. The priority list holds one entry per seat, so an
/// unbounded size (a typo such as `--house-size 4000000000`) would exhaust memory or run for
/// minutes; 100,000 seats is nine times the constitutional ceiling for 2020.
pub const MAX_HOUSE_SIZE: u32 = 100_000;

/// One seat in the priority list (seats beyond each state's first).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct PrioritySeat {
    /// House seat number, `S + 1 ..= H`.
    pub seat: u32,
    /// Index of the state that receives it.
    pub state: usize,
    /// The state's seat count after receiving it.
    pub state_seat: u32,
    /// The priority value `p / d(n)`.
    pub priority: f64,
}

/// The result of an apportionment.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Apportionment {
    pub method: Method,
    pub house_size: u32,
    /// Seats per state, in input order.
    pub seats: Vec<u32>,
    /// Exact quotas `H p / P` per state.
    pub quotas: Vec<f64>,
    /// Priority list (divisor methods only; empty for Hamilton).
    pub priority: Vec<PrioritySeat>,
}

/// How close a state is to a change in its seat count (divisor methods), all other states fixed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Margin {
    /// People the state would need to gain to win one more seat (`None` when it already holds
    /// every seat the others' minimums leave).
    pub to_gain: Option<u64>,
    /// People the state could lose and keep all its seats (`None` at the one-seat minimum).
    pub can_lose: Option<u64>,
}

fn check(populations: &[u64], house_size: u32) -> Result<(), ApportionError> {
    if populations.is_empty() {
        return Err(ApportionError::NoStates);
    }
    if (house_size as usize) < populations.len() {
        return Err(ApportionError::HouseTooSmall { house_size, states: populations.len() });
    }
    if house_size > MAX_HOUSE_SIZE {
        return Err(ApportionError::HouseTooLarge { house_size, max: MAX_HOUSE_SIZE });
    }
    if let Some(index) = populations.iter().position(|&p| p == 0) {
        return Err(ApportionError::ZeroPopulation { index });
    }
    if let Some(index) = populations.iter().position(|&p| p > MAX_POPULATION) {
        return Err(ApportionError::PopulationTooLarge {
            index,
            population: populations[index],
            max: MAX_POPULATION,
        });
    }
    Ok(())
}

/// A state's priority for its next seat, `p / d(n)`, as an exact fraction `num / den` of
/// integers (Huntington-Hill's as the square `p^2 / (n (n + 1))`, which orders the same way).
/// With `p <= 2^46` and `n <= 100,000` every cross product fits in a `u128`.
#[derive(Clone, Copy, Debug)]
struct Priority {
    num: u128,
    den: u128,
    pop: u64,
    state: usize,
}

impl Priority {
    fn new(method: Method, pop: u64, n: u32, state: usize) -> Priority {
        let (p, n) = (pop as u128, n as u128);
        let (num, den) = match method {
            Method::HuntingtonHill => (p * p, n * (n + 1)),
            Method::Webster => (2 * p, 2 * n + 1),
            Method::Jefferson => (p, n + 1),
            Method::Adams => (p, n),
            // d(n) = n (n + 1) / (n + 1/2) = 2n (n + 1) / (2n + 1).
            Method::Dean => (p * (2 * n + 1), 2 * n * (n + 1)),
            Method::Hamilton => unreachable!("Hamilton has no priorities"),
        };
        Priority { num, den, pop, state }
    }

    /// Higher priority first; exact ties go to the larger population, then the lower index, so
    /// results are deterministic and follow the documented rule.
    fn better(&self, other: &Priority) -> bool {
        match (self.num * other.den).cmp(&(other.num * self.den)) {
            Ordering::Greater => true,
            Ordering::Less => false,
            Ordering::Equal => {
                (self.pop, std::cmp::Reverse(self.state)) > (other.pop, std::cmp::Reverse(other.state))
            }
        }
    }
}

/// Apportions `house_size` seats among states with the given populations.
pub fn apportion(
    populations: &[u64],
    house_size: u32,
    method: Method,
) -> Result<Apportionment, ApportionError> {
    check(populations, house_size)?;
    let total: f64 = populations.iter().map(|&p| p as f64).sum();
    let quotas = populations.iter().map(|&p| p as f64 * house_size as f64 / total).collect();
    let mut seats = vec![0u32; populations.len()];
    let priority = if method.is_divisor() {
        divisor_seats(populations, house_size, method, &mut seats, true)
    } else {
        hamilton_seats(populations, house_size, &mut seats);
        Vec::new()
    };
    Ok(Apportionment { method, house_size, seats, quotas, priority })
}

/// Allocation-free-ish fast path for hot loops: writes the seats into `seats` (same length as
/// `populations`). Input must already be valid (see [`apportion`] for the checked version).
pub fn apportion_into(
    populations: &[u64],
    house_size: u32,
    method: Method,
    seats: &mut [u32],
) -> Result<(), ApportionError> {
    check(populations, house_size)?;
    if method.is_divisor() {
        divisor_seats(populations, house_size, method, seats, false);
    } else {
        hamilton_seats(populations, house_size, seats);
    }
    Ok(())
}

fn divisor_seats(
    pops: &[u64],
    house: u32,
    method: Method,
    seats: &mut [u32],
    record: bool,
) -> Vec<PrioritySeat> {
    let s = pops.len();
    seats.iter_mut().for_each(|x| *x = 1);
    let mut assigned = s as u32;
    if !record {
        // Every divisor has n <= d(n) <= n + 1, so the final cutoff λ is at most P / (H − S) and
        // each state ends with at least lb = floor(p (H − S) / P) seats. Its seats up to lb − 1
        // have priorities strictly above λ (Jefferson's seat lb can tie λ exactly), so starting
        // from max(1, lb − 1) leaves only a few seats for the heap and gives the same result,
        // ties included.
        let total: u128 = pops.iter().map(|&p| p as u128).sum();
        let extra = (house as u128).saturating_sub(s as u128);
        for (i, x) in seats.iter_mut().enumerate() {
            let lb = (pops[i] as u128 * extra / total) as u32;
            *x = lb.saturating_sub(1).max(1);
        }
        assigned = seats.iter().sum();
        debug_assert!(assigned <= house);
    }
    // A binary max-heap of exact priorities, hand-rolled so ties are deterministic.
    let mut heap: Vec<Priority> = (0..s).map(|i| Priority::new(method, pops[i], seats[i], i)).collect();
    let sift_down = |heap: &mut Vec<Priority>, mut i: usize| loop {
        let l = 2 * i + 1;
        let r = l + 1;
        let mut m = i;
        if l < heap.len() && heap[l].better(&heap[m]) {
            m = l;
        }
        if r < heap.len() && heap[r].better(&heap[m]) {
            m = r;
        }
        if m == i {
            break;
        }
        heap.swap(i, m);
        i = m;
    };
    for i in (0..s / 2).rev() {
        sift_down(&mut heap, i);
    }
    let mut list = Vec::with_capacity(if record { house as usize - s } else { 0 });
    for seat in (assigned + 1)..=house {
        let top = heap[0];
        let i = top.state;
        if record {
            let prio = top.pop as f64 / method.divisor(seats[i]);
            list.push(PrioritySeat { seat, state: i, state_seat: seats[i] + 1, priority: prio });
        }
        seats[i] += 1;
        heap[0] = Priority::new(method, top.pop, seats[i], i);
        sift_down(&mut heap, 0);
    }
    list
}

fn hamilton_seats(pops: &[u64], house: u32, seats: &mut [u32]) {
    seats.iter_mut().for_each(|x| *x = 0);
    let mut active: Vec<usize> = (0..pops.len()).collect();
    let mut left = house as u64;
    // States whose quota is below one get the constitutional minimum and leave the pool.
    loop {
        let total: u128 = active.iter().map(|&i| pops[i] as u128).sum();
        let small: Vec<usize> =
            active.iter().copied().filter(|&i| (pops[i] as u128) * (left as u128) < total).collect();
        if small.is_empty() {
            break;
        }
        for &i in &small {
            seats[i] = 1;
            left -= 1;
        }
        active.retain(|i| !small.contains(i));
        if active.is_empty() {
            return;
        }
    }
    // Exact integer arithmetic: quota = pop * left / total, remainder compared as a fraction.
    let total: u128 = active.iter().map(|&i| pops[i] as u128).sum();
    let mut rems: Vec<(u128, u64, usize)> = Vec::with_capacity(active.len());
    let mut given = 0u64;
    for &i in &active {
        let num = pops[i] as u128 * left as u128;
        let q = (num / total) as u64;
        seats[i] = q as u32;
        given += q;
        rems.push((num % total, pops[i], i));
    }
    rems.sort_by(|a, b| b.0.cmp(&a.0).then(b.1.cmp(&a.1)).then(a.2.cmp(&b.2)));
    for r in rems.iter().take((left - given) as usize) {
        seats[r.2] += 1;
    }
}

/// Per state, the people it would need to gain to win one more seat, and how many it could lose
/// before losing one, all other states fixed. `None` if `app` was not computed from
/// `populations` (length mismatch).
pub fn margins(populations: &[u64], app: &Apportionment) -> Option<Vec<Margin>> {
    let method = app.method;
    if populations.len() != app.seats.len() || check(populations, app.house_size).is_err() {
        return None;
    }
    if !method.is_divisor() {
        return Some(hamilton_margins(populations, app));
    }
    let s = populations.len();
    let extra = (app.house_size as usize) - s; // seats beyond the minimum
                                               // The most seats a state can hold: every seat the others' minimums leave.
    let max_seats = app.house_size - (s as u32 - 1);
    // Every state's priorities for its 2nd..=(n+1)th seat, pooled and sorted descending: the
    // floating-point estimates of the thresholds, confirmed exactly below.
    let mut pool: Vec<(f64, usize)> = Vec::with_capacity(extra + s);
    for (i, &p) in populations.iter().enumerate() {
        for n in 1..=app.seats[i] {
            pool.push((p as f64 / method.divisor(n), i));
        }
    }
    pool.sort_by(|a, b| b.0.partial_cmp(&a.0).unwrap_or(Ordering::Equal));
    let mut scratch = populations.to_vec();
    let mut seats = vec![0u32; s];
    let mut seats_with = |i: usize, p: u64| -> u32 {
        scratch[i] = p;
        divisor_seats(&scratch, app.house_size, method, &mut seats, false);
        scratch[i] = populations[i];
        seats[i]
    };
    let mut out = Vec::with_capacity(s);
    for (i, &p) in populations.iter().enumerate() {
        let n = app.seats[i];
        // The k-th largest (0-based) priority among the other states.
        let kth_other = |k: usize| -> f64 { pool.iter().filter(|x| x.1 != i).nth(k).map_or(0.0, |x| x.0) };
        // Gain: its priority for seat n+1 must beat the other states' weakest spare seat, at
        // index extra - n (0-based) among their priorities. A state already holding every
        // spare seat cannot gain one (`None`).
        let to_gain = (n < max_seats).then(|| {
            let need = kth_other(extra - n as usize) * method.divisor(n);
            let estimate = ((need - p as f64).floor() + 1.0).clamp(1.0, MAX_POPULATION as f64) as u64;
            // The least x >= 1 with seats(p + x) > n (monotone in x: a divisor method never
            // takes a seat from a state whose population grows). Exact, ties included.
            least(estimate, MAX_POPULATION - p, |x| seats_with(i, p + x) > n)
        });
        let can_lose = (n > 1).then(|| {
            // Losing: its priority for seat n must fall to the others' next seat.
            let floor = kth_other(extra - (n as usize - 1)) * method.divisor(n - 1);
            let estimate = ((p as f64 - floor).ceil()).clamp(1.0, (p - 1).max(1) as f64) as u64;
            // The least y in 1..=p-1 with seats(p - y) < n, minus one.
            least(estimate, p - 1, |y| seats_with(i, p - y) < n).map_or(p - 1, |y| y - 1)
        });
        out.push(Margin { to_gain: to_gain.flatten(), can_lose });
    }
    Some(out)
}

/// The least `x` in `1..=max` with `pred(x)` true, for a predicate that is false then true,
/// found from an estimate by exponential search outward and bisection: O(log) evaluations
/// whatever the estimate's error. `None` when `pred(max)` is false.
fn least(estimate: u64, max: u64, mut pred: impl FnMut(u64) -> bool) -> Option<u64> {
    if max == 0 {
        return None;
    }
    let x = estimate.clamp(1, max);
    // Bracket: pred(lo) false (or lo = 0), pred(hi) true.
    let (mut lo, mut hi);
    if pred(x) {
        hi = x;
        let mut step = 1;
        lo = x.saturating_sub(step);
        while lo > 0 && pred(lo) {
            hi = lo;
            step *= 2;
            lo = lo.saturating_sub(step);
        }
    } else {
        lo = x;
        let mut step = 1;
        loop {
            if lo == max {
                return None;
            }
            hi = lo.saturating_add(step).min(max);
            if pred(hi) {
                break;
            }
            lo = hi;
            step *= 2;
        }
    }
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if pred(mid) {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    Some(hi)
}

fn hamilton_margins(pops: &[u64], app: &Apportionment) -> Vec<Margin> {
    let s = pops.len();
    let house = app.house_size;
    let mut scratch = pops.to_vec();
    let mut seats = vec![0u32; s];
    let mut seats_with = |i: usize, p: u64| -> u32 {
        scratch[i] = p;
        hamilton_seats(&scratch, house, &mut seats);
        scratch[i] = pops[i];
        seats[i]
    };
    let max_seats = house - (s as u32 - 1);
    (0..s)
        .map(|i| {
            let p = pops[i];
            let n = app.seats[i];
            let to_gain = if n >= max_seats {
                None
            } else {
                // Smallest x with seats(p + x) > n: double until found, then bisect.
                let mut hi = 1u64;
                while seats_with(i, p.saturating_add(hi)) <= n && hi < (1 << 50) {
                    hi *= 2;
                }
                let mut lo = hi / 2; // seats(p + lo) <= n (or lo == 0)
                while hi - lo > 1 {
                    let mid = lo + (hi - lo) / 2;
                    if seats_with(i, p + mid) > n {
                        hi = mid;
                    } else {
                        lo = mid;
                    }
                }
                Some(hi)
            };
            let can_lose = if n <= 1 {
                None
            } else if seats_with(i, 1) >= n {
                Some(p - 1)
            } else {
                // Largest x with seats(p - x) == n; seats(p - (p - 1)) < n.
                let (mut lo, mut hi) = (0u64, p - 1);
                while hi - lo > 1 {
                    let mid = lo + (hi - lo) / 2;
                    if seats_with(i, p - mid) >= n {
                        lo = mid;
                    } else {
                        hi = mid;
                    }
                }
                Some(lo)
            };
            Margin { to_gain, can_lose }
        })
        .collect()
}

/// A populations file that cannot be read (`redraw apportion --populations`); the message names
/// the file and line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct PopulationsError(pub String);

/// Parses a populations file: `state,population` rows (a header row and `#` comment lines are
/// skipped; a quoted name may hold a comma), as `redraw apportion --populations` reads it.
/// `source` names the file in errors. Every population must be a positive whole number of at
/// most [`MAX_POPULATION`]; names must be unique.
pub fn parse_populations(text: &str, source: &str) -> Result<Vec<(String, u64)>, PopulationsError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let err = |msg: String| PopulationsError(msg);
    let mut out: Vec<(String, u64)> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for (i, line) in text.lines().enumerate() {
        let ln = i + 1;
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        // Exactly two fields. A quoted name may hold commas; anything else with a second comma
        // is refused (silently reading `A,1,000` as state `A,1` with 0 people was a bug).
        let (name, pop) = match line.trim_start().strip_prefix('"') {
            Some(rest) => rest.split_once("\",").map(|(n, p)| (n.to_string(), p)),
            None => line.split_once(',').map(|(n, p)| (n.trim().to_string(), p)),
        }
        .ok_or_else(|| err(format!("{source} line {ln}: expected `state,population`")))?;
        if pop.contains(',') {
            return Err(err(format!(
                "{source} line {ln}: expected two fields `state,population`, found {}; write populations without thousands separators (quote a name that holds a comma)",
                pop.split(',').count() + 1
            )));
        }
        let pop = pop.trim();
        if ln == 1 && pop.parse::<f64>().is_err() {
            continue; // header
        }
        let p: i64 = pop.replace('_', "").parse().map_err(|_| {
            err(format!(
                "{source} line {ln}, field population: expected a whole number of people, found `{pop}`"
            ))
        })?;
        if p <= 0 {
            return Err(err(format!(
                "{source} line {ln}, field population: {name} has population {p}; it must be positive"
            )));
        }
        if p as u64 > MAX_POPULATION {
            return Err(err(format!(
                "{source} line {ln}, field population: {name} has population {p}; redraw apportions populations up to {MAX_POPULATION}"
            )));
        }
        if !seen.insert(name.clone()) {
            return Err(err(format!("{source} line {ln}: state `{name}` is listed twice")));
        }
        out.push((name, p as u64));
    }
    if out.is_empty() {
        return Err(err(format!("{source}: no states")));
    }
    Ok(out)
}
