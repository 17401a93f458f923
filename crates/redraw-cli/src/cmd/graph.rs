//! `redraw graph ...`: graph utilities. `info` is owned by the graph work stream; `build`
//! (graphs from shapes) lives in `graph_build.rs`, owned by the geometry work stream.

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use redraw_graph::io::{read_graph, read_plan_csv};
use redraw_graph::validate::component_summary;
use redraw_graph::{Column, Graph, Plan, SourceFormat};

use crate::output::{self, Cell, Format, OutputArgs, Table};

/// Graph utilities.
#[derive(clap::Subcommand)]
pub enum Command {
    /// Summarise a graph file: nodes, edges, components, degrees, columns and their totals
    ///
    /// Reports nodes, edges, connected components (a disconnected graph is reported, not
    /// rejected), degree statistics, every attribute column with its type and, for numeric columns,
    /// the total, minimum and maximum; optionally a plan's districts.
    ///
    /// The format is detected: networkx adjacency JSON (GerryChain, frcw), an rdabase
    /// `XX_graph.json` adjacency dict (its `XX_data.csv` is picked up when it sits beside it, or pass
    /// --data), or an edge-list `.csv` (`a,b[,length]`, with attributes from --data).
    ///
    /// Examples:
    ///   redraw graph info PA.json --pop TOTAL_POP
    ///   redraw graph info PA_2020_graph.json --plan PA_cd_2022_vtds.csv --format markdown
    ///   redraw graph info edges.csv --data units.csv --key id --format json
    #[command(verbatim_doc_comment)]
    Info(InfoArgs),
    /// Build an adjacency graph from polygons (shapefile, GeoJSON, TopoJSON).
    Build(super::graph_build::Args),
}

/// Arguments of `redraw graph info`.
#[derive(clap::Args)]
pub struct InfoArgs {
    /// The graph file (networkx JSON, rdabase *_graph.json, or an edge-list .csv).
    pub file: PathBuf,
    /// Attribute CSV for rdabase or edge-list graphs (one row per unit, keyed by --key).
    #[arg(long, value_name = "CSV")]
    pub data: Option<PathBuf>,
    /// The unit-id column of the attribute CSV, and of the graph when matching a plan CSV.
    #[arg(long, default_value = "GEOID", value_name = "COL")]
    pub key: String,
    /// Population column: reported as the population total and used for plan deviations.
    /// Default: the first of TOTAL_POP, TOTPOP, tot_pop_20, POP100, POP that exists.
    #[arg(long, value_name = "COL")]
    pub pop: Option<String>,
    /// A plan to summarise by district: a node attribute column (e.g. `district`) or a
    /// `unit id,district` CSV whose ids match --key (or the node ids when the graph has no such column).
    #[arg(long, value_name = "COL|CSV")]
    pub plan: Option<String>,
    /// Number of components to list when the graph is disconnected.
    #[arg(long, default_value_t = 10, value_name = "N")]
    pub components: usize,
    #[command(flatten)]
    pub output: OutputArgs,
}

pub fn run(cmd: Command) -> anyhow::Result<()> {
    match cmd {
        Command::Info(a) => info(a),
        Command::Build(a) => super::graph_build::run(a),
    }
}

const POP_GUESSES: &[&str] = &["TOTAL_POP", "TOTPOP", "tot_pop_20", "POP100", "POP"];

fn info(args: InfoArgs) -> anyhow::Result<()> {
    let (loaded, format) = read_graph(&args.file, args.data.as_deref(), &args.key)?;
    for note in &loaded.notes {
        eprintln!("note: {note}");
    }
    let g = &loaded.graph;
    let pop_col = match &args.pop {
        Some(c) => {
            g.column(c).with_context(|| format!("--pop {c}"))?;
            Some(c.clone())
        }
        None => POP_GUESSES.iter().find(|c| g.column(c).is_ok()).map(|c| c.to_string()),
    };
    let pop = pop_col
        .as_deref()
        .map(|c| g.column_counts(c).with_context(|| format!("population column {c:?}")))
        .transpose()?;

    let mut tables: Vec<(&str, Table)> =
        vec![("summary", summary(&args.file, format, g, pop_col.as_deref(), &pop))];
    let comps = component_summary(g, 3);
    if comps.len() > 1 {
        let mut t = Table::new(&["component", "units", "examples"]).titled("Components").right(&[0, 1]);
        for (i, c) in comps.iter().take(args.components).enumerate() {
            let more = if c.size > c.examples.len() { ", …" } else { "" };
            t.push(vec![(i + 1).into(), c.size.into(), format!("{}{more}", c.examples.join(", ")).into()]);
        }
        tables.push(("components", t));
    }
    tables.push(("columns", columns(g)));
    if let Some(spec) = &args.plan {
        let plan = load_plan(g, spec, &args.key)?;
        let pop = pop.as_ref().context(
            "--plan needs a population column: pass --pop COL (none of TOTAL_POP, TOTPOP, tot_pop_20, POP100, POP exists)",
        )?;
        tables.push(("districts", districts(g, &plan, pop, spec)));
    }
    if !loaded.notes.is_empty() && args.output.format == Format::Json {
        // Notes go to stderr for people; JSON consumers get them in the document too.
        let mut t = Table::new(&["note"]);
        for n in &loaded.notes {
            t.push(vec![n.as_str().into()]);
        }
        tables.push(("notes", t));
    }
    let refs: Vec<(&str, &Table)> = tables.iter().map(|(k, t)| (*k, t)).collect();
    output::emit(&refs, &args.output)
}

fn load_plan(g: &Graph, spec: &str, key: &str) -> anyhow::Result<Plan> {
    if g.column(spec).is_ok() {
        return Plan::from_column(g, spec).with_context(|| format!("plan column {spec:?}"));
    }
    let path = Path::new(spec);
    if !path.is_file() {
        anyhow::bail!(
            "--plan {spec}: neither a node attribute column nor an existing file; columns: {}",
            g.column_names().collect::<Vec<_>>().join(", ")
        );
    }
    let key = g.column(key).is_ok().then_some(key);
    Ok(read_plan_csv(g, path, key)?)
}

fn summary(
    file: &Path,
    format: SourceFormat,
    g: &Graph,
    pop_col: Option<&str>,
    pop: &Option<Vec<u64>>,
) -> Table {
    let mut t = Table::new(&["property", "value"]).titled(format!("Graph {}", file.display())).right(&[1]);
    let fmt = match format {
        SourceFormat::Networkx => "networkx adjacency JSON",
        SourceFormat::Rdabase => "rdabase adjacency dict",
        SourceFormat::EdgeList => "edge-list CSV",
    };
    let n = g.node_count();
    let comps = g.components();
    let degrees: Vec<usize> = (0..n as u32).map(|u| g.degree(u)).collect();
    let mut t_push = |k: &str, v: Cell| t.push(vec![k.into(), v]);
    t_push("format", fmt.into());
    t_push("nodes", n.into());
    t_push("edges", g.edge_count().into());
    t_push("components", comps.len().into());
    t_push("largest component", comps.first().map_or(0, Vec::len).into());
    t_push("isolated nodes", degrees.iter().filter(|&&d| d == 0).count().into());
    t_push("min degree", degrees.iter().copied().min().unwrap_or(0).into());
    let mean = if n == 0 { 0.0 } else { 2.0 * g.edge_count() as f64 / n as f64 };
    t_push("mean degree", Cell::float(mean, 2));
    t_push("max degree", degrees.iter().copied().max().unwrap_or(0).into());
    t_push("edge lengths", if g.has_edge_lengths() { "yes" } else { "no" }.into());
    if let (Some(c), Some(p)) = (pop_col, pop) {
        t_push("population column", c.into());
        t_push("population", p.iter().sum::<u64>().into());
    }
    t
}

fn columns(g: &Graph) -> Table {
    let mut t = Table::new(&["column", "type", "total", "min", "max"]).titled("Columns").right(&[2, 3, 4]);
    for name in g.column_names() {
        let col = g.column(name).expect("listed column exists");
        let row = match col {
            Column::Int(v) => {
                let total: i128 = v.iter().map(|&x| x as i128).sum();
                let total = i64::try_from(total).map_or_else(|_| Cell::from(total.to_string()), Cell::from);
                vec![
                    name.into(),
                    "int".into(),
                    total,
                    v.iter().min().map_or_else(Cell::empty, |&x| x.into()),
                    v.iter().max().map_or_else(Cell::empty, |&x| x.into()),
                ]
            }
            Column::Float(v) => {
                let finite = v.iter().copied().filter(|x| x.is_finite());
                vec![
                    name.into(),
                    "float".into(),
                    Cell::float(v.iter().sum(), 4),
                    Cell::float(finite.clone().fold(f64::INFINITY, f64::min), 4),
                    Cell::float(finite.fold(f64::NEG_INFINITY, f64::max), 4),
                ]
            }
            Column::Text(v) => {
                let mut distinct: Vec<&str> = v.iter().map(String::as_str).collect();
                distinct.sort_unstable();
                distinct.dedup();
                vec![
                    name.into(),
                    format!("text ({} distinct)", distinct.len()).into(),
                    Cell::empty(),
                    distinct.first().map_or_else(Cell::empty, |s| (*s).into()),
                    distinct.last().map_or_else(Cell::empty, |s| (*s).into()),
                ]
            }
        };
        t.push(row);
    }
    t
}

fn districts(g: &Graph, plan: &Plan, pop: &[u64], spec: &str) -> Table {
    let dev = plan.population_deviation(pop);
    let pieces = plan.district_pieces(g);
    let mut units = vec![0usize; plan.district_count()];
    for &d in plan.assignment() {
        units[d as usize] += 1;
    }
    let mut t = Table::new(&["district", "units", "population", "deviation", "pieces"])
        .titled(format!(
            "Plan {spec}: {} districts, ideal {}, max |deviation| {:.2}%, {} non-contiguous, {} cut edges",
            plan.district_count(),
            output::group_thousands(dev.ideal.round() as i128),
            dev.max_abs * 100.0,
            pieces.iter().filter(|p| p.len() > 1).count(),
            output::group_thousands(plan.cut_edge_count(g) as i128)
        ))
        .right(&[1, 2, 3, 4]);
    for (d, label) in plan.district_labels().iter().enumerate() {
        let p = &pieces[d];
        let pieces_cell = if p.len() == 1 {
            Cell::with_value("1", serde_json::json!([p[0]]))
        } else {
            Cell::with_value(
                format!("{} ({})", p.len(), p.iter().map(|s| s.to_string()).collect::<Vec<_>>().join(" + ")),
                serde_json::json!(p),
            )
        };
        t.push(vec![
            label.as_str().into(),
            units[d].into(),
            dev.populations[d].into(),
            Cell::with_value(
                format!("{:+.2}%", dev.per_district[d] * 100.0),
                serde_json::json!(dev.per_district[d]),
            ),
            pieces_cell,
        ]);
    }
    t
}
