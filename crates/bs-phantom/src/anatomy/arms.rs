//! The arms: from the shoulder joint along each patient's abduction and forearm angles (or
//! with the hands on the abdomen), humerus, elbow, radius and ulna, wrist and hand, and the
//! arm's soft tissue; also the wrist, elbow and hand positions for injection sites.

use serde::Deserialize;

use crate::body::Side;
use crate::raster::{Node, Tube};

use super::data::{Blend, Joint, LimbNode};
use super::parts::{Parts, MARKER_R};
use super::{Prim, Site, SIDES};

/// The arms' table (`[arm]`), left side.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Arm {
    /// Level of the shoulder joint, fraction of height.
    shoulder_v: f32,
    /// Shoulder to elbow, cm (× height scale).
    upper: f32,
    /// Elbow to wrist, cm (× height scale).
    fore: f32,
    /// Thickness of the arm, cm (× build).
    thickness: f32,
    /// Hand centre below the wrist, cm (hands beside the body).
    hand_drop: f32,
    /// Hand centre lateral of the wrist, cm (hands beside the body).
    hand_out: f32,
    /// Wrist from the midline, cm (hands on the abdomen).
    rest_wrist_u: f32,
    /// Wrist below the elbow, cm (hands on the abdomen).
    rest_wrist_drop: f32,
    /// Hand centre from the midline, cm (hands on the abdomen).
    rest_hand_u: f32,
    /// Hand centre below the wrist, cm (hands on the abdomen).
    rest_hand_drop: f32,
    /// Humeral head, offset from the shoulder joint.
    humeral_head: Joint,
    /// Elbow joint.
    elbow: Joint,
    /// Wrist joint.
    wrist: Joint,
    /// Hand, midway between wrist and hand centre.
    hand: Joint,
    /// The humerus.
    humerus: Humerus,
    /// Radius and ulna.
    forearm: Forearm,
    /// The arm's soft tissue.
    tissue: ArmTissue,
}

/// The humerus, shoulder joint to elbow (`[arm.humerus]`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Humerus {
    /// Lesions occur in this proximal fraction only.
    lesion_to: f32,
    /// Node at the shoulder joint.
    top: LimbNode,
    /// Node at the elbow.
    bottom: LimbNode,
}

/// Radius and ulna, elbow to wrist (`[arm.forearm]`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Forearm {
    /// Lateral offsets of the two bones from the elbow–wrist line, cm (not mirrored).
    offsets: Vec<f32>,
    /// Node at the elbow.
    top: LimbNode,
    /// Node at the wrist.
    bottom: LimbNode,
}

/// The arm's soft tissue (`[arm.tissue]`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ArmTissue {
    /// Its top below the shoulder joint, fraction of height.
    shoulder_dv: f32,
    /// Radius at the shoulder, cm (× build).
    shoulder_r: f32,
    /// Radius at the elbow, cm (× build).
    elbow_r: f32,
    /// Radius at the wrist, cm (× build).
    wrist_r: f32,
    /// Radius at the hand, cm.
    hand_r: f32,
    /// How it composes with the trunk.
    blend: Blend,
}

/// Joint centres `(u cm, v)` of one arm, its side's sign and its thickness (cm).
struct ArmJoints {
    /// Sign of the side.
    s: f32,
    /// Shoulder joint.
    shoulder: (f32, f32),
    /// Elbow.
    elbow: (f32, f32),
    /// Wrist.
    wrist: (f32, f32),
    /// Centre of the hand.
    hand: (f32, f32),
    /// Thickness of the arm, cm.
    t: f32,
}

/// Positions of both arms' wrists, elbows and hands, `[right, left]` (for injection sites).
pub(super) struct ArmMarkers {
    /// Wrists.
    pub wrist: [Node; 2],
    /// Elbows.
    pub elbow: [Node; 2],
    /// Centres of the hands.
    pub hand: [Node; 2],
}

/// Adds both arms (right, then left); returns their wrist, elbow and hand positions.
pub(super) fn arms(p: &mut Parts, d: &Arm, shoulder_u: f32) -> ArmMarkers {
    let none = [Node {
        x: 0.0,
        y: 0.0,
        r: 0.0,
        a: 0.0,
        df: 0.0,
        db: 0.0,
    }; 2];
    let mut m = ArmMarkers {
        wrist: none,
        elbow: none,
        hand: none,
    };
    for (k, side) in SIDES.into_iter().enumerate() {
        let j = arm_joints(p, d, k, side.sign(), shoulder_u);
        upper_arm(p, d, side, &j);
        forearm_and_hand(p, d, side, &j);
        let marker = |at: (f32, f32), t: f32| p.f.limb_node(at.0, at.1, 0.5, t, MARKER_R, 0.0);
        m.wrist[k] = marker(j.wrist, j.t);
        m.elbow[k] = marker(j.elbow, j.t);
        m.hand[k] = marker(j.hand, d.hand.t.unwrap_or(j.t));
        arm_tissue(p, &d.tissue, &j);
    }
    m
}

/// The joint centres of arm `k` (0 right, 1 left) on the side of sign `s`.
fn arm_joints(p: &Parts, d: &Arm, k: usize, s: f32, shoulder_u: f32) -> ArmJoints {
    let f = p.f;
    let shoulder = (s * shoulder_u, d.shoulder_v);
    let abd = f.p.arm_abduction_deg[k].to_radians();
    let upper_cm = d.upper * f.k;
    let elbow = (
        shoulder.0 + s * upper_cm * abd.sin(),
        shoulder.1 + f.dv(upper_cm * abd.cos()),
    );
    let fore_cm = d.fore * f.k;
    let (wrist, hand) = if f.p.hands_on_abdomen {
        let wrist = (s * d.rest_wrist_u, elbow.1 + f.dv(d.rest_wrist_drop));
        (wrist, (s * d.rest_hand_u, wrist.1 + f.dv(d.rest_hand_drop)))
    } else {
        let b = abd + f.p.forearm_angle_deg[k].to_radians();
        let wrist = (
            elbow.0 + s * fore_cm * b.sin(),
            elbow.1 + f.dv(fore_cm * b.cos()),
        );
        (
            wrist,
            (wrist.0 + s * d.hand_out, wrist.1 + f.dv(d.hand_drop)),
        )
    };
    let t = d.thickness * f.p.build;
    ArmJoints {
        s,
        shoulder,
        elbow,
        wrist,
        hand,
        t,
    }
}

/// Adds the humeral head, the humerus and the elbow.
fn upper_arm(p: &mut Parts, d: &Arm, side: Side, j: &ArmJoints) {
    let head = p.joint(j.shoulder, j.s, &d.humeral_head, j.t);
    p.paired(Site::Humerus, side, "humeral head", Prim::Ellipse(head));
    let h = &d.humerus;
    let shaft = Tube::new(vec![
        p.limb_node(j.shoulder, j.s, &h.top, j.t),
        p.limb_node(j.elbow, j.s, &h.bottom, j.t),
    ]);
    let label = format!("{} humerus", side.name());
    p.long_bone(Site::Humerus, label, side, shaft, h.lesion_to);
    let elbow = p.joint(j.elbow, j.s, &d.elbow, j.t);
    p.paired(Site::Forearm, side, "elbow", Prim::Ellipse(elbow));
}

/// Adds radius and ulna, the wrist and the hand.
fn forearm_and_hand(p: &mut Parts, d: &Arm, side: Side, j: &ArmJoints) {
    let fa = &d.forearm;
    for &off in &fa.offsets {
        let bone = Tube::new(vec![
            p.limb_node((j.elbow.0 + off, j.elbow.1), j.s, &fa.top, j.t),
            p.limb_node((j.wrist.0 + off, j.wrist.1), j.s, &fa.bottom, j.t),
        ]);
        p.paired(Site::Forearm, side, "forearm", Prim::Tube(bone));
    }
    let wrist = p.joint(j.wrist, j.s, &d.wrist, j.t);
    p.paired(Site::Hand, side, "wrist", Prim::Ellipse(wrist));
    let mid = ((j.wrist.0 + j.hand.0) / 2.0, (j.wrist.1 + j.hand.1) / 2.0);
    let hand = p.joint(mid, j.s, &d.hand, j.t);
    p.paired(Site::Hand, side, "hand", Prim::Ellipse(hand));
}

/// Adds the arm's soft tissue, shoulder to hand.
fn arm_tissue(p: &mut Parts, d: &ArmTissue, j: &ArmJoints) {
    let b = p.f.p.build;
    let node = |at: (f32, f32), r: f32| p.f.limb_node(at.0, at.1, 0.5, j.t, r, 0.0);
    let top = (j.shoulder.0, j.shoulder.1 + d.shoulder_dv);
    let arm = Tube::new(vec![
        node(top, d.shoulder_r * b),
        node(j.elbow, d.elbow_r * b),
        node(j.wrist, d.wrist_r * b),
        node(j.hand, d.hand_r),
    ]);
    p.tissue(Prim::Tube(arm), j.t, &d.blend);
}
