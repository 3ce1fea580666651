//! The anatomy's landmarks as data: `data/anatomy.toml`, parsed once into one typed table per
//! region, and the shapes those tables share.

use std::sync::OnceLock;

use serde::Deserialize;

use super::arms::Arm;
use super::legs::Leg;
use super::organs::Organs;
use super::pelvis::{Pelvis, Sacrum};
use super::ribs::Ribs;
use super::shoulder::{Shoulder, Sternum};
use super::skull::Skull;
use super::soft::{Breasts, Head, Lungs, Mediastinum, Neck, Trunk};
use super::spine::Spine;

/// The text of the anatomy table, compiled into the crate.
const TEXT: &str = include_str!("../../data/anatomy.toml");

/// The whole anatomy table: one field per region, in the order they are built.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct AnatomyData {
    /// Skull vault, face and mandible.
    pub skull: Skull,
    /// Vertebral bodies and posterior elements.
    pub spine: Spine,
    /// Sacrum and sacro-iliac joints.
    pub sacrum: Sacrum,
    /// Ilium, ischium and pubis.
    pub pelvis: Pelvis,
    /// Ribs 1–12.
    pub ribs: Ribs,
    /// Sternum.
    pub sternum: Sternum,
    /// Clavicles and scapulae.
    pub shoulder: Shoulder,
    /// Arm bones, joints and soft tissue.
    pub arm: Arm,
    /// Leg bones, joints and soft tissue.
    pub leg: Leg,
    /// The trunk's outline.
    pub trunk: Trunk,
    /// The neck's soft tissue.
    pub neck: Neck,
    /// The head's soft tissue.
    pub head: Head,
    /// Blood pool between the lungs.
    pub mediastinum: Mediastinum,
    /// Air-filled lungs.
    pub lungs: Lungs,
    /// Breasts (women).
    pub breasts: Breasts,
    /// Kidneys and bladder.
    pub organs: Organs,
}

/// The anatomy table, parsed on first use.
pub(super) fn data() -> &'static AnatomyData {
    static DATA: OnceLock<AnatomyData> = OnceLock::new();
    DATA.get_or_init(|| {
        toml::from_str(TEXT).expect("data/anatomy.toml parses (the crate's tests check it)")
    })
}

/// A tube node in the trunk or head, written `[u, v, z, r, a]`: position `(u cm, v)`, depth
/// `z`, radius `r` cm and activity `a` relative to the bone uptake.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct TubeNode {
    /// Lateral position, cm.
    pub u: f32,
    /// Level, fraction of height.
    pub v: f32,
    /// Depth, fraction of thickness from the anterior skin.
    pub z: f32,
    /// Radius, cm.
    pub r: f32,
    /// Activity relative to the bone uptake.
    pub a: f32,
}

/// An ellipse in the trunk or head: centre `(u cm, v)`, depth `z`, semi-axes in cm, rotation
/// in radians and relative activity (the last two 0 when left out).
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Oval {
    /// Lateral position of the centre, cm.
    pub u: f32,
    /// Level of the centre, fraction of height.
    pub v: f32,
    /// Depth, fraction of thickness from the anterior skin.
    pub z: f32,
    /// Semi-axis across, cm.
    pub ax: f32,
    /// Semi-axis along the body, cm.
    pub ay: f32,
    /// Rotation, radians.
    #[serde(default)]
    pub angle: f32,
    /// Relative activity.
    #[serde(default)]
    pub a: f32,
}

impl Oval {
    /// The same ellipse on the side of sign `s`: position and rotation mirrored.
    pub fn mirrored(&self, s: f32) -> Oval {
        Oval {
            u: s * self.u,
            angle: s * self.angle,
            ..*self
        }
    }
}

/// A joint of a limb (a bright ellipse at mid-depth), offset `(du, dv)` from the joint centre
/// its limb computes; `t` the thickness (cm) of the limb there when not the limb's own.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Joint {
    /// Offset away from the midline, cm.
    #[serde(default)]
    pub du: f32,
    /// Offset downwards, fraction of height.
    #[serde(default)]
    pub dv: f32,
    /// Semi-axis across, cm.
    pub ax: f32,
    /// Semi-axis along the limb, cm.
    pub ay: f32,
    /// Activity relative to the bone uptake.
    pub a: f32,
    /// Thickness of the limb at the joint, cm, when not the limb's own.
    pub t: Option<f32>,
}

/// A tube node of a limb, offset `(du, dv)` from the joint centre its limb computes; depth `z`
/// (mid-depth when left out), radius `r` cm, relative activity `a` and the thickness `t` (cm)
/// of the limb there when not the limb's own.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct LimbNode {
    /// Offset away from the midline, cm.
    #[serde(default)]
    pub du: f32,
    /// Offset downwards, fraction of height.
    #[serde(default)]
    pub dv: f32,
    /// Depth, fraction of the limb's thickness from its anterior skin.
    #[serde(default = "mid_depth")]
    pub z: f32,
    /// Radius, cm.
    pub r: f32,
    /// Activity relative to the bone uptake (0 for soft tissue).
    #[serde(default)]
    pub a: f32,
    /// Thickness of the limb at the node, cm, when not the limb's own.
    pub t: Option<f32>,
}

/// Structures of a limb lie at mid-depth unless their table says otherwise.
fn mid_depth() -> f32 {
    0.5
}

/// How a soft-tissue part composes with the rest (the fields of a `SoftPart` besides its shape
/// and thickness); written `blend = { additive, scale, head }`, each optional.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(super) struct Blend {
    /// Added on top of the body outline rather than max-composited into it.
    pub additive: bool,
    /// Activity relative to soft tissue (negative for air).
    pub scale: f32,
    /// Moves with the head.
    pub head: bool,
}

impl Default for Blend {
    /// Tissue of the body outline: max-composited, the tissue's activity, not the head's.
    fn default() -> Self {
        Blend {
            additive: false,
            scale: 1.0,
            head: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The numeric literals of the table (outside comments and strings).
    fn numbers(text: &str) -> Vec<&str> {
        let is_part = |c: char| c.is_ascii_digit() || matches!(c, '.' | '-' | '+' | 'e' | 'E');
        text.lines()
            .map(|l| l.split('#').next().unwrap_or(""))
            .flat_map(|l| l.split('"').step_by(2))
            .flat_map(|l| l.split(|c: char| !is_part(c)))
            .filter(|t| {
                t.trim_start_matches(['-', '+'])
                    .starts_with(|c: char| c.is_ascii_digit())
            })
            .collect()
    }

    #[test]
    fn the_table_parses() {
        let d = data();
        assert_eq!(d.spine.segment_count(), 24);
        assert_eq!(d.ribs.count(), 12);
        assert!(d.trunk.is_complete());
    }

    #[test]
    fn every_number_reads_as_the_f32_of_its_decimal() {
        // serde reads a TOML float as f64 and narrows it: equal to the f32 literal the code had
        // unless the decimal sits almost exactly between two f32 (double rounding)
        let numbers = numbers(TEXT);
        assert!(numbers.len() > 250, "only {} numbers found", numbers.len());
        for n in numbers {
            let via_f64 = n.parse::<f64>().unwrap() as f32;
            assert_eq!(
                via_f64.to_bits(),
                n.parse::<f32>().unwrap().to_bits(),
                "{n}"
            );
        }
    }
}
