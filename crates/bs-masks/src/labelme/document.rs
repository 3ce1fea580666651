//! A parsed labelme JSON file.

use std::io::Cursor;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use base64::Engine as _;
use serde::{Deserialize, Serialize, Serializer};

use super::non_finite::nulls_for_non_finite;
use super::shape::{Shape, ShapeType};
use super::MAX_IMAGE_SIDE;
use crate::error::{MaskError, Result};

/// The name used for documents parsed from a string without a file.
const INLINE: &str = "<inline JSON>";
/// The name used for documents built by [`LabelmeDocument::new`].
const NEW: &str = "<new document>";

/// The keys of a labelme file this crate reads; other keys (`flags`, colours, `description`,
/// ...) are ignored. Old files (labelme ≤ 3) lack `shape_type`, `imageHeight`, `imageWidth`.
#[derive(Deserialize)]
struct RawDocument {
    version: Option<String>,
    shapes: Vec<RawShape>,
    #[serde(rename = "imagePath")]
    image_path: Option<String>,
    #[serde(rename = "imageData")]
    image_data: Option<String>,
    #[serde(rename = "imageHeight")]
    image_height: Option<u64>,
    #[serde(rename = "imageWidth")]
    image_width: Option<u64>,
}

#[derive(Deserialize)]
struct RawShape {
    label: String,
    points: Vec<Vec<Option<f64>>>,
    shape_type: Option<String>,
    group_id: Option<i64>,
}

/// The keys labelme writes, in its order; `flags` are written empty.
#[derive(Serialize)]
struct WrittenDocument<'a> {
    version: Option<&'a str>,
    flags: serde_json::Map<String, serde_json::Value>,
    shapes: Vec<WrittenShape<'a>>,
    #[serde(rename = "imagePath")]
    image_path: Option<&'a str>,
    #[serde(rename = "imageData")]
    image_data: Option<&'a str>,
    #[serde(rename = "imageHeight")]
    image_height: Option<usize>,
    #[serde(rename = "imageWidth")]
    image_width: Option<usize>,
}

#[derive(Serialize)]
struct WrittenShape<'a> {
    label: &'a str,
    points: &'a [[f64; 2]],
    group_id: Option<i64>,
    shape_type: &'static str,
    flags: serde_json::Map<String, serde_json::Value>,
}

/// A labelme annotation file: its shapes (validated) and what it says about the image.
///
/// Both the old format (labelme ≤ 3: no `shape_type`, size only inside `imageData`) and the
/// current one are read. Parsing checks every shape: known type, right number of points, all
/// coordinates finite. `imageData` is kept undecoded and only decoded (header only) when the
/// image size is asked for and the file has no `imageWidth`/`imageHeight`.
///
/// Documents are also written: [`LabelmeDocument::new`] builds one and its [`Serialize`]
/// implementation gives labelme's JSON (keys in labelme's order; `flags` empty, other keys
/// that were read are not kept).
#[derive(Debug, Clone)]
pub struct LabelmeDocument {
    file: PathBuf,
    version: Option<String>,
    shapes: Vec<Shape>,
    image_path: Option<String>,
    image_data: Option<String>,
    declared_size: Option<(usize, usize)>,
}

impl LabelmeDocument {
    /// A document of `shapes` annotating the `width`×`height` image at `image_path` (not
    /// embedded), as labelme `version` writes it. Checks what parsing checks: the image size,
    /// finite points and the number of points of each shape type.
    pub fn new(
        version: &str,
        image_path: &str,
        (width, height): (usize, usize),
        shapes: Vec<Shape>,
    ) -> Result<Self> {
        let file = PathBuf::from(NEW);
        let declared_size = checked_size(&file, width as u64, height as u64)?;
        for (index, shape) in shapes.iter().enumerate() {
            check_shape(&file, index, shape.shape_type, &shape.points)?;
        }
        Ok(Self {
            file,
            version: Some(version.to_string()),
            shapes,
            image_path: Some(image_path.to_string()),
            image_data: None,
            declared_size: Some(declared_size),
        })
    }

    /// Reads and validates a labelme JSON file.
    pub fn from_path(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|source| MaskError::Io {
            file: path.to_path_buf(),
            source,
        })?;
        Self::from_json(&text, path)
    }

    /// Parses and validates labelme JSON text; `file` is only used to name errors.
    pub fn from_json(text: &str, file: impl AsRef<Path>) -> Result<Self> {
        let file = file.as_ref().to_path_buf();
        let fixed = nulls_for_non_finite(text);
        let raw: RawDocument =
            serde_json::from_str(fixed.as_deref().unwrap_or(text)).map_err(|source| {
                MaskError::Json {
                    file: file.clone(),
                    source,
                }
            })?;
        let mut shapes = Vec::with_capacity(raw.shapes.len());
        for (index, raw_shape) in raw.shapes.into_iter().enumerate() {
            shapes.push(convert_shape(&file, index, raw_shape)?);
        }
        let declared_size = match (raw.image_width, raw.image_height) {
            (Some(w), Some(h)) => Some(checked_size(&file, w, h)?),
            _ => None,
        };
        Ok(Self {
            file,
            version: raw.version,
            shapes,
            image_path: raw.image_path,
            image_data: raw.image_data,
            declared_size,
        })
    }

    /// The file this document came from (`<inline JSON>` when parsed from a string).
    pub fn file(&self) -> &Path {
        &self.file
    }

    /// labelme's `version` string, absent in old files.
    pub fn version(&self) -> Option<&str> {
        self.version.as_deref()
    }

    /// The shapes in file order (the order labelme paints them).
    pub fn shapes(&self) -> &[Shape] {
        &self.shapes
    }

    /// `imagePath`: the annotated image's file name relative to the JSON file.
    pub fn image_path(&self) -> Option<&str> {
        self.image_path.as_deref()
    }

    /// Whether the file embeds the image (`imageData`).
    pub fn has_image_data(&self) -> bool {
        self.image_data.as_deref().is_some_and(|s| !s.is_empty())
    }

    /// `(width, height)` from `imageWidth`/`imageHeight`, when the file has both.
    pub fn declared_size(&self) -> Option<(usize, usize)> {
        self.declared_size
    }

    /// The annotated image's `(width, height)`: `imageWidth`/`imageHeight` when present,
    /// otherwise read from the header of the embedded `imageData` (PNG or JPEG).
    pub fn image_size(&self) -> Result<(usize, usize)> {
        if let Some(size) = self.declared_size {
            return Ok(size);
        }
        self.embedded_image_size()?
            .ok_or_else(|| MaskError::MissingImageSize {
                file: self.file.clone(),
            })
    }

    /// Size of the embedded image, decoding only its header; `None` without `imageData`.
    pub fn embedded_image_size(&self) -> Result<Option<(usize, usize)>> {
        let Some(data) = self.image_data.as_deref().filter(|s| !s.is_empty()) else {
            return Ok(None);
        };
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(data.trim())
            .map_err(|source| MaskError::Base64 {
                file: self.file.clone(),
                source,
            })?;
        let image_error = |source| MaskError::ImageData {
            file: self.file.clone(),
            source,
        };
        let (w, h) = image::ImageReader::new(Cursor::new(bytes))
            .with_guessed_format()
            .map_err(|e| image_error(image::ImageError::IoError(e)))?
            .into_dimensions()
            .map_err(image_error)?;
        checked_size(&self.file, u64::from(w), u64::from(h)).map(Some)
    }

    /// Checks that the annotation belongs to a `width`×`height` image: the declared size (or
    /// the embedded image's, for old files) must match; a file with neither is accepted.
    /// Also checks that declared size and embedded image agree when both are present.
    pub fn check_image_size(&self, width: usize, height: usize) -> Result<()> {
        let declared = match self.declared_size {
            Some(size) => Some(size),
            None => self.embedded_image_size()?,
        };
        if let Some((dw, dh)) = declared {
            if (dw, dh) != (width, height) {
                return Err(MaskError::ImageSizeMismatch {
                    file: self.file.clone(),
                    declared_width: dw,
                    declared_height: dh,
                    width,
                    height,
                });
            }
        }
        Ok(())
    }

    /// Checks that `imageWidth`/`imageHeight` agree with the embedded image (when the file has
    /// both; decodes the image header).
    pub fn check_embedded_size(&self) -> Result<()> {
        if let (Some((dw, dh)), Some((ew, eh))) = (self.declared_size, self.embedded_image_size()?)
        {
            if (dw, dh) != (ew, eh) {
                return Err(MaskError::InconsistentImageSize {
                    file: self.file.clone(),
                    declared_width: dw,
                    declared_height: dh,
                    data_width: ew,
                    data_height: eh,
                });
            }
        }
        Ok(())
    }
}

impl Serialize for LabelmeDocument {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        let shapes = self.shapes.iter().map(|s| WrittenShape {
            label: &s.label,
            points: &s.points,
            group_id: s.group_id,
            shape_type: s.shape_type.as_str(),
            flags: serde_json::Map::new(),
        });
        WrittenDocument {
            version: self.version.as_deref(),
            flags: serde_json::Map::new(),
            shapes: shapes.collect(),
            image_path: self.image_path.as_deref(),
            image_data: self.image_data.as_deref(),
            image_height: self.declared_size.map(|(_, h)| h),
            image_width: self.declared_size.map(|(w, _)| w),
        }
        .serialize(serializer)
    }
}

impl FromStr for LabelmeDocument {
    type Err = MaskError;

    /// Parses labelme JSON text; errors name the file `<inline JSON>`.
    fn from_str(text: &str) -> Result<Self> {
        Self::from_json(text, INLINE)
    }
}

fn checked_size(file: &Path, width: u64, height: u64) -> Result<(usize, usize)> {
    if !super::acceptable_size(width, height) {
        return Err(MaskError::BadImageSize {
            file: file.to_path_buf(),
            width: usize::try_from(width).unwrap_or(usize::MAX),
            height: usize::try_from(height).unwrap_or(usize::MAX),
            max: MAX_IMAGE_SIDE,
        });
    }
    Ok((width as usize, height as usize))
}

fn convert_shape(file: &Path, index: usize, raw: RawShape) -> Result<Shape> {
    let shape_type = ShapeType::from_labelme(raw.shape_type.as_deref()).ok_or_else(|| {
        MaskError::UnknownShapeType {
            file: file.to_path_buf(),
            shape: index,
            shape_type: raw.shape_type.clone().unwrap_or_default(),
        }
    })?;
    let mut points = Vec::with_capacity(raw.points.len());
    for (p, coords) in raw.points.iter().enumerate() {
        let [x, y] = coords.as_slice() else {
            return Err(MaskError::MalformedPoint {
                file: file.to_path_buf(),
                shape: index,
                point: p,
            });
        };
        match (x, y) {
            (Some(x), Some(y)) if x.is_finite() && y.is_finite() => points.push([*x, *y]),
            _ => {
                return Err(MaskError::NonFinitePoint {
                    file: file.to_path_buf(),
                    shape: index,
                    point: p,
                })
            }
        }
    }
    check_shape(file, index, shape_type, &points)?;
    Ok(Shape {
        label: raw.label,
        shape_type,
        points,
        group_id: raw.group_id,
    })
}

/// The checks of a parsed shape that a built one needs too: finite points, and as many as its
/// type takes.
fn check_shape(
    file: &Path,
    index: usize,
    shape_type: ShapeType,
    points: &[[f64; 2]],
) -> Result<()> {
    if let Some(p) = points
        .iter()
        .position(|[x, y]| !x.is_finite() || !y.is_finite())
    {
        return Err(MaskError::NonFinitePoint {
            file: file.to_path_buf(),
            shape: index,
            point: p,
        });
    }
    shape_type
        .check_point_count(points.len())
        .map_err(|expected| MaskError::WrongPointCount {
            file: file.to_path_buf(),
            shape: index,
            shape_type: shape_type.as_str(),
            expected,
            found: points.len(),
        })
}
