//! 8-connected component labelling of a lesion mask.

use ndarray::{Array2, ArrayView2};

/// Connected components of a binary mask under 8-connectivity (pixels touching by an edge or a
/// corner belong to the same lesion, as hot spots on a bone scan are judged by eye).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Components {
    /// Per pixel: 0 for background, `1..=count` for the lesion it belongs to. Lesions are
    /// numbered in raster order (row-major) of their first pixel.
    pub labels: Array2<u32>,
    /// Number of lesions.
    pub count: usize,
}

impl Components {
    /// Pixel count of each lesion; index `k` holds lesion `k + 1`.
    pub fn sizes(&self) -> Vec<u64> {
        let mut sizes = vec![0u64; self.count];
        for &l in self.labels.iter().filter(|&&l| l > 0) {
            sizes[l as usize - 1] += 1;
        }
        sizes
    }
}

/// Labels the 8-connected components of `mask` with an explicit-stack flood fill (no
/// recursion, so a lesion as large as the image cannot overflow the call stack).
pub fn label_components(mask: ArrayView2<bool>) -> Components {
    let (rows, cols) = mask.dim();
    let mut labels = Array2::<u32>::zeros((rows, cols));
    let mut count = 0u32;
    let mut stack: Vec<(usize, usize)> = Vec::new();
    for r in 0..rows {
        for c in 0..cols {
            if !mask[[r, c]] || labels[[r, c]] != 0 {
                continue;
            }
            count += 1;
            labels[[r, c]] = count;
            stack.push((r, c));
            while let Some((y, x)) = stack.pop() {
                for ny in y.saturating_sub(1)..=(y + 1).min(rows - 1) {
                    for nx in x.saturating_sub(1)..=(x + 1).min(cols - 1) {
                        if mask[[ny, nx]] && labels[[ny, nx]] == 0 {
                            labels[[ny, nx]] = count;
                            stack.push((ny, nx));
                        }
                    }
                }
            }
        }
    }
    Components {
        labels,
        count: count as usize,
    }
}
