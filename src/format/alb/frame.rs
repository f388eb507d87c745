//! Parsed ALB records → the typed Polars columns of `query` and `export`, materialising only
//! the projected columns.

use std::borrow::Cow;

use polars::prelude::*;

use super::columns::{Col, ColumnSet};
use super::parse::AlbRecord;
use super::Alb;
use crate::format::text::{split_url, Routes, UrlParts};
use crate::format::FrameBuilder;
use crate::frame::{finish_frame, ColBuilder};

/// Values derived from the URL, computed once per row and only when a projected column needs them.
struct Derived<'a> {
    url: Option<UrlParts<'a>>,
    endpoint: Option<Cow<'a, str>>,
}

/// Accumulates rows of one batch (one chunk of one source) into typed columns.
pub struct AlbFrame {
    cols: Vec<(Col, ColBuilder)>,
    need_url: bool,
    need_endpoint: bool,
    source: Option<String>,
    rows: usize,
}

impl AlbFrame {
    pub fn new(columns: ColumnSet, capacity: usize, source: &str) -> Self {
        let cols = columns
            .iter()
            .filter(|c| *c != Col::Source)
            .map(|c| (c, ColBuilder::new(c.name(), c.kind(), capacity)))
            .collect();
        let need_endpoint = columns.contains(Col::Endpoint);
        let need_url = need_endpoint
            || [Col::Scheme, Col::Host, Col::Port, Col::Path, Col::Query]
                .iter()
                .any(|c| columns.contains(*c));
        AlbFrame {
            cols,
            need_url,
            need_endpoint,
            source: columns.contains(Col::Source).then(|| source.to_string()),
            rows: 0,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.rows == 0
    }
}

impl FrameBuilder<Alb> for AlbFrame {
    fn push(&mut self, r: &AlbRecord<'_>, routes: &Routes) {
        let derived = self.need_url.then(|| {
            let url = r.url().map(split_url);
            let endpoint = if self.need_endpoint {
                // a URL without a path (https://example.com) asks for the root
                url.as_ref().map(|u| routes.endpoint(u.path.unwrap_or("/")))
            } else {
                None
            };
            Derived { url, endpoint }
        });
        for (col, b) in &mut self.cols {
            push_value(*col, b, r, derived.as_ref());
        }
        self.rows += 1;
    }

    fn finish(self) -> DataFrame {
        let columns: Vec<Column> = self.cols.into_iter().map(|(_, b)| b.finish()).collect();
        let source = self.source.as_deref().map(|s| (Col::Source.name(), s));
        finish_frame(self.rows, columns, source)
    }
}

/// The name part of a target group ARN: `…:targetgroup/hosp-legacy/73e2d6bc` → `hosp-legacy`.
pub fn target_group_name(arn: &str) -> Option<&str> {
    // a searcher built once: `split_once` on a &str builds one per call
    static MARK: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
        std::sync::LazyLock::new(|| memchr::memmem::Finder::new(":targetgroup/"));
    let at = MARK.find(arn.as_bytes())?;
    let rest = &arn[at + ":targetgroup/".len()..];
    Some(memchr::memchr(b'/', rest.as_bytes()).map_or(rest, |end| &rest[..end]))
}

fn push_value(col: Col, b: &mut ColBuilder, r: &AlbRecord<'_>, d: Option<&Derived<'_>>) {
    let url = || d.and_then(|d| d.url.as_ref());
    match b {
        ColBuilder::Str(b) => {
            let v: Option<&str> = match col {
                Col::Type => Some(r.kind),
                Col::Elb => Some(r.elb),
                Col::ClientIp => r.client_ip,
                Col::TargetIp => r.target_ip,
                Col::Request => Some(r.request),
                Col::Method => r.method(),
                Col::Url => r.url(),
                Col::Protocol => r.protocol(),
                Col::Scheme => url().and_then(|u| u.scheme),
                Col::Host => url().and_then(|u| u.host),
                Col::Path => url().and_then(|u| u.path),
                Col::Query => url().and_then(|u| u.query),
                Col::UserAgent => r.user_agent,
                Col::SslCipher => r.ssl_cipher,
                Col::SslProtocol => r.ssl_protocol,
                Col::TargetGroupArn => r.target_group_arn,
                Col::TraceId => r.trace_id,
                Col::DomainName => r.domain_name,
                Col::ChosenCertArn => r.chosen_cert_arn,
                Col::ActionsExecuted => r.actions_executed,
                Col::RedirectUrl => r.redirect_url,
                Col::ErrorReason => r.error_reason,
                Col::TargetPortList => r.target_port_list,
                Col::TargetStatusCodeList => r.target_status_code_list,
                Col::Classification => r.classification,
                Col::ClassificationReason => r.classification_reason,
                Col::ConnTraceId => r.conn_trace_id,
                Col::TransformedHost => r.transformed_host,
                Col::TransformedUri => r.transformed_uri,
                Col::RequestTransformStatus => r.request_transform_status,
                Col::Endpoint => d.and_then(|d| d.endpoint.as_deref()),
                Col::TargetGroup => r.target_group_arn.and_then(target_group_name),
                _ => unreachable!("{col:?} is not a string column"),
            };
            b.append_option(v);
        }
        ColBuilder::Time(b) => b.append_option(match col {
            Col::Time => Some(r.time_us),
            Col::RequestCreationTime => r.request_creation_time_us,
            _ => unreachable!("{col:?} is not a time column"),
        }),
        ColBuilder::U16(b) => b.append_option(match col {
            Col::ClientPort => r.client_port,
            Col::TargetPort => r.target_port,
            Col::ElbStatusCode => r.elb_status_code,
            Col::TargetStatusCode => r.target_status_code,
            Col::Port => url().and_then(|u| u.port),
            _ => unreachable!("{col:?} is not a u16 column"),
        }),
        ColBuilder::U64(b) => b.append_option(match col {
            Col::ReceivedBytes => r.received_bytes,
            Col::SentBytes => r.sent_bytes,
            _ => unreachable!("{col:?} is not a u64 column"),
        }),
        ColBuilder::I32(b) => b.append_option(match col {
            Col::MatchedRulePriority => r.matched_rule_priority,
            _ => unreachable!("{col:?} is not an i32 column"),
        }),
        ColBuilder::F64(b) => b.append_option(match col {
            Col::RequestProcessingTime => r.request_processing_time,
            Col::TargetProcessingTime => r.target_processing_time,
            Col::ResponseProcessingTime => r.response_processing_time,
            Col::LatencyMs => r.latency_ms(),
            _ => unreachable!("{col:?} is not an f64 column"),
        }),
        ColBuilder::Bool(b) => b.append_value(match col {
            Col::AlbGenerated => r.target_status_code.is_none(),
            _ => unreachable!("{col:?} is not a bool column"),
        }),
    }
}

#[cfg(test)]
mod target_group_tests {
    use super::target_group_name;

    #[test]
    fn a_target_groups_name_is_the_part_after_targetgroup() {
        let arn = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/";
        for (tail, want) in [
            ("hosp-legacy/73e2d6bc24d8a067", Some("hosp-legacy")),
            ("hosp-legacy", Some("hosp-legacy")),
            ("", Some("")),
            ("/x", Some("")),
            ("a/b/c", Some("a")),
        ] {
            let full = format!("{arn}{tail}");
            assert_eq!(target_group_name(&full), want, "{full}");
            // the same as splitting on '/' after the mark
            let old = full
                .split_once(":targetgroup/")
                .map(|(_, rest)| rest.split('/').next().unwrap_or(rest));
            assert_eq!(target_group_name(&full), old, "{full}");
        }
        assert_eq!(
            target_group_name("arn:aws:elasticloadbalancing:x:y:loadbalancer/app/a"),
            None
        );
    }
}
