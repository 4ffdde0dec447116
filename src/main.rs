use clap::Parser;

fn main() -> std::process::ExitCode {
    intentdojo::cli::main(intentdojo::cli::Cli::parse())
}
