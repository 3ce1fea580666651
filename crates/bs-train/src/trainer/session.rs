//! The network, optimiser, loss and (on CUDA) loss scaler of one fold's training, resumed from
//! its directory, and the steps of an epoch: training batches, validation, checkpoints.

use indicatif::ProgressBar;
use tch::nn::VarStore;
use tch::{Kind, Tensor};

use bs_losses::DoubleHeadLoss;
use bs_metrics::PixelScores;
use bs_model::{DoubleUNet, DynamicLossScaler};

use super::sampler::Sampler;
use super::state::TrainerState;
use super::{
    build_model, load_into, loss_config, model_tensors, read_tensors, validation_scores,
    write_tensors, FoldSpec,
};
use crate::data::{epoch_order, BatchMaker, TrainingSet};
use crate::error::{Result, TrainError};
use crate::optim::{Adam, AdamConfig};

/// A fold's training machinery.
pub(super) struct Session {
    vs: VarStore,
    pub(super) model: DoubleUNet,
    adam: Adam,
    loss: DoubleHeadLoss,
    scaler: Option<DynamicLossScaler>,
    vars: Vec<Tensor>,
    /// Weights and inputs channels-last ([`crate::TrainingConfig::channels_last`]).
    channels_last: bool,
}

/// Loss sums of an epoch's batches, weighted by batch size.
#[derive(Debug, Default)]
pub(super) struct EpochTotals {
    pub total: f64,
    pub out1: f64,
    pub out2: f64,
    /// Images (or patches) whose loss was finite.
    pub seen: usize,
    /// Optimiser steps taken.
    pub steps: usize,
}

impl Session {
    /// The seeded network (or `spec.init_weights`), then the checkpoint `state` names, with
    /// Adam's moments; channels-last as configured (default: on CUDA), cuDNN benchmarking on
    /// CUDA.
    pub(super) fn resume(spec: &FoldSpec, state: &TrainerState) -> Result<Session> {
        let t = &spec.training;
        let cuda = spec.device.is_cuda();
        let seed = t.seed.wrapping_add(spec.stream.wrapping_mul(7919)) as i64;
        let (mut vs, model) = build_model(&spec.model, spec.device, seed)?;
        if let Some(init) = &spec.init_weights {
            load_into(&vs, &read_tensors(init)?, "model.", init)?;
        }
        let channels_last = t.channels_last.unwrap_or(cuda);
        if channels_last {
            bs_model::channels_last::convert_var_store(&vs);
        }
        if cuda {
            bs_model::set_cudnn_benchmark(true);
        }
        let adam_config = AdamConfig {
            lr: state.lr,
            beta1: t.beta1,
            beta2: t.beta2,
            eps: t.eps,
        };
        let mut adam = Adam::new(&vs, adam_config);
        if let Some(ckpt) = &state.checkpoint {
            let file = spec.dir.join(ckpt);
            let tensors = read_tensors(&file)?;
            load_into(&vs, &tensors, "model.", &file)?;
            let missing = adam.load_state(&tensors);
            if !missing.is_empty() {
                let message = format!(
                    "checkpoint lacks optimiser state ({} tensors)",
                    missing.len()
                );
                return Err(TrainError::Data {
                    path: file,
                    message,
                });
            }
        }
        let loss = loss_config(
            spec.loss,
            spec.model.variant,
            t.head1_weight,
            t.loss_class_reduction.unwrap_or_default(),
            t.focal_tversky,
        )
        .with_combination(t.head_combination.unwrap_or_default())
        .init()?;
        let scaler = match cuda {
            true => Some(bs_model::LossScalerConfig::default().init()?),
            false => None,
        };
        let vars = adam.params().values().map(|p| p.shallow_clone()).collect();
        vs.unfreeze();
        Ok(Session {
            vs,
            model,
            adam,
            loss,
            scaler,
            vars,
            channels_last,
        })
    }

    /// Mixed precision (CUDA).
    pub(super) fn amp(&self) -> bool {
        self.scaler.is_some()
    }

    /// Trains epoch `epoch` at learning rate `lr` (after warm-up), `done_before` optimiser steps
    /// into the training.
    pub(super) fn train_epoch(
        &mut self,
        spec: &FoldSpec,
        sampler: &Sampler,
        train: &TrainingSet,
        (epoch, lr, done_before): (usize, f64, usize),
        bar: &ProgressBar,
    ) -> Result<EpochTotals> {
        let t = &spec.training;
        let order = epoch_order(train.len(), t.seed, spec.stream, epoch);
        let mut rng = BatchMaker::epoch_rng(t.seed, spec.stream, epoch);
        let mut sums = EpochTotals::default();
        for b in 0..sampler.steps_per_epoch(train.len(), t.batch_size) {
            // linear warm-up over the first optimiser steps of the training
            let step = done_before + b;
            self.adam.config.lr = match step < t.warmup_steps {
                true => lr * (step + 1) as f64 / t.warmup_steps as f64,
                false => lr,
            };
            let key = (t.seed, spec.stream, epoch, b);
            let Some((x, target, n)) = sampler.batch(train, &order, key, t.batch_size, &mut rng)?
            else {
                continue;
            };
            let (total, out1, out2) = self.step(sampler.is_patches(), &x, &target)?;
            if !total.is_finite() && self.scaler.is_none() {
                bar.abandon_with_message("non-finite loss");
                return Err(TrainError::NonFiniteLoss {
                    fold: spec.fold,
                    arm: spec.label.clone(),
                    epoch,
                    batch: b,
                    loss: total,
                    checkpoint_dir: spec.dir.clone(),
                });
            }
            sums.steps += 1;
            if total.is_finite() {
                sums.total += total * n as f64;
                sums.out1 += out1 * n as f64;
                sums.out2 += out2 * n as f64;
                sums.seen += n;
            }
            bar.inc(1);
        }
        Ok(sums)
    }

    /// One optimiser step on a batch; returns the total loss and that of each head.
    fn step(&mut self, patches: bool, x: &Tensor, target: &Tensor) -> Result<(f64, f64, f64)> {
        let x = match self.channels_last {
            true => bs_model::channels_last::to_channels_last(x),
            false => x.shallow_clone(),
        };
        let out = bs_model::with_mixed_precision(self.amp(), || match patches {
            true => self.model.try_forward_any_size_t(&x, true),
            false => self.model.try_forward_t(&x, true),
        })?;
        let l = self.loss.try_forward(
            &out.out1.to_kind(Kind::Float),
            &out.out2.to_kind(Kind::Float),
            target,
        )?;
        let total = l.total.double_value(&[]);
        if !total.is_finite() && self.scaler.is_none() {
            return Ok((total, f64::NAN, f64::NAN));
        }
        self.adam.zero_grad();
        match self.scaler.as_mut() {
            Some(s) => {
                s.scale_loss(&l.total).backward();
                let finite = s.unscale_gradients(&self.vars);
                if finite {
                    self.adam.step();
                }
                s.update(finite);
            }
            None => {
                l.total.backward();
                self.adam.step();
            }
        }
        Ok((total, l.out1.double_value(&[]), l.out2.double_value(&[])))
    }

    /// Validation scores of M (head 2) on `val`, and head 2's loss there scaled by
    /// `1 + head1_weight` to read on the training loss's scale.
    pub(super) fn validate(
        &self,
        spec: &FoldSpec,
        val: &TrainingSet,
    ) -> Result<(PixelScores, f64)> {
        let t = &spec.training;
        let (scores, probs) =
            validation_scores(&self.model, val, self.amp(), t.window(), self.channels_last)?;
        let target = crate::data::targets::target_tensor(&val.labels, val.num_classes)?;
        let head2 = self
            .loss
            .try_forward(&probs, &probs, &target)?
            .out2
            .double_value(&[]);
        Ok((scores, head2 * (1.0 + t.head1_weight)))
    }

    /// Writes the model's weights to `name` in the fold directory.
    pub(super) fn save_weights(&self, spec: &FoldSpec, name: &str) -> Result<()> {
        write_tensors(&spec.dir.join(name), &model_tensors(&self.vs, "model."))
    }

    /// Writes the model's weights and Adam's state to `name` in the fold directory.
    pub(super) fn save_checkpoint(&self, spec: &FoldSpec, name: &str) -> Result<()> {
        let mut tensors = model_tensors(&self.vs, "model.");
        tensors.extend(self.adam.state_tensors());
        write_tensors(&spec.dir.join(name), &tensors)
    }
}
