//! redraw-geo (see ARCHITECTURE.md).
