//! `redraw judge`: is this plan an outlier against a neutral ensemble?
//!
//! Reads the files (graph, plan, the run's manifest and stats.csv, polygons and the run's
//! assignments when there are polygons), hashes them for the provenance, hands them to
//! `redraw_judge::evaluate` (the glue the Python bindings share), prints the verdict tables and
//! optionally writes a report directory (Markdown + SVG, HTML, JSON).

use std::path::{Path, PathBuf};

use anyhow::{bail, Context as _};
use redraw_graph::io::{read_graph, read_plan_csv};
use redraw_graph::{Graph, Plan};
use redraw_judge::judge::{Judgement, MetricJudgement};
use redraw_judge::provenance::InputFile;
use redraw_judge::report::{self, format_value};
use redraw_judge::request::{AssignmentSource, CountyChoice, Invocation, Options, Request, VapChoice};
use redraw_judge::EnsembleStats;
use redraw_metrics::MixingVerdict;

use crate::output::{self, Cell, Format, OutputArgs, Table};

/// The long help: clap shows the subcommand's one-line summary from `main.rs` and this after
/// the options (the variant's doc comment replaces the struct's own `long_about`).
const LONG_HELP: &str = "\
Judge a plan against an ensemble: for every metric the plan's value, the ensemble's
distribution, the plan's percentile and a verdict that states the percentile and its
direction; the plan's population balance, contiguity, cut edges and county splits; a
per-district table; compactness and a map when polygons are available; minority
voting-age population shares and majority-minority / 40% district counts; and whether the
ensemble has mixed (rank-normalised split R-hat, bulk and tail ESS).

Signed metrics are positive when the plan favours Democrats. The percentile is the plan's
mid-rank among the ensemble's plans (plans with the same value count half). A tied district
is won by neither party, in the plan and in every neutral plan (the stats.csv rule). Only
partisan metrics can call a plan an outlier. A plan outside the ensemble's population
tolerance or with non-contiguous districts is judged as given and the report says so;
nothing is repaired.

Polygons: --shapes FILE (shapefile, GeoJSON, TopoJSON keyed by the unit id), or a file
beside the graph whose name starts with the graph's prefix (NC_2020_graph.json finds
NC_2020_vtd.topojson in the same folder, a shapes/ folder beside it or one level up). They
add the plan's map, Polsby-Popper and Reock per district, and the ensemble's mean and minimum
Polsby-Popper (from the run's assignments). Without polygons the report says so.

Minority voting-age population: TOTAL_VAP with BLACK_VAP, HISPANIC_VAP, ASIAN_VAP,
NATIVE_VAP and MINORITY_VAP when the graph has them (the rdabase columns), or --vap-total COL
and --vap KEY=COL. Ensemble percentiles need the run to have tracked those columns
(`redraw ensemble --track TOTAL_VAP --track BLACK_VAP ...`).

Report: --report DIR writes report.md (with SVG figures), report.html (one self-contained
file) and report.json (the same document as --format json); every report carries definitions
with sign conventions and citations,
and provenance (redraw version, command line, SHA-256 of every input, the run's parameters
and seed, the date; SOURCE_DATE_EPOCH fixes the date).

Examples:
  redraw judge --graph NC_2020_graph.json --plan NC_cd_2022_vtds.csv --ensemble runs/nc
  redraw judge --graph PA_2020_graph.json --plan PA_cd_2022_vtds.csv --ensemble runs/pa --report pa-report
  redraw judge --graph NC.json --plan enacted.csv --ensemble runs/nc --shapes NC_2020_vtd.topojson --burn-in 10000 --thin 10
  redraw judge --graph NC.json --plan enacted.csv --ensemble runs/nc --election COMP=DEM_VOTES,REP_VOTES --format json";

/// Judge a plan against an ensemble: each metric's percentile with its direction and a
/// verdict, the plan's facts, a per-district table, compactness and a map from polygons,
/// minority voting-age population counts, convergence diagnostics, and a report a court can
/// read (Markdown, HTML, JSON).
///
/// Examples:
///   redraw judge --graph NC_2020_graph.json --plan NC_cd_2022_vtds.csv --ensemble runs/nc
///   redraw judge --graph PA_2020_graph.json --plan PA_cd_2022_vtds.csv --ensemble runs/pa --report pa-report
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
    /// What an election is, said wherever the report shows it, as NAME=TEXT, e.g.
    /// --election-label "COMP=DRA's 2016-2020 composite of six statewide races". Repeatable.
    #[arg(long = "election-label", value_name = "NAME=TEXT")]
    pub election_labels: Vec<String>,
    /// Population column. Default: the run's, else the first of TOTAL_POP, TOTPOP, tot_pop_20, POP100, POP.
    #[arg(long, value_name = "COL")]
    pub pop: Option<String>,
    /// Unit-id column of the graph (plan CSV ids, county prefixes and polygons match it).
    #[arg(long, default_value = "GEOID", value_name = "COL")]
    pub key: String,
    /// County of each unit: a node attribute column. Default: the first --county-prefix
    /// characters of --key.
    #[arg(long, value_name = "COL")]
    pub county: Option<String>,
    /// Length of the county prefix of unit ids (5 = state + county FIPS); 0 disables counties.
    #[arg(long, default_value_t = 5, value_name = "N")]
    pub county_prefix: usize,
    /// Leave out the samples each chain recorded before this step.
    #[arg(long, default_value_t = 0, value_name = "STEPS")]
    pub burn_in: u64,
    /// Keep every K-th of each chain's remaining samples.
    #[arg(long, default_value_t = 1, value_name = "K")]
    pub thin: u64,
    /// Polygons of the graph's units (.shp, .zip, .geojson, .topojson): the plan's map and
    /// compactness. Default: a file beside the graph named like it, if there is one.
    #[arg(long, value_name = "FILE")]
    pub shapes: Option<PathBuf>,
    /// Attribute of the polygons holding the unit id [default: GEOID, else id].
    #[arg(long, value_name = "ATTR")]
    pub shapes_id: Option<String>,
    /// The TopoJSON object (or shapefile in a .zip) of --shapes when it has several.
    #[arg(long, value_name = "NAME")]
    pub shapes_layer: Option<String>,
    /// Do not look for polygons beside the graph.
    #[arg(long, conflicts_with = "shapes")]
    pub no_shapes: bool,
    /// Total voting-age population column [default: TOTAL_VAP when the graph has it].
    #[arg(long, value_name = "COL")]
    pub vap_total: Option<String>,
    /// A minority group's voting-age population column, as KEY=COL (e.g. black=BLACK_VAP);
    /// repeatable. Default: the rdabase columns the graph has.
    #[arg(long = "vap", value_name = "KEY=COL")]
    pub vap: Vec<String>,
    /// No minority voting-age population figures.
    #[arg(long, conflicts_with_all = ["vap", "vap_total"])]
    pub no_vap: bool,
    /// Write a report directory: report.md, report.html, report.json and SVG figures.
    #[arg(long, value_name = "DIR")]
    pub report: Option<PathBuf>,
    #[command(flatten)]
    pub output: OutputArgs,
}

/// A file's role, path, size and SHA-256 for the provenance.
fn input_file(role: &str, path: &Path) -> anyhow::Result<InputFile> {
    let bytes = std::fs::metadata(path).with_context(|| format!("cannot read {}", path.display()))?.len();
    let sha256 = redraw_ensemble::run::sha256_file(path)?;
    Ok(InputFile { role: role.into(), path: path.display().to_string(), bytes, sha256 })
}

/// Polygons named like the graph, beside it: the candidates found, and where we looked.
fn shapes_beside(graph: &Path) -> (Vec<PathBuf>, String) {
    let name = graph.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let stem =
        name.strip_suffix("_graph.json").or_else(|| name.rsplit_once('.').map(|(s, _)| s)).unwrap_or(name);
    let dir = graph.parent().map(Path::to_path_buf).unwrap_or_default();
    let dir = if dir.as_os_str().is_empty() { PathBuf::from(".") } else { dir };
    let mut places = vec![
        dir.clone(),
        dir.join("shapes"),
        dir.join(".."),
        dir.join("../shapes"),
        dir.join("../.."),
        dir.join("../../shapes"),
    ];
    places.dedup();
    let mut found = Vec::new();
    for p in &places {
        let Ok(rd) = std::fs::read_dir(p) else { continue };
        let mut here: Vec<PathBuf> = rd
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|f| {
                let Some(n) = f.file_name().and_then(|n| n.to_str()) else { return false };
                let ext_ok = [".topojson", ".geojson", ".shp", ".zip"]
                    .iter()
                    .any(|e| n.to_ascii_lowercase().ends_with(e));
                let rest = n.strip_prefix(stem);
                ext_ok && rest.is_some_and(|r| r.starts_with('_') || r.starts_with('.')) && f.is_file()
            })
            .collect();
        here.sort();
        found.extend(here);
    }
    let looked = format!(
        "files named {stem}_*.topojson, .geojson, .shp or .zip in {}",
        places.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ")
    );
    (found, looked)
}

/// The date of the judgement: SOURCE_DATE_EPOCH when set (reproducible reports), else now.
fn generated_utc() -> String {
    let secs = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.trim().parse::<u64>().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs())
                .unwrap_or(0)
        });
    redraw_judge::provenance::iso8601_utc(secs)
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

    let (loaded, format) = read_graph(&args.graph, args.data.as_deref(), &args.key)
        .with_context(|| format!("cannot read the graph {}", args.graph.display()))?;
    let graph = loaded.graph;
    let plan = load_plan(&graph, &args.plan, &args.key)?;

    // Provenance: every file read, with its SHA-256.
    let mut inputs = vec![input_file("graph", &args.graph)?];
    let data_file = match (&args.data, format) {
        (Some(d), _) => Some(d.clone()),
        (None, redraw_graph::SourceFormat::Rdabase) => redraw_graph::io::rdabase_data_path(&args.graph),
        _ => None,
    };
    if let Some(d) = &data_file {
        inputs.push(input_file("graph attributes", d)?);
    }
    if Path::new(&args.plan).is_file() {
        inputs.push(input_file("plan", Path::new(&args.plan))?);
    }
    inputs.push(input_file("run manifest", &args.ensemble.join(redraw_ensemble::run::MANIFEST))?);
    inputs.push(input_file("run statistics", &stats_path)?);

    // Polygons: given, found beside the graph, or said to be missing.
    let (shapes_path, shapes_missing) = if args.no_shapes {
        (None, Some("No polygons were read (--no-shapes): no map and no compactness.".to_string()))
    } else if let Some(s) = &args.shapes {
        (Some(s.clone()), None)
    } else {
        let (found, looked) = shapes_beside(&args.graph);
        match found.len() {
            0 => (
                None,
                Some(format!(
                    "No polygons of the graph's units were found (looked for {looked}), so the report has no map and no \
                     compactness scores. Pass --shapes FILE with the units' polygons (shapefile, GeoJSON or TopoJSON keyed \
                     by {}).",
                    args.key
                )),
            ),
            1 => {
                if output::progress_enabled() {
                    eprintln!("note: polygons found beside the graph: {}", found[0].display());
                }
                (Some(found[0].clone()), None)
            }
            _ => bail!(
                "several polygon files are named like the graph ({}): choose one with --shapes FILE, or --no-shapes",
                found.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ")
            ),
        }
    };
    let layer = match &shapes_path {
        Some(p) => {
            let layer = redraw_geo::io::read_path(p, args.shapes_layer.as_deref())
                .with_context(|| format!("cannot read the polygons {}", p.display()))?;
            inputs.push(input_file("shapes", p)?);
            Some(layer)
        }
        None => None,
    };
    // A stats-only run has no plans: the report then says the ensemble's compactness is missing.
    let mut reader = match &layer {
        Some(_) if manifest.files.assignments.is_some() => {
            inputs
                .push(input_file("run assignments", &args.ensemble.join(redraw_ensemble::run::ASSIGNMENTS))?);
            Some(redraw_ensemble::run::open_assignments(&args.ensemble)?)
        }
        _ => None,
    };

    let mut elections = Vec::new();
    for spec in &args.elections {
        elections.push(parse_election(spec)?);
    }
    let mut election_labels = Vec::new();
    for spec in &args.election_labels {
        let (n, t) = spec
            .split_once('=')
            .filter(|(n, t)| !n.is_empty() && !t.trim().is_empty())
            .with_context(|| {
                format!("--election-label {spec:?}: expected NAME=TEXT, e.g. COMP=DRA's 2016-2020 composite")
            })?;
        election_labels.push((n.to_string(), t.trim().to_string()));
    }
    let vap = if args.no_vap {
        VapChoice::None
    } else if args.vap.is_empty() && args.vap_total.is_none() {
        VapChoice::Auto
    } else {
        let total = args.vap_total.clone().unwrap_or_else(|| "TOTAL_VAP".into());
        let mut groups = Vec::new();
        for v in &args.vap {
            let (k, c) = v
                .split_once('=')
                .filter(|(k, c)| !k.is_empty() && !c.is_empty())
                .with_context(|| format!("--vap {v:?}: expected KEY=COLUMN, e.g. black=BLACK_VAP"))?;
            let label = redraw_judge::request::RDABASE_VAP
                .iter()
                .find(|(key, _, _)| *key == k)
                .map_or_else(|| k.to_string(), |(_, l, _)| l.to_string());
            groups.push((k.to_string(), label, c.to_string()));
        }
        if groups.is_empty() {
            bail!("--vap-total needs at least one --vap KEY=COL group");
        }
        VapChoice::Columns { total, groups }
    };
    let options = Options {
        pop: args.pop.clone(),
        key: args.key.clone(),
        elections,
        election_labels,
        county: match (&args.county, args.county_prefix) {
            (Some(c), _) => CountyChoice::Column(c.clone()),
            (None, 0) => CountyChoice::None,
            (None, n) => CountyChoice::Prefix(n),
        },
        burn_in: args.burn_in,
        thin: args.thin,
        vap,
        shapes_id: args.shapes_id.clone(),
    };
    let plan_name =
        Path::new(&args.plan).file_name().map_or(args.plan.clone(), |f| f.to_string_lossy().into_owned());
    let evaluation = redraw_judge::evaluate(Request {
        graph: &graph,
        plan: &plan,
        plan_name: plan_name.clone(),
        manifest: &manifest,
        stats: &stats,
        options: &options,
        shapes: layer.as_ref().zip(shapes_path.as_ref().map(|p| p.display().to_string())),
        shapes_missing,
        assignments: reader.as_mut().map(|r| r as &mut dyn AssignmentSource),
        invocation: Some(Invocation {
            command_line: std::env::args().collect(),
            generated_utc: generated_utc(),
            inputs,
        }),
    })?;
    let judgement = evaluation.judgement;

    if let Some(dir) = &args.report {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        let figures = report::Figures { plan_map: evaluation.plan_map };
        let files = report::render_with(&judgement, &plan_name, &figures);
        for f in &files {
            output::write_atomic(&dir.join(&f.name), &f.bytes)?;
        }
        if output::progress_enabled() {
            eprintln!("report written to {} (report.md, report.html, report.json)", dir.display());
        }
    }
    print_judgement(&judgement, &args.output)
}

/// `NAME=DEM_COLUMN,REP_COLUMN` of `--election` (also `redraw map --election`): the parser of
/// `redraw ensemble`, so the three commands read the flag alike.
pub(crate) fn parse_election(spec: &str) -> anyhow::Result<(String, String, String)> {
    redraw_ensemble::setup::parse_election(spec).map_err(anyhow::Error::msg)
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
    let rows: Vec<&MetricJudgement> = j
        .elections
        .iter()
        .flat_map(|e| e.metrics.iter())
        .chain(j.structure.iter())
        .chain(j.representation.iter().flat_map(|r| r.metrics.iter()))
        .collect();
    let verdicts = metric_table(
        &if j.weighted {
            format!(
                "Verdicts against {} weighted ensemble plans from {} SMC run(s), about {} effective \
                 (positive = favours Democrats)",
                report::thousands(j.samples as f64),
                j.chains,
                report::thousands(j.effective_samples.unwrap_or(0.0))
            )
        } else {
            format!(
                "Verdicts against {} ensemble plans from {} chain(s) (positive = favours Democrats)",
                report::thousands(j.samples as f64),
                j.chains
            )
        },
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

    let verdict_cell = |v: MixingVerdict| -> Cell {
        match v {
            MixingVerdict::Mixed => "mixed",
            MixingVerdict::NotMixed => "NOT MIXED",
            MixingVerdict::SingleChain => "single chain",
            MixingVerdict::Constant => "constant",
        }
        .into()
    };
    let diag = if j.weighted {
        // SMC: R-hat compares independent runs; the ESS is the weights' (capped by distinct plans).
        let mut t = Table::new(&[
            "statistic",
            "runs",
            "plans/run",
            "R-hat (runs)",
            "effective samples",
            "verdict",
        ])
        .keys(&["statistic", "runs", "plans_per_run", "rhat", "effective_samples", "verdict"])
        .titled("Convergence (R-hat across runs ≤ 1.01 and effective samples ≥ 400 to trust the ensemble)")
        .right(&[1, 2, 3, 4]);
        for d in &j.diagnostics {
            let c = &d.convergence;
            t.push(vec![
                d.statistic.clone().into(),
                c.chains.into(),
                c.draws_per_chain.into(),
                Cell::float(c.rhat, 4),
                Cell::float(c.ess_bulk, 0),
                verdict_cell(d.verdict),
            ]);
        }
        t
    } else {
        let mut t =
            Table::new(&["statistic", "chains", "draws/chain", "R-hat", "bulk ESS", "tail ESS", "verdict"])
                .keys(&["statistic", "chains", "draws_per_chain", "rhat", "ess_bulk", "ess_tail", "verdict"])
                .titled("Convergence (R-hat ≤ 1.01 and ESS ≥ 400 to trust the ensemble)")
                .right(&[1, 2, 3, 4, 5]);
        for d in &j.diagnostics {
            let c = &d.convergence;
            t.push(vec![
                d.statistic.clone().into(),
                c.chains.into(),
                c.draws_per_chain.into(),
                Cell::float(c.rhat, 4),
                Cell::float(c.ess_bulk, 0),
                Cell::float(c.ess_tail, 0),
                verdict_cell(d.verdict),
            ]);
        }
        t
    };
    // The per-district table: one column per figure, so CSV and JSON keep every number.
    let mut head: Vec<String> = vec!["district".into(), "population".into(), "deviation".into()];
    for e in &j.elections {
        head.push(format!("{}_dem_share", e.name));
        head.push(format!("{}_winner", e.name));
    }
    let with_counties = j.districts.iter().any(|d| d.counties.is_some());
    if with_counties {
        head.extend(["counties".to_string(), "split_counties".into()]);
    }
    let with_shapes = j.districts.iter().any(|d| d.compactness.is_some());
    if with_shapes {
        head.extend(["polsby_popper".to_string(), "reock".into()]);
    }
    let groups: Vec<String> = j
        .districts
        .first()
        .and_then(|d| d.vap.as_ref())
        .map(|v| v.groups.iter().map(|g| g.group.clone()).collect())
        .unwrap_or_default();
    for g in &groups {
        head.push(format!("{}_vap_share", g.to_lowercase().replace(' ', "_")));
    }
    let head_ref: Vec<&str> = head.iter().map(String::as_str).collect();
    let right: Vec<usize> = (1..head.len()).collect();
    let mut districts = Table::new(&head_ref).titled("Districts").right(&right);
    for d in &j.districts {
        let mut row: Vec<Cell> = vec![
            d.district.clone().into(),
            Cell::with_value(format!("{:.0}", d.population), num(d.population)),
            Cell::with_value(format!("{:+.2}%", 100.0 * d.deviation), num(d.deviation)),
        ];
        for v in &d.elections {
            row.push(Cell::with_value(format!("{:.1}%", 100.0 * v.dem_share), num(v.dem_share)));
            row.push(v.winner.clone().into());
        }
        if with_counties {
            match &d.counties {
                Some(c) => row.extend([c.touched.into(), c.part.len().into()]),
                None => row.extend([Cell::empty(), Cell::empty()]),
            }
        }
        if with_shapes {
            match &d.compactness {
                Some(c) => row.extend([Cell::float(c.polsby_popper, 3), Cell::float(c.reock, 3)]),
                None => row.extend([Cell::empty(), Cell::empty()]),
            }
        }
        if let Some(v) = &d.vap {
            for g in &v.groups {
                row.push(Cell::with_value(format!("{:.1}%", 100.0 * g.share), num(g.share)));
            }
        }
        districts.push(row);
    }
    let mut notes = Table::new(&["note"]).titled("Warnings");
    for n in &j.notes {
        notes.push(vec![n.clone().into()]);
    }
    let mut tables =
        vec![("verdicts", &verdicts), ("plan", &facts), ("districts", &districts), ("diagnostics", &diag)];
    if !j.notes.is_empty() {
        tables.push(("warnings", &notes));
    }
    output::emit(&tables, out)
}
