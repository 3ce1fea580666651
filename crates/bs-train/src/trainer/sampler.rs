//! Where a training step's batch comes from: whole images as tensors (the paper's way), or
//! samples cut on the host — patches of the full-resolution image, or augmented whole images.

use rand_chacha::ChaCha8Rng;
use tch::Tensor;

use crate::config::TrainingConfig;
use crate::data::patches::{step_rng, Draw};
use crate::data::{AugmentConfig, BatchMaker, PatchConfig, SampleSource, TrainingSet};
use crate::error::Result;

/// The batches of a training run.
pub(crate) enum Sampler<'a> {
    /// Whole images, in the epoch's order, through [`BatchMaker`].
    Whole(&'a BatchMaker),
    /// Whole images, augmented on the host.
    Augmented(SampleSource, AugmentConfig),
    /// Patches, augmented on the host, over a training of `.3` epochs.
    Patches(SampleSource, PatchConfig, AugmentConfig, usize),
}

impl<'a> Sampler<'a> {
    /// The sampler `t` asks for.
    pub(crate) fn new(
        t: &TrainingConfig,
        train: &TrainingSet,
        maker: &'a BatchMaker,
        epochs: usize,
    ) -> Result<Sampler<'a>> {
        let augment = t.augmentation.unwrap_or_default();
        Ok(match t.patches {
            Some(p) => Sampler::Patches(SampleSource::new(train)?, p, augment, epochs),
            None if !augment.is_off() => Sampler::Augmented(SampleSource::new(train)?, augment),
            None => Sampler::Whole(maker),
        })
    }

    /// True when training on patches (of another size than the whole images).
    pub(crate) fn is_patches(&self) -> bool {
        matches!(self, Sampler::Patches(..))
    }

    /// Samples per optimiser step: the patch batch, else the training batch.
    pub(crate) fn batch_size(&self, batch: usize) -> usize {
        match self {
            Sampler::Patches(_, p, ..) => p.batch.unwrap_or(batch),
            _ => batch,
        }
    }

    /// Optimiser steps per epoch: `per_epoch / batch` patches, or one per batch of images.
    pub(crate) fn steps_per_epoch(&self, images: usize, batch: usize) -> usize {
        match self {
            Sampler::Patches(_, p, ..) => (p.per_epoch / self.batch_size(batch)).max(1),
            _ => images.div_ceil(batch),
        }
    }

    /// Input, target and sample count of step `key.3` of epoch `key.2` (`key` = seed, stream,
    /// epoch, step), or `None` for a batch of one image (batch norm needs two; the shuffled
    /// order drops a different image each epoch). `epoch_rng` serves the tensor path only.
    pub(crate) fn batch(
        &self,
        train: &TrainingSet,
        order: &[usize],
        key: (u64, u64, usize, usize),
        batch: usize,
        epoch_rng: &mut ChaCha8Rng,
    ) -> Result<Option<(Tensor, Tensor, usize)>> {
        let (seed, stream, epoch, step) = key;
        let device = train.images.device();
        let chunk: &[usize] = order.chunks(batch).nth(step).unwrap_or(&[]);
        let mut rng = step_rng(seed, stream, epoch, step);
        let (x, target, n) = match self {
            Sampler::Patches(src, p, aug, epochs) => {
                let n = self.batch_size(batch);
                let p = &PatchConfig {
                    m_fraction: p.m_fraction_at(epoch, *epochs),
                    ..*p
                };
                let draws: Vec<Draw> = (0..n).map(|_| src.draw_patch(p, aug, &mut rng)).collect();
                let (x, y) = src.batch(&draws, (p.size[0], p.size[1]), &mut rng, device)?;
                (x, y, n)
            }
            _ if chunk.len() < 2 => return Ok(None),
            Sampler::Augmented(src, aug) => {
                let draws: Vec<Draw> = chunk
                    .iter()
                    .map(|&k| src.draw_whole(k, aug, &mut rng))
                    .collect();
                let (x, y) = src.batch(&draws, src.dim(), &mut rng, device)?;
                (x, y, chunk.len())
            }
            Sampler::Whole(maker) => {
                let (x, y) = maker.batch(train, chunk, Some(epoch_rng))?;
                (x, y, chunk.len())
            }
        };
        if n < 2 {
            return Ok(None);
        }
        Ok(Some((x, target, n)))
    }
}
