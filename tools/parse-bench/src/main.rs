//! cd tools/parse-bench && cargo run --release --bin parse-bench [-- FILE]
//! Parses every line of FILE (a small file round-robin up to 2M parses), single core,
//! and counts heap allocations made during the timed loop.
use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

// the parser's files, reachable under the crate's own paths (crate::format::{error, text,
// alb::parse}) so their `crate::` imports resolve here too
#[path = "../../../src/format/alb/parse/mod.rs"]
#[allow(dead_code, unused_imports)]
pub mod alb_parse;
#[path = "../../../src/format/error.rs"]
#[allow(dead_code)]
pub mod format_error;
#[path = "../../../src/format/text/mod.rs"]
#[allow(dead_code, unused_imports)]
pub mod format_text;
#[allow(unused_imports)]
mod format {
    pub use super::format_error as error;
    pub use super::format_text as text;
    pub mod alb {
        pub use super::super::alb_parse as parse;
    }
}
use format::alb::parse::parse_line;

struct Counting;
static ALLOCS: AtomicUsize = AtomicUsize::new(0);
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::Relaxed);
        unsafe { System.alloc(l) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        unsafe { System.dealloc(p, l) }
    }
}
#[global_allocator]
static GLOBAL: Counting = Counting;

fn main() {
    // a log file to parse: the argument, else the one-line test file. A small file is parsed
    // round-robin up to 2M lines; a larger one is parsed once per run, every line.
    let path = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "../../tests/data/one-line.log".into());
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let lines: Vec<&str> = text.lines().collect();
    let n = lines.len().max(2_000_000);
    for run in 0..3 {
        let before = ALLOCS.load(Ordering::Relaxed);
        let start = Instant::now();
        let mut bytes = 0usize;
        let mut ok = 0usize;
        for i in 0..n {
            let line = lines[i % lines.len()];
            bytes += line.len() + 1;
            if let Ok(r) = parse_line(black_box(line)) {
                ok += 1;
                black_box(r);
            }
        }
        let secs = start.elapsed().as_secs_f64();
        let allocs = ALLOCS.load(Ordering::Relaxed) - before;
        println!(
            "run {run}: {n} lines ({ok} ok) {:.1} MB in {secs:.3}s = {:.0} MB/s, {:.2} M lines/s, {allocs} allocations",
            bytes as f64 / 1e6,
            bytes as f64 / 1e6 / secs,
            n as f64 / 1e6 / secs
        );
    }
}
