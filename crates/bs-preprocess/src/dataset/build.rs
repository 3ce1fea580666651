//! Building a prepared data set from a cohort: parallel (rayon) and incremental.
//!
//! An entry is reused when its id, input paths and fingerprints match the previous run and the
//! configuration hash is unchanged; only the others are prepared. With [`Freshness::Modified`]
//! (default, like `make`) a changed size or modification time redoes the scan; with
//! [`Freshness::Content`] a changed time alone only re-hashes the file and redoes the scan when
//! the SHA-256 differs. When every entry is reused and the list is unchanged nothing is written.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use bs_masks::labelme::{LabelMap, LabelmeDocument};
use ndarray::Array2;
use rayon::prelude::*;

use super::load::PreparedDataset;
use super::manifest::{Entry, Manifest, NmMode, PatientInfo, SourceFingerprint, FORMAT};
use super::npy::write_npy;
use super::{BODY_FILE, IMAGES_FILE, LESION_FILE, MANIFEST_FILE, PREVIEW_DIR};
use crate::config::PrepareConfig;
use crate::error::{PrepareError, Result};
use crate::geometry::ScanGeometry;
use crate::labels::{labelme_to_prepared, mask_to_prepared, LabelSpace};
use crate::scan::{Preprocessor, ViewSources};
use crate::seg_labels::seg_to_prepared;

/// One scan of a cohort to prepare.
#[derive(Debug, Clone, PartialEq)]
pub struct CohortItem {
    /// Unique id (file stem of the scan).
    pub id: String,
    /// Its DICOM file(s) (one 2-frame object, or one file per view).
    pub dicom: Vec<PathBuf>,
    /// Its label file: a Labelme JSON, or a class PNG (non-zero = M), in raw AP|PA, raw anterior
    /// or prepared coordinates (told apart by size), or a DICOM SEG (`.dcm`, every segment M)
    /// whose frames reference the scan's views.
    pub labels: Option<PathBuf>,
    /// Patient facts; `None` takes the DICOM Patient ID (else the id) and leaves the rest unknown.
    pub patient: Option<PatientInfo>,
}

/// When an entry of a previous run counts as up to date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Freshness {
    /// Same size and modification time (like `make`: touching a file redoes it).
    #[default]
    Modified,
    /// Same content (SHA-256); a touched but unchanged file is not redone.
    Content,
}

/// Options of [`build_dataset`].
#[derive(Debug, Clone)]
pub struct BuildOptions {
    /// Preprocessing parameters.
    pub config: PrepareConfig,
    /// How bs-dicom reads the scans.
    pub read: bs_dicom::ReadOptions,
    /// Labelme label → value; shapes with a non-zero value are M.
    pub lesion_labels: LabelMap,
    /// How NM is derived (Otsu body masks or none).
    pub nm: NmMode,
    /// When a previous entry is up to date.
    pub freshness: Freshness,
    /// Write `previews/<id>.png` for every scan prepared in this run.
    pub previews: bool,
    /// Worker threads (`None`: rayon's global pool).
    pub threads: Option<usize>,
    /// Leave out a scan that fails and go on with the others, listing it in
    /// [`BuildReport::failed`] (default: the first failing scan is the error).
    pub keep_going: bool,
}

impl Default for BuildOptions {
    fn default() -> Self {
        Self {
            config: PrepareConfig::default(),
            read: bs_dicom::ReadOptions::default(),
            lesion_labels: LabelMap::new().with("metastasis", 1),
            nm: NmMode::Otsu,
            freshness: Freshness::Modified,
            previews: true,
            threads: None,
            keep_going: false,
        }
    }
}

/// What [`build_dataset`] did.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BuildReport {
    /// Ids prepared in this run.
    pub prepared: Vec<String>,
    /// Ids reused from the previous run.
    pub reused: Vec<String>,
    /// Ids of the previous run no longer in the cohort.
    pub dropped: Vec<String>,
    /// Whether the data set files were (re)written.
    pub written: bool,
    /// Scans left out because they failed ([`BuildOptions::keep_going`]), in cohort order.
    pub failed: Vec<ScanFailure>,
}

/// A scan [`build_dataset`] left out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScanFailure {
    /// The cohort item's id.
    pub id: String,
    /// Its (first) DICOM file.
    pub path: PathBuf,
    /// The error and its causes, one line (`error: cause: ...`, each cause once).
    pub reason: String,
}

impl ScanFailure {
    fn new(item: &CohortItem, err: &PrepareError) -> Self {
        Self {
            id: item.id.clone(),
            path: first_path(item),
            reason: bs_dicom::error::chain(err),
        }
    }
}

struct Prepared {
    entry: Entry,
    image: Array2<f32>,
    lesion: Array2<u8>,
    body: Array2<u8>,
}

fn label_pairs(labels: &LabelMap) -> Vec<(String, u8)> {
    labels.iter().map(|(l, v)| (l.to_string(), v)).collect()
}

fn first_path(item: &CohortItem) -> PathBuf {
    item.dicom.first().cloned().unwrap_or_default()
}

fn prepare_item(
    item: &CohortItem,
    pre: &Preprocessor,
    opts: &BuildOptions,
    reader: &mut bs_dicom::ScanReader,
) -> Result<Prepared> {
    let sources = item
        .dicom
        .iter()
        .map(|p| SourceFingerprint::of(p))
        .collect::<Result<Vec<_>>>()?;
    // the scan's pixel memory holds this thread's next scan
    let (prepared, meta, views) = pre.read_and_prepare_sources(reader, &item.dicom)?;
    let geometry = prepared.geometry;
    let (lesion, labels) = match &item.labels {
        None => (Array2::<u8>::zeros(geometry_shape(pre)), None),
        Some(path) => {
            let fp = SourceFingerprint::of(path)?;
            let values = read_labels(path, &geometry, &meta, &views, opts)?;
            (values.mapv(|v| u8::from(v != 0)), Some(fp))
        }
    };
    let scan_patient_id = meta.patient_id;
    let (body, otsu_threshold) = match opts.nm {
        NmMode::Otsu => {
            let (mask, t) = prepared.body_mask().map_err(|e| PrepareError::Labels {
                path: first_path(item),
                source: e.into(),
            })?;
            (mask.mapv(u8::from), Some(t))
        }
        NmMode::None => (Array2::zeros(prepared.image.dim()), None),
    };
    let patient = item.patient.clone().unwrap_or_else(|| PatientInfo {
        patient_id: scan_patient_id.unwrap_or_else(|| item.id.clone()),
        ..Default::default()
    });
    let entry = Entry {
        id: item.id.clone(),
        patient,
        sources,
        labels,
        posterior_missing: prepared.posterior_missing,
        geometry,
        anterior_brightness: prepared.anterior_brightness,
        posterior_brightness: prepared.posterior_brightness,
        lesion_pixels: lesion.iter().filter(|&&v| v != 0).count(),
        body_pixels: body.iter().filter(|&&v| v != 0).count(),
        otsu_threshold,
    };
    Ok(Prepared {
        entry,
        image: prepared.image,
        lesion,
        body,
    })
}

/// The label file at `path` on the prepared image: a class PNG, a DICOM SEG (`.dcm`) or a
/// Labelme JSON, told apart by extension.
fn read_labels(
    path: &Path,
    geometry: &ScanGeometry,
    meta: &bs_dicom::ScanMeta,
    views: &ViewSources,
    opts: &BuildOptions,
) -> Result<Array2<u8>> {
    let label_err = |e: bs_masks::MaskError| PrepareError::Labels {
        path: path.to_path_buf(),
        source: e.into(),
    };
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    match ext.as_deref() {
        Some("png") => {
            let mask = bs_masks::png::read_class_png(path).map_err(label_err)?;
            let space =
                LabelSpace::detect(geometry, mask.nrows(), mask.ncols()).ok_or_else(|| {
                    PrepareError::ShapeMismatch {
                        what: format!("{}: label PNG size", path.display()),
                        got: mask.dim(),
                        expected: LabelSpace::RawSideBySide.shape(geometry),
                    }
                })?;
            mask_to_prepared(geometry, space, mask.view())
        }
        Some("dcm" | "dicom") => {
            let seg = bs_dicom::seg::read_segmentation(path).map_err(|e| PrepareError::Labels {
                path: path.to_path_buf(),
                source: e.into(),
            })?;
            seg_to_prepared(geometry, meta, views, &seg)
        }
        _ => {
            let doc = LabelmeDocument::from_path(path).map_err(label_err)?;
            labelme_to_prepared(geometry, &doc, &opts.lesion_labels)
        }
    }
}

/// Appends a plane in row-major order: one copy for a contiguous plane (ndarray's element
/// iterator extends a `Vec` one element at a time, about a tenth of a 200-scan prepare).
fn extend_plane<T: Copy>(out: &mut Vec<T>, plane: ndarray::ArrayView2<'_, T>) {
    match plane.as_slice() {
        Some(values) => out.extend_from_slice(values),
        None => out.extend(plane.iter().copied()),
    }
}

fn geometry_shape(pre: &Preprocessor) -> (usize, usize) {
    pre.config().prepared_shape()
}

/// Whether `old` still describes `item` (paths and fingerprints); may refresh recorded mtimes.
fn up_to_date(item: &CohortItem, old: &mut Entry, freshness: Freshness) -> Result<bool> {
    let old_label_path = old.labels.as_ref().map(|l| &l.path);
    if old.sources.iter().map(|s| &s.path).ne(item.dicom.iter())
        || old_label_path != item.labels.as_ref()
    {
        return Ok(false);
    }
    for fp in old.sources.iter_mut().chain(old.labels.as_mut()) {
        let (bytes, modified_ns) = match SourceFingerprint::stat(&fp.path) {
            Ok(s) => s,
            Err(_) => return Ok(false),
        };
        if (bytes, modified_ns) == (fp.bytes, fp.modified_ns) {
            continue;
        }
        match freshness {
            Freshness::Modified => return Ok(false),
            Freshness::Content => {
                let now = SourceFingerprint::of(&fp.path)?;
                if now.sha256 != fp.sha256 {
                    return Ok(false);
                }
                *fp = now;
            }
        }
    }
    Ok(true)
}

fn replace_file<T: super::npy::NpyElement>(
    dir: &Path,
    name: &str,
    shape: &[usize],
    data: &[T],
) -> Result<()> {
    let tmp = dir.join(format!(".{name}.tmp"));
    write_npy(&tmp, shape, data)?;
    let dst = dir.join(name);
    std::fs::rename(&tmp, &dst).map_err(|e| PrepareError::io(&dst, e))
}

/// The prepared scans, `None` for each that failed (listed in `report.failed` and removed from
/// `report.prepared`); without `keep_going` the first failure is the error.
fn keep_successes(
    todo: &[&CohortItem],
    fresh: Vec<Result<Prepared>>,
    keep_going: bool,
    report: &mut BuildReport,
) -> Result<Vec<Option<Prepared>>> {
    let mut kept = Vec::with_capacity(fresh.len());
    for (item, result) in todo.iter().zip(fresh) {
        match result {
            Ok(p) => kept.push(Some(p)),
            Err(e) if keep_going => {
                report.failed.push(ScanFailure::new(item, &e));
                report.prepared.retain(|id| id != &item.id);
                kept.push(None);
            }
            Err(e) => return Err(e),
        }
    }
    Ok(kept)
}

/// Prepares `items` into the data set directory `out` (created if needed), reusing what is up to
/// date from a previous run there. See the module doc.
pub fn build_dataset(items: &[CohortItem], out: &Path, opts: &BuildOptions) -> Result<BuildReport> {
    let pre = opts.config.init()?;
    let mut ids = std::collections::HashSet::new();
    if let Some(dup) = items.iter().find(|i| !ids.insert(i.id.as_str())) {
        return Err(PrepareError::Manifest {
            path: out.join(MANIFEST_FILE),
            reason: format!("two cohort items share the id {:?}", dup.id),
        });
    }
    std::fs::create_dir_all(out).map_err(|e| PrepareError::io(out, e))?;
    let lesion_labels = label_pairs(&opts.lesion_labels);
    let config_hash = Manifest::hash_of(&opts.config, &lesion_labels, opts.nm);

    // the previous run, if compatible (anything unreadable is simply redone)
    let previous = PreparedDataset::load(out)
        .ok()
        .filter(|d| d.manifest().config_hash == config_hash);
    let mut old_entries: HashMap<&str, (usize, Entry)> = previous
        .as_ref()
        .map(|d| {
            d.entries()
                .iter()
                .enumerate()
                .map(|(i, e)| (e.id.as_str(), (i, e.clone())))
                .collect()
        })
        .unwrap_or_default();

    let mut report = BuildReport::default();
    let mut reuse: Vec<Option<(usize, Entry)>> = Vec::with_capacity(items.len());
    let mut metadata_changed = false;
    for item in items {
        let slot = match old_entries.remove(item.id.as_str()) {
            Some((i, mut e)) => {
                let before = e.clone();
                if up_to_date(item, &mut e, opts.freshness)? {
                    if let Some(p) = &item.patient {
                        e.patient = p.clone();
                    }
                    metadata_changed |= e != before;
                    Some((i, e))
                } else {
                    None
                }
            }
            None => None,
        };
        match &slot {
            Some(_) => report.reused.push(item.id.clone()),
            None => report.prepared.push(item.id.clone()),
        }
        reuse.push(slot);
    }
    report.dropped = old_entries.into_keys().map(String::from).collect();
    report.dropped.sort();
    let order_unchanged = previous.as_ref().is_some_and(|d| {
        reuse
            .iter()
            .enumerate()
            .all(|(k, r)| r.as_ref().is_some_and(|(i, _)| *i == k))
            && d.len() == items.len()
    });
    if report.prepared.is_empty() && order_unchanged && !metadata_changed {
        return Ok(report);
    }

    let todo: Vec<&CohortItem> = items
        .iter()
        .zip(&reuse)
        .filter(|(_, r)| r.is_none())
        .map(|(i, _)| i)
        .collect();
    let work = || -> Vec<Result<Prepared>> {
        todo.par_iter()
            .map_init(
                || bs_dicom::ScanReader::new(opts.read.clone()),
                |reader, item| {
                    prepare_item(item, &pre, opts, reader).map_err(|e| PrepareError::Scan {
                        id: item.id.clone(),
                        path: first_path(item),
                        source: e.into(),
                    })
                },
            )
            .collect()
    };
    let fresh = match opts.threads {
        Some(n) => rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build()
            .map_err(|e| PrepareError::io(out, std::io::Error::other(e)))?
            .install(work),
        None => work(),
    };
    let mut fresh = keep_successes(&todo, fresh, opts.keep_going, &mut report)?.into_iter();

    let (rows, cols) = opts.config.prepared_shape();
    let plane = rows * cols;
    let mut images: Vec<f32> = Vec::with_capacity(items.len() * plane);
    let mut lesion: Vec<u8> = Vec::with_capacity(items.len() * plane);
    let mut body: Vec<u8> = Vec::with_capacity(items.len() * plane);
    let mut entries = Vec::with_capacity(items.len());
    if opts.previews {
        let dir = out.join(PREVIEW_DIR);
        std::fs::create_dir_all(&dir).map_err(|e| PrepareError::io(&dir, e))?;
    }
    for slot in reuse {
        match slot {
            Some((i, e)) => {
                let d = previous
                    .as_ref()
                    .expect("reuse implies a previous data set");
                extend_plane(&mut images, d.image(i));
                extend_plane(&mut lesion, d.lesion_mask(i));
                extend_plane(&mut body, d.body_mask(i));
                entries.push(e);
            }
            None => {
                let Some(p) = fresh.next().expect("one result per item to prepare") else {
                    continue;
                };
                if opts.previews {
                    let m = p.lesion.mapv(|v| v != 0);
                    let nm = ndarray::Zip::from(&p.body)
                        .and(&m)
                        .map_collect(|&b, &is_m| b != 0 && !is_m);
                    let classes = ndarray::Zip::from(&m)
                        .and(&nm)
                        .map_collect(|&m, &nm| 2 * u8::from(m) + u8::from(nm));
                    let path = out.join(PREVIEW_DIR).join(format!("{}.png", p.entry.id));
                    crate::preview::write_preview(&path, p.image.view(), classes.view())?;
                }
                extend_plane(&mut images, p.image.view());
                extend_plane(&mut lesion, p.lesion.view());
                extend_plane(&mut body, p.body.view());
                entries.push(p.entry);
            }
        }
    }
    drop(previous);
    // no manifest while arrays are replaced: an interrupted run is redone, never half-trusted
    let manifest_path = out.join(MANIFEST_FILE);
    if manifest_path.exists() {
        std::fs::remove_file(&manifest_path).map_err(|e| PrepareError::io(&manifest_path, e))?;
    }
    let shape = [entries.len(), rows, cols];
    replace_file(out, IMAGES_FILE, &shape, &images)?;
    replace_file(out, LESION_FILE, &shape, &lesion)?;
    replace_file(out, BODY_FILE, &shape, &body)?;
    Manifest {
        format: FORMAT.to_string(),
        config: opts.config,
        lesion_labels,
        nm: opts.nm,
        config_hash,
        rows,
        cols,
        entries,
    }
    .write(&manifest_path)?;
    report.written = true;
    Ok(report)
}
