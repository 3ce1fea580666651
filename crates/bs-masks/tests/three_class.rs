//! ThreeClassMask invariants, NM construction on a worked example, and class PNGs.

use bs_masks::nm::{body_mask, negative_mining_nm, negative_mining_nm_from_probabilities, otsu_nm};
use bs_masks::png::{read_class_png, write_class_png};
use bs_masks::{MaskClass, MaskError, ThreeClassMask};
use ndarray::{array, Array2};

#[test]
fn invariants_are_checked_on_construction() {
    let m = array![[true, false], [false, false]];
    let nm = array![[true, true], [false, false]];
    assert!(matches!(
        ThreeClassMask::from_parts(m.view(), nm.view()),
        Err(MaskError::MetastasisOverwritten { row: 0, col: 0 })
    ));
    let wrong = Array2::from_elem((3, 2), false);
    assert!(matches!(
        ThreeClassMask::from_parts(m.view(), wrong.view()),
        Err(MaskError::SizeMismatch {
            expected_rows: 2,
            rows: 3,
            ..
        })
    ));
    assert!(matches!(
        ThreeClassMask::from_classes(array![[0u8, 1], [2, 3]]),
        Err(MaskError::InvalidClassValue {
            row: 1,
            col: 1,
            value: 3
        })
    ));
    let mask = ThreeClassMask::from_m_and_nm_candidates(m.view(), nm.view()).unwrap();
    assert_eq!(mask.classes(), array![[2u8, 1], [0, 0]]);
    assert_eq!(mask.get(0, 0), Some(MaskClass::Metastasis));
    assert_eq!(mask.get(5, 5), None);
    assert!(mask.check_size(2, 2).is_ok());
    assert!(matches!(
        mask.check_size(640, 512),
        Err(MaskError::SizeMismatch { .. })
    ));
    let one_hot = mask.one_hot();
    assert_eq!(one_hot.dim(), (3, 2, 2));
    assert_eq!(one_hot[[2, 0, 0]], 1.0);
    assert_eq!(one_hot[[1, 0, 1]], 1.0);
    assert_eq!(one_hot[[0, 1, 1]], 1.0);
}

#[test]
fn otsu_nm_on_a_worked_example() {
    // Air 0–1, body 10–12, a lesion (M) at 40 inside the body.
    let image = array![
        [0.0f32, 1.0, 10.0, 11.0],
        [0.0, 12.0, 40.0, 10.0],
        [1.0, 0.0, 11.0, 0.0]
    ];
    let m = image.mapv(|v| v == 40.0);
    let (body, threshold) = body_mask(image.view()).unwrap();
    // On ln(1 + x) the body (10–12) and the lesion lie above the threshold, true air (0) below.
    assert!((0.0..10.0).contains(&threshold), "{threshold}");
    assert!(body[[1, 2]] && body[[0, 2]] && body[[2, 2]]);
    assert!(!body[[0, 0]]);
    let mask = otsu_nm(image.view(), m.view()).unwrap();
    // The body threshold may fall between air and body or between body and lesion; either
    // way M stays M and NM never covers it.
    assert_eq!(mask.get(1, 2), Some(MaskClass::Metastasis));
    assert_eq!(mask.get(0, 0), Some(MaskClass::Background));
    assert_eq!(mask.count(MaskClass::Metastasis), 1);
    let wrong = Array2::from_elem((2, 2), false);
    assert!(matches!(
        otsu_nm(image.view(), wrong.view()),
        Err(MaskError::SizeMismatch { .. })
    ));
    let blank = Array2::<f32>::zeros((0, 0));
    assert!(matches!(
        body_mask(blank.view()),
        Err(MaskError::EmptyImage)
    ));
}

#[test]
fn otsu_nm_separates_air_from_body() {
    // Air at 0.5, a body at 12 with a hot lesion at 60: the body (not just the lesion) is NM.
    let image = Array2::from_shape_fn((40, 20), |(r, c)| {
        if (5..35).contains(&r) && (5..15).contains(&c) {
            if r == 20 && c == 10 {
                60.0
            } else {
                12.0
            }
        } else {
            0.5
        }
    });
    let m = image.mapv(|v| v == 60.0);
    let mask = otsu_nm(image.view(), m.view()).unwrap();
    assert_eq!(mask.count(MaskClass::NonMetastatic), 30 * 10 - 1);
    assert_eq!(mask.count(MaskClass::Metastasis), 1);
}

#[test]
fn negative_mining_from_probabilities() {
    let truth = array![[true, false, false], [false, false, false]];
    let probs = array![[0.9f32, 0.5, 0.49], [0.0, 1.0, 0.2]];
    let mask = negative_mining_nm_from_probabilities(truth.view(), probs.view(), 0.5).unwrap();
    assert_eq!(mask.classes(), array![[2u8, 1, 0], [0, 1, 0]]);
    let predicted = probs.mapv(|p| p >= 0.5);
    assert_eq!(
        mask,
        negative_mining_nm(truth.view(), predicted.view()).unwrap()
    );
    for bad in [0.0f32, 1.5, f32::NAN] {
        assert!(matches!(
            negative_mining_nm_from_probabilities(truth.view(), probs.view(), bad),
            Err(MaskError::BadThreshold { .. })
        ));
    }
    let mut nan = probs.clone();
    nan[[1, 2]] = f32::NAN;
    assert!(matches!(
        negative_mining_nm_from_probabilities(truth.view(), nan.view(), 0.5),
        Err(MaskError::NonFiniteValue { index: 5 })
    ));
}

#[test]
fn class_png_round_trip_and_pillow_reads_the_same_values() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mask.png");
    let classes = Array2::from_shape_fn((7, 5), |(r, c)| ((r * 5 + c) % 3) as u8);
    write_class_png(&path, classes.view()).unwrap();
    assert_eq!(read_class_png(&path).unwrap(), classes);
    let printed = bs_testdata::run_python(
        "import sys, numpy as np, PIL.Image\n\
         a = np.asarray(PIL.Image.open(sys.argv[1]))\n\
         print(a.shape[0], a.shape[1], ' '.join(str(v) for v in a.ravel()))",
        &[path.to_str().unwrap()],
    );
    let expected: Vec<String> = classes.iter().map(|v| v.to_string()).collect();
    assert_eq!(printed.trim(), format!("7 5 {}", expected.join(" ")));

    let rgb = dir.path().join("rgb.png");
    image::RgbImage::new(3, 3).save(&rgb).unwrap();
    assert!(matches!(
        read_class_png(&rgb),
        Err(MaskError::NotClassPng { .. })
    ));
    assert!(matches!(
        read_class_png(dir.path().join("missing.png")),
        Err(MaskError::Png { .. })
    ));
}

#[test]
fn class_counts_of_a_large_mask_equal_a_plain_count() {
    // many 255-pixel counting chunks, in standard and transposed layout
    let m = Array2::from_shape_fn((400, 333), |(r, c)| (r * 7 + c * 3) % 11 == 0);
    let nm = Array2::from_shape_fn((400, 333), |(r, c)| (r + c) % 5 == 0);
    let mask = ThreeClassMask::from_m_and_nm_candidates(m.view(), nm.view()).unwrap();
    for class in [
        MaskClass::Background,
        MaskClass::NonMetastatic,
        MaskClass::Metastasis,
    ] {
        let plain = mask
            .classes()
            .iter()
            .filter(|&&v| v == class.value())
            .count();
        assert_eq!(mask.count(class), plain, "{class:?}");
    }
    let metastasis = m.iter().filter(|&&b| b).count();
    assert_eq!(mask.count(MaskClass::Metastasis), metastasis);
    let mt = m.t().to_owned();
    let nmt = nm.t().to_owned();
    let transposed = ThreeClassMask::from_m_and_nm_candidates(mt.view(), nmt.view()).unwrap();
    assert_eq!(transposed.count(MaskClass::Metastasis), metastasis);
}
