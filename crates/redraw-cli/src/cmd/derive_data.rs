//! `redraw derive-data`: regenerate the embedded tables under `data/` from the raw public files.
//!
//! Maintainers only (hidden from `--help`). The derivation itself lives in
//! `redraw_core::derive`; this command only reads the raw files and writes the tables atomically.

use std::path::PathBuf;

use anyhow::Context as _;
use redraw_core::derive::{derive, RawInputs, RAW_FILES};

use crate::output::write_atomic;

#[derive(clap::Args)]
pub struct Args {
    /// The shared raw data directory (see its SOURCES.md).
    #[arg(long, default_value = "../shared/data", env = "REDRAW_DATA_DIR")]
    pub from: PathBuf,
    /// Where to write counties.csv, pools.csv, adjacency.csv and states.csv.
    #[arg(long, default_value = "data")]
    pub out: PathBuf,
    /// Only check that the tables in --out are up to date; write nothing.
    #[arg(long)]
    pub check: bool,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let mut texts = Vec::with_capacity(RAW_FILES.len());
    for rel in RAW_FILES {
        let p = args.from.join(rel);
        texts.push(std::fs::read_to_string(&p).with_context(|| format!("cannot read {}", p.display()))?);
    }
    let files: [&str; 15] = std::array::from_fn(|i| texts[i].as_str());
    let tables = derive(&RawInputs { files })?;
    let mut stale = Vec::new();
    for (name, text) in tables.files() {
        let path = args.out.join(name);
        if args.check {
            let current = std::fs::read_to_string(&path).unwrap_or_default();
            if current != text {
                stale.push(path.display().to_string());
            }
        } else {
            write_atomic(&path, text.as_bytes())?;
            eprintln!("wrote {} ({} bytes)", path.display(), text.len());
        }
    }
    if !stale.is_empty() {
        anyhow::bail!("out of date (run `redraw derive-data`): {}", stale.join(", "));
    }
    Ok(())
}
