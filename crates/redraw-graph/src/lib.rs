//! redraw-graph: the dual graph of geographic units and plans over it.
//!
//! - [`graph`]: [`Graph`], CSR adjacency with `u32` node ids, optional shared-border lengths, and
//!   named attribute columns. Its invariants are listed in the module docs.
pub mod graph;

pub use graph::{Column, Graph, GraphError};
