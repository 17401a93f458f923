//! Attribute tables: a CSV keyed by a unit-id column, typed column by column.
//!
//! Typing rule (shared with the JSON readers through [`infer_text_column`]): a column is
//! [`Column::Int`] when every value is an integer, [`Column::Float`] when every value is a finite
//! number, and [`Column::Text`] otherwise. Identifier columns always stay text so that GEOIDs keep
//! their leading zeros: the key column, any column whose name contains "GEOID" or ends in "FP",
//! and any column with a value that has a leading zero ("06", "0123").

use std::collections::HashMap;
use std::io::Read;

use crate::error::ReadError;
use crate::graph::Column;
use crate::limits::TextGuard;

/// A parsed attribute table: one row per unit, in file order.
#[derive(Clone, Debug)]
pub struct AttributeTable {
    /// The key column's name.
    pub key_column: String,
    /// The unit ids (values of the key column), in row order.
    pub keys: Vec<String>,
    /// The other columns, in header order.
    pub columns: Vec<(String, Column)>,
    /// The CSV line of each row (for error messages).
    pub lines: Vec<u64>,
}

impl AttributeTable {
    /// Reads a CSV with a header row. `key_column` names the unit-id column; duplicate ids and
    /// ragged rows are errors naming the line.
    pub fn from_csv<R: Read>(reader: R, key_column: &str) -> Result<AttributeTable, ReadError> {
        let mut rdr =
            csv::ReaderBuilder::new().has_headers(true).flexible(false).from_reader(TextGuard::new(reader));
        let headers: Vec<String> = rdr
            .headers()
            .map_err(ReadError::from_csv)?
            .iter()
            .map(|h| h.trim_start_matches('\u{feff}').trim().to_string())
            .collect();
        let key_idx = headers.iter().position(|h| h == key_column).ok_or_else(|| {
            ReadError::MissingColumn { column: key_column.to_string(), available: headers.join(", ") }
        })?;
        let mut raw: Vec<Vec<String>> = vec![Vec::new(); headers.len()];
        let mut lines = Vec::new();
        let mut first_line: HashMap<String, u64> = HashMap::new();
        let mut record = csv::StringRecord::new();
        while rdr.read_record(&mut record).map_err(ReadError::from_csv)? {
            let line = record.position().map_or(0, |p| p.line());
            let key = record[key_idx].trim().to_string();
            if key.is_empty() {
                return Err(ReadError::BadField {
                    location: format!("CSV line {line}"),
                    field: key_column.to_string(),
                    found: String::new(),
                    expected: "a unit id".to_string(),
                });
            }
            if let Some(first) = first_line.insert(key.clone(), line) {
                return Err(ReadError::DuplicateId {
                    id: key,
                    first: format!("CSV line {first}"),
                    second: format!("CSV line {line}"),
                });
            }
            for (i, f) in record.iter().enumerate() {
                raw[i].push(f.trim().to_string());
            }
            lines.push(line);
        }
        let mut keys = Vec::new();
        let mut columns = Vec::new();
        for (i, (name, values)) in headers.into_iter().zip(raw).enumerate() {
            if i == key_idx {
                keys = values;
            } else {
                let col = infer_text_column(&name, values);
                columns.push((name, col));
            }
        }
        Ok(AttributeTable { key_column: key_column.to_string(), keys, columns, lines })
    }

    /// The table's columns reordered to follow `order` (a permutation of row indices): row
    /// `order[i]` becomes node `i`.
    pub fn columns_in_order(&self, order: &[usize]) -> Vec<(String, Column)> {
        self.columns.iter().map(|(name, col)| (name.clone(), permute(col, order))).collect()
    }
}

fn permute(col: &Column, order: &[usize]) -> Column {
    match col {
        Column::Int(v) => Column::Int(order.iter().map(|&i| v[i]).collect()),
        Column::Float(v) => Column::Float(order.iter().map(|&i| v[i]).collect()),
        Column::Text(v) => Column::Text(order.iter().map(|&i| v[i].clone()).collect()),
    }
}

/// Whether a column name marks an identifier that must stay text whatever it looks like.
pub fn is_identifier_name(name: &str) -> bool {
    let up = name.to_ascii_uppercase();
    up.contains("GEOID") || up.ends_with("FP") || up.ends_with("FP10") || up.ends_with("FP20")
}

fn has_leading_zero(s: &str) -> bool {
    let digits = s.strip_prefix('-').unwrap_or(s);
    digits.len() > 1 && digits.starts_with('0') && digits.as_bytes()[1].is_ascii_digit()
}

/// Types a column of text values by the module's rule.
pub fn infer_text_column(name: &str, values: Vec<String>) -> Column {
    if is_identifier_name(name) || values.is_empty() || values.iter().any(|v| has_leading_zero(v)) {
        return Column::Text(values);
    }
    if let Some(ints) = values.iter().map(|v| v.parse::<i64>().ok()).collect::<Option<Vec<_>>>() {
        return Column::Int(ints);
    }
    if let Some(floats) =
        values.iter().map(|v| v.parse::<f64>().ok().filter(|x| x.is_finite())).collect::<Option<Vec<_>>>()
    {
        return Column::Float(floats);
    }
    Column::Text(values)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_columns_and_keeps_geoids_as_text() {
        let csv =
            "\u{feff}GEOID,POP,SHARE,NAME,COUNTYFP,CODE\n06001,10,0.5,Alameda,001,7\n42003,20,1,Allegheny,003,08\n";
        let t = AttributeTable::from_csv(csv.as_bytes(), "GEOID").unwrap();
        assert_eq!(t.keys, vec!["06001", "42003"]);
        let col = |n: &str| &t.columns.iter().find(|(c, _)| c == n).unwrap().1;
        assert_eq!(col("POP"), &Column::Int(vec![10, 20]));
        assert_eq!(col("SHARE"), &Column::Float(vec![0.5, 1.0]));
        assert_eq!(col("NAME"), &Column::Text(vec!["Alameda".into(), "Allegheny".into()]));
        assert_eq!(col("COUNTYFP"), &Column::Text(vec!["001".into(), "003".into()]));
        // "08" has a leading zero, so the whole column stays text.
        assert_eq!(col("CODE"), &Column::Text(vec!["7".into(), "08".into()]));
        assert_eq!(t.lines, vec![2, 3]);
    }

    #[test]
    fn missing_key_duplicate_and_ragged_rows_are_errors() {
        let e = AttributeTable::from_csv("ID,POP\n1,2\n".as_bytes(), "GEOID").unwrap_err();
        assert_eq!(e.to_string(), "missing column \"GEOID\"; the header has: ID, POP");
        let e = AttributeTable::from_csv("GEOID,POP\na,1\nb,2\na,3\n".as_bytes(), "GEOID").unwrap_err();
        assert_eq!(e.to_string(), "duplicate unit id \"a\": first at CSV line 2, again at CSV line 4");
        let e = AttributeTable::from_csv("GEOID,POP\na,1\nb,2,3\n".as_bytes(), "GEOID").unwrap_err();
        assert_eq!(e.to_string(), "CSV line 3: row has 3 fields but the header has 2");
        let e = AttributeTable::from_csv("GEOID,POP\n,1\n".as_bytes(), "GEOID").unwrap_err();
        assert!(e.to_string().starts_with("CSV line 2: field \"GEOID\""), "{e}");
    }
}
