//! CloudFront's field names and a file's `#Fields` mapping: which field stands at which
//! position of a line, and how many fields make a whole line.
//!
//! AWS appended fields in groups over the years (19 fields until 2016, then 23, 24, 26, and
//! 33 since 2019-12; some writers stop at 31), so a line may stop at the end of a group even
//! when its file's header names more. Fields a later version appends are ignored.
//!
//! Depends only on `std` (see `parse`).

/// The fields hosp-logs reads, named as AWS names them in `#Fields` lines and JSON keys.
/// The first 33 are the standard (legacy) log's order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u8)]
pub enum Field {
    Date,
    Time,
    EdgeLocation,
    ScBytes,
    CIp,
    CsMethod,
    CsHost,
    CsUriStem,
    ScStatus,
    CsReferer,
    CsUserAgent,
    CsUriQuery,
    CsCookie,
    EdgeResultType,
    EdgeRequestId,
    HostHeader,
    CsProtocol,
    CsBytes,
    TimeTaken,
    ForwardedFor,
    SslProtocol,
    SslCipher,
    EdgeResponseResultType,
    CsProtocolVersion,
    FleStatus,
    FleEncryptedFields,
    CPort,
    TimeToFirstByte,
    EdgeDetailedResultType,
    ScContentType,
    ScContentLen,
    ScRangeStart,
    ScRangeEnd,
    /// Standard logging v2: the request's time as epoch seconds (with a fraction).
    Timestamp,
    /// Standard logging v2: the request's time as epoch milliseconds.
    TimestampMs,
    /// Standard logging v2: the distribution that served the request.
    DistributionId,
}

/// How many fields [`Field`] has.
pub const FIELD_COUNT: usize = 36;

/// The standard log's fields in order (a file without `#Fields` is read with these).
pub const STANDARD: [Field; 33] = [
    Field::Date,
    Field::Time,
    Field::EdgeLocation,
    Field::ScBytes,
    Field::CIp,
    Field::CsMethod,
    Field::CsHost,
    Field::CsUriStem,
    Field::ScStatus,
    Field::CsReferer,
    Field::CsUserAgent,
    Field::CsUriQuery,
    Field::CsCookie,
    Field::EdgeResultType,
    Field::EdgeRequestId,
    Field::HostHeader,
    Field::CsProtocol,
    Field::CsBytes,
    Field::TimeTaken,
    Field::ForwardedFor,
    Field::SslProtocol,
    Field::SslCipher,
    Field::EdgeResponseResultType,
    Field::CsProtocolVersion,
    Field::FleStatus,
    Field::FleEncryptedFields,
    Field::CPort,
    Field::TimeToFirstByte,
    Field::EdgeDetailedResultType,
    Field::ScContentType,
    Field::ScContentLen,
    Field::ScRangeStart,
    Field::ScRangeEnd,
];

/// Every field: the standard order, then standard logging v2's additions.
const ALL: [Field; FIELD_COUNT] = {
    let mut all = [Field::Date; FIELD_COUNT];
    let mut i = 0;
    while i < STANDARD.len() {
        all[i] = STANDARD[i];
        i += 1;
    }
    all[33] = Field::Timestamp;
    all[34] = Field::TimestampMs;
    all[35] = Field::DistributionId;
    all
};

impl Field {
    pub const ALL: [Field; FIELD_COUNT] = ALL;

    /// The name in `#Fields` lines and JSON keys.
    pub fn name(self) -> &'static str {
        match self {
            Field::Date => "date",
            Field::Time => "time",
            Field::EdgeLocation => "x-edge-location",
            Field::ScBytes => "sc-bytes",
            Field::CIp => "c-ip",
            Field::CsMethod => "cs-method",
            Field::CsHost => "cs(Host)",
            Field::CsUriStem => "cs-uri-stem",
            Field::ScStatus => "sc-status",
            Field::CsReferer => "cs(Referer)",
            Field::CsUserAgent => "cs(User-Agent)",
            Field::CsUriQuery => "cs-uri-query",
            Field::CsCookie => "cs(Cookie)",
            Field::EdgeResultType => "x-edge-result-type",
            Field::EdgeRequestId => "x-edge-request-id",
            Field::HostHeader => "x-host-header",
            Field::CsProtocol => "cs-protocol",
            Field::CsBytes => "cs-bytes",
            Field::TimeTaken => "time-taken",
            Field::ForwardedFor => "x-forwarded-for",
            Field::SslProtocol => "ssl-protocol",
            Field::SslCipher => "ssl-cipher",
            Field::EdgeResponseResultType => "x-edge-response-result-type",
            Field::CsProtocolVersion => "cs-protocol-version",
            Field::FleStatus => "fle-status",
            Field::FleEncryptedFields => "fle-encrypted-fields",
            Field::CPort => "c-port",
            Field::TimeToFirstByte => "time-to-first-byte",
            Field::EdgeDetailedResultType => "x-edge-detailed-result-type",
            Field::ScContentType => "sc-content-type",
            Field::ScContentLen => "sc-content-len",
            Field::ScRangeStart => "sc-range-start",
            Field::ScRangeEnd => "sc-range-end",
            Field::Timestamp => "timestamp",
            Field::TimestampMs => "timestamp(ms)",
            Field::DistributionId => "DistributionId",
        }
    }

    /// The field of a `#Fields` name or JSON key (ASCII case ignored).
    pub fn from_name(name: &str) -> Option<Field> {
        ALL.iter()
            .copied()
            .find(|f| f.name().eq_ignore_ascii_case(name))
    }

    /// The last field of a group AWS added at once: a line may end after it.
    fn ends_group(self) -> bool {
        matches!(
            self,
            Field::TimeTaken
                | Field::EdgeResponseResultType
                | Field::CsProtocolVersion
                | Field::FleEncryptedFields
                | Field::ScContentLen
                | Field::ScRangeEnd
        )
    }

    /// Added after the original 19 fields: a line may lack it at its end.
    fn optional(self) -> bool {
        self > Field::TimeTaken
    }
}

/// Where a file's mapping came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// Its `#Fields` line.
    Header,
    /// No `#Fields` line: the standard 33-field order.
    Assumed,
}

/// Which field stands at each position of a line, from a `#Fields` line (or the standard
/// order when a file has none).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fields {
    /// The field at each position (None: a name hosp-logs does not read; ignored).
    columns: Vec<Option<Field>>,
    /// `whole[n]`: a line of `n < columns.len()` fields is whole (it stops at the end of a
    /// group, and only optional fields are missing).
    whole: Vec<bool>,
    /// Every name of the header, as written (for messages).
    names: Vec<String>,
    pub origin: Origin,
}

impl Fields {
    /// The standard 33-field order, for files without a `#Fields` line.
    pub fn standard() -> Fields {
        Fields::new(
            STANDARD.iter().map(|f| Some(*f)).collect(),
            STANDARD.iter().map(|f| f.name().to_string()).collect(),
            Origin::Assumed,
        )
    }

    /// The mapping of a `#Fields:` line (the line itself, with or without its line end);
    /// None when the line is not one.
    pub fn from_header(line: &str) -> Option<Fields> {
        let rest = line
            .trim_end_matches(['\r', '\n'])
            .strip_prefix("#Fields:")?;
        let names: Vec<String> = rest.split_ascii_whitespace().map(str::to_string).collect();
        let columns = names.iter().map(|n| Field::from_name(n)).collect();
        Some(Fields::new(columns, names, Origin::Header))
    }

    fn new(columns: Vec<Option<Field>>, names: Vec<String>, origin: Origin) -> Fields {
        let whole = (0..columns.len())
            .map(|n| {
                n > 0
                    && columns[n - 1].is_some_and(Field::ends_group)
                    && columns[n..].iter().all(|c| c.is_none_or(Field::optional))
            })
            .collect();
        Fields {
            columns,
            whole,
            names,
            origin,
        }
    }

    /// Fields the header names.
    pub fn len(&self) -> usize {
        self.columns.len()
    }

    pub fn is_empty(&self) -> bool {
        self.columns.is_empty()
    }

    /// The field at position `i`, if hosp-logs reads it.
    #[inline]
    pub fn at(&self, i: usize) -> Option<Field> {
        self.columns.get(i).copied().flatten()
    }

    /// Whether the header names `f`.
    pub fn has(&self, f: Field) -> bool {
        self.columns.contains(&Some(f))
    }

    /// Whether a line of `n` fields holds every field it must: all of the header's, or a
    /// prefix that stops at the end of a group with only optional fields missing.
    pub fn is_whole(&self, n: usize) -> bool {
        n >= self.columns.len() || self.whole[n]
    }

    /// The fewest fields above `n` that make a whole line.
    pub fn next_whole(&self, n: usize) -> usize {
        (n + 1..self.columns.len())
            .find(|&k| self.whole[k])
            .unwrap_or(self.columns.len())
    }

    /// The header's name at position `i`, as written.
    pub fn name_at(&self, i: usize) -> Option<&str> {
        self.names.get(i).map(String::as_str)
    }

    /// Whether lines carry their time (date and time, or a v2 timestamp).
    pub fn has_time(&self) -> bool {
        (self.has(Field::Date) && self.has(Field::Time))
            || self.has(Field::Timestamp)
            || self.has(Field::TimestampMs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_table_is_in_order() {
        assert_eq!(Field::ALL.len(), FIELD_COUNT);
        for (i, f) in Field::ALL.iter().enumerate() {
            assert_eq!(*f as usize, i);
            assert_eq!(Field::from_name(f.name()), Some(*f));
        }
        assert_eq!(&Field::ALL[..33], &STANDARD);
        assert_eq!(Field::from_name("CS(USER-AGENT)"), Some(Field::CsUserAgent));
        assert_eq!(Field::from_name("x-edge-mqcs"), None);
    }

    #[test]
    fn lines_may_stop_at_the_end_of_a_group() {
        let std = Fields::standard();
        let whole: Vec<usize> = (1..=33).filter(|&n| std.is_whole(n)).collect();
        // the layouts AWS wrote: 19, 23, 24, 26, 31 and 33 fields
        assert_eq!(whole, [19, 23, 24, 26, 31, 33]);
        assert!(std.is_whole(40), "later fields are ignored");
        assert_eq!(std.next_whole(25), 26);
        assert_eq!(std.next_whole(5), 19);

        let h = Fields::from_header("#Fields: date time sc-status x-new-field c-ip\n").unwrap();
        assert_eq!(h.len(), 5);
        assert_eq!(h.at(3), None);
        assert_eq!(h.at(4), Some(Field::CIp));
        assert_eq!(h.name_at(3), Some("x-new-field"));
        // c-ip is not optional: a line of 3 or 4 fields is short
        assert!(!h.is_whole(3) && !h.is_whole(4) && h.is_whole(5));
        assert!(h.has_time());
        assert!(!Fields::from_header("#Fields: sc-status c-ip")
            .unwrap()
            .has_time());
        assert!(Fields::from_header("#Version: 1.0").is_none());
    }
}
