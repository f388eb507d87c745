//! Whole-buffer gzip inflate with libdeflate, for compressed inputs small enough to hold: about
//! twice as fast as streaming zlib, so the reader thread keeps ahead of the parsers. Every
//! member of a multi-member file (ALB writes several) is inflated in turn. Inputs too large to
//! hold, stdin, and anything libdeflate refuses (a truncated file) go through the streaming
//! decoder instead, which keeps what it read before the damage.

use std::ptr::NonNull;

use libdeflate_sys as sys;

/// Compressed inputs up to this size are inflated whole…
pub const WHOLE_MAX_COMPRESSED: u64 = 16 << 20;
/// …as long as what comes out fits in this: a whole-file inflate never grows its buffer past
/// it, whatever the ratio (a 2 MB gzip of 2 GB of NUL bytes would otherwise be held whole);
/// the input is streamed instead, in chunks, with `--max-inflate` as its only limit.
pub const WHOLE_MAX_INFLATED: u64 = 64 << 20;

/// Why a whole-buffer inflate stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WholeError {
    /// Not gzip, damaged or truncated: the streaming decoder should salvage what it can.
    BadData,
    /// More than the limit would come out.
    OverLimit,
    /// More than [`WHOLE_MAX_INFLATED`] would come out: stream it instead.
    TooLarge,
}

struct Decompressor(NonNull<sys::libdeflate_decompressor>);

impl Decompressor {
    fn new() -> Option<Decompressor> {
        // SAFETY: allocation with libdeflate's default allocator; NULL only when out of memory
        NonNull::new(unsafe { sys::libdeflate_alloc_decompressor() }).map(Decompressor)
    }
}

impl Drop for Decompressor {
    fn drop(&mut self) {
        // SAFETY: allocated by libdeflate_alloc_decompressor, freed once
        unsafe { sys::libdeflate_free_decompressor(self.0.as_ptr()) }
    }
}

/// The size field of the member that ends at `end` (gzip's ISIZE: the size mod 2^32).
fn isize_before(gz: &[u8], end: usize) -> Option<usize> {
    let t = gz.get(end.checked_sub(4)?..end)?;
    Some(u32::from_le_bytes([t[0], t[1], t[2], t[3]]) as usize)
}

/// Inflates every member of `gz`; at most `limit` bytes out, and never more than
/// [`WHOLE_MAX_INFLATED`] held (`TooLarge`).
pub fn inflate_whole(gz: &[u8], limit: u64) -> Result<Vec<u8>, WholeError> {
    inflate_whole_into(gz, limit, Vec::new())
}

/// Whether `gz` says (in its last member's size field) that it inflates past
/// [`WHOLE_MAX_INFLATED`]: an honest file that does is streamed before any inflate is spent
/// on it; one whose field lies is stopped as the buffer grows (`TooLarge`).
pub fn says_too_large(gz: &[u8]) -> bool {
    isize_before(gz, gz.len()).is_some_and(|n| n as u64 > WHOLE_MAX_INFLATED)
}

/// The size a whole inflate of `gz` starts with: the last member's size field (an honest
/// single-member file's size; a hostile one may say anything), at least four times the
/// compressed size, never past the limit nor the cap.
pub fn first_guess(gz: &[u8], limit: u64) -> usize {
    let guess = isize_before(gz, gz.len())
        .unwrap_or(0)
        .max(gz.len().saturating_mul(4)) as u64;
    guess.min(limit).min(WHOLE_MAX_INFLATED) as usize
}

/// [`inflate_whole`] into `out`'s memory (emptied first): a buffer used before costs no page
/// faults, where a fresh one faults in and zeroes every page the inflate writes.
pub fn inflate_whole_into(gz: &[u8], limit: u64, out: Vec<u8>) -> Result<Vec<u8>, WholeError> {
    inflate_capped(gz, limit, WHOLE_MAX_INFLATED, out)
}

/// [`inflate_whole_into`] with the cap on the buffer given (tests use a small one).
pub(crate) fn inflate_capped(
    gz: &[u8],
    limit: u64,
    cap: u64,
    mut out: Vec<u8>,
) -> Result<Vec<u8>, WholeError> {
    let d = Decompressor::new().ok_or(WholeError::BadData)?;
    out.clear();
    // a reused buffer larger than the cap is given back to the allocator, not kept
    if out.capacity() as u64 > cap {
        out = Vec::new();
    }
    out.reserve_exact((first_guess(gz, limit) as u64).min(cap) as usize);
    let mut pos = 0;
    while pos < gz.len() {
        let rest = &gz[pos..];
        if rest.len() < 18 || rest[0] != 0x1f || rest[1] != 0x8b {
            return Err(WholeError::BadData);
        }
        loop {
            let spare = out.capacity() - out.len();
            let (mut used_in, mut used_out) = (0usize, 0usize);
            // SAFETY: the input is a live slice; the output is the vector's spare capacity,
            // of which libdeflate writes at most `spare` bytes and reports how many
            let res = unsafe {
                sys::libdeflate_gzip_decompress_ex(
                    d.0.as_ptr(),
                    rest.as_ptr().cast(),
                    rest.len(),
                    out.as_mut_ptr().add(out.len()).cast(),
                    spare,
                    &mut used_in,
                    &mut used_out,
                )
            };
            match res {
                sys::libdeflate_result_LIBDEFLATE_SUCCESS => {
                    // SAFETY: libdeflate initialised `used_out` bytes of the spare capacity
                    unsafe { out.set_len(out.len() + used_out) };
                    if out.len() as u64 > limit {
                        return Err(WholeError::OverLimit);
                    }
                    pos += used_in;
                    break;
                }
                sys::libdeflate_result_LIBDEFLATE_INSUFFICIENT_SPACE => {
                    if out.capacity() as u64 >= limit {
                        return Err(WholeError::OverLimit);
                    }
                    if out.capacity() as u64 >= cap {
                        return Err(WholeError::TooLarge);
                    }
                    // grow the capacity itself: `reserve` counts from the length, which a
                    // member that did not fit left unchanged, so reserving "more" than the
                    // length could be a no-op and this loop would spin
                    let more = out.capacity().max(1 << 20);
                    let room = (limit.min(cap) as usize)
                        .saturating_sub(out.len())
                        .saturating_add(1);
                    let spare = out.capacity() - out.len();
                    // exactly: `reserve` may double, past the cap
                    out.reserve_exact(spare.saturating_add(more.min(room)));
                }
                _ => return Err(WholeError::BadData),
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn gzip(parts: &[&[u8]]) -> Vec<u8> {
        let mut all = Vec::new();
        for p in parts {
            let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
            e.write_all(p).unwrap();
            all.extend(e.finish().unwrap());
        }
        all
    }

    #[test]
    fn every_member_is_inflated() {
        let big: Vec<u8> = (0..3_000_000u32).map(|i| (i % 251) as u8).collect();
        let gz = gzip(&[b"line one\n", &big, b"line two\n"]);
        let out = inflate_whole(&gz, u64::MAX).unwrap();
        let mut want = b"line one\n".to_vec();
        want.extend(&big);
        want.extend(b"line two\n");
        assert_eq!(out, want);
    }

    #[test]
    fn a_reused_buffer_gives_the_same_bytes() {
        let text: Vec<u8> = (0..2_000_000u32)
            .map(|i| b"xyz\n"[(i % 4) as usize])
            .collect();
        let gz = gzip(&[&text, b"tail\n"]);
        let mut want = text.clone();
        want.extend(b"tail\n");
        // left-over bytes, a buffer too small, and one larger than needed
        for reuse in [vec![7u8; 100], Vec::with_capacity(10), vec![1u8; 5_000_000]] {
            assert_eq!(inflate_whole_into(&gz, u64::MAX, reuse).unwrap(), want);
        }
        let err = inflate_whole_into(&gz, 1000, vec![0u8; 4_000_000]).unwrap_err();
        assert_eq!(err, WholeError::OverLimit);
    }

    /// A first member larger than the first guess (the last member's size, over 1 MiB): the buffer must
    /// grow until it fits. It once stayed the same size and the loop spun forever; the test
    /// runs on a thread so that a regression fails instead of hanging.
    #[test]
    fn a_first_member_larger_than_the_guess_grows_the_buffer() {
        let first: Vec<u8> = (0..1_500_000u32)
            .map(|i| b"ab\n"[(i % 3) as usize])
            .collect();
        let last: Vec<u8> = (0..1_400_000u32)
            .map(|i| b"cd\n"[(i % 3) as usize])
            .collect();
        let gz = gzip(&[&first, &last]);
        // the guess is the last member's size, not 4 × the compressed size
        assert!(gz.len() * 4 < last.len());
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || tx.send(inflate_whole(&gz, u64::MAX)).unwrap());
        let out = rx
            .recv_timeout(std::time::Duration::from_secs(60))
            .expect("inflate_whole did not finish")
            .unwrap();
        assert_eq!(out.len(), first.len() + last.len());
        assert!(out.starts_with(&first) && out.ends_with(&last));
    }

    /// Whatever the ratio, a whole inflate holds at most the cap: past it the caller streams.
    #[test]
    fn the_buffer_stops_growing_at_the_cap() {
        let zeros = vec![0u8; 3_000_000];
        let gz = gzip(&[&zeros]);
        assert!(gz.len() < 10_000, "{}", gz.len());
        let cap = 1 << 20;
        assert_eq!(
            inflate_capped(&gz, u64::MAX, cap, Vec::new()),
            Err(WholeError::TooLarge)
        );
        // a lying size field does not make it reserve more than the cap either
        let mut lying = gz.clone();
        let n = lying.len();
        lying[n - 4..].copy_from_slice(&u32::MAX.to_le_bytes());
        assert_eq!(first_guess(&lying, u64::MAX), WHOLE_MAX_INFLATED as usize);
        // one whose size field says less than it holds is stopped as the buffer grows
        let mut small = gz.clone();
        small[n - 4..].copy_from_slice(&1000u32.to_le_bytes());
        assert_eq!(
            inflate_capped(&small, u64::MAX, cap, Vec::new()),
            Err(WholeError::TooLarge)
        );
        // under the cap it is inflated whole, and the limit still wins over the cap
        assert_eq!(
            inflate_capped(&gz, u64::MAX, 4 << 20, Vec::new()).unwrap(),
            zeros
        );
        assert_eq!(
            inflate_capped(&gz, 1_000_000, 4 << 20, Vec::new()),
            Err(WholeError::OverLimit)
        );
    }

    #[test]
    fn damage_and_limits_are_refused_not_guessed() {
        let gz = gzip(&[&[b'x'; 100_000]]);
        assert_eq!(
            inflate_whole(&gz[..gz.len() / 2], u64::MAX),
            Err(WholeError::BadData)
        );
        assert_eq!(
            inflate_whole(b"not gzip at all, no", u64::MAX),
            Err(WholeError::BadData)
        );
        assert_eq!(inflate_whole(&gz, 50_000), Err(WholeError::OverLimit));
        assert_eq!(inflate_whole(&gz, 100_000).unwrap().len(), 100_000);
        // trailing garbage after a member is damage too (the streaming decoder says so)
        let mut g = gz.clone();
        g.extend(b"garbage");
        assert_eq!(inflate_whole(&g, u64::MAX), Err(WholeError::BadData));
    }
}
