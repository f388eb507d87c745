//! Client matching: user-agent globs and CIDR networks (the config's `[exclude]`, the security
//! rules' networks and tools).

use std::net::IpAddr;

use crate::error::UsageError;
use crate::format::text::escape_regex;
use crate::format::{Role, RoleSet};

pub use crate::net::Cidr;

/// A case-insensitive glob over the whole text; `*` matches any run of characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Glob {
    parts: Vec<String>,
    anchored_start: bool,
    anchored_end: bool,
}

impl Glob {
    pub fn new(pattern: &str) -> Glob {
        let lower = pattern.to_ascii_lowercase();
        Glob {
            anchored_start: !lower.starts_with('*'),
            anchored_end: !lower.ends_with('*'),
            parts: lower
                .split('*')
                .filter(|p| !p.is_empty())
                .map(str::to_string)
                .collect(),
        }
    }

    /// The same test as a regex over the lowercased text (for engines that match in SQL).
    pub fn to_regex(&self) -> String {
        if self.parts.is_empty() {
            return if self.anchored_start { "^$" } else { "" }.to_string();
        }
        let body: Vec<String> = self.parts.iter().map(|p| escape_regex(p)).collect();
        format!(
            "{}{}{}",
            if self.anchored_start { "^" } else { "" },
            body.join(".*"),
            if self.anchored_end { "$" } else { "" }
        )
    }

    pub fn matches(&self, text: &str) -> bool {
        let text = text.as_bytes();
        let n = self.parts.len();
        if n == 0 {
            return !self.anchored_start || text.is_empty();
        }
        let mut rest = text;
        for (i, part) in self.parts.iter().enumerate() {
            let part = part.as_bytes();
            if i == 0 && self.anchored_start {
                if !starts_with_ci(rest, part) {
                    return false;
                }
                rest = &rest[part.len()..];
            } else if i == n - 1 && self.anchored_end {
                return rest.len() >= part.len()
                    && rest[rest.len() - part.len()..].eq_ignore_ascii_case(part);
            } else {
                match find_ci(rest, part) {
                    Some(pos) => rest = &rest[pos + part.len()..],
                    None => return false,
                }
            }
        }
        !self.anchored_end || rest.is_empty()
    }

    /// Whether any of `globs` matches. Case-insensitive without lowercasing a copy: this runs
    /// on every request when the config excludes user agents.
    pub fn any(globs: &[Glob], text: &str) -> bool {
        globs.iter().any(|g| g.matches(text))
    }
}

/// `text` starts with the lowercase `part`, ignoring ASCII case.
fn starts_with_ci(text: &[u8], part: &[u8]) -> bool {
    text.len() >= part.len() && text[..part.len()].eq_ignore_ascii_case(part)
}

/// The first position of the lowercase `part` in `text`, ignoring ASCII case.
fn find_ci(text: &[u8], part: &[u8]) -> Option<usize> {
    let Some(&first) = part.first() else {
        return Some(0);
    };
    let mut from = 0;
    while from + part.len() <= text.len() {
        let at = from
            + memchr::memchr2(
                first,
                first.to_ascii_uppercase(),
                &text[from..text.len() - part.len() + 1],
            )?;
        if text[at..at + part.len()].eq_ignore_ascii_case(part) {
            return Some(at);
        }
        from = at + 1;
    }
    None
}

/// Matches a request's client by user agent or network.
#[derive(Debug, Clone, Default)]
pub struct ClientFilter {
    pub user_agents: Vec<Glob>,
    pub cidrs: Vec<Cidr>,
}

impl ClientFilter {
    pub fn new(user_agents: &[String], cidrs: &[String]) -> Result<ClientFilter, UsageError> {
        Ok(ClientFilter {
            user_agents: user_agents.iter().map(|p| Glob::new(p)).collect(),
            cidrs: cidrs
                .iter()
                .map(|c| Cidr::parse(c))
                .collect::<Result<_, _>>()?,
        })
    }

    pub fn is_empty(&self) -> bool {
        self.user_agents.is_empty() && self.cidrs.is_empty()
    }

    /// The roles matching reads: the user agent for globs, the client for networks.
    pub fn roles(&self) -> RoleSet {
        let mut set = RoleSet::EMPTY;
        if !self.user_agents.is_empty() {
            set = set.with(Role::UserAgent);
        }
        if !self.cidrs.is_empty() {
            set = set.with(Role::ClientIp);
        }
        set
    }

    pub fn matches(&self, client_ip: Option<&str>, user_agent: Option<&str>) -> bool {
        if let Some(ua) = user_agent {
            if Glob::any(&self.user_agents, ua) {
                return true;
            }
        }
        if self.cidrs.is_empty() {
            return false;
        }
        match client_ip.and_then(|ip| ip.parse::<IpAddr>().ok()) {
            Some(ip) => self.cidrs.iter().any(|c| c.contains(ip)),
            None => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cidrs() {
        let c = Cidr::parse("10.99.0.0/24").unwrap();
        assert!(c.contains("10.99.0.7".parse().unwrap()));
        assert!(c.contains("10.99.0.255".parse().unwrap()));
        assert!(!c.contains("10.99.1.0".parse().unwrap()));
        assert!(!c.contains("2001:db8::1".parse().unwrap()));
        let v6 = Cidr::parse("2001:db8::/32").unwrap();
        assert!(v6.contains("2001:db8:ffff::1".parse().unwrap()));
        assert!(!v6.contains("2001:db9::1".parse().unwrap()));
        assert!(Cidr::parse("0.0.0.0/0")
            .unwrap()
            .contains("8.8.8.8".parse().unwrap()));
        assert!(Cidr::parse("10.0.0.1")
            .unwrap()
            .contains("10.0.0.1".parse().unwrap()));
        for bad in ["10.0.0.0/33", "nope/8", "10.0.0.0/x", "::/129"] {
            assert!(Cidr::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn globs() {
        let g = Glob::new("hosp-loadtest/*");
        assert!(g.matches("hosp-loadtest/1.0 (k6)"));
        assert!(g.matches("HOSP-LOADTEST/2"));
        assert!(!g.matches("x hosp-loadtest/1.0"));
        let g = Glob::new("*k6*");
        assert!(g.matches("hosp-loadtest/1.0 (k6)"));
        assert!(!g.matches("curl/8"));
        let g = Glob::new("curl/*.0");
        assert!(g.matches("curl/7.0"));
        assert!(!g.matches("curl/7.1"));
        assert!(Glob::new("exact").matches("Exact"));
        assert!(!Glob::new("exact").matches("exactly"));
        assert!(Glob::new("*").matches("anything"));
        // overlapping head and tail must not share characters
        assert!(!Glob::new("ab*ba").matches("aba"));
        // ASCII case is ignored without copying the text; other text is compared as is
        assert!(Glob::new("*K6*").matches("hosp-loadtest/1.0 (k6)"));
        assert!(Glob::new("*(K6)").matches("ünïcödé ✓ (k6)"));
        assert!(!Glob::new("*é*").matches("É"));
        assert!(Glob::new("a*b*c").matches("AxxBxxC"));
        assert!(!Glob::new("a*b*c").matches("AxxCxxB"));
        assert!(Glob::any(
            &[Glob::new("curl/*"), Glob::new("*bot*")],
            "GoogleBOT/2.1"
        ));
    }

    #[test]
    fn filter_matches_either_rule() {
        let f = ClientFilter::new(&["hosp-loadtest/*".into()], &["10.99.0.0/24".into()]).unwrap();
        assert!(f.matches(Some("1.2.3.4"), Some("hosp-loadtest/1.0 (k6)")));
        assert!(f.matches(Some("10.99.0.3"), Some("Mozilla/5.0")));
        assert!(!f.matches(Some("10.98.0.3"), Some("Mozilla/5.0")));
        assert!(!f.matches(None, None));
        assert!(ClientFilter::new(&[], &["bad".into()]).is_err());
    }
}
