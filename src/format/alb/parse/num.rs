//! Hand-written parsers for the numeric and timestamp fields.
//!
//! Each returns `None` on a syntax error; the caller turns that into a
//! [`ParseError`](super::ParseError) naming the field.

use std::cell::Cell;

/// Exact powers of ten as f64 (10^0 ..= 10^22 are exactly representable).
const POW10: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/// Largest integer below which every u64 converts to f64 exactly.
const F64_EXACT: u64 = 1 << 53;

/// A processing time in seconds: a non-negative decimal (`0.086`, `12`, `.5`),
/// or `-`/any negative decimal (`-1`) meaning "absent".
///
/// `Some(None)` = valid but absent; `None` = syntax error.
#[inline(always)]
pub(crate) fn parse_seconds(s: &str) -> Option<Option<f64>> {
    // ALB's own shape inline (a `-` sign is not a digit: negatives go the general way), what
    // the general path gives for the same digits (an exact mantissa over 10^3) without its
    // per-byte state
    match milliseconds(s.as_bytes()) {
        Some(ms) => Some(Some(ms as f64 / 1e3)),
        None => seconds_general(s),
    }
}

/// [`parse_seconds`] for any shape.
#[inline(never)]
fn seconds_general(s: &str) -> Option<Option<f64>> {
    let b = s.as_bytes();
    let (neg, body) = match b.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, b),
    };
    if neg && body.is_empty() {
        return Some(None); // "-"
    }
    let mut mantissa: u64 = 0;
    let mut exact = true;
    let mut digits = 0usize;
    let mut frac_digits = 0usize;
    let mut seen_dot = false;
    for &c in body {
        match c {
            b'0'..=b'9' => {
                digits += 1;
                if seen_dot {
                    frac_digits += 1;
                }
                if exact {
                    match mantissa
                        .checked_mul(10)
                        .and_then(|m| m.checked_add(u64::from(c - b'0')))
                    {
                        Some(m) if m < F64_EXACT => mantissa = m,
                        _ => exact = false,
                    }
                }
            }
            b'.' if !seen_dot => seen_dot = true,
            _ => return None,
        }
    }
    if digits == 0 {
        return None;
    }
    if neg {
        return Some(None);
    }
    if exact && frac_digits < POW10.len() {
        // One correctly rounded division of two exact values: same result as
        // the standard library's parser.
        Some(Some(mantissa as f64 / POW10[frac_digits]))
    } else {
        // Long inputs: the syntax is checked above (digits and one '.'), which
        // the standard parser accepts, so this never fails in practice.
        std::str::from_utf8(body).ok()?.parse().ok().map(Some)
    }
}

/// ALB's own shape of a time, `D.DDD` with one to six integer digits: the digits as one
/// number of milliseconds; `None` for any other shape (left to the general parser).
#[inline]
fn milliseconds(b: &[u8]) -> Option<u64> {
    let n = b.len();
    if !(5..=10).contains(&n) || b[n - 4] != b'.' {
        return None;
    }
    // the integer digits, then the three after the dot unrolled (one loop over both, skipping
    // the dot, cost a compare per byte)
    let mut v: u64 = 0;
    for &c in &b[..n - 4] {
        v = v * 10 + digit(c)?;
    }
    Some(v * 1000 + digit(b[n - 3])? * 100 + digit(b[n - 2])? * 10 + digit(b[n - 1])?)
}

/// An ASCII digit's value.
#[inline(always)]
fn digit(c: u8) -> Option<u64> {
    let d = c.wrapping_sub(b'0');
    (d <= 9).then_some(u64::from(d))
}

/// Unsigned decimal integer, no sign, at least one digit, no overflow.
#[inline(always)]
pub(crate) fn parse_u64(s: &str) -> Option<u64> {
    let b = s.as_bytes();
    if b.is_empty() || b.len() > 20 {
        return None;
    }
    if b.len() < 20 {
        // at most 19 digits stay below 10^19 < u64::MAX: no overflow to check per digit
        let mut v: u64 = 0;
        for &c in b {
            v = v * 10 + digit(c)?;
        }
        return Some(v);
    }
    let mut v: u64 = 0;
    for &c in b {
        v = v.checked_mul(10)?.checked_add(digit(c)?)?;
    }
    Some(v)
}

/// HTTP status code: 1 to 3 digits (`000` is a real value: HTTP/2 GOAWAY).
#[inline]
pub(crate) fn parse_status(s: &str) -> Option<u16> {
    if s.is_empty() || s.len() > 3 {
        return None;
    }
    parse_u64(s).map(|v| v as u16)
}

/// TCP port.
#[inline]
pub(crate) fn parse_port(s: &str) -> Option<u16> {
    if s.len() > 5 {
        return None;
    }
    parse_u64(s).and_then(|v| u16::try_from(v).ok())
}

/// Signed decimal integer in i32 range (`-1`, `0`, `50000`).
#[inline]
pub(crate) fn parse_i32(s: &str) -> Option<i32> {
    let (neg, digits) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s),
    };
    if digits.len() > 10 {
        return None;
    }
    let v = i64::try_from(parse_u64(digits)?).ok()?;
    i32::try_from(if neg { -v } else { v }).ok()
}

#[inline]
fn two_digits(b: &[u8], i: usize) -> Option<u32> {
    let (h, l) = (b[i], b[i + 1]);
    if h.is_ascii_digit() && l.is_ascii_digit() {
        Some(u32::from(h - b'0') * 10 + u32::from(l - b'0'))
    } else {
        None
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
/// `days_from_civil`).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400; // [0, 399]
    let mp = i64::from((m + 9) % 12); // March = 0
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1; // [0, 365]
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy; // [0, 146096]
    era * 146_097 + doe - 719_468
}

fn days_in_month(y: u32, m: u32) -> u32 {
    match m {
        4 | 6 | 9 | 11 => 30,
        // Leap year: divisible by 4 and not by 100, or divisible by 400.
        2 if matches!((y % 4, y % 100, y % 400), (0, 1.., _) | (_, _, 0)) => 29,
        2 => 28,
        _ => 31,
    }
}

/// `YYYY-MM-DDTHH:MM:SS[.fraction]Z` (UTC) to microseconds since the Unix
/// epoch. Fraction digits beyond the sixth are truncated. Impossible dates
/// (month 13, Feb 30, hour 24, second 60) are rejected.
#[inline(always)]
pub(crate) fn parse_time_us(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() < 20 || b[b.len() - 1] != b'Z' || b[16] != b':' {
        return None;
    }
    // `YYYY-MM-DDTHH:MM` as one number: neighbouring lines (and a line's two times) mostly
    // share their minute, whose validation and calendar arithmetic are then done once
    let minute_key = u128::from_le_bytes(b[..16].try_into().ok()?);
    let minute_secs = match LAST_MINUTE.with(Cell::get) {
        (key, secs) if key == minute_key => secs,
        _ => {
            let secs = minute_seconds(b)?;
            LAST_MINUTE.with(|c| c.set((minute_key, secs)));
            secs
        }
    };
    let second = two_digits(b, 17)?;
    if second > 59 {
        return None;
    }
    let rest = &b[19..b.len() - 1];
    let mut micros: i64 = 0;
    if let Ok(&last8) = b[19..].try_into() {
        // ALB's own shape, `.DDDDDDZ`: the six digits at once
        micros = six_digits(u64::from_le_bytes(last8))? as i64;
    } else if let Some((&first, frac)) = rest.split_first() {
        if first != b'.' || frac.is_empty() {
            return None;
        }
        // microseconds from the first six digits (the rest only checked): multiplied up, not
        // scaled down per digit (a division per digit was most of this function's time)
        let (head, rest) = frac.split_at(frac.len().min(6));
        for &c in head {
            micros = micros * 10 + digit(c)? as i64;
        }
        if !rest.iter().all(u8::is_ascii_digit) {
            return None;
        }
        micros *= SCALE[head.len()];
    }
    Some((minute_secs + i64::from(second)) * 1_000_000 + micros)
}

/// What a fraction of so many digits (the index) is multiplied by to make microseconds.
static SCALE: [i64; 7] = [1_000_000, 100_000, 10_000, 1_000, 100, 10, 1];

/// The number in `.DDDDDDZ` (eight bytes, little-endian: `.` the lowest), `None` unless the
/// six in between are ASCII digits. SWAR: a loop per digit was half of [`parse_time_us`].
#[inline(always)]
fn six_digits(w: u64) -> Option<u64> {
    const DIGITS: u64 = 0x00ff_ffff_ffff_ff00;
    const ZEROS: u64 = 0x3030_3030_3030_3030;
    if w & 0xff != u64::from(b'.') {
        return None;
    }
    // a byte is a digit when its high nibble is 3, and still is after adding 6 (0x3a..0x3f
    // become 0x40..; a byte of 0xfa.. that carries into the next already failed the first test)
    let high = 0xf0f0_f0f0_f0f0_f0f0 & DIGITS;
    if w & high != ZEROS & DIGITS || w.wrapping_add(0x0606_0606_0606_0606) & high != ZEROS & DIGITS
    {
        return None;
    }
    // the digits as eight with two leading zeros, most significant first in memory; then
    // pairs, fours and the eight combined by multiplication
    // (xor takes the 3 off each digit; a subtraction would borrow from the '.')
    let v = (((w ^ ZEROS) & DIGITS) >> 8) << 16;
    let v = (v * 10 + (v >> 8)) & 0x00ff_00ff_00ff_00ff;
    let v = (v * 100 + (v >> 16)) & 0x0000_ffff_0000_ffff;
    Some((v * 10_000 + (v >> 32)) & 0xffff_ffff)
}

thread_local! {
    /// The last minute [`parse_time_us`] validated: (its 16 bytes, seconds since the epoch).
    /// The key 0 (16 NUL bytes) is never a valid minute, so the empty cache never matches.
    static LAST_MINUTE: Cell<(u128, i64)> = const { Cell::new((0, 0)) };
}

/// Seconds since the epoch at the start of the minute `YYYY-MM-DDTHH:MM` that `b` starts
/// with, `None` unless it is a valid one.
fn minute_seconds(b: &[u8]) -> Option<i64> {
    if b[4] != b'-' || b[7] != b'-' || b[10] != b'T' || b[13] != b':' {
        return None;
    }
    let year = two_digits(b, 0)? * 100 + two_digits(b, 2)?;
    let month = two_digits(b, 5)?;
    let day = two_digits(b, 8)?;
    let hour = two_digits(b, 11)?;
    let minute = two_digits(b, 14)?;
    if !(1..=12).contains(&month)
        || day == 0
        || day > days_in_month(year, month)
        || hour > 23
        || minute > 59
    {
        return None;
    }
    let days = days_from_civil(i64::from(year), month, day);
    Some(days * 86_400 + i64::from(hour * 3600 + minute * 60))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds() {
        assert_eq!(parse_seconds("0.086"), Some(Some(0.086)));
        assert_eq!(parse_seconds("0.000"), Some(Some(0.0)));
        assert_eq!(parse_seconds("12"), Some(Some(12.0)));
        assert_eq!(parse_seconds("1.5"), Some(Some(1.5)));
        assert_eq!(parse_seconds(".5"), Some(Some(0.5)));
        assert_eq!(parse_seconds("3."), Some(Some(3.0)));
        assert_eq!(parse_seconds("10.123456789"), Some(Some(10.123456789)));
        assert_eq!(
            parse_seconds("12345678901234567890.5"),
            Some(Some(12345678901234567890.5))
        );
        assert_eq!(parse_seconds("-1"), Some(None));
        assert_eq!(parse_seconds("-"), Some(None));
        assert_eq!(parse_seconds("-0.5"), Some(None));
        for bad in [
            "", ".", "-.", "1.2.3", "abc", "1e3", "+1", "--1", "1 ", "0x1", "inf",
            // the millisecond shape with a non-digit in each place
            "/.234", "1./34", "1.2:4", "1.23:", "12:4.567", "1.2a4", "a1.234",
        ] {
            assert_eq!(parse_seconds(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn seconds_match_std_parser() {
        // Bit-identical to `str::parse::<f64>` (callers sum the three times
        // and compare against thresholds): every 3-decimal value ALB writes
        // below 1000 s, then other shapes.
        for ms in 0..1_000_000u32 {
            let s = format!("{}.{:03}", ms / 1000, ms % 1000);
            let want = s.parse::<f64>().unwrap();
            assert_eq!(
                parse_seconds(&s).unwrap().unwrap().to_bits(),
                want.to_bits(),
                "{s}"
            );
        }
        for s in [
            "0.1",
            "1.7",
            "0.3",
            "123456.789012",
            "0.000000000000000000001",
            "9007199254740993",
            "9007199254740993.5",
            "4503599627370497.5",
            "00000000000000000000000000.5",
            // the millisecond shape at its widest, and just past it
            "123456.789",
            "999999.999",
            "000000.001",
            "1234567.891",
        ] {
            let want = s.parse::<f64>().unwrap();
            assert_eq!(
                parse_seconds(s).unwrap().unwrap().to_bits(),
                want.to_bits(),
                "{s}"
            );
        }
    }

    #[test]
    fn integers() {
        assert_eq!(parse_status("200"), Some(200));
        assert_eq!(parse_status("000"), Some(0));
        assert_eq!(parse_status("5"), Some(5));
        assert_eq!(parse_status("2000"), None);
        assert_eq!(parse_status("20a"), None);
        assert_eq!(parse_status(""), None);
        assert_eq!(parse_u64("18446744073709551615"), Some(u64::MAX));
        // the widest number read without overflow checks, and the first one with them
        assert_eq!(
            parse_u64("9999999999999999999"),
            Some(9_999_999_999_999_999_999)
        );
        assert_eq!(parse_u64("00000000000000000001"), Some(1));
        assert_eq!(parse_u64("99999999999999999999"), None);
        assert_eq!(parse_u64("999999999999999999a"), None);
        assert_eq!(parse_u64("/"), None);
        assert_eq!(parse_u64(":"), None);
        assert_eq!(parse_u64("18446744073709551616"), None);
        assert_eq!(parse_u64("-1"), None);
        assert_eq!(parse_port("65535"), Some(65535));
        assert_eq!(parse_port("65536"), None);
        assert_eq!(parse_port("0"), Some(0));
        assert_eq!(parse_i32("-1"), Some(-1));
        assert_eq!(parse_i32("50000"), Some(50000));
        assert_eq!(parse_i32("-2147483648"), Some(i32::MIN));
        assert_eq!(parse_i32("2147483648"), None);
        assert_eq!(parse_i32("-"), None);
        assert_eq!(parse_i32("1.0"), None);
    }

    /// The minute cache gives what the calendar gives, whatever came before: times in a
    /// pseudo-random order (the same minute again, a neighbouring one, another year), each
    /// checked against chrono, with invalid variants sharing a valid time's minute or day.
    #[test]
    fn times_match_chrono_in_any_order() {
        use chrono::{DateTime, NaiveDate};
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let mut checked = 0;
        for _ in 0..200_000 {
            let r = next();
            let year = 1995 + (r % 40) as i32;
            let month = 1 + (r >> 8) % 12;
            let day = 1 + (r >> 12) % 31;
            let (hour, minute, second) = ((r >> 20) % 24, (r >> 28) % 60, (r >> 36) % 62);
            let micros = (r >> 42) % 1_000_000;
            let text = format!(
                "{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}.{micros:06}Z"
            );
            let date_ok = NaiveDate::from_ymd_opt(year, month as u32, day as u32).is_some();
            // chrono takes 60 as a leap second; ALB never writes one
            let parse = |text: &str, second: u64| {
                (date_ok && second < 60)
                    .then(|| DateTime::parse_from_rfc3339(text).ok())
                    .flatten()
                    .map(|t| t.timestamp_micros())
            };
            let want = parse(&text, second);
            assert_eq!(parse_time_us(&text), want, "{text}");
            // the same minute again, with another second (valid or not)
            let second_again = (r >> 50) % 64;
            let again = format!("{}{second_again:02}Z", &text[..17]);
            assert_eq!(
                parse_time_us(&again),
                parse(&again, second_again),
                "{again}"
            );
            checked += usize::from(want.is_some());
        }
        assert!(
            checked > 100_000,
            "too few valid times generated: {checked}"
        );
    }

    /// The six-digit fraction read at once gives what the digit loop gives for the same time
    /// with a seventh digit (truncated): the same microseconds, and `None` for a non-digit in
    /// any of the six places, whatever the byte.
    #[test]
    fn six_digit_fractions_match_the_digit_loop() {
        let mut x: u64 = 0x2545_f491_4f6c_dd1d;
        for _ in 0..20_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let frac = format!("{:06}", x % 1_000_000);
            let six = format!("2026-11-20T10:00:07.{frac}Z");
            let seven = format!("2026-11-20T10:00:07.{frac}9Z");
            let got = parse_time_us(&six);
            assert_eq!(got, parse_time_us(&seven), "{six}");
            assert_eq!(got.map(|t| t % 1_000_000), Some((x % 1_000_000) as i64));
        }
        let second = parse_time_us("2026-11-20T10:00:07Z").unwrap();
        for at in 0..6 {
            for byte in 0..=255u8 {
                let mut frac = b"123456".to_vec();
                frac[at] = byte;
                let mut b = b"2026-11-20T10:00:07.".to_vec();
                b.extend_from_slice(&frac);
                b.push(b'Z');
                let s = String::from_utf8_lossy(&b).into_owned();
                let want = frac
                    .iter()
                    .all(u8::is_ascii_digit)
                    .then(|| second + std::str::from_utf8(&frac).unwrap().parse::<i64>().unwrap());
                assert_eq!(parse_time_us(&s), want, "{s:?}");
            }
        }
        // a dot elsewhere, or none, in a time of the same length
        for s in ["2026-11-20T10:00:07,123456Z", "2026-11-20T10:00:0.7123456Z"] {
            assert_eq!(parse_time_us(s), None, "{s}");
        }
    }

    #[test]
    fn times() {
        assert_eq!(parse_time_us("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(
            parse_time_us("2018-07-02T22:23:00.186641Z"),
            Some(1_530_570_180_186_641)
        );
        assert_eq!(
            parse_time_us("2018-07-02T22:22:48.364000Z"),
            Some(1_530_570_168_364_000)
        );
        // Fewer and more than 6 fraction digits.
        assert_eq!(
            parse_time_us("2018-07-02T22:22:48.364Z"),
            Some(1_530_570_168_364_000)
        );
        assert_eq!(
            parse_time_us("2018-07-02T22:22:48.3640009Z"),
            Some(1_530_570_168_364_000)
        );
        assert_eq!(
            parse_time_us("2000-02-29T00:00:00Z"),
            Some(951_782_400_000_000)
        );
        assert_eq!(parse_time_us("1969-12-31T23:59:59.5Z"), Some(-500_000));
        for bad in [
            "",
            "2018-07-02T22:23:00.186641",
            "2018-07-02 22:23:00.186641Z",
            "2018-13-02T22:23:00Z",
            "2018-00-02T22:23:00Z",
            "2018-02-29T22:23:00Z",
            "1900-02-29T22:23:00Z",
            "2018-04-31T22:23:00Z",
            "2018-07-00T22:23:00Z",
            "2018-07-02T24:23:00Z",
            "2018-07-02T22:60:00Z",
            "2018-07-02T22:23:60Z",
            "2018-07-02T22:23:00.Z",
            "2018-07-02T22:23:00.12a4Z",
            "2018-07-02T22:23:00+00:00",
            "2018-7-02T22:23:00.000000Z",
            "2018-07-02T22:23:00.186641ZZ",
            "-",
        ] {
            assert_eq!(parse_time_us(bad), None, "{bad:?}");
        }
    }
}
