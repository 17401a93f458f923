//! PLACEHOLDER: replaced by the owning work stream.

#[derive(clap::Subcommand)]
pub enum Command {
    /// Summarise a graph file: nodes, edges, components, column totals.
    Info {},
}

pub fn run(_cmd: Command) -> anyhow::Result<()> {
    anyhow::bail!("this command is not available in this build yet")
}
