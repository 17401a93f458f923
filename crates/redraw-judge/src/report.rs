//! A judgement as a report a court can read, in several formats from one document model:
//! `report.md` (Markdown with the figures as SVG files beside it), `report.html` (one
//! self-contained file, every figure inline, print-friendly), `report.json` (the whole
//! [`Judgement`], schema-versioned). There is no PDF output yet.
//!
//! Order: summary, warnings, the plan's map, the per-district table, each election's verdicts
//! with the sorted vote-share boxplot and one histogram per metric, structure and compactness,
//! representation (minority voting-age population), convergence diagnostics with trace plots,
//! counties by district, definitions, provenance.
//!
//! Files are returned as `(name, bytes)`; the caller writes them (atomically).

use std::fmt::Write as _;

use redraw_geo::plot::{histogram_plot_svg, trace_panels_svg, HistogramPlot};
use redraw_geo::{boxplot_svg, Bins};

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
        "efficiency_gap" | "mean_median" | "partisan_bias" | "statewide_bias" | "mean_share_bias" => {
            signed(100.0 * v, 2) + "%"
        }
        "declination" => signed(v, 3),
        "max_pop_deviation" | "max_pop_dev" => format!("{:.2}%", 100.0 * v),
        "cut_edges" | "county_splits" | "split_counties" => thousands(v),
        m if m.ends_with("_districts") => {
            if v.fract() == 0.0 {
                format!("{v:.0}")
            } else {
                format!("{v:.2}")
            }
        }
        _ => format!("{v:.3}"),
    }
}

/// What the x axis of a metric's histogram says.
fn axis_label(m: &MetricJudgement) -> String {
    match m.metric.as_str() {
        "dem_seats" => "Democratic seats (districts won)".into(),
        "efficiency_gap" | "mean_median" | "partisan_bias" | "statewide_bias" | "mean_share_bias" => {
            format!("{} (percentage points; positive favours Democrats)", m.label)
        }
        "declination" => "Declination (positive favours Democrats)".into(),
        "max_pop_deviation" | "max_pop_dev" => "Largest population deviation from the ideal (%)".into(),
        _ => m.label.clone(),
    }
}

/// Tick labels of a metric's histogram axis.
fn tick_format(metric: &str) -> Option<fn(f64) -> String> {
    match metric {
        "efficiency_gap" | "mean_median" | "partisan_bias" | "statewide_bias" | "mean_share_bias" => {
            Some(|v| signed(100.0 * v, if (100.0 * v).fract().abs() < 1e-9 { 0 } else { 1 }))
        }
        "max_pop_deviation" | "max_pop_dev" => Some(|v| format!("{:.2}", 100.0 * v)),
        _ => None,
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

/// `v` rounded, with thousands separators.
pub fn thousands(v: f64) -> String {
    redraw_core::text::group_thousands(v.round() as i128)
}

/// Column alignment in tables.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Align {
    Left,
    Right,
}

/// The report's content, format-independent.
#[derive(Clone, Debug)]
pub enum Block {
    /// Level (1 = title) and text.
    Heading(u8, String),
    Paragraph(String),
    /// A paragraph set apart (a warning box in HTML, bold in Markdown).
    Callout(String),
    List(Vec<String>),
    Table {
        header: Vec<String>,
        align: Vec<Align>,
        rows: Vec<Vec<String>>,
    },
    /// A figure: file name (Markdown links it), SVG text, caption.
    Figure {
        file: String,
        svg: String,
        caption: String,
    },
    /// Preformatted text (command lines).
    Code(String),
    /// The table of contents: the level-2 headings, linked.
    Contents(Vec<String>),
    /// A term and its paragraphs (definitions).
    Term {
        term: String,
        lines: Vec<String>,
    },
}

/// Extra figures that need inputs the judgement does not hold.
#[derive(Clone, Debug, Default)]
pub struct Figures {
    /// The plan's map (SVG).
    pub plan_map: Option<String>,
}

fn metric_table(rows: &[&MetricJudgement]) -> Block {
    let header = ["Metric", "Plan", "Ensemble mean", "Ensemble 5%–95%", "Percentile", "Verdict"];
    let mut out = Vec::new();
    for m in rows {
        let f = |v: f64| format_value(&m.metric, v);
        let (mean, range) = match &m.distribution {
            Some(d) => (f(d.mean), format!("{} – {}", f(d.q05), f(d.q95))),
            None => ("—".into(), "—".into()),
        };
        let pct = m.placement.map_or("—".into(), |p| format!("{:.1}", 100.0 * p.percentile));
        out.push(vec![m.label.clone(), f(m.enacted), mean, range, pct, m.verdict.clone()]);
    }
    Block::Table {
        header: header.iter().map(|s| s.to_string()).collect(),
        align: vec![Align::Left, Align::Right, Align::Right, Align::Right, Align::Right, Align::Left],
        rows: out,
    }
}

/// `weighted`: an SMC ensemble, whose bars are shares of the total weight (said in the subtitle).
fn histogram(m: &MetricJudgement, title: &str, weighted: bool) -> Option<String> {
    let bins: &Bins = m.bins.as_ref()?;
    // A statistic every neutral plan and the plan share (no majority-Asian district anywhere)
    // says all it has in its table row; a single full bar would only take a page.
    if let (Some(d), Some(p)) = (&m.distribution, &m.placement) {
        if d.min == d.max && p.equal >= 0.999_999 {
            return None;
        }
    }
    let n = thousands(m.distribution.as_ref().map_or(0, |d| d.count) as f64);
    let plans = if weighted { "weighted SMC plans (bars: shares of the weight)" } else { "neutral plans" };
    let subtitle = match m.placement {
        Some(p) => format!(
            "{n} {plans} · this plan {} · percentile {:.1} ({:.1}% of plans lower, {:.1}% equal)",
            format_value(&m.metric, m.enacted),
            100.0 * p.percentile,
            100.0 * p.below,
            100.0 * p.equal
        ),
        None => format!("{n} {plans} · undefined for this plan"),
    };
    let tick = tick_format(&m.metric);
    let tick_ref: Option<&dyn Fn(f64) -> String> = tick.as_ref().map(|f| f as &dyn Fn(f64) -> String);
    Some(histogram_plot_svg(&HistogramPlot {
        title,
        subtitle: &subtitle,
        xlabel: &axis_label(m),
        bins,
        marked: m
            .enacted
            .is_finite()
            .then(|| (m.enacted, format!("this plan: {}", format_value(&m.metric, m.enacted)))),
        tick: tick_ref,
    }))
}

/// The document of a judgement.
pub fn document(j: &Judgement, title: &str, figures: &Figures) -> Vec<Block> {
    let mut doc = Vec::new();
    doc.push(Block::Heading(1, format!("Judging {title} against a neutral ensemble")));
    let sel = j.selection.as_ref();
    let source = if j.weighted {
        format!(
            "{} weighted neutral plans from {} independent SMC run(s), about {} effective samples",
            thousands(j.samples as f64),
            j.chains,
            thousands(j.effective_samples.unwrap_or(0.0).round())
        )
    } else {
        format!("{} neutral plans from {} chain(s)", thousands(j.samples as f64), j.chains)
    };
    let mut intro = format!(
        "The plan is compared with {source}{}.",
        j.ensemble.description.as_deref().map(|d| format!(" ({d})")).unwrap_or_default()
    );
    if let Some(s) = sel {
        if s.burn_in > 0 || s.thin > 1 {
            let _ = write!(
                intro,
                " Of the {} plans the run recorded, those before step {} are left out as burn-in and every {} of the rest is kept.",
                thousands(s.recorded as f64),
                thousands(s.burn_in as f64),
                if s.thin == 1 { "one".to_string() } else { format!("{}th", s.thin) }
            );
        }
    }
    intro.push_str(
        " Signed metrics are positive when the plan favours Democrats. Each verdict gives the plan's percentile among \
         the neutral plans (50 = the median) and its direction; only partisan metrics can call a plan an outlier \
         (see Definitions).",
    );
    if j.weighted {
        intro.push_str(
            " The ensemble carries importance weights: every distribution and percentile is weighted.",
        );
    }
    doc.push(Block::Paragraph(intro));

    // Summary: the headline figures.
    let mut summary = Vec::new();
    for e in &j.elections {
        for key in ["dem_seats", "efficiency_gap", "mean_median", "declination"] {
            if let Some(m) = e.metrics.iter().find(|m| m.metric == key) {
                summary.push(format!(
                    "{} — {} {}: {}",
                    e.name,
                    m.label,
                    format_value(&m.metric, m.enacted),
                    m.verdict
                ));
            }
        }
    }
    for m in &j.structure {
        summary.push(format!("{} {}: {}", m.label, format_value(&m.metric, m.enacted), m.verdict));
    }
    if let Some(r) = &j.representation {
        for m in r.metrics.iter().filter(|m| m.metric.starts_with("majority_")) {
            summary.push(format!(
                "{}: {}. {}",
                m.label,
                format_value(&m.metric, m.enacted),
                capital(&m.verdict)
            ));
        }
    }
    doc.push(Block::Heading(2, "Summary".into()));
    doc.push(Block::List(summary));
    if !j.notes.is_empty() {
        doc.push(Block::Heading(2, "Warnings".into()));
        for n in &j.notes {
            doc.push(Block::Callout(n.clone()));
        }
    }

    // The map.
    doc.push(Block::Heading(2, "The plan".into()));
    match &figures.plan_map {
        Some(svg) => doc.push(Block::Figure {
            file: "plan_map.svg".into(),
            svg: svg.clone(),
            caption: "The plan: districts shaded by winner and margin; district borders and the state outline in heavy lines, county borders dashed."
                .into(),
        }),
        None => doc.push(Block::Callout(
            "No map and no compactness scores: no polygons of the graph's units were given (pass --shapes FILE)."
                .into(),
        )),
    }
    district_table(j, &mut doc);
    plan_facts(j, &mut doc);

    // Elections.
    for e in &j.elections {
        doc.push(Block::Heading(2, format!("Election {}", e.name)));
        if let Some(d) = &e.description {
            doc.push(Block::Paragraph(format!("{} is {d}.", e.name)));
        }
        let ties = if e.tied_districts > 0 {
            format!(" {} district(s) are tied exactly and won by neither party.", e.tied_districts)
        } else {
            String::new()
        };
        doc.push(Block::Paragraph(format!(
            "Statewide Democratic share of the two-party vote {:.2}%; the plan gives Democrats {} of {} seats.{ties}",
            100.0 * e.enacted.statewide_dem_share,
            format_value("dem_seats", e.enacted.dem_seats),
            e.enacted.districts
        )));
        let rows: Vec<&MetricJudgement> = e.metrics.iter().collect();
        doc.push(metric_table(&rows));
        doc.push(Block::Figure {
            file: format!("boxplot_{}.svg", slug(&e.name)),
            svg: boxplot_svg(
                &e.per_rank,
                Some(&e.enacted_sorted_shares),
                &if j.weighted {
                    // The boxes are drawn from the weighted ensemble resampled by weight: say so.
                    format!("{}: sorted Democratic shares (SMC, resampled by weight)", e.name)
                } else {
                    format!("{}: district Democratic share, sorted (plan in red)", e.name)
                },
            ),
            caption: format!(
                "Each box: the neutral plans' k-th most Republican district (25th–75th percentile, whiskers 1st–99th); red dots: this plan's districts, {}.",
                e.name
            ),
        });
        for m in &e.metrics {
            if let Some(svg) = histogram(m, &format!("{}: {}", e.name, m.label), j.weighted) {
                doc.push(Block::Figure {
                    file: format!("hist_{}_{}.svg", slug(&e.name), m.metric),
                    svg,
                    caption: format!("{}, {}: {}", e.name, m.label, m.verdict),
                });
            }
        }
    }

    // Structure and compactness.
    if !j.structure.is_empty() {
        doc.push(Block::Heading(2, "Structure and compactness".into()));
        let rows: Vec<&MetricJudgement> = j.structure.iter().collect();
        doc.push(metric_table(&rows));
        for m in &j.structure {
            if let Some(svg) = histogram(m, &m.label, j.weighted) {
                doc.push(Block::Figure {
                    file: format!("hist_{}.svg", m.metric),
                    svg,
                    caption: format!("{}: {}", m.label, m.verdict),
                });
            }
        }
    }

    // Representation.
    if let Some(r) = &j.representation {
        doc.push(Block::Heading(2, "Minority voting-age population".into()));
        doc.push(Block::Paragraph(format!(
            "Shares of each district's voting-age population ({}); groups: {}. Majority means strictly more than 50%. These \
             are census counts, not findings under the Voting Rights Act (see Definitions).",
            r.total_column,
            r.groups.iter().map(|g| format!("{} ({})", g.label, g.column)).collect::<Vec<_>>().join(", ")
        )));
        let rows: Vec<&MetricJudgement> = r.metrics.iter().collect();
        doc.push(metric_table(&rows));
        for m in &r.metrics {
            if let Some(svg) = histogram(m, &m.label, j.weighted) {
                doc.push(Block::Figure {
                    file: format!("hist_{}.svg", m.metric),
                    svg,
                    caption: format!("{}: {}", m.label, m.verdict),
                });
            }
        }
    }

    diagnostics(j, &mut doc);
    counties_appendix(j, &mut doc);

    doc.push(Block::Heading(2, "Definitions".into()));
    for d in &j.definitions {
        let mut lines = vec![d.definition.clone()];
        if !d.sign.is_empty() {
            lines.push(format!("Sign: {}", d.sign));
        }
        if !d.ties.is_empty() {
            lines.push(format!("Ties: {}", d.ties));
        }
        if d.key != "outlier" && d.key != "percentile" && d.key != "ties" && d.key != "convergence" {
            lines.push(if d.outlier_language {
                "A partisan metric: an extreme value can make the plan an outlier.".into()
            } else {
                "Not a partisan metric: never described as an outlier.".into()
            });
        }
        if !d.citation.is_empty() {
            lines.push(format!("Source: {}", d.citation));
        }
        doc.push(Block::Term { term: d.name.clone(), lines });
    }
    provenance(j, &mut doc);
    // A table of contents after the introduction: the report is long, and a reader (or a court)
    // goes to one section.
    let sections: Vec<String> = doc
        .iter()
        .filter_map(|b| if let Block::Heading(2, t) = b { Some(t.clone()) } else { None })
        .collect();
    let at = doc.iter().position(|b| matches!(b, Block::Heading(2, _))).unwrap_or(doc.len());
    doc.insert(at, Block::Contents(sections));
    doc
}

fn capital(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

fn district_table(j: &Judgement, doc: &mut Vec<Block>) {
    doc.push(Block::Heading(3, "Districts".into()));
    let mut header = vec!["District".to_string(), "Population".into(), "Deviation".into()];
    let mut align = vec![Align::Left, Align::Right, Align::Right];
    for e in &j.elections {
        header.push(format!("D share ({})", e.name));
        header.push("Winner".into());
        align.extend([Align::Right, Align::Left]);
    }
    let has_counties = j.districts.iter().any(|d| d.counties.is_some());
    if has_counties {
        header.push("Counties (split)".into());
        align.push(Align::Right);
    }
    let has_shapes = j.districts.iter().any(|d| d.compactness.is_some());
    if has_shapes {
        header.extend(["Polsby-Popper".to_string(), "Reock".into()]);
        align.extend([Align::Right, Align::Right]);
    }
    let groups: Vec<String> = j
        .districts
        .first()
        .and_then(|d| d.vap.as_ref())
        .map(|v| v.groups.iter().map(|g| g.group.clone()).collect())
        .unwrap_or_default();
    for g in &groups {
        header.push(format!("{} VAP", capital(g)));
        align.push(Align::Right);
    }
    let mut rows = Vec::new();
    for d in &j.districts {
        let mut r = vec![
            if d.pieces > 1 { format!("{} ({} pieces)", d.district, d.pieces) } else { d.district.clone() },
            thousands(d.population),
            format!("{:+.2}%", 100.0 * d.deviation).replace('-', "−"),
        ];
        for v in &d.elections {
            r.push(format!("{:.1}%", 100.0 * v.dem_share));
            r.push(v.winner.clone());
        }
        if has_counties {
            r.push(d.counties.as_ref().map_or("—".into(), |c| format!("{} ({})", c.touched, c.part.len())));
        }
        if has_shapes {
            match &d.compactness {
                Some(c) => r.extend([format!("{:.3}", c.polsby_popper), format!("{:.3}", c.reock)]),
                None => r.extend(["—".to_string(), "—".into()]),
            }
        }
        if let Some(v) = &d.vap {
            for g in &v.groups {
                r.push(format!("{:.1}%", 100.0 * g.share));
            }
        }
        rows.push(r);
    }
    doc.push(Block::Table { header, align, rows });
    let mut expl = String::from(
        "Deviation: (district population − ideal) / ideal. D share: Democratic share of the two-party vote. Counties: \
         counties with units in the district (in brackets, those shared with another district).",
    );
    if has_shapes {
        expl.push_str(" Polsby-Popper and Reock: 1 is a disc, lower is less compact.");
    }
    if !groups.is_empty() {
        expl.push_str(" VAP: the group's share of the district's voting-age population.");
    }
    doc.push(Block::Paragraph(expl));
}

fn plan_facts(j: &Judgement, doc: &mut Vec<Block>) {
    let p = &j.plan;
    let mut rows = vec![
        vec!["Units".to_string(), thousands(p.units as f64)],
        vec!["Districts".into(), p.districts.to_string()],
        vec!["Ideal district population".into(), thousands(p.population.ideal)],
        vec![
            "Largest population deviation".into(),
            format!(
                "{:.3}% (most over {:+.3}%, most under {:+.3}%)",
                100.0 * p.population.max_abs_deviation,
                100.0 * p.population.max_deviation,
                100.0 * p.population.min_deviation
            ),
        ],
        vec!["Population range (max − min) / ideal".into(), format!("{:.3}%", 100.0 * p.population.range)],
    ];
    if let (Some(t), Some(w)) = (p.tolerance, p.within_tolerance) {
        rows.push(vec![
            format!("Within the ensemble's ±{:.2}% tolerance", 100.0 * t),
            if w { "yes".into() } else { "NO".into() },
        ]);
    }
    rows.push(vec![
        "Contiguity on the graph".into(),
        if p.non_contiguous.is_empty() {
            "every district is contiguous".into()
        } else {
            p.non_contiguous
                .iter()
                .map(|d| format!("district {} in {} pieces", d.district, d.pieces))
                .collect::<Vec<_>>()
                .join(", ")
        },
    ]);
    rows.push(vec!["Cut edges".into(), p.cut_edges.to_string()]);
    if let Some(s) = &p.county_splits {
        rows.push(vec![
            "Counties split".into(),
            format!("{} of {} ({} extra pieces)", s.split_regions, s.regions, s.extra_pieces),
        ]);
    }
    if let Some(c) = &j.compactness {
        rows.push(vec![
            "Polsby-Popper, mean and minimum".into(),
            format!("{:.3}, {:.3}", c.mean_polsby_popper, c.min_polsby_popper),
        ]);
        rows.push(vec!["Reock, mean and minimum".into(), format!("{:.3}, {:.3}", c.mean_reock, c.min_reock)]);
        rows.push(vec!["Length of district borders".into(), format!("{} km", thousands(c.cut_length_km))]);
        rows.push(vec!["Polygons".into(), c.source.clone()]);
    }
    doc.push(Block::Heading(3, "Facts of the plan".into()));
    doc.push(Block::Table {
        header: vec!["Fact".into(), "Value".into()],
        align: vec![Align::Left, Align::Left],
        rows,
    });
}

fn diagnostics(j: &Judgement, doc: &mut Vec<Block>) {
    doc.push(Block::Heading(2, "Convergence diagnostics".into()));
    doc.push(Block::Paragraph(if j.weighted {
        "The ensemble was drawn by Sequential Monte Carlo: its plans carry importance weights and are nearly \
         independent, so autocorrelation-based effective sample sizes do not apply. R-hat compares the independent \
         runs (rank-normalised, each run resampled by weight); the effective samples are the weights' effective \
         sample size summed over runs, each capped by the run's number of distinct plans. The ensemble is trusted \
         when R-hat ≤ 1.01 and there are at least 400 effective samples."
            .into()
    } else {
        "Rank-normalised split R-hat and bulk and tail effective sample sizes (Vehtari et al. 2021). The ensemble is trusted \
         when R-hat ≤ 1.01 and both effective sample sizes are at least 400."
            .into()
    }));
    let mut rows = Vec::new();
    for d in &j.diagnostics {
        let c = &d.convergence;
        let rhat = if c.rhat.is_finite() { format!("{:.4}", c.rhat) } else { "—".into() };
        let verdict = match d.verdict {
            redraw_metrics::MixingVerdict::Mixed => "mixed",
            redraw_metrics::MixingVerdict::NotMixed => "NOT MIXED",
            redraw_metrics::MixingVerdict::SingleChain if j.weighted => "single run: R-hat undefined",
            redraw_metrics::MixingVerdict::SingleChain => "single chain: R-hat undefined",
            redraw_metrics::MixingVerdict::Constant => "constant: nothing to mix",
        };
        if j.weighted {
            rows.push(vec![
                d.statistic.clone(),
                c.chains.to_string(),
                thousands(c.draws_per_chain as f64),
                rhat,
                format!("{:.0}", c.ess_bulk),
                verdict.into(),
            ]);
        } else {
            rows.push(vec![
                d.statistic.clone(),
                c.chains.to_string(),
                thousands(c.draws_per_chain as f64),
                rhat,
                format!("{:.0}", c.ess_bulk),
                format!("{:.0}", c.ess_tail),
                verdict.into(),
            ]);
        }
    }
    if j.weighted {
        doc.push(Block::Table {
            header: ["Statistic", "Runs", "Plans per run", "R-hat (runs)", "Effective samples", "Verdict"]
                .iter()
                .map(|s| s.to_string())
                .collect(),
            align: vec![Align::Left, Align::Right, Align::Right, Align::Right, Align::Right, Align::Left],
            rows,
        });
    } else {
        doc.push(Block::Table {
            header: ["Statistic", "Chains", "Draws per chain", "R-hat", "Bulk ESS", "Tail ESS", "Verdict"]
                .iter()
                .map(|s| s.to_string())
                .collect(),
            align: vec![
                Align::Left,
                Align::Right,
                Align::Right,
                Align::Right,
                Align::Right,
                Align::Right,
                Align::Left,
            ],
            rows,
        });
    }
    let mut more = Vec::new();
    if let Some(r) = j.repeat_rate {
        more.push(format!(
            "Consecutive recorded samples that repeat the previous plan's votes: {:.1}% (a lower bound on the self-loop \
             rate; equal to it when every step is recorded).",
            100.0 * r
        ));
    }
    if let Some(s) = &j.ensemble.step_rates {
        more.push(format!(
            "Proposals: {} steps, acceptance {:.1}%, self-loops {:.1}%.",
            thousands(s.steps as f64),
            100.0 * s.acceptance,
            100.0 * s.self_loop
        ));
    }
    if !more.is_empty() {
        doc.push(Block::Paragraph(more.join(" ")));
    }
    // Trace plots show a chain's path; SMC particles have no order, so a weighted ensemble gets
    // none (its runs are compared by R-hat and by the histograms).
    if j.weighted {
        return;
    }
    for d in j.diagnostics.iter().filter(|d| d.verdict != redraw_metrics::MixingVerdict::Constant) {
        let per = d.chains.first().map_or(0, |c| c.values.len());
        let svg = trace_panels_svg(
            &d.chains,
            &format!("Trace: {}", d.statistic),
            &format!(
                "{} chain(s), {} recorded plans each; one panel per chain",
                d.chains.len(),
                thousands(per as f64)
            ),
            &d.statistic,
        );
        doc.push(Block::Figure {
            file: format!("trace_{}.svg", slug(&d.statistic)),
            svg,
            caption: format!(
                "{} along each chain: chains that agree and wander over the same range have mixed.",
                d.statistic
            ),
        });
    }
}

fn counties_appendix(j: &Judgement, doc: &mut Vec<Block>) {
    if j.districts.iter().all(|d| d.counties.is_none()) {
        return;
    }
    doc.push(Block::Heading(2, "Counties by district".into()));
    let rows: Vec<Vec<String>> = j
        .districts
        .iter()
        .filter_map(|d| {
            let c = d.counties.as_ref()?;
            let whole = if c.whole.is_empty() { "—".into() } else { c.whole.join(", ") };
            let part = if c.part.is_empty() { "—".into() } else { c.part.join(", ") };
            Some(vec![d.district.clone(), whole, part])
        })
        .collect();
    doc.push(Block::Table {
        header: vec!["District".into(), "Whole counties".into(), "Parts of counties".into()],
        align: vec![Align::Left, Align::Left, Align::Left],
        rows,
    });
}

fn provenance(j: &Judgement, doc: &mut Vec<Block>) {
    doc.push(Block::Heading(2, "Provenance".into()));
    let Some(p) = &j.provenance else {
        doc.push(Block::Paragraph("No provenance was recorded for this judgement.".into()));
        return;
    };
    doc.push(Block::Paragraph(format!(
        "Made by redraw {} on {} with the command below. The ensemble was drawn by redraw {}.",
        p.redraw_version, p.generated_utc, p.run.redraw_version
    )));
    doc.push(Block::Code(p.command_line.iter().map(|a| shell_quote(a)).collect::<Vec<_>>().join(" ")));
    doc.push(Block::Table {
        header: vec!["Input".into(), "File".into(), "Bytes".into(), "SHA-256".into()],
        align: vec![Align::Left, Align::Left, Align::Right, Align::Left],
        rows: p
            .inputs
            .iter()
            .map(|f| vec![f.role.clone(), f.path.clone(), thousands(f.bytes as f64), f.sha256.clone()])
            .collect(),
    });
    let r = &p.run;
    let mut rows = vec![
        vec!["Proposal".to_string(), format!("{} ({} pairs)", r.proposal, r.pair_selection)],
        vec!["Seed".into(), r.seed.to_string()],
        vec!["Chains".into(), r.chains.to_string()],
        vec!["Steps per chain".into(), thousands(r.steps_per_chain as f64)],
        vec![
            "Recorded".into(),
            format!(
                "every {} step(s) after step {}: {} plans",
                r.thin,
                r.burn_in,
                thousands(r.samples_recorded as f64)
            ),
        ],
        vec!["Population tolerance".into(), format!("±{:.2}%", 100.0 * r.tolerance)],
        vec!["Population column".into(), r.population_column.clone().unwrap_or_else(|| "—".into())],
        vec!["Elections (Democratic vs Republican columns)".into(), r.elections.join("; ")],
    ];
    if let Some(s) = &j.selection {
        rows.push(vec![
            "Judged".into(),
            format!(
                "burn-in {} steps, thinning {}: {} of {} plans",
                thousands(s.burn_in as f64),
                s.thin,
                thousands(s.kept as f64),
                thousands(s.recorded as f64)
            ),
        ]);
    }
    doc.push(Block::Table {
        header: vec!["Run parameter".into(), "Value".into()],
        align: vec![Align::Left, Align::Left],
        rows,
    });
    if !p.checks.is_empty() {
        doc.push(Block::List(p.checks.clone()));
    }
}

fn shell_quote(a: &str) -> String {
    if !a.is_empty() && a.chars().all(|c| c.is_ascii_alphanumeric() || "-_./=,:@+%".contains(c)) {
        a.to_string()
    } else {
        format!("'{}'", a.replace('\'', "'\\''"))
    }
}

/// Markdown: figures link the SVG files written beside it.
pub fn to_markdown(doc: &[Block]) -> String {
    let mut md = String::new();
    let cell = |s: &str| s.replace('|', "\\|").replace('\n', " ");
    for b in doc {
        match b {
            Block::Heading(l, t) => {
                let _ = writeln!(md, "{} {t}\n", "#".repeat(*l as usize));
            }
            Block::Paragraph(t) => {
                let _ = writeln!(md, "{t}\n");
            }
            Block::Callout(t) => {
                let _ = writeln!(md, "> **{t}**\n");
            }
            Block::List(items) => {
                for i in items {
                    let _ = writeln!(md, "- {i}");
                }
                md.push('\n');
            }
            Block::Table { header, align, rows } => {
                let _ =
                    writeln!(md, "| {} |", header.iter().map(|h| cell(h)).collect::<Vec<_>>().join(" | "));
                let _ = writeln!(
                    md,
                    "|{}|",
                    align
                        .iter()
                        .map(|a| if *a == Align::Right { "---:" } else { "---" })
                        .collect::<Vec<_>>()
                        .join("|")
                );
                for r in rows {
                    let _ = writeln!(md, "| {} |", r.iter().map(|c| cell(c)).collect::<Vec<_>>().join(" | "));
                }
                md.push('\n');
            }
            Block::Figure { file, caption, .. } => {
                let _ = writeln!(md, "![{}]({file})\n", cell(caption));
            }
            Block::Code(t) => {
                let _ = writeln!(md, "```sh\n{t}\n```\n");
            }
            Block::Contents(sections) => {
                md.push_str("**Contents**\n\n");
                for (i, t) in sections.iter().enumerate() {
                    let _ = writeln!(md, "{}. [{t}](#{})", i + 1, github_anchor(t));
                }
                md.push('\n');
            }
            Block::Term { term, lines } => {
                let _ = writeln!(md, "**{term}.** {}\n", lines.join(" "));
            }
        }
    }
    md
}

/// The anchor GitHub (and most Markdown renderers) give a heading: lower case, punctuation
/// other than `-` and `_` dropped, spaces as hyphens.
fn github_anchor(t: &str) -> String {
    t.to_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric() || *c == ' ' || *c == '-' || *c == '_')
        .map(|c| if c == ' ' { '-' } else { c })
        .collect()
}

/// Escaped text whose `code spans` (the commands the notes suggest) become `<code>`, as the
/// Markdown shows them.
fn inline(s: &str) -> String {
    let parts: Vec<&str> = s.split('`').collect();
    if parts.len() < 3 || parts.len() % 2 == 0 {
        return esc(s);
    }
    parts
        .iter()
        .enumerate()
        .map(|(i, p)| if i % 2 == 1 { format!("<code>{}</code>", esc(p)) } else { esc(p) })
        .collect()
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// One self-contained HTML file: the figures inline, a print stylesheet, no external resource.
pub fn to_html(doc: &[Block], title: &str) -> String {
    let mut h = String::new();
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{}</title>\n<style>\n{}\n</style>\n</head>\n<body>\n<main>\n",
        esc(title),
        CSS
    );
    let mut fig = 0;
    for b in doc {
        match b {
            Block::Heading(l, t) => {
                let id = slug(t);
                let _ = writeln!(h, "<h{l} id=\"{id}\">{}</h{l}>", esc(t));
            }
            Block::Paragraph(t) => {
                let _ = writeln!(h, "<p>{}</p>", inline(t));
            }
            Block::Callout(t) => {
                let _ = writeln!(h, "<p class=\"callout\">{}</p>", inline(t));
            }
            Block::List(items) => {
                h.push_str("<ul>\n");
                for i in items {
                    let _ = writeln!(h, "<li>{}</li>", inline(i));
                }
                h.push_str("</ul>\n");
            }
            Block::Table { header, align, rows } => {
                h.push_str("<div class=\"table\"><table>\n<thead><tr>");
                for (c, a) in header.iter().zip(align) {
                    let _ = write!(
                        h,
                        "<th{}>{}</th>",
                        if *a == Align::Right { " class=\"num\"" } else { "" },
                        esc(c)
                    );
                }
                h.push_str("</tr></thead>\n<tbody>\n");
                for r in rows {
                    h.push_str("<tr>");
                    for (c, a) in r.iter().zip(align) {
                        let _ = write!(
                            h,
                            "<td{}>{}</td>",
                            if *a == Align::Right { " class=\"num\"" } else { "" },
                            esc(c)
                        );
                    }
                    h.push_str("</tr>\n");
                }
                h.push_str("</tbody></table></div>\n");
            }
            Block::Figure { svg, caption, .. } => {
                fig += 1;
                // The SVG's own XML declaration-free markup goes in as is; its ids are not used.
                let _ = writeln!(
                    h,
                    "<figure>\n{}\n<figcaption>Figure {fig}. {}</figcaption>\n</figure>",
                    svg.trim(),
                    esc(caption)
                );
            }
            Block::Code(t) => {
                let _ = writeln!(h, "<pre><code>{}</code></pre>", esc(t));
            }
            Block::Contents(sections) => {
                h.push_str("<nav class=\"toc\"><h2 id=\"contents\">Contents</h2>\n<ol>\n");
                for t in sections {
                    let _ = writeln!(h, "<li><a href=\"#{}\">{}</a></li>", slug(t), esc(t));
                }
                h.push_str("</ol></nav>\n");
            }
            Block::Term { term, lines } => {
                let _ = writeln!(h, "<div class=\"term\"><h4>{}</h4>", esc(term));
                for l in lines {
                    let _ = writeln!(h, "<p>{}</p>", esc(l));
                }
                h.push_str("</div>\n");
            }
        }
    }
    h.push_str("</main>\n</body>\n</html>\n");
    h
}

const CSS: &str = "body{font-family:Helvetica,Arial,sans-serif;color:#222;margin:0;background:#fff;line-height:1.45}
main{max-width:1180px;margin:0 auto;padding:24px 32px 64px}
h1{font-size:26px;margin:8px 0 12px}h2{font-size:21px;margin:36px 0 10px;border-bottom:1px solid #ccc;padding-bottom:4px}
h3{font-size:17px;margin:24px 0 8px}h4{font-size:15px;margin:14px 0 4px}
p{margin:8px 0}.callout{background:#fff4e5;border-left:4px solid #e69f00;padding:8px 12px}
.table{overflow-x:auto}table{border-collapse:collapse;margin:10px 0;font-size:13px}
th,td{border-bottom:1px solid #ddd;padding:4px 8px;text-align:left;vertical-align:top}
td:last-child{overflow-wrap:anywhere}
th{background:#f2f2f2}.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
th.num{white-space:normal}
figure{margin:18px 0;page-break-inside:avoid}figure svg{max-width:100%;height:auto;border:1px solid #eee}
figcaption{font-size:13px;color:#444;margin-top:4px}
pre{background:#f6f6f6;padding:8px 12px;overflow-x:auto;font-size:12px;white-space:pre-wrap;word-break:break-all}
.term p{margin:2px 0 2px 0;font-size:14px}
code{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.9em;background:#f3f3f3;padding:0 3px}
.toc ol{columns:2;font-size:14px;margin:4px 0 0}.toc h2{border:0;margin:18px 0 4px;font-size:17px}
@media print{main{max-width:none;padding:0}h2{page-break-after:avoid;break-before:page}
h2#summary,h2#contents,h2#warnings{break-before:auto}.toc a{color:#222;text-decoration:none}
table{page-break-inside:auto;font-size:9.5px}th,td{padding:2px 4px}tr{page-break-inside:avoid}
.table{overflow:visible}figure svg{border:0;max-height:4.1in;width:auto}}";

/// Renders the judgement's files: `report.md` with one SVG per figure, `report.html`,
/// `report.json`. `title` names the plan (e.g. its file name).
pub fn render_with(j: &Judgement, title: &str, figures: &Figures) -> Vec<ReportFile> {
    let doc = document(j, title, figures);
    let mut files = figure_files(&doc);
    let mut json = serde_json::to_string_pretty(j).expect("judgement serialises");
    json.push('\n');
    files.push(ReportFile { name: "report.json".into(), bytes: json.into_bytes() });
    files.push(ReportFile { name: "report.md".into(), bytes: to_markdown(&doc).into_bytes() });
    files.push(ReportFile {
        name: "report.html".into(),
        bytes: to_html(&doc, &format!("Judging {title} against a neutral ensemble")).into_bytes(),
    });
    files
}

/// The SVG figures of a document, one file each (what `report.md` links).
fn figure_files(doc: &[Block]) -> Vec<ReportFile> {
    doc.iter()
        .filter_map(|b| match b {
            Block::Figure { file, svg, .. } => {
                Some(ReportFile { name: file.clone(), bytes: svg.clone().into_bytes() })
            }
            _ => None,
        })
        .collect()
}

/// Only the SVG figures of [`render`] (the web app's plots), without building the Markdown, HTML
/// and JSON documents around them.
pub fn figures(j: &Judgement, title: &str) -> Vec<ReportFile> {
    figure_files(&document(j, title, &Figures::default()))
}

/// [`render_with`] without extra figures.
pub fn render(j: &Judgement, title: &str) -> Vec<ReportFile> {
    render_with(j, title, &Figures::default())
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
        assert_eq!(format_value("majority_black_districts", 2.0), "2");
    }

    #[test]
    fn html_is_self_contained_and_escaped() {
        let doc = vec![
            Block::Heading(1, "A <plan>".into()),
            Block::Figure {
                file: "f.svg".into(),
                svg: "<svg xmlns=\"http://www.w3.org/2000/svg\"></svg>".into(),
                caption: "c & d".into(),
            },
            Block::Table {
                header: vec!["a".into()],
                align: vec![Align::Right],
                rows: vec![vec!["1 < 2".into()]],
            },
        ];
        let h = to_html(&doc, "t");
        assert!(h.contains("A &lt;plan&gt;") && h.contains("c &amp; d") && h.contains("1 &lt; 2"));
        assert!(h.contains("<svg xmlns"), "figures inline");
        assert!(!h.contains("src=") && !h.contains("href="), "no external resource");
        let md = to_markdown(&doc);
        assert!(md.contains("![c & d](f.svg)"));
        // Code spans of notes become <code> (escaped inside); unpaired backticks stay text.
        let h = to_html(
            &[Block::Callout("Use `redraw <x>` or `y`.".into()), Block::Paragraph("a ` b".into())],
            "t",
        );
        assert!(h.contains("Use <code>redraw &lt;x&gt;</code> or <code>y</code>."), "{h}");
        assert!(h.contains("<p>a ` b</p>"), "{h}");
    }
}
