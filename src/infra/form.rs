//! Reading form fields on the server: each reader records a message for its field in
//! `FieldErrors` instead of failing, so one answer lists every mistake. Text never
//! carries control characters (they would end up in emails, CSV and calendar files);
//! only multi-line fields keep line breaks and tabs.
use super::clock::parse_input;
use crate::error::FieldErrors;


fn read(errors: &mut FieldErrors, field: &str, value: &str, max: usize, required: bool, multiline: bool) -> String {
    let value = value.trim();
    if required && value.is_empty() {
        errors.add(field, crate::msg!(errors.fill_in));
    } else if value.chars().count() > max {
        errors.add(field, crate::msg!(errors.at_most_chars, max = max));
    } else if value.chars().any(|c| c.is_control() && !(multiline && matches!(c, '\n' | '\t'))) {
        errors.add(field, if multiline { crate::msg!(errors.control_chars) } else { crate::msg!(errors.one_line) });
    }
    value.to_string()
}

/// Trimmed one-line text of at most `max` characters; required fields must not be empty.
pub fn text(errors: &mut FieldErrors, field: &str, value: &str, max: usize, required: bool) -> String {
    read(errors, field, value, max, required, false)
}

/// Trimmed text from a text area: browsers send line breaks as CRLF, kept as LF; a lone
/// CR or any other control character except tab is refused.
pub fn multiline(errors: &mut FieldErrors, field: &str, value: &str, max: usize, required: bool) -> String {
    read(errors, field, &value.replace("\r\n", "\n"), max, required, true)
}

/// A `datetime-local` value read as local time in `tz`; `None` when empty or wrong.
pub fn local_time(errors: &mut FieldErrors, field: &str, value: &str, tz: &str, required: bool) -> Option<i64> {
    if value.trim().is_empty() {
        if required {
            errors.add(field, crate::msg!(errors.choose_date_time));
        }
        return None;
    }
    let parsed = parse_input(value, tz);
    if parsed.is_none() {
        errors.add(field, crate::msg!(errors.date_time_format));
    }
    parsed
}

/// Whether a destructive form's confirmation box was ticked
/// (`components::form::confirm_checkbox`); a message beside it when not. Browsers send
/// a ticked box as `confirm=on` and leave an unticked one out.
pub fn confirmed(errors: &mut FieldErrors, confirm: Option<&str>) -> bool {
    let ticked = confirm.is_some_and(|value| !value.trim().is_empty());
    if !ticked {
        errors.add(crate::components::form::CONFIRM, crate::msg!(errors.confirm_unticked));
    }
    ticked
}

/// `confirmed` for a form whose only check is the box: `Err` with the message beside it.
pub fn require_confirmation(confirm: Option<&str>) -> Result<(), crate::error::AppError> {
    let mut errors = FieldErrors::default();
    confirmed(&mut errors, confirm);
    errors.into_result()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_record_their_own_mistakes() {
        let mut errors = FieldErrors::default();
        assert_eq!(text(&mut errors, "title", "  Hi  ", 10, true), "Hi");
        text(&mut errors, "venue", " ", 10, true);
        text(&mut errors, "address", "x".repeat(11).as_str(), 10, false);
        assert_eq!(local_time(&mut errors, "starts", "", "Asia/Shanghai", false), None);
        local_time(&mut errors, "ends", "soon", "Asia/Shanghai", false);
        assert_eq!(local_time(&mut errors, "opens", "2026-11-28T14:00", "Asia/Shanghai", true), Some(1_795_845_600));
        assert_eq!(errors.get("venue").map(|t| t.en.as_str()), Some("Fill this in."));
        assert_eq!(errors.get("venue").map(|t| t.zh.as_str()), Some("请填写此项。"));
        assert!(errors.get("address").is_some() && errors.get("ends").is_some());
        assert!(errors.get("title").is_none() && errors.get("starts").is_none() && errors.get("opens").is_none());
    }

    #[test]
    fn control_characters_are_refused() {
        let mut errors = FieldErrors::default();
        text(&mut errors, "title", "Party\r\nBEGIN:VEVENT", 100, true);
        text(&mut errors, "venue", "Cafe\u{7}", 100, true);
        text(&mut errors, "address", "Road\t1", 100, false);
        multiline(&mut errors, "description", "one\rtwo", 100, false);
        multiline(&mut errors, "details", "bell\u{1b}[31m", 100, false);
        for field in ["title", "venue", "address", "description", "details"] {
            assert!(errors.get(field).is_some(), "{field}");
        }
    }

    #[test]
    fn text_areas_keep_their_lines() {
        let mut errors = FieldErrors::default();
        assert_eq!(multiline(&mut errors, "description", "Line one\r\n\tLine two\n", 100, true), "Line one\n\tLine two");
        assert!(errors.is_empty());
    }

    #[test]
    fn a_destructive_form_needs_its_box_ticked() {
        assert!(require_confirmation(Some("on")).is_ok());
        for unticked in [None, Some(""), Some(" ")] {
            let error = require_confirmation(unticked).expect_err("refused");
            assert_eq!(error.field_text("confirm").map(|t| (t.zh.as_str(), t.en.as_str())), Some(("请先勾选确认。", "Tick the box to confirm.")));
        }
        let mut errors = FieldErrors::default();
        text(&mut errors, "title", "", 10, true);
        assert!(!confirmed(&mut errors, None));
        assert!(errors.get("title").is_some() && errors.get("confirm").is_some(), "both, in one answer");
    }
}
