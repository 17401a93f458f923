//! PLACEHOLDER: replaced by the owning work stream; the command reports that it is unavailable.

#[derive(clap::Args)]
pub struct Args {}

pub fn run(_args: Args) -> anyhow::Result<()> {
    anyhow::bail!("this command is not available in this build yet")
}
