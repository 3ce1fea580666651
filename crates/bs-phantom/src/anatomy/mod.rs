//! The procedural skeleton, soft tissue and excreting organs of one patient.
//!
//! Bones are tubes (polylines with a cylinder-chord profile) and ellipses (vertebral bodies,
//! joints, skull vault) placed at anthropometric landmarks of a [`Frame`]; their activity is the
//! Tc-99m MDP uptake per pixel of projected bone thickness. Joints and the sacro-iliac joints are
//! brighter than shafts, as in real scans; the vertebral column is built from 24 separate
//! vertebral bodies so that it shows the segmented pattern of a scintigram.
//!
//! The landmarks are data, `data/anatomy.toml` (one table per region, with their units), read
//! by one module per region; the per-patient formulas (scaling by height, build and sex, pose,
//! scoliosis, random uptake) stay in code.

mod arms;
mod data;
mod legs;
mod organs;
mod parts;
mod pelvis;
mod render;
mod ribs;
mod shoulder;
mod skull;
mod soft;
mod spine;

use rand::Rng;
use serde::{Deserialize, Serialize};

use crate::body::{Frame, Side};
use crate::raster::{Ellipse, Layers, Node, Tube};

use parts::Parts;
pub(crate) use render::soft_tissue_buffer;

/// Skeletal site of a bone part (what lesion manifests and confounders refer to).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Site {
    /// Skull vault and facial bones.
    Skull,
    /// Mandible.
    Mandible,
    /// C1–C7.
    CervicalSpine,
    /// T1–T12.
    ThoracicSpine,
    /// L1–L5.
    LumbarSpine,
    /// Sacrum and sacro-iliac joints.
    Sacrum,
    /// Ilium, ischium, pubis.
    Pelvis,
    /// Ribs 1–12.
    Rib,
    /// Sternum.
    Sternum,
    /// Clavicle.
    Clavicle,
    /// Scapula.
    Scapula,
    /// Humerus.
    Humerus,
    /// Radius and ulna.
    Forearm,
    /// Wrist and hand.
    Hand,
    /// Femur.
    Femur,
    /// Knee joint and patella.
    Knee,
    /// Tibia and fibula.
    Tibia,
    /// Ankle and foot.
    Foot,
}

impl Site {
    /// snake_case name, as in manifests.
    pub fn name(self) -> &'static str {
        match self {
            Site::Skull => "skull",
            Site::Mandible => "mandible",
            Site::CervicalSpine => "cervical_spine",
            Site::ThoracicSpine => "thoracic_spine",
            Site::LumbarSpine => "lumbar_spine",
            Site::Sacrum => "sacrum",
            Site::Pelvis => "pelvis",
            Site::Rib => "rib",
            Site::Sternum => "sternum",
            Site::Clavicle => "clavicle",
            Site::Scapula => "scapula",
            Site::Humerus => "humerus",
            Site::Forearm => "forearm",
            Site::Hand => "hand",
            Site::Femur => "femur",
            Site::Knee => "knee",
            Site::Tibia => "tibia",
            Site::Foot => "foot",
        }
    }
}

/// A drawable shape.
#[derive(Debug, Clone)]
pub(crate) enum Prim {
    Tube(Tube),
    Ellipse(Ellipse),
}

impl Prim {
    pub(crate) fn draw(&self, layers: &mut Layers, gain: f32) {
        match self {
            Prim::Tube(t) => t.draw(layers, gain),
            Prim::Ellipse(e) => e.draw(layers, gain),
        }
    }

    /// The same shape moved by `(dx, dy)` pixels.
    pub(crate) fn shifted(&self, dx: f32, dy: f32) -> Prim {
        match self {
            Prim::Tube(t) => Prim::Tube(Tube::new(
                t.nodes
                    .iter()
                    .map(|n| Node {
                        x: n.x + dx,
                        y: n.y + dy,
                        ..*n
                    })
                    .collect(),
            )),
            Prim::Ellipse(e) => Prim::Ellipse(Ellipse {
                x: e.x + dx,
                y: e.y + dy,
                ..*e
            }),
        }
    }
}

/// One bone (or bone region) of the skeleton.
#[derive(Debug, Clone)]
pub(crate) struct BonePart {
    pub site: Site,
    /// Human-readable name ("T7", "left rib 5", "right femur").
    pub label: String,
    pub side: Option<Side>,
    pub prim: Prim,
    /// Part of a tube where metastases occur (proximal long bones), as `t` range.
    pub lesion_range: (f32, f32),
    /// What a lesion's contrast multiplies, per unit of the part's activity: 1, but for the
    /// vertebral bodies (`[spine] lesion_gain / gain`), whose projected activity understates
    /// the bone turnover a metastasis follows.
    pub lesion_gain: f32,
    /// Whether this part belongs to the head (doubled by motion).
    pub head: bool,
}

/// Soft tissue: seen equally by both cameras, `ρ·(1-e^{-μL})/μ` for a chord of `L` cm.
#[derive(Debug, Clone)]
pub(crate) struct SoftPart {
    pub prim: Prim,
    /// Full thickness (cm) at the centre line.
    pub thickness_cm: f32,
    /// Added on top of the trunk outline (breasts, arms, lungs) instead of max-composited.
    pub additive: bool,
    /// Activity relative to soft tissue: 1 for tissue, negative for an air-filled organ
    /// taking away the tissue it displaces (lungs, `-(1 - ρ_lung/ρ_tissue)`).
    pub scale: f32,
    pub head: bool,
}

/// The full body model of one patient.
#[derive(Debug, Clone)]
pub(crate) struct Anatomy {
    pub frame: Frame,
    pub bones: Vec<BonePart>,
    pub soft: Vec<SoftPart>,
    /// Kidneys `[right, left]`.
    pub kidneys: [Ellipse; 2],
    pub bladder: Ellipse,
    /// Wrist, elbow and hand positions `[right, left]` (for injection sites).
    pub wrist: [Node; 2],
    pub elbow: [Node; 2],
    pub hand: [Node; 2],
    /// Knee joint centres `[right, left]`.
    pub knee: [Node; 2],
}

/// The two sides in building order: right, then left.
const SIDES: [Side; 2] = [Side::Right, Side::Left];

/// Random factor on the uptake of each vertebral body and rib (a per-bone texture).
const UPTAKE_JITTER: std::ops::Range<f32> = 0.85..1.15;

impl Anatomy {
    /// Builds the skeleton, soft tissue and organs of one patient, region by region from the
    /// anatomy table (`data/anatomy.toml`); draws the scoliosis and the uptake of each
    /// vertebra and rib from `rng`, in that order.
    pub(crate) fn build<R: Rng>(frame: Frame, rng: &mut R) -> Self {
        let d = data::data();
        let mut p = Parts::new(&frame);
        skull::skull(&mut p, &d.skull);
        spine::spine(&mut p, &d.spine, rng);
        pelvis::sacrum(&mut p, &d.sacrum);
        pelvis::pelvis(&mut p, &d.pelvis);
        ribs::ribs(&mut p, &d.ribs, rng);
        shoulder::sternum(&mut p, &d.sternum);
        shoulder::shoulder_girdle(&mut p, &d.shoulder);
        let shoulder_u = d.shoulder.joint_u(&p);
        let arms = arms::arms(&mut p, &d.arm, shoulder_u);
        let pelvis_width = d.pelvis.width(&p);
        let knee = legs::legs(&mut p, &d.leg, pelvis_width);
        soft::trunk(&mut p, &d.trunk);
        soft::neck_and_head(&mut p, &d.neck, &d.head);
        soft::soft_oval(&mut p, &d.mediastinum);
        soft::lungs(&mut p, &d.lungs);
        soft::breasts(&mut p, &d.breasts);
        let kidneys = organs::kidneys(&p, &d.organs);
        let bladder = organs::bladder(&p, &d.organs);
        let Parts {
            mut bones,
            ranged,
            soft,
            ..
        } = p;
        bones.extend(ranged);
        Self {
            frame,
            bones,
            soft,
            kidneys,
            bladder,
            wrist: arms.wrist,
            elbow: arms.elbow,
            hand: arms.hand,
            knee,
        }
    }
}
