//! One module per subcommand. Each owns its clap `Args` and a `run(args) -> anyhow::Result<()>`.

pub mod apportion;
pub mod counties;
pub mod derive_data;
pub mod ensemble;
pub mod graph;
pub mod graph_build;
pub mod judge;
pub mod map;
pub mod merge;
pub mod plan;
pub mod plot;
pub mod scenario;
pub mod scenarios;
pub mod serve;
pub mod split;
