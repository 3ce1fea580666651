//! Helpers shared by the bs-model integration tests.
#![allow(dead_code)]

use std::path::PathBuf;

use tch::nn::VarStore;
use tch::{Device, Kind, Tensor};

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

/// Gives every batch norm non-trivial γ, β and running statistics and every bias a non-zero
/// value, so an evaluation-mode comparison exercises all of them.
pub fn perturb_batch_norm_and_biases(vs: &VarStore) {
    tch::no_grad(|| {
        for (name, mut t) in vs.variables() {
            let r = t.rand_like();
            let value = if name.ends_with("running_var") {
                r * 1.0 + 0.5
            } else if name.ends_with("running_mean") {
                (r - 0.5) * 0.2
            } else if name.contains(".bn.") && name.ends_with("weight") {
                r * 0.4 + 0.8
            } else if name.ends_with("bias") {
                (r - 0.5) * 0.1
            } else {
                continue;
            };
            t.copy_(&value);
        }
    });
}

/// `‖a − b‖₂ / ‖b‖₂`.
pub fn relative_error(a: &Tensor, b: &Tensor) -> f64 {
    let diff = (a - b).to_kind(Kind::Double).norm().double_value(&[]);
    diff / b.to_kind(Kind::Double).norm().double_value(&[]).max(1e-30)
}

/// The independent PyTorch reference module.
pub fn reference_script() -> PathBuf {
    bs_testdata::workspace_root().join("python/reference/double_unet.py")
}

/// Runs `python/reference/double_unet.py <args>` in the project venv; returns stdout.
pub fn run_reference(args: &[&str]) -> String {
    let script = reference_script();
    let script = script.to_str().expect("UTF-8 path");
    let mut all = vec![script];
    all.extend_from_slice(args);
    bs_testdata::run_python(
        "import runpy, sys; sys.argv = sys.argv[1:]; runpy.run_path(sys.argv[0], run_name='__main__')",
        &all,
    )
}
