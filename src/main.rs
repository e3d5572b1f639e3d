//! The `maillog421` binary: runs the command line, exits with the status
//! the run ends with (0 ok, 1 threshold crossed, 2 errors).

fn main() {
    std::process::exit(maillog421::main_with_args(std::env::args_os()));
}
