//! Plans: an assignment of every node to one of `k` districts.
//!
//! A [`Plan`] stores district *indices* `0..k` (`u32`, what samplers and metrics index arrays
//! with) plus the original district *labels* ("1".."17", "A".."D"). Labels are ordered numerically
//! when they are all integers, lexically otherwise, so index `i` is the `i`-th district in the
//! natural order and a plan written back out keeps its labels.
//!
//! Invariants: `assignment.len()` equals the graph's node count, every index is `< k`, and every
//! district has at least one unit.
//!
//! The queries here (populations, contiguity, deviation, cut edges, county splits) are full
//! recomputations for loading, validation and judging; a chain's hot loop keeps its own
//! incremental tallies and only uses these to check itself in tests.

use std::collections::HashMap;
use std::io::{Read, Write};

use crate::error::{examples, ReadError};
use crate::graph::{Column, Graph, GraphError};
use crate::limits::TextGuard;

/// Errors from building, loading or querying plans.
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    #[error("the plan has {len} assignments but the graph has {n} nodes")]
    Length { len: usize, n: usize },
    #[error("node {node} is assigned district index {index}, but there are only {k} districts")]
    IndexOutOfRange { node: usize, index: u32, k: usize },
    #[error("district {label:?} (index {index}) has no units")]
    EmptyDistrict { index: usize, label: String },
    #[error("{location}: empty district value")]
    EmptyValue { location: String },
    #[error(
        "the plan names {count} unit id(s) that are not in the graph (first at CSV line {first_line}): {examples}{hint}"
    )]
    UnknownUnits { count: usize, first_line: u64, examples: String, hint: String },
    #[error("{count} of {n} units are missing from the plan: {examples}")]
    MissingUnits { count: usize, n: usize, examples: String },
    #[error("unit {id:?} appears twice in the plan: CSV lines {first} and {second}")]
    DuplicateRow { id: String, first: u64, second: u64 },
    #[error("the plan has {found} districts ({labels}) but {expected} were expected")]
    DistrictCount { found: usize, expected: usize, labels: String },
    #[error("the plan CSV has {fields} column(s); expected at least 2 (unit id, district)")]
    TooFewColumns { fields: usize },
    #[error("unit id {id:?} is shorter than the county prefix length {len}")]
    ShortId { id: String, len: usize },
    #[error(transparent)]
    Read(#[from] ReadError),
    #[error(transparent)]
    Graph(#[from] GraphError),
    #[error("cannot write the plan: {0}")]
    Write(String),
}

/// An assignment of nodes to districts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Plan {
    assignment: Vec<u32>,
    districts: Vec<String>,
}

/// Sorts district labels: numerically when all are integers, lexically otherwise. Labels of
/// equal value but different spelling ("2" and "02") stay distinct labels and are ordered by
/// their text, so equal labels are always adjacent (callers dedup the sorted list).
fn sort_labels(labels: &mut [String]) {
    if labels.iter().all(|l| l.parse::<i64>().is_ok()) {
        labels.sort_by(|a, b| (a.parse::<i64>().unwrap_or(0), a).cmp(&(b.parse::<i64>().unwrap_or(0), b)));
    } else {
        labels.sort();
    }
}

impl Plan {
    /// A plan from district indices and their labels (`districts[i]` is the label of index `i`).
    pub fn new(assignment: Vec<u32>, districts: Vec<String>) -> Result<Plan, PlanError> {
        let k = districts.len();
        let mut sizes = vec![0usize; k];
        for (node, &d) in assignment.iter().enumerate() {
            if d as usize >= k {
                return Err(PlanError::IndexOutOfRange { node, index: d, k });
            }
            sizes[d as usize] += 1;
        }
        if let Some(index) = sizes.iter().position(|&s| s == 0) {
            return Err(PlanError::EmptyDistrict { index, label: districts[index].clone() });
        }
        Ok(Plan { assignment, districts })
    }

    /// A plan from one district label per node.
    pub fn from_labels<S: AsRef<str>>(per_node: &[S]) -> Plan {
        let mut labels: Vec<String> = per_node.iter().map(|s| s.as_ref().to_string()).collect();
        sort_labels(&mut labels);
        labels.dedup();
        let index: HashMap<&str, u32> =
            labels.iter().enumerate().map(|(i, l)| (l.as_str(), i as u32)).collect();
        let assignment = per_node.iter().map(|s| index[s.as_ref()]).collect();
        Plan { assignment, districts: labels }
    }

    /// A plan from a node attribute column (e.g. `district` in the bench graphs). Integer-valued
    /// floats are read as integers ("5.0" is district "5").
    pub fn from_column(graph: &Graph, name: &str) -> Result<Plan, PlanError> {
        let per_node: Vec<String> = match graph.column(name)? {
            Column::Int(v) => v.iter().map(i64::to_string).collect(),
            Column::Float(v) => v.iter().map(|&x| float_label(x)).collect(),
            Column::Text(v) => v.iter().map(|s| s.trim().to_string()).collect(),
        };
        if let Some(i) = per_node.iter().position(String::is_empty) {
            return Err(PlanError::EmptyValue {
                location: format!("column {name:?}, node {i} ({:?})", graph.label(i as u32)),
            });
        }
        Ok(Plan::from_labels(&per_node))
    }

    /// Reads a `unit id, district` CSV (e.g. `GEOID,district`). The first column holds unit
    /// ids, matched against the graph column `key` (or the node labels when `key` is `None`);
    /// the second holds district labels. Every graph unit must appear exactly once and no unknown
    /// unit may appear. The header row is optional: a first row is data when its id is a known
    /// unit or its district value is one the other rows use (then an unknown id is reported like
    /// any other), and a header otherwise.
    pub fn from_csv<R: Read>(graph: &Graph, reader: R, key: Option<&str>) -> Result<Plan, PlanError> {
        let keys = key_values(graph, key)?;
        let index: HashMap<&str, usize> = keys.iter().enumerate().map(|(i, k)| (k.as_str(), i)).collect();
        let mut rdr = csv::ReaderBuilder::new().has_headers(false).from_reader(TextGuard::new(reader));
        let mut first_row = true;
        // A first row with an unknown id: (line, id, district), a header unless its district
        // turns out to be one of the plan's.
        let mut maybe_header: Option<(u64, String, String)> = None;
        let n = graph.node_count();
        let mut per_node: Vec<Option<String>> = vec![None; n];
        let mut line_of = vec![0u64; n];
        let mut unknown: Vec<String> = Vec::new();
        let mut first_unknown_line = 0;
        let mut record = csv::StringRecord::new();
        while rdr.read_record(&mut record).map_err(ReadError::from_csv)? {
            let line = record.position().map_or(0, |p| p.line());
            if record.len() < 2 {
                return Err(PlanError::TooFewColumns { fields: record.len() });
            }
            let id = record[0].trim_start_matches('\u{feff}').trim();
            let district = record[1].trim();
            if std::mem::take(&mut first_row) && !index.contains_key(id) {
                maybe_header = Some((line, id.to_string(), district.to_string()));
                continue;
            }
            let Some(&u) = index.get(id) else {
                if unknown.is_empty() {
                    first_unknown_line = line;
                }
                unknown.push(id.to_string());
                continue;
            };
            if district.is_empty() {
                return Err(PlanError::EmptyValue { location: format!("CSV line {line} (unit {id:?})") });
            }
            if per_node[u].is_some() {
                return Err(PlanError::DuplicateRow { id: id.to_string(), first: line_of[u], second: line });
            }
            per_node[u] = Some(district.to_string());
            line_of[u] = line;
        }
        if let Some((line, id, district)) = maybe_header {
            if !district.is_empty() && per_node.iter().any(|d| d.as_deref() == Some(district.as_str())) {
                // Data after all: an unknown unit on line 1 (a header names columns, not districts).
                unknown.insert(0, id);
                first_unknown_line = line;
            }
        }
        if !unknown.is_empty() {
            return Err(PlanError::UnknownUnits {
                count: unknown.len(),
                first_line: first_unknown_line,
                examples: examples(&unknown, 5),
                hint: unknown_id_hint(graph, key, &index, &unknown),
            });
        }
        let missing: Vec<&str> =
            per_node.iter().enumerate().filter(|(_, d)| d.is_none()).map(|(u, _)| keys[u].as_str()).collect();
        if !missing.is_empty() {
            return Err(PlanError::MissingUnits { count: missing.len(), n, examples: examples(&missing, 5) });
        }
        let per_node: Vec<String> = per_node.into_iter().map(Option::unwrap_or_default).collect();
        Ok(Plan::from_labels(&per_node))
    }

    /// Writes `header.0,header.1` then one `unit id,district label` row per node, in node order.
    /// Unit ids come from the graph column `key`, or the node labels when `key` is `None`.
    pub fn write_csv<W: Write>(
        &self,
        graph: &Graph,
        key: Option<&str>,
        header: (&str, &str),
        w: W,
    ) -> Result<(), PlanError> {
        self.check_graph(graph)?;
        let keys = key_values(graph, key)?;
        let mut wtr = csv::Writer::from_writer(w);
        let werr = |e: csv::Error| PlanError::Write(e.to_string());
        wtr.write_record([header.0, header.1]).map_err(werr)?;
        for (u, k) in keys.iter().enumerate() {
            wtr.write_record([k.as_str(), self.districts[self.assignment[u] as usize].as_str()])
                .map_err(werr)?;
        }
        wtr.flush().map_err(|e| PlanError::Write(e.to_string()))
    }

    /// Fails unless the plan has exactly `k` districts.
    pub fn expect_districts(&self, k: usize) -> Result<(), PlanError> {
        if self.districts.len() == k {
            Ok(())
        } else {
            Err(PlanError::DistrictCount {
                found: self.districts.len(),
                expected: k,
                labels: examples(&self.districts, 8),
            })
        }
    }

    /// Fails unless the plan covers exactly the graph's nodes.
    pub fn check_graph(&self, graph: &Graph) -> Result<(), PlanError> {
        if self.assignment.len() == graph.node_count() {
            Ok(())
        } else {
            Err(PlanError::Length { len: self.assignment.len(), n: graph.node_count() })
        }
    }

    /// The district index of each node.
    #[inline]
    pub fn assignment(&self) -> &[u32] {
        &self.assignment
    }

    /// The district index of node `u`.
    #[inline]
    pub fn district_of(&self, u: u32) -> u32 {
        self.assignment[u as usize]
    }

    /// Number of districts `k`.
    #[inline]
    pub fn district_count(&self) -> usize {
        self.districts.len()
    }

    /// The original district labels, by index.
    pub fn district_labels(&self) -> &[String] {
        &self.districts
    }

    /// The total of `values` (e.g. population from [`Graph::column_counts`]) in each district.
    pub fn district_totals(&self, values: &[u64]) -> Vec<u64> {
        let mut out = vec![0u64; self.districts.len()];
        for (&d, &x) in self.assignment.iter().zip(values) {
            out[d as usize] += x;
        }
        out
    }

    /// District populations (alias of [`Plan::district_totals`] for readability at call sites).
    pub fn district_populations(&self, pop: &[u64]) -> Vec<u64> {
        self.district_totals(pop)
    }

    /// Each district's deviation from the ideal population.
    pub fn population_deviation(&self, pop: &[u64]) -> PopulationDeviation {
        let pops = self.district_totals(pop);
        let total: u64 = pops.iter().sum();
        let ideal = total as f64 / pops.len() as f64;
        let per_district: Vec<f64> = pops.iter().map(|&p| (p as f64 - ideal) / ideal).collect();
        let max = per_district.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let min = per_district.iter().copied().fold(f64::INFINITY, f64::min);
        PopulationDeviation { ideal, populations: pops, per_district, max, min, max_abs: max.max(-min) }
    }

    /// The sizes of each district's connected pieces (largest first), by district index.
    pub fn district_pieces(&self, graph: &Graph) -> Vec<Vec<usize>> {
        let n = graph.node_count();
        let mut seen = vec![false; n];
        let mut pieces = vec![Vec::new(); self.districts.len()];
        let mut stack = Vec::new();
        for s in 0..n as u32 {
            if seen[s as usize] {
                continue;
            }
            let d = self.assignment[s as usize];
            seen[s as usize] = true;
            stack.push(s);
            let mut size = 0;
            while let Some(u) = stack.pop() {
                size += 1;
                for &v in graph.neighbors(u) {
                    if !seen[v as usize] && self.assignment[v as usize] == d {
                        seen[v as usize] = true;
                        stack.push(v);
                    }
                }
            }
            pieces[d as usize].push(size);
        }
        for p in &mut pieces {
            p.sort_unstable_by(|a, b| b.cmp(a));
        }
        pieces
    }

    /// The districts that are not contiguous, with the sizes of their pieces.
    pub fn non_contiguous(&self, graph: &Graph) -> Vec<NonContiguous> {
        self.district_pieces(graph)
            .into_iter()
            .enumerate()
            .filter(|(_, p)| p.len() > 1)
            .map(|(d, piece_sizes)| NonContiguous {
                district: d,
                label: self.districts[d].clone(),
                piece_sizes,
            })
            .collect()
    }

    /// The edges whose endpoints are in different districts, as `(u, v)` with `u < v`.
    pub fn cut_edges<'a>(&'a self, graph: &'a Graph) -> impl Iterator<Item = (u32, u32)> + 'a {
        graph.edges().filter(|&(u, v)| self.assignment[u as usize] != self.assignment[v as usize])
    }

    /// Number of cut edges.
    pub fn cut_edge_count(&self, graph: &Graph) -> usize {
        self.cut_edges(graph).count()
    }

    /// How the plan splits counties.
    pub fn county_splits(&self, counties: &Counties) -> CountySplits {
        let mut seen: HashMap<(u32, u32), ()> = HashMap::new();
        let mut per_county = vec![0usize; counties.names.len()];
        for (&c, &d) in counties.of_node.iter().zip(&self.assignment) {
            if seen.insert((c, d), ()).is_none() {
                per_county[c as usize] += 1;
            }
        }
        let split: Vec<(usize, usize)> =
            per_county.iter().enumerate().filter(|(_, &n)| n > 1).map(|(c, &n)| (c, n)).collect();
        CountySplits {
            counties: counties.names.len(),
            split_counties: split.len(),
            extra_pieces: split.iter().map(|(_, n)| n - 1).sum(),
            split,
        }
    }
}

/// Why plan ids might not match, when a likely cause is visible: GEOIDs that lost a leading
/// zero in a spreadsheet, or ids that belong to another graph column than the one matched.
fn unknown_id_hint(
    graph: &Graph,
    key: Option<&str>,
    index: &HashMap<&str, usize>,
    unknown: &[String],
) -> String {
    if unknown.iter().take(100).any(|id| index.contains_key(format!("0{id}").as_str())) {
        return format!(
            " (they look like ids that lost a leading zero, e.g. {:?} for {:?}: keep the id column as text)",
            unknown[0],
            format!("0{}", unknown[0])
        );
    }
    for name in graph.column_names().filter(|n| Some(*n) != key) {
        if let Ok(values) = key_values(graph, Some(name)) {
            if unknown.iter().take(5).all(|id| values.iter().any(|v| v == id)) {
                return format!(
                    " (they match the graph column {name:?}: match the plan against that column)"
                );
            }
        }
    }
    String::new()
}

fn float_label(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 9.0e15 {
        format!("{}", x as i64)
    } else {
        x.to_string()
    }
}

/// The text value of a graph column per node (or the labels when `key` is `None`).
/// Each node's unit id: the values of column `key` as text (integers plainly, floats without a
/// trailing `.0`, text trimmed), or the node labels when `key` is `None`. The ids plan CSVs are
/// matched against.
pub fn unit_ids(graph: &Graph, key: Option<&str>) -> Result<Vec<String>, GraphError> {
    key_values(graph, key)
}

fn key_values(graph: &Graph, key: Option<&str>) -> Result<Vec<String>, GraphError> {
    Ok(match key {
        None => graph.labels().to_vec(),
        Some(name) => match graph.column(name)? {
            Column::Int(v) => v.iter().map(i64::to_string).collect(),
            Column::Float(v) => v.iter().map(|&x| float_label(x)).collect(),
            Column::Text(v) => v.iter().map(|s| s.trim().to_string()).collect(),
        },
    })
}

/// Population balance of a plan.
#[derive(Clone, Debug, PartialEq)]
pub struct PopulationDeviation {
    /// Total population / k.
    pub ideal: f64,
    pub populations: Vec<u64>,
    /// (population − ideal) / ideal, by district index.
    pub per_district: Vec<f64>,
    pub max: f64,
    pub min: f64,
    /// max(|deviation|), the figure a population tolerance bounds.
    pub max_abs: f64,
}

/// A district with more than one connected piece.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NonContiguous {
    pub district: usize,
    pub label: String,
    /// Piece sizes in units, largest first.
    pub piece_sizes: Vec<usize>,
}

/// County membership of each node.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Counties {
    /// County index of each node.
    pub of_node: Vec<u32>,
    /// County names (values of the column or GEOID prefixes), sorted.
    pub names: Vec<String>,
}

impl Counties {
    fn from_values(values: Vec<String>) -> Counties {
        let mut names = values.clone();
        names.sort();
        names.dedup();
        let index: HashMap<&str, u32> =
            names.iter().enumerate().map(|(i, s)| (s.as_str(), i as u32)).collect();
        let of_node = values.iter().map(|v| index[v.as_str()]).collect();
        Counties { of_node, names }
    }

    /// Counties from a node attribute column (any type).
    pub fn from_column(graph: &Graph, name: &str) -> Result<Counties, PlanError> {
        Ok(Counties::from_values(key_values(graph, Some(name))?))
    }

    /// Counties as the first `len` characters of a unit id (the node labels when `column` is
    /// `None`): 5 for a state+county FIPS prefix of a block-group or VTD GEOID.
    pub fn from_prefix(graph: &Graph, column: Option<&str>, len: usize) -> Result<Counties, PlanError> {
        let ids = key_values(graph, column)?;
        let mut values = Vec::with_capacity(ids.len());
        for id in ids {
            match id.get(..len) {
                Some(p) if id.is_char_boundary(len) => values.push(p.to_string()),
                _ => return Err(PlanError::ShortId { id, len }),
            }
        }
        Ok(Counties::from_values(values))
    }
}

/// County splits of a plan.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CountySplits {
    /// Number of counties.
    pub counties: usize,
    /// Counties touching more than one district.
    pub split_counties: usize,
    /// Σ over counties of (districts touching it − 1): 0 when no county is split.
    pub extra_pieces: usize,
    /// `(county index, districts touching it)` for each split county.
    pub split: Vec<(usize, usize)>,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 2x3 grid: 0-1-2 / 3-4-5, ids "u0".."u5".
    fn grid() -> Graph {
        let labels = (0..6).map(|i| format!("u{i}")).collect();
        Graph::from_edges(labels, &[(0, 1), (1, 2), (3, 4), (4, 5), (0, 3), (1, 4), (2, 5)], None).unwrap()
    }

    /// Fuzz finding (plan_csv target, 10-minute campaign): labels "2", "02", "2" sorted by value
    /// alone were not adjacent, so the dedup kept "2" twice and one district index had no units
    /// (a plan that every consumer assumes cannot exist).
    #[test]
    fn labels_equal_in_value_but_spelled_differently_stay_two_districts() {
        let p = Plan::from_labels(&["2", "02", "2", "1", "-4"]);
        assert_eq!(p.district_labels(), &["-4", "1", "02", "2"]);
        assert_eq!(p.assignment(), &[3, 2, 3, 1, 0]);
        let k = p.district_count();
        assert!((0..k as u32).all(|d| p.assignment().contains(&d)), "a district without units: {p:?}");
    }

    #[test]
    fn labels_are_ordered_numerically() {
        let p = Plan::from_labels(&["10", "2", "2", "1", "10", "1"]);
        assert_eq!(p.district_labels(), &["1", "2", "10"]);
        assert_eq!(p.assignment(), &[2, 1, 1, 0, 2, 0]);
        let p = Plan::from_labels(&["b", "a", "B"]);
        assert_eq!(p.district_labels(), &["B", "a", "b"]);
    }

    #[test]
    fn new_validates() {
        assert!(matches!(
            Plan::new(vec![0, 2], vec!["a".into(), "b".into()]),
            Err(PlanError::IndexOutOfRange { node: 1, .. })
        ));
        let e = Plan::new(vec![0, 0], vec!["a".into(), "b".into()]).unwrap_err();
        assert_eq!(e.to_string(), "district \"b\" (index 1) has no units");
    }

    #[test]
    fn csv_round_trip_and_errors() {
        let g = grid();
        let csv = "GEOID,district\nu0,1\nu1,1\nu2,2\nu3,1\nu4,2\nu5,2\n";
        let p = Plan::from_csv(&g, csv.as_bytes(), None).unwrap();
        assert_eq!(p.assignment(), &[0, 0, 1, 0, 1, 1]);
        let mut out = Vec::new();
        p.write_csv(&g, None, ("GEOID", "district"), &mut out).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), csv);
        p.expect_districts(2).unwrap();
        assert_eq!(
            p.expect_districts(3).unwrap_err().to_string(),
            "the plan has 2 districts (\"1\", \"2\") but 3 were expected"
        );

        let err = |csv: &str| Plan::from_csv(&g, csv.as_bytes(), None).unwrap_err().to_string();
        assert_eq!(
            err("GEOID,district\nu0,1\nu1,1\nu2,2\nu3,1\nu4,2\nu5,2\nx9,1\nx8,2\n"),
            "the plan names 2 unit id(s) that are not in the graph (first at CSV line 8): \"x9\", \"x8\""
        );
        assert_eq!(
            err("GEOID,district\nu0,1\nu1,1\n"),
            "4 of 6 units are missing from the plan: \"u2\", \"u3\", \"u4\", \"u5\""
        );
        assert_eq!(
            err("GEOID,district\nu0,1\nu1,1\nu0,2\n"),
            "unit \"u0\" appears twice in the plan: CSV lines 2 and 4"
        );
        assert_eq!(err("GEOID,district\nu0,\n"), "CSV line 2 (unit \"u0\"): empty district value");
        assert_eq!(
            err("GEOID\nu0\n"),
            "the plan CSV has 1 column(s); expected at least 2 (unit id, district)"
        );
        assert_eq!(err("GEOID,district\nu0,1,7\n"), "CSV line 2: row has 3 fields but the header has 2");
    }

    #[test]
    fn from_column_and_key_column() {
        let mut g = grid();
        g.set_column("cd", Column::Float(vec![1.0, 1.0, 2.0, 1.0, 2.0, 2.0])).unwrap();
        g.set_column("GEOID", Column::Text((0..6).map(|i| format!("0600{i}")).collect())).unwrap();
        let p = Plan::from_column(&g, "cd").unwrap();
        assert_eq!(p.district_labels(), &["1", "2"]);
        let q = Plan::from_csv(
            &g,
            "GEOID,cd\n06000,1\n06001,1\n06002,2\n06003,1\n06004,2\n06005,2\n".as_bytes(),
            Some("GEOID"),
        )
        .unwrap();
        assert_eq!(p, q);
        // No header row, and a UTF-8 byte-order mark: both fine.
        let headerless = "\u{feff}06000,1\n06001,1\n06002,2\n06003,1\n06004,2\n06005,2\n";
        assert_eq!(Plan::from_csv(&g, headerless.as_bytes(), Some("GEOID")).unwrap(), p);
        // Hints for the two usual mismatches.
        let e = Plan::from_csv(&g, "id,cd\n6000,1\n".as_bytes(), Some("GEOID")).unwrap_err().to_string();
        assert!(e.ends_with("(they look like ids that lost a leading zero, e.g. \"6000\" for \"06000\": keep the id column as text)"), "{e}");
        let e = Plan::from_csv(&g, "id,cd\n06000,1\n".as_bytes(), None).unwrap_err().to_string();
        assert!(
            e.ends_with("(they match the graph column \"GEOID\": match the plan against that column)"),
            "{e}"
        );
        g.set_column(
            "bad",
            Column::Text(vec!["1".into(), "".into(), "2".into(), "1".into(), "2".into(), "2".into()]),
        )
        .unwrap();
        assert_eq!(
            Plan::from_column(&g, "bad").unwrap_err().to_string(),
            "column \"bad\", node 1 (\"u1\"): empty district value"
        );
        assert!(matches!(Plan::from_column(&g, "nope"), Err(PlanError::Graph(GraphError::NoColumn { .. }))));
    }

    #[test]
    fn queries() {
        let g = grid();
        let pop = [10, 20, 30, 40, 50, 60];
        // A checkerboard: no two units of the same district touch, so each district has 3
        // single-unit pieces and all 7 edges are cut.
        let p = Plan::from_labels(&["1", "2", "1", "2", "1", "2"]);
        assert_eq!(p.district_populations(&pop), vec![90, 120]);
        let dev = p.population_deviation(&pop);
        assert_eq!(dev.ideal, 105.0);
        assert!((dev.max_abs - 15.0 / 105.0).abs() < 1e-12);
        assert_eq!(
            p.non_contiguous(&g),
            vec![
                NonContiguous { district: 0, label: "1".into(), piece_sizes: vec![1, 1, 1] },
                NonContiguous { district: 1, label: "2".into(), piece_sizes: vec![1, 1, 1] },
            ]
        );
        assert_eq!(p.cut_edge_count(&g), 7);
        let rows = Plan::from_labels(&["1", "1", "1", "2", "2", "2"]);
        assert!(rows.non_contiguous(&g).is_empty());
        assert_eq!(rows.cut_edges(&g).collect::<Vec<_>>(), vec![(0, 3), (1, 4), (2, 5)]);

        // Counties by 2-character prefix of the labels: "u0".."u5" are all distinct -> no splits.
        let c = Counties::from_prefix(&g, None, 2).unwrap();
        assert_eq!(rows.county_splits(&c).split_counties, 0);
        // One county = first letter: everything in "u", touched by 2 districts.
        let c = Counties::from_prefix(&g, None, 1).unwrap();
        assert_eq!(
            rows.county_splits(&c),
            CountySplits { counties: 1, split_counties: 1, extra_pieces: 1, split: vec![(0, 2)] }
        );
        assert!(matches!(Counties::from_prefix(&g, None, 3), Err(PlanError::ShortId { .. })));
        // Counties from a column: the left column (0, 3) is one county, the rest another.
        let mut g = g;
        g.set_column("county", Column::Text(["A", "B", "B", "A", "B", "B"].map(String::from).to_vec()))
            .unwrap();
        let c = Counties::from_column(&g, "county").unwrap();
        assert_eq!(c.names, vec!["A", "B"]);
        assert_eq!(c.of_node, vec![0, 1, 1, 0, 1, 1]);
        let s = rows.county_splits(&c);
        assert_eq!((s.split_counties, s.extra_pieces), (2, 2), "rows cut both column-counties");
        let cols = Plan::from_labels(&["1", "2", "2", "1", "2", "2"]);
        assert_eq!(cols.county_splits(&c).split_counties, 0, "districts equal to counties split none");
        assert!(matches!(
            Counties::from_column(&g, "nope"),
            Err(PlanError::Graph(GraphError::NoColumn { .. }))
        ));
    }
}
