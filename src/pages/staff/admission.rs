//! The staff meetup page's admission section (a meetup that selects by draw): the
//! applicants with their record and answer, picks by hand before the draw (logged),
//! "draw now", and after the draw its seed and the re-run check.
use crate::admission::api::{load_staff_admission, DrawNow, PickApplicant};
use crate::admission::{Applicant, StaffAdmission};
use crate::components::form::{confirm_checkbox, error_text, field_error, form_error, FormError, SubmitButton};
use crate::i18n::{td, td_string};
use crate::language::use_locale;
use leptos::form::ActionForm;
use leptos::prelude::*;

/// The admission section's actions and data. Made with the page, outside its
/// `<Suspense>`: a resource created while a suspense renders its children can keep it
/// from ever resolving on the server (leptos-rs/leptos#4866).
#[derive(Clone, Copy)]
pub struct AdmissionData {
    pick: ServerAction<PickApplicant>,
    draw: ServerAction<DrawNow>,
    data: Resource<Result<StaffAdmission, crate::error::AppError>>,
}

impl AdmissionData {
    pub fn new(id: impl Fn() -> i64 + Send + Sync + 'static) -> Self {
        let pick = crate::components::flash::server_action::<PickApplicant>();
        let draw = crate::components::flash::server_action::<DrawNow>();
        let data = Resource::new(move || (id(), pick.version().get(), draw.version().get()), |(id, ..)| load_staff_admission(id));
        AdmissionData { pick, draw, data }
    }
}

#[component]
pub fn AdmissionSection(id: i64, loaded: AdmissionData) -> impl IntoView {
    let locale = use_locale();
    let AdmissionData { pick, draw, data } = loaded;
    view! {
        <section class="card admission" data-testid="admission">
            <h2>{td!(locale, admission.staff.heading)}</h2>
            <Suspense fallback=move || view! { <p>{td!(locale, admission.staff.loading)}</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(a) => view! { <Admission a id pick draw /> }.into_any(),
                        Err(e) => error_text(e),
                    }
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn Admission(a: StaffAdmission, id: i64, pick: ServerAction<PickApplicant>, draw: ServerAction<DrawNow>) -> impl IntoView {
    let locale = use_locale();
    let drawn = a.drawn.is_some();
    let draw_value = draw.value();
    let summary = match &a.drawn {
        None => td_string!(locale, admission.staff.open, count = a.total, picks = a.picks, closes = a.closes.clone().unwrap_or_default()).to_string(),
        Some(when) => td_string!(locale, admission.staff.drawn, when = when.clone(), by = if a.drawn_by.is_empty() { td_string!(locale, admission.staff.timer).to_string() } else { a.drawn_by.clone() }).to_string(),
    };
    let seed = a.seed.clone().map(|seed| {
        let check = match a.rerun_matches {
            Some(true) => td_string!(locale, admission.staff.rerun_same),
            _ => td_string!(locale, admission.staff.rerun_differs),
        };
        view! {
            <p>{td!(locale, admission.staff.seed)} " " <code class="seed" data-testid="draw-seed">{seed}</code></p>
            <p data-testid="rerun" class=if a.rerun_matches == Some(true) { "success" } else { "form-error" }>{check}</p>
        }
    });
    let draw_form = (!drawn).then(|| view! {
        <ActionForm action=draw attr:class="form confirm-action">
            <input type="hidden" name="id" value=id.to_string() />
            {confirm_checkbox("confirm-draw", move || td_string!(locale, admission.staff.draw_confirm), draw_value)}
            <SubmitButton label=td_string!(locale, admission.staff.draw_now) pending=draw.pending() busy=td_string!(locale, admission.staff.drawing) />
        </ActionForm>
        <p class="field-error" role="alert">{field_error(draw_value, "draw")}</p>
        <FormError error=form_error(draw_value) />
    });
    let result = move || {
        draw_value.get().and_then(Result::ok).map(|o| view! {
            <p class="success" role="status" data-testid="drawn">{td_string!(locale, admission.staff.result, selected = o.selected, waitlisted = o.waitlisted).to_string()}</p>
        })
    };
    let question = (!a.question.is_empty()).then(|| view! { <p>{td!(locale, admission.staff.question)} " " {a.question.clone()}</p> });
    let shown = a.applicants.len() as i64;
    view! {
        <p data-testid="admission-summary">{summary}</p>
        {question}
        {seed}
        {draw_form}
        {result}
        {if a.applicants.is_empty() {
            view! { <p>{td!(locale, admission.staff.none)}</p> }.into_any()
        } else {
            view! { <Applicants applicants=a.applicants id drawn pick /> }.into_any()
        }}
        {(a.total > shown).then(|| view! { <p class="hint">{td_string!(locale, admission.staff.more, shown = shown, total = a.total).to_string()}</p> })}
        <p class="field-error" role="alert">{field_error(pick.value(), "pick")}</p>
        {(!a.log.is_empty()).then(|| view! {
            <h3>{td!(locale, admission.staff.log)}</h3>
            <ul class="admission-log" data-testid="admission-log">
                {a.log.into_iter().map(|l| view! { <li>{format!("{} · {} · {} {}", l.when, l.who, l.action, l.fan)}</li> }).collect_view()}
            </ul>
        })}
    }
}

#[component]
fn Applicants(applicants: Vec<Applicant>, id: i64, drawn: bool, pick: ServerAction<PickApplicant>) -> impl IntoView {
    let locale = use_locale();
    view! {
        <div class="table-scroll">
            <table data-testid="applicants">
                <thead>
                    <tr>
                        <th scope="col">{td!(locale, admission.staff.col.position)}</th>
                        <th scope="col">{td!(locale, admission.staff.col.name)}</th>
                        <th scope="col">{td!(locale, admission.staff.col.record)}</th>
                        <th scope="col">{td!(locale, admission.staff.col.answer)}</th>
                        <th scope="col">{td!(locale, admission.staff.col.pick)}</th>
                    </tr>
                </thead>
                <tbody>
                    {applicants.into_iter().map(|a| {
                        let record = td_string!(locale, admission.staff.record, attended = a.attended, no_shows = a.no_shows).to_string();
                        let position = a.position.map(|p| if a.selected { format!("{p} ✓") } else { p.to_string() }).unwrap_or_default();
                        let picked = a.picked.clone();
                        let form = (!drawn).then(|| {
                            let picking = picked.is_none();
                            view! {
                                <ActionForm action=pick attr:class="inline-form">
                                    <input type="hidden" name="id" value=id.to_string() />
                                    <input type="hidden" name="application" value=a.application_id.to_string() />
                                    {picking.then(|| view! { <input type="hidden" name="pick" value="yes" /> })}
                                    <SubmitButton
                                        label=if picking { td_string!(locale, admission.staff.pick) } else { td_string!(locale, admission.staff.unpick) }
                                        pending=pick.pending()
                                        class="secondary"
                                    />
                                </ActionForm>
                            }
                        });
                        view! {
                            <tr>
                                <td>{position}</td>
                                <td>{a.name.clone()} <br /> <small>{a.email.clone()}</small></td>
                                <td>{record}</td>
                                <td>{a.answer.clone()}</td>
                                <td>{picked.map(|p| view! { <small>{td_string!(locale, admission.staff.picked_by, who = p).to_string()}</small> })} {form}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}
