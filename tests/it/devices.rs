//! Fans change their password and log out their other devices while logged in.
use crate::common;

use common::{Backend, TestApp};

on_both_databases!(changing_the_password_keeps_this_device_and_ends_the_others, logging_out_other_devices_keeps_this_one);

async fn changing_the_password_keeps_this_device_and_ends_the_others(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let phone = app.fan("owner@example.com", "深圳").await;
    let laptop = app.browser();
    laptop.login("owner@example.com", "password123").await;

    let wrong = phone.call::<()>("change_password", &[("current_password", "guess-guess"), ("new_password", "a-new-password")]).await.unwrap_err();
    assert!(wrong.1.field_message("current_password").is_some(), "{wrong:?}");
    let short = phone.call::<()>("change_password", &[("current_password", "password123"), ("new_password", "short")]).await.unwrap_err();
    assert!(short.1.field_message("new_password").is_some(), "{short:?}");
    assert!(laptop.current_user().await.is_some(), "failed attempts change nothing");

    let _: () = phone.call("change_password", &[("current_password", "password123"), ("new_password", "a-new-password")]).await.expect("change");
    assert!(phone.current_user().await.is_some(), "this device stays logged in");
    assert!(laptop.current_user().await.is_none(), "the other device is logged out");
    let old = app.browser().call::<()>("login", &[("email", "owner@example.com"), ("password", "password123")]).await;
    assert!(old.is_err(), "the old password no longer works");
    app.browser().login("owner@example.com", "a-new-password").await;
}

async fn logging_out_other_devices_keeps_this_one(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let phone = app.fan("owner@example.com", "深圳").await;
    let laptop = app.browser();
    laptop.login("owner@example.com", "password123").await;
    let _: () = phone.call("log_out_other_devices", &[]).await.expect("log out others");
    assert!(phone.current_user().await.is_some());
    assert!(laptop.current_user().await.is_none());
    laptop.login("owner@example.com", "password123").await;
    assert!(laptop.current_user().await.is_some(), "the password still works");
}
