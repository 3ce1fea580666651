//! Storage layout (b) of the bs-dicom issue: one single-frame NM object per view. Two such
//! files of one study/series are one scan with both views — predicted exactly as the 2-frame
//! object holding the same two views — while a lone anterior view is a scan whose posterior is
//! reported missing and a lone posterior view is reported as unpaired, not predicted.

use std::path::{Path, PathBuf};

use bs_dicom::write::{build_whole_body_nm, derived_uid, NmWriteMeta, IMPLEMENTATION_CLASS_UID};
use bs_model::{DoubleUNetConfig, Variant};
use bs_predict::{batch, resolve, ModelRequest, PredictConfig, Predictor};
use dicom_core::value::DataSetSequence;
use dicom_core::{DataElement, PrimitiveValue, VR};
use dicom_dictionary_std::{tags, uids};
use dicom_object::meta::FileMetaTableBuilder;
use dicom_object::InMemDicomObject;
use ndarray::ArrayView2;
use serde_json::Value;
use tch::nn::VarStore;
use tch::Device;

/// Writes one view as a single-frame NM object: the 2-frame object of bs-dicom's writer cut
/// down to one frame, one detector whose View Code Sequence names the view, and its own SOP
/// Instance UID (study and series from `meta`).
fn write_single_view(path: &Path, view: ArrayView2<u16>, meta: &NmWriteMeta, anterior: bool) {
    let mut obj = build_whole_body_nm(path, view, view, meta).unwrap();
    let (code, meaning, word) = if anterior {
        ("G-5215", "Anterior projection", "ant")
    } else {
        ("G-5216", "Posterior projection", "post")
    };
    let sop = derived_uid(&[&meta.sop_instance_uid, word]);
    let us = |tag, v: u16| DataElement::new(tag, VR::US, PrimitiveValue::from(v));
    let text = |tag, vr, v: &str| DataElement::new(tag, vr, PrimitiveValue::from(v));
    obj.put(text(tags::SOP_INSTANCE_UID, VR::UI, &sop));
    obj.put(text(tags::NUMBER_OF_FRAMES, VR::IS, "1"));
    obj.put(us(tags::ENERGY_WINDOW_VECTOR, 1));
    obj.put(us(tags::DETECTOR_VECTOR, 1));
    obj.put(us(tags::NUMBER_OF_DETECTORS, 1));
    let code_item = InMemDicomObject::from_element_iter([
        text(tags::CODE_VALUE, VR::SH, code),
        text(tags::CODING_SCHEME_DESIGNATOR, VR::SH, "SRT"),
        text(tags::CODE_MEANING, VR::LO, meaning),
    ]);
    let detector = InMemDicomObject::from_element_iter([DataElement::new(
        tags::VIEW_CODE_SEQUENCE,
        VR::SQ,
        DataSetSequence::from(vec![code_item]),
    )]);
    obj.put(DataElement::new(
        tags::DETECTOR_INFORMATION_SEQUENCE,
        VR::SQ,
        DataSetSequence::from(vec![detector]),
    ));
    let pixels: Vec<u16> = view.iter().copied().collect();
    obj.put(DataElement::new(
        tags::PIXEL_DATA,
        VR::OW,
        PrimitiveValue::U16(pixels.into()),
    ));
    obj.with_meta(
        FileMetaTableBuilder::new()
            .transfer_syntax(uids::EXPLICIT_VR_LITTLE_ENDIAN)
            .implementation_class_uid(IMPLEMENTATION_CLASS_UID),
    )
    .unwrap()
    .write_to_file(path)
    .unwrap();
}

fn read_json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// SOP Instance UIDs the SEG references (Referenced Series Sequence → Referenced Instance
/// Sequence).
fn seg_references(path: &Path) -> Vec<String> {
    let obj = dicom_object::open_file(path).unwrap();
    let mut out = Vec::new();
    for series in obj
        .element(tags::REFERENCED_SERIES_SEQUENCE)
        .unwrap()
        .items()
        .unwrap()
    {
        for inst in series
            .element(tags::REFERENCED_INSTANCE_SEQUENCE)
            .unwrap()
            .items()
            .unwrap()
        {
            out.push(
                inst.element(tags::REFERENCED_SOP_INSTANCE_UID)
                    .unwrap()
                    .to_str()
                    .unwrap()
                    .trim_end_matches('\0')
                    .to_string(),
            );
        }
    }
    out.sort();
    out
}

#[test]
fn two_single_view_files_are_one_scan_with_both_views() {
    let tmp = tempfile::tempdir().unwrap();
    let cfg = DoubleUNetConfig::new(Variant::ThreeClass)
        .with_width_multiplier(0.0625)
        .with_input_size(32, 32);
    tch::manual_seed(5);
    let vs = VarStore::new(Device::Cpu);
    let _net = cfg.init(&vs.root()).unwrap();
    let ckpt = tmp.path().join("model.safetensors");
    bs_model::checkpoint::save(&vs, &cfg, &ckpt).unwrap();
    let spec = resolve(&ModelRequest::new(&ckpt)).unwrap();
    // threshold low enough that the random network marks pixels M, so mask equality means
    // something
    let predictor = Predictor::new(
        &spec,
        PredictConfig {
            threshold: Some(0.3),
            ..PredictConfig::default()
        },
    )
    .unwrap();

    let cohort = bs_phantom::CohortSpec::small();
    let patients = cohort.patients();
    let gen = |k: usize| bs_phantom::generate_patient(6, &patients[k], &cohort.phantom);
    let (p1, p2, p3) = (gen(0), gen(1), gen(2));
    let scans = tmp.path().join("scans");
    std::fs::create_dir_all(scans.join("study1")).unwrap();
    // patient 1: one file per view, in a sub-directory; the file names do not say the view
    let meta1 = NmWriteMeta::synthetic(&patients[0].patient_id, 6);
    let (a1, b1) = (scans.join("study1/img1.dcm"), scans.join("study1/img2.dcm"));
    // written posterior first under the first name: the scanner must put the anterior first
    write_single_view(&a1, p1.posterior.view(), &meta1, false);
    write_single_view(&b1, p1.anterior.view(), &meta1, true);
    // patient 2: a lone anterior view; patient 3: a lone posterior view
    let lone_ant = scans.join("lone_ant.dcm");
    write_single_view(
        &lone_ant,
        p2.anterior.view(),
        &NmWriteMeta::synthetic(&patients[1].patient_id, 6),
        true,
    );
    let lone_post = scans.join("lone_post.dcm");
    write_single_view(
        &lone_post,
        p3.posterior.view(),
        &NmWriteMeta::synthetic(&patients[2].patient_id, 6),
        false,
    );
    // reference: patient 1's views in one 2-frame object, elsewhere
    let reference = tmp.path().join("reference/two_frame.dcm");
    std::fs::create_dir_all(reference.parent().unwrap()).unwrap();
    bs_dicom::write::write_whole_body_nm(
        &reference,
        p1.anterior.view(),
        p1.posterior.view(),
        &meta1,
    )
    .unwrap();

    let inputs = batch::collect_scans(std::slice::from_ref(&scans)).unwrap();
    let files: Vec<Vec<PathBuf>> = inputs.iter().map(|s| s.files.clone()).collect();
    assert_eq!(
        files,
        [
            vec![lone_ant.clone()],
            vec![lone_post.clone()],
            vec![b1.clone(), a1.clone()],
        ],
        "four files, three scans; the pair anterior first"
    );
    assert!(inputs[0].skipped.is_none() && inputs[2].skipped.is_none());
    assert!(inputs[1].skipped.is_some());

    let out = tmp.path().join("out");
    let summary = batch::predict_all(&predictor, &inputs, &out, &|_, _| {}).unwrap();
    assert_eq!((summary.succeeded, summary.failed), (2, 1), "{summary:#?}");
    let [lone, unpaired, pair] = &summary.scans[..] else {
        panic!("three outcomes: {summary:#?}")
    };
    assert_eq!(pair.files, [b1.clone(), a1.clone()]);
    assert_eq!(pair.input, b1);
    assert_eq!(pair.posterior_present, Some(true));
    assert_eq!(lone.posterior_present, Some(false));
    let err = unpaired.error.as_deref().unwrap();
    assert!(
        err.contains("lone_post.dcm") && err.contains("unpaired posterior"),
        "{err}"
    );
    assert!(unpaired.output.is_none());

    // the pair: both views, named after the anterior file
    let pair_dir = out.join("img2");
    assert_eq!(pair.output.as_deref(), Some(pair_dir.as_path()));
    let report = read_json(&pair_dir.join("report.json"));
    assert_eq!(report["posterior"]["status"], "present");
    assert_eq!(report["total"]["views"], 2);
    assert!(pair_dir.join("mask_posterior.png").is_file());
    // the SEG references both source instances
    let sop = |p: &Path| {
        dicom_object::open_file(p)
            .unwrap()
            .element(tags::SOP_INSTANCE_UID)
            .unwrap()
            .to_str()
            .unwrap()
            .trim_end_matches('\0')
            .to_string()
    };
    let mut want = vec![sop(&a1), sop(&b1)];
    want.sort();
    assert_eq!(seg_references(&pair_dir.join("seg.dcm")), want);

    // the lone anterior view: the posterior is reported missing, not invented
    let lone_dir = out.join("lone_ant");
    let report = read_json(&lone_dir.join("report.json"));
    assert_eq!(report["posterior"]["status"], "missing");
    assert_eq!(report["total"]["views"], 1);
    assert!(lone_dir.join("mask_anterior.png").is_file());
    assert!(!lone_dir.join("mask_posterior.png").exists());
    assert!(!out.join("lone_post").exists());

    // the pair predicts exactly what the 2-frame object of the same views predicts
    let ref_out = tmp.path().join("out_reference");
    let ref_summary = batch::predict_all(
        &predictor,
        &batch::collect_scans(std::slice::from_ref(&reference)).unwrap(),
        &ref_out,
        &|_, _| {},
    )
    .unwrap();
    assert_eq!(ref_summary.succeeded, 1);
    let mut marked = 0;
    for mask in ["mask_anterior.png", "mask_posterior.png"] {
        let got = image::open(pair_dir.join(mask)).unwrap().to_luma8();
        let want = image::open(ref_out.join("two_frame").join(mask))
            .unwrap()
            .to_luma8();
        assert_eq!(got.dimensions(), (256, 1024));
        assert!(got == want, "{mask} differs from the 2-frame object's");
        marked += got.pixels().filter(|p| p.0[0] == 255).count();
    }
    assert!(marked > 0, "the comparison saw M pixels");
    let r1 = read_json(&pair_dir.join("report.json"));
    let r2 = read_json(&ref_out.join("two_frame/report.json"));
    assert_eq!(r1["total"], r2["total"]);
    assert_eq!(r1["anterior"], r2["anterior"]);
    assert_eq!(r1["posterior"], r2["posterior"]);
    // and the views came from the files that hold them
    let prepared = predictor.read_and_prepare_files(&[b1.clone(), a1]).unwrap();
    assert_eq!(prepared.path, b1);
    assert_eq!(
        prepared.scan.anterior.pixels,
        p1.anterior.mapv(|v| v as f32)
    );
}
