//! The emails the site sends, each in plain text and HTML.
use super::OutgoingEmail;
use crate::infra::secrets::digest;

/// Escapes text for HTML element content and attribute values.
pub use crate::text::escape as escape_html;

fn html_page(greeting: &str, paragraphs: &[&str], link: Option<(&str, &str)>) -> String {
    let mut body = format!("<p>{}</p>", escape_html(greeting));
    for p in paragraphs {
        body.push_str(&format!("<p>{}</p>", escape_html(p)));
    }
    if let Some((label, url)) = link {
        let url = escape_html(url);
        body.push_str(&format!(
            "<p><a href=\"{url}\" style=\"display:inline-block;padding:10px 16px;background:#ff6700;color:#fff;text-decoration:none;border-radius:6px\">{}</a></p>\
             <p style=\"color:#666;font-size:13px\">{url}</p>",
            escape_html(label)
        ));
    }
    format!("<!doctype html><html><body style=\"font-family:sans-serif;line-height:1.5\">{body}<p style=\"color:#666\">— Tongcheng 同城会</p></body></html>")
}

fn text_page(greeting: &str, paragraphs: &[&str], link: Option<(&str, &str)>) -> String {
    let mut text = format!("{greeting}\n\n");
    for p in paragraphs {
        text.push_str(p);
        text.push_str("\n\n");
    }
    if let Some((label, url)) = link {
        text.push_str(&format!("{label}:\n{url}\n\n"));
    }
    text.push_str("— Tongcheng 同城会\n");
    text
}

struct Draft<'a> {
    kind: &'static str,
    key: String,
    to: &'a str,
    subject: String,
    greeting: String,
    paragraphs: Vec<&'a str>,
    link: Option<(&'a str, String)>,
}

impl Draft<'_> {
    fn build(self) -> OutgoingEmail {
        let link = self.link.as_ref().map(|(label, url)| (*label, url.as_str()));
        OutgoingEmail {
            kind: self.kind,
            idempotency_key: self.key,
            to: self.to.to_string(),
            subject: self.subject,
            text: text_page(&self.greeting, &self.paragraphs, link),
            html: html_page(&self.greeting, &self.paragraphs, link),
            event_id: None,
            attachments: Vec::new(),
        }
    }
}

pub fn verify_email(base_url: &str, to: &str, name: &str, secret: &str) -> OutgoingEmail {
    Draft {
        kind: "verify_email",
        // The key names the secret by its hash: the outbox keeps no usable link.
        key: format!("verify_email:{}", digest(secret)),
        to,
        subject: "Confirm your email for Tongcheng".into(),
        greeting: format!("Hello {name},"),
        paragraphs: vec!["Welcome to Tongcheng! Confirm your email address to count as a fan in your city and to sign up for meetups."],
        link: Some(("Confirm my email", format!("{base_url}/verify?token={secret}"))),
    }
    .build()
}

pub fn reset_password(base_url: &str, to: &str, name: &str, secret: &str) -> OutgoingEmail {
    Draft {
        kind: "reset_password",
        key: format!("reset_password:{}", digest(secret)),
        to,
        subject: "Reset your Tongcheng password".into(),
        greeting: format!("Hello {name},"),
        paragraphs: vec![
            "Someone (hopefully you) asked to reset the password of your Tongcheng account. The link works once, for one hour.",
            "If it wasn't you, ignore this email: your password stays as it is.",
        ],
        link: Some(("Choose a new password", format!("{base_url}/reset-password?token={secret}"))),
    }
    .build()
}

/// Sent instead of a second account when someone registers an address that already has
/// one, so the registration form never reveals which addresses are registered.
pub fn already_registered(base_url: &str, to: &str, name: &str, attempt_id: &str) -> OutgoingEmail {
    Draft {
        kind: "already_registered",
        key: format!("already_registered:{attempt_id}"),
        to,
        subject: "You already have a Tongcheng account".into(),
        greeting: format!("Hello {name},"),
        paragraphs: vec![
            "Someone tried to create a Tongcheng account with this email address, which already has one.",
            "If it was you, log in instead, or reset your password if you forgot it. If it wasn't, you can ignore this email.",
        ],
        link: Some(("Log in", format!("{base_url}/login"))),
    }
    .build()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup() {
        assert_eq!(escape_html("<b>\"Tom\" & 'Jerry'</b>"), "&lt;b&gt;&quot;Tom&quot; &amp; &#39;Jerry&#39;&lt;/b&gt;");
    }

    #[test]
    fn verification_has_link_in_both_parts_and_escapes_the_name() {
        let mail = verify_email("https://t.example", "a@b.cn", "<script>x</script>", "SECRET");
        let link = "https://t.example/verify?token=SECRET";
        assert!(mail.text.contains(link));
        assert!(mail.html.contains(link));
        assert!(mail.html.contains("&lt;script&gt;"));
        assert!(!mail.html.contains("<script>"));
        assert_eq!(mail.idempotency_key, format!("verify_email:{}", digest("SECRET")));
        assert!(!reset_password("https://t.example", "a@b.cn", "A", "SECRET").idempotency_key.contains("SECRET"));
    }
}
