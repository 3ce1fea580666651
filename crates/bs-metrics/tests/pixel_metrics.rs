//! Pixel metrics (Eq. 3–5, Dice, IoU) against a naive reference, closed forms and the 0/0 policy.

use approx::assert_relative_eq;
use bs_metrics::{dice, f1, f1_from_precision_sensitivity, iou, precision, sensitivity};
use bs_metrics::{ConfusionCounts, FoldEvaluation, MetricsError, PixelScores};
use ndarray::{array, Array2};
use proptest::prelude::*;

/// Naive reference: one branch per pixel, no blocking, no slices.
fn naive_counts(pred: &Array2<bool>, truth: &Array2<bool>) -> ConfusionCounts {
    let mut c = ConfusionCounts::default();
    for r in 0..pred.nrows() {
        for col in 0..pred.ncols() {
            match (pred[[r, col]], truth[[r, col]]) {
                (true, true) => c.tp += 1,
                (true, false) => c.fp += 1,
                (false, true) => c.fn_ += 1,
                (false, false) => c.tn += 1,
            }
        }
    }
    c
}

fn mask_pair() -> impl Strategy<Value = (Array2<bool>, Array2<bool>)> {
    (1usize..24, 1usize..24, 0.0f64..1.0, 0.0f64..1.0).prop_flat_map(|(h, w, dp, dt)| {
        (
            proptest::collection::vec(proptest::bool::weighted(dp), h * w),
            proptest::collection::vec(proptest::bool::weighted(dt), h * w),
        )
            .prop_map(move |(p, t)| {
                (
                    Array2::from_shape_vec((h, w), p).unwrap(),
                    Array2::from_shape_vec((h, w), t).unwrap(),
                )
            })
    })
}

proptest! {
    #[test]
    fn counts_match_naive_reference((pred, truth) in mask_pair()) {
        let c = ConfusionCounts::from_masks(pred.view(), truth.view()).unwrap();
        prop_assert_eq!(c, naive_counts(&pred, &truth));
        prop_assert_eq!(c.total(), pred.len() as u64);
        // Strided (non-contiguous) views take the other code path and must agree.
        let ct = ConfusionCounts::from_masks(pred.t(), truth.t()).unwrap();
        prop_assert_eq!(ct, c);
    }

    #[test]
    fn class_masks_count_only_the_target_class(
        (h, w, p, t) in (1usize..16, 1usize..16).prop_flat_map(|(h, w)| (
            Just(h), Just(w),
            proptest::collection::vec(0u8..3, h * w),
            proptest::collection::vec(0u8..3, h * w),
        ))
    ) {
        let p = Array2::from_shape_vec((h, w), p).unwrap();
        let t = Array2::from_shape_vec((h, w), t).unwrap();
        for class in 0..3u8 {
            let c = ConfusionCounts::from_class_masks(p.view(), t.view(), class).unwrap();
            let expect = naive_counts(&p.mapv(|v| v == class), &t.mapv(|v| v == class));
            prop_assert_eq!(c, expect);
        }
    }

    #[test]
    fn metrics_match_formulas_and_bounds((pred, truth) in mask_pair()) {
        let c = naive_counts(&pred, &truth);
        let (tp, fp, fn_) = (c.tp as f64, c.fp as f64, c.fn_ as f64);
        let s = PixelScores::from_counts(&c);
        let check = |v: Option<f64>, num: f64, den: f64| match v {
            None => den == 0.0,
            Some(v) => den > 0.0 && (v - num / den).abs() < 1e-12 && (0.0..=1.0).contains(&v),
        };
        prop_assert!(check(s.precision, tp, tp + fp));
        prop_assert!(check(s.sensitivity, tp, tp + fn_));
        prop_assert!(check(s.f1, 2.0 * tp, 2.0 * tp + fp + fn_));
        prop_assert!(check(s.dice, 2.0 * tp, 2.0 * tp + fp + fn_));
        prop_assert!(check(s.iou, tp, tp + fp + fn_));
        // Eq. 5 from P and S agrees with the count form wherever Eq. 5 is defined.
        if let Some(eq5) = f1_from_precision_sensitivity(s.precision, s.sensitivity) {
            prop_assert!((eq5 - s.f1.unwrap()).abs() < 1e-12);
        }
        // IoU = Dice / (2 − Dice).
        if let (Some(d), Some(j)) = (s.dice, s.iou) {
            prop_assert!((j - d / (2.0 - d)).abs() < 1e-12);
        }
    }

    #[test]
    fn f1_is_symmetric_in_prediction_and_truth((pred, truth) in mask_pair()) {
        let a = ConfusionCounts::from_masks(pred.view(), truth.view()).unwrap();
        let b = ConfusionCounts::from_masks(truth.view(), pred.view()).unwrap();
        prop_assert_eq!(f1(&a), f1(&b));
        prop_assert_eq!(dice(&a), dice(&b));
        prop_assert_eq!(iou(&a), iou(&b));
        prop_assert_eq!(precision(&a), sensitivity(&b));
        prop_assert_eq!(sensitivity(&a), precision(&b));
    }

    #[test]
    fn pooled_counts_are_the_sum_over_images(
        images in proptest::collection::vec(mask_pair(), 1..6)
    ) {
        let mut fold = FoldEvaluation::new();
        let mut sum = ConfusionCounts::default();
        for (i, (p, t)) in images.iter().enumerate() {
            fold.add_masks(format!("img{i}"), p.view(), t.view()).unwrap();
            sum += naive_counts(p, t);
        }
        prop_assert_eq!(fold.pooled_counts(), sum);
        prop_assert_eq!(fold.pooled(), PixelScores::from_counts(&sum));
    }
}

#[test]
fn hand_case_closed_form() {
    // 3×4 image: truth M in the left half, prediction in the top row.
    let truth = array![
        [true, true, false, false],
        [true, true, false, false],
        [true, true, false, false]
    ];
    let pred = array![
        [true, true, true, true],
        [false, false, false, false],
        [false, false, false, false]
    ];
    let c = ConfusionCounts::from_masks(pred.view(), truth.view()).unwrap();
    assert_eq!(
        c,
        ConfusionCounts {
            tp: 2,
            fp: 2,
            fn_: 4,
            tn: 4
        }
    );
    assert_relative_eq!(precision(&c).unwrap(), 0.5);
    assert_relative_eq!(sensitivity(&c).unwrap(), 1.0 / 3.0);
    // Eq. 5: 2·(1/2)(1/3)/((1/2)+(1/3)) = 0.4.
    assert_relative_eq!(f1(&c).unwrap(), 0.4, epsilon = 1e-12);
    assert_relative_eq!(dice(&c).unwrap(), 0.4, epsilon = 1e-12);
    assert_relative_eq!(iou(&c).unwrap(), 0.25, epsilon = 1e-12);
}

#[test]
fn undefined_ratios_are_none_not_zero() {
    let negative_correct = ConfusionCounts {
        tp: 0,
        fp: 0,
        fn_: 0,
        tn: 100,
    };
    assert_eq!(
        PixelScores::from_counts(&negative_correct),
        PixelScores::default()
    );
    let negative_with_false_alarm = ConfusionCounts {
        tp: 0,
        fp: 5,
        fn_: 0,
        tn: 95,
    };
    let s = PixelScores::from_counts(&negative_with_false_alarm);
    assert_eq!(
        (s.precision, s.sensitivity, s.f1, s.iou),
        (Some(0.0), None, Some(0.0), Some(0.0))
    );
    let missed = ConfusionCounts {
        tp: 0,
        fp: 0,
        fn_: 7,
        tn: 93,
    };
    let s = PixelScores::from_counts(&missed);
    assert_eq!(
        (s.precision, s.sensitivity, s.f1),
        (None, Some(0.0), Some(0.0))
    );
    // Eq. 5 itself is 0/0 when P = S = 0; the count form gives 0.
    assert_eq!(f1_from_precision_sensitivity(Some(0.0), Some(0.0)), None);
    assert_eq!(
        f1(&ConfusionCounts {
            tp: 0,
            fp: 3,
            fn_: 4,
            tn: 1
        }),
        Some(0.0)
    );
}

#[test]
fn per_image_policy_excludes_empty_images_and_leaves_pooled_unchanged() {
    let lesion_t = array![[true, true], [false, false]];
    let lesion_p = array![[true, false], [false, false]];
    let empty = Array2::<bool>::from_elem((2, 2), false);
    let false_alarm = array![[false, false], [false, true]];

    let mut with_empty = FoldEvaluation::new();
    with_empty
        .add_masks("positive", lesion_p.view(), lesion_t.view())
        .unwrap();
    with_empty
        .add_masks("negative-correct", empty.view(), empty.view())
        .unwrap();
    with_empty
        .add_masks("negative-false-alarm", false_alarm.view(), empty.view())
        .unwrap();
    let mut without_empty = FoldEvaluation::new();
    without_empty
        .add_masks("positive", lesion_p.view(), lesion_t.view())
        .unwrap();
    without_empty
        .add_masks("negative-false-alarm", false_alarm.view(), empty.view())
        .unwrap();

    let r = with_empty.report();
    assert_eq!(r.images, 3);
    assert_eq!(r.per_image.empty_images, 1);
    // Precision: positive image 1.0, false-alarm image 0.0 → mean 0.5 over 2 images.
    assert_eq!(r.per_image.precision.mean, Some(0.5));
    assert_eq!(r.per_image.precision.n_defined, 2);
    // Sensitivity is defined only on the positive image.
    assert_eq!(r.per_image.sensitivity.mean, Some(0.5));
    assert_eq!(r.per_image.sensitivity.n_defined, 1);
    // F1: positive 2/3, false alarm 0 → 1/3.
    assert_relative_eq!(r.per_image.f1.mean.unwrap(), 1.0 / 3.0, epsilon = 1e-12);
    // Pooled: TP 1, FP 1, FN 1, unaffected by the empty image apart from TN.
    assert_eq!(r.pooled_counts.tp, 1);
    assert_eq!(r.pooled, without_empty.pooled());
    assert_eq!(r.per_image.f1, without_empty.per_image().f1);
}

#[test]
fn shape_mismatch_is_a_typed_error() {
    let a = Array2::<bool>::from_elem((640, 512), false);
    let b = Array2::<bool>::from_elem((512, 640), false);
    let err = ConfusionCounts::from_masks(a.view(), b.view()).unwrap_err();
    assert_eq!(
        err,
        MetricsError::ShapeMismatch {
            prediction: (640, 512),
            truth: (512, 640)
        }
    );
    assert!(err.to_string().contains("(640, 512)"));
    let mut fold = FoldEvaluation::new();
    assert!(fold.add_masks("x", a.view(), b.view()).is_err());
    assert!(
        fold.images().is_empty(),
        "a rejected image must not be half-added"
    );
}

#[test]
fn report_round_trips_through_json() {
    let mut fold = FoldEvaluation::new();
    fold.add_masks(
        "p1",
        array![[true, false, true]].view(),
        array![[true, true, false]].view(),
    )
    .unwrap();
    let report = fold.report();
    let json = serde_json::to_string(&report).unwrap();
    let back: bs_metrics::FoldReport = serde_json::from_str(&json).unwrap();
    assert_eq!(back, report);
    assert!(json.contains("\"fn_\":1"));
}
