//! The CloudFront table in Athena: AWS's documented DDL for standard logs
//! (queries/cloudfront_standard_logs.sql), flat for the legacy layout, or with partition
//! projection over the `yyyy/MM/dd` folders of standard logging v2.

use crate::error::UsageError;
use crate::format::alb::athena::checked_location;
use crate::sql::identifier;

pub const DDL: &str = include_str!("../../../queries/cloudfront_standard_logs.sql");

/// The table `athena setup --log-format cloudfront` creates by default.
pub const TABLE: &str = "cloudfront_standard_logs";

/// The DDL for a location: v2's partitioned folders (`…/CloudFront/…`, read by day from
/// `range_start`), else the legacy flat prefix. Names and location checked, then written in
/// (DDL takes no parameters in Athena).
pub fn ddl(
    database: &str,
    table: &str,
    location: &str,
    range_start: &str,
) -> Result<String, UsageError> {
    let location = checked_location(location, range_start)?;
    let v2 = location.contains("/CloudFront/");
    let (partitioned_by, projection) = if v2 {
        (
            "PARTITIONED BY (day STRING)\n".to_string(),
            format!(
                ",\n    'projection.enabled' = 'true',\n    'projection.day.type' = 'date',\n    \
                 'projection.day.range' = '{range_start},NOW',\n    'projection.day.format' = 'yyyy/MM/dd',\n    \
                 'projection.day.interval' = '1',\n    'projection.day.interval.unit' = 'DAYS',\n    \
                 'storage.location.template' = '{location}${{day}}'"
            ),
        )
    } else {
        (String::new(), String::new())
    };
    let statement = &DDL[DDL.find("CREATE").unwrap_or(0)..];
    Ok(statement
        .replace("{{database}}", &identifier(database)?)
        .replace("{{table}}", &identifier(table)?)
        .replace("{{partitioned_by}}", &partitioned_by)
        .replace("{{projection}}", &projection)
        .replace("{{location}}", location))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn legacy_and_v2_tables() {
        let legacy = ddl("hosp", TABLE, "s3://logs/cf/", "2026/01/01").unwrap();
        assert!(
            legacy.starts_with("CREATE EXTERNAL TABLE IF NOT EXISTS hosp.cloudfront_standard_logs")
        );
        assert!(legacy.contains("ROW FORMAT DELIMITED\nFIELDS TERMINATED BY '\\t'"));
        assert!(legacy.contains("'skip.header.line.count' = '2'\n)"));
        assert!(!legacy.contains("PARTITIONED") && !legacy.contains("{{"));
        let v2 = ddl(
            "hosp",
            TABLE,
            "s3://logs/AWSLogs/1/CloudFront/E2HOSP0EXAMPLE/",
            "2026/01/01",
        )
        .unwrap();
        assert!(v2.contains("PARTITIONED BY (day STRING)\nROW FORMAT"));
        assert!(v2.contains(
            "'storage.location.template' = 's3://logs/AWSLogs/1/CloudFront/E2HOSP0EXAMPLE/${day}'"
        ));
        assert!(!v2.contains("{{"));
        assert!(ddl("hosp", TABLE, "s3://x/' ) DROP", "2026/01/01").is_err());
        assert!(ddl("hosp", "t;", "s3://x/", "2026/01/01").is_err());
    }
}
