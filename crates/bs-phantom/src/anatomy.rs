//! The procedural skeleton, soft tissue and excreting organs of one patient.
//!
//! Bones are tubes (polylines with a cylinder-chord profile) and ellipses (vertebral bodies,
//! joints, skull vault) placed at anthropometric landmarks of a [`Frame`]; their activity is the
//! Tc-99m MDP uptake per pixel of projected bone thickness. Joints and the sacro-iliac joints are
//! brighter than shafts, as in real scans; the vertebral column is built from 24 separate
//! vertebral bodies so that it shows the segmented pattern of a scintigram.

use rand::Rng;
use serde::{Deserialize, Serialize};

use crate::body::{normal, Frame, Sex, Side};
use crate::raster::{Ellipse, Layers, Node, Profile, Tube, MU_PER_CM};
use crate::{VIEW_COLS, VIEW_ROWS};

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

const SIDES: [Side; 2] = [Side::Right, Side::Left];

impl Anatomy {
    /// Builds the skeleton, soft tissue and organs of one patient.
    pub(crate) fn build<R: Rng>(frame: Frame, rng: &mut R) -> Self {
        let f = &frame;
        let up = f.p.bone_uptake;
        let female = f.p.sex == Sex::Female;
        let mut bones: Vec<BonePart> = Vec::new();
        let mut ranged: Vec<BonePart> = Vec::new();
        let mut soft: Vec<SoftPart> = Vec::new();
        let mut push = |site, label: String, side, prim, head| {
            bones.push(BonePart {
                site,
                label,
                side,
                prim,
                lesion_range: (0.0, 1.0),
                head,
            })
        };

        // ---- skull: vault shell, facial bones, mandible
        let ellipse =
            |u: f32, v: f32, z: f32, ax_cm: f32, ay_cm: f32, angle: f32, a: f32, profile| {
                let (x, y, df, db) = f.project(u, v, z);
                Ellipse {
                    x,
                    y,
                    ax: f.px(ax_cm),
                    ay: f.px(ay_cm),
                    angle: angle + f.p.head_tilt_deg.to_radians() * f32::from(v < 0.14),
                    a: a * f.px(ax_cm.min(ay_cm)).sqrt() * 2.0,
                    df,
                    db,
                    profile,
                }
            };
        let vault = ellipse(
            0.0,
            0.058,
            0.5,
            7.6,
            9.6,
            0.0,
            0.33 * up,
            Profile::Shell {
                rim: 0.14,
                inner: 0.5,
            },
        );
        push(
            Site::Skull,
            "skull vault".into(),
            None,
            Prim::Ellipse(vault),
            true,
        );
        let face = ellipse(0.0, 0.094, 0.25, 5.0, 3.0, 0.0, 0.3 * up, Profile::Dome);
        push(
            Site::Skull,
            "facial bones".into(),
            None,
            Prim::Ellipse(face),
            true,
        );
        let mandible = Tube::new(
            [
                (-5.6, 0.086),
                (-5.2, 0.104),
                (-4.4, 0.122),
                (0.0, 0.131),
                (4.4, 0.122),
                (5.2, 0.104),
                (5.6, 0.086),
            ]
            .iter()
            .map(|&(u, v)| f.node(u, v, 0.3, 0.7, 0.7 * up))
            .collect(),
        );
        push(
            Site::Mandible,
            "mandible".into(),
            None,
            Prim::Tube(mandible),
            true,
        );

        // ---- vertebral column: 24 vertebral bodies plus posterior elements
        let scoliosis = if f.p.age > 60 {
            rng.random_range(0.0..1.6)
        } else {
            0.0
        } * normal(rng).signum();
        let spine_u =
            |v: f32| scoliosis * ((v - 0.175) / 0.28 * std::f32::consts::PI).sin().max(0.0);
        let levels: Vec<(Site, String, f32, f32, f32, f32)> = (0..24)
            .map(|i| {
                let (site, name, v0, v1, n, j, r, z) = match i {
                    0..=6 => (Site::CervicalSpine, "C", 0.125, 0.175, 7.0, i, 1.3, 0.55),
                    7..=18 => (
                        Site::ThoracicSpine,
                        "T",
                        0.175,
                        0.36,
                        12.0,
                        i - 7,
                        1.55 + 0.04 * (i - 7) as f32,
                        0.74,
                    ),
                    _ => (
                        Site::LumbarSpine,
                        "L",
                        0.36,
                        0.455,
                        5.0,
                        i - 19,
                        2.2 + 0.06 * (i - 19) as f32,
                        0.66,
                    ),
                };
                let dv = (v1 - v0) / n;
                (
                    site,
                    format!("{name}{}", j + 1),
                    v0 + (j as f32 + 0.5) * dv,
                    dv,
                    r,
                    z,
                )
            })
            .collect();
        for (site, label, v, dv, r, z) in &levels {
            let (x, y, df, db) = f.project(spine_u(*v), *v, *z);
            let e = Ellipse {
                x,
                y,
                ax: f.px(*r),
                ay: 0.45 * dv * frame_height_px(f),
                // level vertebrae: the body's tilt moves their centres (`f.project`), and
                // the projected bodies of a slightly tilted spine stay level in a scan
                angle: 0.0,
                a: up * f.px(*r) * SPINE_GAIN * rng.random_range(0.85..1.15),
                df,
                db,
                profile: Profile::Dome,
            };
            let head = *site == Site::CervicalSpine && *v < 0.15;
            push(*site, label.clone(), None, Prim::Ellipse(e), head);
        }
        let posterior = Tube::new(
            (0..=12)
                .map(|i| {
                    let v = 0.13 + 0.325 * i as f32 / 12.0;
                    f.node(
                        spine_u(v),
                        v,
                        0.9,
                        0.8 + 1.2 * (v - 0.13) / 0.325,
                        0.55 * up,
                    )
                })
                .collect(),
        );
        push(
            Site::ThoracicSpine,
            "posterior elements".into(),
            None,
            Prim::Tube(posterior),
            false,
        );

        // ---- sacrum and sacro-iliac joints
        let sacrum = Tube::new(vec![
            f.node(0.0, 0.458, 0.78, 3.4, 0.75 * up),
            f.node(0.0, 0.49, 0.82, 2.2, 0.75 * up),
            f.node(0.0, 0.515, 0.85, 0.9, 0.6 * up),
        ]);
        push(
            Site::Sacrum,
            "sacrum".into(),
            None,
            Prim::Tube(sacrum),
            false,
        );
        let pelvis_w = if female { 1.07 } else { 1.0 };
        for side in SIDES {
            let s = side.sign();
            let si = ellipse(
                s * 3.9,
                0.472,
                0.76,
                1.1,
                3.4,
                -s * 0.3,
                1.5 * up,
                Profile::Dome,
            );
            push(
                Site::Sacrum,
                format!("{} sacro-iliac joint", side.name()),
                Some(side),
                Prim::Ellipse(si),
                false,
            );
        }

        // ---- pelvis
        for side in SIDES {
            let s = side.sign();
            let w = |u: f32| s * u * pelvis_w;
            let crest = Tube::new(
                [(4.8, 0.458), (9.0, 0.425), (13.0, 0.43), (14.6, 0.452)]
                    .iter()
                    .map(|&(u, v)| f.node(w(u), v, 0.5, 1.0, 0.9 * up))
                    .collect(),
            );
            push(
                Site::Pelvis,
                format!("{} iliac crest", side.name()),
                Some(side),
                Prim::Tube(crest),
                false,
            );
            let wing = ellipse(w(9.8), 0.452, 0.55, 4.8, 3.2, 0.0, 0.32 * up, Profile::Dome);
            push(
                Site::Pelvis,
                format!("{} ilium", side.name()),
                Some(side),
                Prim::Ellipse(wing),
                false,
            );
            let acetabulum = Tube::new(
                [(13.6, 0.455), (11.0, 0.48), (8.7, 0.515)]
                    .iter()
                    .map(|&(u, v)| f.node(w(u), v, 0.5, 1.4, 0.8 * up))
                    .collect(),
            );
            push(
                Site::Pelvis,
                format!("{} acetabulum and ischium", side.name()),
                Some(side),
                Prim::Tube(acetabulum),
                false,
            );
            let pubis = Tube::new(vec![
                f.node(w(10.2), 0.485, 0.25, 1.0, 0.7 * up),
                f.node(w(1.0), 0.497, 0.12, 1.15, 0.85 * up),
            ]);
            push(
                Site::Pelvis,
                format!("{} pubis", side.name()),
                Some(side),
                Prim::Tube(pubis),
                false,
            );
            let ischial = Tube::new(vec![
                f.node(w(8.7), 0.515, 0.45, 0.9, 0.6 * up),
                f.node(w(1.6), 0.507, 0.25, 0.8, 0.6 * up),
            ]);
            push(
                Site::Pelvis,
                format!("{} ischial ramus", side.name()),
                Some(side),
                Prim::Tube(ischial),
                false,
            );
        }

        // ---- ribs: posterior arc near the spine, lateral turn, anterior arc towards the sternum
        let rib_w = [
            5.8, 8.6, 10.8, 12.3, 13.4, 14.0, 14.4, 14.4, 14.0, 13.3, 11.6, 9.6,
        ];
        let chest = f.p.build.powf(0.3) * if female { 0.95 } else { 1.0 };
        for side in SIDES {
            let s = side.sign();
            for (i, &w0) in rib_w.iter().enumerate() {
                let w = w0 * chest;
                let v = 0.181 + 0.0138 * i as f32;
                let fi = i as f32;
                let mut pts = vec![
                    (2.3, v, 0.9),
                    (0.45 * w, v - 0.004, 0.96),
                    (0.82 * w, v + 0.002, 0.82),
                    (w, v + 0.016 + 0.001 * fi, 0.5),
                ];
                if i < 10 {
                    pts.push((0.9 * w, v + 0.033 + 0.002 * fi, 0.24));
                    let end_u = if i == 0 { 2.8 } else { (0.62 - 0.015 * fi) * w };
                    pts.push((end_u, v + 0.047 + 0.0045 * fi, 0.07));
                }
                let r = if i == 0 { 0.75 } else { 0.55 };
                let rib_a = 0.95 * up * rng.random_range(0.85..1.15);
                let tube = Tube::new(
                    pts.iter()
                        .map(|&(u, vv, z)| f.node(s * u, vv, z, r, rib_a))
                        .collect(),
                );
                push(
                    Site::Rib,
                    format!("{} rib {}", side.name(), i + 1),
                    Some(side),
                    Prim::Tube(tube),
                    false,
                );
            }
        }

        // ---- sternum, clavicles, scapulae
        let sternum = Tube::new(vec![
            f.node(0.0, 0.19, 0.05, 2.1, 0.7 * up),
            f.node(0.0, 0.212, 0.04, 1.3, 0.7 * up),
            f.node(0.0, 0.282, 0.05, 1.1, 0.7 * up),
        ]);
        push(
            Site::Sternum,
            "sternum".into(),
            None,
            Prim::Tube(sternum),
            false,
        );
        let shoulder_u = 16.6 * f.p.build.powf(0.25) * if female { 0.93 } else { 1.0 };
        for side in SIDES {
            let s = side.sign();
            let clav = Tube::new(vec![
                f.node(s * 1.8, 0.187, 0.12, 0.8, 0.7 * up),
                f.node(s * 5.0, 0.183, 0.13, 0.65, 0.55 * up),
                f.node(s * 9.5, 0.173, 0.2, 0.65, 0.55 * up),
                f.node(s * (shoulder_u - 0.6), 0.168, 0.4, 0.75, 0.7 * up),
            ]);
            push(
                Site::Clavicle,
                format!("{} clavicle", side.name()),
                Some(side),
                Prim::Tube(clav),
                false,
            );
            let su = shoulder_u / 16.6;
            let borders = [
                [(16.0 * su, 0.196), (10.6 * su, 0.292)],
                [(8.0 * su, 0.196), (10.6 * su, 0.292)],
                [(7.8 * su, 0.2), (16.8 * su, 0.181)],
            ];
            for (b, r) in borders.iter().zip([1.0, 0.75, 0.85]) {
                let t = Tube::new(
                    b.iter()
                        .map(|&(u, v)| f.node(s * u, v, 0.88, r, 0.7 * up))
                        .collect(),
                );
                push(
                    Site::Scapula,
                    format!("{} scapula", side.name()),
                    Some(side),
                    Prim::Tube(t),
                    false,
                );
            }
            let blade = ellipse(
                s * 11.8 * su,
                0.238,
                0.9,
                3.4,
                4.5,
                0.0,
                0.22 * up,
                Profile::Dome,
            );
            push(
                Site::Scapula,
                format!("{} scapula", side.name()),
                Some(side),
                Prim::Ellipse(blade),
                false,
            );
        }

        // ---- arms
        let mut wrist = [Node {
            x: 0.0,
            y: 0.0,
            r: 0.0,
            a: 0.0,
            df: 0.0,
            db: 0.0,
        }; 2];
        let mut elbow = wrist;
        let mut hand = wrist;
        for (k, side) in SIDES.iter().enumerate() {
            let s = side.sign();
            let sh = (s * shoulder_u, 0.19);
            let abd = f.p.arm_abduction_deg[k].to_radians();
            let upper_cm = 31.5 * f.k;
            let el = (
                sh.0 + s * upper_cm * abd.sin(),
                sh.1 + f.dv(upper_cm * abd.cos()),
            );
            let fore_cm = 25.0 * f.k;
            let (wr, hd) = if f.p.hands_on_abdomen {
                let wr = (s * 5.0, el.1 + f.dv(5.0));
                (wr, (s * 0.5, wr.1 + f.dv(3.0)))
            } else {
                let b = abd + f.p.forearm_angle_deg[k].to_radians();
                let wr = (el.0 + s * fore_cm * b.sin(), el.1 + f.dv(fore_cm * b.cos()));
                (wr, (wr.0 + s * 1.5, wr.1 + f.dv(9.0)))
            };
            let arm_t = 9.0 * f.p.build;
            let ln = |u: f32, v: f32, r: f32, a: f32| f.limb_node(u, v, 0.5, arm_t, r, a);
            let head = Ellipse {
                profile: Profile::Dome,
                ..joint(f, sh.0 + s * 0.4, sh.1 + 0.004, 2.4, 2.4, arm_t, 0.85 * up)
            };
            push(
                Site::Humerus,
                format!("{} humeral head", side.name()),
                Some(*side),
                Prim::Ellipse(head),
                false,
            );
            let shaft = Tube::new(vec![
                ln(sh.0, sh.1 + 0.01, 1.25, 0.3 * up),
                ln(el.0, el.1, 1.2, 0.3 * up),
            ]);
            ranged.push(BonePart {
                site: Site::Humerus,
                label: format!("{} humerus", side.name()),
                side: Some(*side),
                prim: Prim::Tube(shaft),
                lesion_range: (0.0, 0.45),
                head: false,
            });
            let elbow_j = joint(f, el.0, el.1, 2.2, 1.6, arm_t, 0.8 * up);
            push(
                Site::Forearm,
                format!("{} elbow", side.name()),
                Some(*side),
                Prim::Ellipse(elbow_j),
                false,
            );
            for off in [-0.7, 0.7] {
                let t = Tube::new(vec![
                    ln(el.0 + off, el.1 + 0.006, 0.6, 0.3 * up),
                    ln(wr.0 + off, wr.1, 0.55, 0.3 * up),
                ]);
                push(
                    Site::Forearm,
                    format!("{} forearm", side.name()),
                    Some(*side),
                    Prim::Tube(t),
                    false,
                );
            }
            let wrist_j = joint(f, wr.0, wr.1, 2.0, 1.4, 6.0, 0.95 * up);
            push(
                Site::Hand,
                format!("{} wrist", side.name()),
                Some(*side),
                Prim::Ellipse(wrist_j),
                false,
            );
            let hand_e = joint(
                f,
                (wr.0 + hd.0) / 2.0,
                (wr.1 + hd.1) / 2.0,
                2.6,
                4.5,
                5.0,
                0.45 * up,
            );
            push(
                Site::Hand,
                format!("{} hand", side.name()),
                Some(*side),
                Prim::Ellipse(hand_e),
                false,
            );
            wrist[k] = ln(wr.0, wr.1, 1.0, 0.0);
            elbow[k] = ln(el.0, el.1, 1.0, 0.0);
            hand[k] = f.limb_node(hd.0, hd.1, 0.5, 5.0, 1.0, 0.0);
            // soft tissue of the arm
            let arm = Tube::new(vec![
                ln(sh.0, sh.1 + 0.005, 5.4 * f.p.build, 0.0),
                ln(el.0, el.1, 4.4 * f.p.build, 0.0),
                ln(wr.0, wr.1, 2.9 * f.p.build, 0.0),
                ln(hd.0, hd.1, 2.3, 0.0),
            ]);
            soft.push(SoftPart {
                prim: Prim::Tube(arm),
                thickness_cm: arm_t,
                additive: true,
                scale: 1.0,
                head: false,
            });
        }

        // ---- legs
        let mut knee = wrist;
        let spread = f.p.leg_spread_cm;
        for (k, side) in SIDES.iter().enumerate() {
            let s = side.sign();
            let hip = (s * 9.0 * pelvis_w, 0.48);
            let kn = (s * (5.2 + 0.5 * spread), 0.715);
            let an = (s * (4.6 + spread), 0.957);
            let thigh_t = 15.0 * f.p.build;
            let head = joint(f, hip.0, hip.1, 2.3, 2.3, 21.0 * f.p.build, 1.0 * up);
            push(
                Site::Femur,
                format!("{} femoral head", side.name()),
                Some(*side),
                Prim::Ellipse(head),
                false,
            );
            let troch = joint(
                f,
                s * 13.6 * pelvis_w,
                0.497,
                2.0,
                2.2,
                18.0 * f.p.build,
                0.8 * up,
            );
            push(
                Site::Femur,
                format!("{} greater trochanter", side.name()),
                Some(*side),
                Prim::Ellipse(troch),
                false,
            );
            let femur = Tube::new(vec![
                f.limb_node(hip.0, hip.1, 0.5, 20.0, 1.5, 0.7 * up),
                f.limb_node(s * 12.3 * pelvis_w, 0.5, 0.5, thigh_t, 1.45, 0.3 * up),
                f.limb_node(kn.0, kn.1 - 0.015, 0.5, 11.0, 1.5, 0.3 * up),
            ]);
            ranged.push(BonePart {
                site: Site::Femur,
                label: format!("{} femur", side.name()),
                side: Some(*side),
                prim: Prim::Tube(femur),
                lesion_range: (0.0, 0.6),
                head: false,
            });
            let condyles = joint(f, kn.0, kn.1, 4.6, 2.0, 11.0, 0.6 * up);
            push(
                Site::Knee,
                format!("{} knee", side.name()),
                Some(*side),
                Prim::Ellipse(condyles),
                false,
            );
            let (px, py, pdf, pdb) = f.project_in(kn.0, kn.1 - 0.004, 0.06, 11.0);
            let patella = Ellipse {
                x: px,
                y: py,
                ax: f.px(2.1),
                ay: f.px(2.4),
                angle: 0.0,
                a: 0.35 * up * f.px(2.0),
                df: pdf,
                db: pdb,
                profile: Profile::Dome,
            };
            push(
                Site::Knee,
                format!("{} patella", side.name()),
                Some(*side),
                Prim::Ellipse(patella),
                false,
            );
            let tibia = Tube::new(vec![
                f.limb_node(kn.0, kn.1 + 0.012, 0.45, 10.0, 1.5, 0.28 * up),
                f.limb_node(an.0, an.1 - 0.01, 0.5, 8.0, 1.1, 0.26 * up),
            ]);
            push(
                Site::Tibia,
                format!("{} tibia", side.name()),
                Some(*side),
                Prim::Tube(tibia),
                false,
            );
            let fibula = Tube::new(vec![
                f.limb_node(kn.0 + s * 2.6, kn.1 + 0.02, 0.6, 10.0, 0.5, 0.5 * up),
                f.limb_node(an.0 + s * 2.3, an.1, 0.6, 8.0, 0.5, 0.5 * up),
            ]);
            push(
                Site::Tibia,
                format!("{} fibula", side.name()),
                Some(*side),
                Prim::Tube(fibula),
                false,
            );
            let ankle = joint(f, an.0, an.1, 2.6, 1.6, 8.0, 0.65 * up);
            push(
                Site::Foot,
                format!("{} ankle", side.name()),
                Some(*side),
                Prim::Ellipse(ankle),
                false,
            );
            let foot = joint(f, an.0 + s * 0.8, an.1 + 0.022, 3.6, 2.6, 9.0, 0.45 * up);
            push(
                Site::Foot,
                format!("{} foot", side.name()),
                Some(*side),
                Prim::Ellipse(foot),
                false,
            );
            knee[k] = f.limb_node(kn.0, kn.1, 0.5, 11.0, 1.0, 0.0);
            let leg = Tube::new(vec![
                f.limb_node(hip.0 * 0.85, 0.49, 0.5, thigh_t, 8.4 * f.p.build, 0.0),
                f.limb_node(kn.0, kn.1, 0.5, 11.0, 5.4 * f.p.build.sqrt(), 0.0),
                f.limb_node(
                    (kn.0 + an.0) / 2.0,
                    0.83,
                    0.5,
                    11.0,
                    5.2 * f.p.build.sqrt(),
                    0.0,
                ),
                f.limb_node(an.0, an.1, 0.5, 8.0, 3.4, 0.0),
                f.limb_node(an.0 + s * 0.8, an.1 + 0.03, 0.5, 9.0, 3.6, 0.0),
            ]);
            soft.push(SoftPart {
                prim: Prim::Tube(leg),
                thickness_cm: thigh_t,
                additive: false,
                scale: 1.0,
                head: false,
            });
        }

        bones.extend(ranged);

        // ---- trunk, neck and head soft tissue
        let b = f.p.build;
        let (sh_w, waist_w, hip_w) = if female {
            (17.0, 15.0, 19.0)
        } else {
            (19.0, 16.5, 18.0)
        };
        let trunk = Tube::new(vec![
            f.node(0.0, 0.158, 0.5, 6.5 * b, 0.0),
            f.node(0.0, 0.176, 0.5, 0.8 * sh_w * b, 0.0),
            f.node(0.0, 0.2, 0.5, sh_w * b, 0.0),
            f.node(0.0, 0.27, 0.5, 15.6 * b, 0.0),
            f.node(0.0, 0.38, 0.5, waist_w * b, 0.0),
            f.node(0.0, 0.465, 0.5, hip_w * b, 0.0),
            f.node(0.0, 0.49, 0.5, (hip_w - 2.0) * b, 0.0),
        ]);
        soft.push(SoftPart {
            prim: Prim::Tube(trunk),
            thickness_cm: 21.0 * b * f.k,
            additive: false,
            scale: 1.0,
            head: false,
        });
        let neck = Tube::new(vec![
            f.node(0.0, 0.125, 0.5, 5.6, 0.0),
            f.node(0.0, 0.175, 0.5, 6.2 * b, 0.0),
        ]);
        soft.push(SoftPart {
            prim: Prim::Tube(neck),
            thickness_cm: 12.0 * f.k,
            additive: false,
            scale: 1.0,
            head: true,
        });
        let head_soft = ellipse(0.0, 0.066, 0.5, 8.3, 11.0, 0.0, 0.0, Profile::Dome);
        soft.push(SoftPart {
            prim: Prim::Ellipse(head_soft),
            thickness_cm: 18.0 * f.k,
            additive: false,
            scale: 1.0,
            head: true,
        });
        // mediastinum: heart and great vessels, blood-pool activity between the lungs
        let mediastinum = ellipse(0.8, 0.262, 0.45, 5.0, 9.0, 0.0, 0.0, Profile::Dome);
        soft.push(SoftPart {
            prim: Prim::Ellipse(mediastinum),
            thickness_cm: 12.0 * f.k,
            additive: true,
            scale: 0.5,
            head: false,
        });
        // lungs: air-filled, half the density of the tissue they displace
        for side in SIDES {
            let lung = ellipse(
                side.sign() * 9.0 * b.powf(0.3),
                0.252,
                0.5,
                4.8 * b.powf(0.3),
                11.5,
                0.0,
                0.0,
                Profile::Dome,
            );
            soft.push(SoftPart {
                prim: Prim::Ellipse(lung),
                thickness_cm: 14.0 * f.k,
                additive: true,
                scale: -0.5,
                head: false,
            });
        }
        if female {
            for side in SIDES {
                let breast = ellipse(
                    side.sign() * 8.5,
                    0.272,
                    0.1,
                    6.5 * b,
                    5.5 * b,
                    0.0,
                    0.0,
                    Profile::Dome,
                );
                soft.push(SoftPart {
                    prim: Prim::Ellipse(breast),
                    thickness_cm: 6.0 * b,
                    additive: true,
                    scale: 1.0,
                    head: false,
                });
            }
        }

        // ---- excreting organs: kidneys (posterior) and bladder (anterior)
        let kidneys = SIDES.map(|side| {
            let s = side.sign();
            let v = 0.352 + if side == Side::Right { 0.008 } else { 0.0 };
            ellipse(s * 5.3, v, 0.78, 2.9, 5.2, s * 0.22, 1.0, Profile::Dome)
        });
        let bladder = ellipse(0.0, 0.486, 0.3, 4.5, 3.6, 0.0, 1.0, Profile::Dome);

        Self {
            frame,
            bones,
            soft,
            kidneys,
            bladder,
            wrist,
            elbow,
            hand,
            knee,
        }
    }
}

/// Height of the patient in pixels.
fn frame_height_px(f: &Frame) -> f32 {
    f.p.height_cm * 10.0 / crate::PIXEL_SPACING_MM as f32
}

/// A joint (bright ellipse) in a limb of thickness `t_cm`.
fn joint(f: &Frame, u: f32, v: f32, ax_cm: f32, ay_cm: f32, t_cm: f32, a: f32) -> Ellipse {
    let (x, y, df, db) = f.project_in(u, v, 0.5, t_cm);
    Ellipse {
        x,
        y,
        ax: f.px(ax_cm),
        ay: f.px(ay_cm),
        angle: 0.0,
        a: 0.42 * a * f.px(ax_cm.min(ay_cm)),
        df,
        db,
        profile: Profile::Dome,
    }
}

/// Rasterises soft tissue (max-composited outline plus additive parts) into a buffer of
/// activity seen by either camera, `ρ·(1-e^{-μL})/μ`.
pub(crate) fn soft_tissue_buffer(
    parts: &[SoftPart],
    density: f32,
    shift_head: Option<(f32, f32, f32)>,
) -> Vec<f32> {
    let mut outline = vec![0f32; VIEW_ROWS * VIEW_COLS];
    let mut extra = vec![0f32; VIEW_ROWS * VIEW_COLS];
    let mut draw = |part: &SoftPart, prim: &Prim, gain: f32| {
        let seen = |chord: f32| {
            gain * part.scale * density * (1.0 - (-MU_PER_CM * part.thickness_cm * chord).exp())
                / MU_PER_CM
        };
        let buf = if part.additive {
            &mut extra
        } else {
            &mut outline
        };
        match prim {
            Prim::Tube(t) => {
                if let Some((r0, r1, c0, c1)) = t.bbox() {
                    for r in r0..=r1 {
                        for c in c0..=c1 {
                            if let Some((chord, _)) = t.sample(c as f32, r as f32) {
                                let i = r * VIEW_COLS + c;
                                let v = seen(chord);
                                if part.additive {
                                    buf[i] += v
                                } else {
                                    buf[i] = buf[i].max(v)
                                }
                            }
                        }
                    }
                }
            }
            Prim::Ellipse(e) => {
                if let Some((r0, r1, c0, c1)) = e.bbox() {
                    for r in r0..=r1 {
                        for c in c0..=c1 {
                            let w = e.weight(e.rho(c as f32, r as f32));
                            if w > 0.0 {
                                let i = r * VIEW_COLS + c;
                                let v = seen(w);
                                if part.additive {
                                    buf[i] += v
                                } else {
                                    buf[i] = buf[i].max(v)
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    for part in parts {
        match (part.head, shift_head) {
            (true, Some((dx, dy, frac))) => {
                draw(part, &part.prim, 1.0 - frac);
                draw(part, &part.prim.shifted(dx, dy), frac);
            }
            _ => draw(part, &part.prim, 1.0),
        }
    }
    outline
        .iter_mut()
        .zip(extra)
        .for_each(|(o, e)| *o = (*o + e).max(0.0));
    outline
}

/// Peak activity of a vertebral body per pixel of its half-width (times the bone uptake).
const SPINE_GAIN: f32 = 0.9;
