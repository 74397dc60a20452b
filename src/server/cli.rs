//! The command line: `tongcheng [serve|migrate|check|backup|seed-demo|create-staff]`.
//! Its help, its mistakes and what a command reports are in the terminal's language
//! (`LC_ALL`, `LC_MESSAGES`, `LANG`; Chinese by default: `infra::locale::terminal`); the
//! help texts come from the catalogue (`cli_help`), the doc comments here are for readers.
use crate::i18n::td_string;
use crate::infra::config::Config;
use crate::infra::locale::terminal;
use crate::accounts::Role;
use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "tongcheng", version, about = "Tongcheng 同城会: city meetups for a fan community")]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the web site (the default)
    Serve,
    /// Apply database migrations and load the city reference data, then exit
    Migrate,
    /// Check the data's invariants (seats, waiting lists, tickets, fan counts) on the
    /// live database; prints one line per violation and exits with 1 if there is any
    Check,
    /// Copy the SQLite database to PATH, consistently, while the site runs (restore by
    /// pointing DATABASE_URL at the copy); for PostgreSQL use pg_dump
    Backup {
        /// Where the copy goes; must not exist yet
        path: std::path::PathBuf,
    },
    /// Add demo fans spread unevenly over the cities (idempotent)
    SeedDemo {
        /// How many demo fans there should be
        #[arg(long, default_value_t = 2000)]
        fans: u64,
    },
    /// Recompute every fan's attendance, points and badges from the record (safe to run
    /// any time, also while the site runs); prints what it changed
    Backfill,
    /// Queue this week's club digest now instead of on Friday evening (once a week: does
    /// nothing if it went out already, or if no club posted news)
    SendDigest,
    /// Create a staff account, or make an existing account staff
    CreateStaff {
        #[arg(long)]
        email: String,
        #[arg(long, default_value = "Staff")]
        name: String,
        /// Omit to have one generated and printed
        #[arg(long, env = "STAFF_PASSWORD", hide_env_values = true)]
        password: Option<String>,
        /// Home city, in Chinese or pinyin
        #[arg(long, default_value = "北京")]
        city: String,
        /// Make the account an admin rather than staff
        #[arg(long)]
        admin: bool,
        /// The account's language (zh-CN or en): its emails, and its pages after log-in
        /// on a new device. Default: the terminal's.
        #[arg(long)]
        lang: Option<String>,
    },
}

pub async fn run() -> ExitCode {
    // The terminal's language may come from `.env`, like every setting.
    let _ = dotenvy::dotenv();
    let cli = match parse(terminal()) {
        Ok(cli) => cli,
        Err(code) => return code,
    };
    let result = match Config::from_env() {
        Ok(config) => {
            super::telemetry::init_logging(config.json_logs);
            execute(cli.command.unwrap_or(Command::Serve), config).await
        }
        Err(error) => Err(error),
    };
    match result {
        Ok(code) => code,
        Err(error) => {
            eprintln!("tongcheng: {error}");
            ExitCode::from(2)
        }
    }
}

/// The command line read, or the exit code after its help, version or mistake is printed.
fn parse(l: crate::i18n::Locale) -> Result<Cli, ExitCode> {
    use clap::error::ErrorKind;
    let parsed = super::cli_help::localize(Cli::command(), l).try_get_matches().and_then(|m| Cli::from_arg_matches(&m));
    parsed.map_err(|error| match error.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
            let _ = error.print();
            ExitCode::SUCCESS
        }
        ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            let _ = error.print();
            ExitCode::from(2)
        }
        _ => {
            eprintln!("{}", super::cli_help::mistake(&error, l));
            ExitCode::from(2)
        }
    })
}

async fn execute(command: Command, config: Config) -> Result<ExitCode, String> {
    match command {
        Command::Serve => super::start::serve(config).await.map(|()| ExitCode::SUCCESS),
        Command::Migrate => {
            super::start::open_database(&config).await?;
            println!("{}", td_string!(terminal(), email.cli.migrated));
            Ok(ExitCode::SUCCESS)
        }
        Command::Check => {
            let db = super::start::open_database(&config).await?;
            let found = crate::meetups::invariants::found(&db, crate::infra::clock::now()).await.map_err(|e| e.to_string())?;
            if found.is_empty() {
                println!("{}", td_string!(terminal(), email.cli.no_violations));
                return Ok(ExitCode::SUCCESS);
            }
            for violation in &found {
                println!("{}", violation.describe(terminal()));
            }
            Ok(ExitCode::from(1))
        }
        Command::Backup { path } => {
            crate::infra::db::backup_sqlite(&config.database_url, &path).await?;
            println!("{}", td_string!(terminal(), email.cli.backed_up, path = path.display()));
            Ok(ExitCode::SUCCESS)
        }
        Command::SeedDemo { fans } => {
            let db = super::start::open_database(&config).await?;
            let added = super::seed::seed_demo(&db, fans, true).await?;
            let password = format!("{:?}", super::seed::DEMO_PASSWORD);
            println!("{}", td_string!(terminal(), email.cli.seeded, added = added, fans = fans, password = password));
            Ok(ExitCode::SUCCESS)
        }
        Command::Backfill => {
            let db = super::start::open_database(&config).await?;
            let bar = indicatif::ProgressBar::new(0);
            let template = format!("{{bar:40}} {{pos}}/{{len}} {}", td_string!(terminal(), email.cli.backfilling, eta = "{eta}"));
            bar.set_style(indicatif::ProgressStyle::with_template(&template).map_err(|e| e.to_string())?);
            let done = crate::participation::backfill::run(&db, crate::infra::clock::now(), &config.public_url, &bar).await.map_err(|e| e.to_string())?;
            let l = terminal();
            if done.nothing() {
                println!("{}", td_string!(l, email.cli.backfill_nothing));
            } else {
                let (attendance, points, badges) = (done.attendance_recorded, done.settled.points_paid, done.settled.badges_awarded);
                println!("{}", td_string!(l, email.cli.backfill_changed, attendance = attendance, points = points, badges = badges));
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::SendDigest => {
            let db = super::start::open_database(&config).await?;
            let queued = crate::clubs::digest::queue_week(&db, &config.public_url, crate::infra::clock::now()).await.map_err(|e| e.to_string())?;
            println!("{}", td_string!(terminal(), email.cli.digest_queued, count = queued));
            Ok(ExitCode::SUCCESS)
        }
        Command::CreateStaff { email, name, password, city, admin, lang } => {
            let db = super::start::open_database(&config).await?;
            let role = if admin { Role::Admin } else { Role::Staff };
            let locale = lang.as_deref().map_or_else(terminal, crate::language::locale_from_tag);
            let generated = super::seed::create_staff(&db, &email, &name, password.as_deref(), &city, role, locale).await?;
            let l = terminal();
            let ready = match (role, generated) {
                (Role::Admin, Some(password)) => td_string!(l, email.cli.admin_ready_password, email = &email, password = password).to_string(),
                (Role::Admin, None) => td_string!(l, email.cli.admin_ready, email = &email).to_string(),
                (_, Some(password)) => td_string!(l, email.cli.staff_ready_password, email = &email, password = password).to_string(),
                (_, None) => td_string!(l, email.cli.staff_ready, email = &email).to_string(),
            };
            println!("{ready}");
            Ok(ExitCode::SUCCESS)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Locale;

    /// The help of the program and of each command, as `--help` prints it.
    fn helps(l: Locale) -> Vec<String> {
        let mut command = super::super::cli_help::localize(Cli::command(), l);
        command.build();
        let mut all = vec![command.render_help().to_string()];
        let names: Vec<String> = command.get_subcommands().map(|s| s.get_name().to_string()).collect();
        for name in names {
            if let Some(sub) = command.find_subcommand_mut(&name) {
                all.push(sub.render_help().to_string());
            }
        }
        all
    }

    #[test]
    fn the_help_is_in_the_terminals_language() {
        let (zh, en) = (helps(Locale::zh_CN), helps(Locale::en));
        assert_eq!(zh.len(), 9, "the program and its eight commands");
        for english in ["Usage", "Options", "Commands", "Arguments", "Print help", "default:", "[env:", "Run the web site", "help of the given"] {
            assert!(zh.iter().all(|h| !h.contains(english)), "{english:?} in the Chinese help: {zh:#?}");
        }
        for chinese in ["用法：", "命令", "选项", "显示帮助", "运行网站", "检查数据的不变量", "<路径>"] {
            assert!(zh.iter().any(|h| h.contains(chinese)), "{chinese:?}: {zh:#?}");
        }
        assert!(en.iter().any(|h| h.contains("Usage: tongcheng check")) && en.iter().any(|h| h.contains("Check the data's invariants")));
        assert!(en.iter().all(|h| !h.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)) || h.contains("同城会") || h.contains("北京")), "{en:#?}");
    }

    #[test]
    fn a_mistake_is_one_line_in_the_terminals_language() {
        for (args, zh, en) in [
            (vec!["tongcheng", "nonsense"], "无法识别的命令 nonsense", "unknown command nonsense"),
            (vec!["tongcheng", "check", "--loud"], "无法识别的选项 --loud", "unknown option --loud"),
            (vec!["tongcheng", "create-staff"], "缺少 --email", "missing --email"),
            (vec!["tongcheng", "seed-demo", "--fans", "many"], "无法识别 many", "cannot read many"),
        ] {
            for (l, said) in [(Locale::zh_CN, zh), (Locale::en, en)] {
                let error = super::super::cli_help::localize(Cli::command(), l).try_get_matches_from(&args).err().expect("a mistake");
                let line = super::super::cli_help::mistake(&error, l);
                assert!(line.starts_with("tongcheng: ") && line.contains(said), "{args:?}: {line}");
            }
        }
    }
}
