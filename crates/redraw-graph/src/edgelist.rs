//! Edge-list CSV: one undirected edge per row, `a,b[,length]`, by unit id, with an optional
//! attribute CSV keyed by an id column ([`AttributeTable`]).
//!
//! The first row is a header when (with an attribute table) its first two fields are not both
//! known unit ids, or (without one) when its first field is a usual header name (`a`, `u`,
//! `source`, `from`, `src`, `node1`, `id1`, `geoid`, `geoid1`, `unit1`) or its third field is not
//! a number. Node order follows the attribute table (units without edges become isolated nodes,
//! which the connectivity check reports); without a table, the order in which ids first appear.
//! An edge may be listed in both directions; its lengths must then agree.

use std::collections::HashMap;
use std::io::Read;

use crate::attrs::AttributeTable;
use crate::error::ReadError;
use crate::graph::{Column, Graph};
use crate::limits::TextGuard;
use crate::read::Loaded;

const HEADER_NAMES: &[&str] =
    &["a", "u", "source", "from", "src", "node1", "id1", "geoid", "geoid1", "unit1"];

/// Reads an edge-list CSV and an optional attribute table.
pub fn read_edge_list<R: Read>(edges: R, attrs: Option<&AttributeTable>) -> Result<Loaded, ReadError> {
    let mut rdr =
        csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(TextGuard::new(edges));
    let mut labels: Vec<String> = attrs.map_or_else(Vec::new, |t| t.keys.clone());
    let mut index: HashMap<String, u32> =
        labels.iter().enumerate().map(|(i, k)| (k.clone(), i as u32)).collect();
    let mut pairs = Vec::new();
    let mut lengths = Vec::new();
    let mut width = None;
    let mut record = csv::StringRecord::new();
    let mut first = true;
    while rdr.read_record(&mut record).map_err(ReadError::from_csv)? {
        let line = record.position().map_or(0, |p| p.line());
        if record.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        if first {
            first = false;
            let is_header = match attrs {
                Some(_) => {
                    !(index.contains_key(record[0].trim_start_matches('\u{feff}').trim())
                        && record.len() > 1
                        && index.contains_key(record[1].trim()))
                }
                None => {
                    HEADER_NAMES.contains(
                        &record[0].trim_start_matches('\u{feff}').trim().to_ascii_lowercase().as_str(),
                    ) || record.get(2).is_some_and(|f| f.trim().parse::<f64>().is_err())
                }
            };
            if is_header {
                continue;
            }
        }
        let w = *width.get_or_insert(record.len());
        if !(2..=3).contains(&record.len()) || record.len() != w {
            return Err(ReadError::Csv {
                line,
                message: format!(
                    "expected {} fields (a,b{}) like the first edge, found {}",
                    w.clamp(2, 3),
                    if w == 3 { ",length" } else { "" },
                    record.len()
                ),
            });
        }
        let mut ends = [0u32; 2];
        for (k, end) in ends.iter_mut().enumerate() {
            let id = record[k].trim_start_matches('\u{feff}').trim();
            *end = match index.get(id) {
                Some(&i) => i,
                None if attrs.is_none() && !id.is_empty() => {
                    let i = labels.len() as u32;
                    labels.push(id.to_string());
                    index.insert(id.to_string(), i);
                    i
                }
                None => {
                    return Err(ReadError::UnknownId {
                        location: format!("CSV line {line}"),
                        id: id.to_string(),
                    })
                }
            };
        }
        if ends[0] == ends[1] {
            return Err(ReadError::Csv {
                line,
                message: format!("self-loop: unit {:?} is listed as adjacent to itself", record[0].trim()),
            });
        }
        if w == 3 {
            let f = record[2].trim();
            let len = f.parse::<f64>().ok().filter(|x| x.is_finite() && *x >= 0.0).ok_or_else(|| {
                ReadError::BadField {
                    location: format!("CSV line {line}"),
                    field: "length".into(),
                    found: f.to_string(),
                    expected: "a non-negative number".into(),
                }
            })?;
            lengths.push(len);
        }
        pairs.push((ends[0], ends[1]));
    }
    let mut graph = Graph::from_edges(labels, &pairs, (width == Some(3)).then_some(&lengths[..]))?;
    if let Some(t) = attrs {
        for (name, col) in &t.columns {
            graph.set_column(name.clone(), col.clone())?;
        }
        graph.set_column(t.key_column.clone(), Column::Text(t.keys.clone()))?;
    }
    Ok(Loaded { graph, notes: Vec::new() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn with_and_without_attributes() {
        let l = read_edge_list("\u{feff}source,target\nx,y\ny,z\n".as_bytes(), None).unwrap();
        assert_eq!(l.graph.labels(), &["x", "y", "z"]);
        assert_eq!(l.graph.edge_count(), 2);
        let t = AttributeTable::from_csv("id,POP\nz,3\ny,2\nx,1\nw,0\n".as_bytes(), "id").unwrap();
        let l = read_edge_list("x,y,1.5\ny,z,2\nz,y,2\n".as_bytes(), Some(&t)).unwrap();
        let g = l.graph;
        assert_eq!(g.labels(), &["z", "y", "x", "w"]);
        assert_eq!(g.edge_count(), 2);
        assert_eq!(g.neighbors(1), &[0, 2]);
        assert_eq!(g.neighbor_lengths(1).unwrap(), &[2.0, 1.5]);
        assert_eq!(g.column("POP").unwrap(), &Column::Int(vec![3, 2, 1, 0]));
        assert_eq!(g.components().len(), 2, "w has no edges");
    }

    #[test]
    fn errors_name_the_line() {
        let t = AttributeTable::from_csv("id,POP\nx,1\ny,2\n".as_bytes(), "id").unwrap();
        let err = |csv: &str| read_edge_list(csv.as_bytes(), Some(&t)).unwrap_err().to_string();
        assert_eq!(err("a,b\nx,y\nx,q\n"), "CSV line 3: unknown unit id \"q\" (not among the graph's nodes)");
        assert_eq!(err("x,y\ny,y\n"), "CSV line 2: self-loop: unit \"y\" is listed as adjacent to itself");
        assert_eq!(
            err("x,y,1\ny,x\n"),
            "CSV line 2: expected 3 fields (a,b,length) like the first edge, found 2"
        );
        assert_eq!(
            err("x,y,wide\n"),
            "CSV line 1: field \"length\" is \"wide\", expected a non-negative number"
        );
        assert!(err("x,y,1\ny,x,2\n").contains("shared-border length"));
    }
}
