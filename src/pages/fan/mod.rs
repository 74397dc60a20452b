//! Pages for a logged-in fan.
pub mod account;
pub mod devices;
pub mod mailbox;
pub mod meetups;

use leptos::prelude::*;

/// A form's submit button: disabled, and saying what it is doing (`busy`), while its
/// action runs.
pub(crate) fn submit_button(
    pending: Memo<bool>,
    class: Option<&'static str>,
    label: impl Fn() -> &'static str + Send + Sync + 'static,
    busy: impl Fn() -> &'static str + Send + Sync + 'static,
) -> impl IntoView {
    let pending_label = busy();
    view! {
        <button type="submit" class=class data-pending-label=pending_label disabled=move || pending.get() aria-busy=move || pending.get().then_some("true")>
            {move || if pending.get() { busy() } else { label() }}
        </button>
    }
}

/// A checkbox the visitor must tick before a destructive form is sent. It has no name:
/// the browser refuses to send the form while it is unticked (with or without
/// JavaScript), and the server function never sees it.
pub(crate) fn confirm_checkbox(id: &'static str, label: impl Fn() -> &'static str + Send + Sync + 'static) -> impl IntoView {
    view! {
        <label class="checkbox confirm" for=id>
            <input id=id type="checkbox" required=true />
            " "
            {label}
        </label>
    }
}
