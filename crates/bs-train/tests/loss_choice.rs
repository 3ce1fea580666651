//! The loss an experiment arm trains with: BG excluded, and NM and M pooled (the Keras loss) or
//! averaged per class, checked against the closed form on a case where the two differ.

use bs_losses::{ClassReduction, HeadCombination};
use bs_model::Variant;
use bs_train::trainer::loss_config;
use bs_train::LossKind;
use tch::Tensor;

/// Four pixels: three NM pixels predicted NM with certainty, one M pixel predicted NM.
/// Returns (probabilities, one-hot target), N×3×1×4 in BG/NM/M order.
fn nm_right_m_missed() -> (Tensor, Tensor) {
    let nm = [1.0f32, 1.0, 1.0, 1.0];
    let m_truth = [0.0f32, 0.0, 0.0, 1.0];
    let zeros = [0.0f32; 4];
    let p: Vec<f32> = [zeros, nm, zeros].concat();
    let y: Vec<f32> = [zeros, [1.0, 1.0, 1.0, 0.0], m_truth].concat();
    let shape = [1, 3, 1, 4];
    (
        Tensor::from_slice(&p).reshape(shape),
        Tensor::from_slice(&y).reshape(shape),
    )
}

#[test]
fn pooled_and_class_mean_dice_follow_their_closed_forms() {
    let (p, y) = nm_right_m_missed();
    // NM: TP 3, FP 1 (the M pixel), FN 0. M: TP 0, FP 0, FN 1.
    let pooled = 1.0 - 6.0 / (6.0 + 1.0 + 1.0); // one ratio over NM and M: 0.25
    let mean = 1.0 - (6.0 / 7.0 + 0.0) / 2.0; // NM ratio 6/7, M ratio 0: ≈ 0.571
    for (reduction, expected) in [
        (ClassReduction::Pooled, pooled),
        (ClassReduction::Mean, mean),
    ] {
        let loss = loss_config(
            LossKind::Dice,
            Variant::ThreeClass,
            1.0,
            reduction,
            Default::default(),
        )
        .init()
        .unwrap();
        let out = loss.try_forward(&p, &p, &y).unwrap();
        let got = out.out2.double_value(&[]);
        assert!(
            (got - expected).abs() < 1e-6,
            "{reduction:?}: {got} vs {expected}"
        );
        let total = out.total.double_value(&[]);
        assert!(
            (total - 2.0 * expected).abs() < 1e-6,
            "both heads weighted 1"
        );
    }
}

/// Head 2's binary Focal Tversky loss on four pixels (p 0.9, 0.2, 0.7, 0.1 against truth
/// 1, 0, 1, 1: TP 1.7, FP 0.2, FN 1.3) with `reduction` and `params`.
fn binary_focal_tversky(reduction: ClassReduction, params: bs_losses::FocalTverskyParams) -> f64 {
    let p = Tensor::from_slice(&[0.9f32, 0.2, 0.7, 0.1]).reshape([1, 1, 1, 4]);
    let y = Tensor::from_slice(&[1.0f32, 0.0, 1.0, 1.0]).reshape([1, 1, 1, 4]);
    let loss = loss_config(
        LossKind::FocalTversky,
        Variant::Binary,
        1.0,
        reduction,
        params,
    )
    .init()
    .unwrap();
    loss.try_forward(&p, &p, &y).unwrap().out2.double_value(&[])
}

#[test]
fn binary_arms_ignore_the_class_reduction() {
    let value = |r| binary_focal_tversky(r, Default::default());
    // Focal Tversky, α 0.3 on FP, β 0.7 on FN, γ 0.75, smooth 1: TP 1.7, FP 0.2, FN 1.3.
    let ti = (1.7 + 1.0) / (1.7 + 0.3 * 0.2 + 0.7 * 1.3 + 1.0);
    let expected = (1.0f64 - ti).powf(0.75);
    for r in [ClassReduction::Pooled, ClassReduction::Mean] {
        assert!(
            (value(r) - expected).abs() < 1e-5,
            "{r:?}: {} vs {expected}",
            value(r)
        );
    }
}

/// An experiment's own α, β, γ (`[training.focal_tversky]`) reach the loss: the closed form
/// with α 0.5, β 0.5, γ 1 (the Dice-like symmetric Tversky index, not focal).
#[test]
fn focal_tversky_arms_use_the_experiments_parameters() {
    let value = |params| binary_focal_tversky(ClassReduction::Pooled, params);
    let set = bs_losses::FocalTverskyParams {
        alpha: 0.5,
        beta: 0.5,
        gamma: 1.0,
    };
    // TP 1.7, FP 0.2, FN 1.3, smooth 1
    let expected = 1.0 - (1.7 + 1.0) / (1.7 + 0.5 * 0.2 + 0.5 * 1.3 + 1.0);
    assert!(
        (value(set) - expected).abs() < 1e-5,
        "{} vs {expected}",
        value(set)
    );
    let paper = value(Default::default());
    assert!(
        (paper - expected).abs() > 1e-3,
        "the parameters changed nothing"
    );
}

/// The Keras loss over `Concatenate([out1, out2])`: one ratio over the pooled counts of both
/// heads, which is neither the sum nor the mean of the per-head losses when the heads differ.
#[test]
fn concatenated_heads_pool_the_counts_of_both_heads() {
    let (p1, y) = nm_right_m_missed();
    // head 2: M found, one NM pixel called BG (BG, NM, M channels over four pixels)
    let p2: Vec<f32> = [
        [0.0f32, 0.0, 1.0, 0.0],
        [1.0, 1.0, 0.0, 0.0],
        [0.0, 0.0, 0.0, 1.0],
    ]
    .concat();
    let p2 = Tensor::from_slice(&p2).reshape([1, 3, 1, 4]);
    let loss = loss_config(
        LossKind::Dice,
        Variant::ThreeClass,
        1.0,
        ClassReduction::Pooled,
        Default::default(),
    )
    .with_combination(HeadCombination::Concatenated)
    .init()
    .unwrap();
    let out = loss.try_forward(&p1, &p2, &y).unwrap();
    // head 1: TP 3, FP 1, FN 1; head 2: TP 3 (NM 2, M 1), FP 0, FN 1; pooled: TP 6, FP 1, FN 2
    let head1 = 1.0 - 6.0 / 8.0;
    let head2 = 1.0 - 6.0 / 7.0;
    let pooled = 1.0 - 12.0 / 15.0;
    let total = out.total.double_value(&[]);
    assert!((out.out1.double_value(&[]) - head1).abs() < 1e-6);
    assert!((out.out2.double_value(&[]) - head2).abs() < 1e-6);
    assert!((total - pooled).abs() < 1e-6, "{total} vs {pooled}");
    assert!(
        (total - (head1 + head2) / 2.0).abs() > 1e-3,
        "not the mean of the heads"
    );
}
