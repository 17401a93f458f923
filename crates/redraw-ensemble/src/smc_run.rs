//! SMC runs as run directories: the layout of chain runs (`run`, `docs/run-format.md`) with one
//! "chain" per independent SMC run and one row per particle, plus a `weight` column.
//!
//! ```text
//! DIR/manifest.json     "sampler": "smc", "smc": {config, rejuvenation, runs: [diagnostics]}
//! DIR/stats.csv         chain = run, step = particle, accepted = 1, the usual statistics, weight
//! DIR/assignments.bin   every particle's plan, in (run, particle) order
//! DIR/chains/           while unfinished: per-run parts, each written whole when its run ends
//! ```
//!
//! Runs are computed one after another, each with all threads on its particles; run `r` draws only
//! from its own streams `(seed, r, ...)`, so the bytes do not depend on the thread count. A run's
//! part files (`chain-r.csv`, `chain-r.asg`) are written atomically when it finishes, followed by
//! `chain-r.json` (its diagnostics), which marks it done: `--resume` keeps finished runs and
//! recomputes the others from the start (there is no checkpoint inside a run).

use std::fs;
use std::io::{BufWriter, Write};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

use serde::{Deserialize, Serialize};

use crate::assignments::{encode_record, Header};
use crate::fsio::{sync_parent, tmp_path, Budget, Phase};
use crate::partition::Partition;
use crate::problem::Problem;
use crate::proposal::{Counters, ProposalConfig};
use crate::run::{
    build_manifest, chain_files, csv_field, describe_diff, io_at, prepare_dir, stats_columns, stats_row,
    write_atomic, write_manifest, ChainParams, Execution, Manifest, RunError, RunSpec, Sampler, Summary,
    ASSIGNMENTS, CHAINS_DIR, STATS, STATS_PARQUET,
};
use crate::smc::{rejuvenate, run_smc, SmcConfig, StageDiagnostics};

/// Merge-split steps run on every particle after the final resampling.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Rejuvenation {
    pub steps: u64,
    pub proposal: ProposalConfig,
}

/// The `smc` section of a manifest.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SmcInfo {
    pub config: SmcConfig,
    /// Present when the particles were resampled and rejuvenated (their weights are then equal).
    #[serde(default)]
    pub rejuvenation: Option<Rejuvenation>,
    /// One entry per finished run.
    #[serde(default)]
    pub runs: Vec<SmcRunInfo>,
}

impl SmcInfo {
    /// The parts that must match for a resume.
    pub(crate) fn identity(&self) -> serde_json::Value {
        serde_json::json!({ "config": self.config, "rejuvenation": self.rejuvenation })
    }
}

/// Diagnostics of one SMC run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SmcRunInfo {
    /// Kish effective sample size of the written weights.
    pub ess: f64,
    /// Distinct plans among the written particles (partitions, labels ignored).
    pub unique_plans: u64,
    /// Effective samples: the smaller of `ess` and `unique_plans`.
    pub effective_samples: f64,
    /// Per stage, then a final row (stage k) for the final weights before any rejuvenation.
    pub stages: Vec<StageDiagnostics>,
    /// Rejuvenation outcome counts, if any.
    #[serde(default)]
    pub rejuvenation: Option<Counters>,
}

/// Everything an SMC run directory needs.
pub struct SmcRunSpec<'a> {
    pub problem: &'a Problem,
    /// Labels of the district indices (`"1"`..`"k"`: SMC labels districts by the stage that drew
    /// them, so labels carry no geography).
    pub district_labels: Vec<String>,
    pub seed: u64,
    /// Independent SMC runs (at least 2 for R-hat).
    pub runs: u32,
    pub config: SmcConfig,
    pub rejuvenation: Option<Rejuvenation>,
    /// Description of the inputs for the manifest, compared on resume.
    pub inputs: serde_json::Value,
}

impl SmcRunSpec<'_> {
    fn manifest(&self, status: &str, runs: Vec<SmcRunInfo>, results: Vec<Counters>) -> Manifest {
        let rs = RunSpec {
            problem: self.problem,
            initial: Vec::new(),
            district_labels: self.district_labels.clone(),
            params: ChainParams {
                seed: self.seed,
                chains: self.runs,
                steps: 0,
                thin: 1,
                burn_in: 0,
                // No chain steps: the proposal recorded is the merge-split kernel of the same
                // target (the rejuvenation's when there is one), so a reader of `params` sees the
                // target's ρ and county rule instead of a ReCom default that was never run.
                proposal: match &self.rejuvenation {
                    Some(r) => r.proposal.clone(),
                    None => ProposalConfig {
                        kind: crate::proposal::ProposalKind::MergeSplit,
                        rho: self.config.rho,
                        county_hierarchy: self.config.county_hierarchy,
                        county_penalty: self.config.county_penalty,
                        ..ProposalConfig::default()
                    },
                },
                // Every particle's plan, in fixed-size records: particles are independent draws,
                // so a delta against the previous one would save nothing.
                record: crate::record::Record::Every,
                compression: crate::assignments::Compression::None,
            },
            inputs: self.inputs.clone(),
        };
        let mut m = build_manifest(&rs, &(0..self.runs), status, results);
        m.sampler = Sampler::Smc;
        m.samples_per_chain = self.config.particles as u64;
        m.plans_per_chain = self.config.particles as u64;
        m.stats_columns.push("weight".into());
        m.smc = Some(SmcInfo { config: self.config.clone(), rejuvenation: self.rejuvenation.clone(), runs });
        m
    }
}

/// Starts (or with `resume` continues) the SMC run directory `dir`. `exec.threads` threads work
/// on each run's particles; `exec.checkpoint_every` does not apply and the `exec.stop_after` test
/// hook counts finished runs.
pub fn run_smc_dir(
    dir: &Path,
    spec: &SmcRunSpec,
    exec: &Execution,
    resume: bool,
) -> Result<Summary, RunError> {
    let p = spec.problem;
    crate::smc::validate(p, &spec.config)?;
    if spec.runs == 0 {
        return Err(RunError::Params("--chains (SMC runs) must be at least 1".into()));
    }
    if spec.district_labels.len() != p.districts() {
        return Err(RunError::Params(format!(
            "{} district labels for {} districts",
            spec.district_labels.len(),
            p.districts()
        )));
    }
    if exec.parquet && !crate::run::PARQUET_AVAILABLE {
        return Err(RunError::ParquetUnavailable);
    }
    if exec.chain_range.as_ref().is_some_and(|r| *r != (0..spec.runs)) {
        return Err(RunError::ChainRange(
            "an SMC run cannot be split into shards yet: run all of its runs (--chains) in one directory"
                .into(),
        ));
    }
    let fresh = spec.manifest("running", Vec::new(), Vec::new());
    // The same directory rules as an MCMC run: a new or empty directory, locked for the whole
    // run; nothing redraw did not create is ever removed.
    let _lock = prepare_dir(dir, resume)?;
    let budget = Budget::new(exec.disk_full, Phase::Chains);
    if resume {
        let saved = Manifest::read(dir)?;
        if saved.identity() != fresh.identity() {
            return Err(RunError::Mismatch { dir: dir.to_path_buf(), diff: describe_diff(&saved, &fresh) });
        }
        if saved.status == "complete" && dir.join(STATS).exists() && dir.join(ASSIGNMENTS).exists() {
            if exec.parquet && !dir.join(STATS_PARQUET).exists() {
                crate::run::write_parquet(dir, &budget)?;
            }
            crate::run::remove_parts(&dir.join(CHAINS_DIR), &(0..spec.runs));
            return Ok(Summary { manifest: saved, already_complete: true });
        }
    } else {
        write_manifest(dir, &fresh, &budget)?;
    }
    let chains_dir = dir.join(CHAINS_DIR);
    fs::create_dir_all(&chains_dir).map_err(io_at(&chains_dir))?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(exec.threads.max(1))
        .build()
        .map_err(|e| RunError::Threads(e.to_string()))?;
    let per_run = (p.districts() as u64 - 1) * spec.config.particles as u64;
    let bar = smc_bar(exec.progress, spec.runs as u64 * per_run);
    let mut infos = Vec::with_capacity(spec.runs as usize);
    let mut results = Vec::with_capacity(spec.runs as usize);
    for r in 0..spec.runs {
        if exec.cancel.as_ref().is_some_and(|c| c.load(Ordering::Relaxed)) {
            // Finished runs are kept; a resume computes the others.
            return Err(RunError::Cancelled { dir: dir.to_path_buf() });
        }
        let files = chain_files(&chains_dir, r);
        let marker = files.ckpt.with_extension("json");
        if marker.exists() && files.stats.exists() && files.asg.exists() {
            let text = fs::read_to_string(&marker).map_err(io_at(&marker))?;
            let (info, counters): (SmcRunInfo, Counters) = serde_json::from_str(&text).map_err(|e| {
                RunError::Checkpoint { path: marker.clone(), msg: format!("unreadable run summary: {e}") }
            })?;
            infos.push(info);
            results.push(counters);
            bar.inc(per_run);
            if let Some(s) = &exec.steps_done {
                s.fetch_add(per_run, Ordering::Relaxed);
            }
            continue;
        }
        let done = AtomicU64::new(0);
        let stop = std::sync::atomic::AtomicBool::new(false);
        let result = std::thread::scope(|scope| {
            // The bar follows the particles from another thread (the run itself does no I/O).
            if exec.progress {
                scope.spawn(|| {
                    let mut shown = 0;
                    while !stop.load(Ordering::Relaxed) {
                        std::thread::sleep(std::time::Duration::from_millis(200));
                        let now = done.load(Ordering::Relaxed);
                        bar.inc(now - shown);
                        shown = now;
                    }
                    bar.inc(done.load(Ordering::Relaxed) - shown);
                });
            }
            let result = pool.install(|| compute_run(spec, r, &done));
            stop.store(true, Ordering::Relaxed);
            result
        });
        let (out, info, counters) = result?;
        write_parts(p, r, &out, &files.stats, &files.asg)?;
        let body = serde_json::to_string_pretty(&(&info, &counters)).expect("serialises");
        write_atomic(&marker, body.as_bytes())?;
        infos.push(info);
        results.push(counters);
        if let Some(s) = &exec.steps_done {
            s.fetch_add(per_run, Ordering::Relaxed);
        }
        if exec.stop_after == Some(r as u64 + 1) {
            // Test hook: stop as if killed after this many runs.
            return Err(RunError::Interrupted(r as u64 + 1));
        }
    }
    bar.finish_and_clear();
    merge_parts(dir, spec)?;
    if exec.parquet {
        crate::run::write_parquet(dir, &budget)?;
    }
    let done = spec.manifest("complete", infos, results);
    write_manifest(dir, &done, &budget)?;
    crate::run::remove_parts(&chains_dir, &(0..spec.runs));
    Ok(Summary { manifest: done, already_complete: false })
}

/// Removes the per-run files this module writes (parts and run summaries, and their temporary
/// files), then `chains/` if nothing else is in it. Best effort: the run is complete whatever
/// remains; never anything redraw did not create.
fn smc_bar(show: bool, total: u64) -> indicatif::ProgressBar {
    if !show {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::with_draw_target(
        Some(total),
        indicatif::ProgressDrawTarget::stderr_with_hz(4),
    );
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "{elapsed_precise} [{bar:40}] {human_pos}/{human_len} district splits ({per_sec}, eta {eta})",
    ) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar
}

/// One SMC run (and its rejuvenation), with its diagnostics and outcome counts.
fn compute_run(
    spec: &SmcRunSpec,
    r: u32,
    done: &AtomicU64,
) -> Result<(crate::smc::SmcOutput, SmcRunInfo, Counters), RunError> {
    let p = spec.problem;
    let mut out = run_smc(p, &spec.config, spec.seed, r, Some(done))?;
    let mut counters = Counters::default();
    for s in &out.stages {
        counters.steps += s.attempts;
        counters.trees += s.attempts;
        counters.no_split += s.no_candidate;
        counters.not_selected += s.not_selected;
        counters.accepted += s.attempts - s.no_candidate - s.not_selected;
    }
    let mut rejuvenation = None;
    if let Some(rj) = &spec.rejuvenation {
        rejuvenation = Some(rejuvenate(p, &mut out, rj.steps, &rj.proposal, spec.seed, r)?);
    }
    let ess = out.ess();
    let unique = out.unique_plans() as u64;
    let info = SmcRunInfo {
        ess,
        unique_plans: unique,
        effective_samples: ess.min(unique as f64),
        stages: out.stages.clone(),
        rejuvenation,
    };
    Ok((out, info, counters))
}

/// Writes run `r`'s stats rows and assignment records, each atomically.
fn write_parts(
    p: &Problem,
    r: u32,
    out: &crate::smc::SmcOutput,
    stats_path: &Path,
    asg_path: &Path,
) -> Result<(), RunError> {
    let n = p.node_count();
    let k = p.districts();
    let w = out.normalized_weights();
    let mut stats = String::new();
    let mut asg = Vec::with_capacity(out.log_weights.len() * (12 + n));
    let mut plan = Vec::with_capacity(n);
    for (j, &wj) in w.iter().enumerate() {
        out.plans.copy_into(n, j, &mut plan);
        let part = Partition::new(p, plan.clone()).map_err(|e| RunError::Plan(e.to_string()))?;
        stats_row(&mut stats, p, &part, r, j as u64, true);
        // stats_row ends the row; the weight is the last column.
        stats.pop();
        stats.push(',');
        stats.push_str(&format!("{wj}"));
        stats.push('\n');
        encode_record(&mut asg, r, j as u64, &plan, k);
    }
    write_atomic(stats_path, stats.as_bytes())?;
    write_atomic(asg_path, &asg)?;
    Ok(())
}

/// Concatenates the runs' parts into stats.csv and assignments.bin, atomically.
fn merge_parts(dir: &Path, spec: &SmcRunSpec) -> Result<(), RunError> {
    let p = spec.problem;
    let chains_dir = dir.join(CHAINS_DIR);
    let samples = spec.config.particles as u64 * spec.runs as u64;
    let write =
        |path: &Path, head: &[u8], ext: fn(&crate::run::ChainFiles) -> &Path| -> Result<(), RunError> {
            let tmp = tmp_path(path);
            let mut out = BufWriter::new(fs::File::create(&tmp).map_err(io_at(&tmp))?);
            out.write_all(head).map_err(io_at(&tmp))?;
            for r in 0..spec.runs {
                let files = chain_files(&chains_dir, r);
                let part = ext(&files);
                let mut f = fs::File::open(part).map_err(io_at(part))?;
                std::io::copy(&mut f, &mut out).map_err(io_at(&tmp))?;
            }
            let f =
                out.into_inner().map_err(|e| RunError::Io { path: tmp.clone(), error: e.into_error() })?;
            f.sync_all().map_err(io_at(&tmp))?;
            fs::rename(&tmp, path).map_err(io_at(path))?;
            sync_parent(path);
            Ok(())
        };
    let mut cols: Vec<String> =
        stats_columns(p, &spec.district_labels).iter().map(|s| csv_field(s)).collect();
    cols.push("weight".into());
    let header = format!("{}\n", cols.join(","));
    write(&dir.join(STATS), header.as_bytes(), |f| &f.stats)?;
    let h = Header::new(p.node_count(), p.districts(), samples);
    write(&dir.join(ASSIGNMENTS), &h.to_bytes(), |f| &f.asg)?;
    Ok(())
}
