//! Statistical plots of ensemble output as SVG: a histogram with a marked value, the field's
//! sorted-district vote-share boxplot with an overlaid plan, and per-chain trace plots.
//!
//! Every function takes plain data and returns the SVG text; nothing here reads files, so the
//! judge (reports) and the CLI (`redraw plot`) share one implementation. Non-finite values are
//! ignored. Plots never panic on empty input: they draw the frame with a "no data" note.

use crate::svg::{nice_ticks, num, tick_label, Svg, REP_RED};

const W: f64 = 760.0;
const H: f64 = 460.0;
const LEFT: f64 = 78.0;
const RIGHT: f64 = 24.0;
const TOP: f64 = 58.0;
const BOTTOM: f64 = 64.0;

/// Line colours for chains in trace plots (darker than the map palette, for thin lines).
const LINE_COLOURS: [&str; 8] =
    ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"];

/// A linear plotting frame: data ranges mapped onto the plot area.
struct Frame {
    x0: f64,
    x1: f64,
    y0: f64,
    y1: f64,
}

impl Frame {
    fn px(&self, x: f64) -> f64 {
        LEFT + (x - self.x0) / (self.x1 - self.x0) * (W - LEFT - RIGHT)
    }
    fn py(&self, y: f64) -> f64 {
        H - BOTTOM - (y - self.y0) / (self.y1 - self.y0) * (H - TOP - BOTTOM)
    }
}

fn header(svg: &mut Svg, title: &str, subtitle: &str) {
    svg.text(LEFT, 26.0, 18.0, "start", r#"font-weight="bold""#, title);
    if !subtitle.is_empty() {
        svg.text(LEFT, 45.0, 12.0, "start", r##"fill="#555""##, subtitle);
    }
}

/// Draws gridlines, ticks and axis labels. `xticks` may be given explicitly (integer ranks).
fn axes(svg: &mut Svg, f: &Frame, xticks: Option<(Vec<f64>, f64)>, xlabel: &str, ylabel: &str) {
    let (yt, ystep) = nice_ticks(f.y0, f.y1, 6);
    for &t in &yt {
        let y = f.py(t);
        svg.line(LEFT, y, W - RIGHT, y, r##"stroke="#e6e6e6" stroke-width="1""##);
        svg.text(LEFT - 8.0, y + 4.0, 11.0, "end", r##"fill="#444""##, &tick_label(t, ystep));
    }
    let (xt, xstep) = xticks.unwrap_or_else(|| nice_ticks(f.x0, f.x1, 8));
    for &t in &xt {
        let x = f.px(t);
        svg.line(x, H - BOTTOM, x, H - BOTTOM + 5.0, r##"stroke="#444""##);
        svg.text(x, H - BOTTOM + 18.0, 11.0, "middle", r##"fill="#444""##, &tick_label(t, xstep));
    }
    svg.line(LEFT, H - BOTTOM, W - RIGHT, H - BOTTOM, r##"stroke="#444""##);
    svg.line(LEFT, TOP, LEFT, H - BOTTOM, r##"stroke="#444""##);
    svg.text((LEFT + W - RIGHT) / 2.0, H - 18.0, 13.0, "middle", "", xlabel);
    let cy = (TOP + H - BOTTOM) / 2.0;
    svg.text(20.0, cy, 13.0, "middle", &format!(r#"transform="rotate(-90 20 {})""#, num(cy)), ylabel);
}

fn no_data(svg: &mut Svg) {
    svg.text(W / 2.0, H / 2.0, 16.0, "middle", r##"fill="#888""##, "no data");
}

/// A value for a label: integers plainly, others with up to 4 decimals, trailing zeros dropped.
fn fmt_value(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        let s = format!("{v:.4}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

fn finite(values: &[f64]) -> Vec<f64> {
    values.iter().copied().filter(|v| v.is_finite()).collect()
}

/// The `q`-quantile (0..=1) of sorted data, linearly interpolated (numpy's default).
pub fn quantile_sorted(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let pos = q.clamp(0.0, 1.0) * (sorted.len() - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = pos.ceil() as usize;
    sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo as f64)
}

/// Histogram of `values` with an optional marked value (typically the enacted plan's score),
/// drawn as a red line labelled with the share of the ensemble at or below it.
///
/// Integer-valued data with a range up to 80 (seat counts, cut edges of small graphs) gets one
/// bar per integer; anything else gets `clamp(√n, 10, 40)` equal-width bins.
pub fn histogram_svg(values: &[f64], marked_value: Option<f64>, title: &str, xlabel: &str) -> String {
    let mut svg = Svg::new(W, H);
    let v = finite(values);
    let marked = marked_value.filter(|m| m.is_finite());
    let subtitle = match (v.is_empty(), marked) {
        (true, _) => String::new(),
        (false, Some(m)) => {
            let le = v.iter().filter(|&&x| x <= m).count() as f64 / v.len() as f64;
            let lt = v.iter().filter(|&&x| x < m).count() as f64 / v.len() as f64;
            format!(
                "{} plans; marked value {} — {:.1}% of plans below, {:.1}% at or below",
                v.len(),
                fmt_value(m),
                lt * 100.0,
                le * 100.0
            )
        }
        (false, None) => format!("{} plans", v.len()),
    };
    header(&mut svg, title, &subtitle);
    if v.is_empty() {
        axes(&mut svg, &Frame { x0: 0.0, x1: 1.0, y0: 0.0, y1: 1.0 }, None, xlabel, "plans");
        no_data(&mut svg);
        return svg.finish();
    }
    let mut lo = v.iter().copied().fold(f64::INFINITY, f64::min);
    let mut hi = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if let Some(m) = marked {
        lo = lo.min(m);
        hi = hi.max(m);
    }
    let integral = v.iter().all(|x| x.fract() == 0.0) && hi - lo <= 80.0;
    // Bin edges: integers get unit bins centred on each value.
    let (start, width, nbins) = if integral {
        (lo - 0.5, 1.0, (hi - lo) as usize + 1)
    } else {
        let n = ((v.len() as f64).sqrt().round() as usize).clamp(10, 40);
        let span = if hi > lo { hi - lo } else { 1.0 };
        let w = span / n as f64;
        (if hi > lo { lo } else { lo - 0.5 }, w, n)
    };
    let mut counts = vec![0usize; nbins];
    for &x in &v {
        let b = (((x - start) / width).floor() as isize).clamp(0, nbins as isize - 1) as usize;
        counts[b] += 1;
    }
    let ymax = *counts.iter().max().unwrap_or(&1) as f64;
    let (yt, _) = nice_ticks(0.0, ymax, 6);
    let f = Frame {
        x0: start - width * 0.5,
        x1: start + width * (nbins as f64 + 0.5),
        y0: 0.0,
        y1: yt.last().copied().unwrap_or(ymax).max(ymax),
    };
    let xticks = if integral {
        let (t, step) = nice_ticks(lo, hi, 10);
        let step = step.max(1.0);
        Some((t.into_iter().filter(|x| x.fract() == 0.0).collect(), step))
    } else {
        None
    };
    axes(&mut svg, &f, xticks, xlabel, "plans");
    for (i, &c) in counts.iter().enumerate() {
        if c == 0 {
            continue;
        }
        let a = start + i as f64 * width;
        let x = f.px(a);
        let x2 = f.px(a + width);
        let gap = if integral { ((x2 - x) * 0.12).min(3.0) } else { 0.5 };
        svg.rect(
            x + gap,
            f.py(c as f64),
            x2 - x - 2.0 * gap,
            f.py(0.0) - f.py(c as f64),
            r##"fill="#8fb8de" stroke="#4a7fb0" stroke-width="0.6""##,
        );
    }
    if let Some(m) = marked {
        let x = f.px(m);
        svg.line(x, TOP, x, H - BOTTOM, &format!(r#"stroke="{REP_RED}" stroke-width="2.5""#));
        let anchor = if x > W * 0.7 { "end" } else { "start" };
        let dx = if anchor == "end" { -6.0 } else { 6.0 };
        svg.text(
            x + dx,
            TOP + 14.0,
            12.0,
            anchor,
            &format!(r#"fill="{REP_RED}" font-weight="bold""#),
            &format!("marked: {}", fmt_value(m)),
        );
    }
    svg.finish()
}

/// Turns an ensemble of plans (each a vector of per-district vote shares, any order) into the
/// per-rank distributions [`boxplot_svg`] expects: entry `r` holds the `r`-th smallest share of
/// every plan. Plans with a different district count than the first are skipped.
pub fn per_rank_distributions(plans: &[Vec<f64>]) -> Vec<Vec<f64>> {
    let k = plans.first().map_or(0, Vec::len);
    let mut out = vec![Vec::with_capacity(plans.len()); k];
    let mut buf = Vec::with_capacity(k);
    for p in plans.iter().filter(|p| p.len() == k) {
        buf.clear();
        buf.extend_from_slice(p);
        buf.sort_by(f64::total_cmp);
        for (r, &s) in buf.iter().enumerate() {
            out[r].push(s);
        }
    }
    out
}

/// The standard "sorted district vote-share" boxplot: for each rank `r` (districts ordered from
/// the lowest to the highest share of one party), a box of the ensemble's distribution of the
/// `r`-th smallest share (`per_rank[r]`, see [`per_rank_distributions`]), with the overlaid
/// plan's sorted shares (typically the enacted plan) as red dots, and the 50% line.
///
/// Boxes span the 25th-75th percentiles with the median marked; whiskers reach the 1st and
/// 99th percentiles (stated in the subtitle). `overlay` is sorted here, so any order is fine;
/// its length should equal `per_rank.len()` (extra entries are ignored).
pub fn boxplot_svg(per_rank: &[Vec<f64>], overlay: Option<&[f64]>, title: &str) -> String {
    let mut svg = Svg::new(W, H);
    let ranks: Vec<Vec<f64>> = per_rank
        .iter()
        .map(|d| {
            let mut s = finite(d);
            s.sort_by(f64::total_cmp);
            s
        })
        .collect();
    let mut ov: Vec<f64> = overlay.map(finite).unwrap_or_default();
    ov.sort_by(f64::total_cmp);
    let plans = ranks.iter().map(Vec::len).max().unwrap_or(0);
    header(
        &mut svg,
        title,
        &format!(
            "{} districts, {} plans; boxes: 25th–75th percentile and median, whiskers: 1st–99th percentile",
            ranks.len(),
            plans
        ),
    );
    let k = ranks.len();
    if k == 0 || plans == 0 {
        axes(&mut svg, &Frame { x0: 0.0, x1: 1.0, y0: 0.0, y1: 1.0 }, None, "district rank", "vote share");
        no_data(&mut svg);
        return svg.finish();
    }
    let mut lo = f64::INFINITY;
    let mut hi = f64::NEG_INFINITY;
    for s in ranks.iter().filter(|s| !s.is_empty()) {
        lo = lo.min(s[0]);
        hi = hi.max(s[s.len() - 1]);
    }
    for &o in &ov {
        lo = lo.min(o);
        hi = hi.max(o);
    }
    lo = lo.min(0.5);
    hi = hi.max(0.5);
    let pad = (hi - lo) * 0.05;
    let (yt, _) = nice_ticks(lo - pad, hi + pad, 6);
    let f = Frame {
        x0: 0.4,
        x1: k as f64 + 0.6,
        y0: yt.first().copied().unwrap_or(0.0).min(lo - pad),
        y1: yt.last().copied().unwrap_or(1.0).max(hi + pad),
    };
    let xt: Vec<f64> = if k <= 20 {
        (1..=k).map(|r| r as f64).collect()
    } else {
        let step = (k as f64 / 12.0).ceil() as usize;
        (1..=k).filter(|r| r % step == 0 || *r == 1).map(|r| r as f64).collect()
    };
    axes(&mut svg, &f, Some((xt, 1.0)), "districts, ordered from lowest to highest vote share", "vote share");
    svg.line(
        LEFT,
        f.py(0.5),
        W - RIGHT,
        f.py(0.5),
        r##"stroke="#777" stroke-width="1.2" stroke-dasharray="6,4""##,
    );
    let bw = ((f.px(2.0) - f.px(1.0)) * 0.6).clamp(1.5, 36.0);
    for (r, s) in ranks.iter().enumerate() {
        if s.is_empty() {
            continue;
        }
        let x = f.px(r as f64 + 1.0);
        let q = |p| f.py(quantile_sorted(s, p));
        let (w1, q1, med, q3, w9) = (q(0.01), q(0.25), q(0.5), q(0.75), q(0.99));
        svg.line(x, w1, x, q1, r##"stroke="#4a7fb0" stroke-width="1""##);
        svg.line(x, q3, x, w9, r##"stroke="#4a7fb0" stroke-width="1""##);
        svg.line(x - bw / 4.0, w1, x + bw / 4.0, w1, r##"stroke="#4a7fb0""##);
        svg.line(x - bw / 4.0, w9, x + bw / 4.0, w9, r##"stroke="#4a7fb0""##);
        svg.rect(
            x - bw / 2.0,
            q3,
            bw,
            (q1 - q3).max(0.8),
            r##"fill="#c5dcf0" stroke="#4a7fb0" stroke-width="1""##,
        );
        svg.line(x - bw / 2.0, med, x + bw / 2.0, med, r##"stroke="#1d4f7c" stroke-width="2""##);
    }
    for (r, &o) in ov.iter().take(k).enumerate() {
        let x = f.px(r as f64 + 1.0);
        svg.raw(&format!(
            r##"<circle cx="{}" cy="{}" r="{}" fill="{REP_RED}" stroke="#fff" stroke-width="0.8"/>"##,
            num(x),
            num(f.py(o)),
            num((bw / 3.0).clamp(2.0, 5.0))
        ));
    }
    // Legend, top-left inside the plot area.
    let lx = LEFT + 12.0;
    let ly = TOP + 12.0;
    svg.rect(
        lx - 6.0,
        ly - 10.0,
        190.0,
        if ov.is_empty() { 24.0 } else { 42.0 },
        r##"fill="#fff" fill-opacity="0.85" stroke="#ccc""##,
    );
    svg.rect(lx, ly - 5.0, 14.0, 10.0, r##"fill="#c5dcf0" stroke="#4a7fb0""##);
    svg.text(lx + 22.0, ly + 4.0, 12.0, "start", "", "ensemble");
    if !ov.is_empty() {
        svg.raw(&format!(
            r##"<circle cx="{}" cy="{}" r="4" fill="{REP_RED}"/>"##,
            num(lx + 7.0),
            num(ly + 18.0)
        ));
        svg.text(lx + 22.0, ly + 22.0, 12.0, "start", "", "overlaid plan");
    }
    svg.finish()
}

/// Trace plot: one line per chain of a statistic against the step. Long chains are reduced to
/// at most 1,500 buckets per chain, drawing each bucket's minimum and maximum so spikes survive.
pub fn trace_svg(chains: &[Vec<f64>], title: &str) -> String {
    trace_svg_labelled(chains, title, "value")
}

/// [`trace_svg`] with a y-axis label (the statistic's name).
pub fn trace_svg_labelled(chains: &[Vec<f64>], title: &str, ylabel: &str) -> String {
    let mut svg = Svg::new(W, H);
    let n = chains.iter().map(Vec::len).max().unwrap_or(0);
    header(
        &mut svg,
        title,
        &format!("{} chain{}, {} steps", chains.len(), if chains.len() == 1 { "" } else { "s" }, n),
    );
    let mut lo = f64::INFINITY;
    let mut hi = f64::NEG_INFINITY;
    for v in chains.iter().flatten().filter(|v| v.is_finite()) {
        lo = lo.min(*v);
        hi = hi.max(*v);
    }
    if n == 0 || !lo.is_finite() {
        axes(&mut svg, &Frame { x0: 0.0, x1: 1.0, y0: 0.0, y1: 1.0 }, None, "step", ylabel);
        no_data(&mut svg);
        return svg.finish();
    }
    let pad = if hi > lo { (hi - lo) * 0.05 } else { 0.5 };
    let (yt, _) = nice_ticks(lo - pad, hi + pad, 6);
    let f = Frame {
        x0: 0.0,
        x1: (n.max(2) - 1) as f64,
        y0: yt.first().copied().unwrap_or(lo).min(lo - pad),
        y1: yt.last().copied().unwrap_or(hi).max(hi + pad),
    };
    axes(&mut svg, &f, None, "step", ylabel);
    const BUCKETS: usize = 1500;
    for (c, chain) in chains.iter().enumerate() {
        let colour = LINE_COLOURS[c % LINE_COLOURS.len()];
        let per = chain.len().div_ceil(BUCKETS).max(1);
        let mut pts = Vec::with_capacity(2 * BUCKETS + 2);
        for (b, chunk) in chain.chunks(per).enumerate() {
            let base = b * per;
            let mut mn = (f64::INFINITY, 0);
            let mut mx = (f64::NEG_INFINITY, 0);
            for (i, &v) in chunk.iter().enumerate().filter(|(_, v)| v.is_finite()) {
                if v < mn.0 {
                    mn = (v, i);
                }
                if v > mx.0 {
                    mx = (v, i);
                }
            }
            if !mn.0.is_finite() {
                continue;
            }
            let (a, bb) = if mn.1 <= mx.1 { (mn, mx) } else { (mx, mn) };
            pts.push((f.px((base + a.1) as f64), f.py(a.0)));
            if per > 1 {
                pts.push((f.px((base + bb.1) as f64), f.py(bb.0)));
            }
        }
        svg.polyline(&pts, &format!(r#"stroke="{colour}" stroke-width="1.1" stroke-opacity="0.85""#));
    }
    if chains.len() > 1 {
        let mut x = LEFT + 10.0;
        for c in 0..chains.len().min(8) {
            let colour = LINE_COLOURS[c % LINE_COLOURS.len()];
            svg.line(x, TOP + 10.0, x + 18.0, TOP + 10.0, &format!(r#"stroke="{colour}" stroke-width="3""#));
            svg.text(x + 22.0, TOP + 14.0, 11.0, "start", "", &format!("chain {}", c + 1));
            x += 78.0;
        }
    }
    svg.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_interpolate() {
        let s = [1.0, 2.0, 3.0, 4.0];
        assert_eq!(quantile_sorted(&s, 0.0), 1.0);
        assert_eq!(quantile_sorted(&s, 1.0), 4.0);
        assert!((quantile_sorted(&s, 0.5) - 2.5).abs() < 1e-12);
        assert!(quantile_sorted(&[], 0.5).is_nan());
    }

    #[test]
    fn per_rank_sorts_each_plan() {
        let r = per_rank_distributions(&[vec![0.6, 0.4, 0.5], vec![0.3, 0.7, 0.5], vec![0.1]]);
        assert_eq!(r, vec![vec![0.4, 0.3], vec![0.5, 0.5], vec![0.6, 0.7]]);
    }

    #[test]
    fn histogram_counts_integer_bins_and_marks() {
        let v = [3.0, 4.0, 4.0, 5.0, 5.0, 5.0];
        let s = histogram_svg(&v, Some(4.0), "Seats", "Democratic seats");
        // One bar per distinct integer value: 3 bars.
        assert_eq!(s.matches(r##"fill="#8fb8de""##).count(), 3);
        assert!(s.contains("16.7% of plans below, 50.0% at or below"), "{s}");
        assert!(s.starts_with("<svg") && s.trim_end().ends_with("</svg>"));
    }

    #[test]
    fn plots_survive_empty_and_nan_input() {
        for s in [
            histogram_svg(&[], None, "t", "x"),
            histogram_svg(&[f64::NAN], Some(f64::NAN), "t", "x"),
            boxplot_svg(&[], None, "t"),
            boxplot_svg(&[vec![]], Some(&[]), "t"),
            trace_svg(&[], "t"),
            trace_svg(&[vec![f64::NAN]], "t"),
        ] {
            assert!(s.contains("no data"));
        }
    }

    #[test]
    fn boxplot_draws_one_box_per_rank_and_overlay_dots() {
        let plans: Vec<Vec<f64>> =
            (0..50).map(|i| vec![0.3 + i as f64 * 0.001, 0.5, 0.7 - i as f64 * 0.001]).collect();
        let ranks = per_rank_distributions(&plans);
        let s = boxplot_svg(&ranks, Some(&[0.62, 0.35, 0.5]), "Sorted shares");
        assert_eq!(s.matches(r##"fill="#c5dcf0" stroke="#4a7fb0" stroke-width="1""##).count(), 3);
        assert_eq!(s.matches("<circle").count(), 3 + 1); // 3 dots + legend dot
    }

    #[test]
    fn trace_downsamples_long_chains() {
        let chain: Vec<f64> = (0..100_000).map(|i| (i % 7) as f64).collect();
        let s = trace_svg(&[chain.clone(), chain], "Cut edges");
        assert!(s.len() < 200_000, "trace SVG should stay small, got {}", s.len());
        assert!(s.contains("chain 2"));
    }
}
