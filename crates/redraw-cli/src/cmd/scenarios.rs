//! `redraw scenarios`: list the built-in scenario presets.

use redraw_core::scenario::{presets, StateStatus};
use redraw_core::Dataset;

use crate::output::{print, Cell, Format, Table};

/// List the built-in scenario presets (real proposals to redraw state lines).
///
/// Evaluate one with `redraw scenario NAME`; start your own from one with
/// `redraw scenario NAME --export my-plan.toml`, edit the file, then `redraw scenario my-plan.toml`.
#[derive(clap::Args)]
pub struct Args {
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
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
            if args.format == Format::Csv {
                new.join("; ").into()
            } else {
                Cell::with_value(new.join(", "), serde_json::json!(new))
            },
        ]);
    }
    print(&t.render(args.format))
}
