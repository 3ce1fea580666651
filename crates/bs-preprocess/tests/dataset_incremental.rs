//! Batch preparation of a small cohort written as real 2-frame NM DICOM: the on-disk format
//! (checked with NumPy), labels in prepared coordinates, and incremental re-runs.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use bs_dicom::write::{write_whole_body_nm, NmWriteMeta};
use bs_masks::labelme::{rasterize, LabelMap, LabelmeDocument};
use bs_preprocess::dataset::{
    build_dataset, BuildOptions, CohortItem, Freshness, NmSource, PatientInfo, PreparedDataset,
};
use ndarray::{s, Array2};

/// A textured body of `height` rows starting at `top`, columns `left..left+width`.
fn view(top: usize, height: usize, left: usize, width: usize, seed: u64) -> Array2<u16> {
    Array2::from_shape_fn((1024, 256), |(r, c)| {
        if (top..top + height).contains(&r) && (left..left + width).contains(&c) {
            let h = (r as u64)
                .wrapping_mul(31)
                .wrapping_add((c as u64).wrapping_mul(17))
                .wrapping_add(seed);
            (8 + h % 25) as u16
        } else {
            (seed as usize + r + c) as u16 % 2 // air: 0–1 counts
        }
    })
}

fn write_scan(dir: &Path, id: &str, seed: u64) -> PathBuf {
    let path = dir.join(format!("{id}.dcm"));
    let top = 60 + seed as usize * 13;
    let ant = view(top, 780, 40 + seed as usize * 5, 150, seed);
    let post = view(top, 780, 60, 150, seed + 1);
    write_whole_body_nm(
        &path,
        ant.view(),
        post.view(),
        &NmWriteMeta::synthetic(id, seed),
    )
    .unwrap();
    path
}

/// A Labelme document on the raw 1024×512 AP|PA image: one lesion in each view.
fn write_labels(dir: &Path, id: &str, dx: f64) -> PathBuf {
    let path = dir.join(format!("{id}.json"));
    let json = format!(
        r#"{{"version": "5.4.1", "imageWidth": 512, "imageHeight": 1024, "imagePath": "{id}.png", "imageData": null, "flags": {{}},
        "shapes": [
          {{"label": "metastasis", "shape_type": "polygon", "group_id": null, "flags": {{}},
            "points": [[{x0}, 300.5], [{x1}, 310.2], [{x2}, 340.0], [{x0}, 335.0]]}},
          {{"label": "metastasis", "shape_type": "circle", "group_id": null, "flags": {{}},
            "points": [[380.0, 420.0], [386.0, 424.0]]}}
        ]}}"#,
        x0 = 100.0 + dx,
        x1 = 130.0 + dx,
        x2 = 125.0 + dx
    );
    std::fs::write(&path, json).unwrap();
    path
}

fn items(dir: &Path, labels: &Path) -> Vec<CohortItem> {
    (0..3u64)
        .map(|k| {
            let id = format!("P{k:03}");
            CohortItem {
                id: id.clone(),
                dicom: vec![dir.join(format!("{id}.dcm"))],
                labels: (k == 1).then(|| labels.to_path_buf()),
                patient: Some(PatientInfo {
                    patient_id: id,
                    group: Some(if k == 1 { "D1" } else { "D2" }.into()),
                    cancer: Some("breast".into()),
                    metastatic: Some(k == 1),
                    ..PatientInfo::default()
                }),
            }
        })
        .collect()
}

fn touch(path: &Path, later: u64) {
    let f = std::fs::File::options().write(true).open(path).unwrap();
    f.set_modified(SystemTime::now() + Duration::from_secs(later))
        .unwrap();
}

#[test]
fn cohort_prepares_loads_and_reruns_incrementally() {
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("dicom");
    let out = tmp.path().join("prepared");
    std::fs::create_dir_all(&src).unwrap();
    for k in 0..3 {
        write_scan(&src, &format!("P{k:03}"), k);
    }
    let labels = write_labels(&src, "P001", 0.0);
    let cohort = items(&src, &labels);
    let opts = BuildOptions {
        threads: Some(2),
        ..Default::default()
    };

    // first run: everything prepared
    let r = build_dataset(&cohort, &out, &opts).unwrap();
    assert_eq!(r.prepared, vec!["P000", "P001", "P002"]);
    assert!(r.reused.is_empty() && r.written);
    let d = PreparedDataset::load(&out).unwrap();
    assert_eq!(d.len(), 3);
    assert_eq!(d.image(0).dim(), (640, 512));
    assert_eq!(d.entries()[1].patient.group.as_deref(), Some("D1"));
    for i in 0..3 {
        assert!(!d.entries()[i].posterior_missing);
        for half in [s![.., ..256], s![.., 256..]] {
            let v = d.image(i).slice(half).to_owned();
            let mean = v.mean().unwrap() as f64;
            assert!(mean > 7.0 && mean < 14.0, "scan {i} mean {mean}");
        }
        assert!(out.join(format!("previews/P00{i}.png")).is_file());
    }

    // labels: rasterised on the raw AP|PA image, moved through the geometry
    let doc = LabelmeDocument::from_path(&labels).unwrap();
    let raw = rasterize(&doc, &LabelMap::new().with("metastasis", 1), 512, 1024).unwrap();
    let g = d.entries()[1].geometry;
    let expected = g
        .views_to_prepared(raw.slice(s![.., ..256]), Some(raw.slice(s![.., 256..])))
        .unwrap();
    assert_eq!(d.lesion_mask(1), expected.view());
    assert!(d.entries()[1].lesion_pixels > 100);
    assert_eq!(d.entries()[0].lesion_pixels, 0);
    // and back to the raw image exactly (every lesion pixel lies inside the kept region)
    let (ba, bp) = g.prepared_to_views(d.lesion_mask(1)).unwrap();
    assert_eq!(ba, raw.slice(s![.., ..256]));
    assert_eq!(bp.unwrap(), raw.slice(s![.., 256..]));
    let three = d.three_class(1, NmSource::Otsu).unwrap();
    assert_eq!(
        three.count(bs_masks::MaskClass::Metastasis),
        d.entries()[1].lesion_pixels
    );
    assert!(three.count(bs_masks::MaskClass::NonMetastatic) > 50_000);

    // NumPy reads the arrays the same way
    let py = bs_testdata::run_python(
        "import numpy as np, sys\nd = sys.argv[1]\ni = np.load(d + '/images.npy'); l = np.load(d + '/lesion.npy'); b = np.load(d + '/body.npy')\nprint(i.shape, i.dtype, l.dtype, float(i[1].astype(np.float64).sum()), int(l[1].sum()), int(b.sum()))",
        &[out.to_str().unwrap()],
    );
    let body_total: usize = d.entries().iter().map(|e| e.body_pixels).sum();
    let img1: f64 = d.image(1).iter().map(|&v| v as f64).sum();
    assert_eq!(
        py.trim(),
        format!(
            "(3, 640, 512) float32 uint8 {img1:?} {} {body_total}",
            d.entries()[1].lesion_pixels
        )
    );

    // second run: nothing to do, nothing written
    let manifest_time = std::fs::metadata(out.join("manifest.json"))
        .unwrap()
        .modified()
        .unwrap();
    let r = build_dataset(&cohort, &out, &opts).unwrap();
    assert!(r.prepared.is_empty() && !r.written, "{r:?}");
    assert_eq!(r.reused.len(), 3);
    assert_eq!(
        std::fs::metadata(out.join("manifest.json"))
            .unwrap()
            .modified()
            .unwrap(),
        manifest_time
    );

    // touching one scan redoes only that one (make-like freshness)
    touch(&src.join("P002.dcm"), 5);
    let r = build_dataset(&cohort, &out, &opts).unwrap();
    assert_eq!(r.prepared, vec!["P002"]);
    assert_eq!(r.reused, vec!["P000", "P001"]);
    let d2 = PreparedDataset::load(&out).unwrap();
    assert_eq!(d2.image(2), d.image(2));
    assert_eq!(d2.lesion_mask(1), d.lesion_mask(1));

    // content freshness: a touch alone is not a change…
    touch(&src.join("P000.dcm"), 10);
    let content = BuildOptions {
        freshness: Freshness::Content,
        ..opts.clone()
    };
    let r = build_dataset(&cohort, &out, &content).unwrap();
    assert!(r.prepared.is_empty(), "{r:?}");
    // …but edited labels are
    write_labels(&src, "P001", 20.0);
    touch(&labels, 15);
    let r = build_dataset(&cohort, &out, &content).unwrap();
    assert_eq!(r.prepared, vec!["P001"]);
    let d3 = PreparedDataset::load(&out).unwrap();
    assert_ne!(d3.lesion_mask(1), d.lesion_mask(1));

    // dropping a scan from the cohort rewrites without it
    let r = build_dataset(&cohort[..2], &out, &content).unwrap();
    assert_eq!(r.dropped, vec!["P002"]);
    assert!(r.written && r.prepared.is_empty());
    assert_eq!(PreparedDataset::load(&out).unwrap().len(), 2);
}

#[test]
fn a_broken_scan_names_itself() {
    let tmp = tempfile::tempdir().unwrap();
    let bad = tmp.path().join("broken.dcm");
    std::fs::write(&bad, b"not a dicom file").unwrap();
    let item = CohortItem {
        id: "broken".into(),
        dicom: vec![bad.clone()],
        labels: None,
        patient: None,
    };
    let e = build_dataset(&[item], &tmp.path().join("out"), &BuildOptions::default()).unwrap_err();
    let text = e.to_string();
    assert!(
        text.contains("broken") && text.contains("broken.dcm"),
        "{text}"
    );
}

#[test]
fn keep_going_leaves_out_a_broken_scan_and_prepares_the_others() {
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("dicom");
    let out = tmp.path().join("prepared");
    std::fs::create_dir_all(&src).unwrap();
    let mut cohort: Vec<CohortItem> = (0..2u64)
        .map(|k| {
            let id = format!("P{k:03}");
            CohortItem {
                dicom: vec![write_scan(&src, &id, k)],
                id,
                labels: None,
                patient: None,
            }
        })
        .collect();
    let bad = src.join("broken.dcm");
    std::fs::write(&bad, b"not a dicom file").unwrap();
    cohort.insert(
        1,
        CohortItem {
            id: "broken".into(),
            dicom: vec![bad.clone()],
            labels: None,
            patient: None,
        },
    );
    let opts = BuildOptions {
        keep_going: true,
        previews: false,
        ..Default::default()
    };
    let r = build_dataset(&cohort, &out, &opts).unwrap();
    assert_eq!(r.prepared, ["P000", "P001"]);
    assert_eq!(r.failed.len(), 1);
    assert_eq!(r.failed[0].id, "broken");
    assert_eq!(r.failed[0].path, bad);
    assert!(
        r.failed[0].reason.contains("broken.dcm"),
        "{}",
        r.failed[0].reason
    );
    let d = PreparedDataset::load(&out).unwrap();
    let ids: Vec<&str> = d.entries().iter().map(|e| e.id.as_str()).collect();
    assert_eq!(ids, ["P000", "P001"]);
}
