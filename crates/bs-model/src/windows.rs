//! Whole images through windows of the size a network was trained on (patch training): the
//! windows tile the image edge to edge, the last of each row and column flush with the border,
//! and where two overlap their outputs are averaged:
//!
//! ```text
//! starts(len, win) = 0, win, 2·win, … (while start + win < len), len − win
//! y[n, c, i, j] = mean over the windows w ∋ (i, j) of f(x[w])[n, c, i − top(w), j − left(w)]
//! ```

use tch::{Kind, Tensor};

/// Window starts along a side of `len` (see the module documentation); `[0]` when the window
/// is at least as long as the side.
pub fn window_starts(len: i64, win: i64) -> Vec<i64> {
    if win >= len || win <= 0 {
        return vec![0];
    }
    let mut starts: Vec<i64> = (0..)
        .map(|k| k * win)
        .take_while(|&s| s + win < len)
        .collect();
    starts.push(len - win);
    starts
}

/// Applies `f` to every window of `window` (rows, cols) of `x` (N×C×H×W) and assembles its
/// outputs (N×C'×h×w, float) into N×C'×H×W, averaging overlaps. A window larger than the image
/// is clipped to it.
pub fn tiled<E>(
    x: &Tensor,
    window: (i64, i64),
    mut f: impl FnMut(&Tensor) -> Result<Tensor, E>,
) -> Result<Tensor, E> {
    let size = x.size();
    let (h, w) = (size[2], size[3]);
    let (wh, ww) = (window.0.min(h), window.1.min(w));
    let mut sum: Option<Tensor> = None;
    let count = Tensor::zeros([1, 1, h, w], (Kind::Float, x.device()));
    for &top in &window_starts(h, wh) {
        for &left in &window_starts(w, ww) {
            let out = f(&x.narrow(2, top, wh).narrow(3, left, ww))?.to_kind(Kind::Float);
            let acc = sum.get_or_insert_with(|| {
                Tensor::zeros([size[0], out.size()[1], h, w], (Kind::Float, x.device()))
            });
            let mut region = acc.narrow(2, top, wh).narrow(3, left, ww);
            region += out;
            let mut seen = count.narrow(2, top, wh).narrow(3, left, ww);
            seen += 1.0;
        }
    }
    // at least one window always runs, so `sum` is set
    Ok(sum.map_or(count.shallow_clone(), |s| s / count))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn starts_cover_every_pixel_with_windows_inside() {
        for len in 1..80 {
            for win in 1..=len + 3 {
                let starts = window_starts(len, win);
                let w = win.min(len);
                let mut covered = vec![false; len as usize];
                for &s in &starts {
                    assert!(s >= 0 && s + w <= len, "len {len} win {win} start {s}");
                    for i in s..s + w {
                        covered[i as usize] = true;
                    }
                }
                assert!(covered.iter().all(|&c| c), "len {len} win {win}");
                assert_eq!(
                    starts.len() as i64,
                    (len + w - 1) / w,
                    "as few windows as fit"
                );
            }
        }
    }

    #[test]
    fn tiling_reassembles_a_pointwise_map_and_each_window_sees_its_own_pixels() {
        let x =
            Tensor::arange(2 * 40 * 24, (Kind::Float, tch::Device::Cpu)).reshape([2, 1, 40, 24]);
        let mut calls = 0;
        // a pointwise map comes back unchanged, overlaps included (averaged equal values)
        let y = tiled(&x, (16, 16), |t| -> Result<Tensor, ()> {
            calls += 1;
            assert_eq!(t.size(), [2, 1, 16, 16]);
            Ok(Tensor::cat(&[t * 2.0, t.ones_like()], 1))
        })
        .unwrap();
        assert_eq!(calls, 3 * 2);
        assert_eq!(y.size(), [2, 2, 40, 24]);
        assert!(y.narrow(1, 0, 1).allclose(&(&x * 2.0), 1e-6, 1e-6, false));
        assert!(y
            .narrow(1, 1, 1)
            .allclose(&x.ones_like(), 1e-6, 1e-6, false));
        // a map that depends on the window (its mean) differs from one pass over the image
        let windowed = tiled(&x, (16, 16), |t| -> Result<Tensor, ()> {
            Ok(t.mean_dim([2i64, 3].as_slice(), true, Kind::Float)
                .expand_as(t))
        })
        .unwrap();
        let window_mean = |top: i64, left: i64| {
            x.get(0)
                .narrow(1, top, 16)
                .narrow(2, left, 16)
                .mean(Kind::Float)
                .double_value(&[])
        };
        let at = |i: i64, j: i64| windowed.double_value(&[0, 0, i, j]);
        // (0, 0) lies in the top-left window only; (39, 23) in the bottom-right (24, 8) only
        assert!((at(0, 0) - window_mean(0, 0)).abs() < 1e-3);
        assert!((at(39, 23) - window_mean(24, 8)).abs() < 1e-3);
        // (28, 10) lies in the windows at rows 16 and 24, columns 0 and 8: their average
        let four =
            (window_mean(16, 0) + window_mean(16, 8) + window_mean(24, 0) + window_mean(24, 8))
                / 4.0;
        assert!((at(28, 10) - four).abs() < 1e-3);
        assert!((at(0, 0) - x.get(0).mean(Kind::Float).double_value(&[])).abs() > 1.0);
        // a window as large as the image is a single call on the whole image
        let mut one = 0;
        let whole = tiled(&x, (64, 64), |t| -> Result<Tensor, ()> {
            one += 1;
            Ok(t.shallow_clone())
        })
        .unwrap();
        assert_eq!(one, 1);
        assert!(whole.equal(&x));
    }
}
