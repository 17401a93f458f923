//! The `redraw._redraw` extension module.

use std::error::Error as StdError;
use std::fmt::Write as _;

use pyo3::create_exception;
use pyo3::exceptions::PyException;
use pyo3::prelude::*;

mod ensemble;
mod graph;
mod judge;
mod metrics;
mod national;

create_exception!(
    _redraw,
    RedrawError,
    PyException,
    "An error reported by redraw's library: bad input, an invalid run, a refused merge. The \
     message is the one the redraw command line prints."
);

/// The message of an error and its causes, as the CLI prints it after `error: `.
pub(crate) fn message(e: &(dyn StdError + 'static)) -> String {
    let mut s = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        let _ = write!(s, "\n  caused by: {c}");
        cause = c.source();
    }
    s
}

pub(crate) fn err<E: StdError + 'static>(e: E) -> PyErr {
    RedrawError::new_err(message(&e))
}

pub(crate) fn err_msg(msg: impl Into<String>) -> PyErr {
    RedrawError::new_err(msg.into())
}

#[pymodule]
fn _redraw(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("RedrawError", m.py().get_type::<RedrawError>())?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("PARQUET_AVAILABLE", redraw_ensemble::run::PARQUET_AVAILABLE)?;
    national::register(m)?;
    graph::register(m)?;
    ensemble::register(m)?;
    judge::register(m)?;
    metrics::register(m)?;
    Ok(())
}
