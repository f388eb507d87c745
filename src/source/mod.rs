//! Where log bytes come from: local files, folders, globs, stdin, S3 and CloudWatch Logs.
//! A source yields `InputFile`s; `open` turns one into a byte stream, gzip or plain.

pub mod cwlogs;
pub mod follow;
pub mod inflate;
pub mod inflight;
pub mod local;
pub mod mapped;
pub mod s3;

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::PathBuf;

use flate2::bufread::MultiGzDecoder;

use crate::window::Window;

pub use local::{discover, Discovery};

/// The account and connection settings every AWS client here takes, named as the aws CLI
/// names them.
#[derive(Debug, Clone, Default)]
pub struct AwsSettings {
    pub profile: Option<String>,
    pub region: Option<String>,
    /// A compatible endpoint (an S3 store, an Athena stand-in), else AWS's own.
    pub endpoint_url: Option<String>,
    /// Tries per request, with the standard retry's backoff.
    pub max_attempts: u32,
}

/// The AWS SDK's shared settings as the aws CLI resolves them (environment, profile, SSO,
/// instance role), with our overrides.
pub fn aws_sdk_config(rt: &tokio::runtime::Runtime, aws: &AwsSettings) -> aws_config::SdkConfig {
    use aws_config::retry::RetryConfig;
    use aws_config::{BehaviorVersion, Region};
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .retry_config(RetryConfig::standard().with_max_attempts(aws.max_attempts.max(1)));
    if let Some(p) = &aws.profile {
        loader = loader.profile_name(p);
    }
    if let Some(r) = &aws.region {
        loader = loader.region(Region::new(r.clone()));
    }
    if let Some(e) = &aws.endpoint_url {
        loader = loader.endpoint_url(e);
    }
    rt.block_on(loader.load())
}

/// One readable input: a file on disk or standard input.
#[derive(Debug, Clone)]
pub struct InputFile {
    /// What the user sees in reports and the `source` column.
    pub name: String,
    pub location: Location,
    /// Size on disk (compressed size for .gz), for progress.
    pub size: Option<u64>,
}

#[derive(Debug, Clone)]
pub enum Location {
    Path(PathBuf),
    Stdin,
    /// An S3 object, with its ETag from the listing (the cache key).
    S3 {
        ctx: std::sync::Arc<s3::S3Context>,
        bucket: String,
        key: String,
        etag: String,
    },
    /// Streams of a CloudWatch Logs group, read with FilterLogEvents (`cwlogs://`).
    CloudWatch {
        ctx: std::sync::Arc<cwlogs::CwlContext>,
        input: std::sync::Arc<cwlogs::CwlInput>,
    },
}

/// Starts downloading the S3 objects among `files` ahead of their readers, in order, as many
/// in flight as the round trip needs (`inflight`); the guards forget those no reader took.
pub fn prefetch(files: &[InputFile]) -> Vec<s3::Prefetching> {
    let mut clients: Vec<&std::sync::Arc<s3::S3Context>> = Vec::new();
    for f in files {
        if let Location::S3 { ctx, .. } = &f.location {
            if !clients.iter().any(|c| std::sync::Arc::ptr_eq(c, ctx)) {
                clients.push(ctx);
            }
        }
    }
    clients.into_iter().map(|c| c.prefetch(files)).collect()
}

/// Opens an input for reading, decoding gzip (all members: ALB files can hold several) when the
/// bytes start with the gzip magic, whatever the name says; at most `u64::MAX` inflated.
pub fn open(input: &InputFile) -> io::Result<Box<dyn Read + Send>> {
    decode(open_raw(input)?, input.size, u64::MAX)
}

/// Opens an input's bytes as stored (still compressed), but for CloudWatch export parts in S3:
/// those are inflated, their lines without the export's time prefix.
pub fn open_raw(input: &InputFile) -> io::Result<Box<dyn Read + Send>> {
    Ok(match &input.location {
        Location::Path(p) => Box::new(File::open(p)?),
        Location::Stdin => Box::new(io::stdin()),
        Location::S3 {
            ctx,
            bucket,
            key,
            etag,
        } if cwlogs::export::is_export_key(key) => {
            // a CloudWatch export part: inflated here to take the time prefix off its lines
            let limit = input
                .size
                .map_or(0, |n| n.saturating_mul(100))
                .max(10 << 30);
            let raw = decode(ctx.open(bucket, key, etag)?, input.size, limit)?;
            Box::new(cwlogs::export::StripTime::new(raw))
        }
        Location::S3 {
            ctx,
            bucket,
            key,
            etag,
        } => ctx.open(bucket, key, etag)?,
        Location::CloudWatch { ctx, input } => ctx.open(input),
    })
}

/// Wraps a raw byte stream, decompressing it when it is gzip; the inflated stream fails once
/// it passes `max_inflated` bytes (a small file that inflates to gigabytes of NUL bytes is an
/// attack or a corruption, not a log).
///
/// A gzip input of known size up to `inflate::WHOLE_MAX_COMPRESSED` is read whole and inflated
/// at once with libdeflate (the fast path); larger ones, stdin, and any libdeflate refuses (a
/// truncated file keeps what streams out before the damage) are inflated as they stream.
pub fn decode(
    raw: Box<dyn Read + Send>,
    size: Option<u64>,
    max_inflated: u64,
) -> io::Result<Box<dyn Read + Send>> {
    Ok(match decode_input(raw, size, max_inflated, Vec::new)? {
        Decoded::Stream(r) => r,
        Decoded::Whole(bytes) => Box::new(io::Cursor::new(bytes)),
    })
}

/// An input's bytes as [`decode_input`] gives them.
pub enum Decoded {
    /// Read as they come (plain files, stdin, large or damaged gzip).
    Stream(Box<dyn Read + Send>),
    /// Inflated whole already (a small gzip file): the reader can hand the buffer on as it is
    /// instead of copying it out of a cursor.
    Whole(Vec<u8>),
}

/// [`decode`], with a whole-buffer inflate's output given as it is, written into the memory
/// of the buffer `reuse` gives (see [`inflate::inflate_whole_into`]); `reuse` is called only
/// for that path, so a caller's buffer is not spent on a plain or streamed input.
pub fn decode_input(
    raw: Box<dyn Read + Send>,
    size: Option<u64>,
    max_inflated: u64,
    reuse: impl FnOnce() -> Vec<u8>,
) -> io::Result<Decoded> {
    let mut buffered = BufReader::with_capacity(1 << 20, raw);
    let head = buffered.fill_buf()?;
    if !(head.len() >= 2 && head[0] == 0x1f && head[1] == 0x8b) {
        return Ok(Decoded::Stream(Box::new(buffered)));
    }
    let streaming = |r: Box<dyn Read + Send>| {
        Decoded::Stream(Box::new(Limited {
            inner: MultiGzDecoder::new(BufReader::new(r)),
            left: max_inflated,
            limit: max_inflated,
        }))
    };
    match size {
        Some(n) if n <= inflate::WHOLE_MAX_COMPRESSED => {
            let mut gz = Vec::with_capacity(n as usize);
            buffered.read_to_end(&mut gz)?;
            if inflate::says_too_large(&gz) {
                return Ok(streaming(Box::new(io::Cursor::new(gz))));
            }
            match inflate::inflate_whole_into(&gz, max_inflated, reuse()) {
                Ok(out) => Ok(Decoded::Whole(out)),
                // the streaming decoder reports the limit, or salvages a damaged file's start
                Err(_) => Ok(streaming(Box::new(io::Cursor::new(gz)))),
            }
        }
        _ => Ok(streaming(Box::new(buffered))),
    }
}

/// A decompressed stream that fails past its limit.
struct Limited<R> {
    inner: R,
    left: u64,
    limit: u64,
}

/// A compressed input inflated past its limit.
#[derive(Debug)]
pub struct InflateLimitExceeded(pub u64);

impl std::fmt::Display for InflateLimitExceeded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "inflated past {} bytes (--max-inflate): not read further",
            self.0
        )
    }
}

impl std::error::Error for InflateLimitExceeded {}

impl<R: Read> Read for Limited<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if n as u64 > self.left {
            return Err(io::Error::other(InflateLimitExceeded(self.limit)));
        }
        self.left -= n as u64;
        Ok(n)
    }
}

/// Whether the time in a log file's name puts the whole file outside the window, so it need
/// not be opened. Names without a time are never pruned.
pub fn outside_window(name: &str, window: &Window) -> bool {
    crate::format::file_time_range(name).is_some_and(|(lo, hi)| {
        window.since_us.is_some_and(|s| hi < s) || window.until_us.is_some_and(|u| lo > u)
    })
}

pub use crate::format::not_an_access_log;

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn a_buffer_is_asked_for_only_by_a_whole_file_inflate() {
        use flate2::{write::GzEncoder, Compression};
        let plain = b"one\ntwo\n".to_vec();
        let mut e = GzEncoder::new(Vec::new(), Compression::fast());
        e.write_all(&plain).unwrap();
        let gz = e.finish().unwrap();
        let asked = std::cell::Cell::new(0);
        let reuse = || {
            asked.set(asked.get() + 1);
            vec![9u8; 64]
        };
        // plain, and gzip of unknown size (streamed): the caller keeps its buffer
        let d = decode_input(
            Box::new(io::Cursor::new(plain.clone())),
            Some(8),
            1 << 20,
            reuse,
        );
        assert!(matches!(d, Ok(Decoded::Stream(_))));
        let d = decode_input(Box::new(io::Cursor::new(gz.clone())), None, 1 << 20, reuse);
        assert!(matches!(d, Ok(Decoded::Stream(_))));
        assert_eq!(asked.get(), 0);
        // a small gzip that says it inflates past the cap is streamed before any inflate
        let mut says_large = gz.clone();
        let n = says_large.len();
        says_large[n - 4..]
            .copy_from_slice(&(inflate::WHOLE_MAX_INFLATED as u32 + 1).to_le_bytes());
        let len = Some(n as u64);
        let d = decode_input(Box::new(io::Cursor::new(says_large)), len, 1 << 20, reuse);
        assert!(matches!(d, Ok(Decoded::Stream(_))));
        assert_eq!(asked.get(), 0);
        // gzip of known size: inflated whole into the buffer asked for
        let len = Some(gz.len() as u64);
        match decode_input(Box::new(io::Cursor::new(gz)), len, 1 << 20, reuse) {
            Ok(Decoded::Whole(out)) => assert_eq!(out, plain),
            _ => panic!("not inflated whole"),
        }
        assert_eq!(asked.get(), 1);
    }

    #[test]
    fn decodes_multi_member_gzip_and_plain() {
        use flate2::{write::GzEncoder, Compression};
        let mut bytes = Vec::new();
        for part in ["line one\n", "line two\n"] {
            let mut e = GzEncoder::new(Vec::new(), Compression::fast());
            e.write_all(part.as_bytes()).unwrap();
            bytes.extend(e.finish().unwrap());
        }
        let mut out = String::new();
        decode(Box::new(io::Cursor::new(bytes.clone())), None, u64::MAX)
            .unwrap()
            .read_to_string(&mut out)
            .unwrap();
        assert_eq!(out, "line one\nline two\n");
        // 18 inflated bytes, 10 allowed: the read fails and says why
        let err = decode(Box::new(io::Cursor::new(bytes.clone())), None, 10)
            .unwrap()
            .read_to_string(&mut String::new())
            .unwrap_err();
        assert!(err.to_string().contains("--max-inflate"), "{err}");
        // the same through the whole-buffer path (a known, small size): same bytes, same limit
        let len = Some(bytes.len() as u64);
        let mut out = String::new();
        decode(Box::new(io::Cursor::new(bytes.clone())), len, u64::MAX)
            .unwrap()
            .read_to_string(&mut out)
            .unwrap();
        assert_eq!(out, "line one\nline two\n");
        let err = decode(Box::new(io::Cursor::new(bytes.clone())), len, 10)
            .unwrap()
            .read_to_string(&mut String::new())
            .unwrap_err();
        assert!(err.to_string().contains("--max-inflate"), "{err}");
        // a cut file: the whole-buffer path gives up, the stream keeps the first member
        let cut = &bytes[..bytes.len() - 5];
        let mut out = String::new();
        let res = decode(
            Box::new(io::Cursor::new(cut.to_vec())),
            Some(cut.len() as u64),
            u64::MAX,
        )
        .unwrap()
        .read_to_string(&mut out);
        assert!(res.is_err());
        assert!(out.starts_with("line one\n"), "{out:?}");

        let mut out = String::new();
        decode(Box::new(io::Cursor::new(b"plain\n".to_vec())), Some(6), 1)
            .unwrap()
            .read_to_string(&mut out)
            .unwrap();
        assert_eq!(out, "plain\n");
    }
}
