//! The embedded US county geometry: `counties-10m.json` from the npm package `us-atlas` 3.0.1
//! (ISC licence, © Michael Bostock; see `data/geometry/LICENSE-us-atlas` and
//! `data/geometry/SOURCES.md`), a quantised and simplified TopoJSON of the Census Bureau's
//! 2017 cartographic county boundaries (1:10,000,000), in longitude/latitude.
//!
//! Matching to the 2020 county set used everywhere else in redraw (50 states + DC, 3,143
//! counties): the 2017 file has 3,142 of them under the same FIPS codes. The one difference
//! is Alaska's Valdez-Cordova Census Area (02261), split in 2019 into Chugach (02063) and
//! Copper River (02066): both 2020 codes map to the single 2017 polygon 02261, and a map
//! fills it with their common state (they are never in different states in any scenario
//! that keeps Alaska's internal lines). Connecticut's 8 old counties are in both sets (the
//! 2020 census still used them; the 2022 planning regions are not used here). Oglala Lakota
//! (46102, renamed from Shannon 46113 in 2015) and Kusilvak (02158, formerly 02270) already
//! carry their new codes in 2017, and Bedford city VA (51515) was merged into Bedford County
//! (51019) in 2013, so none of those needs a mapping. Puerto Rico and the island areas are in
//! the file but not in [`us_counties`].

use crate::error::Result;
use crate::model::Layer;

/// The us-atlas `counties-10m.json` topology, unmodified.
pub const US_ATLAS_COUNTIES_10M: &str = include_str!("../../../data/geometry/counties-10m.json");

/// The 2017 polygon that stands for each 2020 county whose code changed.
pub const COUNTY_2020_TO_2017: [(&str, &str); 2] = [("02063", "02261"), ("02066", "02261")];

/// The 2017 FIPS code whose polygon draws a 2020 county.
pub fn atlas_fips(fips_2020: &str) -> &str {
    COUNTY_2020_TO_2017.iter().find(|(a, _)| *a == fips_2020).map_or(fips_2020, |(_, b)| *b)
}

/// The 2020 county codes a 2017 polygon stands for (itself, or Chugach + Copper River).
pub fn fips_2020_of(atlas: &str) -> Vec<&str> {
    let split: Vec<&str> = COUNTY_2020_TO_2017.iter().filter(|(_, b)| *b == atlas).map(|(a, _)| *a).collect();
    if split.is_empty() {
        vec![atlas]
    } else {
        split
    }
}

/// The counties of the 50 states and DC (3,142 features) with attributes `id` (5-digit FIPS),
/// `name`, and `state_fips` (2 digits), in file order.
pub fn us_counties() -> Result<Layer> {
    let mut layer = crate::topojson::read_topojson(US_ATLAS_COUNTIES_10M, Some("counties"))?;
    let keep: Vec<bool> = layer
        .features
        .iter()
        .map(|f| {
            f.property_text("id")
                .and_then(|id| id.get(..2).and_then(|s| s.parse::<u32>().ok()))
                .is_some_and(|st| st <= 56)
        })
        .collect();
    // Renumber warnings to the kept features' new indices.
    let mut new_index = Vec::with_capacity(keep.len());
    let mut next = 0;
    for &k in &keep {
        new_index.push(k.then_some(next));
        next += usize::from(k);
    }
    layer.warnings.retain_mut(|w| match w.feature {
        Some(i) => match new_index[i] {
            Some(j) => {
                w.feature = Some(j);
                true
            }
            None => false,
        },
        None => true,
    });
    let mut it = keep.iter();
    layer.features.retain(|_| *it.next().unwrap_or(&false));
    for f in &mut layer.features {
        let st = f.property_text("id").unwrap_or_default()[..2].to_string();
        f.properties.insert("state_fips".into(), st.into());
    }
    Ok(layer)
}

/// The embedded counties and their rook adjacency, built once per process (about 0.1 s).
pub fn us_counties_with_adjacency() -> Result<&'static (Layer, crate::adjacency::Adjacency)> {
    static CACHE: std::sync::OnceLock<(Layer, crate::adjacency::Adjacency)> = std::sync::OnceLock::new();
    if let Some(c) = CACHE.get() {
        return Ok(c);
    }
    let layer = us_counties()?;
    let adj = crate::adjacency::build_adjacency(&layer, &crate::adjacency::AdjacencyOptions::default());
    Ok(CACHE.get_or_init(|| (layer, adj)))
}

/// Area, perimeter, Polsby-Popper and Reock of groups of counties (new states of a scenario,
/// county-level districts). `group_of` receives each county's 2020 FIPS code (Valdez-Cordova's
/// polygon asks for Chugach, 02063) and returns its group, or `None` to leave it out. Groups
/// are returned in ascending order; measures follow [`crate::measure`]'s conventions.
pub fn group_shapes(group_of: impl Fn(&str) -> Option<u32>) -> Result<Vec<crate::measure::DistrictShape>> {
    let (layer, adj) = us_counties_with_adjacency()?;
    let ids = layer.ids("id")?;
    let plan: Vec<u32> = ids.iter().map(|id| group_of(fips_2020_of(id)[0]).unwrap_or(u32::MAX)).collect();
    static INDEX: std::sync::OnceLock<crate::measure::ShapeIndex> = std::sync::OnceLock::new();
    let index = INDEX.get_or_init(|| crate::measure::ShapeIndex::new(layer));
    let mut shapes = index.district_shapes(adj, &plan)?;
    shapes.retain(|s| s.district != u32::MAX);
    Ok(shapes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn state_shapes_from_counties() {
        // Group counties by state: Colorado and Wyoming are near-rectangles, Maryland is not.
        let st = |f: &str| f[..2].parse::<u32>().ok();
        let shapes = group_shapes(st).unwrap();
        assert_eq!(shapes.len(), 51);
        let get = |fips: u32| shapes.iter().find(|s| s.district == fips).unwrap();
        let (co, wy, md) = (get(8), get(56), get(24));
        // Colorado: 269,837 km² total area (land 268,431 km²).
        assert!((co.area_m2 / 1e6 / 269_837.0 - 1.0).abs() < 0.02, "{}", co.area_m2);
        // Colorado is a 7° x 4° box at 39°N, about 606 x 445 km: a rectangle of that size has
        // PP = 4π·606·445 / (2·1051)² = 0.767 and Reock = 606·445 / (π·(752/2)²) = 0.607.
        assert!((co.polsby_popper - 0.767).abs() < 0.01, "{}", co.polsby_popper);
        assert!((co.reock - 0.607).abs() < 0.01, "{}", co.reock);
        assert!(wy.polsby_popper > 0.75, "{}", wy.polsby_popper);
        assert!(md.polsby_popper < 0.25, "{}", md.polsby_popper);
    }

    #[test]
    fn embedded_counties_cover_the_2020_set() {
        let l = us_counties().unwrap();
        assert_eq!(l.features.len(), 3142);
        assert!(l.crs.is_geographic());
        let ids = l.ids("id").unwrap();
        assert!(ids.contains(&"06037".to_string()) && ids.contains(&"02261".to_string()));
        assert_eq!(atlas_fips("02066"), "02261");
        assert_eq!(atlas_fips("06037"), "06037");
        assert_eq!(fips_2020_of("02261"), vec!["02063", "02066"]);
        // Simplification at 1:10M collapsed a few tiny islands and holes (dropped with a
        // `degenerate-ring` warning) and all of Falls Church city VA (51610, 5 km²), whose
        // polygon is empty in us-atlas; five rings cross themselves where two nearby
        // boundary stretches were simplified into each other. Nothing else is wrong.
        use crate::model::WarningKind::*;
        let named = |kind| -> Vec<&str> {
            l.warnings.iter().filter(|w| w.kind == kind).map(|w| ids[w.feature.unwrap()].as_str()).collect()
        };
        assert_eq!(named(EmptyGeometry), vec!["51610"]);
        let mut crossing = named(SelfIntersection);
        crossing.sort();
        assert_eq!(crossing, vec!["06001", "22067", "51041", "51093", "51620"]);
        assert!(l.warning_count(DegenerateRing) < 40, "{}", l.warning_count(DegenerateRing));
    }
}
