//! What the program asks of ALB access logs (see [`crate::format::descriptor`]).

use crate::format::descriptor::{AthenaTable, Descriptor, HopPosition, S3Layout, Sniff};
use crate::format::{FileFormat, FormatId, LogFormat};

pub const FORMAT: Descriptor = Descriptor {
    id: FormatId::Alb,
    name: "alb",
    title: "ALB access log",
    log_format: LogFormat::Alb,
    roles: super::ROLES,
    roles_follow_settings: None,
    role_source: super::role_source,
    // Application Load Balancers launched in August 2016
    earliest_us: 1_470_009_600_000_000, // 2016-08-01T00:00:00Z
    columns: super::columns,
    for_file: |_, _| FileFormat::Alb,
    marked: |_| None,
    recognise: |s: &Sniff<'_>| {
        s.most(|l| super::parse::parse_line(l).is_ok())
            .then_some(FileFormat::Alb)
    },
    file_time_range: super::layout::file_time_range,
    s3_layout: S3Layout::ElbDeliveryDays,
    // an object per node every 5 minutes, eventually consistent: an hour allowed
    delivery_delay_s: 3600,
    hop: HopPosition::LoadBalancer,
    athena: Ok(AthenaTable {
        default_table: super::athena::TABLE,
        ddl: |db, table, location, start, _| super::athena::ddl(db, table, location, start),
        table_sql: |_, window, _| super::athena::table_sql(window),
        setup_takes_config_table: true,
    }),
};
