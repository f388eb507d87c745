//! The error every format's line parser returns: which field, what was wrong, what was there.
//!
//! Depends only on `std`: the fuzz crate compiles the parsers by path (see fuzz/src/lib.rs).

use std::fmt;

/// Longest offending text (in chars) kept in a [`ParseError`].
const MAX_GOT_CHARS: usize = 40;

/// What went wrong on a rejected line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParseErrorKind {
    /// The line is empty or only whitespace.
    Empty,
    /// The line ends before field `field`.
    MissingField {
        /// Number of fields found on the line.
        found: usize,
        /// Fewest fields a line of the format has.
        min: usize,
    },
    /// A quoted field has no closing quote.
    UnterminatedQuote,
    /// A closing quote is followed by something other than a space or the end of line.
    TextAfterQuote,
    /// The field's text does not have the expected syntax.
    Invalid {
        /// What was expected, e.g. "a status code or '-'".
        expected: &'static str,
    },
}

/// A line that could not be parsed. `field` names the offending field as the format's
/// documentation names it (`None` when no single field is at fault, e.g. an empty line).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    pub field: Option<&'static str>,
    pub kind: ParseErrorKind,
    /// The offending text, truncated to [`MAX_GOT_CHARS`] chars.
    got: Option<String>,
}

impl ParseError {
    #[cold]
    #[inline(never)]
    pub fn new(field: Option<&'static str>, kind: ParseErrorKind, got: Option<&str>) -> Self {
        ParseError {
            field,
            kind,
            got: got.map(truncate),
        }
    }

    /// The offending text (truncated to about 40 chars, raw: not escaped), if any.
    pub fn got(&self) -> Option<&str> {
        self.got.as_deref()
    }
}

fn truncate(s: &str) -> String {
    match s.char_indices().nth(MAX_GOT_CHARS) {
        Some((i, _)) => {
            let mut t = String::with_capacity(i + 3);
            t.push_str(&s[..i]);
            t.push_str("...");
            t
        }
        None => s.to_owned(),
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(field) = self.field {
            write!(f, "field `{field}`: ")?;
        }
        match self.kind {
            ParseErrorKind::Empty => f.write_str("empty line")?,
            ParseErrorKind::MissingField { found, min } => write!(
                f,
                "missing: the line has only {found} fields, at least {min} expected"
            )?,
            ParseErrorKind::UnterminatedQuote => f.write_str("unterminated quoted field")?,
            ParseErrorKind::TextAfterQuote => {
                f.write_str("expected a space after the closing quote")?
            }
            ParseErrorKind::Invalid { expected } => write!(f, "expected {expected}")?,
        }
        if let Some(got) = &self.got {
            // `{:?}` quotes the text and escapes `"`, `\` and control chars.
            write!(f, ", got {got:?}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ParseError {}
