//! The `fiscalsim` binary: parses the command line and hands it to the library.

use clap::Parser;

fn main() {
    let cli = fiscalsim::cmd::Cli::parse();
    std::process::exit(fiscalsim::cmd::main(cli));
}
