//! The patch sampler on full-resolution images: the forced-metastasis rate over many draws,
//! patches inside the image, M present whenever forced (also mirrored and zoomed), and draws
//! that depend only on (seed, stream, epoch, step).

mod common;

use bs_train::data::patches::{step_rng, Draw, HARD_NEGATIVE_TOP};
use bs_train::data::targets::TargetSpec;
use bs_train::data::{AugmentConfig, PatchConfig, SampleSource, TrainingSet};
use bs_train::{Group, ProfileName};
use tch::Device;

fn source(spec: &TargetSpec) -> SampleSource {
    let cohort = common::cohort(&[(Group::D1, 3), (Group::D2, 2)]);
    let ids: Vec<String> = cohort
        .images()
        .iter()
        .map(|p| p.patient_id.clone())
        .collect();
    let profile = ProfileName::Cpu.profile();
    let set = TrainingSet::new(&cohort, &ids, &profile, spec, Device::Cpu).unwrap();
    SampleSource::new(&set).unwrap()
}

fn patches(m_fraction: f64) -> PatchConfig {
    PatchConfig {
        size: [96, 64],
        m_fraction,
        per_epoch: 64,
        batch: Some(8),
        m_fraction_last: None,
        hard_negative_fraction: 0.0,
        hard_negative_top: HARD_NEGATIVE_TOP,
    }
}

const AUGMENT: AugmentConfig = AugmentConfig {
    mirror: true,
    gain: 0.2,
    zoom: 0.2,
    shift: 0,
    thinning: 0.5,
};

#[test]
fn forced_rate_matches_m_fraction_and_forced_patches_hold_metastasis() {
    let src = source(&TargetSpec::Otsu);
    assert_eq!(src.dim(), (640, 512));
    for (m_fraction, augment) in [
        (1.0 / 3.0, AugmentConfig::default()),
        (0.5, AUGMENT),
        (0.0, AUGMENT),
    ] {
        let p = patches(m_fraction);
        let mut rng = step_rng(1, 2, 3, 4);
        let n = 3000;
        let draws: Vec<Draw> = (0..n)
            .map(|_| src.draw_patch(&p, &augment, &mut rng))
            .collect();
        let rate = draws.iter().filter(|d| d.forced).count() as f64 / n as f64;
        // binomial SD at n = 3000 is at most 0.0092: 4 SD
        assert!(
            (rate - m_fraction).abs() < 0.037,
            "forced rate {rate} for m_fraction {m_fraction}"
        );
        for d in draws.iter().filter(|d| d.forced).take(300) {
            let (_, labels) = src.cut(d, (96, 64), &mut rng);
            assert!(labels.contains(&2), "forced patch without M: {d:?}");
            assert!(
                src.labels(d.image).contains(&2),
                "forced patch from an image without M"
            );
        }
    }
}

#[test]
fn uniform_patches_lie_inside_the_image() {
    let src = source(&TargetSpec::Binary);
    let p = patches(0.0);
    let mirror_only = AugmentConfig {
        mirror: true,
        ..AugmentConfig::default()
    };
    let mut rng = step_rng(5, 0, 1, 0);
    let mut images = std::collections::HashSet::new();
    for _ in 0..2000 {
        let d = src.draw_patch(&p, &mirror_only, &mut rng);
        assert!(!d.forced);
        images.insert(d.image);
        for (i, j) in [(0, 0), (95, 63), (0, 63), (95, 0), (40, 30)] {
            assert!(
                d.geometry.source((i, j), (96, 64), src.dim()).is_some(),
                "pixel {i},{j} of {d:?} outside the image"
            );
        }
    }
    assert_eq!(images.len(), src.len(), "every image is drawn");
}

#[test]
fn hard_negatives_are_the_hottest_non_metastasis_pixels_and_patches_hold_them() {
    let src = source(&TargetSpec::Otsu);
    let (rows, cols) = src.dim();
    let top = HARD_NEGATIVE_TOP;
    let hot = src.hot_pixels(top);
    assert_eq!(hot.len(), src.len(), "every image has hot pixels");
    let mut thresholds = std::collections::HashMap::new();
    for (k, px) in hot.iter() {
        // the threshold of the hottest `top` by a full sort, independent of the sampler's
        let labels = src.labels(*k);
        let mut counts: Vec<f32> = (0..rows * cols)
            .filter(|&i| labels[i] != 2)
            .map(|i| src.images(*k)[i])
            .collect();
        counts.sort_by(|a, b| b.total_cmp(a));
        let threshold = counts[(counts.len() as f64 * top).ceil() as usize - 1];
        let hot_non_m = (0..rows * cols)
            .filter(|&i| src.images(*k)[i] >= threshold && labels[i] != 2)
            .count();
        assert_eq!(
            px.len(),
            hot_non_m,
            "image {k}: every hot non-M pixel, no other"
        );
        assert!(
            px.iter().all(|&i| labels[i as usize] != 2),
            "an M pixel is hot"
        );
        thresholds.insert(*k, threshold);
    }
    let p = PatchConfig {
        hard_negative_fraction: 0.5,
        ..patches(0.25)
    };
    assert!(p.invalid().is_none());
    let mut rng = step_rng(3, 1, 4, 1);
    let n = 3000;
    let draws: Vec<Draw> = (0..n)
        .map(|_| src.draw_patch(&p, &AugmentConfig::default(), &mut rng))
        .collect();
    let rate = |f: fn(&Draw) -> bool| draws.iter().filter(|d| f(d)).count() as f64 / n as f64;
    assert!((rate(|d| d.forced) - 0.25).abs() < 0.035);
    assert!(
        (rate(|d| d.hard_negative) - 0.75 * 0.5).abs() < 0.04,
        "half of the unforced patches are hard negatives"
    );
    assert!(draws.iter().all(|d| !(d.forced && d.hard_negative)));
    for d in draws.iter().filter(|d| d.hard_negative).take(300) {
        let (pixels, _) = src.cut(d, (96, 64), &mut rng);
        assert!(
            pixels.iter().any(|&v| v >= thresholds[&d.image]),
            "a hard-negative patch without a hot pixel: {d:?}"
        );
    }
    let bad = PatchConfig {
        hard_negative_top: 0.0,
        ..p
    };
    assert_eq!(
        bad.invalid().map(|e| e.0),
        Some("training.patches.hard_negative_top")
    );
}

#[test]
fn batches_depend_only_on_the_step_key() {
    let src = source(&TargetSpec::Otsu);
    let p = patches(0.5);
    let batch = |key: (u64, u64, usize, usize)| {
        let mut rng = step_rng(key.0, key.1, key.2, key.3);
        let draws: Vec<Draw> = (0..4)
            .map(|_| src.draw_patch(&p, &AUGMENT, &mut rng))
            .collect();
        src.batch(&draws, (96, 64), &mut rng, Device::Cpu).unwrap()
    };
    let (x1, y1) = batch((7, 1, 2, 3));
    let (x2, y2) = batch((7, 1, 2, 3));
    assert_eq!(x1.size(), [4, 3, 96, 64]);
    assert_eq!(y1.size(), [4, 3, 96, 64], "one-hot BG/NM/M");
    assert!(x1.equal(&x2) && y1.equal(&y2), "same key, same batch");
    for other in [(7, 1, 2, 4), (7, 1, 3, 3), (7, 2, 2, 3), (8, 1, 2, 3)] {
        let (x3, _) = batch(other);
        assert!(!x1.equal(&x3), "key {other:?} drew the same batch");
    }
    // the one-hot target sums to one per pixel
    let per_pixel = y1.sum_dim_intlist([1].as_slice(), false, tch::Kind::Float);
    assert!(per_pixel.eq(1.0).all().int64_value(&[]) == 1);
}

#[test]
fn forced_fraction_anneals_linearly_over_the_epochs() {
    let p = PatchConfig {
        m_fraction_last: Some(0.2),
        ..patches(0.8)
    };
    let close = |a: f64, b: f64| (a - b).abs() < 1e-12;
    assert!(close(p.m_fraction_at(1, 7), 0.8));
    assert!(close(p.m_fraction_at(4, 7), 0.5));
    assert!(close(p.m_fraction_at(7, 7), 0.2));
    assert!(
        close(p.m_fraction_at(1, 1), 0.2),
        "one epoch: the last fraction"
    );
    let constant = PatchConfig {
        m_fraction_last: None,
        ..p
    };
    assert!(close(constant.m_fraction_at(5, 7), 0.8));
    assert!(p.invalid().is_none());
    let bad = PatchConfig {
        m_fraction_last: Some(1.5),
        ..p
    };
    assert_eq!(
        bad.invalid().map(|e| e.0),
        Some("training.patches.m_fraction_last")
    );
}
