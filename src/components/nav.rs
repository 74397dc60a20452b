//! The site header: brand, and who is logged in.
use crate::components::auth::Auth;
use leptos::form::ActionForm;
use leptos::prelude::*;

#[component]
pub fn Nav() -> impl IntoView {
    let auth = expect_context::<Auth>();
    view! {
        <header class="site-header">
            <a class="brand" href="/">
                <span class="brand-zh">"同城会"</span>
                " Tongcheng"
            </a>
            <nav aria-label="Account">
                <Suspense>
                    {move || Suspend::new(async move {
                        match auth.user.await {
                            Ok(Some(user)) => {
                                view! {
                                    <a href="/meetups">"Meetups"</a>
                                    <a href=format!("/cities/{}", user.home_city.id)>"My city"</a>
                                    <a href="/my-meetups">"My meetups"</a>
                                    <a href="/organize">"Organize"</a>
                                    {user.role.is_staff().then(|| view! { <a href="/staff">"Staff"</a> })}
                                    <a href="/account" class="who">{user.display_name}</a>
                                    <ActionForm action=auth.logout attr:class="inline">
                                        <button type="submit" class="link">"Log out"</button>
                                    </ActionForm>
                                }
                                    .into_any()
                            }
                            _ => {
                                view! {
                                    <a href="/meetups">"Meetups"</a>
                                    <a href="/where-next">"Where next?"</a>
                                    <a href="/login">"Log in"</a>
                                    <a href="/register" class="button">"Join"</a>
                                }
                                    .into_any()
                            }
                        }
                    })}
                </Suspense>
            </nav>
        </header>
    }
}
