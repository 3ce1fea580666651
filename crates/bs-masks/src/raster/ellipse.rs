//! Pillow's ellipse rasteriser (`ellipseNew` with its `quarter_*` and `ellipse_*` stepping).
//!
//! Pillow walks a quarter of the ellipse on a doubled integer grid (points `(2x + a mod 2,
//! 2y + b mod 2)`), always stepping to the neighbour whose substitution into the ellipse
//! equation `a²y² + b²x² − a²b²` is smallest in magnitude, and mirrors each row to the other
//! quarters. A filled ellipse is a "thick outline" whose thickness reaches the centre.

use super::canvas::Canvas;

/// One quarter of the ellipse on the doubled grid.
struct Quarter {
    b2: i64,
    a2: i64,
    a2b2: i64,
    cx: i32,
    cy: i32,
    ex: i32,
    ey: i32,
    finished: bool,
}

impl Quarter {
    fn new(a: i32, b: i32) -> Self {
        if a < 0 || b < 0 {
            return Self {
                a2: 0,
                b2: 0,
                a2b2: 0,
                cx: 0,
                cy: 0,
                ex: 0,
                ey: 0,
                finished: true,
            };
        }
        let a2 = i64::from(a) * i64::from(a);
        let b2 = i64::from(b) * i64::from(b);
        Self {
            a2,
            b2,
            a2b2: a2 * b2,
            cx: a,
            cy: b % 2,
            ex: a % 2,
            ey: b,
            finished: false,
        }
    }

    /// |a²y² + b²x² − a²b²|: how far a grid point is from the curve.
    fn delta(&self, x: i32, y: i32) -> i64 {
        let (x, y) = (i64::from(x), i64::from(y));
        (self.a2 * y * y + self.b2 * x * x - self.a2b2).abs()
    }

    fn next(&mut self) -> Option<(i32, i32)> {
        if self.finished {
            return None;
        }
        let ret = (self.cx, self.cy);
        if self.cx == self.ex && self.cy == self.ey {
            self.finished = true;
        } else {
            let mut nx = self.cx;
            let mut ny = self.cy + 2;
            let mut ndelta = self.delta(nx, ny);
            if nx > 1 {
                let newdelta = self.delta(self.cx - 2, self.cy + 2);
                if ndelta > newdelta {
                    nx = self.cx - 2;
                    ny = self.cy + 2;
                    ndelta = newdelta;
                }
                let newdelta = self.delta(self.cx - 2, self.cy);
                if ndelta > newdelta {
                    nx = self.cx - 2;
                    ny = self.cy;
                }
            }
            self.cx = nx;
            self.cy = ny;
        }
        Some(ret)
    }
}

/// Rows of an ellipse outline `w` grid steps thick (outer and inner quarter combined).
struct EllipseRows {
    outer: Quarter,
    inner: Quarter,
    py: i32,
    pl: i32,
    pr: i32,
    leftmost: i32,
    finished: bool,
}

impl EllipseRows {
    fn new(a: i32, b: i32, w: i32) -> Self {
        let leftmost = a % 2;
        let mut outer = Quarter::new(a, b);
        let first = if w < 1 { None } else { outer.next() };
        let (pr, py) = first.unwrap_or((0, 0));
        let inner = if first.is_some() {
            Quarter::new(a - 2 * (w - 1), b - 2 * (w - 1))
        } else {
            Quarter::new(-1, -1)
        };
        Self {
            outer,
            inner,
            py,
            pl: leftmost,
            pr,
            leftmost,
            finished: first.is_none(),
        }
    }

    /// The next group of up to four mirrored row segments `(x0, y, x1)` on the doubled grid.
    fn next_rows(&mut self, out: &mut Vec<(i32, i32, i32)>) -> bool {
        out.clear();
        if self.finished {
            return false;
        }
        let y = self.py;
        let mut l = self.pl;
        let r = self.pr;
        loop {
            match self.outer.next() {
                Some((_, cy)) if cy <= y => {}
                Some((cx, cy)) => {
                    self.pr = cx;
                    self.py = cy;
                    break;
                }
                None => {
                    self.finished = true;
                    break;
                }
            }
        }
        let mut inner_next = None;
        loop {
            match self.inner.next() {
                Some((cx, cy)) if cy <= y => l = cx,
                Some((cx, _)) => {
                    inner_next = Some(cx);
                    break;
                }
                None => break,
            }
        }
        self.pl = inner_next.unwrap_or(self.leftmost);

        let left = if l == 0 { 2 } else { l };
        if (l > 0 || l < r) && y > 0 {
            out.push((left, y, r));
        }
        if y > 0 {
            out.push((-r, y, -l));
        }
        if l > 0 || l < r {
            out.push((left, -y, r));
        }
        out.push((-r, -y, -l));
        true
    }
}

/// Fills the ellipse inscribed in the integer box `(x0, y0)`–`(x1, y1)` as
/// `ImageDraw.ellipse(box, fill=ink)` does. Nothing is drawn when `x1 < x0` or `y1 < y0`.
pub fn fill_ellipse(canvas: &mut Canvas<'_>, x0: i32, y0: i32, x1: i32, y1: i32, ink: u8) {
    let a = x1 - x0;
    let b = y1 - y0;
    if a < 0 || b < 0 {
        return;
    }
    let mut rows = EllipseRows::new(a, b, a + b);
    let mut segments = Vec::with_capacity(4);
    while rows.next_rows(&mut segments) {
        for &(sx0, sy, sx1) in &segments {
            canvas.hline(
                x0 + (sx0 + a) / 2,
                y0 + (sy + b) / 2,
                x0 + (sx1 + a) / 2,
                ink,
            );
        }
    }
}
