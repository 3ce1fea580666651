//! The set of output channels that take part in a loss (all channels minus the excluded ones).

use crate::error::{LossError, Result};
use tch::Tensor;

/// Validated selection of the channels a loss is computed on.
///
/// In the paper's three-class setting (BG 0, NM 1, M 2) the background channel is excluded:
/// "we do not calculate loss or perform backpropagation for the BG class" (Section 3.7).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClassSelection {
    num_classes: usize,
    included: Vec<usize>,
}

impl ClassSelection {
    /// Checks that `num_classes > 0`, that every excluded index is `< num_classes` and that at
    /// least one channel is left. Duplicated exclusions are harmless.
    pub fn new(num_classes: usize, excluded: &[usize]) -> Result<Self> {
        if num_classes == 0 {
            return Err(LossError::NoClasses);
        }
        if let Some(&class) = excluded.iter().find(|&&c| c >= num_classes) {
            return Err(LossError::ExcludedClassOutOfRange { class, num_classes });
        }
        let included: Vec<usize> = (0..num_classes).filter(|c| !excluded.contains(c)).collect();
        if included.is_empty() {
            return Err(LossError::AllClassesExcluded { num_classes });
        }
        Ok(Self {
            num_classes,
            included,
        })
    }

    /// Number of output channels the loss expects.
    pub fn num_classes(&self) -> usize {
        self.num_classes
    }

    /// The channels the loss is computed on, ascending.
    pub fn included(&self) -> &[usize] {
        &self.included
    }

    /// Keeps only the included channels of an N×C×… tensor. A contiguous run of channels
    /// (the usual case: NM and M) is a view, so no index tensor has to be copied to the GPU.
    pub(crate) fn select(&self, t: &Tensor) -> Result<Tensor> {
        let first = self.included[0];
        let last = self.included[self.included.len() - 1];
        if self.included.len() == self.num_classes {
            Ok(t.shallow_clone())
        } else if last - first + 1 == self.included.len() {
            Ok(t.f_narrow(1, first as i64, self.included.len() as i64)?)
        } else {
            let idx: Vec<i64> = self.included.iter().map(|&c| c as i64).collect();
            let idx = Tensor::from_slice(&idx).to_device(t.device());
            Ok(t.f_index_select(1, &idx)?)
        }
    }
}
