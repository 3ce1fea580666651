//! The dynamic loss scaler on the CPU, with non-finite gradients injected by hand.

use tch::nn::{self, OptimizerConfig, VarStore};
use tch::{Device, Kind, Tensor};

use bs_model::{LossScalerConfig, ScalerStep};

/// A store with one parameter `w` (4 values) and an SGD optimiser with learning rate 1.
fn setup() -> (VarStore, nn::Optimizer, Tensor) {
    let vs = VarStore::new(Device::Cpu);
    let w = vs.root().var("w", &[4], nn::Init::Const(1.0));
    let opt = nn::Sgd::default().build(&vs, 1.0).unwrap();
    (vs, opt, w)
}

fn config(interval: u32) -> LossScalerConfig {
    LossScalerConfig {
        initial_scale: 1024.0,
        growth_interval: interval,
        ..Default::default()
    }
}

#[test]
fn finite_step_unscales_gradients_before_the_update() {
    let (vs, mut opt, w) = setup();
    let mut scaler = config(100).init().unwrap();
    // loss = Σ 0.5·w²  →  ∂loss/∂w = w = 1; scaled gradient 1024, unscaled 1.
    let loss = (&w * &w * 0.5).sum(Kind::Float);
    let step = scaler.backward_step(&mut opt, &vs.trainable_variables(), &loss);
    assert_eq!(step, ScalerStep::Applied { scale: 1024.0 });
    let expected = Tensor::zeros([4], (Kind::Float, Device::Cpu)); // 1 − 1·1
    assert!(w.allclose(&expected, 1e-6, 1e-6, false), "{w:?}");
    assert_eq!(scaler.finite_steps(), 1);
}

fn inject(w: &Tensor, value: f64) {
    tch::no_grad(|| {
        let g = w.grad();
        let _ = g.get(2).fill_(value);
    });
}

#[test]
fn non_finite_gradients_skip_the_step_and_back_off() {
    for bad in [f64::INFINITY, f64::NEG_INFINITY, f64::NAN] {
        let (vs, mut opt, w) = setup();
        let mut scaler = config(100).init().unwrap();
        let before = w.copy();
        opt.zero_grad();
        scaler.scale_loss(&(&w * 3.0).sum(Kind::Float)).backward();
        inject(&w, bad);
        let step = scaler.step(&mut opt, &vs.trainable_variables());
        assert_eq!(step, ScalerStep::Skipped { scale: 512.0 }, "{bad}");
        assert!(w.equal(&before), "{bad}: parameters must be untouched");
        assert_eq!(scaler.finite_steps(), 0);
    }
}

#[test]
fn scale_grows_after_the_interval_and_respects_its_bounds() {
    let (vs, mut opt, w) = setup();
    let mut scaler = LossScalerConfig {
        initial_scale: 4.0,
        growth_interval: 3,
        max_scale: 16.0,
        min_scale: 1.0,
        ..Default::default()
    }
    .init()
    .unwrap();
    let vars = vs.trainable_variables();
    let mut scales = Vec::new();
    for _ in 0..9 {
        let loss = (&w * 0.001).sum(Kind::Float);
        scales.push(match scaler.backward_step(&mut opt, &vars, &loss) {
            ScalerStep::Applied { scale } => scale,
            ScalerStep::Skipped { .. } => panic!("finite step skipped"),
        });
    }
    assert_eq!(scales, [4.0, 4.0, 8.0, 8.0, 8.0, 16.0, 16.0, 16.0, 16.0]);
    for _ in 0..6 {
        opt.zero_grad();
        scaler.scale_loss(&w.sum(Kind::Float)).backward();
        inject(&w, f64::NAN);
        scaler.step(&mut opt, &vars);
    }
    assert_eq!(
        scaler.scale(),
        1.0,
        "backs off to min_scale and stays there"
    );
}

#[test]
fn invalid_scaler_settings_are_rejected() {
    let bad = [
        LossScalerConfig {
            growth_factor: 1.0,
            ..Default::default()
        },
        LossScalerConfig {
            backoff_factor: 1.5,
            ..Default::default()
        },
        LossScalerConfig {
            growth_interval: 0,
            ..Default::default()
        },
        LossScalerConfig {
            initial_scale: f64::INFINITY,
            ..Default::default()
        },
        LossScalerConfig {
            min_scale: 8.0,
            max_scale: 4.0,
            ..Default::default()
        },
    ];
    for config in bad {
        assert!(config.init().is_err(), "{config:?}");
    }
}

#[test]
fn unscaling_covers_every_gradient_and_skips_variables_without_one() {
    let vs = VarStore::new(Device::Cpu);
    let a = vs.root().var("a", &[3], nn::Init::Const(2.0));
    let b = vs.root().var("b", &[2, 2], nn::Init::Const(-1.0));
    let unused = vs.root().var("unused", &[5], nn::Init::Const(0.0));
    let scaler = config(100).init().unwrap();
    // ∂/∂a of 3·Σa = 3, ∂/∂b of Σb² = 2b = −2; scaled by 1024 in the backward pass
    let loss = (&a * 3.0).sum(Kind::Float) + (&b * &b).sum(Kind::Float);
    scaler.scale_loss(&loss).backward();
    let vars = vs.trainable_variables();
    assert!(scaler.unscale_gradients(&vars));
    let ones = |shape: &[i64]| Tensor::ones(shape, (Kind::Float, Device::Cpu));
    assert!(a.grad().allclose(&(ones(&[3]) * 3.0), 1e-6, 1e-6, false));
    assert!(b
        .grad()
        .allclose(&(ones(&[2, 2]) * -2.0), 1e-6, 1e-6, false));
    assert!(!unused.grad().defined());
    // a non-finite value in the second gradient only is still found
    tch::no_grad(|| {
        let _ = b.grad().get(1).get(0).fill_(f64::INFINITY);
    });
    assert!(!scaler.unscale_gradients(&vars));
}
