//! Pixel-level confusion counts of the metastasis (M) class.

use crate::error::{MetricsError, Result};
use ndarray::ArrayView2;
use serde::{Deserialize, Serialize};
use std::iter::Sum;
use std::ops::{Add, AddAssign};

/// True/false positive/negative pixel counts of one class (the paper's M class), Section 3.8:
/// "TP, FP, TN and FN were defined at the pixel level".
///
/// Counts add up, so pooling over a test fold is `images.iter().sum()`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ConfusionCounts {
    /// Pixels predicted M that are M.
    pub tp: u64,
    /// Pixels predicted M that are not M.
    pub fp: u64,
    /// M pixels not predicted M (`fn` is a Rust keyword).
    pub fn_: u64,
    /// Pixels neither predicted nor truly M.
    pub tn: u64,
}

impl ConfusionCounts {
    /// Counts from boolean masks (true = M) of equal shape.
    pub fn from_masks(prediction: ArrayView2<bool>, truth: ArrayView2<bool>) -> Result<Self> {
        check_shapes(prediction.dim(), truth.dim())?;
        let (n, tp, np, nt) = match (prediction.as_slice(), truth.as_slice()) {
            (Some(p), Some(t)) => slice_sums(p, t, |p, t| (p, t)),
            _ => iter_sums(prediction.iter().zip(truth.iter()).map(|(&p, &t)| (p, t))),
        };
        Ok(Self::from_sums(n, tp, np, nt))
    }

    /// Counts of `class` from class-label masks (e.g. BG 0 / NM 1 / M 2, or 0/1 lesion masks).
    pub fn from_class_masks(
        prediction: ArrayView2<u8>,
        truth: ArrayView2<u8>,
        class: u8,
    ) -> Result<Self> {
        check_shapes(prediction.dim(), truth.dim())?;
        let (n, tp, np, nt) = match (prediction.as_slice(), truth.as_slice()) {
            (Some(p), Some(t)) => slice_sums(p, t, |p, t| (p == class, t == class)),
            _ => iter_sums(
                prediction
                    .iter()
                    .zip(truth.iter())
                    .map(|(&p, &t)| (p == class, t == class)),
            ),
        };
        Ok(Self::from_sums(n, tp, np, nt))
    }

    fn from_sums(n: u64, tp: u64, predicted: u64, truth: u64) -> Self {
        Self {
            tp,
            fp: predicted - tp,
            fn_: truth - tp,
            tn: n + tp - predicted - truth,
        }
    }

    /// All pixels counted.
    pub fn total(&self) -> u64 {
        self.tp + self.fp + self.fn_ + self.tn
    }

    /// Pixels that are truly M (TP + FN).
    pub fn truth_positives(&self) -> u64 {
        self.tp + self.fn_
    }

    /// Pixels predicted M (TP + FP).
    pub fn predicted_positives(&self) -> u64 {
        self.tp + self.fp
    }

    /// No true and no predicted M pixel: every overlap metric is 0/0 (see the crate's policy).
    pub fn is_empty_case(&self) -> bool {
        self.tp == 0 && self.fp == 0 && self.fn_ == 0
    }
}

fn check_shapes(prediction: (usize, usize), truth: (usize, usize)) -> Result<()> {
    if prediction == truth {
        Ok(())
    } else {
        Err(MetricsError::ShapeMismatch { prediction, truth })
    }
}

/// (pixels, Σ p∧t, Σ p, Σ t) of two contiguous masks. Summed in u32 blocks, which the compiler
/// vectorises, then widened: a block of 2¹⁶ pixels cannot overflow u32.
fn slice_sums<A: Copy, B: Copy>(
    p: &[A],
    t: &[B],
    is_m: impl Fn(A, B) -> (bool, bool),
) -> (u64, u64, u64, u64) {
    const BLOCK: usize = 1 << 16;
    let (mut tp, mut np, mut nt) = (0u64, 0u64, 0u64);
    for (pc, tc) in p.chunks(BLOCK).zip(t.chunks(BLOCK)) {
        let (mut btp, mut bnp, mut bnt) = (0u32, 0u32, 0u32);
        for (&a, &b) in pc.iter().zip(tc) {
            let (p, t) = is_m(a, b);
            btp += u32::from(p & t);
            bnp += u32::from(p);
            bnt += u32::from(t);
        }
        tp += u64::from(btp);
        np += u64::from(bnp);
        nt += u64::from(bnt);
    }
    (p.len() as u64, tp, np, nt)
}

/// Same as [`slice_sums`] for masks that are not contiguous in memory (views, transposes).
fn iter_sums(pairs: impl Iterator<Item = (bool, bool)>) -> (u64, u64, u64, u64) {
    pairs.fold((0, 0, 0, 0), |(n, tp, np, nt), (p, t)| {
        (
            n + 1,
            tp + u64::from(p & t),
            np + u64::from(p),
            nt + u64::from(t),
        )
    })
}

impl Add for ConfusionCounts {
    type Output = Self;
    fn add(self, o: Self) -> Self {
        Self {
            tp: self.tp + o.tp,
            fp: self.fp + o.fp,
            fn_: self.fn_ + o.fn_,
            tn: self.tn + o.tn,
        }
    }
}

impl AddAssign for ConfusionCounts {
    fn add_assign(&mut self, o: Self) {
        *self = *self + o;
    }
}

impl Sum for ConfusionCounts {
    fn sum<I: Iterator<Item = Self>>(iter: I) -> Self {
        iter.fold(Self::default(), Add::add)
    }
}

impl<'a> Sum<&'a ConfusionCounts> for ConfusionCounts {
    fn sum<I: Iterator<Item = &'a Self>>(iter: I) -> Self {
        iter.copied().sum()
    }
}
