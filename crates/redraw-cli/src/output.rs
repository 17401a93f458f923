//! Shared output plumbing for every subcommand: the `--format` flag, tabular rendering,
//! atomic file writes, colour policy and error reporting.
//!
//! Commands build [`Table`]s (or a library value for JSON, via [`json_document`]) and hand
//! them to [`emit`]; they never format CSV or Markdown by hand, so every command behaves the
//! same:
//! - JSON is one document with a `schema_version` and snake_case keys: `{"schema_version": 1,
//!   "<table>": [{"<column key>": value, ...}, ...], ...}`;
//! - CSV is one table per invocation (the command's first table, or `--table NAME`), with the
//!   snake_case column keys as its header, so `pandas.read_csv` reads it as is;
//! - `--table list` lists a command's tables; `--table NAME` prints one in any format.

use std::fmt::Write as _;
use std::io::{IsTerminal, Write};
use std::path::Path;

/// The output formats every tabular command accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum, Default)]
pub enum Format {
    /// Aligned columns for reading in a terminal.
    #[default]
    Table,
    /// Machine-readable JSON (an array of objects per table, or the command's own document).
    Json,
    /// RFC 4180 CSV with a header row.
    Csv,
    /// A GitHub-flavoured Markdown table.
    Markdown,
}

/// Column alignment in table and Markdown output.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Align {
    Left,
    Right,
}

/// Version of the JSON documents the CLI prints for tables (`{"schema_version": 1, ...}`).
/// Commands that print a library document (the scenario report, a judgement) carry that
/// document's own version.
pub const SCHEMA_VERSION: u32 = 1;

/// `--format` and `--table`, shared by every tabular command (`#[command(flatten)]`).
#[derive(clap::Args, Clone, Debug, Default)]
pub struct OutputArgs {
    /// Output format. CSV holds one table: the first, or the one --table names.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Print only this table (by its key, e.g. `states`); `--table list` lists them.
    #[arg(long, value_name = "NAME")]
    pub table: Option<String>,
}

/// A column key from a header: snake_case ASCII, units spelled out (`Land sq mi` ->
/// `land_sq_mi`, `Federal taxes $bn` -> `federal_taxes_usd_bn`, `%` -> `pct`), and a leading
/// year moved to the end (`2016 margin` -> `margin_2016`), so every key is a valid identifier.
pub fn snake_key(header: &str) -> String {
    let mut words: Vec<String> = Vec::new();
    let mut cur = String::new();
    let flush = |cur: &mut String, words: &mut Vec<String>| {
        if !cur.is_empty() {
            words.push(std::mem::take(cur));
        }
    };
    for ch in header.chars() {
        match ch {
            'a'..='z' | '0'..='9' => cur.push(ch),
            'A'..='Z' => cur.push(ch.to_ascii_lowercase()),
            '$' => {
                flush(&mut cur, &mut words);
                words.push("usd".into());
            }
            '%' => {
                flush(&mut cur, &mut words);
                words.push("pct".into());
            }
            '\'' | '’' => {}
            _ => flush(&mut cur, &mut words),
        }
    }
    flush(&mut cur, &mut words);
    if words.first().is_some_and(|w| w.starts_with(|c: char| c.is_ascii_digit())) {
        let lead = words.remove(0);
        words.push(lead);
    }
    if words.is_empty() {
        "value".into()
    } else {
        words.join("_")
    }
}

/// `v` with `decimals` places and thousands separators: 23178.655 -> "23,178.7" (1 place).
pub fn grouped(v: f64, decimals: usize) -> String {
    if !v.is_finite() {
        return "—".into();
    }
    let text = format!("{:.decimals$}", v.abs());
    let (int, frac) = text.split_once('.').map_or((text.as_str(), ""), |(a, b)| (a, b));
    let digits: i128 = int.parse().unwrap_or(0);
    let neg = v < 0.0 && text.chars().any(|c| c.is_ascii_digit() && c != '0');
    let mut out = format!("{}{}", if neg { "-" } else { "" }, group_thousands(digits));
    if !frac.is_empty() {
        out.push('.');
        out.push_str(frac);
    }
    out
}

/// A number for people: whole numbers with thousands separators ("39,538,223"), others rounded
/// to what a reader can use: no decimals from 1,000 up ("39,974"), one from 100 ("235.8"), two
/// from 1 ("52.05"), three significant digits below 1 ("0.0473"); "—" when not finite.
pub fn human(v: f64) -> String {
    if !v.is_finite() {
        return "—".into();
    }
    let a = v.abs();
    if v.fract() == 0.0 && a < 1e18 {
        return group_thousands(v as i128);
    }
    if a >= 999.5 {
        return group_thousands(v.round() as i128);
    }
    let text = if a >= 99.95 {
        format!("{v:.1}")
    } else if a >= 0.9995 {
        format!("{v:.2}")
    } else if a == 0.0 {
        "0".into()
    } else {
        let decimals = (2 - a.log10().floor() as i32).clamp(0, 12) as usize;
        format!("{v:.decimals$}")
    };
    text
}

/// One cell. Numbers keep their raw value for JSON and CSV; `text` is what humans see.
#[derive(Clone, Debug)]
pub struct Cell {
    pub text: String,
    pub json: serde_json::Value,
}

impl From<&str> for Cell {
    fn from(s: &str) -> Self {
        Cell { text: s.to_string(), json: serde_json::Value::String(s.to_string()) }
    }
}
impl From<String> for Cell {
    fn from(s: String) -> Self {
        Cell { json: serde_json::Value::String(s.clone()), text: s }
    }
}
macro_rules! int_cell {
    ($($t:ty),*) => {$(
        impl From<$t> for Cell {
            fn from(v: $t) -> Self {
                Cell { text: group_thousands(v as i128), json: serde_json::json!(v) }
            }
        }
    )*};
}
int_cell!(u8, u16, u32, u64, usize, i32, i64);

impl Cell {
    /// A float shown with `decimals` places; JSON and CSV keep full precision.
    pub fn float(v: f64, decimals: usize) -> Self {
        let json = if v.is_finite() { serde_json::json!(v) } else { serde_json::Value::Null };
        let text = if v.is_finite() { format!("{v:.decimals$}") } else { "—".to_string() };
        Cell { text, json }
    }
    /// A display string with a separate machine value (e.g. "+1.2%" shown, 0.012 stored).
    pub fn with_value(text: impl Into<String>, json: serde_json::Value) -> Self {
        Cell { text: text.into(), json }
    }
    /// An empty cell (JSON null).
    pub fn empty() -> Self {
        Cell { text: String::new(), json: serde_json::Value::Null }
    }
    fn csv_text(&self) -> String {
        match &self.json {
            serde_json::Value::Null => String::new(),
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        }
    }
}

pub use redraw_core::text::group_thousands;

/// A titled table: the unit every tabular command emits.
#[derive(Clone, Debug, Default)]
pub struct Table {
    pub title: Option<String>,
    pub headers: Vec<String>,
    /// Machine keys of the columns (JSON keys, CSV header): [`snake_key`] of each header unless
    /// set with [`Table::keys`].
    pub keys: Vec<String>,
    pub align: Vec<Align>,
    pub rows: Vec<Vec<Cell>>,
}

impl Table {
    pub fn new(headers: &[&str]) -> Self {
        Table {
            title: None,
            headers: headers.iter().map(|h| h.to_string()).collect(),
            keys: headers.iter().map(|h| snake_key(h)).collect(),
            align: vec![Align::Left; headers.len()],
            rows: Vec::new(),
        }
    }
    /// Sets the machine keys of the first `keys.len()` columns (the rest keep theirs).
    pub fn keys(mut self, keys: &[&str]) -> Self {
        for (k, new) in self.keys.iter_mut().zip(keys) {
            *k = new.to_string();
        }
        self
    }
    /// The table with every column whose cells hold JSON objects split into one column per
    /// object key (`<column key>_<object key>`), so CSV and JSON get plain values.
    pub fn flatten_objects(self) -> Table {
        let mut out = Table { title: self.title.clone(), ..Default::default() };
        // (source column, object key or None)
        let mut cols: Vec<(usize, Option<String>)> = Vec::new();
        for c in 0..self.headers.len() {
            let subkeys: Vec<String> = self
                .rows
                .iter()
                .find_map(|r| r[c].json.as_object())
                .map(|o| o.keys().cloned().collect())
                .unwrap_or_default();
            if subkeys.is_empty() {
                cols.push((c, None));
                out.headers.push(self.headers[c].clone());
                out.keys.push(self.keys[c].clone());
                out.align.push(self.align[c]);
            } else {
                for k in subkeys {
                    out.headers.push(format!("{} {k}", self.headers[c]));
                    out.keys.push(format!("{}_{k}", self.keys[c]));
                    out.align.push(self.align[c]);
                    cols.push((c, Some(k)));
                }
            }
        }
        for r in &self.rows {
            out.rows.push(
                cols.iter()
                    .map(|(c, k)| match k {
                        None => r[*c].clone(),
                        Some(k) => Cell::with_value(
                            String::new(),
                            r[*c]
                                .json
                                .as_object()
                                .and_then(|o| o.get(k))
                                .cloned()
                                .unwrap_or(serde_json::Value::Null),
                        ),
                    })
                    .collect(),
            );
        }
        out
    }

    /// Removes column `i` (header, key, alignment and every row's cell).
    pub fn remove_column(&mut self, i: usize) {
        self.headers.remove(i);
        self.keys.remove(i);
        self.align.remove(i);
        for r in &mut self.rows {
            r.remove(i);
        }
    }
    pub fn titled(mut self, title: impl Into<String>) -> Self {
        self.title = Some(title.into());
        self
    }
    /// Right-aligns the named columns (numbers).
    pub fn right(mut self, cols: &[usize]) -> Self {
        for &c in cols {
            self.align[c] = Align::Right;
        }
        self
    }
    pub fn push(&mut self, row: Vec<Cell>) {
        debug_assert_eq!(row.len(), self.headers.len(), "row width must match headers");
        self.rows.push(row);
    }

    /// The table as a JSON array of objects keyed by the column keys.
    pub fn to_json(&self) -> serde_json::Value {
        let rows = self
            .rows
            .iter()
            .map(|r| {
                let mut m = serde_json::Map::new();
                for (k, c) in self.keys.iter().zip(r) {
                    m.insert(k.clone(), c.json.clone());
                }
                serde_json::Value::Object(m)
            })
            .collect();
        serde_json::Value::Array(rows)
    }

    /// The table alone in `format` (JSON: a document holding it under `key`).
    pub fn render_as(&self, key: &str, format: Format) -> String {
        match format {
            Format::Json => render_tables(&[(key, self)], Format::Json),
            _ => self.render(format),
        }
    }

    /// The table in a text format; JSON gives the bare array of rows.
    pub fn render(&self, format: Format) -> String {
        match format {
            Format::Json => {
                let mut s = serde_json::to_string_pretty(&self.to_json()).expect("json");
                s.push('\n');
                s
            }
            Format::Csv => self.render_csv(),
            Format::Markdown => self.render_markdown(),
            Format::Table => self.render_text(),
        }
    }

    fn render_csv(&self) -> String {
        let mut w = csv::Writer::from_writer(Vec::new());
        w.write_record(&self.keys).expect("in-memory csv");
        for r in &self.rows {
            w.write_record(r.iter().map(Cell::csv_text)).expect("in-memory csv");
        }
        String::from_utf8(w.into_inner().expect("in-memory csv")).expect("utf8")
    }

    fn widths(&self) -> Vec<usize> {
        let mut w: Vec<usize> = self.headers.iter().map(|h| h.chars().count()).collect();
        for r in &self.rows {
            for (i, c) in r.iter().enumerate() {
                w[i] = w[i].max(c.text.chars().count());
            }
        }
        w
    }

    fn render_text(&self) -> String {
        let mut w = self.widths();
        // A long text in the last column (a note, a verdict) is wrapped so the table fits a
        // terminal of TERMINAL_WIDTH columns.
        let n = w.len();
        let others: usize = w[..n.saturating_sub(1)].iter().map(|x| x + 2).sum();
        let wrap_last = n > 0
            && self.align[n - 1] == Align::Left
            && others + w[n - 1] > TERMINAL_WIDTH
            && TERMINAL_WIDTH.saturating_sub(others) >= 24;
        if wrap_last {
            w[n - 1] = (TERMINAL_WIDTH - others).max(self.headers[n - 1].chars().count());
        }
        let mut out = String::new();
        if let Some(t) = &self.title {
            let _ = writeln!(out, "{}", style_bold(t));
        }
        let line = |cells: Vec<&str>, out: &mut String| {
            let parts: Vec<String> =
                cells.iter().enumerate().map(|(i, c)| pad(c, w[i], self.align[i])).collect();
            let _ = writeln!(out, "{}", parts.join("  ").trim_end());
        };
        line(self.headers.iter().map(String::as_str).collect(), &mut out);
        let _ = writeln!(out, "{}", w.iter().map(|n| "─".repeat(*n)).collect::<Vec<_>>().join("  "));
        for r in &self.rows {
            if !wrap_last {
                line(r.iter().map(|c| c.text.as_str()).collect(), &mut out);
                continue;
            }
            let pieces = wrap_words(&r[n - 1].text, w[n - 1]);
            for (k, piece) in pieces.iter().enumerate() {
                let mut cells: Vec<&str> = if k == 0 {
                    r[..n - 1].iter().map(|c| c.text.as_str()).collect()
                } else {
                    vec![""; n - 1]
                };
                cells.push(piece);
                line(cells, &mut out);
            }
        }
        out
    }

    fn render_markdown(&self) -> String {
        let mut out = String::new();
        if let Some(t) = &self.title {
            let _ = writeln!(out, "### {t}\n");
        }
        let esc = |s: &str| s.replace('|', "\\|");
        let _ = writeln!(out, "| {} |", self.headers.iter().map(|h| esc(h)).collect::<Vec<_>>().join(" | "));
        let seps: Vec<&str> =
            self.align.iter().map(|a| if *a == Align::Right { "---:" } else { "---" }).collect();
        let _ = writeln!(out, "| {} |", seps.join(" | "));
        for r in &self.rows {
            let _ = writeln!(out, "| {} |", r.iter().map(|c| esc(&c.text)).collect::<Vec<_>>().join(" | "));
        }
        out
    }
}

/// Width of the terminal that human tables are laid out for.
pub const TERMINAL_WIDTH: usize = 100;

/// Word-wraps `text` into lines of at most `width` characters (a longer word stands alone).
pub fn wrap_words(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

fn pad(s: &str, width: usize, align: Align) -> String {
    let n = s.chars().count();
    let fill = " ".repeat(width.saturating_sub(n));
    match align {
        Align::Left => format!("{s}{fill}"),
        Align::Right => format!("{fill}{s}"),
    }
}

/// Renders several tables in one format. JSON becomes one document keyed by `keys`
/// (snake_case names) with a `schema_version`; CSV, which holds one table, takes the first
/// (commands go through [`emit`], which picks the table and says so).
pub fn render_tables(tables: &[(&str, &Table)], format: Format) -> String {
    match format {
        Format::Json => {
            let mut m = serde_json::Map::new();
            m.insert("schema_version".into(), serde_json::json!(SCHEMA_VERSION));
            for (k, t) in tables {
                // Tables shown in parts for people share a key; a document holds each once.
                if !m.contains_key(*k) {
                    m.insert(k.to_string(), t.to_json());
                }
            }
            let mut s = serde_json::to_string_pretty(&serde_json::Value::Object(m)).expect("json");
            s.push('\n');
            s
        }
        Format::Csv => tables.first().map(|(_, t)| t.render(Format::Csv)).unwrap_or_default(),
        _ => tables.iter().map(|(_, t)| t.render(format)).collect::<Vec<_>>().join("\n"),
    }
}

/// A library value as a JSON document, with `schema_version` first unless it has its own.
pub fn json_document<T: serde::Serialize>(value: &T) -> anyhow::Result<String> {
    let v = serde_json::to_value(value)?;
    let v = match v {
        serde_json::Value::Object(o) if !o.contains_key("schema_version") => {
            let mut m = serde_json::Map::new();
            m.insert("schema_version".into(), serde_json::json!(SCHEMA_VERSION));
            m.extend(o);
            serde_json::Value::Object(m)
        }
        other => other,
    };
    let mut s = serde_json::to_string_pretty(&v)?;
    s.push('\n');
    Ok(s)
}

/// The listing printed by `--table list`: each table's key, title, rows and columns.
pub fn table_listing(tables: &[(&str, &Table)]) -> Table {
    let mut t =
        Table::new(&["Table", "Title", "Rows", "Columns"]).titled("Tables (choose one with --table NAME)");
    let mut seen: Vec<&str> = Vec::new();
    for (k, tb) in tables {
        if seen.contains(k) {
            continue;
        }
        seen.push(k);
        // Parts shown separately for people share one key; list the whole table once.
        let parts: Vec<&&Table> = tables.iter().filter(|(k2, _)| k2 == k).map(|(_, t)| t).collect();
        let mut cols: Vec<&str> = Vec::new();
        for p in &parts {
            for c in &p.keys {
                if !cols.contains(&c.as_str()) {
                    cols.push(c);
                }
            }
        }
        let title = tb.title.clone().unwrap_or_default();
        let title = if parts.len() > 1 {
            title.rsplit_once(" — ").map_or(title.clone(), |(a, _)| a.to_string())
        } else {
            title
        };
        t.push(vec![k.to_string().into(), title.into(), tb.rows.len().into(), cols.join(" ").into()]);
    }
    t
}

/// The tables `out` asks for: all of them, or those under `--table NAME` (an unknown name is
/// an error listing the known ones). `None` means `--table list` was asked for.
pub fn select<'a>(
    tables: &[(&'a str, &'a Table)],
    out: &OutputArgs,
) -> anyhow::Result<Option<Vec<(&'a str, &'a Table)>>> {
    let mut keys: Vec<&str> = tables.iter().map(|(k, _)| *k).collect();
    keys.dedup();
    match out.table.as_deref().map(str::trim) {
        None => Ok(Some(tables.to_vec())),
        Some("list") => Ok(None),
        Some(name) => {
            let picked: Vec<(&str, &Table)> = tables.iter().copied().filter(|(k, _)| *k == name).collect();
            if picked.is_empty() {
                anyhow::bail!(
                    "--table {name}: no such table here; this output has: {} (or `list`)",
                    keys.join(", ")
                );
            }
            Ok(Some(picked))
        }
    }
}

/// Prints tables as `out` asks: every table for people and JSON, one table for CSV (the first,
/// with a note on stderr naming the others), or the `--table list` listing.
pub fn emit(tables: &[(&str, &Table)], out: &OutputArgs) -> anyhow::Result<()> {
    print(&render_selection(tables, out)?)
}

/// What [`emit`] prints, as a string (for commands that add text around the tables).
pub fn render_selection(tables: &[(&str, &Table)], out: &OutputArgs) -> anyhow::Result<String> {
    let Some(picked) = select(tables, out)? else {
        let mut listing = table_listing(tables);
        if matches!(out.format, Format::Table | Format::Markdown) {
            listing.remove_column(3); // the column keys are for programs
        }
        return Ok(listing.render_as("tables", out.format));
    };
    if out.format == Format::Csv {
        let mut keys: Vec<&str> = picked.iter().map(|(k, _)| *k).collect();
        keys.dedup();
        if keys.len() > 1 {
            eprintln!(
                "note: CSV holds one table: printing `{}`; the others are {} (choose with --table NAME)",
                keys[0],
                keys[1..].join(", ")
            );
        }
    }
    Ok(render_tables(&picked, out.format))
}

/// Writes to stdout, treating a closed pipe (`redraw ... | head`) as success.
pub fn print(s: &str) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(s.as_bytes()).and_then(|_| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => std::process::exit(0),
        Err(e) => Err(e.into()),
    }
}

/// Writes a file atomically: a temporary file in the same directory, fsync, then rename.
/// A crash or an error never leaves a half-written output behind.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    use anyhow::Context as _;
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let name = path.file_name().with_context(|| format!("{}: not a file path", path.display()))?;
    let tmp = dir.join(format!(".{}.{}.tmp", name.to_string_lossy(), std::process::id()));
    let result = (|| -> std::io::Result<()> {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(e).with_context(|| format!("cannot write {}", path.display()));
    }
    Ok(())
}

/// Colour is used only on a terminal and never when `NO_COLOR` is set (https://no-color.org).
pub fn color_enabled() -> bool {
    std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && std::io::stderr().is_terminal()
}

/// Progress bars are shown only when stderr is a terminal.
#[allow(dead_code)]
pub fn progress_enabled() -> bool {
    std::io::stderr().is_terminal()
}

fn style_bold(s: &str) -> String {
    if color_enabled() && std::io::stdout().is_terminal() {
        format!("\x1b[1m{s}\x1b[0m")
    } else {
        s.to_string()
    }
}

/// Prints `error: ...` with the cause chain, one cause per line. A cause whose text the lines
/// above already include (an error that embeds its source in its own message) is not repeated.
pub fn report_error(err: &anyhow::Error) {
    eprintln!("{}", error_text(err, color_enabled()));
}

fn error_text(err: &anyhow::Error, color: bool) -> String {
    let label = if color { "\x1b[1;31merror\x1b[0m" } else { "error" };
    let mut msg = format!("{label}: {err}");
    let mut shown = err.to_string();
    for cause in err.chain().skip(1) {
        let text = cause.to_string();
        if !shown.contains(&text) {
            let _ = write!(msg, "\n  caused by: {text}");
            shown.push('\n');
            shown.push_str(&text);
        }
    }
    msg
}

/// Exit status: 2 for usage-like input errors is clap's convention; everything else is 1.
pub fn exit_code(_err: &anyhow::Error) -> i32 {
    1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands() {
        assert_eq!(group_thousands(39_538_223), "39,538,223");
        assert_eq!(group_thousands(-1_000), "-1,000");
        assert_eq!(group_thousands(999), "999");
        assert_eq!(group_thousands(0), "0");
    }

    #[test]
    fn keys_are_snake_case_identifiers() {
        assert_eq!(snake_key("Land sq mi"), "land_sq_mi");
        assert_eq!(snake_key("Federal taxes $bn"), "federal_taxes_usd_bn");
        assert_eq!(snake_key("2016 margin"), "margin_2016");
        assert_eq!(snake_key("State's seat"), "states_seat");
        assert_eq!(snake_key("Min. pop. % for a Senate majority"), "min_pop_pct_for_a_senate_majority");
        assert_eq!(snake_key("cal-3 (percentile)"), "cal_3_percentile");
        assert_eq!(snake_key("R-hat"), "r_hat");
        assert_eq!(snake_key("—"), "value");
    }

    #[test]
    fn human_numbers() {
        assert_eq!(human(39973.5999), "39,974");
        assert_eq!(human(39_538_223.0), "39,538,223");
        assert_eq!(human(235.775), "235.8");
        assert_eq!(human(52.05), "52.05");
        assert_eq!(human(52.0), "52");
        assert_eq!(human(0.047312), "0.0473");
        assert_eq!(human(-1234.5), "-1,235");
        assert_eq!(human(f64::NAN), "—");
        assert_eq!(grouped(23_178.655, 1), "23,178.7");
        assert_eq!(grouped(-1_279.6, 1), "-1,279.6");
        assert_eq!(grouped(-0.01, 1), "0.0");
    }

    #[test]
    fn csv_quotes_and_keeps_raw_numbers() {
        let mut t = Table::new(&["name", "pop"]);
        t.push(vec!["Los Angeles, CA".into(), 10_014_009u64.into()]);
        assert_eq!(t.render(Format::Csv), "name,pop\n\"Los Angeles, CA\",10014009\n");
    }

    #[test]
    fn markdown_escapes_pipes() {
        let mut t = Table::new(&["a"]);
        t.push(vec!["x|y".into()]);
        assert!(t.render(Format::Markdown).contains("x\\|y"));
    }

    #[test]
    fn causes_already_in_the_message_are_not_repeated() {
        let io = std::io::Error::new(std::io::ErrorKind::NotFound, "No such file or directory");
        let e = anyhow::Error::new(io)
            .context("x.json: No such file or directory")
            .context("cannot read the graph");
        assert_eq!(
            error_text(&e, false),
            "error: cannot read the graph\n  caused by: x.json: No such file or directory"
        );
    }

    #[test]
    fn atomic_write_replaces_whole_file() {
        let dir = std::env::temp_dir().join(format!("redraw-out-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join("a.txt");
        write_atomic(&p, b"first").unwrap();
        write_atomic(&p, b"second").unwrap();
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "second");
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1, "no temporary file left");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
