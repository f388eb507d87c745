//! The daily report as one self-contained HTML page: no script, no external URL, no web font;
//! the charts are inlined as `data:` URIs. A Content-Security-Policy forbids scripts and any
//! load but inline images, as a second line behind the escaping.
//!
//! Every text that comes from the logs (endpoints, user agents, target groups, error reasons)
//! goes through `esc`: control and bidi characters removed, `& < > " '` escaped.

use std::fmt::Write as _;

use base64::Engine as _;

use super::{percent, Document, Report};
use crate::metrics::daily::{ChartInfo, DailyReport};

/// A chart as the page shows it.
pub struct Chart<'a> {
    pub info: &'a ChartInfo,
    pub png: &'a [u8],
    pub width: u32,
    pub height: u32,
}

/// Text for HTML (element content or a quoted attribute value).
pub fn esc(text: &str) -> String {
    let clean = super::sanitize(text, usize::MAX);
    let mut out = String::with_capacity(clean.len() + 8);
    for c in clean.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Log-derived text, shortened for a table cell, then escaped.
fn cell(text: &str) -> String {
    esc(&super::sanitize(text, 160))
}

/// A note (ours, with log-derived names in it): longer, then escaped.
fn note(text: &str) -> String {
    esc(&super::sanitize(text, 600))
}

const CSS: &str = r#"
:root { --ink: #1b1b1b; --muted: #5b5b5b; --line: #d9d9d9; --bg: #ffffff; --soft: #f4f5f7;
  --good: #00684c; --bad: #a33f00; --accent: #0072b2; }
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0; color: var(--ink); background: var(--bg);
  font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", Arial, sans-serif; }
header, main, footer { max-width: 78rem; margin: 0 auto; padding: 0 1rem; }
header { padding-top: 1.2rem; }
h1 { font-size: 1.7rem; margin: 0 0 .2rem; }
h2 { font-size: 1.35rem; margin: 2.2rem 0 .6rem; padding-bottom: .3rem; border-bottom: 2px solid var(--ink); }
h3 { font-size: 1.05rem; margin: 1.4rem 0 .4rem; }
.meta { color: var(--muted); margin: 0; font-size: .95rem; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(13rem, 1fr)); gap: .75rem; margin: 1.2rem 0; }
.card { border: 1px solid var(--line); border-radius: .5rem; padding: .7rem .9rem; background: var(--soft); }
.card .k { display: block; font-size: .85rem; color: var(--muted); }
.card .v { display: block; font-size: 1.55rem; font-weight: 650; line-height: 1.25; font-variant-numeric: tabular-nums; }
.card .s { display: block; font-size: .85rem; color: var(--muted); }
.card.good { border-color: var(--good); border-width: 2px; }
.card.good .v { color: var(--good); }
.card.bad { border-color: var(--bad); border-width: 2px; }
.card.bad .v { color: var(--bad); }
nav ul { list-style: none; padding: 0; margin: .5rem 0; display: flex; flex-wrap: wrap; gap: .4rem 1rem; }
nav a { color: var(--accent); }
figure { margin: 1rem 0 1.6rem; }
figure img { display: block; width: 100%; max-width: 1200px; height: auto; border: 1px solid var(--line); }
figcaption { font-size: .9rem; color: var(--muted); margin-top: .3rem; max-width: 60rem; }
.scroll { overflow-x: auto; -webkit-overflow-scrolling: touch; margin: .3rem 0 1rem; }
table { border-collapse: collapse; font-size: .9rem; font-variant-numeric: tabular-nums; min-width: 50%; }
caption { text-align: left; font-weight: 600; padding: .2rem 0 .4rem; }
th, td { padding: .3rem .6rem; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
th { background: var(--soft); font-weight: 600; white-space: nowrap; }
td { overflow-wrap: break-word; }
td.num, th.num { text-align: right; white-space: nowrap; }
dl.summary { display: grid; grid-template-columns: max-content 1fr; gap: .15rem 1rem; margin: .4rem 0 1rem; font-size: .95rem; }
dl.summary dt { color: var(--muted); }
dl.summary dd { margin: 0; overflow-wrap: anywhere; }
.notes { font-size: .85rem; color: var(--muted); padding-left: 1.2rem; }
.notes li { overflow-wrap: anywhere; }
.placeholder { border: 1px dashed var(--muted); border-radius: .5rem; padding: .8rem 1rem; color: var(--muted); }
footer { color: var(--muted); font-size: .85rem; padding-top: 1rem; padding-bottom: 2rem; }
@media (max-width: 40rem) {
  body { font-size: 15px; }
  .cards { grid-template-columns: repeat(auto-fit, minmax(9.5rem, 1fr)); gap: .5rem; }
  .card { padding: .5rem .6rem; }
  h1 { font-size: 1.4rem; }
  .card .v { font-size: 1.3rem; }
  dl.summary { grid-template-columns: 1fr; }
  dl.summary dd { margin-bottom: .4rem; }
  th, td { padding: .25rem .4rem; }
}
@media print {
  @page { margin: 1.5cm; }
  body { font-size: 10pt; color: #000; }
  header, main, footer { max-width: none; padding: 0; }
  nav { display: none; }
  h2 { break-after: avoid; page-break-after: avoid; }
  h3 { break-after: avoid; page-break-after: avoid; }
  .card, figure, tr { break-inside: avoid; page-break-inside: avoid; }
  .card { background: none; }
  .scroll { overflow: visible; }
  table { font-size: 8.5pt; }
  figure img { max-width: 100%; border: 0; }
  a { color: #000; text-decoration: none; }
}
"#;

/// Whether a table cell holds a number (right-aligned).
fn numeric(s: &str) -> bool {
    let t = s.trim();
    let t = t
        .trim_end_matches('%')
        .trim_end_matches('×')
        .trim_end_matches(" ms");
    !t.is_empty()
        && t.chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '.' | '-' | ',' | '+' | 'e'))
        && t.chars().any(|c| c.is_ascii_digit())
}

/// Tables of a report's `Document`: summary, sections (over-time ones left out: the charts
/// show them) cut to `top` rows, and notes.
fn document(out: &mut String, doc: &Document, top: usize, skip_summary: bool) {
    if !skip_summary && !doc.summary.is_empty() {
        out.push_str("<dl class=\"summary\">\n");
        for (k, v) in &doc.summary {
            let _ = writeln!(out, "<dt>{}</dt><dd>{}</dd>", esc(k), cell(v));
        }
        out.push_str("</dl>\n");
    }
    for s in &doc.sections {
        if s.title.to_lowercase().contains("over time") {
            continue;
        }
        table(out, &s.title, &s.headers, &s.rows, top);
    }
    if !doc.notes.is_empty() {
        out.push_str("<ul class=\"notes\">\n");
        for n in &doc.notes {
            let _ = writeln!(out, "<li>{}</li>", note(n));
        }
        out.push_str("</ul>\n");
    }
}

fn table(out: &mut String, title: &str, headers: &[String], rows: &[Vec<String>], top: usize) {
    let shown = rows.len().min(top);
    let more = if rows.len() > shown {
        format!(" (top {shown} of {})", rows.len())
    } else {
        String::new()
    };
    let _ = write!(
        out,
        "<div class=\"scroll\"><table>\n<caption>{}{}</caption>\n<thead><tr>",
        esc(title),
        esc(&more)
    );
    // a column is numeric when its shown cells are
    let num: Vec<bool> = (0..headers.len())
        .map(|i| {
            shown > 0
                && rows[..shown].iter().all(|r| {
                    r.get(i)
                        .is_some_and(|c| numeric(c) || c == "-" || c == "n/a")
                })
        })
        .collect();
    for (i, h) in headers.iter().enumerate() {
        let class = if num[i] { " class=\"num\"" } else { "" };
        let _ = write!(out, "<th scope=\"col\"{class}>{}</th>", esc(h));
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    if shown == 0 {
        let _ = writeln!(
            out,
            "<tr><td colspan=\"{}\">none</td></tr>",
            headers.len().max(1)
        );
    }
    for r in &rows[..shown] {
        out.push_str("<tr>");
        for (i, c) in r.iter().enumerate() {
            let class = if num.get(i).copied().unwrap_or(false) {
                " class=\"num\""
            } else {
                ""
            };
            let _ = write!(out, "<td{class}>{}</td>", cell(c));
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody></table></div>\n");
}

fn card(out: &mut String, class: &str, key: &str, value: &str, sub: &str) {
    let _ = writeln!(
        out,
        "<div class=\"card {class}\"><span class=\"k\">{}</span><span class=\"v\">{}</span><span class=\"s\">{}</span></div>",
        esc(key),
        esc(value),
        esc(sub)
    );
}

fn figure(out: &mut String, charts: &[Chart<'_>], file: &str) {
    let Some(c) = charts.iter().find(|c| c.info.file == file) else {
        return;
    };
    let data = base64::engine::general_purpose::STANDARD.encode(c.png);
    let _ = writeln!(
        out,
        "<figure id=\"chart-{id}\">\n<img src=\"data:image/png;base64,{data}\" width=\"{w}\" height=\"{h}\" alt=\"{alt}\">\n<figcaption>{title}. {alt} (<code>{file}</code>)</figcaption>\n</figure>",
        id = esc(file.trim_end_matches(".png")),
        w = c.width,
        h = c.height,
        alt = esc(&c.info.description),
        title = esc(&c.info.title),
        file = esc(file),
    );
}

fn count(n: u64) -> String {
    super::chart::count_label(n as f64)
}

fn ms(v: Option<f64>) -> String {
    v.map_or("n/a".into(), super::chart::ms_label)
}

/// The whole page.
pub fn page(r: &DailyReport, charts: &[Chart<'_>], top: usize) -> String {
    let mut o = String::with_capacity(1 << 20);
    let start = r.window.start.as_deref().unwrap_or("-");
    let end = r.window.end.as_deref().unwrap_or("-");
    let day = start.get(..10).unwrap_or(start);
    let _ = write!(
        o,
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; img-src data:; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'\">\n\
         <meta name=\"referrer\" content=\"no-referrer\">\n\
         <title>{title} — {day}</title>\n<style>{CSS}</style>\n</head>\n<body>\n<header>\n<h1>{title}</h1>\n\
         <p class=\"meta\">Window {start} → {end} (UTC, end exclusive) · generated at {gen} by {generator}</p>\n</header>\n<main>\n",
        title = esc(&r.title),
        day = esc(day),
        start = esc(start),
        end = esc(end),
        gen = esc(r.generated_at.as_deref().unwrap_or("-")),
        generator = esc(&r.generator),
    );

    // headline
    let slo = &r.slo;
    let b = &slo.error_budget;
    let s = &r.slo_series;
    o.push_str("<section class=\"cards\" aria-label=\"Headline\">\n");
    let verdict = match (slo.success_rate, slo.met) {
        (None, _) => ("", "no data".to_string()),
        (Some(_), true) => ("good", "MET ✓".to_string()),
        (Some(_), false) => ("bad", "NOT MET ✗".to_string()),
    };
    card(
        &mut o,
        verdict.0,
        &format!(
            "SLO: {} of valid requests succeed",
            super::chart::pct_label(slo.target * 100.0)
        ),
        &verdict.1,
        &format!(
            "{} good of {} valid requests",
            count(slo.requests.good),
            count(slo.requests.valid)
        ),
    );
    card(
        &mut o,
        verdict.0,
        "Success rate",
        &percent(slo.success_rate),
        &format!("target {}", super::chart::pct_label(slo.target * 100.0)),
    );
    let budget_class = match b.remaining_fraction {
        Some(f) if f < 0.0 => "bad",
        Some(_) => "good",
        None => "",
    };
    card(
        &mut o,
        budget_class,
        "Error budget left",
        &percent(b.remaining_fraction),
        &format!(
            "{:.0} bad allowed, {} spent{}",
            b.allowed,
            count(b.consumed),
            s.budget_exhausted_at
                .as_deref()
                .map(|t| format!("; ran out at {t}"))
                .unwrap_or_default()
        ),
    );
    card(
        &mut o,
        "",
        "Burn rate (window)",
        &slo.burn_rate.map_or("n/a".into(), |x| format!("{x:.2}×")),
        "1× spends the budget exactly over the window",
    );
    let outage_minutes: u64 = s.outages.iter().map(|x| x.minutes).sum();
    card(
        &mut o,
        if s.outages.is_empty() { "" } else { "bad" },
        "Outages",
        &s.outages.len().to_string(),
        &format!("{outage_minutes} minutes under 50 % success"),
    );
    card(
        &mut o,
        "",
        "5XX",
        &count(r.errors.total_5xx),
        &format!(
            "{} ALB-generated, {} target-generated",
            count(r.errors.alb_generated),
            count(r.errors.target_generated)
        ),
    );
    card(
        &mut o,
        "",
        "Latency p50 / p99",
        &format!(
            "{} / {}",
            ms(r.latency.overall.p50),
            ms(r.latency.overall.p99)
        ),
        &format!("{} requests without a latency", count(r.latency.no_latency)),
    );
    card(
        &mut o,
        "",
        "Requests",
        &count(slo.requests.total),
        &format!(
            "{} excluded (non-user), {} without status",
            count(slo.requests.excluded),
            count(slo.requests.no_status)
        ),
    );
    o.push_str("</section>\n");

    o.push_str(
        "<nav aria-label=\"Contents\"><ul>\
         <li><a href=\"#slo\">SLO</a></li><li><a href=\"#errors\">Errors</a></li>\
         <li><a href=\"#latency\">Latency</a></li><li><a href=\"#backends\">Backends</a></li>\
         <li><a href=\"#traffic\">Traffic</a></li><li><a href=\"#security\">Security</a></li>",
    );
    if r.path.is_some() {
        o.push_str("<li><a href=\"#path\">Path</a></li>");
    }
    if r.migration.is_some() {
        o.push_str("<li><a href=\"#migration\">Migration</a></li>");
    }
    o.push_str("<li><a href=\"#input\">Input and definitions</a></li></ul></nav>\n");

    // SLO
    o.push_str("<section id=\"slo\">\n<h2>SLO and error budget</h2>\n");
    let slo_doc = slo.document();
    if r.slos.len() > 1 {
        let sec = super::slo::slos_section(&r.slos);
        table(&mut o, "Every SLO", &sec.headers, &sec.rows, usize::MAX);
    }
    for sec in &slo_doc.sections {
        table(&mut o, &sec.title, &sec.headers, &sec.rows, usize::MAX);
    }
    let outage_rows: Vec<Vec<String>> = s
        .outages
        .iter()
        .map(|x| {
            vec![
                x.start.clone(),
                x.end.clone(),
                x.minutes.to_string(),
                x.valid.to_string(),
                percent(x.success_rate),
            ]
        })
        .collect();
    table(
        &mut o,
        "Outages",
        &["Start", "End", "Minutes", "Valid requests", "Success rate"].map(String::from),
        &outage_rows,
        usize::MAX,
    );
    let _ = writeln!(
        o,
        "<ul class=\"notes\"><li>outage: {}.</li></ul>",
        esc(&s.outage_definition)
    );
    figure(&mut o, charts, "success-rate.png");
    figure(&mut o, charts, "error-budget.png");
    o.push_str("</section>\n");

    // errors
    o.push_str("<section id=\"errors\">\n<h2>Errors</h2>\n");
    figure(&mut o, charts, "status-classes.png");
    figure(&mut o, charts, "errors-5xx.png");
    figure(&mut o, charts, "top-failing-endpoints.png");
    document(&mut o, &r.errors.document(), top, false);
    o.push_str("</section>\n");

    // latency
    o.push_str("<section id=\"latency\">\n<h2>Latency</h2>\n");
    figure(&mut o, charts, "latency-percentiles.png");
    figure(&mut o, charts, "latency-histogram.png");
    document(&mut o, &r.latency.document(), top, false);
    o.push_str("</section>\n");

    // backends
    o.push_str("<section id=\"backends\">\n<h2>Backends (the migration view)</h2>\n");
    figure(&mut o, charts, "backends-share.png");
    figure(&mut o, charts, "backends-latency.png");
    document(&mut o, &r.backends.document(), top, true);
    o.push_str("</section>\n");

    // traffic
    o.push_str("<section id=\"traffic\">\n<h2>Traffic</h2>\n");
    figure(&mut o, charts, "traffic.png");
    document(&mut o, &r.traffic.document(), top, false);
    o.push_str("</section>\n");

    // security: findings over all traffic, most severe first
    o.push_str("<section id=\"security\">\n<h2>Security</h2>\n");
    match &r.security {
        None => o.push_str("<p class=\"placeholder\">No security analysis in this report.</p>\n"),
        Some(sec) => {
            figure(&mut o, charts, "security-findings.png");
            document(&mut o, &sec.document(), top, false)
        }
    }
    o.push_str("</section>\n\n");

    if let (None, Some(why)) = (&r.path, &r.path_not_answered) {
        o.push_str("<section id=\"path\">\n<h2>Path: the request hop by hop</h2>\n");
        o.push_str(&format!(
            "<p class=\"placeholder\">Not in this report: {}</p>\n</section>\n\n",
            esc(why)
        ));
    }

    // the request hop by hop: the funnel, each hop's success over time, the attribution
    if let Some(path) = &r.path {
        o.push_str("<section id=\"path\">\n<h2>Path: the request hop by hop</h2>\n");
        let doc = path.document();
        let want = |t: &str| {
            t.starts_with("Hops")
                || t.starts_with("Funnel")
                || t.starts_with("Attribution")
                || t.starts_with("Requests per minute")
        };
        for sec in doc.sections.iter().filter(|s| want(&s.title)) {
            table(&mut o, &sec.title, &sec.headers, &sec.rows, usize::MAX);
        }
        let summary: Vec<Vec<String>> = doc
            .summary
            .iter()
            .map(|(k, v)| vec![k.clone(), v.clone()])
            .collect();
        table(
            &mut o,
            "Where the failures happened",
            &["What".to_string(), "Requests".to_string()],
            &summary,
            usize::MAX,
        );
        figure(&mut o, charts, "path-success.png");
        o.push_str("<ul class=\"notes\">\n");
        for n in &doc.notes {
            let _ = writeln!(o, "<li>{}</li>", note(n));
        }
        o.push_str("</ul>\n</section>\n\n");
    }

    // the systems side by side: the cut-over table and its charts (names and routes come
    // from the logs and the config: `table`, `cell` and `note` escape them)
    if let (None, Some(why)) = (&r.migration, &r.migration_not_answered) {
        o.push_str("<section id=\"migration\">\n<h2>Migration: the systems side by side</h2>\n");
        o.push_str(&format!(
            "<p class=\"placeholder\">Not in this report: {}</p>\n</section>\n\n",
            esc(why)
        ));
    }
    if let Some(m) = &r.migration {
        o.push_str("<section id=\"migration\">\n<h2>Migration: the systems side by side</h2>\n");
        document(&mut o, &m.document(), usize::MAX, false);
        figure(&mut o, charts, "migration-share.png");
        figure(&mut o, charts, "migration-success.png");
        o.push_str("</section>\n\n");
    }

    // input
    o.push_str("<section id=\"input\">\n<h2>Input and definitions</h2>\n");
    o.push_str("<ul class=\"notes\">\n");
    for n in &slo_doc.notes {
        let _ = writeln!(o, "<li>{}</li>", note(n));
    }
    o.push_str("</ul>\n");
    if r.excluded > 0 {
        let _ = writeln!(
            o,
            "<p class=\"meta\">{} requests of non-user traffic (config [exclude]) are left out of \
             every analysis; the SLO counts them as excluded.</p>",
            count(r.excluded)
        );
    }
    o.push_str("</section>\n</main>\n");
    let _ = writeln!(
        o,
        "<footer>{} · {} · charts: {}</footer>\n</body>\n</html>",
        esc(&r.generator),
        esc(&r.title),
        esc(&charts
            .iter()
            .map(|c| c.info.file.as_str())
            .collect::<Vec<_>>()
            .join(", "))
    );
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_strips_controls() {
        assert_eq!(
            esc("\"><img src=x onerror=alert(1)>"),
            "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"
        );
        assert_eq!(
            esc("<script>a&b</script>"),
            "&lt;script&gt;a&amp;b&lt;/script&gt;"
        );
        assert_eq!(esc("it's\u{1b}[31m\u{202e}"), "it&#39;s");
    }

    #[test]
    fn numeric_cells() {
        for s in ["12", "99.000%", "1,234", "-3.5", "5.03×", "120 ms"] {
            assert!(numeric(s), "{s}");
        }
        for s in ["/notes", "GET", "-", "2026-11-20T00:00:00Z", "e"] {
            assert!(!numeric(s), "{s}");
        }
    }
}
