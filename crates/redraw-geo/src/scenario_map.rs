//! The map of a scenario on the embedded US counties: what `redraw map SCENARIO` draws and the
//! web app (`redraw serve`) downloads, built by this one function so both give the same bytes.
//!
//! New and changed states are coloured (neighbours always differ), unchanged states are grey
//! context, today's state lines are drawn over them, and the legend gives each new state's
//! population, House seats, electoral votes, latest presidential margin and compactness.

use std::collections::HashMap;

use redraw_core::evaluate::StateFigures;
use redraw_core::scenario::{ResolvedScenario, StateStatus};
use redraw_core::Dataset;
use redraw_core::ScenarioReport;

use crate::error::{GeoError, Result};
use crate::map::{render_map, MapProjection, MapRegion, MapSpec};

/// Choices for [`scenario_map_svg`].
#[derive(Clone, Debug, Default)]
pub struct ScenarioMapOptions {
    /// Frame the whole country (all 50 states, Alaska and Hawaii as insets) instead of the
    /// changed states.
    pub national: bool,
    /// Title (default: the scenario's title).
    pub title: Option<String>,
}

fn millions(p: u64) -> String {
    if p >= 1_000_000 {
        format!("{:.1} M", p as f64 / 1e6)
    } else {
        format!("{} k", (p as f64 / 1e3).round())
    }
}

/// `1234567` as `1,234,567`.
fn thousands(v: u64) -> String {
    let d = v.to_string();
    let mut out = String::with_capacity(d.len() + d.len() / 3);
    for (i, ch) in d.chars().enumerate() {
        if i > 0 && (d.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

/// The SVG map of a resolved scenario, with the figures of `cmp` (evaluated with the default
/// options: 2020 census, Huntington-Hill, 435 seats) in its subtitle and legend.
pub fn scenario_map_svg(
    ds: &Dataset,
    resolved: &ResolvedScenario,
    cmp: &ScenarioReport,
    opts: &ScenarioMapOptions,
) -> Result<String> {
    let layer = crate::counties::us_counties()?;
    let ids = layer.ids("id")?;
    let mut region_of = Vec::with_capacity(ids.len());
    let mut outline_of = Vec::with_capacity(ids.len());
    for id in &ids {
        // A 2017 polygon stands for one or two 2020 counties (Valdez-Cordova); both are always
        // in the same resulting state, so the first decides.
        let fips = crate::counties::fips_2020_of(id)[0];
        let c = ds.county_by_fips(fips).ok_or_else(|| {
            GeoError::Input(format!("county {fips} of the embedded geometry is not in the dataset"))
        })?;
        region_of.push(Some(resolved.county_state[c as usize] as u32));
        outline_of.push(ds.counties[c as usize].state as u32);
    }
    // Compactness of each resulting state from the county polygons.
    let shapes = crate::counties::group_shapes(|fips| {
        ds.county_by_fips(fips).map(|c| resolved.county_state[c as usize] as u32)
    })?;
    let figures: HashMap<&str, &StateFigures> =
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
                        thousands((sh.area_m2 / 1e6).round() as u64),
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
    let focus: Vec<usize> = if opts.national {
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
        title: opts.title.clone().unwrap_or_else(|| resolved.title.clone()),
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

#[cfg(test)]
mod tests {
    use super::*;
    use redraw_core::evaluate::{compare, EvalOptions};

    #[test]
    fn cal_3_map_names_its_parts_and_figures() {
        let ds = Dataset::embedded();
        let resolved =
            redraw_core::scenario::preset("cal-3").unwrap().resolve(ds, &Default::default()).unwrap();
        let cmp = compare(ds, &resolved, &EvalOptions::default()).unwrap();
        let svg = scenario_map_svg(ds, &resolved, &cmp, &Default::default()).unwrap();
        assert!(svg.starts_with("<svg") || svg.starts_with("<?xml"), "{}", &svg[..40]);
        for s in [
            "Northern California",
            "Southern California",
            "Cal 3 (2018 Proposition 9)",
            "New and changed states",
        ] {
            assert!(svg.contains(s), "{s}");
        }
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(thousands(999), "999");
    }
}
