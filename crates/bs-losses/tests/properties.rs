//! Properties of the Dice and Focal Tversky losses: range, perfect prediction, pixel-permutation
//! invariance, no effect of excluded classes, finite gradients (empty masks included).

use bs_losses::{
    one_hot, BatchReduction, ClassReduction, DiceLossConfig, FocalTverskyLossConfig, LossConfig,
    SegmentationLoss,
};
use proptest::prelude::*;
use tch::{Kind, Tensor};

/// A random batch: SoftMax (3 classes) or sigmoid (1 class) probabilities and a one-hot target,
/// from a seed. `empty_m` removes the M class from the target (a negative sample).
#[derive(Clone, Debug)]
struct Case {
    seed: i64,
    n: i64,
    h: i64,
    w: i64,
    three_class: bool,
    empty_m: bool,
    saturate: bool,
    batch: BatchReduction,
    class: ClassReduction,
}

fn case() -> impl Strategy<Value = Case> {
    (
        any::<i64>(),
        1i64..4,
        1i64..9,
        1i64..9,
        any::<bool>(),
        proptest::bool::weighted(0.25),
        proptest::bool::weighted(0.2),
        prop_oneof![Just(BatchReduction::Pooled), Just(BatchReduction::PerImage)],
        prop_oneof![Just(ClassReduction::Pooled), Just(ClassReduction::Mean)],
    )
        .prop_map(
            |(seed, n, h, w, three_class, empty_m, saturate, batch, class)| Case {
                seed,
                n,
                h,
                w,
                three_class,
                empty_m,
                saturate,
                batch,
                class,
            },
        )
}

impl Case {
    fn tensors(&self) -> (Tensor, Tensor) {
        tch::manual_seed(self.seed);
        let c = if self.three_class { 3 } else { 1 };
        // Saturated logits drive probabilities to exactly 0 and 1 in fp32.
        let scale = if self.saturate { 200.0 } else { 3.0 };
        let logits =
            Tensor::randn([self.n, c, self.h, self.w], (Kind::Float, tch::Device::Cpu)) * scale;
        let probs = if self.three_class {
            logits.softmax(1, Kind::Float)
        } else {
            logits.sigmoid()
        };
        let top = if self.empty_m { 2 } else { c.max(2) };
        let labels = Tensor::randint(
            top,
            [self.n, self.h, self.w],
            (Kind::Int64, tch::Device::Cpu),
        );
        let target = if self.three_class {
            one_hot(&labels, 3).unwrap()
        } else {
            labels.clamp_max(1).unsqueeze(1).to_kind(Kind::Float) * i64::from(!self.empty_m)
        };
        (probs, target)
    }

    fn losses(&self) -> Vec<(&'static str, Box<dyn SegmentationLoss>)> {
        let (dice, ftl) = if self.three_class {
            (
                DiceLossConfig::three_class(),
                FocalTverskyLossConfig::three_class(),
            )
        } else {
            (DiceLossConfig::binary(), FocalTverskyLossConfig::binary())
        };
        vec![
            (
                "dice",
                Box::new(
                    dice.with_batch_reduction(self.batch)
                        .with_class_reduction(self.class)
                        .init()
                        .unwrap(),
                ),
            ),
            (
                "focal_tversky",
                Box::new(
                    ftl.with_batch_reduction(self.batch)
                        .with_class_reduction(self.class)
                        .init()
                        .unwrap(),
                ),
            ),
        ]
    }
}

fn value(t: &Tensor) -> f64 {
    t.double_value(&[])
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn loss_lies_in_unit_interval_with_finite_gradients(c in case()) {
        let (probs, target) = c.tensors();
        for (name, loss) in c.losses() {
            let p = probs.detach().set_requires_grad(true);
            let l = loss.try_forward(&p, &target).unwrap();
            let v = value(&l);
            prop_assert!((0.0..=1.0).contains(&v), "{name} = {v} outside [0, 1] for {c:?}");
            l.backward();
            let g = p.grad();
            prop_assert!(all_finite(&g), "{name}: non-finite gradient for {c:?}");
        }
    }

    #[test]
    fn perfect_prediction_has_zero_loss(c in case()) {
        let (_, target) = c.tensors();
        for (name, loss) in c.losses() {
            let p = target.detach().set_requires_grad(true);
            let l = loss.try_forward(&p, &target).unwrap();
            // Dice: exactly 1 − 1; Focal Tversky: the 1e-12 floor to the power 0.75 = 1e-9.
            prop_assert!(value(&l) <= 1.01e-9, "{name} = {} for a perfect prediction, {c:?}", value(&l));
            l.backward();
            prop_assert!(all_finite(&p.grad()), "{name}: non-finite gradient at optimum");
        }
    }

    #[test]
    fn loss_is_invariant_under_a_permutation_of_pixels(c in case(), perm_seed in any::<i64>()) {
        let (probs, target) = c.tensors();
        let (n, ch) = (c.n, probs.size()[1]);
        tch::manual_seed(perm_seed);
        let perm = Tensor::randperm(c.h * c.w, (Kind::Int64, tch::Device::Cpu));
        let shuffle = |t: &Tensor| t.reshape([n, ch, c.h * c.w]).index_select(2, &perm).reshape([n, ch, c.h, c.w]);
        for (name, loss) in c.losses() {
            let a = value(&loss.forward(&probs, &target));
            let b = value(&loss.forward(&shuffle(&probs), &shuffle(&target)));
            prop_assert!((a - b).abs() <= 1e-5 * a.abs().max(1e-6), "{name}: {a} vs {b} after shuffling, {c:?}");
        }
    }

    #[test]
    fn excluded_background_channel_has_no_effect(c in case(), noise_seed in any::<i64>()) {
        prop_assume!(c.three_class);
        let (probs, target) = c.tensors();
        tch::manual_seed(noise_seed);
        // Replace the BG channel of both tensors by arbitrary values in [0, 1].
        let with_bg = |t: &Tensor| {
            let bg = Tensor::rand([c.n, 1, c.h, c.w], (Kind::Float, tch::Device::Cpu));
            Tensor::cat(&[bg, t.narrow(1, 1, 2)], 1)
        };
        let (p2, t2) = (with_bg(&probs), with_bg(&target));
        for (name, loss) in c.losses() {
            let p = p2.detach().set_requires_grad(true);
            let a = loss.forward(&probs, &target);
            let b = loss.forward(&p, &t2);
            prop_assert_eq!(value(&a), value(&b), "{} changed with the excluded channel", name);
            b.backward();
            let bg_grad = p.grad().narrow(1, 0, 1).abs().max();
            prop_assert_eq!(value(&bg_grad), 0.0, "{} back-propagates into BG", name);
        }
    }
}

#[test]
fn empty_masks_and_zero_smoothing_stay_finite() {
    let zeros = Tensor::zeros([2, 3, 4, 4], (Kind::Float, tch::Device::Cpu));
    let all_bg = one_hot(
        &Tensor::zeros([2, 4, 4], (Kind::Int64, tch::Device::Cpu)),
        3,
    )
    .unwrap();
    let configs = [
        LossConfig::Dice(DiceLossConfig::three_class()),
        LossConfig::Dice(DiceLossConfig::three_class().with_smooth(0.0)),
        LossConfig::FocalTversky(FocalTverskyLossConfig::three_class()),
        LossConfig::FocalTversky(FocalTverskyLossConfig::three_class().with_smooth(0.0)),
        LossConfig::FocalTversky(
            FocalTverskyLossConfig::three_class()
                .with_smooth(0.0)
                .with_batch_reduction(BatchReduction::PerImage)
                .with_class_reduction(ClassReduction::Mean),
        ),
    ];
    for cfg in &configs {
        let loss = cfg.init().unwrap();
        for (p, t) in [(&zeros, &all_bg), (&all_bg, &all_bg), (&zeros, &zeros)] {
            let p = p.detach().set_requires_grad(true);
            let l = loss.forward(&p, t);
            assert!(
                value(&l).is_finite() && (0.0..=1.0).contains(&value(&l)),
                "{cfg:?}: {}",
                value(&l)
            );
            l.backward();
            assert!(all_finite(&p.grad()), "{cfg:?}: non-finite gradient");
        }
    }
}

#[test]
fn half_precision_probabilities_are_summed_in_fp32() {
    let (probs, target) = Case {
        seed: 7,
        n: 2,
        h: 64,
        w: 64,
        three_class: true,
        empty_m: false,
        saturate: false,
        batch: BatchReduction::Pooled,
        class: ClassReduction::Pooled,
    }
    .tensors();
    let loss = FocalTverskyLossConfig::three_class().init().unwrap();
    let full = value(&loss.forward(&probs, &target));
    let half = loss.forward(&probs.to_kind(Kind::Half), &target);
    assert_eq!(half.kind(), Kind::Float);
    assert!(
        (value(&half) - full).abs() < 1e-3,
        "{} vs {full}",
        value(&half)
    );
}

fn all_finite(t: &Tensor) -> bool {
    t.isfinite().all().int64_value(&[]) == 1
}
