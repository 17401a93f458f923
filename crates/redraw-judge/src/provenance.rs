//! Provenance of a judgement: which redraw made it, from which command, on which inputs (each
//! with its SHA-256), against which run (its parameters and seed, and the inputs *it* recorded),
//! and when. The front end fills the parts it knows (command line, hashes of the files it read,
//! the date); [`run_provenance`] takes the rest from the run's manifest and
//! [`check_inputs`] compares the two sets of hashes.

use redraw_ensemble::Manifest;
use serde::Serialize;

/// One input file.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct InputFile {
    /// What the file is (`graph`, `graph attributes`, `plan`, `shapes`, `run manifest`,
    /// `run statistics`, `run assignments`).
    pub role: String,
    pub path: String,
    pub bytes: u64,
    pub sha256: String,
}

/// How the ensemble was drawn, from its manifest.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RunProvenance {
    /// The redraw that drew the ensemble.
    pub redraw_version: String,
    pub seed: u64,
    pub chains: u32,
    pub steps_per_chain: u64,
    pub thin: u64,
    pub burn_in: u64,
    pub proposal: String,
    pub pair_selection: String,
    pub tolerance: f64,
    pub population_column: Option<String>,
    pub elections: Vec<String>,
    pub samples_recorded: u64,
    /// The inputs as the run recorded them (paths and SHA-256).
    pub inputs: serde_json::Value,
}

/// Everything a reader needs to reproduce or audit a judgement.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Provenance {
    /// The redraw that judged.
    pub redraw_version: String,
    /// The command line, one argument per entry.
    pub command_line: Vec<String>,
    /// When the judgement was made, UTC, ISO 8601 (`SOURCE_DATE_EPOCH` when set, so reports can
    /// be rebuilt byte for byte).
    pub generated_utc: String,
    pub inputs: Vec<InputFile>,
    pub run: RunProvenance,
    /// Hash comparisons between the files judged with and the files the run was drawn on, one
    /// sentence each.
    pub checks: Vec<String>,
}

/// The run's part of the provenance.
pub fn run_provenance(m: &Manifest) -> RunProvenance {
    RunProvenance {
        redraw_version: m.redraw_version.clone(),
        seed: m.params.seed,
        chains: m.params.chains,
        steps_per_chain: m.params.steps,
        thin: m.params.thin,
        burn_in: m.params.burn_in,
        proposal: m.params.proposal.kind.name().to_string(),
        pair_selection: serde_json::to_value(m.params.proposal.pair_selection)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default(),
        tolerance: m.tolerance,
        population_column: m.population_column().map(str::to_string),
        elections: m
            .elections
            .iter()
            .map(|e| format!("{} = {} vs {}", e.name, e.dem_column, e.rep_column))
            .collect(),
        samples_recorded: m.samples_per_chain.saturating_mul(m.params.chains as u64),
        inputs: m.inputs.clone(),
    }
}

/// Compares the SHA-256 of the files judged with (`graph`, `graph attributes`) with the ones the
/// run recorded: one sentence per file, and whether any differs.
pub fn check_inputs(m: &Manifest, inputs: &[InputFile]) -> (Vec<String>, bool) {
    let mut out = Vec::new();
    let mut differs = false;
    for (role, key) in [("graph", "graph"), ("graph attributes", "data")] {
        let ours = inputs.iter().find(|f| f.role == role);
        let theirs = m.inputs.get(key).and_then(|v| v.get("sha256")).and_then(|v| v.as_str());
        match (ours, theirs) {
            (Some(o), Some(t)) if o.sha256 == t => out.push(format!(
                "The {role} file is byte-identical to the one the ensemble was drawn on (SHA-256 {t})."
            )),
            (Some(o), Some(t)) => {
                differs = true;
                out.push(format!(
                    "The {role} file differs from the one the ensemble was drawn on: SHA-256 {} here, {t} in the run.",
                    o.sha256
                ))
            }
            (Some(_), None) => out.push(format!("The run did not record a {role} file to compare with.")),
            (None, Some(_)) => out.push(format!("The run recorded a {role} file; none was read here.")),
            (None, None) => {}
        }
    }
    (out, differs)
}

/// Formats seconds since the Unix epoch as `YYYY-MM-DDTHH:MM:SSZ` (proleptic Gregorian, UTC).
pub fn iso8601_utc(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Civil from days (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z", rem / 3600, rem % 3600 / 60, rem % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(iso8601_utc(0), "1970-01-01T00:00:00Z");
        assert_eq!(iso8601_utc(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(iso8601_utc(1_764_590_400), "2025-12-01T12:00:00Z");
    }
}
