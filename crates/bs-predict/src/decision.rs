//! The M decision of head-2 probabilities: `P(M) ≥ t` with a threshold, otherwise the rule the
//! model was selected with in training — `P(M) ≥ 0.5` for the binary network, arg-max = M for
//! three classes (BG/NM/M).
//!
//! Two forms of one rule: [`MDecision::tensor`] on libtorch tensors, and [`MDecision::image`] on
//! the host for the probabilities of one image. The host form is what `bonescan predict` uses:
//! libtorch's arg-max over the class dimension of an N×3×640×512 tensor, on the host, was most
//! of the time per scan measured on a GPU; the loop here takes a small fraction of that
//! (`docs/measurements.md`).
//! Tests check that both forms agree pixel for pixel, ties included.

use bs_model::Variant;
use tch::Tensor;

/// How a pixel is classed M.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MDecision {
    variant: Variant,
    threshold: Option<f64>,
}

impl MDecision {
    /// The decision for a network of `variant`, with an optional `P(M)` threshold.
    pub fn new(variant: Variant, threshold: Option<f64>) -> MDecision {
        MDecision { variant, threshold }
    }

    /// The channel holding `P(M)`: 0 for the binary network, 2 for BG/NM/M.
    pub fn m_channel(&self) -> usize {
        match self.variant {
            Variant::Binary => 0,
            _ => 2,
        }
    }

    /// N×C×H×W probabilities → N×H×W bool, with libtorch.
    pub fn tensor(&self, probabilities: &Tensor) -> Tensor {
        let m = self.m_channel() as i64;
        match self.threshold {
            Some(t) => probabilities.select(1, m).ge(t),
            // the rule the model was selected with in training
            None => self.variant.m_decision(probabilities),
        }
    }

    /// The decision of every pixel of one image, from its C×`plane` probabilities (channel
    /// after channel, as a contiguous C×H×W tensor lays them out).
    pub fn image(&self, probabilities: &[f32], plane: usize) -> Vec<bool> {
        let channel = |c: usize| &probabilities[c * plane..(c + 1) * plane];
        let m = channel(self.m_channel());
        match (self.threshold, self.variant) {
            // libtorch compares a float tensor with a scalar in the tensor's type
            (Some(t), _) => m.iter().map(|&p| p >= t as f32).collect(),
            (None, Variant::Binary) => m.iter().map(|&p| p >= 0.5).collect(),
            // arg-max = 2: libtorch's arg-max takes the first of equal maxima, so M must be
            // strictly above both others
            (None, _) => {
                let (bg, nm) = (channel(0), channel(1));
                (0..plane).map(|k| m[k] > bg[k] && m[k] > nm[k]).collect()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tch::{Device, Kind};

    /// Softmax probabilities rounded to 1/8, so that ties between classes are common.
    fn probabilities(classes: i64, seed: i64) -> Tensor {
        tch::manual_seed(seed);
        let logits = Tensor::randn([2, classes, 16, 12], (Kind::Float, Device::Cpu));
        let p = if classes == 1 {
            logits.sigmoid()
        } else {
            logits.softmax(1, Kind::Float)
        };
        (p * 8.0).round() / 8.0
    }

    #[test]
    fn host_and_tensor_forms_agree_pixel_for_pixel_ties_included() {
        let cases = [
            (Variant::Binary, 1, None),
            (Variant::Binary, 1, Some(0.25)),
            (Variant::ThreeClass, 3, None),
            (Variant::ThreeClass, 3, Some(0.375)),
        ];
        for (seed, (variant, classes, threshold)) in cases.into_iter().enumerate() {
            let decision = MDecision::new(variant, threshold);
            let p = probabilities(classes, seed as i64);
            let want: Vec<bool> = Vec::try_from(decision.tensor(&p).flatten(0, -1)).unwrap();
            let values: Vec<f32> = Vec::try_from(p.contiguous().flatten(0, -1)).unwrap();
            let plane = 16 * 12;
            let per_image = classes as usize * plane;
            let got: Vec<bool> = values
                .chunks(per_image)
                .flat_map(|img| decision.image(img, plane))
                .collect();
            assert_eq!(got, want, "{variant:?} threshold {threshold:?}");
            assert!(got.iter().any(|&m| m) && got.iter().any(|&m| !m));
        }
        // ties do occur in the three-class case: the first maximum wins, as in libtorch
        let p = probabilities(3, 2);
        let top = p.max_dim(1, false).0.unsqueeze(1);
        let ties = p
            .eq_tensor(&top)
            .sum_dim_intlist([1i64].as_slice(), false, Kind::Int64);
        assert!(ties.gt(1).any().int64_value(&[]) == 1, "no tie to test");
    }
}
