//! Structure of the network at the published width: torchvision VGG19 names, the channel counts
//! of the Keras code, head shapes of both variants, and input validation.

mod common;

use tch::nn::VarStore;
use tch::{Device, Kind, Tensor};

use bs_model::{DoubleUNetConfig, ModelError, Variant};
use common::{seeded, tiny};

/// Shapes of torchvision's `vgg19().features` convolutions (index, c_out, c_in).
const TORCHVISION_VGG19: [(usize, i64, i64); 16] = [
    (0, 64, 3),
    (2, 64, 64),
    (5, 128, 64),
    (7, 128, 128),
    (10, 256, 128),
    (12, 256, 256),
    (14, 256, 256),
    (16, 256, 256),
    (19, 512, 256),
    (21, 512, 512),
    (23, 512, 512),
    (25, 512, 512),
    (28, 512, 512),
    (30, 512, 512),
    (32, 512, 512),
    (34, 512, 512),
];

#[test]
fn published_width_has_torchvision_vgg19_names_and_keras_channel_counts() {
    let _rng = common::rng_lock();
    let vs = VarStore::new(Device::Cpu);
    DoubleUNetConfig::new(Variant::ThreeClass)
        .init(&vs.root())
        .unwrap();
    let vars = vs.variables();
    let shape = |name: &str| {
        vars.get(name)
            .unwrap_or_else(|| panic!("{name} missing"))
            .size()
    };

    let features: Vec<_> = vars.keys().filter(|n| n.starts_with("features.")).collect();
    assert_eq!(features.len(), 32, "16 convolutions with weight and bias");
    for (i, c_out, c_in) in TORCHVISION_VGG19 {
        assert_eq!(shape(&format!("features.{i}.weight")), [c_out, c_in, 3, 3]);
        assert_eq!(shape(&format!("features.{i}.bias")), [c_out]);
    }
    // Decoder 2 concatenates the upsampled map with both skips: 832/640/320/160 channels in.
    for (i, (c_in, c_out)) in [(832, 256), (640, 128), (320, 64), (160, 32)]
        .into_iter()
        .enumerate()
    {
        assert_eq!(
            shape(&format!("decoder2.{i}.conv_bn1.conv.weight")),
            [c_out, c_in, 3, 3]
        );
        assert_eq!(
            shape(&format!("decoder2.{i}.se.fc1.weight")),
            [c_out / 8, c_out]
        );
        assert_eq!(
            shape(&format!("decoder2.{i}.se.fc2.weight")),
            [c_out, c_out / 8]
        );
    }
    // Decoder 1: ASPP (64) + block4 (512), then 256+256, 128+128, 64+64.
    for (i, (c_in, c_out)) in [(576, 256), (512, 128), (256, 64), (128, 32)]
        .into_iter()
        .enumerate()
    {
        assert_eq!(
            shape(&format!("decoder1.{i}.conv_bn1.conv.weight")),
            [c_out, c_in, 3, 3]
        );
    }
    for (i, (c_in, c_out)) in [(3, 32), (32, 64), (64, 128), (128, 256)]
        .into_iter()
        .enumerate()
    {
        assert_eq!(
            shape(&format!("encoder2.{i}.conv_bn1.conv.weight")),
            [c_out, c_in, 3, 3]
        );
    }
    // ASPP: only the image-pooling convolution has a bias (Keras `use_bias=False` elsewhere).
    assert_eq!(shape("aspp1.pool.conv.weight"), [64, 512, 1, 1]);
    assert_eq!(shape("aspp1.pool.conv.bias"), [64]);
    assert_eq!(shape("aspp1.branch6.conv.weight"), [64, 512, 3, 3]);
    assert_eq!(shape("aspp2.branch18.conv.weight"), [64, 256, 3, 3]);
    assert_eq!(shape("aspp2.project.conv.weight"), [64, 320, 1, 1]);
    for name in ["branch1", "branch6", "branch12", "branch18", "project"] {
        assert!(
            !vars.contains_key(&format!("aspp1.{name}.conv.bias")),
            "{name} must have no bias"
        );
    }
    assert_eq!(shape("head1.weight"), [3, 32, 1, 1]);
    assert_eq!(shape("head2.bias"), [3]);
}

#[test]
fn both_variants_give_probabilities_of_the_right_shape() {
    let _rng = common::rng_lock();
    for (variant, classes) in [(Variant::Binary, 1), (Variant::ThreeClass, 3)] {
        let (_vs, model) = tiny(variant, 0.125, 32, 3);
        let x = Tensor::rand([2, 3, 32, 48 - 16], (Kind::Float, Device::Cpu));
        let out = tch::no_grad(|| model.try_forward_t(&x, false)).unwrap();
        for p in [&out.out1, &out.out2] {
            assert_eq!(p.size(), [2, classes, 32, 32]);
            let (lo, hi) = (
                f64::try_from(p.min()).unwrap(),
                f64::try_from(p.max()).unwrap(),
            );
            assert!(
                (0.0..=1.0).contains(&lo) && (0.0..=1.0).contains(&hi),
                "{lo}..{hi}"
            );
        }
        let expected = match variant {
            Variant::Binary => out.logits2.sigmoid(),
            _ => out.logits2.softmax(1, Kind::Float),
        };
        assert!(out.out2.allclose(&expected, 1e-6, 1e-7, false));
        assert_eq!(out.concatenated().size(), [2, 2 * classes, 32, 32]);
    }
}

#[test]
fn three_class_gate_is_one_minus_background_probability() {
    let _rng = common::rng_lock();
    // One image, two pixels: BG (0.7, 0.1), NM (0.2, 0.3), M (0.1, 0.6).
    let p = Tensor::from_slice(&[0.7f32, 0.1, 0.2, 0.3, 0.1, 0.6]).view([1, 3, 1, 2]);
    let gate = Variant::ThreeClass.gate(&p);
    let expected = Tensor::from_slice(&[0.3f32, 0.9]).view([1, 1, 1, 2]);
    assert_eq!(gate.size(), [1, 1, 1, 2]);
    assert!(gate.allclose(&expected, 1e-7, 1e-7, false));
    let nm_plus_m = p.narrow(1, 1, 2).sum_dim_intlist(1, true, Kind::Float);
    assert!(gate.allclose(&nm_plus_m, 1e-6, 1e-6, false));
}

#[test]
fn bad_inputs_are_typed_errors() {
    let _rng = common::rng_lock();
    let (_vs, model) = tiny(Variant::Binary, 0.125, 32, 4);
    let cases = [
        Tensor::zeros([1, 1, 32, 32], (Kind::Float, Device::Cpu)),
        Tensor::zeros([1, 3, 32, 16], (Kind::Float, Device::Cpu)),
        Tensor::zeros([3, 32, 32], (Kind::Float, Device::Cpu)),
    ];
    for x in &cases {
        assert!(
            matches!(
                model.try_forward_t(x, false),
                Err(ModelError::InputShape { .. })
            ),
            "{:?}",
            x.size()
        );
    }
    let ints = Tensor::zeros([1, 3, 32, 32], (Kind::Int64, Device::Cpu));
    assert!(matches!(
        model.try_forward_t(&ints, false),
        Err(ModelError::InputKind { .. })
    ));
    // Training needs two images: the ASPP pooling branch normalises one value per image.
    let one = Tensor::zeros([1, 3, 32, 32], (Kind::Float, Device::Cpu));
    assert!(matches!(
        model.try_forward_t(&one, true),
        Err(ModelError::InputShape { .. })
    ));
}

#[test]
fn head_prior_starts_every_pixel_at_that_metastasis_probability() {
    let _rng = common::rng_lock();
    for (variant, prior) in [(Variant::Binary, 0.01), (Variant::ThreeClass, 0.02)] {
        let config = DoubleUNetConfig::new(variant)
            .with_width_multiplier(0.125)
            .with_input_size(32, 32);
        let (plain_vs, _) = seeded(&config, 5);
        let (vs, model) = seeded(&config.with_head_prior(prior), 5);
        // Only the head biases differ from the plain initialisation of the same seed.
        let plain = plain_vs.variables();
        for (name, t) in vs.variables() {
            let same = t.equal(&plain[&name]);
            assert_eq!(
                same,
                !name.ends_with("head1.bias") && !name.ends_with("head2.bias"),
                "{name}"
            );
        }
        // The bias alone gives P(M) = π exactly; the random head weights spread each pixel's
        // P(M) around it.
        let x = Tensor::zeros([1, 3, 32, 32], (Kind::Float, Device::Cpu));
        let out = tch::no_grad(|| model.forward_t(&x, false));
        let m = out.out2.size()[1] - 1;
        let p_m = out.out2.narrow(1, m, 1);
        let (lo, hi) = (
            f64::try_from(p_m.min()).unwrap(),
            f64::try_from(p_m.max()).unwrap(),
        );
        let head_bias = vs.variables()["head2.bias"].shallow_clone();
        let with_bias_only = match variant {
            Variant::Binary => head_bias.sigmoid(),
            _ => head_bias.softmax(0, Kind::Float),
        };
        let from_bias = f64::try_from(with_bias_only.get(m)).unwrap();
        assert!(
            (from_bias - prior).abs() < 1e-6,
            "{variant:?}: {from_bias} vs {prior}"
        );
        // Not all of the network's features vanish on a zero input (biases, BN shifts), so P(M)
        // spreads around π; it stays far below the ½ of a zero bias.
        assert!(lo > 0.0 && hi < 0.25, "{variant:?}: P(M) in {lo}..{hi}");
    }
}

#[test]
fn invalid_configurations_name_the_field() {
    let _rng = common::rng_lock();
    let base = DoubleUNetConfig::new(Variant::Binary);
    let bad = [
        (base.clone().with_width_multiplier(0.0), "width_multiplier"),
        (
            base.clone().with_width_multiplier(f64::NAN),
            "width_multiplier",
        ),
        (base.clone().with_input_size(100, 512), "input_height"),
        (base.clone().with_input_size(640, 0), "input_width"),
        (base.clone().with_input_size(640, 1 << 20), "input_width"),
        (
            base.clone()
                .with_width_multiplier(0.5)
                .with_vgg19_weights("vgg.safetensors"),
            "vgg19_weights",
        ),
        (base.clone().with_head_prior(0.0), "head_prior"),
        (base.clone().with_head_prior(1.0), "head_prior"),
        (base.clone().with_head_prior(f64::NAN), "head_prior"),
        (
            base.clone().with_batch_norm_momentum(0.0),
            "batch_norm_momentum",
        ),
    ];
    for (config, field) in bad {
        match config.validate() {
            Err(ModelError::InvalidConfig { field: f, .. }) => assert_eq!(f, field),
            other => panic!("{field}: expected InvalidConfig, got {other:?}"),
        }
        let vs = VarStore::new(Device::Cpu);
        assert!(config.init(&vs.root()).is_err());
        assert!(
            vs.variables().is_empty(),
            "{field}: nothing is built from an invalid config"
        );
    }
}

#[test]
fn grayscale_helper_scales_and_replicates() {
    let _rng = common::rng_lock();
    let pixels: Vec<f32> = (0..32 * 16).map(|i| (i % 256) as f32).collect();
    let x = bs_model::input_from_pixels(&pixels, 32, 16).unwrap();
    assert_eq!(x.size(), [1, 3, 32, 16]);
    for c in 0..3 {
        let channel = x.get(0).get(c);
        assert!((f64::try_from(channel.get(0).get(5)).unwrap() - 5.0 / 255.0).abs() < 1e-7);
        assert!((f64::try_from(channel.max()).unwrap() - 1.0).abs() < 1e-7);
    }
    assert!(matches!(
        bs_model::input_from_pixels(&pixels, 32, 15),
        Err(ModelError::InputShape { .. })
    ));
    let batch = Tensor::zeros([4, 1, 8, 8], (Kind::Float, Device::Cpu));
    assert_eq!(
        bs_model::grayscale_to_input(&batch).unwrap().size(),
        [4, 3, 8, 8]
    );
}

/// Parameter count at width 1 from the Keras layer formulas, written out by hand:
/// `Conv2D` k·k·c_in·c_out (+ c_out bias), `BatchNormalization` 4·c (γ, β, moving mean and
/// variance, all counted in Keras' "Total params"), SE `Dense` 2·c·c/8 without bias.
#[test]
fn parameter_count_matches_the_keras_layer_formulas() {
    let _rng = common::rng_lock();
    let conv = |k: i64, c_in: i64, c_out: i64, bias: bool| {
        k * k * c_in * c_out + if bias { c_out } else { 0 }
    };
    let bn = |c: i64| 4 * c;
    let conv_block = |c_in: i64, c: i64| {
        conv(3, c_in, c, true) + bn(c) + conv(3, c, c, true) + bn(c) + 2 * c * (c / 8)
    };
    let aspp = |c_in: i64| {
        (conv(1, c_in, 64, true) + bn(64))
            + (conv(1, c_in, 64, false) + bn(64))
            + 3 * (conv(3, c_in, 64, false) + bn(64))
            + (conv(1, 320, 64, false) + bn(64))
    };
    let vgg19: i64 = TORCHVISION_VGG19
        .iter()
        .map(|&(_, c_out, c_in)| conv(3, c_in, c_out, true))
        .sum();
    let decoder1 = conv_block(64 + 512, 256)
        + conv_block(256 + 256, 128)
        + conv_block(128 + 128, 64)
        + conv_block(64 + 64, 32);
    let encoder2 =
        conv_block(3, 32) + conv_block(32, 64) + conv_block(64, 128) + conv_block(128, 256);
    let decoder2 =
        conv_block(832, 256) + conv_block(640, 128) + conv_block(320, 64) + conv_block(160, 32);
    for (variant, classes) in [(Variant::Binary, 1), (Variant::ThreeClass, 3)] {
        let heads = 2 * conv(1, 32, classes, true);
        let expected = vgg19 + aspp(512) + decoder1 + encoder2 + aspp(256) + decoder2 + heads;
        let vs = VarStore::new(Device::Cpu);
        DoubleUNetConfig::new(variant).init(&vs.root()).unwrap();
        let total: i64 = vs.variables().values().map(|t| t.numel() as i64).sum();
        assert_eq!(total, expected, "{variant}");
        if variant == Variant::Binary {
            // 29,290,274 trainable + 7,296 batch-norm moving statistics.
            assert_eq!(total, 29_297_570);
        }
    }
}

/// `stored_elements` counts, without building, what the built network stores: checked against
/// the VarStore at several widths (rounded channel counts), ASPP widths and SE ratios (the
/// `max(1, c / ratio)` hidden layer), both variants.
#[test]
fn stored_elements_count_what_the_built_network_stores() {
    let _rng = common::rng_lock();
    let mut checked = 0;
    for variant in [Variant::Binary, Variant::ThreeClass] {
        for (width, aspp_filters, se_ratio) in [
            (1.0, 64, 8),
            (1.0 / 16.0, 64, 8),
            (0.3, 100, 3),
            (0.25, 64, 512),
            (0.5, 7, 1),
        ] {
            let mut config = DoubleUNetConfig::new(variant).with_width_multiplier(width);
            config.aspp_filters = aspp_filters;
            config.se_ratio = se_ratio;
            let vs = VarStore::new(Device::Cpu);
            config.init(&vs.root()).unwrap();
            let total: i64 = vs.variables().values().map(|t| t.numel() as i64).sum();
            assert_eq!(config.stored_elements(), total, "{config:?}");
            checked += 1;
        }
    }
    assert_eq!(checked, 10);
    assert_eq!(
        DoubleUNetConfig::new(Variant::Binary).stored_elements(),
        29_297_570,
        "the published binary network"
    );
}
