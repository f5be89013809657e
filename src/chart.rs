//! `maestro-gate report-summary --html FILE`: the sessions of a file of
//! beacons as one self-contained page (inline CSS and SVG, no script, no
//! external resource): sessions on and off over time, the kill's moment,
//! and the errors the guard counted, by cohort (on/off), so that "error
//! rates return to baseline" is something an operator looks at.
//!
//! Everything the page says comes from [`Sessions`]; the only text from
//! the beacons in it is their source names, which [`crate::report::is_name`]
//! limits to `[A-Za-z0-9._+-]`, and numbers. Each interval of the chart is
//! an element with its numbers as `data-` attributes and a `<title>` (a
//! tooltip), so that a test (or a person) can read what is drawn.

use alloc::format;
use alloc::string::String;

use crate::sessions::{iso, Point, Sessions};

/// How many intervals the chart has.
pub const INTERVALS: usize = 60;

const WIDTH: f64 = 860.0;
const LEFT: f64 = 56.0;
const RIGHT: f64 = 16.0;
const TOP: f64 = 16.0;
const HEIGHT: f64 = 240.0;
const ERRORS_HEIGHT: f64 = 110.0;
const ON: &str = "#1a7f37";
const OFF: &str = "#b42318";

/// The page.
pub fn html(s: &Sessions, version: &str) -> String {
    let counts = s.counts();
    let incident = s.incident();
    let points = s.timeline(INTERVALS);
    let (on, off) = s.cohorts();
    let mut h = String::with_capacity(32 * 1024);
    h.push_str(concat!(
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n",
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n",
        "<title>MAESTRO sessions: maestro-gate report</title>\n<style>\n",
        "body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;color:#1f2328;margin:24px auto;max-width:900px;padding:0 16px}\n",
        "h1{font-size:20px;margin:0 0 4px}h2{font-size:15px;margin:24px 0 6px}p{margin:4px 0}\n",
        ".cards{display:flex;gap:12px;flex-wrap:wrap;margin:14px 0}\n",
        ".card{border:1px solid #d0d7de;border-radius:6px;padding:8px 14px;min-width:110px}\n",
        ".card b{display:block;font-size:22px}.on{color:#1a7f37}.off{color:#b42318}.muted{color:#59636e}\n",
        "table{border-collapse:collapse}td,th{border-bottom:1px solid #d0d7de;padding:4px 12px;text-align:right}\n",
        "th:first-child,td:first-child,#by-source td:nth-child(2),#by-source th:nth-child(2){text-align:left}svg{display:block;max-width:100%;height:auto}\n",
        "svg text{font:11px system-ui,sans-serif;fill:#59636e}\n",
        "</style>\n</head>\n<body>\n<h1>MAESTRO: sessions on and off</h1>\n",
    ));
    h.push_str("<p class=\"muted\">From the decision beacons (<code>init({ report })</code>): each page load is one session, counted by its latest decision. A closed page sends nothing, so a session whose latest decision is on counts as on.");
    if let Some(t) = s.since() {
        h.push_str(&format!(" Since <time id=\"since\">{}</time>.", iso(t)));
    }
    h.push_str("</p>\n<div class=\"cards\">\n");
    let card = |h: &mut String, id: &str, class: &str, n: u64, what: &str| {
        h.push_str(&format!("<div class=\"card\"><b id=\"{id}\" class=\"{class}\">{n}</b>{what}</div>\n"));
    };
    card(&mut h, "sessions-total", "", counts.total, "sessions");
    card(&mut h, "sessions-enabled", "on", counts.enabled, "still on");
    card(&mut h, "sessions-disabled", "off", counts.disabled, "off");
    if let Some(n) = counts.ran_after_since {
        card(&mut h, "sessions-ran-after", "", n, "ran MAESTRO after <i>since</i>");
    }
    h.push_str("</div>\n<p>");
    match incident.first_off {
        Some(kill) => {
            h.push_str(&format!("First off decision (the kill): <time id=\"kill-at\">{}</time>. ", iso(kill)));
            match incident.recovered {
                Some(end) => h.push_str(&format!(
                    "Recovered: <time id=\"recovered-at\">{}</time>, when the last session that ran MAESTRO after it reported off.",
                    iso(end)
                )),
                None => h.push_str(&format!(
                    "<span class=\"off\" id=\"not-recovered\">Not recovered: {} of the sessions that ran MAESTRO after it still report on.</span>",
                    incident.still_on
                )),
            }
        }
        None => h.push_str("<span id=\"no-kill\">No session was turned off.</span>"),
    }
    h.push_str("</p>\n");

    h.push_str("<h2>Sessions on and off</h2>\n");
    if points.is_empty() {
        h.push_str("<p id=\"no-sessions\">No beacon with a session id.</p>\n");
    } else {
        sessions_chart(&mut h, &points, incident.first_off);
        h.push_str("<h2>Errors the guard counted, by the beacon's decision</h2>\n");
        errors_chart(&mut h, &points, incident.first_off);
    }

    h.push_str("<h2>Cohorts, by the latest decision</h2>\n<table>\n<tr><th>cohort</th><th>sessions</th><th>guard errors</th><th>errors per session</th></tr>\n");
    for (name, c) in [("on", on), ("off", off)] {
        let per = if c.sessions == 0 { 0.0 } else { c.errors as f64 / c.sessions as f64 };
        h.push_str(&format!(
            "<tr><td class=\"{name}\">{name}</td><td id=\"cohort-{name}-sessions\">{}</td><td id=\"cohort-{name}-errors\">{}</td><td>{per:.2}</td></tr>\n",
            c.sessions, c.errors
        ));
    }
    h.push_str("</table>\n<p class=\"muted\">Guard errors: the most a session's guard reported in its beacons (<code>guard.errors</code>), summed.</p>\n");

    h.push_str("<h2>By the latest decision's source</h2>\n<table id=\"by-source\">\n<tr><th>decision</th><th>source</th><th>sessions</th></tr>\n");
    for (enabled, source, n) in &counts.by_source {
        let (class, word) = if *enabled { ("on", "enabled") } else { ("off", "disabled") };
        h.push_str(&format!("<tr><td class=\"{class}\">{word}</td><td>{source}</td><td>{n}</td></tr>\n"));
    }
    h.push_str("</table>\n");
    h.push_str(&format!(
        "<p class=\"muted\">{} beacons read, {} lines skipped, {} beacons without a session id (an older gate: not counted as sessions). maestro-gate {}.</p>\n</body>\n</html>\n",
        s.summary.reports,
        s.summary.skipped,
        counts.without_id,
        if crate::report::is_name(version) { version } else { "unknown" },
    ));
    h
}

/// The x of an instant, between the first point's start and the last's end.
fn x_of(points: &[Point], t: u64) -> f64 {
    let width = points.get(1).map_or(points[0].at.max(1), |p| p.at - points[0].at).max(1);
    let start = points[0].at.saturating_sub(width);
    let end = points[points.len() - 1].at;
    let span = (end - start).max(1) as f64;
    LEFT + (WIDTH - LEFT - RIGHT) * (t.clamp(start, end) - start) as f64 / span
}

/// A round step for an axis up to `max`.
fn step(max: u64) -> u64 {
    let mut base = 1u64;
    loop {
        for m in [1, 2, 5] {
            let s = base.saturating_mul(m);
            if max / s <= 5 {
                return s;
            }
        }
        base = base.saturating_mul(10);
    }
}

fn axes(h: &mut String, points: &[Point], top: f64, height: f64, max: u64, label: &str) {
    let y = |v: u64| top + height - height * v as f64 / max.max(1) as f64;
    let st = step(max.max(1));
    let mut v = 0;
    while v <= max.max(1) {
        h.push_str(&format!(
            "<line x1=\"{LEFT}\" x2=\"{}\" y1=\"{y:.1}\" y2=\"{y:.1}\" stroke=\"#eaeef2\"/><text x=\"{}\" y=\"{:.1}\" text-anchor=\"end\">{v}</text>\n",
            WIDTH - RIGHT,
            LEFT - 6.0,
            y(v) + 4.0,
            y = y(v)
        ));
        v += st;
    }
    h.push_str(&format!(
        "<text x=\"{LEFT}\" y=\"{:.1}\">{}</text><text x=\"{}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>\n",
        top + height + 16.0,
        iso(points[0].at.saturating_sub(points.get(1).map_or(0, |p| p.at - points[0].at))),
        WIDTH - RIGHT,
        top + height + 16.0,
        iso(points[points.len() - 1].at)
    ));
    h.push_str(&format!("<text x=\"4\" y=\"{:.1}\">{label}</text>\n", top - 4.0));
}

fn kill_line(h: &mut String, points: &[Point], kill: Option<u64>, top: f64, height: f64, id: &str) {
    if let Some(k) = kill {
        let x = x_of(points, k);
        h.push_str(&format!(
            "<line id=\"{id}\" x1=\"{x:.1}\" x2=\"{x:.1}\" y1=\"{top}\" y2=\"{}\" stroke=\"#cf222e\" stroke-width=\"1.5\" stroke-dasharray=\"5 4\"/>\
             <text x=\"{:.1}\" y=\"{:.1}\" style=\"fill:#cf222e\">kill {}</text>\n",
            top + height,
            x + 4.0,
            top + 10.0,
            &iso(k)[11..19]
        ));
    }
}

fn sessions_chart(h: &mut String, points: &[Point], kill: Option<u64>) {
    let max = points.iter().map(|p| p.on.max(p.off)).max().unwrap_or(0).max(1);
    let total = TOP + HEIGHT + 28.0;
    h.push_str(&format!(
        "<svg id=\"sessions-chart\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {WIDTH} {total}\" width=\"{WIDTH}\" height=\"{total}\" role=\"img\" aria-label=\"sessions on and off over time\">\n"
    ));
    axes(h, points, TOP, HEIGHT, max, "sessions");
    let y = |v: u64| TOP + HEIGHT - HEIGHT * v as f64 / max as f64;
    let first = x_of(points, 0);
    for (id, color, value) in [("on-line", ON, 0usize), ("off-line", OFF, 1)] {
        let v = |p: &Point| if value == 0 { p.on } else { p.off };
        // Steps: each interval's count from its start to its end (none before the first).
        let mut d = format!("{first:.1},{:.1}", y(0));
        let mut from = first;
        for p in points {
            let x = x_of(points, p.at);
            d.push_str(&format!(" {from:.1},{y:.1} {x:.1},{y:.1}", y = y(v(p))));
            from = x;
        }
        h.push_str(&format!(
            "<polyline id=\"{id}\" points=\"{d}\" fill=\"none\" stroke=\"{color}\" stroke-width=\"2.5\" stroke-linejoin=\"round\"/>\n"
        ));
    }
    kill_line(h, points, kill, TOP, HEIGHT, "kill-line");
    // One invisible column per interval, with its numbers.
    let mut prev = first;
    for p in points {
        let x = x_of(points, p.at);
        h.push_str(&format!(
            "<g class=\"point\" data-at=\"{}\" data-on=\"{}\" data-off=\"{}\" data-errors-on=\"{}\" data-errors-off=\"{}\"><title>until {}: {} on, {} off</title>\
             <rect x=\"{prev:.1}\" y=\"{TOP}\" width=\"{:.1}\" height=\"{HEIGHT}\" fill=\"transparent\"/></g>\n",
            p.at,
            p.on,
            p.off,
            p.errors_on,
            p.errors_off,
            iso(p.at),
            p.on,
            p.off,
            (x - prev).max(0.0)
        ));
        prev = x;
    }
    h.push_str(&format!(
        "<rect x=\"{}\" y=\"{}\" width=\"10\" height=\"10\" fill=\"{ON}\"/><text x=\"{}\" y=\"{}\">on</text>\
         <rect x=\"{}\" y=\"{}\" width=\"10\" height=\"10\" fill=\"{OFF}\"/><text x=\"{}\" y=\"{}\">off</text>\n</svg>\n",
        WIDTH - 110.0,
        TOP - 12.0,
        WIDTH - 96.0,
        TOP - 3.0,
        WIDTH - 62.0,
        TOP - 12.0,
        WIDTH - 48.0,
        TOP - 3.0
    ));
}

fn errors_chart(h: &mut String, points: &[Point], kill: Option<u64>) {
    let max = points.iter().map(|p| p.errors_on + p.errors_off).max().unwrap_or(0).max(1);
    let total = TOP + ERRORS_HEIGHT + 28.0;
    h.push_str(&format!(
        "<svg id=\"errors-chart\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {WIDTH} {total}\" width=\"{WIDTH}\" height=\"{total}\" role=\"img\" aria-label=\"guard errors over time, on and off\">\n"
    ));
    axes(h, points, TOP, ERRORS_HEIGHT, max, "errors");
    let scale = |v: u64| ERRORS_HEIGHT * v as f64 / max as f64;
    let mut prev = x_of(points, 0);
    for p in points {
        let x = x_of(points, p.at);
        let w = ((x - prev) * 0.8).max(1.0);
        let (on, off) = (scale(p.errors_on), scale(p.errors_off));
        let base = TOP + ERRORS_HEIGHT;
        if p.errors_on > 0 {
            h.push_str(&format!(
                "<rect class=\"errors-on\" x=\"{prev:.1}\" y=\"{:.1}\" width=\"{w:.1}\" height=\"{on:.1}\" fill=\"{ON}\"><title>until {}: {} errors on</title></rect>\n",
                base - on,
                iso(p.at),
                p.errors_on
            ));
        }
        if p.errors_off > 0 {
            h.push_str(&format!(
                "<rect class=\"errors-off\" x=\"{prev:.1}\" y=\"{:.1}\" width=\"{w:.1}\" height=\"{off:.1}\" fill=\"{OFF}\"><title>until {}: {} errors off</title></rect>\n",
                base - on - off,
                iso(p.at),
                p.errors_off
            ));
        }
        prev = x;
    }
    kill_line(h, points, kill, TOP, ERRORS_HEIGHT, "kill-line-errors");
    h.push_str("</svg>\n");
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use crate::sessions::Beacon;

    #[test]
    fn the_page_says_what_the_sessions_say() {
        let t = 1_767_258_000_000;
        let mut s = Sessions::new(None);
        for (i, id) in ["session-aaaa", "session-bbbb", "session-cccc"].iter().enumerate() {
            let b = Beacon {
                event: "start",
                session: Some(id),
                enabled: true,
                source: "default",
                at: t + i as u64,
                errors: None,
            };
            s.add(&b);
        }
        for (id, at) in [("session-aaaa", t + 60_000), ("session-bbbb", t + 120_000)] {
            let b = Beacon { event: "change", session: Some(id), enabled: false, source: "guard", at, errors: Some(5) };
            s.add(&b);
        }
        let page = html(&s, "0.1.0");
        for want in [
            "<b id=\"sessions-total\" class=\"\">3</b>",
            "<b id=\"sessions-enabled\" class=\"on\">1</b>",
            "<b id=\"sessions-disabled\" class=\"off\">2</b>",
            "<time id=\"kill-at\">2026-01-01T09:01:00Z</time>",
            "id=\"not-recovered\"",
            "<td id=\"cohort-off-errors\">10</td>",
            "id=\"kill-line\"",
        ] {
            assert!(page.contains(want), "{want} not in the page");
        }
        assert_eq!(page.matches("<g class=\"point\"").count(), INTERVALS);
        assert!(page.contains(
            "data-on=\"1\" data-off=\"2\" data-errors-on=\"0\" data-errors-off=\"5\"><title>until 2026-01-01T09:02:00Z"
        ));
        // Self-contained: no script, no external resource.
        for banned in ["<script", "src=", "href=", "url(", "@import"] {
            assert!(!page.contains(banned), "{banned}");
        }
        let empty = html(&Sessions::new(None), "0.1.0");
        assert!(empty.contains("id=\"no-sessions\"") && empty.contains("id=\"no-kill\""));
    }

    #[test]
    fn axis_steps_are_round() {
        assert_eq!([1, 5, 6, 10, 11, 30, 100, 1234].map(step), [1, 1, 2, 2, 2, 10, 20, 500]);
    }
}
