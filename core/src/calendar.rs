//! UTC days and their dates as text, for quotas (a day's AI work resets at UTC midnight) and
//! for the times `status` answers. The engine reads no clock: every time here comes from a
//! request's `now`. The civil date is computed here (Howard Hinnant's `civil_from_days`)
//! rather than with a date crate, to keep the WebAssembly small.

/// Seconds in a day: Unix time counts every day as this long (no leap seconds).
pub(crate) const SECONDS_PER_DAY: u64 = 86_400;

/// The UTC day `now` falls in, counted from 1970-01-01 (day 0). Saturates far beyond any
/// real clock (the year 11 million).
pub(crate) fn day_of(now: u64) -> u32 {
    u32::try_from(now / SECONDS_PER_DAY).unwrap_or(u32::MAX)
}

/// `2026-01-01`: the date of a UTC day.
pub(crate) fn date(day: u32) -> String {
    let (year, month, day) = civil(i64::from(day));
    format!("{year:04}-{month:02}-{day:02}")
}

/// `2026-01-01T00:00:00Z`: a Unix time as ISO 8601 text, in UTC.
pub(crate) fn timestamp(seconds: u64) -> String {
    let in_day = seconds % SECONDS_PER_DAY;
    let (hours, minutes, seconds_left) = (in_day / 3600, in_day % 3600 / 60, in_day % 60);
    let days = i64::try_from(seconds / SECONDS_PER_DAY).unwrap_or(i64::MAX);
    let (year, month, day) = civil(days);
    format!("{year:04}-{month:02}-{day:02}T{hours:02}:{minutes:02}:{seconds_left:02}Z")
}

/// When a UTC day's counters reset: the next midnight, as ISO 8601 text.
pub(crate) fn reset_at(day: u32) -> String {
    timestamp((u64::from(day) + 1) * SECONDS_PER_DAY)
}

/// (year, month 1-12, day 1-31) of the day `days` after 1970-01-01 in the proleptic
/// Gregorian calendar: eras of 400 years (146,097 days) counted from 0000-03-01, so that a
/// leap day ends its year.
fn civil(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let shifted_month = (5 * day_of_year + 2) / 153; // 0 = March
    let day = (day_of_year - (153 * shifted_month + 2) / 5 + 1) as u32;
    let month = if shifted_month < 10 {
        shifted_month + 3
    } else {
        shifted_month - 9
    } as u32;
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_and_times_read_as_the_calendar_does() {
        // The scenarios' epoch.
        assert_eq!(timestamp(1_767_225_600), "2026-01-01T00:00:00Z");
        assert_eq!(date(day_of(1_767_225_600)), "2026-01-01");
        assert_eq!(date(day_of(1_767_225_600 + 86_399)), "2026-01-01");
        assert_eq!(reset_at(day_of(1_767_225_600)), "2026-01-02T00:00:00Z");
        assert_eq!(timestamp(0), "1970-01-01T00:00:00Z");
        assert_eq!(timestamp(951_782_400), "2000-02-29T00:00:00Z", "a leap day");
        assert_eq!(timestamp(4_107_542_399), "2100-02-28T23:59:59Z");
        assert_eq!(
            timestamp(4_107_542_400),
            "2100-03-01T00:00:00Z",
            "1900s rule"
        );
        assert_eq!(reset_at(day_of(1_767_225_599)), "2026-01-01T00:00:00Z");
        assert_eq!(day_of(u64::MAX), u32::MAX);
    }

    #[test]
    fn every_day_of_four_centuries_follows_the_one_before() {
        let mut last = civil(-1);
        for days in 0..146_097 {
            let next = civil(days);
            let (y, m, d) = last;
            let month_length = match m {
                2 if y % 4 == 0 && (y % 100 != 0 || y % 400 == 0) => 29,
                2 => 28,
                4 | 6 | 9 | 11 => 30,
                _ => 31,
            };
            let expected = if d < month_length {
                (y, m, d + 1)
            } else if m < 12 {
                (y, m + 1, 1)
            } else {
                (y + 1, 1, 1)
            };
            assert_eq!(next, expected, "day {days}");
            last = next;
        }
    }
}
