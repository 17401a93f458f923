//! PNG output: renders the SVG text of a map or plot with resvg, using the system's fonts.
//! Compiled only with the `png` cargo feature; without it [`svg_to_png`] returns an error that
//! says how to enable it, so callers need no `cfg`.

use crate::error::{GeoError, Result};

/// Renders SVG text to PNG bytes, scaled to `width` pixels (`None`: the SVG's own size).
#[cfg(feature = "png")]
pub fn svg_to_png(svg: &str, width: Option<u32>) -> Result<Vec<u8>> {
    use resvg::{tiny_skia, usvg};
    let mut opt = usvg::Options::default();
    let db = opt.fontdb_mut();
    db.load_system_fonts();
    // The SVGs ask for Helvetica, Arial, sans-serif; fontdb maps the generic `sans-serif` to
    // Arial, which many Linux systems lack. Point it at a sans-serif face that is installed.
    let families: Vec<String> = db.faces().flat_map(|f| f.families.iter().map(|(n, _)| n.clone())).collect();
    let preferred = ["Helvetica", "Arial", "Liberation Sans", "DejaVu Sans", "Noto Sans", "FreeSans"];
    let pick = preferred.iter().find(|p| families.iter().any(|f| f == *p)).map(|p| p.to_string());
    if let Some(name) = pick.or_else(|| families.iter().find(|f| f.contains("Sans")).cloned()) {
        db.set_sans_serif_family(name);
    }
    let tree = usvg::Tree::from_str(svg, &opt).map_err(|e| GeoError::Input(format!("SVG: {e}")))?;
    let size = tree.size();
    let scale = width.map_or(1.0, |w| w as f32 / size.width());
    let (w, h) = ((size.width() * scale).ceil() as u32, (size.height() * scale).ceil() as u32);
    let mut pixmap = tiny_skia::Pixmap::new(w.max(1), h.max(1))
        .ok_or_else(|| GeoError::Input(format!("PNG of {w}x{h} pixels")))?;
    resvg::render(&tree, tiny_skia::Transform::from_scale(scale, scale), &mut pixmap.as_mut());
    pixmap.encode_png().map_err(|e| GeoError::Input(format!("PNG encoding: {e}")))
}

/// Without the `png` feature: an error explaining how to get PNG output.
#[cfg(not(feature = "png"))]
pub fn svg_to_png(_svg: &str, _width: Option<u32>) -> Result<Vec<u8>> {
    Err(GeoError::Input(
        "this build has no PNG output; write .svg, or rebuild with `cargo build --release -p redraw-cli --features redraw-geo/png`"
            .into(),
    ))
}

/// Renders SVG text to a one-page PDF with svg2pdf; text is embedded as subsetted system fonts.
#[cfg(feature = "pdf")]
pub fn svg_to_pdf(svg: &str) -> Result<Vec<u8>> {
    use svg2pdf::usvg;
    let mut opt = usvg::Options::default();
    let db = opt.fontdb_mut();
    db.load_system_fonts();
    let families: Vec<String> = db.faces().flat_map(|f| f.families.iter().map(|(n, _)| n.clone())).collect();
    let preferred = ["Helvetica", "Arial", "Liberation Sans", "DejaVu Sans", "Noto Sans", "FreeSans"];
    let pick = preferred.iter().find(|p| families.iter().any(|f| f == *p)).map(|p| p.to_string());
    if let Some(name) = pick.or_else(|| families.iter().find(|f| f.contains("Sans")).cloned()) {
        db.set_sans_serif_family(name);
    }
    if db.is_empty() {
        return Err(GeoError::Input(
            "PDF: no fonts found on this system; the map's text cannot be embedded".into(),
        ));
    }
    let tree = usvg::Tree::from_str(svg, &opt).map_err(|e| GeoError::Input(format!("SVG: {e}")))?;
    svg2pdf::to_pdf(&tree, svg2pdf::ConversionOptions::default(), svg2pdf::PageOptions::default())
        .map_err(|e| GeoError::Input(format!("PDF: {e}")))
}

/// Without the `pdf` feature: an error naming the feature; a `.pdf` path never receives SVG.
#[cfg(not(feature = "pdf"))]
pub fn svg_to_pdf(_svg: &str) -> Result<Vec<u8>> {
    Err(GeoError::Input(
        "this build has no PDF output; write .svg, or rebuild with `cargo build --release -p redraw-cli --features pdf`"
            .into(),
    ))
}

#[cfg(all(test, feature = "pdf"))]
mod pdf_tests {
    #[test]
    fn renders_a_plot_as_pdf() {
        let svg = crate::plot::histogram_svg(&[1.0, 2.0, 2.0, 3.0], Some(2.0), "t", "x");
        let pdf = super::svg_to_pdf(&svg).unwrap();
        assert!(pdf.starts_with(b"%PDF-"));
    }
}

#[cfg(all(test, feature = "png"))]
mod tests {
    #[test]
    fn renders_a_plot() {
        let svg = crate::plot::histogram_svg(&[1.0, 2.0, 2.0, 3.0], Some(2.0), "t", "x");
        let png = super::svg_to_png(&svg, Some(380)).unwrap();
        assert_eq!(&png[1..4], b"PNG");
    }
}
