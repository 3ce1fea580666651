//! The ribs: for each side, ribs 1–12 from the head beside the spine over the posterior arc and
//! the lateral turn to the anterior arc towards the sternum (ribs 1–10).

use rand::Rng;
use serde::Deserialize;

use crate::raster::Tube;

use super::parts::Parts;
use super::{Prim, Site, SIDES, UPTAKE_JITTER};

/// The ribs' table (`[ribs]`), left side.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Ribs {
    /// Lateral reach of ribs 1–12, cm.
    width: Vec<f32>,
    /// The reach scales with build to this power.
    build_exponent: f32,
    /// and is multiplied by this in women.
    female_width: f32,
    /// Level of rib 1, fraction of height.
    v_first: f32,
    /// Level step from one rib to the next.
    v_step: f32,
    /// Radius of rib 1, cm.
    radius_first: f32,
    /// Radius of the other ribs, cm.
    radius: f32,
    /// Activity relative to the bone uptake (times a random jitter per rib).
    a: f32,
    /// Points of every rib up to the lateral turn.
    course: Vec<RibPoint>,
    /// Ribs 1 to this have an anterior arc.
    anterior_arcs: usize,
    /// Points of the anterior arc.
    anterior: Vec<RibPoint>,
}

impl Ribs {
    /// Number of ribs per side.
    #[cfg(test)]
    pub fn count(&self) -> usize {
        self.width.len()
    }
}

/// A point of rib `i` (0 for rib 1) of reach `w`: at `u` cm (`first_rib_u` on rib 1 where
/// given), or else `(w - w_rib·i)·w`; level `v + dv + dv_rib·i`; depth `z`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RibPoint {
    /// Fixed lateral position, cm.
    u: Option<f32>,
    /// Fixed lateral position on rib 1, cm.
    first_rib_u: Option<f32>,
    /// Lateral position as a fraction of the rib's reach.
    #[serde(default)]
    w: f32,
    /// Decrease of that fraction per rib.
    #[serde(default)]
    w_rib: f32,
    /// Level offset from the rib's level.
    #[serde(default)]
    dv: f32,
    /// Increase of that offset per rib.
    #[serde(default)]
    dv_rib: f32,
    /// Depth.
    z: f32,
}

/// Adds ribs 1–12 of the right side, then of the left (one uptake draw each).
pub(super) fn ribs<R: Rng>(p: &mut Parts, d: &Ribs, rng: &mut R) {
    let chest = p.f.p.build.powf(d.build_exponent) * p.by_sex(d.female_width);
    for side in SIDES {
        for (i, &w0) in d.width.iter().enumerate() {
            let tube = rib(p, d, side.sign(), i, w0 * chest, rng);
            p.paired(Site::Rib, side, &format!("rib {}", i + 1), Prim::Tube(tube));
        }
    }
}

/// Rib `i` (0 for rib 1) reaching `w` cm from the midline, on the side of sign `s`.
fn rib<R: Rng>(p: &Parts, d: &Ribs, s: f32, i: usize, w: f32, rng: &mut R) -> Tube {
    let v = d.v_first + d.v_step * i as f32;
    let fi = i as f32;
    let anterior = if i < d.anterior_arcs {
        &d.anterior[..]
    } else {
        &[]
    };
    let r = if i == 0 { d.radius_first } else { d.radius };
    let a = d.a * p.up * rng.random_range(UPTAKE_JITTER);
    let nodes = d.course.iter().chain(anterior).map(|pt| {
        let u = match (pt.u, pt.first_rib_u) {
            (_, Some(u)) if i == 0 => u,
            (Some(u), _) => u,
            _ => (pt.w - pt.w_rib * fi) * w,
        };
        p.f.node(s * u, v + pt.dv + pt.dv_rib * fi, pt.z, r, a)
    });
    Tube::new(nodes.collect())
}
