//! Checking a run directory before trusting it: the manifest against itself, and `stats.csv` and
//! `assignments.bin` against the manifest. Readers of a finished run (`redraw judge`, scripts
//! through the library) call [`open_complete`] and then check the rows and the assignments
//! header they read, so a tampered or mixed-up run directory is refused with a message naming
//! the file and what disagrees, instead of being judged (`accepted > steps` once gave a
//! self-loop rate of 4.6e16; a tolerance of −5 printed as "±-500.00%"; duplicated rows doubled
//! the sample).

use std::path::{Path, PathBuf};

use crate::assignments::{label_bytes, Header};
use crate::run::{Manifest, RunError, MANIFEST};

/// The manifest's `inputs` key naming the population column (written by `redraw ensemble`).
pub const INPUT_POPULATION_COLUMN: &str = "population_column";

/// The most districts a run can have: `assignments.bin` stores a district index in at most 16
/// bits.
pub const MAX_DISTRICTS: usize = 1 << 16;

fn invalid(path: PathBuf, msg: String) -> RunError {
    RunError::Invalid { path, msg }
}

/// The stats.csv header of a run with these district labels, election names and tracked
/// columns (the contract of `docs/run-format.md`).
pub fn stats_header(labels: &[String], elections: &[&str], tracked: &[&str]) -> Vec<String> {
    let mut cols: Vec<String> =
        ["chain", "step", "accepted", "cut_edges", "county_splits"].iter().map(|s| s.to_string()).collect();
    cols.extend(labels.iter().map(|l| format!("pop_{l}")));
    for e in elections {
        cols.push(format!("{e}_dem_seats"));
        cols.extend(labels.iter().map(|l| format!("{e}_dem_{l}")));
        cols.extend(labels.iter().map(|l| format!("{e}_rep_{l}")));
    }
    for t in tracked {
        cols.extend(labels.iter().map(|l| format!("sum_{t}_{l}")));
    }
    cols
}

impl Manifest {
    /// The population column the run balanced, if the manifest names it.
    pub fn population_column(&self) -> Option<&str> {
        self.inputs.get(INPUT_POPULATION_COLUMN).and_then(|v| v.as_str())
    }

    /// Total stats.csv rows in this directory (its chains times `samples_per_chain`: every
    /// chain of a whole run, a shard's range), or `None` if that overflows.
    pub fn total_samples(&self) -> Option<u64> {
        self.samples_per_chain.checked_mul(self.chain_range().len() as u64)
    }

    /// Total plans in this directory's assignments.bin, or `None` if that overflows.
    pub fn total_plans(&self) -> Option<u64> {
        self.plans_per_chain.checked_mul(self.chain_range().len() as u64)
    }

    /// Whether the run wrote assignments.bin (every run but `--record stats-only`).
    pub fn has_plans(&self) -> bool {
        self.files.assignments.is_some()
    }

    /// The manifest's internal consistency: format, district labels, tolerance and bounds,
    /// sample counts, stats columns, and (when complete) every chain's outcome counts. The
    /// message says what disagrees.
    pub fn check(&self) -> Result<(), String> {
        if self.format != "redraw-ensemble-run" {
            return Err(format!("format is {:?}, expected \"redraw-ensemble-run\"", self.format));
        }
        if !(1..=crate::run::FORMAT_VERSION).contains(&self.format_version) {
            return Err(format!(
                "format_version {} (written by redraw {}); this redraw reads versions 1 to {}",
                self.format_version,
                self.redraw_version,
                crate::run::FORMAT_VERSION
            ));
        }
        if self.format_version == 1
            && (self.params.record != crate::record::Record::Every
                || self.params.compression != crate::assignments::Compression::None
                || !self.tracked_columns.is_empty())
        {
            return Err("format_version 1 cannot record thinned plans, deltas or tracked columns".into());
        }
        if self.status != "running" && self.status != "complete" {
            return Err(format!("status {:?}, expected \"running\" or \"complete\"", self.status));
        }
        let k = self.districts;
        if !(1..=MAX_DISTRICTS).contains(&k) || self.district_labels.len() != k {
            return Err(format!(
                "{} districts with {} district labels (at most {MAX_DISTRICTS} districts)",
                k,
                self.district_labels.len()
            ));
        }
        let mut labels: Vec<&String> = self.district_labels.iter().collect();
        labels.sort();
        if let Some(w) = labels.windows(2).find(|w| w[0] == w[1]) {
            return Err(format!("district label {:?} appears twice", w[0]));
        }
        if self.node_count < k {
            return Err(format!("{} nodes cannot hold {k} districts", self.node_count));
        }
        if !(self.tolerance.is_finite() && (0.0..1.0).contains(&self.tolerance)) {
            return Err(format!("tolerance {} is not a fraction in [0, 1)", self.tolerance));
        }
        let [lo, hi] = self.population_bounds;
        if lo > hi || hi > self.total_population {
            return Err(format!(
                "population bounds [{lo}, {hi}] do not fit a total population of {}",
                self.total_population
            ));
        }
        let p = &self.params;
        if p.chains == 0 || p.thin == 0 {
            return Err(format!("params: chains {} and thin {} must be at least 1", p.chains, p.thin));
        }
        if self.sampler == crate::run::Sampler::Smc {
            return self.check_smc();
        }
        if self.smc.is_some() {
            return Err("an `smc` section in the manifest of a Markov chain run".into());
        }
        if self.samples_per_chain != p.samples_per_chain() {
            return Err(format!(
                "samples_per_chain is {} but steps {}, burn_in {} and thin {} record {}",
                self.samples_per_chain,
                p.steps,
                p.burn_in,
                p.thin,
                p.samples_per_chain()
            ));
        }
        if let Some(sh) = &self.shard {
            let r = sh.range();
            if r.start >= r.end || r.end > p.chains {
                return Err(format!(
                    "shard chain range {}..{} does not fit the run's {} chains",
                    r.start, r.end, p.chains
                ));
            }
        }
        if self.plans_per_chain != p.plans_per_chain() {
            return Err(format!(
                "plans_per_chain is {} but steps {}, burn_in {}, thin {} and record {} record {}",
                self.plans_per_chain,
                p.steps,
                p.burn_in,
                p.thin,
                p.record.name(),
                p.plans_per_chain()
            ));
        }
        if self.total_samples().is_none() || p.steps.checked_mul(p.chains as u64).is_none() {
            return Err(format!("{} chains of {} steps overflow a 64-bit count", p.chains, p.steps));
        }
        let assignments = (p.record != crate::record::Record::StatsOnly).then_some(crate::run::ASSIGNMENTS);
        if self.files.stats != crate::run::STATS || self.files.assignments.as_deref() != assignments {
            return Err(format!(
                "files {:?} and {:?}, expected \"{}\" and {:?} (record {})",
                self.files.stats,
                self.files.assignments,
                crate::run::STATS,
                assignments,
                p.record.name()
            ));
        }
        let names: Vec<&str> = self.elections.iter().map(|e| e.name.as_str()).collect();
        let tracked: Vec<&str> = self.tracked_columns.iter().map(|t| t.as_str()).collect();
        if self.stats_columns != stats_header(&self.district_labels, &names, &tracked) {
            return Err(
                "stats_columns do not match the district labels, elections and tracked columns".into()
            );
        }
        if self.status == "complete" {
            let range = self.chain_range();
            if self.results.len() != range.len() {
                return Err(format!(
                    "results for {} chains, but the directory holds chains {}..{}",
                    self.results.len(),
                    range.start,
                    range.end
                ));
            }
            for (c, r) in range.zip(&self.results) {
                let outcomes = [
                    r.accepted,
                    r.non_adjacent,
                    r.no_split,
                    r.not_selected,
                    r.rejected,
                    r.invalid,
                    r.bound_exceeded,
                ]
                .iter()
                .try_fold(0u64, |a, &x| a.checked_add(x));
                if r.steps != p.steps || outcomes != Some(r.steps) {
                    return Err(format!(
                        "chain {c}: {} steps (params say {}) and outcomes accepted {}, non_adjacent {}, \
                         no_split {}, not_selected {}, rejected {}, invalid {}, bound_exceeded {} that do \
                         not add up to them",
                        r.steps,
                        p.steps,
                        r.accepted,
                        r.non_adjacent,
                        r.no_split,
                        r.not_selected,
                        r.rejected,
                        r.invalid,
                        r.bound_exceeded
                    ));
                }
                if r.bound_exceeded != 0 {
                    return Err(format!(
                        "chain {c}: a complete run has bound_exceeded 0, not {}",
                        r.bound_exceeded
                    ));
                }
            }
        }
        Ok(())
    }

    /// [`Manifest::check`]'s rules for an SMC run (`docs/run-format.md`, "SMC runs"): each run
    /// (a "chain" in the row and plan counts) records every particle, step = particle index, as
    /// fixed-size records, and stats.csv ends with the `weight` column.
    fn check_smc(&self) -> Result<(), String> {
        let p = &self.params;
        let Some(smc) = &self.smc else {
            return Err("sampler \"smc\" without its `smc` section".into());
        };
        let particles = smc.config.particles as u64;
        if particles == 0
            || self.samples_per_chain != particles
            || self.plans_per_chain != particles
            || p.steps != 0
            || p.burn_in != 0
            || p.thin != 1
        {
            return Err(format!(
                "an SMC run of {particles} particles records samples_per_chain {} and plans_per_chain {} \
                 (steps {}, burn_in {}, thin {}): expected {particles}, {particles} (0, 0, 1)",
                self.samples_per_chain, self.plans_per_chain, p.steps, p.burn_in, p.thin
            ));
        }
        if p.record != crate::record::Record::Every
            || p.compression != crate::assignments::Compression::None
            || !self.tracked_columns.is_empty()
            || self.shard.is_some()
        {
            return Err(
                "an SMC run records every plan uncompressed, no tracked columns, in one directory".into()
            );
        }
        if self.total_samples().is_none() {
            return Err(format!("{} runs of {particles} particles overflow a 64-bit count", p.chains));
        }
        if self.files.stats != crate::run::STATS
            || self.files.assignments.as_deref() != Some(crate::run::ASSIGNMENTS)
        {
            return Err(format!(
                "files {:?} and {:?}, expected \"{}\" and \"{}\"",
                self.files.stats,
                self.files.assignments,
                crate::run::STATS,
                crate::run::ASSIGNMENTS
            ));
        }
        let names: Vec<&str> = self.elections.iter().map(|e| e.name.as_str()).collect();
        let mut want = stats_header(&self.district_labels, &names, &[]);
        want.push("weight".into());
        if self.stats_columns != want {
            return Err("stats_columns do not match the district labels and elections, then weight".into());
        }
        if self.status == "complete"
            && (self.results.len() != p.chains as usize || smc.runs.len() != p.chains as usize)
        {
            return Err(format!(
                "{} runs, but results for {} and run summaries for {}",
                p.chains,
                self.results.len(),
                smc.runs.len()
            ));
        }
        Ok(())
    }

    /// The `(chain, step)` of every recorded row, in file order.
    pub fn expected_rows(&self) -> impl Iterator<Item = (u32, u64)> + '_ {
        let p = &self.params;
        let stride = if p.record == crate::record::Record::Thinned { 1 } else { p.thin };
        self.chain_range()
            .flat_map(move |c| (0..self.samples_per_chain).map(move |j| (c, p.burn_in + j * stride)))
    }

    /// The `(chain, step)` of every recorded plan, in file order.
    pub fn expected_plans(&self) -> impl Iterator<Item = (u32, u64)> + '_ {
        let p = &self.params;
        self.chain_range()
            .flat_map(move |c| (0..self.plans_per_chain).map(move |j| (c, p.burn_in + j * p.thin)))
    }

    /// Checks rows read from `stats.csv` (in `(chain, step)` order) against the run: exactly the
    /// recorded steps of every chain, each once. The message names the first disagreement.
    pub fn check_rows(&self, rows: impl IntoIterator<Item = (u32, u64)>) -> Result<(), String> {
        let mut want = self.expected_rows();
        let mut n = 0u64;
        for (got_chain, got_step) in rows {
            n += 1;
            match want.next() {
                Some((c, s)) if (c, s) == (got_chain, got_step) => {}
                Some((c, s)) => {
                    return Err(format!(
                    "row {n} is chain {got_chain}, step {got_step}, but the run records chain {c}, step {s} \
                         there (duplicated, missing or foreign rows)"
                ))
                }
                None => {
                    return Err(format!(
                        "row {n} (chain {got_chain}, step {got_step}) is beyond the {} rows the run records",
                        n - 1
                    ))
                }
            }
        }
        match want.next() {
            None => Ok(()),
            Some((c, s)) => Err(format!(
                "{n} rows, but the run records {}: chain {c}, step {s} is missing",
                self.total_samples().unwrap_or(u64::MAX)
            )),
        }
    }

    /// Checks an `assignments.bin` header against the run.
    pub fn check_assignments(&self, h: &Header) -> Result<(), String> {
        let want = (self.node_count, self.districts, label_bytes(self.districts), self.total_plans());
        let got = (h.node_count as usize, h.districts as usize, h.label_bytes as usize, Some(h.samples));
        if want != got {
            return Err(format!(
                "{} samples of {} nodes in {} districts, but the run records {} samples of {} nodes in {} districts",
                h.samples,
                h.node_count,
                h.districts,
                self.total_plans().unwrap_or(u64::MAX),
                self.node_count,
                self.districts
            ));
        }
        if h.compression != self.params.compression {
            return Err(format!(
                "records stored with compression {}, but the run says {}",
                h.compression.name(),
                self.params.compression.name()
            ));
        }
        Ok(())
    }
}

/// Opens a finished run for reading: reads and checks `DIR/manifest.json` ([`Manifest::check`])
/// and requires `"status": "complete"`.
pub fn open_complete(dir: &Path) -> Result<Manifest, RunError> {
    let m = Manifest::read(dir)?;
    let path = dir.join(MANIFEST);
    m.check().map_err(|msg| invalid(path.clone(), msg))?;
    if m.status != "complete" {
        return Err(invalid(
            path,
            format!(
                "the run is {:?}, not complete: finish it with `redraw ensemble ... --resume` first",
                m.status
            ),
        ));
    }
    Ok(m)
}

/// Checks the header of the run's `assignments.bin` (opened with
/// [`crate::run::open_assignments`], which checks it against the file's length) against its
/// manifest.
pub fn check_assignments_file(dir: &Path, m: &Manifest) -> Result<(), RunError> {
    if !m.has_plans() {
        // `--record stats-only`: there is no file to check.
        return Ok(());
    }
    let r = crate::run::open_assignments(dir)?;
    let path = dir.join(crate::run::ASSIGNMENTS);
    m.check_assignments(r.header()).map_err(|msg| invalid(path, msg))
}
