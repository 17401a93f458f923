//! `redraw counties --state XX`: the counties of a state from the embedded data.

use anyhow::bail;
use redraw_core::{Dataset, ElectionYear};

use crate::output::{emit, Cell, Format, OutputArgs, Table};

/// List the counties of a state (or of every state) from the embedded data: FIPS code, name,
/// 2020 and 2010 census population, land area, neighbours and presidential margins.
///
/// Names are what scenario files accept (with or without "County"). A blank vote cell means the
/// source reports that result only for a group of counties (Alaska by house district,
/// Connecticut 2024 by planning region, Kalawao with Maui): the group total is used when the
/// group stays in one state.
#[derive(clap::Args)]
pub struct Args {
    /// State abbreviation, name or FIPS code (e.g. CA, California, 06). All states when omitted.
    #[arg(long)]
    pub state: Option<String>,
    #[command(flatten)]
    pub output: OutputArgs,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let ds = Dataset::embedded();
    let states: Vec<usize> = match &args.state {
        Some(s) => match ds.state_by_name(s) {
            Some(i) => vec![i],
            None => bail!("unknown state `{s}` ({})", ds.unknown_state_hint(s)),
        },
        None => (0..ds.states.len()).collect(),
    };
    // For people the table must fit about 100 columns: the margin columns are headed by the year
    // alone (the title says what they are). CSV and JSON keep the explicit `2016 margin` names.
    let human = args.output.format == Format::Table || args.output.format == Format::Markdown;
    let mut headers = vec!["FIPS", "County", "State", "Pop 2020", "Pop 2010", "Land sq mi", "Neighbours"];
    let years: Vec<String> = ElectionYear::ALL
        .iter()
        .map(|y| if human { y.year().to_string() } else { format!("{} margin", y.year()) })
        .collect();
    headers.extend(years.iter().map(String::as_str));
    let what = if human { "; 2012 to 2024: presidential margin" } else { "" };
    let title = match states.as_slice() {
        [one] => format!("Counties of {} ({}){what}", ds.states[*one].name, ds.states[*one].counties.len()),
        _ => format!("All {} counties{what}", ds.counties.len()),
    };
    let mut keys = vec!["fips", "county", "state", "pop_2020", "pop_2010", "land_sq_mi", "neighbours"];
    let margin_keys: Vec<String> =
        ElectionYear::ALL.iter().map(|y| format!("margin_pct_{}", y.year())).collect();
    keys.extend(margin_keys.iter().map(String::as_str));
    let mut t = Table::new(&headers).titled(title).right(&[3, 4, 5, 6, 7, 8, 9]).keys(&keys);
    for &s in &states {
        for &c in &ds.states[s].counties {
            let county = &ds.counties[c as usize];
            let mut row: Vec<Cell> = vec![
                county.fips.clone().into(),
                county.name.clone().into(),
                ds.states[s].abbr.clone().into(),
                county.pop2020.into(),
                county.pop2010.map(Cell::from).unwrap_or_else(Cell::empty),
                Cell::float(county.land_m2 as f64 / 2_589_988.110336, 1),
                ds.adjacency.neighbors(c).len().into(),
            ];
            for y in ElectionYear::ALL {
                row.push(match county.pres[y as usize] {
                    Some(v) => {
                        let m = v.margin_pct();
                        Cell::with_value(
                            format!("{}+{:.1}", if m > 0.0 { "D" } else { "R" }, m.abs()),
                            serde_json::json!(m),
                        )
                    }
                    None => Cell::empty(),
                });
            }
            t.push(row);
        }
    }
    if human {
        // Neighbour counts are for programs; for people the table must fit 100 columns.
        t.remove_column(6);
    }
    if human && states.len() == 1 {
        // One state: its abbreviation on every row says nothing the title does not.
        t.remove_column(2);
    }
    emit(&[("counties", &t)], &args.output)
}
