//! A tiny Double U-Net learns a synthetic segmentation on the CPU: the loss of a few dozen Adam
//! steps falls, for both variants. The losses are written inline (bs-losses is its own crate).

mod common;

use tch::nn::{Adam, OptimizerConfig};
use tch::{Device, Kind, Tensor};

use bs_model::{with_mixed_precision, Variant};
use common::tiny;

const SIDE: i64 = 32;
const STEPS: usize = 60;

/// Two images with bright square "lesions" on a dimmer "bone" band, and their masks:
/// BG 0, NM 1 (band), M 2 (squares).
fn synthetic_batch() -> (Tensor, Tensor) {
    let labels = Tensor::zeros([2, SIDE, SIDE], (Kind::Int64, Device::Cpu));
    let _ = labels.narrow(2, 8, 16).fill_(1);
    let _ = labels.get(0).narrow(0, 4, 6).narrow(1, 10, 6).fill_(2);
    let _ = labels.get(1).narrow(0, 20, 8).narrow(1, 12, 8).fill_(2);
    let intensity = Tensor::from_slice(&[0.05f32, 0.4, 0.95]);
    let x = intensity
        .index_select(0, &labels.view([-1]))
        .view([2, 1, SIDE, SIDE])
        .expand([2, 3, SIDE, SIDE], false);
    let noise = Tensor::rand([2, 3, SIDE, SIDE], (Kind::Float, Device::Cpu)) * 0.05;
    ((x + noise).contiguous(), labels)
}

/// Binary: mean BCE + soft Dice of the M class on both heads.
/// Three classes: mean cross-entropy + soft Dice of NM and M on both heads.
fn loss(variant: Variant, out: &bs_model::DoubleUNetOutput, labels: &Tensor) -> Tensor {
    let mut total = Tensor::zeros([], (Kind::Float, Device::Cpu));
    for (logits, probs) in [(&out.logits1, &out.out1), (&out.logits2, &out.out2)] {
        let (ce, target) = match variant {
            Variant::Binary => {
                let target = labels.eq(2).to_kind(Kind::Float).unsqueeze(1);
                (
                    logits.binary_cross_entropy_with_logits::<Tensor>(
                        &target,
                        None,
                        None,
                        tch::Reduction::Mean,
                    ),
                    target,
                )
            }
            _ => {
                let onehot = labels.one_hot(3).permute([0, 3, 1, 2]).to_kind(Kind::Float);
                let ce = -(logits.log_softmax(1, Kind::Float) * &onehot)
                    .sum_dim_intlist(1, false, Kind::Float)
                    .mean(Kind::Float);
                (ce, onehot.narrow(1, 1, 2))
            }
        };
        let p = if variant == Variant::Binary {
            probs.shallow_clone()
        } else {
            probs.narrow(1, 1, 2)
        };
        let inter = (&p * &target).sum(Kind::Float);
        let dice = 1.0 - (inter * 2.0 + 1.0) / (p.sum(Kind::Float) + target.sum(Kind::Float) + 1.0);
        total = total + ce + dice;
    }
    total
}

fn train(variant: Variant) -> Vec<f64> {
    let (vs, model) = tiny(variant, 0.125, SIDE, 5);
    let (x, labels) = synthetic_batch();
    let mut opt = Adam::default().build(&vs, 1e-2).unwrap();
    (0..STEPS)
        .map(|_| {
            // Autocast is a no-op without CUDA; the call is here so the CPU path is the GPU path.
            let out = with_mixed_precision(true, || model.try_forward_t(&x, true)).unwrap();
            let loss = loss(variant, &out, &labels);
            opt.backward_step(&loss);
            f64::try_from(loss).unwrap()
        })
        .collect()
}

fn assert_falls(variant: Variant, losses: &[f64]) {
    assert!(
        losses.iter().all(|l| l.is_finite()),
        "{variant}: {losses:?}"
    );
    let first = losses[..3].iter().sum::<f64>() / 3.0;
    let last = losses[losses.len() - 3..].iter().sum::<f64>() / 3.0;
    assert!(
        last < 0.7 * first,
        "{variant}: loss {first:.4} → {last:.4} did not fall enough: {losses:?}"
    );
}

/// Both variants in one test: `tch::manual_seed` is process-wide, so two training tests in
/// parallel threads would draw from one generator and not be reproducible.
#[test]
fn loss_falls_for_both_variants() {
    // One intra-op thread: CI has two cores and other test binaries run beside this one.
    tch::set_num_threads(1);
    for variant in [Variant::Binary, Variant::ThreeClass] {
        assert_falls(variant, &train(variant));
    }
}
