//! Build steps: migrations are embedded by `sqlx::migrate!`, and the translation catalogue
//! under `locales/` becomes the typed `i18n` module (`t!`, `td_string!`, `Locale`), and
//! the server embeds the door page's QR reader (`web/qr-decoder`, built for wasm32).
use leptos_i18n_build::{Config, ParseOptions, TranslationsInfos};
use std::error::Error;
use std::path::PathBuf;

/// One file per namespace and language: `locales/<locale>/<namespace>.json`.
const NAMESPACES: &[&str] = &["common", "errors", "visitor", "fan", "organizer", "staff", "email", "participation", "festival", "admission", "conversation", "clubs", "live", "sharing"];

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
    if std::env::var_os("CARGO_FEATURE_SSR").is_some() {
        build_qr_decoder()?;
    }
    Ok(())
}

/// Builds `web/qr-decoder` for wasm32 (its own workspace and target directory, so this
/// nested cargo never waits for the outer one) and leaves it at `$OUT_DIR/qr_decoder.wasm`.
/// Without the wasm32 target the file is empty: the door page then offers the typed
/// code, and says the camera cannot read codes on this phone.
fn build_qr_decoder() -> Result<(), Box<dyn Error>> {
    println!("cargo:rerun-if-changed=web/qr-decoder/src");
    println!("cargo:rerun-if-changed=web/qr-decoder/Cargo.toml");
    println!("cargo:rerun-if-changed=web/qr-decoder/Cargo.lock");
    let root = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").ok_or("CARGO_MANIFEST_DIR is not set")?);
    let target_dir = std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), PathBuf::from).join("qr-decoder");
    let out = PathBuf::from(std::env::var_os("OUT_DIR").ok_or("OUT_DIR is not set")?).join("qr_decoder.wasm");
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let status = std::process::Command::new(cargo)
        .args(["build", "--release", "--locked", "--target", "wasm32-unknown-unknown", "--manifest-path"])
        .arg(root.join("web/qr-decoder/Cargo.toml"))
        .arg("--target-dir")
        .arg(&target_dir)
        // The outer build's flags (e.g. `--cfg erase_components`) are not this crate's.
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .env_remove("CARGO_BUILD_TARGET")
        .status();
    let built = target_dir.join("wasm32-unknown-unknown/release/qr_decoder.wasm");
    match status {
        Ok(status) if status.success() => {
            std::fs::copy(&built, &out)?;
        }
        _ => {
            println!("cargo:warning=the door's QR reader (web/qr-decoder) did not build for wasm32; phones without BarcodeDetector will type codes");
            std::fs::write(&out, b"")?;
        }
    }
    Ok(())
}
