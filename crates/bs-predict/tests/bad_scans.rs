//! One bad scan does not stop the others: a view of another matrix size is refused with an
//! error naming the file and the sizes, and the good scan beside it is predicted.

use bs_model::{DoubleUNetConfig, Variant};
use bs_predict::{batch, resolve, ModelRequest, PredictConfig, Predictor};
use ndarray::Array2;
use tch::nn::VarStore;
use tch::Device;

#[test]
fn a_scan_of_another_view_size_is_reported_and_the_others_go_on() {
    let tmp = tempfile::tempdir().unwrap();
    // a lone checkpoint (paper preprocessing by default), tiny network
    let cfg = DoubleUNetConfig::new(Variant::ThreeClass)
        .with_width_multiplier(0.0625)
        .with_input_size(32, 32);
    tch::manual_seed(3);
    let vs = VarStore::new(Device::Cpu);
    let _net = cfg.init(&vs.root()).unwrap();
    let ckpt = tmp.path().join("model.safetensors");
    bs_model::checkpoint::save(&vs, &cfg, &ckpt).unwrap();
    let spec = resolve(&ModelRequest::new(&ckpt)).unwrap();
    assert!(spec.identity.preprocessing_source.contains("default"));

    let scans = tmp.path().join("scans");
    std::fs::create_dir_all(&scans).unwrap();
    let spec_cohort = bs_phantom::CohortSpec::small();
    let p = &spec_cohort.patients()[0];
    let patient = bs_phantom::generate_patient(4, p, &spec_cohort.phantom);
    let meta = bs_dicom::write::NmWriteMeta::synthetic(&p.patient_id, 4);
    let good = scans.join("good.dcm");
    bs_dicom::write::write_whole_body_nm(
        &good,
        patient.anterior.view(),
        patient.posterior.view(),
        &meta,
    )
    .unwrap();
    let small = scans.join("small.dcm");
    let half = Array2::from_shape_fn((512, 128), |(r, c)| patient.anterior[[2 * r, 2 * c]]);
    let meta2 = bs_dicom::write::NmWriteMeta::synthetic("SMALL", 4);
    bs_dicom::write::write_whole_body_nm(&small, half.view(), half.view(), &meta2).unwrap();

    let predictor = Predictor::new(&spec, PredictConfig::default()).unwrap();
    let inputs = batch::collect_scans(std::slice::from_ref(&scans)).unwrap();
    assert_eq!(
        inputs,
        [
            batch::ScanInput::single(good.clone()),
            batch::ScanInput::single(small.clone())
        ]
    );
    let out = tmp.path().join("out");
    let summary = batch::predict_all(&predictor, &inputs, &out, &|_, _| {}).unwrap();
    assert_eq!((summary.succeeded, summary.failed), (1, 1));
    let err = summary.scans[1].error.as_deref().unwrap();
    assert!(
        err.contains("small.dcm") && err.contains("512×128") && err.contains("1024×256"),
        "{err}"
    );
    assert_eq!(summary.scans[0].posterior_present, Some(true));
    for f in [
        "overlay.png",
        "mask_anterior.png",
        "mask_posterior.png",
        "report.json",
        "seg.dcm",
    ] {
        assert!(out.join("good").join(f).is_file(), "{f}");
    }
    assert!(!out.join("small").exists(), "no outputs for a refused scan");
    assert!(out.join("summary.json").is_file());
}
