//! Prediction and validation metrics on tensors.

use tch::{Device, Kind, Tensor};

use bs_metrics::{ConfusionCounts, PixelScores};
use bs_model::{DoubleUNet, Variant};

use crate::data::TrainingSet;
use crate::error::Result;

/// Images per forward pass at evaluation.
const EVAL_BATCH: i64 = 8;

/// Head-2 probabilities of `images` (N×1×h×w, 0…255), N×C×h×w float on the CPU.
pub fn predict(model: &DoubleUNet, images: &Tensor, amp: bool) -> Result<Tensor> {
    Ok(
        predict_on_device(model, images, amp, false, images.device().is_cuda())?
            .to_device(Device::Cpu),
    )
}

/// [`predict`] through windows of `window` (rows, cols) when given: a model trained on patches
/// sees at test what it saw in training — its batch-norm statistics and the ASPP pooling
/// branch, which averages over its input, were learnt on patches, and over a whole image
/// mostly of air that average is another. Windows tile the image edge to edge (the last one
/// of a row or column flush with the border); where two overlap their probabilities are
/// averaged.
pub fn predict_windowed(
    model: &DoubleUNet,
    images: &Tensor,
    amp: bool,
    window: Option<(usize, usize)>,
) -> Result<Tensor> {
    let channels_last = images.device().is_cuda();
    Ok(windowed_on_device(model, images, amp, window, channels_last)?.to_device(Device::Cpu))
}

fn windowed_on_device(
    model: &DoubleUNet,
    images: &Tensor,
    amp: bool,
    window: Option<(usize, usize)>,
    channels_last: bool,
) -> Result<Tensor> {
    let size = images.size();
    let (h, w) = (size[2], size[3]);
    let window = window.map(|(a, b)| (a as i64, b as i64));
    let Some((wh, ww)) = window.filter(|&(a, b)| a < h || b < w) else {
        return predict_on_device(model, images, amp, false, channels_last);
    };
    bs_model::windows::tiled(images, (wh, ww), |tile| {
        predict_on_device(model, tile, amp, true, channels_last)
    })
}

/// [`predict`], the probabilities left on the device of `images`: validation runs every epoch,
/// and its decision, counts and loss are cheaper where the probabilities already are than
/// after copying N×C×h×w floats to the host.
fn predict_on_device(
    model: &DoubleUNet,
    images: &Tensor,
    amp: bool,
    any_size: bool,
    channels_last: bool,
) -> Result<Tensor> {
    let n = images.size()[0];
    let mut outs = Vec::new();
    tch::no_grad(|| -> Result<()> {
        let mut start = 0;
        while start < n {
            let len = EVAL_BATCH.min(n - start);
            let x = bs_model::grayscale_to_input(&images.narrow(0, start, len))?;
            // the input in the layout of the weights
            let x = if channels_last {
                bs_model::channels_last::to_channels_last(&x)
            } else {
                x
            };
            let out = bs_model::with_mixed_precision(amp, || {
                if any_size {
                    model.try_forward_any_size_t(&x, false)
                } else {
                    model.try_forward_t(&x, false)
                }
            })?;
            outs.push(out.out2.to_kind(Kind::Float));
            start += len;
        }
        Ok(())
    })?;
    Ok(Tensor::cat(&outs, 0))
}

/// The M decision of head-2 probabilities: `p ≥ 0.5` (binary) or arg-max = M (three
/// classes), N×h×w bool ([`Variant::m_decision`]).
pub fn m_decision(variant: Variant, probabilities: &Tensor) -> Tensor {
    variant.m_decision(probabilities)
}

/// Pixel confusion counts of predicted vs true M (bool tensors of one shape).
pub fn confusion(pred: &Tensor, truth: &Tensor) -> ConfusionCounts {
    let count = |t: Tensor| t.sum(Kind::Int64).int64_value(&[]) as u64;
    let tp = count(pred.logical_and(truth));
    let fp = count(pred.logical_and(&truth.logical_not()));
    let fn_ = count(pred.logical_not().logical_and(truth));
    let total = pred.numel() as u64;
    ConfusionCounts {
        tp,
        fp,
        fn_,
        tn: total - tp - fp - fn_,
    }
}

/// Validation scores of a model on a set (pooled over the set, training size), and the
/// head-2 probabilities, on the device of the set; through windows of `window` when given
/// ([`predict_windowed`]); inputs channels-last when `channels_last` (as the model's weights).
pub fn validation_scores(
    model: &DoubleUNet,
    set: &TrainingSet,
    amp: bool,
    window: Option<(usize, usize)>,
    channels_last: bool,
) -> Result<(PixelScores, Tensor)> {
    let probs = windowed_on_device(model, &set.images, amp, window, channels_last)?;
    let pred = m_decision(model.config().variant, &probs);
    let counts = confusion(&pred, &set.m);
    Ok((PixelScores::from_counts(&counts), probs))
}
