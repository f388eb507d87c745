//! Labels: durations, counts and percentages as short tick text, and log-derived text made
//! safe for a chart.

/// Milliseconds as a short label: 0.5 ms, 20 ms, 1.5 s, 20 s.
pub fn ms_label(ms: f64) -> String {
    if ms >= 1000.0 {
        trim(format!("{:.1}", ms / 1000.0)) + " s"
    } else if ms >= 10.0 {
        format!("{ms:.0} ms")
    } else {
        trim(format!("{ms:.1}")) + " ms"
    }
}

fn trim(s: String) -> String {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// A count with thousands separators: 12 345 → "12,345"; large ones short: "1.2M".
pub fn count_label(v: f64) -> String {
    if v.abs() >= 1e6 {
        return trim(format!("{:.1}", v / 1e6)) + "M";
    }
    let n = v.round() as i64;
    let digits = n.abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 {
        format!("-{out}")
    } else {
        out
    }
}

/// A percent tick label: 99 → "99 %", 99.5 → "99.5 %".
pub fn pct_label(v: f64) -> String {
    trim(format!("{v:.2}")) + " %"
}

/// Log-derived text for a chart label: controls removed, shortened with "…".
pub fn label_text(text: &str, max: usize) -> String {
    crate::render::sanitize(text, max)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels() {
        assert_eq!(ms_label(0.5), "0.5 ms");
        assert_eq!(ms_label(2000.0), "2 s");
        assert_eq!(count_label(1234567.0), "1.2M");
        assert_eq!(count_label(12345.0), "12,345");
        assert_eq!(pct_label(99.5), "99.5 %");
    }
}
