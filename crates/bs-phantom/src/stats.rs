//! Count statistics of a view, used to calibrate the phantom against the real NM1 scan.

use ndarray::ArrayView2;
use serde::Serialize;

/// Summary of one whole-body count view.
#[derive(Debug, Clone, Serialize)]
pub struct ViewStats {
    /// Mean counts per pixel.
    pub mean: f64,
    /// Maximum counts.
    pub max: f64,
    /// Percentiles 50, 75, 90, 95, 99, 99.9 (nearest rank).
    pub percentiles: [f64; 6],
    /// Fraction of pixels with any count.
    pub nonzero_fraction: f64,
    /// Fraction of pixels inside the body: 7 × 7 box mean ≥ 1 count.
    pub body_fraction: f64,
    /// First and last body row (row mean ≥ 1 count).
    pub body_rows: (usize, usize),
    /// Mean counts of 32 equal slices of the body rows, divided by the body's mean: the
    /// shape of the head-to-feet profile, independent of height and table position.
    pub row_profile: Vec<f64>,
}

/// The percentiles reported in [`ViewStats::percentiles`].
pub const PERCENTILES: [f64; 6] = [50.0, 75.0, 90.0, 95.0, 99.0, 99.9];

impl ViewStats {
    /// Statistics of a count image (rows × columns).
    pub fn of(view: ArrayView2<f32>) -> Self {
        let (rows, cols) = view.dim();
        let n = (rows * cols).max(1) as f64;
        let mut v: Vec<f32> = view.iter().copied().collect();
        v.sort_by(f32::total_cmp);
        let pct = |q: f64| f64::from(v[(((v.len() - 1) as f64) * q / 100.0).round() as usize]);
        let mean = view.iter().map(|&x| f64::from(x)).sum::<f64>() / n;
        // body: 7×7 box mean
        let sat = Sat::new(view);
        let body = (0..rows)
            .flat_map(|r| (0..cols).map(move |c| (r, c)))
            .filter(|&(r, c)| sat.mean(r, c, 3) >= 1.0)
            .count();
        let row_means: Vec<f64> = (0..rows)
            .map(|r| view.row(r).iter().map(|&x| f64::from(x)).sum::<f64>() / cols as f64)
            .collect();
        let first = row_means.iter().position(|&m| m >= 1.0).unwrap_or(0);
        let last = row_means
            .iter()
            .rposition(|&m| m >= 1.0)
            .unwrap_or(rows.saturating_sub(1));
        let span = (last + 1).saturating_sub(first).max(1);
        let body_mean = row_means[first..=last.max(first)].iter().sum::<f64>() / span as f64;
        let row_profile = (0..32)
            .map(|i| {
                let a = first + i * span / 32;
                let b = (first + (i + 1) * span / 32).max(a + 1).min(rows);
                row_means[a..b].iter().sum::<f64>() / (b - a) as f64 / body_mean.max(1e-9)
            })
            .collect();
        Self {
            mean,
            max: f64::from(*v.last().unwrap_or(&0.0)),
            percentiles: PERCENTILES.map(pct),
            nonzero_fraction: view.iter().filter(|&&x| x > 0.0).count() as f64 / n,
            body_fraction: body as f64 / n,
            body_rows: (first, last),
            row_profile,
        }
    }

    /// Pearson correlation of two row profiles.
    pub fn profile_correlation(&self, other: &ViewStats) -> f64 {
        pearson(&self.row_profile, &other.row_profile)
    }
}

/// Pearson correlation of two series (over the shorter length).
pub(crate) fn pearson(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    let (ma, mb) = (
        a.iter().sum::<f64>() / n as f64,
        b.iter().sum::<f64>() / n as f64,
    );
    let cov: f64 = a.iter().zip(b).map(|(x, y)| (x - ma) * (y - mb)).sum();
    let va: f64 = a.iter().map(|x| (x - ma).powi(2)).sum();
    let vb: f64 = b.iter().map(|y| (y - mb).powi(2)).sum();
    cov / (va * vb).sqrt().max(1e-12)
}

/// Least-squares slope of `y` on `x`.
pub(crate) fn slope(points: &[(f64, f64)]) -> f64 {
    let n = points.len().max(1) as f64;
    let mx = points.iter().map(|p| p.0).sum::<f64>() / n;
    let my = points.iter().map(|p| p.1).sum::<f64>() / n;
    let sxy: f64 = points.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
    let sxx: f64 = points.iter().map(|p| (p.0 - mx).powi(2)).sum();
    sxy / sxx.max(1e-12)
}

/// `|X[k]|²` of the 2-D discrete Fourier transform of a real `n × n` image (row-major).
pub(crate) fn power_spectrum(x: &[f64], n: usize) -> Vec<f64> {
    let tw: Vec<(f64, f64)> = (0..n)
        .map(|k| {
            let a = -2.0 * std::f64::consts::PI * k as f64 / n as f64;
            (a.cos(), a.sin())
        })
        .collect();
    // rows, then columns
    let mut rows = vec![(0.0, 0.0); n * n];
    for r in 0..n {
        for k in 0..n {
            rows[r * n + k] = (0..n).fold((0.0, 0.0), |(re, im), j| {
                let (c, s) = tw[(j * k) % n];
                (re + x[r * n + j] * c, im + x[r * n + j] * s)
            });
        }
    }
    let mut out = vec![0.0; n * n];
    for k2 in 0..n {
        for k in 0..n {
            let (re, im) = (0..n).fold((0.0, 0.0), |(re, im), r| {
                let (c, s) = tw[(r * k) % n];
                let (a, b) = rows[r * n + k2];
                (re + a * c - b * s, im + a * s + b * c)
            });
            out[k * n + k2] = re * re + im * im;
        }
    }
    out
}

/// Summed-area table for box means.
pub(crate) struct Sat {
    sums: Vec<f64>,
    rows: usize,
    cols: usize,
}

impl Sat {
    pub(crate) fn new(view: ArrayView2<f32>) -> Self {
        let (rows, cols) = view.dim();
        let mut sums = vec![0f64; (rows + 1) * (cols + 1)];
        for r in 0..rows {
            for c in 0..cols {
                sums[(r + 1) * (cols + 1) + c + 1] = f64::from(view[(r, c)])
                    + sums[r * (cols + 1) + c + 1]
                    + sums[(r + 1) * (cols + 1) + c]
                    - sums[r * (cols + 1) + c];
            }
        }
        Self { sums, rows, cols }
    }

    /// Mean over the `(2h+1)²` box around `(r, c)`, clipped to the image.
    pub(crate) fn mean(&self, r: usize, c: usize, h: usize) -> f64 {
        let w = self.cols + 1;
        let (r0, r1) = (r.saturating_sub(h), (r + h + 1).min(self.rows));
        let (c0, c1) = (c.saturating_sub(h), (c + h + 1).min(self.cols));
        let s = self.sums[r1 * w + c1] - self.sums[r0 * w + c1] - self.sums[r1 * w + c0]
            + self.sums[r0 * w + c0];
        s / ((r1 - r0) * (c1 - c0)) as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn power_spectrum_of_a_cosine_has_its_two_peaks() {
        // x = cos(2π · 3 c / n): |X|² = (n² / 2)² at (0, 3) and (0, n - 3), zero elsewhere
        let n = 16;
        let x: Vec<f64> = (0..n * n)
            .map(|i| (2.0 * std::f64::consts::PI * 3.0 * (i % n) as f64 / n as f64).cos())
            .collect();
        let p = power_spectrum(&x, n);
        let peak = (n * n) as f64 / 2.0;
        for (k, &v) in p.iter().enumerate() {
            let want = if k == 3 || k == n - 3 {
                peak * peak
            } else {
                0.0
            };
            assert!(
                (v - want).abs() < 1e-6 * peak * peak,
                "k {k}: {v} vs {want}"
            );
        }
    }

    #[test]
    fn box_means_and_fits_match_closed_forms() {
        let img = ndarray::Array2::from_shape_fn((5, 4), |(r, c)| (r * 4 + c) as f32);
        let sat = Sat::new(img.view());
        // the 3 × 3 box around (2, 1): rows 1..=3, columns 0..=2
        let want = [4., 5., 6., 8., 9., 10., 12., 13., 14.].iter().sum::<f64>() / 9.0;
        assert!((sat.mean(2, 1, 1) - want).abs() < 1e-12);
        // clipped at the corner: rows 0..=1, columns 0..=1
        assert!((sat.mean(0, 0, 1) - (0. + 1. + 4. + 5.) / 4.0).abs() < 1e-12);
        let line: Vec<(f64, f64)> = (0..5).map(|i| (i as f64, 2.5 * i as f64 - 1.0)).collect();
        assert!((slope(&line) - 2.5).abs() < 1e-12);
        // NumPy: np.corrcoef([1, 2, 3], [2, 4, 6.5])[0, 1]
        assert!(
            (pearson(&[1.0, 2.0, 3.0], &[2.0, 4.0, 6.5]) - 0.997_948_715_788_673_3).abs() < 1e-12
        );
    }
}
