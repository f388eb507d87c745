//! What the rest of the program asks of a format, in one value per format.
//!
//! Each format's folder defines its [`Descriptor`] (`alb::FORMAT`, `cloudfront::FORMAT`,
//! `nginx::FORMAT`) and the registry ([`super::FORMATS`]) lists them. Code outside
//! `src/format/` asks a [`super::FormatId`] (which reads its descriptor) and never matches on
//! which format it is (`tests/layers.rs` checks it): a new format is its folder, its registry
//! lines and its tests.

use super::{athena::TableSql, ColumnDef, FileFormat, FormatId, FormatSettings, LogFormat};
use super::{Role, RoleSet};
use crate::error::UsageError;
use crate::window::Window;

/// One format, as the program sees it.
#[derive(Debug)]
pub struct Descriptor {
    pub id: FormatId,
    /// The name `--log-format` takes (also the JSON `formats` key and the store's).
    pub name: &'static str,
    /// What a person calls it, for messages.
    pub title: &'static str,
    /// The `--log-format` / `[source] log_format` value that reads only this format.
    pub log_format: LogFormat,
    /// The roles the format can fill (a format whose roles follow its settings, as nginx's
    /// log_format: those some setting fills; a file's own are [`FileFormat::roles`]).
    pub roles: RoleSet,
    /// When the roles a file fills depend on the format's settings: how a refusal names its
    /// logs ("nginx access logs in the configured log_format"); None: "<title> logs".
    pub roles_follow_settings: Option<&'static str>,
    /// Which of its fields fills a role (`hosp-logs schema --roles`).
    pub role_source: fn(Role) -> &'static str,
    /// The earliest time a line can have (the service's launch, µs since the epoch): an
    /// earlier one is a corrupt line, not data.
    pub earliest_us: i64,
    /// The native columns (name, type, meaning), in output order, with default settings.
    pub columns: fn() -> Vec<ColumnDef>,
    /// How a file in this format is read, from its first bytes and the run's settings.
    pub for_file: fn(&[u8], &FormatSettings) -> FileFormat,
    /// A file whose first line names this format by itself (a header, such as CloudFront's
    /// `#Version:` / `#Fields:`): recognised before any format's lines are tried.
    pub marked: fn(&Sniff<'_>) -> Option<FileFormat>,
    /// The format when most of a file's first lines are its lines. Tried in registry order:
    /// a format that reads loosely (nginx's configurable log_format) stands last.
    pub recognise: fn(&Sniff<'_>) -> Option<FileFormat>,
    /// The time range a log file's name says it covers (µs since the epoch), for pruning
    /// files the window does not need without opening them; None when names say nothing.
    pub file_time_range: fn(&str) -> Option<(i64, i64)>,
    /// How its objects are laid out in S3 (what `s3://` listing walks).
    pub s3_layout: S3Layout,
    /// How late its objects may arrive after their minutes, in seconds (what the store waits
    /// for before a minute is complete).
    pub delivery_delay_s: i64,
    /// Where it stands on a request's way in (`hops`).
    pub hop: HopPosition,
    /// Its Athena table, or why it has none (for the refusals).
    pub athena: Result<AthenaTable, &'static str>,
}

/// A file's first lines, as recognition reads them.
#[derive(Debug, Clone, Copy)]
pub struct Sniff<'a> {
    /// The file's first bytes.
    pub head: &'a [u8],
    /// Its first non-blank line.
    pub first: &'a str,
    /// Its first non-blank lines (the first included).
    pub lines: &'a [&'a str],
    pub settings: &'a FormatSettings,
}

impl Sniff<'_> {
    /// Whether most of the lines are read by `parses`.
    pub fn most(&self, parses: impl Fn(&str) -> bool) -> bool {
        self.lines.iter().filter(|l| parses(l)).count() * 2 > self.lines.len()
    }
}

/// How a format's logs are laid out in S3.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum S3Layout {
    /// Elastic Load Balancing's delivery folders,
    /// `AWSLogs/<account>/elasticloadbalancing/<region>/yyyy/mm/dd/`, keys pruned by the end
    /// time in their names (also what a format with no delivery of its own is listed as).
    ElbDeliveryDays,
    /// CloudFront's `<distribution>.YYYY-MM-DD-HH.<unique>.gz` under the prefix, or under
    /// standard logging v2's date folders.
    CloudFrontHours,
}

/// Where a hop stands on a request's way in, outermost first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum HopPosition {
    /// The CDN edge: it answers some requests itself (cache hits) and forwards the others.
    Edge,
    /// An API gateway behind the edge (API Gateway → Lambda): a branch beside the load
    /// balancer's, not joined to the other hops request by request yet.
    Gateway,
    /// The load balancer: the errors it generates itself are counted apart.
    LoadBalancer,
    /// The reverse proxy in front of the application: its upstream attempts are counted.
    Proxy,
}

/// A format's Athena table.
#[derive(Debug)]
pub struct AthenaTable {
    /// The table `athena setup --log-format <name>` creates by default.
    pub default_table: &'static str,
    /// The table's DDL: (database, table, location, first partition day, the run's format
    /// settings: API Gateway's columns follow the stage's format).
    pub ddl: fn(&str, &str, &str, &str, &FormatSettings) -> Result<String, UsageError>,
    /// The table as the analyses' SQL reads it over a window; the location (the table's
    /// s3:// folder, when known) tells layouts apart, the settings a format's columns.
    pub table_sql: fn(Option<&str>, &Window, &FormatSettings) -> Result<TableSql, UsageError>,
    /// Whether `athena setup` takes the config's `[athena] table` as its name (the ALB's
    /// table's; others take `--table` or their default).
    pub setup_takes_config_table: bool,
}
