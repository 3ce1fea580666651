//! The legs: from the hip (set by the pelvis width) to the knee and ankle (set by the leg
//! spread), femoral head, greater trochanter, femur, knee and patella, tibia and fibula, ankle
//! and foot, and the leg's soft tissue; also the knee positions for degenerative joints.

use serde::Deserialize;

use crate::body::Side;
use crate::raster::{Ellipse, Node, Profile, Tube};

use super::data::{Blend, Joint, LimbNode};
use super::parts::{Parts, MARKER_R};
use super::{Prim, Site, SIDES};

/// The legs' table (`[leg]`), left side.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Leg {
    /// Hip joint from the midline, cm (× pelvis width).
    hip_u: f32,
    /// Level of the hip joint.
    hip_v: f32,
    /// The knee joint's centre.
    knee: Centre,
    /// The ankle joint's centre.
    ankle: Centre,
    /// Thickness of the thigh, cm (× build).
    thigh_t: f32,
    /// The femoral head.
    femoral_head: Joint,
    /// Thickness at the femoral head, cm (× build).
    femoral_head_t: f32,
    /// The greater trochanter.
    trochanter: Joint,
    /// Thickness at the trochanter, cm (× build).
    trochanter_t: f32,
    /// The trochanter from the midline, cm (× pelvis width).
    trochanter_u: f32,
    /// Level of the trochanter.
    trochanter_v: f32,
    /// The knee's condyles.
    knee_joint: Joint,
    /// The ankle joint.
    ankle_joint: Joint,
    /// The foot, offset from the ankle.
    foot: Joint,
    /// Thickness at the knee, cm.
    knee_t: f32,
    /// The femur.
    femur: Femur,
    /// The patella.
    patella: Patella,
    /// The tibia.
    tibia: Shaft,
    /// The fibula.
    fibula: Shaft,
    /// The leg's soft tissue.
    tissue: LegTissue,
}

/// A knee or ankle centre: `u + spread · (leg spread)` cm from the midline, level `v`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Centre {
    /// Distance from the midline with the legs together, cm.
    u: f32,
    /// Share of the patient's leg spread.
    spread: f32,
    /// Level.
    v: f32,
}

/// The femur, hip over the neck to the knee (`[leg.femur]`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Femur {
    /// Lesions occur in this proximal fraction only.
    lesion_to: f32,
    /// Node at the hip.
    top: LimbNode,
    /// The neck node from the midline, cm (× pelvis width).
    neck_u: f32,
    /// Level of the neck node.
    neck_v: f32,
    /// The neck node (in the thigh's thickness).
    neck: LimbNode,
    /// Node at the knee.
    bottom: LimbNode,
}

/// The patella in front of the knee (`[leg.patella]`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Patella {
    /// Offset from the knee's level.
    dv: f32,
    /// Depth.
    z: f32,
    /// Thickness of the knee, cm.
    t: f32,
    /// Semi-axis across, cm.
    ax: f32,
    /// Semi-axis along the leg, cm.
    ay: f32,
    /// Activity relative to the bone uptake, per pixel of `size`.
    a: f32,
    /// Size that scales its peak, cm.
    size: f32,
}

/// A bone of the lower leg, knee to ankle (`[leg.tibia]`, `[leg.fibula]`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Shaft {
    /// Node at the knee.
    top: LimbNode,
    /// Node at the ankle.
    bottom: LimbNode,
}

/// The leg's soft tissue (`[leg.tissue]`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct LegTissue {
    /// Top of the thigh from the midline, fraction of the hip's.
    thigh_u: f32,
    /// Level of the top of the thigh.
    thigh_v: f32,
    /// Radius at the top of the thigh, cm (× build).
    thigh_r: f32,
    /// At the knee (r × √build).
    knee: LimbNode,
    /// Level of the calf node, midway between knee and ankle.
    calf_v: f32,
    /// At the calf (r × √build).
    calf: LimbNode,
    /// At the ankle.
    ankle: LimbNode,
    /// At the foot, offset from the ankle.
    foot: LimbNode,
    /// How it composes with the trunk.
    #[serde(default)]
    blend: Blend,
}

/// Joint centres `(u cm, v)` of one leg, its side's sign and the thigh's thickness (cm).
struct LegJoints {
    /// Sign of the side.
    s: f32,
    /// Pelvis width factor.
    width: f32,
    /// Hip joint.
    hip: (f32, f32),
    /// Knee joint.
    knee: (f32, f32),
    /// Ankle joint.
    ankle: (f32, f32),
    /// Thickness of the thigh, cm.
    thigh_t: f32,
}

/// Adds both legs (right, then left); returns the knee centres `[right, left]`.
pub(super) fn legs(p: &mut Parts, d: &Leg, pelvis_width: f32) -> [Node; 2] {
    SIDES.map(|side| {
        let j = leg_joints(p, d, side.sign(), pelvis_width);
        hip_and_femur(p, d, side, &j);
        knee(p, d, side, &j);
        lower_leg(p, d, side, &j);
        let knee =
            p.f.limb_node(j.knee.0, j.knee.1, 0.5, d.knee_t, MARKER_R, 0.0);
        leg_tissue(p, &d.tissue, &j);
        knee
    })
}

/// The joint centres of the leg on the side of sign `s`.
fn leg_joints(p: &Parts, d: &Leg, s: f32, width: f32) -> LegJoints {
    let spread = p.f.p.leg_spread_cm;
    let at = |c: &Centre| (s * (c.u + c.spread * spread), c.v);
    LegJoints {
        s,
        width,
        hip: (s * d.hip_u * width, d.hip_v),
        knee: at(&d.knee),
        ankle: at(&d.ankle),
        thigh_t: d.thigh_t * p.f.p.build,
    }
}

/// Adds the femoral head, the greater trochanter and the femur.
fn hip_and_femur(p: &mut Parts, d: &Leg, side: Side, j: &LegJoints) {
    let b = p.f.p.build;
    let head = p.joint(j.hip, j.s, &d.femoral_head, d.femoral_head_t * b);
    p.paired(Site::Femur, side, "femoral head", Prim::Ellipse(head));
    let at = (j.s * d.trochanter_u * j.width, d.trochanter_v);
    let trochanter = p.joint(at, j.s, &d.trochanter, d.trochanter_t * b);
    p.paired(
        Site::Femur,
        side,
        "greater trochanter",
        Prim::Ellipse(trochanter),
    );
    let fe = &d.femur;
    let neck = (j.s * fe.neck_u * j.width, fe.neck_v);
    let femur = Tube::new(vec![
        p.limb_node(j.hip, j.s, &fe.top, j.thigh_t),
        p.limb_node(neck, j.s, &fe.neck, j.thigh_t),
        p.limb_node(j.knee, j.s, &fe.bottom, j.thigh_t),
    ]);
    let label = format!("{} femur", side.name());
    p.long_bone(Site::Femur, label, side, femur, fe.lesion_to);
}

/// Adds the knee's condyles and the patella.
fn knee(p: &mut Parts, d: &Leg, side: Side, j: &LegJoints) {
    let condyles = p.joint(j.knee, j.s, &d.knee_joint, d.knee_t);
    p.paired(Site::Knee, side, "knee", Prim::Ellipse(condyles));
    let patella = patella(p, &d.patella, j.knee);
    p.paired(Site::Knee, side, "patella", Prim::Ellipse(patella));
}

/// The patella in front of the knee centred at `knee`.
fn patella(p: &Parts, d: &Patella, knee: (f32, f32)) -> Ellipse {
    let f = p.f;
    let (x, y, df, db) = f.project_in(knee.0, knee.1 + d.dv, d.z, d.t);
    Ellipse {
        x,
        y,
        ax: f.px(d.ax),
        ay: f.px(d.ay),
        angle: 0.0,
        a: d.a * p.up * f.px(d.size),
        df,
        db,
        profile: Profile::Dome,
    }
}

/// Adds the tibia, the fibula, the ankle and the foot (their table gives each node's and
/// joint's thickness).
fn lower_leg(p: &mut Parts, d: &Leg, side: Side, j: &LegJoints) {
    for (name, bone) in [("tibia", &d.tibia), ("fibula", &d.fibula)] {
        let tube = Tube::new(vec![
            p.limb_node(j.knee, j.s, &bone.top, j.thigh_t),
            p.limb_node(j.ankle, j.s, &bone.bottom, j.thigh_t),
        ]);
        p.paired(Site::Tibia, side, name, Prim::Tube(tube));
    }
    let ankle = p.joint(j.ankle, j.s, &d.ankle_joint, j.thigh_t);
    p.paired(Site::Foot, side, "ankle", Prim::Ellipse(ankle));
    let foot = p.joint(j.ankle, j.s, &d.foot, j.thigh_t);
    p.paired(Site::Foot, side, "foot", Prim::Ellipse(foot));
}

/// Adds the leg's soft tissue, top of the thigh to the foot.
fn leg_tissue(p: &mut Parts, d: &LegTissue, j: &LegJoints) {
    let (f, b) = (p.f, p.f.p.build);
    let node = |at: (f32, f32), n: &LimbNode, r: f32| {
        let t = n.t.unwrap_or(j.thigh_t);
        f.limb_node(at.0 + j.s * n.du, at.1 + n.dv, n.z, t, r, 0.0)
    };
    let calf = ((j.knee.0 + j.ankle.0) / 2.0, d.calf_v);
    let leg = Tube::new(vec![
        f.limb_node(
            j.hip.0 * d.thigh_u,
            d.thigh_v,
            0.5,
            j.thigh_t,
            d.thigh_r * b,
            0.0,
        ),
        node(j.knee, &d.knee, d.knee.r * b.sqrt()),
        node(calf, &d.calf, d.calf.r * b.sqrt()),
        node(j.ankle, &d.ankle, d.ankle.r),
        node(j.ankle, &d.foot, d.foot.r),
    ]);
    p.tissue(Prim::Tube(leg), j.thigh_t, &d.blend);
}
