//! `redraw map`: SVG maps of scenarios (on the embedded county geometry) and of plans (on the
//! embedded counties or the user's own shapes).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context as _};
use redraw_core::scenario::{ResolveOptions, ResolvedScenario};
use redraw_core::Dataset;
use redraw_geo::map::MapProjection;
use redraw_geo::plan_map::{plan_map_svg, PlanMap};
use redraw_geo::Layer;

use crate::output;

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
/// Reock compactness. With --election the districts are shaded by winner and two-party margin
/// (the votes are columns of --graph, matched to the polygons by id, or of --geometry); with
/// --geometry, county borders (the first --county-prefix characters of the ids, or --outline)
/// are drawn dashed over the districts, as in `redraw judge`'s report.
///
/// Examples:
///   redraw map six-californias -o six.svg
///   redraw map six-californias --ec 2024 -o six-ec-2024.svg
///   redraw map greater-idaho --national -o idaho.svg
///   redraw map my-scenario.toml -o mine.svg
///   redraw map --geometry tl_2020_42_vtd20.shp --id GEOID20 --plan PA_cd_2022_vtds.csv --pop P0010001 -o pa.svg
///   redraw map --geometry NC_2020_vtd.topojson --plan NC_cd_2022_vtds.csv \
///       --graph NC_2020_graph.json --pop TOTAL_POP --election COMP=DEM_VOTES,REP_VOTES -o nc.svg
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
    /// Population attribute of --geometry (a column of --graph when given), for district
    /// populations and deviations.
    #[arg(long, value_name = "COL")]
    pub pop: Option<String>,
    /// Attribute of --geometry whose groups get outlines (e.g. a county code); overrides
    /// --county-prefix.
    #[arg(long, value_name = "COL")]
    pub outline: Option<String>,
    /// With --geometry: county borders from the first N characters of the unit ids (5 = state
    /// and county FIPS of Census GEOIDs; 0 = none). Used only when every id starts with N digits.
    #[arg(long, value_name = "N", default_value_t = 5, requires = "geometry")]
    pub county_prefix: usize,
    /// Shade districts by the winner and two-party margin of this election: NAME=DEM_COL,REP_COL
    /// (columns of --graph, else attributes of --geometry).
    #[arg(long, value_name = "NAME=DEM,REP", requires = "geometry")]
    pub election: Option<String>,
    /// A graph of the units (networkx JSON, rdabase, ...) whose node columns give --election's
    /// votes and --pop, matched to the polygons by --key.
    #[arg(long, value_name = "FILE", requires = "geometry")]
    pub graph: Option<PathBuf>,
    /// Unit-id column of --graph.
    #[arg(long, value_name = "COL", default_value = "GEOID")]
    pub key: String,
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

fn scenario_map(name: &str, args: &Args) -> anyhow::Result<String> {
    let ds = Dataset::embedded();
    let resolved = resolve(name, ds)?;
    render_scenario(&resolved, args.title.clone(), args.national)
}

/// The map of a resolved scenario's lines (also used by `redraw split --map`). The library draws
/// it, so `redraw serve` downloads exactly this map.
pub fn render_scenario(
    resolved: &ResolvedScenario,
    title: Option<String>,
    national: bool,
) -> anyhow::Result<String> {
    Ok(redraw_geo::scenario_map::scenario_map_svg(Dataset::embedded(), resolved, title, national)?)
}

fn ec_map(name: &str, args: &Args) -> anyhow::Result<String> {
    let ds = Dataset::embedded();
    let resolved = resolve(name, ds)?;
    let year = args.ec.expect("--ec");
    Ok(redraw_geo::scenario_map::ec_map_svg(ds, &resolved, year, args.ec_rule, args.title.clone())?)
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
        // Real ids from both sides, so a wrong id column or another level is seen at once.
        let mut theirs: Vec<&str> = known.iter().copied().collect();
        theirs.sort_unstable();
        let theirs: Vec<String> = theirs.iter().take(3).map(|id| format!("{id:?}")).collect();
        bail!(
            "{}: {} unit id(s) are not units of the {} (first at line {}): {}{}; the {} ids ({} {}) look like {}, …",
            plan_path.display(),
            unknown.len(),
            if args.geometry.is_some() { "geometry" } else { "embedded counties" },
            unknown[0].0,
            shown.join(", "),
            if unknown.len() > 5 { ", …" } else { "" },
            if args.geometry.is_some() { "geometry's" } else { "counties'" },
            known.len(),
            if args.geometry.is_some() { format!("from --id {}", args.id) } else { "FIPS codes".to_string() },
            theirs.join(", ")
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
    if let Some(g) = &args.geometry {
        if !missing.is_empty() {
            eprintln!(
                "note: {} units have no district in the plan and are not drawn (first: {})",
                missing.len(),
                missing[0]
            );
        }
        return styled_plan_map(plan_path, g, args, layer, &ids, &region_of, &names);
    }
    let population: Option<Vec<f64>> = match &args.pop {
        Some(col) => Some(unit_values(&layer, &ids, None, &args.key, col, "population")?),
        None => None,
    };
    let outline_of = args
        .outline
        .as_ref()
        .map(|col| dense_keys(layer.features.iter().map(|f| f.property_text(col).unwrap_or_default())));
    let projection = if !layer.crs.is_geographic() {
        MapProjection::Identity
    } else if args.geometry.is_none() {
        MapProjection::AlbersUsa
    } else {
        MapProjection::Conic
    };
    // The library draws it, so the web app's ensemble viewer shows plans the same way.
    Ok(plan_map_svg(&PlanMap {
        layer: &layer,
        region_of,
        names: names.iter().map(|n| n.to_string()).collect(),
        population,
        outline_of,
        projection,
        title: args.title.clone().unwrap_or_else(|| {
            format!(
                "Plan {}",
                plan_path.file_name().map_or(String::new(), |f| f.to_string_lossy().into_owned())
            )
        }),
        footer: match &args.geometry {
            Some(g) => format!("Geometry: {}", g.display()),
            None => "Counties: US Census Bureau 2017 cartographic boundaries via us-atlas (ISC).".into(),
        },
    })?)
}

/// Dense group numbers (0, 1, …, in order of first appearance) of per-unit keys: the outline
/// groups (counties) of a map.
fn dense_keys(keys: impl Iterator<Item = String>) -> Vec<u32> {
    let mut seen: HashMap<String, u32> = HashMap::new();
    keys.map(|k| {
        let next = seen.len() as u32;
        *seen.entry(k).or_insert(next)
    })
    .collect()
}

/// Per-unit numbers for the drawn units: a column of `--graph` matched by id, or an attribute
/// of the polygons.
fn unit_values(
    layer: &Layer,
    ids: &[String],
    graph: Option<&(redraw_graph::Graph, HashMap<String, usize>, PathBuf)>,
    key: &str,
    col: &str,
    what: &str,
) -> anyhow::Result<Vec<f64>> {
    match graph {
        Some((g, index, path)) => {
            let values =
                g.column_f64(col).with_context(|| format!("{}: {what} column {col:?}", path.display()))?;
            ids.iter()
                .map(|id| {
                    index.get(id.as_str()).map(|&n| values[n]).with_context(|| {
                        format!(
                            "{}: unit {id:?} of the geometry is not a node of the graph (matched on --key {key})",
                            path.display()
                        )
                    })
                })
                .collect()
        }
        None => layer
            .features
            .iter()
            .enumerate()
            .map(|(i, f)| {
                f.properties
                    .get(col)
                    .and_then(|v| v.as_f64().or_else(|| v.as_str().and_then(|s| s.trim().parse().ok())))
                    .with_context(|| format!("unit {} has no numeric {what} attribute `{col}`", ids[i]))
            })
            .collect(),
    }
}

/// The plan on the user's polygons as `redraw judge` draws it: districts shaded by winner and
/// margin when an election is given (distinct colours otherwise), district numbers, county
/// borders dashed over them, the state outline, and each district's figures in the legend.
fn styled_plan_map(
    plan_path: &Path,
    geometry: &Path,
    args: &Args,
    mut layer: Layer,
    ids: &[String],
    region_of: &[Option<u32>],
    names: &[&String],
) -> anyhow::Result<String> {
    // Only the units the plan assigns are drawn (the note above said how many are left out).
    let keep: Vec<bool> = region_of.iter().map(Option::is_some).collect();
    let mut k = keep.iter();
    layer.features.retain(|_| *k.next().unwrap_or(&false));
    let ids: Vec<String> = ids.iter().zip(&keep).filter(|(_, k)| **k).map(|(i, _)| i.clone()).collect();
    let assignment: Vec<u32> = region_of.iter().flatten().copied().collect();
    let plan = redraw_graph::Plan::new(assignment, names.iter().map(|n| n.to_string()).collect())
        .with_context(|| format!("{}: the plan", plan_path.display()))?;

    let graph = match &args.graph {
        Some(path) => {
            let (loaded, _) = redraw_graph::io::read_graph(path, None, &args.key)
                .with_context(|| format!("cannot read the graph {}", path.display()))?;
            let g = loaded.graph;
            let gids =
                redraw_graph::plan::unit_ids(&g, g.column(&args.key).is_ok().then_some(args.key.as_str()))?;
            let index: HashMap<String, usize> = gids.into_iter().enumerate().map(|(i, s)| (s, i)).collect();
            Some((g, index, path.clone()))
        }
        None => None,
    };
    let population = match &args.pop {
        Some(col) => unit_values(&layer, &ids, graph.as_ref(), &args.key, col, "population")?,
        None => vec![0.0; ids.len()],
    };
    let votes = match &args.election {
        Some(spec) => {
            let (name, d, r) = super::judge::parse_election(spec)?;
            let dem = unit_values(&layer, &ids, graph.as_ref(), &args.key, &d, "Democratic votes")?;
            let rep = unit_values(&layer, &ids, graph.as_ref(), &args.key, &r, "Republican votes")?;
            Some((name, dem, rep))
        }
        None => None,
    };
    // County borders: --outline's attribute, else the ids' first --county-prefix digits.
    let counties: Option<Vec<u32>> = match (&args.outline, args.county_prefix) {
        (Some(col), _) => {
            Some(dense_keys(layer.features.iter().map(|f| f.property_text(col).unwrap_or_default())))
        }
        (None, 0) => None,
        (None, n) => ids
            .iter()
            .all(|id| id.len() > n && id.as_bytes()[..n].iter().all(u8::is_ascii_digit))
            .then(|| dense_keys(ids.iter().map(|id| id[..n].to_string()))),
    };
    let adj =
        redraw_geo::adjacency::build_adjacency(&layer, &redraw_geo::adjacency::AdjacencyOptions::default());
    let index = redraw_geo::measure::ShapeIndex::new(&layer);
    let shapes = redraw_judge::judge::DistrictCompactness::per_district(
        &index.district_shapes(&adj, plan.assignment())?,
        plan.district_count(),
    );
    Ok(redraw_judge::plan_map::render(&redraw_judge::plan_map::PlanMap {
        layer: &layer,
        plan: &plan,
        votes: votes.as_ref().map(|(n, d, r)| (n.as_str(), d.as_slice(), r.as_slice())),
        counties: counties.as_deref(),
        population: &population,
        shapes: &shapes,
        title: args.title.clone().unwrap_or_else(|| {
            format!(
                "Plan {}",
                plan_path.file_name().map_or(String::new(), |f| f.to_string_lossy().into_owned())
            )
        }),
        source: geometry.display().to_string(),
        district_legend: true,
    }))
}
