//! redraw-metrics (see ARCHITECTURE.md).
