//! `redraw apportion`: apportion the House among the states.

use std::path::PathBuf;

use anyhow::{bail, Context as _};
use redraw_core::apportion::{apportion, margins, parse_populations};
use redraw_core::{Dataset, Method};

use crate::cmd::scenario::parse_method;
use crate::output::{emit, Cell, OutputArgs, Table};

/// Apportion the House among the states: official census populations (2000, 2010, 2020) or your
/// own (a CSV with columns `state,population`), by Huntington-Hill (the law since 1941) or
/// Webster, Hamilton, Jefferson, Adams, Dean, for any house size.
///
/// With --margins: for each state, how many people it would need to gain to win one more seat
/// and how many it could lose before losing one, the other states unchanged. With --priority: the
/// priority list (which state gets seats 51, 52, ..., and with what priority value).
///
/// Examples:
///   redraw apportion --margins                (2020: NY missed seat 435 by 89 people)
///   redraw apportion --year 2010 --method webster --house-size 600
///   redraw apportion --populations my-states.csv --house-size 500
#[derive(clap::Args)]
#[command(verbatim_doc_comment, after_help = EXAMPLES)]
pub struct Args {
    /// Census year of the official apportionment populations: 2000, 2010 or 2020 [default: 2020].
    #[arg(long, conflicts_with = "populations")]
    pub year: Option<u16>,
    /// Apportionment method: huntington-hill, webster, hamilton, jefferson, adams, dean.
    #[arg(long, default_value = "huntington-hill", value_parser = parse_method)]
    pub method: Method,
    /// Number of House seats (at least one per state).
    #[arg(long, default_value_t = 435)]
    pub house_size: u32,
    /// Use your own states: a CSV file with a header and columns `state,population`.
    #[arg(long, value_name = "FILE")]
    pub populations: Option<PathBuf>,
    /// Add the people each state must gain to win a seat, or could lose before losing one.
    #[arg(long)]
    pub margins: bool,
    /// Also print the priority list (seats beyond each state's first).
    #[arg(long)]
    pub priority: bool,
    #[command(flatten)]
    pub output: OutputArgs,
}

const EXAMPLES: &str = "Examples:
  redraw apportion --margins                  # 2020: New York missed seat 435 by 89 people
  redraw apportion --year 2010 --priority
  redraw apportion --method webster --house-size 600
  redraw apportion --populations my-states.csv --house-size 500   # CSV: state,population";

fn read_populations(path: &std::path::Path) -> anyhow::Result<Vec<(String, u64)>> {
    // Bounded: a populations file is small text (a sparse file or /dev/zero fails at once).
    let text = redraw_graph::limits::read_text(
        path,
        redraw_graph::limits::MAX_SMALL_TEXT_BYTES,
        "a populations file",
    )
    .with_context(|| format!("cannot read {}", path.display()))?;
    Ok(parse_populations(&text, &path.display().to_string())?)
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let ds = Dataset::embedded();
    let year = args.year.unwrap_or(2020);
    let (rows, official): (Vec<(String, u64)>, Option<Vec<u32>>) = match &args.populations {
        Some(p) => (read_populations(p)?, None),
        None => {
            if ![2000, 2010, 2020].contains(&year) {
                bail!("--year {year}: official apportionment populations exist for 2000, 2010 and 2020");
            }
            let states: Vec<_> = ds.states.iter().filter(|s| !s.is_district()).collect();
            let off = states.iter().map(|s| s.official(year).expect("year").seats).collect();
            (
                states.iter().map(|s| (s.name.clone(), s.official(year).expect("year").population)).collect(),
                Some(off),
            )
        }
    };
    let pops: Vec<u64> = rows.iter().map(|r| r.1).collect();
    let app = apportion(&pops, args.house_size, args.method)?;
    let marg = if args.margins { margins(&pops, &app) } else { None };
    let mut headers = vec!["State", "Population", "Quota", "Seats"];
    if official.is_some() {
        headers.push("Official");
        headers.push("Difference");
    }
    if marg.is_some() {
        headers.push("Gain to win a seat");
        headers.push("Could lose");
    }
    let source =
        if args.populations.is_some() { "your populations".to_string() } else { format!("{year} census") };
    let right: Vec<usize> = (1..headers.len()).collect();
    let mut t = Table::new(&headers)
        .titled(format!("{} apportionment of {} seats, {source}", args.method, args.house_size))
        .right(&right);
    for (i, (name, pop)) in rows.iter().enumerate() {
        let mut row: Vec<Cell> =
            vec![name.clone().into(), (*pop).into(), Cell::float(app.quotas[i], 3), app.seats[i].into()];
        if let Some(off) = &official {
            row.push(off[i].into());
            let d = app.seats[i] as i64 - off[i] as i64;
            row.push(Cell::with_value(
                if d == 0 { String::new() } else { format!("{d:+}") },
                serde_json::json!(d),
            ));
        }
        if let Some(m) = &marg {
            // No margin: the state holds every seat the others' minimums leave (cannot gain),
            // or has only its constitutional minimum (cannot lose).
            let none = || Cell::with_value("none", serde_json::Value::Null);
            row.push(m[i].to_gain.map(Cell::from).unwrap_or_else(none));
            row.push(m[i].can_lose.map(Cell::from).unwrap_or_else(none));
        }
        t.push(row);
    }
    let mut tables = vec![("apportionment", t)];
    if args.priority {
        if !args.method.is_divisor() {
            bail!("--priority: Hamilton's method has no priority list; choose a divisor method");
        }
        let mut p = Table::new(&["Seat", "State", "State's seat", "Priority value"])
            .keys(&["seat", "state", "state_seat", "priority_value"])
            .titled("Priority list")
            .right(&[0, 2, 3]);
        for s in &app.priority {
            p.push(vec![
                s.seat.into(),
                rows[s.state].0.clone().into(),
                s.state_seat.into(),
                Cell::float(s.priority, 2),
            ]);
        }
        tables.push(("priority", p));
    }
    let refs: Vec<(&str, &Table)> = tables.iter().map(|(k, t)| (*k, t)).collect();
    emit(&refs, &args.output)
}
