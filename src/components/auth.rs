//! The logged-in user and the actions that change who that is, shared by all pages.
use crate::accounts::api::{get_current_user, ChangeHomeCity, Login, Logout, UpdateDisplayName};
use crate::privacy::DeleteAccount;
use crate::accounts::CurrentUser;
use crate::error::AppError;
use leptos::prelude::*;

#[derive(Clone, Copy)]
pub struct Auth {
    pub user: Resource<Result<Option<CurrentUser>, AppError>>,
    pub login: ServerAction<Login>,
    pub logout: ServerAction<Logout>,
    pub update_name: ServerAction<UpdateDisplayName>,
    pub change_city: ServerAction<ChangeHomeCity>,
    pub delete_account: ServerAction<DeleteAccount>,
}

impl Default for Auth {
    fn default() -> Self {
        Self::new()
    }
}

impl Auth {
    pub fn new() -> Self {
        let login = crate::components::flash::server_action::<Login>();
        let logout = crate::components::flash::server_action::<Logout>();
        let update_name = crate::components::flash::server_action::<UpdateDisplayName>();
        let change_city = crate::components::flash::server_action::<ChangeHomeCity>();
        let delete_account = crate::components::flash::server_action::<DeleteAccount>();
        let user = Resource::new(
            move || {
                (
                    login.version().get(),
                    logout.version().get(),
                    update_name.version().get(),
                    change_city.version().get(),
                    delete_account.version().get(),
                )
            },
            |_| get_current_user(),
        );
        Auth { user, login, logout, update_name, change_city, delete_account }
    }
}

