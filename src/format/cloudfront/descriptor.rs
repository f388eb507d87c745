//! What the program asks of CloudFront standard logs (see [`crate::format::descriptor`]).

use super::CloudFront;
use crate::format::descriptor::{AthenaTable, Descriptor, HopPosition, S3Layout, Sniff};
use crate::format::{FileFormat, FormatId, LogFormat};

pub const FORMAT: Descriptor = Descriptor {
    id: FormatId::CloudFront,
    name: "cloudfront",
    title: "CloudFront standard log",
    log_format: LogFormat::Cloudfront,
    roles: super::ROLES,
    roles_follow_settings: None,
    role_source: super::role_source,
    // CloudFront launched in November 2008
    earliest_us: 1_225_497_600_000_000, // 2008-11-01T00:00:00Z
    columns: super::columns,
    for_file: |head, _| FileFormat::CloudFront(CloudFront::for_file(head)),
    // a header names the format even when no record follows it
    marked: |s: &Sniff<'_>| {
        (s.first.starts_with("#Version:") || s.first.starts_with("#Fields:"))
            .then(|| FileFormat::CloudFront(CloudFront::for_file(s.head)))
    },
    recognise: |s: &Sniff<'_>| super::recognise(s.lines).map(FileFormat::CloudFront),
    file_time_range: super::layout::file_time_range,
    s3_layout: S3Layout::CloudFrontHours,
    // standard logs are delivered up to 24 hours late
    delivery_delay_s: 24 * 3600,
    hop: HopPosition::Edge,
    athena: Ok(AthenaTable {
        default_table: super::athena::TABLE,
        ddl: |db, table, location, start, _| super::athena::ddl(db, table, location, start),
        table_sql: |location, window, _| {
            super::athena::table_sql(window, location.is_some_and(super::athena::is_v2))
        },
        setup_takes_config_table: false,
    }),
};
