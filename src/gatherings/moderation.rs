//! Staff moderation: the review queue, decisions about applications, gatherings,
//! reports and organizers (fans and organizers only), an organizer's history, and the
//! admin's role changes. Every decision is logged.
use super::{ModerationQueue, OrganizerHistory};
use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::meetups::EventStatus;
use leptos::prelude::*;

/// The role of an account, inside a transaction.
#[cfg(feature = "ssr")]
async fn role_of(tx: &mut crate::infra::db::Tx, user_id: i64) -> Result<crate::accounts::Role, AppError> {
    crate::accounts::repo::role(tx, user_id).await?.ok_or(AppError::NotFound)
}

#[server(endpoint = "moderation_queue")]
pub async fn load_moderation_queue() -> Result<ModerationQueue, AppError> {
    use super::PendingGathering;
    crate::accounts::auth::require_staff().await?;
    let state = crate::infra::request::state()?;
    let pending = crate::meetups::repo::gatherings(&state.db, None, Some("pending_review")).await?;
    Ok(ModerationQueue {
        applications: super::repo::pending_applications(&state.db).await?,
        gatherings: pending
            .iter()
            .map(PendingGathering::of)
            .collect(),
        reports: super::repo::open_reports(&state.db).await?,
        log: super::repo::recent_log(&state.db, 30).await?,
    })
}

/// One moderation decision. `subject`: application | gathering | report | organizer |
/// question; `action` depends on it (approve, decline, reject, hide, restore, dismiss,
/// revoke, trust, distrust). Staff decide everything and may restore what was hidden
/// or sent back; a club's officers (in term) decide its applications to organize, its
/// gatherings and the reports about them, never their own or a fellow officer's.
#[server(endpoint = "moderate")]
pub async fn moderate(subject: String, id: i64, action: String, reason: Option<String>) -> Result<(), AppError> {
    use crate::accounts::Role;
    // Staff, or an officer of the club whose business it is (`club_business`).
    let staff = crate::accounts::auth::require_user().await?;
    let state = crate::infra::request::state()?;
    let mut errors = crate::error::FieldErrors::default();
    let reason = crate::infra::form::text(&mut errors, "reason", &reason.unwrap_or_default(), 1000, false);
    errors.into_result()?;
    let needs_reason = matches!(action.as_str(), "decline" | "reject" | "hide" | "revoke");
    if needs_reason && reason.is_empty() {
        return Err(AppError::field("reason", crate::msg!(errors.give_reason)));
    }
    let now = crate::infra::clock::now();
    let base = &state.config.public_url;
    let who = (staff.id, staff.display_name.as_str());
    let mut tx = state.db.begin_write().await?;
    let club = super::repo::club_business(&mut tx, &subject, id).await?;
    if !staff.role.is_staff() {
        // Checked here, in the decision's transaction: a term that ended a moment ago
        // decides nothing. Nobody decides about their own application or gathering.
        let (city, owner) = club.ok_or(AppError::Forbidden)?;
        if owner == Some(staff.id) {
            return Err(AppError::Forbidden);
        }
        crate::clubs::officers::require(&mut tx, city, staff.id, now).await?;
        // Staff's decisions about a gathering stick: officers neither undo nor redo them.
        let gathering = match subject.as_str() {
            "gathering" => Some(id),
            "report" => super::repo::reported_event(&mut tx, id).await?,
            _ => None,
        };
        if let Some(gathering) = gathering {
            if super::repo::decided_by_staff(&mut tx, "gathering", gathering).await? {
                return Err(AppError::Forbidden);
            }
        }
        // Nor about staff's or a fellow officer's (two officers approving each other's is
        // approving one's own), nor a second chance staff once refused: those are staff's.
        if let Some(owner) = owner {
            let staff_owned = role_of(&mut tx, owner).await.is_ok_and(|r| r.is_staff());
            let officer_owned = crate::clubs::officers::role_in(&mut *tx, city, owner, now).await?.is_some();
            if staff_owned || officer_owned || super::repo::refused_by_staff_before(&mut tx, owner).await? {
                return Err(AppError::Forbidden);
            }
        }
    }
    let mut notify: Option<(i64, &str)> = None;
    // Staff and admins are not moderated: changing their role is `set_role`.
    if subject == "organizer" && !super::moderatable(role_of(&mut tx, id).await?) {
        return Err(AppError::Forbidden);
    }
    match (subject.as_str(), action.as_str()) {
        ("application", "approve" | "decline") => {
            let to = if action == "approve" { "approved" } else { "declined" };
            let user_id = super::repo::decide_application(&mut tx, id, "pending", to, &reason, now).await?.ok_or(AppError::NotFound)?;
            if action == "approve" && role_of(&mut tx, user_id).await? == Role::Fan {
                crate::accounts::repo::set_role(&mut tx, user_id, Role::Organizer, now).await?;
            }
            notify = Some((user_id, to));
        }
        ("organizer", "revoke") => {
            if role_of(&mut tx, id).await? != Role::Organizer {
                return Err(AppError::field("action", crate::msg!(errors.not_an_organizer)));
            }
            crate::accounts::repo::set_role(&mut tx, id, Role::Fan, now).await?;
            super::repo::set_trusted(&mut tx, id, false).await?;
            super::repo::revoke_application(&mut tx, id, &reason, now).await?;
            notify = Some((id, "revoked"));
        }
        ("organizer", "trust" | "distrust") => super::repo::set_trusted(&mut tx, id, action == "trust").await?,
        ("gathering", "approve" | "reject" | "hide" | "restore") => {
            let status = match action.as_str() {
                "approve" => EventStatus::Published,
                "reject" => EventStatus::Rejected,
                "restore" => EventStatus::Published,
                _ => EventStatus::Hidden,
            };
            let lock = crate::meetups::repo::EventLock::ForStatusChange;
            let event = crate::meetups::repo::event_info_locked(&mut tx, id, lock).await?;
            let event = event.filter(|e| e.kind == crate::meetups::EventKind::Gathering).ok_or(AppError::NotFound)?;
            // Undoing a hide or a send-back is staff's: they can override every decision.
            let allowed = if action == "restore" {
                staff.role.is_staff() && super::restorable(event.status)
            } else {
                super::moderation_allows(event.status, status)
            };
            if !allowed {
                return Err(AppError::field("action", crate::language::Text::build(|l| {
                    crate::i18n::td_string!(l, errors.status_change, from = event.status.label(l), to = status.label(l)).to_string()
                })));
            }
            crate::meetups::repo::set_status(&mut tx, id, status, now).await?;
        }
        ("report", "dismiss" | "hide") => {
            let question = crate::conversation::repo::question_of_report(&mut tx, id).await?;
            let event_id = super::repo::resolve_report(&mut tx, id).await?.ok_or(AppError::NotFound)?;
            match question {
                // A report about a question hides the question, not the event.
                Some(question) if action == "hide" => {
                    crate::conversation::repo::set_hidden(&mut tx, question, true).await?;
                    // Off the room's screen at once.
                    crate::live::hub::changed(&mut tx, event_id, now).await?;
                    super::repo::log_for_club(&mut tx, club.map(|c| c.0), "question", question, "hide", &reason, who, now).await?;
                }
                None if action == "hide" => {
                    crate::meetups::repo::set_status(&mut tx, event_id, EventStatus::Hidden, now).await?;
                    super::repo::log_for_club(&mut tx, club.map(|c| c.0), "gathering", event_id, "hide", &reason, who, now).await?;
                }
                _ => {}
            }
        }
        ("question", "hide" | "restore") => {
            if !crate::conversation::repo::set_hidden(&mut tx, id, action == "hide").await? {
                return Err(AppError::NotFound);
            }
            let event: i64 = sqlx::query_scalar("SELECT event_id FROM questions WHERE id = $1").bind(id).fetch_one(&mut *tx).await?;
            crate::live::hub::changed(&mut tx, event, now).await?;
        }
        _ => return Err(AppError::field("action", crate::msg!(errors.unknown_action))),
    }
    super::repo::log_for_club(&mut tx, club.map(|c| c.0), &subject, id, &action, &reason, who, now).await?;
    if let Some((user_id, decision)) = notify {
        let to = crate::accounts::repo::contact(&mut tx, user_id).await?.ok_or(AppError::NotFound)?;
        crate::email::outbox::enqueue(&mut tx, &crate::meetups::emails::organizer_decision(&to.email, &to.display_name, decision, &reason, base), now).await?;
    }
    tx.commit().await?;
    Ok(())
}

#[server(endpoint = "organizer_history")]
pub async fn load_organizer_history(user_id: i64) -> Result<OrganizerHistory, AppError> {
    let viewer = crate::accounts::auth::require_staff().await?;
    let state = crate::infra::request::state()?;
    let profile = crate::accounts::repo::organizer_profile(&state.db, user_id).await?.ok_or(AppError::NotFound)?;
    let (name, email, role, trusted) = (profile.display_name, profile.email, profile.role, profile.trusted_organizer);
    let mut gatherings = Vec::new();
    for event in crate::meetups::repo::gatherings(&state.db, Some(user_id), None).await? {
        let (confirmed, checked_in) = super::repo::attendance(&state.db, event.id).await?;
        gatherings.push((crate::meetups::api::card(&event), confirmed, checked_in));
    }
    Ok(OrganizerHistory {
        user_id,
        name,
        email,
        role: crate::accounts::Role::parse(&role).unwrap_or(crate::accounts::Role::Fan),
        is_organizer: role == "organizer",
        viewer_is_admin: viewer.role == crate::accounts::Role::Admin,
        trusted: trusted == 1,
        gatherings,
        reports: super::repo::reports_about_organizer(&state.db, user_id).await?,
        log: super::repo::log_for_organizer(&state.db, user_id).await?,
    })
}

/// Gives an account another role (fan, organizer, staff, admin). Only admins may, never
/// on their own account, and the change is logged.
#[server(endpoint = "set_role")]
pub async fn set_role(user_id: i64, role: String, reason: Option<String>) -> Result<(), AppError> {
    use crate::accounts::Role;
    let admin = crate::accounts::auth::require_admin().await?;
    let state = crate::infra::request::state()?;
    let role = Role::parse(&role).ok_or_else(|| AppError::field("role", crate::msg!(errors.choose_role)))?;
    if user_id == admin.id {
        return Err(AppError::field("role", crate::msg!(errors.own_role)));
    }
    let mut errors = crate::error::FieldErrors::default();
    let reason = crate::infra::form::text(&mut errors, "reason", &reason.unwrap_or_default(), 1000, false);
    errors.into_result()?;
    let now = crate::infra::clock::now();
    let mut tx = state.db.begin_write().await?;
    let before = role_of(&mut tx, user_id).await?;
    crate::accounts::repo::set_role(&mut tx, user_id, role, now).await?;
    let action = format!("role {} → {}", before.as_str(), role.as_str());
    // Logged about the person, beside the organizer decisions (the log's subjects are fixed).
    super::repo::log(&mut tx, "organizer", user_id, &action, &reason, (admin.id, admin.display_name.as_str()), now).await?;
    tx.commit().await?;
    Ok(())
}
