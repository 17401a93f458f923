//! PLACEHOLDER: replaced by the geometry work stream.

#[derive(clap::Args)]
pub struct Args {}

pub fn run(_args: Args) -> anyhow::Result<()> {
    anyhow::bail!("this command is not available in this build yet")
}
