//! Inflate-only figures for BENCHMARKS.md ("One big gzip on two cores"). Modes:
//!
//! - `single FILE.gz`: flate2's MultiGzDecoder (zlib-rs) over a 1 MiB BufReader, one stream;
//! - `par FILE.gz [THREADS]`: rapidgzip-core's `Decoder::open` (default settings) with at most
//!   THREADS decoder workers (2); prints the path it chose (Sequential, MarkerWindow,
//!   DenseMembers);
//! - `parcfg FILE.gz COMPRESSED_MIB DECODED_MIB`: the same with other chunk sizes (4 workers);
//! - `parlimit FILE.gz LIMIT [THREADS]`: `par` with an output limit (what --max-inflate would
//!   map to);
//! - `plain FILE`: reads an uncompressed file through the same consumer (its own cost);
//! - `bomb FILE.gz GIB`: writes one gzip member of GIB GiB of NUL bytes (level 9);
//! - `sweep FILE`: makes a multi-member gzip of mixed levels (0, 1, 3, 6, 9) from FILE, cuts it
//!   at many points (member ends ±1, interior points, the last 4 bytes) and compares the two
//!   decoders' output and error at each cut.
//!
//! The consumer reads 1 MiB at a time; it counts newlines and a CRC32 of the output unless
//! COUNT=0 (then it only counts bytes, so user+sys is the inflate's own cost).

use std::fs::File;
use std::io::{BufReader, Read, Write};
use std::time::Instant;

type Drained = (u64, u64, u32, Option<std::io::Error>);

fn drain(mut r: impl Read) -> Drained {
    let mut buf = vec![0u8; 1 << 20];
    let (mut n, mut lines) = (0u64, 0u64);
    let mut h = flate2::Crc::new();
    let count = std::env::var("COUNT").map_or(true, |v| v != "0");
    loop {
        match r.read(&mut buf) {
            Ok(0) => return (n, lines, h.sum(), None),
            Ok(k) => {
                n += k as u64;
                if count {
                    lines += buf[..k].iter().filter(|&&b| b == b'\n').count() as u64;
                    h.update(&buf[..k]);
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return (n, lines, h.sum(), Some(e)),
        }
    }
}

fn rapid(path: &str, builder: rapidgzip_core::DecoderBuilder) -> Drained {
    let reader = builder.build().unwrap().open(path).unwrap();
    let handle = reader.handle();
    let out = drain(reader);
    eprintln!("path: {:?}", handle.stats().path);
    out
}

fn sweep(path: &str) {
    let text = std::fs::read(path).unwrap();
    let mut gz = Vec::new();
    let mut ends = Vec::new();
    let levels = [1u32, 6, 9, 0, 3];
    for rep in 0..4 {
        for (i, part) in text.chunks(7_000_000).enumerate() {
            let level = flate2::Compression::new(levels[(i + rep) % levels.len()]);
            let mut e = flate2::write::GzEncoder::new(Vec::new(), level);
            e.write_all(part).unwrap();
            gz.extend(e.finish().unwrap());
            ends.push(gz.len());
        }
    }
    eprintln!("{} members, {} bytes compressed", ends.len(), gz.len());
    let mut cuts: Vec<usize> = (1..=12).map(|k| gz.len() * k / 13).collect();
    for &b in ends.iter().step_by(5) {
        cuts.extend([b - 1, b, b + 1, b + 10]);
    }
    cuts.extend([gz.len(), gz.len() - 4]);
    cuts.retain(|&c| c <= gz.len());
    let dec = rapidgzip_core::Decoder::builder()
        .decoder_threads(4)
        .build()
        .unwrap();
    let mut same = 0;
    for &c in &cuts {
        let input = &gz[..c];
        let mut a = Vec::new();
        let ea = flate2::read::MultiGzDecoder::new(input)
            .read_to_end(&mut a)
            .err();
        let mut b = Vec::new();
        let eb = dec.decode(input, &mut b).err();
        let equal = a == b && ea.is_some() == eb.is_some();
        same += usize::from(equal);
        let at = if ends.contains(&c) {
            " (member end)"
        } else {
            ""
        };
        println!(
            "cut {c}{at}: flate2 {} {:?} | rapidgzip {} {:?} | equal {equal}",
            a.len(),
            ea.map(|e| e.to_string()),
            b.len(),
            eb.map(|e| e.to_string()),
        );
    }
    println!(
        "{} cuts: {same} with the same output and the same outcome (error or not)",
        cuts.len()
    );
}

fn main() {
    let a: Vec<String> = std::env::args().collect();
    let path = &a[2];
    let arg = |i: usize, default: u64| a.get(i).map_or(default, |s| s.parse().unwrap());
    let t = Instant::now();
    let builder = rapidgzip_core::Decoder::builder;
    let (n, lines, crc, err) = match a[1].as_str() {
        "sweep" => return sweep(path),
        "single" => drain(flate2::read::MultiGzDecoder::new(BufReader::with_capacity(
            1 << 20,
            File::open(path).unwrap(),
        ))),
        "par" => rapid(path, builder().decoder_threads(arg(3, 2) as usize)),
        "parcfg" => rapid(
            path,
            builder()
                .decoder_threads(4)
                .compressed_chunk_size((arg(3, 1) as usize) << 20)
                .decoded_chunk_size((arg(4, 4) as usize) << 20),
        ),
        "parlimit" => rapid(
            path,
            builder()
                .decoder_threads(arg(4, 2) as usize)
                .output_limit(Some(arg(3, u64::MAX))),
        ),
        "plain" => drain(File::open(path).unwrap()),
        "bomb" => {
            let file = std::io::BufWriter::new(File::create(path).unwrap());
            let mut e = flate2::write::GzEncoder::new(file, flate2::Compression::best());
            let zeros = vec![0u8; 1 << 20];
            for _ in 0..arg(3, 1) * 1024 {
                e.write_all(&zeros).unwrap();
            }
            e.finish().unwrap();
            return;
        }
        other => panic!("unknown mode {other}"),
    };
    let s = t.elapsed().as_secs_f64();
    let compressed = std::fs::metadata(path).unwrap().len();
    println!(
        "{}: {n} bytes out, {lines} lines, crc {crc:08x}, error {:?}, {s:.3} s, {:.0} MB/s out, {:.0} MB/s in",
        a[1],
        err.map(|e| e.to_string()),
        n as f64 / s / 1e6,
        compressed as f64 / s / 1e6
    );
}
