//! Drawing 3-D primitives into depth-binned activity layers for the anterior and posterior cameras.
//!
//! Every primitive knows, per point, its distance to the anterior (`df`) and posterior (`db`)
//! skin surface in cm. A camera sees activity attenuated by `exp(-μ·d)` (broad-beam
//! μ = 0.09 /cm for 140 keV in soft tissue: scatter build-up in the 20 % window lowers the
//! narrow-beam 0.15 /cm) and blurred more the farther it
//! is from the collimator, so depth is quantised into [`DEPTH_BINS`] bins, each blurred with its
//! own σ at the end ([`Layers::collapse`]). This is what makes the spine bright in PA and the
//! sternum and patellae bright in AP.

use crate::blur::gaussian_blur;
use crate::{VIEW_COLS, VIEW_ROWS};

/// Effective linear attenuation coefficient of soft tissue at 140 keV, per cm.
pub(crate) const MU_PER_CM: f32 = 0.09;
/// Number of depth bins per camera.
pub(crate) const DEPTH_BINS: usize = 3;
/// Upper depth (cm) of each bin but the last.
const BIN_EDGES_CM: [f32; DEPTH_BINS - 1] = [6.0, 14.0];
/// PSF σ in pixels (2.26 mm) per bin: LEHR collimator, ~7 mm FWHM near the face, ~14 mm at 20 cm.
const BIN_SIGMA_PX: [f32; DEPTH_BINS] = [1.15, 1.75, 2.45];

/// The camera a count image belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Camera {
    Anterior = 0,
    Posterior = 1,
}

/// Depth-binned, not yet blurred activity seen by the two cameras, both in anterior-view columns
/// (the posterior view is mirrored only when the counts are formed).
pub(crate) struct Layers {
    bins: [[Vec<f32>; DEPTH_BINS]; 2],
}

fn depth_bin(d: f32) -> usize {
    BIN_EDGES_CM.iter().take_while(|&&e| d >= e).count()
}

impl Layers {
    pub(crate) fn new() -> Self {
        let plane = || vec![0f32; VIEW_ROWS * VIEW_COLS];
        Self {
            bins: [[plane(), plane(), plane()], [plane(), plane(), plane()]],
        }
    }

    /// Adds `activity` at pixel `idx` lying `df` cm behind the anterior skin and `db` cm in front
    /// of the posterior skin.
    #[inline]
    pub(crate) fn deposit(&mut self, idx: usize, activity: f32, df: f32, db: f32) {
        let df = df.max(0.0);
        let db = db.max(0.0);
        self.bins[0][depth_bin(df)][idx] += activity * (-MU_PER_CM * df).exp();
        self.bins[1][depth_bin(db)][idx] += activity * (-MU_PER_CM * db).exp();
    }

    /// Adds already attenuated activity seen equally by both cameras (soft tissue, halo) into
    /// the middle bin.
    #[inline]
    pub(crate) fn deposit_both(&mut self, idx: usize, seen: f32) {
        self.bins[0][1][idx] += seen;
        self.bins[1][1][idx] += seen;
    }

    /// Sum of the not yet blurred bins of one camera at pixel `idx`.
    pub(crate) fn unblurred(&self, camera: Camera, idx: usize) -> f32 {
        self.bins[camera as usize].iter().map(|b| b[idx]).sum()
    }

    /// Blurs each bin with its PSF and sums them: the noiseless image of each camera
    /// (anterior-view columns).
    pub(crate) fn collapse(mut self) -> [Vec<f32>; 2] {
        let mut out = [Vec::new(), Vec::new()];
        for (cam, bins) in self.bins.iter_mut().enumerate() {
            let mut sum = vec![0f32; VIEW_ROWS * VIEW_COLS];
            for (bin, sigma) in bins.iter_mut().zip(BIN_SIGMA_PX) {
                gaussian_blur(bin, VIEW_ROWS, VIEW_COLS, sigma);
                sum.iter_mut().zip(bin.iter()).for_each(|(s, b)| *s += b);
            }
            out[cam] = sum;
        }
        out
    }
}

/// One node of a [`Tube`]: position in anterior-view pixels, radius (px), activity per unit
/// projected thickness, and depths to the two skins (cm).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Node {
    pub x: f32,
    pub y: f32,
    pub r: f32,
    pub a: f32,
    pub df: f32,
    pub db: f32,
}

/// A bone (or tube of tissue) along a polyline whose radius, activity and depth vary linearly
/// between nodes; its projection is the chord length of a cylinder, `a·√(1-(d/r)²)`.
#[derive(Debug, Clone)]
pub(crate) struct Tube {
    pub nodes: Vec<Node>,
}

/// The node-interpolated properties at the point of a tube nearest to a pixel.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Nearest {
    pub dist: f32,
    pub node: Node,
}

fn lerp(a: f32, b: f32, t: f32) -> f32 {
    a + (b - a) * t
}

impl Tube {
    pub(crate) fn new(nodes: Vec<Node>) -> Self {
        Self { nodes }
    }

    /// Interpolated node at arc parameter `t ∈ [0, 1]` (uniform in segment index).
    pub(crate) fn at(&self, t: f32) -> Node {
        let n = self.nodes.len();
        if n == 1 {
            return self.nodes[0];
        }
        let s = t.clamp(0.0, 1.0) * (n - 1) as f32;
        let i = (s.floor() as usize).min(n - 2);
        interp(&self.nodes[i], &self.nodes[i + 1], s - i as f32)
    }

    /// The nearest point of the centre line to `(x, y)`.
    pub(crate) fn nearest(&self, x: f32, y: f32) -> Nearest {
        let mut best = Nearest {
            dist: f32::INFINITY,
            node: self.nodes[0],
        };
        if self.nodes.len() == 1 {
            let n = self.nodes[0];
            best.dist = ((x - n.x).powi(2) + (y - n.y).powi(2)).sqrt();
            return best;
        }
        for w in self.nodes.windows(2) {
            let (p, q) = (&w[0], &w[1]);
            let (dx, dy) = (q.x - p.x, q.y - p.y);
            let len2 = dx * dx + dy * dy;
            let t = if len2 > 0.0 {
                (((x - p.x) * dx + (y - p.y) * dy) / len2).clamp(0.0, 1.0)
            } else {
                0.0
            };
            let (cx, cy) = (p.x + t * dx, p.y + t * dy);
            let d = ((x - cx).powi(2) + (y - cy).powi(2)).sqrt();
            if d < best.dist {
                best = Nearest {
                    dist: d,
                    node: interp(p, q, t),
                };
            }
        }
        best
    }

    /// Pixel bounding box `(r0, r1, c0, c1)` (inclusive) clipped to the view, if any.
    pub(crate) fn bbox(&self) -> Option<(usize, usize, usize, usize)> {
        let mut b = [
            f32::INFINITY,
            f32::NEG_INFINITY,
            f32::INFINITY,
            f32::NEG_INFINITY,
        ];
        for n in &self.nodes {
            b[0] = b[0].min(n.y - n.r);
            b[1] = b[1].max(n.y + n.r);
            b[2] = b[2].min(n.x - n.r);
            b[3] = b[3].max(n.x + n.r);
        }
        clip_box(b)
    }

    /// Projected chord profile at a pixel, with the node there (None outside the tube).
    pub(crate) fn sample(&self, x: f32, y: f32) -> Option<(f32, Node)> {
        let near = self.nearest(x, y);
        let r = near.node.r.max(0.3);
        if near.dist >= r {
            return None;
        }
        Some(((1.0 - (near.dist / r).powi(2)).sqrt(), near.node))
    }

    /// Draws the tube's activity into the layers (scaled by `gain`).
    pub(crate) fn draw(&self, layers: &mut Layers, gain: f32) {
        let Some((r0, r1, c0, c1)) = self.bbox() else {
            return;
        };
        for r in r0..=r1 {
            for c in c0..=c1 {
                if let Some((chord, n)) = self.sample(c as f32, r as f32) {
                    layers.deposit(r * VIEW_COLS + c, gain * n.a * n.r * chord, n.df, n.db);
                }
            }
        }
    }
}

fn interp(p: &Node, q: &Node, t: f32) -> Node {
    Node {
        x: lerp(p.x, q.x, t),
        y: lerp(p.y, q.y, t),
        r: lerp(p.r, q.r, t),
        a: lerp(p.a, q.a, t),
        df: lerp(p.df, q.df, t),
        db: lerp(p.db, q.db, t),
    }
}

/// Clips a float box `[y0, y1, x0, x1]` to pixel indices of the view.
pub(crate) fn clip_box(b: [f32; 4]) -> Option<(usize, usize, usize, usize)> {
    let r0 = b[0].floor().max(0.0);
    let r1 = b[1].ceil().min((VIEW_ROWS - 1) as f32);
    let c0 = b[2].floor().max(0.0);
    let c1 = b[3].ceil().min((VIEW_COLS - 1) as f32);
    (r0 <= r1 && c0 <= c1 && b[1] >= 0.0 && b[3] >= 0.0).then_some((
        r0 as usize,
        r1 as usize,
        c0 as usize,
        c1 as usize,
    ))
}

/// How an [`Ellipse`] distributes its activity over its footprint.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Profile {
    /// Projection of an ellipsoid: `√(1-ρ²)`.
    Dome,
    /// A shell (skull vault, hollow organ wall): bright rim of relative width `w`, dimmer inside.
    Shell { rim: f32, inner: f32 },
    /// Gaussian falling to ~1 % at the rim.
    Gauss,
}

/// A rotated ellipse at one depth.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Ellipse {
    pub x: f32,
    pub y: f32,
    /// Semi-axis along the rotated x axis (px).
    pub ax: f32,
    /// Semi-axis along the rotated y axis (px).
    pub ay: f32,
    /// Rotation, radians (image coordinates, y down).
    pub angle: f32,
    /// Peak activity (already including the projected thickness).
    pub a: f32,
    pub df: f32,
    pub db: f32,
    pub profile: Profile,
}

impl Ellipse {
    /// Normalised radius ρ of a pixel (ρ < 1 inside).
    pub(crate) fn rho(&self, x: f32, y: f32) -> f32 {
        let (s, c) = self.angle.sin_cos();
        let (dx, dy) = (x - self.x, y - self.y);
        let u = (c * dx + s * dy) / self.ax.max(0.3);
        let v = (-s * dx + c * dy) / self.ay.max(0.3);
        (u * u + v * v).sqrt()
    }

    pub(crate) fn bbox(&self) -> Option<(usize, usize, usize, usize)> {
        let e = self.ax.max(self.ay) + 1.0;
        clip_box([self.y - e, self.y + e, self.x - e, self.x + e])
    }

    /// The profile value in `[0, 1]` at normalised radius ρ.
    pub(crate) fn weight(&self, rho: f32) -> f32 {
        if rho >= 1.0 {
            return 0.0;
        }
        match self.profile {
            Profile::Dome => (1.0 - rho * rho).sqrt(),
            Profile::Shell { rim, inner } => {
                let dome = (1.0 - rho * rho).sqrt();
                if rho > 1.0 - rim {
                    0.8
                } else {
                    inner * dome.max(0.3)
                }
            }
            Profile::Gauss => (-4.6 * rho * rho).exp(),
        }
    }

    pub(crate) fn draw(&self, layers: &mut Layers, gain: f32) {
        let Some((r0, r1, c0, c1)) = self.bbox() else {
            return;
        };
        for r in r0..=r1 {
            for c in c0..=c1 {
                let w = self.weight(self.rho(c as f32, r as f32));
                if w > 0.0 {
                    layers.deposit(r * VIEW_COLS + c, gain * self.a * w, self.df, self.db);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn depth_decides_which_camera_sees_more() {
        let mut layers = Layers::new();
        let idx = 500 * VIEW_COLS + 128;
        layers.deposit(idx, 1.0, 3.0, 17.0); // sternum-like: near the front
        let ap = layers.unblurred(Camera::Anterior, idx);
        let pa = layers.unblurred(Camera::Posterior, idx);
        assert!((ap - (-MU_PER_CM * 3.0).exp()).abs() < 1e-6);
        assert!((pa - (-MU_PER_CM * 17.0).exp()).abs() < 1e-6);
        assert!(ap > 3.0 * pa);
    }

    #[test]
    fn tube_profile_is_a_cylinder_chord() {
        let node = |x: f32| Node {
            x,
            y: 100.0,
            r: 4.0,
            a: 1.0,
            df: 5.0,
            db: 5.0,
        };
        let tube = Tube::new(vec![node(50.0), node(80.0)]);
        let (chord, _) = tube.sample(60.0, 100.0).unwrap();
        assert!((chord - 1.0).abs() < 1e-6);
        let (chord, _) = tube.sample(60.0, 102.0).unwrap();
        assert!((chord - (1.0f32 - 0.25).sqrt()).abs() < 1e-6);
        assert!(tube.sample(60.0, 104.5).is_none());
        let mid = tube.at(0.5);
        assert!((mid.x - 65.0).abs() < 1e-6);
    }
}
