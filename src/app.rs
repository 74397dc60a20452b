//! The application shell and its routes.
use crate::components::auth::Auth;
use crate::components::nav::Nav;
use crate::pages::fan::{account, mailbox, meetups};
use crate::pages::organizer::organize as gatherings;
use crate::pages::staff::{dashboard as staff, delivery, meetups as staff_meetups, moderation};
use crate::pages::visitor::{city, home, login, not_found, password, register, verify, where_next};
use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Stylesheet, Title};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::path;

pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    crate::infra::headers::set_page_policy();
    view! {
        <!DOCTYPE html>
        <html lang="zh-CN">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="description" content="Tongcheng 同城会: meet the fans of your city." />
                <AutoReload options=options.clone() />
                <HydrationScripts options />
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
    view! {
        <Stylesheet id="leptos" href="/pkg/tongcheng.css" />
        <Title text="Tongcheng 同城会" />
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
                    <Route path=path!("/staff/ranking") view=staff::RankingTablePage />
                    <Route path=path!("/staff/planner") view=staff::PlannerPage />
                    <Route path=path!("/mailbox") view=mailbox::MailboxPage />
                    <Route path=path!("/mailbox/:id") view=mailbox::MailboxMessagePage />
                    <Route path=path!("/staff/delivery") view=delivery::DeliveryPage />
                </Routes>
            </main>
        </Router>
    }
}
