//! The Rust Double U-Net against the independent PyTorch reference
//! (`python/reference/double_unet.py`, written from the Keras code): same weights, same input,
//! both heads (probabilities and logits) must agree to a relative error below 1e-6 in fp32 on
//! the CPU, for the binary and the three-class network.
//!
//! At 256×256 the ASPP bottleneck is 16×16, so the off-centre taps of rates 6 and 12 read real
//! features: swapping the rates for 4/8/16 fails this test (at 64×64, a 4×4 bottleneck, every
//! tap of rate ≥ 4 fell in the padding and such a swap passed). Rate 18 reaches real features
//! off-centre only from a 19×19 bottleneck (inputs ≥ 304 pixels a side); here its branch acts
//! as a 1×1 convolution.

mod common;

use std::collections::HashMap;

use tch::{Kind, Tensor};

use bs_model::Variant;
use bs_testdata_torch::{perturb_batch_norm_and_biases, relative_error, run_reference};
use common::tiny;

const SIDE: i64 = 256;
const BATCH: i64 = 2;

fn compare_with_pytorch(variant: Variant, seed: i64) {
    let dir = bs_testdata::output_dir(&format!("bs-model-reference-{variant}"));
    let (vs, model) = tiny(variant, 0.25, SIDE, seed);
    perturb_batch_norm_and_biases(&vs);
    let weights = dir.join("weights.safetensors");
    vs.save(&weights).expect("export weights");

    let x = Tensor::rand([BATCH, 3, SIDE, SIDE], (Kind::Float, tch::Device::Cpu));
    let input = dir.join("input.safetensors");
    Tensor::write_safetensors(&[("x", &x)], &input).expect("write input");
    let output = dir.join("pytorch.safetensors");
    let spec = serde_json::json!({
        "threads": 1,
        "cases": [{
            "config": model.config(),
            "weights": weights,
            "input": input,
            "output": output,
        }]
    });
    let spec_path = dir.join("spec.json");
    std::fs::write(&spec_path, spec.to_string()).unwrap();
    run_reference(&["forward", spec_path.to_str().unwrap()]);

    let rust = tch::no_grad(|| model.try_forward_t(&x, false)).expect("forward");
    let torch: HashMap<String, Tensor> = Tensor::read_safetensors(&output)
        .unwrap()
        .into_iter()
        .collect();
    let classes = variant.num_classes();
    for (name, ours) in [
        ("out1", &rust.out1),
        ("out2", &rust.out2),
        ("logits1", &rust.logits1),
        ("logits2", &rust.logits2),
    ] {
        let theirs = &torch[name];
        assert_eq!(ours.size(), [BATCH, classes, SIDE, SIDE], "{name} shape");
        assert_eq!(ours.size(), theirs.size(), "{name} shape vs PyTorch");
        let err = relative_error(ours, theirs);
        eprintln!("{variant} {name}: relative error {err:e} against PyTorch");
        assert!(
            err < 1e-6,
            "{variant} {name}: relative error {err:e} against PyTorch"
        );
        // The comparison must be about a non-constant map, or it would prove little.
        let spread = f64::try_from(ours.std(true)).unwrap();
        assert!(
            spread > 1e-4,
            "{variant} {name}: output is nearly constant (std {spread:e})"
        );
    }
}

#[test]
fn binary_network_matches_pytorch_reference() {
    compare_with_pytorch(Variant::Binary, 11);
}

#[test]
fn three_class_network_matches_pytorch_reference() {
    compare_with_pytorch(Variant::ThreeClass, 12);
}
