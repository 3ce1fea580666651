//! Our Adam (state in named tensors) against libtorch's `torch.optim.Adam` through tch.

use bs_train::optim::{Adam, AdamConfig};
use tch::nn::{self, Module, OptimizerConfig, VarStore};
use tch::{Device, Kind, Tensor};

fn model(vs: &VarStore) -> nn::Sequential {
    let p = vs.root();
    nn::seq()
        .add(nn::linear(&p / "a", 5, 8, Default::default()))
        .add_fn(|x| x.tanh())
        .add(nn::linear(&p / "b", 8, 2, Default::default()))
}

#[test]
fn matches_libtorch_adam_over_many_steps() {
    tch::manual_seed(3);
    let x = Tensor::randn([16, 5], (Kind::Float, Device::Cpu));
    let y = Tensor::randn([16, 2], (Kind::Float, Device::Cpu));
    let vs_ours = VarStore::new(Device::Cpu);
    let net_ours = model(&vs_ours);
    let mut vs_ref = VarStore::new(Device::Cpu);
    let net_ref = model(&vs_ref);
    vs_ref.copy(&vs_ours).unwrap();
    let lr = 1e-2;
    let mut ours = Adam::new(
        &vs_ours,
        AdamConfig {
            lr,
            ..AdamConfig::default()
        },
    );
    let mut reference = nn::Adam::default().build(&vs_ref, lr).unwrap();
    for _ in 0..25 {
        let l = (net_ours.forward(&x) - &y).square().mean(Kind::Float);
        ours.zero_grad();
        l.backward();
        ours.step();
        let l = (net_ref.forward(&x) - &y).square().mean(Kind::Float);
        reference.zero_grad();
        l.backward();
        reference.step();
    }
    assert_eq!(ours.step_count(), 25);
    let a = vs_ours.variables();
    let b = vs_ref.variables();
    let mut moved = 0.0;
    for (name, t) in &a {
        let r = &b[name];
        let diff = (t - r).abs().max().double_value(&[]);
        assert!(diff < 1e-5, "{name}: max |ours − torch| = {diff}");
        moved += t.abs().sum(Kind::Float).double_value(&[]);
    }
    assert!(moved > 0.0);
}

#[test]
fn state_round_trips_through_named_tensors() {
    tch::manual_seed(5);
    let vs = VarStore::new(Device::Cpu);
    let net = model(&vs);
    let x = Tensor::randn([4, 5], (Kind::Float, Device::Cpu));
    let mut adam = Adam::new(&vs, AdamConfig::default());
    for _ in 0..3 {
        adam.zero_grad();
        net.forward(&x).sum(Kind::Float).backward();
        adam.step();
    }
    let saved: std::collections::BTreeMap<String, Tensor> =
        adam.state_tensors().into_iter().collect();
    let mut fresh = Adam::new(&vs, AdamConfig::default());
    assert!(fresh.load_state(&saved).is_empty());
    assert_eq!(fresh.step_count(), 3);
    let again: std::collections::BTreeMap<String, Tensor> =
        fresh.state_tensors().into_iter().collect();
    for (k, t) in &saved {
        assert!(t.equal(&again[k]), "{k}");
    }
}
