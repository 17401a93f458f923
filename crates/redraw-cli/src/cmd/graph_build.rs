//! `redraw graph build`: the adjacency graph of a polygon file, as networkx JSON.

use std::collections::BTreeMap;
use std::path::PathBuf;

use anyhow::Context as _;
use redraw_geo::adjacency::{build_adjacency, AdjacencyOptions, EdgeKind};
use redraw_graph::networkx::{write_networkx, NodeIds};

use crate::output::{self, Cell, OutputArgs, Table};

/// Build an adjacency graph from polygons: ESRI shapefile (.shp with its .dbf, .cpg, .prj, or
/// a .zip holding them, as TIGER/Line files come), GeoJSON or TopoJSON. Writes networkx adjacency JSON, the format GerryChain's
/// `Graph.from_json`, frcw and every redraw command read, with each feature's attributes as
/// node attributes, plus `area`, `perimeter` and `boundary_perim` (m², m) and the shared
/// border length of each edge as `shared_perim` (metres).
///
/// Rook adjacency (a shared boundary of positive length) by default; --queen adds units that
/// touch at a point. Vertices are snapped to a grid of --tolerance (default 1e-7 degrees for
/// longitude/latitude, 0.01 units for projected data); boundaries that match only within the
/// tolerance (T-junctions, slivers) are found by a collinear-overlap pass. Islands and
/// components are reported; --connect-islands links every component to its nearest neighbour.
///
/// Examples:
///   redraw graph build tl_2020_42_vtd20.zip --id GEOID20 --out pa.json
///   redraw graph build counties.geojson --id GEOID --out counties.json --queen --connect-islands
///   redraw graph build us.topojson --layer counties --id id --out us.json --format json
#[derive(clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// The polygon file (.shp, .zip, .geojson, .json, .topojson).
    pub file: PathBuf,
    /// Attribute holding each unit's unique id (e.g. GEOID20).
    #[arg(long, value_name = "COL")]
    pub id: String,
    /// Where to write the graph (networkx adjacency JSON).
    #[arg(long, short, value_name = "FILE")]
    pub out: PathBuf,
    /// Also connect units that share only a point (queen contiguity).
    #[arg(long)]
    pub queen: bool,
    /// Link each disconnected component to its nearest neighbour until the graph is connected
    /// (edges with shared_perim 0).
    #[arg(long)]
    pub connect_islands: bool,
    /// Snapping and matching tolerance in the file's coordinate units.
    #[arg(long, value_name = "T")]
    pub tolerance: Option<f64>,
    /// The TopoJSON object, or the shapefile inside a .zip, when the file holds several.
    #[arg(long, value_name = "NAME")]
    pub layer: Option<String>,
    /// Node ids in the output: `index` (0..n, GerryChain's default) or `labels` (the --id
    /// values) [default: index; labels when --id is `id`, which index ids would overwrite].
    #[arg(long, value_enum)]
    pub node_ids: Option<IdStyle>,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum IdStyle {
    Index,
    Labels,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    let layer = redraw_geo::io::read_path(&args.file, args.layer.as_deref())?;
    if layer.features.is_empty() {
        anyhow::bail!("{}: no features to build a graph from", args.file.display());
    }
    if !layer.crs.declared {
        eprintln!("note: {}", layer.crs.note);
    }
    report_warnings(&layer.warnings, layer.ids(&args.id).ok().as_deref());
    let opts = AdjacencyOptions {
        queen: args.queen,
        tolerance: args.tolerance,
        connect_islands: args.connect_islands,
    };
    let adj = build_adjacency(&layer, &opts);
    let graph = redraw_geo::dual::dual_graph(&layer, &adj, &args.id)
        .with_context(|| format!("{}: --id {}", args.file.display(), args.id))?;
    let mut bytes = Vec::new();
    let style = args.node_ids.unwrap_or(if args.id == "id" { IdStyle::Labels } else { IdStyle::Index });
    let ids = match style {
        IdStyle::Index => NodeIds::Index,
        IdStyle::Labels => NodeIds::Labels,
    };
    write_networkx(&graph, ids, &mut bytes)?;
    output::write_atomic(&args.out, &bytes)?;
    let elapsed = started.elapsed().as_secs_f64();

    let labels = graph.labels();
    let comps = adj.components();
    let islands = adj.islands();
    let list = |v: &[u32]| {
        let mut s: Vec<&str> = v.iter().take(8).map(|&i| labels[i as usize].as_str()).collect();
        if v.len() > 8 {
            s.push("…");
        }
        s.join(" ")
    };
    let mut t = Table::new(&["measure", "value"]).titled(format!("Graph of {}", args.file.display()));
    t.push(vec!["units".into(), layer.features.len().into()]);
    t.push(vec!["edges".into(), adj.edges.len().into()]);
    t.push(vec!["rook edges (shared border)".into(), adj.count(EdgeKind::Rook).into()]);
    t.push(vec!["  found by near-match (T-junctions, slivers)".into(), adj.near_matches.into()]);
    t.push(vec![
        if args.queen { "queen edges (point contacts)" } else { "point contacts (not included; --queen)" }
            .into(),
        adj.point_contacts.into(),
    ]);
    if args.connect_islands {
        t.push(vec!["bridges added (--connect-islands)".into(), adj.count(EdgeKind::Bridge).into()]);
    }
    t.push(vec!["components".into(), comps.len().into()]);
    if comps.len() > 1 {
        let sizes: Vec<String> = comps.iter().take(10).map(|c| c.len().to_string()).collect();
        t.push(vec![
            "component sizes".into(),
            Cell::with_value(
                sizes.join(", "),
                serde_json::json!(comps.iter().map(Vec::len).collect::<Vec<_>>()),
            ),
        ]);
    }
    t.push(vec![
        "islands (no neighbour)".into(),
        Cell::with_value(
            if islands.is_empty() {
                "0".to_string()
            } else {
                format!("{} ({})", islands.len(), list(&islands))
            },
            serde_json::json!(islands.iter().map(|&i| labels[i as usize].clone()).collect::<Vec<_>>()),
        ),
    ]);
    t.push(vec!["coordinates".into(), layer.crs.note.clone().into()]);
    t.push(vec!["tolerance".into(), Cell::float(adj.tolerance, 9)]);
    t.push(vec!["warnings".into(), layer.warnings.len().into()]);
    t.push(vec!["seconds".into(), Cell::float(elapsed, 3)]);
    t.push(vec!["written".into(), args.out.display().to_string().into()]);
    output::emit(&[("summary", &t)], &args.output)?;
    if comps.len() > 1 && !args.connect_islands {
        eprintln!(
            "note: the graph has {} components; ensembles need a connected graph (use --connect-islands, or --queen if units touch at corners)",
            comps.len()
        );
    }
    Ok(())
}

/// Prints warnings grouped by kind: a count and the first three of each, naming the unit by
/// its id when the ids are known.
pub fn report_warnings(warnings: &[redraw_geo::Warning], ids: Option<&[String]>) {
    let mut by_kind: BTreeMap<&str, Vec<&redraw_geo::Warning>> = BTreeMap::new();
    for w in warnings {
        by_kind.entry(w.kind.name()).or_default().push(w);
    }
    for (kind, ws) in by_kind {
        eprintln!("warning: {} × {kind}", ws.len());
        for w in ws.iter().take(3) {
            match (w.feature, ids) {
                (Some(i), Some(ids)) if i < ids.len() => {
                    eprintln!("  unit {} (feature {i}): {}", ids[i], w.message)
                }
                _ => eprintln!("  {w}"),
            }
        }
    }
}
