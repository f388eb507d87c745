//! Upstream attempts: the tries a proxy made before it answered (nginx's `$upstream_addr`,
//! `$upstream_status`, `$upstream_response_time`), as parallel lists with one entry per try.
//!
//! The lists are kept as borrowed text (the [`Role::Attempts`](super::Role::Attempts) role)
//! and read here only by the analyses that ask for them, so a request costs nothing extra
//! for formats, or analyses, that have no attempts.
//!
//! List syntax (nginx's): `, ` separates the attempts within an upstream group, ` : ` separates
//! groups (an internal redirect, `X-Accel-Redirect`, went to another upstream): attempts are
//! counted across groups. `-` in a list is an attempt with no such value (no response: the
//! connection failed or timed out). A list that is a lone `-` when every other list is a lone
//! `-` too (or not logged) means no upstream was contacted: no attempt. Lists of unequal
//! length are read attempt by attempt; the missing values are null.
//!
//! Depends only on `std`.

/// The attempt lists of one request, as logged (each `None` when the format does not log it).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Attempts<'a> {
    /// Each attempt's upstream: `ip:port`, `[v6]:port`, `unix:/path`, or the upstream group's
    /// name when no server of it was live.
    pub addr: Option<&'a str>,
    /// Each attempt's status; `-` when the upstream did not answer.
    pub status: Option<&'a str>,
    /// Each attempt's time in seconds (ms resolution).
    pub time: Option<&'a str>,
}

/// One attempt.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Attempt<'a> {
    pub addr: Option<&'a str>,
    /// None: no response (`-`), or no status logged.
    pub status: Option<u16>,
    pub time_s: Option<f64>,
}

impl Attempt<'_> {
    /// A failed attempt: the upstream answered 5XX, or did not answer at all.
    pub fn failed(&self) -> bool {
        self.status.is_none_or(|s| s >= 500)
    }
}

impl<'a> Attempts<'a> {
    /// The attempts in order, across upstream groups.
    pub fn iter(&self) -> AttemptIter<'a> {
        let lists = [self.addr, self.status, self.time];
        // every logged list a lone `-`: nothing was contacted
        let none = lists.iter().flatten().all(|l| l.trim() == "-");
        let items = |l: Option<&'a str>| ListItems {
            rest: if none { None } else { l },
        };
        AttemptIter {
            addr: items(self.addr),
            status: items(self.status),
            time: items(self.time),
        }
    }

    /// The number of attempts.
    pub fn len(&self) -> usize {
        self.iter().count()
    }

    pub fn is_empty(&self) -> bool {
        self.iter().next().is_none()
    }

    /// The last attempt: the one whose answer the proxy passed on.
    pub fn last(&self) -> Option<Attempt<'a>> {
        self.iter().last()
    }
}

/// The attempts, zipped from the lists (the longest list sets the count).
#[derive(Debug, Clone)]
pub struct AttemptIter<'a> {
    addr: ListItems<'a>,
    status: ListItems<'a>,
    time: ListItems<'a>,
}

impl<'a> Iterator for AttemptIter<'a> {
    type Item = Attempt<'a>;

    fn next(&mut self) -> Option<Attempt<'a>> {
        let (a, s, t) = (self.addr.next(), self.status.next(), self.time.next());
        if a.is_none() && s.is_none() && t.is_none() {
            return None;
        }
        Some(Attempt {
            addr: a.filter(|a| *a != "-"),
            status: s.and_then(|s| s.parse().ok()),
            time_s: t.and_then(|t| t.parse().ok()),
        })
    }
}

/// The items of one list, split at `, ` and ` : `.
#[derive(Debug, Clone)]
pub struct ListItems<'a> {
    rest: Option<&'a str>,
}

impl<'a> ListItems<'a> {
    pub fn new(list: &'a str) -> Self {
        ListItems { rest: Some(list) }
    }
}

impl<'a> Iterator for ListItems<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        let rest = self.rest?;
        // an item never holds a comma or a space: the first of either ends it
        match rest.find([',', ' ']) {
            None => {
                self.rest = None;
                Some(rest)
            }
            Some(i) => {
                let after = rest[i..].trim_start_matches([',', ' ', ':']);
                self.rest = (!after.is_empty()).then_some(after);
                Some(&rest[..i])
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attempts<'a>(addr: &'a str, status: &'a str, time: &'a str) -> Vec<Attempt<'a>> {
        Attempts {
            addr: Some(addr),
            status: Some(status),
            time: Some(time),
        }
        .iter()
        .collect()
    }

    #[test]
    fn lists_are_read_attempt_by_attempt() {
        let a = attempts("10.0.0.1:80, 10.0.0.2:80", "502, 200", "0.100, 0.004");
        assert_eq!(a.len(), 2);
        assert_eq!(
            a[0],
            Attempt {
                addr: Some("10.0.0.1:80"),
                status: Some(502),
                time_s: Some(0.1)
            }
        );
        assert!(a[0].failed() && !a[1].failed());
        // across an internal redirect: three attempts in two groups
        let a = attempts("a:1, b:1 : c:1", "502, 504 : 200", "1.0, 2.0 : 0.5");
        let statuses: Vec<_> = a.iter().map(|a| a.status).collect();
        assert_eq!(statuses, [Some(502), Some(504), Some(200)]);
        assert_eq!(a[2].addr, Some("c:1"));
    }

    #[test]
    fn dashes_and_unequal_lengths() {
        // the second attempt got no response; the length list is shorter
        let a = attempts("a:1, b:1", "200, -", "0.100, -");
        assert_eq!(a.len(), 2);
        assert_eq!((a[1].status, a[1].time_s), (None, None));
        assert!(a[1].failed());
        let a = attempts("a:1, b:1, c:1", "502", "-");
        assert_eq!(a.len(), 3);
        assert_eq!(a[0].status, Some(502));
        assert_eq!((a[2].addr, a[2].status), (Some("c:1"), None));
        // nothing contacted: every list a lone `-`
        assert!(attempts("-", "-", "-").is_empty());
        let only_status = Attempts {
            status: Some("-"),
            ..Attempts::default()
        };
        assert_eq!(only_status.len(), 0);
        // an address with no answer is still an attempt
        let a = attempts("10.0.0.1:80", "-", "-");
        assert_eq!(a.len(), 1);
        assert!(a[0].failed());
        assert_eq!(Attempts::default().len(), 0);
    }

    #[test]
    fn the_last_attempt_is_the_answer() {
        let a = Attempts {
            addr: Some("[2a02:cf40::7]:5000, unix:/run/app.sock"),
            status: Some("502, 200"),
            time: None,
        };
        let last = a.last().unwrap();
        assert_eq!(
            (last.addr, last.status, last.time_s),
            (Some("unix:/run/app.sock"), Some(200), None)
        );
    }
}
