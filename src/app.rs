//! The application shell and its routes.
use crate::components::auth::Auth;
use crate::components::nav::Nav;
use crate::pages::fan::{account, email_address, festival, mailbox, meetups, profile, ticket, unsubscribe};
use crate::pages::organizer::{club_desk, door as phone_door, organize as gatherings};
use crate::pages::staff::{clubs as staff_clubs, dashboard as staff, delivery, festival as staff_festival, meetups as staff_meetups, moderation, planner, ranking};
use crate::pages::visitor::{city, club, home, login, not_found, password, register, verify, where_next};
use crate::i18n::{td_string, I18nLocaleTrait as _};
use crate::language::use_locale;
use leptos::prelude::*;
use leptos_meta::{provide_meta_context, HashedStylesheet, Meta, MetaTags, Title};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::path;

pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    crate::infra::headers::set_page_policy();
    let nonce = leptos::nonce::use_nonce();
    view! {
        <!DOCTYPE html>
        <html lang=use_locale().as_str()>
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

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    provide_context(Auth::new());
    view! { <Site /> }
}

/// The `<title>` as the server writes it. leptos_meta puts the text into the page as it
/// is, and titles carry what users typed (a meetup's title, a fan's name): unescaped,
/// `</title>` would end the title and let the rest into the page's head.
/// (`tests/output_safety.rs`.) In the browser the title is set as text, unescaped.
fn page_title(title: String) -> String {
    #[cfg(feature = "ssr")]
    let title = crate::text::escape(&title);
    title
}

#[component]
fn Site() -> impl IntoView {
    let locale = use_locale();
    view! {
        <Title formatter=move |page: String| {
            let title = if page.is_empty() { td_string!(locale, common.site.title).to_string() } else { format!("{page}{}", td_string!(locale, common.site.title_suffix)) };
            page_title(title)
        } />
        <Meta name="description" content=move || td_string!(locale, common.site.description) />
        <Router>
            <Nav />
            <main class="page">
                <Routes fallback=not_found::NotFound>
                    <Route path=path!("/") view=home::HomePage />
                    <Route path=path!("/register") view=register::RegisterPage />
                    <Route path=path!("/login") view=login::LoginPage />
                    <Route path=path!("/verify") view=verify::VerifyPage />
                    <Route path=path!("/confirm-email") view=email_address::ConfirmEmailPage />
                    <Route path=path!("/unsubscribe") view=unsubscribe::UnsubscribePage />
                    <Route path=path!("/forgot-password") view=password::ForgotPasswordPage />
                    <Route path=path!("/reset-password") view=password::ResetPasswordPage />
                    <Route path=path!("/account") view=account::AccountPage />
                    <Route path=path!("/where-next") view=where_next::WhereNextPage />
                    <Route path=path!("/meetups") view=meetups::MeetupsPage />
                    <Route path=path!("/meetups/:id") view=meetups::MeetupDetailPage />
                    <Route path=path!("/my-meetups") view=meetups::MyMeetupsPage />
                    <Route path=path!("/fans/:id") view=profile::FanProfilePage />
                    <Route path=path!("/festival") view=festival::FestivalPage />
                    <Route path=path!("/festival/:id") view=festival::FestivalPage />
                    <Route path=path!("/staff/festival") view=staff_festival::StaffFestivalsPage />
                    <Route path=path!("/staff/festival/:id") view=staff_festival::StaffFestivalPage />
                    <Route path=path!("/staff/meetups") view=staff_meetups::StaffMeetupsPage />
                    <Route path=path!("/staff/meetups/new") view=staff_meetups::NewMeetupPage />
                    <Route path=path!("/staff/meetups/:id") view=staff_meetups::StaffMeetupPage />
                    <Route path=path!("/staff/check-in") view=staff_meetups::CheckInPage />
                    <Route path=path!("/doors/:id") view=phone_door::PhoneDoorPage />
                    <Route path=path!("/tickets/:id") view=ticket::TicketPage />
                    <Route path=path!("/events/:id/live") view=crate::pages::live::screen::LiveScreenPage />
                    <Route path=path!("/events/:id/play") view=crate::pages::live::screen::LivePhonePage />
                    <Route path=path!("/events/:id/live/run") view=crate::pages::live::run::LiveRunPage />
                    <Route path=path!("/organize") view=gatherings::OrganizePage />
                    <Route path=path!("/organize/new") view=gatherings::NewGatheringPage />
                    <Route path=path!("/organize/:id") view=gatherings::OwnGatheringPage />
                    <Route path=path!("/cities/:id") view=city::CityPage />
                    <Route path=path!("/clubs/:id") view=club::ClubPage />
                    <Route path=path!("/clubs/:id/desk") view=club_desk::ClubDeskPage />
                    <Route path=path!("/staff/clubs") view=staff_clubs::StaffClubsPage />
                    <Route path=path!("/staff/moderation") view=moderation::ModerationPage />
                    <Route path=path!("/staff/organizers/:id") view=moderation::OrganizerHistoryPage />
                    <Route path=path!("/staff") view=staff::StaffDashboardPage />
                    <Route path=path!("/staff/ranking") view=ranking::RankingTablePage />
                    <Route path=path!("/staff/planner") view=planner::PlannerPage />
                    <Route path=path!("/mailbox") view=mailbox::MailboxPage />
                    <Route path=path!("/mailbox/:id") view=mailbox::MailboxMessagePage />
                    <Route path=path!("/staff/delivery") view=delivery::DeliveryPage />
                    <Route path=path!("/staff/feedback") view=crate::pages::staff::conversation::FeedbackByCityPage />
                </Routes>
            </main>
        </Router>
    }
}
