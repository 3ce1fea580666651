//! NM by Otsu thresholding: body minus metastasis.
//!
//! The paper uses Otsu's method to "separate air from the human body". Bone-scan intensities are
//! heavily skewed: most of the body is faint soft tissue, a small part is bright bone, and the
//! air is near zero. On linear intensities Otsu's between-class variance is dominated by the
//! bright tail, so the threshold lands between soft tissue and bone (on the normalised NEMA NM1
//! view: 16.8, keeping 26 % of the pixels — mostly skeleton). On `ln(1 + x)` the histogram is
//! bimodal air | body and the threshold separates exactly those (NM1: ≈ 3.0, 55 % of the pixels,
//! the whole body outline). [`BodyDomain::Log1p`] is therefore the default; [`BodyDomain::Linear`]
//! keeps the plain `image > threshold_otsu(image)` for comparison.

use ndarray::{Array2, ArrayView2};

use crate::error::Result;
use crate::otsu::{integer_histogram, otsu_threshold_array, otsu_threshold_counted};
use crate::three_class::{check_dims, MaskClass, ThreeClassMask};

/// Which intensity scale Otsu's threshold is computed on when finding the body.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum BodyDomain {
    /// `ln(1 + x)`: air vs body (the default; see the module doc).
    #[default]
    Log1p,
    /// The intensities themselves: on bone scans this separates bone from the rest.
    Linear,
}

/// The body mask of an image in the default [`BodyDomain::Log1p`], and the threshold in image
/// units (`expm1` of the log-domain threshold).
pub fn body_mask(image: ArrayView2<'_, f32>) -> Result<(Array2<bool>, f32)> {
    body_mask_in(image, BodyDomain::default())
}

/// The body mask of an image: pixels strictly above Otsu's threshold ([`crate::otsu`]) computed
/// in `domain`, and the threshold expressed in image units.
pub fn body_mask_in(image: ArrayView2<'_, f32>, domain: BodyDomain) -> Result<(Array2<bool>, f32)> {
    match domain {
        BodyDomain::Linear => {
            let threshold = otsu_threshold_array(&image)?;
            Ok((image.mapv(|v| v > threshold), threshold))
        }
        BodyDomain::Log1p => {
            if let Some(counts) = image_histogram(&image) {
                return log1p_body_of_integers(image, &counts);
            }
            // Compare in the log domain (not `v > expm1(t)`) so the mask is exactly
            // `log1p(image) > threshold_otsu(log1p(image))`. Counts and normalised images are
            // never negative; a negative value (not produced by counting) is air, clamped to 0
            // so the logarithm stays finite. NaN stays NaN and is refused by Otsu.
            let logs = image.mapv(|v| if v < 0.0 { 0.0 } else { v.ln_1p() });
            let threshold = otsu_threshold_array(&logs)?;
            Ok((logs.mapv(|v| v > threshold), threshold.exp_m1()))
        }
    }
}

/// [`body_mask`] of an integer-valued image whose histogram is already known — `counts[v]`
/// pixels of value `v`, as [`integer_histogram`] gives it (bs-preprocess derives it from the
/// brightness normalisation's own histograms) — without counting the pixels again. The same
/// mask and threshold as [`body_mask`] for that image.
///
/// A histogram whose total is not the image's pixel count is refused
/// ([`MaskError::HistogramMismatch`](crate::MaskError::HistogramMismatch)); a histogram of
/// another image with the same size gives that image's threshold.
pub fn body_mask_counted(
    image: ArrayView2<'_, f32>,
    counts: &[u64],
) -> Result<(Array2<bool>, f32)> {
    check_total(image, counts)?;
    log1p_body_of_integers(image, counts)
}

/// [`otsu_nm`] with the image's histogram known (see [`body_mask_counted`]).
pub fn otsu_nm_counted(
    image: ArrayView2<'_, f32>,
    m: ArrayView2<'_, bool>,
    counts: &[u64],
) -> Result<ThreeClassMask> {
    check_dims("metastasis mask", image.dim(), m.dim())?;
    check_total(image, counts)?;
    let (body, _) = IntegerBody::of_histogram(counts)?;
    // the usual case, contiguous images and a threshold: one pass, no body mask in between
    if let (IntegerBody::AtLeast(cut), Some(m), Some(values)) =
        (&body, m.as_slice(), image.as_slice())
    {
        let mut classes = Vec::with_capacity(values.len());
        classes_at_least(m, values, *cut, &mut classes);
        let classes = Array2::from_shape_vec(image.dim(), classes).expect("one class per pixel");
        return Ok(ThreeClassMask::from_valid_classes(classes));
    }
    let nm = image.mapv(|v| body.contains(v));
    ThreeClassMask::from_m_and_nm_candidates(m, nm.view())
}

/// [`MaskError::HistogramMismatch`](crate::MaskError::HistogramMismatch) unless `counts`
/// counts as many pixels as `image` has.
fn check_total(image: ArrayView2<'_, f32>, counts: &[u64]) -> Result<()> {
    let counted: u64 = counts.iter().sum();
    if counted != image.len() as u64 {
        return Err(crate::MaskError::HistogramMismatch {
            pixels: image.len(),
            counted,
        });
    }
    Ok(())
}

/// Largest value for which an integer-valued image is handled through its histogram.
const HISTOGRAM_LIMIT: u32 = 1 << 16;

/// [`integer_histogram`] of an image of any layout.
fn image_histogram(image: &ArrayView2<'_, f32>) -> Option<Vec<u64>> {
    match image.as_slice_memory_order() {
        Some(v) => integer_histogram(v, HISTOGRAM_LIMIT),
        None => integer_histogram(
            &image.iter().copied().collect::<Vec<f32>>(),
            HISTOGRAM_LIMIT,
        ),
    }
}

/// [`body_mask_in`] with [`BodyDomain::Log1p`] for an image of integers with the given
/// histogram: `ln(1 + x)` and the comparison with the threshold are made once per distinct
/// value, so the result is exactly the per-pixel one.
fn log1p_body_of_integers(
    image: ArrayView2<'_, f32>,
    counts: &[u64],
) -> Result<(Array2<bool>, f32)> {
    let (body, threshold) = IntegerBody::of_histogram(counts)?;
    let mask = match &body {
        IntegerBody::AtLeast(cut) => image.mapv(|v| v >= *cut),
        IntegerBody::Values(_) => image.mapv(|v| body.contains(v)),
    };
    Ok((mask, threshold))
}

/// Which integer values are body, by Otsu's threshold on `ln(1 + x)`.
enum IntegerBody {
    /// `x ≥ cut`: the usual case, since `ln(1 + x)` does not decrease — a comparison the
    /// compiler vectorises.
    AtLeast(f32),
    /// Value `v` is body when `values[v]`; values past the end are not (only with a histogram
    /// of another image).
    Values(Vec<bool>),
}

impl IntegerBody {
    /// The body values of an image of integers with the histogram `counts`, and the threshold
    /// in image units.
    fn of_histogram(counts: &[u64]) -> Result<(IntegerBody, f32)> {
        let logs: Vec<f32> = (0..counts.len()).map(|v| (v as f32).ln_1p()).collect();
        let threshold = otsu_threshold_counted(&logs, counts)?;
        let body: Vec<bool> = logs.iter().map(|&l| l > threshold).collect();
        let cut = body.iter().position(|&b| b).unwrap_or(body.len());
        let rule = if body[cut..].iter().all(|&b| b) {
            IntegerBody::AtLeast(cut as f32)
        } else {
            IntegerBody::Values(body)
        };
        Ok((rule, threshold.exp_m1()))
    }

    fn contains(&self, v: f32) -> bool {
        match self {
            IntegerBody::AtLeast(cut) => v >= *cut,
            IntegerBody::Values(body) => body.get(v as usize).copied().unwrap_or(false),
        }
    }
}

bs_simd::vectorised! {
    /// Class values `M` where `m`, else `NM` where `image ≥ cut`, else `BG`, appended to `out`.
    fn classes_at_least, classes_at_least_baseline(
        m: &[bool],
        image: &[f32],
        cut: f32,
        out: &mut Vec<u8>,
    ) {
        let (nm, metastasis) = (MaskClass::NonMetastatic.value(), MaskClass::Metastasis.value());
        // branch-free arithmetic (BG is 0), so the pass vectorises
        out.extend(m.iter().zip(image).map(|(&m, &v)| {
            let m = u8::from(m);
            metastasis * m + nm * (u8::from(v >= cut) & (1 - m))
        }));
    }
}

/// Three-class mask with NM = body ∖ M: M from the annotation (`m`, same size as `image`),
/// body from [`body_mask`].
pub fn otsu_nm(image: ArrayView2<'_, f32>, m: ArrayView2<'_, bool>) -> Result<ThreeClassMask> {
    check_dims("metastasis mask", image.dim(), m.dim())?;
    let (body, _) = body_mask(image)?;
    // NM = body ∖ M, so NM never overlaps M by construction
    ThreeClassMask::from_m_and_nm_candidates(m, body.view())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::otsu::otsu_threshold;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    /// The per-pixel definition: `log1p(max(x, 0)) > threshold_otsu(log1p(max(x, 0)))`.
    fn per_pixel(image: ArrayView2<'_, f32>) -> (Array2<bool>, f32) {
        let logs = image.mapv(|v| if v < 0.0 { 0.0 } else { v.ln_1p() });
        let t = otsu_threshold(logs.as_slice().unwrap()).unwrap();
        (logs.mapv(|v| v > t), t.exp_m1())
    }

    #[test]
    fn histogram_path_equals_the_per_pixel_definition() {
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        for case in 0..300 {
            let (rows, cols) = (rng.random_range(1..40), rng.random_range(1..40));
            // 8-bit images like the prepared ones, counts up to 65536, few distinct values
            let top = [1u32, 2, 255, 300, 65_536][case % 5];
            let air = rng.random_range(0.0..0.9);
            let image = Array2::from_shape_fn((rows, cols), |_| {
                if rng.random_bool(air) {
                    0.0
                } else {
                    rng.random_range(0..=top) as f32
                }
            });
            let counts = image_histogram(&image.view()).expect("integer image");
            let fast = log1p_body_of_integers(image.view(), &counts);
            let slow = otsu_threshold(image.mapv(|v| v.ln_1p()).as_slice().unwrap())
                .map(|_| per_pixel(image.view()));
            match (fast, slow) {
                (Ok(f), Ok(s)) => assert_eq!(f, s, "case {case}"),
                (f, s) => assert_eq!(f.is_err(), s.is_err(), "case {case}: {f:?} vs {s:?}"),
            }
            // and through the public entry points
            if let Ok(s) = body_mask(image.view()) {
                assert_eq!(s, per_pixel(image.view()), "case {case}");
                assert_eq!(body_mask_counted(image.view(), &counts).unwrap(), s);
                let m = image.mapv(|v| v == top as f32);
                assert_eq!(
                    otsu_nm_counted(image.view(), m.view(), &counts).unwrap(),
                    otsu_nm(image.view(), m.view()).unwrap(),
                    "case {case}"
                );
                // not contiguous: the general pass, the same classes
                assert_eq!(
                    otsu_nm_counted(image.t(), m.t(), &counts).unwrap(),
                    otsu_nm(image.t(), m.t()).unwrap(),
                    "case {case}, transposed"
                );
            }
        }
        // not integers, negative or NaN: the per-pixel path
        let frac = Array2::from_shape_vec((1, 3), vec![0.0, 1.5, 3.0]).unwrap();
        assert!(image_histogram(&frac.view()).is_none());
        let neg = Array2::from_shape_vec((1, 3), vec![0.0, -1.0, 3.0]).unwrap();
        assert!(image_histogram(&neg.view()).is_none());
        let nan = Array2::from_shape_vec((1, 3), vec![0.0, f32::NAN, 3.0]).unwrap();
        assert!(image_histogram(&nan.view()).is_none());
        assert!(body_mask(nan.view()).is_err());
    }

    #[test]
    fn fused_class_pass_equals_its_baseline_and_the_rule() {
        let mut rng = ChaCha8Rng::seed_from_u64(17);
        for len in [0usize, 1, 31, 32, 33, 1000] {
            let m: Vec<bool> = (0..len).map(|_| rng.random_bool(0.2)).collect();
            let image: Vec<f32> = (0..len).map(|_| rng.random_range(0..8) as f32).collect();
            let want: Vec<u8> = m
                .iter()
                .zip(&image)
                .map(|(&m, &v)| if m { 2 } else { u8::from(v >= 3.0) })
                .collect();
            let (mut a, mut b) = (vec![7u8], vec![7u8]);
            classes_at_least(&m, &image, 3.0, &mut a);
            classes_at_least_baseline(&m, &image, 3.0, &mut b);
            assert_eq!(a[1..], want[..]);
            assert_eq!(a, b);
        }
    }

    #[test]
    fn a_histogram_of_the_wrong_size_is_refused() {
        let image = Array2::from_shape_fn((4, 5), |(r, c)| ((r * 5 + c) % 7) as f32);
        let counts = image_histogram(&image.view()).unwrap();
        let mut short = counts.clone();
        short[3] -= 1;
        let e = body_mask_counted(image.view(), &short).unwrap_err();
        assert!(
            matches!(
                e,
                crate::MaskError::HistogramMismatch {
                    pixels: 20,
                    counted: 19
                }
            ),
            "{e}"
        );
        // another image's histogram of the same total (values 0 and 2 only): its threshold,
        // applied without a panic to values the histogram does not cover
        let spread = vec![10u64, 0, 10];
        let (mask, _) = body_mask_counted(image.view(), &spread).unwrap();
        assert!(image
            .iter()
            .zip(mask.iter())
            .all(|(&v, &body)| v == 1.0 || body == (v >= 2.0)));
    }
}
