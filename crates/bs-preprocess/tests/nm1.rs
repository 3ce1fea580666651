//! The real NEMA NM1 whole-body scan (anterior view only) through the whole pipeline, compared
//! with the independent NumPy/scikit-image reference in `python/prepare_reference.py`.

use std::path::Path;

use bs_dicom::{read_scan, ReadOptions};
use bs_preprocess::dataset::npy::read_npy;
use bs_preprocess::{
    otsu_three_class, prepare_scan, prepared_otsu_three_class, BrightnessConfig, MeanRegion,
    PrepareConfig, PrepareError, ViewName,
};
use ndarray::{s, Array2};

fn reference_script() -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("python/prepare_reference.py");
    std::fs::read_to_string(path).unwrap()
}

#[test]
fn nm1_prepares_like_the_numpy_reference_and_reports_missing_posterior() {
    let path = bs_testdata::nm1_jpll();
    let scan = read_scan(&path, &ReadOptions::default()).unwrap();
    assert!(scan.posterior.is_none());
    let cfg = PrepareConfig::default();
    let prepared = prepare_scan(&scan, &cfg).unwrap();
    // NM1 stores signed 16-bit samples, all ≥ 0: read as 16-bit counts (JPEG Lossless by the
    // general path and narrowed; uncompressed by the fast path), it prepares alike
    let mut reader = bs_dicom::ScanReader::new(ReadOptions::default());
    for file in std::iter::once(path.clone()).chain(bs_testdata::nm1_unc()) {
        let counts = reader.read_counts(&file).unwrap();
        assert_eq!(
            prepare_scan(&counts, &cfg).unwrap(),
            prepared,
            "{}",
            file.display()
        );
        reader.recycle_counts(counts);
        let (batch, _) = cfg
            .init()
            .unwrap()
            .read_and_prepare(&mut reader, std::slice::from_ref(&file))
            .unwrap();
        assert_eq!(batch, prepared, "{}", file.display());
    }

    // shape, missing posterior reported and not invented
    assert_eq!(prepared.image.dim(), (640, 512));
    assert!(prepared.posterior_missing);
    assert!(prepared.geometry.posterior.is_none());
    assert!(prepared
        .image
        .slice(s![.., 256..])
        .iter()
        .all(|&v| v == 0.0));
    let valid = prepared.geometry.valid_mask();
    assert!(valid.slice(s![.., 256..]).iter().all(|&v| !v));
    assert!(valid.slice(s![.., ..256]).iter().any(|&v| v));

    // brightness, in the paper's order: the mean of the 950×256 cut lies in (7, 14), then rows
    // ≥ 640 are dropped, so the kept rows hold at most all of the cut's counts; 8-bit integers
    let cut_mean = prepared.anterior_brightness.mean;
    assert!(cut_mean > 7.0 && cut_mean < 14.0, "mean {cut_mean}");
    let ant = prepared.image.slice(s![.., ..256]);
    let kept_mean = ant.iter().map(|&v| v as f64).sum::<f64>() / ant.len() as f64;
    assert!(
        kept_mean <= cut_mean * 950.0 / 640.0 + 1e-9,
        "{kept_mean} vs {cut_mean}"
    );
    assert!(
        kept_mean > cut_mean,
        "NM1's legs below row 640 are dimmer than its trunk"
    );
    assert!(prepared
        .image
        .iter()
        .all(|&v| (0.0..=255.0).contains(&v) && v.fract() == 0.0));

    // the body of NM1 (head at row ≈ 88, feet ≈ 856) is centred in the 950-row cut
    let g = prepared.geometry.anterior;
    assert!(
        (80..100).contains(&g.body.row_start) && (840..870).contains(&g.body.row_end),
        "{g:?}"
    );

    // independent reference: pydicom + NumPy + scikit-image threshold_otsu
    let out = bs_testdata::output_dir("bs-preprocess-nm1");
    let json = bs_testdata::run_python(
        &reference_script(),
        &["compare", out.to_str().unwrap(), path.to_str().unwrap()],
    );
    let reference: serde_json::Value = serde_json::from_str(json.trim()).unwrap();
    let ref_gain = reference[0]["gain_anterior"].as_f64().unwrap();
    assert!(
        (ref_gain - prepared.anterior_brightness.gain).abs() < 1e-9 * ref_gain,
        "gain {} vs reference {ref_gain}",
        prepared.anterior_brightness.gain
    );
    let geo: Vec<i64> = serde_json::from_value(reference[0]["geometry_anterior"].clone()).unwrap();
    assert_eq!(
        geo,
        vec![
            g.body.row_start as i64,
            g.body.row_end as i64,
            g.body.col_start as i64,
            g.body.col_end as i64,
            g.row_shift,
            g.col_shift
        ]
    );
    let (shape, ref_images) = read_npy::<f32>(&out.join("images.npy")).unwrap();
    assert_eq!(shape, vec![1, 640, 512]);
    let ref_image = Array2::from_shape_vec((640, 512), ref_images).unwrap();
    assert_eq!(
        prepared.image, ref_image,
        "prepared image differs from the NumPy reference"
    );

    // Otsu three-class mask (no lesions): NM = log1p(image) > threshold_otsu(log1p(image))
    let (_, ref_nm) = read_npy::<u8>(&out.join("nm.npy")).unwrap();
    let three = otsu_three_class(
        prepared.image.view(),
        Array2::<u8>::zeros((640, 512)).view(),
    )
    .unwrap();
    let ours: Vec<u8> = three.classes().iter().copied().collect();
    assert_eq!(ours, ref_nm);
    // by default (the 950-row cut counted) no histogram is derived; the mask is the same
    let no_m = Array2::<u8>::zeros((640, 512));
    assert!(prepared.value_counts.is_none());
    assert_eq!(
        prepared_otsu_three_class(&prepared, no_m.view()).unwrap(),
        three
    );
    // counting the kept rows, the mask through the histogram derived while normalising is the
    // image's own (posterior half: zeros)
    let kept_rows = PrepareConfig {
        brightness: BrightnessConfig {
            region: MeanRegion::KeptRows,
            ..Default::default()
        },
        ..PrepareConfig::default()
    };
    let kept = prepare_scan(&scan, &kept_rows).unwrap();
    assert!(kept.value_counts.is_some());
    assert_eq!(
        prepared_otsu_three_class(&kept, no_m.view()).unwrap(),
        otsu_three_class(kept.image.view(), no_m.view()).unwrap()
    );
}

#[test]
fn blank_saturated_and_invalid_views_are_typed_errors() {
    let pre = PrepareConfig::default().init().unwrap();
    let blank = Array2::<f32>::zeros((1024, 256));
    let e = pre.prepare_views(blank.view(), None).unwrap_err();
    assert!(
        matches!(
            e,
            PrepareError::BlankView {
                side: ViewName::Anterior,
                ..
            }
        ),
        "{e}"
    );

    let mut body = Array2::<f32>::zeros((1024, 256));
    for ((r, c), v) in body.indexed_iter_mut() {
        if (100..900).contains(&r) && (60..200).contains(&c) {
            *v = 10.0 + ((r * 7 + c * 3) % 23) as f32;
        }
    }
    let saturated = Array2::<f32>::from_elem((1024, 256), 65535.0);
    let e = pre
        .prepare_views(body.view(), Some(saturated.view()))
        .unwrap_err();
    assert!(
        matches!(
            e,
            PrepareError::SaturatedView {
                side: ViewName::Posterior,
                ..
            }
        ),
        "{e}"
    );

    let mut nan = body.clone();
    nan[[5, 7]] = f32::NAN;
    let e = pre.prepare_views(nan.view(), None).unwrap_err();
    assert!(
        matches!(e, PrepareError::InvalidCounts { row: 5, col: 7, .. }),
        "{e}"
    );

    // a textured body: prepared, never NaN
    let ok = pre.prepare_views(body.view(), Some(body.view())).unwrap();
    assert!(ok.image.iter().all(|v| v.is_finite()));
    assert!(!ok.posterior_missing);
}

#[test]
fn invalid_configs_are_rejected() {
    let c = PrepareConfig {
        keep_rows: 1000,
        ..Default::default()
    };
    assert_eq!(c.validate().unwrap_err().field, "keep_rows");
    let mut c = PrepareConfig::default();
    c.brightness.target_mean = 20.0;
    assert_eq!(c.validate().unwrap_err().field, "brightness.target_mean");
    let mut c = PrepareConfig::default();
    c.brightness.tolerance = f64::NAN;
    assert!(c.init().is_err());
}
