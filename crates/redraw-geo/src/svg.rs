//! Small SVG building blocks shared by maps and plots: escaping, number formatting, "nice"
//! axis ticks and the qualitative palette. Output is plain SVG 1.1 text with no external
//! fonts or scripts, so it renders the same in browsers, `rsvg-convert` and GitHub.

use std::fmt::Write as _;

/// A qualitative palette of 12 light, mutually distinct colours (ColorBrewer "Set3" with its
/// grey replaced by a tan), light enough for dark labels on top. Maps colour neighbouring
/// regions with different indices, so 12 is plenty: planar maps need at most 4-5 in practice.
pub const PALETTE: [&str; 12] = [
    "#80b1d3", "#fdb462", "#b3de69", "#fb8072", "#bebada", "#8dd3c7", "#fccde5", "#ffed6f", "#bc80bd",
    "#ccebc5", "#e5c494", "#ffffb3",
];

/// The fixed colours of the two parties where a plot shows party data.
pub const DEM_BLUE: &str = "#2166ac";
pub const REP_RED: &str = "#b2182b";

/// Escapes text for an SVG text node or attribute value.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

/// Formats a coordinate with at most 2 decimals and no trailing zeros (keeps SVGs small).
pub fn num(v: f64) -> String {
    let r = (v * 100.0).round() / 100.0;
    if r == r.trunc() {
        format!("{}", r as i64)
    } else {
        let s = format!("{r:.2}");
        s.trim_end_matches('0').to_string()
    }
}

/// Formats a tick label: integers plainly, otherwise with just enough decimals for `step`.
pub fn tick_label(v: f64, step: f64) -> String {
    if step >= 1.0 && (v - v.round()).abs() < 1e-9 {
        return format!("{}", v.round() as i64);
    }
    let decimals = (-step.log10().floor()).clamp(0.0, 6.0) as usize;
    format!("{v:.decimals$}")
}

/// Round ("nice") tick positions covering `[lo, hi]` with about `target` intervals:
/// steps of 1, 2 or 5 times a power of ten (Heckbert's labelling).
pub fn nice_ticks(lo: f64, hi: f64, target: usize) -> (Vec<f64>, f64) {
    let (lo, hi) = if hi > lo { (lo, hi) } else { (lo - 0.5, lo + 0.5) };
    let raw = (hi - lo) / target.max(1) as f64;
    let mag = 10f64.powf(raw.log10().floor());
    let norm = raw / mag;
    let step = mag
        * if norm < 1.5 {
            1.0
        } else if norm < 3.0 {
            2.0
        } else if norm < 7.0 {
            5.0
        } else {
            10.0
        };
    let start = (lo / step).floor() * step;
    let mut ticks = Vec::new();
    let mut t = start;
    while t <= hi + step * 1e-9 {
        if t >= lo - step * 1e-9 {
            // Snap -0.0 and float noise to the step grid.
            let v = (t / step).round() * step;
            ticks.push(if v == 0.0 { 0.0 } else { v });
        }
        t += step;
    }
    (ticks, step)
}

/// An SVG document under construction. Everything is appended as text.
pub struct Svg {
    pub width: f64,
    pub height: f64,
    body: String,
}

impl Svg {
    pub fn new(width: f64, height: f64) -> Self {
        Svg { width, height, body: String::new() }
    }

    /// Appends raw SVG markup (already escaped).
    pub fn raw(&mut self, s: &str) {
        self.body.push_str(s);
        self.body.push('\n');
    }

    pub fn rect(&mut self, x: f64, y: f64, w: f64, h: f64, style: &str) {
        let _ = writeln!(
            self.body,
            r#"<rect x="{}" y="{}" width="{}" height="{}" {style}/>"#,
            num(x),
            num(y),
            num(w.max(0.0)),
            num(h.max(0.0))
        );
    }

    pub fn line(&mut self, x1: f64, y1: f64, x2: f64, y2: f64, style: &str) {
        let _ = writeln!(
            self.body,
            r#"<line x1="{}" y1="{}" x2="{}" y2="{}" {style}/>"#,
            num(x1),
            num(y1),
            num(x2),
            num(y2)
        );
    }

    pub fn polyline(&mut self, pts: &[(f64, f64)], style: &str) {
        let mut d = String::with_capacity(pts.len() * 12);
        for (x, y) in pts {
            let _ = write!(d, "{},{} ", num(*x), num(*y));
        }
        let _ = writeln!(self.body, r#"<polyline points="{}" fill="none" {style}/>"#, d.trim_end());
    }

    /// Text; `anchor` is start|middle|end. `extra` holds further attributes (already escaped).
    pub fn text(&mut self, x: f64, y: f64, size: f64, anchor: &str, extra: &str, s: &str) {
        let _ = writeln!(
            self.body,
            r#"<text x="{}" y="{}" font-size="{}" text-anchor="{anchor}" {extra}>{}</text>"#,
            num(x),
            num(y),
            num(size),
            esc(s)
        );
    }

    /// The finished document, with a white background and a default sans-serif font.
    pub fn finish(self) -> String {
        let mut out = String::with_capacity(self.body.len() + 400);
        let _ = writeln!(
            out,
            r##"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" font-family="Helvetica, Arial, sans-serif" fill="#222">"##,
            w = num(self.width),
            h = num(self.height)
        );
        let _ = writeln!(out, r##"<rect width="100%" height="100%" fill="#ffffff"/>"##);
        out.push_str(&self.body);
        out.push_str("</svg>\n");
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_round_and_cover_range() {
        let (t, step) = nice_ticks(0.0, 1.0, 5);
        assert_eq!(step, 0.2);
        assert_eq!(t.len(), 6);
        assert!((t[5] - 1.0).abs() < 1e-12);
        let (t, step) = nice_ticks(3.0, 17.0, 5);
        assert_eq!(step, 2.0);
        assert_eq!(t.first(), Some(&4.0));
        assert_eq!(t.last(), Some(&16.0));
    }

    #[test]
    fn escaping_and_numbers() {
        assert_eq!(esc("a<b & \"c\""), "a&lt;b &amp; &quot;c&quot;");
        assert_eq!(num(1.0), "1");
        assert_eq!(num(1.256), "1.26");
        assert_eq!(num(-0.5), "-0.5");
        assert_eq!(tick_label(0.45, 0.05), "0.45");
        assert_eq!(tick_label(12.0, 2.0), "12");
    }
}
