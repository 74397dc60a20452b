//! One inbox, however it is spelt: referrals count once per inbox, so aliases of one
//! mailbox are read as one address. The rule (documented in README "Fans who bring
//! fans"): lower case; the part of the local name from the first `+` on is dropped
//! (`li+moments@qq.com` is `li@qq.com`) for every provider; for Gmail, dots in the local
//! name are dropped too and googlemail.com is gmail.com.
pub fn normalize(email: &str) -> String {
    let email = email.trim().to_lowercase();
    if !email.contains('@') {
        return email;
    }
    // The same reading as `users.inbox`, which decides whether an account exists already.
    crate::accounts::canonical_inbox(&email)
}

#[cfg(test)]
mod tests {
    use super::normalize;

    #[test]
    fn plus_aliases_and_gmail_dots_are_one_inbox() {
        assert_eq!(normalize("Li.Lei+moments@QQ.com"), "li.lei@qq.com");
        assert_eq!(normalize("li.lei@qq.com"), "li.lei@qq.com", "dots matter outside Gmail");
        assert_eq!(normalize("l.i.lei+x+y@googlemail.com"), "lilei@gmail.com");
        assert_eq!(normalize("lilei@gmail.com"), "lilei@gmail.com");
        assert_ne!(normalize("lilei@163.com"), normalize("lilei@126.com"));
        assert_eq!(normalize("no-at-sign"), "no-at-sign");
    }
}
