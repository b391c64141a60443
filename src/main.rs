use clap::Parser;

fn main() -> std::process::ExitCode {
    let cli = promptctl::cli::Cli::parse();
    promptctl::run(cli).into()
}
