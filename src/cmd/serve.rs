//! `fiscalsim serve`: a local web page where moving a lever re-runs the Monte Carlo.

use std::io::Write;
use std::net::IpAddr;
use std::sync::Arc;

use crate::cmd::ScenarioArgs;
use crate::error::{Error, Result};
use crate::serve::{api::State, http, lever::LeverSpec, session::Session};

/// Serve a scenario as a local web page: fan charts, key figures and one slider per lever.
///
/// Levers come from the scenario's `[sweep.vary]` table (each parameter's range) or from
/// `--lever ADDRESS=LO:HI`. Binds 127.0.0.1 unless `--host` says otherwise (docs/serve.md).
///
/// Example: fiscalsim serve scenarios/kazakhstan-2026-2040-sweep.toml --open
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The scenario and `--set` overrides.
    #[command(flatten)]
    pub scenario: ScenarioArgs,
    /// The port (0: any free port; the address is printed).
    #[arg(long, default_value_t = 8020)]
    pub port: u16,
    /// The address to listen on; anything but loopback exposes the page to the network.
    #[arg(long, default_value = "127.0.0.1")]
    pub host: IpAddr,
    /// Open the page in the default browser.
    #[arg(long)]
    pub open: bool,
    /// A lever `ADDRESS=LO:HI` (as for `--set`, e.g. structure.spending_multiplier=0.2:0.8);
    /// repeatable; replaces the `[sweep.vary]` levers.
    #[arg(long = "lever", value_name = "ADDRESS=LO:HI", value_parser = parse_lever)]
    pub lever: Vec<LeverSpec>,
    /// Monte Carlo draws per run (at most 200,000; the page can change it).
    #[arg(long, default_value_t = 20_000, value_parser = super::parse_draws)]
    pub draws: u64,
}

fn parse_lever(s: &str) -> std::result::Result<LeverSpec, String> {
    s.parse()
}

/// Runs `serve`: until interrupted.
pub(crate) fn run(args: &Args) -> Result<()> {
    let session = Session::new(
        &args.scenario.file,
        &args.scenario.set,
        &args.lever,
        args.draws,
    )?;
    if !args.host.is_loopback() {
        eprintln!(
            "warning: listening on {}: anyone who can reach this machine can use the page \
             (and its processors); use the default 127.0.0.1 unless you mean it",
            args.host
        );
    }
    let server = http::bind(args.host, args.port)?;
    let host = match server.addr.ip() {
        ip if ip.is_unspecified() => "127.0.0.1".to_string(),
        IpAddr::V6(ip) => format!("[{ip}]"),
        ip => ip.to_string(),
    };
    let url = format!("http://{host}:{}/", server.addr.port());
    let mut out = std::io::stdout();
    let _ = writeln!(
        out,
        "fiscalsim serve: {url} ({}, {} levers, {} draws); Ctrl-C stops",
        session.base.name,
        session.levers.len(),
        session.draws
    );
    let _ = out.flush();
    if args.open {
        open_browser(&url);
    }
    http::serve(server, Arc::new(State::new(session)));
    Err(Error::Internal("the server stopped".into()))
}

fn open_browser(url: &str) {
    let cmd = if cfg!(target_os = "macos") {
        ("open", vec![url])
    } else if cfg!(windows) {
        ("cmd", vec!["/C", "start", "", url])
    } else {
        ("xdg-open", vec![url])
    };
    if let Err(e) = std::process::Command::new(cmd.0).args(&cmd.1).spawn() {
        eprintln!(
            "warning: cannot open a browser ({}: {e}); open {url} yourself",
            cmd.0
        );
    }
}
