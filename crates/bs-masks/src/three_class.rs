//! The three-class target mask of the paper: background, non-metastatic, metastasis.

use ndarray::{Array2, Array3, ArrayView2, Zip};

use crate::error::{MaskError, Result};

/// The classes of the paper's three-class segmentation (Section 3.4), with their pixel values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u8)]
pub enum MaskClass {
    /// BG = 0: air and anything not counted as body or lesion.
    Background = 0,
    /// NM = 1: non-metastatic pixels (body by Otsu, or a binary model's false positives).
    NonMetastatic = 1,
    /// M = 2: metastasis, from the physicians' labelme outlines.
    Metastasis = 2,
}

impl MaskClass {
    /// All classes in value order.
    pub const ALL: [MaskClass; 3] = [Self::Background, Self::NonMetastatic, Self::Metastasis];

    /// The pixel value of the class.
    pub fn value(self) -> u8 {
        self as u8
    }

    /// The class of a pixel value, `None` for values above 2.
    pub fn from_value(value: u8) -> Option<Self> {
        match value {
            0 => Some(Self::Background),
            1 => Some(Self::NonMetastatic),
            2 => Some(Self::Metastasis),
            _ => None,
        }
    }
}

/// A BG 0 / NM 1 / M 2 mask (rows × columns), the target the three-class network trains on.
///
/// Invariants, checked by every constructor: all values are 0, 1 or 2; when built from parts
/// the parts have the same size; no pixel is both M and NM (M is never overwritten by NM).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThreeClassMask {
    classes: Array2<u8>,
}

impl ThreeClassMask {
    /// Builds the mask from a metastasis mask `m` and a non-metastatic mask `nm` of the same
    /// size. A pixel set in both is an error ([`MaskError::MetastasisOverwritten`]): use
    /// [`ThreeClassMask::from_m_and_nm_candidates`] to subtract M from NM candidates.
    pub fn from_parts(m: ArrayView2<'_, bool>, nm: ArrayView2<'_, bool>) -> Result<Self> {
        check_dims("NM mask", m.dim(), nm.dim())?;
        if let Some(pos) = m.iter().zip(nm.iter()).position(|(&a, &b)| a && b) {
            let cols = m.ncols();
            return Err(MaskError::MetastasisOverwritten {
                row: pos / cols,
                col: pos % cols,
            });
        }
        Self::from_m_and_nm_candidates(m, nm)
    }

    /// Builds the mask from `m` and NM candidates: NM = candidates ∖ M (M wins).
    pub fn from_m_and_nm_candidates(
        m: ArrayView2<'_, bool>,
        nm_candidates: ArrayView2<'_, bool>,
    ) -> Result<Self> {
        check_dims("NM candidate mask", m.dim(), nm_candidates.dim())?;
        let classes = Zip::from(&m)
            .and(&nm_candidates)
            .map_collect(|&is_m, &is_nm| {
                if is_m {
                    MaskClass::Metastasis.value()
                } else if is_nm {
                    MaskClass::NonMetastatic.value()
                } else {
                    MaskClass::Background.value()
                }
            });
        Ok(Self { classes })
    }

    /// Wraps an existing class array after checking every value is 0, 1 or 2.
    pub fn from_classes(classes: Array2<u8>) -> Result<Self> {
        if let Some(((row, col), &value)) = classes.indexed_iter().find(|(_, &v)| v > 2) {
            return Err(MaskError::InvalidClassValue { row, col, value });
        }
        Ok(Self { classes })
    }

    /// Wraps class values this crate made, 0, 1 or 2 by construction (no checking pass).
    pub(crate) fn from_valid_classes(classes: Array2<u8>) -> Self {
        debug_assert!(classes.iter().all(|&v| v <= 2));
        Self { classes }
    }

    /// Checks the mask is `rows × cols`, the size of the image it labels.
    pub fn check_size(&self, rows: usize, cols: usize) -> Result<()> {
        check_dims("three-class mask", (rows, cols), self.classes.dim())
    }

    /// `(rows, cols)`.
    pub fn dim(&self) -> (usize, usize) {
        self.classes.dim()
    }

    /// The class values (0, 1, 2).
    pub fn classes(&self) -> ArrayView2<'_, u8> {
        self.classes.view()
    }

    /// The class values, consuming the mask.
    pub fn into_classes(self) -> Array2<u8> {
        self.classes
    }

    /// The class of pixel `(row, col)`, `None` outside the mask.
    pub fn get(&self, row: usize, col: usize) -> Option<MaskClass> {
        self.classes
            .get((row, col))
            .and_then(|&v| MaskClass::from_value(v))
    }

    /// Number of pixels of `class`.
    pub fn count(&self, class: MaskClass) -> usize {
        let v = class.value();
        match self.classes.as_slice_memory_order() {
            Some(s) => count_equal(s, v),
            None => self.classes.iter().filter(|&&c| c == v).count(),
        }
    }

    /// Boolean mask of one class.
    pub fn class_mask(&self, class: MaskClass) -> Array2<bool> {
        let v = class.value();
        self.classes.mapv(|c| c == v)
    }

    /// One-hot encoding, classes × rows × cols (BG, NM, M), as the losses expect.
    pub fn one_hot(&self) -> Array3<f32> {
        let (rows, cols) = self.dim();
        Array3::from_shape_fn((3, rows, cols), |(k, r, c)| {
            f32::from(u8::from(self.classes[[r, c]] as usize == k))
        })
    }
}

bs_simd::vectorised! {
    /// Values equal to `v`: branch-free sums in byte lanes (16 per SSE register, 32 per AVX2
    /// one; ndarray's iterator does not vectorise), 255 values per byte sum.
    fn count_equal, count_equal_baseline(values: &[u8], v: u8) -> usize {
        values
            .chunks(255)
            .map(|c| usize::from(c.iter().fold(0u8, |n, &c| n + u8::from(c == v))))
            .sum()
    }
}

pub(crate) fn check_dims(
    what: &'static str,
    expected: (usize, usize),
    found: (usize, usize),
) -> Result<()> {
    if expected != found {
        return Err(MaskError::SizeMismatch {
            what,
            expected_rows: expected.0,
            expected_cols: expected.1,
            rows: found.0,
            cols: found.1,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_lane_count_equals_a_plain_count_across_chunks() {
        for len in [0usize, 1, 254, 255, 256, 510, 511, 100_000] {
            // runs of one value longer than a byte sum can hold, and mixed stretches
            let values: Vec<u8> = (0..len)
                .map(|i| if i < len / 2 { 1 } else { (i % 3) as u8 })
                .collect();
            for v in 0..4u8 {
                let plain = values.iter().filter(|&&c| c == v).count();
                assert_eq!(count_equal(&values, v), plain, "len {len} value {v}");
                assert_eq!(
                    count_equal_baseline(&values, v),
                    plain,
                    "len {len} value {v}"
                );
            }
        }
    }
}
