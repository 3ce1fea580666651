//! The vertebral column: 24 vertebral bodies, so that it shows the segmented pattern of a
//! scintigram, and the posterior elements behind them; bowed by a scoliosis in some older
//! patients.

use rand::Rng;
use serde::Deserialize;

use crate::body::{normal, Frame};
use crate::raster::{Ellipse, Profile, Tube};

use super::parts::Parts;
use super::{Prim, Site, UPTAKE_JITTER};

/// The spine's table (`[spine]`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Spine {
    /// Cervical, thoracic and lumbar segments, top down.
    segments: Vec<Segment>,
    /// Half-height of a vertebral body, fraction of its share of the segment.
    body_height: f32,
    /// Peak activity of a vertebral body per pixel of its half-width (× bone uptake).
    gain: f32,
    /// The activity, per pixel of half-width, that a vertebral lesion's contrast multiplies.
    lesion_gain: f32,
    /// Cervical bodies above this level move with the head.
    head_v: f32,
    /// The scoliosis of older patients.
    scoliosis: Scoliosis,
    /// The posterior elements.
    posterior: Posterior,
}

impl Spine {
    /// Number of vertebral bodies.
    #[cfg(test)]
    pub fn segment_count(&self) -> usize {
        self.segments.iter().map(|s| s.count).sum()
    }
}

/// One segment of the column (`[[spine.segments]]`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Segment {
    /// Site of its vertebrae.
    site: Site,
    /// Label prefix ("C", "T", "L").
    name: String,
    /// Number of vertebral bodies.
    count: usize,
    /// Top of the segment, fraction of height.
    v_top: f32,
    /// Bottom of the segment, fraction of height.
    v_bottom: f32,
    /// Half-width of its first body, cm.
    r: f32,
    /// Growth of the half-width per body, cm.
    r_step: f32,
    /// Depth of the bodies.
    z: f32,
}

/// A sideways bow of the spine (`[spine.scoliosis]`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Scoliosis {
    /// Only patients older than this (years) may have one.
    older_than: u32,
    /// Largest lateral shift, cm.
    max_cm: f32,
    /// Top of the bow, fraction of height.
    v_top: f32,
    /// Length of the bow (half a sine), fraction of height.
    length: f32,
}

/// The posterior elements, one tube (`[spine.posterior]`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Posterior {
    /// Top, fraction of height.
    v_top: f32,
    /// Length, fraction of height.
    length: f32,
    /// Number of segments between its nodes.
    segments: usize,
    /// Depth.
    z: f32,
    /// Radius at the top, cm.
    r_top: f32,
    /// Growth of the radius to the bottom, cm.
    r_gain: f32,
    /// Activity relative to the bone uptake.
    a: f32,
}

/// Adds the 24 vertebral bodies (one uptake draw each) and the posterior elements; draws the
/// scoliosis first.
pub(super) fn spine<R: Rng>(p: &mut Parts, d: &Spine, rng: &mut R) {
    let bow = scoliosis_cm(p.f, &d.scoliosis, rng);
    let spine_u = |v: f32| bow * d.scoliosis.shape(v);
    for seg in &d.segments {
        for j in 0..seg.count {
            let (body, v) = vertebral_body(p, d, seg, j, spine_u, rng);
            let head = seg.site == Site::CervicalSpine && v < d.head_v;
            let label = format!("{}{}", seg.name, j + 1);
            p.vertebral_body(seg.site, label, body, head, d.lesion_gain / d.gain);
        }
    }
    let posterior = posterior_elements(p, &d.posterior, spine_u);
    let label = "posterior elements";
    p.single(Site::ThoracicSpine, label, Prim::Tube(posterior), false);
}

/// The patient's scoliosis, cm (signed; 0 for most): one uniform draw for older patients,
/// then a normal draw for its side.
fn scoliosis_cm<R: Rng>(f: &Frame, d: &Scoliosis, rng: &mut R) -> f32 {
    let amplitude = if f.p.age > d.older_than {
        rng.random_range(0.0..d.max_cm)
    } else {
        0.0
    };
    amplitude * normal(rng).signum()
}

impl Scoliosis {
    /// The bow's lateral shift at level `v`, per cm of scoliosis.
    fn shape(&self, v: f32) -> f32 {
        ((v - self.v_top) / self.length * std::f32::consts::PI)
            .sin()
            .max(0.0)
    }
}

/// Vertebral body `j` of a segment, level (not tilted: a slightly tilted spine's projected
/// bodies stay level in a scan; the body's tilt moves their centres), and its level `v`.
fn vertebral_body<R: Rng>(
    p: &Parts,
    d: &Spine,
    seg: &Segment,
    j: usize,
    spine_u: impl Fn(f32) -> f32,
    rng: &mut R,
) -> (Ellipse, f32) {
    let f = p.f;
    let dv = (seg.v_bottom - seg.v_top) / seg.count as f32;
    let v = seg.v_top + (j as f32 + 0.5) * dv;
    let r = seg.r + seg.r_step * j as f32;
    let (x, y, df, db) = f.project(spine_u(v), v, seg.z);
    let body = Ellipse {
        x,
        y,
        ax: f.px(r),
        ay: d.body_height * dv * f.height_px,
        angle: 0.0,
        a: p.up * f.px(r) * d.gain * rng.random_range(UPTAKE_JITTER),
        df,
        db,
        profile: Profile::Dome,
    };
    (body, v)
}

/// The posterior elements: a tube following the spine, widening downwards.
fn posterior_elements(p: &Parts, d: &Posterior, spine_u: impl Fn(f32) -> f32) -> Tube {
    let n = d.segments as f32;
    Tube::new(
        (0..=d.segments)
            .map(|i| {
                let v = d.v_top + d.length * i as f32 / n;
                let r = d.r_top + d.r_gain * (v - d.v_top) / d.length;
                p.f.node(spine_u(v), v, d.z, r, d.a * p.up)
            })
            .collect(),
    )
}
