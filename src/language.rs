//! The reader's language. Pages translate with `td!(use_locale(), …)`; messages made far
//! from any page (validation in pure functions, errors crossing the
//! wire) are `Text`: every language at once, picked where they are shown.
use crate::i18n::Locale;
use serde::{Deserialize, Serialize};

/// A message in every language of the catalogue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Text {
    pub zh: String,
    pub en: String,
}

impl Text {
    /// Builds the message once per language.
    pub fn build(mut translate: impl FnMut(Locale) -> String) -> Text {
        Text { zh: translate(Locale::zh_CN), en: translate(Locale::en) }
    }

    pub fn get(&self, locale: Locale) -> &str {
        match locale {
            Locale::zh_CN => &self.zh,
            Locale::en => &self.en,
        }
    }
}

/// `msg!(errors.fill_in)` or `msg!(errors.at_most_chars, max = 40)`: a `Text` from one
/// catalogue key, checked at compile time like `t!`.
#[macro_export]
macro_rules! msg {
    ($($key:tt)*) => {
        $crate::language::Text::build(|locale| $crate::i18n::td_string!(locale, $($key)*).to_string())
    };
}

/// The language of the page being rendered. Pages render only on the server (islands
/// get their language as a prop), where the locale middleware resolved it per request.
/// It is a plain value, not a signal: a page never changes language in place (the switch
/// is a link), and leptos_i18n's context kept an effect alive past the render that
/// panicked when it ran after the page's owner was gone.
pub fn use_locale() -> Locale {
    #[cfg(feature = "ssr")]
    {
        crate::infra::locale::current()
    }
    #[cfg(not(feature = "ssr"))]
    {
        Locale::default()
    }
}

/// The catalogue's language for a stored or sent tag (`"zh-CN"`, `"en"`); anything else
/// is the default, Chinese.
pub fn locale_from_tag(tag: &str) -> Locale {
    tag.parse().unwrap_or_default()
}

/// The best language for a list of preferred tags, most preferred first: the first
/// tag whose language we have (any Chinese reads the Simplified catalogue), else Chinese.
pub fn best_locale(tags: &[&str]) -> Locale {
    tags.iter()
        .find_map(|tag| match tag.split(['-', '_']).next().unwrap_or_default().to_ascii_lowercase().as_str() {
            "zh" => Some(Locale::zh_CN),
            "en" => Some(Locale::en),
            _ => None,
        })
        .unwrap_or_default()
}

/// A city's name in the reader's language.
pub fn city_name<'a>(locale: Locale, name_zh: &'a str, name_en: &'a str) -> &'a str {
    match locale {
        Locale::zh_CN => name_zh,
        Locale::en => name_en,
    }
}
