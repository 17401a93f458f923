//! `redraw plot`: SVG plots of an ensemble run's `stats.csv` (see docs/run-format.md).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context as _};
use redraw_geo::plot::{boxplot_svg, histogram_svg, per_rank_distributions, trace_svg_labelled};
use redraw_judge::StatsTable;

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

/// The parsed stats table: the chain and step of every row and the columns the plot needs.
struct Stats {
    table: StatsTable,
    source: String,
}

impl Stats {
    fn read(path: &Path, keep: impl Fn(&str) -> bool) -> anyhow::Result<Stats> {
        let file = if path.is_dir() { path.join("stats.csv") } else { path.to_path_buf() };
        let source = file.display().to_string();
        let f = std::fs::File::open(&file).with_context(|| format!("cannot read {source}"))?;
        let table = StatsTable::from_csv(std::io::BufReader::new(f), &source, keep)?;
        Ok(Stats { table, source })
    }

    fn col(&self, name: &str) -> anyhow::Result<&[f64]> {
        self.table.column(name).with_context(|| {
            format!("{}: no column `{name}` (columns: {})", self.source, self.table.header.join(", "))
        })
    }
}

/// For a weighted (SMC) run: the row indices resampled by weight, each chain (run)
/// systematically to its own size (deterministic), so that the plots show the weighted
/// ensemble. Rows of a run are contiguous in stats.csv.
fn resampled_rows(t: &StatsTable, weight: &[f64]) -> Vec<usize> {
    let mut out = Vec::with_capacity(t.chain.len());
    let mut start = 0;
    while start < t.chain.len() {
        let c = t.chain[start];
        let end = start + t.chain[start..].iter().take_while(|&&x| x == c).count();
        for i in redraw_metrics::systematic_resample(&weight[start..end], end - start, 0.5) {
            out.push(start + i);
        }
        start = end;
    }
    out
}

pub fn run(args: Args) -> anyhow::Result<()> {
    // Only the columns this plot needs are kept in memory (and an SMC run's weights).
    let stat = args.stat.clone();
    let election = args.election.clone();
    let stats = Stats::read(&args.run, |h| {
        h == "weight"
            || stat.as_deref() == Some(h)
            || election.as_deref().is_some_and(|e| {
                h.strip_prefix(e).is_some_and(|r| r.starts_with("_dem_") || r.starts_with("_rep_"))
            })
    })?;
    let t = &stats.table;
    let weighted = t.column("weight");
    let smc = weighted.is_some();
    let rows: Vec<usize> = match weighted {
        Some(w) => {
            if args.kind == Kind::Trace {
                bail!(
                    "{}: a weighted (SMC) run has no chain to trace: its particles have no order. Compare runs \
                     with `redraw judge` (R-hat across runs) or plot a histogram",
                    stats.source
                );
            }
            if let Some(i) = w.iter().position(|x| !(x.is_finite() && *x >= 0.0)) {
                bail!("{}: row {}: the weight column must hold finite numbers ≥ 0", stats.source, i + 2);
            }
            resampled_rows(t, w)
        }
        None => (0..t.step.len()).collect(),
    };
    let kept: Vec<usize> = rows.into_iter().filter(|&i| t.step[i] >= args.burn_in).collect();
    let svg = match args.kind {
        Kind::Histogram => {
            let name = args.stat.as_deref().context("--kind histogram needs --stat COL")?;
            let c = stats.col(name)?;
            let values: Vec<f64> = kept.iter().map(|&i| c[i]).collect();
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
            // Grouped by chain id in id order; an id is never used to size anything.
            let mut by_chain: BTreeMap<u32, Vec<f64>> = BTreeMap::new();
            for (i, &chain) in t.chain.iter().enumerate() {
                by_chain.entry(chain).or_default().push(c[i]);
            }
            let chains: Vec<Vec<f64>> = by_chain.into_values().collect();
            let title = args.title.clone().unwrap_or_else(|| format!("{name} by step"));
            trace_svg_labelled(&chains, &title, name)
        }
        Kind::Boxplot => {
            let e = args.election.as_deref().context("--kind boxplot needs --election NAME")?;
            let dem_prefix = format!("{e}_dem_");
            let dem: Vec<(&[f64], &str)> = t
                .columns
                .iter()
                .filter_map(|(h, v)| {
                    h.strip_prefix(&dem_prefix).filter(|d| *d != "seats").map(|d| (v.as_slice(), d))
                })
                .collect();
            if dem.is_empty() {
                bail!("{}: no columns {e}_dem_<district> (is `{e}` an election of this run?)", stats.source);
            }
            let pairs: Vec<(&[f64], &[f64])> = dem
                .iter()
                .map(|(d, label)| Ok((*d, stats.col(&format!("{e}_rep_{label}"))?)))
                .collect::<anyhow::Result<_>>()?;
            let shares = |r: usize| -> Vec<f64> {
                pairs
                    .iter()
                    .map(|&(d, p)| if d[r] + p[r] > 0.0 { d[r] / (d[r] + p[r]) } else { f64::NAN })
                    .collect()
            };
            let plans: Vec<Vec<f64>> = kept.iter().map(|&i| shares(i)).collect();
            let overlay: Option<Vec<f64>> = match args.overlay.as_deref() {
                None => None,
                Some("initial") => {
                    (0..t.chain.len()).find(|&i| t.chain[i] == 0 && t.step[i] == 0).map(shares)
                }
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
