//! `redraw split`: neutral splits of a state into new states and where named proposals fall.

use std::path::PathBuf;

use anyhow::Context as _;
use redraw_core::Dataset;
use redraw_judge::split::{self, SplitSpec, SplitSummary};

use crate::output::{self, Cell, Format, OutputArgs, Table};

/// The long help: clap shows the subcommand's one-line summary from `main.rs` and this after
/// the options (the variant's doc comment replaces the struct's own `long_about`).
const LONG_HELP: &str = "\
Draw neutral splits of a state into new states (ReCom on the embedded county graph, whole
counties, within a population tolerance you choose) and evaluate each one's national
consequences: House re-apportionment among 50 − 1 + k states, Senate, and the Electoral
College under the 2016, 2020 and 2024 results. Reports the distribution and where named
proposals with the same number of parts (Cal 3 for 3, Six Californias for 6) fall in it.

Every sample is checked: the Senate has 2 × (number of states) seats, the House adds up to
435, and electoral votes add up to House + senators + DC's 3.

State splits are far looser than districts: ±25 % is a reasonable tolerance for three
parts. A whole-county split may be impossible at a tight tolerance (one county can exceed
the allowed size: Los Angeles County is 25 % of California); the error says which.

Examples:
  redraw split CA --into 3 --tol 0.25 --samples 10000
  redraw split CA --into 6 --tol 0.6 --samples 2000 --seed 7 --format markdown
  redraw split TX --into 5 --samples 4000 --samples-csv tx5.csv";

/// Draw neutral splits of a state into new states (ReCom on the embedded county graph, whole
/// counties, within a population tolerance you choose) and evaluate each one's national
/// consequences: House re-apportionment among 50 − 1 + k states, Senate, and the Electoral
/// College under the 2016, 2020 and 2024 results. Reports the distribution and where named
/// proposals with the same number of parts (Cal 3 for 3, Six Californias for 6) fall in it.
///
/// Every sample is checked: the Senate has 2 × (number of states) seats, the House adds up to
/// 435, and electoral votes add up to House + senators + DC's 3.
///
/// State splits are far looser than districts: ±25 % is a reasonable tolerance for three
/// parts. A whole-county split may be impossible at a tight tolerance (one county can exceed
/// the allowed size: Los Angeles County is 25 % of California); the error says which.
///
/// Examples:
///   redraw split CA --into 3 --tol 0.25 --samples 10000
///   redraw split CA --into 6 --tol 0.6 --samples 2000 --seed 7 --format markdown
///   redraw split TX --into 5 --samples 4000 --samples-csv tx5.csv
#[derive(clap::Args)]
#[command(verbatim_doc_comment, after_long_help = LONG_HELP)]
pub struct Args {
    /// The state to split (abbreviation, name or FIPS).
    pub state: String,
    /// Number of new states.
    #[arg(long, value_name = "K")]
    pub into: usize,
    /// Population tolerance: largest allowed |part − ideal| / ideal.
    #[arg(long, default_value_t = 0.25, value_name = "FRACTION")]
    pub tol: f64,
    /// Samples to record in total (split evenly across chains).
    #[arg(long, default_value_t = 4000, value_name = "N")]
    pub samples: usize,
    /// Independent chains (at least 2 for R-hat).
    #[arg(long, default_value_t = 4, value_name = "C")]
    pub chains: u32,
    /// ReCom steps between recorded samples.
    #[arg(long, default_value_t = 10, value_name = "STEPS")]
    pub thin: u64,
    /// Steps before the first recorded sample of each chain.
    #[arg(long, default_value_t = 100, value_name = "STEPS")]
    pub burn_in: u64,
    /// Random seed (chain i uses stream i of it).
    #[arg(long, default_value_t = 2020, value_name = "S")]
    pub seed: u64,
    /// Named proposals (preset ids) to place. Default: every built-in preset that splits this
    /// state into exactly --into states.
    #[arg(long = "proposal", value_name = "PRESET")]
    pub proposals: Vec<String>,
    /// Also write one CSV row per sample (chain, step, parts' populations, House seats and
    /// electoral votes, national results per election).
    #[arg(long, value_name = "FILE")]
    pub samples_csv: Option<PathBuf>,
    #[command(flatten)]
    pub output: OutputArgs,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    if args.chains == 0 || args.samples < args.chains as usize {
        anyhow::bail!("--samples ({}) must be at least --chains ({})", args.samples, args.chains);
    }
    let ds = Dataset::embedded();
    let spec = SplitSpec {
        state: args.state.clone(),
        parts: args.into,
        tolerance: args.tol,
        samples_per_chain: args.samples.div_ceil(args.chains as usize),
        chains: args.chains,
        seed: args.seed,
        thin: args.thin,
        burn_in: args.burn_in,
    };
    // Sampling a county graph is fast (tens of thousands of samples per second), so there is
    // no progress bar.
    let run = split::draw_splits(ds, &spec, |_| {})?;
    let ids: Vec<String> = if args.proposals.is_empty() {
        split::matching_presets(ds, &args.state, args.into).into_iter().map(str::to_string).collect()
    } else {
        args.proposals.clone()
    };
    let mut proposals = Vec::new();
    for id in &ids {
        proposals.push(split::evaluate_preset(ds, &run, id).with_context(|| format!("proposal {id}"))?);
    }
    if let Some(path) = &args.samples_csv {
        output::write_atomic(path, samples_csv(&run).as_bytes())?;
    }
    let summary = split::summarise(&run, proposals);
    print_summary(&summary, &args.output)
}

fn samples_csv(run: &split::SplitRun) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header = vec!["chain".to_string(), "step".to_string()];
    for p in 1..=run.parts {
        header.push(format!("pop_{p}"));
    }
    for p in 1..=run.parts {
        header.push(format!("house_{p}"));
    }
    for p in 1..=run.parts {
        header.push(format!("ev_{p}"));
    }
    let years: Vec<u16> =
        run.samples.first().map(|s| s.outcome.elections.iter().map(|e| e.year).collect()).unwrap_or_default();
    for y in &years {
        header.extend([
            format!("ev_dem_{y}"),
            format!("ev_rep_{y}"),
            format!("senate_dem_{y}"),
            format!("senate_rep_{y}"),
        ]);
    }
    w.write_record(&header).expect("in-memory csv");
    for s in &run.samples {
        let o = &s.outcome;
        let mut row = vec![s.chain.to_string(), s.step.to_string()];
        row.extend(o.part_population.iter().map(u64::to_string));
        row.extend(o.part_house_seats.iter().map(u32::to_string));
        row.extend(o.part_electoral_votes.iter().map(u32::to_string));
        for e in &o.elections {
            row.extend(
                [e.electoral_votes_dem, e.electoral_votes_rep, e.senate_dem, e.senate_rep]
                    .map(|v| v.to_string()),
            );
        }
        w.write_record(&row).expect("in-memory csv");
    }
    String::from_utf8(w.into_inner().expect("in-memory csv")).expect("utf8")
}

fn value_text(key: &str, v: f64) -> String {
    if key == "max_part_deviation" {
        format!("{:.1}%", 100.0 * v)
    } else if key.contains("polsby") || key.contains("reock") {
        format!("{v:.3}")
    } else {
        output::human(v)
    }
}

fn print_summary(s: &SplitSummary, out: &OutputArgs) -> anyhow::Result<()> {
    if out.format == Format::Json && out.table.is_none() {
        return output::print(&output::json_document(s)?);
    }
    let mut headers: Vec<String> =
        ["consequence", "mean", "q05", "median", "q95"].iter().map(|h| h.to_string()).collect();
    for p in &s.proposals {
        headers.push(format!("{} (percentile)", p.id));
    }
    let hdr: Vec<&str> = headers.iter().map(String::as_str).collect();
    let mut dist = Table::new(&hdr)
        .titled(format!(
            "{} split into {} states: {} neutral samples from {} chains, ±{:.0}% population tolerance",
            s.state,
            s.parts,
            s.samples,
            s.chains,
            100.0 * s.tolerance
        ))
        .right(&(1..hdr.len()).collect::<Vec<_>>());
    for st in &s.statistics {
        let key = st.judged.metric.as_str();
        let d = st.judged.distribution.as_ref();
        let cell = |v: f64| Cell::with_value(value_text(key, v), serde_json::json!(v));
        let mut row = vec![
            st.judged.label.clone().into(),
            d.map_or_else(Cell::empty, |d| cell(d.mean)),
            d.map_or_else(Cell::empty, |d| cell(d.q05)),
            d.map_or_else(Cell::empty, |d| cell(d.median)),
            d.map_or_else(Cell::empty, |d| cell(d.q95)),
        ];
        for p in &st.proposals {
            let text = match p.percentile {
                Some(pct) => format!("{} ({:.1})", value_text(key, p.value), 100.0 * pct),
                None => value_text(key, p.value),
            };
            row.push(Cell::with_value(
                text,
                serde_json::json!({"value": p.value, "percentile": p.percentile}),
            ));
        }
        dist.push(row);
    }

    let mut props =
        Table::new(&["proposal", "part", "population", "House seats", "electoral votes", "notes"])
            .titled("Named proposals, scored like the samples")
            .right(&[2, 3, 4]);
    for p in &s.proposals {
        for (i, name) in p.part_names.iter().enumerate() {
            let note = if i > 0 {
                String::new()
            } else {
                let mut n = vec![format!(
                    "largest deviation {:.1}% ({} the ±{:.0}% tolerance)",
                    100.0 * p.max_deviation,
                    if p.within_tolerance { "within" } else { "OUTSIDE" },
                    100.0 * s.tolerance
                )];
                if !p.non_contiguous_parts.is_empty() {
                    n.push(format!("not contiguous: {}", p.non_contiguous_parts.join(", ")));
                }
                n.join("; ")
            };
            props.push(vec![
                if i == 0 { p.title.clone().into() } else { Cell::empty() },
                name.clone().into(),
                p.outcome.part_population[i].into(),
                p.outcome.part_house_seats[i].into(),
                p.outcome.part_electoral_votes[i].into(),
                note.into(),
            ]);
        }
    }

    let mut diag = Table::new(&["statistic", "R-hat", "bulk ESS", "tail ESS", "verdict"])
        .keys(&["statistic", "rhat", "ess_bulk", "ess_tail", "verdict"])
        .titled("Convergence (R-hat ≤ 1.01 and ESS ≥ 400)")
        .right(&[1, 2, 3]);
    for d in &s.diagnostics {
        let (c, v) = (&d.convergence, &d.verdict);
        diag.push(vec![
            d.statistic.clone().into(),
            Cell::float(c.rhat, 4),
            Cell::float(c.ess_bulk, 0),
            Cell::float(c.ess_tail, 0),
            match v {
                redraw_metrics::MixingVerdict::Mixed => "mixed",
                redraw_metrics::MixingVerdict::NotMixed => "NOT MIXED",
                redraw_metrics::MixingVerdict::SingleChain => "single chain",
                redraw_metrics::MixingVerdict::Constant => "constant",
            }
            .into(),
        ]);
    }
    let mut checks = Table::new(&["check", "result"]).titled("Consistency");
    checks.push(vec![
        "samples checked (Senate = 2 × states, House = 435, EV = House + Senate + 3)".into(),
        format!("{} of {}, all hold", s.invariants_checked, s.samples).into(),
    ]);
    checks.push(vec![
        "ReCom acceptance".into(),
        Cell::with_value(format!("{:.1}%", 100.0 * s.acceptance), serde_json::json!(s.acceptance)),
    ]);
    let mut tables = vec![("distribution", &dist)];
    if !s.proposals.is_empty() {
        tables.push(("proposals", &props));
    }
    tables.push(("diagnostics", &diag));
    tables.push(("checks", &checks));
    output::emit(&tables, out)
}
