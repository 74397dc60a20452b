//! Dates and times as people type them. The forms' date and time fields are plain text
//! fields (a native date picker shows the browser's locale, often mm/dd/yyyy, whatever
//! the page's language), so the server reads what people write: year first, with `-`,
//! `/` or `.`, or 年月日; the time after a space or a `T`, as 19:00, 19点30, 7:30 pm or
//! 下午7点; full-width digits; a weekday (as the site prints dates) is skipped. Day and
//! month order is never guessed: 12/06/2026 is refused, and the field says the format.
use chrono::{NaiveDate, NaiveDateTime, NaiveTime};

/// How the fields show a date and time (and prefill them): "2026-12-06 19:00".
pub const DATE_TIME_FORMAT: &str = "%Y-%m-%d %H:%M";
/// How the fields show a date: "2026-12-06".
pub const DATE_FORMAT: &str = "%Y-%m-%d";

/// A day such as "2026-12-06", "2026/12/6", "2026.12.06" or "2026年12月6日".
pub fn parse_date(raw: &str) -> Option<NaiveDate> {
    let tokens = tokens(raw)?;
    match tokens.as_slice() {
        [date] => date_token(date),
        _ => None,
    }
}

/// A time of day such as "19:00", "19点", "7:30 pm" or "下午7点半".
pub fn parse_time(raw: &str) -> Option<NaiveTime> {
    let tokens = tokens(raw)?;
    time_tokens(&tokens)
}

/// A day and a time of day: "2026-12-06 19:00", "2026-12-06T19:00",
/// "2026/12/6 19:00", "2026年12月6日 周六 19:00", "2026-12-06 7pm".
pub fn parse_date_time(raw: &str) -> Option<NaiveDateTime> {
    let tokens = tokens(raw)?;
    let (date, time) = tokens.split_first()?;
    Some(date_token(date)?.and_time(time_tokens(time)?))
}

/// The words of `raw`, written with ASCII digits and separators: full-width forms become
/// ASCII, 年 and 月 become `-`, 日 ends the day, 时/点 become `:`, a `T` between digits a
/// space; weekdays are dropped and 上午/下午 become am/pm. `None` on anything else.
fn tokens(raw: &str) -> Option<Vec<String>> {
    let mut text = String::with_capacity(raw.len());
    let chars: Vec<char> = raw.chars().map(half_width).collect();
    for (i, &c) in chars.iter().enumerate() {
        let digit_around = |step: isize| {
            let j = i as isize + step;
            j >= 0 && chars.get(j as usize).is_some_and(|c| c.is_ascii_digit())
        };
        match c {
            '年' | '月' => text.push('-'),
            '日' | '号' | '號' | '分' | '秒' | ',' | '，' | '、' => text.push(' '),
            '时' | '時' | '点' | '點' => text.push(':'),
            '半' => text.push_str("30"),
            'T' | 't' if digit_around(-1) && digit_around(1) => text.push(' '),
            c => text.extend(c.to_lowercase()),
        }
    }
    let mut words = Vec::new();
    for word in text.split_whitespace() {
        let (period, rest) = chinese_period(word);
        if let Some(period) = period {
            words.push(period.to_string());
        }
        if rest.is_empty() || is_weekday(rest) {
            continue;
        }
        // "7pm", "7:30am": the period apart.
        match rest.strip_suffix("am").or_else(|| rest.strip_suffix("pm")) {
            Some(time) if !time.is_empty() && time.ends_with(|c: char| c.is_ascii_digit() || c == ':') => {
                words.push(time.to_string());
                words.push(rest[time.len()..].to_string());
            }
            _ => words.push(rest.to_string()),
        }
    }
    let allowed = |w: &String| w.chars().all(|c| c.is_ascii_digit() || matches!(c, '-' | '/' | '.' | ':')) || is_period(w);
    (!words.is_empty() && words.iter().all(allowed)).then_some(words)
}

fn half_width(c: char) -> char {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        '\u{3000}' => ' ',
        c => c,
    }
}

/// 上午 (morning) and the like written before a time, as "am" or "pm".
fn chinese_period(word: &str) -> (Option<&'static str>, &str) {
    const PERIODS: [(&str, &str); 8] =
        [("凌晨", "am"), ("早上", "am"), ("上午", "am"), ("中午", "noon"), ("下午", "pm"), ("傍晚", "pm"), ("晚上", "pm"), ("晚", "pm")];
    PERIODS
        .iter()
        .find_map(|(prefix, period)| word.strip_prefix(prefix).map(|rest| (Some(*period), rest)))
        .unwrap_or((None, word))
}

fn is_period(word: &str) -> bool {
    matches!(word, "am" | "pm" | "a.m." | "p.m." | "noon")
}

fn is_weekday(word: &str) -> bool {
    const EN: [&str; 7] = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"];
    let word = word.trim_end_matches('.');
    if let Some(day) = word.strip_prefix("周").or_else(|| word.strip_prefix("星期")).or_else(|| word.strip_prefix("礼拜")) {
        return matches!(day, "一" | "二" | "三" | "四" | "五" | "六" | "日" | "天" | " " | "");
    }
    word.len() >= 3 && word.is_ascii() && EN.iter().any(|day| day.starts_with(word))
}

/// Year first, then month and day: "2026-12-06", "2026/12/6", "2026.12.06", "20261206".
fn date_token(word: &str) -> Option<NaiveDate> {
    let parts: Vec<&str> = if word.len() == 8 && word.chars().all(|c| c.is_ascii_digit()) {
        vec![&word[..4], &word[4..6], &word[6..]]
    } else {
        word.split(['-', '/', '.']).collect()
    };
    match parts.as_slice() {
        [year, month, day] if year.len() == 4 && (1..=2).contains(&month.len()) && (1..=2).contains(&day.len()) => {
            NaiveDate::from_ymd_opt(number(year)?, number(month)?, number(day)?)
        }
        _ => None,
    }
}

/// "19:00", "19:00:00", "19:" (19点), "7 pm", "7:30 pm", "noon 1:" (中午1点).
fn time_tokens(words: &[String]) -> Option<NaiveTime> {
    let (clock, period) = match words {
        [clock] => (clock.as_str(), None),
        [clock, period] if is_period(period) => (clock.as_str(), Some(period.as_str())),
        [period, clock] if is_period(period) => (clock.as_str(), Some(period.as_str())),
        _ => return None,
    };
    let parts: Vec<&str> = clock.split([':', '.']).collect();
    let (hour, minute, second) = match parts.as_slice() {
        [h] => (*h, "", ""),
        [h, m] => (*h, *m, ""),
        [h, m, s] => (*h, *m, *s),
        _ => return None,
    };
    if !(1..=2).contains(&hour.len()) || minute.len() > 2 || second.len() > 2 || (minute.is_empty() && !second.is_empty()) {
        return None;
    }
    // A bare hour needs 点 or a period ("19" alone is too likely a mistake).
    if parts.len() == 1 && period.is_none() {
        return None;
    }
    let mut hour: u32 = number(hour)?;
    let minute: u32 = if minute.is_empty() { 0 } else { number(minute)? };
    let second: u32 = if second.is_empty() { 0 } else { number(second)? };
    match period {
        Some("am" | "a.m.") if (1..=12).contains(&hour) => hour %= 12,
        Some("pm" | "p.m.") if (1..=11).contains(&hour) => hour += 12,
        Some("pm" | "p.m." | "noon") if hour == 12 => {}
        Some("noon") if (1..=2).contains(&hour) => hour += 12,
        None => {}
        _ => return None,
    }
    NaiveTime::from_hms_opt(hour, minute, second)
}

fn number<T: std::str::FromStr>(digits: &str) -> Option<T> {
    if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Option<String> {
        parse_date_time(text).map(|t| t.format(DATE_TIME_FORMAT).to_string())
    }

    #[test]
    fn dates_and_times_are_read_as_people_write_them() {
        for text in [
            "2026-12-06 19:00",
            "2026-12-06T19:00",
            "2026-12-06t19:00:00",
            " 2026/12/6 19:00 ",
            "2026.12.06 19.00",
            "2026年12月6日 19:00",
            "2026年12月6日19:00",
            "2026年12月6日 周日 19:00",
            "2026年12月6日 星期日 19点",
            "2026年12月6日 晚上7点",
            "2026年12月6日 下午7:00",
            "２０２６－１２－０６　１９：００",
            "2026年12月6日 19时0分",
            "Sunday 2026-12-06 7pm",
            "2026-12-06 7:00 PM",
            "2026-12-06, 19:00",
            "20261206 19:00",
        ] {
            assert_eq!(at(text).as_deref(), Some("2026-12-06 19:00"), "{text}");
        }
        assert_eq!(at("2026年12月6日 19点半").as_deref(), Some("2026-12-06 19:30"));
        assert_eq!(at("2026-12-06 12am").as_deref(), Some("2026-12-06 00:00"));
        assert_eq!(at("2026-12-06 12pm").as_deref(), Some("2026-12-06 12:00"));
        assert_eq!(at("2026-12-06 中午12点").as_deref(), Some("2026-12-06 12:00"));
        assert_eq!(at("2026-12-06 中午1点").as_deref(), Some("2026-12-06 13:00"));
        assert_eq!(at("2026-12-06 上午9:05").as_deref(), Some("2026-12-06 09:05"));
        assert_eq!(at("2026-12-06 0:00").as_deref(), Some("2026-12-06 00:00"));
    }

    #[test]
    fn what_cannot_be_read_surely_is_refused() {
        for text in [
            "",
            "soon",
            "12/06/2026 19:00",
            "06.12.2026 19:00",
            "2026-12-06",
            "2026-12-06 19",
            "2026-13-01 10:00",
            "2026-02-30 10:00",
            "2026-12-06 25:00",
            "2026-12-06 19:60",
            "2026-12-06 13pm",
            "2026-12-06 19:00 tomorrow",
            "26-12-06 19:00",
            "+275760-09-13T00:00",
            "2026-12-06 19:000",
            "2026年12月 19:00",
            "2026-12-06 19:00:00:00",
        ] {
            assert_eq!(at(text), None, "{text}");
        }
    }

    #[test]
    fn days_alone() {
        let day = |text: &str| parse_date(text).map(|d| d.format(DATE_FORMAT).to_string());
        for text in ["2026-12-06", "2026/12/6", "2026.12.6", "2026年12月6日", "2026年12月6号", "2026年12月6日 周日", "２０２６年１２月６日", "2026-12-6 sun"] {
            assert_eq!(day(text).as_deref(), Some("2026-12-06"), "{text}");
        }
        for text in ["", "12/06/2026", "2026-12-06 19:00", "2026年12月", "6 Dec 2026", "2026-12-32"] {
            assert_eq!(day(text), None, "{text}");
        }
    }

    #[test]
    fn times_alone() {
        let time = |text: &str| parse_time(text).map(|t| t.format("%H:%M").to_string());
        for (text, want) in [("19:00", "19:00"), ("9:5", "09:05"), ("19点", "19:00"), ("下午2点半", "14:30"), ("2 pm", "14:00"), ("１４：００", "14:00")] {
            assert_eq!(time(text).as_deref(), Some(want), "{text}");
        }
        for text in ["", "19", "25:00", "x", "2026-12-06 19:00", "00:00 pm"] {
            assert_eq!(time(text), None, "{text}");
        }
    }
}
