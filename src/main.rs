//! The `sweep` command: see `sweep::cli`.

fn main() -> std::process::ExitCode {
    sweep::cli::main()
}
