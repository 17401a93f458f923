//! `redraw derive-data`: regenerate the embedded tables under `data/` from the raw public files.
//!
//! Maintainers only (hidden from `--help`). The derivation itself lives in
//! `redraw_core::derive`; this command only reads the raw files and writes the tables atomically.

use std::path::PathBuf;

use anyhow::Context as _;
use redraw_core::derive::{derive, RawInputs, N_RAW, RAW_FILES};

use crate::output::write_atomic;

#[derive(clap::Args)]
pub struct Args {
    /// The shared raw data directory (see its SOURCES.md).
    #[arg(long, default_value = "../shared/data", env = "REDRAW_DATA_DIR")]
    pub from: PathBuf,
    /// Where to write the tables (counties.csv, pools.csv, adjacency.csv, states.csv,
    /// territories.csv, economy.csv, economy_states.csv).
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
        texts.push(read_raw(&p)?);
    }
    let files: [&str; N_RAW] = std::array::from_fn(|i| texts[i].as_str());
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

/// A raw file as text; `.gz` files are decompressed.
fn read_raw(p: &std::path::Path) -> anyhow::Result<String> {
    use std::io::Read as _;
    let bytes = std::fs::read(p).with_context(|| format!("cannot read {}", p.display()))?;
    if p.extension().is_some_and(|e| e == "gz") {
        let mut text = String::new();
        flate2::read::GzDecoder::new(&bytes[..])
            .read_to_string(&mut text)
            .with_context(|| format!("{}: not a gzip file of UTF-8 text", p.display()))?;
        Ok(text)
    } else {
        String::from_utf8(bytes).with_context(|| format!("{}: not UTF-8 text", p.display()))
    }
}
