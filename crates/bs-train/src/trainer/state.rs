//! What a fold's training remembers between epochs (and between processes).

use serde::{Deserialize, Serialize};

use crate::config::ModelSelection;

/// One line of `log.jsonl`: an epoch's training and validation figures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EpochLog {
    /// Epoch (1-based).
    pub epoch: usize,
    /// Mean total training loss (head 1 weighted + head 2).
    pub train_loss: f64,
    /// Mean training loss of head 1.
    pub train_loss_out1: f64,
    /// Mean training loss of head 2.
    pub train_loss_out2: f64,
    /// Loss of head 2 on the validation part, scaled by `1 + head1_weight` so that it reads
    /// on the training loss's scale (validation scores only head 2, the network's output).
    pub val_loss: f64,
    /// Pixel precision of M on the validation part (head 2, training size).
    pub val_precision: Option<f64>,
    /// Pixel sensitivity of M on the validation part.
    pub val_sensitivity: Option<f64>,
    /// Pixel F1 of M on the validation part: the model-selection criterion.
    pub val_f1: Option<f64>,
    /// Learning rate used in this epoch.
    pub lr: f64,
    /// Wall time of the epoch (training + validation), seconds.
    pub seconds: f64,
    /// Training throughput, images (or patches) per second.
    pub images_per_second: f64,
    /// Optimiser steps since the start of training, at the end of this epoch.
    #[serde(default)]
    pub steps: usize,
}

/// The trainer's state after an epoch, stored as `state.json` beside the checkpoint it names.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainerState {
    /// Epochs completed.
    pub epochs_done: usize,
    /// Checkpoint file (model + Adam) of `epochs_done`, relative to the fold directory.
    pub checkpoint: Option<String>,
    /// Best-model weight file, relative to the fold directory.
    pub best_weights: Option<String>,
    /// Epoch of the best validation F1.
    pub best_epoch: usize,
    /// Best validation F1 so far.
    pub best_val_f1: Option<f64>,
    /// Epochs since the best (early stopping).
    pub epochs_since_best: usize,
    /// Epochs since the last improvement or LR reduction (LR-on-plateau).
    pub plateau_wait: usize,
    /// Current learning rate.
    pub lr: f64,
    /// Training stopped early.
    pub stopped_early: bool,
    /// All epochs are done (or early stopping fired).
    pub finished: bool,
    /// Training seconds, summed over processes.
    pub seconds: f64,
    /// Per-epoch log.
    pub history: Vec<EpochLog>,
}

impl TrainerState {
    /// The state before the first epoch.
    pub fn initial(lr: f64) -> TrainerState {
        TrainerState {
            epochs_done: 0,
            checkpoint: None,
            best_weights: None,
            best_epoch: 0,
            best_val_f1: None,
            epochs_since_best: 0,
            plateau_wait: 0,
            lr,
            stopped_early: false,
            finished: false,
            seconds: 0.0,
            history: Vec::new(),
        }
    }

    /// The epoch `selection` hands on and its validation F1: the best epoch, or the last.
    pub fn selected_epoch(&self, selection: ModelSelection) -> (usize, Option<f64>) {
        match selection {
            ModelSelection::BestValidationF1 => (self.best_epoch, self.best_val_f1),
            ModelSelection::LastEpoch => {
                (self.epochs_done, self.history.last().and_then(|e| e.val_f1))
            }
        }
    }
}
