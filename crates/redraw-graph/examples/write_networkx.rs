//! Re-writes any graph file redraw reads as networkx adjacency JSON on stdout (used to check
//! that GerryChain's `Graph.from_json` reads the writer's output):
//! `cargo run --release -p redraw-graph --example write_networkx -- GRAPH [DATA_CSV] > out.json`.

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(graph) = args.first() else {
        eprintln!("usage: write_networkx GRAPH [DATA_CSV]");
        std::process::exit(2);
    };
    let data = args.get(1).map(std::path::PathBuf::from);
    match redraw_graph::io::read_graph(std::path::Path::new(graph), data.as_deref(), "GEOID") {
        Ok((loaded, _)) => {
            let out = std::io::BufWriter::new(std::io::stdout().lock());
            if let Err(e) = redraw_graph::networkx::write_networkx(
                &loaded.graph,
                redraw_graph::networkx::NodeIds::Labels,
                out,
            ) {
                eprintln!("error: {e}");
                std::process::exit(1);
            }
        }
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    }
}
