//! `redraw map`: SVG maps of scenarios (on the embedded county geometry) and of plans (on the
//! embedded counties or the user's own shapes).

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use anyhow::{bail, Context as _};
use redraw_core::evaluate::{compare, EvalOptions};
use redraw_core::scenario::{ResolveOptions, ResolvedScenario, StateStatus};
use redraw_core::Dataset;
use redraw_geo::adjacency::{build_adjacency, AdjacencyOptions};
use redraw_geo::map::{render_map, LegendKey, MapProjection, MapRegion, MapSpec};
use redraw_geo::Layer;

use crate::output::{self, group_thousands};

/// Draw a map as SVG (or PNG/PDF, see below): a scenario's new states on the embedded US
/// counties, its Electoral College, or a districting plan on the embedded counties or on your
/// own shapes.
///
/// Scenario maps colour the new and changed states (neighbours always differ), give each bloc
/// of states one colour (colour-blind-safe), shade states that only gain or lose House seats,
/// keep the rest as grey context, draw today's state lines over them, and list each new state's
/// population, House seats, electoral votes, 2024 margin and land area (square miles, as in the
/// tables) in the legend. By default the map frames the changed states, with the Alaska or
/// Hawaii inset only when that state is framed; --national shows all 50 states. With --ec YEAR
/// the map shows the scenario's Electoral College that year: red and blue by winner, lighter the
/// closer the margin, with each state's pledged electors.
///
/// Plan maps read a CSV with a unit id column and a district column; with --geometry the units
/// are your polygons (shapefile, GeoJSON, TopoJSON) keyed by --id, otherwise the ids are county
/// FIPS codes. The legend gives each district's units, population (--pop) and Polsby-Popper /
/// Reock compactness.
///
/// Examples:
///   redraw map six-californias -o six.svg
///   redraw map six-californias --ec 2024 -o six-ec-2024.svg
///   redraw map greater-idaho --national -o idaho.svg
///   redraw map my-scenario.toml -o mine.svg
///   redraw map --geometry tl_2020_42_vtd20.shp --id GEOID20 --plan PA_cd_2022_vtds.csv --pop P0010001 -o pa.svg
#[derive(clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// A preset scenario name (see `redraw scenarios`) or a scenario file (.toml).
    pub scenario: Option<String>,
    /// Output file: .svg, or .png in builds with PNG support (`--features redraw-geo/png`).
    #[arg(long, short, value_name = "FILE")]
    pub out: PathBuf,
    /// A plan CSV to draw instead of a scenario: unit id, district.
    #[arg(long, value_name = "CSV", conflicts_with = "scenario")]
    pub plan: Option<PathBuf>,
    /// Polygons for --plan: .shp, .zip, .geojson, .topojson (default: the embedded US counties,
    /// ids = 5-digit FIPS).
    #[arg(long, value_name = "FILE", requires = "plan")]
    pub geometry: Option<PathBuf>,
    /// Unit id attribute of --geometry (and the id column of the plan CSV if it has one).
    #[arg(long, value_name = "COL", default_value = "GEOID")]
    pub id: String,
    /// District column of the plan CSV [default: `district`, else the second column].
    #[arg(long, value_name = "COL")]
    pub district_col: Option<String>,
    /// Population attribute of --geometry, for district populations and deviations.
    #[arg(long, value_name = "COL")]
    pub pop: Option<String>,
    /// Attribute of --geometry whose groups get heavy outlines (e.g. a county code).
    #[arg(long, value_name = "COL")]
    pub outline: Option<String>,
    /// The TopoJSON object (or the shapefile in a .zip) of --geometry when it has several.
    #[arg(long, value_name = "NAME")]
    pub layer: Option<String>,
    /// Frame the whole country (scenario maps) instead of the changed states.
    #[arg(long)]
    pub national: bool,
    /// Draw the Electoral College of this election year under the scenario instead of its
    /// lines: every state red or blue, lighter the closer its margin (2012, 2016, 2020, 2024).
    #[arg(long, value_name = "YEAR", value_parser = super::scenario::parse_election, conflicts_with = "plan")]
    pub ec: Option<redraw_core::ElectionYear>,
    /// Allocation rule of the electoral votes shown with --ec (winner-take-all, proportional, npvic).
    #[arg(long, default_value = "winner-take-all", value_parser = super::scenario::parse_ec_rule, requires = "ec")]
    pub ec_rule: redraw_core::evaluate::EcRule,
    /// Title (default: the scenario's title or the plan file name).
    #[arg(long)]
    pub title: Option<String>,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let svg = match (&args.scenario, &args.plan) {
        (Some(s), None) if args.ec.is_some() => ec_map(s, &args)?,
        (Some(s), None) => scenario_map(s, &args)?,
        (None, Some(p)) => plan_map(p, &args)?,
        (None, None) => {
            bail!("give a scenario (preset name or .toml file) or --plan CSV; see `redraw map --help`")
        }
        (Some(_), Some(_)) => unreachable!("clap rejects a scenario together with --plan"),
    };
    let bytes = encode(&svg, &args.out)?;
    output::write_atomic(&args.out, &bytes)?;
    eprintln!("wrote {}", args.out.display());
    Ok(())
}

/// The bytes of `svg` for the extension of `out`: `.svg`, `.png` (feature `png`) or `.pdf`
/// (feature `pdf`); a `.pdf` or `.png` path never receives SVG, and another extension is an
/// error rather than a guess.
pub fn encode(svg: &str, out: &Path) -> anyhow::Result<Vec<u8>> {
    let ext = out.extension().map(|e| e.to_string_lossy().to_ascii_lowercase()).unwrap_or_default();
    Ok(match ext.as_str() {
        "svg" => svg.as_bytes().to_vec(),
        "png" => redraw_geo::png::svg_to_png(svg, None)?,
        "pdf" => redraw_geo::png::svg_to_pdf(svg)?,
        other => bail!(
            "{}: unknown output format `{}`; write .svg, .png or .pdf",
            out.display(),
            if other.is_empty() { "(no extension)" } else { other }
        ),
    })
}

fn resolve(name: &str, ds: &Dataset) -> anyhow::Result<ResolvedScenario> {
    // The same loader as `redraw scenario`, so both commands accept the same names and files and
    // give the same errors (with the closest preset suggested).
    let (sc, text, file) = super::scenario::load(name)?;
    Ok(sc.resolve(ds, &ResolveOptions::default(), Some((&text, &file)))?)
}

fn millions(p: u64) -> String {
    if p >= 1_000_000 {
        format!("{:.1} M", p as f64 / 1e6)
    } else {
        format!("{} k", (p as f64 / 1e3).round())
    }
}

/// Colour-blind-safe colours for blocs (Okabe and Ito), one per bloc.
const BLOC_COLOURS: [&str; 6] = ["#E69F00", "#56B4E9", "#009E73", "#CC79A7", "#0072B2", "#D55E00"];
/// States whose lines do not change but whose House seats do.
const SEAT_CHANGE: &str = "#c9c9c9";

fn sq_mi(v: f64) -> String {
    format!("{} sq mi", group_thousands(v.round() as i128))
}

/// Region of every county polygon of the embedded geometry, and its state of today.
fn county_regions(
    ds: &Dataset,
    resolved: &ResolvedScenario,
    layer: &redraw_geo::Layer,
) -> anyhow::Result<(Vec<Option<u32>>, Vec<u32>)> {
    let ids = layer.ids("id")?;
    let mut region_of = Vec::with_capacity(ids.len());
    let mut outline_of = Vec::with_capacity(ids.len());
    for id in &ids {
        // A 2017 polygon stands for one or two 2020 counties (Valdez-Cordova); both are always
        // in the same resulting state, so the first decides.
        let fips = redraw_geo::counties::fips_2020_of(id)[0];
        let c = ds
            .county_by_fips(fips)
            .with_context(|| format!("county {fips} of the embedded geometry is not in the dataset"))?;
        region_of.push(Some(resolved.county_state[c as usize] as u32));
        outline_of.push(ds.counties[c as usize].state as u32);
    }
    Ok((region_of, outline_of))
}

/// Says which states the map cannot draw (admitted territories have no county shapes).
fn not_drawn(resolved: &ResolvedScenario) -> Option<String> {
    let names: Vec<&str> =
        resolved.states.iter().filter(|s| s.admitted.is_some()).map(|s| s.name.as_str()).collect();
    (!names.is_empty()).then(|| format!("Not drawn (no county shapes): {}", names.join(", ")))
}

fn scenario_map(name: &str, args: &Args) -> anyhow::Result<String> {
    let ds = Dataset::embedded();
    let resolved = resolve(name, ds)?;
    render_scenario(&resolved, args.title.clone(), args.national)
}

/// The map of a resolved scenario's lines (also used by `redraw split --map`).
pub fn render_scenario(
    resolved: &ResolvedScenario,
    title: Option<String>,
    national: bool,
) -> anyhow::Result<String> {
    let ds = Dataset::embedded();
    let resolved = resolved.clone();
    let cmp = compare(ds, &resolved, &EvalOptions::default())?;
    let layer = redraw_geo::counties::us_counties()?;
    let (region_of, outline_of) = county_regions(ds, &resolved, &layer)?;
    // Compactness of each resulting state from the county polygons.
    let shapes = redraw_geo::counties::group_shapes(|fips| {
        ds.county_by_fips(fips).map(|c| resolved.county_state[c as usize] as u32)
    })?;
    let base = &cmp.baseline.states;
    let blocs: Vec<&redraw_core::scenario::ResolvedBloc> =
        resolved.seceded.iter().chain(&resolved.coalitions).collect();
    let mut seat_changes: Vec<String> = Vec::new();
    let regions: Vec<MapRegion> = resolved
        .states
        .iter()
        .enumerate()
        .map(|(si, s)| {
            let f = &cmp.scenario.states[si];
            let bloc = blocs.iter().position(|b| b.members.contains(&si));
            let house_today = s.original.map(|o| base[o].house_seats);
            let seats_only = s.status == StateStatus::Unchanged
                && s.in_union
                && bloc.is_none()
                && house_today.is_some_and(|h| h != f.house_seats);
            let lines = s.status != StateStatus::Unchanged || !s.in_union;
            let mut note = format!(
                "{} people · {} House · {} EV",
                millions(f.population),
                f.house_seats,
                f.electoral_votes
            );
            if let Some(e) = f.elections.iter().max_by_key(|e| e.year) {
                match e.margin_pct {
                    Some(m) => note.push_str(&format!(
                        " · {} {}+{:.0}",
                        e.year,
                        if m >= 0.0 { "D" } else { "R" },
                        m.abs()
                    )),
                    None => note.push_str(&format!(" · {} no vote", e.year)),
                }
            }
            if let Some(l) = f.land_sq_mi {
                note.push_str(&format!(" · {}", sq_mi(l)));
            }
            if let Some(sh) = shapes.iter().find(|x| x.district as usize == si) {
                note.push_str(&format!(" · Polsby-Popper {:.2}", sh.polsby_popper));
            }
            if !s.in_union {
                note.push_str(" · leaves the union");
            }
            let (fill, short) = if let Some(b) = bloc {
                (Some(BLOC_COLOURS[b % BLOC_COLOURS.len()].to_string()), s.abbr.clone())
            } else if seats_only {
                let (old, new) = (house_today.unwrap_or(0), f.house_seats);
                seat_changes.push(format!("{} {old}→{new}", s.name));
                (Some(SEAT_CHANGE.to_string()), format!("{} {:+}", s.abbr, new as i64 - old as i64))
            } else {
                (None, s.abbr.clone())
            };
            MapRegion {
                name: if seats_only { short.clone() } else { s.name.clone() },
                short,
                emphasis: lines || bloc.is_some() || seats_only,
                note,
                fill,
                legend: lines && bloc.is_none(),
            }
        })
        .collect();
    let focus: Vec<usize> = if national {
        Vec::new()
    } else {
        // Frame the states whose lines change and the blocs; seat changes elsewhere are shown
        // (and listed) but do not stretch the frame across the country.
        (0..region_of.len())
            .filter(|&i| {
                region_of[i].is_some_and(|r| {
                    let r = r as usize;
                    regions[r].legend || regions[r].fill.as_deref().is_some_and(|f| f != SEAT_CHANGE)
                })
            })
            .collect()
    };
    let mut legend_keys = Vec::new();
    for (b, rb) in blocs.iter().enumerate() {
        let fig = cmp.scenario.blocs.iter().find(|x| x.name == rb.name);
        let mut note = format!(
            "{}: {}",
            if resolved.seceded.iter().any(|x| x.name == rb.name) { "leaves the union" } else { "coalition" },
            fig.map_or(String::new(), |f| f.members.join(", "))
        );
        if let Some(f) = fig {
            let ev_today: u32 = rb
                .members
                .iter()
                .filter_map(|&m| resolved.states[m].original)
                .map(|o| base[o].electoral_votes)
                .sum();
            note.push_str(&format!(
                " · {} people · {ev_today} electoral votes today",
                millions(f.population)
            ));
            if let Some(e) = &f.economy {
                note.push_str(&format!(
                    " · GDP {} ${:.2} tn ({:.1}% of US)",
                    e.year,
                    e.gdp_usd / 1e12,
                    100.0 * e.gdp_share
                ));
            }
        }
        legend_keys.push(LegendKey {
            fill: BLOC_COLOURS[b % BLOC_COLOURS.len()].into(),
            label: rb.name.clone(),
            note,
        });
    }
    if !seat_changes.is_empty() {
        legend_keys.push(LegendKey {
            fill: SEAT_CHANGE.into(),
            label: "Same lines, House seats change".into(),
            note: seat_changes.join(" · "),
        });
    }
    let (sc, base) = (&cmp.scenario, &cmp.baseline);
    let mut subtitle = vec![format!(
        "{} states in the union (today {}) · {} senators · {} electoral votes · House of {} apportioned by {} on the {} census",
        sc.union_states, base.union_states, sc.senators, sc.electoral_votes, sc.house_size, sc.method, sc.census
    )];
    let elections: Vec<String> = sc
        .elections
        .iter()
        .zip(&base.elections)
        .map(|(e, b)| {
            format!(
                "{} D {} – R {} (today D {} – R {})",
                e.year,
                e.electoral_votes_dem,
                e.electoral_votes_rep,
                b.electoral_votes_dem,
                b.electoral_votes_rep
            )
        })
        .collect();
    if !elections.is_empty() {
        subtitle
            .push(format!("Electoral College, pledged electors under this map: {}", elections.join(" · ")));
    }
    if let Some(n) = not_drawn(&resolved) {
        subtitle.push(n);
    }
    let spec = MapSpec {
        layer: &layer,
        region_of,
        regions,
        outline_of: Some(outline_of),
        title: title.unwrap_or_else(|| resolved.title.clone()),
        subtitle,
        projection: MapProjection::AlbersUsa,
        focus: Some(focus),
        unit_lines: None,
        legend_title: if resolved.states.iter().any(|s| s.status != StateStatus::Unchanged) {
            "New and changed states".into()
        } else {
            "Blocs".into()
        },
        region_legend: true,
        legend_keys,
        footer: "Counties: US Census Bureau 2017 cartographic boundaries via us-atlas (ISC). Figures: redraw scenario (2020 census; certified results, pledged electors).".into(),
    };
    Ok(render_map(&spec))
}

/// Partisan shades (ColorBrewer RdBu, colour-blind-safe): D by 15+, 5-15, under 5; R likewise.
const EC_SHADES: [(&str, &str); 6] = [
    ("#2166ac", "D by 15 points or more"),
    ("#67a9cf", "D by 5 to 15"),
    ("#d1e5f0", "D by under 5"),
    ("#fddbc7", "R by under 5"),
    ("#ef8a62", "R by 5 to 15"),
    ("#b2182b", "R by 15 points or more"),
];

fn shade(m: f64) -> &'static str {
    let i = if m >= 15.0 {
        0
    } else if m >= 5.0 {
        1
    } else if m > 0.0 {
        2
    } else if m > -5.0 {
        3
    } else if m > -15.0 {
        4
    } else {
        5
    };
    EC_SHADES[i].0
}

fn ec_map(name: &str, args: &Args) -> anyhow::Result<String> {
    let ds = Dataset::embedded();
    let year = args.ec.expect("--ec");
    let resolved = resolve(name, ds)?;
    let opts = EvalOptions { elections: vec![year], ec_rule: args.ec_rule, ..EvalOptions::default() };
    let cmp = compare(ds, &resolved, &opts)?;
    let layer = redraw_geo::counties::us_counties()?;
    let (region_of, outline_of) = county_regions(ds, &resolved, &layer)?;
    let regions: Vec<MapRegion> = resolved
        .states
        .iter()
        .enumerate()
        .map(|(si, s)| {
            let f = &cmp.scenario.states[si];
            let e = &f.elections[0];
            let (fill, emphasis) = if !s.in_union {
                ("#ffffff".to_string(), false)
            } else {
                match e.margin_pct {
                    Some(m) => (shade(m).to_string(), true),
                    None => ("#ffffff".to_string(), true),
                }
            };
            let ev = if s.in_union { format!(" {}", f.electoral_votes) } else { String::new() };
            MapRegion {
                name: format!("{}{ev}", s.abbr),
                short: format!("{}{ev}", s.abbr),
                emphasis,
                note: String::new(),
                fill: Some(fill),
                legend: false,
            }
        })
        .collect();
    let (e, b) = (&cmp.scenario.elections[0], &cmp.baseline.elections[0]);
    let winner = |w: Option<redraw_core::evaluate::Party>| {
        w.map_or("no majority".to_string(), |p| format!("{} wins", p.letter()))
    };
    let mut subtitle = vec![
        format!(
            "Pledged electors under this map ({}): D {} – R {}, {} · today D {} – R {}",
            args.ec_rule.short_label().to_lowercase(),
            e.electoral_votes_dem,
            e.electoral_votes_rep,
            winner(e.winner),
            b.electoral_votes_dem,
            b.electoral_votes_rep
        ),
        format!(
            "{} certified results by county, summed into the scenario's states · electors of the {} census · labels: electoral votes",
            year.year(),
            e.census
        ),
    ];
    if e.electoral_votes_not_cast > 0 {
        subtitle.push(format!(
            "{} electoral votes not cast (no votes, no assumed lean)",
            e.electoral_votes_not_cast
        ));
    }
    if let Some(n) = not_drawn(&resolved) {
        subtitle.push(n);
    }
    let mut legend_keys: Vec<LegendKey> = EC_SHADES
        .iter()
        .map(|(f, l)| LegendKey { fill: f.to_string(), label: l.to_string(), note: String::new() })
        .collect();
    legend_keys.push(LegendKey {
        fill: "#ffffff".into(),
        label: "Not voting or left the union".into(),
        note: "Shade: presidential margin · D − R as a share of all votes".into(),
    });
    // Small states are hard to label on a national map: list them.
    let small: Vec<String> = cmp
        .scenario
        .states
        .iter()
        .filter(|f| f.in_union && f.land_sq_mi.is_none_or(|l| l < 12_000.0))
        .map(|f| {
            let w = f.elections[0].winner.map_or("no vote", |p| p.letter());
            format!("{} {} {w}", f.abbr, f.electoral_votes)
        })
        .collect();
    if !small.is_empty() {
        legend_keys.push(LegendKey {
            fill: "#f5f5f5".into(),
            label: "Small states".into(),
            note: small.join(" · "),
        });
    }
    let spec = MapSpec {
        layer: &layer,
        region_of,
        regions,
        outline_of: Some(outline_of),
        title: args
            .title
            .clone()
            .unwrap_or_else(|| format!("{}: the {} Electoral College", resolved.title, year.year())),
        subtitle,
        projection: MapProjection::AlbersUsa,
        focus: None,
        unit_lines: Some(false),
        legend_title: format!("{} margin", year.year()),
        region_legend: false,
        legend_keys,
        footer: "Counties: US Census Bureau 2017 cartographic boundaries via us-atlas (ISC). Results: MIT Election Lab (2012-2020), county returns 2024; pledged electors.".into(),
    };
    Ok(render_map(&spec))
}

/// Reads `id,district` pairs from a plan CSV: unit id -> (district, CSV line). An empty
/// district or a repeated unit is an error naming the line.
fn read_plan(
    path: &Path,
    id_col: &str,
    district_col: Option<&str>,
) -> anyhow::Result<HashMap<String, (String, u64)>> {
    let file = std::fs::File::open(path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut rdr =
        csv::Reader::from_reader(redraw_graph::limits::TextGuard::new(std::io::BufReader::new(file)));
    let headers = rdr.headers().with_context(|| format!("cannot read {}", path.display()))?.clone();
    let find =
        |name: &str| headers.iter().position(|h| h.trim_start_matches('\u{feff}').eq_ignore_ascii_case(name));
    let id_at = find(id_col).or_else(|| find("GEOID")).or_else(|| find("fips")).unwrap_or(0);
    let d_at = match district_col {
        Some(c) => find(c).with_context(|| {
            format!(
                "{}: no column `{c}` (columns: {})",
                path.display(),
                headers.iter().collect::<Vec<_>>().join(", ")
            )
        })?,
        None => find("district").unwrap_or(if id_at == 0 { 1 } else { 0 }),
    };
    let mut out = HashMap::new();
    for rec in rdr.records() {
        let rec = rec.with_context(|| format!("cannot read {}", path.display()))?;
        let line = rec.position().map_or(0, |p| p.line());
        let (Some(id), Some(d)) = (rec.get(id_at), rec.get(d_at)) else {
            bail!("{} line {line}: expected an id and a district", path.display());
        };
        let (id, d) = (id.trim(), d.trim());
        if d.is_empty() {
            bail!("{} line {line}: unit `{id}` has an empty district value", path.display());
        }
        if out.insert(id.to_string(), (d.to_string(), line)).is_some() {
            bail!("{} line {line}: unit `{id}` appears twice", path.display());
        }
    }
    Ok(out)
}

fn plan_map(plan_path: &Path, args: &Args) -> anyhow::Result<String> {
    let (layer, ids, id_label): (Layer, Vec<String>, String) = match &args.geometry {
        Some(g) => {
            let layer = redraw_geo::io::read_path(g, args.layer.as_deref())?;
            if !layer.crs.declared {
                eprintln!("note: {}", layer.crs.note);
            }
            let ids = redraw_geo::dual::unique_ids(&layer, &args.id)
                .with_context(|| format!("{}: --id {}", g.display(), args.id))?;
            (layer, ids, args.id.clone())
        }
        None => {
            let layer = redraw_geo::counties::us_counties()?;
            let ids = layer.ids("id")?;
            (layer, ids, "FIPS".into())
        }
    };
    let plan = read_plan(plan_path, &id_label, args.district_col.as_deref())?;
    // Every unit the plan names must be a unit of the geometry: an unknown id is a typo or a
    // plan of other units, never something to skip silently.
    let known: std::collections::HashSet<&str> =
        ids.iter()
            .map(|id| {
                if args.geometry.is_none() {
                    redraw_geo::counties::fips_2020_of(id)[0]
                } else {
                    id.as_str()
                }
            })
            .collect();
    let mut unknown: Vec<(u64, &str)> = plan
        .iter()
        .filter(|(id, _)| !known.contains(id.as_str()))
        .map(|(id, (_, l))| (*l, id.as_str()))
        .collect();
    if !unknown.is_empty() {
        unknown.sort();
        let shown: Vec<String> = unknown.iter().take(5).map(|(_, id)| format!("{id:?}")).collect();
        bail!(
            "{}: {} unit id(s) are not units of the {} (first at line {}): {}{}",
            plan_path.display(),
            unknown.len(),
            if args.geometry.is_some() { "geometry" } else { "embedded counties" },
            unknown[0].0,
            shown.join(", "),
            if unknown.len() > 5 { ", …" } else { "" }
        );
    }
    let plan: HashMap<String, String> = plan.into_iter().map(|(id, (d, _))| (id, d)).collect();
    // On the embedded counties, draw only the counties the plan covers.
    let (layer, ids) = if args.geometry.is_none() {
        let keep: Vec<bool> =
            ids.iter().map(|id| plan.contains_key(redraw_geo::counties::fips_2020_of(id)[0])).collect();
        let mut layer = layer;
        let mut k = keep.iter();
        layer.features.retain(|_| *k.next().unwrap_or(&false));
        layer.warnings.clear();
        let ids = ids.into_iter().zip(&keep).filter(|(_, k)| **k).map(|(id, _)| id).collect();
        (layer, ids)
    } else {
        (layer, ids)
    };
    // Districts in natural order (numbers numerically).
    let mut names: Vec<&String> = plan.values().collect();
    names.sort_by(|a, b| match (a.parse::<i64>(), b.parse::<i64>()) {
        (Ok(x), Ok(y)) => x.cmp(&y),
        _ => a.cmp(b),
    });
    names.dedup();
    let index: HashMap<&str, u32> = names.iter().enumerate().map(|(i, n)| (n.as_str(), i as u32)).collect();
    let mut region_of = Vec::with_capacity(ids.len());
    let mut missing = Vec::new();
    for id in &ids {
        let key =
            if args.geometry.is_none() { redraw_geo::counties::fips_2020_of(id)[0] } else { id.as_str() };
        match plan.get(key) {
            Some(d) => region_of.push(Some(index[d.as_str()])),
            None => {
                missing.push(id.clone());
                region_of.push(None);
            }
        }
    }
    if missing.len() == ids.len() {
        bail!(
            "no unit of the geometry is in {} (ids look like `{}` in the geometry)",
            plan_path.display(),
            ids.first().map_or("", |s| s.as_str())
        );
    }
    if !missing.is_empty() && args.geometry.is_some() {
        eprintln!(
            "note: {} units have no district in the plan and are left white (first: {})",
            missing.len(),
            missing[0]
        );
    }
    // Compactness and population per district.
    let adj = build_adjacency(&layer, &AdjacencyOptions::default());
    let assigned: Vec<u32> = region_of.iter().map(|r| r.unwrap_or(u32::MAX)).collect();
    let shapes = redraw_geo::measure::district_shapes(&layer, &adj, &assigned)?;
    let pops: Option<Vec<f64>> = match &args.pop {
        Some(col) => Some(
            layer
                .features
                .iter()
                .enumerate()
                .map(|(i, f)| {
                    f.properties
                        .get(col)
                        .and_then(|v| v.as_f64().or_else(|| v.as_str().and_then(|s| s.parse().ok())))
                        .with_context(|| format!("unit {} has no numeric `{col}`", ids[i]))
                })
                .collect::<anyhow::Result<_>>()?,
        ),
        None => None,
    };
    let mut dpop: BTreeMap<u32, f64> = BTreeMap::new();
    if let Some(p) = &pops {
        for (i, r) in region_of.iter().enumerate() {
            if let Some(r) = r {
                *dpop.entry(*r).or_default() += p[i];
            }
        }
    }
    let ideal = if dpop.is_empty() { 0.0 } else { dpop.values().sum::<f64>() / names.len() as f64 };
    let regions: Vec<MapRegion> = names
        .iter()
        .enumerate()
        .map(|(r, n)| {
            let s = shapes.iter().find(|s| s.district == r as u32);
            let mut note = String::new();
            if let Some(p) = dpop.get(&(r as u32)) {
                note.push_str(&format!(
                    "pop {} ({:+.2}%) · ",
                    group_thousands(p.round() as i128),
                    (p / ideal - 1.0) * 100.0
                ));
            }
            if let Some(s) = s {
                note.push_str(&format!(
                    "{} unit{} · PP {:.2} · Reock {:.2}",
                    s.units,
                    if s.units == 1 { "" } else { "s" },
                    s.polsby_popper,
                    s.reock
                ));
            }
            let name = if n.parse::<i64>().is_ok() { format!("District {n}") } else { n.to_string() };
            MapRegion { name, short: n.to_string(), emphasis: true, note, fill: None, legend: true }
        })
        .collect();
    let outline_of = match &args.outline {
        Some(col) => {
            let mut keys: HashMap<String, u32> = HashMap::new();
            Some(
                layer
                    .features
                    .iter()
                    .map(|f| {
                        let k = f.property_text(col).unwrap_or_default();
                        let next = keys.len() as u32;
                        *keys.entry(k).or_insert(next)
                    })
                    .collect(),
            )
        }
        None => None,
    };
    let cut = redraw_geo::measure::cut_edges(&adj, &assigned);
    let real: Vec<&redraw_geo::measure::DistrictShape> =
        shapes.iter().filter(|s| s.district != u32::MAX).collect();
    let mean_pp = real.iter().map(|s| s.polsby_popper).sum::<f64>() / real.len().max(1) as f64;
    let mean_reock = real.iter().map(|s| s.reock).sum::<f64>() / real.len().max(1) as f64;
    let subtitle = vec![format!(
        "{} districts on {} units · {} cut edges · mean Polsby-Popper {:.3} · mean Reock {:.3}",
        names.len(),
        ids.len() - missing.len(),
        cut,
        mean_pp,
        mean_reock
    )];
    let projection = if !layer.crs.is_geographic() {
        MapProjection::Identity
    } else if args.geometry.is_none() {
        MapProjection::AlbersUsa
    } else {
        MapProjection::Conic
    };
    let focus: Vec<usize> = (0..ids.len()).filter(|&i| region_of[i].is_some()).collect();
    let spec = MapSpec {
        layer: &layer,
        region_of,
        regions,
        outline_of,
        title: args.title.clone().unwrap_or_else(|| {
            format!(
                "Plan {}",
                plan_path.file_name().map_or(String::new(), |f| f.to_string_lossy().into_owned())
            )
        }),
        subtitle,
        projection,
        focus: Some(focus),
        unit_lines: None,
        legend_title: "Districts".into(),
        region_legend: true,
        legend_keys: Vec::new(),
        footer: match &args.geometry {
            Some(g) => format!("Geometry: {}", g.display()),
            None => "Counties: US Census Bureau 2017 cartographic boundaries via us-atlas (ISC).".into(),
        },
    };
    Ok(render_map(&spec))
}
