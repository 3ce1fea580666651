//! Training samples drawn from full-resolution images: fixed-size patches, a fraction of
//! them forced to contain metastasis (the way nnU-Net trains, which forces one third), or
//! whole images, augmented by [`crate::data::augment`].
//!
//! Every draw of step `k` of epoch `e` comes from a generator seeded by (seed, stream, e, k)
//! only, so a resumed run draws exactly the samples of an uninterrupted one.

use std::borrow::Cow;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use tch::{Device, Kind, Tensor};

use crate::data::augment::{apply_gain, cut_sample, thin_counts, AugmentConfig, SampleGeometry};
use crate::data::targets::{target_tensor, TrainingSet};
use crate::error::Result;

/// Patch training (TOML `[training.patches]`): `size` rows × cols (multiples of 16), a
/// fraction `m_fraction` of patches forced to contain an M pixel, `per_epoch` patches per
/// epoch (one validation on whole images after each epoch).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PatchConfig {
    /// Patch rows and columns.
    pub size: [usize; 2],
    /// Fraction of patches centred on metastasis (nnU-Net: ⅓); the rest are uniform.
    #[serde(default = "one_third")]
    pub m_fraction: f64,
    /// Patches per epoch.
    pub per_epoch: usize,
    /// Patches per optimiser step; `None`: `training.batch_size`.
    #[serde(default)]
    pub batch: Option<usize>,
    /// The forced fraction of the last epoch, reached linearly from `m_fraction` in the first;
    /// `None`: `m_fraction` throughout. A high fraction first gives the rare M class a
    /// foothold; a low one last shows the network the class balance of whole images.
    #[serde(default)]
    pub m_fraction_last: Option<f64>,
    /// Fraction of the patches not forced on metastasis that are centred on a hard negative
    /// instead of placed uniformly: a uniformly chosen pixel among an image's hottest non-M
    /// pixels (the top `hard_negative_top` of its non-M pixels by count: bladder, kidneys,
    /// injection sites, benign uptake). 0 (the default) draws exactly as without it.
    #[serde(default)]
    pub hard_negative_fraction: f64,
    /// Share of each image's non-M pixels, the hottest by count, that are hard negatives.
    #[serde(default = "hard_negative_top")]
    pub hard_negative_top: f64,
}

fn one_third() -> f64 {
    1.0 / 3.0
}

/// (image, flat indices) of some of its pixels, per image with any.
type PixelsPerImage = Vec<(usize, Vec<u32>)>;

/// Default [`PatchConfig::hard_negative_top`]: the hottest 0.5 % of an image's non-M pixels
/// (about 1,600 of 640×512, the size of a bladder in both views).
pub const HARD_NEGATIVE_TOP: f64 = 0.005;

fn hard_negative_top() -> f64 {
    HARD_NEGATIVE_TOP
}

impl PatchConfig {
    /// The forced fraction of epoch `epoch` (1-based) of `epochs`.
    pub fn m_fraction_at(&self, epoch: usize, epochs: usize) -> f64 {
        match self.m_fraction_last {
            Some(last) if epochs > 1 => {
                let t = (epoch.clamp(1, epochs) - 1) as f64 / (epochs - 1) as f64;
                self.m_fraction + (last - self.m_fraction) * t
            }
            Some(last) => last,
            None => self.m_fraction,
        }
    }

    /// Why a value is out of range, if one is: its TOML key and the reason. The sides follow
    /// the network's input rule ([`bs_model::INPUT_SIDE_MULTIPLE`], [`bs_model::MAX_INPUT_SIDE`]).
    pub fn invalid(&self) -> Option<(&'static str, String)> {
        let [h, w] = self.size;
        let (m, max) = (
            bs_model::INPUT_SIDE_MULTIPLE as usize,
            bs_model::MAX_INPUT_SIDE as usize,
        );
        if [h, w].iter().any(|&s| s == 0 || s % m != 0 || s > max) {
            return Some((
                "training.patches.size",
                format!("sides must be positive multiples of {m} up to {max}, got {h}×{w}"),
            ));
        }
        if !(0.0..=1.0).contains(&self.m_fraction) {
            return Some((
                "training.patches.m_fraction",
                format!("must lie in [0, 1], got {}", self.m_fraction),
            ));
        }
        if self.per_epoch < 2 {
            return Some((
                "training.patches.per_epoch",
                format!("must be at least 2, got {}", self.per_epoch),
            ));
        }
        if let Some(f) = self.m_fraction_last.filter(|f| !(0.0..=1.0).contains(f)) {
            return Some((
                "training.patches.m_fraction_last",
                format!("must lie in [0, 1], got {f}"),
            ));
        }
        if !(0.0..=1.0).contains(&self.hard_negative_fraction) {
            return Some((
                "training.patches.hard_negative_fraction",
                format!("must lie in [0, 1], got {}", self.hard_negative_fraction),
            ));
        }
        if !(self.hard_negative_top > 0.0 && self.hard_negative_top <= 0.5) {
            return Some((
                "training.patches.hard_negative_top",
                format!("must lie in (0, 0.5], got {}", self.hard_negative_top),
            ));
        }
        if let Some(b) = self.batch.filter(|b| !(2..=4096).contains(b)) {
            return Some((
                "training.patches.batch",
                format!("must lie in 2..=4096 (batch norm needs two samples), got {b}"),
            ));
        }
        None
    }
}

/// How one sample is made: which image, where, and its intensity transforms.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Draw {
    /// Index of the image in the set.
    pub image: usize,
    /// Coordinate map of the cut.
    pub geometry: SampleGeometry,
    /// Count-thinning keep probability (1 = none).
    pub keep: f64,
    /// Gain (1 = none).
    pub gain: f64,
    /// The patch was forced to contain an M pixel.
    pub forced: bool,
    /// The patch was centred on a hard negative (a hot non-M pixel).
    pub hard_negative: bool,
}

impl Draw {
    /// A draw of `image` through `geometry`, its intensity transforms drawn from `rng`.
    fn with_intensity(
        image: usize,
        geometry: SampleGeometry,
        (forced, hard_negative): (bool, bool),
        augment: &AugmentConfig,
        rng: &mut impl Rng,
    ) -> Draw {
        let (keep, gain) = augment.draw_intensity(rng);
        Draw {
            image,
            geometry,
            keep,
            gain,
            forced,
            hard_negative,
        }
    }
}

/// The host copy of a training set that samples are cut from.
#[derive(Debug)]
pub struct SampleSource {
    images: Vec<f32>,
    labels: Vec<u8>,
    n: usize,
    dim: (usize, usize),
    num_classes: i64,
    /// (image, flat index) of every M pixel, per image with any.
    m_pixels: PixelsPerImage,
    /// Share of pixels `hot` was made for, and (image, flat index) of the hot non-M pixels,
    /// per image with any; made on the first draw that needs them.
    hot: std::sync::OnceLock<(f64, PixelsPerImage)>,
}

impl SampleSource {
    /// Copies the images and labels of `set` to the host.
    pub fn new(set: &TrainingSet) -> Result<SampleSource> {
        let size = set.images.size();
        let (n, rows, cols) = (size[0] as usize, size[2] as usize, size[3] as usize);
        let images = Vec::<f32>::try_from(
            set.images
                .to_device(Device::Cpu)
                .to_kind(Kind::Float)
                .flatten(0, -1),
        )?;
        let labels = Vec::<u8>::try_from(
            set.labels
                .to_device(Device::Cpu)
                .to_kind(Kind::Uint8)
                .flatten(0, -1),
        )?;
        let m = Vec::<u8>::try_from(
            set.m
                .to_device(Device::Cpu)
                .to_kind(Kind::Uint8)
                .flatten(0, -1),
        )?;
        let m_pixels = (0..n)
            .filter_map(|k| {
                let px: Vec<u32> = m[k * rows * cols..(k + 1) * rows * cols]
                    .iter()
                    .enumerate()
                    .filter(|(_, &is_m)| is_m != 0)
                    .map(|(i, _)| i as u32)
                    .collect();
                (!px.is_empty()).then_some((k, px))
            })
            .collect();
        Ok(SampleSource {
            images,
            labels,
            n,
            dim: (rows, cols),
            num_classes: set.num_classes,
            m_pixels,
            hot: std::sync::OnceLock::new(),
        })
    }

    /// Number of images.
    pub fn len(&self) -> usize {
        self.n
    }

    /// True when there are no images.
    pub fn is_empty(&self) -> bool {
        self.n == 0
    }

    /// Image size (rows, cols).
    pub fn dim(&self) -> (usize, usize) {
        self.dim
    }

    /// Counts of image `k` (row-major).
    pub fn images(&self, k: usize) -> &[f32] {
        let len = self.dim.0 * self.dim.1;
        &self.images[k * len..(k + 1) * len]
    }

    /// Labels of image `k` (row-major).
    pub fn labels(&self, k: usize) -> &[u8] {
        let len = self.dim.0 * self.dim.1;
        &self.labels[k * len..(k + 1) * len]
    }

    /// Draws a patch of `size`: with probability `m_fraction` (when any image has M) around a
    /// uniformly chosen M pixel of a uniformly chosen image with M, placed uniformly in the
    /// patch; otherwise, with probability `hard_negative_fraction`, the same around a hot
    /// non-M pixel ([`PatchConfig::hard_negative_fraction`]); otherwise a uniformly placed
    /// patch of a uniformly chosen image.
    pub fn draw_patch(
        &self,
        patches: &PatchConfig,
        augment: &AugmentConfig,
        rng: &mut impl Rng,
    ) -> Draw {
        let [h, w] = patches.size;
        let (rows, cols) = self.dim;
        let forced = !self.m_pixels.is_empty() && rng.random_bool(patches.m_fraction);
        // no draw at all without hard negatives: runs without them stay as they were
        let hot = (!forced && patches.hard_negative_fraction > 0.0)
            .then(|| self.hot_pixels(patches.hard_negative_top))
            .filter(|hot| !hot.is_empty() && rng.random_bool(patches.hard_negative_fraction));
        let (zoom, mirror) = augment.draw_zoom_mirror(rng);
        let centred_on = if forced {
            Some(&self.m_pixels[..])
        } else {
            hot.as_deref()
        };
        let (image, anchor) = if let Some(pixels) = centred_on {
            let (k, px) = &pixels[rng.random_range(0..pixels.len())];
            let flat = px[rng.random_range(0..px.len())] as usize;
            let at = (rng.random_range(0..h), rng.random_range(0..w));
            let anchor = SampleGeometry::anchor_for(
                (flat / cols, flat % cols),
                at,
                (h, w),
                cols,
                zoom,
                mirror,
            );
            (*k, anchor)
        } else {
            let mut centre = |side: usize, len: usize| {
                let lo = (side as f64 - 1.0) / 2.0;
                let hi = (len as f64 - 1.0 - lo).max(lo);
                rng.random_range(lo..=hi)
            };
            let ay = centre(h, rows);
            let ax = centre(w, cols);
            (rng.random_range(0..self.n), (ay, ax))
        };
        let geometry = SampleGeometry {
            anchor,
            zoom,
            mirror,
        };
        let kind = (forced, hot.is_some()); // hot is only looked up for unforced patches
        Draw::with_intensity(image, geometry, kind, augment, rng)
    }

    /// (image, flat indices) of each image's hot non-M pixels: those of its non-M pixels with a
    /// positive count at or above the `top` quantile from the top of their counts. Kept for the
    /// first `top` asked (a training asks one), made afresh for another.
    pub fn hot_pixels(&self, top: f64) -> Cow<'_, [(usize, Vec<u32>)]> {
        let (made_for, hot) = self.hot.get_or_init(|| (top, self.find_hot(top)));
        if *made_for == top {
            Cow::Borrowed(hot)
        } else {
            Cow::Owned(self.find_hot(top))
        }
    }

    fn find_hot(&self, top: f64) -> PixelsPerImage {
        let len = self.dim.0 * self.dim.1;
        let no_m = Vec::new();
        (0..self.n)
            .filter_map(|k| {
                let image = &self.images[k * len..(k + 1) * len];
                let m = self
                    .m_pixels
                    .iter()
                    .find(|(j, _)| *j == k)
                    .map_or(&no_m, |(_, px)| px);
                let is_m = |i: usize| m.binary_search(&(i as u32)).is_ok();
                let mut counts: Vec<f32> =
                    (0..len).filter(|&i| !is_m(i)).map(|i| image[i]).collect();
                if counts.is_empty() {
                    return None;
                }
                let rank = ((counts.len() as f64 * top).ceil() as usize).clamp(1, counts.len());
                let at = counts.len() - rank;
                let (_, &mut threshold, _) =
                    counts.select_nth_unstable_by(at, |a, b| a.total_cmp(b));
                let px: Vec<u32> = (0..len)
                    .filter(|&i| image[i] >= threshold && image[i] > 0.0 && !is_m(i))
                    .map(|i| i as u32)
                    .collect();
                (!px.is_empty()).then_some((k, px))
            })
            .collect()
    }

    /// Draws the augmentation of whole image `image` (centre shifted by up to `shift` pixels).
    pub fn draw_whole(&self, image: usize, augment: &AugmentConfig, rng: &mut impl Rng) -> Draw {
        let (rows, cols) = self.dim;
        let (zoom, mirror) = augment.draw_zoom_mirror(rng);
        let s = augment.shift as f64;
        let mut jitter = || {
            if s > 0.0 {
                rng.random_range(-s..=s).round()
            } else {
                0.0
            }
        };
        let anchor = (
            (rows as f64 - 1.0) / 2.0 + jitter(),
            (cols as f64 - 1.0) / 2.0 + jitter(),
        );
        let geometry = SampleGeometry {
            anchor,
            zoom,
            mirror,
        };
        Draw::with_intensity(image, geometry, (false, false), augment, rng)
    }

    /// Cuts one sample of `size` (rows, cols): pixels after thinning and gain, and labels.
    pub fn cut(
        &self,
        draw: &Draw,
        size: (usize, usize),
        rng: &mut impl Rng,
    ) -> (Vec<f32>, Vec<u8>) {
        let len = self.dim.0 * self.dim.1;
        let k = draw.image;
        let mut pixels = Vec::with_capacity(size.0 * size.1);
        let mut labels = Vec::with_capacity(size.0 * size.1);
        cut_sample(
            &self.images[k * len..(k + 1) * len],
            &self.labels[k * len..(k + 1) * len],
            self.dim,
            &draw.geometry,
            size,
            &mut pixels,
            &mut labels,
        );
        thin_counts(&mut pixels, draw.keep, rng);
        apply_gain(&mut pixels, draw.gain);
        (pixels, labels)
    }

    /// Network input N×3×h×w and target (N×C×h×w, one-hot for three classes, the M indicator
    /// for binary) of `draws`, each cut at `size`, on `device`. Each sample's count thinning
    /// draws from its own generator, seeded in turn from `rng`, so that the samples can be cut
    /// in parallel (on CUDA, where the host's work would otherwise hold back the device) with
    /// the same result.
    pub fn batch(
        &self,
        draws: &[Draw],
        size: (usize, usize),
        rng: &mut impl Rng,
        device: Device,
    ) -> Result<(Tensor, Tensor)> {
        let seeds: Vec<u64> = draws.iter().map(|_| rng.random()).collect();
        let cut = |(d, &s): (&Draw, &u64)| self.cut(d, size, &mut ChaCha8Rng::seed_from_u64(s));
        let samples: Vec<(Vec<f32>, Vec<u8>)> = if device.is_cuda() {
            use rayon::prelude::*;
            draws.par_iter().zip(seeds.par_iter()).map(cut).collect()
        } else {
            draws.iter().zip(seeds.iter()).map(cut).collect()
        };
        let mut pixels = Vec::with_capacity(draws.len() * size.0 * size.1);
        let mut labels = Vec::with_capacity(draws.len() * size.0 * size.1);
        for (p, l) in samples {
            pixels.extend(p);
            labels.extend(l.into_iter().map(i64::from));
        }
        let (n, h, w) = (draws.len() as i64, size.0 as i64, size.1 as i64);
        let images = Tensor::from_slice(&pixels)
            .reshape([n, 1, h, w])
            .to_device(device);
        let labels = Tensor::from_slice(&labels)
            .reshape([n, h, w])
            .to_device(device);
        let x = bs_model::grayscale_to_input(&images)?;
        Ok((x, target_tensor(&labels, self.num_classes)?))
    }
}

/// The generator of step `step` of epoch `epoch` (independent of every other step's).
pub fn step_rng(seed: u64, stream: u64, epoch: usize, step: usize) -> ChaCha8Rng {
    let base = super::batches::epoch_seed(seed ^ 0x5A5A_0F0F, stream, epoch);
    ChaCha8Rng::seed_from_u64(base ^ (step as u64 + 1).wrapping_mul(0xD6E8_FEB8_6659_FD93))
}
