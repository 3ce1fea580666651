//! One view of a whole-body scan (anterior or posterior) and where it came from.

use std::path::PathBuf;

use ndarray::Array2;
use serde::{Deserialize, Serialize};

/// Which side of the patient the gamma camera looked at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ViewName {
    /// Anterior (AP) view: detector in front of the patient.
    Anterior,
    /// Posterior (PA) view: detector behind the patient.
    Posterior,
}

impl ViewName {
    /// `"anterior"` or `"posterior"`.
    pub fn as_str(self) -> &'static str {
        match self {
            ViewName::Anterior => "anterior",
            ViewName::Posterior => "posterior",
        }
    }

    /// The other view.
    pub fn other(self) -> ViewName {
        match self {
            ViewName::Anterior => ViewName::Posterior,
            ViewName::Posterior => ViewName::Anterior,
        }
    }
}

impl std::fmt::Display for ViewName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The rule that decided which view a frame is, tried in this order (the first that gives an
/// answer decides).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ViewRule {
    /// The caller said so ([`ReadOptions::view_order`](crate::ReadOptions)).
    CallerOverride,
    /// Code Value of the View Code Sequence (0054,0220) in the Detector Information Sequence
    /// (0054,0022): SNOMED CT `399321004` (SRT `G-5215`/`G-5200`) anterior, `399001007` (SRT
    /// `G-5216`/`G-5201`) posterior.
    ViewCode,
    /// Code Meaning (0008,0104) of the View Code Sequence mentions anterior/posterior.
    CodeMeaning,
    /// Vendor strings: a code value, Series Description, Image Comments, Protocol Name or Image
    /// ID with a word starting `ANT` or `POST`.
    VendorString,
    /// The PNG/JPEG file name has a word starting `ant` or `post`.
    FileName,
    /// Frame (or file) order: the first undecided frame is anterior, the next posterior; a
    /// single undecided frame next to a decided one gets the remaining view.
    FrameOrder,
    /// One frame holding both views side by side: left half anterior, right half posterior.
    SideBySide,
}

impl ViewRule {
    /// Kebab-case name as written in reports (`view-code`, `frame-order`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            ViewRule::CallerOverride => "caller-override",
            ViewRule::ViewCode => "view-code",
            ViewRule::CodeMeaning => "code-meaning",
            ViewRule::VendorString => "vendor-string",
            ViewRule::FileName => "file-name",
            ViewRule::FrameOrder => "frame-order",
            ViewRule::SideBySide => "side-by-side",
        }
    }
}

impl std::fmt::Display for ViewRule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a view's pixels came from and how the view was identified.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ViewSource {
    /// The file the pixels were read from.
    pub path: PathBuf,
    /// Frame index within that file (0-based).
    pub frame: usize,
    /// For side-by-side frames, the first column of this view within the frame.
    pub column_offset: usize,
    /// The rule that decided which view this is.
    pub rule: ViewRule,
    /// The evidence the rule used (a code value, the matching text, ...), for reports.
    pub evidence: String,
    /// Whether the columns were reversed on reading ([`ReadOptions::mirror_posterior`](crate::ReadOptions)).
    pub mirrored: bool,
}

/// Count statistics of one view.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CountStats {
    /// Smallest pixel value.
    pub min: f64,
    /// Largest pixel value.
    pub max: f64,
    /// Mean pixel value.
    pub mean: f64,
    /// Sum of all pixels (total counts of the view).
    pub sum: f64,
}

impl CountStats {
    /// Statistics of 16-bit integer counts: exact, and equal to [`CountStats::of`] of the
    /// same counts as `f32`.
    pub fn of_counts(pixels: &Array2<u16>) -> CountStats {
        let n = pixels.len();
        if n == 0 {
            return CountStats::of(&Array2::zeros((0, 0)));
        }
        let (min, max, sum) = pixels.fold((u16::MAX, 0u16, 0u64), |(lo, hi, s), &v| {
            (lo.min(v), hi.max(v), s + u64::from(v))
        });
        CountStats {
            min: f64::from(min),
            max: f64::from(max),
            mean: sum as f64 / n as f64,
            sum: sum as f64,
        }
    }

    /// Statistics of a pixel matrix (all zeros for an empty one); sums in f64, in 8 lanes so
    /// that the additions do not wait on each other.
    pub fn of(pixels: &Array2<f32>) -> CountStats {
        let n = pixels.len();
        if n == 0 {
            return CountStats {
                min: 0.0,
                max: 0.0,
                mean: 0.0,
                sum: 0.0,
            };
        }
        let mut min = [f32::INFINITY; 8];
        let mut max = [f32::NEG_INFINITY; 8];
        let mut sum = [0.0f64; 8];
        let (lanes, rest): (&[f32], Vec<f32>) = match pixels.as_slice() {
            Some(slice) => (slice, Vec::new()),
            None => (&[], pixels.iter().copied().collect()),
        };
        let all = if lanes.is_empty() {
            rest.as_slice()
        } else {
            lanes
        };
        let mut chunks = all.chunks_exact(8);
        for chunk in &mut chunks {
            for k in 0..8 {
                let v = chunk[k];
                min[k] = if v < min[k] { v } else { min[k] };
                max[k] = if v > max[k] { v } else { max[k] };
                sum[k] += f64::from(v);
            }
        }
        for &v in chunks.remainder() {
            min[0] = if v < min[0] { v } else { min[0] };
            max[0] = if v > max[0] { v } else { max[0] };
            sum[0] += f64::from(v);
        }
        let sum: f64 = sum.iter().sum();
        let min = min.iter().copied().fold(f32::INFINITY, f32::min);
        let max = max.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        CountStats {
            min: f64::from(min),
            max: f64::from(max),
            mean: sum / n as f64,
            sum,
        }
    }
}

/// The pixel types of views: `f32` counts and `u16` stored counts.
pub(crate) trait Sample: Clone + Default {
    /// [`CountStats`] of a view of this type.
    fn stats(pixels: &Array2<Self>) -> CountStats;
}

impl Sample for f32 {
    fn stats(pixels: &Array2<f32>) -> CountStats {
        CountStats::of(pixels)
    }
}

impl Sample for u16 {
    fn stats(pixels: &Array2<u16>) -> CountStats {
        CountStats::of_counts(pixels)
    }
}

/// One view of a whole-body scan: counts as `f32` (the default, any rescale applied) or as the
/// stored 16-bit integers (`View<u16>`, from [`ScanReader::read_counts`](crate::ScanReader::read_counts)).
#[derive(Debug, Clone, PartialEq)]
pub struct View<P = f32> {
    /// Counts, rows × columns (head at row 0), rescale slope/intercept applied.
    pub pixels: Array2<P>,
    /// Where the pixels came from and which rule named the view.
    pub source: ViewSource,
}

impl<P> View<P> {
    /// Rows × columns of the view.
    pub fn shape(&self) -> (usize, usize) {
        self.pixels.dim()
    }
}

impl View {
    /// Count statistics of the view.
    pub fn stats(&self) -> CountStats {
        CountStats::of(&self.pixels)
    }
}

impl View<u16> {
    /// Count statistics of the view (the same as of its `f32` form).
    pub fn stats(&self) -> CountStats {
        CountStats::of_counts(&self.pixels)
    }

    /// The view with `f32` counts, as [`read_scan`](crate::read_scan) gives it.
    pub fn to_f32(&self) -> View {
        View {
            pixels: self.pixels.mapv(f32::from),
            source: self.source.clone(),
        }
    }
}
