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
        // A long subtitle (a weighted ensemble's says what its bars are) is set smaller rather
        // than run off the figure: about 0.56 em per character of Helvetica, down to 9 px.
        let room = W - LEFT - 8.0;
        let size = (room / (0.56 * subtitle.chars().count() as f64)).clamp(9.0, 12.0);
        svg.text(LEFT, 45.0, (size * 10.0).floor() / 10.0, "start", r##"fill="#555""##, subtitle);
    }
}

/// Draws gridlines, ticks and axis labels. `xticks` may be given explicitly (integer ranks).
fn axes(svg: &mut Svg, f: &Frame, xticks: Option<(Vec<f64>, f64)>, xlabel: &str, ylabel: &str) {
    axes_with(svg, f, xticks, xlabel, ylabel, None, &|_| String::new());
}

/// [`axes`] with tick formatters: `xfmt` for the x ticks (default: plain numbers), `yfmt` for
/// the y ticks (an empty string: plain numbers).
fn axes_with(
    svg: &mut Svg,
    f: &Frame,
    xticks: Option<(Vec<f64>, f64)>,
    xlabel: &str,
    ylabel: &str,
    xfmt: Option<&dyn Fn(f64) -> String>,
    yfmt: &dyn Fn(f64) -> String,
) {
    let (yt, ystep) = nice_ticks(f.y0, f.y1, 6);
    for &t in &yt {
        let y = f.py(t);
        svg.line(LEFT, y, W - RIGHT, y, r##"stroke="#e6e6e6" stroke-width="1""##);
        let label = match yfmt(t) {
            s if s.is_empty() => tick_label(t, ystep),
            s => s,
        };
        svg.text(LEFT - 8.0, y + 4.0, 11.0, "end", r##"fill="#444""##, &label);
    }
    let (xt, xstep) = xticks.unwrap_or_else(|| nice_ticks(f.x0, f.x1, 8));
    for &t in &xt {
        let x = f.px(t);
        svg.line(x, H - BOTTOM, x, H - BOTTOM + 5.0, r##"stroke="#444""##);
        let label = xfmt.map_or_else(|| tick_label(t, xstep), |g| g(t));
        svg.text(x, H - BOTTOM + 18.0, 11.0, "middle", r##"fill="#444""##, &label);
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

/// How an ensemble statistic is binned for a histogram: **the one binning rule of every
/// histogram redraw draws** (judge reports and `redraw plot`), with optional importance weights.
///
/// - Whole-number data (every value, and the marked value if any, is an integer: seats, cut
///   edges, split counties, district counts) gets bins of whole numbers centred on them: one bar
///   per value while the range spans at most 60 values, else bars of a round width (2, 5, 10, …)
///   each holding that many consecutive values. A bar is drawn from `v − w/2` to `v + w/2`
///   around the values it holds, so a value's bar is centred on its tick and on its marker.
/// - Other data gets about `√n` (10 to 40) bins of a round width aligned to multiples of it.
///
/// Heights are **shares of the ensemble** (weights normalised to sum to 1; without weights
/// each plan counts `1/n`), so weighted (SMC) and unweighted ensembles read alike.
#[derive(Clone, Debug, PartialEq)]
pub struct Bins {
    /// Whole-number bins.
    pub integer: bool,
    /// Left edge of the first bin.
    pub start: f64,
    /// Width of every bin.
    pub width: f64,
    /// Share of the ensemble in each bin (sums to 1).
    pub share: Vec<f64>,
    /// Values binned (finite, with a positive weight).
    pub count: usize,
}

impl Bins {
    /// Bins `values` (non-finite ones and zero weights are left out) so that `include` (the
    /// plan's value), when finite, lies inside the range. `None` when nothing is left to bin or
    /// `weights` does not match `values` in length or holds a negative or non-finite weight.
    pub fn new(values: &[f64], weights: Option<&[f64]>, include: Option<f64>) -> Option<Bins> {
        if let Some(w) = weights {
            if w.len() != values.len() || w.iter().any(|x| !(x.is_finite() && *x >= 0.0)) {
                return None;
            }
        }
        let weight = |i: usize| weights.map_or(1.0, |w| w[i]);
        let kept: Vec<usize> =
            (0..values.len()).filter(|&i| values[i].is_finite() && weight(i) > 0.0).collect();
        let total: f64 = kept.iter().map(|&i| weight(i)).sum();
        if kept.is_empty() || total.partial_cmp(&0.0) != Some(std::cmp::Ordering::Greater) {
            return None;
        }
        let include = include.filter(|m| m.is_finite());
        let mut lo = kept.iter().map(|&i| values[i]).fold(f64::INFINITY, f64::min);
        let mut hi = kept.iter().map(|&i| values[i]).fold(f64::NEG_INFINITY, f64::max);
        if let Some(m) = include {
            lo = lo.min(m);
            hi = hi.max(m);
        }
        let integer = kept.iter().all(|&i| values[i].fract() == 0.0)
            && include.is_none_or(|m| m.fract() == 0.0)
            && hi - lo < 1e9;
        let (start, width, nbins) = if integer {
            let span = hi - lo + 1.0;
            let width = if span <= 60.0 { 1.0 } else { round_width((span / 40.0).ceil()) };
            let first = (lo / width).floor() * width;
            let nbins = ((hi - first) / width).floor() as usize + 1;
            (first - 0.5, width, nbins)
        } else if hi > lo {
            let target = ((kept.len() as f64).sqrt().round()).clamp(10.0, 40.0);
            let width = nice_step((hi - lo) / target);
            let first = (lo / width).floor() * width;
            let nbins = (((hi - first) / width).floor() as usize + 1).max(1);
            (first, width, nbins)
        } else {
            let width = if lo == 0.0 { 1.0 } else { nice_step(lo.abs() / 10.0) };
            (lo - width / 2.0, width, 1)
        };
        let mut share = vec![0.0; nbins];
        for &i in &kept {
            share[Self::index_of(start, width, nbins, values[i])] += weight(i) / total;
        }
        Some(Bins { integer, start, width, share, count: kept.len() })
    }

    fn index_of(start: f64, width: f64, nbins: usize, x: f64) -> usize {
        (((x - start) / width).floor().max(0.0) as usize).min(nbins - 1)
    }

    /// The bin holding `x` (clamped to the first or last bin).
    pub fn bin_of(&self, x: f64) -> usize {
        Self::index_of(self.start, self.width, self.share.len(), x)
    }

    /// `[left, right)` edges of bin `i`.
    pub fn edges(&self, i: usize) -> (f64, f64) {
        let a = self.start + i as f64 * self.width;
        (a, a + self.width)
    }
}

/// A round bin width at least `raw`: 1, 2, 5 or 10 times a power of ten.
fn nice_step(raw: f64) -> f64 {
    if raw.is_nan() || raw <= 0.0 || !raw.is_finite() {
        return 1.0;
    }
    let mag = 10f64.powf(raw.log10().floor());
    let norm = raw / mag;
    mag * if norm <= 1.0 {
        1.0
    } else if norm <= 2.0 {
        2.0
    } else if norm <= 5.0 {
        5.0
    } else {
        10.0
    }
}

/// A whole-number bin width at least `raw` (≥ 1): 1, 2, 5, 10, 20, 25, 50, 100, …
fn round_width(raw: f64) -> f64 {
    let w = nice_step(raw.max(1.0));
    if w < 1.0 {
        1.0
    } else {
        w.round()
    }
}

/// What a histogram shows besides its bins.
pub struct HistogramPlot<'a> {
    pub title: &'a str,
    /// One line under the title (sample size, the plan's percentile, …).
    pub subtitle: &'a str,
    /// The x axis: what the statistic is, in the units of the tick labels.
    pub xlabel: &'a str,
    pub bins: &'a Bins,
    /// The marked value (the plan's) and the words of its label ("this plan: 7").
    pub marked: Option<(f64, String)>,
    /// Tick label of an x value (e.g. a percentage); `None`: plain numbers.
    pub tick: Option<&'a dyn Fn(f64) -> String>,
}

/// Draws a histogram: bars of the ensemble's shares, the bar holding the marked value in a
/// distinct colour, and a line at the exact marked value (centred on its bar for whole
/// numbers).
pub fn histogram_plot_svg(p: &HistogramPlot) -> String {
    let mut svg = Svg::new(W, H);
    header(&mut svg, p.title, p.subtitle);
    let b = p.bins;
    let nb = b.share.len();
    // Headroom above the tallest bar for the plan's label, which sits at the top.
    let ymax = 1.12 * b.share.iter().copied().fold(0.0, f64::max).max(1e-12);
    let (yt, ystep) = nice_ticks(0.0, ymax, 5);
    let (x0, x1) = (b.start - 0.5 * b.width, b.start + (nb as f64 + 0.5) * b.width);
    let f = Frame { x0, x1, y0: 0.0, y1: yt.last().copied().unwrap_or(ymax).max(ymax) };
    // Every tick label with the same number of decimals (5%, 10%, 15%, not 15.0%).
    let decimals = if (100.0 * ystep - (100.0 * ystep).round()).abs() < 1e-9 { 0 } else { 1 };
    let xticks = if b.integer {
        let lo = b.start + 0.5;
        let hi = b.start + nb as f64 * b.width - 0.5;
        let (t, step) = nice_ticks(lo, hi, 10);
        let step = step.max(b.width);
        let t: Vec<f64> = if b.width == 1.0 && nb <= 25 {
            (0..nb).map(|i| lo + i as f64).collect()
        } else {
            t.into_iter().filter(|x| x.fract() == 0.0 && *x >= lo - 1e-9 && *x <= hi + 1e-9).collect()
        };
        Some((t, step))
    } else {
        None
    };
    axes_with(&mut svg, &f, xticks, p.xlabel, "share of ensemble plans", p.tick, &|v| {
        format!("{:.*}%", decimals, 100.0 * v)
    });
    let marked_bin = p.marked.as_ref().map(|(m, _)| b.bin_of(*m));
    for (i, &c) in b.share.iter().enumerate() {
        if c <= 0.0 {
            continue;
        }
        let (a, z) = b.edges(i);
        let (xa, xz) = (f.px(a), f.px(z));
        let gap = if b.integer { ((xz - xa) * 0.1).min(3.0) } else { 0.4 };
        let style = if marked_bin == Some(i) {
            r##"fill="#f4a582" stroke="#b2182b" stroke-width="1.2""##
        } else {
            r##"fill="#92c5de" stroke="#4393c3" stroke-width="0.6""##
        };
        svg.rect(xa + gap, f.py(c), xz - xa - 2.0 * gap, f.py(0.0) - f.py(c), style);
    }
    if let Some((m, label)) = &p.marked {
        let x = f.px(*m);
        svg.line(x, TOP, x, H - BOTTOM, &format!(r#"stroke="{REP_RED}" stroke-width="2""#));
        let anchor = if x > W * 0.6 { "end" } else { "start" };
        let dx = if anchor == "end" { -6.0 } else { 6.0 };
        svg.text(x + dx, TOP + 14.0, 12.0, anchor, &format!(r#"fill="{REP_RED}" font-weight="bold""#), label);
    }
    // Legend: what the highlighted bar is.
    if marked_bin.is_some() {
        let (lx, ly) = (W - RIGHT - 200.0, TOP + 30.0);
        svg.rect(lx, ly - 9.0, 14.0, 11.0, r##"fill="#f4a582" stroke="#b2182b""##);
        svg.text(lx + 20.0, ly, 11.0, "start", "", "bar holding this plan's value");
    }
    svg.finish()
}

/// Histogram of `values` with an optional marked value, unweighted ([`Bins::new`] rules), with
/// the share of plans below and at or below the marked value in the subtitle (`redraw plot`).
pub fn histogram_svg(values: &[f64], marked_value: Option<f64>, title: &str, xlabel: &str) -> String {
    let marked = marked_value.filter(|m| m.is_finite());
    let Some(bins) = Bins::new(values, None, marked) else {
        let mut svg = Svg::new(W, H);
        header(&mut svg, title, "");
        axes(&mut svg, &Frame { x0: 0.0, x1: 1.0, y0: 0.0, y1: 1.0 }, None, xlabel, "share of plans");
        no_data(&mut svg);
        return svg.finish();
    };
    let v = finite(values);
    let subtitle = match marked {
        Some(m) => {
            let lt = v.iter().filter(|&&x| x < m).count() as f64 / v.len() as f64;
            let le = v.iter().filter(|&&x| x <= m).count() as f64 / v.len() as f64;
            format!(
                "{} plans; marked value {} — {:.1}% of plans below, {:.1}% at or below",
                v.len(),
                fmt_value(m),
                lt * 100.0,
                le * 100.0
            )
        }
        None => format!("{} plans", v.len()),
    };
    histogram_plot_svg(&HistogramPlot {
        title,
        subtitle: &subtitle,
        xlabel,
        bins: &bins,
        marked: marked.map(|m| (m, format!("marked: {}", fmt_value(m)))),
        tick: None,
    })
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
            group_digits(plans as f64, 1.0)
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

/// One chain's values of a statistic, in step order, for a trace plot.
#[derive(Clone, Debug, Default)]
pub struct TraceChain {
    /// "chain 1", "run 3", …
    pub label: String,
    /// Step of each value (the chain's step numbers, not positions).
    pub steps: Vec<u64>,
    pub values: Vec<f64>,
}

/// Panels drawn one under the other, at most; more chains are overlaid in the last panel's
/// place as thinned lines with a legend.
const MAX_PANELS: usize = 8;
const PANEL_H: f64 = 92.0;
const PANEL_GAP: f64 = 14.0;

/// Trace plot: **one panel per chain** (a shared y range, the chain's own steps on the x axis),
/// so chains are compared side by side instead of overplotted. With more than eight chains the
/// first eight are drawn as thin lines in one panel with a legend and the subtitle says so.
/// Long chains are reduced to at most 1,200 buckets, drawing each bucket's minimum and maximum
/// so spikes survive. `ylabel` names the statistic; `integer` draws whole-number y ticks.
pub fn trace_panels_svg(chains: &[TraceChain], title: &str, subtitle: &str, ylabel: &str) -> String {
    let overlay = chains.len() > MAX_PANELS;
    let panels = if overlay { 1 } else { chains.len().max(1) };
    let top = TOP + 6.0;
    let height = top + panels as f64 * (PANEL_H + PANEL_GAP) + BOTTOM - PANEL_GAP + 8.0;
    let mut svg = Svg::new(W, height);
    let sub = if overlay {
        format!(
            "{subtitle}{}first {MAX_PANELS} of {} chains overlaid",
            if subtitle.is_empty() { "" } else { " · " },
            chains.len()
        )
    } else {
        subtitle.to_string()
    };
    header(&mut svg, title, &sub);
    let mut lo = f64::INFINITY;
    let mut hi = f64::NEG_INFINITY;
    let (mut s0, mut s1) = (u64::MAX, 0u64);
    for c in chains {
        for (&v, &st) in c.values.iter().zip(&c.steps) {
            if v.is_finite() {
                lo = lo.min(v);
                hi = hi.max(v);
                s0 = s0.min(st);
                s1 = s1.max(st);
            }
        }
    }
    if !lo.is_finite() {
        axes(&mut svg, &Frame { x0: 0.0, x1: 1.0, y0: 0.0, y1: 1.0 }, None, "chain step", ylabel);
        no_data(&mut svg);
        return svg.finish();
    }
    let pad = if hi > lo { (hi - lo) * 0.08 } else { 0.5 };
    let (yt, ystep) = nice_ticks(lo - pad, hi + pad, 3);
    let (y0, y1) =
        (yt.first().copied().unwrap_or(lo).min(lo - pad), yt.last().copied().unwrap_or(hi).max(hi + pad));
    let (x0, x1) = (s0 as f64, (s1.max(s0 + 1)) as f64);
    let (xt, xstep) = nice_ticks(x0, x1, 8);
    let px = |x: f64| LEFT + (x - x0) / (x1 - x0) * (W - LEFT - RIGHT);
    let shown: Vec<&TraceChain> =
        chains.iter().take(if overlay { MAX_PANELS } else { chains.len() }).collect();
    for p in 0..panels {
        let ptop = top + p as f64 * (PANEL_H + PANEL_GAP);
        let pbot = ptop + PANEL_H;
        let py = |y: f64| pbot - (y - y0) / (y1 - y0) * PANEL_H;
        svg.rect(
            LEFT,
            ptop,
            W - LEFT - RIGHT,
            PANEL_H,
            r##"fill="#fbfbfb" stroke="#bbb" stroke-width="0.8""##,
        );
        for &t in &yt {
            if t < y0 - 1e-12 || t > y1 + 1e-12 {
                continue;
            }
            let y = py(t);
            svg.line(LEFT, y, W - RIGHT, y, r##"stroke="#e3e3e3" stroke-width="1""##);
            svg.text(LEFT - 6.0, y + 4.0, 10.0, "end", r##"fill="#444""##, &tick_label(t, ystep));
        }
        let members: Vec<(usize, &TraceChain)> =
            if overlay { shown.iter().copied().enumerate().collect() } else { vec![(p, shown[p])] };
        for (ci, c) in &members {
            let colour = LINE_COLOURS[ci % LINE_COLOURS.len()];
            let width = if overlay { 0.8 } else { 1.0 };
            let pts = downsample(c, &px, &py);
            svg.polyline(&pts, &format!(r#"stroke="{colour}" stroke-width="{width}" stroke-opacity="0.9""#));
        }
        if !overlay {
            // The chain's name inside its panel, top left.
            svg.rect(LEFT + 4.0, ptop + 3.0, 64.0, 15.0, r##"fill="#fff" fill-opacity="0.85""##);
            svg.text(
                LEFT + 8.0,
                ptop + 14.0,
                11.0,
                "start",
                r##"font-weight="bold" fill="#333""##,
                &shown[p].label,
            );
        }
        // x ticks under every panel, labels under the last.
        for &t in &xt {
            let x = px(t);
            svg.line(x, pbot, x, pbot + 4.0, r##"stroke="#666""##);
            if p + 1 == panels {
                svg.text(x, pbot + 16.0, 10.0, "middle", r##"fill="#444""##, &group_digits(t, xstep));
            }
        }
    }
    if overlay {
        let mut x = LEFT + 8.0;
        for (ci, c) in shown.iter().enumerate() {
            let colour = LINE_COLOURS[ci % LINE_COLOURS.len()];
            svg.line(x, top + 9.0, x + 16.0, top + 9.0, &format!(r#"stroke="{colour}" stroke-width="3""#));
            svg.text(x + 20.0, top + 13.0, 10.0, "start", "", &c.label);
            x += 72.0;
        }
    }
    let bottom = top + panels as f64 * (PANEL_H + PANEL_GAP) - PANEL_GAP;
    svg.text((LEFT + W - RIGHT) / 2.0, bottom + 34.0, 13.0, "middle", "", "chain step");
    let cy = (top + bottom) / 2.0;
    svg.text(18.0, cy, 13.0, "middle", &format!(r#"transform="rotate(-90 18 {})""#, num(cy)), ylabel);
    svg.finish()
}

/// A step number with thousands separators (1,000,000), or with decimals for fine steps.
fn group_digits(v: f64, step: f64) -> String {
    if step < 1.0 {
        return tick_label(v, step);
    }
    redraw_core::text::group_thousands(v.round() as i128)
}

/// The points of a chain's line, at most 1,200 min/max buckets.
fn downsample(c: &TraceChain, px: &dyn Fn(f64) -> f64, py: &dyn Fn(f64) -> f64) -> Vec<(f64, f64)> {
    const BUCKETS: usize = 1200;
    let n = c.values.len().min(c.steps.len());
    let per = n.div_ceil(BUCKETS).max(1);
    let mut pts = Vec::with_capacity(2 * BUCKETS + 2);
    let mut i = 0;
    while i < n {
        let end = (i + per).min(n);
        let mut mn = (f64::INFINITY, i);
        let mut mx = (f64::NEG_INFINITY, i);
        for j in i..end {
            let v = c.values[j];
            if v.is_finite() {
                if v < mn.0 {
                    mn = (v, j);
                }
                if v > mx.0 {
                    mx = (v, j);
                }
            }
        }
        if mn.0.is_finite() {
            let (a, b) = if mn.1 <= mx.1 { (mn, mx) } else { (mx, mn) };
            pts.push((px(c.steps[a.1] as f64), py(a.0)));
            if per > 1 && b.1 != a.1 {
                pts.push((px(c.steps[b.1] as f64), py(b.0)));
            }
        }
        i = end;
    }
    pts
}

/// Trace plot of chains given as plain value lists (the step is the position): one panel per
/// chain (see [`trace_panels_svg`]), y axis labelled "value".
pub fn trace_svg(chains: &[Vec<f64>], title: &str) -> String {
    trace_svg_labelled(chains, title, "value")
}

/// [`trace_svg`] with a y-axis label (the statistic's name).
pub fn trace_svg_labelled(chains: &[Vec<f64>], title: &str, ylabel: &str) -> String {
    let traces: Vec<TraceChain> = chains
        .iter()
        .enumerate()
        .map(|(i, v)| TraceChain {
            label: format!("chain {}", i + 1),
            steps: (0..v.len() as u64).collect(),
            values: v.clone(),
        })
        .collect();
    let n = chains.iter().map(Vec::len).max().unwrap_or(0);
    let sub =
        format!("{} chain{}, {} values each", chains.len(), if chains.len() == 1 { "" } else { "s" }, n);
    trace_panels_svg(&traces, title, &sub, ylabel)
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
        // One bar per distinct integer value: 3 bars, the plan's (4) highlighted.
        assert_eq!(s.matches(r##"fill="#92c5de""##).count(), 2);
        assert_eq!(s.matches(r##"fill="#f4a582" stroke="#b2182b" stroke-width="1.2""##).count(), 1);
        assert!(s.contains("16.7% of plans below, 50.0% at or below"), "{s}");
        assert!(s.starts_with("<svg") && s.trim_end().ends_with("</svg>"));
    }

    #[test]
    fn integer_bins_are_centred_on_their_values() {
        // Seats 5..=9: one bin per value, value v in [v − 0.5, v + 0.5).
        let v: Vec<f64> = [5, 6, 6, 7, 7, 7, 9].iter().map(|&x| x as f64).collect();
        let b = Bins::new(&v, None, Some(8.0)).unwrap();
        assert!(b.integer && b.width == 1.0);
        assert_eq!(b.share.len(), 5);
        for x in 5..=9 {
            let (a, z) = b.edges(b.bin_of(x as f64));
            assert_eq!(((a + z) / 2.0), x as f64, "bar of {x} is centred on it");
        }
        assert_eq!(b.share[b.bin_of(7.0)], 3.0 / 7.0);
        assert_eq!(b.share[b.bin_of(8.0)], 0.0, "the plan's value is in range though no plan has it");
        // A wide whole-number range: bins of a round width, still whole numbers.
        let wide: Vec<f64> = (500..700).map(|x| x as f64).collect();
        let b = Bins::new(&wide, None, None).unwrap();
        assert!(b.integer && b.width == 5.0 && b.start == 499.5, "{b:?}");
        assert_eq!(b.share.len(), 40);
        // Fractions: round widths aligned to their multiples.
        let f: Vec<f64> = (0..400).map(|i| -0.05 + i as f64 * 0.00025).collect();
        let b = Bins::new(&f, None, Some(0.031)).unwrap();
        assert!(!b.integer && (b.start / b.width - (b.start / b.width).round()).abs() < 1e-9);
        assert!((b.share.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        // Weights: shares follow them; bad weights are refused.
        let b = Bins::new(&[1.0, 2.0], Some(&[1.0, 3.0]), None).unwrap();
        assert_eq!(b.share, vec![0.25, 0.75]);
        assert!(Bins::new(&[1.0, 2.0], Some(&[1.0]), None).is_none());
        assert!(Bins::new(&[1.0], Some(&[-1.0]), None).is_none());
        assert!(Bins::new(&[f64::NAN], None, None).is_none());
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

    /// A subtitle too long for the figure at 12 px is set smaller instead of running off it.
    #[test]
    fn long_subtitles_shrink_to_fit() {
        let size_of = |sub: &str| {
            let mut svg = Svg::new(W, H);
            header(&mut svg, "t", sub);
            let s = svg.finish();
            let at = s.find("fill=\"#555\"").unwrap();
            let tag = &s[s[..at].rfind("<text").unwrap()..at];
            tag.split("font-size=\"").nth(1).unwrap().split('"').next().unwrap().parse::<f64>().unwrap()
        };
        assert_eq!(size_of("39,604 neutral plans · this plan 10 · percentile 98.7"), 12.0);
        let long = "20,000 weighted SMC plans (bars: shares of the weight) · this plan 10 · percentile 99.2 (98.3% of plans lower, 1.7% equal)";
        let size = size_of(long);
        assert!(
            (9.0..12.0).contains(&size) && 0.56 * size * long.chars().count() as f64 <= W - LEFT - 8.0 + 1.0,
            "{size}"
        );
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
    fn trace_has_one_panel_per_chain_with_axis_labels() {
        let chains: Vec<Vec<f64>> = (0..4).map(|c| (0..50).map(|i| ((i + c) % 5) as f64).collect()).collect();
        let s = trace_svg_labelled(&chains, "Seats", "Democratic seats");
        assert_eq!(s.matches(r##"fill="#fbfbfb""##).count(), 4, "four panels");
        for c in 1..=4 {
            assert!(s.contains(&format!(">chain {c}<")));
        }
        assert!(s.contains(">Democratic seats<") && s.contains(">chain step<"));
        // More than eight chains: one overlaid panel with a legend.
        let many: Vec<Vec<f64>> = (0..10).map(|_| vec![1.0, 2.0, 3.0]).collect();
        let s = trace_svg(&many, "t");
        assert_eq!(s.matches(r##"fill="#fbfbfb""##).count(), 1);
        assert!(s.contains("first 8 of 10 chains overlaid"));
    }

    #[test]
    fn trace_downsamples_long_chains() {
        let chain: Vec<f64> = (0..100_000).map(|i| (i % 7) as f64).collect();
        let s = trace_svg(&[chain.clone(), chain], "Cut edges");
        assert!(s.len() < 200_000, "trace SVG should stay small, got {}", s.len());
        assert!(s.contains("chain 2"));
    }
}
