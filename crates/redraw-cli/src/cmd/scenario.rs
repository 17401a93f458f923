//! `redraw scenario NAME|FILE`: evaluate a scenario against today's map, side by side.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context as _};
use redraw_core::dataset::levenshtein;
use redraw_core::evaluate::{
    compare, BlocFigures, EcRule, EconomyFigures, EvalOptions, FiscalFigures, HouseRule, MapReport,
    NamedValue, StateFigures,
};
use redraw_core::scenario::{preset, presets, ResolveOptions, ResolvedScenario, StateStatus};
use redraw_core::{CensusYear, Dataset, ElectionYear, Method, Scenario, ScenarioReport};

use crate::output::{
    group_thousands, grouped, print, render_selection, write_atomic, Cell, Format, OutputArgs, Table,
};

/// A rounded number with thousands separators; JSON keeps the exact value.
fn big(v: f64) -> Cell {
    Cell::with_value(group_thousands(v.round() as i128), serde_json::json!(v))
}

/// Evaluate a scenario: a built-in preset (see `redraw scenarios`) or a scenario file (TOML).
///
/// Prints today's map and the scenario side by side: states, senators, House seats, electoral
/// votes, the presidential winner of every changed or new state (2016, 2020, 2024 by default;
/// 2012 too with --election-year), the national Electoral College result under four allocation
/// rules and the implied Senate lean, malapportionment, each state's and bloc's economic weight
/// (GDP, GDP per person, five industries) and federal fiscal balance (raw and deficit-neutral),
/// with the rules behind the figures and the limits of the data.
///
/// Examples:
///   redraw scenario six-californias
///   redraw scenario cal-3 --method webster --house-size 600 --format markdown
///   redraw scenario west-coast-health-alliance --table economy
///   redraw scenario six-californias --ec-rule proportional --house-size wyoming
///   redraw scenario six-californias --export my-plan.toml   (then edit and: redraw scenario my-plan.toml)
#[derive(clap::Args)]
#[command(verbatim_doc_comment, after_help = EXAMPLES)]
pub struct Args {
    /// Preset name (see `redraw scenarios`) or path to a scenario file (.toml).
    pub scenario: String,
    /// Census for population, House seats and electoral votes [default: 2020 for the tables, and
    /// for each election the census in force then: 2010 for 2012/2016/2020, 2020 for 2024].
    #[arg(long, value_parser = parse_census)]
    pub census: Option<CensusYear>,
    /// Election years to score (comma-separated): 2012, 2016, 2020, 2024, or `all`. 2000–2008
    /// are not available (their census in force has no county populations in the data).
    #[arg(long = "election-year", value_delimiter = ',', default_value = "2016,2020,2024", value_parser = parse_election_arg)]
    pub election_years: Vec<ElectionArg>,
    /// Apportionment method: huntington-hill, webster, hamilton, jefferson, adams, dean.
    #[arg(long, default_value = "huntington-hill", value_parser = parse_method)]
    pub method: Method,
    /// House size: a number of seats, `wyoming` (total population / the smallest state's) or
    /// `cube-root` (total population ^ 1/3).
    #[arg(long, default_value = "435", value_parser = parse_house_size, value_name = "N|wyoming|cube-root")]
    pub house_size: (HouseRule, u32),
    /// Electoral-vote allocation of the main figures: winner-take-all, proportional, district,
    /// npvic (every rule is also reported in the `electoral_rules` table).
    #[arg(long, default_value = "winner-take-all", value_parser = parse_ec_rule)]
    pub ec_rule: EcRule,
    /// Year of the economic figures (BEA county GDP by industry: 2017 to 2021) [default: 2021].
    #[arg(long, value_name = "YEAR")]
    pub economy_year: Option<u16>,
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
    let years = ElectionYear::ALL.iter().map(|e| e.year().to_string()).collect::<Vec<_>>().join(", ");
    match s.trim().parse::<u16>() {
        Ok(y) => ElectionYear::from_year(y).ok_or_else(|| {
            ElectionYear::unavailable_reason(y)
                .map_or_else(String::new, |r| format!("{r}; available: {years}"))
        }),
        Err(_) => Err(format!("`{s}` is not a year (expected one of {years}, or all)")),
    }
}

/// One `--election-year` value: a year, or `all`.
#[derive(Clone, Debug)]
pub enum ElectionArg {
    Year(ElectionYear),
    All,
}

pub fn parse_election_arg(s: &str) -> Result<ElectionArg, String> {
    if s.trim().eq_ignore_ascii_case("all") {
        Ok(ElectionArg::All)
    } else {
        parse_election(s).map(ElectionArg::Year)
    }
}

/// Expands `--election-year` values (sorted, deduplicated).
pub fn election_years(args: &[ElectionArg]) -> Vec<ElectionYear> {
    let mut years: Vec<ElectionYear> = args
        .iter()
        .flat_map(|a| match a {
            ElectionArg::Year(y) => vec![*y],
            ElectionArg::All => ElectionYear::ALL.to_vec(),
        })
        .collect();
    years.sort();
    years.dedup();
    years
}

pub fn parse_house_size(s: &str) -> Result<(HouseRule, u32), String> {
    let t = s.trim().to_ascii_lowercase().replace(['_', ' '], "-");
    match t.as_str() {
        "wyoming" | "wyoming-rule" => Ok((HouseRule::Wyoming, 435)),
        "cube-root" | "cuberoot" | "cube-root-rule" => Ok((HouseRule::CubeRoot, 435)),
        _ => t.parse::<u32>().map(|n| (HouseRule::Fixed, n)).map_err(|_| {
            format!("`{s}` is not a house size (expected a number of seats, `wyoming` or `cube-root`)")
        }),
    }
}

pub fn parse_ec_rule(s: &str) -> Result<EcRule, String> {
    EcRule::parse(s).ok_or_else(|| {
        format!(
            "unknown allocation rule `{s}` (expected one of: {})",
            EcRule::ALL.iter().map(|r| r.id()).collect::<Vec<_>>().join(", ")
        )
    })
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
        // Bounded: a scenario is a small text file (a sparse file or /dev/zero fails at once).
        let text = redraw_graph::limits::read_text(
            path,
            redraw_graph::limits::MAX_SMALL_TEXT_BYTES,
            "a scenario file",
        )
        .with_context(|| format!("cannot read scenario file {target}"))?;
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
        bail!("--election-year: give at least one of 2012, 2016, 2020, 2024 (or all)");
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
    let opts = EvalOptions {
        census: args.census,
        elections: election_years(&args.election_years),
        method: args.method,
        house_size: args.house_size.1,
        house_rule: args.house_size.0,
        ec_rule: args.ec_rule,
        economy_year: args.economy_year,
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
        // The chosen allocation rule only; the JSON report holds every rule's text.
        let others: Vec<&str> =
            EcRule::ALL.iter().filter(|r| **r != args.ec_rule).map(|r| r.rule_text()).collect();
        for (head, lines) in [("Rules", &cmp.rules), ("Limits of the data", &cmp.limits)] {
            out.push_str(&format!("\n{head}:\n"));
            for r in lines.iter().filter(|r| !others.contains(&r.as_str())) {
                if args.output.format == Format::Table {
                    out.push_str(&wrap(&format!("- {r}"), 100, "  "));
                } else {
                    out.push_str(&format!("- {r}\n"));
                }
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
        Some(e) => e.margin_pct.map_or_else(|| no_votes(e), margin),
        None => Cell::empty(),
    }
}

/// A state without votes: its assumed lean, or "no vote".
fn no_votes(e: &redraw_core::evaluate::StateElection) -> Cell {
    match (e.winner, e.winner_assumed) {
        (Some(p), true) => Cell::with_value(format!("{} (assumed)", p.letter()), serde_json::Value::Null),
        _ => Cell::with_value("no vote", serde_json::Value::Null),
    }
}

fn margin(m: f64) -> Cell {
    Cell::with_value(format!("{}+{:.1}", if m > 0.0 { "D" } else { "R" }, m.abs()), serde_json::json!(m))
}

/// Billions of dollars: the machine value is in the unit the column header names ($bn), not in
/// dollars, so a CSV reader gets the figure the header promises.
fn bn(v: f64) -> Cell {
    Cell::with_value(grouped(v / 1e9, 1), serde_json::json!(v / 1e9))
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
            s.land_sq_mi.map_or_else(Cell::empty, big),
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
            s.land_sq_mi.map_or_else(Cell::empty, big),
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
            b.land_sq_mi.map_or_else(Cell::empty, big),
            b.senators.into(),
            b.house_seats.into(),
            b.electoral_votes.into(),
            ev_today(cmp, resolved, &b.name).into(),
        ];
        for e in &b.elections {
            row.push(e.margin_pct.map_or_else(|| no_votes(e), margin));
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

/// For people, the kind of a row goes into its name ("California (today)") instead of a column.
fn human_names(mut t: Table) -> Table {
    for r in &mut t.rows {
        let suffix = match r[1].text.as_str() {
            "today" => " (today)",
            "seceded state" => " (seceded)",
            _ => "",
        };
        if !suffix.is_empty() {
            r[0].text.push_str(suffix);
        }
    }
    t
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
    let eco = economy_table(cmp, resolved, all);
    if human {
        let year = cmp.scenario.economy.as_ref().map_or(0, |e| e.year);
        let eco = human_names(eco);
        out.push(("economy", pick(&eco, &[0, 2, 3, 4, 5, 6], format!("Economic weight: GDP {year} from BEA county data (* = includes withheld cells, estimated)"))));
        out.push((
            "economy",
            pick(
                &eco,
                &[0, 7, 8, 9, 10, 11],
                format!("Economic weight: industries, GDP {year} $bn and share of the US industry"),
            ),
        ));
    } else {
        out.push(("economy", eco.flatten_objects()));
    }
    let fiscal = fiscal_table(cmp, resolved, all);
    if human {
        let f = human_names(fiscal);
        let title = f.title.clone().unwrap_or_default();
        out.push(("fiscal", pick(&f, &[0, 2, 3, 4, 5], title)));
        out.push(("fiscal", pick(&f, &[0, 6], "What the balances say".into())));
    } else {
        out.push(("fiscal", fiscal));
    }
    let rules = rules_table(cmp);
    if human {
        out.push(("electoral_rules", pick(&rules, &[0, 1, 2, 3], rules.title.clone().unwrap_or_default())));
        let mut notes = pick(&rules, &[0, 1, 4], "Notes on the rules".into());
        notes.rows.retain(|r| !r[2].text.is_empty());
        out.push(("electoral_rules", notes));
    } else {
        out.push(("electoral_rules", rules.flatten_objects()));
    }
    out
}

/// The rows of the economic and fiscal tables: every state the states table lists, the parent
/// states of today, each bloc with the rest of the union beside it, and the nation.
enum Entity<'a> {
    State(&'a StateFigures, &'static str),
    Bloc(&'a BlocFigures),
    Rest(&'a BlocFigures),
}

fn entities<'a>(cmp: &'a ScenarioReport, resolved: &ResolvedScenario, all: bool) -> Vec<Entity<'a>> {
    let base = &cmp.baseline.states;
    let mut out = Vec::new();
    for (i, s) in cmp.scenario.states.iter().enumerate() {
        let today = resolved.states[i].original.map(|o| &base[o]);
        let changed = s.status != StateStatus::Unchanged
            || !s.in_union
            || today.map(|b| b.house_seats) != Some(s.house_seats);
        if all || changed {
            out.push(Entity::State(s, if s.in_union { "state" } else { "seceded state" }));
        }
    }
    let mut parents: Vec<usize> = resolved
        .states
        .iter()
        .filter(|s| s.status != StateStatus::Unchanged)
        .flat_map(|s| s.parents.iter().copied())
        .collect();
    parents.sort_unstable();
    parents.dedup();
    for p in parents {
        out.push(Entity::State(&base[p], "today"));
    }
    for b in &cmp.scenario.blocs {
        out.push(Entity::Bloc(b));
        out.push(Entity::Rest(b));
    }
    out
}

fn share_pct(v: f64) -> Cell {
    Cell::with_value(format!("{:.1}%", 100.0 * v), serde_json::json!(v))
}

/// Dollars shown in billions (one decimal; an asterisk when estimated); the value is in $bn.
fn bn_est(v: f64, estimated: bool) -> Cell {
    let text = format!("{}{}", grouped(v / 1e9, 1), if estimated { "*" } else { "" });
    Cell::with_value(text, serde_json::json!(v / 1e9))
}

fn economy_table(cmp: &ScenarioReport, resolved: &ResolvedScenario, all: bool) -> Table {
    let year = cmp.scenario.economy.as_ref().map_or(0, |e| e.year);
    let latest = cmp.scenario.economy.as_ref().and_then(|e| e.latest_year).unwrap_or(0);
    let mut headers: Vec<String> = vec![
        "Name".into(),
        "Kind".into(),
        format!("GDP {year} $bn"),
        "% of US".into(),
        "Per person $k".into(),
        format!("GDP {latest} $bn"),
        format!("% of US {latest}"),
    ];
    let mut keys: Vec<String> = [
        "name",
        "kind",
        "gdp_usd_bn",
        "gdp_share",
        "gdp_per_capita_usd_k",
        "latest_gdp_usd_bn",
        "latest_gdp_share",
    ]
    .map(String::from)
    .to_vec();
    for s in redraw_core::economy::SECTORS {
        headers.push(match s.key {
            "agriculture" => "Agriculture".into(),
            "manufacturing" => "Manufacturing".into(),
            "information" => "Information".into(),
            "finance" => "Finance".into(),
            _ => "Prof./tech.".into(),
        });
        // A sector cell holds $bn and the share of the national industry; machine formats
        // flatten it into `<sector>_usd_bn` and `<sector>_share_of_national`.
        keys.push(s.key.to_string());
    }
    let h: Vec<&str> = headers.iter().map(String::as_str).collect();
    let k: Vec<&str> = keys.iter().map(String::as_str).collect();
    let mut t = Table::new(&h)
        .titled(format!(
            "Economic weight: BEA GDP {year} (county table), {latest} (state table, whole states only); $bn"
        ))
        .keys(&k)
        .right(&(2..h.len()).collect::<Vec<_>>());
    let national = cmp.scenario.economy.as_ref();
    let sector_cell = |e: &EconomyFigures, j: usize| -> Cell {
        match e.sectors.get(j) {
            Some(s) => Cell::with_value(
                format!(
                    "{}{} {:.1}%",
                    grouped(s.gdp_usd / 1e9, 1),
                    if s.estimated { "*" } else { "" },
                    100.0 * s.share_of_national_sector
                ),
                serde_json::json!({"usd_bn": s.gdp_usd / 1e9, "share_of_national": s.share_of_national_sector}),
            ),
            None => Cell::empty(),
        }
    };
    let row = |name: String, kind: &str, e: Option<&EconomyFigures>| -> Vec<Cell> {
        let mut r: Vec<Cell> = vec![name.into(), kind.into()];
        match e {
            Some(e) => {
                let est_gdp = e.estimated_fields.contains(&"gdp");
                r.push(bn_est(e.gdp_usd, est_gdp));
                r.push(share_pct(e.gdp_share));
                r.push(e.gdp_per_capita_usd.map_or_else(Cell::empty, |p| {
                    Cell::with_value(format!("{:.1}", p / 1e3), serde_json::json!(p / 1e3))
                }));
                match &e.latest {
                    Some(l) => {
                        r.push(bn_est(l.gdp_usd, false));
                        r.push(share_pct(l.share_of_national));
                    }
                    None => {
                        r.push(Cell::empty());
                        r.push(Cell::empty());
                    }
                }
                for j in 0..redraw_core::economy::SECTORS.len() {
                    r.push(sector_cell(e, j));
                }
            }
            None => {
                r.push(Cell::with_value("unknown", serde_json::Value::Null));
                for _ in 3..7 + redraw_core::economy::SECTORS.len() {
                    r.push(Cell::empty());
                }
            }
        }
        r
    };
    for ent in entities(cmp, resolved, all) {
        match ent {
            Entity::State(s, kind) => t.push(row(s.name.clone(), kind, s.economy.as_ref())),
            Entity::Bloc(b) => t.push(row(
                b.name.clone(),
                if b.seceded { "seceding bloc" } else { "coalition" },
                b.economy.as_ref(),
            )),
            Entity::Rest(b) => {
                if let Some(v) = &b.versus_rest_of_union {
                    t.push(row("Rest of the union".into(), "rest of the union", Some(&v.rest_of_union)));
                }
            }
        }
    }
    if let Some(n) = national {
        let mut r: Vec<Cell> =
            vec!["United States".into(), "nation".into(), bn_est(n.gdp_usd, false), share_pct(1.0)];
        r.push(Cell::with_value(
            format!("{:.1}", n.gdp_usd / n.population.max(1) as f64 / 1e3),
            serde_json::json!(n.gdp_usd / n.population.max(1) as f64 / 1e3),
        ));
        match n.latest_gdp_usd {
            Some(l) => {
                r.push(bn_est(l, false));
                r.push(share_pct(1.0));
            }
            None => {
                r.push(Cell::empty());
                r.push(Cell::empty());
            }
        }
        for s in &n.sectors {
            r.push(Cell::with_value(
                format!("{} 100%", grouped(s.gdp_usd / 1e9, 1)),
                serde_json::json!({"usd_bn": s.gdp_usd / 1e9, "share_of_national": 1.0}),
            ));
        }
        t.push(r);
    }
    t
}

fn fiscal_table(cmp: &ScenarioReport, resolved: &ResolvedScenario, all: bool) -> Table {
    let f = &cmp.scenario.fiscal;
    let mut t = Table::new(&[
        "Name",
        "Kind",
        "Receipts $bn",
        "Spending $bn",
        "Balance $bn",
        "Deficit-neutral $bn",
        "What it says",
    ])
    .keys(&[
        "name",
        "kind",
        "receipts_usd_bn",
        "spending_usd_bn",
        "balance_usd_bn",
        "deficit_neutral_balance_usd_bn",
        "verdict",
    ])
    .titled(format!(
        "Federal balance, {}, $bn (+ receives more than it pays); deficit-neutral: spending × {:.3}",
        f.fiscal_year, f.spending_scale
    ))
    .right(&[2, 3, 4, 5]);
    let money = |v: Option<f64>| {
        v.map_or_else(Cell::empty, |v| Cell::with_value(grouped(v / 1e9, 1), serde_json::json!(v / 1e9)))
    };
    let signed_money = |v: Option<f64>| {
        v.map_or_else(Cell::empty, |v| {
            let t = grouped(v / 1e9, 1);
            let t = if t.starts_with('-') || t == "0.0" { t } else { format!("+{t}") };
            Cell::with_value(t, serde_json::json!(v / 1e9))
        })
    };
    let row = |name: String, kind: &str, fi: &FiscalFigures| -> Vec<Cell> {
        vec![
            name.into(),
            kind.into(),
            money(fi.receipts_usd),
            money(fi.spending_usd),
            signed_money(fi.balance_usd),
            signed_money(fi.deficit_neutral_balance_usd),
            fi.verdict.clone().into(),
        ]
    };
    for ent in entities(cmp, resolved, all) {
        match ent {
            Entity::State(s, kind) => t.push(row(s.name.clone(), kind, &s.fiscal)),
            Entity::Bloc(b) => {
                t.push(row(b.name.clone(), if b.seceded { "seceding bloc" } else { "coalition" }, &b.fiscal))
            }
            Entity::Rest(_) => {}
        }
    }
    t.push(vec![
        "50 states (not DC)".into(),
        "nation".into(),
        money(Some(f.receipts_usd)),
        money(Some(f.spending_usd)),
        signed_money(Some(f.balance_usd)),
        signed_money(Some(0.0)),
        format!(
            "the deficit as spent in the states: {:.1}% of spending",
            100.0 * f.balance_usd / f.spending_usd
        )
        .into(),
    ]);
    t
}

fn rules_table(cmp: &ScenarioReport) -> Table {
    let mut t = Table::new(&["Election", "Rule", "Today", "Scenario", "Note"])
        .keys(&["year", "rule", "today", "scenario", "note"])
        .titled("The Electoral College under four allocation rules (pledged electors)");
    let cell = |o: &redraw_core::evaluate::RuleOutcome| -> Cell {
        match (o.electoral_votes_dem, o.electoral_votes_rep) {
            (Some(d), Some(r)) => Cell::with_value(
                format!("D {d} – R {r} ({})", o.winner.map_or("no majority", |p| p.letter())),
                serde_json::json!({"dem": d, "rep": r, "winner": o.winner.map(|p| p.letter())}),
            ),
            _ => Cell::with_value("unavailable", serde_json::Value::Null),
        }
    };
    for (eb, es) in cmp.baseline.elections.iter().zip(&cmp.scenario.elections) {
        for (ob, os) in eb.by_rule.iter().zip(&es.by_rule) {
            let note = if os.note.is_empty() { ob.note.clone() } else { os.note.clone() };
            t.push(vec![
                Cell::with_value(es.year.to_string(), serde_json::json!(es.year)),
                Cell::with_value(os.rule.short_label(), serde_json::json!(os.rule.id())),
                cell(ob),
                cell(os),
                note.into(),
            ]);
        }
    }
    t
}
