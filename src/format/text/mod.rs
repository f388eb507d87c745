//! Text helpers every format shares: URLs cut into their parts, and endpoint templating
//! (`/patients/123/screen` → `/patients/{id}/screen`).
//!
//! Depends only on `std` and `memchr`: the fuzz crate compiles it by path (see fuzz/src/lib.rs).

mod percent;
mod routes;
mod url;

pub use percent::percent_decode_once;
pub use routes::{escape_regex, RouteError, Routes};
pub use url::{split_url, UrlParts};
