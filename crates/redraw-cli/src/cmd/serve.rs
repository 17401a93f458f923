//! `redraw serve`: the local web app. Thin: flags, the listening address, the browser; the app
//! itself is the redraw-server crate.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;

/// The long help: clap shows the one-line summary from `main.rs` and this after the options.
const LONG_HELP: &str = "\
Start the local web app: paint new state lines on the county map (start from a preset or
today's map, paint counties into new or existing states, undo, name the parts) and watch
everything `redraw scenario` reports change live: Senate, House seats by any method and size,
the Electoral College of 2016, 2020 and 2024 (a bar and a red/blue map), each new state's
margin, malapportionment, federal taxes and balance. Share a link (the whole scenario is in
the URL), import or export the scenario file, download the map as SVG, compare the map with
neutral splits of the state, and, with --runs, view ensemble runs and judge plans.

Everything runs offline from the binary. The server listens on 127.0.0.1 (this computer only)
and refuses requests whose Host or Origin is not its own. The JSON API is documented in
docs/api.md.

Examples:
  redraw serve                      # then open http://127.0.0.1:8642/
  redraw serve --open --port 9000
  redraw serve --runs runs/         # also view and judge the ensemble runs under runs/";

/// Start the local web app (state-line editor with live figures, neutral splits, ensemble
/// viewer).
#[derive(clap::Args)]
#[command(after_long_help = LONG_HELP)]
pub struct Args {
    /// Port to listen on (0 picks a free one).
    #[arg(long, default_value_t = 8642)]
    pub port: u16,
    /// Address to listen on. The default reaches this computer only; any other address lets
    /// other machines use the app (a warning says so).
    #[arg(long, default_value = "127.0.0.1")]
    pub host: IpAddr,
    /// Open the app in the default web browser.
    #[arg(long)]
    pub open: bool,
    /// A directory of ensemble runs (`redraw ensemble --out`) to view and judge. Nothing
    /// outside it is read; put the graphs, plan CSVs and shapes the runs need inside it.
    #[arg(long, value_name = "DIR")]
    pub runs: Option<PathBuf>,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let config =
        redraw_server::Config { addr: SocketAddr::new(args.host, args.port), runs: args.runs.clone() };
    let open = args.open;
    let with_runs = args.runs.is_some();
    redraw_server::run(config, move |addr| {
        if !addr.ip().is_loopback() {
            eprintln!(
                "warning: listening on {addr}: anyone who can reach this machine on port {} can use the app{}",
                addr.port(),
                if with_runs { " and read the runs under --runs" } else { "" }
            );
        }
        let host = if addr.ip().is_unspecified() || addr.ip().is_loopback() {
            format!("127.0.0.1:{}", addr.port())
        } else {
            addr.to_string()
        };
        let url = format!("http://{host}/");
        // One line on stdout that scripts can read; the rest goes to stderr.
        println!("redraw serve: {url}");
        eprintln!("press Ctrl-C to stop");
        if open {
            if let Err(e) = open_browser(&url) {
                eprintln!("note: could not open a browser ({e}); open {url} yourself");
            }
        }
    })
    .map_err(|e| match e {
        redraw_server::ServerError::Bind { addr, source }
            if source.kind() == std::io::ErrorKind::AddrInUse =>
        {
            anyhow::anyhow!("cannot listen on {addr}: the port is in use (try --port 0 for any free port)")
        }
        other => other.into(),
    })
}

fn open_browser(url: &str) -> std::io::Result<()> {
    let mut cmd = if cfg!(target_os = "macos") {
        std::process::Command::new("open")
    } else if cfg!(windows) {
        let mut c = std::process::Command::new("cmd");
        c.args(["/C", "start", ""]);
        c
    } else {
        std::process::Command::new("xdg-open")
    };
    cmd.arg(url).stdout(std::process::Stdio::null()).stderr(std::process::Stdio::null()).spawn().map(|_| ())
}
