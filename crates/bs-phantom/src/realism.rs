//! Realism measures of a whole-body count view, beyond the first-order statistics of
//! [`ViewStats`](crate::ViewStats): noise, texture, bone-to-soft-tissue contrast at named
//! landmarks and the horizontal profile across the chest.
//!
//! Every measure is read from the image and a few landmark rows ([`Landmarks`]): for a phantom
//! they come from its anatomy ([`SyntheticPatient::landmarks`](crate::SyntheticPatient::landmarks)),
//! for a real scan from a reader (NM1's are in `tests/data/nm1_landmarks.toml`). Proportions alone
//! do not place them: the feet of a supine patient point down by a varying amount, which moves
//! every fraction of the body's length.
//!
//! | measure | definition |
//! |---|---|
//! | `noise_index` | `(x[r,c] - x[r,c+1])² / 2` over the local 9 × 9 mean, median over soft-tissue pixels (9 × 9 mean of 3 counts up to the body's median, level within 5 % to the right), divided by 0.455 (the median of χ²₁ over its mean): 1 for Poisson counts, more for extra texture at the pixel scale |
//! | `spectrum_slope`, `spectrum_level` | radially averaged power spectrum of a 64 × 64 Hann-windowed patch of the upper abdomen in units of its mean: log–log slope over 0.03–0.2 cycles/px, and mean power over 0.3–0.5 cycles/px |
//! | `lumbar_contrast` | L3 (column peak within 2.7 cm of the midline) over the paraspinal tissue 4 cm either side |
//! | `femur_contrast` | femoral shaft (peak of each half at mid-thigh) over the thigh tissue 3.2 cm either side |
//! | `skull_contrast` | 90th percentile of the head band over the paraspinal tissue at L3 |
//! | `chest_profile` | mean counts of a 9-row band at mid-sternum, ±12 cm around the midline (inside the chest wall, clear of the arms, whose pose varies), over its own mean |

use ndarray::ArrayView2;
use serde::Serialize;

/// Landmark rows and the midline of an anterior view.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Landmarks {
    /// First and last row of the skull vault above the orbits.
    pub head: (usize, usize),
    /// Mid-sternum: ribs, spine, scapulae and breasts.
    pub chest: usize,
    /// Centre of the 64 × 64 texture patch (upper abdomen, L1–L2).
    pub abdomen: usize,
    /// Third lumbar vertebra.
    pub l3: usize,
    /// Mid-thigh, halfway between the greater trochanter and the knee joint.
    pub thigh: usize,
    /// Centre of the bladder (the hottest spot of the lower pelvis searched ±10 rows around).
    pub bladder: usize,
    /// Column of the body's midline at the chest.
    pub midline: f64,
}

impl Landmarks {
    /// A band of `±h` rows around `row`.
    fn band(row: usize, h: usize) -> std::ops::Range<usize> {
        row.saturating_sub(h)..row + h + 1
    }
}

/// Pixel size the distances below assume (the NM1 matrix, 2.26 mm).
const PX_PER_CM: f64 = 10.0 / crate::PIXEL_SPACING_MM;

/// The realism measures of one anterior view (see the module documentation).
#[derive(Debug, Clone, Serialize)]
pub struct Realism {
    /// Soft-tissue variance over mean at the pixel scale (1 for pure Poisson counts).
    pub noise_index: f64,
    /// Log–log slope of the abdomen's power spectrum over 0.03–0.2 cycles/px.
    pub spectrum_slope: f64,
    /// Mean power over 0.3–0.5 cycles/px, in units of the squared patch mean.
    pub spectrum_level: f64,
    /// L3 over paraspinal tissue.
    pub lumbar_contrast: f64,
    /// Femoral shaft over thigh tissue (both legs averaged).
    pub femur_contrast: f64,
    /// Head (90th percentile) over the paraspinal tissue.
    pub skull_contrast: f64,
    /// The bladder's peak (a 9-row band, 5-column box) over the paraspinal tissue.
    pub bladder_contrast: f64,
    /// Counts across the mid-chest over their mean, 129 samples.
    pub chest_profile: Vec<f64>,
}

/// Column profile of a band of rows, smoothed by a 5-pixel box.
fn band_profile(view: ArrayView2<f32>, rows: std::ops::Range<usize>) -> Vec<f64> {
    let n = rows.len().max(1) as f64;
    let raw: Vec<f64> = (0..view.ncols())
        .map(|c| rows.clone().map(|r| f64::from(view[(r, c)])).sum::<f64>() / n)
        .collect();
    (0..raw.len())
        .map(|c| {
            let (a, b) = (c.saturating_sub(2), (c + 3).min(raw.len()));
            raw[a..b].iter().sum::<f64>() / (b - a) as f64
        })
        .collect()
}

/// Mean of `p` over `c ± 2`, clipped to the profile.
fn around(p: &[f64], c: f64) -> f64 {
    let c = c.round().clamp(0.0, (p.len() - 1) as f64) as usize;
    let (a, b) = (c.saturating_sub(2), (c + 3).min(p.len()));
    p[a..b].iter().sum::<f64>() / (b - a) as f64
}

/// Column of the maximum of `p` within `[lo, hi)`.
fn peak(p: &[f64], lo: f64, hi: f64) -> f64 {
    let lo = lo.max(0.0) as usize;
    let hi = (hi.max(0.0) as usize).min(p.len());
    (lo..hi)
        .max_by(|&a, &b| p[a].total_cmp(&p[b]))
        .unwrap_or(lo) as f64
}

impl Realism {
    /// Measures an anterior view (head at the top) with its landmarks; `None` when a landmark's
    /// band or patch leaves the view.
    pub fn of(view: ArrayView2<f32>, g: &Landmarks) -> Option<Self> {
        let (rows, cols) = view.dim();
        let lowest = [
            g.head.1,
            g.chest + 4,
            g.l3 + 4,
            g.thigh + 5,
            g.abdomen + 32,
            g.bladder + 14,
        ];
        if lowest.iter().any(|&r| r >= rows) || g.abdomen < 32 {
            return None;
        }
        if !(32.0..cols as f64 - 32.0).contains(&g.midline) || g.head.0 > g.head.1 {
            return None;
        }
        let (lumbar_contrast, paraspinal) = lumbar(view, g);
        let (spectrum_slope, spectrum_level) = spectrum(view, g);
        let mut head: Vec<f32> = view
            .slice(ndarray::s![g.head.0..g.head.1 + 1, ..])
            .iter()
            .copied()
            .filter(|&x| x > 0.0)
            .collect();
        head.sort_by(f32::total_cmp);
        let skull = head.get(head.len() * 9 / 10).copied().unwrap_or(0.0);
        let chest = band_profile(view, Landmarks::band(g.chest, 4));
        let half = (12.0 * PX_PER_CM).round();
        let chest_profile: Vec<f64> = (0..129)
            .map(|i| around(&chest, g.midline - half + i as f64 * 2.0 * half / 128.0))
            .collect();
        let m = chest_profile.iter().sum::<f64>() / 129.0;
        Some(Self {
            noise_index: noise_index(view),
            spectrum_slope,
            spectrum_level,
            lumbar_contrast,
            femur_contrast: femur(view, g),
            skull_contrast: f64::from(skull) / paraspinal.max(1e-9),
            bladder_contrast: bladder(view, g) / paraspinal.max(1e-9),
            chest_profile: chest_profile.iter().map(|x| x / m.max(1e-9)).collect(),
        })
    }

    /// Pearson correlation of two chest profiles.
    pub fn chest_correlation(&self, other: &Realism) -> f64 {
        crate::stats::pearson(&self.chest_profile, &other.chest_profile)
    }
}

/// L3 over paraspinal tissue, and the paraspinal level.
fn lumbar(view: ArrayView2<f32>, g: &Landmarks) -> (f64, f64) {
    let p = band_profile(view, Landmarks::band(g.l3, 4));
    let reach = 2.7 * PX_PER_CM;
    let spine = peak(&p, g.midline - reach, g.midline + reach + 1.0);
    let off = 4.0 * PX_PER_CM;
    let para = (around(&p, spine - off) + around(&p, spine + off)) / 2.0;
    (around(&p, spine) / para.max(1e-9), para)
}

/// The bladder's peak: the hottest 9-row band within ±10 rows of its landmark, at its hottest
/// 5 columns within ±4 cm of the midline.
fn bladder(view: ArrayView2<f32>, g: &Landmarks) -> f64 {
    let reach = 4.0 * PX_PER_CM;
    (g.bladder.saturating_sub(10)..=g.bladder + 10)
        .map(|row| {
            let p = band_profile(view, Landmarks::band(row, 4));
            around(&p, peak(&p, g.midline - reach, g.midline + reach + 1.0))
        })
        .fold(0.0, f64::max)
}

/// Femoral shaft over thigh tissue, both legs averaged.
fn femur(view: ArrayView2<f32>, g: &Landmarks) -> f64 {
    let p = band_profile(view, Landmarks::band(g.thigh, 5));
    let reach = 12.0 * PX_PER_CM;
    let off = 3.2 * PX_PER_CM;
    let ratio = |shaft: f64| {
        let tissue = (around(&p, shaft - off) + around(&p, shaft + off)) / 2.0;
        around(&p, shaft) / tissue.max(1e-9)
    };
    let right = peak(&p, g.midline - reach, g.midline - 1.0);
    let left = peak(&p, g.midline + 1.0, g.midline + reach);
    (ratio(right) + ratio(left)) / 2.0
}

/// Median soft-tissue variance over mean from horizontal neighbour differences.
fn noise_index(view: ArrayView2<f32>) -> f64 {
    let sat = crate::stats::Sat::new(view);
    let (rows, cols) = view.dim();
    // 9 × 9 means of the interior, row by row (columns 4..cols-4)
    let means: Vec<Vec<f64>> = (4..rows - 4)
        .map(|r| (4..cols - 4).map(|c| sat.mean(r, c, 4)).collect())
        .collect();
    // the body's level over columns 4..cols-5, where each pixel has a right neighbour
    let mut body: Vec<f64> = means
        .iter()
        .flat_map(|row| row[..row.len() - 1].iter().copied())
        .filter(|&m| m >= 3.0)
        .collect();
    body.sort_by(f64::total_cmp);
    let Some(&median) = body.get(body.len() / 2) else {
        return f64::NAN;
    };
    // soft tissue: smooth surroundings below the body's median level
    let mut fano = Vec::new();
    for (row, r) in means.iter().zip(4..) {
        for (pair, c) in row.windows(2).zip(4..) {
            let (m, right) = (pair[0], pair[1]);
            if m >= 3.0 && m <= median && (right - m).abs() < 0.05 * m {
                let d = f64::from(view[(r, c)]) - f64::from(view[(r, c + 1)]);
                fano.push(d * d / 2.0 / m);
            }
        }
    }
    fano.sort_by(f64::total_cmp);
    // the median of a scaled χ²₁ is 0.455 times its mean
    fano.get(fano.len() / 2).map_or(f64::NAN, |m| m / 0.455)
}

/// Slope and high-frequency level of the upper abdomen's radially averaged power spectrum.
fn spectrum(view: ArrayView2<f32>, g: &Landmarks) -> (f64, f64) {
    const N: usize = 64;
    let r0 = g.abdomen - N / 2;
    let c0 = (g.midline.round() as usize)
        .saturating_sub(N / 2)
        .min(view.ncols() - N);
    let patch = view.slice(ndarray::s![r0..r0 + N, c0..c0 + N]);
    let mean = patch.iter().map(|&x| f64::from(x)).sum::<f64>() / (N * N) as f64;
    let hann = |i: usize| 0.5 - 0.5 * (2.0 * std::f64::consts::PI * i as f64 / N as f64).cos();
    let norm: f64 = (0..N).map(|i| hann(i).powi(2)).sum::<f64>().powi(2);
    let x: Vec<f64> = (0..N * N)
        .map(|i| {
            (f64::from(patch[(i / N, i % N)]) / mean.max(1e-9) - 1.0) * hann(i / N) * hann(i % N)
        })
        .collect();
    let power = crate::stats::power_spectrum(&x, N);
    let mut radial = vec![(0.0, 0usize); N / 2 + 1];
    for ky in 0..N {
        for kx in 0..N {
            let f = |k: usize| k.min(N - k) as f64;
            let k = (f(ky).hypot(f(kx))).round() as usize;
            if k <= N / 2 {
                radial[k].0 += power[ky * N + kx] / norm;
                radial[k].1 += 1;
            }
        }
    }
    let radial: Vec<(f64, f64)> = radial
        .iter()
        .enumerate()
        .skip(1)
        .map(|(k, &(s, n))| (k as f64 / N as f64, s / n.max(1) as f64))
        .collect();
    let fit: Vec<(f64, f64)> = radial
        .iter()
        .filter(|(f, _)| (0.03..=0.2).contains(f))
        .map(|&(f, p)| (f.ln(), p.max(1e-30).ln()))
        .collect();
    let high: Vec<f64> = radial
        .iter()
        .filter(|(f, _)| *f >= 0.3)
        .map(|&(_, p)| p)
        .collect();
    (
        crate::stats::slope(&fit),
        high.iter().sum::<f64>() / high.len().max(1) as f64,
    )
}
