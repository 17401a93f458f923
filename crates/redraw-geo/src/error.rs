//! The error type of every fallible operation in this crate.

/// Errors from reading shapes or building graphs from them. Messages name the file part,
/// feature or field involved and what was expected.
#[derive(Debug, thiserror::Error)]
pub enum GeoError {
    #[error("invalid JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("invalid GeoJSON: {0}")]
    GeoJson(String),
    #[error("invalid TopoJSON: {0}")]
    TopoJson(String),
    #[error("invalid shapefile: {0}")]
    Shapefile(String),
    #[error("feature {feature} has no attribute `{key}` (attributes of that feature: {available})")]
    MissingAttribute { feature: usize, key: String, available: String },
    #[error("duplicate id `{id}` (features {first} and {second}); ids must be unique")]
    DuplicateId { id: String, first: usize, second: usize },
    #[error(
        "feature {feature}: coordinate ({}, {}) is out of range; redraw accepts |x| and |y| up to \
         1e9 (longitude/latitude in degrees, or projected metres or feet)",
        crate::model::fmt_coord(*x), crate::model::fmt_coord(*y)
    )]
    Coordinate { feature: usize, x: f64, y: f64 },
    // The message includes the I/O error, so it is not also the `source()` (error chains would
    // print it twice).
    #[error("{path}: {error}")]
    Io { path: String, error: std::io::Error },
    #[error("{0}")]
    Input(String),
}

pub type Result<T, E = GeoError> = std::result::Result<T, E>;
