//! The skull: vault, facial bones and mandible.

use serde::Deserialize;

use crate::raster::Profile;

use super::data::{Oval, TubeNode};
use super::parts::Parts;
use super::{Prim, Site};

/// The skull's table (`[skull]`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Skull {
    /// The vault, a shell.
    vault: Oval,
    /// Width of the vault's bright rim, fraction of its radius.
    vault_rim: f32,
    /// Activity inside the rim, relative to the rim.
    vault_inner: f32,
    /// The facial bones.
    face: Oval,
    /// The mandible, angle to angle.
    mandible: Vec<TubeNode>,
}

/// Adds the skull vault, facial bones and mandible (all moving with the head).
pub(super) fn skull(p: &mut Parts, d: &Skull) {
    let shell = Profile::Shell {
        rim: d.vault_rim,
        inner: d.vault_inner,
    };
    let vault = p.ellipse(&d.vault, d.vault.a * p.up, shell);
    p.single(Site::Skull, "skull vault", Prim::Ellipse(vault), true);
    let face = p.ellipse(&d.face, d.face.a * p.up, Profile::Dome);
    p.single(Site::Skull, "facial bones", Prim::Ellipse(face), true);
    let mandible = p.tube(&d.mandible, 1.0);
    p.single(Site::Mandible, "mandible", Prim::Tube(mandible), true);
}
