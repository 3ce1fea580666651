//! One labelme shape.

use std::fmt;

/// The labelme shape types this crate rasterises.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ShapeType {
    /// A closed polygon (at least 3 points); also what old labelme files without a
    /// `shape_type` key mean.
    Polygon,
    /// An axis-aligned rectangle given by two opposite corners.
    Rectangle,
    /// A circle given by its centre and one point on the rim.
    Circle,
    /// A segment of two points, drawn [`super::LINE_WIDTH`] pixels wide.
    Line,
    /// An open polyline of at least two points, drawn [`super::LINE_WIDTH`] pixels wide.
    Linestrip,
    /// A single point, drawn as a filled circle of radius [`super::POINT_RADIUS`].
    Point,
}

impl ShapeType {
    /// Parses labelme's `shape_type` string; `None` (key absent or `null`) means polygon.
    pub fn from_labelme(name: Option<&str>) -> Option<Self> {
        Some(match name {
            None | Some("polygon") => Self::Polygon,
            Some("rectangle") => Self::Rectangle,
            Some("circle") => Self::Circle,
            Some("line") => Self::Line,
            Some("linestrip") => Self::Linestrip,
            Some("point") => Self::Point,
            Some(_) => return None,
        })
    }

    /// labelme's name for the type.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Polygon => "polygon",
            Self::Rectangle => "rectangle",
            Self::Circle => "circle",
            Self::Line => "line",
            Self::Linestrip => "linestrip",
            Self::Point => "point",
        }
    }

    /// Whether `n` points are right for this type, and the rule in words otherwise.
    pub(crate) fn check_point_count(self, n: usize) -> Result<(), &'static str> {
        let (ok, rule) = match self {
            Self::Polygon => (n >= 3, "at least 3"),
            Self::Rectangle | Self::Circle | Self::Line => (n == 2, "exactly 2"),
            Self::Linestrip => (n >= 2, "at least 2"),
            Self::Point => (n == 1, "exactly 1"),
        };
        if ok {
            Ok(())
        } else {
            Err(rule)
        }
    }
}

impl fmt::Display for ShapeType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One annotated shape: its label, its type and its points `[x, y]` in image pixel
/// coordinates (x = column, y = row, origin at the top-left pixel's corner as in labelme).
#[derive(Debug, Clone, PartialEq)]
pub struct Shape {
    /// The class label typed by the annotator (e.g. `"metastasis"`).
    pub label: String,
    /// The shape type.
    pub shape_type: ShapeType,
    /// The points, all finite (checked when parsing).
    pub points: Vec<[f64; 2]>,
    /// labelme's optional instance group.
    pub group_id: Option<i64>,
}
