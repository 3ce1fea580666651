//! Poisson counting noise (gamma-camera counts are Poisson in each pixel).
//!
//! Own implementation rather than a distribution crate so that the generated cohort stays
//! byte-identical across dependency upgrades:
//! - λ < 10: inversion by sequential search, `P(k) = P(k-1)·λ/k`, one uniform per sample;
//! - λ ≥ 10: PTRS, the transformed rejection sampler of Hörmann (1993), the method NumPy uses.

use rand::Rng;

/// Draws one Poisson(λ) variate; λ ≤ 0 (or NaN) gives 0.
pub fn sample_poisson<R: Rng + ?Sized>(rng: &mut R, lambda: f64) -> u32 {
    if lambda.is_nan() || lambda <= 0.0 {
        0
    } else if lambda < 10.0 {
        inversion(rng, lambda)
    } else {
        ptrs(rng, lambda)
    }
}

fn inversion<R: Rng + ?Sized>(rng: &mut R, lambda: f64) -> u32 {
    let u: f64 = rng.random();
    let mut p = (-lambda).exp();
    let mut cdf = p;
    let mut k = 0u32;
    // the tail beyond 200 has probability < 1e-100 for λ < 10; the bound only guards rounding
    while u > cdf && k < 200 {
        k += 1;
        p *= lambda / f64::from(k);
        cdf += p;
    }
    k
}

fn ptrs<R: Rng + ?Sized>(rng: &mut R, lambda: f64) -> u32 {
    let slam = lambda.sqrt();
    let loglam = lambda.ln();
    let b = 0.931 + 2.53 * slam;
    let a = -0.059 + 0.02483 * b;
    let invalpha = 1.1239 + 1.1328 / (b - 3.4);
    let vr = 0.9277 - 3.6224 / (b - 2.0);
    loop {
        let u = rng.random::<f64>() - 0.5;
        let v: f64 = rng.random();
        let us = 0.5 - u.abs();
        let k = ((2.0 * a / us + b) * u + lambda + 0.43).floor();
        if us >= 0.07 && v <= vr {
            return k as u32;
        }
        if k < 0.0 || (us < 0.013 && v > us) {
            continue;
        }
        let lhs = v.ln() + invalpha.ln() - (a / (us * us) + b).ln();
        if lhs <= -lambda + k * loglam - ln_factorial(k) {
            return k as u32;
        }
    }
}

/// `ln(k!)`: exact sums below 30, Stirling's series (error < 1e-12) above.
pub(crate) fn ln_factorial(k: f64) -> f64 {
    if k < 30.0 {
        (2..=(k as u32)).map(|i| f64::from(i).ln()).sum()
    } else {
        let k2 = k * k;
        k * k.ln() - k + 0.5 * (2.0 * std::f64::consts::PI * k).ln() + 1.0 / (12.0 * k)
            - 1.0 / (360.0 * k2 * k)
            + 1.0 / (1260.0 * k2 * k2 * k)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn ln_factorial_matches_exact_sum_across_the_switch() {
        for k in [0u32, 1, 5, 29, 30, 31, 60, 150] {
            let exact: f64 = (2..=k).map(|i| f64::from(i).ln()).sum();
            assert!((ln_factorial(f64::from(k)) - exact).abs() < 1e-9, "k={k}");
        }
    }

    /// Mean and variance of a Poisson variate are both λ; the pmf is checked by a χ² test.
    #[test]
    fn moments_and_pmf_match_the_poisson_law() {
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        for lambda in [0.05, 1.5, 7.0, 13.7, 40.0, 250.0] {
            let n = 60_000usize;
            let xs: Vec<f64> = (0..n)
                .map(|_| f64::from(sample_poisson(&mut rng, lambda)))
                .collect();
            let mean = xs.iter().sum::<f64>() / n as f64;
            let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
            let se = (lambda / n as f64).sqrt();
            assert!((mean - lambda).abs() < 5.0 * se, "λ={lambda}: mean {mean}");
            assert!(
                (var / lambda - 1.0).abs() < 0.05 + 0.02 / lambda,
                "λ={lambda}: var {var}"
            );
            // χ² over cells with expected count ≥ 20
            let mut chi2 = 0.0;
            let mut cells = 0;
            let lo = (lambda - 4.0 * lambda.sqrt()).floor().max(0.0) as u32;
            let hi = (lambda + 4.0 * lambda.sqrt()).ceil() as u32 + 1;
            for k in lo..=hi {
                let kf = f64::from(k);
                let p = (-lambda + kf * lambda.ln() - ln_factorial(kf)).exp();
                let expected = p * n as f64;
                if expected < 20.0 {
                    continue;
                }
                let observed = xs.iter().filter(|&&x| x == kf).count() as f64;
                chi2 += (observed - expected).powi(2) / expected;
                cells += 1;
            }
            // mean + 5 sd of a χ² with `cells` degrees of freedom
            let bound = cells as f64 + 5.0 * (2.0 * cells as f64).sqrt();
            assert!(chi2 < bound, "λ={lambda}: χ²={chi2} over {cells} cells");
        }
    }

    #[test]
    fn non_positive_rate_gives_zero() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        assert_eq!(sample_poisson(&mut rng, 0.0), 0);
        assert_eq!(sample_poisson(&mut rng, -3.0), 0);
        assert_eq!(sample_poisson(&mut rng, f64::NAN), 0);
    }
}
