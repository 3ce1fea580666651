//! [`PreparedDataset`]: a prepared data set loaded into memory with one read per array.

use std::path::{Path, PathBuf};

use bs_masks::ThreeClassMask;
use ndarray::{Array2, ArrayView2};

use super::manifest::{Entry, Manifest, NmMode};
use super::npy::read_npy;
use super::{BODY_FILE, IMAGES_FILE, LESION_FILE, MANIFEST_FILE};
use crate::error::{PrepareError, Result};

/// Where NM pixels of a three-class mask come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum NmSource {
    /// The Otsu body mask stored in `body.npy`, minus M.
    Otsu,
    /// No NM: only BG and M (the binary baseline of the paper's Table 2).
    Empty,
}

/// A prepared data set in memory: `images` (N×640×512 f32), `lesion` and `body` (N×640×512 u8).
#[derive(Debug, Clone)]
pub struct PreparedDataset {
    dir: PathBuf,
    manifest: Manifest,
    images: Vec<f32>,
    lesion: Vec<u8>,
    body: Vec<u8>,
}

impl PreparedDataset {
    /// Loads `dir/manifest.json` and the three arrays, checking that shapes agree.
    pub fn load(dir: impl AsRef<Path>) -> Result<Self> {
        let dir = dir.as_ref();
        let manifest_path = dir.join(MANIFEST_FILE);
        let manifest = Manifest::read(&manifest_path)?;
        let expected = vec![manifest.entries.len(), manifest.rows, manifest.cols];
        let check = |file: &str, shape: Vec<usize>| -> Result<()> {
            if shape != expected {
                return Err(PrepareError::Manifest {
                    path: manifest_path.clone(),
                    reason: format!("{file} has shape {shape:?}, the manifest says {expected:?}"),
                });
            }
            Ok(())
        };
        let (shape, images) = read_npy::<f32>(&dir.join(IMAGES_FILE))?;
        check(IMAGES_FILE, shape)?;
        let (shape, lesion) = read_npy::<u8>(&dir.join(LESION_FILE))?;
        check(LESION_FILE, shape)?;
        let (shape, body) = read_npy::<u8>(&dir.join(BODY_FILE))?;
        check(BODY_FILE, shape)?;
        Ok(Self {
            dir: dir.to_path_buf(),
            manifest,
            images,
            lesion,
            body,
        })
    }

    /// The directory it was loaded from.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The manifest (configuration, hashes, geometry of each scan).
    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    /// Entries in array order.
    pub fn entries(&self) -> &[Entry] {
        &self.manifest.entries
    }

    /// Number of scans.
    pub fn len(&self) -> usize {
        self.manifest.entries.len()
    }

    /// True when the data set holds no scans.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// `(rows, cols)` of every image (640, 512).
    pub fn shape(&self) -> (usize, usize) {
        (self.manifest.rows, self.manifest.cols)
    }

    fn plane<'a, T>(&self, data: &'a [T], i: usize) -> ArrayView2<'a, T> {
        let (r, c) = self.shape();
        assert!(
            i < self.len(),
            "scan index {i} out of range (len {})",
            self.len()
        );
        ArrayView2::from_shape((r, c), &data[i * r * c..(i + 1) * r * c]).expect("plane shape")
    }

    /// Prepared image `i` (0..255 floats). Panics when `i ≥ len()`.
    pub fn image(&self, i: usize) -> ArrayView2<'_, f32> {
        self.plane(&self.images, i)
    }

    /// Lesion (M) mask `i`, 0/1. Panics when `i ≥ len()`.
    pub fn lesion_mask(&self, i: usize) -> ArrayView2<'_, u8> {
        self.plane(&self.lesion, i)
    }

    /// Otsu body mask `i`, 0/1 (all zero when prepared with [`NmMode::None`]). Panics when `i ≥ len()`.
    pub fn body_mask(&self, i: usize) -> ArrayView2<'_, u8> {
        self.plane(&self.body, i)
    }

    /// Pixels of image `i` that hold a source pixel (false for padding and a missing posterior).
    pub fn valid_mask(&self, i: usize) -> Array2<bool> {
        self.entries()[i].geometry.valid_mask()
    }

    /// The BG 0 / NM 1 / M 2 mask of scan `i`.
    pub fn three_class(&self, i: usize, nm: NmSource) -> Result<ThreeClassMask> {
        let m = self.lesion_mask(i).mapv(|v| v != 0);
        let nm_mask = match nm {
            NmSource::Otsu => {
                if self.manifest.nm != NmMode::Otsu {
                    return Err(PrepareError::Manifest {
                        path: self.dir.join(MANIFEST_FILE),
                        reason: "prepared with --nm none: no Otsu body masks".into(),
                    });
                }
                ndarray::Zip::from(self.body_mask(i))
                    .and(&m)
                    .map_collect(|&b, &is_m| b != 0 && !is_m)
            }
            NmSource::Empty => Array2::from_elem(self.shape(), false),
        };
        ThreeClassMask::from_parts(m.view(), nm_mask.view()).map_err(|e| PrepareError::Labels {
            path: self.dir.join(LESION_FILE),
            source: e.into(),
        })
    }
}
