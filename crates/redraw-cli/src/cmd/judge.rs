//! `redraw judge`: is this plan an outlier against a neutral ensemble?
//!
//! Reads the graph, the plan and the ensemble run directory (manifest.json + stats.csv), hands
//! plain slices to `redraw_judge::judge`, prints the verdict tables and optionally writes a
//! report directory (Markdown + SVG + JSON).

use std::path::{Path, PathBuf};

use anyhow::{bail, Context as _};
use redraw_ensemble::Manifest;
use redraw_graph::io::{read_graph, read_plan_csv};
use redraw_graph::{Counties, Graph, Plan};
use redraw_judge::judge::{EnsembleInfo, Judgement, MetricJudgement};
use redraw_judge::report::{self, format_value};
use redraw_judge::{EnsembleStats, PlanInput, UnitVotes};
use redraw_metrics::{MixingVerdict, StepRates};

use crate::output::{self, Cell, Format, OutputArgs, Table};

/// The long help: clap shows the subcommand's one-line summary from `main.rs` and this after
/// the options (the variant's doc comment replaces the struct's own `long_about`).
const LONG_HELP: &str = "\
Judge a plan against an ensemble: for every metric the plan's value, the ensemble's
distribution, the plan's percentile and a plain-language verdict; the plan's population
balance, contiguity, cut edges and county splits; and whether the ensemble has mixed
(rank-normalised split R-hat, bulk and tail ESS).

Signed metrics are positive when the plan favours Democrats. The percentile is the plan's
mid-rank among the ensemble's plans (ties count half). A plan outside the ensemble's
population tolerance or with non-contiguous districts is judged as given and the report says
so; nothing is repaired.

Examples:
  redraw judge --graph NC.json --plan NC_cd_2022_vtds.csv --ensemble runs/nc
  redraw judge --graph PA.json --plan PA_cd_2022_vtds.csv --ensemble runs/pa --report pa-report
  redraw judge --graph NC.json --plan enacted.csv --ensemble runs/nc --election COMP=DEM_VOTES,REP_VOTES --format json";

/// Judge a plan against an ensemble: for every metric the plan's value, the ensemble's
/// distribution, the plan's percentile and a plain-language verdict; the plan's population
/// balance, contiguity, cut edges and county splits; and whether the ensemble has mixed
/// (rank-normalised split R-hat, bulk and tail ESS).
///
/// Signed metrics are positive when the plan favours Democrats. The percentile is the plan's
/// mid-rank among the ensemble's plans (ties count half). A plan outside the ensemble's
/// population tolerance or with non-contiguous districts is judged as given and the report says
/// so; nothing is repaired.
///
/// Examples:
///   redraw judge --graph NC.json --plan NC_cd_2022_vtds.csv --ensemble runs/nc
///   redraw judge --graph PA.json --plan PA_cd_2022_vtds.csv --ensemble runs/pa --report pa-report
///   redraw judge --graph NC.json --plan enacted.csv --ensemble runs/nc --election COMP=DEM_VOTES,REP_VOTES --format json
#[derive(clap::Args)]
#[command(verbatim_doc_comment, after_long_help = LONG_HELP)]
pub struct Args {
    /// The graph the ensemble was drawn on (networkx JSON, rdabase *_graph.json, edge-list .csv).
    #[arg(long, value_name = "FILE")]
    pub graph: PathBuf,
    /// Attribute CSV for rdabase or edge-list graphs.
    #[arg(long, value_name = "CSV")]
    pub data: Option<PathBuf>,
    /// The plan to judge: a `unit id,district` CSV (ids matched against --key) or the name of a
    /// node attribute column.
    #[arg(long, value_name = "CSV|COL")]
    pub plan: String,
    /// The ensemble's run directory (written by `redraw ensemble`).
    #[arg(long, value_name = "DIR")]
    pub ensemble: PathBuf,
    /// Unit-level vote columns of an election recorded in the ensemble, as NAME=DEM,REP.
    /// Default: the columns listed in the run's manifest.
    #[arg(long = "election", value_name = "NAME=DEM,REP")]
    pub elections: Vec<String>,
    /// Population column. Default: the run's, else the first of TOTAL_POP, TOTPOP, tot_pop_20, POP100, POP.
    #[arg(long, value_name = "COL")]
    pub pop: Option<String>,
    /// Unit-id column of the graph (plan CSV ids and county prefixes come from it).
    #[arg(long, default_value = "GEOID", value_name = "COL")]
    pub key: String,
    /// County of each unit: a node attribute column. Default: the first --county-prefix
    /// characters of --key.
    #[arg(long, value_name = "COL")]
    pub county: Option<String>,
    /// Length of the county prefix of unit ids (5 = state + county FIPS); 0 disables counties.
    #[arg(long, default_value_t = 5, value_name = "N")]
    pub county_prefix: usize,
    /// Write a report directory: report.md, report.json and SVG plots.
    #[arg(long, value_name = "DIR")]
    pub report: Option<PathBuf>,
    #[command(flatten)]
    pub output: OutputArgs,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    // The run directory is checked before it is trusted: the manifest against itself, then the
    // rows of stats.csv and the header of assignments.bin against the manifest.
    let manifest = redraw_ensemble::verify::open_complete(&args.ensemble).with_context(|| {
        format!("{} is not an ensemble run directory ready to judge", args.ensemble.display())
    })?;
    redraw_ensemble::verify::check_assignments_file(&args.ensemble, &manifest)?;
    let stats_path = args.ensemble.join(&manifest.files.stats);
    let stats_file = std::fs::File::open(&stats_path)
        .with_context(|| format!("cannot open the ensemble's statistics {}", stats_path.display()))?;
    let stats =
        EnsembleStats::from_csv(std::io::BufReader::new(stats_file), &stats_path.display().to_string())?;
    manifest
        .check_rows(stats.chain.iter().copied().zip(stats.step.iter().copied()))
        .map_err(|msg| anyhow::anyhow!("{}: {msg}", stats_path.display()))?;
    if stats.districts().is_some_and(|k| k != manifest.districts) {
        bail!(
            "{}: its vote columns have {} districts but the manifest says {}",
            stats_path.display(),
            stats.districts().unwrap_or(0),
            manifest.districts
        );
    }

    let (loaded, _) = read_graph(&args.graph, args.data.as_deref(), &args.key)
        .with_context(|| format!("cannot read the graph {}", args.graph.display()))?;
    let graph = loaded.graph;
    let plan = load_plan(&graph, &args.plan, &args.key)?;
    if let Some(k) = stats.districts() {
        if plan.district_count() != k {
            bail!(
                "the plan {} has {} districts but the ensemble in {} has {k}: judge a plan against an ensemble \
                 drawn for the same number of districts",
                args.plan,
                plan.district_count(),
                args.ensemble.display()
            );
        }
    }
    if manifest.node_count != graph.node_count() {
        bail!(
            "the graph {} has {} units but the ensemble was drawn on a graph of {}: pass the ensemble's graph",
            args.graph.display(),
            graph.node_count(),
            manifest.node_count
        );
    }

    let pop_col = match &args.pop {
        Some(p) => p.clone(),
        None => manifest
            .population_column()
            .map(str::to_string)
            .or_else(|| {
                ["TOTAL_POP", "TOTPOP", "tot_pop_20", "POP100", "POP"]
                    .iter()
                    .find(|c| graph.column(c).is_ok())
                    .map(|c| c.to_string())
            })
            .context("no population column found; pass --pop COL")?,
    };
    let population = graph.column_f64(&pop_col).with_context(|| format!("population column {pop_col:?}"))?;

    // Election columns: --election overrides the manifest's list.
    let mut columns: Vec<(String, String, String)> = Vec::new();
    for spec in &args.elections {
        columns.push(parse_election(spec)?);
    }
    for e in &manifest.elections {
        if !columns.iter().any(|c| c.0 == e.name) {
            columns.push((e.name.clone(), e.dem_column.clone(), e.rep_column.clone()));
        }
    }
    let mut vote_data = Vec::new();
    for (name, d, r) in &columns {
        if !stats.elections.iter().any(|e| &e.name == name) {
            bail!(
                "election {name:?} is not recorded in {} (it records: {})",
                stats_path.display(),
                stats.elections.iter().map(|e| e.name.as_str()).collect::<Vec<_>>().join(", ")
            );
        }
        let dem = graph.column_f64(d).with_context(|| format!("election {name}: Democratic column {d:?}"))?;
        let rep = graph.column_f64(r).with_context(|| format!("election {name}: Republican column {r:?}"))?;
        vote_data.push((name.clone(), dem, rep));
    }

    let counties = if let Some(c) = &args.county {
        Some(Counties::from_column(&graph, c).with_context(|| format!("county column {c:?}"))?)
    } else if args.county_prefix > 0 {
        Counties::from_prefix(
            &graph,
            graph.column(&args.key).is_ok().then_some(args.key.as_str()),
            args.county_prefix,
        )
        .ok()
    } else {
        None
    };

    let (offsets, neighbors) = graph.csr();
    let input = PlanInput {
        offsets,
        neighbors,
        assignment: plan.assignment(),
        district_labels: plan.district_labels(),
        population: &population,
        counties: counties.as_ref().map(|c| c.of_node.as_slice()),
        elections: vote_data.iter().map(|(n, d, r)| UnitVotes { name: n.clone(), dem: d, rep: r }).collect(),
    };
    let info = ensemble_info(&manifest);
    let judgement = redraw_judge::judge(&input, &stats, &info)?;

    if let Some(dir) = &args.report {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        let title =
            Path::new(&args.plan).file_name().map_or(args.plan.clone(), |f| f.to_string_lossy().into_owned());
        for f in report::render(&judgement, &title) {
            output::write_atomic(&dir.join(&f.name), &f.bytes)?;
        }
        if output::progress_enabled() {
            eprintln!("report written to {}", dir.join("report.md").display());
        }
    }
    print_judgement(&judgement, &args.output)
}

fn ensemble_info(m: &Manifest) -> EnsembleInfo {
    // Checked by `verify::open_complete`: every chain's outcomes add up to its steps, and the
    // totals fit in 64 bits.
    let t = m.totals();
    // Every outcome other than acceptance leaves the plan unchanged (a self-loop).
    let step_rates = (t.steps > 0).then(|| StepRates::from_counts(t.steps, t.accepted, t.steps - t.accepted));
    let tol = format!(", population tolerance ±{:.2}%", 100.0 * m.tolerance);
    let description = Some(format!(
        "{}, {} steps per chain, seed {}{tol}",
        m.params.proposal.kind.name(),
        m.params.steps,
        m.params.seed
    ));
    EnsembleInfo { tolerance: Some(m.tolerance), step_rates, description }
}

fn parse_election(spec: &str) -> anyhow::Result<(String, String, String)> {
    let parsed = spec.split_once('=').and_then(|(n, cols)| {
        let (d, r) = cols.split_once(',')?;
        (!n.is_empty() && !d.is_empty() && !r.is_empty())
            .then(|| (n.to_string(), d.to_string(), r.to_string()))
    });
    parsed.with_context(|| format!("--election {spec:?}: expected NAME=DEM_COLUMN,REP_COLUMN"))
}

fn load_plan(graph: &Graph, plan: &str, key: &str) -> anyhow::Result<Plan> {
    let path = Path::new(plan);
    if path.exists() {
        let key = graph.column(key).is_ok().then_some(key);
        Ok(read_plan_csv(graph, path, key)?)
    } else if graph.column(plan).is_ok() {
        Ok(Plan::from_column(graph, plan)?)
    } else {
        bail!("--plan {plan:?} is neither a file nor a node attribute column of the graph")
    }
}

fn metric_table(title: &str, rows: &[&MetricJudgement]) -> Table {
    let mut t = Table::new(&["election", "metric", "plan", "mean", "q05", "q95", "percentile", "verdict"])
        .titled(title)
        .right(&[2, 3, 4, 5, 6]);
    for m in rows {
        let cell = |v: f64| Cell::with_value(format_value(&m.metric, v), num(v));
        let d = m.distribution.as_ref();
        t.push(vec![
            m.election.clone().unwrap_or_default().into(),
            m.label.clone().into(),
            cell(m.enacted),
            d.map_or_else(Cell::empty, |d| cell(d.mean)),
            d.map_or_else(Cell::empty, |d| cell(d.q05)),
            d.map_or_else(Cell::empty, |d| cell(d.q95)),
            m.placement.map_or_else(Cell::empty, |p| Cell::float(100.0 * p.percentile, 1)),
            m.verdict.clone().into(),
        ]);
    }
    t
}

fn num(v: f64) -> serde_json::Value {
    if v.is_finite() {
        serde_json::json!(v)
    } else {
        serde_json::Value::Null
    }
}

fn print_judgement(j: &Judgement, out: &OutputArgs) -> anyhow::Result<()> {
    if out.format == Format::Json && out.table.is_none() {
        return output::print(&output::json_document(j)?);
    }
    let rows: Vec<&MetricJudgement> =
        j.elections.iter().flat_map(|e| e.metrics.iter()).chain(j.structure.iter()).collect();
    let verdicts = metric_table(
        &format!(
            "Verdicts against {} ensemble plans from {} chain(s) (positive = favours Democrats)",
            j.samples, j.chains
        ),
        &rows,
    );

    let p = &j.plan;
    let mut facts = Table::new(&["fact", "value"]).titled("The plan");
    facts.push(vec!["districts".into(), p.districts.into()]);
    facts.push(vec![
        "max population deviation".into(),
        Cell::with_value(
            format!("{:.3}%", 100.0 * p.population.max_abs_deviation),
            num(p.population.max_abs_deviation),
        ),
    ]);
    facts.push(vec![
        "population range".into(),
        Cell::with_value(format!("{:.3}%", 100.0 * p.population.range), num(p.population.range)),
    ]);
    if let (Some(t), Some(w)) = (p.tolerance, p.within_tolerance) {
        facts.push(vec![
            format!("within ±{:.2}% tolerance", 100.0 * t).into(),
            Cell::with_value(if w { "yes" } else { "NO" }, serde_json::json!(w)),
        ]);
    }
    facts.push(vec![
        "non-contiguous districts".into(),
        if p.non_contiguous.is_empty() {
            Cell::with_value("none", serde_json::json!([]))
        } else {
            p.non_contiguous
                .iter()
                .map(|d| format!("{} ({} pieces)", d.district, d.pieces))
                .collect::<Vec<_>>()
                .join(", ")
                .into()
        },
    ]);
    facts.push(vec!["cut edges".into(), p.cut_edges.into()]);
    if let Some(s) = &p.county_splits {
        facts.push(vec!["split counties".into(), format!("{} of {}", s.split_regions, s.regions).into()]);
    }

    let mut diag =
        Table::new(&["statistic", "chains", "draws/chain", "R-hat", "bulk ESS", "tail ESS", "verdict"])
            .keys(&["statistic", "chains", "draws_per_chain", "rhat", "ess_bulk", "ess_tail", "verdict"])
            .titled("Convergence (R-hat ≤ 1.01 and ESS ≥ 400 to trust the ensemble)")
            .right(&[1, 2, 3, 4, 5]);
    for d in &j.diagnostics {
        let c = &d.convergence;
        diag.push(vec![
            d.statistic.clone().into(),
            c.chains.into(),
            c.draws_per_chain.into(),
            Cell::float(c.rhat, 4),
            Cell::float(c.ess_bulk, 0),
            Cell::float(c.ess_tail, 0),
            match d.verdict {
                MixingVerdict::Mixed => "mixed",
                MixingVerdict::NotMixed => "NOT MIXED",
                MixingVerdict::SingleChain => "single chain",
                MixingVerdict::Constant => "constant",
            }
            .into(),
        ]);
    }
    let mut notes = Table::new(&["note"]).titled("Warnings");
    for n in &j.notes {
        notes.push(vec![n.clone().into()]);
    }
    let mut tables = vec![("verdicts", &verdicts), ("plan", &facts), ("diagnostics", &diag)];
    if !j.notes.is_empty() {
        tables.push(("warnings", &notes));
    }
    output::emit(&tables, out)
}
