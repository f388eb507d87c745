//! What the program asks of API Gateway access logs (see [`crate::format::descriptor`]).

use super::Apigw;
use crate::format::descriptor::{AthenaTable, Descriptor, HopPosition, S3Layout, Sniff};
use crate::format::{FileFormat, FormatId, LogFormat};

pub const FORMAT: Descriptor = Descriptor {
    id: FormatId::Apigw,
    name: "apigw",
    title: "API Gateway access log",
    log_format: LogFormat::Apigw,
    roles: super::ROLES,
    // which roles a stage's log has depends on its format string
    roles_follow_settings: Some("API Gateway access logs in the stage's format"),
    role_source: super::role_source,
    earliest_us: super::EARLIEST_US,
    columns: || Apigw::default().column_defs(),
    for_file: |head, settings| FileFormat::Apigw(settings.apigw.for_file(head)),
    marked: |_| None,
    // the configured format, else JSON keyed by the $context variables or one of AWS's
    // presets; after nginx in the registry: a combined line matches the CLF preset's first
    // fields (its requestId check refuses it)
    recognise: |s: &Sniff<'_>| s.settings.apigw.recognise(s.lines).map(FileFormat::Apigw),
    // CloudWatch Logs names neither its streams nor its export parts by time
    file_time_range: |_| None,
    // no delivery of its own: CloudWatch exports are found by their `exportedlogs` folder
    s3_layout: S3Layout::ElbDeliveryDays,
    // CloudWatch Logs makes an event readable within seconds; five minutes is a margin
    delivery_delay_s: 300,
    hop: HopPosition::Gateway,
    // JSON lines (a JSON preset or format) through the OpenX JSON SerDe, by day folders
    athena: Ok(AthenaTable {
        default_table: super::athena::TABLE,
        ddl: |db, table, location, start, settings| {
            super::athena::ddl(db, table, location, start, &settings.apigw)
        },
        table_sql: |_, window, settings| super::athena::table_sql(window, &settings.apigw),
        setup_takes_config_table: false,
    }),
};
