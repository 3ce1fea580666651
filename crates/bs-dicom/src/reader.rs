//! Reading many scans one after another with the pixel memory of finished scans reused.
//!
//! Why: a 2-frame 1024×256 scan is 2 MiB of f32 counts. Freshly allocated, that memory is
//! page-faulted in on first write — on the development VM this cost more than decoding the
//! pixels, and glibc hands blocks of this size back to the kernel when they are freed, so a loop
//! of [`read_scan`](crate::read_scan) pays it on every file. A [`ScanReader`] keeps the buffers
//! of the scans given back with [`ScanReader::recycle`] and writes the next scan's frames into
//! them. Results are identical to [`read_scan`](crate::read_scan)'s; only files that take the
//! uncompressed fast path reuse memory (the codecs of the general path allocate their own).

use std::path::{Path, PathBuf};

use crate::error::Result;
use crate::options::ReadOptions;
use crate::read::{read_counts_into, read_files_into};
use crate::scan::WholeBodyScan;

/// Buffers kept at most: the two views of two scans.
const MAX_SPARE: usize = 4;

/// Reads scans with [`ReadOptions`], reusing the pixel buffers of recycled scans.
///
/// ```no_run
/// use bs_dicom::{ReadOptions, ScanReader};
/// let mut reader = ScanReader::new(ReadOptions::default());
/// for path in ["a.dcm", "b.dcm"] {
///     let scan = reader.read(path.as_ref())?;
///     println!("{path}: mean {:.2}", scan.anterior.stats().mean);
///     reader.recycle(scan); // its pixel memory holds the next scan
/// }
/// # Ok::<(), bs_dicom::DicomError>(())
/// ```
#[derive(Debug, Default)]
pub struct ScanReader {
    options: ReadOptions,
    spare: Vec<Vec<f32>>,
    spare_counts: Vec<Vec<u16>>,
}

impl ScanReader {
    /// A reader with no buffers yet.
    pub fn new(options: ReadOptions) -> ScanReader {
        ScanReader {
            options,
            spare: Vec::new(),
            spare_counts: Vec::new(),
        }
    }

    /// The options every read uses.
    pub fn options(&self) -> &ReadOptions {
        &self.options
    }

    /// Reads the scan held by one file, as [`read_scan`](crate::read_scan).
    pub fn read(&mut self, path: &Path) -> Result<WholeBodyScan> {
        self.read_files(&[path.to_path_buf()])
    }

    /// Reads one scan from several files, as [`read_scan_files`](crate::read_scan_files).
    pub fn read_files(&mut self, paths: &[PathBuf]) -> Result<WholeBodyScan> {
        read_files_into(paths, &self.options, &mut self.spare)
    }

    /// Reads the scan held by one file with its counts as the stored 16-bit integers: half
    /// the memory of `f32` counts, read from the file with no conversion (see
    /// [`WholeBodyScan<u16>`]). The same scan as [`ScanReader::read`] otherwise
    /// ([`WholeBodyScan::to_f32`] gives its result exactly).
    ///
    /// Errors as [`ScanReader::read`], and [`DicomError::NotIntegerCounts`](crate::DicomError) when a
    /// value is not an integer in `0..=65535` (negative or rescaled counts): read those with
    /// [`ScanReader::read`].
    pub fn read_counts(&mut self, path: &Path) -> Result<WholeBodyScan<u16>> {
        self.read_counts_files(&[path.to_path_buf()])
    }

    /// [`ScanReader::read_counts`] of one scan held by several files.
    pub fn read_counts_files(&mut self, paths: &[PathBuf]) -> Result<WholeBodyScan<u16>> {
        read_counts_into(paths, &self.options, &mut self.spare_counts)
    }

    /// Takes back the pixel memory of a scan that is no longer needed.
    pub fn recycle(&mut self, scan: WholeBodyScan) {
        keep_buffers(scan, &mut self.spare);
    }

    /// Takes back the pixel memory of a scan from [`ScanReader::read_counts`].
    pub fn recycle_counts(&mut self, scan: WholeBodyScan<u16>) {
        keep_buffers(scan, &mut self.spare_counts);
    }

    /// Buffers held for the next reads (of either kind).
    pub fn spare_buffers(&self) -> usize {
        self.spare.len() + self.spare_counts.len()
    }
}

/// Keeps the views' memory of `scan` in `spare` (up to [`MAX_SPARE`] buffers).
fn keep_buffers<P>(scan: WholeBodyScan<P>, spare: &mut Vec<Vec<P>>) {
    let views = std::iter::once(scan.anterior).chain(scan.posterior);
    for view in views {
        if spare.len() >= MAX_SPARE {
            break;
        }
        let (buffer, _) = view.pixels.into_raw_vec_and_offset();
        spare.push(buffer);
    }
}
