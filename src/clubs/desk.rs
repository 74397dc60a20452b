//! A club's desk: what waits for its officers (applications to organize, gatherings to
//! review, reports about its gatherings), its messages to members, the club's log; for
//! staff also reports about its news and what was hidden, to put back.
use super::ClubDesk;
#[cfg(feature = "ssr")]
use super::{ClubMessageView, HiddenItem};
use crate::error::AppError;
use leptos::prelude::*;

/// The desk of one club, for its officers in term and staff. Applicants' addresses stay
/// with staff; nobody sees their own application or gathering to decide.
#[server(endpoint = "load_club_desk")]
pub async fn load_club_desk(city: i64) -> Result<ClubDesk, AppError> {
    let user = crate::accounts::auth::require_user().await?;
    let state = crate::infra::request::state()?;
    let now = crate::infra::clock::now();
    let staff = user.role.is_staff();
    if !staff {
        let mut conn = state.db.pool.acquire().await?;
        super::officers::role_in(&mut conn, city, user.id, now).await?.ok_or(AppError::Forbidden)?;
    }
    let (name_zh, name_en) = super::api::club_names(city)?;
    let locale = crate::infra::locale::current();
    let gatherings = crate::meetups::repo::gatherings(&state.db, None, Some("pending_review")).await?;
    let sent = super::repo::messages(&state.db, city, 20).await?;
    let week_ago = now - 7 * 86_400;
    let messages_left = (super::MESSAGES_PER_WEEK - sent.iter().filter(|m| m.4 > week_ago).count() as i64).max(0);
    Ok(ClubDesk {
        city_id: city,
        city: crate::language::city_name(locale, &name_zh, &name_en).to_string(),
        staff,
        // Staff's decisions about officers and their answers to reports about news (and
        // their reasons) stay with staff.
        log: crate::gatherings::repo::log_for_city(&state.db, city, 50)
            .await?
            .into_iter()
            .filter(|l| staff || !(l.subject.starts_with("officer") || l.action.contains("report")))
            .collect(),
        applications: crate::gatherings::repo::applications_in(&state.db, city)
            .await?
            .into_iter()
            .filter(|a| a.user_id != user.id)
            .map(|a| crate::gatherings::ApplicationView { email: String::new(), ..a })
            .collect(),
        gatherings: gatherings
            .iter()
            .filter(|e| e.city_id == city && e.organizer.as_ref().is_none_or(|(id, _)| *id != user.id))
            .map(crate::gatherings::PendingGathering::of)
            .collect(),
        reports: crate::gatherings::repo::open_reports_in(&state.db, city, (!staff).then_some((user.id, now))).await?,
        news_reports: if staff { super::reports::news_reports(&state.db, Some(city)).await? } else { Vec::new() },
        messages: sent
            .into_iter()
            .map(|(id, subject, body, author, at, recipients)| ClubMessageView {
                id,
                subject,
                body,
                author,
                sent: crate::infra::clock::format_local(at, "Asia/Shanghai", locale),
                recipients,
            })
            .collect(),
        hidden: if staff {
            super::repo::hidden(&state.db, city).await?.into_iter().map(|(subject, id, title)| HiddenItem { subject, id, title }).collect()
        } else {
            Vec::new()
        },
        messages_left,
    })
}
