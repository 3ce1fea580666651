//! Test support for the libtorch crates of the bonescan workspace (bs-model, bs-train; a
//! dev-dependency only): tensors compared, networks given non-trivial state, the independent
//! PyTorch reference run.
//!
//! A crate of its own rather than a feature of `bs-testdata`: cargo unifies the features of a
//! workspace build, so a `torch` feature would link libtorch into the test binaries of the
//! libtorch-free crates too, which then would not start without `LD_LIBRARY_PATH`.

use tch::nn::VarStore;
use tch::{Kind, Tensor};

/// Gives every batch norm non-trivial γ, β and running statistics and every bias a non-zero
/// value, so a comparison exercises all of them. Variables are drawn in name order, so a seed
/// gives the same values every run.
pub fn perturb_batch_norm_and_biases(vs: &VarStore) {
    let mut variables: Vec<(String, Tensor)> = vs.variables().into_iter().collect();
    variables.sort_by(|a, b| a.0.cmp(&b.0));
    tch::no_grad(|| {
        for (name, mut t) in variables {
            let r = t.rand_like();
            let value = if name.ends_with("running_var") {
                r + 0.5
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

/// `‖t‖₂` in f64.
pub fn norm(t: &Tensor) -> f64 {
    t.to_kind(Kind::Double).norm().double_value(&[])
}

/// `‖a − b‖₂ / ‖b‖₂` (the denominator at least 1e-30).
pub fn relative_error(a: &Tensor, b: &Tensor) -> f64 {
    norm(&(a - b)) / norm(b).max(1e-30)
}

/// Runs the independent PyTorch reference `python/reference/double_unet.py <args>` in the
/// project environment; returns its stdout.
pub fn run_reference(args: &[&str]) -> String {
    let script = bs_testdata::workspace_root().join("python/reference/double_unet.py");
    let script = script.to_str().expect("UTF-8 path");
    let mut all = vec![script];
    all.extend_from_slice(args);
    bs_testdata::run_python(
        "import runpy, sys; sys.argv = sys.argv[1:]; runpy.run_path(sys.argv[0], run_name='__main__')",
        &all,
    )
}
