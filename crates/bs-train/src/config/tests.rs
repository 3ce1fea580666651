use super::*;

const TABLE4: &str = r#"
name = "table4_otsu_negatives"
table = "Table 4"
groups = ["D1", "D2"]
nm_source = "otsu"
losses = ["dice", "focal_tversky"]
"#;

fn parse(text: &str) -> Result<ExperimentConfig> {
    ExperimentConfig::from_toml_str(text, Path::new("exp.toml"))
}

#[test]
fn paper_defaults() {
    let c = parse(TABLE4).unwrap();
    assert_eq!(c.training.batch_size, 4);
    assert_eq!(c.training.learning_rate, 1e-4);
    assert_eq!(c.training.folds, 10);
    assert_eq!(c.variant(), bs_model::Variant::ThreeClass);
    assert_eq!(c.all_groups(), vec![Group::D1, Group::D2]);
    let again = parse(&c.to_toml_string().unwrap()).unwrap();
    assert_eq!(again, c);
}

/// The file a run directory keeps must read back as the experiment that ran, every key set
/// (a top-level value after the `[training]` table, as `encoder_weights` and `profile`, is
/// where TOML writers fail; an error here was once written as an empty file).
#[test]
fn every_key_survives_the_run_directory_copy() {
    let text = format!(
        "{TABLE4}profile = \"paper\"\nencoder_weights = \"w/vgg19.safetensors\"\n\
         [training]\nhead_combination = \"concatenated\"\nmodel_selection = \"last_epoch\"\n\
         lr_decay = \"poly\"\n[training.patches]\nsize = [96, 96]\nper_epoch = 64\n"
    );
    let c = parse(&text).unwrap();
    assert_eq!(
        c.encoder_weights,
        Some(PathBuf::from("w/vgg19.safetensors"))
    );
    assert_eq!(c.training.model_selection, Some(ModelSelection::LastEpoch));
    let written = c.to_toml_string().unwrap();
    assert_eq!(parse(&written).unwrap(), c, "{written}");
}

#[test]
fn unknown_key_is_rejected_with_its_name() {
    let err = parse(&format!("{TABLE4}\nlearning_rat = 0.1\n")).unwrap_err();
    assert!(matches!(err, TrainError::ConfigParse { .. }), "{err}");
    assert!(err.to_string().contains("learning_rat"), "{err}");
    let err = parse(&format!("{TABLE4}\n[training]\nbatch = 4\n")).unwrap_err();
    assert!(err.to_string().contains("batch"), "{err}");
}

fn value_error(extra: &str) -> String {
    match parse(&format!("{TABLE4}\n[training]\n{extra}\n")) {
        Err(TrainError::ConfigValue { key, message, .. }) => format!("{key}: {message}"),
        other => panic!("expected a value error for {extra:?}, got {other:?}"),
    }
}

#[test]
fn impossible_values_are_typed_errors() {
    assert!(value_error("batch_size = 0").starts_with("training.batch_size"));
    assert!(value_error("learning_rate = -1e-4").starts_with("training.learning_rate"));
    assert!(value_error("epochs = 0").starts_with("training.epochs"));
    assert!(value_error("folds = 2").starts_with("training.folds"));
    assert!(value_error("lr_plateau = { patience = 2, factor = 1.5 }")
        .starts_with("training.lr_plateau"));
    assert!(
        value_error("intensity_augmentation = 0.9").starts_with("training.intensity_augmentation")
    );
    for bad in [
        "focal_tversky = { gamma = 0.0 }",
        "focal_tversky = { alpha = -0.3 }",
        "focal_tversky = { beta = nan }",
    ] {
        assert!(
            value_error(bad).starts_with("training.focal_tversky"),
            "{bad}"
        );
    }
}

#[test]
fn focal_tversky_parameters_are_read_and_default_to_the_papers() {
    let c = parse(TABLE4).unwrap();
    let paper = bs_losses::FocalTverskyParams {
        alpha: 0.3,
        beta: 0.7,
        gamma: 0.75,
    };
    assert_eq!(c.training.focal_tversky, paper);
    let set = parse(&format!(
        "{TABLE4}\n[training.focal_tversky]\nalpha = 0.5\nbeta = 0.5\ngamma = 1.0\n"
    ))
    .unwrap();
    let want = bs_losses::FocalTverskyParams {
        alpha: 0.5,
        beta: 0.5,
        gamma: 1.0,
    };
    assert_eq!(set.training.focal_tversky, want);
    // the run directory's copy keeps them
    let again = parse(&set.to_toml_string().unwrap()).unwrap();
    assert_eq!(again.training.focal_tversky, want);
    let err = parse(&format!(
        "{TABLE4}\n[training.focal_tversky]\ndelta = 0.5\n"
    ))
    .unwrap_err();
    assert!(err.to_string().contains("delta") || format!("{err:?}").contains("delta"));
}

#[test]
fn experiment_level_checks() {
    let no_positive = TABLE4.replace(r#"["D1", "D2"]"#, r#"["D2"]"#);
    assert!(matches!(
        parse(&no_positive),
        Err(TrainError::ConfigValue { key: "groups", .. })
    ));
    let twice = TABLE4.replace(r#"["dice", "focal_tversky"]"#, r#"["dice", "dice"]"#);
    assert!(matches!(
        parse(&twice),
        Err(TrainError::ConfigValue { key: "losses", .. })
    ));
    let overlap = format!("{TABLE4}\n[transfer]\npretrain_groups = [\"D1\"]\n");
    assert!(matches!(
        parse(&overlap),
        Err(TrainError::ConfigValue {
            key: "transfer.pretrain_groups",
            ..
        })
    ));
    let bad_group = TABLE4.replace("\"D2\"", "\"D5\"");
    assert!(matches!(
        parse(&bad_group),
        Err(TrainError::ConfigParse { .. })
    ));
}

#[test]
fn missing_data_dir_is_an_error() {
    let c = parse(TABLE4).unwrap();
    let err = c
        .check_data_dir(Path::new("/nonexistent/prepared"))
        .unwrap_err();
    assert!(err.to_string().contains("/nonexistent/prepared"), "{err}");
}

#[test]
fn profiles_give_network_compatible_sizes() {
    for name in [
        ProfileName::Paper,
        ProfileName::Gpu,
        ProfileName::Cpu,
        ProfileName::Quick,
        ProfileName::Tiny,
    ] {
        let p = name.profile();
        let (h, w) = p.input_size(640, 512);
        assert_eq!((h % 16, w % 16), (0, 0), "{name}: {h}×{w}");
        assert_eq!(ProfileName::parse(name.as_str()), Some(name));
        if let Some(patches) = p.patches {
            assert_eq!(patches.invalid(), None, "{name}");
            assert!(patches.size[0] <= h && patches.size[1] <= w, "{name}");
        }
        assert_eq!(p.augmentation.and_then(|a| a.invalid()), None, "{name}");
    }
}

#[test]
fn patch_and_augmentation_keys_parse_and_bad_values_are_named() {
    let c = parse(&format!(
        "{TABLE4}\n[training.patches]\nsize = [64, 48]\nper_epoch = 100\n\
         [training.augmentation]\nmirror = true\nthinning = 0.5\n"
    ))
    .unwrap();
    let p = c.training.patches.unwrap();
    assert_eq!(p.size, [64, 48]);
    assert!(
        (p.m_fraction - 1.0 / 3.0).abs() < 1e-12,
        "nnU-Net's third by default"
    );
    assert_eq!(p.batch, None);
    let a = c.training.augmentation.unwrap();
    assert!(a.mirror && a.thinning == 0.5 && a.gain == 0.0);
    // the paper profile trains whole images without augmentation; the CPU default on patches
    let paper = ProfileName::Paper.profile();
    assert_eq!(paper.patches(None), None);
    assert_eq!(paper.augmentation(None), None);
    assert_eq!(
        paper.patches(Some(p)),
        Some(p),
        "the experiment's setting wins"
    );
    assert!(ProfileName::Cpu.profile().patches(None).is_some());
    for (extra, key) in [
        (
            "[training.patches]\nsize = [60, 64]\nper_epoch = 10\n",
            "training.patches.size",
        ),
        (
            "[training.patches]\nsize = [64, 64]\nper_epoch = 10\nm_fraction = 1.5\n",
            "training.patches.m_fraction",
        ),
        (
            "[training.patches]\nsize = [64, 64]\nper_epoch = 1\n",
            "training.patches.per_epoch",
        ),
        (
            "[training.patches]\nsize = [64, 64]\nper_epoch = 10\nbatch = 1\n",
            "training.patches.batch",
        ),
        (
            "[training.augmentation]\nthinning = 0.0\n",
            "training.augmentation.thinning",
        ),
        (
            "[training.augmentation]\nzoom = 0.7\n",
            "training.augmentation.zoom",
        ),
        (
            "[training.augmentation]\ngain = -0.1\n",
            "training.augmentation.gain",
        ),
    ] {
        let err = parse(&format!("{TABLE4}\n{extra}")).unwrap_err();
        assert!(err.to_string().contains(key), "{key}: {err}");
    }
    let err = parse(&format!(
        "{TABLE4}\n[training.patches]\nsize = [64, 64]\nper_epoch = 10\nsided = 2\n"
    ))
    .unwrap_err();
    assert!(
        err.to_string().contains("sided"),
        "unknown keys are errors: {err}"
    );
}

#[test]
fn loss_class_reduction_parses_and_paper_profile_keeps_the_published_network() {
    let c = parse(&format!(
        "{TABLE4}\n[training]\nloss_class_reduction = \"mean\"\n"
    ))
    .unwrap();
    assert_eq!(
        c.training.loss_class_reduction,
        Some(bs_losses::ClassReduction::Mean)
    );
    assert_eq!(parse(TABLE4).unwrap().training.loss_class_reduction, None);
    let err = parse(&format!(
        "{TABLE4}\n[training]\nloss_class_reduction = \"max\"\n"
    ))
    .unwrap_err();
    assert!(err.to_string().contains("max"), "{err}");

    let paper = ProfileName::Paper.profile();
    let keras = bs_model::DoubleUNetConfig::new(bs_model::Variant::Binary);
    assert_eq!(paper.batch_norm_momentum, keras.batch_norm_momentum);
    assert_eq!(paper.head_prior, None);
    assert_eq!(
        paper.loss_class_reduction,
        bs_losses::ClassReduction::Pooled
    );
    for reduced in [
        ProfileName::Gpu,
        ProfileName::Cpu,
        ProfileName::Quick,
        ProfileName::Tiny,
    ] {
        let p = reduced.profile();
        assert_eq!(p.loss_class_reduction, bs_losses::ClassReduction::Mean);
        assert!(p.head_prior.is_some());
        // the pooled whole-image profiles train a few hundred steps: their batch-norm
        // statistics must keep up; the patch profiles keep Keras' slower, steadier average
        if p.patches.is_some() {
            assert_eq!(p.batch_norm_momentum, keras.batch_norm_momentum);
        } else {
            assert!(p.batch_norm_momentum > keras.batch_norm_momentum);
        }
    }
}
