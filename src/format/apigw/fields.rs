//! The API Gateway fields hosp-logs reads: which `$context` variables fill each, its type, and
//! the JSON keys a line without a configured template is read by.
//!
//! Depends only on `std` (the fuzz crate compiles it by path).

macro_rules! fields {
    ($($variant:ident = $name:literal, $kind:ident, $doc:literal;)*) => {
        /// A field of an API Gateway access log, named as its `$context` variable.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Field {
            $($variant,)*
        }

        impl Field {
            pub const ALL: [Field; FIELD_COUNT] = [$(Field::$variant,)*];

            /// The `$context` variable's name, without `$context.` (`identity.sourceIp`).
            pub const fn name(self) -> &'static str {
                match self {
                    $(Field::$variant => $name,)*
                }
            }

            /// How its text is read.
            pub const fn kind(self) -> Kind {
                match self {
                    $(Field::$variant => Kind::$kind,)*
                }
            }

            /// What it means (AWS's documentation, shortened).
            pub const fn doc(self) -> &'static str {
                match self {
                    $(Field::$variant => $doc,)*
                }
            }
        }
    };
}

/// How a field's text is read. `-` and an empty value are null whatever the kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Kept as written (JSON escapes undone on demand).
    Text,
    /// An HTTP status: three digits.
    Status,
    /// A count (bytes): digits.
    Count,
    /// Milliseconds: digits, maybe a fraction.
    Ms,
    /// `$context.requestTime`: `09/Jun/2023:12:54:08 +0000`.
    ClfTime,
    /// `$context.requestTimeEpoch`: milliseconds since the epoch.
    EpochMs,
}

/// How many fields [`Field`] has.
pub const FIELD_COUNT: usize = 24;

fields! {
    RequestId = "requestId", Text, "the request's id (API Gateway's own)";
    ExtendedRequestId = "extendedRequestId", Text, "the id API Gateway also sends as x-amz-apigw-id";
    SourceIp = "identity.sourceIp", Text, "the client's address as API Gateway saw it";
    RequestTime = "requestTime", ClfTime, "when the request came in (CLF time, to the second)";
    RequestTimeEpoch = "requestTimeEpoch", EpochMs, "when the request came in (ms since the epoch)";
    HttpMethod = "httpMethod", Text, "the HTTP method";
    ResourcePath = "resourcePath", Text, "REST APIs: the resource template (/pets/{petId})";
    RouteKey = "routeKey", Text, "HTTP APIs: the route (GET /pets/{id}, $default)";
    Path = "path", Text, "the request path (REST: with the stage)";
    Status = "status", Status, "the status the client received";
    Protocol = "protocol", Text, "the request protocol (HTTP/1.1)";
    ResponseLength = "responseLength", Count, "response payload bytes";
    ResponseLatency = "responseLatency", Ms, "the time API Gateway took to answer, in ms";
    IntegrationLatency = "integrationLatency", Ms, "the time the integration took, in ms";
    IntegrationStatus = "integrationStatus", Status, "the status the integration service returned (Lambda's own, not the function's)";
    FunctionStatus = "integration.status", Status, "the status the function's code returned (Lambda proxy)";
    IntegrationError = "integrationErrorMessage", Text, "the integration's error message";
    ErrorMessage = "error.message", Text, "API Gateway's error message";
    ErrorResponseType = "error.responseType", Text, "API Gateway's gateway-response type (INTEGRATION_TIMEOUT, THROTTLED, …)";
    WafResponseCode = "wafResponseCode", Text, "AWS WAF's verdict: WAF_ALLOW, WAF_BLOCK";
    AuthorizerError = "authorizer.error", Text, "the authorizer's error message";
    XrayTraceId = "xrayTraceId", Text, "the X-Ray trace id";
    UserAgent = "identity.userAgent", Text, "the User-Agent header (attacker-controlled)";
    EdgeId = "authorizer.cfId", Text, "CloudFront's request id (X-Amz-Cf-Id), when a Lambda authorizer returns it in its context as cfId (no $context variable holds a request header)";
}

/// `$context` variables that are another name of a field (HTTP APIs' nested spellings).
const ALIASES: [(&str, Field); 5] = [
    ("integration.latency", Field::IntegrationLatency),
    ("integration.integrationStatus", Field::IntegrationStatus),
    ("integration.error", Field::IntegrationError),
    ("error.messageString", Field::ErrorMessage),
    ("identity.clientIp", Field::SourceIp),
];

impl Field {
    /// The field a `$context` variable (without `$context.`) fills, if hosp-logs reads it.
    pub fn of_variable(var: &str) -> Option<Field> {
        Field::ALL
            .iter()
            .copied()
            .find(|f| f.name() == var)
            .or_else(|| ALIASES.iter().find(|(n, _)| *n == var).map(|(_, f)| *f))
    }
}

/// JSON keys a line read without a template may use beyond the variables' own names (and
/// their nested spellings, `{"identity":{"sourceIp":…}}`): the keys of AWS's JSON presets and
/// of its documentation's examples.
pub const DEFAULT_KEYS: [(&str, Field); 8] = [
    ("ip", Field::SourceIp),
    ("sourceIp", Field::SourceIp),
    ("userAgent", Field::UserAgent),
    ("errorMessage", Field::ErrorMessage),
    ("error.errorMessage", Field::ErrorMessage),
    ("errorResponseType", Field::ErrorResponseType),
    ("error.errorResponseType", Field::ErrorResponseType),
    ("httpStatusCode", Field::Status),
];

/// The field a JSON key (nested keys joined with `.`) names when no template is configured.
pub fn default_key(key: &str) -> Option<Field> {
    Field::of_variable(key).or_else(|| {
        DEFAULT_KEYS
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, f)| *f)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_field_is_its_variable_and_documented() {
        for (i, f) in Field::ALL.iter().enumerate() {
            assert_eq!(*f as usize, i);
            assert_eq!(Field::of_variable(f.name()), Some(*f));
            assert_eq!(default_key(f.name()), Some(*f));
            assert!(!f.doc().is_empty());
        }
        for (var, f) in ALIASES {
            assert_eq!(Field::of_variable(var), Some(f));
        }
        assert_eq!(Field::of_variable("stage"), None);
        assert_eq!(default_key("ip"), Some(Field::SourceIp));
        assert_eq!(default_key("stage"), None);
    }
}
