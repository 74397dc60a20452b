#[tokio::main]
async fn main() -> std::process::ExitCode {
    tongcheng::server::cli::run().await
}
