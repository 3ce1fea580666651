//! Whole-body bone-scan DICOM reading and writing: anterior/posterior views as count matrices.
//!
//! Implements the data input of Section 3.1 ("Materials") of Liu et al., *Bone metastasis
//! segmentation in whole-body bone scans of breast cancer patients with a modified Double
//! U-Net* (the paper this workspace reproduces): whole-body scans from GE gamma cameras
//! (Millennium MG, Infinia, Discovery NM/CT 670) stored as DICOM, each with an anterior and a
//! posterior view of 1024×256 pixels. Everything downstream (preprocessing to 640×512,
//! annotation, the Double U-Net) starts from the [`WholeBodyScan`] this crate returns.
//!
//! What it reads:
//! - storage layouts: (a) one NM object with 2 frames (Detector Vector 1/2), (b) two
//!   single-frame objects, one per view, (c) one single-frame object holding one view (the
//!   NEMA NM1 test image), (d) one frame with both views side by side (1024×512), and
//!   PNG/JPEG (8/16-bit) view pairs as public data sets ship them;
//! - transfer syntaxes: implicit/explicit VR little endian, explicit big endian, deflated,
//!   JPEG lossless (process 14 and SV1), RLE lossless, JPEG-LS (CharLS, built from source with
//!   CMake), JPEG 2000 (OpenJPEG, bundled C source), JPEG baseline/extended; any other gives
//!   [`DicomError::UnsupportedTransferSyntax`] naming it;
//! - pixel values: 8/16-bit, signed or unsigned, Rescale Slope/Intercept applied: counts
//!   `c = v · slope + intercept`.
//!
//! Views are identified by, in order: View Code Sequence code (SNOMED CT `399321004` or SRT
//! `G-5215`/`G-5200` anterior, `399001007` or `G-5216`/`G-5201` posterior), its Code Meaning,
//! vendor strings (`ANT…`/`POST…`), frame order. The rule that decided is kept in
//! [`ViewSource::rule`]. Bad input of any kind gives a typed [`DicomError`] naming the file;
//! declared sizes are checked before anything is allocated.
//!
//! Uncompressed little-endian files whose Pixel Data ends the file (what the cameras and
//! [`write`] produce) take a fast path: the header goes through the same checks and parser,
//! the pixel bytes go from the file straight into the views with the count statistics made on
//! the way. It gives identical scans and errors (tested against the general path on every
//! fixture, variant and a broken-file corpus); [`ReadOptions::native_fast_path`] turns it off.
//!
//! Counts come as `f32` ([`WholeBodyScan`], any rescale applied) or, from
//! [`ScanReader::read_counts`], as the stored 16-bit integers (`WholeBodyScan<u16>`: half the
//! memory, no conversion on the fast path; [`DicomError::NotIntegerCounts`] when a value is not
//! one). [`WholeBodyScan::to_f32`] turns the second into exactly the first.
//!
//! ```
//! use bs_dicom::write::{write_whole_body_nm, NmWriteMeta};
//! use bs_dicom::{read_scan, ReadOptions, ViewRule};
//! use ndarray::Array2;
//!
//! let dir = tempfile::tempdir().unwrap();
//! let path = dir.path().join("scan.dcm");
//! let anterior = Array2::<u16>::from_shape_fn((1024, 256), |(r, c)| ((r + c) % 300) as u16);
//! let posterior = anterior.t().as_standard_layout().into_owned().into_shape_with_order((1024, 256)).unwrap();
//! write_whole_body_nm(&path, anterior.view(), posterior.view(), &NmWriteMeta::synthetic("P001", 7))?;
//!
//! let scan = read_scan(&path, &ReadOptions::default())?;
//! assert_eq!(scan.anterior.pixels.dim(), (1024, 256));
//! assert_eq!(scan.anterior.source.rule, ViewRule::ViewCode);
//! assert_eq!(scan.posterior.as_ref().unwrap().pixels[[5, 9]], f32::from(posterior[[5, 9]]));
//! # Ok::<(), bs_dicom::DicomError>(())
//! ```

mod codec_panic;
mod codestream;
mod dicom_file;
pub mod error;
mod guard;
pub mod identify;
pub mod meta;
mod native;
mod options;
mod pixels;
mod raster;
mod read;
mod reader;
pub mod report;
mod rle;
mod scan;
pub mod scanner;
pub mod seg;
mod view;
pub mod write;

pub use error::{DicomError, Result};
pub use meta::pseudonym;
pub use options::{ReadOptions, SideBySide, ViewOrder};
pub use read::{read_scan, read_scan_bytes, read_scan_files};
pub use reader::ScanReader;
pub use report::ScanReport;
pub use scan::{PatientName, ScanCounts, ScanMeta, SourceFile, SourceFormat, WholeBodyScan};
pub use scanner::{group_files, scan_directory, DirectoryReport, ScanFiles, SkipReason, Skipped};
pub use view::{CountStats, View, ViewName, ViewRule, ViewSource};
