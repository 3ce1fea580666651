//! Writes the seeds of the `checkpoint` fuzz target (`crates/bs-model/fuzz`): small networks
//! of both variants saved as checkpoints, each packed as the target reads its input (a
//! little-endian u32 with the sidecar's length, the sidecar, the safetensors weights).
//!
//! `cargo run -p bs-model --example fuzz_seeds -- SEEDS_DIR` writes `SEEDS_DIR/checkpoint/`.

use std::path::PathBuf;

use bs_model::{checkpoint, DoubleUNetConfig, Variant};
use tch::nn::VarStore;
use tch::Device;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let out = PathBuf::from(
        std::env::args()
            .nth(1)
            .ok_or("usage: fuzz_seeds SEEDS_DIR")?,
    );
    let dir = out.join("checkpoint");
    std::fs::create_dir_all(&dir)?;
    let scratch = tempfile::tempdir()?;
    for (name, variant, width) in [
        ("three-class", Variant::ThreeClass, 1.0 / 64.0),
        ("binary", Variant::Binary, 1.0 / 32.0),
    ] {
        let config = DoubleUNetConfig::new(variant)
            .with_width_multiplier(width)
            .with_input_size(32, 32);
        let vs = VarStore::new(Device::Cpu);
        config.init(&vs.root())?;
        let weights = scratch.path().join(format!("{name}.safetensors"));
        checkpoint::save(&vs, &config, &weights)?;
        let sidecar = std::fs::read(checkpoint::sidecar_path(&weights))?;
        let mut packed = (sidecar.len() as u32).to_le_bytes().to_vec();
        packed.extend(sidecar);
        packed.extend(std::fs::read(&weights)?);
        std::fs::write(dir.join(format!("{name}.bin")), packed)?;
    }
    Ok(())
}
