//! Delivery: SMTP through lettre's pooled async transport, or the local mailbox when no
//! SMTP server is configured (the message stays in the outbox for staff to read).
use super::outbox::{Claimed, DeliveryError, SEND_TIMEOUT_SECS};
use lettre::message::header::{ContentType, HeaderName, HeaderValue};
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::time::Duration;

/// Caps messages per second to what the mail provider allows (per process).
type SendRate = std::sync::Arc<governor::DefaultDirectRateLimiter>;

#[derive(Clone)]
pub enum Mailer {
    Smtp { transport: AsyncSmtpTransport<Tokio1Executor>, from: Mailbox, rate: Option<SendRate> },
    Local,
}

impl Mailer {
    pub fn from_config(smtp_url: Option<&str>, from: &str) -> Result<Mailer, String> {
        let Some(url) = smtp_url else {
            return Ok(Mailer::Local);
        };
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| format!("SMTP_URL: {e}"))?
            .timeout(Some(Duration::from_secs(SEND_TIMEOUT_SECS as u64)))
            .build();
        let from = from.parse().map_err(|e| format!("MAIL_FROM: {e}"))?;
        Ok(Mailer::Smtp { transport, from, rate: None })
    }

    /// Sends at most `per_second` messages a second (`None`: as fast as the server takes them).
    pub fn with_rate_limit(self, per_second: Option<u32>) -> Mailer {
        match (self, per_second.and_then(std::num::NonZeroU32::new)) {
            (Mailer::Smtp { transport, from, .. }, Some(n)) => {
                let rate = governor::RateLimiter::direct(governor::Quota::per_second(n));
                Mailer::Smtp { transport, from, rate: Some(std::sync::Arc::new(rate)) }
            }
            (mailer, _) => mailer,
        }
    }

    /// Where delivered messages went, recorded on the outbox row.
    pub fn via(&self) -> &'static str {
        match self {
            Mailer::Smtp { .. } => "smtp",
            Mailer::Local => "local",
        }
    }

    pub async fn deliver(&self, message: &Claimed) -> Result<(), DeliveryError> {
        let Mailer::Smtp { transport, from, rate } = self else {
            return Ok(());
        };
        if let Some(rate) = rate {
            rate.until_ready().await;
        }
        // A bare address, never a display-name form that could name another mailbox.
        let address = message.recipient.parse::<lettre::Address>().map_err(|e| DeliveryError::permanent(format!("bad recipient: {e}")))?;
        let to = Mailbox::new(None, address);
        let domain = from.email.domain().to_string();
        let mut builder = Message::builder()
            .from(from.clone())
            .to(to)
            .subject(one_line(&message.subject))
            // Derived from the outbox id: a retried message keeps its Message-ID, so
            // receivers can drop a duplicate delivery.
            .message_id(Some(format!("<outbox-{}@{domain}>", message.id)));
        for header in unsubscribe_headers(message.list_unsubscribe.as_deref()) {
            builder = builder.raw_header(header);
        }
        let email = builder
            .multipart(body(message).map_err(DeliveryError::permanent)?)
            .map_err(|e| DeliveryError::permanent(format!("cannot build message: {e}")))?;
        transport.send(email).await.map(|_| ()).map_err(|e| {
            // 5xx answers (unknown mailbox, refused) will not change on a retry.
            if e.is_permanent() {
                DeliveryError::permanent(e.to_string())
            } else {
                DeliveryError::transient(e.to_string())
            }
        })
    }
}

/// A subject on one line: line breaks and other control characters become spaces, so
/// no text (an event title, an organizer's subject) can start a header of its own.
/// (lettre encodes them anyway; this keeps the subject readable.)
pub fn one_line(subject: &str) -> String {
    subject.chars().map(|c| if c.is_control() { ' ' } else { c }).collect()
}

/// `List-Unsubscribe` and `List-Unsubscribe-Post` (RFC 2369, RFC 8058) for bulk mail:
/// one https (or http, in development) URL without spaces or controls, else none.
fn unsubscribe_headers(url: Option<&str>) -> Vec<HeaderValue> {
    let Some(url) = url.filter(|u| (u.starts_with("https://") || u.starts_with("http://")) && !u.chars().any(|c| c.is_whitespace() || c.is_control() || c == '>')) else {
        return Vec::new();
    };
    let header = |name: &str, value: String| HeaderName::new_from_ascii(name.to_string()).ok().map(|name| HeaderValue::new(name, value));
    [header("List-Unsubscribe", format!("<{url}>")), header("List-Unsubscribe-Post", "List-Unsubscribe=One-Click".to_string())].into_iter().flatten().collect()
}

/// Plain text and HTML alternatives (the HTML with its inline images), plus any files.
fn body(message: &Claimed) -> Result<MultiPart, String> {
    let (inline, files): (Vec<_>, Vec<_>) = message.attachments.iter().partition(|f| f.content_id.is_some());
    let html = SinglePart::html(message.body_html.clone());
    let alternatives = if inline.is_empty() {
        MultiPart::alternative().singlepart(SinglePart::plain(message.body_text.clone())).singlepart(html)
    } else {
        let mut related = MultiPart::related().singlepart(html);
        for file in inline {
            let (content, content_type) = content(file)?;
            related = related.singlepart(Attachment::new_inline_with_name(file.content_id.clone().unwrap_or_default(), file.filename.clone()).body(content, content_type));
        }
        MultiPart::alternative().singlepart(SinglePart::plain(message.body_text.clone())).multipart(related)
    };
    if files.is_empty() {
        return Ok(alternatives);
    }
    let mut mixed = MultiPart::mixed().multipart(alternatives);
    for file in files {
        let (content, content_type) = content(file)?;
        mixed = mixed.singlepart(Attachment::new(file.filename.clone()).body(content, content_type));
    }
    Ok(mixed)
}

/// A file's bytes and type; a QR code is drawn now, as PNG or SVG by its type.
fn content(file: &crate::email::Attachment) -> Result<(Vec<u8>, ContentType), String> {
    let content_type = ContentType::parse(&file.content_type).map_err(|e| format!("attachment type: {e}"))?;
    let content = match &file.qr_code_of {
        Some(text) if file.content_type == "image/png" => super::qr_png(text).ok_or("QR code text too long")?,
        Some(text) => super::qr_svg(text).ok_or("QR code text too long")?.into_bytes(),
        None => file.content.clone().into_bytes(),
    };
    Ok((content, content_type))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subjects_stay_on_one_line() {
        assert_eq!(one_line("Hi\r\nBcc: evil@example.com"), "Hi  Bcc: evil@example.com");
        assert_eq!(one_line("见面会 <b>"), "见面会 <b>");
    }

    #[test]
    fn only_plain_web_links_become_unsubscribe_headers() {
        assert_eq!(unsubscribe_headers(Some("https://t.example/unsubscribe?token=ab")).len(), 2);
        assert!(unsubscribe_headers(None).is_empty());
        for bad in ["mailto:x@y.cn", "https://t.example/a\r\nBcc: x", "https://t.example/a>b", "https://t.example/a b"] {
            assert!(unsubscribe_headers(Some(bad)).is_empty(), "{bad:?}");
        }
    }
}
