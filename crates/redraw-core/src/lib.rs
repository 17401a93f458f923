//! redraw-core (see ARCHITECTURE.md).
