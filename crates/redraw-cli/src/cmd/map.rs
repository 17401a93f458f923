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
    if !missing.is_empty() && args.geometry.is_some() {
        eprintln!(
            "note: {} units have no district in the plan and are left white (first: {})",
            missing.len(),
            missing[0]
        );
    }
    let population: Option<Vec<f64>> = match &args.pop {
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
