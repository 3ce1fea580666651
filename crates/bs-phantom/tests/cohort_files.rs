//! The written `small` cohort against independent readers: pydicom reads every DICOM as NM with
//! 2 frames of 1024×256 holding exactly the generated counts; Labelme polygons rasterised the
//! way labelme does it (Pillow `ImageDraw.polygon` with outline and fill) match each lesion's
//! ground-truth pixels (IoU ≥ 0.8); masks hold exactly the lesion pixels; negatives have none;
//! the same seed gives byte-identical files and another seed different ones.

use std::collections::HashSet;
use std::path::Path;

use bs_masks::labelme::{rasterize_shape, LabelmeDocument};
use bs_phantom::{generate_cohort, write_cohort, CohortSpec};

const SEED: u64 = 11;

fn files_under(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for sub in ["dicom", "images", "labelme", "masks"] {
        for e in std::fs::read_dir(dir.join(sub)).unwrap() {
            out.push(e.unwrap().path());
        }
    }
    out.push(dir.join("manifest.csv"));
    out.push(dir.join("manifest.json"));
    out.sort();
    out
}

const PY_CHECK: &str = r#"
import json, sys
import numpy as np, pydicom
from PIL import Image, ImageDraw
cases = json.load(open(sys.argv[1]))
worst = 1.0
for p in cases["patients"]:
    ds = pydicom.dcmread(p["dicom"])
    assert ds.Modality == "NM", ds.Modality
    assert int(ds.NumberOfFrames) == 2, ds.NumberOfFrames
    assert (ds.Rows, ds.Columns) == (1024, 256), (ds.Rows, ds.Columns)
    px = ds.pixel_array.astype(np.int64)
    assert px.shape == (2, 1024, 256), px.shape
    assert [int(px[0].sum()), int(px[1].sum())] == p["sums"], (p["dicom"], px[0].sum(), px[1].sum(), p["sums"])
    doc = json.load(open(p["labelme"]))
    assert doc["version"] == "4.5.9" and doc["imageData"] is None
    assert (doc["imageHeight"], doc["imageWidth"]) == (1024, 512)
    img = Image.open(p["image"]); assert img.size == (512, 1024), img.size
    for lesion in p["lesions"]:
        # labelme.utils.shape_to_mask for polygons
        canvas = Image.fromarray(np.zeros((1024, 512), dtype=np.uint8))
        draw = ImageDraw.Draw(canvas)
        for k in lesion["shapes"]:
            s = doc["shapes"][k]
            assert s["label"] == "metastasis" and s["shape_type"] == "polygon" and s["group_id"] is None
            draw.polygon([tuple(pt) for pt in s["points"]], outline=1, fill=1)
        got = np.array(canvas, dtype=bool)
        want = np.zeros((1024, 512), dtype=bool)
        rc = np.array(lesion["pixels"])
        want[rc[:, 0], rc[:, 1]] = True
        iou = (got & want).sum() / (got | want).sum()
        worst = min(worst, iou)
        assert iou >= 0.8, (p["labelme"], lesion["shapes"], iou, int(got.sum()), int(want.sum()), [doc["shapes"][k]["points"] for k in lesion["shapes"]], rc.tolist())
print(json.dumps({"patients": len(cases["patients"]), "worst_iou": worst}))
"#;

#[test]
fn small_cohort_is_read_back_by_pydicom_and_labelme_rasterisation() {
    let spec = CohortSpec::small();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("a");
    let manifest = write_cohort(&dir, &spec, SEED, &|| {}).unwrap();
    assert_eq!(manifest.patients.len(), 12);
    let patients = generate_cohort(&spec, SEED);

    let mut cases = Vec::new();
    let mut lesion_total = 0;
    for (p, entry) in patients.iter().zip(&manifest.patients) {
        assert_eq!(p.patient_id, entry.patient_id);
        let gt = p.lesion_mask();
        // the mask PNG holds exactly the ground truth
        let png = image::open(dir.join(&entry.mask)).unwrap().into_luma8();
        assert_eq!(png.dimensions(), (512, 1024));
        for ((r, c), &m) in gt.indexed_iter() {
            assert_eq!(
                png.get_pixel(c as u32, r as u32).0[0] == 255,
                m,
                "{} ({r},{c})",
                entry.mask
            );
        }
        if p.group.metastatic() {
            assert!(!p.lesions.is_empty(), "{} has no lesion", p.patient_id);
            assert!(gt.iter().any(|&m| m));
        } else {
            assert!(
                p.lesions.is_empty() && !gt.iter().any(|&m| m),
                "{} negative with M",
                p.patient_id
            );
        }
        let doc = LabelmeDocument::from_path(dir.join(&entry.labelme)).unwrap();
        let mut lesions = Vec::new();
        for (l, pixels) in entry.lesions.iter().zip(&p.lesion_pixels) {
            assert!(!l.labelme_shapes.is_empty());
            // Rust-side check: labelme's rasterisation as bs-masks reproduces it
            let mut got = HashSet::new();
            for &k in &l.labelme_shapes {
                let mask = rasterize_shape(&doc, k, 512, 1024).unwrap();
                got.extend(mask.indexed_iter().filter(|&(_, &m)| m).map(|(rc, _)| rc));
            }
            let want: HashSet<(usize, usize)> = pixels.iter().copied().collect();
            let iou = got.intersection(&want).count() as f64 / got.union(&want).count() as f64;
            assert!(
                iou >= 0.8,
                "{} lesion {:?}: IoU {iou}",
                p.patient_id,
                l.labelme_shapes
            );
            lesions.push(serde_json::json!({"shapes": l.labelme_shapes, "pixels": pixels}));
            lesion_total += 1;
        }
        let sum = |a: &ndarray::Array2<u16>| a.iter().map(|&v| u64::from(v)).sum::<u64>();
        cases.push(serde_json::json!({
            "dicom": dir.join(&entry.dicom),
            "labelme": dir.join(&entry.labelme),
            "image": dir.join(&entry.image),
            "sums": [sum(&p.anterior), sum(&p.posterior)],
            "lesions": lesions,
        }));
    }
    assert!(
        lesion_total >= 8,
        "only {lesion_total} lesions in the small cohort"
    );
    let cases_path = tmp.path().join("cases.json");
    std::fs::write(
        &cases_path,
        serde_json::json!({ "patients": cases }).to_string(),
    )
    .unwrap();
    let out = bs_testdata::run_python(PY_CHECK, &[cases_path.to_str().unwrap()]);
    let report: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(report["patients"], 12);
    println!("pydicom + Pillow: {report}");

    // manifest CSV: header + one row per patient, group counts as specified
    let csv = std::fs::read_to_string(dir.join("manifest.csv")).unwrap();
    assert_eq!(csv.lines().count(), 13);
    assert_eq!(csv.lines().filter(|l| l.contains(",D3,")).count(), 4);

    // same seed → byte-identical cohort; another seed → different scans
    let again = tmp.path().join("b");
    write_cohort(&again, &spec, SEED, &|| {}).unwrap();
    let (fa, fb) = (files_under(&dir), files_under(&again));
    assert_eq!(fa.len(), fb.len());
    for (a, b) in fa.iter().zip(&fb) {
        assert_eq!(a.file_name(), b.file_name());
        assert!(
            std::fs::read(a).unwrap() == std::fs::read(b).unwrap(),
            "{} differs between runs",
            a.display()
        );
    }
    let other = generate_cohort(&spec, SEED + 1);
    for (p, q) in patients.iter().zip(&other) {
        assert_ne!(
            p.anterior, q.anterior,
            "{} identical across seeds",
            p.patient_id
        );
        assert_ne!(p.body.height_cm, q.body.height_cm);
    }
}

#[test]
fn an_unreadable_spec_names_its_cause_once() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("absent.toml");
    let err = CohortSpec::from_path(&path).unwrap_err();
    assert!(
        matches!(err, bs_phantom::PhantomError::Io { .. }),
        "{err:?}"
    );
    let chain = bs_testdata::error_chain_reads_once(&err);
    assert_eq!(chain[0], format!("{}: I/O error", path.display()));
}

#[test]
fn a_real_scan_leads_the_contact_sheet_at_the_phantoms_windowing() {
    let scan = bs_dicom::read_scan(&bs_testdata::nm1_jpll(), &bs_dicom::ReadOptions::default())
        .expect("read NM1");
    let reference = bs_phantom::images::reference_counts(&scan);
    assert_eq!(reference.dim(), (1024, 512));
    // NM1 holds the anterior view only: the posterior half stays empty
    assert!(reference
        .slice(ndarray::s![.., 256..])
        .iter()
        .all(|&x| x == 0));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sheet.png");
    let spec = bs_phantom::CohortSpec::small();
    bs_phantom::output::write_contact_sheet(&path, &spec, 7, 1, Some(reference.view()))
        .expect("write sheet");
    let sheet = image::open(&path).unwrap().to_rgb8();
    // NM1 first, then one patient of each of the four data sets
    assert_eq!(sheet.dimensions(), (5 * 256, 512));
    // tile 0 is NM1 at half resolution, windowed 0 … 1.3 × its 99.5th percentile of non-zero
    // counts, inverted
    let mut nz: Vec<u16> = reference.iter().copied().filter(|&x| x > 0).collect();
    nz.sort_unstable();
    let top = f32::from(nz[((nz.len() - 1) as f64 * 0.995) as usize]) * 1.3;
    for (y, x) in [(200u32, 60u32), (150, 70), (400, 66)] {
        let (r, c) = (2 * y as usize, 2 * x as usize);
        let mean = [(0, 0), (0, 1), (1, 0), (1, 1)]
            .iter()
            .map(|&(dr, dc)| f32::from(reference[(r + dr, c + dc)]))
            .sum::<f32>()
            / 4.0;
        let want = 255 - (mean / top * 255.0).clamp(0.0, 255.0) as u8;
        assert_eq!(sheet.get_pixel(x, y).0, [want; 3], "pixel ({x}, {y})");
    }
    // no lesion outline on the real scan's tile
    let red = |p: &image::Rgb<u8>| p.0 == [230, 20, 20];
    assert!((0..512).all(|y| (1..256).all(|x| !red(sheet.get_pixel(x, y)))));
}
