//! What the program asks of nginx access logs (see [`crate::format::descriptor`]).

use super::Nginx;
use crate::format::descriptor::{Descriptor, HopPosition, S3Layout, Sniff};
use crate::format::{FileFormat, FormatId, LogFormat};

pub const FORMAT: Descriptor = Descriptor {
    id: FormatId::Nginx,
    name: "nginx",
    title: "nginx access log",
    log_format: LogFormat::Nginx,
    roles: super::ROLES,
    // which roles an nginx log has depends on its log_format
    roles_follow_settings: Some("nginx access logs in the configured log_format"),
    role_source: super::role_source,
    // no nginx log predates 1995 (nginx itself is from 2004)
    earliest_us: 788_918_400_000_000, // 1995-01-01T00:00:00Z
    columns: || Nginx::default().column_defs(),
    for_file: |_, settings| FileFormat::Nginx(settings.nginx.clone()),
    marked: |_| None,
    // in the configured log_format (default: combined); any line may match a loose one, so
    // nginx stands last in the registry
    recognise: |s: &Sniff<'_>| {
        let nginx = &s.settings.nginx;
        s.most(|l| nginx.0.log_format.parse(l).is_ok())
            .then(|| FileFormat::Nginx(nginx.clone()))
    },
    // nginx names its files as configured: no time in them
    file_time_range: |_| None,
    // no delivery of its own: a bucket of nginx logs is listed as the ELB's folders
    s3_layout: S3Layout::ElbDeliveryDays,
    // a local log is written as it serves
    delivery_delay_s: 0,
    hop: HopPosition::Proxy,
    athena: Err("they stay on the proxies' disks"),
};
