//! Seeded shuffling and batch assembly.
//!
//! The order of epoch `e` of fold `f` depends only on `(seed, f, e)`, not on any generator
//! state carried between epochs: a resumed run draws exactly the batches the uninterrupted run
//! would have drawn.

use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use tch::Tensor;

use crate::data::targets::{target_tensor, TrainingSet};
use crate::error::Result;

/// The seed of one epoch's generator.
pub(crate) fn epoch_seed(seed: u64, stream: u64, epoch: usize) -> u64 {
    seed.wrapping_mul(0x9E37_79B9_7F4A_7C15)
        ^ stream.wrapping_mul(0xBF58_476D_1CE4_E5B9)
        ^ (epoch as u64).wrapping_mul(0x94D0_49BB_1331_11EB)
}

/// A permutation of `0..n` for epoch `epoch` of stream `stream` (fold/stage).
pub fn epoch_order(n: usize, seed: u64, stream: u64, epoch: usize) -> Vec<usize> {
    let mut order: Vec<usize> = (0..n).collect();
    let mut rng = ChaCha8Rng::seed_from_u64(epoch_seed(seed, stream, epoch));
    order.shuffle(&mut rng);
    order
}

/// Turns index lists into network inputs and targets.
#[derive(Debug, Clone)]
pub struct BatchMaker {
    /// Brightness scaling amplitude `a`: each image × U(1 − a, 1 + a); 0 = none.
    pub intensity_augmentation: f64,
}

impl BatchMaker {
    /// `(x, target)`: x N×3×h×w in 0…1, target N×C×h×w float (one-hot for three classes,
    /// the M indicator for binary).
    pub fn batch(
        &self,
        set: &TrainingSet,
        indices: &[usize],
        rng: Option<&mut ChaCha8Rng>,
    ) -> Result<(Tensor, Tensor)> {
        let device = set.images.device();
        let idx: Vec<i64> = indices.iter().map(|&i| i as i64).collect();
        let idx = Tensor::from_slice(&idx).to_device(device);
        let mut images = set.images.index_select(0, &idx);
        if let (Some(rng), true) = (rng, self.intensity_augmentation > 0.0) {
            let a = self.intensity_augmentation;
            let factors: Vec<f32> = (0..indices.len())
                .map(|_| rng.random_range(1.0 - a..1.0 + a) as f32)
                .collect();
            let f = Tensor::from_slice(&factors)
                .reshape([indices.len() as i64, 1, 1, 1])
                .to_device(device);
            images = (images * f).clamp(0.0, 255.0);
        }
        let x = bs_model::grayscale_to_input(&images)?;
        let labels = set.labels.index_select(0, &idx);
        Ok((x, target_tensor(&labels, set.num_classes)?))
    }

    /// The augmentation generator of an epoch (independent of the order generator).
    pub fn epoch_rng(seed: u64, stream: u64, epoch: usize) -> ChaCha8Rng {
        ChaCha8Rng::seed_from_u64(epoch_seed(seed ^ 0xA5A5_A5A5, stream, epoch))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_is_a_deterministic_permutation() {
        let a = epoch_order(50, 1, 2, 3);
        let mut sorted = a.clone();
        sorted.sort();
        assert_eq!(sorted, (0..50).collect::<Vec<_>>());
        assert_eq!(a, epoch_order(50, 1, 2, 3));
        assert_ne!(a, epoch_order(50, 1, 2, 4));
        assert_ne!(a, epoch_order(50, 1, 3, 3));
    }
}
