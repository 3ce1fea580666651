//! Adam (Kingma & Ba 2015) with its moments held in named tensors, so that a checkpoint can
//! store them and a resumed run continues bit-for-bit (tch's built-in optimiser does not
//! expose its state).
//!
//! For each trainable parameter `θ` with gradient `g`, at step `t`:
//!
//! ```text
//! m ← β₁ m + (1 − β₁) g
//! v ← β₂ v + (1 − β₂) g²
//! θ ← θ − lr · (m / (1 − β₁ᵗ)) / (√v / √(1 − β₂ᵗ) + ε)
//! ```
//!
//! which is `torch.optim.Adam` without weight decay (same operation order).

use std::collections::BTreeMap;

use tch::nn::VarStore;
use tch::Tensor;

/// Adam hyper-parameters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AdamConfig {
    /// Learning rate.
    pub lr: f64,
    /// β₁.
    pub beta1: f64,
    /// β₂.
    pub beta2: f64,
    /// ε.
    pub eps: f64,
}

impl Default for AdamConfig {
    fn default() -> Self {
        AdamConfig {
            lr: 1e-4,
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
        }
    }
}

/// Adam over the trainable variables of a [`VarStore`], keyed by variable name.
#[derive(Debug)]
pub struct Adam {
    /// Hyper-parameters (the learning rate may change: LR-on-plateau).
    pub config: AdamConfig,
    params: BTreeMap<String, Tensor>,
    exp_avg: BTreeMap<String, Tensor>,
    exp_avg_sq: BTreeMap<String, Tensor>,
    step: u64,
}

impl Adam {
    /// Zero moments for every trainable variable of `vs`.
    pub fn new(vs: &VarStore, config: AdamConfig) -> Adam {
        let params: BTreeMap<String, Tensor> = vs
            .variables()
            .into_iter()
            .filter(|(_, t)| t.requires_grad())
            .collect();
        let zeros = |t: &Tensor| tch::no_grad(|| t.zeros_like());
        let exp_avg = params.iter().map(|(k, t)| (k.clone(), zeros(t))).collect();
        let exp_avg_sq = params.iter().map(|(k, t)| (k.clone(), zeros(t))).collect();
        Adam {
            config,
            params,
            exp_avg,
            exp_avg_sq,
            step: 0,
        }
    }

    /// The parameters (name → tensor).
    pub fn params(&self) -> &BTreeMap<String, Tensor> {
        &self.params
    }

    /// Steps taken.
    pub fn step_count(&self) -> u64 {
        self.step
    }

    /// Sets every gradient to zero.
    pub fn zero_grad(&mut self) {
        for p in self.params.values_mut() {
            let mut g = p.grad();
            if g.defined() {
                let _ = g.detach_().zero_();
            }
        }
    }

    /// One update from the current gradients.
    pub fn step(&mut self) {
        self.step += 1;
        let c = self.config;
        let bias1 = 1.0 - c.beta1.powi(self.step as i32);
        let bias2 = 1.0 - c.beta2.powi(self.step as i32);
        let step_size = c.lr / bias1;
        let bias2_sqrt = bias2.sqrt();
        tch::no_grad(|| {
            for (name, p) in self.params.iter_mut() {
                let g = p.grad();
                if !g.defined() {
                    continue;
                }
                let m = self
                    .exp_avg
                    .get_mut(name)
                    .expect("moment for every parameter");
                let _ = m.lerp_(&g, 1.0 - c.beta1);
                let v = self
                    .exp_avg_sq
                    .get_mut(name)
                    .expect("moment for every parameter");
                // torch: exp_avg_sq.mul_(β₂).addcmul_(g, g, value = 1 − β₂)
                let _ = v.g_mul_scalar_(c.beta2);
                let _ = v.g_add_(&(&g * &g * (1.0 - c.beta2)));
                let denom = (v.sqrt() / bias2_sqrt) + c.eps;
                let _ = p.g_sub_(&(&*m / &denom * step_size));
            }
        });
    }

    /// Named state tensors for a checkpoint: `adam.m.<name>`, `adam.v.<name>`, `adam.step`.
    pub fn state_tensors(&self) -> Vec<(String, Tensor)> {
        let mut out = Vec::with_capacity(2 * self.params.len() + 1);
        for (k, t) in &self.exp_avg {
            out.push((format!("adam.m.{k}"), t.shallow_clone()));
        }
        for (k, t) in &self.exp_avg_sq {
            out.push((format!("adam.v.{k}"), t.shallow_clone()));
        }
        out.push((
            "adam.step".to_string(),
            Tensor::from_slice(&[self.step as i64]),
        ));
        out
    }

    /// Restores the state written by [`Adam::state_tensors`]; returns the names it lacked.
    pub fn load_state(&mut self, tensors: &BTreeMap<String, Tensor>) -> Vec<String> {
        let mut missing = Vec::new();
        tch::no_grad(|| {
            for (prefix, moments) in [
                ("adam.m.", &mut self.exp_avg),
                ("adam.v.", &mut self.exp_avg_sq),
            ] {
                for (k, t) in moments.iter_mut() {
                    match tensors.get(&format!("{prefix}{k}")) {
                        Some(src) if src.size() == t.size() => {
                            t.copy_(src);
                        }
                        _ => missing.push(format!("{prefix}{k}")),
                    }
                }
            }
        });
        match tensors.get("adam.step") {
            Some(s) => self.step = s.int64_value(&[0]) as u64,
            None => missing.push("adam.step".into()),
        }
        missing
    }
}
