//! `redraw plot`: SVG plots of an ensemble run's `stats.csv` (see docs/run-format.md).

use std::path::{Path, PathBuf};

use anyhow::{bail, Context as _};
use redraw_geo::plot::{boxplot_svg, histogram_svg, per_rank_distributions, trace_svg_labelled};

use crate::output;

/// Plot ensemble statistics as SVG: a histogram of any column with a marked value, the sorted
/// district vote-share boxplot of an election, or a trace plot of a column per chain.
///
/// Reads `stats.csv` of a run directory written by `redraw ensemble` (or the file itself).
/// Columns: chain, step, accepted, cut_edges, county_splits, pop_<d>, and per election NAME:
/// NAME_dem_seats, NAME_dem_<d>, NAME_rep_<d>. A weighted run (SMC: a `weight` column) is
/// resampled by weight before plotting, and the default title says so.
///
/// Examples:
///   redraw plot runs/pa --kind histogram --stat PRES16_dem_seats --mark 9 -o seats.svg
///   redraw plot runs/pa --kind boxplot --election PRES16 --overlay initial -o box.svg
///   redraw plot runs/pa/stats.csv --kind trace --stat cut_edges -o trace.svg
#[derive(clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// A run directory (containing stats.csv) or a stats.csv file.
    pub run: PathBuf,
    /// What to draw.
    #[arg(long, value_enum)]
    pub kind: Kind,
    /// The column for histogram and trace plots (e.g. cut_edges, PRES16_dem_seats).
    #[arg(long, value_name = "COL")]
    pub stat: Option<String>,
    /// The election for the boxplot (columns NAME_dem_<d> and NAME_rep_<d>).
    #[arg(long, value_name = "NAME")]
    pub election: Option<String>,
    /// Histogram: a value to mark (e.g. the enacted plan's score).
    #[arg(long, value_name = "X", allow_hyphen_values = true)]
    pub mark: Option<f64>,
    /// Boxplot overlay: `initial` (chain 0, step 0: the starting plan) or comma-separated
    /// Democratic two-party shares of the plan to overlay.
    #[arg(long, value_name = "initial|S1,S2,...")]
    pub overlay: Option<String>,
    /// Leave out rows with step below this (histogram and boxplot).
    #[arg(long, default_value_t = 0, value_name = "STEPS")]
    pub burn_in: u64,
    /// Plot title (a default names the statistic and the run).
    #[arg(long)]
    pub title: Option<String>,
    /// Output file: .svg, or .png in builds with PNG support (`--features redraw-geo/png`).
    #[arg(long, short, value_name = "FILE")]
    pub out: PathBuf,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Kind {
    Histogram,
    Boxplot,
    Trace,
}

/// The parsed stats table: header and numeric rows.
struct Stats {
    header: Vec<String>,
    rows: Vec<Vec<f64>>,
    source: String,
}

impl Stats {
    fn read(path: &Path) -> anyhow::Result<Stats> {
        let file = if path.is_dir() { path.join("stats.csv") } else { path.to_path_buf() };
        let source = file.display().to_string();
        let mut rdr = csv::Reader::from_path(&file).with_context(|| format!("cannot read {source}"))?;
        let header: Vec<String> = rdr.headers()?.iter().map(str::to_string).collect();
        let mut rows = Vec::new();
        for (i, rec) in rdr.records().enumerate() {
            let rec = rec.with_context(|| format!("{source} line {}", i + 2))?;
            let row = rec
                .iter()
                .enumerate()
                .map(|(j, v)| {
                    if v.is_empty() {
                        Ok(f64::NAN)
                    } else {
                        v.parse::<f64>().with_context(|| {
                            format!("{source} line {}, column {}: `{v}` is not a number", i + 2, header[j])
                        })
                    }
                })
                .collect::<anyhow::Result<Vec<f64>>>()?;
            rows.push(row);
        }
        if rows.is_empty() {
            bail!("{source}: no rows");
        }
        Ok(Stats { header, rows, source })
    }

    fn col(&self, name: &str) -> anyhow::Result<usize> {
        self.header.iter().position(|h| h == name).with_context(|| {
            format!("{}: no column `{name}` (columns: {})", self.source, self.header.join(", "))
        })
    }
}

/// For a weighted (SMC) run: the rows resampled by weight, each chain (run) systematically to
/// its own size (deterministic), so that the plots show the weighted ensemble.
fn resampled_rows(stats: &Stats, chain: usize, weight: usize) -> Vec<Vec<f64>> {
    let mut out = Vec::with_capacity(stats.rows.len());
    let mut start = 0;
    while start < stats.rows.len() {
        let c = stats.rows[start][chain];
        let end = start + stats.rows[start..].iter().take_while(|r| r[chain] == c).count();
        let w: Vec<f64> = stats.rows[start..end].iter().map(|r| r[weight]).collect();
        for i in redraw_metrics::systematic_resample(&w, end - start, 0.5) {
            out.push(stats.rows[start + i].clone());
        }
        start = end;
    }
    out
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let mut stats = Stats::read(&args.run)?;
    let chain = stats.col("chain")?;
    let step = stats.col("step")?;
    let weighted = stats.header.iter().position(|h| h == "weight");
    if let Some(w) = weighted {
        if args.kind == Kind::Trace {
            bail!(
                "{}: a weighted (SMC) run has no chain to trace: its particles have no order. Compare runs with \
                 `redraw judge` (R-hat across runs) or plot a histogram",
                stats.source
            );
        }
        if stats.rows.iter().any(|r| !(r[w].is_finite() && r[w] >= 0.0)) {
            bail!("{}: the weight column must hold finite numbers ≥ 0", stats.source);
        }
        stats.rows = resampled_rows(&stats, chain, w);
    }
    let smc = weighted.is_some();
    let kept = |r: &&Vec<f64>| r[step] >= args.burn_in as f64;
    let svg = match args.kind {
        Kind::Histogram => {
            let name = args.stat.as_deref().context("--kind histogram needs --stat COL")?;
            let c = stats.col(name)?;
            let values: Vec<f64> = stats.rows.iter().filter(kept).map(|r| r[c]).collect();
            let title = args.title.clone().unwrap_or_else(|| {
                if smc {
                    format!("{name} (SMC ensemble, resampled by weight)")
                } else {
                    format!("{name}: ensemble distribution")
                }
            });
            histogram_svg(&values, args.mark, &title, name)
        }
        Kind::Trace => {
            let name = args.stat.as_deref().context("--kind trace needs --stat COL")?;
            let c = stats.col(name)?;
            let nchains = stats.rows.iter().map(|r| r[chain] as usize + 1).max().unwrap_or(0);
            let mut chains = vec![Vec::new(); nchains];
            for r in &stats.rows {
                chains[r[chain] as usize].push(r[c]);
            }
            let title = args.title.clone().unwrap_or_else(|| format!("{name} by step"));
            trace_svg_labelled(&chains, &title, name)
        }
        Kind::Boxplot => {
            let e = args.election.as_deref().context("--kind boxplot needs --election NAME")?;
            let dem_prefix = format!("{e}_dem_");
            let dem: Vec<(usize, &str)> = stats
                .header
                .iter()
                .enumerate()
                .filter_map(|(i, h)| h.strip_prefix(&dem_prefix).filter(|d| *d != "seats").map(|d| (i, d)))
                .collect();
            if dem.is_empty() {
                bail!("{}: no columns {e}_dem_<district> (is `{e}` an election of this run?)", stats.source);
            }
            let pairs: Vec<(usize, usize)> = dem
                .iter()
                .map(|(i, d)| Ok((*i, stats.col(&format!("{e}_rep_{d}"))?)))
                .collect::<anyhow::Result<_>>()?;
            let shares = |r: &Vec<f64>| -> Vec<f64> {
                pairs
                    .iter()
                    .map(|&(d, p)| if r[d] + r[p] > 0.0 { r[d] / (r[d] + r[p]) } else { f64::NAN })
                    .collect()
            };
            let plans: Vec<Vec<f64>> = stats.rows.iter().filter(kept).map(shares).collect();
            let overlay: Option<Vec<f64>> = match args.overlay.as_deref() {
                None => None,
                Some("initial") => stats.rows.iter().find(|r| r[chain] == 0.0 && r[step] == 0.0).map(shares),
                Some(list) => Some(
                    list.split(',')
                        .map(|s| {
                            s.trim()
                                .parse::<f64>()
                                .with_context(|| format!("--overlay: `{s}` is not a share"))
                        })
                        .collect::<anyhow::Result<_>>()?,
                ),
            };
            if let Some(o) = &overlay {
                if o.len() != pairs.len() {
                    bail!("--overlay has {} shares but the run has {} districts", o.len(), pairs.len());
                }
            }
            let title = args.title.clone().unwrap_or_else(|| {
                if smc {
                    format!("{e}: sorted district Democratic share (SMC, resampled)")
                } else {
                    format!("{e}: Democratic share by district, sorted")
                }
            });
            boxplot_svg(&per_rank_distributions(&plans), overlay.as_deref(), &title)
        }
    };
    // `.png` output needs the `png` feature of redraw-geo; without it the error says how to build.
    let is_png = args.out.extension().is_some_and(|e| e.eq_ignore_ascii_case("png"));
    let bytes = if is_png { redraw_geo::png::svg_to_png(&svg, None)? } else { svg.into_bytes() };
    output::write_atomic(&args.out, &bytes)?;
    eprintln!("wrote {}", args.out.display());
    Ok(())
}
