//! `redraw map`: SVG maps of scenarios (on the embedded county geometry) and of plans (on the
//! embedded counties or the user's own shapes).

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use anyhow::{bail, Context as _};
use redraw_core::evaluate::{compare, EvalOptions};
use redraw_core::scenario::{ResolveOptions, ResolvedScenario, StateStatus};
use redraw_core::Dataset;
use redraw_geo::adjacency::{build_adjacency, AdjacencyOptions};
use redraw_geo::map::{render_map, MapProjection, MapRegion, MapSpec};
use redraw_geo::Layer;

use crate::output::{self, group_thousands};

/// Draw a map as SVG: a scenario's new states on the embedded US counties, or a districting plan
/// on the embedded counties or on your own shapes.
///
/// Scenario maps colour the new and changed states (neighbours always differ), keep unchanged
/// states as grey context, draw today's state lines over them, and list each new state's
/// population, House seats, electoral votes and 2024 presidential margin in the legend. By
/// default the map frames the changed states; --national shows all 50 states with Alaska and
/// Hawaii as insets.
///
/// Plan maps read a CSV with a unit id column and a district column; with --geometry the units
/// are your polygons (shapefile, GeoJSON, TopoJSON) keyed by --id, otherwise the ids are county
/// FIPS codes. The legend gives each district's units, population (--pop) and Polsby-Popper /
/// Reock compactness.
///
/// Examples:
///   redraw map six-californias -o six.svg
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
    /// Title (default: the scenario's title or the plan file name).
    #[arg(long)]
    pub title: Option<String>,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let svg = match (&args.scenario, &args.plan) {
        (Some(s), None) => scenario_map(s, &args)?,
        (None, Some(p)) => plan_map(p, &args)?,
        (None, None) => {
            bail!("give a scenario (preset name or .toml file) or --plan CSV; see `redraw map --help`")
        }
        (Some(_), Some(_)) => unreachable!("clap rejects a scenario together with --plan"),
    };
    // `.png` output needs the `png` feature of redraw-geo; without it the error says how to build.
    let is_png = args.out.extension().is_some_and(|e| e.eq_ignore_ascii_case("png"));
    let bytes = if is_png { redraw_geo::png::svg_to_png(&svg, None)? } else { svg.into_bytes() };
    output::write_atomic(&args.out, &bytes)?;
    eprintln!("wrote {}", args.out.display());
    Ok(())
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

fn scenario_map(name: &str, args: &Args) -> anyhow::Result<String> {
    let ds = Dataset::embedded();
    let resolved = resolve(name, ds)?;
    let cmp = compare(ds, &resolved, &EvalOptions::default())?;
    let layer = redraw_geo::counties::us_counties()?;
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
    // Compactness of each resulting state from the county polygons.
    let shapes = redraw_geo::counties::group_shapes(|fips| {
        ds.county_by_fips(fips).map(|c| resolved.county_state[c as usize] as u32)
    })?;
    let figures: HashMap<&str, &redraw_core::evaluate::StateFigures> =
        cmp.scenario.states.iter().map(|s| (s.name.as_str(), s)).collect();
    let regions: Vec<MapRegion> = resolved
        .states
        .iter()
        .enumerate()
        .map(|(si, s)| {
            let blocs: Vec<&str> = resolved
                .coalitions
                .iter()
                .chain(&resolved.seceded)
                .filter(|b| b.members.contains(&si))
                .map(|b| b.name.as_str())
                .collect();
            let emphasis = s.status != StateStatus::Unchanged || !s.in_union || !blocs.is_empty();
            let note = figures.get(s.name.as_str()).map_or(String::new(), |f| {
                let mut n = format!(
                    "{} people · {} House · {} EV",
                    millions(f.population),
                    f.house_seats,
                    f.electoral_votes
                );
                if let Some(e) = f.elections.iter().max_by_key(|e| e.year) {
                    let m = e.margin_pct;
                    n.push_str(&format!(" · {} {}+{:.0}", e.year, if m >= 0.0 { "D" } else { "R" }, m.abs()));
                }
                if let Some(sh) = shapes
                    .iter()
                    .find(|x| resolved.states.get(x.district as usize).is_some_and(|t| t.name == s.name))
                {
                    n.push_str(&format!(
                        " · {} km² · Polsby-Popper {:.2}",
                        group_thousands((sh.area_m2 / 1e6).round() as i128),
                        sh.polsby_popper
                    ));
                }
                if !s.in_union {
                    n.push_str(" · leaves the union");
                }
                for b in &blocs {
                    n.push_str(&format!(" · {b}"));
                }
                n
            });
            MapRegion { name: s.name.clone(), short: s.abbr.clone(), emphasis, note }
        })
        .collect();
    let focus: Vec<usize> = if args.national {
        Vec::new()
    } else {
        (0..ids.len()).filter(|&i| region_of[i].is_some_and(|r| regions[r as usize].emphasis)).collect()
    };
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
                "{} D {} – R {} (actual {} – {})",
                e.year,
                e.electoral_votes_dem,
                e.electoral_votes_rep,
                b.electoral_votes_dem,
                b.electoral_votes_rep
            )
        })
        .collect();
    if !elections.is_empty() {
        subtitle.push(format!("Electoral College under this map: {}", elections.join(" · ")));
    }
    let spec = MapSpec {
        layer: &layer,
        region_of,
        regions,
        outline_of: Some(outline_of),
        title: args.title.clone().unwrap_or_else(|| resolved.title.clone()),
        subtitle,
        projection: MapProjection::AlbersUsa,
        focus: Some(focus),
        unit_lines: None,
        legend_title: if resolved.states.iter().any(|s| s.status != StateStatus::Unchanged) {
            "New and changed states".into()
        } else {
            "States in the bloc".into()
        },
        footer: "Counties: US Census Bureau 2017 cartographic boundaries via us-atlas (ISC). Figures: redraw scenario (2020 census, certified results).".into(),
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
            MapRegion { name, short: n.to_string(), emphasis: true, note }
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
        footer: match &args.geometry {
            Some(g) => format!("Geometry: {}", g.display()),
            None => "Counties: US Census Bureau 2017 cartographic boundaries via us-atlas (ISC).".into(),
        },
    };
    Ok(render_map(&spec))
}
