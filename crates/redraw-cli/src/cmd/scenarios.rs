//! `redraw scenarios`: list the built-in scenario presets.

use redraw_core::scenario::{presets, StateStatus};
use redraw_core::Dataset;

use crate::output::{emit, print, Cell, Format, OutputArgs, Table};

/// List the built-in scenario presets (real proposals to redraw state lines).
///
/// Evaluate one with `redraw scenario NAME`; start your own from one with
/// `redraw scenario NAME --export my-plan.toml`, edit the file, then `redraw scenario my-plan.toml`.
#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub output: OutputArgs,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let ds = Dataset::embedded();
    let mut t = Table::new(&["Name", "Title", "States after", "New states"])
        .titled("Built-in scenarios (redraw scenario NAME; --export FILE.toml to edit one)")
        .right(&[2]);
    for p in presets() {
        let sc = p.scenario();
        let resolved = p.resolve(ds, &Default::default())?;
        let in_union = resolved.states.iter().filter(|s| s.in_union && !s.is_district).count();
        let new: Vec<&str> = resolved
            .states
            .iter()
            .filter(|s| s.status == StateStatus::New)
            .map(|s| s.name.as_str())
            .collect();
        t.push(vec![
            p.id.into(),
            sc.title.clone().unwrap_or_default().into(),
            in_union.into(),
            // JSON keeps the list; CSV gets plain text (`;`-separated) rather than an embedded
            // JSON array.
            if args.output.format == Format::Csv {
                new.join("; ").into()
            } else {
                Cell::with_value(new.join(", "), serde_json::json!(new))
            },
        ]);
    }
    if args.output.format == Format::Table && args.output.table.is_none() {
        return print(&listing(&t));
    }
    emit(&[("scenarios", &t)], &args.output)
}

/// The terminal view: one block per preset (name and title, then what it does and the states it
/// creates, wrapped), because a one-line table of these runs to about 180 columns.
fn listing(t: &Table) -> String {
    let width = 100;
    let indent = "    ";
    let mut out = String::new();
    if let Some(title) = &t.title {
        out.push_str(title);
        out.push_str("\n\n");
    }
    let w = t.rows.iter().map(|r| r[0].text.chars().count()).max().unwrap_or(0);
    for (row, p) in t.rows.iter().zip(presets()) {
        out.push_str(&format!("{:<w$}  {}\n", row[0].text, row[1].text));
        let mut detail = p.scenario().description.unwrap_or_default();
        detail.push_str(&format!(" {} states after.", row[2].text));
        if !row[3].text.is_empty() {
            detail.push_str(&format!(" New: {}.", row[3].text));
        }
        let mut line = indent.to_string();
        for word in detail.split_whitespace() {
            if line.len() > indent.len() && line.chars().count() + 1 + word.chars().count() > width {
                out.push_str(&line);
                out.push('\n');
                line = indent.to_string();
            } else if line.len() > indent.len() {
                line.push(' ');
            }
            line.push_str(word);
        }
        out.push_str(&line);
        out.push('\n');
    }
    out
}
