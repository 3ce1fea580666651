//! `bonescan weights vgg19`: converts ImageNet VGG19 weights (torchvision or Keras) into the
//! safetensors file `--encoder-weights` takes.

use std::path::PathBuf;

use bs_model::imagenet::{convert_vgg19, WeightFormat};

use super::CliResult;

/// Options of `bonescan weights`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub network: Network,
}

/// The pretrained networks bonescan converts.
#[derive(Debug, clap::Subcommand)]
pub enum Network {
    /// VGG19 (encoder 1 of the Double U-Net): torchvision's `vgg19-dcbb9e9d.pth` or Keras'
    /// `vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5`.
    Vgg19 {
        /// The downloaded weight file (format told by its content).
        #[arg(long)]
        from: PathBuf,
        /// The safetensors file to write.
        #[arg(long)]
        out: PathBuf,
    },
}

/// Converts, then prints the source's sha256 and every tensor mapped or skipped.
pub fn run(args: &Args) -> CliResult {
    let Network::Vgg19 { from, out } = &args.network;
    let c = convert_vgg19(from, out)?;
    let format = match c.format {
        WeightFormat::Torchvision => "torchvision state dict",
        WeightFormat::Keras => "Keras HDF5",
        _ => "weights",
    };
    println!("{} ({format})", from.display());
    println!("sha256 {}", c.sha256);
    for m in &c.mapped {
        println!("  {} -> {} {:?}", m.source, m.target, m.shape);
    }
    for name in &c.skipped {
        println!("  skipped {name} (not part of encoder 1)");
    }
    println!(
        "wrote {} ({} tensors); train with --encoder-weights {}",
        out.display(),
        c.mapped.len(),
        out.display()
    );
    Ok(())
}
