//! Formatted descriptions, rendered safely: everything is escaped first, then a small
//! set of markup is recognised (paragraphs, line breaks, `- ` lists, `**bold**`,
//! `*italic*`, and http(s) links). No HTML from the author ever reaches the page.

/// The UTC calendar date of a unix time, "YYYY-MM-DD" (meetups are held in the
/// afternoon, so in China's time zones it is the local date too).
pub fn date_label(timestamp: i64) -> String {
    // Howard Hinnant's days-to-civil algorithm.
    let z = timestamp.div_euclid(86_400) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

/// Percent-encodes a path and query for use as a URL parameter (keeps `/` readable).
pub fn url_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => out.push(char::from(byte)),
            other => out.push_str(&format!("%{other:02X}")),
        }
    }
    out
}

/// Escapes text for HTML element content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// Wraps text between pairs of `marker` in `tag` (on already-escaped text); with no
/// tag (`""`), only drops the markers that would have made one.
fn emphasis(text: &str, marker: &str, tag: &str) -> String {
    let (open_tag, close_tag) = if tag.is_empty() { (String::new(), String::new()) } else { (format!("<{tag}>"), format!("</{tag}>")) };
    let parts: Vec<&str> = text.split(marker).collect();
    if parts.len() < 3 {
        return text.to_string();
    }
    let mut out = String::new();
    let mut open = false;
    for (i, part) in parts.iter().enumerate() {
        if i == 0 {
            out.push_str(part);
            continue;
        }
        // A marker opens emphasis when text follows it and a closing marker exists.
        let closes_later = i + 1 < parts.len();
        if !open && closes_later && !part.is_empty() && !part.starts_with(' ') {
            out.push_str(&open_tag);
            out.push_str(part);
            open = true;
        } else if open {
            out.push_str(&close_tag);
            out.push_str(part);
            open = false;
        } else {
            out.push_str(marker);
            out.push_str(part);
        }
    }
    if open {
        // Unreachable by construction, but never leave a tag unclosed.
        out.push_str(&close_tag);
    }
    out
}

/// Turns http(s) URLs (already escaped) into links that leave the site safely.
fn links(text: &str) -> String {
    text.split(' ')
        .map(|word| {
            if (word.starts_with("http://") || word.starts_with("https://")) && word.len() > 8 {
                format!("<a href=\"{word}\" rel=\"nofollow noopener\" target=\"_blank\">{word}</a>")
            } else {
                word.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn inline(line: &str) -> String {
    links(&emphasis(&emphasis(&escape(line), "**", "strong"), "*", "em"))
}

/// The description as plain text (a calendar's notes): its emphasis marks dropped as
/// `render` would have turned them into emphasis; lists and links stay as typed.
pub fn plain(text: &str) -> String {
    text.replace("\r\n", "\n").lines().map(|line| emphasis(&emphasis(line, "**", ""), "*", "")).collect::<Vec<_>>().join("\n")
}

/// The description as safe HTML.
pub fn render(text: &str) -> String {
    let normalized = text.replace("\r\n", "\n");
    let mut html = String::new();
    for block in normalized.split("\n\n").map(str::trim).filter(|b| !b.is_empty()) {
        let lines: Vec<&str> = block.lines().map(str::trim).collect();
        if lines.iter().all(|l| l.starts_with("- ")) {
            html.push_str("<ul>");
            for line in lines {
                html.push_str(&format!("<li>{}</li>", inline(&line[2..])));
            }
            html.push_str("</ul>");
        } else {
            html.push_str(&format!("<p>{}</p>", lines.iter().map(|l| inline(l)).collect::<Vec<_>>().join("<br>")));
        }
    }
    html
}

#[cfg(test)]
mod tests {
    use super::{plain, render};

    #[test]
    fn markup_is_rendered() {
        assert_eq!(render("Hello **fans**\nsee *you*"), "<p>Hello <strong>fans</strong><br>see <em>you</em></p>");
        assert_eq!(render("a\n\n- one\n- two"), "<p>a</p><ul><li>one</li><li>two</li></ul>");
        assert_eq!(
            render("map: https://example.com/x?a=1&b=2"),
            "<p>map: <a href=\"https://example.com/x?a=1&amp;b=2\" rel=\"nofollow noopener\" target=\"_blank\">https://example.com/x?a=1&amp;b=2</a></p>"
        );
    }

    #[test]
    fn html_and_script_injection_become_harmless_text() {
        let html = render("<script>alert(1)</script> <img src=x onerror=alert(1)> \"quoted\"");
        assert!(!html.contains("<script") && !html.contains("<img"));
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        let link = render("javascript:alert(1) \"><script>x</script>");
        assert!(!link.contains("href=\"javascript") && !link.contains("<script"));
        let attribute = render("https://x.cn/\"onmouseover=\"alert(1)");
        assert!(!attribute.contains("\"onmouseover"), "{attribute}");
    }

    #[test]
    fn unmatched_markers_stay_literal() {
        assert_eq!(render("2 * 3 = 6"), "<p>2 * 3 = 6</p>");
        assert_eq!(render("**open"), "<p>**open</p>");
        assert_eq!(plain("**欢迎**来玩\n- see *you*\n2 * 3 = 6"), "欢迎来玩\n- see you\n2 * 3 = 6");
    }
}
