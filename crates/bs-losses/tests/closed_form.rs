//! Hand cases with closed-form values, configuration validation, the double-head sum, one-hot
//! targets and serialisation.

use approx::assert_relative_eq;
use bs_losses::{
    one_hot, BatchReduction, ClassReduction, DiceLossConfig, DoubleHeadLossConfig,
    FocalTverskyLossConfig, HeadCombination, LossConfig, LossError,
};
use tch::{Device, Kind, Tensor};

fn t(values: &[f64], shape: &[i64]) -> Tensor {
    Tensor::from_slice(values)
        .to_kind(Kind::Double)
        .reshape(shape)
}

fn v(x: &Tensor) -> f64 {
    x.double_value(&[])
}

/// Binary 1×1×2×2 case: p = [0.9, 0.2, 0.6, 0.0], y = [1, 0, 1, 0]
/// → TP = 1.5, FP = 0.2, FN = 0.5, Σy = 2, Σp = 1.7.
fn binary_case() -> (Tensor, Tensor) {
    (
        t(&[0.9, 0.2, 0.6, 0.0], &[1, 1, 2, 2]),
        t(&[1.0, 0.0, 1.0, 0.0], &[1, 1, 2, 2]),
    )
}

#[test]
fn dice_binary_hand_case() {
    let (p, y) = binary_case();
    // Eq. 1: 1 − 2·1.5 / (2 + 1.7).
    let loss = DiceLossConfig::binary().with_smooth(0.0).init().unwrap();
    assert_relative_eq!(v(&loss.forward(&p, &y)), 1.0 - 3.0 / 3.7, epsilon = 1e-12);
    // With s = 1: 1 − (3 + 1) / (3.7 + 1).
    let loss = DiceLossConfig::binary().with_smooth(1.0).init().unwrap();
    assert_relative_eq!(v(&loss.forward(&p, &y)), 1.0 - 4.0 / 4.7, epsilon = 1e-12);
}

#[test]
fn focal_tversky_binary_hand_case() {
    let (p, y) = binary_case();
    // Eq. 2 with α = 0.3 (FP), β = 0.7 (FN), γ = 0.75, s = 0: TI = 1.5 / (1.5 + 0.06 + 0.35).
    let loss = FocalTverskyLossConfig::binary()
        .with_smooth(0.0)
        .init()
        .unwrap();
    let ti: f64 = 1.5 / (1.5 + 0.3 * 0.2 + 0.7 * 0.5);
    assert_relative_eq!(
        v(&loss.forward(&p, &y)),
        (1.0 - ti).powf(0.75),
        epsilon = 1e-12
    );
    // Default smoothing s = 1.
    let loss = FocalTverskyLossConfig::binary().init().unwrap();
    let ti: f64 = 2.5 / (2.5 + 0.3 * 0.2 + 0.7 * 0.5);
    assert_relative_eq!(
        v(&loss.forward(&p, &y)),
        (1.0 - ti).powf(0.75),
        epsilon = 1e-12
    );
    // α = β = 0.5, γ = 1 is the Dice loss: TP / (TP + (FP + FN)/2) = 2TP / (2TP + FP + FN).
    let tversky = FocalTverskyLossConfig::binary()
        .with_alpha_beta(0.5, 0.5)
        .with_gamma(1.0)
        .with_smooth(0.0);
    let dice = DiceLossConfig::binary().with_smooth(0.0);
    assert_relative_eq!(
        v(&tversky.init().unwrap().forward(&p, &y)),
        v(&dice.init().unwrap().forward(&p, &y)),
        epsilon = 1e-12
    );
}

#[test]
fn beta_weighs_false_negatives_more_than_alpha_weighs_false_positives() {
    let y = t(&[1.0, 1.0, 0.0, 0.0], &[1, 1, 2, 2]);
    let missed_one = t(&[1.0, 0.0, 0.0, 0.0], &[1, 1, 2, 2]); // FN = 1
    let one_false_alarm = t(&[1.0, 1.0, 1.0, 0.0], &[1, 1, 2, 2]); // FP = 1
    let loss = FocalTverskyLossConfig::binary()
        .with_smooth(0.0)
        .init()
        .unwrap();
    let fn_loss = v(&loss.forward(&missed_one, &y));
    let fp_loss = v(&loss.forward(&one_false_alarm, &y));
    assert_relative_eq!(fn_loss, (1.0 - 1.0 / 1.7f64).powf(0.75), epsilon = 1e-12);
    assert_relative_eq!(fp_loss, (1.0 - 2.0 / 2.3f64).powf(0.75), epsilon = 1e-12);
    assert!(
        fn_loss > fp_loss,
        "missing a metastasis pixel must cost more than a false alarm"
    );
}

/// Two 1-channel 1×2 images.
#[test]
fn pooled_and_per_image_batch_reductions() {
    let y = t(&[1.0, 0.0, 1.0, 1.0], &[2, 1, 1, 2]);
    let p = t(&[1.0, 0.0, 0.0, 0.0], &[2, 1, 1, 2]);
    let pooled = DiceLossConfig::binary().with_smooth(0.0).init().unwrap();
    // Image A perfect, image B missed. Pooled: TP 1, Σy 3, Σp 1 → 1 − 2/4.
    assert_relative_eq!(v(&pooled.forward(&p, &y)), 0.5, epsilon = 1e-12);
    // Image A perfect, image B half found.
    let p2 = t(&[1.0, 0.0, 1.0, 0.0], &[2, 1, 1, 2]);
    let per_image = DiceLossConfig::binary()
        .with_smooth(0.0)
        .with_batch_reduction(BatchReduction::PerImage);
    // A: 0; B: TP 1, Σy 2, Σp 1 → 1 − 2/3. Mean = 1/6. Pooled: TP 2, Σy 3, Σp 2 → 1 − 4/5.
    assert_relative_eq!(
        v(&per_image.init().unwrap().forward(&p2, &y)),
        (1.0 - 2.0 / 3.0) / 2.0,
        epsilon = 1e-12
    );
    assert_relative_eq!(
        v(&pooled.forward(&p2, &y)),
        1.0 - 4.0 / 5.0,
        epsilon = 1e-12
    );
}

/// Three classes, BG excluded: NM and M pooled or averaged.
#[test]
fn three_class_pooled_and_mean_over_classes() {
    // One image, 1×3 pixels: labels BG, NM, M; prediction puts the M pixel half on NM.
    let y = t(
        &[
            1.0, 0.0, 0.0, /* NM */ 0.0, 1.0, 0.0, /* M */ 0.0, 0.0, 1.0,
        ],
        &[1, 3, 1, 3],
    );
    let p = t(
        &[
            1.0, 0.0, 0.0, /* NM */ 0.0, 1.0, 0.5, /* M */ 0.0, 0.0, 0.5,
        ],
        &[1, 3, 1, 3],
    );
    // NM: TP 1, FP 0.5, FN 0 → Dice 2/2.5. M: TP 0.5, FP 0, FN 0.5 → Dice 1/1.5.
    let pooled = DiceLossConfig::three_class()
        .with_smooth(0.0)
        .init()
        .unwrap();
    // Pooled over NM and M: TP 1.5, FP 0.5, FN 0.5 → 1 − 3/4.
    assert_relative_eq!(v(&pooled.forward(&p, &y)), 0.25, epsilon = 1e-12);
    let mean = DiceLossConfig::three_class()
        .with_smooth(0.0)
        .with_class_reduction(ClassReduction::Mean);
    assert_relative_eq!(
        v(&mean.init().unwrap().forward(&p, &y)),
        ((1.0 - 2.0 / 2.5) + (1.0 - 1.0 / 1.5)) / 2.0,
        epsilon = 1e-12
    );
    // Excluding BG and NM leaves M alone (a non-contiguous exclusion set goes through index_select).
    let m_only = DiceLossConfig::three_class()
        .with_smooth(0.0)
        .with_excluded_classes(vec![1, 0]);
    assert_relative_eq!(
        v(&m_only.init().unwrap().forward(&p, &y)),
        1.0 - 1.0 / 1.5,
        epsilon = 1e-12
    );
    let bg_m = DiceLossConfig::three_class()
        .with_smooth(0.0)
        .with_excluded_classes(vec![1]);
    // BG: TP 1 → Dice 1. M: 2/3 → pooled over BG+M: TP 1.5, FP 0, FN 0.5 → 1 − 3/3.5.
    assert_relative_eq!(
        v(&bg_m.init().unwrap().forward(&p, &y)),
        1.0 - 3.0 / 3.5,
        epsilon = 1e-12
    );
}

#[test]
fn double_head_weighs_and_sums_both_heads() {
    let (p1, y) = binary_case();
    let p2 = t(&[0.5, 0.5, 0.5, 0.5], &[1, 1, 2, 2]);
    let dice = DiceLossConfig::binary().with_smooth(0.0);
    let single = dice.init().unwrap();
    let (l1, l2) = (v(&single.forward(&p1, &y)), v(&single.forward(&p2, &y)));
    let both = DoubleHeadLossConfig::new(LossConfig::Dice(dice.clone()))
        .with_weights(0.25, 2.0)
        .init()
        .unwrap();
    let a = p1.detach().set_requires_grad(true);
    let b = p2.detach().set_requires_grad(true);
    let out = both.try_forward(&a, &b, &y).unwrap();
    assert_relative_eq!(v(&out.total), 0.25 * l1 + 2.0 * l2, epsilon = 1e-12);
    assert_relative_eq!(v(&out.out1), l1, epsilon = 1e-12);
    assert_relative_eq!(v(&out.out2), l2, epsilon = 1e-12);
    out.total.backward();
    assert!(v(&a.grad().abs().sum(Kind::Double)) > 0.0);
    assert!(v(&b.grad().abs().sum(Kind::Double)) > 0.0);
    // Default weights are 1, 1; a zero weight cuts a head out of the gradient.
    assert_eq!(
        DoubleHeadLossConfig::default().init().unwrap().weights(),
        [1.0, 1.0]
    );
    let first_only = DoubleHeadLossConfig::new(LossConfig::Dice(dice))
        .with_weights(1.0, 0.0)
        .init()
        .unwrap();
    let b = p2.detach().set_requires_grad(true);
    first_only.forward(&p1, &b, &y).backward();
    assert_eq!(v(&b.grad().abs().sum(Kind::Double)), 0.0);
}

#[test]
fn invalid_configurations_are_typed_errors() {
    let bad_alpha = FocalTverskyLossConfig::three_class()
        .with_alpha_beta(-0.1, 0.7)
        .init()
        .unwrap_err();
    assert!(
        matches!(
            bad_alpha,
            LossError::InvalidHyperParameter { name: "alpha", .. }
        ),
        "{bad_alpha}"
    );
    let bad_beta = FocalTverskyLossConfig::three_class()
        .with_alpha_beta(0.3, f64::NAN)
        .init()
        .unwrap_err();
    assert!(matches!(
        bad_beta,
        LossError::InvalidHyperParameter { name: "beta", .. }
    ));
    for gamma in [0.0, -1.0, f64::INFINITY] {
        let e = FocalTverskyLossConfig::three_class()
            .with_gamma(gamma)
            .init()
            .unwrap_err();
        assert!(matches!(
            e,
            LossError::InvalidHyperParameter { name: "gamma", .. }
        ));
    }
    let e = DiceLossConfig::binary()
        .with_smooth(-1e-6)
        .init()
        .unwrap_err();
    assert!(matches!(
        e,
        LossError::InvalidHyperParameter { name: "smooth", .. }
    ));
    let e = DiceLossConfig::three_class()
        .with_excluded_classes(vec![3])
        .init()
        .unwrap_err();
    assert!(matches!(
        e,
        LossError::ExcludedClassOutOfRange {
            class: 3,
            num_classes: 3
        }
    ));
    assert!(e.to_string().contains("excluded class 3"));
    let e = DiceLossConfig::binary()
        .with_excluded_classes(vec![0])
        .init()
        .unwrap_err();
    assert!(matches!(
        e,
        LossError::AllClassesExcluded { num_classes: 1 }
    ));
    let e = DiceLossConfig {
        num_classes: 0,
        ..DiceLossConfig::binary()
    }
    .init()
    .unwrap_err();
    assert!(matches!(e, LossError::NoClasses));
    let e = DoubleHeadLossConfig::default()
        .with_weights(0.0, 0.0)
        .init()
        .unwrap_err();
    assert!(matches!(e, LossError::ZeroHeadWeights));
    let e = DoubleHeadLossConfig::default()
        .with_weights(-1.0, 1.0)
        .init()
        .unwrap_err();
    assert!(matches!(
        e,
        LossError::InvalidHyperParameter {
            name: "weight_out1",
            ..
        }
    ));
}

#[test]
fn tensors_that_do_not_fit_are_typed_errors() {
    let loss = DiceLossConfig::three_class().init().unwrap();
    let p = Tensor::rand([2, 3, 4, 4], (Kind::Float, Device::Cpu));
    let e = loss
        .try_forward(&p, &Tensor::zeros([2, 3, 4, 5], (Kind::Float, Device::Cpu)))
        .unwrap_err();
    assert!(matches!(e, LossError::ShapeMismatch { .. }), "{e}");
    let e = loss
        .try_forward(&p.narrow(1, 0, 1), &p.narrow(1, 0, 1))
        .unwrap_err();
    assert!(matches!(
        e,
        LossError::ChannelMismatch {
            expected: 3,
            found: 1
        }
    ));
    let e = loss
        .try_forward(&Tensor::zeros([3], (Kind::Float, Device::Cpu)), &p)
        .unwrap_err();
    assert!(matches!(
        e,
        LossError::BadRank {
            what: "probabilities",
            ..
        }
    ));
    let ints = Tensor::zeros([2, 3, 4, 4], (Kind::Int64, Device::Cpu));
    let e = loss.try_forward(&ints, &p).unwrap_err();
    assert!(matches!(e, LossError::NotFloatingPoint { .. }));
    // The target may be any numeric kind (e.g. a u8 one-hot mask).
    let u8_target = one_hot(&Tensor::zeros([2, 4, 4], (Kind::Int64, Device::Cpu)), 3)
        .unwrap()
        .to_kind(Kind::Uint8);
    assert!(loss.try_forward(&p, &u8_target).is_ok());
}

#[test]
#[should_panic(expected = "Dice loss: probabilities have shape")]
fn forward_panics_with_the_error_message() {
    let loss = DiceLossConfig::binary().init().unwrap();
    let _ = loss.forward(
        &Tensor::zeros([1, 1, 2, 2], (Kind::Float, Device::Cpu)),
        &Tensor::zeros([1, 1, 2, 3], (Kind::Float, Device::Cpu)),
    );
}

#[test]
fn one_hot_layout_and_label_checks() {
    let labels = Tensor::from_slice(&[0i64, 1, 2, 1, 0, 2]).reshape([1, 2, 3]);
    let oh = one_hot(&labels, 3).unwrap();
    assert_eq!(oh.size(), vec![1, 3, 2, 3]);
    assert_eq!(oh.kind(), Kind::Float);
    let m: Vec<f32> = Vec::try_from(oh.narrow(1, 2, 1).flatten(0, -1)).unwrap();
    assert_eq!(m, vec![0.0, 0.0, 1.0, 0.0, 0.0, 1.0]);
    assert!(matches!(
        one_hot(&labels, 2),
        Err(LossError::BadLabels { num_classes: 2, .. })
    ));
    assert!(matches!(
        one_hot(&(labels.shallow_clone() - 1), 3),
        Err(LossError::BadLabels { .. })
    ));
    assert!(matches!(
        one_hot(&labels.to_kind(Kind::Float), 3),
        Err(LossError::BadLabels { .. })
    ));
    // u8 label maps (the on-disk BG/NM/M masks) are accepted.
    assert!(one_hot(&labels.to_kind(Kind::Uint8), 3).is_ok());
}

#[test]
fn configurations_round_trip_through_json_with_a_kind_tag() {
    let cfg = DoubleHeadLossConfig::new(LossConfig::FocalTversky(
        FocalTverskyLossConfig::three_class().with_class_reduction(ClassReduction::Mean),
    ))
    .with_weights(1.0, 0.5);
    let json = serde_json::to_string(&cfg).unwrap();
    assert!(json.contains("\"kind\":\"focal_tversky\""), "{json}");
    assert!(json.contains("\"class_reduction\":\"mean\""), "{json}");
    let back: DoubleHeadLossConfig = serde_json::from_str(&json).unwrap();
    assert_eq!(back, cfg);
    // Missing fields take the paper's defaults; unknown fields are rejected.
    let partial: FocalTverskyLossConfig = serde_json::from_str(r#"{"gamma": 1.0}"#).unwrap();
    assert_eq!(
        partial,
        FocalTverskyLossConfig::three_class().with_gamma(1.0)
    );
    assert!(serde_json::from_str::<DiceLossConfig>(r#"{"smoth": 1.0}"#).is_err());
}

/// The Keras Double U-Net concatenates both outputs and computes one loss on them.
#[test]
fn concatenated_heads_form_one_ratio_like_the_keras_reference() {
    let (p1, y) = binary_case(); // TP 1.5, FP 0.2, FN 0.5
    let p2 = t(&[0.5, 0.5, 0.5, 0.5], &[1, 1, 2, 2]); // TP 1, FP 1, FN 1
    let dice = DiceLossConfig::binary().with_smooth(0.0);
    let concat = DoubleHeadLossConfig::new(LossConfig::Dice(dice.clone()))
        .with_combination(HeadCombination::Concatenated)
        .init()
        .unwrap();
    let a = p1.detach().set_requires_grad(true);
    let out = concat.try_forward(&a, &p2, &y).unwrap();
    // One pooled ratio: 1 − 2·2.5 / (2·2.5 + 1.2 + 1.5).
    assert_relative_eq!(v(&out.total), 1.0 - 5.0 / 7.7, epsilon = 1e-12);
    assert_relative_eq!(v(&out.out1), 1.0 - 3.0 / 3.7, epsilon = 1e-12);
    out.total.backward();
    assert!(v(&a.grad().abs().sum(Kind::Double)) > 0.0);
    // Per image, concatenation averages the per-head losses (each head holds one image here).
    let per_image = DoubleHeadLossConfig::new(LossConfig::Dice(
        dice.with_batch_reduction(BatchReduction::PerImage),
    ))
    .with_combination(HeadCombination::Concatenated)
    .init()
    .unwrap();
    let out = per_image.try_forward(&p1, &p2, &y).unwrap();
    assert_relative_eq!(
        v(&out.total),
        (v(&out.out1) + v(&out.out2)) / 2.0,
        epsilon = 1e-12
    );
    // Weights cannot apply to a single loss over both heads.
    let e = DoubleHeadLossConfig::default()
        .with_combination(HeadCombination::Concatenated)
        .with_weights(1.0, 0.5)
        .init()
        .unwrap_err();
    assert!(
        matches!(e, LossError::WeightsWithConcatenation { .. }),
        "{e}"
    );
}

#[test]
fn a_libtorch_failure_names_its_cause_once() {
    let a = Tensor::zeros([2, 3], (Kind::Float, Device::Cpu));
    let torch = a.f_matmul(&a).unwrap_err();
    let err = LossError::from(torch);
    let chain = bs_testdata::error_chain_reads_once(&err);
    assert_eq!(chain[0], "libtorch error while computing the loss");
}
