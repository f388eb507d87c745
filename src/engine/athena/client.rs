//! Amazon Athena as a source: start a query, poll it with backoff, page its results. Never
//! leaves a paid query running: Ctrl-C (and any error after the start) stops it.

use std::time::{Duration, Instant};

use aws_sdk_athena::types::{QueryExecutionContext, QueryExecutionState, ResultConfiguration};
use aws_sdk_athena::Client;
use serde::Serialize;
use tokio::runtime::Runtime;

/// Athena's on-demand price (US regions): 5 USD per TB scanned, at least 10 MB per query.
pub const USD_PER_TB: f64 = 5.0;
const MIN_BILLED_BYTES: u64 = 10 * 1_000_000;

#[derive(Debug, Clone, Default)]
pub struct AthenaOptions {
    pub aws: crate::source::AwsSettings,
    pub workgroup: Option<String>,
    pub database: String,
    /// s3:// folder for results; None leaves it to the workgroup's setting.
    pub output_location: Option<String>,
    /// Longest wait between two status polls.
    pub max_poll_interval: Duration,
}

#[derive(Debug, thiserror::Error)]
pub enum AthenaError {
    #[error("starting the AWS client: {0}")]
    Runtime(String),
    #[error("Athena refused the query: {0}")]
    Start(String),
    #[error("Athena query {id} failed: {reason}")]
    Failed {
        id: String,
        reason: String,
        /// Athena's ErrorCategory: 1 system, 2 user (bad SQL, missing table), 3 other.
        category: Option<i32>,
    },
    #[error("Athena query {id} was cancelled: {reason}")]
    Cancelled { id: String, reason: String },
    #[error("interrupted: Athena query {id} was stopped (StopQueryExecution)")]
    Interrupted { id: String },
    #[error("Athena query {id}: {reason}")]
    Call { id: String, reason: String },
    #[error("the query would scan about {estimate} bytes, over --max-scan {limit} ({detail})")]
    ScanLimit {
        estimate: u64,
        limit: u64,
        detail: String,
    },
}

impl AthenaError {
    /// Errors in what the user asked (bad SQL, a missing table, over --max-scan): exit 2.
    pub fn is_user_error(&self) -> bool {
        matches!(
            self,
            AthenaError::Failed {
                category: Some(2),
                ..
            } | AthenaError::ScanLimit { .. }
        )
    }
}

pub use crate::sql::Query;

/// What a query cost and how it ran, shown with every Athena result.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct QueryStats {
    pub query_execution_id: String,
    pub data_scanned_bytes: u64,
    /// At the on-demand price (`USD_PER_TB`, 10 MB minimum); the workgroup may differ.
    pub cost_usd: f64,
    pub engine_ms: u64,
    /// Status polls until the query ended.
    pub polls: u32,
    pub result_pages: u32,
    pub rows: u64,
}

pub fn cost_usd(bytes: u64) -> f64 {
    bytes.max(MIN_BILLED_BYTES) as f64 / 1e12 * USD_PER_TB
}

/// A column as Athena typed it (`varchar`, `bigint`, `double`, `timestamp`, ...).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Column {
    pub name: String,
    pub type_name: String,
}

/// A finished query's rows: every value as Athena's text, NULL as None.
#[derive(Debug, Clone, Default)]
pub struct ResultRows {
    pub columns: Vec<Column>,
    pub rows: Vec<Vec<Option<String>>>,
    pub stats: QueryStats,
}

pub struct AthenaClient {
    rt: Runtime,
    client: Client,
    opts: AthenaOptions,
}

impl AthenaClient {
    pub fn new(opts: &AthenaOptions) -> Result<AthenaClient, AthenaError> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| AthenaError::Runtime(e.to_string()))?;
        let sdk = crate::source::aws_sdk_config(&rt, &opts.aws);
        if sdk.region().is_none() {
            return Err(AthenaError::Runtime(
                "no AWS region: pass --region or set it in the profile or AWS_REGION".into(),
            ));
        }
        Ok(AthenaClient {
            rt,
            client: Client::new(&sdk),
            opts: opts.clone(),
        })
    }

    /// Runs a query to the end and returns all its rows. Ctrl-C stops the query in Athena.
    pub fn run(
        &self,
        query: &Query,
        on_state: &mut dyn FnMut(&str),
    ) -> Result<ResultRows, AthenaError> {
        self.rt.block_on(async {
            let started = std::cell::RefCell::new(None::<String>);
            let work = self.execute(query, &started, on_state);
            tokio::pin!(work);
            tokio::select! {
                res = &mut work => {
                    if res.is_err() {
                        // a result we could not read must not leave the query running
                        let id = started.borrow().clone();
                        if let Some(id) = id {
                            self.stop(&id).await;
                        }
                    }
                    res
                }
                _ = tokio::signal::ctrl_c() => {
                    let id = started.borrow().clone();
                    match id {
                        Some(id) => {
                            self.stop(&id).await;
                            Err(AthenaError::Interrupted { id })
                        }
                        None => Err(AthenaError::Interrupted { id: "(not started)".into() }),
                    }
                }
            }
        })
    }

    async fn stop(&self, id: &str) {
        let _ = self
            .client
            .stop_query_execution()
            .query_execution_id(id)
            .send()
            .await;
    }

    async fn execute(
        &self,
        query: &Query,
        started: &std::cell::RefCell<Option<String>>,
        on_state: &mut dyn FnMut(&str),
    ) -> Result<ResultRows, AthenaError> {
        let ctx = QueryExecutionContext::builder().database(&self.opts.database);
        let mut req = self
            .client
            .start_query_execution()
            .query_string(&query.sql)
            .query_execution_context(ctx.build())
            .set_work_group(self.opts.workgroup.clone());
        if !query.parameters.is_empty() {
            req = req.set_execution_parameters(Some(query.parameters.clone()));
        }
        if let Some(out) = &self.opts.output_location {
            req = req
                .result_configuration(ResultConfiguration::builder().output_location(out).build());
        }
        let out = req
            .send()
            .await
            .map_err(|e| AthenaError::Start(error_text(&e)))?;
        let id = out
            .query_execution_id()
            .ok_or_else(|| AthenaError::Start("no query execution id in the answer".into()))?
            .to_string();
        *started.borrow_mut() = Some(id.clone());
        let mut stats = self.wait(&id, on_state).await?;
        let (columns, rows, pages) = self.results(&id).await?;
        stats.result_pages = pages;
        stats.rows = rows.len() as u64;
        Ok(ResultRows {
            columns,
            rows,
            stats,
        })
    }

    /// Polls until the query ends: 100 ms, doubling up to `max_poll_interval`.
    async fn wait(
        &self,
        id: &str,
        on_state: &mut dyn FnMut(&str),
    ) -> Result<QueryStats, AthenaError> {
        let call = |reason: String| AthenaError::Call {
            id: id.to_string(),
            reason,
        };
        let mut delay = Duration::from_millis(100);
        let max = self.opts.max_poll_interval.max(Duration::from_millis(100));
        let mut polls = 0u32;
        let started = Instant::now();
        loop {
            let out = self
                .client
                .get_query_execution()
                .query_execution_id(id)
                .send()
                .await
                .map_err(|e| call(error_text(&e)))?;
            polls += 1;
            let exec = out
                .query_execution()
                .ok_or_else(|| call("no query execution in the answer".into()))?;
            let status = exec.status();
            let state = status.and_then(|s| s.state()).cloned();
            let reason = || {
                status
                    .and_then(|s| {
                        s.athena_error()
                            .and_then(|e| e.error_message())
                            .or(s.state_change_reason())
                    })
                    .unwrap_or("no reason given")
                    .to_string()
            };
            match state {
                Some(QueryExecutionState::Succeeded) => {
                    let st = exec.statistics();
                    let bytes = st
                        .and_then(|s| s.data_scanned_in_bytes())
                        .unwrap_or(0)
                        .max(0) as u64;
                    return Ok(QueryStats {
                        query_execution_id: id.to_string(),
                        data_scanned_bytes: bytes,
                        cost_usd: cost_usd(bytes),
                        engine_ms: st
                            .and_then(|s| s.engine_execution_time_in_millis())
                            .unwrap_or(0)
                            .max(0) as u64,
                        polls,
                        ..QueryStats::default()
                    });
                }
                Some(QueryExecutionState::Failed) => {
                    return Err(AthenaError::Failed {
                        id: id.to_string(),
                        reason: reason(),
                        category: status
                            .and_then(|s| s.athena_error())
                            .and_then(|e| e.error_category()),
                    })
                }
                Some(QueryExecutionState::Cancelled) => {
                    return Err(AthenaError::Cancelled {
                        id: id.to_string(),
                        reason: reason(),
                    })
                }
                other => {
                    let name = other.as_ref().map_or("UNKNOWN", |s| s.as_str());
                    on_state(&format!("{name} {:.1}s", started.elapsed().as_secs_f64()));
                }
            }
            tokio::time::sleep(delay).await;
            delay = (delay * 2).min(max);
        }
    }

    /// Pages GetQueryResults (1,000 rows a page); drops the header row Athena puts first.
    async fn results(
        &self,
        id: &str,
    ) -> Result<(Vec<Column>, Vec<Vec<Option<String>>>, u32), AthenaError> {
        let mut columns: Vec<Column> = Vec::new();
        let mut rows = Vec::new();
        let mut token: Option<String> = None;
        let mut pages = 0u32;
        loop {
            let out = self
                .client
                .get_query_results()
                .query_execution_id(id)
                .max_results(1000)
                .set_next_token(token.take())
                .send()
                .await
                .map_err(|e| AthenaError::Call {
                    id: id.to_string(),
                    reason: format!("reading results: {}", error_text(&e)),
                })?;
            pages += 1;
            let Some(set) = out.result_set() else { break };
            if columns.is_empty() {
                if let Some(meta) = set.result_set_metadata() {
                    columns = meta
                        .column_info()
                        .iter()
                        .map(|c| Column {
                            name: c.name().to_string(),
                            type_name: c.r#type().to_ascii_lowercase(),
                        })
                        .collect();
                }
            }
            for (i, row) in set.rows().iter().enumerate() {
                let values: Vec<Option<String>> = row
                    .data()
                    .iter()
                    .map(|d| d.var_char_value().map(str::to_string))
                    .collect();
                let header = pages == 1
                    && i == 0
                    && !columns.is_empty()
                    && values.len() == columns.len()
                    && values
                        .iter()
                        .zip(&columns)
                        .all(|(v, c)| v.as_deref() == Some(c.name.as_str()));
                if !header {
                    rows.push(values);
                }
            }
            match out.next_token() {
                Some(t) if !t.is_empty() => token = Some(t.to_string()),
                _ => break,
            }
        }
        Ok((columns, rows, pages))
    }
}

/// The service's own code and message, not the SDK's "service error" wrapper.
fn error_text<E>(e: &aws_sdk_athena::error::SdkError<E>) -> String
where
    E: aws_sdk_athena::error::ProvideErrorMetadata + std::error::Error + 'static,
{
    use aws_sdk_athena::error::SdkError;
    if let SdkError::ServiceError(s) = e {
        let err = s.err();
        return match (err.code(), err.message()) {
            (Some(c), Some(m)) => format!("{c}: {m}"),
            (None, Some(m)) => m.to_string(),
            (Some(c), None) => c.to_string(),
            (None, None) => err.to_string(),
        };
    }
    let mut text = e.to_string();
    let mut src = std::error::Error::source(e);
    while let Some(s) = src {
        text.push_str(": ");
        text.push_str(&s.to_string());
        src = s.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cost_is_five_dollars_a_terabyte_with_a_ten_megabyte_minimum() {
        assert_eq!(cost_usd(1_000_000_000_000), 5.0);
        assert_eq!(cost_usd(2_500_000_000_000), 12.5);
        // below 10 MB Athena bills 10 MB
        assert_eq!(cost_usd(0), cost_usd(10_000_000));
        assert!((cost_usd(10_000_000) - 0.00005).abs() < 1e-12);
    }
}
