//! The `maillog421` binary: parse the command line, run, exit.

use clap::Parser;

fn main() {
    let cli = maillog421::cli::Cli::parse();
    let code = maillog421::run::run(&cli);
    std::process::exit(code);
}
