//! Census block-assignment files (BAF) aggregated to a graph's units: how an enacted plan that
//! exists only as "block GEOID → district" (a legislature's file, California's Proposition 50
//! map) becomes a plan on the units an ensemble is drawn on.
//!
//! - A block GEOID has 15 digits: state (2), county (3), tract (6), block (4). Its block group
//!   is the first 12 characters, its tract the first 11, its county the first 5. VTDs are not a
//!   prefix: they come from a block → unit file ([`UnitsOf::Map`], e.g. the Census
//!   `BLOCKID|COUNTYFP|DISTRICT` VTD file).
//! - Each unit goes to the district holding most of its blocks, weighted by block population
//!   when one is given and by block count otherwise; a tie goes to the district with more
//!   blocks, then to the smaller label, and is reported. Every unit whose blocks lie in two or
//!   more districts is reported with the weight placed in another district than the BAF's.
//! - Nothing is guessed: a block listed twice, a block outside the graph's units, a graph unit
//!   without a block, or (with block populations) a block of the state missing from the BAF is
//!   an error naming examples from both sides.
//!
//! Parsers read `impl Read`; the CLI opens the files.

use std::collections::{BTreeMap, HashMap};
use std::io::Read;

use crate::error::examples;
use crate::limits::TextGuard;

/// What went wrong importing a block-assignment file.
#[derive(Debug, thiserror::Error)]
pub enum BafError {
    #[error("{file}, line {line}: {message}")]
    Line { file: String, line: u64, message: String },
    #[error("{file}: {message}")]
    File { file: String, message: String },
    #[error("{0}")]
    Mismatch(String),
}

/// One row of a block-assignment file.
#[derive(Clone, Debug, PartialEq)]
pub struct BlockRow {
    pub block: String,
    pub value: String,
    /// 1-based line in the file, for errors.
    pub line: u64,
}

fn is_block_id(s: &str) -> bool {
    s.len() == 15 && s.bytes().all(|b| b.is_ascii_digit())
}

/// Reads a two-or-more-column block file: `BLOCK,VALUE` rows, comma- or pipe-delimited (the
/// Census BAFs use `|`), with or without a header (a first row whose first field is not a
/// 15-digit block GEOID is a header). `value_column` picks the value's column (1 = the second);
/// with `join_county` the value is the state and county of the block plus the value (the
/// Census VTD file's `BLOCKID|COUNTYFP|DISTRICT`: pass `value_column = 2`).
pub fn read_block_file<R: Read>(
    reader: R,
    file: &str,
    value_column: usize,
    join_county: bool,
) -> Result<Vec<BlockRow>, BafError> {
    let mut text = String::new();
    TextGuard::new(reader)
        .read_to_string(&mut text)
        .map_err(|e| BafError::File { file: file.into(), message: e.to_string() })?;
    let first = text.lines().next().unwrap_or("");
    let delim = if first.contains('|') {
        b'|'
    } else if first.contains('\t') {
        b'\t'
    } else {
        b','
    };
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .delimiter(delim)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    let mut record = csv::StringRecord::new();
    loop {
        match rdr.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                return Err(BafError::Line { file: file.into(), line, message: e.to_string() });
            }
        }
        let line = record.position().map_or(0, |p| p.line());
        let block = record.get(0).unwrap_or("").trim().trim_start_matches('\u{feff}');
        if rows.is_empty() && !is_block_id(block) && line == 1 {
            continue; // header
        }
        if block.is_empty() && record.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        if !is_block_id(block) {
            return Err(BafError::Line {
                file: file.into(),
                line,
                message: format!(
                    "{block:?} is not a Census block GEOID (15 digits: state 2, county 3, tract 6, block 4)"
                ),
            });
        }
        let value = record.get(value_column).map(str::trim).unwrap_or("");
        if value.is_empty() {
            return Err(BafError::Line {
                file: file.into(),
                line,
                message: format!(
                    "block {block}: no value in column {} (expected BLOCK{}VALUE)",
                    value_column + 1,
                    delim as char
                ),
            });
        }
        let value = if join_county {
            let county = record.get(1).map(str::trim).unwrap_or("");
            format!("{}{county}{value}", &block[..2])
        } else {
            value.to_string()
        };
        rows.push(BlockRow { block: block.to_string(), value, line });
    }
    if rows.is_empty() {
        return Err(BafError::File { file: file.into(), message: "no block rows".into() });
    }
    Ok(rows)
}

/// How blocks map to the graph's units.
pub enum UnitsOf {
    /// The first `n` characters of the block GEOID (12: block group, 11: tract, 5: county).
    Prefix(usize),
    /// A block → unit table (e.g. VTDs).
    Map(HashMap<String, String>),
}

/// A unit whose blocks lie in more than one district.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct SplitUnit {
    pub unit: String,
    /// The district the unit was given.
    pub district: String,
    /// Weight (population, or blocks) of the unit's blocks per district, largest first.
    pub parts: Vec<(String, f64)>,
    /// Weight of the unit's blocks that the BAF puts in another district than `district`.
    pub moved: f64,
    /// Whether the largest weight was tied (broken by block count, then label).
    pub tie: bool,
}

/// The result of [`aggregate`].
#[derive(Clone, Debug)]
pub struct Imported {
    /// District label of each graph node, in node order.
    pub district_of: Vec<String>,
    pub split_units: Vec<SplitUnit>,
    /// Blocks read, and whether the weights were populations (else block counts).
    pub blocks: usize,
    pub by_population: bool,
    /// Total weight moved out of its BAF district by the aggregation.
    pub moved: f64,
}

fn label_order(a: &str, b: &str) -> std::cmp::Ordering {
    match (a.parse::<u64>(), b.parse::<u64>()) {
        (Ok(x), Ok(y)) => x.cmp(&y),
        _ => a.cmp(b),
    }
}

/// Aggregates `blocks` (block → district) to the units `unit_ids` (one per graph node).
/// `population`: block → population (every block of the state), to weight the majority and to
/// check that no block is missing.
pub fn aggregate(
    unit_ids: &[String],
    blocks: &[BlockRow],
    units_of: &UnitsOf,
    population: Option<&[BlockRow]>,
    baf_file: &str,
) -> Result<Imported, BafError> {
    let node_of: HashMap<&str, usize> = unit_ids.iter().enumerate().map(|(i, u)| (u.as_str(), i)).collect();
    let mut seen: HashMap<&str, u64> = HashMap::with_capacity(blocks.len());
    for b in blocks {
        if let Some(first) = seen.insert(b.block.as_str(), b.line) {
            return Err(BafError::Line {
                file: baf_file.into(),
                line: b.line,
                message: format!("block {} is listed twice (first on line {first})", b.block),
            });
        }
    }
    let pop: Option<HashMap<&str, f64>> = match population {
        None => None,
        Some(rows) => {
            let mut m = HashMap::with_capacity(rows.len());
            for r in rows {
                let v: f64 =
                    r.value.parse().ok().filter(|v: &f64| v.is_finite() && *v >= 0.0).ok_or_else(|| {
                        BafError::Mismatch(format!(
                            "block population file, line {}: {:?} is not a non-negative number",
                            r.line, r.value
                        ))
                    })?;
                m.insert(r.block.as_str(), v);
            }
            let missing: Vec<&str> = m.keys().copied().filter(|b| !seen.contains_key(b)).collect();
            if !missing.is_empty() {
                let mut missing = missing;
                missing.sort_unstable();
                let people: f64 = missing.iter().map(|b| m[b]).sum();
                return Err(BafError::Mismatch(format!(
                    "{baf_file} leaves out {} block(s) of the block population file ({} people), e.g. {}: a \
                     block-assignment file must list every block of the state",
                    missing.len(),
                    people,
                    examples(&missing, 3)
                )));
            }
            let unknown: Vec<&str> =
                blocks.iter().map(|b| b.block.as_str()).filter(|b| !m.contains_key(b)).collect();
            if !unknown.is_empty() {
                return Err(BafError::Mismatch(format!(
                    "{} block(s) of {baf_file} have no population in the block population file, e.g. {}",
                    unknown.len(),
                    examples(&unknown, 3)
                )));
            }
            Some(m)
        }
    };

    // Per unit: weight and block count per district.
    let n = unit_ids.len();
    let mut tally: Vec<BTreeMap<&str, (f64, u64)>> = vec![BTreeMap::new(); n];
    let mut outside: Vec<(&str, String)> = Vec::new();
    for b in blocks {
        let unit: String = match units_of {
            UnitsOf::Prefix(k) => b.block[..*k].to_string(),
            UnitsOf::Map(m) => match m.get(&b.block) {
                Some(u) => u.clone(),
                None => {
                    return Err(BafError::Mismatch(format!(
                        "block {} ({baf_file}, line {}) is not in the block → unit file",
                        b.block, b.line
                    )))
                }
            },
        };
        match node_of.get(unit.as_str()) {
            Some(&i) => {
                let w = pop.as_ref().map_or(1.0, |p| p[b.block.as_str()]);
                let e = tally[i].entry(b.value.as_str()).or_insert((0.0, 0));
                e.0 += w;
                e.1 += 1;
            }
            None => outside.push((b.block.as_str(), unit)),
        }
    }
    if !outside.is_empty() {
        let shown: Vec<String> =
            outside.iter().take(3).map(|(b, u)| format!("block {b} → unit {u}")).collect();
        return Err(BafError::Mismatch(format!(
            "{} block(s) of {baf_file} fall in units that are not in the graph ({}{}); the graph's units look like {}. \
             Is it the same state and the right --to level?",
            outside.len(),
            shown.join(", "),
            if outside.len() > 3 { ", …" } else { "" },
            examples(unit_ids, 3)
        )));
    }
    let empty: Vec<&str> = (0..n).filter(|&i| tally[i].is_empty()).map(|i| unit_ids[i].as_str()).collect();
    if !empty.is_empty() {
        return Err(BafError::Mismatch(format!(
            "{} of the graph's {n} units have no block in {baf_file}, e.g. {}: a block-assignment file must list \
             every block of the state",
            empty.len(),
            examples(&empty, 3)
        )));
    }

    let mut district_of = Vec::with_capacity(n);
    let mut split_units = Vec::new();
    let mut moved_total = 0.0;
    for (i, t) in tally.iter().enumerate() {
        // All-zero populations (an unpopulated unit) fall back to block counts.
        let by_pop = pop.is_some() && t.values().any(|v| v.0 > 0.0);
        let weight = |v: &(f64, u64)| if by_pop { v.0 } else { v.1 as f64 };
        let mut parts: Vec<(&str, f64, u64)> = t.iter().map(|(d, v)| (*d, weight(v), v.1)).collect();
        // Largest weight first, then more blocks, then the smaller label (as numbers when both
        // are numbers: district 2 before district 12).
        parts.sort_by(|a, b| b.1.total_cmp(&a.1).then(b.2.cmp(&a.2)).then(label_order(a.0, b.0)));
        let winner = parts[0].0.to_string();
        if parts.len() > 1 {
            let moved: f64 = parts[1..].iter().map(|p| p.1).sum();
            moved_total += moved;
            split_units.push(SplitUnit {
                unit: unit_ids[i].clone(),
                district: winner.clone(),
                parts: parts.iter().map(|p| (p.0.to_string(), p.1)).collect(),
                moved,
                tie: parts[1].1 == parts[0].1,
            });
        }
        district_of.push(winner);
    }
    Ok(Imported {
        district_of,
        split_units,
        blocks: blocks.len(),
        by_population: pop.is_some(),
        moved: moved_total,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(text: &str) -> Vec<BlockRow> {
        read_block_file(text.as_bytes(), "baf.csv", 1, false).unwrap()
    }

    #[test]
    fn reads_census_and_csv_layouts() {
        let pipe = rows("BLOCKID|DISTRICT\n060014001001000|12\n060014001001001|13\n");
        assert_eq!(pipe.len(), 2);
        assert_eq!(
            (pipe[1].block.as_str(), pipe[1].value.as_str(), pipe[1].line),
            ("060014001001001", "13", 3)
        );
        let plain = rows("060014001001000,12\n");
        assert_eq!(plain[0].value, "12");
        // The Census VTD file: BLOCKID|COUNTYFP|DISTRICT → state + county + VTD code.
        let vtd = read_block_file(
            "BLOCKID|COUNTYFP|DISTRICT\n370010201001000|001|000001\n".as_bytes(),
            "v",
            2,
            true,
        )
        .unwrap();
        assert_eq!(vtd[0].value, "37001000001");
        let e = read_block_file("GEOID,CD\n0600140010010,12\n".as_bytes(), "baf.csv", 1, false).unwrap_err();
        assert!(e.to_string().contains("baf.csv, line 2") && e.to_string().contains("15 digits"), "{e}");
        let e = read_block_file("GEOID,CD\n060014001001000,\n".as_bytes(), "baf.csv", 1, false).unwrap_err();
        assert!(e.to_string().contains("no value"), "{e}");
    }

    #[test]
    fn majority_by_population_or_count_with_splits_reported() {
        let units = vec!["060014001001".to_string(), "060014001002".to_string()];
        let baf = rows("060014001001000,1\n060014001001001,2\n060014001001002,2\n060014001002000,2\n");
        // By block count: unit 1 has one block in 1 and two in 2.
        let by_count = aggregate(&units, &baf, &UnitsOf::Prefix(12), None, "baf").unwrap();
        assert_eq!(by_count.district_of, vec!["2", "2"]);
        assert_eq!(by_count.split_units.len(), 1);
        assert_eq!(by_count.split_units[0].moved, 1.0);
        // By population: the block in district 1 holds most people.
        let pop = rows("060014001001000,500\n060014001001001,10\n060014001001002,20\n060014001002000,7\n");
        let by_pop = aggregate(&units, &baf, &UnitsOf::Prefix(12), Some(&pop), "baf").unwrap();
        assert_eq!(by_pop.district_of, vec!["1", "2"]);
        assert_eq!(by_pop.split_units[0].parts, vec![("1".to_string(), 500.0), ("2".to_string(), 30.0)]);
        assert_eq!(by_pop.moved, 30.0);
        // A tie in weight and blocks goes to the smaller district number (2 before 12).
        let tie = rows("060014001001000,12\n060014001001001,2\n060014001002000,2\n");
        let t = aggregate(&units, &tie, &UnitsOf::Prefix(12), None, "baf").unwrap();
        assert_eq!(t.district_of[0], "2");
        assert!(t.split_units[0].tie);
    }

    #[test]
    fn mismatched_inputs_are_refused_with_examples() {
        let units = vec!["060014001001".to_string(), "060014001002".to_string()];
        // A graph unit without blocks.
        let e =
            aggregate(&units, &rows("060014001001000,1\n"), &UnitsOf::Prefix(12), None, "baf").unwrap_err();
        assert!(e.to_string().contains("060014001002") && e.to_string().contains("every block"), "{e}");
        // Another state's blocks.
        let e =
            aggregate(&units, &rows("370014001001000,1\n"), &UnitsOf::Prefix(12), None, "baf").unwrap_err();
        assert!(e.to_string().contains("370014001001") && e.to_string().contains("060014001001"), "{e}");
        // A block listed twice.
        let e = aggregate(
            &units,
            &rows("060014001001000,1\n060014001001000,2\n"),
            &UnitsOf::Prefix(12),
            None,
            "baf",
        )
        .unwrap_err();
        assert!(e.to_string().contains("line 2") && e.to_string().contains("twice"), "{e}");
        // A block of the state (in the population file) missing from the BAF.
        let baf = rows("060014001001000,1\n060014001002000,1\n");
        let pop = rows("060014001001000,5\n060014001002000,5\n060014001002001,9\n");
        let e = aggregate(&units, &baf, &UnitsOf::Prefix(12), Some(&pop), "baf").unwrap_err();
        assert!(e.to_string().contains("060014001002001") && e.to_string().contains("9 people"), "{e}");
    }
}
