//! Per-patient body shape and pose, and the projection of 3-D body coordinates onto the views.
//!
//! Body coordinates: `u` lateral in cm (positive = patient's left = right side of the anterior
//! image), `v` longitudinal as a fraction of body height from the vertex, `z` depth as a fraction
//! of the local body thickness from the anterior skin (0) to the posterior skin (1). Anthropometric
//! landmarks (chin 0.13, shoulders 0.18, hips 0.48, knees 0.715, ankles 0.955 of height) follow
//! standard proportions; lateral sizes are in cm for a 170 cm adult and scale with height.

use rand::Rng;
use serde::{Deserialize, Serialize};

use crate::raster::Node;
use crate::PIXEL_SPACING_MM;

/// Patient sex (breast-cancer patients are female, prostate-cancer patients male).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Sex {
    /// Female.
    Female,
    /// Male.
    Male,
}

/// Body side of the patient.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Side {
    /// Patient's right (left half of the anterior image).
    Right,
    /// Patient's left (right half of the anterior image).
    Left,
}

impl Side {
    /// Sign of `u` on this side.
    pub fn sign(self) -> f32 {
        match self {
            Side::Right => -1.0,
            Side::Left => 1.0,
        }
    }

    pub(crate) fn random<R: Rng>(rng: &mut R) -> Side {
        if rng.random_bool(0.5) {
            Side::Left
        } else {
            Side::Right
        }
    }

    /// Lower-case name for manifests.
    pub fn name(self) -> &'static str {
        match self {
            Side::Right => "right",
            Side::Left => "left",
        }
    }
}

/// Sampled shape and pose of one patient on the scanner table.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BodyParams {
    /// Sex.
    pub sex: Sex,
    /// Age in years (older patients get more degenerative uptake).
    pub age: u32,
    /// Body height in cm.
    pub height_cm: f32,
    /// Build factor (1 = average; scales soft-tissue width and thickness).
    pub build: f32,
    /// Row of the vertex (table position).
    pub top_row: f32,
    /// Column of the body midline.
    pub centre_col: f32,
    /// In-plane tilt of the whole body about the pelvis, degrees.
    pub tilt_deg: f32,
    /// In-plane tilt of the head about the neck, degrees.
    pub head_tilt_deg: f32,
    /// Rotation about the long axis, degrees (shifts posterior structures against anterior ones).
    pub axial_rotation_deg: f32,
    /// Arm abduction from the body axis, degrees, `[right, left]`.
    pub arm_abduction_deg: [f32; 2],
    /// Extra forearm angle, degrees, `[right, left]`.
    pub forearm_angle_deg: [f32; 2],
    /// Hands resting on the abdomen instead of beside the thighs.
    pub hands_on_abdomen: bool,
    /// Extra lateral offset of each ankle, cm.
    pub leg_spread_cm: f32,
    /// Relative skeletal uptake (bone-to-soft-tissue ratio varies with age, renal function, timing).
    pub bone_uptake: f32,
    /// Relative soft-tissue activity.
    pub soft_tissue: f32,
}

impl BodyParams {
    /// Samples a plausible adult of the given sex (Taiwanese adult height distributions).
    pub fn sample<R: Rng>(rng: &mut R, sex: Sex) -> Self {
        let (mean_h, sd_h) = match sex {
            Sex::Female => (157.0, 6.0),
            Sex::Male => (168.0, 6.5),
        };
        let height_cm = (mean_h + sd_h * normal(rng)).clamp(mean_h - 15.0, mean_h + 17.0);
        let height_px = height_cm * 10.0 / PIXEL_SPACING_MM as f32;
        let margin = 1024.0 - height_px;
        let top_row = rng.random_range(0.06 * margin..0.75 * margin);
        let abd = |rng: &mut R| rng.random_range(2.0f32..10.0);
        Self {
            sex,
            age: rng.random_range(38..86),
            height_cm,
            build: (1.0 + 0.1 * normal(rng)).clamp(0.8, 1.3),
            top_row,
            centre_col: 128.0 + 2.5 * normal(rng),
            tilt_deg: 1.2 * normal(rng),
            head_tilt_deg: 4.0 * normal(rng),
            axial_rotation_deg: 3.0 * normal(rng),
            arm_abduction_deg: [abd(rng), abd(rng)],
            forearm_angle_deg: [rng.random_range(-3.0..5.0), rng.random_range(-3.0..5.0)],
            hands_on_abdomen: rng.random_bool(0.12),
            leg_spread_cm: rng.random_range(-1.0..4.0),
            bone_uptake: (1.0 + 0.18 * normal(rng)).clamp(0.6, 1.5),
            soft_tissue: (1.0 + 0.2 * normal(rng)).clamp(0.55, 1.6),
        }
    }
}

/// A standard normal variate (Box–Muller; one draw per call keeps streams simple).
pub(crate) fn normal<R: Rng + ?Sized>(rng: &mut R) -> f32 {
    let u1: f64 = rng.random::<f64>().max(1e-12);
    let u2: f64 = rng.random();
    ((-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()) as f32
}

/// Pixels per cm in both directions.
pub(crate) const PX_PER_CM: f32 = 10.0 / PIXEL_SPACING_MM as f32;

/// Projection of body coordinates for one patient.
#[derive(Debug, Clone)]
pub(crate) struct Frame {
    pub p: BodyParams,
    /// Height scale (1 = 170 cm).
    pub k: f32,
    /// The patient's height in pixels.
    pub height_px: f32,
    tilt: (f32, f32),
    head_tilt: (f32, f32),
    rot: (f32, f32),
}

/// Local anterior–posterior body thickness of the trunk (cm) at level `v`, before build scaling.
fn trunk_thickness(v: f32) -> f32 {
    const T: [(f32, f32); 9] = [
        (0.0, 17.0),
        (0.12, 19.0),
        (0.15, 12.0),
        (0.19, 19.0),
        (0.28, 22.0),
        (0.38, 21.0),
        (0.47, 22.0),
        (0.53, 17.0),
        (1.0, 17.0),
    ];
    for w in T.windows(2) {
        if v <= w[1].0 {
            let t = ((v - w[0].0) / (w[1].0 - w[0].0)).clamp(0.0, 1.0);
            return w[0].1 + t * (w[1].1 - w[0].1);
        }
    }
    T[T.len() - 1].1
}

/// Level of the neck pivot (head tilt) as a fraction of height.
pub(crate) const NECK_V: f32 = 0.14;

impl Frame {
    pub(crate) fn new(p: BodyParams) -> Self {
        let sc = |deg: f32| {
            let r = deg.to_radians();
            (r.sin(), r.cos())
        };
        Self {
            k: p.height_cm / 170.0,
            height_px: p.height_cm * 10.0 / PIXEL_SPACING_MM as f32,
            tilt: sc(p.tilt_deg),
            head_tilt: sc(p.head_tilt_deg),
            rot: sc(p.axial_rotation_deg),
            p,
        }
    }

    /// Trunk thickness (cm) at level `v` for this patient.
    pub(crate) fn thickness(&self, v: f32) -> f32 {
        let t = trunk_thickness(v) * self.k;
        if v < NECK_V {
            t
        } else {
            t * self.p.build
        }
    }

    /// Length in px of `cm` centimetres of a 170 cm body scaled to this patient.
    pub(crate) fn px(&self, cm: f32) -> f32 {
        cm * self.k * PX_PER_CM
    }

    /// Projects `(u cm, v, z)` of a structure inside a part `t_cm` thick: image `(x, y)` and the
    /// depths to the anterior and posterior skin.
    pub(crate) fn project_in(&self, u: f32, v: f32, z: f32, t_cm: f32) -> (f32, f32, f32, f32) {
        let (mut uu, mut vv) = (u * self.k * PX_PER_CM, v * self.height_px);
        if v < NECK_V {
            // head tilt about the neck
            let neck = NECK_V * self.height_px;
            let (s, c) = self.head_tilt;
            let (du, dv) = (uu, vv - neck);
            uu = c * du - s * dv;
            vv = neck + s * du + c * dv;
        }
        // axial rotation: posterior structures shift one way, anterior ones the other
        let (rs, rc) = self.rot;
        uu = uu * rc + (z - 0.5) * t_cm * PX_PER_CM * rs;
        // whole-body tilt about the pelvis
        let pivot = 0.5 * self.height_px;
        let (s, c) = self.tilt;
        let (du, dv) = (uu, vv - pivot);
        let x = self.p.centre_col + c * du - s * dv;
        let y = self.p.top_row + pivot + s * du + c * dv;
        (x, y, z * t_cm, (1.0 - z) * t_cm)
    }

    /// Projects a trunk structure (thickness from the trunk profile).
    pub(crate) fn project(&self, u: f32, v: f32, z: f32) -> (f32, f32, f32, f32) {
        self.project_in(u, v, z, self.thickness(v))
    }

    /// A tube node in the trunk: radius in cm, activity per px of chord.
    pub(crate) fn node(&self, u: f32, v: f32, z: f32, r_cm: f32, a: f32) -> Node {
        let (x, y, df, db) = self.project(u, v, z);
        Node {
            x,
            y,
            r: self.px(r_cm),
            a,
            df,
            db,
        }
    }

    /// A tube node in a limb `t_cm` thick.
    pub(crate) fn limb_node(&self, u: f32, v: f32, z: f32, t_cm: f32, r_cm: f32, a: f32) -> Node {
        let (x, y, df, db) = self.project_in(u, v, z, t_cm);
        Node {
            x,
            y,
            r: self.px(r_cm),
            a,
            df,
            db,
        }
    }

    /// Converts a length along the body axis in cm to a fraction of height.
    pub(crate) fn dv(&self, cm: f32) -> f32 {
        cm * self.k / self.p.height_cm
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn sampled_bodies_fit_the_view() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(9);
        for i in 0..200 {
            let sex = if i % 2 == 0 { Sex::Female } else { Sex::Male };
            let p = BodyParams::sample(&mut rng, sex);
            let f = Frame::new(p);
            let (_, top, _, _) = f.project(0.0, 0.0, 0.5);
            let (_, sole, _, _) = f.project_in(0.0, 1.0, 0.5, 8.0);
            assert!(top >= 0.0 && sole < 1024.0, "body rows {top}..{sole}");
            assert!(sole - top > 600.0, "body length {}", sole - top);
        }
    }

    #[test]
    fn depth_fractions_split_the_thickness() {
        let p = BodyParams::sample(&mut rand_chacha::ChaCha8Rng::seed_from_u64(1), Sex::Male);
        let f = Frame::new(p);
        let (_, _, df, db) = f.project(0.0, 0.3, 0.8);
        assert!((df + db - f.thickness(0.3)).abs() < 1e-4);
        assert!(db < df, "a structure at z=0.8 is nearer the back");
    }
}
