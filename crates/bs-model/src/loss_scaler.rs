//! Dynamic loss scaling for fp16 mixed-precision training.
//!
//! `tch::autocast(true, || ...)` runs convolutions in fp16 on CUDA, whose smallest normal value is
//! 6.1e-5: small gradients underflow to zero. Multiplying the loss by a scale `S` before
//! `backward` multiplies every gradient by `S`; dividing them by `S` before the optimiser step
//! restores their values. `S` is chosen dynamically (as `torch.cuda.amp.GradScaler` does):
//!
//! - if any gradient is ∞ or NaN after unscaling, the step is skipped and `S ← S · backoff`;
//! - after `growth_interval` consecutive finite steps, `S ← S · growth`.
//!
//! The logic is device-independent and runs (and is tested) on the CPU.

use serde::{Deserialize, Serialize};
use tch::nn::Optimizer;
use tch::{Kind, Tensor};

use crate::error::{ModelError, Result};

/// Hyper-parameters of a [`DynamicLossScaler`] (defaults of PyTorch's `GradScaler`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LossScalerConfig {
    /// First scale `S₀` (2¹⁶).
    pub initial_scale: f64,
    /// Factor applied after `growth_interval` finite steps (2).
    pub growth_factor: f64,
    /// Factor applied after a non-finite step (½).
    pub backoff_factor: f64,
    /// Consecutive finite steps before growing (2000).
    pub growth_interval: u32,
    /// The scale never drops below this (1: fp16 gradients are then unscaled).
    pub min_scale: f64,
    /// The scale never grows above this (2²⁴).
    pub max_scale: f64,
}

impl Default for LossScalerConfig {
    fn default() -> Self {
        LossScalerConfig {
            initial_scale: 65536.0,
            growth_factor: 2.0,
            backoff_factor: 0.5,
            growth_interval: 2000,
            min_scale: 1.0,
            max_scale: 16_777_216.0,
        }
    }
}

impl LossScalerConfig {
    /// Validates the fields and creates the scaler.
    pub fn init(&self) -> Result<DynamicLossScaler> {
        let finite_pos = |v: f64| v.is_finite() && v > 0.0;
        if !finite_pos(self.min_scale)
            || !finite_pos(self.max_scale)
            || self.min_scale > self.max_scale
        {
            return Err(ModelError::config(
                "min_scale/max_scale",
                "must be finite, positive and ordered",
            ));
        }
        if !(self.initial_scale >= self.min_scale && self.initial_scale <= self.max_scale) {
            return Err(ModelError::config(
                "initial_scale",
                "must lie in [min_scale, max_scale]",
            ));
        }
        if !(self.growth_factor.is_finite() && self.growth_factor > 1.0) {
            return Err(ModelError::config(
                "growth_factor",
                "must be finite and > 1",
            ));
        }
        if !(self.backoff_factor > 0.0 && self.backoff_factor < 1.0) {
            return Err(ModelError::config("backoff_factor", "must lie in (0, 1)"));
        }
        if self.growth_interval == 0 {
            return Err(ModelError::config("growth_interval", "must be at least 1"));
        }
        Ok(DynamicLossScaler {
            config: self.clone(),
            scale: self.initial_scale,
            finite_steps: 0,
        })
    }
}

/// What [`DynamicLossScaler::step`] did.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ScalerStep {
    /// Gradients were finite; the optimiser stepped. `scale` is the scale for the next step.
    Applied {
        /// Scale after the update.
        scale: f64,
    },
    /// A gradient was ∞ or NaN; parameters are untouched and the scale was backed off.
    Skipped {
        /// Scale after the update.
        scale: f64,
    },
}

/// The dynamic loss scaler (see the module documentation).
#[derive(Debug, Clone)]
pub struct DynamicLossScaler {
    config: LossScalerConfig,
    scale: f64,
    finite_steps: u32,
}

impl DynamicLossScaler {
    /// Current scale `S`.
    pub fn scale(&self) -> f64 {
        self.scale
    }

    /// Consecutive finite steps since the last growth or back-off.
    pub fn finite_steps(&self) -> u32 {
        self.finite_steps
    }

    /// `S · loss`, computed in fp32 so the scaled loss cannot overflow fp16.
    pub fn scale_loss(&self, loss: &Tensor) -> Tensor {
        loss.to_kind(Kind::Float) * self.scale
    }

    /// Divides the gradients of `vars` by `S` in place and reports whether all of them are
    /// finite (one device synchronisation for all tensors). Variables without a gradient are
    /// skipped.
    ///
    /// Each gradient goes through libtorch's fused `_amp_foreach_non_finite_check_and_unscale_`
    /// (one kernel: multiply by 1/S and flag a non-finite value in a shared `found_inf`), the
    /// kernel PyTorch's `GradScaler` uses; the plain form (multiply, isfinite, not, any per
    /// gradient, then a stack) cost four kernels a gradient. Should the fused op fail (a libtorch
    /// without it for this device or dtype), the plain form is used.
    pub fn unscale_gradients(&self, vars: &[Tensor]) -> bool {
        tch::no_grad(|| {
            let grads: Vec<Tensor> = vars
                .iter()
                .map(Tensor::grad)
                .filter(Tensor::defined)
                .collect();
            let inv = 1.0 / self.scale;
            let (fused, found_inf) = unscale_fused(&grads, inv);
            unscale_plain(&grads[fused..], inv, found_inf)
        })
    }

    /// Updates `S` after a step whose gradients were (`finite = true`) or were not finite.
    pub fn update(&mut self, finite: bool) {
        let c = &self.config;
        if finite {
            self.finite_steps += 1;
            if self.finite_steps >= c.growth_interval {
                self.scale = (self.scale * c.growth_factor).min(c.max_scale);
                self.finite_steps = 0;
            }
        } else {
            self.scale = (self.scale * c.backoff_factor).max(c.min_scale);
            self.finite_steps = 0;
        }
    }

    /// Unscales the gradients of `vars`, steps `optimizer` when they are all finite (otherwise
    /// leaves the parameters untouched), and updates `S`.
    ///
    /// Use after `scaler.scale_loss(&loss).backward()`; `vars` are the trainable variables
    /// (`var_store.trainable_variables()`).
    pub fn step(&mut self, optimizer: &mut Optimizer, vars: &[Tensor]) -> ScalerStep {
        let finite = self.unscale_gradients(vars);
        if finite {
            optimizer.step();
        }
        self.update(finite);
        if finite {
            ScalerStep::Applied { scale: self.scale }
        } else {
            ScalerStep::Skipped { scale: self.scale }
        }
    }

    /// One scaled training step: zero the gradients, back-propagate `S · loss`, then
    /// [`Self::step`].
    pub fn backward_step(
        &mut self,
        optimizer: &mut Optimizer,
        vars: &[Tensor],
        loss: &Tensor,
    ) -> ScalerStep {
        optimizer.zero_grad();
        self.scale_loss(loss).backward();
        self.step(optimizer, vars)
    }
}

/// Unscales `grads` in order through the fused op until it fails (or all are done). Gives how
/// many it took and the shared non-finite flag (`None` when there was no gradient).
fn unscale_fused(grads: &[Tensor], inv: f64) -> (usize, Option<Tensor>) {
    let Some(first) = grads.first() else {
        return (0, None);
    };
    let options = (Kind::Float, first.device());
    let mut found_inf = Tensor::zeros([1], options);
    let inv_scale = Tensor::full([1], inv, options);
    let mut fused = 0;
    for grad in grads {
        let mut grad = grad.shallow_clone();
        if grad
            .f_internal_amp_non_finite_check_and_unscale(&mut found_inf, &inv_scale)
            .is_err()
        {
            break;
        }
        fused += 1;
    }
    (fused, Some(found_inf))
}

/// The plain form for the gradients the fused op did not take (multiply, then a non-finite
/// check per gradient), combined with the fused op's flag; true when everything is finite.
fn unscale_plain(rest: &[Tensor], inv: f64, found_inf: Option<Tensor>) -> bool {
    let Some(found_inf) = found_inf else {
        return true; // no gradient at all
    };
    if rest.is_empty() {
        return found_inf.double_value(&[0]) == 0.0;
    }
    let mut non_finite = vec![found_inf.gt(0.0).any()];
    for grad in rest {
        let mut grad = grad.shallow_clone();
        let _ = grad.g_mul_scalar_(inv);
        non_finite.push(grad.isfinite().logical_not().any());
    }
    let any = Tensor::stack(&non_finite, 0).any();
    !bool::try_from(any).unwrap_or(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gradients(poison: Option<(usize, f64)>) -> Vec<Tensor> {
        let grads: Vec<Tensor> = (0..4)
            .map(|i| Tensor::arange((i + 2) * 3, (Kind::Float, tch::Device::Cpu)) * 512.0)
            .collect();
        if let Some((at, value)) = poison {
            let _ = grads[at].get(1).fill_(value);
        }
        grads
    }

    /// The fallback (plain form) after the fused op failed at any gradient equals the fused op
    /// on all of them: the same unscaled values and the same verdict.
    #[test]
    fn plain_fallback_equals_the_fused_op_from_any_gradient_on() {
        let inv = 1.0 / 512.0;
        for poison in [
            None,
            Some((0, f64::INFINITY)),
            Some((3, f64::NAN)),
            Some((2, -f64::INFINITY)),
        ] {
            let fused = gradients(poison);
            let (taken, flag) = unscale_fused(&fused, inv);
            assert_eq!(taken, fused.len(), "the fused op runs on the CPU");
            let fused_verdict = unscale_plain(&[], inv, flag);
            assert_eq!(fused_verdict, poison.is_none(), "{poison:?}");
            for split in 0..=fused.len() {
                let grads = gradients(poison);
                let (taken, flag) = unscale_fused(&grads[..split], inv);
                assert_eq!(taken, split);
                let flag =
                    flag.or_else(|| Some(Tensor::zeros([1], (Kind::Float, tch::Device::Cpu))));
                assert_eq!(
                    unscale_plain(&grads[split..], inv, flag),
                    fused_verdict,
                    "{poison:?} split {split}"
                );
                for (a, b) in grads.iter().zip(&fused) {
                    // NaN == NaN here: compare with NaNs counted equal
                    assert!(a.allclose(b, 0.0, 0.0, true), "{poison:?} split {split}");
                }
            }
        }
        // no gradient at all: nothing to unscale, finite
        assert_eq!(unscale_fused(&[], inv).0, 0);
        assert!(unscale_plain(&[], inv, None));
    }
}
