//! The command line: `tongcheng [serve|migrate|check|backup|seed-demo|create-staff]`.
//! The help is English (clap's); what a command reports is in the terminal's language
//! (`LANG`, see `infra::locale::terminal`).
use crate::i18n::td_string;
use crate::infra::config::Config;
use crate::infra::locale::terminal;
use crate::accounts::Role;
use clap::{Parser, Subcommand};
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
    let cli = Cli::parse();
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
            let found = crate::meetups::invariants::violations(&db, crate::infra::clock::now()).await.map_err(|e| e.to_string())?;
            if found.is_empty() {
                println!("{}", td_string!(terminal(), email.cli.no_violations));
                return Ok(ExitCode::SUCCESS);
            }
            for line in &found {
                println!("{line}");
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
