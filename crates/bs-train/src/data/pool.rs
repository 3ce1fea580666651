//! Reduction of prepared 640×512 images to a profile's training size.

use ndarray::{Array2, ArrayView2};

/// Mean over non-overlapping `pr × pc` blocks (rows/cols not divisible are cropped):
/// `y[i, j] = (1 / (pr·pc)) Σ x[i·pr + a, j·pc + b]`. Keeps the 0…255 intensity scale.
pub fn avg_pool(x: ArrayView2<'_, f32>, pr: usize, pc: usize) -> Array2<f32> {
    let (h, w) = (x.nrows() / pr, x.ncols() / pc);
    let scale = 1.0 / (pr * pc) as f32;
    Array2::from_shape_fn((h, w), |(i, j)| {
        x.slice(ndarray::s![i * pr..(i + 1) * pr, j * pc..(j + 1) * pc])
            .sum()
            * scale
    })
}

/// Maximum over blocks: a class-value mask (BG 0 < NM 1 < M 2) keeps M wherever any pixel of
/// the block is M, so small lesions survive the reduction.
pub fn max_pool_u8(x: ArrayView2<'_, u8>, pr: usize, pc: usize) -> Array2<u8> {
    let (h, w) = (x.nrows() / pr, x.ncols() / pc);
    Array2::from_shape_fn((h, w), |(i, j)| {
        x.slice(ndarray::s![i * pr..(i + 1) * pr, j * pc..(j + 1) * pc])
            .iter()
            .copied()
            .max()
            .unwrap_or(0)
    })
}

/// Logical OR over blocks.
pub fn max_pool_bool(x: ArrayView2<'_, bool>, pr: usize, pc: usize) -> Array2<bool> {
    let (h, w) = (x.nrows() / pr, x.ncols() / pc);
    Array2::from_shape_fn((h, w), |(i, j)| {
        x.slice(ndarray::s![i * pr..(i + 1) * pr, j * pc..(j + 1) * pc])
            .iter()
            .any(|&v| v)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pooling_matches_hand_computed_blocks() {
        let x = Array2::from_shape_fn((4, 6), |(i, j)| (i * 6 + j) as f32);
        let y = avg_pool(x.view(), 2, 3);
        assert_eq!(y.dim(), (2, 2));
        assert_eq!(y[[0, 0]], (0.0 + 1.0 + 2.0 + 6.0 + 7.0 + 8.0) / 6.0);
        assert_eq!(y[[1, 1]], (15.0 + 16.0 + 17.0 + 21.0 + 22.0 + 23.0) / 6.0);
        let mut c = Array2::<u8>::zeros((4, 4));
        c[[0, 0]] = 1;
        c[[3, 3]] = 2;
        c[[2, 2]] = 1;
        let p = max_pool_u8(c.view(), 2, 2);
        assert_eq!(p, ndarray::array![[1, 0], [0, 2]]);
        let b = c.mapv(|v| v == 2);
        assert_eq!(
            max_pool_bool(b.view(), 2, 2),
            ndarray::array![[false, false], [false, true]]
        );
    }
}
