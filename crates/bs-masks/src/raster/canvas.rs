//! The 8-bit pixel buffer the primitives draw into, with Pillow's clipping rules.

use ndarray::ArrayViewMut2;

/// A mutable 8-bit image (rows × columns) that Pillow-style primitives draw into.
///
/// Drawing outside the image is clipped silently, as Pillow does.
pub struct Canvas<'a> {
    pixels: ArrayViewMut2<'a, u8>,
    width: i32,
    height: i32,
}

impl<'a> Canvas<'a> {
    /// Wraps a rows × columns array. Images larger than `i32::MAX` pixels on a side are not
    /// supported (Pillow has the same limit).
    pub fn new(pixels: ArrayViewMut2<'a, u8>) -> Self {
        let (rows, cols) = pixels.dim();
        let height = i32::try_from(rows).unwrap_or(i32::MAX);
        let width = i32::try_from(cols).unwrap_or(i32::MAX);
        Self {
            pixels,
            width,
            height,
        }
    }

    /// Image width in pixels (columns).
    pub fn width(&self) -> i32 {
        self.width
    }

    /// Image height in pixels (rows).
    pub fn height(&self) -> i32 {
        self.height
    }

    /// Sets one pixel when it lies inside the image (Pillow's `point8`).
    pub fn point(&mut self, x: i32, y: i32, ink: u8) {
        if x >= 0 && x < self.width && y >= 0 && y < self.height {
            self.pixels[[y as usize, x as usize]] = ink;
        }
    }

    /// Sets pixels `x0..=x1` of row `y`, clipped to the image (Pillow's `hline8`).
    pub fn hline(&mut self, x0: i32, y: i32, x1: i32, ink: u8) {
        if y < 0 || y >= self.height || x0 >= self.width || x1 < 0 {
            return;
        }
        let x0 = x0.max(0);
        let x1 = x1.min(self.width - 1);
        if x0 <= x1 {
            let mut row = self.pixels.row_mut(y as usize);
            for x in x0..=x1 {
                row[x as usize] = ink;
            }
        }
    }
}
