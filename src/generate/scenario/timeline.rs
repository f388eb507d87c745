//! The timeline: time units, the incident windows (times of day, every day of the window), the
//! migration time, and the day arithmetic the generator and the truth share.

pub(crate) const US: i64 = 1_000_000;
pub(crate) const MINUTE: i64 = 60 * US;
pub(crate) const HOUR: i64 = 3600 * US;
pub(crate) const DAY: i64 = 24 * HOUR;

/// A daily window `[start, end)` in seconds after UTC midnight.
#[derive(Debug, Clone, Copy)]
pub(crate) struct DailyWindow {
    pub start_s: i64,
    pub end_s: i64,
}

pub(super) const fn hm(h: i64, m: i64) -> i64 {
    h * 3600 + m * 60
}

pub(crate) const INTRUDER: DailyWindow = DailyWindow {
    start_s: hm(1, 40),
    end_s: hm(2, 10),
};
pub(crate) const LOAD_TEST: DailyWindow = DailyWindow {
    start_s: hm(3, 0),
    end_s: hm(3, 30),
};
pub(crate) const SLOW: DailyWindow = DailyWindow {
    start_s: hm(9, 0),
    end_s: hm(11, 0),
};
pub(crate) const OUTAGE: DailyWindow = DailyWindow {
    start_s: hm(14, 0),
    end_s: hm(14, 20),
};
pub(crate) const SCANNER: DailyWindow = DailyWindow {
    start_s: hm(22, 0),
    end_s: hm(22, 15),
};
/// Time of day of the /hospitals migration (on the day of `start` only).
pub(crate) const MIGRATION_S: i64 = hm(12, 0);

pub(crate) fn day_floor(t: i64) -> i64 {
    t.div_euclid(DAY) * DAY
}

pub(crate) fn in_daily(t: i64, w: DailyWindow) -> bool {
    let tod = t - day_floor(t);
    tod >= w.start_s * US && tod < w.end_s * US
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn daily_windows() {
        let day = 1_795_132_800 * US;
        assert!(in_daily(day + 14 * HOUR, OUTAGE));
        assert!(!in_daily(day + 14 * HOUR + 20 * MINUTE, OUTAGE));
        assert!(in_daily(day + DAY + 9 * HOUR, SLOW));
    }
}
