//! Every handler error becomes a JSON body `{"error": "..."}` with a status that says whose
//! fault it is: 400 malformed input (with the same message the CLI gives for the same input),
//! 403 a forbidden host, origin or path, 404 nothing there, 413 too large, 429 too busy,
//! 500 a bug (the server keeps serving).

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

/// An error answered to the client.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    pub message: String,
}

impl ApiError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        ApiError { status, message: message.into() }
    }
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, message)
    }
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, message)
    }
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, message)
    }
    /// The input is well-formed but cannot be used as asked (e.g. a run whose graph is not under
    /// `--runs`).
    pub fn unprocessable(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, message)
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.status.as_u16(), self.message)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = serde_json::json!({ "error": self.message }).to_string();
        let mut r = (self.status, body).into_response();
        r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
        r
    }
}

/// A scenario that cannot be read or resolved is the client's input error (400), with the
/// message the CLI prints after `error: `.
impl From<redraw_core::ScenarioError> for ApiError {
    fn from(e: redraw_core::ScenarioError) -> Self {
        ApiError::bad_request(e.to_string())
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

/// Runs CPU-bound work on the blocking pool, so a long computation never stalls the request
/// loop; a panic inside becomes a 500 with a message instead of a dropped connection.
pub async fn blocking<T: Send + 'static>(f: impl FnOnce() -> ApiResult<T> + Send + 'static) -> ApiResult<T> {
    match tokio::task::spawn_blocking(f).await {
        Ok(r) => r,
        Err(e) => {
            Err(ApiError::internal(format!("internal error (the server keeps running): {}", panic_text(e))))
        }
    }
}

fn panic_text(e: tokio::task::JoinError) -> String {
    if e.is_panic() {
        let p = e.into_panic();
        if let Some(s) = p.downcast_ref::<&str>() {
            return (*s).to_string();
        }
        if let Some(s) = p.downcast_ref::<String>() {
            return s.clone();
        }
        return "a handler panicked".into();
    }
    "the task was cancelled".into()
}
