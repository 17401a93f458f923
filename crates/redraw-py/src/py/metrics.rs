//! Partisan metrics on numpy arrays of per-district votes. A 1-D pair is one plan (returns a
//! float); a 2-D pair is one plan per row (returns a float64 array), computed with the GIL
//! released. Definitions and signs are `redraw_metrics::partisan`'s (positive favours the
//! first party, Democrats); the Python module names them as `gerrychain.metrics` does.

use numpy::{PyArray1, PyArrayDyn, PyReadonlyArrayDyn, PyUntypedArrayMethods};
use pyo3::prelude::*;
use redraw_metrics::ElectionResults;

use super::{err, err_msg};

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(partisan_metric, m)?)?;
    Ok(())
}

fn compute(name: &str, r: &ElectionResults) -> Option<f64> {
    Some(match name {
        "efficiency_gap" => r.efficiency_gap(),
        "mean_median" => r.mean_median(),
        "mean_share_bias" => r.mean_share_bias(),
        "partisan_bias" => r.partisan_bias(),
        "statewide_bias" => r.statewide_bias(),
        "partisan_gini" => r.partisan_gini(),
        "declination" => r.declination().unwrap_or(f64::NAN),
        "declination_redistmetrics" => r.declination_redistmetrics().unwrap_or(f64::NAN),
        "dem_seats" => r.dem_seats(),
        "statewide_dem_share" => r.statewide_dem_share(),
        "responsiveness" => r.responsiveness(0.01),
        "wasted_dem" => r.wasted_votes().0,
        "wasted_rep" => r.wasted_votes().1,
        _ => return None,
    })
}

/// `name`: efficiency_gap, mean_median, mean_share_bias (= partisan_bias), partisan_bias,
/// statewide_bias, partisan_gini,
/// declination and declination_redistmetrics (NaN when one party wins every district),
/// dem_seats, statewide_dem_share,
/// responsiveness, wasted_dem, wasted_rep.
#[pyfunction]
fn partisan_metric<'py>(
    py: Python<'py>,
    name: &str,
    dem: PyReadonlyArrayDyn<'py, f64>,
    rep: PyReadonlyArrayDyn<'py, f64>,
) -> PyResult<Bound<'py, PyAny>> {
    if compute(name, &ElectionResults::new(vec![1.0], vec![1.0]).map_err(err)?).is_none() {
        return Err(err_msg(format!("unknown metric {name:?}")));
    }
    if dem.shape() != rep.shape() {
        return Err(err_msg(format!(
            "dem and rep must have the same shape, found {:?} and {:?}",
            dem.shape(),
            rep.shape()
        )));
    }
    let shape = dem.shape().to_vec();
    let (d, r) = (dem.as_array(), rep.as_array());
    let (d, r): (Vec<f64>, Vec<f64>) = (d.iter().copied().collect(), r.iter().copied().collect());
    match shape.len() {
        1 => {
            let res = ElectionResults::new(d, r).map_err(err)?;
            Ok(compute(name, &res).expect("known").into_pyobject(py)?.into_any())
        }
        2 => {
            let (rows, k) = (shape[0], shape[1]);
            let out = py.detach(|| -> Result<Vec<f64>, String> {
                (0..rows)
                    .map(|i| {
                        let res = ElectionResults::new(
                            d[i * k..(i + 1) * k].to_vec(),
                            r[i * k..(i + 1) * k].to_vec(),
                        )
                        .map_err(|e| format!("row {i}: {e}"))?;
                        Ok(compute(name, &res).expect("known"))
                    })
                    .collect()
            });
            Ok(PyArray1::from_vec(py, out.map_err(err_msg)?).into_any())
        }
        n => {
            let _ = PyArrayDyn::<f64>::zeros(py, vec![0], false);
            Err(err_msg(format!("expected 1-D (one plan) or 2-D (plans x districts) arrays, found {n}-D")))
        }
    }
}
