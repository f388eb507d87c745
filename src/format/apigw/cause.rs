//! Why API Gateway answered an error: its own attribution, from the fields it logs.
//!
//! 5XX:
//! - `function`: the function's code answered 5XX (`integration.status` ≥ 500);
//! - `integration`: an integration status is present and is not 2XX (the Lambda service
//!   failed, throttled, or the invoke failed) and the function did not answer 5XX;
//! - `gateway`: every other 5XX (a timeout with no integration status, a malformed function
//!   response, API Gateway's own faults).
//!
//! 4XX:
//! - `waf`: AWS WAF blocked it (`wafResponseCode` WAF_BLOCK);
//! - `authorizer`: the authorizer refused it or failed (`authorizer.error`, a gateway response
//!   of an authorizer type, or a 401 the integration never saw);
//! - `throttling`: 429 (a stage, route or usage-plan limit);
//! - `client`: any other 4XX (the function's own, a missing route, a bad request).
//!
//! Depends only on `std`.

/// The cause of one error answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Cause {
    Function,
    Integration,
    Gateway,
    Waf,
    Authorizer,
    Throttling,
    Client,
}

impl Cause {
    pub const ALL: [Cause; 7] = [
        Cause::Function,
        Cause::Integration,
        Cause::Gateway,
        Cause::Waf,
        Cause::Authorizer,
        Cause::Throttling,
        Cause::Client,
    ];

    /// The name in JSON (`by_cause`) and tables.
    pub fn name(self) -> &'static str {
        match self {
            Cause::Function => "function",
            Cause::Integration => "integration",
            Cause::Gateway => "gateway",
            Cause::Waf => "waf",
            Cause::Authorizer => "authorizer",
            Cause::Throttling => "throttling",
            Cause::Client => "client",
        }
    }
}

/// What the attribution reads of a request.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Signals<'a> {
    /// `status`: what the client received.
    pub status: u16,
    /// `integrationStatus`: the integration service's (Lambda's own).
    pub integration_status: Option<u16>,
    /// `integration.status`: the function code's.
    pub function_status: Option<u16>,
    /// `wafResponseCode`.
    pub waf_response_code: Option<&'a str>,
    /// `authorizer.error`.
    pub authorizer_error: Option<&'a str>,
    /// `error.responseType`.
    pub error_response_type: Option<&'a str>,
}

/// Gateway responses that are the authorizer's (AWS's gateway-response types).
const AUTHORIZER_RESPONSES: [&str; 6] = [
    "UNAUTHORIZED",
    "ACCESS_DENIED",
    "AUTHORIZER_FAILURE",
    "AUTHORIZER_CONFIGURATION_ERROR",
    "EXPIRED_TOKEN",
    "INVALID_SIGNATURE",
];

/// The cause of a 4XX or 5XX answer; None for any other status.
pub fn cause(s: &Signals<'_>) -> Option<Cause> {
    match s.status {
        500..=599 => Some(if s.function_status.is_some_and(|f| f >= 500) {
            Cause::Function
        } else if s
            .integration_status
            .is_some_and(|i| !(200..=299).contains(&i))
        {
            Cause::Integration
        } else {
            Cause::Gateway
        }),
        400..=499 => Some(if s.waf_response_code == Some("WAF_BLOCK") {
            Cause::Waf
        } else if s.authorizer_error.is_some()
            || s.error_response_type
                .is_some_and(|t| AUTHORIZER_RESPONSES.contains(&t))
            || (s.status == 401 && s.integration_status.is_none() && s.function_status.is_none())
        {
            Cause::Authorizer
        } else if s.status == 429 {
            Cause::Throttling
        } else {
            Cause::Client
        }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn causes_by_the_fields_logged() {
        let s = |status, integration_status, function_status| Signals {
            status,
            integration_status,
            function_status,
            ..Signals::default()
        };
        let waf = Signals {
            waf_response_code: Some("WAF_BLOCK"),
            ..s(403, None, None)
        };
        let waf_allowed = Signals {
            waf_response_code: Some("WAF_ALLOW"),
            ..s(403, Some(403), None)
        };
        let authorizer = Signals {
            authorizer_error: Some("Unauthorized"),
            ..s(403, None, None)
        };
        let denied = Signals {
            error_response_type: Some("ACCESS_DENIED"),
            ..s(403, None, None)
        };
        let throttled_by_waf_rule = Signals {
            waf_response_code: Some("WAF_BLOCK"),
            ..s(429, None, None)
        };
        let cases: &[(Signals<'_>, Option<Cause>, &str)] = &[
            (s(200, Some(200), Some(200)), None, "success"),
            (s(302, None, None), None, "a redirect is no error"),
            (
                s(502, Some(200), Some(500)),
                Some(Cause::Function),
                "function 500 through a proxy",
            ),
            (
                s(500, None, Some(503)),
                Some(Cause::Function),
                "function status alone",
            ),
            (
                s(502, Some(200), Some(200)),
                Some(Cause::Gateway),
                "malformed function response",
            ),
            (
                s(502, Some(200), None),
                Some(Cause::Gateway),
                "integration 2XX, gateway failed",
            ),
            (
                s(504, None, None),
                Some(Cause::Gateway),
                "integration timeout: no status",
            ),
            (
                s(500, Some(429), None),
                Some(Cause::Integration),
                "Lambda throttled",
            ),
            (
                s(502, Some(500), Some(200)),
                Some(Cause::Integration),
                "Lambda service error",
            ),
            (
                s(503, Some(404), Some(404)),
                Some(Cause::Integration),
                "function 4XX, not 5XX",
            ),
            (
                s(500, Some(500), Some(500)),
                Some(Cause::Function),
                "both: the function's",
            ),
            (waf, Some(Cause::Waf), "WAF block"),
            (throttled_by_waf_rule, Some(Cause::Waf), "a WAF rate rule"),
            (
                waf_allowed,
                Some(Cause::Client),
                "WAF allowed, integration 403",
            ),
            (authorizer, Some(Cause::Authorizer), "authorizer error"),
            (
                denied,
                Some(Cause::Authorizer),
                "gateway response ACCESS_DENIED",
            ),
            (
                s(401, None, None),
                Some(Cause::Authorizer),
                "401 never integrated",
            ),
            (
                s(401, Some(200), Some(401)),
                Some(Cause::Client),
                "the function's 401",
            ),
            (
                s(429, None, None),
                Some(Cause::Throttling),
                "stage throttling",
            ),
            (s(404, None, None), Some(Cause::Client), "missing route"),
        ];
        for (signals, want, what) in cases {
            assert_eq!(cause(signals), *want, "{what}: {signals:?}");
        }
        let names: std::collections::HashSet<_> = Cause::ALL.iter().map(|c| c.name()).collect();
        assert_eq!(names.len(), Cause::ALL.len());
    }
}
