//! The excreting organs: kidneys (posterior) and bladder (anterior).

use serde::Deserialize;

use crate::body::Side;
use crate::raster::{Ellipse, Profile};

use super::data::Oval;
use super::parts::Parts;
use super::SIDES;

/// The organs' table (`[organs]`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Organs {
    /// The left kidney.
    kidney: Oval,
    /// The right kidney lies this much lower, fraction of height.
    right_kidney_lower: f32,
    /// The bladder.
    bladder: Oval,
}

/// The kidneys `[right, left]` (activity set later by the patient's physiology).
pub(super) fn kidneys(p: &Parts, d: &Organs) -> [Ellipse; 2] {
    SIDES.map(|side| {
        let lower = if side == Side::Right {
            d.right_kidney_lower
        } else {
            0.0
        };
        let kidney = Oval {
            v: d.kidney.v + lower,
            ..d.kidney.mirrored(side.sign())
        };
        p.ellipse(&kidney, d.kidney.a, Profile::Dome)
    })
}

/// The bladder (activity and filling set later by the patient's physiology).
pub(super) fn bladder(p: &Parts, d: &Organs) -> Ellipse {
    p.ellipse(&d.bladder, d.bladder.a, Profile::Dome)
}
