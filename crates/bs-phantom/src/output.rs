//! Writing a cohort to disk: DICOM, exported image, Labelme JSON, exact mask, manifest.
//!
//! Layout under the output directory:
//! - `dicom/<id>.dcm` – 2-frame NM whole-body object (frame 1 anterior, frame 2 posterior
//!   mirrored as acquired), written by `bs_dicom::write::write_whole_body_nm`;
//! - `images/<id>.png` – the exported merged image (`1024 × 512`, AP‖PA) the annotations refer to;
//! - `labelme/<id>.json` – Labelme 4.5.9 polygons on that image (see [`crate::labelme`]);
//! - `masks/<id>.png` – exact ground truth on the same grid, 255 = metastasis;
//! - `manifest.csv`, `manifest.json` – one entry per patient.

use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde::Serialize;

use crate::cohort::CohortSpec;
use crate::confounder::Confounder;
use crate::error::{PhantomError, Result};
use crate::images::{export_image, mask_image};
use crate::labelme::labelme_document;
use crate::lesion::Lesion;
use crate::patient::{generate_patient, SyntheticPatient};
use crate::VIEW_COLS;

/// One manifest row.
#[derive(Debug, Clone, Serialize)]
pub struct ManifestEntry {
    /// Synthetic patient ID.
    pub patient_id: String,
    /// "D1".."D4".
    pub group: String,
    /// "breast" or "prostate".
    pub cancer: String,
    /// "female" or "male".
    pub sex: String,
    /// Age in years.
    pub age: u32,
    /// Height in cm.
    pub height_cm: f32,
    /// Whether the group has metastases.
    pub metastatic: bool,
    /// Superscan pattern.
    pub superscan: bool,
    /// Number of labelled lesions.
    pub lesion_count: usize,
    /// Site of each lesion.
    pub lesion_sites: Vec<String>,
    /// M pixels in the anterior and posterior halves.
    pub m_pixels: [usize; 2],
    /// Confounders present (`kind: detail`).
    pub confounders: Vec<String>,
    /// Paths relative to the cohort directory.
    pub dicom: String,
    /// Exported image.
    pub image: String,
    /// Labelme document.
    pub labelme: String,
    /// Ground-truth mask.
    pub mask: String,
    /// Full lesion records (JSON manifest only), each with its Labelme shape indices.
    pub lesions: Vec<LesionEntry>,
}

/// A lesion in the JSON manifest.
#[derive(Debug, Clone, Serialize)]
pub struct LesionEntry {
    /// The lesion.
    #[serde(flatten)]
    pub lesion: Lesion,
    /// Indices into the Labelme document's `shapes`.
    pub labelme_shapes: Vec<usize>,
}

/// The JSON manifest.
#[derive(Debug, Clone, Serialize)]
pub struct CohortManifest {
    /// Cohort name.
    pub name: String,
    /// Seed.
    pub seed: u64,
    /// Generator crate and version.
    pub generator: String,
    /// Coordinates of Labelme documents and masks.
    pub annotation_grid: String,
    /// One entry per patient, Table 1 order.
    pub patients: Vec<ManifestEntry>,
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> PhantomError + '_ {
    move |source| PhantomError::Io {
        path: path.to_path_buf(),
        source,
    }
}

fn write_png(img: &image::GrayImage, path: &Path) -> Result<()> {
    img.save_with_format(path, image::ImageFormat::Png)
        .map_err(|source| PhantomError::Image {
            path: path.to_path_buf(),
            source,
        })
}

fn write_json<T: Serialize>(value: &T, path: &Path) -> Result<()> {
    let text = serde_json::to_string_pretty(value).map_err(|source| PhantomError::Json {
        path: path.to_path_buf(),
        source,
    })?;
    std::fs::write(path, text + "\n").map_err(io(path))
}

/// Writes one patient's files under `dir` (subdirectories must exist) and returns its entry.
pub fn write_patient(dir: &Path, patient: &SyntheticPatient, seed: u64) -> Result<ManifestEntry> {
    let id = &patient.patient_id;
    let rel = |sub: &str, ext: &str| format!("{sub}/{id}.{ext}");
    let (dicom, image, labelme, mask) = (
        rel("dicom", "dcm"),
        rel("images", "png"),
        rel("labelme", "json"),
        rel("masks", "png"),
    );

    let dicom_path = dir.join(&dicom);
    let meta = bs_dicom::write::NmWriteMeta::synthetic(id, seed);
    bs_dicom::write::write_whole_body_nm(
        &dicom_path,
        patient.anterior.view(),
        patient.posterior.view(),
        &meta,
    )
    .map_err(|source| PhantomError::Dicom {
        path: dicom_path.clone(),
        source,
    })?;

    write_png(
        &export_image(patient.merged_counts().view()),
        &dir.join(&image),
    )?;
    let gt = patient.lesion_mask();
    write_png(&mask_image(gt.view()), &dir.join(&mask))?;
    let (doc, shapes) = labelme_document(patient, &format!("../{image}"));
    write_json(&doc, &dir.join(&labelme))?;

    let m_ap = gt
        .indexed_iter()
        .filter(|&((_, c), &m)| m && c < VIEW_COLS)
        .count();
    let m_pa = gt.iter().filter(|&&m| m).count() - m_ap;
    let conf = |c: &Confounder| format!("{}: {}", c.kind.name(), c.detail);
    Ok(ManifestEntry {
        patient_id: id.clone(),
        group: patient.group.name().into(),
        cancer: patient.cancer.name().into(),
        sex: match patient.sex {
            crate::Sex::Female => "female".into(),
            crate::Sex::Male => "male".into(),
        },
        age: patient.body.age,
        height_cm: (patient.body.height_cm * 10.0).round() / 10.0,
        metastatic: patient.group.metastatic(),
        superscan: patient.superscan,
        lesion_count: patient.lesions.len(),
        lesion_sites: patient
            .lesions
            .iter()
            .map(|l| l.site.name().to_string())
            .collect(),
        m_pixels: [m_ap, m_pa],
        confounders: patient.confounders.iter().map(conf).collect(),
        dicom,
        image,
        labelme,
        mask,
        lesions: patient
            .lesions
            .iter()
            .cloned()
            .zip(shapes)
            .map(|(lesion, labelme_shapes)| LesionEntry {
                lesion,
                labelme_shapes,
            })
            .collect(),
    })
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// The manifest as CSV (one row per patient; lists joined with `;`).
pub fn manifest_csv(entries: &[ManifestEntry]) -> String {
    let mut out = String::from(
        "patient_id,group,cancer,sex,age,height_cm,metastatic,superscan,lesion_count,lesion_sites,m_pixels_anterior,m_pixels_posterior,confounders,dicom,image,labelme,mask\n",
    );
    for e in entries {
        let row = [
            e.patient_id.clone(),
            e.group.clone(),
            e.cancer.clone(),
            e.sex.clone(),
            e.age.to_string(),
            e.height_cm.to_string(),
            e.metastatic.to_string(),
            e.superscan.to_string(),
            e.lesion_count.to_string(),
            e.lesion_sites.join(";"),
            e.m_pixels[0].to_string(),
            e.m_pixels[1].to_string(),
            e.confounders.join(";"),
            e.dicom.clone(),
            e.image.clone(),
            e.labelme.clone(),
            e.mask.clone(),
        ];
        out += &row
            .iter()
            .map(|f| csv_field(f))
            .collect::<Vec<_>>()
            .join(",");
        out.push('\n');
    }
    out
}

/// Generates and writes a whole cohort (in parallel), then the manifests. `progress` is
/// called once per finished patient (from worker threads).
pub fn write_cohort(
    dir: &Path,
    spec: &CohortSpec,
    seed: u64,
    progress: &(dyn Fn() + Sync),
) -> Result<CohortManifest> {
    for sub in ["dicom", "images", "labelme", "masks"] {
        let d: PathBuf = dir.join(sub);
        std::fs::create_dir_all(&d).map_err(io(&d))?;
    }
    let patients = spec
        .patients()
        .par_iter()
        .map(|p| {
            let patient = generate_patient(seed, p, &spec.phantom);
            let entry = write_patient(dir, &patient, seed);
            progress();
            entry
        })
        .collect::<Result<Vec<_>>>()?;
    let manifest = CohortManifest {
        name: spec.name.clone(),
        seed,
        generator: format!("bs-phantom {}", env!("CARGO_PKG_VERSION")),
        annotation_grid: "merged raw image 1024x512: anterior columns 0-255, posterior (mirrored as acquired) columns 256-511; x = column, y = row, pixel centres at integers".into(),
        patients,
    };
    write_json(&manifest, &dir.join("manifest.json"))?;
    let csv = dir.join("manifest.csv");
    std::fs::write(&csv, manifest_csv(&manifest.patients)).map_err(io(&csv))?;
    Ok(manifest)
}

/// Regenerates the first `per_group` patients of each data set (deterministic, so they are the
/// ones written) and saves their contact sheet as PNG, one row of tiles; a real scan's merged
/// counts, when given, come first at the same windowing
/// ([`contact_sheet_with_reference`](crate::images::contact_sheet_with_reference)).
pub fn write_contact_sheet(
    path: &Path,
    spec: &CohortSpec,
    seed: u64,
    per_group: usize,
    reference: Option<ndarray::ArrayView2<u16>>,
) -> Result<()> {
    let all = spec.patients();
    let chosen: Vec<_> = crate::Group::ALL
        .iter()
        .flat_map(|&g| all.iter().filter(move |p| p.group == g).take(per_group))
        .collect();
    let columns = chosen.len() + usize::from(reference.is_some());
    let patients: Vec<SyntheticPatient> = chosen
        .par_iter()
        .map(|p| generate_patient(seed, p, &spec.phantom))
        .collect();
    let refs: Vec<&SyntheticPatient> = patients.iter().collect();
    crate::images::contact_sheet_with_reference(reference, &refs, columns)
        .save_with_format(path, image::ImageFormat::Png)
        .map_err(|source| PhantomError::Image {
            path: path.to_path_buf(),
            source,
        })
}
