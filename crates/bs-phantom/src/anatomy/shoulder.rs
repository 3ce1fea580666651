//! The sternum and the shoulder girdle: clavicles and scapulae, sized by the shoulder width
//! that the arms hang from.

use serde::Deserialize;

use crate::body::Side;
use crate::raster::{Profile, Tube};

use super::data::{Oval, TubeNode};
use super::parts::Parts;
use super::{Prim, Site, SIDES};

/// The sternum's table (`[sternum]`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Sternum {
    /// The sternum, top down.
    sternum: Vec<TubeNode>,
}

/// The shoulder girdle's table (`[shoulder]`), left side.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Shoulder {
    /// Distance of the shoulder joint from the midline, cm.
    u: f32,
    /// It scales with build to this power.
    build_exponent: f32,
    /// and is multiplied by this in women.
    female_width: f32,
    /// The clavicle from the sterno-clavicular joint outwards.
    clavicle: Vec<TubeNode>,
    /// The clavicle's end at the acromion, `u` relative to the shoulder joint.
    acromion: TubeNode,
    /// Depth of the scapula's borders.
    scapula_z: f32,
    /// Activity of the scapula's borders relative to the bone uptake.
    scapula_a: f32,
    /// Lateral border, medial border and spine of the scapula.
    scapula_borders: Vec<Border>,
    /// The scapula's blade.
    scapula_blade: Oval,
}

/// A border of the scapula: a tube of radius `r` cm through `[u, v]` nodes.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Border {
    /// Radius, cm.
    r: f32,
    /// Nodes `(u cm, v)` for the standard shoulder.
    nodes: Vec<(f32, f32)>,
}

impl Shoulder {
    /// Distance of the patient's shoulder joints from the midline, cm.
    pub fn joint_u(&self, p: &Parts) -> f32 {
        self.u * p.f.p.build.powf(self.build_exponent) * p.by_sex(self.female_width)
    }
}

/// Adds the sternum.
pub(super) fn sternum(p: &mut Parts, d: &Sternum) {
    let sternum = p.tube(&d.sternum, 1.0);
    p.single(Site::Sternum, "sternum", Prim::Tube(sternum), false);
}

/// Adds the clavicle and scapula of each side (right, then left).
pub(super) fn shoulder_girdle(p: &mut Parts, d: &Shoulder) {
    let shoulder_u = d.joint_u(p);
    for side in SIDES {
        let clavicle = clavicle(p, d, side.sign(), shoulder_u);
        p.paired(Site::Clavicle, side, "clavicle", Prim::Tube(clavicle));
        scapula(p, d, side, shoulder_u / d.u);
    }
}

/// The clavicle on the side of sign `s`, reaching the acromion beside the shoulder joint.
fn clavicle(p: &Parts, d: &Shoulder, s: f32, shoulder_u: f32) -> Tube {
    let mut clavicle = p.tube(&d.clavicle, s);
    let n = &d.acromion;
    let acromion = p.f.node(s * (shoulder_u + n.u), n.v, n.z, n.r, n.a * p.up);
    clavicle.nodes.push(acromion);
    clavicle
}

/// Adds the three borders and the blade of the scapula, `scale` the patient's shoulder width
/// relative to the table's.
fn scapula(p: &mut Parts, d: &Shoulder, side: Side, scale: f32) {
    let s = side.sign();
    for border in &d.scapula_borders {
        let nodes = border.nodes.iter().map(|&(u, v)| {
            p.f.node(
                s * (u * scale),
                v,
                d.scapula_z,
                border.r,
                d.scapula_a * p.up,
            )
        });
        let tube = Tube::new(nodes.collect());
        p.paired(Site::Scapula, side, "scapula", Prim::Tube(tube));
    }
    let blade = Oval {
        u: s * d.scapula_blade.u * scale,
        ..d.scapula_blade
    };
    let blade = p.ellipse(&blade, d.scapula_blade.a * p.up, Profile::Dome);
    p.paired(Site::Scapula, side, "scapula", Prim::Ellipse(blade));
}
