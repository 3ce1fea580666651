//! One full training step of the `paper` profile against the independent PyTorch reference
//! (`python/reference/double_unet.py train_step`): from identical weights and batch, forward in
//! training mode, the Keras loss over both heads concatenated (Focal Tversky, BG excluded),
//! backward and one Adam update. Gradients, updated weights and batch-norm running statistics
//! must agree to a relative error of 1e-4 in fp32 on the CPU.
//!
//! Some gradients are analytically zero — biases of convolutions followed by batch norm (the
//! batch mean removes them), the shift of the ASPP's pooled branch (the projection's batch norm
//! removes it), dead units — and so round-off on both sides: those must vanish on both sides
//! and are not compared further, and elements whose gradient is round-off are left out of the
//! comparison after the step (Adam turns any nonzero gradient into a step of ±lr).

use std::collections::HashMap;

use tch::nn::VarStore;
use tch::{Device, Kind, Tensor};

use bs_losses::{ClassReduction, HeadCombination};
use bs_model::{DoubleUNetConfig, Variant};
use bs_testdata_torch::{norm, perturb_batch_norm_and_biases, relative_error, run_reference};
use bs_train::optim::{Adam, AdamConfig};
use bs_train::trainer::loss_config;
use bs_train::LossKind;

const SIDE: i64 = 64;
const BATCH: i64 = 4;

#[test]
fn one_paper_training_step_matches_pytorch() {
    tch::set_num_threads(1);
    tch::manual_seed(21);
    let dir = tempfile::tempdir().unwrap();
    let config = DoubleUNetConfig::new(Variant::ThreeClass)
        .with_width_multiplier(0.25)
        .with_input_size(SIDE, SIDE);
    let vs = VarStore::new(Device::Cpu);
    let model = config.init(&vs.root()).unwrap();
    perturb_batch_norm_and_biases(&vs);
    let weights = dir.path().join("weights.safetensors");
    vs.save(&weights).unwrap();
    // images of different brightness: at the ASPP's 1×1 image-pooling branch, batch norm in
    // training mode sees one value per image, and two near-equal values would make its
    // normalisation (and the comparison) ill-conditioned
    let brightness = Tensor::from_slice(&[1.0f32, 0.35, 0.7, 0.5]).reshape([BATCH, 1, 1, 1]);
    let x = Tensor::rand([BATCH, 3, SIDE, SIDE], (Kind::Float, Device::Cpu)) * brightness;
    let labels = Tensor::randint(3, [BATCH, SIDE, SIDE], (Kind::Int64, Device::Cpu));
    let target = bs_losses::one_hot(&labels, 3).unwrap();
    let input = dir.path().join("input.safetensors");
    Tensor::write_safetensors(&[("x", &x), ("target", &target)], &input).unwrap();
    let output = dir.path().join("pytorch.safetensors");
    let adam_config = AdamConfig {
        lr: 1e-4,
        beta1: 0.9,
        beta2: 0.999,
        eps: 1e-7,
    };
    let spec = serde_json::json!({
        "threads": 1,
        "config": config,
        "weights": weights,
        "input": input,
        "output": output,
        "loss": {"alpha": 0.3, "beta": 0.7, "gamma": 0.75, "smooth": 1.0},
        "adam": {"lr": adam_config.lr, "beta1": adam_config.beta1, "beta2": adam_config.beta2,
                 "eps": adam_config.eps},
    });
    let spec_path = dir.path().join("spec.json");
    std::fs::write(&spec_path, spec.to_string()).unwrap();
    run_reference(&["train_step", spec_path.to_str().unwrap()]);
    let torch: HashMap<String, Tensor> = Tensor::read_safetensors(&output)
        .unwrap()
        .into_iter()
        .collect();

    // the same step in Rust: the paper profile's loss and bs-train's Adam
    let loss = loss_config(
        LossKind::FocalTversky,
        Variant::ThreeClass,
        1.0,
        ClassReduction::Pooled,
        Default::default(),
    )
    .with_combination(HeadCombination::Concatenated)
    .init()
    .unwrap();
    let mut adam = Adam::new(&vs, adam_config);
    let out = model.try_forward_t(&x, true).unwrap();
    let total = loss
        .try_forward(&out.out1, &out.out2, &target)
        .unwrap()
        .total;
    adam.zero_grad();
    total.backward();
    let err = relative_error(&total.reshape([1]), &torch["loss"]);
    assert!(err < 1e-5, "loss: relative error {err:e}");

    let grads: Vec<(String, Tensor)> = adam
        .params()
        .iter()
        .map(|(n, p)| (n.clone(), p.grad().copy()))
        .collect();
    let largest = grads.iter().map(|(_, g)| norm(g)).fold(0.0, f64::max);
    // a gradient that is round-off on the reference side (a bias before batch norm, a dead
    // unit) has no digits to compare: both sides must have it vanish
    let mut vanishing = std::collections::HashSet::new();
    let mut worst = (0.0, String::new());
    for (name, ours) in &grads {
        let theirs = &torch[&format!("grad.{name}")];
        if norm(theirs) < 1e-6 * largest {
            assert!(
                norm(ours) < 1e-5 * largest,
                "{name}: gradient should vanish"
            );
            vanishing.insert(name.clone());
            continue;
        }
        let err = relative_error(ours, theirs);
        assert!(err < 1e-4, "gradient of {name}: relative error {err:e}");
        if err > worst.0 {
            worst = (err, name.clone());
        }
    }
    eprintln!(
        "largest gradient relative error {:e} ({}); {} of {} gradients vanish",
        worst.0,
        worst.1,
        vanishing.len(),
        grads.len()
    );
    assert!(
        vanishing.len() * 4 < grads.len(),
        "most gradients must carry signal"
    );

    adam.step();
    let (mut compared, mut kept_elements, mut elements) = (0, 0i64, 0i64);
    for (name, ours) in vs.variables() {
        if vanishing.contains(&name) {
            continue;
        }
        let theirs = torch
            .get(&name)
            .unwrap_or_else(|| panic!("{name} missing in PyTorch's state"));
        // Adam's first step is ±lr wherever |g| ≫ ε, so an element whose gradient is round-off
        // (below 1e-6 of the tensor's largest, but not exactly 0: a dead unit) may step either
        // way on either side
        let keep = match torch.get(&format!("grad.{name}")) {
            Some(g) => g
                .abs()
                .gt_tensor(&(g.abs().max() * 1e-6))
                .logical_or(&g.eq(0.0)),
            None => ours.ones_like().to_kind(Kind::Bool), // running statistics
        };
        kept_elements += keep.sum(Kind::Int64).int64_value(&[]);
        elements += ours.numel() as i64;
        let err = relative_error(&ours.masked_select(&keep), &theirs.masked_select(&keep));
        assert!(err < 1e-4, "{name} after the step: relative error {err:e}");
        compared += 1;
    }
    assert!(
        kept_elements as f64 > 0.95 * elements as f64,
        "only {kept_elements} of {elements} elements compared after the step"
    );
    let stats = vs
        .variables()
        .keys()
        .filter(|n| n.ends_with("running_mean") || n.ends_with("running_var"))
        .count();
    assert!(stats > 20, "running statistics compared: {stats}");
    assert!(compared > 100, "tensors compared: {compared}");
    // the step moved weights and statistics, or agreeing after it would prove little
    let before: HashMap<String, Tensor> = Tensor::read_safetensors(&weights)
        .unwrap()
        .into_iter()
        .collect();
    let after = vs.variables();
    for name in [
        "features.0.weight",
        "head2.weight",
        "aspp1.branch6.bn.running_mean",
    ] {
        let moved = relative_error(&after[name], &before[name]);
        assert!(
            moved > 1e-6,
            "{name} did not change in the step ({moved:e})"
        );
    }
}
