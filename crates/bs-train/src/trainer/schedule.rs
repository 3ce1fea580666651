//! What an epoch's validation F1 decides, all on the trainer's state: model selection (a better
//! F1, by more than early stopping's `min_delta`, makes the epoch the best), LR-on-plateau
//! (`lr ← max(lr × factor, min_lr)` after `patience` epochs without improvement or reduction)
//! and early stopping (after `patience` epochs without improvement).

use crate::config::TrainingConfig;
use crate::trainer::state::TrainerState;

/// Updates `state` after epoch `epoch` validated at `f1`; true when the epoch is the new best
/// (the caller then writes its weights and names them in `state.best_weights`).
pub(crate) fn after_validation(
    state: &mut TrainerState,
    t: &TrainingConfig,
    epoch: usize,
    f1: f64,
) -> bool {
    let min_delta = t.early_stopping.as_ref().map_or(0.0, |e| e.min_delta);
    let improved = state.best_val_f1.is_none_or(|b| f1 > b + min_delta);
    if improved {
        state.best_epoch = epoch;
        state.best_val_f1 = Some(f1);
        state.epochs_since_best = 0;
        state.plateau_wait = 0;
    } else {
        state.epochs_since_best += 1;
        state.plateau_wait += 1;
    }
    if let Some(p) = &t.lr_plateau {
        if state.plateau_wait >= p.patience {
            state.lr = (state.lr * p.factor).max(p.min_lr);
            state.plateau_wait = 0;
        }
    }
    if let Some(es) = &t.early_stopping {
        if state.epochs_since_best >= es.patience {
            state.stopped_early = true;
        }
    }
    improved
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{EarlyStopping, LrPlateau};

    fn run(t: &TrainingConfig, f1s: &[f64]) -> (TrainerState, Vec<bool>) {
        let mut state = TrainerState::initial(1e-3);
        let improved = f1s
            .iter()
            .enumerate()
            .map(|(i, &f1)| after_validation(&mut state, t, i + 1, f1))
            .collect();
        (state, improved)
    }

    #[test]
    fn the_best_epoch_is_the_first_highest_f1() {
        let (state, improved) = run(&TrainingConfig::default(), &[0.1, 0.3, 0.3, 0.2, 0.4, 0.4]);
        assert_eq!(improved, [true, true, false, false, true, false]);
        assert_eq!((state.best_epoch, state.best_val_f1), (5, Some(0.4)));
        assert_eq!(state.epochs_since_best, 1);
        assert!(!state.stopped_early);
        assert_eq!(state.lr, 1e-3, "no plateau schedule: the LR stays");
    }

    #[test]
    fn min_delta_decides_what_counts_as_better() {
        let t = TrainingConfig {
            early_stopping: Some(EarlyStopping {
                patience: 10,
                min_delta: 0.05,
            }),
            ..TrainingConfig::default()
        };
        let (state, improved) = run(&t, &[0.2, 0.24, 0.26, 0.32]);
        assert_eq!(improved, [true, false, true, true]);
        assert_eq!(state.best_epoch, 4);
    }

    #[test]
    fn early_stopping_fires_after_patience_epochs_without_improvement() {
        let t = TrainingConfig {
            early_stopping: Some(EarlyStopping {
                patience: 3,
                min_delta: 0.0,
            }),
            ..TrainingConfig::default()
        };
        let (state, _) = run(&t, &[0.5, 0.4, 0.4]);
        assert!(!state.stopped_early);
        let (state, _) = run(&t, &[0.5, 0.4, 0.4, 0.45]);
        assert!(state.stopped_early);
        assert_eq!(state.best_epoch, 1);
    }

    #[test]
    fn the_lr_drops_by_factor_after_each_plateau_down_to_min_lr() {
        let t = TrainingConfig {
            lr_plateau: Some(LrPlateau {
                patience: 2,
                factor: 0.5,
                min_lr: 3e-4,
            }),
            ..TrainingConfig::default()
        };
        // best at 1; plateau after 3 (lr 5e-4), improvement at 4 resets, plateau after 6
        // (max(2.5e-4, 3e-4) = 3e-4), after 8 it stays at the floor
        let (state, _) = run(&t, &[0.5, 0.1, 0.1, 0.6, 0.1, 0.1, 0.1, 0.1]);
        assert_eq!(state.lr, 3e-4);
        let (state, _) = run(&t, &[0.5, 0.1, 0.1]);
        assert!((state.lr - 5e-4).abs() < 1e-15, "{}", state.lr);
        let (state, _) = run(&t, &[0.5, 0.1, 0.1, 0.6]);
        assert_eq!(state.plateau_wait, 0, "an improvement restarts the wait");
    }
}
