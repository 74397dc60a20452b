//! The translation catalogue: every key exists in both languages (leptos_i18n only
//! warns when `en` lacks a key, and would silently show Chinese), and no value is empty.
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::Path;

const LOCALES: [&str; 2] = ["zh-CN", "en"];

fn keys(prefix: &str, value: &Value, out: &mut BTreeSet<String>, empty: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, value) in map {
                let path = if prefix.is_empty() { key.clone() } else { format!("{prefix}.{key}") };
                keys(&path, value, out, empty);
            }
        }
        Value::String(text) => {
            if text.trim().is_empty() {
                empty.push(prefix.to_string());
            }
            out.insert(prefix.to_string());
        }
        other => panic!("{prefix}: a catalogue value must be text, not {other}"),
    }
}

/// Every key of one language, as `namespace.key.path`.
fn catalogue(locale: &str, empty: &mut Vec<String>) -> BTreeSet<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("locales").join(locale);
    let mut out = BTreeSet::new();
    for entry in std::fs::read_dir(&dir).expect("locales directory") {
        let path = entry.expect("catalogue file").path();
        let namespace = path.file_stem().and_then(|s| s.to_str()).expect("file name").to_string();
        let json: Value = serde_json::from_str(&std::fs::read_to_string(&path).expect("readable")).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        keys(&namespace, &json, &mut out, empty);
    }
    out
}

#[test]
fn both_languages_have_every_key() {
    let mut empty = Vec::new();
    let (zh, en) = (catalogue(LOCALES[0], &mut empty), catalogue(LOCALES[1], &mut empty));
    let mut problems: Vec<String> = zh.difference(&en).map(|k| format!("missing in en: {k}")).collect();
    problems.extend(en.difference(&zh).map(|k| format!("missing in zh-CN: {k}")));
    problems.extend(empty.into_iter().map(|k| format!("empty: {k}")));
    assert!(problems.is_empty(), "the catalogues disagree:\n{}", problems.join("\n"));
    assert!(zh.len() > 100, "the catalogue is unexpectedly small: {} keys", zh.len());
}
