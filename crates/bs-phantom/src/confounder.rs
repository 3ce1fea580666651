//! Hot spots that are not metastases (Section 5 of the paper): they carry no M label, and a
//! model has to learn to call them NM.
//!
//! Breast and prostate patients: injection site (wrist, elbow or hand), degenerative joints,
//! aligned rib fractures, motion (doubled head), prominent kidneys and a full bladder. Prostate
//! patients in addition: urinary catheter, urine bag and diaper contamination.

use rand::Rng;
use serde::{Deserialize, Serialize};

use crate::anatomy::{Anatomy, Prim, Site};
use crate::body::{normal, Frame, Side};
use crate::lesion::Cancer;
use crate::raster::{Ellipse, Node, Profile, Tube};

/// Kind of a confounder.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ConfounderKind {
    /// Tracer left at the injection site.
    InjectionSite,
    /// Degenerative (arthritic) joint uptake.
    DegenerativeJoint,
    /// Healing fractures on consecutive ribs, aligned.
    RibFractures,
    /// Patient moved during the head pass: doubled head.
    Motion,
    /// Kidneys clearly visible (hydronephrosis or early imaging).
    ProminentKidneys,
    /// Full bladder, the hottest spot of the scan.
    FullBladder,
    /// Urinary catheter along the thigh.
    Catheter,
    /// Urine bag beside the legs.
    UrineBag,
    /// Urine-contaminated diaper.
    Diaper,
}

impl ConfounderKind {
    /// snake_case name, as in manifests.
    pub fn name(self) -> &'static str {
        match self {
            ConfounderKind::InjectionSite => "injection_site",
            ConfounderKind::DegenerativeJoint => "degenerative_joint",
            ConfounderKind::RibFractures => "rib_fractures",
            ConfounderKind::Motion => "motion",
            ConfounderKind::ProminentKidneys => "prominent_kidneys",
            ConfounderKind::FullBladder => "full_bladder",
            ConfounderKind::Catheter => "catheter",
            ConfounderKind::UrineBag => "urine_bag",
            ConfounderKind::Diaper => "diaper",
        }
    }
}

/// One confounder of a patient.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Confounder {
    /// What it is.
    pub kind: ConfounderKind,
    /// Where (e.g. "left elbow", "right ribs 5-7").
    pub detail: String,
}

/// The sampled confounders plus what they draw.
pub(crate) struct ConfounderSet {
    pub records: Vec<Confounder>,
    /// Extra uptake drawn like bone (with depth).
    pub prims: Vec<Prim>,
    /// Head doubling `(dx, dy, fraction)` in pixels.
    pub motion: Option<(f32, f32, f32)>,
    /// Kidney activity relative to the spine.
    pub kidney_level: f32,
    /// Bladder activity (model units) and radius scale.
    pub bladder_level: f32,
    pub bladder_scale: f32,
}

fn blob(n: &Node, r_px: f32, a: f32, df: f32, db: f32) -> Prim {
    Prim::Ellipse(Ellipse {
        x: n.x,
        y: n.y,
        ax: r_px,
        ay: r_px * 0.9,
        angle: 0.0,
        a,
        df,
        db,
        profile: Profile::Gauss,
    })
}

/// Confounder records and the extra uptake they draw, gathered while sampling.
#[derive(Default)]
struct Found {
    records: Vec<Confounder>,
    prims: Vec<Prim>,
}

impl Found {
    /// Records one confounder.
    fn record(&mut self, kind: ConfounderKind, detail: String) {
        self.records.push(Confounder { kind, detail });
    }
}

/// Samples the confounders of one patient; `superscan` suppresses kidney and bladder activity.
pub(crate) fn sample_confounders<R: Rng>(
    rng: &mut R,
    anatomy: &Anatomy,
    cancer: Cancer,
    superscan: bool,
) -> ConfounderSet {
    let f = &anatomy.frame;
    let mut found = Found::default();
    // the scale of the hot spots: a lumbar vertebra's lesion reference (`[spine] lesion_gain`)
    let spine_level = 9.0 * f.p.bone_uptake;
    injection_site(rng, anatomy, spine_level, &mut found);
    degenerative_joints(rng, anatomy, spine_level, &mut found);
    rib_fractures(rng, anatomy, &mut found);
    let motion = head_motion(rng, f, &mut found);
    let (kidney_level, bladder_level, bladder_scale) =
        kidneys_and_bladder(rng, spine_level, superscan, &mut found);
    if cancer == Cancer::Prostate {
        prostate_items(rng, f, bladder_level.max(spine_level), &mut found);
    }
    ConfounderSet {
        records: found.records,
        prims: found.prims,
        motion,
        kidney_level,
        bladder_level,
        bladder_scale,
    }
}

/// Injection site: the commonest hot spot outside bone (wrist, elbow or hand of one arm).
fn injection_site<R: Rng>(rng: &mut R, anatomy: &Anatomy, spine_level: f32, found: &mut Found) {
    if !rng.random_bool(0.35) {
        return;
    }
    let side = Side::random(rng);
    let k = usize::from(side == Side::Left);
    let (where_, n) = match rng.random_range(0..3) {
        0 => ("wrist", anatomy.wrist[k]),
        1 => ("elbow", anatomy.elbow[k]),
        _ => ("hand", anatomy.hand[k]),
    };
    let a = spine_level * rng.random_range(0.8f32..8.0);
    let r = rng.random_range(1.6..4.0);
    found.prims.push(blob(&n, r, a, 1.0, n.df + n.db - 1.0));
    found.record(
        ConfounderKind::InjectionSite,
        format!("{} {where_}", side.name()),
    );
}

/// Degenerative joints (one to three), commoner with age.
fn degenerative_joints<R: Rng>(
    rng: &mut R,
    anatomy: &Anatomy,
    spine_level: f32,
    found: &mut Found,
) {
    let p_deg = ((anatomy.frame.p.age as f64 - 40.0) / 60.0).clamp(0.05, 0.7);
    if !rng.random_bool(p_deg) {
        return;
    }
    let n_joints = rng.random_range(1..4);
    for _ in 0..n_joints {
        let choice: i32 = rng.random_range(0..5);
        let side = Side::random(rng);
        let (name, n, r) = joint(anatomy, choice, side);
        found.prims.push(blob(
            &n,
            r,
            spine_level * rng.random_range(0.6..1.6),
            n.df,
            n.db,
        ));
        found.record(
            ConfounderKind::DegenerativeJoint,
            format!("{} {name}", side.name()),
        );
    }
}

/// The joint `choice` (knee, wrist, shoulder, lumbar facet, sternoclavicular) of one side:
/// its name, centre and blob radius (px).
fn joint(anatomy: &Anatomy, choice: i32, side: Side) -> (&'static str, Node, f32) {
    let f = &anatomy.frame;
    let k = usize::from(side == Side::Left);
    match choice {
        0 => ("knee", anatomy.knee[k], f.px(1.8)),
        1 => ("wrist", anatomy.wrist[k], f.px(1.3)),
        2 => ("shoulder", shoulder(anatomy, side), f.px(1.6)),
        3 => {
            let (x, y, df, db) = f.project(side.sign() * 1.8, 0.44, 0.8);
            ("lumbar facet", spot(x, y, df, db), f.px(1.3))
        }
        _ => {
            let (x, y, df, db) = f.project(side.sign() * 1.0, 0.175, 0.45);
            ("sternoclavicular", spot(x, y, df, db), f.px(1.1))
        }
    }
}

/// The shoulder joint of one side: top of the humeral head (the knee if there is no humerus).
fn shoulder(anatomy: &Anatomy, side: Side) -> Node {
    let k = usize::from(side == Side::Left);
    anatomy
        .bones
        .iter()
        .find(|b| b.site == Site::Humerus && b.side == Some(side))
        .map(|b| match &b.prim {
            Prim::Ellipse(e) => spot(e.x, e.y - 3.0, e.df, e.db),
            Prim::Tube(t) => t.nodes[0],
        })
        .unwrap_or(anatomy.knee[k])
}

/// A point node (unit radius, no activity) at `(x, y)` with depths `df`, `db`.
fn spot(x: f32, y: f32, df: f32, db: f32) -> Node {
    Node {
        x,
        y,
        r: 1.0,
        a: 0.0,
        df,
        db,
    }
}

/// Rib fractures: small hot spots lined up on two to four consecutive ribs of one side.
fn rib_fractures<R: Rng>(rng: &mut R, anatomy: &Anatomy, found: &mut Found) {
    if !rng.random_bool(0.1) {
        return;
    }
    let side = Side::random(rng);
    let first = rng.random_range(2..8);
    let count = rng.random_range(2..5);
    let t = rng.random_range(0.35f32..0.75);
    for i in first..first + count {
        let label = format!("{} rib {}", side.name(), i + 1);
        if let Some(Prim::Tube(tube)) = anatomy
            .bones
            .iter()
            .find(|b| b.label == label)
            .map(|b| &b.prim)
        {
            let n = tube.at(t + 0.02 * normal(rng));
            found.prims.push(blob(
                &n,
                anatomy.frame.px(0.8),
                n.a * n.r * rng.random_range(2.0..4.0),
                n.df,
                n.db,
            ));
        }
    }
    found.record(
        ConfounderKind::RibFractures,
        format!("{} ribs {}-{}", side.name(), first + 1, first + count),
    );
}

/// Motion during the head pass: the head doubled by `(dx, dy)` pixels with a fraction of its
/// counts.
fn head_motion<R: Rng>(rng: &mut R, f: &Frame, found: &mut Found) -> Option<(f32, f32, f32)> {
    rng.random_bool(0.08).then(|| {
        found.record(ConfounderKind::Motion, "head".into());
        (
            rng.random_range(-1.0f32..1.0) * f.px(2.5),
            rng.random_range(0.5f32..1.0) * f.px(2.0),
            rng.random_range(0.3..0.5),
        )
    })
}

/// Kidney level, bladder level and bladder scale: always there, flagged when they stand out,
/// faint in a superscan.
fn kidneys_and_bladder<R: Rng>(
    rng: &mut R,
    spine_level: f32,
    superscan: bool,
    found: &mut Found,
) -> (f32, f32, f32) {
    let mut kidney_level = spine_level * (0.25 + 0.6 * rng.random::<f32>());
    if rng.random_bool(0.12) {
        kidney_level *= rng.random_range(2.0..3.5);
        found.record(ConfounderKind::ProminentKidneys, "both".into());
    }
    let mut bladder_level = spine_level * rng.random_range(0.25f32..1.2);
    let mut bladder_scale = rng.random_range(0.6f32..1.1);
    if rng.random_bool(0.3) {
        bladder_level *= rng.random_range(1.5..2.5);
        bladder_scale = rng.random_range(1.1..1.4);
        found.record(ConfounderKind::FullBladder, "pelvis".into());
    }
    if superscan {
        kidney_level *= 0.1;
        bladder_level *= 0.25;
    }
    (kidney_level, bladder_level, bladder_scale)
}

/// Prostate patients' urine confounders (catheter, urine bag, diaper) on one side, their
/// activity a fraction of `urine_ref` (the brighter of bladder and spine).
fn prostate_items<R: Rng>(rng: &mut R, f: &Frame, urine_ref: f32, found: &mut Found) {
    let side = Side::random(rng);
    let urine = urine_ref * rng.random_range(0.4f32..1.0);
    let catheter = rng.random_bool(0.14);
    if catheter {
        catheter_tube(rng, f, side, urine, found);
    }
    if rng.random_bool(if catheter { 0.6 } else { 0.03 }) {
        urine_bag(rng, f, side, urine, found);
    }
    if rng.random_bool(0.12) {
        diaper(rng, f, urine, found);
    }
}

/// Urinary catheter: a faint tube from the groin down one thigh.
fn catheter_tube<R: Rng>(rng: &mut R, f: &Frame, side: Side, urine: f32, found: &mut Found) {
    let s = side.sign();
    let nodes: Vec<Node> = [
        (0.0, 0.5),
        (s * 2.5, 0.56),
        (s * 5.5, 0.64),
        (s * 8.0, 0.72),
        (s * 10.5, 0.78),
    ]
    .iter()
    .map(|&(u, v)| {
        let mut n = f.limb_node(u, v, 0.1, 14.0, 0.45, urine * 0.12);
        n.x += rng.random_range(-1.5..1.5);
        n
    })
    .collect();
    found.prims.push(Prim::Tube(Tube::new(nodes)));
    found.record(ConfounderKind::Catheter, format!("{} thigh", side.name()));
}

/// Urine bag: a hot dome beside one leg.
fn urine_bag<R: Rng>(rng: &mut R, f: &Frame, side: Side, urine: f32, found: &mut Found) {
    let v = rng.random_range(0.7f32..0.86);
    let (x, y, _, _) = f.project_in(side.sign() * rng.random_range(12.0..16.0), v, 0.5, 10.0);
    found.prims.push(Prim::Ellipse(Ellipse {
        x,
        y,
        ax: f.px(rng.random_range(3.0..5.0)),
        ay: f.px(rng.random_range(5.0..8.0)),
        angle: rng.random_range(-0.3..0.3),
        a: urine * 0.5,
        df: 2.0,
        db: 2.0,
        profile: Profile::Dome,
    }));
    found.record(
        ConfounderKind::UrineBag,
        format!("beside {} leg", side.name()),
    );
}

/// Diaper contamination: two to four urine blobs over the groin.
fn diaper<R: Rng>(rng: &mut R, f: &Frame, urine: f32, found: &mut Found) {
    let blobs = rng.random_range(2..5);
    for _ in 0..blobs {
        let (x, y, _, _) = f.project_in(
            rng.random_range(-6.0..6.0),
            rng.random_range(0.5..0.55),
            0.5,
            16.0,
        );
        found.prims.push(Prim::Ellipse(Ellipse {
            x,
            y,
            ax: f.px(rng.random_range(1.5..4.0)),
            ay: f.px(rng.random_range(1.0..3.0)),
            angle: rng.random_range(-1.0..1.0),
            a: urine * rng.random_range(0.1..0.35),
            df: 1.0,
            db: 1.5,
            profile: Profile::Gauss,
        }));
    }
    found.record(ConfounderKind::Diaper, "groin".into());
}
