//! A meetup's invitations as staff watch them go out: queued, sent, failed, refreshed
//! every two seconds while any wait (an island; without WASM the counts are those of the
//! page's own render).
use crate::i18n::{td_string, Locale};
use crate::meetups::DeliveryCounts;
use leptos::prelude::*;

/// How often the counts are asked for while mail is waiting.
#[cfg(feature = "hydrate")]
const EVERY: std::time::Duration = std::time::Duration::from_secs(2);

/// Island props cross to the browser as JSON: owned values, text in the explicit `locale`.
#[island]
pub fn InvitationProgress(locale: Locale, event_id: i64, initial: DeliveryCounts) -> impl IntoView {
    let counts = RwSignal::new(initial);
    Effect::new(move |_| {
        #[cfg(feature = "hydrate")]
        follow(event_id, counts);
        #[cfg(not(feature = "hydrate"))]
        let _ = event_id;
    });
    view! {
        <p data-testid="invitations" aria-live="polite">
            {move || {
                let c = counts.get();
                td_string!(locale, staff.manage.invitations, queued = c.queued, sent = c.sent, failed = c.failed).to_string()
            }}
            {move || (counts.get().failed > 0).then(|| view! { " " <a href="/staff/delivery">{td_string!(locale, staff.manage.failed_link)}</a> })}
        </p>
    }
}

/// Polls `invitation_progress` until nothing waits any more.
#[cfg(feature = "hydrate")]
fn follow(event_id: i64, counts: RwSignal<DeliveryCounts>) {
    if counts.get_untracked().queued == 0 {
        return;
    }
    let handle = std::rc::Rc::new(std::cell::Cell::new(None::<IntervalHandle>));
    let stop = handle.clone();
    let started = set_interval_with_handle(
        move || {
            let stop = stop.clone();
            leptos::task::spawn_local(async move {
                if let Ok(now) = crate::meetups::api::invitation_progress(event_id).await {
                    counts.set(now);
                    if now.queued == 0 {
                        if let Some(interval) = stop.take() {
                            interval.clear();
                        }
                    }
                }
            });
        },
        EVERY,
    );
    handle.set(started.ok());
}
