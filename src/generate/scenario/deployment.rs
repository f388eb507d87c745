//! The simulated deployment: AWS account and region, the load balancer (ids, host, certificate,
//! nodes) and the legacy targets.

pub(crate) const ACCOUNT: &str = "123456789012";
pub(crate) const REGION: &str = "eu-west-1";
/// `elb` field (the LB resource id).
pub(crate) const LB_RESOURCE_ID: &str = "app/hosp-alb/5e4f3a2b1c0d9e8f";
/// The resource id as it appears in file names (slashes -> dots).
pub(crate) const LB_FILE_ID: &str = "app.hosp-alb.5e4f3a2b1c0d9e8f";
pub(crate) const HOST: &str = "hosp.example.com";
pub(crate) const CERT_ARN: &str =
    "arn:aws:acm:eu-west-1:123456789012:certificate/6f1d2c3b-8a4e-4b7f-9c2d-1e5a7b9c0d3f";
/// IP addresses of the two LB nodes (one log file per node and 5-minute interval).
pub(crate) const NODE_IPS: [&str; 2] = ["52.49.18.77", "34.246.120.5"];
pub(crate) const LEGACY_TARGETS: [&str; 2] = ["10.0.1.10:3000", "10.0.1.11:3000"];
