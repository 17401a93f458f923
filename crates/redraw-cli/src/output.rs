//! Shared output plumbing for every subcommand: the `--format` flag, tabular rendering,
//! atomic file writes, colour policy and error reporting.
//!
//! Commands build a [`Table`] (or any `serde::Serialize` value for JSON) and hand it to
//! [`emit`]; they never format CSV or Markdown by hand, so every command behaves the same.

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

/// Formats an integer with thousands separators: 39538223 -> "39,538,223".
pub fn group_thousands(v: i128) -> String {
    let digits = v.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if v < 0 {
        out.push('-');
    }
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

/// A titled table: the unit every tabular command emits.
#[derive(Clone, Debug, Default)]
pub struct Table {
    pub title: Option<String>,
    pub headers: Vec<String>,
    pub align: Vec<Align>,
    pub rows: Vec<Vec<Cell>>,
}

impl Table {
    pub fn new(headers: &[&str]) -> Self {
        Table {
            title: None,
            headers: headers.iter().map(|h| h.to_string()).collect(),
            align: vec![Align::Left; headers.len()],
            rows: Vec::new(),
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

    /// The table as a JSON array of objects keyed by header.
    pub fn to_json(&self) -> serde_json::Value {
        let rows = self
            .rows
            .iter()
            .map(|r| {
                let mut m = serde_json::Map::new();
                for (h, c) in self.headers.iter().zip(r) {
                    m.insert(h.clone(), c.json.clone());
                }
                serde_json::Value::Object(m)
            })
            .collect();
        serde_json::Value::Array(rows)
    }

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
        w.write_record(&self.headers).expect("in-memory csv");
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
        let w = self.widths();
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
            line(r.iter().map(|c| c.text.as_str()).collect(), &mut out);
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

fn pad(s: &str, width: usize, align: Align) -> String {
    let n = s.chars().count();
    let fill = " ".repeat(width.saturating_sub(n));
    match align {
        Align::Left => format!("{s}{fill}"),
        Align::Right => format!("{fill}{s}"),
    }
}

/// Renders several tables in one format. JSON becomes one object keyed by `keys`
/// (snake_case names), so a multi-table report is still a single JSON document.
pub fn render_tables(tables: &[(&str, &Table)], format: Format) -> String {
    match format {
        Format::Json => {
            let mut m = serde_json::Map::new();
            for (k, t) in tables {
                m.insert(k.to_string(), t.to_json());
            }
            let mut s = serde_json::to_string_pretty(&serde_json::Value::Object(m)).expect("json");
            s.push('\n');
            s
        }
        Format::Csv => {
            // CSV has no notion of several tables: separate them by a blank line and a
            // `# title` comment line, which pandas' `comment='#'` and most readers skip.
            let mut out = String::new();
            for (i, (k, t)) in tables.iter().enumerate() {
                if i > 0 {
                    out.push('\n');
                }
                let _ = writeln!(out, "# {k}");
                out.push_str(&t.render(Format::Csv));
            }
            out
        }
        _ => tables.iter().map(|(_, t)| t.render(format)).collect::<Vec<_>>().join("\n"),
    }
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
