//! SVG maps of regions (new states, districts) made of units (counties, precincts).
//!
//! The map is built from the units' shared boundaries, like a topology: every ring edge is
//! snapped (the same grid as [`crate::adjacency`]) and keyed by its two vertices, so
//! - a region's fill is the set of its units' edges that are not shared with another unit of
//!   the same region (a dissolve without polygon union), drawn with the even-odd rule so
//!   enclaves and holes come out right;
//! - region borders are edges whose two sides lie in different regions;
//! - original-state outlines are edges whose two sides have different `outline` keys, or that
//!   lie on the outside;
//! - regions are coloured by DSatur greedy colouring of the region adjacency, so neighbours
//!   always differ.
//!
//! Coordinates are projected ([`MapProjection`]), then rounded to a quarter pixel; rounding
//! each vertex on its own (not per ring) keeps shared boundaries identical on both sides.

use crate::adjacency::{FxMap, FxSet};
use crate::model::{Layer, Point};
use crate::projection::{AlbersUsa, ConicEqualArea};
use crate::svg::{esc, num, Svg, PALETTE};
use std::fmt::Write as _;

/// How to turn coordinates into the plane.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MapProjection {
    /// d3's Albers USA with Alaska and Hawaii insets (lon/lat input; 50 states + DC).
    AlbersUsa,
    /// An Albers equal-area conic fitted to the data (lon/lat input).
    Conic,
    /// The coordinates as they are (projected input).
    Identity,
}

/// One region of the map (a new state, a district).
#[derive(Clone, Debug, Default)]
pub struct MapRegion {
    /// Full name for the legend and, when it fits, the label.
    pub name: String,
    /// Short label used when the name does not fit (an abbreviation or district number).
    pub short: String,
    /// Emphasised regions get palette colours, a legend entry and a dark label; the others
    /// (e.g. unchanged states around a scenario) are light grey context.
    pub emphasis: bool,
    /// Key figures shown under the name in the legend.
    pub note: String,
    /// A fixed fill (a bloc's colour, a partisan shade) instead of the automatic colouring.
    pub fill: Option<String>,
    /// Listed in the legend with its note (when the map has a region legend).
    pub legend: bool,
}

/// A legend swatch that is not a region (a partisan shade, a bloc).
#[derive(Clone, Debug, Default)]
pub struct LegendKey {
    pub fill: String,
    pub label: String,
    /// Smaller text under the label.
    pub note: String,
}

/// Everything a map needs.
#[derive(Clone, Debug)]
pub struct MapSpec<'a> {
    pub layer: &'a Layer,
    /// Region of each feature (`None`: drawn as "no data").
    pub region_of: Vec<Option<u32>>,
    pub regions: Vec<MapRegion>,
    /// Original state (or any grouping) of each feature, outlined in a heavier line.
    pub outline_of: Option<Vec<u32>>,
    pub title: String,
    pub subtitle: Vec<String>,
    pub projection: MapProjection,
    /// Features to frame (default: all drawn features).
    pub focus: Option<Vec<usize>>,
    /// Draw unit boundaries inside regions (thin white lines). `None`: only when at most
    /// 1,500 units are in view.
    pub unit_lines: Option<bool>,
    /// Legend title.
    pub legend_title: String,
    /// List each emphasised region in the legend (off for maps of every state, which use
    /// `legend_keys` instead).
    pub region_legend: bool,
    /// Swatches listed after the regions (or alone).
    pub legend_keys: Vec<LegendKey>,
    /// Footer line (data sources).
    pub footer: String,
}

const MAP_W: f64 = 900.0;
const MIN_MAP_W: f64 = 560.0;
const MAX_MAP_H: f64 = 720.0;
const LEGEND_W: f64 = 330.0;
const PAD: f64 = 16.0;
const GREY: &str = "#e4e4e4";
const NO_DATA: &str = "#ffffff";

type Q = (i32, i32);

struct Projected {
    /// Per feature, its rings (all polygons): projected points, y down.
    rings: Vec<Vec<Vec<Point>>>,
    /// Per feature, the part of a composite projection it is drawn in (Albers USA: 0 lower 48,
    /// 1 Alaska inset, 2 Hawaii inset; other projections: 0).
    part: Vec<usize>,
}

fn project_layer(layer: &Layer, projection: MapProjection) -> Projected {
    let albers = AlbersUsa::default();
    let conic = layer.bbox().map(ConicEqualArea::fitted);
    let mut rings = Vec::with_capacity(layer.features.len());
    let mut parts = Vec::with_capacity(layer.features.len());
    for f in &layer.features {
        // Albers USA: one inset per feature, chosen at its centre, so a county never straddles.
        let part = match projection {
            MapProjection::AlbersUsa => {
                crate::measure::geographic_centre(f.geometry.iter().flat_map(|p| &p.rings).flatten())
                    .and_then(AlbersUsa::part_of)
            }
            _ => Some(0),
        };
        let Some(part) = part else {
            rings.push(Vec::new());
            parts.push(0);
            continue;
        };
        parts.push(part);
        let project = |q: Point| -> Point {
            match projection {
                MapProjection::AlbersUsa => albers.project_in(part, q),
                MapProjection::Conic => {
                    let p = conic.map_or(q, |c| c.raw(q));
                    [p[0], -p[1]]
                }
                MapProjection::Identity => [q[0], -q[1]],
            }
        };
        rings.push(
            f.geometry
                .iter()
                .flat_map(|p| &p.rings)
                .map(|r| r.iter().map(|&q| project(q)).collect())
                .collect(),
        );
    }
    Projected { rings, part: parts }
}

/// Chains undirected segments into polylines (closed loops where possible), deterministically.
fn chain(segs: &[(Q, Q)]) -> Vec<Vec<Q>> {
    let mut at: FxMap<Q, Vec<usize>> = FxMap::default();
    for (i, (a, b)) in segs.iter().enumerate() {
        at.entry(*a).or_default().push(i);
        at.entry(*b).or_default().push(i);
    }
    let mut used = vec![false; segs.len()];
    let mut out = Vec::new();
    for start in 0..segs.len() {
        if used[start] {
            continue;
        }
        used[start] = true;
        let (a, b) = segs[start];
        let mut line = vec![a, b];
        // Extend forward from the end, then backward from the start.
        for dir in 0..2 {
            loop {
                let end = if dir == 0 { *line.last().unwrap() } else { line[0] };
                let next = at.get(&end).and_then(|v| v.iter().copied().find(|&s| !used[s]));
                let Some(s) = next else { break };
                used[s] = true;
                let (p, q) = segs[s];
                let other = if p == end { q } else { p };
                if dir == 0 {
                    line.push(other);
                } else {
                    line.insert(0, other);
                }
            }
        }
        out.push(line);
    }
    out
}

fn path_data(lines: &[Vec<Q>], scale: f64) -> String {
    let mut d = String::new();
    for l in lines {
        if l.len() < 2 {
            continue;
        }
        let closed = l.first() == l.last();
        let pts = if closed { &l[..l.len() - 1] } else { &l[..] };
        let mut prev: Option<Q> = None;
        for (i, p) in pts.iter().enumerate() {
            // Relative coordinates keep the file small.
            match prev {
                None => {
                    let _ = write!(d, "M{} {}", num(p.0 as f64 / scale), num(p.1 as f64 / scale));
                }
                Some(q) => {
                    let _ = write!(
                        d,
                        "{}{} {}",
                        if i == 1 { "l" } else { " " },
                        num((p.0 - q.0) as f64 / scale),
                        num((p.1 - q.1) as f64 / scale)
                    );
                }
            }
            prev = Some(*p);
        }
        if closed {
            d.push('z');
        }
    }
    d
}

/// DSatur colouring of a region graph with `PALETTE.len()` colours (neighbours differ
/// whenever the graph needs no more; planar maps need at most 4).
fn colour_regions(n: usize, edges: &FxSet<(u32, u32)>, active: &[bool]) -> Vec<usize> {
    let mut nb: Vec<Vec<usize>> = vec![Vec::new(); n];
    for &(a, b) in edges {
        if active[a as usize] && active[b as usize] {
            nb[a as usize].push(b as usize);
            nb[b as usize].push(a as usize);
        }
    }
    let mut colour = vec![usize::MAX; n];
    let todo: Vec<usize> = (0..n).filter(|&i| active[i]).collect();
    for _ in 0..todo.len() {
        // The uncoloured region with the most distinct neighbour colours, then most neighbours.
        let pick = todo.iter().copied().filter(|&i| colour[i] == usize::MAX).max_by_key(|&i| {
            let mut seen: Vec<usize> =
                nb[i].iter().map(|&j| colour[j]).filter(|&c| c != usize::MAX).collect();
            seen.sort_unstable();
            seen.dedup();
            (seen.len(), nb[i].len(), usize::MAX - i)
        });
        let Some(i) = pick else { break };
        let used: Vec<usize> = nb[i].iter().map(|&j| colour[j]).collect();
        // Rotate the starting colour by index so a map of few regions still uses varied hues.
        let c = (0..PALETTE.len())
            .map(|k| (k + i) % PALETTE.len())
            .find(|c| !used.contains(c))
            .unwrap_or(i % PALETTE.len());
        colour[i] = c;
    }
    colour
}

fn ring_area_centroid(r: &[Point]) -> (f64, Point) {
    let n = r.len();
    let (mut a, mut cx, mut cy) = (0.0, 0.0, 0.0);
    for i in 0..n {
        let (p, q) = (r[i], r[(i + 1) % n]);
        let cross = p[0] * q[1] - q[0] * p[1];
        a += cross;
        cx += (p[0] + q[0]) * cross;
        cy += (p[1] + q[1]) * cross;
    }
    if a.abs() < 1e-12 {
        return (0.0, r.first().copied().unwrap_or([0.0, 0.0]));
    }
    (a / 2.0, [cx / (3.0 * a), cy / (3.0 * a)])
}

fn point_in_ring(p: Point, r: &[Point]) -> bool {
    let mut inside = false;
    let n = r.len();
    let mut j = n.wrapping_sub(1);
    for i in 0..n {
        let (a, b) = (r[i], r[j]);
        if (a[1] > p[1]) != (b[1] > p[1]) && p[0] < (b[0] - a[0]) * (p[1] - a[1]) / (b[1] - a[1]) + a[0] {
            inside = !inside;
        }
        j = i;
    }
    inside
}

/// Renders the map as SVG text.
pub fn render_map(spec: &MapSpec) -> String {
    render_map_styled(spec, &MapStyle::default())
}

/// Words of the map's line legend.
#[derive(Clone, Debug, Default)]
pub struct MapStyle {
    /// What the heavy lines are (default: "today's state lines" with `outline_of`, else "outer
    /// boundary").
    pub outline_label: Option<String>,
    /// What the thin lines between regions are (default: "region boundaries").
    pub boundary_label: Option<String>,
    /// A plan map: the borders between regions (districts) and the outer boundary are the heavy
    /// lines, and the `outline_of` borders inside (counties) thin dashed lines over them, so
    /// that two districts of the same shade stay apart. `outline_label` then names the dashed
    /// lines.
    pub regions_heavy: bool,
}

/// [`render_map`] with the line legend worded for the map (e.g. county borders on a plan map).
pub fn render_map_styled(spec: &MapSpec, style: &MapStyle) -> String {
    let layer = spec.layer;
    let n = layer.features.len();
    let proj = project_layer(layer, spec.projection);

    // Frame: bounding box of the focus features' projected points.
    let focus: Vec<usize> = match &spec.focus {
        Some(f) if !f.is_empty() => f.clone(),
        _ => (0..n).filter(|&i| spec.region_of.get(i).copied().flatten().is_some()).collect(),
    };
    let bbox = crate::model::bbox_of(focus.iter().flat_map(|&i| proj.rings[i].iter().flatten()))
        .or_else(|| crate::model::bbox_of(proj.rings.iter().flatten().flatten()))
        .unwrap_or([0.0, 0.0, 1.0, 1.0]);
    let (bw, bh) = ((bbox[2] - bbox[0]).max(1e-9), (bbox[3] - bbox[1]).max(1e-9));
    let pad = 0.04;
    let (mut vx0, vy0, mut vw, vh) =
        (bbox[0] - bw * pad, bbox[1] - bh * pad, bw * (1.0 + 2.0 * pad), bh * (1.0 + 2.0 * pad));
    let k = (MAP_W / vw).min(MAX_MAP_H / vh);
    // The map panel takes the focus's aspect ratio, widened symmetrically when narrow.
    if vw * k < MIN_MAP_W {
        let extra = (MIN_MAP_W / k - vw) / 2.0;
        vx0 -= extra;
        vw += 2.0 * extra;
    }
    let map_w = vw * k;
    let map_h = vh * k;
    // Subtitles wrap at " · " separators to the canvas width (about 7 px per character at 13 px).
    let max_chars = ((PAD + map_w + LEGEND_W - PAD) / 7.0) as usize;
    let mut subtitle: Vec<String> = Vec::new();
    for s in &spec.subtitle {
        let mut line = String::new();
        for (i, part) in s.split(" · ").enumerate() {
            let sep = if i == 0 { "" } else { " · " };
            if !line.is_empty() && line.chars().count() + sep.len() + part.chars().count() > max_chars {
                subtitle.push(std::mem::take(&mut line));
                line.push_str(part);
            } else {
                line.push_str(sep);
                line.push_str(part);
            }
        }
        subtitle.push(line);
    }
    let header_h = 44.0 + 18.0 * subtitle.len() as f64 + 8.0;
    let emphasised: Vec<usize> = if spec.region_legend {
        (0..spec.regions.len()).filter(|&r| spec.regions[r].emphasis && spec.regions[r].legend).collect()
    } else {
        Vec::new()
    };
    // Legend notes wrap at " · " to the panel width (about 6 px per character at 11 px).
    let wrap_note = |note: &str| -> Vec<String> {
        let max = ((LEGEND_W - 40.0) / 6.0) as usize;
        let mut lines: Vec<String> = Vec::new();
        let mut line = String::new();
        for (i, part) in note.split(" · ").enumerate() {
            let sep = if i == 0 { "" } else { " · " };
            if !line.is_empty() && line.chars().count() + sep.len() + part.chars().count() > max {
                lines.push(std::mem::take(&mut line));
                line.push_str(part);
            } else {
                line.push_str(sep);
                line.push_str(part);
            }
        }
        if !line.is_empty() {
            lines.push(line);
        }
        lines
    };
    let notes: Vec<Vec<String>> = spec.regions.iter().map(|r| wrap_note(&r.note)).collect();
    // Many regions (a 52-district plan): a compact legend of names in columns, without notes.
    let compact = emphasised.len() > 16;
    let compact_rows = emphasised.len().div_ceil(3);
    let key_notes: Vec<Vec<String>> = spec.legend_keys.iter().map(|k| wrap_note(&k.note)).collect();
    let keys_h: f64 = key_notes.iter().map(|n| 24.0 + 15.0 * n.len() as f64).sum::<f64>();
    let legend_h = keys_h
        + if compact {
            80.0 + 18.0 * compact_rows as f64
        } else {
            80.0 + emphasised.iter().map(|&r| 28.0 + 15.0 * notes[r].len() as f64).sum::<f64>()
        };
    let height = header_h + map_h.max(legend_h) + 40.0;
    let width = PAD + map_w + PAD + LEGEND_W;
    let (ox, oy) = (PAD, header_h);
    // Screen coordinates in quarter pixels.
    const QS: f64 = 4.0;
    let to_q = |p: Point| -> Q {
        (((ox + (p[0] - vx0) * k) * QS).round() as i32, ((oy + (p[1] - vy0) * k) * QS).round() as i32)
    };
    let view = [ox - 20.0, oy - 20.0, ox + map_w + 20.0, oy + map_h + 20.0];
    let visible = |i: usize| -> bool {
        crate::model::bbox_of(proj.rings[i].iter().flatten()).is_some_and(|b| {
            let (x0, y0) = (ox + (b[0] - vx0) * k, oy + (b[1] - vy0) * k);
            let (x1, y1) = (ox + (b[2] - vx0) * k, oy + (b[3] - vy0) * k);
            x1 >= view[0] && x0 <= view[2] && y1 >= view[1] && y0 <= view[3]
        })
    };
    // An inset (Alaska, Hawaii) is drawn only when the map frames one of its features: a map
    // of Texas used to show Hawaii's inset in the Gulf of Mexico.
    let inset_in_focus: Vec<bool> = (0..3).map(|p| focus.iter().any(|&i| proj.part[i] == p)).collect();
    let shown: Vec<bool> = (0..n)
        .map(|i| visible(i) && (proj.part[i] == 0 || inset_in_focus.get(proj.part[i]) == Some(&true)))
        .collect();

    // Segments keyed by their quantised ends; features on each side.
    let mut seg_sides: FxMap<(Q, Q), Vec<u32>> = FxMap::default();
    for i in (0..n).filter(|&i| shown[i]) {
        for ring in &proj.rings[i] {
            let m = ring.len();
            for j in 0..m {
                let (a, b) = (to_q(ring[j]), to_q(ring[(j + 1) % m]));
                if a == b {
                    continue;
                }
                let key = if a < b { (a, b) } else { (b, a) };
                let sides = seg_sides.entry(key).or_default();
                if !sides.contains(&(i as u32)) {
                    sides.push(i as u32);
                } else {
                    // The same edge twice in one feature (a slit): it cancels out.
                    sides.retain(|&x| x != i as u32);
                }
            }
        }
    }
    let nreg = spec.regions.len();
    let region = |f: u32| spec.region_of.get(f as usize).copied().flatten();
    let mut fill_segs: Vec<Vec<(Q, Q)>> = vec![Vec::new(); nreg + 1]; // last = no data
    let mut region_border = Vec::new();
    let mut outline = Vec::new();
    let mut unit_border = Vec::new();
    let mut inner_outline = Vec::new();
    let mut region_edges: FxSet<(u32, u32)> = FxSet::default();
    let mut keys: Vec<&(Q, Q)> = seg_sides.keys().collect();
    keys.sort_unstable();
    for key in keys {
        let sides = &seg_sides[key];
        if sides.is_empty() {
            continue;
        }
        let regs: Vec<Option<u32>> = sides.iter().map(|&f| region(f)).collect();
        let slot = |r: Option<u32>| r.map_or(nreg, |r| r as usize);
        for (x, &r) in regs.iter().enumerate() {
            if !regs.iter().enumerate().any(|(y, &s)| y != x && s == r) {
                fill_segs[slot(r)].push(*key);
            }
        }
        let distinct_regions = regs.iter().any(|r| *r != regs[0]);
        if distinct_regions {
            region_border.push(*key);
            if let (Some(a), Some(b)) = (regs[0], regs.get(1).copied().flatten()) {
                region_edges.insert((a.min(b), a.max(b)));
            }
        } else if sides.len() > 1 && regs[0].is_some_and(|r| spec.regions[r as usize].emphasis) {
            unit_border.push(*key);
        }
        // The outside, and the edge of the mapped area (units without a region), are outlined.
        let outer =
            sides.len() == 1 || (regs.iter().any(Option::is_none) && regs.iter().any(Option::is_some));
        let diff_outline = spec
            .outline_of
            .as_ref()
            .is_some_and(|o| sides.iter().any(|&f| o[f as usize] != o[sides[0] as usize]));
        if style.regions_heavy {
            if outer {
                outline.push(*key);
            } else if diff_outline && !distinct_regions {
                inner_outline.push(*key);
            }
        } else if outer || diff_outline {
            outline.push(*key);
        }
    }
    let active: Vec<bool> = spec.regions.iter().map(|r| r.emphasis).collect();
    let colours = colour_regions(nreg, &region_edges, &active);
    let colour_of = |r: usize| -> &str {
        match &spec.regions[r].fill {
            Some(f) => f.as_str(),
            None if spec.regions[r].emphasis => PALETTE[colours[r] % PALETTE.len()],
            None => GREY,
        }
    };

    let mut svg = Svg::new(width, height);
    svg.text(PAD, 30.0, 22.0, "start", r#"font-weight="bold""#, &spec.title);
    for (i, s) in subtitle.iter().enumerate() {
        svg.text(PAD, 52.0 + 18.0 * i as f64, 13.0, "start", r##"fill="#444""##, s);
    }
    svg.raw(&format!(
        r#"<clipPath id="mapclip"><rect x="{}" y="{}" width="{}" height="{}"/></clipPath>"#,
        num(ox),
        num(oy),
        num(map_w),
        num(map_h)
    ));
    svg.raw(r#"<g clip-path="url(#mapclip)" stroke-linejoin="round" stroke-linecap="round">"#);
    // Context first, emphasised regions on top.
    let mut order: Vec<usize> = (0..=nreg).collect();
    order.sort_by_key(|&r| (r < nreg && spec.regions[r].emphasis, r));
    for r in order {
        if fill_segs[r].is_empty() {
            continue;
        }
        let fill = if r == nreg { NO_DATA } else { colour_of(r) };
        let d = path_data(&chain(&fill_segs[r]), QS);
        let title =
            if r < nreg { format!("<title>{}</title>", esc(&spec.regions[r].name)) } else { String::new() };
        svg.raw(&format!(r#"<path d="{d}" fill="{fill}" fill-rule="evenodd" stroke="{fill}" stroke-width="0.4">{title}</path>"#));
    }
    let units_in_view = shown.iter().filter(|&&s| s).count();
    if spec.unit_lines.unwrap_or(units_in_view <= 1500) && !unit_border.is_empty() {
        svg.raw(&format!(
            r##"<path d="{}" fill="none" stroke="#ffffff" stroke-width="0.45" stroke-opacity="0.9"/>"##,
            path_data(&chain(&unit_border), QS)
        ));
    }
    if !inner_outline.is_empty() {
        svg.raw(&format!(
            r##"<path d="{}" fill="none" stroke="#333" stroke-width="0.7" stroke-dasharray="3 2"/>"##,
            path_data(&chain(&inner_outline), QS)
        ));
    }
    if !region_border.is_empty() {
        let (colour, width) = if style.regions_heavy { ("#111", 1.8) } else { ("#555", 0.9) };
        svg.raw(&format!(
            r##"<path d="{}" fill="none" stroke="{colour}" stroke-width="{width}"/>"##,
            path_data(&chain(&region_border), QS)
        ));
    }
    if !outline.is_empty() {
        svg.raw(&format!(
            r##"<path d="{}" fill="none" stroke="#222" stroke-width="1.6"/>"##,
            path_data(&chain(&outline), QS)
        ));
    }
    // A thin frame around each inset in view, so it does not read as part of the mainland.
    if spec.projection == MapProjection::AlbersUsa {
        for part in 1..3 {
            let pts = (0..n)
                .filter(|&i| shown[i] && proj.part[i] == part)
                .flat_map(|i| proj.rings[i].iter().flatten());
            if let Some(b) = crate::model::bbox_of(pts) {
                let (x0, y0) = (ox + (b[0] - vx0) * k - 6.0, oy + (b[1] - vy0) * k - 6.0);
                let (x1, y1) = (ox + (b[2] - vx0) * k + 6.0, oy + (b[3] - vy0) * k + 6.0);
                svg.raw(&format!(
                    r##"<rect x="{}" y="{}" width="{}" height="{}" fill="none" stroke="#999" stroke-width="0.8" stroke-dasharray="3 2"/>"##,
                    num(x0),
                    num(y0),
                    num(x1 - x0),
                    num(y1 - y0)
                ));
            }
        }
    }
    svg.raw("</g>");
    svg.raw(&format!(
        r##"<rect x="{}" y="{}" width="{}" height="{}" fill="none" stroke="#bbb"/>"##,
        num(ox),
        num(oy),
        num(map_w),
        num(map_h)
    ));

    // Labels: at the area-weighted centroid of each region's units when it falls inside one of
    // them, otherwise at the centroid of the region's largest unit. Placed greedily, emphasised
    // and larger regions first; a label that would overlap one already placed falls back to
    // the short form, then is left out (the legend still names the region).
    struct Candidate<'s> {
        x: f64,
        y: f64,
        area: f64,
        emphasis: bool,
        texts: Vec<&'s str>,
    }
    let mut candidates: Vec<Candidate> = Vec::new();
    for (r, reg) in spec.regions.iter().enumerate() {
        let mut a_sum = 0.0;
        let mut c = [0.0, 0.0];
        let mut best: Option<(f64, Point)> = None;
        let mut rings_of_region: Vec<&Vec<Point>> = Vec::new();
        let mut rb = [f64::INFINITY, f64::INFINITY, f64::NEG_INFINITY, f64::NEG_INFINITY];
        for i in (0..n).filter(|&i| shown[i] && region(i as u32) == Some(r as u32)) {
            for ring in &proj.rings[i] {
                let (a, cc) = ring_area_centroid(ring);
                let a = a.abs();
                a_sum += a;
                c[0] += cc[0] * a;
                c[1] += cc[1] * a;
                if best.is_none_or(|(ba, _)| a > ba) {
                    best = Some((a, cc));
                }
                rings_of_region.push(ring);
                for p in ring {
                    rb = [rb[0].min(p[0]), rb[1].min(p[1]), rb[2].max(p[0]), rb[3].max(p[1])];
                }
            }
        }
        if a_sum <= 0.0 {
            continue;
        }
        let mut at = [c[0] / a_sum, c[1] / a_sum];
        if !rings_of_region.iter().any(|ring| point_in_ring(at, ring)) {
            at = best.map_or(at, |b| b.1);
        }
        let (x, y) = (ox + (at[0] - vx0) * k, oy + (at[1] - vy0) * k);
        if x < ox || x > ox + map_w || y < oy || y > oy + map_h {
            continue;
        }
        let region_w = (rb[2] - rb[0]) * k;
        let size = if reg.emphasis { 13.0 } else { 10.0 };
        // Emphasised names may overhang a narrow region a little (the halo keeps them legible).
        let room = if reg.emphasis { 1.4 } else { 0.9 };
        let fits = |s: &str| s.chars().count() as f64 * size * 0.58 < region_w * room;
        let mut texts = Vec::new();
        if fits(&reg.name) {
            texts.push(reg.name.as_str());
        }
        if !reg.short.is_empty() && (fits(&reg.short) || reg.emphasis) {
            texts.push(reg.short.as_str());
        }
        candidates.push(Candidate { x, y, area: a_sum, emphasis: reg.emphasis, texts });
    }
    candidates.sort_by(|a, b| b.emphasis.cmp(&a.emphasis).then(b.area.total_cmp(&a.area)));
    let mut placed: Vec<[f64; 4]> = Vec::new();
    for c in &candidates {
        let size = if c.emphasis { 13.0 } else { 10.0 };
        for text in &c.texts {
            let w = text.chars().count() as f64 * size * 0.6;
            let b = [c.x - w / 2.0, c.y - size * 0.75, c.x + w / 2.0, c.y + size * 0.45];
            if placed.iter().any(|p| b[0] < p[2] && p[0] < b[2] && b[1] < p[3] && p[1] < b[3]) {
                continue;
            }
            placed.push(b);
            if c.emphasis {
                svg.text(c.x, c.y + 4.0, size, "middle", r##"font-weight="bold" fill="#111" stroke="#fff" stroke-width="3" stroke-opacity="0.85" paint-order="stroke""##, text);
            } else {
                svg.text(c.x, c.y + 3.0, size, "middle", r##"fill="#777""##, text);
            }
            break;
        }
    }

    // Legend.
    let lx = PAD + map_w + PAD + 8.0;
    let mut ly = header_h + 6.0;
    if !emphasised.is_empty() || !spec.legend_keys.is_empty() {
        svg.text(lx, ly + 8.0, 14.0, "start", r#"font-weight="bold""#, &spec.legend_title);
        ly += 26.0;
        if compact {
            for (j, &r) in emphasised.iter().enumerate() {
                let (x, y) = (lx + (j / compact_rows) as f64 * 108.0, ly + (j % compact_rows) as f64 * 18.0);
                svg.rect(
                    x,
                    y - 10.0,
                    13.0,
                    13.0,
                    &format!(r##"fill="{}" stroke="#555" stroke-width="0.6""##, colour_of(r)),
                );
                let label: String = spec.regions[r].name.chars().take(14).collect();
                svg.text(x + 18.0, y + 1.0, 11.0, "start", "", &label);
            }
            ly += 18.0 * compact_rows as f64;
        }
        for &r in emphasised.iter().filter(|_| !compact) {
            let reg = &spec.regions[r];
            svg.rect(
                lx,
                ly - 11.0,
                18.0,
                18.0,
                &format!(r##"fill="{}" stroke="#555" stroke-width="0.8""##, colour_of(r)),
            );
            svg.text(lx + 26.0, ly + 2.0, 13.0, "start", r#"font-weight="bold""#, &reg.name);
            for (j, line) in notes[r].iter().enumerate() {
                svg.text(lx + 26.0, ly + 19.0 + 15.0 * j as f64, 11.0, "start", r##"fill="#444""##, line);
            }
            ly += 28.0 + 15.0 * notes[r].len() as f64;
        }
        for (key, kn) in spec.legend_keys.iter().zip(&key_notes) {
            svg.rect(
                lx,
                ly - 11.0,
                18.0,
                14.0,
                &format!(r##"fill="{}" stroke="#555" stroke-width="0.8""##, key.fill),
            );
            svg.text(lx + 26.0, ly + 1.0, 12.0, "start", "", &key.label);
            for (j, line) in kn.iter().enumerate() {
                svg.text(lx + 26.0, ly + 16.0 + 15.0 * j as f64, 11.0, "start", r##"fill="#444""##, line);
            }
            ly += 24.0 + 15.0 * kn.len() as f64;
        }
    }
    ly += 6.0;
    if style.regions_heavy {
        svg.line(lx, ly, lx + 24.0, ly, r##"stroke="#111" stroke-width="1.8""##);
        svg.text(
            lx + 30.0,
            ly + 4.0,
            11.0,
            "start",
            r##"fill="#444""##,
            style.boundary_label.as_deref().unwrap_or("region boundaries"),
        );
        ly += 18.0;
        if let Some(label) = style.outline_label.as_deref().filter(|_| spec.outline_of.is_some()) {
            svg.line(lx, ly, lx + 24.0, ly, r##"stroke="#333" stroke-width="0.7" stroke-dasharray="3 2""##);
            svg.text(lx + 30.0, ly + 4.0, 11.0, "start", r##"fill="#444""##, label);
        }
        if !spec.footer.is_empty() {
            svg.text(PAD, height - 12.0, 10.0, "start", r##"fill="#777""##, &spec.footer);
        }
        return svg.finish();
    }
    svg.line(lx, ly, lx + 24.0, ly, r##"stroke="#222" stroke-width="1.6""##);
    svg.text(
        lx + 30.0,
        ly + 4.0,
        11.0,
        "start",
        r##"fill="#444""##,
        style.outline_label.as_deref().unwrap_or(if spec.outline_of.is_some() {
            "today's state lines"
        } else {
            "outer boundary"
        }),
    );
    ly += 18.0;
    svg.line(lx, ly, lx + 24.0, ly, r##"stroke="#555" stroke-width="0.9""##);
    svg.text(
        lx + 30.0,
        ly + 4.0,
        11.0,
        "start",
        r##"fill="#444""##,
        style.boundary_label.as_deref().unwrap_or("region boundaries"),
    );
    if !spec.footer.is_empty() {
        svg.text(PAD, height - 12.0, 10.0, "start", r##"fill="#777""##, &spec.footer);
    }
    svg.finish()
}

/// The shared boundary of two units (or of a unit and the outside) in a [`UnitGeometry`].
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct UnitBorder {
    /// The two features on either side (`a < b`); `b` is `None` on the outer boundary.
    pub a: u32,
    pub b: Option<u32>,
    /// SVG path data (absolute first point, then relative moves), open polylines or closed loops.
    pub path: String,
}

/// Every unit of a layer projected once, for maps that are recoloured interactively (the web
/// app): one path per feature plus the boundaries between each pair of neighbouring features,
/// so a client can fill units by region and draw region borders and outlines (the edges whose
/// two sides differ) without any geometry of its own. The projection and the snapping of shared
/// vertices are those of [`render_map`], so both sides of a shared border are identical.
#[derive(Clone, Debug, serde::Serialize)]
pub struct UnitGeometry {
    /// The frame: coordinates run over `0..width` and `0..height`, y down.
    pub width: f64,
    pub height: f64,
    /// SVG path data of each feature (empty when it has no geometry or lies outside the
    /// projection, like Puerto Rico in Albers USA).
    pub paths: Vec<String>,
    /// A point inside each feature for a label or keyboard cursor: the centroid of its rings when
    /// that falls inside one, else the centroid of its largest ring.
    pub centres: Vec<Option<Point>>,
    /// `[x0, y0, x1, y1]` of each feature.
    pub bboxes: Vec<Option<[f64; 4]>>,
    pub borders: Vec<UnitBorder>,
}

/// Projects every feature of `layer` into a frame `width` units wide (Albers USA always uses
/// d3's 960 x 600 frame), with vertices snapped to `1 / grid` units.
pub fn unit_geometry(layer: &Layer, projection: MapProjection, width: f64, grid: f64) -> UnitGeometry {
    let proj = project_layer(layer, projection);
    let n = layer.features.len();
    let (x0, y0, k, w, h) = match projection {
        MapProjection::AlbersUsa => (0.0, 0.0, 1.0, 960.0, 600.0),
        _ => {
            let b =
                crate::model::bbox_of(proj.rings.iter().flatten().flatten()).unwrap_or([0.0, 0.0, 1.0, 1.0]);
            let k = width / (b[2] - b[0]).max(1e-12);
            (b[0], b[1], k, width, (b[3] - b[1]) * k)
        }
    };
    let to_q = |p: Point| -> Q {
        (((p[0] - x0) * k * grid).round() as i32, ((p[1] - y0) * k * grid).round() as i32)
    };
    let mut paths = Vec::with_capacity(n);
    let mut centres = Vec::with_capacity(n);
    let mut bboxes = Vec::with_capacity(n);
    let mut seg_sides: FxMap<(Q, Q), Vec<u32>> = FxMap::default();
    for (i, rings) in proj.rings.iter().enumerate() {
        let mut loops: Vec<Vec<Q>> = Vec::new();
        for ring in rings {
            let mut l: Vec<Q> = Vec::with_capacity(ring.len() + 1);
            for &p in ring {
                let q = to_q(p);
                if l.last() != Some(&q) {
                    l.push(q);
                }
            }
            while l.len() > 1 && l.first() == l.last() {
                l.pop();
            }
            if l.len() < 3 {
                continue;
            }
            let m = l.len();
            for j in 0..m {
                let (a, b) = (l[j], l[(j + 1) % m]);
                let key = if a < b { (a, b) } else { (b, a) };
                let sides = seg_sides.entry(key).or_default();
                if !sides.contains(&(i as u32)) {
                    sides.push(i as u32);
                } else {
                    sides.retain(|&x| x != i as u32);
                }
            }
            l.push(l[0]);
            loops.push(l);
        }
        paths.push(path_data(&loops, grid));
        let bbox = crate::model::bbox_of(rings.iter().flatten());
        bboxes.push(bbox.map(|b| [(b[0] - x0) * k, (b[1] - y0) * k, (b[2] - x0) * k, (b[3] - y0) * k]));
        let (mut a_sum, mut c, mut best) = (0.0, [0.0, 0.0], None::<(f64, Point)>);
        for ring in rings {
            let (a, cc) = ring_area_centroid(ring);
            let a = a.abs();
            a_sum += a;
            c = [c[0] + cc[0] * a, c[1] + cc[1] * a];
            if best.is_none_or(|(ba, _)| a > ba) {
                best = Some((a, cc));
            }
        }
        let centre = if a_sum > 0.0 {
            let at = [c[0] / a_sum, c[1] / a_sum];
            let at = if rings.iter().any(|r| point_in_ring(at, r)) { at } else { best.map_or(at, |b| b.1) };
            Some([(at[0] - x0) * k, (at[1] - y0) * k])
        } else {
            None
        };
        centres.push(centre);
    }
    let mut by_pair: FxMap<(u32, u32), Vec<(Q, Q)>> = FxMap::default();
    for (seg, sides) in &seg_sides {
        match sides.as_slice() {
            [a] => by_pair.entry((*a, u32::MAX)).or_default().push(*seg),
            [a, b, ..] => by_pair.entry(((*a).min(*b), (*a).max(*b))).or_default().push(*seg),
            [] => {}
        }
    }
    let mut pairs: Vec<(u32, u32)> = by_pair.keys().copied().collect();
    pairs.sort_unstable();
    let borders = pairs
        .into_iter()
        .map(|(a, b)| {
            let mut segs = by_pair.remove(&(a, b)).unwrap_or_default();
            segs.sort_unstable();
            UnitBorder { a, b: (b != u32::MAX).then_some(b), path: path_data(&chain(&segs), grid) }
        })
        .collect();
    UnitGeometry { width: w, height: h, paths, centres, bboxes, borders }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Crs, Feature, Polygon};

    fn grid(nx: usize, ny: usize) -> Layer {
        let mut features = Vec::new();
        for y in 0..ny {
            for x in 0..nx {
                let (x, y) = (x as f64, y as f64);
                features.push(Feature {
                    geometry: vec![Polygon {
                        rings: vec![vec![[x, y], [x + 1.0, y], [x + 1.0, y + 1.0], [x, y + 1.0]]],
                    }],
                    properties: Default::default(),
                });
            }
        }
        Layer { features, crs: Crs::projected(None, 1.0, ""), warnings: vec![] }
    }

    #[test]
    fn state_map_colouring_is_proper_and_uses_few_colours() {
        // The 51 states as regions over the county graph: neighbours never share a colour.
        let (layer, adj) = crate::counties::us_counties_with_adjacency().unwrap();
        let st: Vec<u32> = layer.ids("id").unwrap().iter().map(|f| f[..2].parse().unwrap()).collect();
        let mut edges: FxSet<(u32, u32)> = FxSet::default();
        for e in &adj.edges {
            let (a, b) = (st[e.a as usize], st[e.b as usize]);
            if a != b {
                edges.insert((a.min(b), a.max(b)));
            }
        }
        // 109 pairs of states (with DC) touch; AZ-CO and NM-UT only at the Four Corners point.
        assert_eq!(edges.len(), 107, "state pairs sharing a border");
        let colours = colour_regions(57, &edges, &[true; 57]);
        for &(a, b) in &edges {
            assert_ne!(colours[a as usize], colours[b as usize], "{a} {b}");
        }
        // Colours start at a different palette entry per region for variety, so all 12 may
        // appear; every region gets one.
        assert!(st.iter().all(|&s| colours[s as usize] < PALETTE.len()));
    }

    #[test]
    fn unit_geometry_of_a_grid_shares_borders() {
        // 2 x 1 squares: one shared border, and each square's outer boundary.
        let g = unit_geometry(&grid(2, 1), MapProjection::Identity, 200.0, 4.0);
        assert_eq!((g.width, g.height), (200.0, 100.0));
        assert_eq!(g.paths.len(), 2);
        assert!(g.paths.iter().all(|p| p.starts_with('M') && p.ends_with('z')), "{:?}", g.paths);
        let pairs: Vec<(u32, Option<u32>)> = g.borders.iter().map(|b| (b.a, b.b)).collect();
        assert_eq!(pairs, vec![(0, Some(1)), (0, None), (1, None)]);
        // The shared edge x = 1 (100 units) is one segment; the outer boundary of each square
        // is the other three sides chained into one polyline.
        assert_eq!(g.borders[0].path, "M100 0l0 100");
        let c = g.centres[0].unwrap();
        assert!((c[0] - 50.0).abs() < 1e-9 && (c[1] - 50.0).abs() < 1e-9, "{c:?}");
        assert_eq!(g.bboxes[1], Some([100.0, 0.0, 200.0, 100.0]));
    }

    #[test]
    fn unit_geometry_of_the_counties() {
        let layer = crate::counties::us_counties().unwrap();
        let g = unit_geometry(&layer, MapProjection::AlbersUsa, 960.0, 20.0);
        assert_eq!((g.width, g.height), (960.0, 600.0));
        let ids = layer.ids("id").unwrap();
        let empty: Vec<&str> =
            g.paths.iter().zip(&ids).filter(|(p, _)| p.is_empty()).map(|(_, id)| id.as_str()).collect();
        assert_eq!(empty, vec!["51610"], "only Falls Church has no polygon");
        // Every county centre lies in the frame; Los Angeles is in the south-west of the lower 48.
        assert!(g
            .centres
            .iter()
            .flatten()
            .all(|c| (0.0..960.0).contains(&c[0]) && (0.0..600.0).contains(&c[1])));
        let la = g.centres[ids.iter().position(|i| i == "06037").unwrap()].unwrap();
        assert!((100.0..250.0).contains(&la[0]) && (250.0..400.0).contains(&la[1]), "{la:?}");
        // Neighbouring counties share borders: about as many pairs as the rook adjacency has.
        let (_, adj) = crate::counties::us_counties_with_adjacency().unwrap();
        let inner = g.borders.iter().filter(|b| b.b.is_some()).count();
        assert!((inner as f64 / adj.edges.len() as f64 - 1.0).abs() < 0.03, "{inner} vs {}", adj.edges.len());
    }

    #[test]
    fn chaining_closes_a_square() {
        let segs = [((0, 0), (1, 0)), ((1, 1), (1, 0)), ((0, 1), (1, 1)), ((0, 0), (0, 1))];
        let c = chain(&segs);
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].len(), 5);
        assert_eq!(c[0].first(), c[0].last());
    }

    #[test]
    fn neighbouring_regions_get_different_colours_and_fills_dissolve() {
        // 4x1 strip, regions 0,0,1,2: region 0 is two units dissolved into one rectangle.
        let layer = grid(4, 1);
        let regions = (0..3)
            .map(|i| MapRegion {
                name: format!("Region {i}"),
                short: i.to_string(),
                emphasis: true,
                note: String::new(),
                fill: None,
                legend: true,
            })
            .collect();
        let spec = MapSpec {
            layer: &layer,
            region_of: vec![Some(0), Some(0), Some(1), Some(2)],
            regions,
            outline_of: Some(vec![0, 0, 0, 1]),
            title: "Test & map".into(),
            subtitle: vec!["sub".into()],
            projection: MapProjection::Identity,
            focus: None,
            unit_lines: Some(true),
            legend_title: "Regions".into(),
            region_legend: true,
            legend_keys: Vec::new(),
            footer: "footer".into(),
        };
        let svg = render_map(&spec);
        assert!(svg.contains("Test &amp; map"));
        let fills: Vec<&str> =
            svg.match_indices(r#"fill-rule="evenodd""#).map(|(i, _)| &svg[i.saturating_sub(20)..i]).collect();
        assert_eq!(fills.len(), 3, "one dissolved fill path per region");
        // Region 0's fill is one closed ring of 4 corners (the shared inner edge cancelled).
        let first = svg.find(r#"<path d="M"#).unwrap();
        let d = &svg[first + 9..svg[first..].find(r#"" fill"#).unwrap() + first];
        assert_eq!(d.matches('z').count(), 1, "{d}");
        let mut cols: Vec<&str> =
            svg.match_indices(r##"" fill="#"##).map(|(i, _)| &svg[i + 8..i + 15]).collect();
        cols.truncate(3);
        assert!(cols[0] != cols[1] && cols[1] != cols[2], "{cols:?}");
        assert_eq!(svg.matches("Region ").count(), 3 + 3 + 3); // titles, labels, legend
    }
}
