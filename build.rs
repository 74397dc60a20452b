//! Build steps: migrations are embedded by `sqlx::migrate!`, and the translation catalogue
//! under `locales/` becomes the typed `i18n` module (`t!`, `td_string!`, `Locale`).
use leptos_i18n_build::{Config, ParseOptions, TranslationsInfos};
use std::error::Error;
use std::path::PathBuf;

/// One file per namespace and language: `locales/<locale>/<namespace>.json`.
const NAMESPACES: &[&str] = &["common", "errors", "visitor", "fan", "organizer", "staff", "email", "participation", "festival", "admission", "conversation", "clubs"];

fn main() -> Result<(), Box<dyn Error>> {
    println!("cargo:rerun-if-changed=migrations");
    println!("cargo:rerun-if-changed=build.rs");
    let out = PathBuf::from(std::env::var_os("OUT_DIR").ok_or("OUT_DIR is not set")?).join("i18n");
    // zh-CN first: it is the default and the fallback.
    let config = Config::new("zh-CN")?
        .add_locale("en")?
        .add_namespaces(NAMESPACES)?
        .locales_path("locales")
        // Variables in `td_string!`/`t_string!`, used for emails and attributes.
        .parse_options(ParseOptions::new().interpolate_display(true));
    let infos = TranslationsInfos::parse(config)?;
    infos.emit_diagnostics();
    infos.rerun_if_locales_changed();
    infos.generate_i18n_module(out)?;
    Ok(())
}
