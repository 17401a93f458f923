//! The maps of a scenario on the embedded US counties: its lines ([`scenario_map_svg`], what
//! `redraw map NAME` writes and the web app downloads) and its Electoral College
//! ([`ec_map_svg`], `redraw map NAME --ec YEAR`). They live here, not in the CLI, so every front
//! end draws the same bytes.
//!
//! Lines: new and changed states are coloured (neighbours always differ), each bloc gets one
//! colour-blind-safe colour, states that only gain or lose House seats are shaded, the rest is
//! grey context under today's state lines, and the legend gives each new state's population,
//! House seats, electoral votes, latest margin, land and compactness.

use redraw_core::evaluate::{compare, EcRule, EvalOptions};
use redraw_core::scenario::{ResolvedScenario, StateStatus};
use redraw_core::{Dataset, ElectionYear};

use crate::error::{GeoError, Result};
use crate::map::{render_map, LegendKey, MapProjection, MapRegion, MapSpec};
use crate::model::Layer;

/// `1234567` as `1,234,567`.
fn thousands(v: u64) -> String {
    redraw_core::text::group_thousands(v.into())
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
    format!("{} sq mi", thousands(v.round() as u64))
}

/// Region of every county polygon of the embedded geometry, and its state of today.
fn county_regions(
    ds: &Dataset,
    resolved: &ResolvedScenario,
    layer: &Layer,
) -> Result<(Vec<Option<u32>>, Vec<u32>)> {
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
    Ok((region_of, outline_of))
}

/// Says which states the map cannot draw (admitted territories have no county shapes).
fn not_drawn(resolved: &ResolvedScenario) -> Option<String> {
    let names: Vec<&str> =
        resolved.states.iter().filter(|s| s.admitted.is_some()).map(|s| s.name.as_str()).collect();
    (!names.is_empty()).then(|| format!("Not drawn (no county shapes): {}", names.join(", ")))
}

/// The map of a resolved scenario's lines, with the figures of the default evaluation (2020
/// census, Huntington-Hill, 435 seats): `redraw map NAME`, `redraw split --map` and the web
/// app's download.
pub fn scenario_map_svg(
    ds: &Dataset,
    resolved: &ResolvedScenario,
    title: Option<String>,
    national: bool,
) -> Result<String> {
    let resolved = resolved.clone();
    let cmp = compare(ds, &resolved, &EvalOptions::default()).map_err(|e| GeoError::Input(e.to_string()))?;
    let layer = crate::counties::us_counties()?;
    let (region_of, outline_of) = county_regions(ds, &resolved, &layer)?;
    // Compactness of each resulting state from the county polygons.
    let shapes = crate::counties::group_shapes(|fips| {
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

/// The Electoral College of one election under a scenario: every state red or blue, lighter the
/// closer its margin, labelled with its electors (`redraw map NAME --ec YEAR`).
pub fn ec_map_svg(
    ds: &Dataset,
    resolved: &ResolvedScenario,
    year: ElectionYear,
    rule: EcRule,
    title: Option<String>,
) -> Result<String> {
    let opts = EvalOptions { elections: vec![year], ec_rule: rule, ..EvalOptions::default() };
    let cmp = compare(ds, resolved, &opts).map_err(|e| GeoError::Input(e.to_string()))?;
    let layer = crate::counties::us_counties()?;
    let (region_of, outline_of) = county_regions(ds, resolved, &layer)?;
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
            rule.short_label().to_lowercase(),
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
    if let Some(n) = not_drawn(resolved) {
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
        title: title.unwrap_or_else(|| format!("{}: the {} Electoral College", resolved.title, year.year())),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cal_3_map_names_its_parts_and_figures() {
        let ds = Dataset::embedded();
        let resolved =
            redraw_core::scenario::preset("cal-3").unwrap().resolve(ds, &Default::default()).unwrap();
        let svg = scenario_map_svg(ds, &resolved, None, false).unwrap();
        assert!(svg.starts_with("<svg"), "{}", &svg[..40]);
        for s in [
            "Northern California",
            "Southern California",
            "Cal 3 (2018 Proposition 9)",
            "New and changed states",
        ] {
            assert!(svg.contains(s), "{s}");
        }
        let ec = ec_map_svg(ds, &resolved, ElectionYear::Y2024, EcRule::default(), None).unwrap();
        assert!(ec.contains("the 2024 Electoral College"));
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(thousands(999), "999");
    }
}
