//! The emails the site sends, each in plain text and HTML, in the reader's language.
//! Every email goes out in its recipient's language (`users.locale`), whoever caused it:
//! a builder that knows the recipient's language takes it; the others write the message
//! in every language (`Localized`) and the outbox queues the recipient's copy.
use super::OutgoingEmail;
use crate::i18n::{td_string, Locale};
use crate::infra::secrets::digest;
use leptos_i18n::Locale as _;

/// Escapes text for HTML element content and attribute values.
pub use crate::text::escape as escape_html;

/// An email's words: a greeting, paragraphs (line breaks kept) and at most one button,
/// laid out the same way in the plain-text and the HTML part.
pub struct Body<'a> {
    pub greeting: String,
    pub paragraphs: Vec<String>,
    /// The button: its label and its link.
    pub link: Option<(&'a str, &'a str)>,
}

impl Body<'_> {
    pub fn text(&self, locale: Locale) -> String {
        let mut text = format!("{}\n\n", self.greeting);
        for p in &self.paragraphs {
            text.push_str(p);
            text.push_str("\n\n");
        }
        if let Some((label, url)) = self.link {
            text.push_str(&format!("{}\n{url}\n\n", td_string!(locale, email.link, label = label)));
        }
        text.push_str(td_string!(locale, email.signature));
        text.push('\n');
        text
    }

    pub fn html(&self, locale: Locale) -> String {
        let paragraph = |text: &str| format!("<p>{}</p>", escape_html(text).replace('\n', "<br>"));
        let mut body = paragraph(&self.greeting);
        for p in &self.paragraphs {
            body.push_str(&paragraph(p));
        }
        if let Some((label, url)) = self.link {
            let url = escape_html(url);
            body.push_str(&format!(
                "<p><a href=\"{url}\" style=\"display:inline-block;padding:10px 16px;background:#ff6700;color:#fff;text-decoration:none;border-radius:6px\">{}</a></p>\
                 <p style=\"color:#666;font-size:13px;word-break:break-all\">{url}</p>",
                escape_html(label)
            ));
        }
        format!(
            "<!doctype html><html lang=\"{}\"><body style=\"font-family:sans-serif;line-height:1.6\">{body}<p style=\"color:#666\">{}</p></body></html>",
            locale.as_str(),
            escape_html(td_string!(locale, email.signature))
        )
    }
}

/// An email to one address in one language, without attachments.
pub fn message(locale: Locale, kind: &'static str, key: String, to: &str, subject: String, body: &Body<'_>) -> OutgoingEmail {
    OutgoingEmail {
        kind,
        idempotency_key: key,
        to: to.to_string(),
        subject,
        text: body.text(locale),
        html: body.html(locale),
        event_id: None,
        attachments: Vec::new(),
        list_unsubscribe: None,
    }
}

/// Stands for the fan's unsubscribe secret in a message copied per fan in SQL
/// (`email::copies`); each copy gets its fan's. Random per process: text a fan or an
/// officer wrote into the message cannot name it (and so cannot carry each reader's
/// secret to a link of theirs), whatever braces it holds.
pub static UNSUBSCRIBE_TOKEN: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| placeholder("unsubscribe"));

/// `{{name-<32 random hex digits>}}`: safe inside SQL quotes, HTML and a URL as it is.
pub fn placeholder(name: &str) -> String {
    use rand::Rng;
    let secret: u128 = rand::rngs::OsRng.gen();
    format!("{{{{{name}-{secret:032x}}}}}")
}

/// Makes `mail` bulk mail: a line with the unsubscribe link at the end of its text and
/// HTML, and the link as its `List-Unsubscribe`. `url` is the fan's link
/// (`accounts::unsubscribe::url`), or, for a message copied per fan, one made with
/// `UNSUBSCRIBE_TOKEN`.
pub fn unsubscribable(mut mail: OutgoingEmail, locale: Locale, url: &str) -> OutgoingEmail {
    let why = td_string!(locale, email.unsubscribe.why);
    mail.text.push_str(&format!("\n{why}\n{}\n", td_string!(locale, email.unsubscribe.text, url = url)));
    let footer = format!(
        "<p style=\"color:#666;font-size:13px\">{} <a href=\"{}\">{}</a></p></body>",
        escape_html(why),
        escape_html(url),
        escape_html(td_string!(locale, email.unsubscribe.link))
    );
    mail.html = mail.html.replacen("</body>", &footer, 1);
    mail.list_unsubscribe = Some(url.to_string());
    mail
}

/// `unsubscribable` for a message copied per fan in SQL (each copy gets its fan's link).
pub fn unsubscribable_copy(mail: OutgoingEmail, locale: Locale, base_url: &str) -> OutgoingEmail {
    unsubscribable(mail, locale, &crate::accounts::unsubscribe::url(base_url, &UNSUBSCRIBE_TOKEN))
}

/// One message written in every language of the catalogue. The outbox queues, for each
/// recipient, the copy in their language (`outbox::enqueue`, `outbox::enqueue_copies`).
#[derive(Debug, Clone)]
pub struct Localized {
    pub kind: &'static str,
    /// One copy per language, the default (Chinese) first.
    copies: Vec<(Locale, OutgoingEmail)>,
}

impl Localized {
    /// Writes the message once per language.
    pub fn build(mut write: impl FnMut(Locale) -> OutgoingEmail) -> Localized {
        let mut locales = Locale::get_all().to_vec();
        // The default first: it is the copy for languages without one.
        locales.sort_by_key(|l| *l != Locale::default());
        let copies: Vec<(Locale, OutgoingEmail)> = locales.into_iter().map(|l| (l, write(l))).collect();
        Localized { kind: copies[0].1.kind, copies }
    }

    /// The copy in `locale`.
    pub fn get(&self, locale: Locale) -> &OutgoingEmail {
        self.copies.iter().find(|(l, _)| *l == locale).map_or(&self.copies[0].1, |(_, mail)| mail)
    }

    pub fn copies(&self) -> &[(Locale, OutgoingEmail)] {
        &self.copies
    }
}

pub fn verify_email(base_url: &str, to: &str, name: &str, secret: &str) -> Localized {
    let url = format!("{base_url}/verify?token={secret}");
    Localized::build(|l| {
        let body = Body {
            greeting: td_string!(l, email.hello_name, name = name).to_string(),
            paragraphs: vec![td_string!(l, email.verify.welcome).into()],
            link: Some((td_string!(l, email.verify.button), &url)),
        };
        // The key names the secret by its hash: the outbox keeps no usable link.
        message(l, "verify_email", format!("verify_email:{}", digest(secret)), to, td_string!(l, email.verify.subject).into(), &body)
    })
}

pub fn reset_password(base_url: &str, to: &str, name: &str, secret: &str) -> Localized {
    let url = format!("{base_url}/reset-password?token={secret}");
    Localized::build(|l| {
        let body = Body {
            greeting: td_string!(l, email.hello_name, name = name).to_string(),
            paragraphs: vec![td_string!(l, email.reset.asked).into(), td_string!(l, email.reset.not_you).into()],
            link: Some((td_string!(l, email.reset.button), &url)),
        };
        message(l, "reset_password", format!("reset_password:{}", digest(secret)), to, td_string!(l, email.reset.subject).into(), &body)
    })
}

/// Sent instead of a second account when someone registers an address that already has
/// one, so the registration form never reveals which addresses are registered.
pub fn already_registered(base_url: &str, to: &str, name: &str, attempt_id: &str) -> Localized {
    let url = format!("{base_url}/login");
    Localized::build(|l| {
        let body = Body {
            greeting: td_string!(l, email.hello_name, name = name).to_string(),
            paragraphs: vec![td_string!(l, email.already_registered.tried).into(), td_string!(l, email.already_registered.next).into()],
            link: Some((td_string!(l, email.already_registered.button), &url)),
        };
        message(l, "already_registered", format!("already_registered:{attempt_id}"), to, td_string!(l, email.already_registered.subject).into(), &body)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_cannot_be_guessed() {
        assert_ne!(placeholder("number"), placeholder("number"), "random each time");
        assert!(UNSUBSCRIBE_TOKEN.starts_with("{{unsubscribe-") && UNSUBSCRIBE_TOKEN.len() == 2 + 12 + 32 + 2);
        assert!(UNSUBSCRIBE_TOKEN.chars().all(|c| c.is_ascii_alphanumeric() || "{}-".contains(c)), "as it is in SQL quotes, HTML and URLs");
    }

    #[test]
    fn escapes_markup() {
        assert_eq!(escape_html("<b>\"Tom\" & 'Jerry'</b>"), "&lt;b&gt;&quot;Tom&quot; &amp; &#39;Jerry&#39;&lt;/b&gt;");
    }

    #[test]
    fn verification_has_link_in_both_parts_and_escapes_the_name() {
        let mail = verify_email("https://t.example", "a@b.cn", "<script>x</script>", "SECRET");
        let link = "https://t.example/verify?token=SECRET";
        for (_, mail) in mail.copies() {
            assert!(mail.text.contains(link));
            assert!(mail.html.contains(link));
            assert!(mail.html.contains("&lt;script&gt;"));
            assert!(!mail.html.contains("<script>"));
            assert_eq!(mail.idempotency_key, format!("verify_email:{}", digest("SECRET")));
        }
        assert!(!reset_password("https://t.example", "a@b.cn", "A", "SECRET").get(Locale::en).idempotency_key.contains("SECRET"));
    }

    #[test]
    fn bulk_mail_links_its_unsubscribe_page_in_text_html_and_header() {
        let body = Body { greeting: "Hi".into(), paragraphs: vec![], link: None };
        let url = "https://t.example/unsubscribe?token=abc&x=<y>";
        let mail = unsubscribable(message(Locale::en, "invitation", "k".into(), "a@b.cn", "S".into(), &body), Locale::en, url);
        assert!(mail.text.ends_with(&format!("Unsubscribe: {url}\n")), "{}", mail.text);
        assert!(mail.html.contains("<a href=\"https://t.example/unsubscribe?token=abc&amp;x=&lt;y&gt;\">Unsubscribe</a></p></body></html>"), "{}", mail.html);
        assert_eq!(mail.list_unsubscribe.as_deref(), Some(url));
        assert_eq!(message(Locale::en, "ticket", "k".into(), "a@b.cn", "S".into(), &body).list_unsubscribe, None, "other mail is not bulk");
    }

    #[test]
    fn every_email_is_written_in_each_language() {
        let mail = reset_password("https://t.example", "a@b.cn", "<b>Li</b>", "S");
        assert_eq!(mail.copies().len(), 2);
        assert_eq!(mail.kind, "reset_password");
        assert_eq!(mail.copies()[0].0, Locale::zh_CN, "the default language first");

        let zh = mail.get(Locale::zh_CN);
        assert_eq!(zh.subject, "重置你的同城会密码");
        assert!(zh.text.starts_with("<b>Li</b>，你好！\n\n"), "{}", zh.text);
        assert!(zh.text.contains("设置新密码：\nhttps://t.example/reset-password?token=S"));
        assert!(zh.html.contains("<p>&lt;b&gt;Li&lt;/b&gt;，你好！</p>") && zh.html.contains("lang=\"zh-CN\""));
        assert!(zh.text.ends_with("—— 同城会\n"));

        let en = mail.get(Locale::en);
        assert_eq!(en.subject, "Reset your Tongcheng password");
        assert!(en.text.starts_with("Hello <b>Li</b>,\n\n"), "{}", en.text);
        assert!(en.text.contains("Choose a new password:\nhttps://t.example/reset-password?token=S"));
        assert!(en.html.contains("<p>Hello &lt;b&gt;Li&lt;/b&gt;,</p>") && en.html.contains("lang=\"en\""));
        assert!(!en.html.contains("<b>Li"), "names are escaped in HTML");
        assert_eq!(verify_email("x", "a@b.cn", "A", "S").get(Locale::en).subject, "Confirm your email for Tongcheng");
        assert_eq!(already_registered("x", "a@b.cn", "A", "1").get(Locale::en).subject, "You already have a Tongcheng account");
    }
}
