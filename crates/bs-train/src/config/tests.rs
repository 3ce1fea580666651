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
    let again = parse(&c.to_toml_string()).unwrap();
    assert_eq!(again, c);
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
    for name in [ProfileName::Paper, ProfileName::Quick, ProfileName::Tiny] {
        let (h, w) = name.profile().input_size(640, 512);
        assert_eq!((h % 16, w % 16), (0, 0), "{name}: {h}×{w}");
        assert_eq!(ProfileName::parse(name.as_str()), Some(name));
    }
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
    for reduced in [ProfileName::Quick, ProfileName::Tiny] {
        let p = reduced.profile();
        assert_eq!(p.loss_class_reduction, bs_losses::ClassReduction::Mean);
        assert!(p.batch_norm_momentum > keras.batch_norm_momentum);
        assert!(p.head_prior.is_some());
    }
}
