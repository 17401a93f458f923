//! `redraw graph ...`: graph utilities. `info` is owned by the graph work stream; `build`
//! (graphs from shapes) lives in `graph_build.rs`, owned by the geometry work stream.

/// Graph utilities.
#[derive(clap::Subcommand)]
pub enum Command {
    /// Summarise a graph file: nodes, edges, components, column totals.
    Info(InfoArgs),
    /// Build an adjacency graph from polygons (shapefile, GeoJSON, TopoJSON).
    Build(super::graph_build::Args),
}

/// PLACEHOLDER arguments, replaced by the graph work stream.
#[derive(clap::Args)]
pub struct InfoArgs {}

pub fn run(cmd: Command) -> anyhow::Result<()> {
    match cmd {
        Command::Info(_) => anyhow::bail!("this command is not available in this build yet"),
        Command::Build(a) => super::graph_build::run(a),
    }
}
