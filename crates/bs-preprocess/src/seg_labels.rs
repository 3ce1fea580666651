//! Labels from a DICOM Segmentation: each SEG frame is matched to the scan view it was derived
//! from by its Referenced SOP Instance UID and Referenced Frame Number, moved into the view's
//! coordinates (the view's columns of a side-by-side frame; reversed where bs-dicom mirrored
//! the view) and then onto the prepared image like any raw label mask. Every segment counts
//! as M. A frame that references no view of the scan is an error naming the file and frame.

use bs_dicom::seg::{SegFrame, Segmentation};
use bs_dicom::{ScanMeta, SourceFile, ViewSource};
use ndarray::{s, Array2, ArrayView2, Axis};

use crate::error::{PrepareError, Result};
use crate::geometry::ScanGeometry;
use crate::labels::{mask_to_prepared, LabelSpace};
use crate::scan::ViewSources;

/// One view of the scan as a SEG references it.
struct Target<'a> {
    name: &'static str,
    source: &'a ViewSource,
    file: &'a SourceFile,
    uid: &'a str,
    /// `(rows, cols)` of the view.
    dim: (usize, usize),
}

impl Target<'_> {
    /// Whether `frame` was derived from this view's source frame.
    fn matches(&self, frame: &SegFrame) -> bool {
        frame.sources.iter().any(|s| {
            s.sop_instance_uid == self.uid
                && match s.frame {
                    Some(n) => n as usize == self.source.frame + 1,
                    None => self.file.frames == 1,
                }
        })
    }

    fn describe(&self) -> String {
        format!(
            "{} = SOP instance {} frame {}",
            self.name,
            self.uid,
            self.source.frame + 1
        )
    }

    /// The frame's mask in view coordinates: as is when it has the view's size, else the
    /// view's columns of a source-frame-sized mask.
    fn view_mask(&self, mask: ArrayView2<'_, bool>) -> Option<Array2<bool>> {
        let (rows, cols) = self.dim;
        let offset = self.source.column_offset;
        let mut out = if mask.dim() == self.dim {
            mask.to_owned()
        } else if mask.dim() == (self.file.rows, self.file.columns)
            && rows == self.file.rows
            && offset + cols <= self.file.columns
        {
            mask.slice(s![.., offset..offset + cols]).to_owned()
        } else {
            return None;
        };
        if self.source.mirrored {
            out.invert_axis(Axis(1));
        }
        Some(out)
    }
}

fn seg_error(seg: &Segmentation, detail: String) -> PrepareError {
    PrepareError::Labels {
        path: seg.path.clone(),
        source: bs_dicom::DicomError::Segmentation {
            path: seg.path.clone(),
            detail,
        }
        .into(),
    }
}

fn target<'a>(
    name: &'static str,
    source: &'a ViewSource,
    meta: &'a ScanMeta,
    dim: (usize, usize),
    seg: &Segmentation,
) -> Result<Target<'a>> {
    let file = meta
        .files
        .iter()
        .find(|f| f.path == source.path)
        .ok_or_else(|| {
            seg_error(
                seg,
                format!("the scan lists no file {}", source.path.display()),
            )
        })?;
    let uid = file.sop_instance_uid.as_deref().ok_or_else(|| {
        seg_error(
            seg,
            format!(
                "scan file {} has no SOP Instance UID to match the SEG's references",
                file.path.display()
            ),
        )
    })?;
    Ok(Target {
        name,
        source,
        file,
        uid,
        dim,
    })
}

/// The SEG's M mask on the prepared image of the scan whose views came from `sources`.
pub fn seg_to_prepared(
    geometry: &ScanGeometry,
    meta: &ScanMeta,
    sources: &ViewSources,
    seg: &Segmentation,
) -> Result<Array2<u8>> {
    let a = &geometry.anterior;
    let dim = (a.source_rows, a.source_cols);
    let mut targets = vec![target("anterior", &sources.anterior, meta, dim, seg)?];
    if let (Some(p), Some(_)) = (&sources.posterior, &geometry.posterior) {
        targets.push(target("posterior", p, meta, dim, seg)?);
    }
    let mut views: Vec<Array2<bool>> = targets
        .iter()
        .map(|_| Array2::from_elem(dim, false))
        .collect();
    for frame in &seg.frames {
        let hits: Vec<usize> = (0..targets.len())
            .filter(|&k| targets[k].matches(frame))
            .collect();
        if hits.is_empty() {
            return Err(seg_error(seg, unmatched(frame, &targets)));
        }
        let whole = |k: &usize| {
            let f = targets[*k].file;
            frame.mask.dim() == (f.rows, f.columns)
        };
        if hits.len() > 1 && !hits.iter().all(whole) {
            return Err(seg_error(
                seg,
                format!(
                    "frame {} references the frame that holds both views side by side but \
                     has the size of one view: which view it labels is unknown",
                    frame.number
                ),
            ));
        }
        for k in hits {
            let mask = targets[k].view_mask(frame.mask.view()).ok_or_else(|| {
                seg_error(
                    seg,
                    format!(
                        "frame {} is {}×{}, but the {} view is {}×{} (source frame {}×{})",
                        frame.number,
                        seg.rows,
                        seg.columns,
                        targets[k].name,
                        dim.0,
                        dim.1,
                        targets[k].file.rows,
                        targets[k].file.columns
                    ),
                )
            })?;
            views[k].zip_mut_with(&mask, |v, &m| *v |= m);
        }
    }
    let raw = match views.as_slice() {
        [ant] => ant.mapv(u8::from),
        [ant, post] => ndarray::concatenate(Axis(1), &[ant.view(), post.view()])
            .expect("views of one size")
            .mapv(u8::from),
        _ => unreachable!("one or two views"),
    };
    let space = if views.len() == 1 {
        LabelSpace::RawAnterior
    } else {
        LabelSpace::RawSideBySide
    };
    mask_to_prepared(geometry, space, raw.view())
}

/// Why `frame` matches no view: what it references and what the scan's views are.
fn unmatched(frame: &SegFrame, targets: &[Target<'_>]) -> String {
    let refs: Vec<String> = frame
        .sources
        .iter()
        .map(|s| match s.frame {
            Some(n) => format!("SOP instance {} frame {n}", s.sop_instance_uid),
            None => format!("SOP instance {} (no frame number)", s.sop_instance_uid),
        })
        .collect();
    let views: Vec<String> = targets.iter().map(Target::describe).collect();
    format!(
        "frame {} references {}, which is not a view of this scan ({}); \
         a SEG labels the scan it was made from",
        frame.number,
        refs.join(", "),
        views.join(", ")
    )
}
