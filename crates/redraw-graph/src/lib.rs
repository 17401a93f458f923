//! redraw-graph (see ARCHITECTURE.md).
