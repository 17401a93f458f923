//! `redraw merge`: join the shards of a run (`redraw ensemble ... --chain-range A..B`) into one
//! run directory. The checks and the concatenation are `redraw_ensemble::shard::merge`.

use std::path::PathBuf;

use anyhow::bail;

use crate::output::{self, OutputArgs};

/// Merge the shards of one ensemble run into a run directory.
///
/// Each shard is a run directory made by `redraw ensemble ... --chains C --chain-range A..B`
/// (on another process, machine, Ray task or Slurm array job). The shards must be complete,
/// come from the same redraw version, parameters and inputs (input files are compared by
/// SHA-256, not by path), and hold disjoint chain ranges that together cover 0..C; anything
/// else is refused with the reason. The merged directory is byte-identical to the run of
/// every chain in one process with the same seed (its manifest too when the shards read the
/// inputs at the same paths). --out must not exist (or be an empty directory); it appears whole
/// or not at all. The shard directories are left as they are.
///
/// Examples:
///   redraw ensemble --graph PA.json ... --chains 64 --chain-range 0..32 --out shards/a
///   redraw ensemble --graph PA.json ... --chains 64 --chain-range 32..64 --out shards/b
///   redraw merge shards/a shards/b --out runs/pa
#[derive(clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// The shard run directories, in any order.
    #[arg(value_name = "SHARD_DIR", required = true)]
    pub shards: Vec<PathBuf>,
    /// The run directory to create.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Also write stats.parquet (as `redraw ensemble --parquet`). Needs `--features parquet`.
    #[arg(long)]
    pub parquet: bool,
    #[command(flatten)]
    pub output: OutputArgs,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    if args.parquet && !redraw_ensemble::run::PARQUET_AVAILABLE {
        bail!(
            "--parquet: this redraw was built without Parquet support; rebuild it with \
             `cargo build --release -p redraw-cli --features parquet`"
        );
    }
    let m = redraw_ensemble::shard::merge(&args.shards, &args.out, args.parquet)?;
    eprintln!("merged {} shard(s) into {}", args.shards.len(), args.out.display());
    output::emit(&[("chains", &crate::cmd::ensemble::summary_table(&m))], &args.output)
}
