//! Views of 16-bit counts as stored (`u16`) prepare to exactly what the same counts as `f32`
//! prepare to: image, geometry, brightness reports, derived histogram — or the same error.
//! Random views and configurations (property test), plus whole-size views whose counts take
//! each way through the brightness fit (histogram, lookup table past the histogram's range,
//! pixel by pixel when not quantised).

use bs_preprocess::{
    BodyThreshold, BrightnessConfig, MeanRegion, PrepareConfig, PreparedScan, Preprocessor,
    TallBodyPolicy,
};
use ndarray::{Array2, ArrayView2};
use proptest::prelude::*;

/// Prepares the scan twice, from `u16` and from `f32` views; both results, errors as text.
fn both(
    pre: &Preprocessor,
    anterior: ArrayView2<u16>,
    posterior: Option<ArrayView2<u16>>,
) -> (Result<PreparedScan, String>, Result<PreparedScan, String>) {
    let a32 = anterior.mapv(f32::from);
    let p32 = posterior.map(|p| p.mapv(f32::from));
    let counts = pre
        .prepare_views(anterior, posterior)
        .map_err(|e| format!("{e:?}"));
    let floats = pre
        .prepare_views(a32.view(), p32.as_ref().map(|p| p.view()))
        .map_err(|e| format!("{e:?}"));
    (counts, floats)
}

/// A view with a rectangular "body" of textured counts, some air noise and a hot pixel.
fn body_view(
    rows: usize,
    cols: usize,
    body: (usize, usize, usize, usize),
    top: u16,
    seed: u64,
) -> Array2<u16> {
    let (r0, r1, c0, c1) = body;
    let mut state = seed | 1;
    let mut next = move || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (state >> 33) as u32
    };
    let mut v = Array2::from_shape_fn((rows, cols), |(r, c)| {
        let noise = next();
        if (r0..r1).contains(&r) && (c0..c1).contains(&c) {
            (1 + noise % u32::from(top.max(1))) as u16
        } else {
            (noise % 97 == 0) as u16
        }
    });
    if rows > 2 && cols > 2 {
        v[[rows / 2, cols / 3]] = top;
    }
    v
}

fn config(
    cut: (usize, usize, usize),
    mirror: bool,
    keep_head: bool,
    region: u8,
    quantise: bool,
    threshold: u8,
) -> PrepareConfig {
    let (cut_rows, cut_cols, keep_rows) = cut;
    PrepareConfig {
        cut_rows,
        cut_cols,
        keep_rows,
        mirror_posterior: mirror,
        tall_body: if keep_head {
            TallBodyPolicy::KeepHead
        } else {
            TallBodyPolicy::Centre
        },
        body: bs_preprocess::BodyRangeConfig {
            threshold: match threshold % 3 {
                0 => BodyThreshold::FractionOfMean(0.25),
                1 => BodyThreshold::FractionOfMax(0.1),
                _ => BodyThreshold::Counts(2.0),
            },
            ..Default::default()
        },
        brightness: BrightnessConfig {
            region: match region % 3 {
                0 => MeanRegion::KeptRows,
                1 => MeanRegion::CutView,
                _ => MeanRegion::BodyOfKeptRows,
            },
            quantise,
            ..Default::default()
        },
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn u16_and_f32_views_prepare_alike(
        (rows, cols) in (24usize..200, 8usize..64),
        body in (0.0f64..0.5, 0.5f64..1.0, 0.0f64..0.5, 0.5f64..1.0),
        cut in (0.4f64..1.3, 0.4f64..1.3, 0.2f64..1.0),
        top in prop_oneof![Just(1u16), 2u16..300, 300u16..5000, Just(u16::MAX)],
        (mirror, keep_head, quantise, two_views) in (any::<bool>(), any::<bool>(), any::<bool>(), any::<bool>()),
        (region, threshold, seed) in (any::<u8>(), any::<u8>(), any::<u64>()),
        reversed in any::<bool>(),
    ) {
        let at = |f: f64, n: usize| ((f * n as f64) as usize).min(n - 1);
        let b = (at(body.0, rows), at(body.1, rows) + 1, at(body.2, cols), at(body.3, cols) + 1);
        let cut_rows = ((cut.0 * rows as f64) as usize).max(1);
        let cut_cols = ((cut.1 * cols as f64) as usize).max(1);
        let keep_rows = ((cut.2 * cut_rows as f64) as usize).clamp(1, cut_rows);
        let cfg = config((cut_rows, cut_cols, keep_rows), mirror, keep_head, region, quantise, threshold);
        let pre = cfg.init().expect("valid config");
        let a = body_view(rows, cols, b, top, seed);
        let p = body_view(rows, cols, b, top, seed ^ 0xABCD);
        // a non-contiguous view takes the general passes
        let a_view = if reversed { a.slice(ndarray::s![.., ..;-1]) } else { a.view() };
        let (counts, floats) = both(&pre, a_view, two_views.then(|| p.view()));
        prop_assert_eq!(counts, floats);
    }
}

#[test]
fn whole_size_views_prepare_alike_through_every_brightness_path() {
    // counts up to 278 (NM1's range): the histogram; 20 000: a table past the histogram's
    // range; 65 535: the top of u16
    for (k, top) in [278u16, 20_000, u16::MAX].into_iter().enumerate() {
        let a = body_view(1024, 256, (60, 1000, 70, 190), top, 11 + k as u64);
        let p = body_view(1024, 256, (30, 990, 60, 200), top, 29 + k as u64);
        for quantise in [true, false] {
            for region in 0..3 {
                let cfg = config((950, 256, 640), false, true, region, quantise, 0);
                let pre = cfg.init().unwrap();
                let (counts, floats) = both(&pre, a.view(), Some(p.view()));
                assert!(counts.is_ok(), "top {top}: {counts:?}");
                assert_eq!(
                    counts, floats,
                    "top {top} quantise {quantise} region {region}"
                );
                let (counts, floats) = both(&pre, a.view(), None);
                assert_eq!(counts, floats, "top {top}, anterior only");
            }
        }
    }
    // a blank view is the same typed error either way
    let blank = Array2::<u16>::zeros((1024, 256));
    let pre = PrepareConfig::default().init().unwrap();
    let (counts, floats) = both(&pre, blank.view(), None);
    assert!(
        counts.as_ref().unwrap_err().contains("BlankView"),
        "{counts:?}"
    );
    assert_eq!(counts, floats);
}
