//! ALB's `\xHH` escaping.

use std::borrow::Cow;

use memchr::memchr;

#[inline]
fn hex(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

/// Decodes ALB's `\xHH` escapes: ALB writes `"` as `\x22`, `\` as `\x5c` and
/// every non-ASCII byte as `\xHH` (so `È` is `\xC3\x88`). Escaped bytes are
/// reassembled and decoded as UTF-8; invalid sequences become U+FFFD.
///
/// Also decodes the 8-hex-digit form `\x0000HHHH` seen in the wild
/// (`\x00000022` for `"`) as a code point. A backslash not followed by an
/// escape is kept as is. Returns `Cow::Borrowed` when there is nothing to decode.
pub fn decode_escapes(s: &str) -> Cow<'_, str> {
    let b = s.as_bytes();
    let Some(first) = find_escape(b, 0) else {
        return Cow::Borrowed(s);
    };
    let mut out: Vec<u8> = Vec::with_capacity(b.len());
    out.extend_from_slice(&b[..first]);
    let mut i = first;
    while i < b.len() {
        if b[i] == b'\\' {
            if let Some((bytes, len)) = escape_at(b, i) {
                match bytes {
                    Decoded::Byte(v) => out.push(v),
                    Decoded::Char(c) => {
                        let mut buf = [0u8; 4];
                        out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                    }
                }
                i += len;
                continue;
            }
        }
        // Copy up to the next backslash in one go.
        let next = memchr(b'\\', &b[i + 1..]).map_or(b.len(), |k| i + 1 + k);
        out.extend_from_slice(&b[i..next]);
        i = next;
    }
    match String::from_utf8(out) {
        Ok(text) => Cow::Owned(text),
        Err(e) => Cow::Owned(String::from_utf8_lossy(e.as_bytes()).into_owned()),
    }
}

enum Decoded {
    Byte(u8),
    Char(char),
}

/// First escape at or after `from`.
fn find_escape(b: &[u8], from: usize) -> Option<usize> {
    let mut i = from;
    while let Some(k) = memchr(b'\\', &b[i..]) {
        let at = i + k;
        if escape_at(b, at).is_some() {
            return Some(at);
        }
        i = at + 1;
    }
    None
}

/// The escape starting at `b[i] == '\\'`, and its length in bytes.
fn escape_at(b: &[u8], i: usize) -> Option<(Decoded, usize)> {
    if b.get(i + 1) != Some(&b'x') {
        return None;
    }
    // `\x0000HHHH`: a code point (only when the first four digits are 0, so a
    // `\x00` followed by ordinary text is not swallowed).
    if let Some(d) = b.get(i + 2..i + 10) {
        if d.starts_with(b"0000") {
            if let Some(cp) = d
                .iter()
                .try_fold(0u32, |acc, &c| hex(c).map(|h| acc * 16 + u32::from(h)))
            {
                if let Some(c) = char::from_u32(cp) {
                    return Some((Decoded::Char(c), 10));
                }
            }
        }
    }
    let hi = hex(*b.get(i + 2)?)?;
    let lo = hex(*b.get(i + 3)?)?;
    Some((Decoded::Byte(hi * 16 + lo), 4))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes() {
        assert_eq!(decode_escapes(r"a\x22b"), "a\"b");
        assert_eq!(decode_escapes(r"a\x5cb\x5Cc"), "a\\b\\c");
        assert_eq!(decode_escapes(r"\xC3\x88"), "È");
        assert_eq!(decode_escapes(r"\xc3\x88"), "È");
        assert_eq!(decode_escapes(r"x\xf0\x9f\x98\x80y"), "x😀y");
        assert_eq!(
            decode_escapes(r"\xEC\x97\x90\xEC\x9D\xB4\xEC\xA0\x84\xED\x8A\xB8"),
            "에이전트"
        );
        assert_eq!(
            decode_escapes(r"\x00000022Mozilla\x00000022"),
            "\"Mozilla\""
        );
        assert_eq!(decode_escapes(r"\x00abc"), "\0abc");
    }

    #[test]
    fn borrowed_without_escapes() {
        for s in ["", "plain", r"a\b", r"\x", r"\xZZ", r"\x4", "é\\"] {
            let d = decode_escapes(s);
            assert!(matches!(d, Cow::Borrowed(_)), "{s:?}");
            assert_eq!(d, s);
        }
    }

    #[test]
    fn invalid_sequences_become_replacement_chars() {
        assert_eq!(decode_escapes(r"\xC3"), "\u{FFFD}");
        assert_eq!(decode_escapes(r"a\xffb"), "a\u{FFFD}b");
        assert_eq!(decode_escapes(r"\xf0\x9f\x98"), "\u{FFFD}");
        assert_eq!(decode_escapes(r"\xC3x"), "\u{FFFD}x");
        // Lone escapes mixed with real text and non-escapes.
        assert_eq!(decode_escapes(r"é\x22\q\x"), "é\"\\q\\x");
        // A code point that is not a char (surrogate) falls back to the 2-digit form.
        assert_eq!(decode_escapes(r"\x0000D800"), "\u{0}00D800");
    }
}
