//! What the region functions build on: the patient's frame and the parts made so far, with the
//! few shapes every region uses (trunk tubes and ellipses, limb nodes and joints).

use crate::body::{Frame, Side, NECK_V};
use crate::raster::{Ellipse, Node, Profile, Tube};

use super::data::{Blend, Joint, LimbNode, Oval, TubeNode};
use super::{BonePart, Prim, Site, SoftPart};

/// Radius (cm) of the nodes that only mark a position (injection and degenerative-joint sites).
pub(super) const MARKER_R: f32 = 1.0;

/// One patient's anatomy under construction.
pub(super) struct Parts<'a> {
    /// The patient's projection.
    pub f: &'a Frame,
    /// The patient's bone uptake; every bone's relative activity is multiplied by it.
    pub up: f32,
    /// Female proportions.
    pub female: bool,
    /// Bones, in building order.
    pub bones: Vec<BonePart>,
    /// Long bones with a lesion range (humeri, femora), kept after all other bones.
    pub ranged: Vec<BonePart>,
    /// Soft-tissue parts, in building order.
    pub soft: Vec<SoftPart>,
}

impl<'a> Parts<'a> {
    /// No parts yet.
    pub fn new(f: &'a Frame) -> Self {
        Parts {
            f,
            up: f.p.bone_uptake,
            female: f.p.sex == crate::body::Sex::Female,
            bones: Vec::new(),
            ranged: Vec::new(),
            soft: Vec::new(),
        }
    }

    /// `female_factor` in women, 1 in men.
    pub fn by_sex(&self, female_factor: f32) -> f32 {
        if self.female {
            female_factor
        } else {
            1.0
        }
    }

    /// Adds a bone of the midline (lesions anywhere); `head` if it moves with the head.
    pub fn single(&mut self, site: Site, label: &str, prim: Prim, head: bool) {
        self.bone(site, label.to_string(), None, prim, head);
    }

    /// A bone where lesions may occur anywhere, their contrast against its own activity.
    fn part(site: Site, label: String, side: Option<Side>, prim: Prim, head: bool) -> BonePart {
        BonePart {
            site,
            label,
            side,
            prim,
            lesion_range: (0.0, 1.0),
            lesion_gain: 1.0,
            head,
        }
    }

    /// Adds a bone where lesions may occur anywhere.
    fn bone(&mut self, site: Site, label: String, side: Option<Side>, prim: Prim, head: bool) {
        self.bones.push(Self::part(site, label, side, prim, head));
    }

    /// Adds a vertebral body (`head` if it moves with the head) whose lesions take
    /// `lesion_gain` times its activity as the bone their contrast multiplies.
    pub fn vertebral_body(
        &mut self,
        site: Site,
        label: String,
        body: Ellipse,
        head: bool,
        lesion_gain: f32,
    ) {
        self.bones.push(BonePart {
            lesion_gain,
            ..Self::part(site, label, None, Prim::Ellipse(body), head)
        });
    }

    /// Adds a bone of one side, labelled "<side> <name>" (lesions anywhere, not the head's).
    pub fn paired(&mut self, site: Site, side: Side, name: &str, prim: Prim) {
        let label = format!("{} {name}", side.name());
        self.bone(site, label, Some(side), prim, false);
    }

    /// Adds a long bone whose lesions occur in its proximal `lesion_to` only.
    pub fn long_bone(&mut self, site: Site, label: String, side: Side, tube: Tube, lesion_to: f32) {
        self.ranged.push(BonePart {
            lesion_range: (0.0, lesion_to),
            ..Self::part(site, label, Some(side), Prim::Tube(tube), false)
        });
    }

    /// Adds a soft-tissue part `thickness_cm` thick at its centre line.
    pub fn tissue(&mut self, prim: Prim, thickness_cm: f32, blend: &Blend) {
        self.soft.push(SoftPart {
            prim,
            thickness_cm,
            additive: blend.additive,
            scale: blend.scale,
            head: blend.head,
        });
    }

    /// An ellipse in the trunk or head of peak `a` per unit of its size; above the neck it
    /// turns with the head.
    pub fn ellipse(&self, o: &Oval, a: f32, profile: Profile) -> Ellipse {
        let f = self.f;
        let (x, y, df, db) = f.project(o.u, o.v, o.z);
        // above the neck the head's tilt turns the ellipse as `project` turns its centre
        let angle = if o.v < NECK_V {
            o.angle + f.p.head_tilt_deg.to_radians()
        } else {
            o.angle
        };
        Ellipse {
            x,
            y,
            ax: f.px(o.ax),
            ay: f.px(o.ay),
            angle,
            a: a * f.px(o.ax.min(o.ay)).sqrt() * 2.0,
            df,
            db,
            profile,
        }
    }

    /// A bone of the trunk or head through `nodes`, their `u` times `mirror` (a side's sign,
    /// times a scale where the region has one).
    pub fn tube(&self, nodes: &[TubeNode], mirror: f32) -> Tube {
        let up = self.up;
        Tube::new(
            nodes
                .iter()
                .map(|n| self.f.node(n.u * mirror, n.v, n.z, n.r, n.a * up))
                .collect(),
        )
    }

    /// A joint of a limb `t_cm` thick (unless the joint gives its own) whose centre is `at`,
    /// on the side of sign `s`.
    pub fn joint(&self, at: (f32, f32), s: f32, j: &Joint, t_cm: f32) -> Ellipse {
        let f = self.f;
        let a = j.a * self.up;
        let (x, y, df, db) = f.project_in(at.0 + s * j.du, at.1 + j.dv, 0.5, j.t.unwrap_or(t_cm));
        Ellipse {
            x,
            y,
            ax: f.px(j.ax),
            ay: f.px(j.ay),
            angle: 0.0,
            a: 0.42 * a * f.px(j.ax.min(j.ay)),
            df,
            db,
            profile: Profile::Dome,
        }
    }

    /// A bone node of a limb `t_cm` thick (unless the node gives its own), offset from `at` on
    /// the side of sign `s`.
    pub fn limb_node(&self, at: (f32, f32), s: f32, n: &LimbNode, t_cm: f32) -> Node {
        let t = n.t.unwrap_or(t_cm);
        self.f
            .limb_node(at.0 + s * n.du, at.1 + n.dv, n.z, t, n.r, n.a * self.up)
    }
}
