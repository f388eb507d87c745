//! The `watch` dashboard (ratatui): the control panel live. Three views, switched with tab:
//! the overview (periods, success-rate chart, burn-rate alerts, error budget, p50/p99 now,
//! top failing endpoints, newest findings), the failing endpoints in full, and the findings
//! with their reasons. Every text taken from the logs is sanitised before it is drawn.

use ratatui::layout::{Constraint, Direction, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::symbols::Marker;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Axis, Block, Borders, Chart, Dataset, GraphType, Paragraph, Row, Table};
use ratatui::Frame;

use super::{percent, sanitize};
use crate::metrics::live::{alert_name, Snapshot, SERIES_US};
use crate::metrics::security::Severity;
use crate::window::format_duration;

/// The dashboard's views, in tab order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum View {
    #[default]
    Overview,
    Errors,
    Security,
}

impl View {
    pub const ALL: [View; 3] = [View::Overview, View::Errors, View::Security];

    pub fn next(self) -> View {
        match self {
            View::Overview => View::Errors,
            View::Errors => View::Security,
            View::Security => View::Overview,
        }
    }

    fn title(self) -> &'static str {
        match self {
            View::Overview => "Overview",
            View::Errors => "Failing endpoints",
            View::Security => "Security findings",
        }
    }
}

/// What one frame shows.
pub struct Screen<'a> {
    /// None until the first read finished.
    pub snapshot: Option<&'a Snapshot>,
    pub view: View,
    pub paused: bool,
    /// Colour (off with NO_COLOR): without it, states are told by words alone.
    pub color: bool,
    /// The panel's window (`--since`).
    pub since_us: i64,
    /// The clock now, for "updated 3s ago".
    pub now_us: i64,
    /// Messages for the person watching (an alert command that failed), newest last.
    pub notices: &'a [String],
}

/// Draws one frame.
pub fn draw(f: &mut Frame<'_>, s: &Screen<'_>) {
    let area = f.area();
    let rows = Layout::default()
        .direction(Direction::Vertical)
        .constraints([
            Constraint::Length(1),
            Constraint::Min(3),
            Constraint::Length(1),
            Constraint::Length(1),
        ])
        .split(area);
    f.render_widget(Paragraph::new(title_line(s)), rows[0]);
    match s.snapshot {
        None => f.render_widget(
            Paragraph::new("reading the logs…").block(block("hosp-logs watch")),
            rows[1],
        ),
        Some(snap) => match s.view {
            View::Overview => overview(f, rows[1], snap, s),
            View::Errors => errors_view(f, rows[1], snap, s),
            View::Security => security_view(f, rows[1], snap, s),
        },
    }
    f.render_widget(Paragraph::new(input_line(s)), rows[2]);
    let notice = s
        .notices
        .last()
        .map(|n| sanitize(n, area.width as usize))
        .unwrap_or_else(|| "q quit · p pause · tab next view".to_string());
    f.render_widget(Paragraph::new(notice), rows[3]);
}

/// A table with a bold header in a titled box.
fn table<'a>(
    rows: Vec<Row<'a>>,
    widths: Vec<Constraint>,
    header: Vec<&'a str>,
    title: &'a str,
) -> Table<'a> {
    Table::new(rows, widths)
        .header(Row::new(header).style(Style::default().add_modifier(Modifier::BOLD)))
        .block(block(title))
}

fn block(title: &str) -> Block<'_> {
    Block::default().borders(Borders::ALL).title(title)
}

fn styled(s: &Screen<'_>, style: Style) -> Style {
    if s.color {
        style
    } else {
        Style::default()
    }
}

fn title_line(s: &Screen<'_>) -> Line<'static> {
    let mut spans = vec![Span::styled(
        "hosp-logs watch",
        Style::default().add_modifier(Modifier::BOLD),
    )];
    if let Some(snap) = s.snapshot {
        spans.push(Span::raw(format!(
            " · {} · window {}",
            snap.at,
            format_duration(s.since_us)
        )));
    }
    spans.push(Span::raw(" · "));
    for (i, v) in View::ALL.iter().enumerate() {
        if i > 0 {
            spans.push(Span::raw(" | "));
        }
        if *v == s.view {
            spans.push(Span::styled(
                format!("[{}]", v.title()),
                Style::default().add_modifier(Modifier::BOLD),
            ));
        } else {
            spans.push(Span::raw(v.title()));
        }
    }
    if s.paused {
        spans.push(Span::styled(
            " · PAUSED",
            styled(s, Style::default().fg(Color::Yellow)).add_modifier(Modifier::BOLD),
        ));
    }
    Line::from(spans)
}

fn input_line(s: &Screen<'_>) -> String {
    let Some(snap) = s.snapshot else {
        return String::new();
    };
    let i = &snap.slo.input;
    let ago = (s.now_us - snap.at_us).max(0) / 1_000_000;
    let mut line = format!(
        "input: {} files · {} lines · {} malformed · {} out of window · updated {} ({}s ago)",
        i.files,
        i.lines,
        i.malformed,
        i.out_of_window,
        &snap.at[11..snap.at.len().min(19)],
        ago
    );
    if i.failed_sources > 0 {
        line.push_str(&format!(" · {} unreadable", i.failed_sources));
    }
    line
}

fn overview(f: &mut Frame<'_>, area: Rect, snap: &Snapshot, s: &Screen<'_>) {
    let rows = Layout::default()
        .direction(Direction::Vertical)
        // the tables get the room the chart does not need: a chart reads at any height
        .constraints([
            Constraint::Length(8 + other_slos(snap) as u16),
            Constraint::Percentage(40),
            Constraint::Min(7),
        ])
        .split(area);
    let top = Layout::default()
        .direction(Direction::Horizontal)
        .constraints([Constraint::Percentage(45), Constraint::Percentage(55)])
        .split(rows[0]);
    panel(f, top[0], snap, s);
    alerts(f, top[1], snap, s);
    chart(f, rows[1], snap, s);
    let bottom = Layout::default()
        .direction(Direction::Horizontal)
        .constraints([Constraint::Percentage(50), Constraint::Percentage(50)])
        .split(rows[2]);
    failing_table(f, bottom[0], snap, s, false);
    findings_table(f, bottom[1], snap, s, false);
}

/// The control panel: past hour and past 24 hours, the budget and p50/p99 now.
fn panel(f: &mut Frame<'_>, area: Rect, snap: &Snapshot, s: &Screen<'_>) {
    let r = &snap.slo;
    let rate_style = |rate: Option<f64>| match rate {
        Some(x) if x >= r.target => styled(s, Style::default().fg(Color::Green)),
        Some(_) => styled(s, Style::default().fg(Color::Red)),
        None => Style::default(),
    };
    let mut rows: Vec<Row> = r
        .periods
        .iter()
        .filter(|p| p.period == "Past hour" || p.period == "Past 24 hours")
        .map(|p| {
            Row::new(vec![
                p.period.clone(),
                p.successful.to_string(),
                p.failed.to_string(),
                percent(p.success_rate),
            ])
            .style(rate_style(p.success_rate))
        })
        .collect();
    let budget = &r.error_budget;
    rows.push(Row::new(vec![
        "Budget left".to_string(),
        format!("{:.0}", budget.remaining),
        format!("of {:.0}", budget.allowed),
        percent(budget.remaining_fraction),
    ]));
    rows.push(Row::new(vec![
        "p50 / p99 5m".to_string(),
        ms(snap.latency_now.p50),
        ms(snap.latency_now.p99),
        format!("{} req", snap.latency_now.count),
    ]));
    rows.push(Row::new(vec![
        "p50 / p99 1h".to_string(),
        ms(snap.latency_hour.p50),
        ms(snap.latency_hour.p99),
        format!("{} req", snap.latency_hour.count),
    ]));
    // the other SLOs, one row each over the panel's window: good, bad, success rate
    for a in snap.slos.iter().skip(1).take(other_slos(snap)) {
        let o = &a.report;
        let style = match o.success_rate {
            Some(x) if x >= o.target => styled(s, Style::default().fg(Color::Green)),
            Some(_) => styled(s, Style::default().fg(Color::Red)),
            None => Style::default(),
        };
        rows.push(
            Row::new(vec![
                a.name.clone(),
                o.requests.good.to_string(),
                o.requests.bad.to_string(),
                format!("{} of {}", percent(o.success_rate), percent(Some(o.target))),
            ])
            .style(style),
        );
    }
    let title = format!(
        "Control panel · target {} · {}",
        percent(Some(r.target)),
        if r.met { "met" } else { "NOT MET" }
    );
    let widths = vec![
        Constraint::Length(14),
        Constraint::Length(10),
        Constraint::Length(10),
        Constraint::Min(8),
    ];
    let header = vec!["Period", "Successful", "Failed", "Success"];
    f.render_widget(table(rows, widths, header, &title), area);
}

/// The SLOs after the first that the panel lists (at most six: the JSON has every one).
fn other_slos(snap: &Snapshot) -> usize {
    snap.slos.len().saturating_sub(1).min(6)
}

fn ms(v: Option<f64>) -> String {
    match v {
        Some(v) if v >= 10_000.0 => format!("{:.1}s", v / 1000.0),
        Some(v) => format!("{v:.0}ms"),
        None => "-".into(),
    }
}

fn rate(v: Option<f64>) -> String {
    match v {
        Some(v) => format!("{v:.1}x"),
        None => "-".into(),
    }
}

/// The SRE workbook's four alerts and which fire.
fn alerts(f: &mut Frame<'_>, area: Rect, snap: &Snapshot, s: &Screen<'_>) {
    let rows: Vec<Row> = snap
        .slo
        .burn_rate_alerts
        .iter()
        .map(|a| {
            let state = match (a.firing, a.partial) {
                (true, _) => "FIRING",
                (false, true) => "ok (partial)",
                (false, false) => "ok",
            };
            let style = match a.firing {
                true => styled(s, Style::default().fg(Color::Red)).add_modifier(Modifier::BOLD),
                false => Style::default(),
            };
            Row::new(vec![
                alert_name(a),
                format!("{}x", a.threshold),
                rate(a.long_burn_rate),
                rate(a.short_burn_rate),
                state.to_string(),
            ])
            .style(style)
        })
        .collect();
    let firing = snap.alerts_firing.len();
    let title = match firing {
        0 => "Burn-rate alerts · none firing".to_string(),
        n => format!("Burn-rate alerts · {n} FIRING"),
    };
    let widths = vec![
        Constraint::Length(16),
        Constraint::Length(6),
        Constraint::Length(8),
        Constraint::Length(8),
        Constraint::Min(6),
    ];
    let header = vec!["Alert", "Over", "Long", "Short", "State"];
    f.render_widget(table(rows, widths, header, &title), area);
}

/// Success rate per 10 minutes over the past 24 hours.
fn chart(f: &mut Frame<'_>, area: Rect, snap: &Snapshot, s: &Screen<'_>) {
    let start = snap.at_us - SERIES_US;
    let points: Vec<(f64, f64)> = snap
        .series
        .iter()
        .filter_map(|(t, r)| r.map(|r| (((t - start) / 1_000_000) as f64, r * 100.0)))
        .collect();
    // the floor: a little under the lowest point and the target, in whole percents
    let low = points
        .iter()
        .map(|p| p.1)
        .fold(snap.slo.target * 100.0, f64::min);
    let floor = (low - 0.5).floor().clamp(0.0, 99.0);
    let target: Vec<(f64, f64)> = vec![
        (0.0, snap.slo.target * 100.0),
        ((SERIES_US / 1_000_000) as f64, snap.slo.target * 100.0),
    ];
    let datasets = vec![
        Dataset::default()
            .name("success")
            .marker(Marker::Braille)
            .graph_type(GraphType::Line)
            .style(styled(s, Style::default().fg(Color::Cyan)))
            .data(&points),
        Dataset::default()
            .name("target")
            .marker(Marker::Dot)
            .graph_type(GraphType::Line)
            .style(styled(s, Style::default().fg(Color::DarkGray)))
            .data(&target),
    ];
    let chart = Chart::new(datasets)
        .legend_position(None)
        .block(block(
            "Success rate, past 24 hours (10-minute buckets; dotted: the target)",
        ))
        .x_axis(
            Axis::default()
                .bounds([0.0, (SERIES_US / 1_000_000) as f64])
                .labels(["-24h", "-12h", "now"]),
        )
        .y_axis(
            Axis::default()
                .bounds([floor, 100.0])
                .labels([format!("{floor:.0}%"), "100%".to_string()]),
        );
    f.render_widget(chart, area);
}

fn failing_table(f: &mut Frame<'_>, area: Rect, snap: &Snapshot, s: &Screen<'_>, full: bool) {
    let width = area.width.saturating_sub(if full { 50 } else { 24 }) as usize;
    let rows: Vec<Row> = snap
        .top_failing
        .iter()
        .map(|e| {
            let route = format!(
                "{} {}",
                e.method.as_deref().unwrap_or("-"),
                e.endpoint.as_deref().unwrap_or("-")
            );
            let mut cells = vec![
                sanitize(&route, width.max(8)),
                e.errors.to_string(),
                percent(e.error_rate),
            ];
            if full {
                cells.extend([
                    e.requests.to_string(),
                    e.alb_generated.to_string(),
                    e.target_generated.to_string(),
                ]);
            }
            Row::new(cells).style(styled(s, Style::default().fg(Color::Red)))
        })
        .collect();
    let mut widths = vec![
        Constraint::Min(10),
        Constraint::Length(6),
        Constraint::Length(9),
    ];
    let mut header = vec!["Endpoint", "5XX", "Rate"];
    if full {
        widths.extend([
            Constraint::Length(9),
            Constraint::Length(7),
            Constraint::Length(7),
        ]);
        header.extend(["Requests", "By ALB", "Target"]);
    }
    let title = format!(
        "Top failing endpoints, past hour · {} 5XX of {} requests",
        snap.errors_hour, snap.requests_hour
    );
    f.render_widget(table(rows, widths, header, &title), area);
}

fn severity_style(s: &Screen<'_>, sev: Severity) -> Style {
    match sev {
        Severity::Critical | Severity::High => {
            styled(s, Style::default().fg(Color::Red)).add_modifier(Modifier::BOLD)
        }
        Severity::Medium => styled(s, Style::default().fg(Color::Yellow)),
        Severity::Low | Severity::Info => Style::default(),
    }
}

fn findings_table(f: &mut Frame<'_>, area: Rect, snap: &Snapshot, s: &Screen<'_>, full: bool) {
    let reason_width = area.width.saturating_sub(70).max(10) as usize;
    let rows: Vec<Row> = snap
        .findings
        .iter()
        .map(|x| {
            let mut cells = vec![
                x.severity.as_str().to_string(),
                x.rule.as_str().to_string(),
                sanitize(&x.client_ip, 40),
                x.last_seen.get(11..19).unwrap_or(&x.last_seen).to_string(),
            ];
            if full {
                cells.push(x.count.to_string());
                cells.push(sanitize(&x.reasons.join("; "), reason_width));
            }
            Row::new(cells).style(severity_style(s, x.severity))
        })
        .collect();
    let mut widths = vec![
        Constraint::Length(8),
        Constraint::Length(19),
        Constraint::Min(12),
        Constraint::Length(8),
    ];
    let mut header = vec!["Severity", "Rule", "Client", "Last"];
    if full {
        widths[2] = Constraint::Length(20);
        widths.extend([Constraint::Length(7), Constraint::Min(10)]);
        header.extend(["Count", "Why"]);
    }
    let mut title = format!(
        "Newest security findings, past hour · {}",
        snap.findings.len()
    );
    if snap.security_dropped > 0 {
        title.push_str(&format!(
            " · {} requests over the memory cap left out",
            snap.security_dropped
        ));
    }
    f.render_widget(table(rows, widths, header, &title), area);
}

fn errors_view(f: &mut Frame<'_>, area: Rect, snap: &Snapshot, s: &Screen<'_>) {
    failing_table(f, area, snap, s, true);
}

fn security_view(f: &mut Frame<'_>, area: Rect, snap: &Snapshot, s: &Screen<'_>) {
    findings_table(f, area, snap, s, true);
}

#[cfg(test)]
mod tests {
    use ratatui::backend::TestBackend;
    use ratatui::buffer::Buffer;
    use ratatui::Terminal;

    use super::*;
    use crate::metrics::live::test_util::{live, req, reqs, snapshot_of, NOW};

    fn frame(snap: Option<&Snapshot>, view: View, color: bool, w: u16, h: u16) -> Buffer {
        let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
        let notices = ["--on-alert failed: exit 1".to_string()];
        t.draw(|f| {
            draw(
                f,
                &Screen {
                    snapshot: snap,
                    view,
                    paused: false,
                    color,
                    since_us: 24 * 3_600_000_000,
                    now_us: NOW + 3_000_000,
                    notices: &notices,
                },
            )
        })
        .unwrap();
        t.backend().buffer().clone()
    }

    fn text(b: &Buffer) -> String {
        let w = b.area.width as usize;
        let cells: Vec<&str> = b.content.iter().map(|c| c.symbol()).collect();
        cells
            .chunks(w)
            .map(|row| row.concat())
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// The row of the screen holding `needle`.
    fn row<'a>(screen: &'a str, needle: &str) -> &'a str {
        screen
            .lines()
            .find(|l| l.contains(needle))
            .unwrap_or_else(|| panic!("{needle:?} not on screen:\n{screen}"))
    }

    fn burst() -> Snapshot {
        let live = live();
        // the past hour: 90 good, 10 bad on /images, 1 on a hostile endpoint, 1 SQL injection
        let batch = [
            reqs(90, 100, "GET", "/notes", 200, 40.0),
            reqs(10, 20, "GET", "/images", 503, 2.0),
            vec![
                req(50, "GET", "/x\u{1b}[31mred\u{7}", 500, 2.0),
                req(60, "GET", "/search?q=1' OR 1=1--", 200, 40.0),
            ],
        ]
        .concat();
        snapshot_of(&live, &batch).1
    }

    #[test]
    fn the_overview_shows_every_panel_with_the_numbers() {
        let snap = burst();
        let screen = text(&frame(Some(&snap), View::Overview, false, 140, 40));
        // past hour: 91 good (90 + the injection answered 200), 11 bad
        let hour = row(&screen, "Past hour");
        assert!(hour.contains(" 91 ") && hour.contains(" 11 "), "{hour}");
        assert!(hour.contains(&percent(Some(91.0 / 102.0))), "{hour}");
        assert!(row(&screen, "Past 24 hours").contains(" 91 "));
        // the page alert: 11 bad of 102 over 1 h and 5 m = 10.8 % → 10.8×, under 14.4
        let page = row(&screen, "page 1h/5m");
        assert!(page.contains("10.8x") && page.contains("ok"), "{page}");
        // 6h/30m at 6×: 10.8× fires
        assert!(row(&screen, "page 6h/30m").contains("FIRING"));
        assert!(screen.contains("Burn-rate alerts · 3 FIRING"), "{screen}");
        // budget: allowed 1.02, consumed 11
        let budget = row(&screen, "Budget left");
        assert!(
            budget.contains("-10") && budget.contains("of 1"),
            "{budget}"
        );
        // 11 requests at 2 ms, 91 at 40 ms: p50 and p99 are 40 ms
        let p = row(&screen, "p50 / p99 5m");
        assert!(
            p.contains("40ms") && p.contains("102 req") && !p.contains("2ms"),
            "{p}"
        );
        let images = row(&screen, "GET /images");
        assert!(images.contains(" 10 "), "{images}");
        assert!(screen.contains("attack-signature"), "{screen}");
        assert!(screen.contains("Success rate, past 24 hours"));
        assert!(row(&screen, "input:").contains("0 files"));
        assert!(screen.contains("--on-alert failed"));
        // log text reaches the screen inert: the escape and the bell are gone
        assert!(screen.contains("GET /xred"), "{screen}");
        assert!(!screen.contains('\u{1b}') && !screen.contains('\u{7}'));
    }

    #[test]
    fn colour_only_when_asked_and_every_view_and_size_draws() {
        let snap = burst();
        let plain = frame(Some(&snap), View::Overview, false, 140, 40);
        assert!(plain.content.iter().all(|c| c.fg == Color::Reset));
        let coloured = frame(Some(&snap), View::Overview, true, 140, 40);
        let screen = text(&coloured);
        let y = screen
            .lines()
            .position(|l| l.contains("page 6h/30m"))
            .unwrap();
        let x = screen.lines().nth(y).unwrap().find("page 6h").unwrap();
        assert_eq!(coloured[(x as u16, y as u16)].fg, Color::Red);

        let errors = text(&frame(Some(&snap), View::Errors, false, 140, 30));
        assert!(row(&errors, "GET /images").contains(" 10 "));
        assert!(errors.contains("By ALB"));
        let security = text(&frame(Some(&snap), View::Security, false, 140, 30));
        assert!(row(&security, "attack-signature").contains("SQL injection"));
        // tiny terminals and the first read draw without panicking
        for (w, h) in [(20, 5), (60, 12), (1, 1)] {
            frame(Some(&snap), View::Overview, true, w, h);
        }
        assert!(text(&frame(None, View::Overview, false, 80, 20)).contains("reading the logs"));
    }
}
