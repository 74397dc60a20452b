//! The addresses an account has had, and when. Mail to an address while the account
//! held it is the fan's mail (their data export lists it; deleting the account
//! anonymises it); mail to it before or after belongs to whoever held it then.
/// An address of the account from `from` until `until` (`None`: still in use).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Held {
    pub email: String,
    pub from: i64,
    pub until: Option<i64>,
}

/// The periods of each address, from the account's creation, its confirmed changes
/// `(old address, confirmed at)` in order, and the address in use now.
pub fn periods(created_at: i64, changes: &[(String, i64)], current: &str) -> Vec<Held> {
    let mut held = Vec::with_capacity(changes.len() + 1);
    let mut from = created_at;
    for (old, at) in changes {
        held.push(Held { email: old.clone(), from, until: Some(*at) });
        from = *at;
    }
    held.push(Held { email: current.to_string(), from, until: None });
    held
}

/// Every address the account has had (none for an unknown account).
pub async fn held(conn: &mut sqlx::AnyConnection, user_id: i64) -> Result<Vec<Held>, sqlx::Error> {
    let account: Option<(String, i64)> =
        sqlx::query_as("SELECT email, created_at FROM users WHERE id = $1").bind(user_id).fetch_optional(&mut *conn).await?;
    let Some((current, created_at)) = account else {
        return Ok(Vec::new());
    };
    let changes: Vec<(String, i64)> = sqlx::query_as(
        "SELECT old_email, confirmed_at FROM email_changes WHERE user_id = $1 AND confirmed_at IS NOT NULL ORDER BY confirmed_at, created_at",
    )
    .bind(user_id)
    .fetch_all(&mut *conn)
    .await?;
    Ok(periods(created_at, &changes, &current))
}

/// An SQL condition on `outbox` rows for the fan's mail: to one of `held` in its time
/// (`$2`… bound by [`bind_held`]), or a link to a new address they asked for (`$1`: the
/// account). Never empty: `held` of a known account has at least one address.
pub fn mail_condition(held: &[Held]) -> String {
    let mut parts: Vec<String> = (0..held.len())
        .map(|i| {
            let p = 2 + 3 * i;
            format!("(recipient = ${p} AND created_at >= ${} AND created_at <= ${})", p + 1, p + 2)
        })
        .collect();
    parts.push("idempotency_key IN (SELECT 'email_change:' || token_hash FROM email_changes WHERE user_id = $1)".into());
    format!("({})", parts.join(" OR "))
}

type AnyQuery<'q> = sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>;

/// Binds `$1` (the account) and the addresses of [`mail_condition`].
pub fn bind_held<'q>(mut query: AnyQuery<'q>, user_id: i64, held: &'q [Held]) -> AnyQuery<'q> {
    query = query.bind(user_id);
    for h in held {
        query = query.bind(h.email.as_str()).bind(h.from).bind(h.until.unwrap_or(i64::MAX));
    }
    query
}

/// `%…%`-free text for `LIKE … ESCAPE '\'`.
pub fn like_literal(text: &str) -> String {
    text.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_address_counts_while_the_account_had_it() {
        let held = periods(100, &[("a@x.cn".into(), 200), ("b@x.cn".into(), 300)], "c@x.cn");
        assert_eq!(
            held,
            vec![
                Held { email: "a@x.cn".into(), from: 100, until: Some(200) },
                Held { email: "b@x.cn".into(), from: 200, until: Some(300) },
                Held { email: "c@x.cn".into(), from: 300, until: None },
            ]
        );
        assert_eq!(periods(100, &[], "c@x.cn").len(), 1);
        assert!(mail_condition(&held).contains("recipient = $8 AND created_at >= $9 AND created_at <= $10"));
        assert_eq!(like_literal("a_b%c\\d"), "a\\_b\\%c\\\\d");
    }
}
