//! Email: every message is written to the outbox in the transaction that causes it,
//! and a background worker delivers it (SMTP, or the local mailbox without SMTP).
pub mod api;
#[cfg(feature = "ssr")]
pub mod copies;
#[cfg(feature = "ssr")]
pub mod mailer;
#[cfg(feature = "ssr")]
pub mod outbox;
#[cfg(feature = "ssr")]
pub mod qr;
#[cfg(feature = "ssr")]
pub mod retention;
#[cfg(feature = "ssr")]
pub mod retries;
#[cfg(feature = "ssr")]
pub mod rush;
#[cfg(feature = "ssr")]
pub mod templates;
#[cfg(feature = "ssr")]
pub mod withdrawal;
#[cfg(feature = "ssr")]
pub mod worker;

use serde::{Deserialize, Serialize};

/// A message ready for the outbox.
#[cfg(feature = "ssr")]
#[derive(Debug, Clone)]
pub struct OutgoingEmail {
    pub kind: &'static str,
    /// Enqueuing the same key twice is a no-op.
    pub idempotency_key: String,
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
    /// The meetup the message is about, if any (for per-meetup delivery counts).
    pub event_id: Option<i64>,
    pub attachments: Vec<Attachment>,
    /// Bulk mail: the recipient's unsubscribe URL (`List-Unsubscribe`), also linked in
    /// the text and HTML (`templates::unsubscribable`). In a message copied per fan in
    /// SQL it holds `templates::UNSUBSCRIBE_TOKEN`, which each copy replaces with its
    /// fan's secret. `None` for mail about the fan's own places and account.
    pub list_unsubscribe: Option<String>,
}

/// A file sent with a message, e.g. a calendar invitation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Attachment {
    pub filename: String,
    pub content_type: String,
    pub content: String,
    /// When set, the file is a QR code of this text (PNG or SVG by `content_type`), drawn
    /// at delivery: drawing one takes about 0.15 ms (`qr`), too long to spend inside a sign-up
    /// transaction.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub qr_code_of: Option<String>,
    /// Shown in the HTML (`<img src="cid:…">`) rather than as a file beside it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_id: Option<String>,
}

impl Attachment {
    pub fn file(filename: &str, content_type: &str, content: String) -> Attachment {
        Attachment { filename: filename.into(), content_type: content_type.into(), content, qr_code_of: None, content_id: None }
    }

    /// A QR code of `text` as a PNG in the message's HTML, referred to as `cid:{content_id}`.
    pub fn inline_qr_code(filename: &str, content_id: &str, text: String) -> Attachment {
        Attachment { filename: filename.into(), content_type: "image/png".into(), content: String::new(), qr_code_of: Some(text), content_id: Some(content_id.into()) }
    }
}

/// An SVG QR code of `text`, at least 180 px square; `None` if the text is too long.
#[cfg(feature = "ssr")]
pub fn qr_svg(text: &str) -> Option<String> {
    let (width, modules) = qr::encode(text.as_bytes())?;
    Some(qrcode::render::Renderer::<qrcode::render::svg::Color<'_>>::new(&modules, width, QUIET_ZONE as u32).min_dimensions(180, 180).build())
}

/// Pixels per QR module in the PNG, and the quiet zone around it (in modules): a ticket's
/// code (version 4–5) comes out about 300 px square, readable at arm's length off a phone.
#[cfg(feature = "ssr")]
const PNG_MODULE: usize = 8;
#[cfg(feature = "ssr")]
const QUIET_ZONE: usize = 4;

/// A PNG QR code of `text` (black on white, greyscale); `None` if the text is too long.
#[cfg(feature = "ssr")]
pub fn qr_png(text: &str) -> Option<Vec<u8>> {
    let (width, colours) = qr::encode(text.as_bytes())?;
    let side = (width + 2 * QUIET_ZONE) * PNG_MODULE;
    let mut pixels = vec![255u8; side * side];
    for (i, colour) in colours.iter().enumerate() {
        if *colour != qrcode::Color::Dark {
            continue;
        }
        let (x0, y0) = ((i % width + QUIET_ZONE) * PNG_MODULE, (i / width + QUIET_ZONE) * PNG_MODULE);
        for row in pixels[y0 * side..].chunks_mut(side).take(PNG_MODULE) {
            row[x0..x0 + PNG_MODULE].fill(0);
        }
    }
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, side as u32, side as u32);
    encoder.set_color(png::ColorType::Grayscale);
    encoder.set_depth(png::BitDepth::Eight);
    // A ticket's code is drawn while sign-up is busy (each confirmed fan's mail): rows
    // repeat, so "same as the row above" and the fastest deflate make it small in a
    // tenth of the default's time (the default spent ~1 ms of a core per ticket).
    encoder.set_compression(png::Compression::Fast);
    encoder.set_filter(png::Filter::Up);
    encoder.write_header().ok()?.write_image_data(&pixels).ok()?;
    Some(out)
}

/// One outbox row as the staff mailbox lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct MailSummary {
    pub id: i64,
    pub recipient: String,
    pub subject: String,
    pub status: String,
    pub attempts: i64,
    pub created_at: i64,
    pub delivered_via: Option<String>,
}

/// A message that could not be delivered, for the staff delivery page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct FailedMail {
    pub id: i64,
    pub recipient: String,
    pub subject: String,
    pub attempts: i64,
    pub created_at: i64,
    pub last_error: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct MailMessage {
    #[cfg_attr(feature = "ssr", sqlx(flatten))]
    pub summary: MailSummary,
    pub body_text: String,
    pub last_error: Option<String>,
}

/// Splits text into plain pieces and links, so the mailbox can make links clickable
/// without rendering the email's HTML.
pub fn split_links(text: &str) -> Vec<(bool, &str)> {
    let mut pieces = Vec::new();
    let mut rest = text;
    while let Some(start) = ["http://", "https://"].iter().filter_map(|p| rest.find(p)).min() {
        let end = rest[start..].find(char::is_whitespace).map_or(rest.len(), |e| start + e);
        if start > 0 {
            pieces.push((false, &rest[..start]));
        }
        pieces.push((true, &rest[start..end]));
        rest = &rest[end..];
    }
    if !rest.is_empty() {
        pieces.push((false, rest));
    }
    pieces
}

#[cfg(test)]
mod tests {
    use super::split_links;

    #[test]
    fn finds_links_in_text() {
        let text = "Open:\nhttp://x.cn/verify?token=a_b-c\n\nthanks https://y.cn";
        assert_eq!(
            split_links(text),
            vec![(false, "Open:\n"), (true, "http://x.cn/verify?token=a_b-c"), (false, "\n\nthanks "), (true, "https://y.cn")]
        );
        assert_eq!(split_links("no links"), vec![(false, "no links")]);
    }
}
