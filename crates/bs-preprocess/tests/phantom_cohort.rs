//! The `small` synthetic cohort of bs-phantom (real 2-frame NM DICOM + Labelme on the raw
//! 1024×512 AP|PA image) through cohort discovery and the batch builder.

use bs_phantom::cohort::CohortSpec;
use bs_phantom::output::write_cohort;
use bs_preprocess::dataset::{
    build_dataset, discover_cohort, phantom_layout, read_cohort_manifest, BuildOptions, NmSource,
    PreparedDataset,
};
use ndarray::s;

#[test]
fn small_synthetic_cohort_prepares_to_640x512_with_view_means_in_7_14() {
    let tmp = tempfile::tempdir().unwrap();
    let cohort_dir = tmp.path().join("cohort");
    write_cohort(&cohort_dir, &CohortSpec::small(), 7, &|| {}).unwrap();
    let dicom = cohort_dir.join("dicom");
    let (labels, manifest) = phantom_layout(&dicom);
    let facts = read_cohort_manifest(&manifest.expect("phantom manifest.json")).unwrap();
    let items = discover_cohort(&[dicom], labels.as_deref(), Some(&facts)).unwrap();
    assert_eq!(items.len(), 12);
    assert!(items
        .iter()
        .all(|i| i.labels.is_some() && i.patient.is_some()));

    // every scan holds 16-bit counts: read as such, it prepares to exactly what its f32
    // counts prepare to
    let pre = bs_preprocess::PrepareConfig::default().init().unwrap();
    let mut reader = bs_dicom::ScanReader::new(bs_dicom::ReadOptions::default());
    for item in &items {
        let counts = reader
            .read_counts_files(&item.dicom)
            .expect("16-bit counts");
        let floats = bs_dicom::read_scan_files(&item.dicom, reader.options()).unwrap();
        assert_eq!(counts.to_f32(), floats, "{}", item.id);
        assert_eq!(
            pre.prepare_scan(&counts).unwrap(),
            pre.prepare_scan(&floats).unwrap(),
            "{}",
            item.id
        );
        reader.recycle_counts(counts);
        let (prepared, meta) = pre.read_and_prepare(&mut reader, &item.dicom).unwrap();
        assert_eq!(prepared, pre.prepare_scan(&floats).unwrap(), "{}", item.id);
        assert_eq!(meta, floats.meta, "{}", item.id);
    }

    let out = tmp.path().join("prepared");
    let report = build_dataset(&items, &out, &BuildOptions::default()).unwrap();
    assert_eq!(report.prepared.len(), 12);
    let d = PreparedDataset::load(&out).unwrap();
    for (i, e) in d.entries().iter().enumerate() {
        assert_eq!(d.image(i).dim(), (640, 512));
        assert!(!e.posterior_missing);
        for half in [s![.., ..256], s![.., 256..]] {
            let mean = d.image(i).slice(half).mean().unwrap();
            assert!(mean > 7.0 && mean < 14.0, "{} mean {mean}", e.id);
        }
        let metastatic = e.patient.metastatic.unwrap();
        assert_eq!(
            metastatic,
            matches!(e.patient.group.as_deref(), Some("D1" | "D3"))
        );
        if !metastatic {
            assert_eq!(e.lesion_pixels, 0, "{}", e.id);
        }

        // lesion labels (Labelme polygons) agree with the phantom's exact mask, both moved
        // through the same geometry
        let gt =
            bs_masks::png::read_class_png(cohort_dir.join(format!("masks/{}.png", e.id))).unwrap();
        let gt_prepared = e
            .geometry
            .views_to_prepared(gt.slice(s![.., ..256]), Some(gt.slice(s![.., 256..])))
            .unwrap();
        let lesion = d.lesion_mask(i);
        let inter = lesion
            .iter()
            .zip(&gt_prepared)
            .filter(|(&a, &b)| a != 0 && b != 0)
            .count();
        let union = lesion
            .iter()
            .zip(&gt_prepared)
            .filter(|(&a, &b)| a != 0 || b != 0)
            .count();
        if union > 0 {
            let iou = inter as f64 / union as f64;
            assert!(iou > 0.7, "{}: Labelme vs exact mask IoU {iou}", e.id);
        }
        let three = d.three_class(i, NmSource::Otsu).unwrap();
        assert_eq!(
            three.count(bs_masks::MaskClass::Metastasis),
            e.lesion_pixels
        );
    }
}
