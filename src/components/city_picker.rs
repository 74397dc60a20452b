//! A city picker that finds a city as you type, in Chinese or pinyin. Before the page
//! is interactive it is a plain input with the browser's own suggestion list; after
//! hydration it shows its own ranked suggestions with keyboard support.
use crate::cities::api::city_options;
use crate::cities::{search, CityOption};
use leptos::prelude::*;

const SUGGESTIONS: usize = 8;

#[component]
pub fn CityPicker(
    #[prop(default = "city")] name: &'static str,
    #[prop(default = "Home city")] label: &'static str,
    #[prop(optional, into)] initial: String,
    #[prop(into)] error: Signal<Option<String>>,
) -> impl IntoView {
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

    view! {
        <div class="field city-picker" class:invalid=move || error.get().is_some()>
            <label for="city-input">{label}</label>
            <input
                id="city-input"
                type="text"
                name=name
                value=initial
                prop:value=move || query.get()
                autocomplete="off"
                placeholder="深圳 / shenzhen"
                role="combobox"
                aria-autocomplete="list"
                aria-controls="city-suggestions"
                aria-expanded=move || if open.get() { "true" } else { "false" }
                aria-activedescendant=move || active.get().map(|i| format!("city-suggestion-{i}"))
                aria-invalid=move || if error.get().is_some() { "true" } else { "false" }
                aria-describedby=error_id.clone()
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
                <ul id="city-suggestions" class="suggestions" role="listbox" aria-label="Matching cities">
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
                                        <span class="province">{city.province_en.clone()}</span>
                                    </li>
                                }
                            })
                            .collect_view()
                    }}
                </ul>
            </Show>
            <p class="field-error" id=error_id aria-live="polite">
                {move || error.get()}
            </p>
        </div>
    }
}
