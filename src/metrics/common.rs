//! Shared pieces of the frame-based analyses: the rows they leave out, time buckets, and
//! typed extraction of aggregated columns.

use polars::prelude::*;

use super::filter::ClientFilter;
use crate::frame::{Col, ColumnSet};

const MIN: i64 = 60_000_000;

/// Bucket sizes for "over time" views, smallest first.
pub const BUCKETS: [i64; 6] = [MIN, 5 * MIN, 10 * MIN, 15 * MIN, 30 * MIN, 60 * MIN];

/// Picks a bucket from 1m to 1h so a window shows at most about 150 points.
pub fn auto_bucket(window_us: i64) -> i64 {
    BUCKETS
        .iter()
        .copied()
        .find(|b| window_us / b <= 150)
        .unwrap_or(60 * MIN)
}

/// The `time` column truncated to buckets, as an expression named `bucket`.
pub fn bucket_expr(bucket_us: i64) -> Expr {
    col(Col::Time.name())
        .dt()
        .truncate(lit(format!("{}m", bucket_us / MIN)))
        .alias("bucket")
}

/// Drops the rows the config marks as non-user traffic; returns the frame and how many went.
/// Reads the columns `exclusion_columns` names, and only those.
pub fn drop_excluded(df: DataFrame, filter: &ClientFilter) -> PolarsResult<(DataFrame, u64)> {
    if filter.is_empty() || df.height() == 0 {
        return Ok((df, 0));
    }
    let column = |c: Col, used: bool| -> PolarsResult<Option<StringChunked>> {
        Ok(match used {
            true => Some(df.column(c.name())?.str()?.clone()),
            false => None,
        })
    };
    let ip = column(Col::ClientIp, !filter.cidrs.is_empty())?;
    let ua = column(Col::UserAgent, !filter.user_agents.is_empty())?;
    let mut ip_it = ip.as_ref().map(|c| c.iter());
    let mut ua_it = ua.as_ref().map(|c| c.iter());
    let keep: BooleanChunked = (0..df.height())
        .map(|_| {
            let ip = ip_it.as_mut().and_then(|it| it.next()).flatten();
            let ua = ua_it.as_mut().and_then(|it| it.next()).flatten();
            !filter.matches(ip, ua)
        })
        .collect();
    let excluded = keep.iter().filter(|k| *k == Some(false)).count() as u64;
    Ok((df.filter(&keep)?, excluded))
}

/// The columns the exclusions read: the user agent for globs, the client for networks.
pub fn exclusion_columns(filter: &ClientFilter) -> ColumnSet {
    let mut set = ColumnSet::of(&[]);
    if !filter.user_agents.is_empty() {
        set = set.with(Col::UserAgent);
    }
    if !filter.cidrs.is_empty() {
        set = set.with(Col::ClientIp);
    }
    set
}

/// A column as optional strings ("null" stays None).
pub fn strings(df: &DataFrame, name: &str) -> PolarsResult<Vec<Option<String>>> {
    let c = df.column(name)?.cast(&DataType::String)?;
    Ok(c.str()?.iter().map(|v| v.map(str::to_string)).collect())
}

/// A count column as u64 (nulls as 0).
pub fn counts(df: &DataFrame, name: &str) -> PolarsResult<Vec<u64>> {
    let c = df.column(name)?.cast(&DataType::UInt64)?;
    Ok(c.u64()?.iter().map(|v| v.unwrap_or(0)).collect())
}

pub fn floats(df: &DataFrame, name: &str) -> PolarsResult<Vec<Option<f64>>> {
    let c = df.column(name)?.cast(&DataType::Float64)?;
    Ok(c.f64()?.iter().collect())
}

/// A datetime column as µs since the epoch.
pub fn times(df: &DataFrame, name: &str) -> PolarsResult<Vec<Option<i64>>> {
    let c = df.column(name)?.cast(&DataType::Int64)?;
    Ok(c.i64()?.iter().collect())
}

/// errors / requests, or None when there are no requests.
pub fn rate(errors: u64, requests: u64) -> Option<f64> {
    (requests > 0).then(|| errors as f64 / requests as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_follow_the_window() {
        assert_eq!(auto_bucket(60 * MIN), MIN);
        assert_eq!(auto_bucket(150 * MIN), MIN);
        assert_eq!(auto_bucket(24 * 60 * MIN), 10 * MIN);
        assert_eq!(auto_bucket(7 * 24 * 60 * MIN), 60 * MIN);
    }
}
