//! The command line's help and its mistakes in the terminal's language: clap writes them
//! in English, so the `Command` the derive builds gets every about, help, heading and
//! value name from the catalogue at run time, and a mistake is answered with one line
//! of ours instead of clap's.
use crate::i18n::{td_string, Locale};
use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::{Arg, ArgAction, Command};

/// `command` (the derive's) with its texts in `l`.
pub fn localize(command: Command, l: Locale) -> Command {
    let root = command
        .about(td_string!(l, email.cli.help.about))
        .disable_version_flag(true)
        .arg(Arg::new("version").short('V').long("version").action(ArgAction::Version).help(td_string!(l, email.cli.help.version)));
    let root = texts(root, l, "");
    root.mut_subcommands(|sub| {
        let name = sub.get_name().to_string();
        texts(sub, l, &name)
    })
}

/// The texts of one command (`name`: "" for the program itself) and of its arguments.
fn texts(command: Command, l: Locale, name: &str) -> Command {
    let about = match name {
        "" => None,
        "serve" => Some(td_string!(l, email.cli.help.serve)),
        "migrate" => Some(td_string!(l, email.cli.help.migrate)),
        "check" => Some(td_string!(l, email.cli.help.check)),
        "backup" => Some(td_string!(l, email.cli.help.backup)),
        "seed-demo" => Some(td_string!(l, email.cli.help.seed_demo)),
        "backfill" => Some(td_string!(l, email.cli.help.backfill)),
        "send-digest" => Some(td_string!(l, email.cli.help.send_digest)),
        "create-staff" => Some(td_string!(l, email.cli.help.create_staff)),
        _ => None,
    };
    let command = match about {
        Some(about) => command.about(about).long_about(None),
        None => command,
    };
    // clap writes "[OPTIONS]" in English.
    let any = td_string!(l, email.cli.help.options_value);
    let command = match name {
        "seed-demo" => command.override_usage(format!("tongcheng seed-demo [{any}]")),
        "create-staff" => command.override_usage(format!("tongcheng create-staff [{any}] --email <{}>", td_string!(l, email.cli.help.email_value))),
        _ => command,
    };
    let usage = td_string!(l, email.cli.help.usage);
    let (options, arguments) = (td_string!(l, email.cli.help.options), td_string!(l, email.cli.help.arguments));
    command
        .help_template(format!("{{about-with-newline}}\n{usage} {{usage}}\n\n{{all-args}}{{after-help}}"))
        .subcommand_help_heading(td_string!(l, email.cli.help.commands))
        .subcommand_value_name(td_string!(l, email.cli.help.command))
        .disable_help_subcommand(true)
        .disable_help_flag(true)
        .arg(Arg::new("help").short('h').long("help").action(ArgAction::Help).help(td_string!(l, email.cli.help.help)))
        .mut_args(move |arg| {
            let heading = if arg.is_positional() { arguments } else { options };
            let arg = arg.help_heading(heading);
            // clap's "[default: …]" and "[env: …]" are English: the help texts say them.
            let said = |arg: Arg| arg.hide_default_value(true).hide_env(true);
            match arg.get_id().as_str() {
                "path" => arg.help(td_string!(l, email.cli.help.backup_path)).value_name(td_string!(l, email.cli.help.path_value)),
                "fans" => said(arg).help(td_string!(l, email.cli.help.seed_fans)).value_name("N"),
                "email" => arg.help(td_string!(l, email.cli.help.staff_email)).value_name(td_string!(l, email.cli.help.email_value)),
                "name" => said(arg).help(td_string!(l, email.cli.help.staff_name)).value_name(td_string!(l, email.cli.help.name_value)),
                "password" => said(arg).help(td_string!(l, email.cli.help.staff_password)).value_name(td_string!(l, email.cli.help.password_value)),
                "city" => said(arg).help(td_string!(l, email.cli.help.staff_city)).value_name(td_string!(l, email.cli.help.city_value)),
                "admin" => arg.help(td_string!(l, email.cli.help.staff_admin)),
                "lang" => arg.help(td_string!(l, email.cli.help.staff_lang)).value_name(td_string!(l, email.cli.help.lang_value)),
                _ => arg,
            }
        })
}

/// What a mistake on the command line is answered with, in `l`: what is wrong, then
/// where the help is.
pub fn mistake(error: &clap::Error, l: Locale) -> String {
    let context = |kind| match error.get(kind) {
        Some(ContextValue::String(s)) => s.clone(),
        Some(ContextValue::Strings(all)) => all.join(", "),
        Some(other) => other.to_string(),
        None => String::new(),
    };
    let what = match error.kind() {
        ErrorKind::UnknownArgument => td_string!(l, email.cli.help.unknown_option, arg = context(ContextKind::InvalidArg)).to_string(),
        ErrorKind::InvalidSubcommand => td_string!(l, email.cli.help.unknown_command, arg = context(ContextKind::InvalidSubcommand)).to_string(),
        ErrorKind::MissingRequiredArgument => td_string!(l, email.cli.help.missing, arg = context(ContextKind::InvalidArg)).to_string(),
        ErrorKind::InvalidValue | ErrorKind::ValueValidation => {
            td_string!(l, email.cli.help.bad_value, arg = context(ContextKind::InvalidArg), value = context(ContextKind::InvalidValue)).to_string()
        }
        _ => td_string!(l, email.cli.help.wrong).to_string(),
    };
    format!("tongcheng: {what}\n{}", td_string!(l, email.cli.help.see_help))
}
