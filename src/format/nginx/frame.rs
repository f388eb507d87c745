//! Parsed nginx records → the typed Polars columns of `query` and `export`, materialising only
//! the projected columns.

use std::sync::Arc;

use polars::prelude::*;

use super::columns::{Column as NginxColumn, Derived, Source};
use super::parse::{parse_seconds, NginxRecord};
use super::{Nginx, NginxSettings};
use crate::format::text::{split_url, Routes};
use crate::format::FrameBuilder;
use crate::frame::{finish_frame, ColBuilder};

/// Accumulates rows of one batch (one chunk of one source) into typed columns.
pub struct NginxFrame {
    settings: Arc<NginxSettings>,
    cols: Vec<(Source, ColBuilder)>,
    source: Option<(String, String)>,
    rows: usize,
}

impl NginxFrame {
    pub fn new(
        settings: Arc<NginxSettings>,
        picked: &[NginxColumn],
        capacity: usize,
        source: &str,
    ) -> Self {
        let mut out_source = None;
        let mut cols = Vec::with_capacity(picked.len());
        for c in picked {
            if c.source == Source::Derived(Derived::Source) {
                out_source = Some((c.def.name.clone(), source.to_string()));
            } else {
                cols.push((c.source, ColBuilder::new(&c.def.name, c.def.kind, capacity)));
            }
        }
        NginxFrame {
            settings,
            cols,
            source: out_source,
            rows: 0,
        }
    }
}

impl FrameBuilder<Nginx> for NginxFrame {
    fn push(&mut self, r: &NginxRecord<'_>, routes: &Routes) {
        let s = &*self.settings;
        let f = &s.log_format;
        let (method, url) = f.method_url(r);
        let parts = url.map(split_url);
        let attempts = f.attempts(r);
        for (source, b) in &mut self.cols {
            match (*source, b) {
                (Source::Var(slot), b) => push_var(b, r, slot),
                (Source::Derived(d), ColBuilder::Str(b)) => {
                    let endpoint;
                    let v = match d {
                        Derived::ClientIp => s.client(r),
                        Derived::Method => method,
                        Derived::Url => url,
                        Derived::Path => parts.and_then(|u| u.path),
                        Derived::Query => parts.and_then(|u| u.query),
                        Derived::Endpoint => {
                            // a URI without a path asks for the root
                            endpoint = parts.map(|u| routes.endpoint(u.path.unwrap_or("/")));
                            endpoint.as_deref()
                        }
                        Derived::FinalUpstreamAddr => {
                            attempts.and_then(|a| a.last()).and_then(|a| a.addr)
                        }
                        _ => unreachable!("{d:?} is not a text column"),
                    };
                    b.append_option(v);
                }
                (Source::Derived(d), ColBuilder::Time(b)) => {
                    debug_assert_eq!(d, Derived::Time);
                    b.append_option(r.time_us);
                }
                (Source::Derived(d), ColBuilder::F64(b)) => b.append_option(match d {
                    Derived::LatencyMs => r.request_time.map(|t| t * 1000.0),
                    Derived::UpstreamMs => f.upstream_ms(r),
                    _ => unreachable!("{d:?} is not a float column"),
                }),
                (Source::Derived(d), ColBuilder::U64(b)) => {
                    let list = attempts.unwrap_or_default();
                    b.append_value(match d {
                        Derived::Attempts => list.len() as u64,
                        Derived::FailedAttempts => {
                            list.iter().filter(|a| a.failed()).count() as u64
                        }
                        _ => unreachable!("{d:?} is not a count column"),
                    })
                }
                (Source::Derived(d), ColBuilder::U16(b)) => {
                    debug_assert_eq!(d, Derived::FinalUpstreamStatus);
                    b.append_option(attempts.and_then(|a| a.last()).and_then(|a| a.status));
                }
                (Source::Derived(d), ColBuilder::Bool(b)) => {
                    debug_assert_eq!(d, Derived::Generated);
                    b.append_value(
                        attempts
                            .and_then(|a| a.last())
                            .is_none_or(|a| a.status.is_none()),
                    );
                }
                (Source::Derived(d), _) => unreachable!("{d:?} has no such column type"),
            }
        }
        self.rows += 1;
    }

    fn finish(self) -> DataFrame {
        let columns: Vec<Column> = self.cols.into_iter().map(|(_, b)| b.finish()).collect();
        let source = self.source.as_ref().map(|(n, v)| (n.as_str(), v.as_str()));
        finish_frame(self.rows, columns, source)
    }
}

/// A variable's value in its column's type (`-` and absent values are null).
fn push_var(b: &mut ColBuilder, r: &NginxRecord<'_>, slot: usize) {
    match b {
        // a list is kept whole, its `-` entries too (`200, -` is two attempts); a lone `-`
        // (nothing contacted) is null like any other variable's
        ColBuilder::Str(b) => b.append_option(r.value(slot)),
        ColBuilder::U16(b) => b.append_option(r.value(slot).and_then(|v| v.parse().ok())),
        ColBuilder::U64(b) => b.append_option(r.value(slot).and_then(|v| v.parse().ok())),
        ColBuilder::F64(b) => b.append_option(r.value(slot).and_then(parse_seconds)),
        ColBuilder::Time(_) | ColBuilder::I32(_) | ColBuilder::Bool(_) => {
            unreachable!("no variable has this column type")
        }
    }
}
