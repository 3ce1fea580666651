//! Fuzz target: any pair of files as a checkpoint (`model.safetensors` and its sidecar
//! `model.json`) gives the restored network or a typed error, never a panic. The input packs
//! both: a little-endian u32 with the sidecar's length, the sidecar, then the weights.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tch::Device;

#[path = "../../../bs-preprocess/fuzz/fuzz_targets/scratch.rs"]
mod scratch;

fuzz_target!(|data: &[u8]| {
    let Some((len, rest)) = data.split_first_chunk::<4>() else {
        return;
    };
    let len = (u32::from_le_bytes(*len) as usize).min(rest.len());
    let (sidecar, weights) = rest.split_at(len);
    let dir = scratch::dir();
    let path = dir.join("model.safetensors");
    std::fs::write(&path, weights).expect("scratch file");
    std::fs::write(dir.join("model.json"), sidecar).expect("scratch file");
    if let Ok(checkpoint) = bs_model::checkpoint::load(&path, Device::Cpu) {
        // what was restored is what the sidecar described
        let sidecar = bs_model::checkpoint::read_sidecar(&path).expect("read once already");
        assert_eq!(checkpoint.config, sidecar.config);
        let variables = checkpoint.var_store.variables();
        assert_eq!(variables.len(), sidecar.tensors.len());
        for (name, info) in &sidecar.tensors {
            assert_eq!(variables[name].size(), info.shape, "{name}");
        }
    }
});
