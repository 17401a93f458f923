//! The fuzz targets' bodies, shared with the stable regression test
//! (`crates/redraw-cli/tests/fuzz_regressions.rs` includes `harness.rs` by path).
pub mod harness;
