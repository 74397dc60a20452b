//! A city picker that finds a city as you type, in Chinese or pinyin. Before the page
//! is interactive it is a plain input with the browser's own suggestion list; after
//! hydration it shows its own ranked suggestions with keyboard support. It is one of
//! the site's few islands: the only part of these pages that runs in the browser.
use crate::cities::api::city_options;
use crate::cities::{search, CityOption};
use crate::components::flash::typed_value;
use crate::i18n::{td_string, Locale};
use crate::language::use_locale;
use leptos::prelude::*;

const SUGGESTIONS: usize = 8;

/// The picker as pages use it: translated on the server, then handed to the island.
#[component]
pub fn CityPicker(
    #[prop(default = "city")] name: &'static str,
    /// "Home city" when not given.
    #[prop(optional, into)]
    label: Option<String>,
    #[prop(optional, into)] initial: String,
    #[prop(into)] error: Signal<Option<String>>,
) -> impl IntoView {
    let locale = use_locale();
    let label = label.unwrap_or_else(|| td_string!(locale, visitor.components.city_picker.label).to_string());
    let initial = typed_value(name, initial);
    view! { <CityPickerIsland locale name=name.to_string() label initial error=error.get_untracked() /> }
}

/// Island props cross to the browser as JSON, so they are owned and serializable, and
/// text comes with an explicit `locale` (the request's language is known only on the server).
#[island]
fn CityPickerIsland(locale: Locale, name: String, label: String, initial: String, error: Option<String>) -> impl IntoView {
    // What was typed before the WASM arrived is kept: hydrating with the server's value
    // would put it (usually empty) back into the field.
    #[cfg(feature = "hydrate")]
    let initial = {
        use leptos::wasm_bindgen::JsCast;
        document()
            .get_element_by_id("city-input")
            .and_then(|e| e.dyn_into::<leptos::web_sys::HtmlInputElement>().ok())
            .map(|input| input.value())
            .filter(|typed| !typed.is_empty())
            .unwrap_or(initial)
    };
    let cities = OnceResource::new(city_options());
    let query = RwSignal::new(initial.clone());
    let open = RwSignal::new(false);
    let active = RwSignal::new(None::<usize>);
    let enhanced = RwSignal::new(false);
    // Effects run only in the browser: from here on the widget is interactive.
    Effect::new(move |_| enhanced.set(true));

    let matches = Memo::new(move |_| {
        let all = cities.get().and_then(Result::ok).unwrap_or_default();
        query.with(|q| search(&all, q, SUGGESTIONS).into_iter().cloned().collect::<Vec<CityOption>>())
    });
    let choose = move |city: &CityOption| {
        query.set(city.label());
        open.set(false);
        active.set(None);
    };
    let on_keydown = move |ev: leptos::ev::KeyboardEvent| {
        let count = matches.with(Vec::len);
        match ev.key().as_str() {
            "ArrowDown" if count > 0 => {
                ev.prevent_default();
                open.set(true);
                active.update(|a| *a = Some(a.map_or(0, |i| (i + 1) % count)));
            }
            "ArrowUp" if count > 0 => {
                ev.prevent_default();
                active.update(|a| *a = Some(a.map_or(count - 1, |i| (i + count - 1) % count)));
            }
            "Enter" if open.get() => {
                if let Some(city) = active.get().and_then(|i| matches.with(|m| m.get(i).cloned())) {
                    ev.prevent_default();
                    choose(&city);
                }
            }
            "Escape" => open.set(false),
            _ => {}
        }
    };
    let error_id = format!("field-{name}-error");
    let hint_id = format!("field-{name}-hint");
    let described_by = format!("{hint_id} {error_id}");

    let invalid = error.is_some();
    view! {
        <div class="field city-picker" class:invalid=invalid data-ready=move || enhanced.get().then_some("true")>
            <label for="city-input">{label}</label>
            <input
                id="city-input"
                type="text"
                name=name
                value=initial
                prop:value=move || query.get()
                autocomplete="off"
                placeholder=td_string!(locale, visitor.components.city_picker.placeholder)
                role="combobox"
                aria-autocomplete="list"
                aria-controls="city-suggestions"
                aria-expanded=move || if open.get() { "true" } else { "false" }
                aria-activedescendant=move || active.get().map(|i| format!("city-suggestion-{i}"))
                aria-invalid=if invalid { "true" } else { "false" }
                aria-describedby=described_by
                list=move || (!enhanced.get()).then_some("city-datalist")
                on:input:target=move |ev| {
                    query.set(ev.target().value());
                    open.set(true);
                    active.set(None);
                }
                on:keydown=on_keydown
                on:blur=move |_| open.set(false)
            />
            <Suspense>
                <datalist id="city-datalist">
                    {move || Suspend::new(async move {
                        cities
                            .await
                            .unwrap_or_default()
                            .into_iter()
                            .map(|city| view! { <option value=city.label()></option> })
                            .collect_view()
                    })}
                </datalist>
            </Suspense>
            <Show when=move || enhanced.get() && open.get() && matches.with(|m| !m.is_empty())>
                <ul id="city-suggestions" class="suggestions" role="listbox" aria-label=td_string!(locale, visitor.components.city_picker.suggestions)>
                    {move || {
                        matches
                            .get()
                            .into_iter()
                            .enumerate()
                            .map(|(i, city)| {
                                let chosen = city.clone();
                                view! {
                                    <li
                                        id=format!("city-suggestion-{i}")
                                        role="option"
                                        class:active=move || active.get() == Some(i)
                                        aria-selected=move || if active.get() == Some(i) { "true" } else { "false" }
                                        on:mousedown=move |ev| {
                                            ev.prevent_default();
                                            choose(&chosen);
                                        }
                                    >
                                        <span class="zh">{city.name_zh.clone()}</span>
                                        " "
                                        <span class="en">{city.name_en.clone()}</span>
                                        <span class="province">{city.province(locale).to_string()}</span>
                                    </li>
                                }
                            })
                            .collect_view()
                    }}
                </ul>
            </Show>
            <p class="hint" id=hint_id>{td_string!(locale, visitor.components.city_picker.hint)}</p>
            <p class="field-error" id=error_id aria-live="polite">
                {error}
            </p>
        </div>
    }
}
