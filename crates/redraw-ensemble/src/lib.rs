//! redraw-ensemble (see ARCHITECTURE.md).
