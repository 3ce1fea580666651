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
        // body: 7×7 box mean via a summed-area table
        let mut sat = vec![0f64; (rows + 1) * (cols + 1)];
        for r in 0..rows {
            for c in 0..cols {
                sat[(r + 1) * (cols + 1) + c + 1] = f64::from(view[(r, c)])
                    + sat[r * (cols + 1) + c + 1]
                    + sat[(r + 1) * (cols + 1) + c]
                    - sat[r * (cols + 1) + c];
            }
        }
        let mut body = 0usize;
        for r in 0..rows {
            for c in 0..cols {
                let (r0, r1) = (r.saturating_sub(3), (r + 4).min(rows));
                let (c0, c1) = (c.saturating_sub(3), (c + 4).min(cols));
                let s = sat[r1 * (cols + 1) + c1]
                    - sat[r0 * (cols + 1) + c1]
                    - sat[r1 * (cols + 1) + c0]
                    + sat[r0 * (cols + 1) + c0];
                if s / ((r1 - r0) * (c1 - c0)) as f64 >= 1.0 {
                    body += 1;
                }
            }
        }
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
        let (a, b) = (&self.row_profile, &other.row_profile);
        let n = a.len().min(b.len()) as f64;
        let (ma, mb) = (a.iter().sum::<f64>() / n, b.iter().sum::<f64>() / n);
        let cov: f64 = a.iter().zip(b).map(|(x, y)| (x - ma) * (y - mb)).sum();
        let va: f64 = a.iter().map(|x| (x - ma).powi(2)).sum();
        let vb: f64 = b.iter().map(|y| (y - mb).powi(2)).sum();
        cov / (va * vb).sqrt().max(1e-12)
    }
}
