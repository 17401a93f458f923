//! redraw-py: the Python bindings (`import redraw`), built by maturin from `python/`.
//!
//! Everything is behind the `python` feature, which maturin turns on
//! (`python/pyproject.toml`). Without it this crate is an empty library, so
//! `cargo test --workspace` and `cargo clippy --workspace` build on machines that have no Python
//! (pyo3's build script needs an interpreter). `.ci/python.sh` lints and tests it with the
//! feature.
//!
//! The native module is `redraw._redraw`; the public API is the pure-Python package
//! `python/redraw/` around it (argument handling, pandas/pyarrow/tqdm/GerryChain/Ray interop).
//! Boundaries: this crate is glue. Computation lives in the library crates; the run directory,
//! shards and merge are `redraw_ensemble::{run, shard}`, the manifest inputs are
//! `redraw_ensemble::setup` (shared with the CLI so both write the same bytes).
//! Long calls release the GIL (`Python::detach`); an ensemble runs on a worker thread while the
//! calling thread watches for Ctrl-C (which stops every chain at a checkpoint) and reports
//! progress. Errors become `redraw.RedrawError` with the CLI's message (cause chain included).
#[cfg(feature = "python")]
mod py;
