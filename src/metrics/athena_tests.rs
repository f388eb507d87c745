//! The analyses' Athena queries: every value from the window, the config or the flags
//! reaches the SQL as a parameter in a WHERE clause or as a checked literal.

use chrono::DateTime;

use super::backends::Backends;
use super::buckets::BucketPlan;
use super::errors::{Errors, ErrorsConfig};
use super::latency::{Latency, LatencyConfig, LatencyField};
use super::slo::{Slo, SloConfig};
use super::traffic::Traffic;
use crate::engine::athena::Sql;
use crate::engine::AthenaPlan;
use crate::filter::ClientFilter;
use crate::format::Routes;
use crate::sql::count_markers;
use crate::window::Window;

fn us(t: &str) -> i64 {
    DateTime::parse_from_rfc3339(t).unwrap().timestamp_micros()
}

/// Each `?` must sit in a WHERE clause: the last clause keyword before it is WHERE.
fn markers_only_in_where_clauses(sql: &str) {
    let sql: String = sql
        .lines()
        .map(|l| l.split_once("--").map_or(l, |(code, _)| code))
        .collect::<Vec<_>>()
        .join("\n");
    let mut in_str = false;
    for (i, c) in sql.char_indices() {
        match c {
            '\'' => in_str = !in_str,
            '?' if !in_str => {
                let before = &sql[..i];
                let last = |k: &str| before.rfind(k).map_or(-1, |p| p as i64);
                let clause = ["SELECT", "FROM ", "GROUP BY", "ORDER BY", "PARTITION BY"]
                    .iter()
                    .map(|k| last(k))
                    .max()
                    .unwrap();
                assert!(
                    last("WHERE") > clause,
                    "a ? outside WHERE at {i}: {}",
                    &sql[i.saturating_sub(80)..i]
                );
            }
            _ => {}
        }
    }
}

#[test]
fn where_values_are_parameters_and_the_rest_checked_literals() {
    let filter = ClientFilter::new(
        &[
            "hosp-loadtest/*".to_string(),
            "*'; drop table x; --*".to_string(),
        ],
        &["10.99.0.0/24".to_string()],
    )
    .unwrap();
    let routes = Routes::new(&["/patients/{id}/notes".to_string()]).unwrap();
    let w = Window {
        since_us: Some(us("2026-11-20T00:00:00Z")),
        until_us: Some(us("2026-11-21T00:00:00Z")),
    };
    let alb = || crate::format::alb::athena::table_sql(&w).unwrap();
    let c = Sql::new("alb_access_logs", alb(), &w, &filter, &routes).unwrap();
    let plan = |b| BucketPlan::Fixed(b);
    let slo = Slo {
        config: SloConfig {
            target: 0.99,
            latency_threshold_ms: Some(3000.0),
        },
    };
    let errors = Errors {
        config: ErrorsConfig {
            include_4xx: false,
            slow_ms: 1000.0,
            top: 10,
        },
        plan: plan(3_600_000_000),
    };
    let latency = Latency {
        config: LatencyConfig {
            field: LatencyField::Target,
            top: 10,
        },
        plan: plan(600_000_000),
    };
    let backends = Backends {
        plan: plan(600_000_000),
    };
    let traffic = Traffic {
        top: 10,
        plan: plan(600_000_000),
    };
    let window = [
        "'2026/11/20'",
        "'2026/11/21'",
        "'2026-11-20T00:00:00.000000Z'",
        "'2026-11-21T00:00:00.000000Z'",
    ];
    for q in [
        slo.query(&c).unwrap(),
        errors.query(&c).unwrap(),
        latency.query(&c).unwrap(),
        backends.query(&c).unwrap(),
        traffic.query(&c).unwrap(),
    ] {
        assert!(!q.sql.contains("{{"));
        assert_eq!(q.parameters[..4], window);
        assert_eq!(count_markers(&q.sql), q.parameters.len());
        markers_only_in_where_clauses(&q.sql);
        // the hostile glob stays inside one string literal, its quote doubled
        assert!(
            q.sql.contains("'\\''\\; drop table x\\; \\-\\-'"),
            "{}",
            q.sql
        );
        assert!(q
            .sql
            .contains("regexp_like(lower(NULLIF(user_agent, '-')), '^hosp\\-loadtest\\/')"));
        assert!(q.sql.contains("BETWEEN 174260224 AND 174260479"));
    }
    let q = errors.query(&c).unwrap();
    assert!(q
        .sql
        .contains("'^/?patients/[^/]+/notes/?$') THEN '/patients/{id}/notes'"));
    assert!(q.sql.contains("ms <= 1E3"));
    assert!(q.sql.contains("/ 3600) AS bigint) * 3600"));
    // a whole-day window splits no minute into seconds
    let q = slo.query(&c).unwrap();
    assert!(q.sql.contains("substr(time, 1, 16)"), "{}", q.sql);
    assert!(!q.sql.contains("THEN substr(time, 1, 19)"), "{}", q.sql);
    let odd = Window {
        since_us: Some(us("2026-11-20T00:00:30Z")),
        until_us: Some(us("2026-11-21T10:11:30Z")),
    };
    let q = slo
        .query(
            &Sql::new(
                "alb_access_logs",
                crate::format::alb::athena::table_sql(&odd).unwrap(),
                &odd,
                &filter,
                &routes,
            )
            .unwrap(),
        )
        .unwrap();
    assert!(
        q.sql
            .contains("IN ('2026-11-20T00:00', '2026-11-20T10:11', '2026-11-21T04:11', '2026-11-21T08:11', '2026-11-21T09:11', '2026-11-21T09:41', '2026-11-21T10:06', '2026-11-21T10:11') THEN substr(time, 1, 19)"),
        "{}",
        q.sql
    );
    assert!(q.sql.contains("ms <= 3E3"));
    // the traffic query's cut is in its outer WHERE: parameters too
    let q = traffic.query(&c).unwrap();
    assert_eq!(q.parameters[4], "10");
}
