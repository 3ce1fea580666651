//! Helpers shared by the bs-model integration tests.
#![allow(dead_code)]

use tch::nn::VarStore;
use tch::Device;

use bs_model::{DoubleUNet, DoubleUNetConfig, Variant};

/// Serialises the tests of one test binary that draw from libtorch's random generator: it is
/// process-wide, so a test comparing two initialisations of the same seed fails whenever a test
/// on another thread draws in between (seen in CI: `head_prior_starts_every_pixel_…`). Hold it
/// for the whole test.
pub fn rng_lock() -> std::sync::MutexGuard<'static, ()> {
    static RNG: std::sync::Mutex<()> = std::sync::Mutex::new(());
    // a test that failed while holding it leaves nothing half-done for the next one
    RNG.lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// A tiny network on the CPU with a fixed seed.
pub fn tiny(variant: Variant, width: f64, side: i64, seed: i64) -> (VarStore, DoubleUNet) {
    let config = DoubleUNetConfig::new(variant)
        .with_width_multiplier(width)
        .with_input_size(side, side);
    seeded(&config, seed)
}

/// The network of `config` on the CPU with a fixed seed.
pub fn seeded(config: &DoubleUNetConfig, seed: i64) -> (VarStore, DoubleUNet) {
    // One intra-op thread: with two shared cores, libtorch's thread pool spins and slows the
    // tests tenfold.
    tch::set_num_threads(1);
    tch::manual_seed(seed);
    let vs = VarStore::new(Device::Cpu);
    let model = config.init(&vs.root()).expect("valid test config");
    (vs, model)
}
