//! Soft-tissue heterogeneity: muscle, fat, bowel and vessels make the soft tissue of a real
//! scan mottled at the scale of centimetres, on top of the counting noise.
//!
//! The texture is a multiplicative log-normal field `exp(Σ aₖ gₖ)`, where each `gₖ` is white
//! Gaussian noise smoothed by a Gaussian of `σₖ` pixels and rescaled to unit variance (a
//! Gaussian of σ smooths white noise of unit variance to `1 / (2σ√π)`).

use rand::Rng;

use crate::blur::gaussian_blur;
use crate::body::normal;
use crate::{VIEW_COLS, VIEW_ROWS};

/// Correlation lengths (px) and log-amplitudes of the texture's components.
const SCALES: [(f32, f32); 2] = [(3.0, 0.12), (10.0, 0.16)];

/// A `VIEW_ROWS × VIEW_COLS` multiplicative texture with mean about 1.
pub(crate) fn soft_tissue_texture<R: Rng>(rng: &mut R) -> Vec<f32> {
    let n = VIEW_ROWS * VIEW_COLS;
    let mut log = vec![0f32; n];
    for (sigma, amplitude) in SCALES {
        let mut g: Vec<f32> = (0..n).map(|_| normal(rng)).collect();
        gaussian_blur(&mut g, VIEW_ROWS, VIEW_COLS, sigma);
        let unit = 2.0 * sigma * std::f32::consts::PI.sqrt();
        log.iter_mut()
            .zip(&g)
            .for_each(|(l, x)| *l += amplitude * unit * x);
    }
    let var: f32 = SCALES.iter().map(|(_, a)| a * a).sum();
    log.iter().map(|l| (l - var / 2.0).exp()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn texture_has_unit_mean_and_the_stated_spread() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
        let t = soft_tissue_texture(&mut rng);
        // away from the edges, where the zero padding of the blur lowers the variance
        let inner: Vec<f64> = (100..900)
            .flat_map(|r| (40..216).map(move |c| r * VIEW_COLS + c))
            .map(|i| f64::from(t[i]).ln())
            .collect();
        let n = inner.len() as f64;
        let mean = inner.iter().sum::<f64>() / n;
        let sd = (inner.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n).sqrt();
        let want = SCALES
            .iter()
            .map(|(_, a)| f64::from(a * a))
            .sum::<f64>()
            .sqrt();
        assert!((sd / want - 1.0).abs() < 0.1, "log sd {sd}, want {want}");
        assert!((mean + want * want / 2.0).abs() < 0.02, "log mean {mean}");
    }
}
