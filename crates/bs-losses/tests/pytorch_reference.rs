//! The Rust losses against an independent PyTorch implementation (`tests/reference/losses.py`)
//! on random tensors: loss values and gradients with respect to the probabilities, for every
//! reduction, both losses, sigmoid and SoftMax outputs and several exclusion sets, in one
//! Python call.

use bs_losses::{
    one_hot, BatchReduction, ClassReduction, DiceLossConfig, FocalTverskyLossConfig, LossConfig,
};
use bs_losses::{Loss, SegmentationLoss};
use serde_json::json;
use tch::{Device, Kind, Tensor};

struct Case {
    config: LossConfig,
    kind: Kind,
    empty_m: bool,
}

fn cases() -> Vec<Case> {
    let mut out = Vec::new();
    let reductions = [
        (BatchReduction::Pooled, ClassReduction::Pooled),
        (BatchReduction::Pooled, ClassReduction::Mean),
        (BatchReduction::PerImage, ClassReduction::Pooled),
        (BatchReduction::PerImage, ClassReduction::Mean),
    ];
    for (i, (b, c)) in reductions.into_iter().enumerate() {
        let kind = if i % 2 == 0 {
            Kind::Double
        } else {
            Kind::Float
        };
        for (excluded, num_classes) in [(vec![0], 3), (vec![1], 3), (vec![], 1)] {
            let dice = DiceLossConfig {
                num_classes,
                excluded_classes: excluded.clone(),
                ..DiceLossConfig::three_class()
            }
            .with_batch_reduction(b)
            .with_class_reduction(c);
            let ftl = FocalTverskyLossConfig {
                num_classes,
                excluded_classes: excluded.clone(),
                ..Default::default()
            }
            .with_batch_reduction(b)
            .with_class_reduction(c);
            out.push(Case {
                config: LossConfig::Dice(dice.clone()),
                kind,
                empty_m: false,
            });
            out.push(Case {
                config: LossConfig::Dice(dice.with_smooth(1.0)),
                kind,
                empty_m: num_classes == 3,
            });
            out.push(Case {
                config: LossConfig::FocalTversky(ftl.clone()),
                kind,
                empty_m: false,
            });
            out.push(Case {
                config: LossConfig::FocalTversky(
                    ftl.with_alpha_beta(0.6, 0.2)
                        .with_gamma(2.0)
                        .with_smooth(0.5),
                ),
                kind,
                empty_m: num_classes == 3 && b == BatchReduction::PerImage,
            });
        }
    }
    out
}

fn describe(config: &LossConfig) -> serde_json::Value {
    let red = |b: BatchReduction, c: ClassReduction| {
        (
            if b == BatchReduction::Pooled {
                "pooled"
            } else {
                "per_image"
            },
            if c == ClassReduction::Pooled {
                "pooled"
            } else {
                "mean"
            },
        )
    };
    match config {
        LossConfig::Dice(d) => {
            let (b, c) = red(d.batch_reduction, d.class_reduction);
            json!({"loss": "dice", "excluded": d.excluded_classes, "smooth": d.smooth, "batch": b, "class": c})
        }
        LossConfig::FocalTversky(f) => {
            let (b, c) = red(f.batch_reduction, f.class_reduction);
            json!({"loss": "focal_tversky", "excluded": f.excluded_classes, "smooth": f.smooth,
                   "alpha": f.alpha, "beta": f.beta, "gamma": f.gamma, "batch": b, "class": c})
        }
        _ => unreachable!("only the two losses of the paper exist"),
    }
}

fn num_classes(config: &LossConfig) -> i64 {
    match config {
        LossConfig::Dice(d) => d.num_classes as i64,
        LossConfig::FocalTversky(f) => f.num_classes as i64,
        _ => unreachable!(),
    }
}

#[test]
fn losses_and_gradients_match_pytorch() {
    tch::manual_seed(20240611);
    let cases = cases();
    let mut tensors: Vec<(String, Tensor)> = Vec::new();
    let mut rust: Vec<(f64, Tensor)> = Vec::new();
    for (i, case) in cases.iter().enumerate() {
        let c = num_classes(&case.config);
        let (n, h, w) = (3, 12, 10);
        let logits = Tensor::randn([n, c, h, w], (case.kind, Device::Cpu)) * 2.5;
        let probs = if c == 1 {
            logits.sigmoid()
        } else {
            logits.softmax(1, case.kind)
        };
        let top = if case.empty_m { 2 } else { c.max(2) };
        let labels = Tensor::randint(top, [n, h, w], (Kind::Int64, Device::Cpu));
        let target = if c == 1 {
            labels.unsqueeze(1).to_kind(Kind::Float)
        } else {
            one_hot(&labels, c as usize).unwrap()
        };
        let loss: Loss = case.config.init().unwrap();
        let p = probs.detach().set_requires_grad(true);
        let l = loss.try_forward(&p, &target).unwrap();
        l.backward();
        rust.push((l.double_value(&[]), p.grad()));
        tensors.push((format!("probs_{i}"), probs));
        tensors.push((format!("target_{i}"), target));
    }
    let dir = bs_testdata::output_dir("bs-losses-pytorch-reference");
    let (input, spec, output) = (
        dir.join("input.safetensors"),
        dir.join("cases.json"),
        dir.join("output.safetensors"),
    );
    Tensor::write_safetensors(&tensors, &input).unwrap();
    let spec_json: Vec<serde_json::Value> = cases.iter().map(|c| describe(&c.config)).collect();
    std::fs::write(&spec, serde_json::to_string_pretty(&spec_json).unwrap()).unwrap();
    let stdout = bs_testdata::run_python(
        include_str!("reference/losses.py"),
        &[
            input.to_str().unwrap(),
            spec.to_str().unwrap(),
            output.to_str().unwrap(),
        ],
    );
    assert_eq!(stdout.trim(), cases.len().to_string());
    let reference: std::collections::HashMap<String, Tensor> = Tensor::read_safetensors(&output)
        .unwrap()
        .into_iter()
        .collect();
    for (i, (case, (loss, grad))) in cases.iter().zip(&rust).enumerate() {
        let (rtol, gtol) = if case.kind == Kind::Double {
            (1e-12, 1e-10)
        } else {
            (1e-5, 1e-4)
        };
        let ref_loss = reference[&format!("loss_{i}")].double_value(&[0]);
        let ref_grad = &reference[&format!("grad_{i}")];
        assert!(
            (loss - ref_loss).abs() <= rtol * ref_loss.abs().max(1e-3),
            "case {i} {:?}: Rust {loss} vs PyTorch {ref_loss}",
            spec_json[i]
        );
        let scale = ref_grad.abs().max().double_value(&[]).max(1e-12);
        let diff = (grad - ref_grad).abs().max().double_value(&[]);
        assert!(
            diff <= gtol * scale,
            "case {i} {:?}: gradient differs by {diff} (max |grad| {scale})",
            spec_json[i]
        );
        assert!(
            ref_loss > 0.0 && ref_loss < 1.0,
            "case {i}: degenerate reference value {ref_loss}"
        );
    }
}
