//! Fuzz target: any bytes as the cohort table (`manifest.json` of a bs-phantom cohort or a
//! clinic's patient list) give the patients or a typed error, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

mod scratch;

fuzz_target!(|data: &[u8]| {
    let path = scratch::dir().join("cohort.json");
    std::fs::write(&path, data).expect("scratch file");
    if let Ok(patients) = bs_preprocess::dataset::read_cohort_manifest(&path) {
        for (id, info) in &patients {
            assert_eq!(id, &info.patient_id);
        }
    }
});
