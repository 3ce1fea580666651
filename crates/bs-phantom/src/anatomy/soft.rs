//! Soft tissue of the trunk, neck and head (the body outline), and the chest's parts added to
//! it: the mediastinal blood pool, the air-filled lungs and, in women, the breasts.

use serde::Deserialize;

use crate::raster::{Profile, Tube};

use super::data::{Blend, Oval};
use super::parts::Parts;
use super::{Prim, SIDES};

/// The trunk's outline (`[trunk]`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Trunk {
    /// Levels of its nodes.
    v: Vec<f32>,
    /// Half-widths at those levels in women, cm (× build).
    female: Vec<f32>,
    /// Half-widths at those levels in men, cm (× build).
    male: Vec<f32>,
    /// Thickness, cm (× build × height scale).
    thickness: f32,
    /// How it composes.
    #[serde(default)]
    blend: Blend,
}

impl Trunk {
    /// Whether every level has a width for either sex.
    #[cfg(test)]
    pub fn is_complete(&self) -> bool {
        self.female.len() == self.v.len() && self.male.len() == self.v.len()
    }
}

/// The neck (`[neck]`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Neck {
    /// Level of its top.
    v_top: f32,
    /// Half-width at the top, cm.
    r_top: f32,
    /// Level of its bottom.
    v_bottom: f32,
    /// Half-width at the bottom, cm (× build).
    r_bottom: f32,
    /// Thickness, cm (× height scale).
    thickness: f32,
    /// How it composes.
    blend: Blend,
}

/// An ellipse of soft tissue (`[head]`, `[mediastinum]`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct SoftOval {
    /// Its shape.
    shape: Oval,
    /// Thickness, cm (× height scale).
    thickness: f32,
    /// How it composes.
    blend: Blend,
}

/// The head's soft tissue.
pub(super) type Head = SoftOval;

/// The mediastinal blood pool.
pub(super) type Mediastinum = SoftOval;

/// The lungs (`[lungs]`), left side.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Lungs {
    /// The left lung; its `u` and `ax` scale with build to `build_exponent`.
    shape: Oval,
    /// Power of build that scales the lungs' width and position.
    build_exponent: f32,
    /// Thickness, cm (× height scale).
    thickness: f32,
    /// How they compose.
    blend: Blend,
}

/// The breasts (`[breasts]`), left side.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Breasts {
    /// The left breast; its semi-axes scale with build.
    shape: Oval,
    /// Thickness, cm (× build).
    thickness: f32,
    /// How they compose.
    blend: Blend,
}

/// Adds the trunk's outline.
pub(super) fn trunk(p: &mut Parts, d: &Trunk) {
    let f = p.f;
    let b = f.p.build;
    let widths = if p.female { &d.female } else { &d.male };
    let nodes = d.v.iter().zip(widths);
    let trunk = Tube::new(
        nodes
            .map(|(&v, &w)| f.node(0.0, v, 0.5, w * b, 0.0))
            .collect(),
    );
    p.tissue(Prim::Tube(trunk), d.thickness * b * f.k, &d.blend);
}

/// Adds the neck and the head's soft tissue.
pub(super) fn neck_and_head(p: &mut Parts, neck: &Neck, head: &Head) {
    let f = p.f;
    let tube = Tube::new(vec![
        f.node(0.0, neck.v_top, 0.5, neck.r_top, 0.0),
        f.node(0.0, neck.v_bottom, 0.5, neck.r_bottom * f.p.build, 0.0),
    ]);
    p.tissue(Prim::Tube(tube), neck.thickness * f.k, &neck.blend);
    soft_oval(p, head);
}

/// Adds a soft-tissue ellipse `thickness` cm × the height scale thick.
pub(super) fn soft_oval(p: &mut Parts, d: &SoftOval) {
    let shape = p.ellipse(&d.shape, d.shape.a, Profile::Dome);
    p.tissue(Prim::Ellipse(shape), d.thickness * p.f.k, &d.blend);
}

/// Adds the lungs (right, then left).
pub(super) fn lungs(p: &mut Parts, d: &Lungs) {
    let w = p.f.p.build.powf(d.build_exponent);
    for side in SIDES {
        let o = &d.shape;
        let lung = Oval {
            u: side.sign() * o.u * w,
            ax: o.ax * w,
            ..*o
        };
        let lung = p.ellipse(&lung, o.a, Profile::Dome);
        p.tissue(Prim::Ellipse(lung), d.thickness * p.f.k, &d.blend);
    }
}

/// Adds the breasts (right, then left) of a woman.
pub(super) fn breasts(p: &mut Parts, d: &Breasts) {
    if !p.female {
        return;
    }
    let b = p.f.p.build;
    for side in SIDES {
        let o = &d.shape;
        let breast = Oval {
            u: side.sign() * o.u,
            ax: o.ax * b,
            ay: o.ay * b,
            ..*o
        };
        let breast = p.ellipse(&breast, o.a, Profile::Dome);
        p.tissue(Prim::Ellipse(breast), d.thickness * b, &d.blend);
    }
}
