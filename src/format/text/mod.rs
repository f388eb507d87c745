//! Text helpers every format shares: URLs cut into their parts, and endpoint templating
//! (`/patients/123/screen` → `/patients/{id}/screen`).
//!
//! Depends only on `std` and `memchr`: the fuzz crate compiles it by path (see fuzz/src/lib.rs).

mod percent;
mod routes;
mod url;

pub use percent::percent_decode_once;
pub use routes::{escape_regex, RouteError, Routes};
pub use url::{split_request, split_url, url_path, UrlParts};

/// `s` without the spaces (`' '` only) at its ends. By bytes: `str::trim_matches(' ')` goes
/// through the generic char searcher, and two calls of it a line were 1.3 % of `slo`.
#[inline]
pub fn trim_spaces(s: &str) -> &str {
    let b = s.as_bytes();
    let (mut start, mut end) = (0, b.len());
    while start < end && b[start] == b' ' {
        start += 1;
    }
    while end > start && b[end - 1] == b' ' {
        end -= 1;
    }
    // both ends sit next to an ASCII space (or at the ends): char boundaries
    &s[start..end]
}

/// A CDN edge location's airport code: the IATA code its first three letters are
/// (`DUB56-P1` → `DUB`); None when they are not three letters.
pub fn airport_code(location: &str) -> Option<&str> {
    location
        .get(..3)
        .filter(|code| code.bytes().all(|c| c.is_ascii_alphabetic()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trim_spaces_is_trim_matches_space() {
        for s in [
            "",
            " ",
            "  ",
            "a",
            " a",
            "a ",
            "  a b  ",
            "\ta\t",
            " é ",
            "é",
            " \u{a0}x\u{a0} ",
            "   www.example.com",
            "- - -",
            " \n ",
        ] {
            assert_eq!(trim_spaces(s), s.trim_matches(' '), "{s:?}");
        }
    }
}
