//! Percent-decoding, once: CloudFront writes URL parts and headers percent-encoded, and real
//! logs hold text that was encoded twice (`%2520`), whose once-decoded form (`%20`) is what
//! the client sent. Decoding again would change what the log says.

use std::borrow::Cow;

fn hex_value(c: u8) -> Option<u8> {
    char::from(c).to_digit(16).map(|d| d as u8)
}

/// Undoes one round of percent-encoding. `%` not followed by two hex digits stays as it is,
/// `+` stays `+` (a space only in form bodies), and bytes that do not form UTF-8 become
/// U+FFFD. Borrowed when there is no `%` escape.
pub fn percent_decode_once(s: &str) -> Cow<'_, str> {
    let b = s.as_bytes();
    let Some(first) = memchr::memchr(b'%', b) else {
        return Cow::Borrowed(s);
    };
    let mut out = Vec::with_capacity(b.len());
    out.extend_from_slice(&b[..first]);
    let mut i = first;
    while i < b.len() {
        let c = b[i];
        if c == b'%' {
            if let (Some(h), Some(l)) = (
                b.get(i + 1).copied().and_then(hex_value),
                b.get(i + 2).copied().and_then(hex_value),
            ) {
                out.push(h << 4 | l);
                i += 3;
                continue;
            }
        }
        out.push(c);
        i += 1;
    }
    match String::from_utf8(out) {
        Ok(text) => Cow::Owned(text),
        Err(e) => Cow::Owned(String::from_utf8_lossy(e.as_bytes()).into_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_one_round_only() {
        assert!(matches!(
            percent_decode_once("/plain"),
            Cow::Borrowed("/plain")
        ));
        assert_eq!(
            percent_decode_once("Mozilla/5.0%20(X11)"),
            "Mozilla/5.0 (X11)"
        );
        // double-encoded: one round leaves the client's own %20
        assert_eq!(
            percent_decode_once("NetSuite/2019.2%2520(SuiteScript)"),
            "NetSuite/2019.2%20(SuiteScript)"
        );
        assert_eq!(percent_decode_once("%e2%82%ac"), "€");
        // broken escapes stay; a lone byte becomes U+FFFD; + is not a space
        assert_eq!(percent_decode_once("a%zzb%4"), "a%zzb%4");
        assert_eq!(percent_decode_once("%"), "%");
        assert_eq!(percent_decode_once("%C3"), "\u{FFFD}");
        assert_eq!(percent_decode_once("a+b%2B"), "a+b+");
        // control characters decode: the renderers sanitise them, never the parser
        assert_eq!(percent_decode_once("%1b[31m"), "\u{1b}[31m");
    }
}
