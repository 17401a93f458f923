//! The map of a plan for reports and `redraw map --plan`: districts coloured by the winner and
//! the margin of an election (colour-blind-safe ColorBrewer RdBu shades), district numbers,
//! county borders drawn over the districts, and the state outline.

use redraw_geo::map::{render_map_styled, LegendKey, MapProjection, MapRegion, MapSpec, MapStyle};
use redraw_geo::Layer;
use redraw_graph::Plan;

use crate::judge::DistrictCompactness;
use crate::report::thousands;

/// Partisan shades by two-party margin (D − R, points): D by 15+, 5–15, under 5; R likewise.
pub const SHADES: [(&str, &str); 6] = [
    ("#2166ac", "D by 15 points or more"),
    ("#67a9cf", "D by 5 to 15"),
    ("#d1e5f0", "D by under 5"),
    ("#fddbc7", "R by under 5"),
    ("#ef8a62", "R by 5 to 15"),
    ("#b2182b", "R by 15 points or more"),
];

/// The shade of a margin `m` (points, D − R); an exact tie is white.
pub fn shade(m: f64) -> &'static str {
    if m == 0.0 {
        return "#ffffff";
    }
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
    SHADES[i].0
}

/// What the map shows. `layer` holds one polygon per graph node, in node order.
pub struct PlanMap<'a> {
    pub layer: &'a Layer,
    pub plan: &'a Plan,
    /// `(election name, dem, rep)` per unit; without it districts get distinct colours.
    pub votes: Option<(&'a str, &'a [f64], &'a [f64])>,
    /// Dense county id per unit: county borders are drawn over the districts.
    pub counties: Option<&'a [u32]>,
    pub population: &'a [f64],
    /// Per district index (empty: not shown).
    pub shapes: &'a [DistrictCompactness],
    pub title: String,
    /// Where the polygons come from (the footer).
    pub source: String,
    /// List every district with its figures in the legend (a standalone map); reports leave it
    /// out, their district table has the figures.
    pub district_legend: bool,
}

/// The SVG map.
pub fn render(p: &PlanMap) -> String {
    let k = p.plan.district_count();
    let a = p.plan.assignment();
    let mut pop = vec![0.0; k];
    for (i, &d) in a.iter().enumerate() {
        pop[d as usize] += p.population.get(i).copied().unwrap_or(0.0);
    }
    let ideal = pop.iter().sum::<f64>() / k.max(1) as f64;
    let tallies = p.votes.map(|(_, dem, rep)| {
        let (mut dd, mut rr) = (vec![0.0; k], vec![0.0; k]);
        for (i, &d) in a.iter().enumerate() {
            dd[d as usize] += dem.get(i).copied().unwrap_or(0.0);
            rr[d as usize] += rep.get(i).copied().unwrap_or(0.0);
        }
        (dd, rr)
    });
    let regions: Vec<MapRegion> = (0..k)
        .map(|d| {
            let label = &p.plan.district_labels()[d];
            let mut note = format!("pop {} ({:+.2}%)", thousands(pop[d]), 100.0 * (pop[d] / ideal - 1.0));
            let mut fill = None;
            if let Some((dd, rr)) = &tallies {
                let t = dd[d] + rr[d];
                if t > 0.0 {
                    let margin = 100.0 * (dd[d] - rr[d]) / t;
                    fill = Some(shade(margin).to_string());
                    let who = if margin > 0.0 {
                        format!("D+{:.1}", margin)
                    } else if margin < 0.0 {
                        format!("R+{:.1}", -margin)
                    } else {
                        "tie".into()
                    };
                    note = format!("{who} · {note}");
                }
            }
            if let Some(s) = p.shapes.get(d) {
                note.push_str(&format!(" · PP {:.2} · Reock {:.2}", s.polsby_popper, s.reock));
            }
            // The map shows district numbers alone (long names would be shortened only where
            // they collide, mixing "District 5" with a bare "6").
            MapRegion { name: label.clone(), short: label.clone(), emphasis: true, note, fill, legend: true }
        })
        .collect();
    let mut subtitle = Vec::new();
    if p.district_legend {
        subtitle.push(format!("{k} districts on {} units", a.len()));
    }
    let mut legend_keys = Vec::new();
    if let Some((name, _, _)) = p.votes {
        subtitle.push(format!(
            "Districts shaded by the winner and two-party margin of {name}; numbers are district numbers"
        ));
        legend_keys = SHADES
            .iter()
            .map(|(f, l)| LegendKey { fill: f.to_string(), label: l.to_string(), note: String::new() })
            .collect();
    }
    subtitle.push(
        if p.counties.is_some() {
            "Heavy lines: district borders and the state outline; dashed lines: county borders"
        } else {
            "Heavy lines: district borders and the state outline"
        }
        .to_string(),
    );
    // County borders over the districts; without counties every unit shares one key, which
    // leaves only the outer outline.
    let outline_of: Vec<u32> = match p.counties {
        Some(c) => c.to_vec(),
        None => vec![0; a.len()],
    };
    let spec = MapSpec {
        layer: p.layer,
        region_of: a.iter().map(|&d| Some(d)).collect(),
        regions,
        outline_of: Some(outline_of),
        title: p.title.clone(),
        subtitle,
        projection: if p.layer.crs.is_geographic() { MapProjection::Conic } else { MapProjection::Identity },
        focus: None,
        unit_lines: Some(false),
        legend_title: if p.district_legend || legend_keys.is_empty() {
            "Districts".into()
        } else {
            "Two-party margin".into()
        },
        region_legend: p.district_legend || legend_keys.is_empty(),
        legend_keys,
        footer: format!("Polygons: {}", p.source),
    };
    let style = MapStyle {
        outline_label: p.counties.is_some().then(|| "county borders".into()),
        boundary_label: Some("district borders and state outline".into()),
        regions_heavy: true,
    };
    render_map_styled(&spec, &style)
}
