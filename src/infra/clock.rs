//! Wall-clock time as unix seconds, the unit every timestamp column uses.
use crate::i18n::{td_string, Locale};

/// Where a component reads the time: the wall clock, or a fixed instant in tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Clock {
    System,
    Fixed(i64),
}

impl Clock {
    pub fn now(self) -> i64 {
        match self {
            Clock::System => now(),
            Clock::Fixed(t) => t,
        }
    }
}

pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or_default()
}

/// "2026年11月28日 周六 14:00" / "Sat 28 Nov 2026, 14:00" in the given IANA time zone
/// (Shanghai if unknown), for the reader's language.
pub fn format_local(timestamp: i64, tz: &str, locale: Locale) -> String {
    use chrono::{Datelike, Timelike};
    let Some(t) = local(timestamp, tz) else { return String::new() };
    let weekday = match t.weekday() {
        chrono::Weekday::Mon => td_string!(locale, common.weekday.mon),
        chrono::Weekday::Tue => td_string!(locale, common.weekday.tue),
        chrono::Weekday::Wed => td_string!(locale, common.weekday.wed),
        chrono::Weekday::Thu => td_string!(locale, common.weekday.thu),
        chrono::Weekday::Fri => td_string!(locale, common.weekday.fri),
        chrono::Weekday::Sat => td_string!(locale, common.weekday.sat),
        chrono::Weekday::Sun => td_string!(locale, common.weekday.sun),
    };
    let (year, day, hour, minute) = (t.year(), t.day(), t.hour(), t.minute());
    match locale {
        Locale::zh_CN => format!("{year}年{}月{day}日 {weekday} {hour:02}:{minute:02}", t.month()),
        Locale::en => format!("{weekday} {day} {} {year}, {hour:02}:{minute:02}", t.format("%b")),
    }
}

/// A time zone as fans say it: China's (Asia/Shanghai, Asia/Urumqi keeps Beijing's clock
/// too) is "北京时间" / "Beijing time"; any other keeps its IANA name.
pub fn zone_label(tz: &str, locale: Locale) -> String {
    match tz {
        "Asia/Shanghai" | "Asia/Chongqing" | "Asia/Harbin" | "Asia/Urumqi" | "PRC" => td_string!(locale, common.beijing_time).to_string(),
        other => other.to_string(),
    }
}

/// "19:02": the local time of day in `tz` (a door's "already in at 19:02").
pub fn format_time(timestamp: i64, tz: &str) -> String {
    local(timestamp, tz).map(|t| t.format("%H:%M").to_string()).unwrap_or_default()
}

/// "2026-11-28 14:00", as a form's date-and-time field shows it (`infra::dates`).
pub fn format_input(timestamp: i64, tz: &str) -> String {
    local(timestamp, tz).map(|t| t.format(super::dates::DATE_TIME_FORMAT).to_string()).unwrap_or_default()
}

/// The calendar date of a unix time in the IANA time zone `tz`, "YYYY-MM-DD" (a date
/// typed for a city, stored as its midnight there, reads back as the date typed).
pub fn date_in(timestamp: i64, tz: &str) -> String {
    local(timestamp, tz).map_or_else(|| crate::text::date_label(timestamp), |t| t.format("%Y-%m-%d").to_string())
}

fn local(timestamp: i64, tz: &str) -> Option<chrono::DateTime<chrono_tz::Tz>> {
    let tz: chrono_tz::Tz = tz.parse().unwrap_or(chrono_tz::Asia::Shanghai);
    chrono::DateTime::from_timestamp(timestamp, 0).map(|t| t.with_timezone(&tz))
}

/// Reads a date and time as people type it ("2026-11-28 14:00", "2026-11-28T14:00",
/// "2026年11月28日 14:00": `dates::parse_date_time`) as local time in `tz`, into unix seconds.
pub fn parse_input(value: &str, tz: &str) -> Option<i64> {
    use chrono::TimeZone;
    let naive = super::dates::parse_date_time(value)?;
    let tz: chrono_tz::Tz = tz.parse().ok()?;
    tz.from_local_datetime(&naive).earliest().map(|t| t.timestamp())
}

/// Local midnight (in `tz`) of the day `timestamp` falls on.
pub fn local_day_start(timestamp: i64, tz: &str) -> i64 {
    local(timestamp, tz)
        .and_then(|t| t.date_naive().and_hms_opt(0, 0, 0).map(|midnight| (t.timezone(), midnight)))
        .and_then(|(tz, midnight)| {
            use chrono::TimeZone;
            tz.from_local_datetime(&midnight).earliest()
        })
        .map_or(timestamp, |t| t.timestamp())
}

/// The local year `timestamp` falls in (in `tz`) and the instant it began.
pub fn local_year_start(timestamp: i64, tz: &str) -> (i32, i64) {
    use chrono::{Datelike, TimeZone};
    let Some(t) = local(timestamp, tz) else { return (1970, 0) };
    let start = chrono::NaiveDate::from_ymd_opt(t.year(), 1, 1)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .and_then(|midnight| t.timezone().from_local_datetime(&midnight).earliest());
    (t.year(), start.map_or(0, |s| s.timestamp()))
}

/// When the month of `timestamp` began in `tz`.
pub fn local_month_start(timestamp: i64, tz: &str) -> i64 {
    use chrono::{Datelike, TimeZone};
    let Some(t) = local(timestamp, tz) else { return 0 };
    chrono::NaiveDate::from_ymd_opt(t.year(), t.month(), 1)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .and_then(|midnight| t.timezone().from_local_datetime(&midnight).earliest())
        .map_or(0, |s| s.timestamp())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_month_starts_at_local_midnight_on_the_first() {
        // 2026-12-04 10:00 UTC is 18:00 in Shanghai; the month began 2026-11-30 16:00 UTC.
        assert_eq!(local_month_start(1_796_378_400, "Asia/Shanghai"), 1_796_054_400);
    }

    #[test]
    fn chinas_zone_is_beijing_time() {
        assert_eq!(zone_label("Asia/Shanghai", Locale::zh_CN), "北京时间");
        assert_eq!(zone_label("Asia/Shanghai", Locale::en), "Beijing time");
        assert_eq!(zone_label("Europe/Berlin", Locale::en), "Europe/Berlin");
    }

    #[test]
    fn days_and_years_start_at_local_midnight() {
        let t = parse_input("2026-11-28T14:00", "Asia/Shanghai").unwrap();
        assert_eq!(local_day_start(t, "Asia/Shanghai"), parse_input("2026-11-28T00:00", "Asia/Shanghai").unwrap());
        assert_eq!(local_year_start(t, "Asia/Shanghai"), (2026, parse_input("2026-01-01T00:00", "Asia/Shanghai").unwrap()));
    }

    #[test]
    fn local_times_round_trip() {
        let t = parse_input("2026-11-28T14:00", "Asia/Shanghai").unwrap();
        assert_eq!(t, 1_795_845_600);
        assert_eq!(format_input(t, "Asia/Shanghai"), "2026-11-28 14:00");
        assert_eq!(parse_input(&format_input(t, "Asia/Shanghai"), "Asia/Shanghai"), Some(t));
        assert_eq!(parse_input("2026年11月28日 14:00", "Asia/Shanghai"), Some(t));
        assert_eq!(format_local(t, "Asia/Urumqi", Locale::en), "Sat 28 Nov 2026, 12:00");
        assert_eq!(format_local(t, "Asia/Urumqi", Locale::zh_CN), "2026年11月28日 周六 12:00");
        assert_eq!(parse_input("28/11/2026", "Asia/Shanghai"), None);
    }
}
