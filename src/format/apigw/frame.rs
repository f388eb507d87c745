//! Parsed API Gateway records → the typed Polars columns of `query` and `export`: one per
//! field hosp-logs reads (null where the format lacks it), then the derived ones.

use polars::prelude::*;

use super::fields::{Field, Kind as FieldKind};
use super::{cause, endpoint, route, signals, ApigwRecord};
use crate::format::text::Routes;
use crate::format::ColumnDef;
use crate::frame::{finish_frame, ColBuilder, Kind};

/// A column derived from the fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Derived {
    Time,
    Route,
    Endpoint,
    Cause,
    Source,
}

const DERIVED: [(Derived, &str, Kind, &str); 5] = [
    (
        Derived::Time,
        "time",
        Kind::Time,
        "when the request came in, UTC (requestTimeEpoch, requestTime or CloudWatch's timestamp)",
    ),
    (
        Derived::Route,
        "route",
        Kind::Str,
        "method and endpoint: GET /hospitals/{id}",
    ),
    (
        Derived::Endpoint,
        "endpoint",
        Kind::Str,
        "resourcePath or routeKey with parameters written {id} (else path, ids templated)",
    ),
    (
        Derived::Cause,
        "cause",
        Kind::Str,
        "why an error: function, integration, gateway (5XX); waf, authorizer, throttling, client (4XX)",
    ),
    (
        Derived::Source,
        "source",
        Kind::Str,
        "file or object the line came from",
    ),
];

/// The column name of a field: `identity.sourceIp` → `source_ip`.
pub fn column_name(f: Field) -> String {
    let last = f.name().rsplit('.').next().unwrap_or(f.name());
    let last = match f {
        Field::FunctionStatus => "functionStatus",
        Field::ErrorMessage => "errorMessage",
        Field::ErrorResponseType => "errorResponseType",
        Field::AuthorizerError => "authorizerError",
        _ => last,
    };
    let mut out = String::with_capacity(last.len() + 4);
    for c in last.chars() {
        if c.is_ascii_uppercase() {
            out.push('_');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

fn field_kind(f: Field) -> Kind {
    match f.kind() {
        FieldKind::Text | FieldKind::ClfTime => Kind::Str,
        FieldKind::Status => Kind::U16,
        FieldKind::Count | FieldKind::EpochMs => Kind::U64,
        FieldKind::Ms => Kind::F64,
    }
}

/// The native columns, in output order: the fields, then the derived columns.
pub fn column_defs() -> Vec<ColumnDef> {
    Field::ALL
        .iter()
        .map(|f| ColumnDef {
            name: column_name(*f),
            kind: field_kind(*f),
            doc: format!("$context.{}: {}", f.name(), f.doc()),
        })
        .chain(DERIVED.iter().map(|(_, name, kind, doc)| ColumnDef {
            name: name.to_string(),
            kind: *kind,
            doc: doc.to_string(),
        }))
        .collect()
}

#[derive(Debug, Clone, Copy)]
enum Source {
    Field(Field),
    Derived(Derived),
}

/// Accumulates rows of one batch (one chunk of one source) into typed columns.
pub struct ApigwFrame {
    cols: Vec<(Source, ColBuilder)>,
    source: Option<(String, String)>,
    rows: usize,
}

impl ApigwFrame {
    /// A builder for `columns` (indexes into [`column_defs`]).
    pub fn new(columns: &[usize], capacity: usize, source: &str) -> Self {
        let defs = column_defs();
        let mut out_source = None;
        let mut cols = Vec::with_capacity(columns.len());
        for &i in columns {
            let Some(def) = defs.get(i) else { continue };
            let src = match Field::ALL.get(i) {
                Some(f) => Source::Field(*f),
                None => Source::Derived(DERIVED[i - Field::ALL.len()].0),
            };
            if matches!(src, Source::Derived(Derived::Source)) {
                out_source = Some((def.name.clone(), source.to_string()));
            } else {
                cols.push((src, ColBuilder::new(&def.name, def.kind, capacity)));
            }
        }
        ApigwFrame {
            cols,
            source: out_source,
            rows: 0,
        }
    }

    pub fn push(&mut self, r: &ApigwRecord<'_>, routes: &Routes) {
        for (src, b) in &mut self.cols {
            match (*src, b) {
                (Source::Field(f), ColBuilder::Str(b)) => {
                    b.append_option(super::decoded(r, f).as_deref())
                }
                (Source::Field(f), ColBuilder::U16(b)) => b.append_option(match f {
                    Field::Status => Some(r.status),
                    Field::IntegrationStatus => r.integration_status,
                    Field::FunctionStatus => r.function_status,
                    _ => r.get(f).and_then(|v| v.parse().ok()),
                }),
                (Source::Field(f), ColBuilder::U64(b)) => b.append_option(match f {
                    Field::ResponseLength => r.response_length,
                    _ => r.get(f).and_then(|v| v.parse().ok()),
                }),
                (Source::Field(f), ColBuilder::F64(b)) => b.append_option(match f {
                    Field::ResponseLatency => r.response_latency,
                    Field::IntegrationLatency => r.integration_latency,
                    _ => r.get(f).and_then(|v| v.parse().ok()),
                }),
                (Source::Derived(Derived::Time), ColBuilder::Time(b)) => b.append_value(r.time_us),
                (Source::Derived(d), ColBuilder::Str(b)) => {
                    let text = match d {
                        Derived::Route => {
                            let e = endpoint(r, routes);
                            route(r.route_parts().0, e.as_deref())
                        }
                        Derived::Endpoint => endpoint(r, routes).map(|e| e.into_owned()),
                        Derived::Cause => cause(&signals(r)).map(|c| c.name().to_string()),
                        Derived::Time | Derived::Source => None,
                    };
                    b.append_option(text.as_deref());
                }
                (src, _) => unreachable!("{src:?} has no such column type"),
            }
        }
        self.rows += 1;
    }

    pub fn finish(self) -> DataFrame {
        let columns: Vec<Column> = self.cols.into_iter().map(|(_, b)| b.finish()).collect();
        let source = self.source.as_ref().map(|(n, v)| (n.as_str(), v.as_str()));
        finish_frame(self.rows, columns, source)
    }
}

impl crate::format::FrameBuilder<super::Apigw> for ApigwFrame {
    fn push(&mut self, rec: &ApigwRecord<'_>, routes: &Routes) {
        ApigwFrame::push(self, rec, routes)
    }

    fn finish(self) -> DataFrame {
        ApigwFrame::finish(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_are_named_once_and_typed() {
        let defs = column_defs();
        let names: std::collections::HashSet<_> = defs.iter().map(|d| d.name.as_str()).collect();
        assert_eq!(names.len(), defs.len(), "{defs:?}");
        assert_eq!(column_name(Field::SourceIp), "source_ip");
        assert_eq!(column_name(Field::FunctionStatus), "function_status");
        assert_eq!(column_name(Field::RequestTimeEpoch), "request_time_epoch");
        let t = super::super::Template::compile(
            r#"{"t":"$context.requestTimeEpoch","s":"$context.status","rk":"$context.routeKey","ua":"$context.identity.userAgent","l":"$context.responseLatency","e":"$context.error.responseType"}"#,
        )
        .unwrap();
        let line = r#"{"t":"1784692371355","s":"504","rk":"GET /hospitals/{hospitalId}","ua":"a \"b\"","l":"29001","e":"INTEGRATION_TIMEOUT"}"#;
        let r = super::super::parse_line(line, &t).unwrap();
        let all: Vec<usize> = (0..defs.len()).collect();
        let mut f = ApigwFrame::new(&all, 1, "x.log");
        f.push(&r, &Routes::default());
        let df = f.finish();
        assert_eq!(df.shape(), (1, defs.len()));
        let s = |n: &str| {
            df.column(n)
                .unwrap()
                .str()
                .unwrap()
                .get(0)
                .map(str::to_string)
        };
        assert_eq!(s("route").as_deref(), Some("GET /hospitals/{id}"));
        assert_eq!(s("cause").as_deref(), Some("gateway"));
        assert_eq!(s("user_agent").as_deref(), Some("a \"b\""));
        assert_eq!(s("source").as_deref(), Some("x.log"));
        assert_eq!(s("request_id"), None);
        let status = df.column("status").unwrap().u16().unwrap().get(0);
        assert_eq!(status, Some(504));
        let latency = df.column("response_latency").unwrap().f64().unwrap().get(0);
        assert_eq!(latency, Some(29001.0));
    }
}
