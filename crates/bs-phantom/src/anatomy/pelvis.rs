//! The pelvic girdle: sacrum and sacro-iliac joints, then each side's iliac crest, ilium,
//! acetabulum and ischium, pubis and ischial ramus.

use serde::Deserialize;

use crate::raster::Profile;

use super::data::{Oval, TubeNode};
use super::parts::Parts;
use super::{Prim, Site, SIDES};

/// The sacrum's table (`[sacrum]`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Sacrum {
    /// The sacrum, top down.
    sacrum: Vec<TubeNode>,
    /// The left sacro-iliac joint.
    sacro_iliac: Oval,
}

/// The pelvis's table (`[pelvis]`), left side.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Pelvis {
    /// Every `u` of the pelvis and hips is multiplied by this in women.
    female_width: f32,
    /// The iliac crest.
    iliac_crest: Vec<TubeNode>,
    /// The iliac wing.
    ilium: Oval,
    /// Acetabulum and ischium.
    acetabulum_and_ischium: Vec<TubeNode>,
    /// The pubis.
    pubis: Vec<TubeNode>,
    /// The ischial ramus.
    ischial_ramus: Vec<TubeNode>,
}

impl Pelvis {
    /// The patient's pelvis width relative to a man's.
    pub fn width(&self, p: &Parts) -> f32 {
        p.by_sex(self.female_width)
    }
}

/// Adds the sacrum and the two sacro-iliac joints (right, then left).
pub(super) fn sacrum(p: &mut Parts, d: &Sacrum) {
    let sacrum = p.tube(&d.sacrum, 1.0);
    p.single(Site::Sacrum, "sacrum", Prim::Tube(sacrum), false);
    let a = d.sacro_iliac.a * p.up;
    for side in SIDES {
        let joint = p.ellipse(&d.sacro_iliac.mirrored(side.sign()), a, Profile::Dome);
        p.paired(
            Site::Sacrum,
            side,
            "sacro-iliac joint",
            Prim::Ellipse(joint),
        );
    }
}

/// Adds the pelvis of each side (right, then left).
pub(super) fn pelvis(p: &mut Parts, d: &Pelvis) {
    let width = d.width(p);
    for side in SIDES {
        let m = side.sign() * width;
        let crest = p.tube(&d.iliac_crest, m);
        p.paired(Site::Pelvis, side, "iliac crest", Prim::Tube(crest));
        let wing = Oval {
            u: side.sign() * d.ilium.u * width,
            ..d.ilium
        };
        let ilium = p.ellipse(&wing, d.ilium.a * p.up, Profile::Dome);
        p.paired(Site::Pelvis, side, "ilium", Prim::Ellipse(ilium));
        let acetabulum = p.tube(&d.acetabulum_and_ischium, m);
        p.paired(
            Site::Pelvis,
            side,
            "acetabulum and ischium",
            Prim::Tube(acetabulum),
        );
        let pubis = p.tube(&d.pubis, m);
        p.paired(Site::Pelvis, side, "pubis", Prim::Tube(pubis));
        let ramus = p.tube(&d.ischial_ramus, m);
        p.paired(Site::Pelvis, side, "ischial ramus", Prim::Tube(ramus));
    }
}
