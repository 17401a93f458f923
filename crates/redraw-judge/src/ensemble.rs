//! Reading an ensemble's recorded statistics (`stats.csv` of a run directory) into per-election
//! vote matrices and plain numeric series, grouped by chain.
//!
//! Expected layout (`docs/run-format.md`, written by `redraw-ensemble`): one row per recorded
//! sample; columns `chain` and `step`; per election `NAME` a `NAME_dem_seats` column (which
//! announces the election) and `NAME_dem_<label>`, `NAME_rep_<label>` for every district label;
//! optionally `pop_<label>` (turned into the series `max_pop_deviation`); `weight` (the
//! importance weight of an SMC particle: [`EnsembleStats::weights`]); and, for each column
//! `COL` a run tracked (`redraw ensemble --track COL`), `sum_<COL>_<label>` for every district
//! label (per-district sums of that graph column: [`EnsembleStats::tracked`]). Every other
//! column is kept as a numeric plan-level series (e.g. `cut_edges`, `county_splits`,
//! `accepted`); empty cells are missing values and all-missing series are dropped. Rows are
//! grouped by chain and ordered by step within a chain.
//!
//! [`EnsembleStats::select`] applies a burn-in and a thinning to every series (and the
//! weights) at once.

use std::io::Read;

use redraw_graph::limits::TextGuard;

use crate::JudgeError;

/// A CSV error as a [`JudgeError::Stats`]: the line where the parser knows it, else the stream
/// error's own message (which names the line, see `redraw_graph::limits`).
fn csv_error(e: csv::Error, source: &str) -> JudgeError {
    let line = e.position().map_or(0, |p| p.line());
    match e.kind() {
        csv::ErrorKind::Io(io) => JudgeError::Text { file: source.to_string(), message: io.to_string() },
        csv::ErrorKind::UnequalLengths { expected_len, len, .. } => JudgeError::Stats {
            file: source.to_string(),
            line,
            message: format!("row has {len} fields but the header has {expected_len}"),
        },
        _ => JudgeError::Stats { file: source.to_string(), line: line.max(1), message: e.to_string() },
    }
}

/// A statistics table read generically (`redraw plot`): the `chain` and `step` of every row and
/// the numeric values of the columns asked for, column by column. Empty cells are NaN.
#[derive(Clone, Debug)]
pub struct StatsTable {
    /// Every column name of the header, in file order.
    pub header: Vec<String>,
    pub chain: Vec<u32>,
    pub step: Vec<u64>,
    /// `(name, values)` of each column kept, in header order.
    pub columns: Vec<(String, Vec<f64>)>,
}

impl StatsTable {
    /// Reads a `stats.csv`, keeping the columns for which `keep(name)` is true (so memory grows
    /// with the rows times the columns a plot needs, not with the file). `chain` must hold chain
    /// indices (integers 0..=4294967295) and `step` step numbers; any other kept cell must be a
    /// number or empty. Errors name the file, line and column.
    pub fn from_csv<R: Read>(
        reader: R,
        source: &str,
        keep: impl Fn(&str) -> bool,
    ) -> Result<Self, JudgeError> {
        let mut rdr = csv::ReaderBuilder::new().has_headers(true).from_reader(TextGuard::new(reader));
        let err = |line: u64, message: String| JudgeError::Stats { file: source.to_string(), line, message };
        let header: Vec<String> =
            rdr.headers().map_err(|e| csv_error(e, source))?.iter().map(str::to_string).collect();
        let col = |name: &str| {
            header
                .iter()
                .position(|h| h == name)
                .ok_or_else(|| err(1, format!("no `{name}` column (columns: {})", header.join(", "))))
        };
        let (chain_col, step_col) = (col("chain")?, col("step")?);
        let kept: Vec<usize> =
            (0..header.len()).filter(|&i| i != chain_col && i != step_col && keep(&header[i])).collect();
        let mut table = StatsTable {
            chain: Vec::new(),
            step: Vec::new(),
            columns: kept.iter().map(|&i| (header[i].clone(), Vec::new())).collect(),
            header: header.clone(),
        };
        let mut record = csv::StringRecord::new();
        while rdr.read_record(&mut record).map_err(|e| csv_error(e, source))? {
            let line = record.position().map_or(0, |p| p.line());
            let field = |i: usize| record.get(i).unwrap_or("").trim();
            let chain = field(chain_col);
            table.chain.push(chain.parse::<u32>().map_err(|_| {
                err(
                    line,
                    format!("column chain: `{chain}` is not a chain index (an integer from 0 to 4294967295)"),
                )
            })?);
            let step = field(step_col);
            table.step.push(step.parse::<u64>().map_err(|_| {
                err(line, format!("column step: `{step}` is not a step number (a non-negative integer)"))
            })?);
            for (k, &i) in kept.iter().enumerate() {
                let v = field(i);
                let x = if v.is_empty() {
                    f64::NAN
                } else {
                    v.parse::<f64>()
                        .map_err(|_| err(line, format!("column {}: `{v}` is not a number", header[i])))?
                };
                table.columns[k].1.push(x);
            }
        }
        if table.chain.is_empty() {
            return Err(err(1, "no rows".into()));
        }
        Ok(table)
    }

    /// The values of a kept column.
    pub fn column(&self, name: &str) -> Option<&[f64]> {
        self.columns.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_slice())
    }
}

/// Per-district votes of one election across all samples (row-major: sample × district).
#[derive(Clone, Debug)]
pub struct ElectionSamples {
    pub name: String,
    pub districts: usize,
    pub dem: Vec<f64>,
    pub rep: Vec<f64>,
    /// The run's own `NAME_dem_seats` column, one value per sample (empty cells are NaN); the
    /// judge checks that its seat counts equal these (one tie rule everywhere).
    pub recorded_seats: Vec<f64>,
}

impl ElectionSamples {
    /// Democratic and Republican votes of sample `i`.
    pub fn sample(&self, i: usize) -> (&[f64], &[f64]) {
        let k = self.districts;
        (&self.dem[i * k..(i + 1) * k], &self.rep[i * k..(i + 1) * k])
    }
}

/// Per-district sums of one graph column across every sample (`sum_<COL>_<label>` columns of
/// a run made with `redraw ensemble --track COL`), row-major: sample × district.
#[derive(Clone, Debug, PartialEq)]
pub struct TrackedColumn {
    /// The graph column (`BLACK_VAP`).
    pub column: String,
    pub districts: usize,
    pub sums: Vec<f64>,
}

impl TrackedColumn {
    /// The per-district sums of sample `i`.
    pub fn sample(&self, i: usize) -> &[f64] {
        &self.sums[i * self.districts..(i + 1) * self.districts]
    }
}

/// Which recorded samples a judgement uses: those at or after step `burn_in`, and of those
/// every `thin`-th of each chain (the first kept, then every `thin`-th).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Selection {
    /// Samples recorded before this step are left out.
    pub burn_in: u64,
    /// Every `thin`-th remaining sample of each chain is kept.
    pub thin: u64,
    /// Samples in the run's stats.csv.
    pub recorded: usize,
    /// Samples kept.
    pub kept: usize,
}

/// Every recorded sample of an ensemble.
#[derive(Clone, Debug)]
pub struct EnsembleStats {
    /// Chain id of each sample; samples of one chain are contiguous and in step order.
    pub chain: Vec<u32>,
    pub step: Vec<u64>,
    pub elections: Vec<ElectionSamples>,
    labels: Vec<String>,
    /// Other numeric columns, by header name, one value per sample.
    pub series: Vec<(String, Vec<f64>)>,
    /// Tracked graph columns (`sum_<COL>_<label>`), in header order.
    pub tracked: Vec<TrackedColumn>,
    /// Importance weights (the `weight` column of SMC runs), one per sample; `None` for an
    /// unweighted ensemble (Markov chains). Any positive scale: each chain's weights are
    /// normalised where they are used.
    pub weights: Option<Vec<f64>>,
}

impl EnsembleStats {
    pub fn samples(&self) -> usize {
        self.chain.len()
    }

    /// District labels, in the order of the vote columns (`NAME_dem_<label>`).
    pub fn district_labels(&self) -> &[String] {
        &self.labels
    }

    /// Number of districts (every election has the same count; checked when reading).
    pub fn districts(&self) -> Option<usize> {
        self.elections.first().map(|e| e.districts)
    }

    /// Half-open sample ranges of each chain, in chain-id order.
    pub fn chain_ranges(&self) -> Vec<(u32, std::ops::Range<usize>)> {
        let mut out = Vec::new();
        let mut start = 0;
        for i in 1..=self.chain.len() {
            if i == self.chain.len() || self.chain[i] != self.chain[start] {
                out.push((self.chain[start], start..i));
                start = i;
            }
        }
        out
    }

    /// Splits a per-sample series into per-chain vectors.
    pub fn by_chain(&self, values: &[f64]) -> Vec<Vec<f64>> {
        self.chain_ranges().into_iter().map(|(_, r)| values[r].to_vec()).collect()
    }

    /// The importance weights rescaled so that **each chain (SMC run) carries the same total**,
    /// `1 / chains`: independent runs are pooled with equal say whatever scale their weights were
    /// written in. `None` for an unweighted ensemble. This is the weighting every weighted
    /// statistic of the judge uses (with [`redraw_metrics::WeightedSample`]).
    pub fn pooled_weights(&self) -> Option<Vec<f64>> {
        let w = self.weights.as_ref()?;
        let ranges = self.chain_ranges();
        let c = ranges.len() as f64;
        let mut out = vec![0.0; w.len()];
        for (_, r) in ranges {
            let total: f64 = w[r.clone()].iter().sum();
            for i in r {
                out[i] = if total > 0.0 { w[i] / total / c } else { 0.0 };
            }
        }
        Some(out)
    }

    pub fn series(&self, name: &str) -> Option<&[f64]> {
        self.series.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_slice())
    }

    /// The per-district sums of a tracked graph column, if the run tracked it.
    pub fn tracked(&self, column: &str) -> Option<&TrackedColumn> {
        self.tracked.iter().find(|t| t.column == column)
    }

    /// The samples at or after step `burn_in`, then every `thin`-th of each chain (`thin` ≥ 1),
    /// as a new ensemble, with the indices of the kept samples in `self`. An error when a chain
    /// keeps no sample (the burn-in is past its last recorded step).
    pub fn select(
        &self,
        burn_in: u64,
        thin: u64,
    ) -> Result<(EnsembleStats, Selection, Vec<usize>), JudgeError> {
        if thin == 0 {
            return Err(JudgeError::Input("--thin must be at least 1".into()));
        }
        let mut keep = Vec::with_capacity(self.samples());
        for (chain, r) in self.chain_ranges() {
            let mut kept_here = 0usize;
            let mut seen = 0u64;
            for i in r.clone() {
                if self.step[i] < burn_in {
                    continue;
                }
                if seen % thin == 0 {
                    keep.push(i);
                    kept_here += 1;
                }
                seen += 1;
            }
            if kept_here == 0 {
                return Err(JudgeError::Input(format!(
                    "--burn-in {burn_in} leaves no sample of chain {chain}: its last recorded step is {}",
                    self.step[r.end - 1]
                )));
            }
        }
        let pick = |v: &[f64], width: usize| -> Vec<f64> {
            let mut out = Vec::with_capacity(keep.len() * width);
            for &i in &keep {
                out.extend_from_slice(&v[i * width..(i + 1) * width]);
            }
            out
        };
        let out = EnsembleStats {
            chain: keep.iter().map(|&i| self.chain[i]).collect(),
            step: keep.iter().map(|&i| self.step[i]).collect(),
            elections: self
                .elections
                .iter()
                .map(|e| ElectionSamples {
                    name: e.name.clone(),
                    districts: e.districts,
                    dem: pick(&e.dem, e.districts),
                    rep: pick(&e.rep, e.districts),
                    recorded_seats: pick(&e.recorded_seats, 1),
                })
                .collect(),
            labels: self.labels.clone(),
            series: self.series.iter().map(|(n, v)| (n.clone(), pick(v, 1))).collect(),
            tracked: self
                .tracked
                .iter()
                .map(|t| TrackedColumn {
                    column: t.column.clone(),
                    districts: t.districts,
                    sums: pick(&t.sums, t.districts),
                })
                .collect(),
            weights: self.weights.as_ref().map(|w| pick(w, 1)),
        };
        let sel = Selection { burn_in, thin, recorded: self.samples(), kept: keep.len() };
        Ok((out, sel, keep))
    }

    /// Reads `stats.csv`. `source` names the file in errors.
    pub fn from_csv<R: Read>(reader: R, source: &str) -> Result<Self, JudgeError> {
        let mut rdr = csv::ReaderBuilder::new().has_headers(true).from_reader(TextGuard::new(reader));
        let err = |line: u64, message: String| JudgeError::Stats { file: source.to_string(), line, message };
        let headers = rdr.headers().map_err(|e| csv_error(e, source))?.clone();
        let col = |name: &str| headers.iter().position(|h| h == name);
        let chain_col = col("chain").ok_or_else(|| err(1, "no `chain` column".into()))?;
        let step_col = col("step").ok_or_else(|| err(1, "no `step` column".into()))?;

        // Elections are announced by their `NAME_dem_seats` column; district labels are the
        // suffixes of the first election's `NAME_dem_<label>` columns, in file order.
        let names: Vec<String> =
            headers.iter().filter_map(|h| h.strip_suffix("_dem_seats")).map(str::to_string).collect();
        let labels: Vec<String> = match names.first() {
            Some(first) => {
                let prefix = format!("{first}_dem_");
                headers
                    .iter()
                    .filter_map(|h| h.strip_prefix(prefix.as_str()))
                    .filter(|l| *l != "seats")
                    .map(str::to_string)
                    .collect()
            }
            None => Vec::new(),
        };
        let k = labels.len();
        if !names.is_empty() && k == 0 {
            return Err(err(1, format!("election {:?} has no {0}_dem_<district> columns", names[0])));
        }
        enum Kind {
            Skip,
            Seats(usize),
            Weight,
            Vote { election: usize, rep: bool, district: usize },
            Pop(usize),
            Tracked { column: usize, district: usize },
            Series(usize),
        }
        // Tracked columns `sum_<COL>_<label>`: the longest label that ends the header decides
        // (labels "1" and "11" are told apart by the underscore before them).
        let mut tracked_names: Vec<String> = Vec::new();
        let mut tracked_found: Vec<Vec<bool>> = Vec::new();
        let tracked_of = |h: &str| -> Option<(String, usize)> {
            let rest = h.strip_prefix("sum_")?;
            labels
                .iter()
                .enumerate()
                .filter_map(|(d, l)| {
                    let col = rest.strip_suffix(l.as_str())?.strip_suffix('_')?;
                    (!col.is_empty()).then(|| (col.to_string(), d, l.len()))
                })
                .max_by_key(|x| x.2)
                .map(|(c, d, _)| (c, d))
        };
        let mut found = vec![[0usize; 2]; names.len()];
        let mut pops = 0usize;
        let mut series_names: Vec<String> = Vec::new();
        let mut kinds = Vec::with_capacity(headers.len());
        for (i, h) in headers.iter().enumerate() {
            if i == chain_col || i == step_col {
                kinds.push(Kind::Skip);
                continue;
            }
            if let Some(e) = h.strip_suffix("_dem_seats").and_then(|n| names.iter().position(|x| x == n)) {
                kinds.push(Kind::Seats(e));
                continue;
            }
            if h == "weight" {
                kinds.push(Kind::Weight);
                continue;
            }
            let mut kind = None;
            for (e, name) in names.iter().enumerate() {
                for (rep, party) in [(false, "_dem_"), (true, "_rep_")] {
                    let Some(label) = h.strip_prefix(name.as_str()).and_then(|r| r.strip_prefix(party))
                    else {
                        continue;
                    };
                    let district = labels.iter().position(|l| l == label).ok_or_else(|| {
                        err(
                            1,
                            format!("column {h:?}: district {label:?} is not among {}'s districts", names[0]),
                        )
                    })?;
                    found[e][rep as usize] += 1;
                    kind = Some(Kind::Vote { election: e, rep, district });
                }
            }
            if kind.is_none() {
                if let Some(d) = h.strip_prefix("pop_").and_then(|l| labels.iter().position(|x| x == l)) {
                    pops += 1;
                    kind = Some(Kind::Pop(d));
                }
            }
            if kind.is_none() {
                if let Some((col, d)) = tracked_of(h) {
                    let c = match tracked_names.iter().position(|n| *n == col) {
                        Some(c) => c,
                        None => {
                            tracked_names.push(col);
                            tracked_found.push(vec![false; k]);
                            tracked_names.len() - 1
                        }
                    };
                    if tracked_found[c][d] {
                        return Err(err(1, format!("column {h:?} appears twice")));
                    }
                    tracked_found[c][d] = true;
                    kind = Some(Kind::Tracked { column: c, district: d });
                }
            }
            kinds.push(kind.unwrap_or_else(|| {
                series_names.push(h.to_string());
                Kind::Series(series_names.len() - 1)
            }));
        }
        for (e, name) in names.iter().enumerate() {
            if found[e] != [k, k] {
                return Err(err(
                    1,
                    format!("election {name:?}: expected {k} Democratic and {k} Republican district columns, found {} and {}", found[e][0], found[e][1]),
                ));
            }
        }
        let has_pop = pops == k && k > 0;
        for (c, found) in tracked_found.iter().enumerate() {
            let missing: Vec<&str> =
                labels.iter().zip(found).filter(|(_, f)| !**f).map(|(l, _)| l.as_str()).collect();
            if !missing.is_empty() {
                return Err(err(
                    1,
                    format!(
                        "tracked column {:?}: no sum_{0}_<district> column for district(s) {}",
                        tracked_names[c],
                        missing.join(", ")
                    ),
                ));
            }
        }
        let mut tracked: Vec<Vec<f64>> = vec![Vec::new(); tracked_names.len()];
        let mut seats: Vec<Vec<f64>> = vec![Vec::new(); names.len()];

        let mut rows: Vec<(u32, u64, usize)> = Vec::new(); // chain, step, original row
        let mut dem: Vec<Vec<f64>> = vec![Vec::new(); names.len()];
        let mut rep: Vec<Vec<f64>> = vec![Vec::new(); names.len()];
        let mut series: Vec<Vec<f64>> = vec![Vec::new(); series_names.len()];
        let mut pop_row = vec![0.0; k];
        let mut max_dev: Vec<f64> = Vec::new();
        let has_weight = kinds.iter().any(|k| matches!(k, Kind::Weight));
        let mut weights: Vec<f64> = Vec::new();
        let mut record = csv::StringRecord::new();
        let mut row = 0usize;
        loop {
            match rdr.read_record(&mut record) {
                Ok(true) => {}
                Ok(false) => break,
                Err(e) => return Err(csv_error(e, source)),
            }
            let line = record.position().map_or(0, |p| p.line());
            let parse_num = |i: usize| -> Result<f64, JudgeError> {
                let s = record.get(i).unwrap_or("").trim();
                s.parse::<f64>()
                    .map_err(|_| err(line, format!("column {:?}: {s:?} is not a number", &headers[i])))
            };
            let chain = record.get(chain_col).unwrap_or("").trim();
            let chain: u32 = chain
                .parse()
                .map_err(|_| err(line, format!("chain {chain:?} is not a non-negative integer")))?;
            let step = record.get(step_col).unwrap_or("").trim();
            let step: u64 = step
                .parse()
                .map_err(|_| err(line, format!("step {step:?} is not a non-negative integer")))?;
            rows.push((chain, step, row));
            for e in 0..names.len() {
                dem[e].resize((row + 1) * k, 0.0);
                rep[e].resize((row + 1) * k, 0.0);
            }
            for t in tracked.iter_mut() {
                t.resize((row + 1) * k, 0.0);
            }
            for (i, kind) in kinds.iter().enumerate() {
                match *kind {
                    Kind::Skip => {}
                    Kind::Seats(e) => seats[e].push(match record.get(i).map(str::trim) {
                        Some("") | None => f64::NAN,
                        _ => parse_num(i)?,
                    }),
                    Kind::Weight => {
                        let w = parse_num(i)?;
                        if !(w.is_finite() && w >= 0.0) {
                            return Err(err(
                                line,
                                format!("column \"weight\": weights must be finite and ≥ 0, got {w}"),
                            ));
                        }
                        weights.push(w);
                    }
                    Kind::Vote { election, rep: is_rep, district } => {
                        let v = parse_num(i)?;
                        if !(v.is_finite() && v >= 0.0) {
                            return Err(err(
                                line,
                                format!("column {:?}: votes must be ≥ 0, got {v}", &headers[i]),
                            ));
                        }
                        let target = if is_rep { &mut rep[election] } else { &mut dem[election] };
                        target[row * k + district] = v;
                    }
                    Kind::Pop(d) => pop_row[d] = parse_num(i)?,
                    Kind::Tracked { column, district } => {
                        let v = parse_num(i)?;
                        if !v.is_finite() {
                            return Err(err(
                                line,
                                format!("column {:?}: {v} is not a finite sum", &headers[i]),
                            ));
                        }
                        tracked[column][row * k + district] = v;
                    }
                    // Columns a run leaves empty (county splits when counties are not tracked)
                    // are kept as NaN and dropped below.
                    Kind::Series(s) => series[s].push(match record.get(i).map(str::trim) {
                        Some("") | None => f64::NAN,
                        _ => parse_num(i)?,
                    }),
                }
            }
            if has_pop {
                max_dev.push(redraw_metrics::plan::balance_of(pop_row.clone()).max_abs_deviation);
            }
            row += 1;
        }
        if rows.is_empty() {
            return Err(err(1, "no samples".into()));
        }
        // Group by chain, then step (stable, so equal steps keep file order).
        let mut order: Vec<usize> = (0..rows.len()).collect();
        order.sort_by_key(|&i| (rows[i].0, rows[i].1));
        let permute = |v: &[f64], width: usize| -> Vec<f64> {
            let mut out = Vec::with_capacity(v.len());
            for &i in &order {
                out.extend_from_slice(&v[i * width..(i + 1) * width]);
            }
            out
        };
        let tracked = tracked_names
            .into_iter()
            .zip(&tracked)
            .map(|(column, sums)| TrackedColumn { column, districts: k, sums: permute(sums, k) })
            .collect();
        let weights = has_weight.then(|| permute(&weights, 1));
        if let Some(w) = &weights {
            if !w.iter().any(|&x| x > 0.0) {
                return Err(err(1, "column \"weight\": every weight is zero".into()));
            }
        }
        Ok(EnsembleStats {
            tracked,
            weights,
            labels,
            chain: order.iter().map(|&i| rows[i].0).collect(),
            step: order.iter().map(|&i| rows[i].1).collect(),
            elections: names
                .into_iter()
                .enumerate()
                .map(|(e, name)| ElectionSamples {
                    name,
                    districts: k,
                    dem: permute(&dem[e], k),
                    rep: permute(&rep[e], k),
                    recorded_seats: permute(&seats[e], 1),
                })
                .collect(),
            series: series_names
                .into_iter()
                .zip(series.iter().map(|s| permute(s, 1)))
                .chain(has_pop.then(|| ("max_pop_deviation".to_string(), permute(&max_dev, 1))))
                .filter(|(_, v)| v.iter().any(|x| !x.is_nan()))
                .collect(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CSV: &str = "chain,step,cut_edges,county_splits,pop_1,pop_2,PRES_dem_seats,PRES_dem_1,PRES_dem_2,PRES_rep_1,PRES_rep_2\n\
                       1,10,5,,100,100,1,60,30,40,70\n\
                       0,20,7,,90,110,2,55,52,45,48\n\
                       0,10,6,,100,100,1,70,20,30,80\n";

    #[test]
    fn reads_and_groups_by_chain() {
        let s = EnsembleStats::from_csv(CSV.as_bytes(), "stats.csv").unwrap();
        assert_eq!(s.samples(), 3);
        assert_eq!(s.chain, vec![0, 0, 1]);
        assert_eq!(s.step, vec![10, 20, 10]);
        assert_eq!(s.districts(), Some(2));
        let e = &s.elections[0];
        assert_eq!(e.name, "PRES");
        assert_eq!(e.sample(0), (&[70.0, 20.0][..], &[30.0, 80.0][..]));
        assert_eq!(e.sample(2), (&[60.0, 30.0][..], &[40.0, 70.0][..]));
        assert_eq!(s.series("cut_edges").unwrap(), &[6.0, 7.0, 5.0]);
        assert_eq!(s.by_chain(s.series("cut_edges").unwrap()), vec![vec![6.0, 7.0], vec![5.0]]);
        assert!(s.series("county_splits").is_none(), "an all-empty column is dropped");
        assert_eq!(s.series("max_pop_deviation").unwrap(), &[0.0, 0.1, 0.0]);
        assert_eq!(s.district_labels(), &["1".to_string(), "2".to_string()]);
    }

    #[test]
    fn reads_tracked_columns_after_the_elections() {
        // The contract of `redraw ensemble --track COL`: after the election columns, one
        // `sum_<COL>_<d>` per district label in label order, for each tracked column.
        let csv =
            "chain,step,cut_edges,county_splits,pop_1,pop_11,E_dem_seats,E_dem_1,E_dem_11,E_rep_1,E_rep_11,\
                   sum_BLACK_VAP_1,sum_BLACK_VAP_11,sum_TOTAL_VAP_1,sum_TOTAL_VAP_11\n\
                   0,1,5,,10,10,1,6,3,4,7,30,2,80,90\n\
                   0,0,5,,10,10,1,6,3,4,7,10,20,80,90\n";
        let s = EnsembleStats::from_csv(csv.as_bytes(), "stats.csv").unwrap();
        assert_eq!(s.tracked.len(), 2);
        let b = s.tracked("BLACK_VAP").unwrap();
        assert_eq!(b.sample(0), &[10.0, 20.0], "rows sorted by step");
        assert_eq!(b.sample(1), &[30.0, 2.0]);
        assert_eq!(s.tracked("TOTAL_VAP").unwrap().sample(1), &[80.0, 90.0]);
        assert!(s.series("sum_BLACK_VAP_1").is_none(), "tracked sums are not series");
        // A tracked column missing a district is an error naming it.
        let bad = "chain,step,E_dem_seats,E_dem_1,E_dem_2,E_rep_1,E_rep_2,sum_X_1\n0,0,1,1,1,1,1,5\n";
        let e = EnsembleStats::from_csv(bad.as_bytes(), "s").unwrap_err();
        assert!(e.to_string().contains("\"X\"") && e.to_string().contains("district(s) 2"), "{e}");
    }

    #[test]
    fn burn_in_and_thinning_select_per_chain() {
        let mut csv = String::from("chain,step,cut_edges,E_dem_seats,E_dem_1,E_rep_1,sum_T_1\n");
        for c in 0..2 {
            for st in 0..10 {
                csv.push_str(&format!("{c},{},{st},0,1,2,{st}\n", st * 100));
            }
        }
        let s = EnsembleStats::from_csv(csv.as_bytes(), "s").unwrap();
        let (t, sel, kept) = s.select(300, 3).unwrap();
        // Steps 300..=900 remain (7 per chain); every 3rd: 300, 600, 900.
        assert_eq!(t.step, vec![300, 600, 900, 300, 600, 900]);
        assert_eq!(t.series("cut_edges").unwrap(), &[3.0, 6.0, 9.0, 3.0, 6.0, 9.0]);
        assert_eq!(t.tracked("T").unwrap().sums, vec![3.0, 6.0, 9.0, 3.0, 6.0, 9.0]);
        assert_eq!((sel.recorded, sel.kept), (20, 6));
        assert_eq!(kept, vec![3, 6, 9, 13, 16, 19]);
        let e = s.select(1000, 1).unwrap_err();
        assert!(e.to_string().contains("last recorded step is 900"), "{e}");
        assert!(s.select(0, 0).is_err());
    }

    #[test]
    fn reads_weights_apart_from_the_series() {
        let csv = "chain,step,cut_edges,A_dem_seats,A_dem_1,A_rep_1,weight\n1,0,5,1,3,2,0.25\n0,1,4,0,1,2,0.5\n0,0,6,1,2,1,0.25\n";
        let s = EnsembleStats::from_csv(csv.as_bytes(), "s").unwrap();
        assert_eq!(s.weights.as_deref(), Some(&[0.25, 0.5, 0.25][..]));
        assert!(s.series("weight").is_none());
        let bad = "chain,step,A_dem_seats,A_dem_1,A_rep_1,weight\n0,0,1,3,2,-1\n";
        let e = EnsembleStats::from_csv(bad.as_bytes(), "s").unwrap_err();
        assert!(e.to_string().contains("line 2") && e.to_string().contains("weight"), "{e}");
        assert!(
            CSV.parse::<String>().is_ok()
                && EnsembleStats::from_csv(CSV.as_bytes(), "s").unwrap().weights.is_none()
        );
    }

    #[test]
    fn bad_files_name_the_problem() {
        let e = EnsembleStats::from_csv("step,x\n1,2\n".as_bytes(), "run/stats.csv").unwrap_err();
        assert!(e.to_string().contains("run/stats.csv") && e.to_string().contains("chain"), "{e}");
        let e = EnsembleStats::from_csv("chain,step,A_dem_seats,A_dem_1,A_rep_1,A_rep_3\n".as_bytes(), "s")
            .unwrap_err();
        assert!(e.to_string().contains("\"3\" is not among"), "{e}");
        let e = EnsembleStats::from_csv("chain,step,A_dem_seats,A_dem_1,A_dem_2,A_rep_1\n".as_bytes(), "s")
            .unwrap_err();
        assert!(e.to_string().contains("found 2 and 1"), "{e}");
        let e =
            EnsembleStats::from_csv("chain,step,A_dem_seats,A_dem_1,A_rep_1\n0,1,0,x,3\n".as_bytes(), "s")
                .unwrap_err();
        assert!(e.to_string().contains("line 2") && e.to_string().contains("\"x\""), "{e}");
        let e =
            EnsembleStats::from_csv("chain,step,A_dem_seats,A_dem_1,A_rep_1\n".as_bytes(), "s").unwrap_err();
        assert!(e.to_string().contains("no samples"), "{e}");
    }
}
