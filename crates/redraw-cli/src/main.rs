//! `redraw`: the command-line front door.
//!
//! This crate is deliberately thin: it parses arguments, reads and writes files, and renders
//! tables. Every computation lives in a library crate (see ARCHITECTURE.md). Each subcommand has
//! its own module under `cmd/`, owning its `Args` struct and a `run` function.

mod cmd;
mod output;

use clap::{Parser, Subcommand};

/// What happens to American representation when lines are redrawn.
///
/// redraw evaluates new state lines (Senate, House apportionment, Electoral College,
/// counterfactual presidential results, malapportionment, federal fiscal balance) and draws
/// ensembles of neutral district plans to judge enacted maps. Everything runs offline on
/// embedded official data unless you pass your own files.
#[derive(Parser)]
#[command(name = "redraw", version, about, long_about, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    // A doc comment on a variant would replace the command's own long help (its `Args` doc
    // comment), so the one-line summaries for `redraw --help` are set with `about` instead.
    #[command(about = "Evaluate a scenario (a built-in preset name or a TOML file) against today's map")]
    Scenario(cmd::scenario::Args),
    #[command(about = "List the built-in scenario presets")]
    Scenarios(cmd::scenarios::Args),
    #[command(
        about = "Apportion the House among the states (Huntington-Hill and the other classic methods)"
    )]
    Apportion(cmd::apportion::Args),
    #[command(about = "List the counties of a state from the embedded data")]
    Counties(cmd::counties::Args),
    /// Work with graphs: inspect them, or build one from shapes.
    #[command(subcommand)]
    Graph(cmd::graph::Command),
    /// Draw an ensemble of neutral district plans: Markov chains (ReCom and friends) or Sequential Monte Carlo.
    // Boxed: its flags make it by far the largest variant.
    Ensemble(Box<cmd::ensemble::Args>),
    #[command(about = "Merge the shards of an ensemble run (--chain-range) into one run directory")]
    Merge(cmd::merge::Args),
    /// Work with plans: import a Census block-assignment file to a graph's units.
    #[command(subcommand)]
    Plan(cmd::plan::Command),
    #[command(about = "Judge a plan against an ensemble: metrics, percentiles, verdicts and diagnostics")]
    Judge(cmd::judge::Args),
    #[command(about = "Draw neutral splits of a state into new states and place named proposals among them")]
    Split(cmd::split::Args),
    #[command(about = "Draw a map of a scenario or a plan as SVG")]
    Map(cmd::map::Args),
    #[command(about = "Plot ensemble statistics: histograms, vote-share boxplots, trace plots")]
    Plot(cmd::plot::Args),
    #[command(about = "Start the local web app: paint new state lines and watch every figure change")]
    Serve(cmd::serve::Args),
    /// Regenerate the embedded data tables from the raw public files (maintainers only).
    #[command(hide = true)]
    DeriveData(cmd::derive_data::Args),
}

fn main() {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Scenario(a) => cmd::scenario::run(a),
        Command::Scenarios(a) => cmd::scenarios::run(a),
        Command::Apportion(a) => cmd::apportion::run(a),
        Command::Counties(a) => cmd::counties::run(a),
        Command::Graph(c) => cmd::graph::run(c),
        Command::Ensemble(a) => cmd::ensemble::run(*a),
        Command::Merge(a) => cmd::merge::run(a),
        Command::Plan(c) => cmd::plan::run(c),
        Command::Judge(a) => cmd::judge::run(a),
        Command::Split(a) => cmd::split::run(a),
        Command::Map(a) => cmd::map::run(a),
        Command::Plot(a) => cmd::plot::run(a),
        Command::Serve(a) => cmd::serve::run(a),
        Command::DeriveData(a) => cmd::derive_data::run(a),
    };
    if let Err(err) = result {
        output::report_error(&err);
        std::process::exit(output::exit_code(&err));
    }
}
