//! Reading one scan from one or more files: layouts (a)–(d) and PNG/JPEG view pairs.

use std::path::{Path, PathBuf};

use dicom_dictionary_std::tags;
use ndarray::{s, Array2};

use crate::dicom_file::{self, text, transfer_syntax_name, DicomFile};
use crate::error::{DicomError, Result};
use crate::identify::{self, Decision};
use crate::meta;
use crate::native;
use crate::options::{ReadOptions, SideBySide, ViewOrder};
use crate::pixels::{self, Frame, Geometry};
use crate::raster;
use crate::scan::{ScanCounts, SourceFile, SourceFormat, WholeBodyScan};
use crate::view::{CountStats, Sample, View, ViewName, ViewRule, ViewSource};
use dicom_object::InMemDicomObject;

/// Reads the whole-body scan held by one file: a 2-frame NM object (anterior and posterior),
/// a single-frame object with one view (posterior then `None`) or both views side by side.
///
/// ```no_run
/// use bs_dicom::{read_scan, ReadOptions};
/// let scan = read_scan("NM1_JPLL.dcm".as_ref(), &ReadOptions::default())?;
/// println!("{:?} by {}", scan.anterior.shape(), scan.anterior.source.rule);
/// # Ok::<(), bs_dicom::DicomError>(())
/// ```
pub fn read_scan(path: &Path, opts: &ReadOptions) -> Result<WholeBodyScan> {
    read_scan_files(&[path.to_path_buf()], opts)
}

/// Reads one scan from several files: one DICOM object per view, or a PNG/JPEG pair
/// (`*_ant.png` + `*_post.png`, or in the order given).
pub fn read_scan_files(paths: &[PathBuf], opts: &ReadOptions) -> Result<WholeBodyScan> {
    read_files_into(paths, opts, &mut Vec::new())
}

/// [`read_scan_files`], the fast path writing into buffers from `spare`.
pub(crate) fn read_files_into(
    paths: &[PathBuf],
    opts: &ReadOptions,
    spare: &mut Vec<Vec<f32>>,
) -> Result<WholeBodyScan> {
    read_sources(
        paths,
        opts,
        |path| native::load_path(path, opts, spare),
        load,
    )
}

/// [`read_scan_files`] with 16-bit integer counts ([`crate::ScanReader::read_counts`]), the fast
/// path writing into buffers from `spare`; other files are decoded by [`load_counts`].
pub(crate) fn read_counts_into(
    paths: &[PathBuf],
    opts: &ReadOptions,
    spare: &mut Vec<Vec<u16>>,
) -> Result<WholeBodyScan<u16>> {
    read_sources(
        paths,
        opts,
        |path| native::load_counts_path(path, opts, spare),
        load_counts,
    )
}

/// One scan from the files `paths`: each by `fast` when [`ReadOptions::native_fast_path`] is
/// set and it applies, otherwise by `general` on the file's bytes.
fn read_sources<P: Sample>(
    paths: &[PathBuf],
    opts: &ReadOptions,
    mut fast: impl FnMut(&Path) -> Option<Loaded<P>>,
    general: impl Fn(&Path, &[u8], &ReadOptions) -> Result<Loaded<P>>,
) -> Result<WholeBodyScan<P>> {
    if paths.is_empty() {
        return Err(DicomError::NoFiles);
    }
    let sources = paths
        .iter()
        .map(
            |path| match opts.native_fast_path.then(|| fast(path)).flatten() {
                Some(loaded) => Ok(loaded),
                None => general(path, &dicom_file::read_bytes(path, opts)?, opts),
            },
        )
        .collect::<Result<Vec<_>>>()?;
    assemble(sources, opts)
}

/// Reads a scan from the bytes of one DICOM (or PNG/JPEG) file; `name` is used in errors and
/// in [`ViewSource::path`]. This is the entry point of the fuzz target.
pub fn read_scan_bytes(name: &Path, bytes: &[u8], opts: &ReadOptions) -> Result<WholeBodyScan> {
    if bytes.len() as u64 > opts.max_file_bytes {
        return Err(DicomError::FileTooLarge {
            path: name.to_path_buf(),
            size: bytes.len() as u64,
            limit: opts.max_file_bytes,
        });
    }
    let fast = opts
        .native_fast_path
        .then(|| native::load_bytes(name, bytes, opts))
        .flatten();
    let source = match fast {
        Some(loaded) => loaded,
        None => load(name, bytes, opts)?,
    };
    assemble(vec![source], opts)
}

/// One file, decoded: frames × rows × columns counts and per-frame view decisions.
pub(crate) struct Loaded<P = f32> {
    file: SourceFile,
    /// The DICOM data set without its pixel data (metadata is read from it); `None` for PNG/JPEG.
    obj: Option<InMemDicomObject>,
    frames: Vec<Array2<P>>,
    /// Count statistics of each frame when the decoder computed them on the way.
    stats: Vec<Option<CountStats>>,
    hints: Vec<Option<Decision>>,
}

/// Opens a DICOM file and checks modality, pixel data, frame count and declared size,
/// without decoding pixels.
pub(crate) fn open_checked(
    path: &Path,
    bytes: &[u8],
    opts: &ReadOptions,
) -> Result<(DicomFile, Geometry)> {
    check_opened(dicom_file::parse(path, bytes, opts)?, opts)
}

/// Checks modality, pixel data, frame count and declared size of a parsed DICOM file.
pub(crate) fn check_opened(file: DicomFile, opts: &ReadOptions) -> Result<(DicomFile, Geometry)> {
    let path = file.path.as_path();
    let modality = text(&file.obj, tags::MODALITY).unwrap_or_default();
    if modality != "NM" && !opts.allow_any_modality {
        return Err(DicomError::WrongModality {
            path: path.to_path_buf(),
            found: modality,
        });
    }
    let geom = pixels::geometry(&file, opts)?;
    Ok((file, geom))
}

/// [`SourceFile`] facts of an opened DICOM file.
pub(crate) fn dicom_source_file(file: &DicomFile, geom: &Geometry) -> SourceFile {
    SourceFile {
        path: file.path.clone(),
        format: SourceFormat::Dicom,
        modality: text(&file.obj, tags::MODALITY),
        sop_class_uid: text(&file.obj, tags::SOP_CLASS_UID),
        sop_instance_uid: text(&file.obj, tags::SOP_INSTANCE_UID),
        rows: geom.rows,
        columns: geom.columns,
        frames: geom.frames,
        transfer_syntax_uid: Some(file.transfer_syntax.clone()),
        transfer_syntax_name: Some(transfer_syntax_name(&file.transfer_syntax)),
        bits_allocated: geom.bits_allocated,
        signed: geom.signed,
    }
}

fn load(path: &Path, bytes: &[u8], opts: &ReadOptions) -> Result<Loaded> {
    if let Some(format) = raster::sniff(bytes) {
        let view = raster::decode(path, bytes, format, opts)?;
        let (rows, columns) = view.pixels.dim();
        let frames = vec![view.pixels];
        return Ok(Loaded {
            file: SourceFile {
                path: path.to_path_buf(),
                format,
                modality: None,
                sop_class_uid: None,
                sop_instance_uid: None,
                rows,
                columns,
                frames: 1,
                transfer_syntax_uid: None,
                transfer_syntax_name: None,
                bits_allocated: view.bits,
                signed: false,
            },
            obj: None,
            frames,
            stats: vec![None],
            hints: vec![identify::file_name_hint(path)],
        });
    }
    let (mut file, geom) = open_checked(path, bytes, opts)?;
    let frames = pixels::decode(&file, &geom)?;
    // metadata is read later from the data set: the pixel data is not needed any more
    file.obj.remove_element(tags::PIXEL_DATA);
    Ok(dicom_loaded(file, &geom, frames))
}

/// [`load`] with 16-bit integer counts: DICOM samples decoded straight to them when they are
/// the stored integers, otherwise (rescaled, negative, PNG/JPEG) decoded as usual and narrowed.
fn load_counts(path: &Path, bytes: &[u8], opts: &ReadOptions) -> Result<Loaded<u16>> {
    if raster::sniff(bytes).is_none() {
        let (mut file, geom) = open_checked(path, bytes, opts)?;
        if let Some(frames) = pixels::decode_counts(&file, &geom)? {
            file.obj.remove_element(tags::PIXEL_DATA);
            return Ok(dicom_loaded(file, &geom, frames));
        }
    }
    load(path, bytes, opts)?.into_counts()
}

impl Loaded {
    /// The source with its counts as 16-bit integers; [`DicomError::NotIntegerCounts`] naming the
    /// first value that is not one.
    fn into_counts(self) -> Result<Loaded<u16>> {
        let path = &self.file.path;
        let frames = self
            .frames
            .iter()
            .enumerate()
            .map(|(f, frame)| {
                let standard = frame.as_standard_layout();
                let values = standard.as_slice().expect("standard layout");
                let counts =
                    pixels::narrow_counts(values).map_err(|i| DicomError::NotIntegerCounts {
                        path: path.clone(),
                        detail: format!(
                            "{} at frame {f}, row {}, column {}",
                            values[i],
                            i / frame.ncols(),
                            i % frame.ncols()
                        ),
                    })?;
                Ok(Array2::from_shape_vec(frame.dim(), counts).expect("one count per pixel"))
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Loaded {
            file: self.file,
            obj: self.obj,
            frames,
            stats: self.stats,
            hints: self.hints,
        })
    }
}

#[cfg(test)]
impl<P> Loaded<P> {
    pub(crate) fn frames_len(&self) -> usize {
        self.frames.len()
    }
}

/// A decoded DICOM file (general or fast path) as one source of a scan.
pub(crate) fn dicom_loaded<P>(
    file: DicomFile,
    geom: &Geometry,
    frames: Vec<Frame<P>>,
) -> Loaded<P> {
    let hints = identify::dicom_frame_hints(&file.obj, geom.frames);
    let (frames, stats) = frames.into_iter().map(|f| (f.pixels, f.stats)).unzip();
    Loaded {
        file: dicom_source_file(&file, geom),
        obj: Some(file.obj.into_inner()),
        frames,
        stats,
        hints,
    }
}

/// One frame (or half frame) that may become a view.
struct Candidate {
    source: usize,
    frame: usize,
    column_offset: usize,
    width: usize,
    decision: Option<Decision>,
}

/// Whether a single frame of `rows × columns` holds both views side by side.
pub(crate) fn splits_side_by_side(
    rows: usize,
    columns: usize,
    frames: usize,
    named: bool,
    mode: SideBySide,
) -> bool {
    frames == 1
        && columns >= 2
        && columns % 2 == 0
        && match mode {
            SideBySide::Always => true,
            SideBySide::Never => false,
            SideBySide::Auto => !named && columns * 10 >= rows * 4,
        }
}

fn candidates<P>(sources: &[Loaded<P>], opts: &ReadOptions) -> Vec<Candidate> {
    let mut out = Vec::new();
    for (i, src) in sources.iter().enumerate() {
        let n = src.frames.len();
        let (rows, columns) = src.frames[0].dim();
        let named = src.hints.iter().any(Option::is_some);
        if splits_side_by_side(rows, columns, n, named, opts.side_by_side) {
            let half = columns / 2;
            for (k, view) in [ViewName::Anterior, ViewName::Posterior]
                .into_iter()
                .enumerate()
            {
                out.push(Candidate {
                    source: i,
                    frame: 0,
                    column_offset: k * half,
                    width: half,
                    decision: Some(Decision {
                        view,
                        rule: ViewRule::SideBySide,
                        evidence: format!(
                            "{} half of a {rows}×{columns} frame",
                            if k == 0 { "left" } else { "right" }
                        ),
                    }),
                });
            }
        } else {
            for frame in 0..n {
                out.push(Candidate {
                    source: i,
                    frame,
                    column_offset: 0,
                    width: columns,
                    decision: src.hints.get(frame).cloned().flatten(),
                });
            }
        }
    }
    out
}

/// Gives every candidate a view: caller override, else the decided ones, then frame order for
/// the rest. Errors when the set cannot make one scan.
fn assign(cands: &mut [Candidate], order: ViewOrder, first: &Path) -> Result<()> {
    let views_error = |detail: String| DicomError::Views {
        path: first.to_path_buf(),
        detail,
    };
    if cands.len() > 2 {
        return Err(views_error(format!(
            "{} views found; a scan has an anterior and a posterior view",
            cands.len()
        )));
    }
    if order != ViewOrder::Auto {
        let first_view = if order == ViewOrder::AnteriorFirst {
            ViewName::Anterior
        } else {
            ViewName::Posterior
        };
        for (k, c) in cands.iter_mut().enumerate() {
            let view = if k == 0 {
                first_view
            } else {
                first_view.other()
            };
            c.decision = Some(Decision {
                view,
                rule: ViewRule::CallerOverride,
                evidence: format!("{order:?}"),
            });
        }
        return Ok(());
    }
    let decided: Vec<ViewName> = cands
        .iter()
        .filter_map(|c| c.decision.as_ref().map(|d| d.view))
        .collect();
    if decided.len() == 2 && decided[0] == decided[1] {
        return Err(views_error(format!(
            "both frames identified as {} ({})",
            decided[0],
            describe(cands)
        )));
    }
    let mut free = [ViewName::Anterior, ViewName::Posterior]
        .into_iter()
        .filter(|v| !decided.contains(v));
    for c in cands.iter_mut().filter(|c| c.decision.is_none()) {
        let view = free
            .next()
            .expect("at most two candidates, each taking a distinct view");
        let evidence = if decided.is_empty() {
            "position".to_string()
        } else {
            format!("the other view is {}", view.other())
        };
        c.decision = Some(Decision {
            view,
            rule: ViewRule::FrameOrder,
            evidence,
        });
    }
    Ok(())
}

fn describe(cands: &[Candidate]) -> String {
    cands
        .iter()
        .filter_map(|c| {
            c.decision
                .as_ref()
                .map(|d| format!("frame {} by {} {}", c.frame, d.rule, d.evidence))
        })
        .collect::<Vec<_>>()
        .join("; ")
}

fn assemble<P: Sample>(
    mut sources: Vec<Loaded<P>>,
    opts: &ReadOptions,
) -> Result<WholeBodyScan<P>> {
    let first = sources[0].file.path.clone();
    let mut cands = candidates(&sources, opts);
    assign(&mut cands, opts.view_order, &first)?;
    let mut anterior = None;
    let mut posterior = None;
    for c in &cands {
        let d = c.decision.as_ref().expect("assigned");
        let src = &mut sources[c.source];
        let frame = &mut src.frames[c.frame];
        let (mut pixels, stats) = if c.column_offset == 0 && c.width == frame.ncols() {
            // a whole frame: take it, no copy (each frame is used by one candidate only), with
            // its statistics when the decoder made them (mirroring below does not change them)
            (std::mem::take(frame), src.stats[c.frame].take())
        } else {
            let half = frame.slice(s![.., c.column_offset..c.column_offset + c.width]);
            (half.to_owned(), None)
        };
        let mirrored = d.view == ViewName::Posterior && opts.mirror_posterior;
        if mirrored {
            pixels.invert_axis(ndarray::Axis(1));
            pixels = pixels.as_standard_layout().into_owned();
        }
        let view = View {
            pixels,
            source: ViewSource {
                path: src.file.path.clone(),
                frame: c.frame,
                column_offset: c.column_offset,
                rule: d.rule,
                evidence: d.evidence.clone(),
                mirrored,
            },
        };
        let stats = stats.unwrap_or_else(|| P::stats(&view.pixels));
        match d.view {
            ViewName::Anterior => anterior = Some((c.source, view, stats)),
            ViewName::Posterior => posterior = Some((view, stats)),
        }
    }
    let Some((anterior_source, anterior, anterior_stats)) = anterior else {
        return Err(DicomError::Views {
            path: first,
            detail: format!(
                "no anterior view: only a posterior view was found ({})",
                describe(&cands)
            ),
        });
    };
    if let Some((p, _)) = &posterior {
        if p.shape() != anterior.shape() {
            return Err(DicomError::Views {
                path: first,
                detail: format!(
                    "anterior view is {:?} but posterior view is {:?}",
                    anterior.shape(),
                    p.shape()
                ),
            });
        }
    }
    let counts = ScanCounts {
        anterior: anterior_stats,
        posterior: posterior.as_ref().map(|(_, stats)| *stats),
    };
    // metadata from the object holding the anterior view, else the first DICOM object
    let obj = sources[anterior_source]
        .obj
        .take()
        .or_else(|| sources.iter_mut().find_map(|s| s.obj.take()));
    let files = sources.into_iter().map(|s| s.file).collect();
    let meta = meta::scan_meta(obj.as_ref(), opts, counts, files);
    let posterior = posterior.map(|(view, _)| view);
    Ok(WholeBodyScan {
        anterior,
        posterior,
        meta,
    })
}
