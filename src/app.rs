//! The application shell and its routes.
use crate::components::auth::Auth;
use crate::components::nav::Nav;
use crate::pages::fan::{account, mailbox, meetups};
use crate::pages::organizer::organize as gatherings;
use crate::pages::staff::{dashboard as staff, delivery, meetups as staff_meetups, moderation, planner, ranking};
use crate::pages::visitor::{city, home, login, not_found, password, register, verify, where_next};
use crate::i18n::{t_string, use_i18n, I18nContextProvider};
use leptos::prelude::*;
use leptos_i18n::context::UseLocalesOptions;
use leptos_meta::{provide_meta_context, HashedStylesheet, Meta, MetaTags, Title};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::path;

pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    crate::infra::headers::set_page_policy();
    let nonce = leptos::nonce::use_nonce();
    view! {
        <!DOCTYPE html>
        // No `lang` here: the i18n provider sets `lang` and `dir` for the page's language.
        <html>
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
                <AutoReload options=options.clone() />
                // With hashed file names (release builds) the names come from hash.txt.
                <HashedStylesheet options=options.clone() id="leptos" />
                // Islands: only the few interactive widgets (`#[island]`) load WASM; the
                // rest of every page is server-rendered HTML and works as plain forms.
                <HydrationScripts options islands=true />
                <script nonce=nonce>{crate::components::pending::SCRIPT}</script>
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

/// On the server, the language the locale middleware resolved for this request (cookie,
/// then Accept-Language), handed to the i18n provider; the browser then reads it back
/// from `<html lang>`, so hydration starts in the same language.
fn request_language() -> UseLocalesOptions {
    #[cfg(feature = "ssr")]
    {
        UseLocalesOptions::default().ssr_lang_header_getter(|| Some(leptos_i18n::Locale::as_str(crate::infra::locale::current()).to_string()))
    }
    #[cfg(not(feature = "ssr"))]
    {
        UseLocalesOptions::default()
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    provide_context(Auth::new());
    view! {
        // The cookie is ours (set by /lang), so the provider must not write its own.
        <I18nContextProvider enable_cookie=false ssr_lang_header_getter=request_language()>
            <Site />
        </I18nContextProvider>
    }
}

#[component]
fn Site() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <Title formatter=move |page: String| {
            if page.is_empty() { t_string!(i18n, common.site.title).to_string() } else { format!("{page}{}", t_string!(i18n, common.site.title_suffix)) }
        } />
        <Meta name="description" content=move || t_string!(i18n, common.site.description) />
        <Router>
            <Nav />
            <main class="page">
                <Routes fallback=not_found::NotFound>
                    <Route path=path!("/") view=home::HomePage />
                    <Route path=path!("/register") view=register::RegisterPage />
                    <Route path=path!("/login") view=login::LoginPage />
                    <Route path=path!("/verify") view=verify::VerifyPage />
                    <Route path=path!("/forgot-password") view=password::ForgotPasswordPage />
                    <Route path=path!("/reset-password") view=password::ResetPasswordPage />
                    <Route path=path!("/account") view=account::AccountPage />
                    <Route path=path!("/where-next") view=where_next::WhereNextPage />
                    <Route path=path!("/meetups") view=meetups::MeetupsPage />
                    <Route path=path!("/meetups/:id") view=meetups::MeetupDetailPage />
                    <Route path=path!("/my-meetups") view=meetups::MyMeetupsPage />
                    <Route path=path!("/staff/meetups") view=staff_meetups::StaffMeetupsPage />
                    <Route path=path!("/staff/meetups/new") view=staff_meetups::NewMeetupPage />
                    <Route path=path!("/staff/meetups/:id") view=staff_meetups::StaffMeetupPage />
                    <Route path=path!("/staff/check-in") view=staff_meetups::CheckInPage />
                    <Route path=path!("/organize") view=gatherings::OrganizePage />
                    <Route path=path!("/organize/new") view=gatherings::NewGatheringPage />
                    <Route path=path!("/organize/:id") view=gatherings::OwnGatheringPage />
                    <Route path=path!("/cities/:id") view=city::CityPage />
                    <Route path=path!("/staff/moderation") view=moderation::ModerationPage />
                    <Route path=path!("/staff/organizers/:id") view=moderation::OrganizerHistoryPage />
                    <Route path=path!("/staff") view=staff::StaffDashboardPage />
                    <Route path=path!("/staff/ranking") view=ranking::RankingTablePage />
                    <Route path=path!("/staff/planner") view=planner::PlannerPage />
                    <Route path=path!("/mailbox") view=mailbox::MailboxPage />
                    <Route path=path!("/mailbox/:id") view=mailbox::MailboxMessagePage />
                    <Route path=path!("/staff/delivery") view=delivery::DeliveryPage />
                </Routes>
            </main>
        </Router>
    }
}
