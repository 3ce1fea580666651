//! The augmentations of `bs_train::data::augment`, each against what it promises: geometry
//! reads labels from source pixels (an M pixel stays M), mirroring flips each view in place,
//! count thinning keeps the mean and is deterministic given its seed, gain clamps.

use bs_train::data::augment::{apply_gain, cut_sample, mirror_column, thin_counts, SampleGeometry};
use proptest::prelude::*;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// A `rows × cols` image whose pixel value encodes its position, and labels 0/1/2 by position.
fn coded(rows: usize, cols: usize) -> (Vec<f32>, Vec<u8>) {
    let image = (0..rows * cols).map(|i| i as f32).collect();
    let labels = (0..rows * cols).map(|i| (i % 7 % 3) as u8).collect();
    (image, labels)
}

proptest! {
    #[test]
    fn every_sample_pixel_is_its_source_pixel_with_its_label(
        rows in 1usize..40, half in 1usize..20, h in 1usize..24, w in 1usize..24,
        ay in -10.0f64..50.0, ax in -10.0f64..50.0, zoom in 0.5f64..1.5, mirror: bool,
    ) {
        let cols = 2 * half;
        let (image, labels) = coded(rows, cols);
        let g = SampleGeometry { anchor: (ay, ax), zoom, mirror };
        let (mut px, mut lb) = (Vec::new(), Vec::new());
        cut_sample(&image, &labels, (rows, cols), &g, (h, w), &mut px, &mut lb);
        prop_assert_eq!(px.len(), h * w);
        prop_assert_eq!(lb.len(), h * w);
        for i in 0..h {
            for j in 0..w {
                match g.source((i, j), (h, w), (rows, cols)) {
                    Some((y, x)) => {
                        prop_assert!(y < rows && x < cols);
                        prop_assert_eq!(px[i * w + j], (y * cols + x) as f32);
                        prop_assert_eq!(lb[i * w + j], labels[y * cols + x]);
                    }
                    None => {
                        prop_assert_eq!(px[i * w + j], 0.0);
                        prop_assert_eq!(lb[i * w + j], 0);
                    }
                }
            }
        }
    }

    #[test]
    fn anchor_for_puts_the_chosen_pixel_where_asked(
        rows in 1usize..60, half in 1usize..40, h in 1usize..32, w in 1usize..32,
        zoom in 0.8f64..1.25, mirror: bool, seed: u64,
    ) {
        let cols = 2 * half;
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        use rand::Rng;
        let (py, px) = (rng.random_range(0..rows), rng.random_range(0..cols));
        let (i, j) = (rng.random_range(0..h), rng.random_range(0..w));
        let anchor = SampleGeometry::anchor_for((py, px), (i, j), (h, w), cols, zoom, mirror);
        let g = SampleGeometry { anchor, zoom, mirror };
        prop_assert_eq!(g.source((i, j), (h, w), (rows, cols)), Some((py, px)));
    }

    #[test]
    fn mirroring_is_an_involution_within_each_view(half in 1usize..300, x in 0usize..600) {
        let cols = 2 * half;
        let x = x % cols;
        let m = mirror_column(x, cols);
        prop_assert!(m < cols);
        prop_assert_eq!(m < half, x < half, "a view never moves to the other side");
        prop_assert_eq!(mirror_column(m, cols), x);
    }

    #[test]
    fn thinning_is_deterministic_non_negative_and_keeps_zeros(
        values in proptest::collection::vec(0.0f32..255.0, 1..200), keep in 0.05f64..1.0, seed: u64,
    ) {
        let mut a = values.clone();
        let mut b = values.clone();
        thin_counts(&mut a, keep, &mut ChaCha8Rng::seed_from_u64(seed));
        thin_counts(&mut b, keep, &mut ChaCha8Rng::seed_from_u64(seed));
        prop_assert_eq!(&a, &b);
        for (v, t) in values.iter().zip(&a) {
            prop_assert!(*t >= 0.0);
            if v.round() == 0.0 {
                prop_assert_eq!(*t, 0.0);
            }
            // at most all counts kept, rescaled by 1/p
            prop_assert!(*t <= (v.round() as f64 / keep) as f32 * 1.0001 + 1e-3);
        }
    }

    #[test]
    fn gain_scales_and_clamps(values in proptest::collection::vec(0.0f32..255.0, 1..100), g in 0.5f64..1.5) {
        let mut a = values.clone();
        apply_gain(&mut a, g);
        for (v, t) in values.iter().zip(&a) {
            prop_assert_eq!(*t, (v * g as f32).clamp(0.0, 255.0));
        }
    }
}

#[test]
fn mirroring_a_whole_image_flips_each_view_in_place() {
    let (rows, cols) = (5, 8);
    let (image, labels) = coded(rows, cols);
    let centre = ((rows as f64 - 1.0) / 2.0, (cols as f64 - 1.0) / 2.0);
    let g = SampleGeometry {
        anchor: centre,
        zoom: 1.0,
        mirror: true,
    };
    let (mut px, mut lb) = (Vec::new(), Vec::new());
    cut_sample(
        &image,
        &labels,
        (rows, cols),
        &g,
        (rows, cols),
        &mut px,
        &mut lb,
    );
    for r in 0..rows {
        // anterior view: columns 0..4 reversed; posterior: 4..8 reversed
        let row: Vec<f32> = px[r * cols..(r + 1) * cols].to_vec();
        let base = (r * cols) as f32;
        let want: Vec<f32> = [3, 2, 1, 0, 7, 6, 5, 4]
            .iter()
            .map(|&c| base + c as f32)
            .collect();
        assert_eq!(row, want, "row {r}");
    }
}

#[test]
fn thinning_keeps_the_mean_and_adds_the_noise_of_a_shorter_acquisition() {
    // 20,000 pixels of 50 counts, half the counts kept: mean 50, variance 50·(1 − p)/p = 50
    let mut v = vec![50.0f32; 20_000];
    thin_counts(&mut v, 0.5, &mut ChaCha8Rng::seed_from_u64(3));
    let n = v.len() as f64;
    let mean = v.iter().map(|&x| x as f64).sum::<f64>() / n;
    let var = v.iter().map(|&x| (x as f64 - mean).powi(2)).sum::<f64>() / (n - 1.0);
    assert!((mean - 50.0).abs() < 0.3, "mean {mean}");
    assert!((var - 50.0).abs() < 3.0, "variance {var}");
    let mut same = vec![50.0f32; 10];
    thin_counts(&mut same, 1.0, &mut ChaCha8Rng::seed_from_u64(3));
    assert_eq!(same, vec![50.0f32; 10], "keep 1 is the identity");
}
