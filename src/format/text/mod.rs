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

/// A CDN edge location's airport code: the IATA code its first three letters are
/// (`DUB56-P1` → `DUB`); None when they are not three letters.
pub fn airport_code(location: &str) -> Option<&str> {
    location
        .get(..3)
        .filter(|code| code.bytes().all(|c| c.is_ascii_alphabetic()))
}
