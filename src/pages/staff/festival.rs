//! Staff pages for the festival: the list with the form for a new one; one festival
//! with its opening, its sessions (added by hand or from the ranking's top cities),
//! and the invitations to every participating city, counted per city.
use crate::components::city_picker::CityPicker;
use crate::components::flash::server_action;
use crate::components::form::{error_text, field_error, form_error, Field, FormError, SubmitButton};
use crate::festival::api::{load_staff_festival, staff_festivals, AddFestivalSession, InviteFestival, ProposeFestivalCities, SaveFestival};
use crate::festival::{StaffFestival, DEFAULT_SESSION_CAPACITY};
use crate::i18n::{td, td_string};
use crate::language::use_locale;
use crate::pages::staff::dashboard::{loading, StaffNav};
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

#[component]
pub fn StaffFestivalsPage() -> impl IntoView {
    let locale = use_locale();
    let list = OnceResource::new(staff_festivals());
    let save = server_action::<SaveFestival>();
    view! {
        <Title text=move || td_string!(locale, festival.staff.title) />
        <h1>{td!(locale, festival.staff.title)}</h1>
        <StaffNav />
        <Suspense fallback=loading>
            {move || Suspend::new(async move {
                match list.await {
                    Ok(list) if list.is_empty() => view! { <p class="notice">{td!(locale, festival.staff.empty)}</p> }.into_any(),
                    Ok(list) => view! {
                        <div class="table-scroll">
                            <table>
                                <thead>
                                    <tr>
                                        <th scope="col">{td!(locale, festival.staff.col.day)}</th>
                                        <th scope="col">{td!(locale, festival.staff.col.name)}</th>
                                        <th scope="col">{td!(locale, festival.staff.col.opens)}</th>
                                        <th scope="col">{td!(locale, festival.staff.col.sessions)}</th>
                                        <th scope="col">{td!(locale, festival.staff.col.invited)}</th>
                                    </tr>
                                </thead>
                                <tbody>
                                    {list.into_iter().map(|f| view! {
                                        <tr>
                                            <td>{f.day.clone()}</td>
                                            <td><a href=format!("/staff/festival/{}", f.id)>{f.name.clone()}</a></td>
                                            <td>{f.opens.clone()}</td>
                                            <td>{f.sessions}</td>
                                            <td>{if f.invited { td_string!(locale, festival.staff.yes) } else { td_string!(locale, festival.staff.no) }}</td>
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                        </div>
                    }
                    .into_any(),
                    Err(e) => error_text(e),
                }
            })}
        </Suspense>
        <section class="card">
            <h2>{td!(locale, festival.staff.new)}</h2>
            <FestivalForm id=None name=String::new() description=String::new() day=String::new() opens=String::new() save />
        </section>
    }
}

#[component]
fn FestivalForm(id: Option<i64>, name: String, description: String, day: String, opens: String, save: ServerAction<SaveFestival>) -> impl IntoView {
    let locale = use_locale();
    let value = save.value();
    let label = if id.is_some() { td_string!(locale, festival.staff.save) } else { td_string!(locale, festival.staff.create) };
    view! {
        <ActionForm action=save attr:class="form" attr:novalidate=true>
            <input type="hidden" name="id" value=id.map(|i| i.to_string()).unwrap_or_default() />
            <Field label=td_string!(locale, festival.staff.name) name="name" value=name error=field_error(value, "name") />
            <div class="field">
                <label for="festival-description">{td!(locale, festival.staff.description)}</label>
                <textarea id="festival-description" name="description" rows="4">{crate::components::form::textarea_text("description", description)}</textarea>
                <p class="field-error">{field_error(value, "description")}</p>
            </div>
            <Field label=td_string!(locale, festival.staff.day) name="day" kind="date" value=day error=field_error(value, "day") />
            <Field
                label=td_string!(locale, festival.staff.opens)
                name="opens"
                kind="datetime-local"
                value=opens
                hint=td_string!(locale, festival.staff.opens_hint)
                error=field_error(value, "opens")
            />
            <FormError error=form_error(value) />
            <SubmitButton label pending=save.pending() busy=td_string!(locale, festival.busy) />
        </ActionForm>
    }
}

#[component]
pub fn StaffFestivalPage() -> impl IntoView {
    let locale = use_locale();
    let params = use_params_map();
    let id = move || params.read().get("id").and_then(|id| id.parse::<i64>().ok()).unwrap_or_default();
    let save = server_action::<SaveFestival>();
    let add = server_action::<AddFestivalSession>();
    let propose = server_action::<ProposeFestivalCities>();
    let invite = server_action::<InviteFestival>();
    let festival = Resource::new(
        move || (id(), save.version().get(), add.version().get(), propose.version().get(), invite.version().get()),
        |(id, ..)| load_staff_festival(id),
    );
    view! {
        <Title text=move || td_string!(locale, festival.staff.title) />
        <StaffNav />
        <Suspense fallback=loading>
            {move || Suspend::new(async move {
                match festival.await {
                    Ok(f) => view! { <ManageFestival f save add propose invite /> }.into_any(),
                    Err(e) => error_text(e),
                }
            })}
        </Suspense>
    }
}

#[component]
fn ManageFestival(
    f: StaffFestival,
    save: ServerAction<SaveFestival>,
    add: ServerAction<AddFestivalSession>,
    propose: ServerAction<ProposeFestivalCities>,
    invite: ServerAction<InviteFestival>,
) -> impl IntoView {
    let locale = use_locale();
    let fid = f.id;
    let (add_value, propose_value, invite_value) = (add.value(), propose.value(), invite.value());
    view! {
        <h1>{f.name.clone()}</h1>
        <p>
            {td_string!(locale, festival.staff.summary, day = f.day.clone(), opens = f.opens.clone())}
            " · "
            <a href=format!("/festival/{}", f.id)>{td!(locale, festival.staff.fan_page)}</a>
        </p>
        <section class="card">
            <h2>{td!(locale, festival.staff.sessions)}</h2>
            {if f.sessions.is_empty() {
                view! { <p class="notice">{td!(locale, festival.staff.no_sessions)}</p> }.into_any()
            } else {
                view! {
                    <div class="table-scroll">
                        <table data-testid="festival-sessions">
                            <thead>
                                <tr>
                                    <th scope="col">{td!(locale, festival.staff.col.city)}</th>
                                    <th scope="col">{td!(locale, festival.staff.col.starts)}</th>
                                    <th scope="col">{td!(locale, festival.staff.col.seats)}</th>
                                    <th scope="col">{td!(locale, festival.staff.col.queued)}</th>
                                    <th scope="col">{td!(locale, festival.staff.col.sent)}</th>
                                    <th scope="col">{td!(locale, festival.staff.col.failed)}</th>
                                </tr>
                            </thead>
                            <tbody>
                                {f.sessions.iter().map(|s| view! {
                                    <tr>
                                        <td><a href=format!("/staff/meetups/{}", s.event_id)>{s.city.clone()}</a></td>
                                        <td>{s.starts.clone()} {(!s.venue.is_empty()).then(|| format!(" · {}", s.venue))}</td>
                                        <td>{td_string!(locale, festival.staff.seats, confirmed = s.confirmed, capacity = s.capacity, waiting = s.waitlisted)}</td>
                                        <td data-testid="queued">{s.invitations.queued}</td>
                                        <td data-testid="sent">{s.invitations.sent}</td>
                                        <td data-testid="failed">{s.invitations.failed}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                }
                .into_any()
            }}
            {if f.invited {
                view! { <p class="success">{td!(locale, festival.staff.invited)}</p> }.into_any()
            } else {
                view! {
                    <ActionForm action=invite attr:class="form">
                        <input type="hidden" name="festival_id" value=fid.to_string() />
                        <p class="hint">{td!(locale, festival.staff.invite_hint)}</p>
                        <p class="field-error" role="alert">{field_error(invite_value, "invite")}</p>
                        <SubmitButton label=td_string!(locale, festival.staff.invite) pending=invite.pending() busy=td_string!(locale, festival.busy) />
                    </ActionForm>
                }
                .into_any()
            }}
        </section>
        <section class="card">
            <h2>{td!(locale, festival.staff.add_session)}</h2>
            <ActionForm action=add attr:class="form" attr:novalidate=true>
                <input type="hidden" name="festival_id" value=fid.to_string() />
                <CityPicker label=td_string!(locale, festival.staff.city) error=field_error(add_value, "city") />
                <Field label=td_string!(locale, festival.staff.venue) name="venue" error=field_error(add_value, "venue") />
                <Field label=td_string!(locale, festival.staff.address) name="address" error=field_error(add_value, "address") />
                <Field label=td_string!(locale, festival.staff.start_time) name="start_time" kind="time" value="14:00" error=field_error(add_value, "start_time") />
                <Field label=td_string!(locale, festival.staff.capacity) name="capacity" kind="number" value=DEFAULT_SESSION_CAPACITY.to_string() error=field_error(add_value, "capacity") />
                <FormError error=form_error(add_value) />
                <SubmitButton label=td_string!(locale, festival.staff.add) pending=add.pending() busy=td_string!(locale, festival.busy) />
            </ActionForm>
        </section>
        <section class="card">
            <h2>{td!(locale, festival.staff.propose)}</h2>
            <p class="hint">{td!(locale, festival.staff.propose_hint)}</p>
            <ActionForm action=propose attr:class="form" attr:novalidate=true>
                <input type="hidden" name="festival_id" value=fid.to_string() />
                <Field label=td_string!(locale, festival.staff.count) name="count" kind="number" value="10" error=field_error(propose_value, "count") />
                <Field label=td_string!(locale, festival.staff.start_time) name="propose_time" kind="time" value="14:00" error=field_error(propose_value, "propose_time") />
                <Field label=td_string!(locale, festival.staff.capacity) name="propose_capacity" kind="number" value=DEFAULT_SESSION_CAPACITY.to_string() error=field_error(propose_value, "propose_capacity") />
                <FormError error=form_error(propose_value) />
                {move || propose_value.get().and_then(Result::ok).map(|n| view! { <p class="success" role="status">{td_string!(locale, festival.staff.proposed, count = n)}</p> })}
                <SubmitButton label=td_string!(locale, festival.staff.propose_button) pending=propose.pending() busy=td_string!(locale, festival.busy) />
            </ActionForm>
        </section>
        <section class="card">
            <h2>{td!(locale, festival.staff.edit)}</h2>
            <FestivalForm id=Some(f.id) name=f.name.clone() description=f.description.clone() day=f.day.clone() opens=f.opens_input.clone() save />
        </section>
    }
}
