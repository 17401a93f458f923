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

Follow a run further: --export-sample I (a sample index, `typical` or `extreme`) with --export
FILE writes that sample as a scenario file to evaluate with `redraw scenario FILE` or edit; --map
FILE.svg draws the most typical sample (closest to the median of every consequence) and the most
extreme one (farthest from it) as FILE-typical.svg and FILE-extreme.svg.

Alaska reports its presidential results by state house district and Connecticut its 2024 results
by planning region: those elections cannot score a split and are left out, with a note; the
population, House and electoral-vote consequences are still computed.

Examples:
  redraw split CA --into 3 --tol 0.25 --samples 10000
  redraw split CA --into 6 --tol 0.6 --samples 2000 --seed 7 --format markdown
  redraw split TX --into 5 --samples 4000 --samples-csv tx5.csv
  redraw split TX --into 5 --export-sample typical --export tx5.toml --map tx5.svg
  redraw split AK --into 2 --tol 0.3";

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
    /// A sample to write as a scenario file (with --export): its index in sample order
    /// (0-based, as in --samples-csv), `typical` or `extreme`.
    #[arg(long, value_name = "I", requires = "export")]
    pub export_sample: Option<String>,
    /// Where --export-sample writes the scenario file (`-`: standard output).
    #[arg(long, value_name = "FILE", requires = "export_sample")]
    pub export: Option<PathBuf>,
    /// Draw the most typical and the most extreme samples: FILE-typical.svg and
    /// FILE-extreme.svg (or .png in builds with PNG support).
    #[arg(long, value_name = "FILE")]
    pub map: Option<PathBuf>,
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
    for s in &run.skipped_elections {
        eprintln!("note: the {} election is left out: {}", s.year, s.reason);
    }
    if let Some(which) = &args.export_sample {
        let i = pick_sample(&run, which)?;
        let (toml, _) = sample_scenario(ds, &run, i, &args)?;
        let out = args.export.as_ref().expect("clap requires --export");
        if out.as_os_str() == "-" {
            output::print(&toml)?;
        } else {
            output::write_atomic(out, toml.as_bytes())?;
            eprintln!(
                "wrote {} (sample {i}) — evaluate it with: redraw scenario {}",
                out.display(),
                out.display()
            );
        }
    }
    if let Some(map) = &args.map {
        for which in ["typical", "extreme"] {
            let i = pick_sample(&run, which)?;
            let (_, sc) = sample_scenario(ds, &run, i, &args)?;
            let resolved = sc.resolve(ds, &Default::default(), None)?;
            let title = format!(
                "{} into {}: the most {which} of {} neutral splits (sample {i})",
                run.state,
                run.parts,
                run.samples.len()
            );
            let svg = super::map::render_scenario(&resolved, Some(title), false)?;
            let stem =
                map.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "split".into());
            let ext =
                map.extension().map(|e| e.to_string_lossy().into_owned()).unwrap_or_else(|| "svg".into());
            let path = map.with_file_name(format!("{stem}-{which}.{ext}"));
            output::write_atomic(&path, &super::map::encode(&svg, &path)?)?;
            eprintln!("wrote {}", path.display());
        }
    }
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

/// Percentile ranks of the national consequences of every sample (each column: a statistic).
fn consequence_ranks(run: &split::SplitRun) -> Vec<Vec<f64>> {
    let n = run.samples.len();
    let mut cols: Vec<Vec<f64>> = Vec::new();
    let years = run.samples.first().map_or(0, |s| s.outcome.elections.len());
    for k in 0..years {
        cols.push(run.samples.iter().map(|s| s.outcome.elections[k].electoral_votes_dem as f64).collect());
        cols.push(run.samples.iter().map(|s| s.outcome.elections[k].senate_dem as f64).collect());
    }
    let parts = run.parts;
    cols.push(
        run.samples
            .iter()
            .map(|s| {
                let total: u64 = s.outcome.part_population.iter().sum();
                let ideal = total as f64 / parts as f64;
                s.outcome.part_population.iter().map(|&p| (p as f64 / ideal - 1.0).abs()).fold(0.0, f64::max)
            })
            .collect(),
    );
    cols.push(
        run.samples
            .iter()
            .map(|s| s.outcome.part_house_seats.iter().copied().max().unwrap_or(0) as f64)
            .collect(),
    );
    cols.iter()
        .map(|c| {
            // Mid-rank percentile: ties share the middle of their ranks.
            c.iter()
                .map(|v| {
                    let below = c.iter().filter(|x| *x < v).count() as f64;
                    let equal = c.iter().filter(|x| *x == v).count() as f64;
                    (below + equal / 2.0) / n as f64
                })
                .collect()
        })
        .collect()
}

/// The sample `which` names: an index, `typical` (closest to the median of every consequence)
/// or `extreme` (farthest from it).
fn pick_sample(run: &split::SplitRun, which: &str) -> anyhow::Result<usize> {
    let n = run.samples.len();
    if let Ok(i) = which.trim().parse::<usize>() {
        anyhow::ensure!(i < n, "--export-sample {i}: the run has {n} samples (0 to {})", n - 1);
        return Ok(i);
    }
    let ranks = consequence_ranks(run);
    let dist = |i: usize| ranks.iter().map(|c| (c[i] - 0.5).abs()).sum::<f64>();
    let order = |a: &usize, b: &usize| dist(*a).total_cmp(&dist(*b)).then(a.cmp(b));
    match which.trim() {
        "typical" => Ok((0..n).min_by(order).expect("samples")),
        "extreme" => Ok((0..n).max_by(|a, b| order(a, b).then(b.cmp(a))).expect("samples")),
        other => anyhow::bail!("--export-sample {other}: expected a sample index, `typical` or `extreme`"),
    }
}

/// Sample `i` as a scenario: the part holding the state's most populous county keeps the
/// state's name; the others are named after their most populous county.
fn sample_scenario(
    ds: &redraw_core::Dataset,
    run: &split::SplitRun,
    i: usize,
    args: &Args,
) -> anyhow::Result<(String, redraw_core::Scenario)> {
    use redraw_core::scenario::{name, Part, Scenario, Split};
    let s = &run.samples[i];
    let st = ds.state_by_name(&run.state_abbr).context("state")?;
    let counties: Vec<u32> = run
        .county_fips
        .iter()
        .map(|f| ds.county_by_fips(f).with_context(|| format!("county {f}")))
        .collect::<anyhow::Result<_>>()?;
    let biggest = |p: u32| {
        counties
            .iter()
            .zip(&s.assignment)
            .filter(|(_, &a)| a == p)
            .map(|(&c, _)| &ds.counties[c as usize])
            .max_by_key(|c| c.pop2020)
    };
    let state_name = &ds.states[st].name;
    let keeper = s.assignment[counties
        .iter()
        .position(|&c| {
            c == *ds.states[st]
                .counties
                .iter()
                .max_by_key(|&&c| ds.counties[c as usize].pop2020)
                .expect("counties")
        })
        .expect("in run")];
    let mut parts = Vec::new();
    for p in 0..run.parts as u32 {
        let pname = if p == keeper {
            state_name.clone()
        } else {
            format!("{} State", biggest(p).map_or(format!("Part {}", p + 1), |c| c.short_name().to_string()))
        };
        let list: Vec<_> = counties
            .iter()
            .zip(&s.assignment)
            .filter(|(_, &a)| a == p)
            .map(|(&c, _)| name(ds.counties[c as usize].name.clone()))
            .collect();
        parts.push(Part { name: name(pname), abbr: None, counties: list, rest: false });
    }
    let sc = Scenario {
        name: format!("{}-{}-sample-{i}", run.state_abbr.to_lowercase(), run.parts),
        title: Some(format!("{} as {} states (neutral sample {i})", state_name, run.parts)),
        description: Some(format!(
            "Sample {i} (chain {}, step {}) of `redraw split {} --into {} --tol {} --samples {} --chains {} --seed {}`: a neutral split of whole counties within ±{:.0}% of equal population, not a proposal.",
            s.chain, s.step, run.state_abbr, run.parts, args.tol, args.samples, args.chains, args.seed, 100.0 * args.tol
        )),
        source: Some("redraw split (ReCom on the county graph)".into()),
        split: vec![Split { state: name(run.state_abbr.clone()), part: parts }],
        new_state: Vec::new(),
        merge: Vec::new(),
        moves: Vec::new(),
        admit: Vec::new(),
        secede: Vec::new(),
        coalition: Vec::new(),
    };
    let toml = format!(
        "# {}\n# {}\n{}",
        sc.title.as_deref().unwrap_or_default(),
        sc.description.as_deref().unwrap_or_default(),
        sc.to_toml()
    );
    Ok((toml, sc))
}
