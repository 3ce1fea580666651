//! Seed corpora of the fuzz targets of bs-preprocess and bs-masks, made from the project's own
//! data: bs-phantom's `small` cohort (Labelme files, cohort table) and the data set
//! bs-preprocess prepares from it, cropped to 32×32 so that the fuzzer mutates small inputs.
//!
//! ```text
//! cargo run -p bs-preprocess --example fuzz_seeds -- OUT
//! ```
//! writes `OUT/{labelme,cohort_manifest,npy,prepared_dataset}/`.

use std::path::{Path, PathBuf};

use bs_phantom::cohort::CohortSpec;
use bs_phantom::output::write_cohort;
use bs_preprocess::dataset::npy::write_npy;
use bs_preprocess::dataset::{
    build_dataset, discover_cohort, phantom_layout, read_cohort_manifest, BuildOptions,
    PreparedDataset,
};
use ndarray::s;

/// Side of the cropped prepared images.
const SIDE: usize = 32;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let out = PathBuf::from(std::env::args().nth(1).ok_or("usage: fuzz_seeds OUT")?);
    let work = out.join("work");
    let cohort = work.join("cohort");
    write_cohort(&cohort, &CohortSpec::small(), 7, &|| {})?;
    let dicom = cohort.join("dicom");
    let (labels, manifest) = phantom_layout(&dicom);
    let (labels, manifest) = (labels.ok_or("no labels")?, manifest.ok_or("no manifest")?);
    copy_into(
        &out.join("cohort_manifest"),
        std::slice::from_ref(&manifest),
    )?;
    let mut label_files: Vec<PathBuf> = std::fs::read_dir(&labels)?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<_, _>>()?;
    label_files.sort();
    label_files.truncate(4);
    copy_into(&out.join("labelme"), &label_files)?;

    let facts = read_cohort_manifest(&manifest)?;
    let mut items = discover_cohort(&[dicom], Some(&labels), Some(&facts))?;
    items.truncate(2);
    let prepared = work.join("prepared");
    build_dataset(&items, &prepared, &BuildOptions::default())?;
    let set = PreparedDataset::load(&prepared)?;
    write_small_set(&set, &out.join("npy"), &out.join("prepared_dataset"))?;
    std::fs::remove_dir_all(&work)?;
    Ok(())
}

fn copy_into(dir: &Path, files: &[PathBuf]) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    for f in files {
        std::fs::copy(f, dir.join(f.file_name().expect("a file")))?;
    }
    Ok(())
}

/// The data set cropped to SIDE×SIDE (its manifest says so), as separate `.npy` seeds and as
/// one packed seed of the `prepared_dataset` target (manifest, images, lesion, body; each but
/// the last preceded by its length as a little-endian u32).
fn write_small_set(
    set: &PreparedDataset,
    npy_dir: &Path,
    packed_dir: &Path,
) -> Result<(), Box<dyn std::error::Error>> {
    std::fs::create_dir_all(npy_dir)?;
    std::fs::create_dir_all(packed_dir)?;
    let n = set.len();
    let crop = |a: ndarray::ArrayView2<'_, f32>| a.slice(s![..SIDE, ..SIDE]).to_owned();
    let images: Vec<f32> = (0..n).flat_map(|i| crop(set.image(i))).collect();
    let crop_u8 = |a: ndarray::ArrayView2<'_, u8>| a.slice(s![..SIDE, ..SIDE]).to_owned();
    let lesion: Vec<u8> = (0..n).flat_map(|i| crop_u8(set.lesion_mask(i))).collect();
    let body: Vec<u8> = (0..n).flat_map(|i| crop_u8(set.body_mask(i))).collect();
    let shape = [n, SIDE, SIDE];
    write_npy(&npy_dir.join("images.npy"), &shape, &images)?;
    write_npy(&npy_dir.join("lesion.npy"), &shape, &lesion)?;
    write_npy(&npy_dir.join("body.npy"), &shape, &body)?;

    let mut manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(set.dir().join("manifest.json"))?)?;
    manifest["rows"] = SIDE.into();
    manifest["cols"] = SIDE.into();
    manifest["config"]["keep_rows"] = SIDE.into();
    manifest["config"]["cut_rows"] = SIDE.into();
    manifest["config"]["cut_cols"] = (SIDE / 2).into();
    let mut packed = Vec::new();
    let manifest = serde_json::to_vec(&manifest)?;
    for part in [&manifest, &std::fs::read(npy_dir.join("images.npy"))?] {
        packed.extend((part.len() as u32).to_le_bytes());
        packed.extend_from_slice(part);
    }
    packed.extend((std::fs::read(npy_dir.join("lesion.npy"))?.len() as u32).to_le_bytes());
    packed.extend(std::fs::read(npy_dir.join("lesion.npy"))?);
    packed.extend(std::fs::read(npy_dir.join("body.npy"))?);
    std::fs::write(packed_dir.join("small-set.bin"), packed)?;
    Ok(())
}
