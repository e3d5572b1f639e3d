//! The `maillog421` binary: parse the command line, run, exit with the
//! status the run's [`ExitCode`](maillog421::exit::ExitCode) stands for.

use clap::Parser;

fn main() {
    let cli = maillog421::cli::Cli::parse();
    let code = maillog421::run::run(&cli);
    std::process::exit(code.status());
}
