//! One-hot targets for the SoftMax losses from class-label maps (BG 0 / NM 1 / M 2).

use crate::error::{LossError, Result};
use tch::{Kind, Tensor};

/// Turns an integer label map N×H×W (values `0..num_classes`) into a float one-hot target
/// N×C×H×W, the layout the losses and the Double U-Net heads use.
///
/// Labels outside `0..num_classes` are an error rather than an index panic inside libtorch.
pub fn one_hot(labels: &Tensor, num_classes: usize) -> Result<Tensor> {
    let bad = |detail: String| LossError::BadLabels {
        num_classes,
        detail,
    };
    if num_classes == 0 {
        return Err(LossError::NoClasses);
    }
    match labels.kind() {
        Kind::Uint8 | Kind::Int8 | Kind::Int16 | Kind::Int | Kind::Int64 => {}
        other => {
            return Err(bad(format!(
                "label tensor has kind {other:?}, expected an integer kind"
            )))
        }
    }
    if labels.dim() < 1 {
        return Err(bad("label tensor is a scalar, expected N×H×W".into()));
    }
    let labels = labels.f_to_kind(Kind::Int64)?;
    if labels.numel() > 0 {
        let min = labels.f_min()?.f_int64_value(&[])?;
        let max = labels.f_max()?.f_int64_value(&[])?;
        if min < 0 || max >= num_classes as i64 {
            return Err(bad(format!("found labels in {min}..={max}")));
        }
    }
    // one_hot appends the class axis last: N×H×W×C → N×C×H×W.
    let encoded = labels.f_one_hot(num_classes as i64)?;
    let rank = encoded.dim() as i64;
    let mut order: Vec<i64> = vec![0, rank - 1];
    order.extend(1..rank - 1);
    Ok(encoded
        .f_permute(order.as_slice())?
        .f_contiguous()?
        .f_to_kind(Kind::Float)?)
}
