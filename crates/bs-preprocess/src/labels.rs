//! Labels in prepared coordinates: lesion masks and Labelme documents drawn on the raw views are
//! moved through the scan's [`ScanGeometry`] onto the 640×512 image; the Otsu three-class mask
//! (Section 3.4) is then computed on the prepared image.

use bs_masks::labelme::{rasterize, LabelMap, LabelmeDocument};
use bs_masks::ThreeClassMask;
use ndarray::{s, Array2, ArrayView2};
use serde::{Deserialize, Serialize};

use crate::error::{PrepareError, Result};
use crate::geometry::ScanGeometry;

/// The coordinates a label mask or Labelme document is drawn in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LabelSpace {
    /// Both source views side by side, AP left and PA right, as bs-dicom returns them
    /// (`source_rows × 2·source_cols`, 1024×512): the synthetic cohort's Labelme documents.
    RawSideBySide,
    /// The anterior source view alone (1024×256).
    RawAnterior,
    /// The prepared image (640×512), as the paper's annotators saw the exported PNGs.
    Prepared,
}

impl LabelSpace {
    /// `(rows, cols)` of a mask in this space for a scan of the given geometry.
    pub fn shape(self, geometry: &ScanGeometry) -> (usize, usize) {
        let a = &geometry.anterior;
        match self {
            LabelSpace::RawSideBySide => (a.source_rows, 2 * a.source_cols),
            LabelSpace::RawAnterior => (a.source_rows, a.source_cols),
            LabelSpace::Prepared => (geometry.prepared_rows, geometry.prepared_cols),
        }
    }

    /// The space whose shape is `(rows, cols)`, trying side-by-side, anterior, prepared in turn.
    pub fn detect(geometry: &ScanGeometry, rows: usize, cols: usize) -> Option<LabelSpace> {
        [
            LabelSpace::RawSideBySide,
            LabelSpace::RawAnterior,
            LabelSpace::Prepared,
        ]
        .into_iter()
        .find(|s| s.shape(geometry) == (rows, cols))
    }
}

/// Moves a label mask drawn in `space` onto the prepared image (values kept; unmapped pixels 0).
///
/// Labels on a posterior half the scan does not have are an error, never dropped silently.
pub fn mask_to_prepared(
    geometry: &ScanGeometry,
    space: LabelSpace,
    mask: ArrayView2<u8>,
) -> Result<Array2<u8>> {
    let expected = space.shape(geometry);
    if mask.dim() != expected {
        return Err(PrepareError::ShapeMismatch {
            what: format!("label mask ({space:?})"),
            got: mask.dim(),
            expected,
        });
    }
    match space {
        LabelSpace::Prepared => Ok(mask.to_owned()),
        LabelSpace::RawAnterior => geometry.views_to_prepared(mask, None),
        LabelSpace::RawSideBySide => {
            let w = geometry.anterior.source_cols;
            geometry.views_to_prepared(mask.slice(s![.., ..w]), Some(mask.slice(s![.., w..])))
        }
    }
}

/// Rasterises a Labelme document (bs-masks, Pillow-identical) in the space its declared image size
/// names, and moves it onto the prepared image. The result holds the label values of `labels`.
pub fn labelme_to_prepared(
    geometry: &ScanGeometry,
    doc: &LabelmeDocument,
    labels: &LabelMap,
) -> Result<Array2<u8>> {
    let err = |e: bs_masks::MaskError| PrepareError::Labels {
        path: doc.file().to_path_buf(),
        source: e.into(),
    };
    let (width, height) = doc.image_size().map_err(err)?;
    let space =
        LabelSpace::detect(geometry, height, width).ok_or_else(|| PrepareError::ShapeMismatch {
            what: format!(
                "{}: Labelme image size (neither raw AP|PA, raw anterior nor prepared)",
                doc.file().display()
            ),
            got: (height, width),
            expected: LabelSpace::RawSideBySide.shape(geometry),
        })?;
    let mask = rasterize(doc, labels, width, height).map_err(err)?;
    mask_to_prepared(geometry, space, mask.view())
}

/// The paper's Otsu three-class mask (Section 3.4): M = `lesion ≠ 0`, NM = (image > Otsu) ∖ M.
pub fn otsu_three_class(image: ArrayView2<f32>, lesion: ArrayView2<u8>) -> Result<ThreeClassMask> {
    let m = lesion.mapv(|v| v != 0);
    bs_masks::nm::otsu_nm(image, m.view()).map_err(prepared_image_error)
}

/// [`otsu_three_class`] of a prepared scan's image, using its
/// [`value_counts`](crate::PreparedScan::value_counts) when known (the same mask, without a
/// counting pass over the image).
pub fn prepared_otsu_three_class(
    prepared: &crate::PreparedScan,
    lesion: ArrayView2<u8>,
) -> Result<ThreeClassMask> {
    let m = lesion.mapv(|v| v != 0);
    let image = prepared.image.view();
    match &prepared.value_counts {
        Some(counts) => bs_masks::nm::otsu_nm_counted(image, m.view(), counts),
        None => bs_masks::nm::otsu_nm(image, m.view()),
    }
    .map_err(prepared_image_error)
}

fn prepared_image_error(e: bs_masks::MaskError) -> PrepareError {
    PrepareError::Labels {
        path: "<prepared image>".into(),
        source: e.into(),
    }
}
