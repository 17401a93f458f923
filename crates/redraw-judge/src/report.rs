//! A judgement as a report directory: `report.md` (verdict tables, plan facts, notes,
//! diagnostics, with the plots embedded), `report.json` (the whole [`Judgement`]) and SVG plots
//! (sorted district vote-share boxplot with the plan overlaid, one histogram per metric with the
//! plan marked, and one trace plot per diagnosed statistic).
//!
//! Files are returned as `(name, bytes)`; the caller writes them (atomically).

use std::fmt::Write as _;

use redraw_geo::{boxplot_svg, histogram_svg, trace_svg};

use crate::judge::{Judgement, MetricJudgement};

/// One file of a report directory.
pub struct ReportFile {
    pub name: String,
    pub bytes: Vec<u8>,
}

/// How a metric's values are shown to people (machine outputs keep full precision).
pub fn format_value(metric: &str, v: f64) -> String {
    if !v.is_finite() {
        return "—".into();
    }
    match metric {
        "dem_seats" => {
            if v.fract() == 0.0 {
                format!("{v:.0}")
            } else {
                format!("{v:.2}")
            }
        }
        "efficiency_gap" | "mean_median" | "partisan_bias" | "mean_share_bias" => signed(100.0 * v, 2) + "%",
        "declination" => signed(v, 3),
        "max_pop_deviation" | "max_pop_dev" => format!("{:.2}%", 100.0 * v),
        "cut_edges" | "county_splits" | "split_counties" => format!("{v:.0}"),
        _ => format!("{v:.3}"),
    }
}

/// A signed number with a true minus sign; values that round to zero print as "0.00", not
/// "−0.00".
fn signed(v: f64, decimals: usize) -> String {
    let scale = 10f64.powi(decimals as i32);
    let v = if (v * scale).round() == 0.0 { 0.0 } else { v };
    let text = format!("{v:+.decimals$}").replace('-', "−");
    if v == 0.0 {
        text.trim_start_matches('+').to_string()
    } else {
        text
    }
}

fn slug(s: &str) -> String {
    s.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '_' }).collect()
}

fn metric_rows(md: &mut String, rows: &[MetricJudgement]) {
    md.push_str("| Metric | Plan | Ensemble mean | Ensemble 5%–95% | Percentile | Verdict |\n");
    md.push_str("|---|---:|---:|---:|---:|---|\n");
    for m in rows {
        let f = |v: f64| format_value(&m.metric, v);
        let (mean, range) = match &m.distribution {
            Some(d) => (f(d.mean), format!("{} – {}", f(d.q05), f(d.q95))),
            None => ("—".into(), "—".into()),
        };
        let pct = m.placement.map_or("—".into(), |p| format!("{:.1}", 100.0 * p.percentile));
        let _ = writeln!(md, "| {} | {} | {mean} | {range} | {pct} | {} |", m.label, f(m.enacted), m.verdict);
    }
    md.push('\n');
}

/// Renders every file of the report. `title` names the plan (e.g. its file name).
pub fn render(j: &Judgement, title: &str) -> Vec<ReportFile> {
    let mut files = Vec::new();
    let mut svg = |name: String, body: String| {
        files.push(ReportFile { name: name.clone(), bytes: body.into_bytes() });
        name
    };
    // A weighted (SMC) ensemble is plotted resampled by weight; each histogram's axis says so.
    let xlabel = |label: &str| {
        if j.weighted {
            format!("{label} (SMC plans, resampled by weight)")
        } else {
            label.to_string()
        }
    };
    let mut md = String::new();
    let _ = writeln!(md, "# Judging {title}\n");
    let source = if j.weighted {
        format!(
            "**{} weighted plans** from **{} independent SMC run(s)**, about {:.0} effective samples",
            j.samples,
            j.chains,
            j.effective_samples.unwrap_or(0.0)
        )
    } else {
        format!("**{} plans** recorded from **{} chain(s)**", j.samples, j.chains)
    };
    let _ = writeln!(
        md,
        "Against an ensemble of {source}{}. Signed metrics are positive when the plan favours Democrats; the \
         percentile is the plan's mid-rank among ensemble plans (50 = the median){}.\n",
        j.ensemble.description.as_deref().map(|d| format!(" ({d})")).unwrap_or_default(),
        if j.weighted { ", weighted by the plans' importance weights" } else { "" }
    );
    if !j.notes.is_empty() {
        md.push_str("## Warnings\n\n");
        for n in &j.notes {
            let _ = writeln!(md, "- {n}");
        }
        md.push('\n');
    }
    for e in &j.elections {
        let _ = writeln!(
            md,
            "## Election {}\n\nStatewide Democratic two-party share {:.2}%; the plan gives Democrats {} of {} seats.\n",
            e.name,
            100.0 * e.enacted.statewide_dem_share,
            format_value("dem_seats", e.enacted.dem_seats),
            e.enacted.districts
        );
        metric_rows(&mut md, &e.metrics);
        let name = svg(
            format!("boxplot_{}.svg", slug(&e.name)),
            boxplot_svg(
                &e.per_rank,
                Some(&e.enacted_sorted_shares),
                &if j.weighted {
                    // The plotted plans are the weighted ensemble resampled by weight: say so.
                    format!("{}: sorted Democratic shares (SMC, resampled by weight)", e.name)
                } else {
                    format!("{}: district Democratic share, sorted (plan in red)", e.name)
                },
            ),
        );
        let _ = writeln!(md, "![Sorted district vote shares, {}]({name})\n", e.name);
        for m in &e.metrics {
            let name = svg(
                format!("hist_{}_{}.svg", slug(&e.name), m.metric),
                histogram_svg(
                    &m.values,
                    m.enacted.is_finite().then_some(m.enacted),
                    &format!("{}: {}", e.name, m.label),
                    &xlabel(&m.label),
                ),
            );
            let _ = writeln!(md, "![{}]({name})", m.label);
        }
        md.push('\n');
    }
    if !j.structure.is_empty() {
        md.push_str("## Structure\n\n");
        metric_rows(&mut md, &j.structure);
        for m in &j.structure {
            let name = svg(
                format!("hist_{}.svg", m.metric),
                histogram_svg(&m.values, Some(m.enacted), &m.label, &xlabel(&m.label)),
            );
            let _ = writeln!(md, "![{}]({name})", m.label);
        }
        md.push('\n');
    }

    let p = &j.plan;
    md.push_str("## The plan\n\n| Fact | Value |\n|---|---|\n");
    let _ = writeln!(md, "| Units | {} |", p.units);
    let _ = writeln!(md, "| Districts | {} |", p.districts);
    let _ = writeln!(md, "| Ideal district population | {:.0} |", p.population.ideal);
    let _ = writeln!(
        md,
        "| Largest population deviation | {:.3}% (over {:+.3}%, under {:+.3}%) |",
        100.0 * p.population.max_abs_deviation,
        100.0 * p.population.max_deviation,
        100.0 * p.population.min_deviation
    );
    let _ = writeln!(md, "| Population range (max − min) / ideal | {:.3}% |", 100.0 * p.population.range);
    if let (Some(t), Some(w)) = (p.tolerance, p.within_tolerance) {
        let _ = writeln!(
            md,
            "| Within the ensemble's ±{:.2}% tolerance | {} |",
            100.0 * t,
            if w { "yes" } else { "**no**" }
        );
    }
    let contiguity = if p.non_contiguous.is_empty() {
        "every district is contiguous".to_string()
    } else {
        p.non_contiguous
            .iter()
            .map(|d| format!("district {} in {} pieces", d.district, d.pieces))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let _ = writeln!(md, "| Contiguity on the graph | {contiguity} |");
    let _ = writeln!(md, "| Cut edges | {} |", p.cut_edges);
    if let Some(s) = &p.county_splits {
        let _ = writeln!(
            md,
            "| Counties split | {} of {} ({} extra pieces) |",
            s.split_regions, s.regions, s.extra_pieces
        );
    }
    md.push('\n');

    md.push_str("## Convergence diagnostics\n\n");
    if j.weighted {
        md.push_str(
            "The ensemble was drawn by Sequential Monte Carlo: its plans carry importance weights and are nearly \
             independent, so autocorrelation-based ESS does not apply. R-hat compares the independent runs \
             (rank-normalised, each run resampled by weight); the effective samples are the weights' effective \
             sample size summed over runs, each capped by the run's number of distinct plans. The ensemble is \
             trusted when R-hat ≤ 1.01 and there are at least 400 effective samples.\n\n",
        );
        md.push_str("| Statistic | Runs | Plans per run | R-hat (runs) | Effective samples | Verdict |\n");
        md.push_str("|---|---:|---:|---:|---:|---|\n");
    } else {
        md.push_str(
            "Rank-normalised split R-hat and bulk/tail effective sample size (Vehtari et al. 2021). The ensemble \
             is trusted when R-hat ≤ 1.01 and both ESS ≥ 400.\n\n",
        );
        md.push_str("| Statistic | Chains | Draws per chain | R-hat | Bulk ESS | Tail ESS | Verdict |\n");
        md.push_str("|---|---:|---:|---:|---:|---:|---|\n");
    }
    for d in &j.diagnostics {
        let c = &d.convergence;
        let rhat = if c.rhat.is_finite() { format!("{:.4}", c.rhat) } else { "—".into() };
        let verdict = match d.verdict {
            redraw_metrics::MixingVerdict::Mixed => "mixed",
            redraw_metrics::MixingVerdict::NotMixed => "**not mixed**",
            redraw_metrics::MixingVerdict::SingleChain if j.weighted => "single run: R-hat undefined",
            redraw_metrics::MixingVerdict::SingleChain => "single chain: R-hat undefined",
            redraw_metrics::MixingVerdict::Constant => "constant: nothing to mix",
        };
        if j.weighted {
            let _ = writeln!(
                md,
                "| {} | {} | {} | {rhat} | {:.0} | {verdict} |",
                d.statistic, c.chains, c.draws_per_chain, c.ess_bulk
            );
        } else {
            let _ = writeln!(
                md,
                "| {} | {} | {} | {rhat} | {:.0} | {:.0} | {verdict} |",
                d.statistic, c.chains, c.draws_per_chain, c.ess_bulk, c.ess_tail
            );
        }
    }
    md.push('\n');
    if let Some(r) = j.repeat_rate {
        let _ = writeln!(
            md,
            "Consecutive recorded samples that repeat the previous plan's votes: {:.1}% (a lower bound on the \
             self-loop rate; equal to it when every step is recorded).\n",
            100.0 * r
        );
    }
    if let Some(s) = &j.ensemble.step_rates {
        let _ = writeln!(
            md,
            "Proposals: {} steps, acceptance {:.1}%, self-loops {:.1}%.\n",
            s.steps,
            100.0 * s.acceptance,
            100.0 * s.self_loop
        );
    }
    // Trace plots show a chain's path; SMC particles have no order, so a weighted ensemble gets
    // none (its runs are compared by R-hat and by the histograms).
    if !j.weighted {
        for d in &j.diagnostics {
            let name = svg(format!("trace_{}.svg", slug(&d.statistic)), trace_svg(&d.chains, &d.statistic));
            let _ = writeln!(md, "![Trace: {}]({name})", d.statistic);
        }
        md.push('\n');
    }

    let mut json = serde_json::to_string_pretty(j).expect("judgement serialises");
    json.push('\n');
    files.push(ReportFile { name: "report.json".into(), bytes: json.into_bytes() });
    files.push(ReportFile { name: "report.md".into(), bytes: md.into_bytes() });
    files
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_by_metric() {
        assert_eq!(format_value("dem_seats", 7.0), "7");
        assert_eq!(format_value("dem_seats", 7.5), "7.50");
        assert_eq!(format_value("efficiency_gap", -0.0312), "−3.12%");
        assert_eq!(format_value("mean_median", 0.01), "+1.00%");
        assert_eq!(format_value("cut_edges", 604.0), "604");
        assert_eq!(format_value("declination", f64::NAN), "—");
        assert_eq!(format_value("mean_median", -0.000_000_4), "0.00%");
        assert_eq!(format_value("declination", -0.0001), "0.000");
    }
}
