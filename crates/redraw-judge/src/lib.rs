//! redraw-judge (see ARCHITECTURE.md).
