//! Separable Gaussian blur: the collimator's depth-dependent point-spread function.

/// Blurs a `rows × cols` row-major image in place with a Gaussian of standard deviation
/// `sigma` pixels (kernel truncated at 3σ, zero outside the image: no activity beyond the
/// field of view).
pub(crate) fn gaussian_blur(img: &mut [f32], rows: usize, cols: usize, sigma: f32) {
    if sigma <= 0.0 {
        return;
    }
    let radius = (3.0 * sigma).ceil() as isize;
    let kernel: Vec<f32> = (-radius..=radius)
        .map(|i| (-(i * i) as f32 / (2.0 * sigma * sigma)).exp())
        .collect();
    let norm: f32 = kernel.iter().sum();
    let kernel: Vec<f32> = kernel.iter().map(|k| k / norm).collect();
    let mut tmp = vec![0f32; img.len()];
    // rows: horizontal pass
    for r in 0..rows {
        let line = &img[r * cols..(r + 1) * cols];
        if line.iter().all(|&v| v == 0.0) {
            continue;
        }
        let out = &mut tmp[r * cols..(r + 1) * cols];
        for (c, &v) in line.iter().enumerate() {
            if v == 0.0 {
                continue;
            }
            let lo = (c as isize - radius).max(0);
            let hi = (c as isize + radius).min(cols as isize - 1);
            for j in lo..=hi {
                out[j as usize] += v * kernel[(j - c as isize + radius) as usize];
            }
        }
    }
    img.iter_mut().for_each(|v| *v = 0.0);
    // columns: vertical pass, scattering each row into its neighbours (cache friendly)
    for r in 0..rows {
        let src = &tmp[r * cols..(r + 1) * cols];
        if src.iter().all(|&v| v == 0.0) {
            continue;
        }
        let lo = (r as isize - radius).max(0);
        let hi = (r as isize + radius).min(rows as isize - 1);
        for j in lo..=hi {
            let w = kernel[(j - r as isize + radius) as usize];
            let dst = &mut img[j as usize * cols..(j as usize + 1) * cols];
            for (d, s) in dst.iter_mut().zip(src) {
                *d += w * s;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blur_preserves_mass_away_from_edges_and_spreads_by_sigma() {
        let (rows, cols) = (41, 41);
        let mut img = vec![0f32; rows * cols];
        img[20 * cols + 20] = 1000.0;
        gaussian_blur(&mut img, rows, cols, 2.0);
        let total: f32 = img.iter().sum();
        assert!((total - 1000.0).abs() < 0.5, "mass {total}");
        // second moment along columns equals σ²
        let var: f32 = (0..cols)
            .map(|c| {
                let col_mass: f32 = (0..rows).map(|r| img[r * cols + c]).sum();
                col_mass * ((c as f32 - 20.0).powi(2))
            })
            .sum::<f32>()
            / total;
        assert!((var - 4.0).abs() < 0.1, "variance {var}");
        assert!(
            (img[20 * cols + 17] - img[20 * cols + 23]).abs() < 1e-4,
            "symmetric"
        );
    }
}
