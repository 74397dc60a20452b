//! The command line: `tongcheng [serve|migrate|check|seed-demo|create-staff]`.
use crate::infra::config::Config;
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
            println!("database is up to date");
            Ok(ExitCode::SUCCESS)
        }
        Command::Check => {
            let db = super::start::open_database(&config).await?;
            let found = crate::meetups::invariants::violations(&db, crate::infra::clock::now()).await.map_err(|e| e.to_string())?;
            if found.is_empty() {
                println!("no violations");
                return Ok(ExitCode::SUCCESS);
            }
            for line in &found {
                println!("{line}");
            }
            Ok(ExitCode::from(1))
        }
        Command::Backup { path } => {
            crate::infra::db::backup_sqlite(&config.database_url, &path).await?;
            println!("backed up to {}", path.display());
            Ok(ExitCode::SUCCESS)
        }
        Command::SeedDemo { fans } => {
            let db = super::start::open_database(&config).await?;
            let added = super::seed::seed_demo(&db, fans, true).await?;
            println!("added {added} demo fans ({fans} in all; password {:?})", super::seed::DEMO_PASSWORD);
            Ok(ExitCode::SUCCESS)
        }
        Command::CreateStaff { email, name, password, city, admin } => {
            let db = super::start::open_database(&config).await?;
            let role = if admin { Role::Admin } else { Role::Staff };
            let generated = super::seed::create_staff(&db, &email, &name, password.as_deref(), &city, role).await?;
            match generated {
                Some(password) => println!("{} account {email} ready; password: {password}", role.as_str()),
                None => println!("{} account {email} ready", role.as_str()),
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
