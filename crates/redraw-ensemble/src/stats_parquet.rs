//! `stats.parquet`: the rows and columns of `stats.csv` in Apache Parquet (feature `parquet`).
//!
//! The converter reads the finished stats.csv text and writes Parquet to any `Write`, so the
//! Parquet file is a pure function of the CSV bytes: it inherits the CSV's guarantees
//! (byte-identical for any thread count and after a resume). Every column has the CSV's name and
//! position and is INT64, except the `weight` column of SMC runs, which is DOUBLE (the CSV's
//! shortest round-trip decimal, parsed exactly); `county_splits` is OPTIONAL (null where the CSV
//! cell is empty, i.e. when no county column was given), every other column is REQUIRED. Row groups hold up to
//! [`ROW_GROUP_ROWS`] rows; pages are uncompressed (the crate is built without codecs to keep
//! the build light) but dictionary-encoded where that helps, which suits these small integers.

use std::io::{BufRead, Write};
use std::sync::Arc;

use parquet::basic::{Repetition, Type as PhysicalType};
use parquet::data_type::{DoubleType, Int64Type};
use parquet::file::properties::WriterProperties;
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::types::Type;

/// Rows per row group: bounds the memory of a conversion (columns × rows × 8 bytes).
pub const ROW_GROUP_ROWS: usize = 1 << 16;

/// The one column that may be empty in stats.csv.
const NULLABLE: &str = "county_splits";
/// The one floating-point column (SMC importance weights).
const DOUBLE: &str = "weight";

#[derive(Debug, thiserror::Error)]
pub enum StatsParquetError {
    #[error("stats.csv: {0}")]
    Read(#[from] std::io::Error),
    #[error("stats.csv line {line}: {msg}")]
    Csv { line: u64, msg: String },
    #[error("writing Parquet: {0}")]
    Parquet(#[from] parquet::errors::ParquetError),
}

/// Splits a CSV header line (RFC 4180 quoting, as `run` writes it for unusual district labels).
fn header_fields(line: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut chars = line.chars().peekable();
    let mut quoted = false;
    let mut field_start = true;
    while let Some(c) = chars.next() {
        if quoted {
            if c == '"' {
                if chars.peek() == Some(&'"') {
                    chars.next();
                    cur.push('"');
                } else {
                    quoted = false;
                }
            } else {
                cur.push(c);
            }
        } else if c == '"' && field_start {
            quoted = true;
            field_start = false;
        } else if c == ',' {
            out.push(std::mem::take(&mut cur));
            field_start = true;
        } else {
            cur.push(c);
            field_start = false;
        }
    }
    if quoted {
        return Err("unterminated quoted column name".into());
    }
    out.push(cur);
    Ok(out)
}

/// Converts stats.csv text (header line first) to Parquet written to `out`. Returns the number
/// of data rows.
pub fn write_stats_parquet<R: BufRead, W: Write + Send>(csv: R, out: W) -> Result<u64, StatsParquetError> {
    let mut lines = csv.lines();
    let header = match lines.next() {
        Some(l) => l?,
        None => return Err(StatsParquetError::Csv { line: 1, msg: "empty file, expected a header".into() }),
    };
    let names = header_fields(header.trim_end_matches('\r'))
        .map_err(|msg| StatsParquetError::Csv { line: 1, msg })?;
    let mut fields = Vec::with_capacity(names.len());
    for name in &names {
        let rep = if name == NULLABLE { Repetition::OPTIONAL } else { Repetition::REQUIRED };
        let physical = if name == DOUBLE { PhysicalType::DOUBLE } else { PhysicalType::INT64 };
        let t = Type::primitive_type_builder(name, physical).with_repetition(rep).build()?;
        fields.push(Arc::new(t));
    }
    let schema = Arc::new(Type::group_type_builder("redraw_stats").with_fields(fields).build()?);
    let props = Arc::new(WriterProperties::builder().build());
    let mut writer = SerializedFileWriter::new(out, schema, props)?;

    let ncol = names.len();
    let mut cols: Vec<Vec<i64>> = vec![Vec::with_capacity(ROW_GROUP_ROWS); ncol];
    let mut fcols: Vec<Vec<f64>> = vec![Vec::new(); ncol];
    // Definition levels per column, kept only for the nullable one.
    let mut defs: Vec<Vec<i16>> = vec![Vec::new(); ncol];
    let mut rows_in_group = 0usize;
    let mut total = 0u64;
    for (line_no, line) in (2u64..).zip(lines) {
        let line = line?;
        let line = line.trim_end_matches('\r');
        let mut n = 0usize;
        for (j, cell) in line.split(',').enumerate() {
            n += 1;
            if j >= ncol {
                continue;
            }
            if names[j] == NULLABLE {
                if cell.is_empty() {
                    defs[j].push(0);
                    continue;
                }
                defs[j].push(1);
            }
            if names[j] == DOUBLE {
                let v: f64 = cell.parse().map_err(|_| StatsParquetError::Csv {
                    line: line_no,
                    msg: format!("column {}: expected a number, found {cell:?}", names[j]),
                })?;
                fcols[j].push(v);
                continue;
            }
            let v: i64 = cell.parse().map_err(|_| StatsParquetError::Csv {
                line: line_no,
                msg: format!("column {}: expected an integer, found {cell:?}", names[j]),
            })?;
            cols[j].push(v);
        }
        if n != ncol {
            return Err(StatsParquetError::Csv {
                line: line_no,
                msg: format!("{n} fields, expected {ncol} (one per header column)"),
            });
        }
        rows_in_group += 1;
        total += 1;
        if rows_in_group == ROW_GROUP_ROWS {
            flush_group(&mut writer, &names, &mut cols, &mut fcols, &mut defs)?;
            rows_in_group = 0;
        }
    }
    if rows_in_group > 0 {
        flush_group(&mut writer, &names, &mut cols, &mut fcols, &mut defs)?;
    }
    writer.close()?;
    Ok(total)
}

fn flush_group<W: Write + Send>(
    writer: &mut SerializedFileWriter<W>,
    names: &[String],
    cols: &mut [Vec<i64>],
    fcols: &mut [Vec<f64>],
    defs: &mut [Vec<i16>],
) -> Result<(), StatsParquetError> {
    let mut rg = writer.next_row_group()?;
    let mut j = 0;
    while let Some(mut col) = rg.next_column()? {
        let levels = if names[j] == NULLABLE { Some(defs[j].as_slice()) } else { None };
        if names[j] == DOUBLE {
            col.typed::<DoubleType>().write_batch(&fcols[j], None, None)?;
        } else {
            col.typed::<Int64Type>().write_batch(&cols[j], levels, None)?;
        }
        col.close()?;
        cols[j].clear();
        fcols[j].clear();
        defs[j].clear();
        j += 1;
    }
    rg.close()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::header_fields;

    #[test]
    fn header_fields_unquote_rfc4180() {
        assert_eq!(header_fields("chain,step").unwrap(), ["chain", "step"]);
        assert_eq!(header_fields("a,\"pop_x,y\",\"q\"\"r\"").unwrap(), ["a", "pop_x,y", "q\"r"]);
        assert!(header_fields("a,\"b").is_err());
    }
}
