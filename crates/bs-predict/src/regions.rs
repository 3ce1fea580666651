//! A coarse body-region map of a whole-body view, from the body range that preprocessing
//! detected (projection profile, bs-preprocess).
//!
//! With the body's first row `t`, height `h`, first column `l` and width `w` (source
//! coordinates of the view), a pixel `(r, c)` has relative height `y = (r − t) / h` and
//! lateral offset `x = |c + ½ − (l + w/2)| / w` (0 on the midline, ½ at the body's edge,
//! arms included). Its region is the first that matches:
//!
//! | region | rule | why |
//! |---|---|---|
//! | `head` | `y < 0.13` | head and neck: ≈ 13 % of stature (anthropometric tables, Drillis & Contini) |
//! | `extremities` | `y ≥ 0.55`, or `x > 0.25` | legs below the hips; arms hang beside the trunk, outside its central half |
//! | `spine` | `y < 0.47` and `x ≤ 0.06` | the vertebral column: a narrow midline band from the neck to the sacrum |
//! | `thorax` | `y < 0.36` | ribs, sternum, scapulae, shoulders |
//! | `pelvis` | otherwise (`0.36 ≤ y < 0.55`, trunk) | iliac wings, sacrum, hips |
//!
//! The map is coarse on purpose: it counts where lesions are for a report, it is not an
//! anatomical segmentation. A lesion belongs to the region of its centroid. Pixels outside the
//! body's bounding box take the region of the nearest box pixel.

use serde::{Deserialize, Serialize};

use bs_preprocess::BodyRange;

/// Relative height where the head ends.
pub(crate) const HEAD_END: f64 = 0.13;
/// Relative height where the thorax ends.
pub(crate) const THORAX_END: f64 = 0.36;
/// Relative height where the spine band ends (sacrum).
pub(crate) const SPINE_END: f64 = 0.47;
/// Relative height where the pelvis ends and the legs begin.
pub(crate) const PELVIS_END: f64 = 0.55;
/// Half-width of the spine band, as a fraction of the body width.
pub(crate) const SPINE_HALF_WIDTH: f64 = 0.06;
/// Lateral offset beyond which a trunk-level pixel is an arm.
pub(crate) const ARM_OFFSET: f64 = 0.25;

/// A coarse body region.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Region {
    /// Skull and neck.
    Head,
    /// Ribs, sternum, scapulae, shoulders.
    Thorax,
    /// Vertebral column.
    Spine,
    /// Pelvis and hips.
    Pelvis,
    /// Arms and legs.
    Extremities,
}

impl Region {
    /// All regions in report order.
    pub const ALL: [Region; 5] = [
        Region::Head,
        Region::Thorax,
        Region::Spine,
        Region::Pelvis,
        Region::Extremities,
    ];

    /// Snake-case name (`head`, `thorax`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Region::Head => "head",
            Region::Thorax => "thorax",
            Region::Spine => "spine",
            Region::Pelvis => "pelvis",
            Region::Extremities => "extremities",
        }
    }
}

/// The region of source pixel `(row, col)` (fractional coordinates allowed, e.g. a centroid)
/// for a view whose body occupies `body`.
pub(crate) fn region_of(row: f64, col: f64, body: &BodyRange) -> Region {
    let h = body.rows().max(1) as f64;
    let w = body.cols().max(1) as f64;
    let y = ((row - body.row_start as f64) / h).clamp(0.0, 1.0);
    let centre = body.col_start as f64 + w / 2.0;
    let x = ((col + 0.5 - centre).abs() / w).min(0.5);
    if y < HEAD_END {
        Region::Head
    } else if y >= PELVIS_END || x > ARM_OFFSET {
        Region::Extremities
    } else if y < SPINE_END && x <= SPINE_HALF_WIDTH {
        Region::Spine
    } else if y < THORAX_END {
        Region::Thorax
    } else {
        Region::Pelvis
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regions_follow_the_documented_bands() {
        let body = BodyRange {
            row_start: 100,
            row_end: 1100,
            col_start: 28,
            col_end: 228,
        };
        let mid = 128.0 - 0.5;
        assert_eq!(region_of(150.0, mid, &body), Region::Head);
        assert_eq!(region_of(300.0, mid, &body), Region::Spine);
        assert_eq!(region_of(300.0, mid + 30.0, &body), Region::Thorax);
        assert_eq!(region_of(550.0, mid + 30.0, &body), Region::Pelvis);
        assert_eq!(region_of(550.0, mid, &body), Region::Spine);
        assert_eq!(region_of(600.0, mid, &body), Region::Pelvis);
        assert_eq!(region_of(900.0, mid, &body), Region::Extremities);
        assert_eq!(region_of(400.0, 30.0, &body), Region::Extremities);
        // outside the box: clamped to the nearest band
        assert_eq!(region_of(0.0, mid, &body), Region::Head);
    }
}
