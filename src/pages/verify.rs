//! The page an email-confirmation link opens.
use crate::accounts::api::verify_email;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn VerifyPage() -> impl IntoView {
    let query = use_query_map();
    let outcome = Resource::new(move || query.read().get("token").unwrap_or_default(), verify_email);
    view! {
        <Title text="Confirm email — Tongcheng" />
        <Suspense fallback=|| view! { <p>"Confirming…"</p> }>
            {move || Suspend::new(async move {
                match outcome.await {
                    Ok(name) => {
                        view! {
                            <h1>"Email confirmed"</h1>
                            <p class="success" data-testid="verified">
                                {format!("Thank you, {name}. You now count as a fan of your city.")}
                            </p>
                            <p><a class="button" href="/login">"Log in"</a></p>
                        }
                            .into_any()
                    }
                    Err(error) => {
                        view! {
                            <h1>"Cannot confirm"</h1>
                            <p class="form-error">{error.to_string()}</p>
                            <p>"If you already confirmed your email, just " <a href="/login">"log in"</a> "."</p>
                        }
                            .into_any()
                    }
                }
            })}
        </Suspense>
    }
}
