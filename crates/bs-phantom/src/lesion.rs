//! Bone metastases (class M): where they occur, how big, how hot, what shape.
//!
//! Site frequencies follow the clinical order for breast and prostate cancer (axial skeleton
//! first: spine, then ribs and sternum, pelvis, skull, proximal femur and humerus). Breast
//! metastases are fewer and partly osteolytic (a cold centre inside a hot rim); prostate
//! metastases are osteoblastic, hotter and more numerous, and a few patients have a superscan.
//! Contrast is the ratio of lesion to local bone uptake, drawn log-uniformly.

use rand::Rng;
use serde::{Deserialize, Serialize};

use crate::anatomy::{Anatomy, BonePart, Prim, Site};
use crate::body::Side;
use crate::raster::{Ellipse, Layers, Profile, Tube};
use crate::VIEW_COLS;

/// Primary cancer of a patient.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Cancer {
    /// Breast cancer (data sets D1, D2).
    Breast,
    /// Prostate cancer (data sets D3, D4).
    Prostate,
}

impl Cancer {
    /// The primary cancer of a Table 1 group.
    pub fn of(group: crate::Group) -> Self {
        match group {
            crate::Group::D1 | crate::Group::D2 => Cancer::Breast,
            crate::Group::D3 | crate::Group::D4 => Cancer::Prostate,
        }
    }

    /// Lower-case name for manifests.
    pub fn name(self) -> &'static str {
        match self {
            Cancer::Breast => "breast",
            Cancer::Prostate => "prostate",
        }
    }
}

/// Outline type of a lesion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LesionShape {
    /// Round focal spot.
    Round,
    /// Oval, elongated along the bone.
    Oval,
    /// Union of a few overlapping blobs.
    Irregular,
    /// Large confluent area spreading along the bone.
    Confluent,
}

/// One ellipse of a lesion's footprint (anterior-view pixel coordinates).
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub struct LesionBlob {
    /// Centre column.
    pub x: f32,
    /// Centre row.
    pub y: f32,
    /// Semi-axis along the rotated x axis (px).
    pub ax: f32,
    /// Semi-axis along the rotated y axis (px).
    pub ay: f32,
    /// Rotation (radians).
    pub angle: f32,
}

impl LesionBlob {
    fn ellipse(&self) -> Ellipse {
        Ellipse {
            x: self.x,
            y: self.y,
            ax: self.ax,
            ay: self.ay,
            angle: self.angle,
            a: 0.0,
            df: 0.0,
            db: 0.0,
            profile: Profile::Dome,
        }
    }
}

/// One metastasis of a patient, with where it ended up in the two views.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Lesion {
    /// Skeletal site.
    pub site: Site,
    /// The bone it sits on ("T7", "left rib 5").
    pub bone: String,
    /// Body side, for paired bones.
    pub side: Option<Side>,
    /// Outline type.
    pub shape: LesionShape,
    /// Lesion-to-local-bone uptake ratio.
    pub contrast: f32,
    /// Osteolytic pattern: cold centre in a hot rim.
    pub lytic: bool,
    /// Equivalent radius in pixels.
    pub radius_px: f32,
    /// Centre in anterior-view pixel coordinates `[column, row]`.
    pub centre: [f32; 2],
    /// Distance to the anterior skin (cm).
    pub depth_anterior_cm: f32,
    /// Distance to the posterior skin (cm).
    pub depth_posterior_cm: f32,
    /// Footprint ellipses (anterior-view coordinates).
    pub blobs: Vec<LesionBlob>,
    /// Visible (and so labelled) in the anterior view.
    pub visible_anterior: bool,
    /// Visible (and so labelled) in the posterior view.
    pub visible_posterior: bool,
    /// Rose-criterion SNR in `[anterior, posterior]`.
    pub snr: [f32; 2],
    /// Peak added activity (model units).
    #[serde(skip)]
    pub(crate) excess: f32,
    /// Local bone activity (model units), for the lytic centre.
    #[serde(skip)]
    pub(crate) bone_level: f32,
}

/// Relative site frequencies `(site, weight)` per cancer.
fn site_weights(cancer: Cancer) -> &'static [(Site, f32)] {
    match cancer {
        Cancer::Breast => &[
            (Site::ThoracicSpine, 26.0),
            (Site::LumbarSpine, 16.0),
            (Site::CervicalSpine, 3.0),
            (Site::Rib, 20.0),
            (Site::Sternum, 7.0),
            (Site::Pelvis, 12.0),
            (Site::Sacrum, 3.0),
            (Site::Skull, 7.0),
            (Site::Femur, 7.0),
            (Site::Humerus, 3.0),
            (Site::Scapula, 2.0),
            (Site::Clavicle, 1.0),
        ],
        Cancer::Prostate => &[
            (Site::ThoracicSpine, 21.0),
            (Site::LumbarSpine, 19.0),
            (Site::CervicalSpine, 2.0),
            (Site::Rib, 16.0),
            (Site::Sternum, 3.0),
            (Site::Pelvis, 22.0),
            (Site::Sacrum, 6.0),
            (Site::Skull, 4.0),
            (Site::Femur, 8.0),
            (Site::Humerus, 3.0),
            (Site::Scapula, 2.0),
        ],
    }
}

fn pick_weighted<R: Rng, T: Copy>(rng: &mut R, items: &[(T, f32)]) -> T {
    let total: f32 = items.iter().map(|(_, w)| w).sum();
    let mut x = rng.random_range(0.0..total);
    for &(item, w) in items {
        if x < w {
            return item;
        }
        x -= w;
    }
    items[items.len() - 1].0
}

/// Lesion-to-local-bone contrast range of breast-cancer lesions.
pub(crate) const BREAST_CONTRAST: (f32, f32) = (1.5, 6.0);

/// A draw uniform in `ln x` between `lo` and `hi`.
pub(crate) fn log_uniform<R: Rng>(rng: &mut R, lo: f32, hi: f32) -> f32 {
    (rng.random_range(lo.ln()..hi.ln())).exp()
}

/// Draws one candidate lesion (visibility is decided later from the rendered counts).
pub(crate) fn sample_lesion<R: Rng>(
    rng: &mut R,
    anatomy: &Anatomy,
    cancer: Cancer,
    superscan: bool,
) -> Lesion {
    let (site, part) = pick_part(rng, anatomy, cancer);
    let at = point_on_bone(rng, part);
    let prostate = cancer == Cancer::Prostate;
    let shape = lesion_shape(rng, prostate, superscan);
    let radius = match shape {
        LesionShape::Confluent => rng.random_range(6.5..15.0),
        _ => log_uniform(rng, 1.7, if prostate { 7.5 } else { 6.5 }),
    };
    let blobs = lesion_blobs(rng, shape, radius, &at);
    let contrast = if prostate {
        log_uniform(rng, 2.0, 10.0)
    } else {
        log_uniform(rng, BREAST_CONTRAST.0, BREAST_CONTRAST.1)
    };
    let lytic = !prostate && radius > 3.5 && rng.random_bool(0.18);
    let bone_level = at.bone_level.max(1e-3);
    Lesion {
        site,
        bone: part.label.clone(),
        side: part.side,
        shape,
        contrast,
        lytic,
        radius_px: radius,
        centre: [at.x, at.y],
        depth_anterior_cm: at.df,
        depth_posterior_cm: at.db,
        blobs,
        visible_anterior: false,
        visible_posterior: false,
        snr: [0.0, 0.0],
        excess: (contrast - 1.0) * bone_level * part.lesion_gain,
        bone_level,
    }
}

/// A site by its clinical frequency for `cancer`, then one of its bone parts (posterior
/// elements excepted).
fn pick_part<'a, R: Rng>(
    rng: &mut R,
    anatomy: &'a Anatomy,
    cancer: Cancer,
) -> (Site, &'a BonePart) {
    let site = pick_weighted(rng, site_weights(cancer));
    let parts: Vec<&BonePart> = anatomy
        .bones
        .iter()
        .filter(|b| b.site == site && b.label != "posterior elements")
        .collect();
    (site, parts[rng.random_range(0..parts.len())])
}

/// Where a lesion sits on its bone, and what the bone is like there.
struct BonePoint {
    /// Centre column.
    x: f32,
    /// Centre row.
    y: f32,
    /// Distance to the anterior skin (cm).
    df: f32,
    /// Distance to the posterior skin (cm).
    db: f32,
    /// Bone activity there (model units).
    bone_level: f32,
    /// Direction of the bone (radians).
    dir: f32,
    /// Bone half-width (px).
    bone_r: f32,
}

/// A random point on a bone part: along a tube within its lesion range, or inside an ellipse.
fn point_on_bone<R: Rng>(rng: &mut R, part: &BonePart) -> BonePoint {
    match &part.prim {
        Prim::Tube(t) => point_on_tube(rng, t, part.lesion_range),
        Prim::Ellipse(e) => point_in_ellipse(rng, e),
    }
}

/// A random point on a tube at `t` in `lo..hi`, off its centre line by up to 0.4 radius.
fn point_on_tube<R: Rng>(rng: &mut R, t: &Tube, (lo, hi): (f32, f32)) -> BonePoint {
    let tt = rng.random_range(lo..hi);
    let n = t.at(tt);
    let m = t.at((tt + 0.02).min(1.0));
    let p = t.at((tt - 0.02).max(0.0));
    let dir = (m.y - p.y).atan2(m.x - p.x);
    let off = rng.random_range(-0.4..0.4) * n.r;
    let (s, c) = dir.sin_cos();
    BonePoint {
        x: n.x - s * off,
        y: n.y + c * off,
        df: n.df,
        db: n.db,
        bone_level: n.a * n.r,
        dir,
        bone_r: n.r,
    }
}

/// A random point in the inner part of an ellipse, oriented along its long axis.
fn point_in_ellipse<R: Rng>(rng: &mut R, e: &Ellipse) -> BonePoint {
    let rho = rng.random_range(0.0f32..0.6).sqrt();
    let phi = rng.random_range(0.0..std::f32::consts::TAU);
    let (s, c) = e.angle.sin_cos();
    let (u, v) = (rho * phi.cos() * e.ax, rho * phi.sin() * e.ay);
    let along = if e.ay > e.ax {
        e.angle + std::f32::consts::FRAC_PI_2
    } else {
        e.angle
    };
    BonePoint {
        x: e.x + c * u - s * v,
        y: e.y + s * u + c * v,
        df: e.df,
        db: e.db,
        bone_level: e.a,
        dir: along,
        bone_r: e.ax.min(e.ay),
    }
}

/// Outline type: confluent more often in prostate cancer and superscans, else round, oval or
/// irregular.
fn lesion_shape<R: Rng>(rng: &mut R, prostate: bool, superscan: bool) -> LesionShape {
    let confluent_p = if superscan {
        0.45
    } else if prostate {
        0.14
    } else {
        0.09
    };
    if rng.random_bool(confluent_p) {
        LesionShape::Confluent
    } else {
        pick_weighted(
            rng,
            &[
                (LesionShape::Round, 0.4),
                (LesionShape::Oval, 0.35),
                (LesionShape::Irregular, 0.25),
            ],
        )
    }
}

/// A small random turn (radians) of a blob against the bone direction.
fn jitter<R: Rng>(rng: &mut R) -> f32 {
    rng.random_range(-0.35f32..0.35)
}

/// The footprint ellipses of a lesion of `shape` and `radius` (px) centred at `at`.
fn lesion_blobs<R: Rng>(
    rng: &mut R,
    shape: LesionShape,
    radius: f32,
    at: &BonePoint,
) -> Vec<LesionBlob> {
    match shape {
        LesionShape::Round => vec![LesionBlob {
            x: at.x,
            y: at.y,
            ax: radius,
            ay: radius * rng.random_range(0.85..1.0),
            angle: at.dir,
        }],
        LesionShape::Oval => {
            let e = rng.random_range(1.3f32..2.1);
            vec![LesionBlob {
                x: at.x,
                y: at.y,
                ax: radius * e.sqrt(),
                ay: radius / e.sqrt(),
                angle: at.dir + jitter(rng),
            }]
        }
        LesionShape::Irregular | LesionShape::Confluent => {
            let k = if shape == LesionShape::Confluent {
                rng.random_range(3..7)
            } else {
                rng.random_range(2..5)
            };
            blob_chain(rng, k, radius, at)
        }
    }
}

/// `k` overlapping blobs strung along the bone (irregular and confluent lesions).
fn blob_chain<R: Rng>(rng: &mut R, k: i32, radius: f32, at: &BonePoint) -> Vec<LesionBlob> {
    let (s, c) = at.dir.sin_cos();
    let mut blobs = Vec::new();
    for i in 0..k {
        let along = radius
            * (if k > 1 {
                i as f32 / (k - 1) as f32 - 0.5
            } else {
                0.0
            })
            * 1.3;
        let across = rng.random_range(-0.35..0.35) * radius.min(at.bone_r * 1.5 + 2.0);
        let r = radius * rng.random_range(0.4..0.7);
        blobs.push(LesionBlob {
            x: at.x + c * along - s * across,
            y: at.y + s * along + c * across,
            ax: r * rng.random_range(1.0..1.5),
            ay: r * rng.random_range(0.7..1.0),
            angle: at.dir + jitter(rng),
        });
    }
    blobs
}

impl Lesion {
    /// The footprint: anterior-view pixels whose centre lies inside any blob, row-major indices.
    pub(crate) fn footprint(&self) -> Vec<usize> {
        let ellipses: Vec<Ellipse> = self.blobs.iter().map(LesionBlob::ellipse).collect();
        let mut b = [
            f32::INFINITY,
            f32::NEG_INFINITY,
            f32::INFINITY,
            f32::NEG_INFINITY,
        ];
        for e in &ellipses {
            let m = e.ax.max(e.ay) + 1.0;
            b = [
                b[0].min(e.y - m),
                b[1].max(e.y + m),
                b[2].min(e.x - m),
                b[3].max(e.x + m),
            ];
        }
        let mut out = Vec::new();
        let Some((r0, r1, c0, c1)) = crate::raster::clip_box(b) else {
            return out;
        };
        for r in r0..=r1 {
            for c in c0..=c1 {
                if ellipses.iter().any(|e| e.rho(c as f32, r as f32) < 1.0) {
                    out.push(r * VIEW_COLS + c);
                }
            }
        }
        out
    }

    /// Profile weight inside the footprint: a plateau with a central peak, or a hot rim
    /// around a cold centre for lytic lesions.
    fn weight(&self, x: f32, y: f32) -> f32 {
        let rho = self
            .blobs
            .iter()
            .map(|b| b.ellipse().rho(x, y))
            .fold(f32::INFINITY, f32::min);
        if rho >= 1.0 {
            return 0.0;
        }
        let dome = (1.0 - rho * rho).sqrt();
        if self.lytic && rho < 0.55 {
            // photopenic centre: bone destroyed, uptake below the surrounding bone
            -0.45 * self.bone_level / self.excess.max(1e-3)
        } else if self.lytic {
            1.0
        } else {
            0.65 + 0.35 * dome
        }
    }

    /// Adds the lesion's extra uptake into the layers.
    pub(crate) fn draw(&self, layers: &mut Layers, footprint: &[usize]) {
        for &idx in footprint {
            let (r, c) = (idx / VIEW_COLS, idx % VIEW_COLS);
            let w = self.weight(c as f32, r as f32);
            layers.deposit(
                idx,
                self.excess * w,
                self.depth_anterior_cm,
                self.depth_posterior_cm,
            );
        }
    }
}

/// Index of the mirrored pixel in the posterior view.
pub(crate) fn mirror_index(idx: usize) -> usize {
    let (r, c) = (idx / VIEW_COLS, idx % VIEW_COLS);
    r * VIEW_COLS + (VIEW_COLS - 1 - c)
}
