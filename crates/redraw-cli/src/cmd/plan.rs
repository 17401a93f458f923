//! `redraw plan import`: a Census block-assignment file (block GEOID → district) aggregated to
//! a graph's units, written as a plan CSV the other commands read. The aggregation and its
//! checks are `redraw_graph::baf`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context as _};
use redraw_graph::baf::{self, UnitsOf};
use redraw_graph::io::read_graph;
use redraw_graph::Plan;

use crate::output::{self, Cell, OutputArgs, Table};

/// Work with plans.
#[derive(clap::Subcommand)]
pub enum Command {
    #[command(
        about = "Aggregate a Census block-assignment file (block GEOID → district) to a graph's units"
    )]
    Import(ImportArgs),
}

/// The units a block belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Level {
    /// Census block groups: the first 12 characters of the block GEOID.
    BlockGroup,
    /// Census tracts: the first 11 characters.
    Tract,
    /// Counties: the first 5 characters.
    County,
    /// Any other units (VTDs, precincts): from --block-units FILE.
    File,
}

/// Aggregate a block-assignment file to the units of a graph, and write the plan.
///
/// The block-assignment file (BAF) has one row per Census block: its 15-digit GEOID and its
/// district, comma-, tab- or pipe-delimited, with or without a header (the Census and most
/// legislatures publish `BLOCKID|DISTRICT` or `GEOID20,District`). Each unit goes to the
/// district holding most of its blocks, weighted by block population with --block-pop, by
/// block count otherwise; every unit whose blocks are in several districts is listed with the
/// population (or blocks) placed in another district. A block outside the graph's units, a unit
/// with no block, a block listed twice and (with --block-pop) a block of the state missing from
/// the BAF are errors.
///
/// --to block-group, tract or county cut the block GEOID; VTDs need the block → VTD file
/// (--to file --block-units FILE: `BLOCK,UNIT` rows, or the Census VTD BAF
/// `BLOCKID|COUNTYFP|DISTRICT` with --block-units-census-vtd).
///
/// Examples (California's Proposition 50 map, judged against a block-group ensemble):
///   redraw plan import prop50_baf.csv --graph CA_2020_graph.json --to block-group \
///     --block-pop CA_block_pop.csv --out prop50_blockgroups.csv
///   redraw judge --graph CA_2020_graph.json --plan prop50_blockgroups.csv --ensemble runs/ca
#[derive(clap::Args)]
#[command(verbatim_doc_comment)]
pub struct ImportArgs {
    /// The block-assignment file.
    #[arg(value_name = "BAF")]
    pub baf: PathBuf,
    /// The graph whose units the plan is for.
    #[arg(long, value_name = "FILE")]
    pub graph: PathBuf,
    /// Attribute CSV of an rdabase graph (default: found beside the graph).
    #[arg(long, value_name = "CSV")]
    pub data: Option<PathBuf>,
    /// The graph column holding the unit ids.
    #[arg(long, default_value = "GEOID", value_name = "COL")]
    pub key: String,
    /// What the graph's units are.
    #[arg(long, value_enum, value_name = "LEVEL")]
    pub to: Level,
    /// Block → unit file (with --to file): `BLOCK,UNIT` rows.
    #[arg(long, value_name = "FILE")]
    pub block_units: Option<PathBuf>,
    /// The --block-units file is the Census VTD BAF (`BLOCKID|COUNTYFP|DISTRICT`): the unit is
    /// the state, county and VTD code (an 11-character VTD GEOID).
    #[arg(long)]
    pub block_units_census_vtd: bool,
    /// Block populations (`BLOCK,POP` rows, every block of the state): weight the majority by
    /// people and refuse a BAF that leaves blocks out.
    #[arg(long, value_name = "FILE")]
    pub block_pop: Option<PathBuf>,
    /// The plan CSV to write (`KEY,district`); it must not exist.
    #[arg(long, value_name = "CSV")]
    pub out: PathBuf,
    #[command(flatten)]
    pub output: OutputArgs,
}

pub fn run(c: Command) -> anyhow::Result<()> {
    match c {
        Command::Import(a) => import(a),
    }
}

fn read_rows(path: &Path, value_column: usize, join_county: bool) -> anyhow::Result<Vec<baf::BlockRow>> {
    let f = std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    Ok(baf::read_block_file(
        std::io::BufReader::new(f),
        &path.display().to_string(),
        value_column,
        join_county,
    )?)
}

fn import(a: ImportArgs) -> anyhow::Result<()> {
    if a.out.exists() {
        bail!(
            "{} exists: choose a new --out (redraw does not overwrite files it did not create)",
            a.out.display()
        );
    }
    let units_of = match (a.to, &a.block_units) {
        (Level::BlockGroup, None) => UnitsOf::Prefix(12),
        (Level::Tract, None) => UnitsOf::Prefix(11),
        (Level::County, None) => UnitsOf::Prefix(5),
        (Level::File, Some(p)) => {
            let rows =
                if a.block_units_census_vtd { read_rows(p, 2, true)? } else { read_rows(p, 1, false)? };
            UnitsOf::Map(rows.into_iter().map(|r| (r.block, r.value)).collect::<HashMap<_, _>>())
        }
        (Level::File, None) => bail!("--to file needs --block-units FILE (block → unit rows)"),
        (_, Some(_)) => bail!("--block-units goes with --to file"),
    };
    let (loaded, _) = read_graph(&a.graph, a.data.as_deref(), &a.key)
        .with_context(|| format!("cannot read the graph {}", a.graph.display()))?;
    let graph = loaded.graph;
    let ids = redraw_graph::plan::unit_ids(&graph, graph.column(&a.key).is_ok().then_some(a.key.as_str()))?;
    let blocks = read_rows(&a.baf, 1, false)?;
    let pop = match &a.block_pop {
        Some(p) => Some(read_rows(p, 1, false)?),
        None => None,
    };
    let imported = baf::aggregate(&ids, &blocks, &units_of, pop.as_deref(), &a.baf.display().to_string())?;
    let plan = Plan::from_labels(&imported.district_of);
    let mut bytes = Vec::new();
    let key = graph.column(&a.key).is_ok().then_some(a.key.as_str());
    plan.write_csv(&graph, key, (key.unwrap_or("id"), "district"), &mut bytes)?;
    output::write_atomic(&a.out, &bytes)?;

    let what = if imported.by_population { "people" } else { "blocks" };
    eprintln!(
        "{} blocks → {} units in {} districts; {} unit(s) split, {} {what} placed in another district than the BAF's; \
         wrote {}",
        imported.blocks,
        ids.len(),
        plan.district_count(),
        imported.split_units.len(),
        imported.moved,
        a.out.display()
    );
    let mut t = Table::new(&["unit", "district", "parts", &format!("moved {what}"), "tie"])
        .keys(&["unit", "district", "parts", "moved", "tie"])
        .titled("Units whose blocks are in several districts")
        .right(&[3]);
    for s in &imported.split_units {
        t.push(vec![
            s.unit.clone().into(),
            s.district.clone().into(),
            s.parts.iter().map(|(d, w)| format!("{d}: {w}")).collect::<Vec<_>>().join(", ").into(),
            Cell::with_value(format!("{}", s.moved), serde_json::json!(s.moved)),
            Cell::with_value(if s.tie { "yes" } else { "" }, serde_json::json!(s.tie)),
        ]);
    }
    output::emit(&[("split_units", &t)], &a.output)
}
