//! Directory scanner: groups files into scans by Study/Series Instance UID, pairs single-view
//! files, and reports every file it skipped and why.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::dicom_file::{self, text};
use crate::error::{DicomError, Result};
use crate::identify::{self, Decision};
use crate::options::ReadOptions;
use crate::raster;
use crate::read::{open_checked, splits_side_by_side};
use crate::view::ViewName;

/// Why a file is not part of any scan.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "reason", rename_all = "kebab-case")]
#[non_exhaustive]
pub enum SkipReason {
    /// Neither DICOM nor a PNG/JPEG image.
    NotDicom {
        /// What was found.
        detail: String,
    },
    /// DICOM, but Modality is not NM.
    NotNm {
        /// The Modality found.
        modality: String,
    },
    /// DICOM without Pixel Data (a structured report, a presentation state, ...).
    NoPixelData,
    /// Same SOP Instance UID as a file already taken.
    Duplicate {
        /// The file taken.
        of: PathBuf,
    },
    /// A single posterior view with no anterior view to pair with.
    UnpairedView {
        /// The view the file holds.
        view: ViewName,
    },
    /// DICOM (or image) that could not be used: broken, unsupported, too large.
    Unreadable {
        /// The reader's error.
        detail: String,
    },
}

impl std::fmt::Display for SkipReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SkipReason::NotDicom { detail } => write!(f, "not DICOM ({detail})"),
            SkipReason::NotNm { modality } => write!(f, "not NM (modality {modality:?})"),
            SkipReason::NoPixelData => f.write_str("no pixel data"),
            SkipReason::Duplicate { of } => write!(f, "duplicate of {}", of.display()),
            SkipReason::UnpairedView { view } => write!(f, "unpaired {view} view"),
            SkipReason::Unreadable { detail } => write!(f, "unreadable: {detail}"),
        }
    }
}

/// A skipped file.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Skipped {
    /// The file.
    pub path: PathBuf,
    /// Why.
    pub reason: SkipReason,
}

/// The files of one scan, ready for [`read_scan_files`](crate::read_scan_files).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScanFiles {
    /// The files, the one holding the anterior view first when known.
    pub files: Vec<PathBuf>,
    /// Study Instance UID (DICOM only).
    pub study_instance_uid: Option<String>,
}

/// What [`group_files`] found.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct DirectoryReport {
    /// The scans, in path order.
    pub scans: Vec<ScanFiles>,
    /// The files skipped, with reasons, in path order.
    pub skipped: Vec<Skipped>,
}

/// All regular files under `dir`, recursively, sorted.
pub fn list_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let entries = std::fs::read_dir(&d).map_err(|e| DicomError::Io {
            path: d.clone(),
            action: "list directory",
            source: e,
        })?;
        for entry in entries {
            let entry = entry.map_err(|e| DicomError::Io {
                path: d.clone(),
                action: "list directory",
                source: e,
            })?;
            let path = entry.path();
            let kind = entry.file_type().map_err(|e| DicomError::Io {
                path: path.clone(),
                action: "stat",
                source: e,
            })?;
            if kind.is_dir() {
                stack.push(path);
            } else if kind.is_file() {
                out.push(path);
            }
        }
    }
    out.sort();
    Ok(out)
}

/// Scans a directory tree: [`list_files`] then [`group_files`].
pub fn scan_directory(dir: &Path, opts: &ReadOptions) -> Result<DirectoryReport> {
    Ok(group_files(&list_files(dir)?, opts))
}

/// What a file holds, from its header alone (pixels are not decoded).
enum Probe {
    /// Both views (2 frames, or one side-by-side frame).
    Complete,
    /// One view, maybe identified.
    Single(Option<Decision>),
}

struct Probed {
    path: PathBuf,
    probe: Probe,
    study: Option<String>,
    series: Option<String>,
    /// Grouping key of PNG/JPEG files: directory and file stem without the view word.
    raster_key: Option<String>,
}

fn probe(
    path: &Path,
    opts: &ReadOptions,
) -> std::result::Result<(Probed, Option<String>), SkipReason> {
    let bytes = dicom_file::read_bytes(path, opts).map_err(|e| SkipReason::Unreadable {
        detail: e.to_string(),
    })?;
    if let Some(format) = raster::sniff(&bytes) {
        let view =
            raster::decode(path, &bytes, format, opts).map_err(|e| SkipReason::Unreadable {
                detail: e.to_string(),
            })?;
        let (rows, columns) = view.pixels.dim();
        let hint = identify::file_name_hint(path);
        let probe =
            if hint.is_none() && splits_side_by_side(rows, columns, 1, false, opts.side_by_side) {
                Probe::Complete
            } else {
                Probe::Single(hint)
            };
        let stem = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default()
            .to_ascii_lowercase();
        let key: Vec<&str> = stem
            .split(|c: char| !c.is_ascii_alphanumeric())
            .filter(|w| !w.is_empty() && identify::view_from_vendor_text(w).is_none())
            .collect();
        let key = format!(
            "{}/{}",
            path.parent()
                .map(|p| p.display().to_string())
                .unwrap_or_default(),
            key.join("_")
        );
        return Ok((
            Probed {
                path: path.to_path_buf(),
                probe,
                study: None,
                series: None,
                raster_key: Some(key),
            },
            None,
        ));
    }
    let (file, geom) = open_checked(path, &bytes, opts).map_err(|e| match e {
        DicomError::NotDicom { reason, .. } => SkipReason::NotDicom { detail: reason },
        DicomError::WrongModality { found, .. } => SkipReason::NotNm { modality: found },
        DicomError::NoPixelData { .. } => SkipReason::NoPixelData,
        other => SkipReason::Unreadable {
            detail: other.to_string(),
        },
    })?;
    let hints = identify::dicom_frame_hints(&file.obj, geom.frames);
    let named = hints.iter().any(Option::is_some);
    let probe = if geom.frames == 2
        || splits_side_by_side(
            geom.rows,
            geom.columns,
            geom.frames,
            named,
            opts.side_by_side,
        ) {
        Probe::Complete
    } else {
        Probe::Single(hints.into_iter().next().flatten())
    };
    let sop = text(&file.obj, dicom_dictionary_std::tags::SOP_INSTANCE_UID);
    Ok((
        Probed {
            path: path.to_path_buf(),
            probe,
            study: text(&file.obj, dicom_dictionary_std::tags::STUDY_INSTANCE_UID),
            series: text(&file.obj, dicom_dictionary_std::tags::SERIES_INSTANCE_UID),
            raster_key: None,
        },
        sop,
    ))
}

fn view_of(p: &Probed) -> Option<ViewName> {
    match &p.probe {
        Probe::Single(d) => d.as_ref().map(|d| d.view),
        Probe::Complete => None,
    }
}

/// Whether two single-view files can be the two views of one scan: at least one must be
/// identified by a rule, and not both as the same view. Two unnamed single views are not
/// paired (they may be the same view stored twice, as NM1_UNC and NM1_JPLL are).
fn compatible(a: &Probed, b: &Probed) -> bool {
    match (view_of(a), view_of(b)) {
        (Some(x), Some(y)) => x != y,
        (None, None) => false,
        _ => true,
    }
}

fn pair(a: Probed, b: Probed) -> ScanFiles {
    // the anterior file first, so that frame order agrees with any named view
    let (first, second) =
        if view_of(&a) == Some(ViewName::Posterior) || view_of(&b) == Some(ViewName::Anterior) {
            (b, a)
        } else {
            (a, b)
        };
    ScanFiles {
        study_instance_uid: first.study.clone(),
        files: vec![first.path, second.path],
    }
}

/// Groups files into scans: 2-frame and side-by-side objects are scans of their own; single-view
/// files pair within their series, then within their study (PNG/JPEG: same directory and file
/// name apart from the view word) when at least one of the two is identified; a single anterior
/// (or unnamed) view is a scan without a posterior view; a single posterior view is skipped as
/// unpaired.
pub fn group_files(paths: &[PathBuf], opts: &ReadOptions) -> DirectoryReport {
    let mut report = DirectoryReport::default();
    let mut seen: HashMap<String, PathBuf> = HashMap::new();
    // study key → series key → single-view files
    let mut singles: BTreeMap<String, BTreeMap<String, Vec<Probed>>> = BTreeMap::new();
    for path in paths {
        let (probed, sop) = match probe(path, opts) {
            Ok(p) => p,
            Err(reason) => {
                report.skipped.push(Skipped {
                    path: path.clone(),
                    reason,
                });
                continue;
            }
        };
        if let Some(sop) = sop {
            if let Some(of) = seen.get(&sop) {
                report.skipped.push(Skipped {
                    path: path.clone(),
                    reason: SkipReason::Duplicate { of: of.clone() },
                });
                continue;
            }
            seen.insert(sop, path.clone());
        }
        match probed.probe {
            Probe::Complete => report.scans.push(ScanFiles {
                files: vec![probed.path],
                study_instance_uid: probed.study,
            }),
            Probe::Single(_) => {
                let study = probed
                    .raster_key
                    .clone()
                    .or_else(|| probed.study.clone())
                    .unwrap_or_else(|| probed.path.display().to_string());
                let series = probed.series.clone().unwrap_or_default();
                singles
                    .entry(study)
                    .or_default()
                    .entry(series)
                    .or_default()
                    .push(probed);
            }
        }
    }
    for (_, series) in singles {
        let mut leftovers = Vec::new();
        for (_, mut files) in series {
            if files.len() == 2 && compatible(&files[0], &files[1]) {
                let b = files.pop().expect("two");
                let a = files.pop().expect("two");
                report.scans.push(pair(a, b));
            } else {
                leftovers.extend(files);
            }
        }
        if leftovers.len() == 2 && compatible(&leftovers[0], &leftovers[1]) {
            let b = leftovers.pop().expect("two");
            let a = leftovers.pop().expect("two");
            report.scans.push(pair(a, b));
            continue;
        }
        for p in leftovers {
            match view_of(&p) {
                Some(ViewName::Posterior) => report.skipped.push(Skipped {
                    path: p.path,
                    reason: SkipReason::UnpairedView {
                        view: ViewName::Posterior,
                    },
                }),
                _ => report.scans.push(ScanFiles {
                    files: vec![p.path],
                    study_instance_uid: p.study,
                }),
            }
        }
    }
    report.scans.sort_by(|a, b| a.files.cmp(&b.files));
    report.skipped.sort_by(|a, b| a.path.cmp(&b.path));
    report
}
