//! Soft tissue as activity: the body outline (max-composited) plus the parts added to it,
//! `ρ·(1-e^{-μL})/μ` for a chord of `L` cm, seen equally by both cameras.

use crate::raster::MU_PER_CM;
use crate::{VIEW_COLS, VIEW_ROWS};

use super::{Prim, SoftPart};

/// Rasterises soft tissue (max-composited outline plus additive parts) into a buffer of
/// activity seen by either camera, `ρ·(1-e^{-μL})/μ`.
pub(crate) fn soft_tissue_buffer(
    parts: &[SoftPart],
    density: f32,
    shift_head: Option<(f32, f32, f32)>,
) -> Vec<f32> {
    let mut outline = vec![0f32; VIEW_ROWS * VIEW_COLS];
    let mut extra = vec![0f32; VIEW_ROWS * VIEW_COLS];
    for part in parts {
        let buf = if part.additive {
            &mut extra
        } else {
            &mut outline
        };
        match (part.head, shift_head) {
            (true, Some((dx, dy, frac))) => {
                deposit(buf, part, &part.prim, density, 1.0 - frac);
                deposit(buf, part, &part.prim.shifted(dx, dy), density, frac);
            }
            _ => deposit(buf, part, &part.prim, density, 1.0),
        }
    }
    outline
        .iter_mut()
        .zip(extra)
        .for_each(|(o, e)| *o = (*o + e).max(0.0));
    outline
}

/// Adds (additive parts) or max-composites (outline) `gain` times the activity of `part` drawn
/// as `prim` into `buf`.
fn deposit(buf: &mut [f32], part: &SoftPart, prim: &Prim, density: f32, gain: f32) {
    let seen = |chord: f32| {
        gain * part.scale * density * (1.0 - (-MU_PER_CM * part.thickness_cm * chord).exp())
            / MU_PER_CM
    };
    for_each_chord(prim, |i, chord| {
        let v = seen(chord);
        if part.additive {
            buf[i] += v
        } else {
            buf[i] = buf[i].max(v)
        }
    });
}

/// Calls `visit(pixel, chord)` for every pixel `prim` covers, row by row: a tube's chord
/// fraction, an ellipse's profile weight where positive.
fn for_each_chord(prim: &Prim, mut visit: impl FnMut(usize, f32)) {
    match prim {
        Prim::Tube(t) => {
            if let Some((r0, r1, c0, c1)) = t.bbox() {
                for r in r0..=r1 {
                    for c in c0..=c1 {
                        if let Some((chord, _)) = t.sample(c as f32, r as f32) {
                            visit(r * VIEW_COLS + c, chord);
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
                            visit(r * VIEW_COLS + c, w);
                        }
                    }
                }
            }
        }
    }
}
