//! cd tools/parse-bench && cargo run --release --bin inflate -- FILE.gz
//! The inflate floor: the crate's whole-buffer libdeflate inflate (src/source/inflate.rs, the
//! same file) of one .gz file held in memory, one core, three runs; without the crate's cap on
//! the buffer (WHOLE_MAX_INFLATED), so a file larger than it is measured too.
use std::hint::black_box;
use std::time::Instant;

#[path = "../../../../src/source/inflate.rs"]
#[allow(dead_code)]
mod inflate;

fn main() {
    let path = std::env::args().nth(1).expect("usage: inflate FILE.gz");
    let gz = std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    for run in 0..3 {
        let start = Instant::now();
        // no cap on the buffer: the floor of a file larger than the crate's whole-inflate cap
        let out = inflate::inflate_capped(black_box(&gz), u64::MAX, u64::MAX, Vec::new())
            .expect("not a whole gzip file");
        let secs = start.elapsed().as_secs_f64();
        println!(
            "run {run}: {:.1} MB compressed -> {:.1} MB in {secs:.3}s = {:.0} MB/s of output",
            gz.len() as f64 / 1e6,
            out.len() as f64 / 1e6,
            out.len() as f64 / 1e6 / secs
        );
        black_box(out);
    }
}
