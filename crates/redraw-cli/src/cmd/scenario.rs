//! `redraw scenario NAME|FILE`: evaluate a scenario against today's map, side by side.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context as _};
use redraw_core::dataset::levenshtein;
use redraw_core::evaluate::{compare, EvalOptions, MapReport, NamedValue, StateFigures};
use redraw_core::scenario::{preset, presets, ResolveOptions, ResolvedScenario, StateStatus};
use redraw_core::{CensusYear, Dataset, ElectionYear, Method, Scenario, ScenarioReport};

use crate::output::{
    group_thousands, print, render_selection, write_atomic, Cell, Format, OutputArgs, Table,
};

/// A rounded number with thousands separators; JSON keeps the exact value.
fn big(v: f64) -> Cell {
    Cell::with_value(group_thousands(v.round() as i128), serde_json::json!(v))
}

/// Evaluate a scenario: a built-in preset (see `redraw scenarios`) or a scenario file (TOML).
///
/// Prints today's map and the scenario side by side: states, senators, House seats, electoral
/// votes, the presidential winner of every changed or new state in 2016/2020/2024, the national
/// Electoral College result and implied Senate lean, malapportionment, and each new state's
/// estimated federal tax collections and balance.
///
/// Examples:
///   redraw scenario six-californias
///   redraw scenario cal-3 --method webster --house-size 600 --format markdown
///   redraw scenario six-californias --export my-plan.toml   (then edit and: redraw scenario my-plan.toml)
#[derive(clap::Args)]
#[command(verbatim_doc_comment, after_help = EXAMPLES)]
pub struct Args {
    /// Preset name (see `redraw scenarios`) or path to a scenario file (.toml).
    pub scenario: String,
    /// Census for population, House seats and electoral votes [default: 2020 for the tables, and
    /// for each election the census in force then: 2010 for 2016/2020, 2020 for 2024].
    #[arg(long, value_parser = parse_census)]
    pub census: Option<CensusYear>,
    /// Election years to score (comma-separated).
    #[arg(long = "election-year", value_delimiter = ',', default_value = "2016,2020,2024", value_parser = parse_election)]
    pub election_years: Vec<ElectionYear>,
    /// Apportionment method: huntington-hill, webster, hamilton, jefferson, adams, dean.
    #[arg(long, default_value = "huntington-hill", value_parser = parse_method)]
    pub method: Method,
    /// Number of House seats.
    #[arg(long, default_value_t = 435)]
    pub house_size: u32,
    /// Make a non-contiguous new or changed state an error (it is a warning by default).
    #[arg(long)]
    pub strict_contiguity: bool,
    /// List every state, not only those that change.
    #[arg(long)]
    pub all_states: bool,
    /// Write the scenario file (a preset's commented TOML) to FILE to start editing from, and
    /// exit. Use `-` for standard output.
    #[arg(long, value_name = "FILE")]
    pub export: Option<PathBuf>,
    /// With --export: replace FILE if it exists (by default an existing file, perhaps a scenario
    /// you have edited, is left alone).
    #[arg(long, requires = "export")]
    pub force: bool,
    #[command(flatten)]
    pub output: OutputArgs,
}

const EXAMPLES: &str = "Examples:
  redraw scenario six-californias
  redraw scenario cal-3 --method webster --house-size 600 --format markdown
  redraw scenario west-coast-leaves --election-year 2020 --format json
  redraw scenario six-californias --export my-plan.toml   # edit, then: redraw scenario my-plan.toml

The scenario file format is documented in data/scenarios/README.md; `redraw scenarios` lists presets.";

pub fn parse_census(s: &str) -> Result<CensusYear, String> {
    s.trim()
        .parse::<u16>()
        .ok()
        .and_then(CensusYear::from_year)
        .ok_or_else(|| format!("`{s}` is not a census year with county data (expected 2010 or 2020)"))
}

pub fn parse_election(s: &str) -> Result<ElectionYear, String> {
    s.trim()
        .parse::<u16>()
        .ok()
        .and_then(ElectionYear::from_year)
        .ok_or_else(|| format!("`{s}` is not an election year in the data (expected 2016, 2020 or 2024)"))
}

pub fn parse_method(s: &str) -> Result<Method, String> {
    Method::parse(s).ok_or_else(|| {
        format!(
            "unknown method `{s}` (expected one of: {})",
            Method::ALL.iter().map(|m| m.id()).collect::<Vec<_>>().join(", ")
        )
    })
}

/// Loads a preset or file: `(scenario, source text, display name)`.
pub fn load(target: &str) -> anyhow::Result<(Scenario, String, String)> {
    let path = Path::new(target);
    let looks_like_file = target.ends_with(".toml") || target.contains('/') || target.contains('\\');
    if path.is_file() || looks_like_file {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("cannot read scenario file {target}"))?;
        let sc = Scenario::from_toml(&text, target)?;
        return Ok((sc, text, target.to_string()));
    }
    if let Some(p) = preset(target) {
        return Ok((p.scenario(), p.toml.to_string(), format!("preset {}", p.id)));
    }
    let mut names: Vec<(usize, &str)> =
        presets().iter().map(|p| (levenshtein(&target.to_lowercase(), p.id), p.id)).collect();
    names.sort();
    // Suggest only a near miss: `nope` is not a typo of `cal-3`.
    let hint = match names.first() {
        Some((d, id)) if *d <= 3.max(target.chars().count() / 3) => format!(" (did you mean `{id}`?)"),
        _ => String::new(),
    };
    bail!(
        "`{target}` is neither a preset nor a scenario file{hint}. Presets: {}",
        presets().iter().map(|p| p.id).collect::<Vec<_>>().join(", ")
    )
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let (sc, text, display) = load(&args.scenario)?;
    if let Some(out) = &args.export {
        if out.as_os_str() == "-" {
            return print(&text);
        }
        if out.exists() && !args.force {
            bail!(
                "--export {}: the file exists; pass --force to replace it, or choose another name",
                out.display()
            );
        }
        write_atomic(out, text.as_bytes())?;
        eprintln!("wrote {} — edit it, then run: redraw scenario {}", out.display(), out.display());
        return Ok(());
    }
    if args.election_years.is_empty() {
        bail!("--election-year: give at least one of 2016, 2020, 2024");
    }
    let ds = Dataset::embedded();
    let resolved = sc.resolve(
        ds,
        &ResolveOptions { strict_contiguity: args.strict_contiguity },
        Some((&text, &display)),
    )?;
    for w in &resolved.warnings {
        if w.contains("not contiguous") {
            eprintln!("warning: {w} (use --strict-contiguity to make this an error)");
        } else {
            eprintln!("warning: {w}");
        }
    }
    let mut years = args.election_years.clone();
    years.sort();
    years.dedup();
    let opts = EvalOptions {
        census: args.census,
        elections: years,
        method: args.method,
        house_size: args.house_size,
    };
    let cmp = compare(ds, &resolved, &opts)?;
    if args.output.format == Format::Json && args.output.table.is_none() {
        // The report itself: the same bytes `redraw serve` returns for this scenario.
        return print(&cmp.to_json());
    }
    let tables = tables(&cmp, &resolved, args.all_states, args.output.format);
    let human = args.output.format == Format::Table || args.output.format == Format::Markdown;
    // For people, an empty table (a coalition changes no state) is a one-line note rather than a
    // lone header; machine formats keep every table so their shape does not depend on the
    // scenario.
    let refs: Vec<(&str, &Table)> = tables
        .iter()
        .filter(|(_, t)| !human || !t.rows.is_empty() || args.output.table.is_some())
        .map(|(k, t)| (*k, t))
        .collect();
    let mut out = render_selection(&refs, &args.output)?;
    let whole = args.output.table.is_none();
    for (_, t) in tables.iter().filter(|(_, t)| human && whole && t.rows.is_empty()) {
        out.push_str(&format!("\n{}: none\n", t.title.as_deref().unwrap_or("Table")));
    }
    if human && whole {
        out.push_str("\nRules:\n");
        for r in &cmp.rules {
            if args.output.format == Format::Table {
                out.push_str(&wrap(&format!("- {r}"), 100, "  "));
            } else {
                out.push_str(&format!("- {r}\n"));
            }
        }
    }
    print(&out)
}

/// Word-wraps `text` to `width` columns, continuation lines indented by `indent`.
fn wrap(text: &str, width: usize, indent: &str) -> String {
    let mut out = String::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
            out.push_str(&line);
            out.push('\n');
            line = indent.to_string();
        } else if !line.is_empty() && line != indent {
            line.push(' ');
        }
        line.push_str(word);
    }
    out.push_str(&line);
    out.push('\n');
    out
}

fn ec(e: &redraw_core::evaluate::NationalElection) -> Cell {
    let w = match e.winner {
        Some(p) => p.letter(),
        None => "no majority",
    };
    Cell::with_value(
        format!("D {} – R {} ({w})", e.electoral_votes_dem, e.electoral_votes_rep),
        serde_json::json!({"dem": e.electoral_votes_dem, "rep": e.electoral_votes_rep, "winner": w}),
    )
}

fn named(v: &NamedValue, decimals: usize) -> Cell {
    let num = if decimals == 0 {
        group_thousands(v.value.round() as i128)
    } else {
        Cell::float(v.value, decimals).text
    };
    Cell::with_value(
        format!("{} ({})", num, v.state),
        serde_json::json!({"state": v.state, "value": v.value}),
    )
}

/// A change shown with its sign (`+1.5`, `-18.0`), like the integer changes.
fn signed(v: f64, decimals: usize) -> Cell {
    let mut c = Cell::float(v, decimals);
    if v.is_finite() && !c.text.starts_with('-') {
        c.text = format!("+{}", c.text);
    }
    c
}

fn int_change(a: i64, b: i64) -> Cell {
    let d = b - a;
    Cell::with_value(if d == 0 { "".to_string() } else { format!("{d:+}") }, serde_json::json!(d))
}

fn margin_cell(s: &StateFigures, k: usize) -> Cell {
    match s.elections.get(k) {
        Some(e) => margin(e.margin_pct),
        None => Cell::empty(),
    }
}

fn margin(m: f64) -> Cell {
    Cell::with_value(format!("{}+{:.1}", if m > 0.0 { "D" } else { "R" }, m.abs()), serde_json::json!(m))
}

/// Billions of dollars: the machine value is in the unit the column header names ($bn), not in
/// dollars, so a CSV reader gets the figure the header promises.
fn bn(v: f64) -> Cell {
    Cell::with_value(format!("{:.1}", v / 1e9), serde_json::json!(v / 1e9))
}

/// The national comparison: a table for people, and the machine key of each row (a row whose
/// cells hold several figures becomes `<key>_<figure>` rows in CSV and JSON).
struct National {
    table: Table,
    row_keys: Vec<String>,
}

fn national(cmp: &ScenarioReport) -> National {
    let (b, s) = (&cmp.baseline, &cmp.scenario);
    let mut t = Table::new(&["Measure", "Today", "Scenario", "Change"])
        .titled(format!("{} — census {}, {} with {} seats", s.title, s.census, s.method, s.house_size))
        .right(&[1, 2, 3]);
    let mut keys: Vec<String> = Vec::new();
    type Measure = fn(&MapReport) -> i64;
    let ints: [(&str, &str, Measure); 4] = [
        ("states_in_union", "States in the union", |m| m.union_states as i64),
        ("senators", "Senators", |m| m.senators as i64),
        ("house_seats", "House seats", |m| m.house_size as i64),
        ("electoral_votes", "Electoral votes", |m| m.electoral_votes as i64),
    ];
    for (key, label, f) in ints {
        keys.push(key.into());
        t.push(vec![label.into(), f(b).into(), f(s).into(), int_change(f(b), f(s))]);
    }
    for (eb, es) in b.elections.iter().zip(&s.elections) {
        let flip = eb.winner != es.winner;
        keys.push(format!("electoral_college_{}", es.year));
        t.push(vec![
            format!("Electoral College {} (census {})", es.year, es.census).into(),
            ec(eb),
            ec(es),
            Cell::with_value(
                if flip { "new winner" } else { "" },
                serde_json::json!({
                    "dem": es.electoral_votes_dem as i64 - eb.electoral_votes_dem as i64,
                    "rep": es.electoral_votes_rep as i64 - eb.electoral_votes_rep as i64,
                    "winner": flip,
                }),
            ),
        ]);
        let lean = |e: &redraw_core::evaluate::NationalElection| {
            Cell::with_value(
                format!("{}–{}", e.senate_dem, e.senate_rep),
                serde_json::json!({"dem": e.senate_dem, "rep": e.senate_rep}),
            )
        };
        keys.push(format!("senate_lean_{}", es.year));
        t.push(vec![format!("Senate {}, D–R by pres. winner", es.year).into(), lean(eb), lean(es), {
            let dd = es.senate_dem as i64 - eb.senate_dem as i64;
            let dr = es.senate_rep as i64 - eb.senate_rep as i64;
            Cell::with_value(
                if dd == 0 && dr == 0 { String::new() } else { format!("D {dd:+}, R {dr:+}") },
                serde_json::json!({"dem": dd, "rep": dr}),
            )
        }]);
    }
    let (mb, ms) = (&b.malapportionment, &s.malapportionment);
    let mut push = |key: &str, row: Vec<Cell>| {
        keys.push(key.into());
        t.push(row);
    };
    push(
        "largest_population_per_senator",
        vec![
            "Largest population per senator".into(),
            named(&mb.largest_per_senator, 0),
            named(&ms.largest_per_senator, 0),
            Cell::empty(),
        ],
    );
    push(
        "smallest_population_per_senator",
        vec![
            "Smallest population per senator".into(),
            named(&mb.smallest_per_senator, 0),
            named(&ms.smallest_per_senator, 0),
            Cell::empty(),
        ],
    );
    push(
        "senator_ratio",
        vec![
            "Ratio largest/smallest".into(),
            Cell::float(mb.senator_ratio, 1),
            Cell::float(ms.senator_ratio, 1),
            signed(ms.senator_ratio - mb.senator_ratio, 1),
        ],
    );
    push(
        "senate_majority_min_population_pct",
        vec![
            "Min. pop. % for a Senate majority".into(),
            Cell::float(100.0 * mb.senate_majority_min_share, 1),
            Cell::float(100.0 * ms.senate_majority_min_share, 1),
            signed(100.0 * (ms.senate_majority_min_share - mb.senate_majority_min_share), 1),
        ],
    );
    push(
        "most_electoral_votes_per_million",
        vec![
            "Most electoral votes per million".into(),
            named(&mb.most_ev_per_million, 2),
            named(&ms.most_ev_per_million, 2),
            Cell::empty(),
        ],
    );
    push(
        "fewest_electoral_votes_per_million",
        vec![
            "Fewest electoral votes per million".into(),
            named(&mb.fewest_ev_per_million, 2),
            named(&ms.fewest_ev_per_million, 2),
            Cell::empty(),
        ],
    );
    National { table: t, row_keys: keys }
}

/// The national table with one scalar per cell, for CSV and JSON: a row whose cells hold
/// several figures (`D 232 – R 306 (R)`, `19,769,112 (California)`) becomes one row per figure,
/// keyed `<row>_<figure>` (`electoral_college_2016_dem`), so a reader gets plain numbers and
/// names instead of embedded objects. Columns: `measure` (the key), `label`, `today`,
/// `scenario`, `change`.
fn scalar_rows(n: &National) -> Table {
    let t = &n.table;
    let mut out = Table::new(&["Measure", "Label", "Today", "Scenario", "Change"]);
    if let Some(title) = &t.title {
        out = out.titled(title.clone());
    }
    for (row, key) in t.rows.iter().zip(&n.row_keys) {
        let subkeys: Vec<String> = match row.iter().find_map(|c| c.json.as_object()) {
            Some(obj) => obj.keys().cloned().collect(),
            None => {
                let mut r = vec![Cell::from(key.clone())];
                r.extend(row.iter().cloned());
                out.push(r);
                continue;
            }
        };
        for k in subkeys {
            let mut r = vec![Cell::from(format!("{key}_{k}")), Cell::from(format!("{}: {k}", row[0].text))];
            for c in &row[1..] {
                let v = match &c.json {
                    serde_json::Value::Object(o) => o.get(&k).cloned().unwrap_or(serde_json::Value::Null),
                    _ => serde_json::Value::Null,
                };
                r.push(Cell::with_value(String::new(), v));
            }
            out.push(r);
        }
    }
    out
}

fn states_table(cmp: &ScenarioReport, resolved: &ResolvedScenario, all: bool, title: &str) -> Table {
    let years: Vec<u16> = cmp.scenario.elections.iter().map(|e| e.year).collect();
    let mut headers: Vec<String> = [
        "State",
        "Abbr",
        "Status",
        "Population",
        "Land sq mi",
        "Senators",
        "House",
        "House today",
        "EV",
        "EV per million",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    for y in &years {
        headers.push(format!("{y} margin"));
    }
    headers.push("Federal taxes $bn".into());
    headers.push("Federal balance $bn".into());
    let h: Vec<&str> = headers.iter().map(String::as_str).collect();
    let mut keys: Vec<String> = [
        "state",
        "abbr",
        "status",
        "population",
        "land_sq_mi",
        "senators",
        "house_seats",
        "house_seats_today",
        "electoral_votes",
        "electoral_votes_per_million",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    keys.extend(money_keys(&years));
    let k: Vec<&str> = keys.iter().map(String::as_str).collect();
    let mut t = Table::new(&h).titled(title.to_string()).keys(&k);
    let right: Vec<usize> = (3..headers.len()).collect();
    t = t.right(&right);
    let base = &cmp.baseline.states;
    for (i, s) in cmp.scenario.states.iter().enumerate() {
        let today = resolved.states[i].original.map(|o| &base[o]);
        let house_today = today.map(|b| b.house_seats);
        let changed = s.status != StateStatus::Unchanged || !s.in_union || house_today != Some(s.house_seats);
        if !all && !changed {
            continue;
        }
        let status = if !s.in_union {
            "seceded".to_string()
        } else {
            match s.status {
                StateStatus::Unchanged => "unchanged",
                StateStatus::Changed => "changed",
                StateStatus::New => "new",
            }
            .to_string()
        };
        let mut row: Vec<Cell> = vec![
            s.name.clone().into(),
            s.abbr.clone().into(),
            status.into(),
            s.population.into(),
            big(s.land_sq_mi),
            s.senators.into(),
            s.house_seats.into(),
            house_today.map(Cell::from).unwrap_or_else(Cell::empty),
            s.electoral_votes.into(),
            Cell::float(s.ev_per_million, 2),
        ];
        for k in 0..years.len() {
            row.push(margin_cell(s, k));
        }
        row.push(bn(s.irs_collections_usd));
        row.push(s.federal_balance_usd.map(bn).unwrap_or_else(Cell::empty));
        t.push(row);
    }
    t
}

fn parents_table(cmp: &ScenarioReport, resolved: &ResolvedScenario) -> Option<Table> {
    let mut parents: Vec<usize> = resolved
        .states
        .iter()
        .filter(|s| s.status != StateStatus::Unchanged)
        .flat_map(|s| s.parents.iter().copied())
        .collect();
    parents.sort_unstable();
    parents.dedup();
    if parents.is_empty() {
        return None;
    }
    let years: Vec<u16> = cmp.baseline.elections.iter().map(|e| e.year).collect();
    let mut headers: Vec<String> =
        ["State", "Population", "Land sq mi", "House", "EV"].iter().map(|s| s.to_string()).collect();
    for y in &years {
        headers.push(format!("{y} margin"));
    }
    headers.push("Federal taxes $bn".into());
    headers.push("Federal balance $bn".into());
    let h: Vec<&str> = headers.iter().map(String::as_str).collect();
    let right: Vec<usize> = (1..headers.len()).collect();
    let mut keys: Vec<String> =
        ["state", "population", "land_sq_mi", "house_seats", "electoral_votes"].map(String::from).to_vec();
    keys.extend(money_keys(&years));
    let k: Vec<&str> = keys.iter().map(String::as_str).collect();
    let mut t = Table::new(&h).titled("Parent states today").right(&right).keys(&k);
    for p in parents {
        let s = &cmp.baseline.states[p];
        let mut row: Vec<Cell> = vec![
            s.name.clone().into(),
            s.population.into(),
            big(s.land_sq_mi),
            s.house_seats.into(),
            s.electoral_votes.into(),
        ];
        for k in 0..years.len() {
            row.push(margin_cell(s, k));
        }
        row.push(bn(s.irs_collections_usd));
        row.push(s.federal_balance_usd.map(bn).unwrap_or_else(Cell::empty));
        t.push(row);
    }
    Some(t)
}

fn blocs_table(cmp: &ScenarioReport, resolved: &ResolvedScenario) -> Option<Table> {
    if cmp.scenario.blocs.is_empty() {
        return None;
    }
    let years: Vec<u16> = cmp.scenario.elections.iter().map(|e| e.year).collect();
    let mut headers: Vec<String> =
        ["Bloc", "Kind", "Members", "Population", "Land sq mi", "Senators", "House", "EV", "EV today"]
            .iter()
            .map(|s| s.to_string())
            .collect();
    for y in &years {
        headers.push(format!("{y} margin"));
    }
    headers.push("Federal taxes $bn".into());
    headers.push("Federal balance $bn".into());
    let h: Vec<&str> = headers.iter().map(String::as_str).collect();
    let right: Vec<usize> = (3..headers.len()).collect();
    let mut keys: Vec<String> = [
        "bloc",
        "kind",
        "members",
        "population",
        "land_sq_mi",
        "senators",
        "house_seats",
        "electoral_votes",
        "electoral_votes_today",
    ]
    .map(String::from)
    .to_vec();
    keys.extend(money_keys(&years));
    let k: Vec<&str> = keys.iter().map(String::as_str).collect();
    let mut t = Table::new(&h)
        .titled("Blocs (a seceded bloc holds no seats in the remaining union)")
        .right(&right)
        .keys(&k);
    for b in &cmp.scenario.blocs {
        let mut row: Vec<Cell> = vec![
            b.name.clone().into(),
            (if b.seceded { "seceded" } else { "coalition" }).into(),
            b.members.join(", ").into(),
            b.population.into(),
            big(b.land_sq_mi),
            b.senators.into(),
            b.house_seats.into(),
            b.electoral_votes.into(),
            ev_today(cmp, resolved, &b.name).into(),
        ];
        for e in &b.elections {
            row.push(margin(e.margin_pct));
        }
        row.push(bn(b.irs_collections_usd));
        row.push(b.federal_balance_usd.map(bn).unwrap_or_else(Cell::empty));
        t.push(row);
    }
    Some(t)
}

/// The electoral votes a bloc's members cast today (members that exist today only).
fn ev_today(cmp: &ScenarioReport, resolved: &ResolvedScenario, bloc: &str) -> u32 {
    resolved
        .seceded
        .iter()
        .chain(&resolved.coalitions)
        .filter(|b| b.name == bloc)
        .flat_map(|b| b.members.iter())
        .filter_map(|&m| resolved.states[m].original)
        .map(|o| cmp.baseline.states[o].electoral_votes)
        .sum()
}

/// Keys of the per-election margin columns and the two money columns.
fn money_keys(years: &[u16]) -> Vec<String> {
    let mut k: Vec<String> = years.iter().map(|y| format!("margin_pct_{y}")).collect();
    k.push("federal_taxes_usd_bn".into());
    k.push("federal_balance_usd_bn".into());
    k
}

/// The columns `cols` of `t` as a table of their own.
fn pick(t: &Table, cols: &[usize], title: String) -> Table {
    Table {
        title: Some(title),
        keys: cols.iter().map(|&c| t.keys[c].clone()).collect(),
        // Shorter money headers in the narrow view (the rules printed below spell them out).
        headers: cols
            .iter()
            .map(|&c| {
                t.headers[c].replace("Federal taxes", "Fed. taxes").replace("Federal balance", "Fed. balance")
            })
            .collect(),
        align: cols.iter().map(|&c| t.align[c]).collect(),
        rows: t.rows.iter().map(|r| cols.iter().map(|&c| r[c].clone()).collect()).collect(),
    }
}

/// For people, a wide table becomes two or three narrower ones that fit a 100-column terminal:
/// each `group` is a list of column indices (the first column, the name, is repeated).
/// CSV and JSON keep the single wide table so their shape never depends on the format.
fn split_for_reading(
    key: &'static str,
    t: Table,
    groups: &[(&'static str, Vec<usize>)],
) -> Vec<(&'static str, Table)> {
    if t.rows.is_empty() {
        return vec![(key, t)];
    }
    let title = t.title.clone().unwrap_or_default();
    groups.iter().map(|(what, cols)| (key, pick(&t, cols, format!("{title} — {what}")))).collect()
}

fn tables(
    cmp: &ScenarioReport,
    resolved: &ResolvedScenario,
    all: bool,
    format: Format,
) -> Vec<(&'static str, Table)> {
    let national = national(cmp);
    let human = format == Format::Table || format == Format::Markdown;
    let mut out = vec![("national", if human { national.table } else { scalar_rows(&national) })];
    let title = if all {
        "States under the scenario"
    } else {
        "States that change (new, changed, seceded, or gaining/losing House seats)"
    };
    let ny = cmp.scenario.elections.len();
    let states = states_table(cmp, resolved, all, title);
    if human {
        // Senators (2, or 0 once seceded, which the status says) is left out of the narrow view.
        let politics = std::iter::once(0).chain(10..12 + ny).collect();
        out.extend(split_for_reading(
            "states",
            states,
            &[("representation", vec![0, 1, 2, 3, 4, 6, 7, 8, 9]), ("votes and money", politics)],
        ));
    } else {
        out.push(("states", states));
    }
    if let Some(p) = parents_table(cmp, resolved) {
        if human {
            let politics = std::iter::once(0).chain(5..7 + ny).collect();
            out.extend(split_for_reading(
                "parent_states_today",
                p,
                &[("representation", vec![0, 1, 2, 3, 4]), ("votes and money", politics)],
            ));
        } else {
            out.push(("parent_states_today", p));
        }
    }
    if let Some(b) = blocs_table(cmp, resolved) {
        if human {
            let politics = std::iter::once(0).chain(9..11 + ny).collect();
            out.extend(split_for_reading(
                "blocs",
                b,
                &[
                    ("members", vec![0, 2]),
                    ("representation", vec![0, 1, 3, 4, 5, 6, 7, 8]),
                    ("votes and money", politics),
                ],
            ));
        } else {
            out.push(("blocs", b));
        }
    }
    out
}
