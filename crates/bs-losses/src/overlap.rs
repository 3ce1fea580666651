//! Soft (probabilistic) true-positive, false-positive and false-negative sums shared by the
//! Dice and Focal Tversky losses.
//!
//! With probabilities `p` and a one-hot target `y` (both in \[0, 1\]):
//!
//! ```text
//! TP = Σ y·p        FP = Σ (1 − y)·p        FN = Σ y·(1 − p)
//! ```
//!
//! FP and FN are summed from their own non-negative terms rather than obtained as `Σp − TP`
//! and `Σy − TP`: the subtraction can round to a tiny negative number, which would push a
//! ratio above 1 and make `(1 − TI)^γ` NaN.

use crate::classes::ClassSelection;
use crate::error::{LossError, Result};
use crate::reduction::{BatchReduction, ClassReduction};
use tch::{Kind, Tensor};

/// Soft TP/FP/FN sums, one element per reduction unit (a scalar when pooled over batch and
/// classes, `[N]`, `[C']` or `[N, C']` otherwise).
#[derive(Debug)]
pub struct SoftCounts {
    /// Σ y·p.
    pub tp: Tensor,
    /// Σ (1 − y)·p.
    pub fp: Tensor,
    /// Σ y·(1 − p).
    pub fn_: Tensor,
}

impl SoftCounts {
    /// Validates the inputs and sums the counts over the dimensions the reductions pool.
    ///
    /// `probabilities` must be a floating-point tensor N×C×spatial… with C = the selection's
    /// class count; `target` must have the same shape (one-hot for SoftMax, 0/1 for sigmoid; any
    /// numeric kind). Half-precision inputs are summed in fp32 so that the sums over the
    /// 640×512 pixels of a batch do not overflow or lose the small lesion class.
    pub fn compute(
        probabilities: &Tensor,
        target: &Tensor,
        classes: &ClassSelection,
        batch: BatchReduction,
        class: ClassReduction,
    ) -> Result<Self> {
        let (p, y) = check_inputs(probabilities, target, classes.num_classes())?;
        let p = classes.select(&p)?;
        let y = classes.select(&y)?;
        let rank = p.dim() as i64;
        let spatial = 2..rank;
        let dims: Vec<i64> = match (batch, class) {
            (BatchReduction::Pooled, ClassReduction::Pooled) => (0..rank).collect(),
            (BatchReduction::Pooled, ClassReduction::Mean) => {
                std::iter::once(0).chain(spatial).collect()
            }
            (BatchReduction::PerImage, ClassReduction::Pooled) => (1..rank).collect(),
            (BatchReduction::PerImage, ClassReduction::Mean) => spatial.collect(),
        };
        let sum = |t: Tensor| t.f_sum_dim_intlist(dims.as_slice(), false, None::<Kind>);
        let yp = y.f_mul(&p)?;
        let tp = sum(yp.shallow_clone())?;
        let fp = sum(p.f_sub(&yp)?)?;
        let fn_ = sum(y.f_sub(&yp)?)?;
        Ok(Self { tp, fp, fn_ })
    }
}

/// Checks rank, shape, channel count, device and kind; returns both tensors in the kind the
/// sums are computed in.
fn check_inputs(p: &Tensor, y: &Tensor, num_classes: usize) -> Result<(Tensor, Tensor)> {
    let (ps, ys) = (p.size(), y.size());
    if ps.len() < 2 {
        return Err(LossError::BadRank {
            what: "probabilities",
            shape: ps,
        });
    }
    if ys.len() < 2 {
        return Err(LossError::BadRank {
            what: "target",
            shape: ys,
        });
    }
    if ps != ys {
        return Err(LossError::ShapeMismatch {
            probabilities: ps,
            target: ys,
        });
    }
    if ps[1] != num_classes as i64 {
        return Err(LossError::ChannelMismatch {
            expected: num_classes,
            found: ps[1],
        });
    }
    if p.device() != y.device() {
        return Err(LossError::DeviceMismatch {
            probabilities: format!("{:?}", p.device()),
            target: format!("{:?}", y.device()),
        });
    }
    let kind = match p.kind() {
        Kind::Float | Kind::Double => p.kind(),
        Kind::Half | Kind::BFloat16 => Kind::Float,
        other => {
            return Err(LossError::NotFloatingPoint {
                kind: format!("{other:?}"),
            })
        }
    };
    Ok((p.f_to_kind(kind)?, y.f_to_kind(kind)?))
}
