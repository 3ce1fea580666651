//! Augmentation of training samples that suits whole-body bone scans (issue #15), each a small
//! function of its own, all off in the `paper` profile (the paper names none).
//!
//! A sample is cut from a prepared image (anterior ‖ posterior, rows × cols) through a
//! coordinate map ([`SampleGeometry`]): output pixel `(i, j)` of an `h × w` sample reads the
//! source pixel
//!
//! ```text
//! y = round(a_y + (i − (h − 1)/2) / s)        x' = round(a_x + (j − (w − 1)/2) / s)
//! x = mirror(x') if mirrored, else x'           mirror(x) = half − 1 − x        (x < half)
//!                                                         = cols + half − 1 − x (x ≥ half)
//! ```
//!
//! with anchor `a` (the sample centre in the image; a shift moves it), zoom `s` and
//! `half = cols / 2`. Mirroring flips the anterior and the posterior view each in place — the
//! patient mirrored left–right, seen from the front and from the back — never swapping the
//! views. Nearest-neighbour sampling keeps every label a class of its source pixel (an M
//! pixel stays M); pixels outside the image read as background (0, class 0).
//!
//! Intensities then go through count thinning ([`thin_counts`]: binomial resampling of the
//! counts with keep probability `p`, rescaled by `1/p` — the same mean, the noise of an
//! acquisition `p` times as long) and a global gain ([`apply_gain`]).

use rand::Rng;
use rand_distr::{Binomial, Distribution};
use serde::{Deserialize, Serialize};

/// Augmentation settings (TOML `[training.augmentation]`); every transform off by default.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AugmentConfig {
    /// Mirror the patient left–right (each view in place) with probability ½.
    pub mirror: bool,
    /// Global gain: intensities × U(1 − g, 1 + g); 0 = off. In [0, 0.5).
    pub gain: f64,
    /// Zoom about the sample centre by U(1 − z, 1 + z); 0 = off. In [0, 0.5).
    pub zoom: f64,
    /// Shift of the sample centre by up to this many pixels per axis (whole-image training;
    /// patches are already placed at random); 0 = off.
    pub shift: usize,
    /// Count thinning: keep probability U(t, 1) (t = 1 off). In (0, 1].
    pub thinning: f64,
}

impl Default for AugmentConfig {
    fn default() -> Self {
        AugmentConfig {
            mirror: false,
            gain: 0.0,
            zoom: 0.0,
            shift: 0,
            thinning: 1.0,
        }
    }
}

impl AugmentConfig {
    /// True when no transform is on.
    pub fn is_off(&self) -> bool {
        *self == AugmentConfig::default()
    }

    /// Why a value is out of range, if one is: its TOML key and the reason.
    pub fn invalid(&self) -> Option<(&'static str, String)> {
        if !(0.0..0.5).contains(&self.gain) {
            return Some((
                "training.augmentation.gain",
                format!("must lie in [0, 0.5), got {}", self.gain),
            ));
        }
        if !(0.0..0.5).contains(&self.zoom) {
            return Some((
                "training.augmentation.zoom",
                format!("must lie in [0, 0.5), got {}", self.zoom),
            ));
        }
        if !(self.thinning > 0.0 && self.thinning <= 1.0) {
            return Some((
                "training.augmentation.thinning",
                format!("must lie in (0, 1], got {}", self.thinning),
            ));
        }
        if self.shift > 4096 {
            return Some((
                "training.augmentation.shift",
                format!("must be at most 4096, got {}", self.shift),
            ));
        }
        None
    }

    /// Draws the intensity part of one sample: (keep probability, gain).
    pub fn draw_intensity(&self, rng: &mut impl Rng) -> (f64, f64) {
        let keep = if self.thinning < 1.0 {
            rng.random_range(self.thinning..=1.0)
        } else {
            1.0
        };
        let gain = if self.gain > 0.0 {
            rng.random_range(1.0 - self.gain..=1.0 + self.gain)
        } else {
            1.0
        };
        (keep, gain)
    }

    /// Draws the zoom and mirroring of one sample.
    pub fn draw_zoom_mirror(&self, rng: &mut impl Rng) -> (f64, bool) {
        let zoom = if self.zoom > 0.0 {
            rng.random_range(1.0 - self.zoom..=1.0 + self.zoom)
        } else {
            1.0
        };
        (zoom, self.mirror && rng.random_bool(0.5))
    }
}

/// Where and how one sample is cut (see the module documentation for the map).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SampleGeometry {
    /// Sample centre in image coordinates (row, column; before mirroring).
    pub anchor: (f64, f64),
    /// Zoom factor `s` (> 1 magnifies).
    pub zoom: f64,
    /// Mirror each view in place.
    pub mirror: bool,
}

/// The column a mirrored image shows at `x`: each half (view) of `cols` flipped in place.
pub fn mirror_column(x: usize, cols: usize) -> usize {
    let half = cols / 2;
    if x < half {
        half - 1 - x
    } else {
        cols + half - 1 - x
    }
}

impl SampleGeometry {
    /// Source pixel (row, col) of output pixel `(i, j)` of an `h × w` sample, or `None` outside
    /// the `rows × cols` image.
    pub fn source(
        &self,
        (i, j): (usize, usize),
        (h, w): (usize, usize),
        (rows, cols): (usize, usize),
    ) -> Option<(usize, usize)> {
        let y = (self.anchor.0 + (i as f64 - (h as f64 - 1.0) / 2.0) / self.zoom).round();
        let x = (self.anchor.1 + (j as f64 - (w as f64 - 1.0) / 2.0) / self.zoom).round();
        if y < 0.0 || x < 0.0 || y >= rows as f64 || x >= cols as f64 {
            return None;
        }
        let (y, x) = (y as usize, x as usize);
        Some((
            y,
            if self.mirror {
                mirror_column(x, cols)
            } else {
                x
            },
        ))
    }

    /// The anchor that puts source pixel `(py, px)` at output pixel `(i, j)`: the inverse of
    /// [`Self::source`] for one pixel (how a patch is forced to contain a chosen M pixel).
    pub fn anchor_for(
        (py, px): (usize, usize),
        (i, j): (usize, usize),
        (h, w): (usize, usize),
        cols: usize,
        zoom: f64,
        mirror: bool,
    ) -> (f64, f64) {
        let x = if mirror { mirror_column(px, cols) } else { px };
        (
            py as f64 - (i as f64 - (h as f64 - 1.0) / 2.0) / zoom,
            x as f64 - (j as f64 - (w as f64 - 1.0) / 2.0) / zoom,
        )
    }
}

/// Cuts an `h × w` sample of `image` and `labels` (row-major `rows × cols`) through `geometry`,
/// appending to `image_out` and `labels_out`. Outside the image: 0 and class 0.
pub fn cut_sample(
    image: &[f32],
    labels: &[u8],
    (rows, cols): (usize, usize),
    geometry: &SampleGeometry,
    (h, w): (usize, usize),
    image_out: &mut Vec<f32>,
    labels_out: &mut Vec<u8>,
) {
    for i in 0..h {
        for j in 0..w {
            match geometry.source((i, j), (h, w), (rows, cols)) {
                Some((y, x)) => {
                    image_out.push(image[y * cols + x]);
                    labels_out.push(labels[y * cols + x]);
                }
                None => {
                    image_out.push(0.0);
                    labels_out.push(0);
                }
            }
        }
    }
}

/// Count thinning: each pixel `v` (taken as `round(v)` counts) becomes
/// `Binomial(round(v), p) / p` — the expected value is kept, the Poisson noise is that of an
/// acquisition `p` times as long. `p = 1` leaves the pixels unchanged.
pub fn thin_counts(pixels: &mut [f32], keep: f64, rng: &mut impl Rng) {
    if keep >= 1.0 {
        return;
    }
    let keep = keep.max(1e-6);
    for v in pixels.iter_mut() {
        let n = v.max(0.0).round() as u64;
        if n == 0 {
            *v = 0.0;
            continue;
        }
        // `Binomial::new` only fails for p outside [0, 1], excluded above
        let k = Binomial::new(n, keep).map_or(n, |d| d.sample(rng));
        *v = (k as f64 / keep) as f32;
    }
}

/// Global gain: `v ← clamp(g · v, 0, 255)`.
pub fn apply_gain(pixels: &mut [f32], gain: f64) {
    if gain == 1.0 {
        return;
    }
    let g = gain as f32;
    for v in pixels.iter_mut() {
        *v = (*v * g).clamp(0.0, 255.0);
    }
}
