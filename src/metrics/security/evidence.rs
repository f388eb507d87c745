//! How much a client's count says, against this log's own base rate.
//!
//! A rule sees a client do something k times out of n (scripted writes among its sensitive
//! writes, off-hours writes among its writes, answers 401/403 among its requests). Whether
//! that is evidence depends on how many events it stands on and on how common the thing is
//! in this log: 1 scripted write of 2 is what chance gives where one write in eight is
//! scripted; 120 of 140 is not. So the count is judged by the one-sided binomial tail
//! P(X ≥ k) for X ~ Binomial(n, p), p the log's base rate (the same share across every other
//! client), and by the Wilson lower bound of the client's share (z = 2), which must reach
//! twice the base rate: with thousands of clients a tiny p-value on a share barely above the
//! base rate is a busy client, not a suspect one.
//!
//! A base rate below [`FLOOR`] is taken as [`FLOOR`]: a log where no one else scripts does not
//! make a single scripted write strong evidence. And strong evidence stands on at least
//! [`MIN_STRONG`] events: the binomial takes every client to share the log's rate, but clients
//! differ (one phone's owner uses a script, most do not), so among thousands of small
//! clients some will have 8 of 8 scripted writes; a handful of events is weak at most,
//! whatever its p-value.

/// The smallest base rate assumed: 1 %.
pub const FLOOR: f64 = 0.01;
/// p-value at or below which a count is weak evidence (something to note, low at most).
pub const WEAK_P: f64 = 1e-2;
/// p-value at or below which a count is strong evidence (one such signal is medium): about
/// one chance in a million, so that a log of ten thousand clients has no false one by chance.
pub const STRONG_P: f64 = 1e-6;
/// p-value at or below which the evidence is overwhelming.
pub const OVERWHELMING_P: f64 = 1e-15;
/// The fewest events strong evidence stands on.
pub const MIN_STRONG: u64 = 20;
/// z of the Wilson bound on the client's share.
const Z: f64 = 2.0;

/// How strong a count is, weakest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Strength {
    /// What chance gives at this log's base rate (or nothing to judge).
    None,
    /// Unlikely by chance, but not enough alone.
    Weak,
    /// Far from chance and well above the base rate.
    Strong,
    /// Beyond any doubt.
    Overwhelming,
}

impl Strength {
    pub fn as_str(self) -> &'static str {
        match self {
            Strength::None => "none",
            Strength::Weak => "weak",
            Strength::Strong => "strong",
            Strength::Overwhelming => "overwhelming",
        }
    }
}

/// A client's k of n against a base rate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Evidence {
    pub k: u64,
    pub n: u64,
    /// The log's base rate as measured (before the floor).
    pub base: f64,
    /// log10 of P(X ≥ k), X ~ Binomial(n, max(base, FLOOR)); 0 when there is nothing to judge.
    pub log10_p: f64,
    /// The Wilson lower bound (z = 2) of k / n.
    pub lower: f64,
}

/// `k` of `n` against the base rate `hits / total` of everyone else: the client's own
/// counts are taken out of the log's totals (`all_k` of `all_n`), so one loud client does not
/// raise the rate it is judged by.
pub fn against_others(k: u64, n: u64, all_k: u64, all_n: u64) -> Evidence {
    let (ok, on) = (all_k.saturating_sub(k), all_n.saturating_sub(n));
    let base = if on == 0 { 0.0 } else { ok as f64 / on as f64 };
    judge(k, n, base)
}

/// `k` of `n` against the base rate `base`.
pub fn judge(k: u64, n: u64, base: f64) -> Evidence {
    let k = k.min(n);
    let p = base.clamp(FLOOR, 1.0);
    Evidence {
        k,
        n,
        base,
        log10_p: log10_tail(k, n, p),
        lower: wilson_lower(k, n, Z),
    }
}

impl Evidence {
    pub fn strength(&self) -> Strength {
        if self.k == 0 || self.n == 0 {
            return Strength::None;
        }
        let p = self.log10_p;
        // the share must be well above the base rate, not only significantly
        let far = self.lower >= 2.0 * self.base.max(FLOOR) && self.k >= MIN_STRONG;
        if p <= OVERWHELMING_P.log10() && far {
            Strength::Overwhelming
        } else if p <= STRONG_P.log10() && far {
            Strength::Strong
        } else if p <= WEAK_P.log10() {
            Strength::Weak
        } else {
            Strength::None
        }
    }

    /// The client's share, k / n (0 for n = 0).
    pub fn share(&self) -> f64 {
        if self.n == 0 {
            0.0
        } else {
            self.k as f64 / self.n as f64
        }
    }

    /// −log10 p: how a finding ranks among others of its severity.
    pub fn score(&self) -> f64 {
        -self.log10_p
    }

    /// "120 of 140 writes scripted; 12 % across all writers; p < 10⁻⁹": the comparison in words.
    pub fn describe(&self, what: &str, population: &str) -> String {
        let floor = match self.base < FLOOR {
            true => format!(" (taken as {})", percent(FLOOR)),
            false => String::new(),
        };
        format!(
            "{} of {} {what}; {} {population}{floor}; {} ({})",
            self.k,
            self.n,
            percent(self.base),
            p_text(self.log10_p),
            self.strength().as_str()
        )
    }
}

/// "4 %", "0.3 %", "100 %".
pub fn percent(share: f64) -> String {
    let p = share * 100.0;
    if p > 0.0 && p < 1.0 {
        format!("{p:.1} %")
    } else {
        format!("{p:.0} %")
    }
}

/// "p = 0.23", "p = 0.004", "p < 10⁻⁹".
pub fn p_text(log10_p: f64) -> String {
    if log10_p >= -3.0 {
        let p = 10f64.powf(log10_p);
        return match p {
            x if x >= 0.995 => "p = 1".into(),
            x if x >= 0.01 => format!("p = {x:.2}"),
            x => format!("p = {x:.3}"),
        };
    }
    let e = (-log10_p).floor() as i64;
    format!("p < 10⁻{}", superscript(e))
}

fn superscript(n: i64) -> String {
    const D: [char; 10] = ['⁰', '¹', '²', '³', '⁴', '⁵', '⁶', '⁷', '⁸', '⁹'];
    n.to_string()
        .chars()
        .map(|c| D[c.to_digit(10).unwrap_or(0) as usize])
        .collect()
}

/// The Wilson score interval's lower bound for k successes in n trials.
pub fn wilson_lower(k: u64, n: u64, z: f64) -> f64 {
    if n == 0 {
        return 0.0;
    }
    let n = n as f64;
    let phat = k as f64 / n;
    let z2 = z * z;
    let centre = phat + z2 / (2.0 * n);
    let margin = z * (phat * (1.0 - phat) / n + z2 / (4.0 * n * n)).sqrt();
    ((centre - margin) / (1.0 + z2 / n)).max(0.0)
}

/// log10 P(X ≥ k) for X ~ Binomial(n, p), summed in log space (no underflow at 10⁻³⁰⁰).
pub fn log10_tail(k: u64, n: u64, p: f64) -> f64 {
    if k == 0 || n == 0 {
        return 0.0;
    }
    if k > n || p <= 0.0 {
        return f64::NEG_INFINITY;
    }
    if p >= 1.0 {
        return 0.0;
    }
    let (lp, lq) = (p.ln(), (1.0 - p).ln());
    // ln C(n, k) by summing logs (n is at most a client's requests)
    let ln_choose: f64 = (0..k)
        .map(|i| ((n - i) as f64).ln() - ((i + 1) as f64).ln())
        .sum();
    let mut term = ln_choose + k as f64 * lp + (n - k) as f64 * lq;
    let mut terms = vec![term];
    let ratio = lp - lq;
    for i in k..n {
        term += ((n - i) as f64).ln() - ((i + 1) as f64).ln() + ratio;
        terms.push(term);
        // past the mode the terms only fall: stop once they no longer count
        if (i as f64) > n as f64 * p && term < terms[0] - 50.0 {
            break;
        }
    }
    let max = terms.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let sum: f64 = terms.iter().map(|t| (t - max).exp()).sum();
    ((max + sum.ln()) / std::f64::consts::LN_10).min(0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// P(X ≥ k) by direct summation (small n), computed independently of the log-space sum.
    fn direct(k: u64, n: u64, p: f64) -> f64 {
        let mut c = 1.0f64; // C(n, 0)
        let mut sum = 0.0;
        for i in 0..=n {
            if i >= k {
                sum += c * p.powi(i as i32) * (1.0 - p).powi((n - i) as i32);
            }
            c = c * (n - i) as f64 / (i + 1) as f64;
        }
        sum
    }

    #[test]
    fn the_tail_matches_direct_summation() {
        for (k, n, p) in [
            (1, 2, 0.12),
            (3, 10, 0.2),
            (7, 20, 0.1),
            (0, 5, 0.3),
            (20, 20, 0.5),
        ] {
            let want = direct(k, n, p);
            let got = 10f64.powf(log10_tail(k, n, p));
            assert!(
                (got - want).abs() < 1e-12 * want.max(1e-300),
                "{k} {n} {p}: {got} vs {want}"
            );
        }
        // 1 of 2 at 12 %: 1 − 0.88²
        assert!((10f64.powf(log10_tail(1, 2, 0.12)) - (1.0 - 0.88 * 0.88)).abs() < 1e-12);
        // far tails stay finite: 140 of 140 at 12 % is 0.12^140
        assert!((log10_tail(140, 140, 0.12) - 140.0 * 0.12f64.log10()).abs() < 1e-9);
    }

    /// The table of the issue: (k, n, base rate, strength).
    #[test]
    fn strength_table() {
        let table: [(u64, u64, f64, Strength); 13] = [
            // 1 of 2 scripted where one write in eight is: chance
            (1, 2, 0.12, Strength::None),
            (2, 2, 0.12, Strength::None),
            (3, 3, 0.12, Strength::Weak),
            // 120 of 140 at 12 %
            (120, 140, 0.12, Strength::Overwhelming),
            (20, 40, 0.12, Strength::Strong),
            // 12 of 14 is far from chance but stands on too few writes to be strong alone
            (12, 14, 0.12, Strength::Weak),
            // no writes at all: nothing to judge
            (0, 0, 0.12, Strength::None),
            (0, 50, 0.12, Strength::None),
            // every writer scripted: a scripted client is what the log is
            (40, 40, 1.0, Strength::None),
            // a busy integration clinic at 42 % where scripts are 25 % of writes: p is tiny
            // but the share is not twice the base rate
            (840, 2000, 0.25, Strength::Weak),
            // nobody else scripts: the floor of 1 % keeps one write from being strong
            (2, 2, 0.0, Strength::Weak),
            (6, 6, 0.0, Strength::Weak),
            (20, 20, 0.0, Strength::Overwhelming),
        ];
        for (k, n, base, want) in table {
            let e = judge(k, n, base);
            assert_eq!(e.strength(), want, "{k} of {n} at {base}: {e:?}");
        }
    }

    #[test]
    fn others_exclude_the_client_and_the_words_say_it() {
        // the log: 1,000 writes, 130 scripted, 120 of them this client's 140
        let e = against_others(120, 140, 130, 1000);
        assert!((e.base - 10.0 / 860.0).abs() < 1e-12);
        assert_eq!(e.strength(), Strength::Overwhelming);
        let e = judge(120, 140, 0.12);
        let text = e.describe("writes scripted", "across all writers");
        assert!(
            text.starts_with("120 of 140 writes scripted; 12 % across all writers; p < 10⁻"),
            "{text}"
        );
        assert_eq!(p_text(-9.2), "p < 10⁻⁹");
        assert_eq!(p_text(0.226f64.log10()), "p = 0.23");
        // a client that is the whole log
        assert_eq!(against_others(5, 5, 5, 5).base, 0.0);
    }

    #[test]
    fn wilson_bound() {
        assert_eq!(wilson_lower(0, 0, 3.0), 0.0);
        assert!(wilson_lower(0, 10, 3.0).abs() < 1e-12);
        let w = wilson_lower(120, 140, 3.0);
        assert!(w > 0.7 && w < 120.0 / 140.0, "{w}");
    }
}
