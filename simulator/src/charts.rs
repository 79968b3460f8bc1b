//! SVG charts, drawn with plotters (SVG backend only: no font libraries needed).

use crate::policy::{PolicyKind, StaminaBackoff};
use crate::report::{PolicyReport, Report};
use plotters::coord::Shift;
use plotters::coord::ranged1d::ValueFormatter;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use retry_core::backoff::Rng;
use retry_core::backoff::{Backoff, DefaultBackoff};
use std::error::Error;
use std::path::Path;
use std::time::Duration;

type Result<T = ()> = std::result::Result<T, Box<dyn Error>>;
type Area<'a> = DrawingArea<SVGBackend<'a>, Shift>;

const OUTAGE: RGBColor = RGBColor(253, 224, 221);
const CAPACITY: RGBColor = RGBColor(200, 30, 30);
const COLORS: [RGBColor; 8] = [
    RGBColor(120, 120, 120),
    RGBColor(214, 39, 40),
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(23, 190, 207),
];

fn color(policy: PolicyKind) -> RGBColor {
    COLORS[PolicyKind::ALL.iter().position(|&p| p == policy).unwrap_or(0)]
}

fn font(size: u32) -> TextStyle<'static> {
    ("sans-serif", f64::from(size)).into_font().color(&BLACK)
}

/// Points (seconds since the outage began, requests per 100 ms) of a report.
fn load_points(p: &PolicyReport, from: f64, to: f64) -> Vec<(f64, f64)> {
    p.load
        .iter()
        .enumerate()
        .map(|(bin, &n)| (bin as f64 / 10.0 - p.outage_start, f64::from(n)))
        .filter(|&(t, _)| t >= from && t <= to)
        .collect()
}

/// Load over time, one panel per policy on one scale: requests per 100 ms, the
/// outage shaded, the capacity as a red line. `to` is the end of the time axis,
/// in seconds since the outage began.
///
/// ```
/// use simulator::{PolicyKind, Scenario, load_chart, simulate};
///
/// let report = simulate(&Scenario::herd(100), &[PolicyKind::NoJitter, PolicyKind::Default]);
/// let path = std::env::temp_dir().join("simulator-doc-load.svg");
/// load_chart(&path, "A small herd", &report, 30.0)?;
/// assert!(std::fs::read_to_string(&path)?.contains("<svg"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
///
/// Writing the file, or drawing.
pub fn load_chart(path: &Path, title: &str, report: &Report, to: f64) -> Result {
    let from = -report.policies.first().map_or(0.0, |p| p.outage_start).min(2.0) - 1.0;
    let ymax = report.policies.iter().flat_map(|p| load_points(p, from, to)).map(|(_, n)| n).fold(1.0, f64::max) * 1.05;
    let capacity = f64::from(report.scenario.capacity) / 10.0;
    let outage = report.scenario.outage.as_secs_f64();
    #[allow(clippy::cast_possible_truncation, reason = "a handful of policies")]
    let height = 40 + 150 * report.policies.len() as u32;
    let root = SVGBackend::new(path, (900, height)).into_drawing_area();
    root.fill(&WHITE)?;
    let root = root.titled(title, font(20))?;
    let panels = root.split_evenly((report.policies.len(), 1));
    for (i, (panel, p)) in panels.iter().zip(&report.policies).enumerate() {
        let last = i + 1 == report.policies.len();
        let mut chart = ChartBuilder::on(panel)
            .margin_left(10)
            .margin_right(20)
            .x_label_area_size(if last { 35 } else { 18 })
            .y_label_area_size(55)
            .build_cartesian_2d(from..to, 0.0..ymax)?;
        let mut mesh = chart.configure_mesh();
        mesh.disable_x_mesh().y_labels(4).label_style(font(11)).y_desc("req / 100 ms");
        if last {
            mesh.x_desc("seconds since the outage began");
        }
        mesh.draw()?;
        chart.draw_series(std::iter::once(Rectangle::new([(0.0, 0.0), (outage, ymax)], OUTAGE.filled())))?;
        let style = color(p.policy);
        chart.draw_series(AreaSeries::new(load_points(p, from, to), 0.0, style.mix(0.35)).border_style(style))?;
        chart.draw_series(LineSeries::new([(from, capacity), (to, capacity)], CAPACITY.stroke_width(1)))?;
        chart.draw_series(std::iter::once(Text::new(
            format!("{}: peak after recovery {} / 100 ms", p.policy.name(), p.peak_after_recovery),
            (from + (to - from) * 0.3, ymax * 0.93),
            font(13),
        )))?;
    }
    root.present()?;
    Ok(())
}

/// The steady stream around the outage: the load of `policies` overlaid, and
/// below it the retries the budgets (summed over the processes) would grant.
///
/// ```
/// use simulator::{PolicyKind, Scenario, budget_chart, simulate};
///
/// let mut scenario = Scenario::steady(0.8);
/// scenario.capacity = 100;
/// let report = simulate(&scenario, &[PolicyKind::NoRetries, PolicyKind::DefaultWithBudget]);
/// let path = std::env::temp_dir().join("simulator-doc-budget.svg");
/// budget_chart(&path, "Steady stream", &report)?;
/// assert!(std::fs::read_to_string(&path)?.contains("<svg"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
///
/// Writing the file, or drawing.
pub fn budget_chart(path: &Path, title: &str, report: &Report) -> Result {
    let (from, to) = (-5.0, report.scenario.outage.as_secs_f64() + 20.0);
    let root = SVGBackend::new(path, (900, 620)).into_drawing_area();
    root.fill(&WHITE)?;
    let root = root.titled(title, font(20))?;
    let (top, bottom) = root.split_vertically(370);
    load_overlay(&top, report, from, to)?;
    budget_panel(&bottom, report, from, to)?;
    root.present()?;
    Ok(())
}

fn load_overlay(area: &Area<'_>, report: &Report, from: f64, to: f64) -> Result {
    let ymax = report.policies.iter().flat_map(|p| load_points(p, from, to)).map(|(_, n)| n).fold(1.0, f64::max) * 1.1;
    let outage = report.scenario.outage.as_secs_f64();
    let capacity = f64::from(report.scenario.capacity) / 10.0;
    let mut chart = ChartBuilder::on(area)
        .margin_left(10)
        .margin_right(20)
        .x_label_area_size(20)
        .y_label_area_size(55)
        .build_cartesian_2d(from..to, 0.0..ymax)?;
    chart.configure_mesh().disable_x_mesh().label_style(font(11)).y_desc("requests / 100 ms").draw()?;
    chart.draw_series(std::iter::once(Rectangle::new([(0.0, 0.0), (outage, ymax)], OUTAGE.filled())))?;
    chart
        .draw_series(LineSeries::new([(from, capacity), (to, capacity)], CAPACITY.stroke_width(1)))?
        .label("capacity")
        .legend(|(x, y)| PathElement::new([(x, y), (x + 20, y)], CAPACITY));
    for p in &report.policies {
        let style = color(p.policy);
        chart
            .draw_series(LineSeries::new(load_points(p, from, to), style.stroke_width(2)))?
            .label(p.policy.name())
            .legend(move |(x, y)| PathElement::new([(x, y), (x + 20, y)], style.stroke_width(2)));
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .label_font(font(12))
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .draw()?;
    Ok(())
}

fn budget_panel(area: &Area<'_>, report: &Report, from: f64, to: f64) -> Result {
    let series: Vec<(PolicyKind, Vec<(f64, f64)>)> = report
        .policies
        .iter()
        .filter(|p| !p.budget.is_empty())
        .map(|p| {
            let points = p
                .budget
                .iter()
                .enumerate()
                .map(|(i, &n)| (i as f64 / 10.0 - p.outage_start, n as f64))
                .filter(|&(t, _)| t >= from && t <= to)
                .collect();
            (p.policy, points)
        })
        .collect();
    let ymax = series.iter().flat_map(|(_, s)| s.iter().map(|&(_, n)| n)).fold(1.0, f64::max) * 1.1;
    let outage = report.scenario.outage.as_secs_f64();
    let mut chart = ChartBuilder::on(area)
        .caption("retries the budgets would grant (all processes together)", font(14))
        .margin_left(10)
        .margin_right(20)
        .x_label_area_size(35)
        .y_label_area_size(55)
        .build_cartesian_2d(from..to, 0.0..ymax)?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .label_style(font(11))
        .x_desc("seconds since the outage began")
        .y_desc("retries available")
        .draw()?;
    chart.draw_series(std::iter::once(Rectangle::new([(0.0, 0.0), (outage, ymax)], OUTAGE.filled())))?;
    for (policy, points) in series {
        let style = color(policy);
        chart.draw_series(AreaSeries::new(points, 0.0, style.mix(0.25)).border_style(style.stroke_width(2)))?;
    }
    Ok(())
}

/// The band of the default backoff schedule against stamina's: the range of
/// each wait; a close-up at the cap with sampled waits, where stamina's band
/// collapses to a line; and how far apart a herd's clients drift, retry by retry.
///
/// ```
/// let path = std::env::temp_dir().join("simulator-doc-band.svg");
/// simulator::backoff_band_chart(&path)?;
/// assert!(std::fs::read_to_string(&path)?.contains("<svg"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
///
/// Writing the file, or drawing.
pub fn backoff_band_chart(path: &Path) -> Result {
    let root = SVGBackend::new(path, (900, 900)).into_drawing_area();
    root.fill(&WHITE)?;
    let root = root.titled("The default backoff schedule, and stamina's", font(20))?;
    let (top, rest) = root.split_vertically(330);
    let (middle, bottom) = rest.split_vertically(260);
    wait_bands(&top)?;
    cap_close_up(&middle)?;
    herd_spread(&bottom)?;
    root.present()?;
    Ok(())
}

const RETRIES: u32 = 12;

fn ours() -> DefaultBackoff {
    DefaultBackoff::default()
}

fn stamina() -> StaminaBackoff {
    StaminaBackoff {
        initial: DefaultBackoff::WAIT_INITIAL,
        max: DefaultBackoff::WAIT_MAX,
        jitter: DefaultBackoff::WAIT_JITTER,
    }
}

/// The smallest and largest wait of retry `n`, over many seeds.
fn range_of(backoff: &impl Backoff, n: u32) -> (f64, f64) {
    let mut rng = Rng::seeded(u64::from(n));
    let waits: Vec<f64> = (0..2_000).map(|_| backoff.wait(n, Duration::ZERO, &mut rng).as_secs_f64()).collect();
    (waits.iter().copied().fold(f64::MAX, f64::min), waits.iter().copied().fold(0.0, f64::max))
}

fn band(lows: &[(f64, f64)], highs: &[(f64, f64)]) -> Vec<(f64, f64)> {
    highs.iter().copied().chain(lows.iter().rev().copied()).collect()
}

fn wait_bands(area: &Area<'_>) -> Result {
    let mut chart = ChartBuilder::on(area)
        .caption("the default's wait before retry n: min(45 s, 100 ms * 2^(n-1)) + uniform(0, 1 s)", font(15))
        .margin_left(10)
        .margin_right(20)
        .x_label_area_size(35)
        .y_label_area_size(55)
        .build_cartesian_2d(0.5..f64::from(RETRIES) + 0.5, (0.05..80.0).log_scale())?;
    integer_x_mesh(&mut chart, "wait (s), log scale")?;
    let ranges: Vec<(f64, (f64, f64))> = (1..=RETRIES).map(|n| (f64::from(n), range_of(&ours(), n))).collect();
    let lows: Vec<(f64, f64)> = ranges.iter().map(|&(n, (lo, _))| (n, lo)).collect();
    let highs: Vec<(f64, f64)> = ranges.iter().map(|&(n, (_, hi))| (n, hi)).collect();
    let style = COLORS[2];
    chart
        .draw_series(std::iter::once(Polygon::new(band(&lows, &highs), style.mix(0.25).filled())))?
        .label("default: the band of 2,000 draws per retry")
        .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 20, y + 5)], style.mix(0.25).filled()));
    chart.draw_series(LineSeries::new(highs, style.stroke_width(2)))?;
    let no_jitter = COLORS[1];
    chart
        .draw_series(LineSeries::new(lows, no_jitter.stroke_width(2)))?
        .label("no jitter: the band's lower edge")
        .legend(move |(x, y)| PathElement::new([(x, y), (x + 20, y)], no_jitter.stroke_width(2)));
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .label_font(font(12))
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .draw()?;
    Ok(())
}

/// Integer retry numbers on the x axis.
fn integer_x_mesh<Y: Ranged<ValueType = f64> + ValueFormatter<f64>>(
    chart: &mut ChartContext<'_, SVGBackend<'_>, Cartesian2d<RangedCoordf64, Y>>,
    y_desc: &str,
) -> Result {
    chart
        .configure_mesh()
        .label_style(font(11))
        .x_labels(RETRIES as usize)
        .x_label_formatter(&|x| format!("{x:.0}"))
        .x_desc("retry n")
        .y_desc(y_desc)
        .draw()?;
    Ok(())
}

fn cap_close_up(area: &Area<'_>) -> Result {
    let mut chart = ChartBuilder::on(area)
        .caption("at the cap (retries 10-12): 100 sampled waits each", font(15))
        .margin_left(10)
        .margin_right(20)
        .x_label_area_size(35)
        .y_label_area_size(55)
        .build_cartesian_2d(9.5..f64::from(RETRIES) + 0.5, 44.5..46.5)?;
    chart
        .configure_mesh()
        .label_style(font(11))
        .x_labels(4)
        .x_label_formatter(&|x| format!("{x:.0}"))
        .x_desc("retry n")
        .y_desc("wait (s)")
        .draw()?;
    for (offset, style, backoff) in [(-0.15, COLORS[2], &ours() as &dyn Backoff), (0.15, COLORS[3], &stamina())] {
        let mut rng = Rng::seeded(10);
        let points: Vec<(f64, f64)> = (10..=RETRIES)
            .flat_map(|n| (0..100).map(move |i| (n, i)))
            .map(|(n, i)| {
                (
                    f64::from(n) + offset + f64::from(i % 20) * 0.004,
                    backoff.wait(n, Duration::ZERO, &mut rng).as_secs_f64(),
                )
            })
            .collect();
        chart.draw_series(points.into_iter().map(|p| Circle::new(p, 2, style.mix(0.6).filled())))?;
    }
    chart.draw_series(std::iter::once(Text::new(
        "default: spread over 1 s",
        (9.6, 46.3),
        font(12).color(&COLORS[2]),
    )))?;
    chart.draw_series(std::iter::once(Text::new(
        "stamina: every client waits exactly 45 s",
        (10.6, 44.8),
        font(12).color(&COLORS[3]),
    )))?;
    Ok(())
}

/// The 5th to 95th percentile of the time of retry n since the first failure,
/// across 10,000 clients that failed at the same instant.
fn spread(backoff: &dyn Backoff) -> Vec<f64> {
    let clients = 10_000;
    let mut times: Vec<Vec<f64>> = vec![Vec::with_capacity(clients); RETRIES as usize];
    for client in 0..clients {
        let mut rng = Rng::seeded(client as u64);
        let (mut at, mut previous) = (0.0, Duration::ZERO);
        for n in 1..=RETRIES {
            let wait = backoff.wait(n, previous, &mut rng);
            previous = wait;
            at += wait.as_secs_f64();
            times[n as usize - 1].push(at);
        }
    }
    times
        .into_iter()
        .map(|mut t| {
            t.sort_by(f64::total_cmp);
            t[t.len() * 95 / 100] - t[t.len() * 5 / 100]
        })
        .collect()
}

fn herd_spread(area: &Area<'_>) -> Result {
    let cap = DefaultBackoff::WAIT_MAX;
    let curves: Vec<(PolicyKind, Vec<f64>)> =
        [PolicyKind::Default, PolicyKind::Stamina, PolicyKind::FullJitter, PolicyKind::DecorrelatedJitter]
            .into_iter()
            .map(|p| (p, spread(&p.backoff(cap, DefaultBackoff::WAIT_JITTER))))
            .collect();
    let ymax = curves.iter().flat_map(|(_, s)| s.iter().copied()).fold(1.0, f64::max) * 1.2;
    let mut chart = ChartBuilder::on(area)
        .caption("how far a herd drifts apart: 5-95 % range of when retry n happens", font(15))
        .margin_left(10)
        .margin_right(20)
        .x_label_area_size(35)
        .y_label_area_size(55)
        .build_cartesian_2d(0.5..f64::from(RETRIES) + 0.5, (0.01..ymax).log_scale())?;
    integer_x_mesh(&mut chart, "spread (s), log scale")?;
    for (policy, values) in curves {
        let style = color(policy);
        let points: Vec<(f64, f64)> = values.iter().enumerate().map(|(i, &s)| ((i + 1) as f64, s.max(0.01))).collect();
        chart
            .draw_series(LineSeries::new(points.clone(), style.stroke_width(2)))?
            .label(policy.name())
            .legend(move |(x, y)| PathElement::new([(x, y), (x + 20, y)], style.stroke_width(2)));
        chart.draw_series(points.into_iter().map(|p| Circle::new(p, 3, style.filled())))?;
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .label_font(font(12))
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .draw()?;
    Ok(())
}
