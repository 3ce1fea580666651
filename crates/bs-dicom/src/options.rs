//! Options of [`read_scan`](crate::read_scan).

/// How a caller overrides view identification.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ViewOrder {
    /// Identify views from the data (View Code, Code Meaning, vendor strings, frame order).
    #[default]
    Auto,
    /// The first frame (of the first file) is anterior, the second posterior.
    AnteriorFirst,
    /// The first frame (of the first file) is posterior, the second anterior.
    PosteriorFirst,
}

/// How to read single-frame objects whose width could hold two views.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SideBySide {
    /// Split a single frame into two halves when it is at least 0.4 times as wide as tall
    /// (a whole-body view is about 0.25: 1024×256; both views side by side 0.5: 1024×512) and
    /// the data set does not name a single view.
    #[default]
    Auto,
    /// Always split single frames into left (anterior) and right (posterior) halves.
    Always,
    /// Never split: a single frame is one view.
    Never,
}

/// Options of [`read_scan`](crate::read_scan) and friends. `Default` gives safe limits, no
/// mirroring, automatic view identification and identifiers kept as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct ReadOptions {
    /// Replace Patient ID by a salted hash (`anon-` + 16 hex digits) and drop Patient's Name and
    /// Birth Date from [`ScanMeta`](crate::ScanMeta).
    pub deidentify: bool,
    /// Salt of the de-identification hash, so IDs cannot be recovered by hashing candidate IDs
    /// without it. Same salt + same ID → same pseudonym.
    pub deidentify_salt: String,
    /// Reverse the columns of the posterior view so that patient left/right line up with the
    /// anterior view. Off by default: mirroring is never silent, and [`ViewSource::mirrored`](crate::ViewSource)
    /// records it.
    pub mirror_posterior: bool,
    /// Override of view identification.
    pub view_order: ViewOrder,
    /// Treatment of wide single frames.
    pub side_by_side: SideBySide,
    /// Accept objects whose Modality is not `NM` (e.g. `OT` secondary captures of bone scans).
    pub allow_any_modality: bool,
    /// Files larger than this are refused before reading (default 512 MiB).
    pub max_file_bytes: u64,
    /// Rows × Columns × Frames × bytes per sample above this is refused before decoding
    /// (default 256 MiB; a 2-frame 1024×256 16-bit scan is 1 MiB).
    pub max_image_bytes: u64,
    /// Read uncompressed little-endian pixel data straight from the file into the views (on by
    /// default). `false` sends every file through dicom-rs's general decoding; both give
    /// identical scans and errors (tested) — the switch exists to compare them.
    pub native_fast_path: bool,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            deidentify: false,
            deidentify_salt: String::from("bonescan"),
            mirror_posterior: false,
            view_order: ViewOrder::Auto,
            side_by_side: SideBySide::Auto,
            allow_any_modality: false,
            max_file_bytes: 512 << 20,
            max_image_bytes: 256 << 20,
            native_fast_path: true,
        }
    }
}

impl ReadOptions {
    /// Default options with de-identification switched on.
    pub fn deidentified() -> Self {
        ReadOptions {
            deidentify: true,
            ..ReadOptions::default()
        }
    }
}
