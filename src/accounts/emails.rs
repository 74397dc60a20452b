//! The emails about moving an account to another address: the link to the new address,
//! the notice to the old one, and, when the new address already has an account, a note
//! to it instead of a link (so the form never reveals which addresses are registered).
use crate::email::templates::{message, Body, Localized};
use crate::email::OutgoingEmail;
use crate::i18n::{td_string, Locale};
use crate::infra::secrets::digest;

/// Where the link to the new address leads: a page with a button (mail scanners open
/// links; only the button uses it).
pub const CONFIRM_PATH: &str = "/confirm-email";

/// To the new address: the link that switches the account to it.
pub fn confirm_new_address(l: Locale, base: &str, to: &str, name: &str, secret: &str) -> OutgoingEmail {
    let url = format!("{base}{CONFIRM_PATH}?token={secret}");
    let body = Body {
        greeting: td_string!(l, email.hello_name, name = name).to_string(),
        paragraphs: vec![td_string!(l, email.change.asked).to_string(), td_string!(l, email.change.not_you).to_string()],
        link: Some((td_string!(l, email.change.button), &url)),
    };
    // The key names the secret by its hash: the outbox keeps no usable link.
    message(l, "email_change", format!("email_change:{}", digest(secret)), to, td_string!(l, email.change.subject).to_string(), &body)
}

/// To the address in use: someone asked to move the account away from it.
pub fn change_requested(l: Locale, base: &str, to: &str, name: &str, new_address: &str, secret: &str) -> OutgoingEmail {
    let url = format!("{base}/account");
    let body = Body {
        greeting: td_string!(l, email.hello_name, name = name).to_string(),
        paragraphs: vec![
            td_string!(l, email.change_notice.asked, new = new_address, old = to).to_string(),
            td_string!(l, email.change_notice.not_you).to_string(),
        ],
        link: Some((td_string!(l, email.change_notice.button), &url)),
    };
    let subject = td_string!(l, email.change_notice.subject).to_string();
    message(l, "email_change_notice", format!("email_change_notice:{}", digest(secret)), to, subject, &body)
}

/// To a new address that already has an account: nothing changes.
pub fn address_taken(base: &str, to: &str, secret: &str) -> Localized {
    let url = format!("{base}/login");
    Localized::build(|l| {
        let body = Body {
            greeting: td_string!(l, email.hello).to_string(),
            paragraphs: vec![td_string!(l, email.change_taken.tried).to_string(), td_string!(l, email.change_taken.next).to_string()],
            link: Some((td_string!(l, email.change_taken.button), &url)),
        };
        let subject = td_string!(l, email.change_taken.subject).to_string();
        message(l, "email_change_taken", format!("email_change_taken:{}", digest(secret)), to, subject, &body)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_link_goes_to_the_new_address_and_the_outbox_keeps_only_its_hash() {
        let mail = confirm_new_address(Locale::en, "https://t.example", "new@example.com", "<b>Li</b>", "SECRET");
        assert_eq!(mail.to, "new@example.com");
        assert!(mail.text.contains("https://t.example/confirm-email?token=SECRET"));
        assert!(mail.html.contains("&lt;b&gt;Li&lt;/b&gt;") && !mail.html.contains("<b>Li"));
        assert!(!mail.idempotency_key.contains("SECRET"));
        let notice = change_requested(Locale::zh_CN, "https://t.example", "old@example.com", "Li", "new@example.com", "SECRET");
        assert!(notice.text.contains("new@example.com") && !notice.text.contains("SECRET"), "{}", notice.text);
        let taken = address_taken("https://t.example", "new@example.com", "SECRET");
        assert!(taken.copies().iter().all(|(_, m)| !m.text.contains("SECRET") && m.to == "new@example.com"));
    }
}
