//! Benchmark: evaluate every built-in preset (resolve + baseline and scenario side by side),
//! and score random splits of California with the fast split evaluator.
//!
//! Run: `cargo bench -p redraw-core --bench presets`

use std::time::Instant;

use redraw_core::evaluate::{compare, EvalOptions};
use redraw_core::scenario::{presets, ResolveOptions};
use redraw_core::split::{SplitEvaluator, SplitOutcome};
use redraw_core::Dataset;

fn main() {
    let t0 = Instant::now();
    let ds = Dataset::embedded();
    let parse = t0.elapsed();
    let opts = EvalOptions::default();
    let all = || {
        let mut ev = 0u32;
        for p in presets() {
            let r = p.resolve(ds, &ResolveOptions::default()).expect("preset resolves");
            let c = compare(ds, &r, &opts).expect("preset evaluates");
            ev += c.scenario.electoral_votes;
        }
        ev
    };
    let first = Instant::now();
    let check = all();
    let first = first.elapsed();
    let rounds = 200;
    let t = Instant::now();
    for _ in 0..rounds {
        assert_eq!(all(), check);
    }
    let per = t.elapsed() / rounds;
    println!("dataset parse (once, cached): {parse:?}");
    println!("all {} presets, first run: {first:?}", presets().len());
    println!("all {} presets, mean of {rounds} runs: {per:?}", presets().len());

    // Fast path: California into 3 parts, pseudo-random county assignments.
    let mut sp = SplitEvaluator::new(ds, "CA", 3, opts).expect("evaluator");
    let n = sp.counties().len();
    let mut out = SplitOutcome::default();
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let mut assignment = vec![0u32; n];
    let splits = 20_000;
    let t = Instant::now();
    let mut d24 = 0u64;
    for _ in 0..splits {
        for (i, a) in assignment.iter_mut().enumerate() {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            *a = if i < 3 { i as u32 } else { (state % 3) as u32 };
        }
        sp.evaluate(&assignment, &mut out).expect("split evaluates");
        d24 += out.elections[2].electoral_votes_dem as u64;
    }
    let el = t.elapsed();
    println!(
        "CA split into 3: {splits} splits in {el:?} = {:.0} splits/s ({:.1} µs each; mean 2024 D EV {:.1})",
        splits as f64 / el.as_secs_f64(),
        el.as_secs_f64() * 1e6 / splits as f64,
        d24 as f64 / splits as f64
    );
}
