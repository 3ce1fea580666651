//! labelme JSON parsing: old and new formats, image size, and every bad-input error.

use std::io::Cursor;

use base64::Engine as _;
use bs_masks::labelme::{
    rasterize, LabelMap, LabelmeDocument, Shape, ShapeType, UnknownLabelPolicy,
};
use bs_masks::MaskError;

/// A small PNG (width × height) as base64, the way labelme embeds the image.
fn png_base64(width: u32, height: u32) -> String {
    let img = image::GrayImage::from_pixel(width, height, image::Luma([7]));
    let mut bytes = Vec::new();
    img.write_to(&mut Cursor::new(&mut bytes), image::ImageFormat::Png)
        .unwrap();
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn new_format(shapes: &str) -> String {
    format!(
        r#"{{"version": "5.4.1", "flags": {{}}, "shapes": [{shapes}], "imagePath": "scan.png",
            "imageData": null, "imageHeight": 20, "imageWidth": 30}}"#
    )
}

const SQUARE: &str = r#"{"label": "metastasis", "points": [[2, 2], [8, 2], [8, 8], [2, 8]], "group_id": null, "shape_type": "polygon", "flags": {}}"#;

#[test]
fn new_format_is_read_with_all_shape_types() {
    let shapes = [
        SQUARE,
        r#"{"label": "m", "points": [[1, 1], [4, 5]], "shape_type": "rectangle"}"#,
        r#"{"label": "m", "points": [[10, 10], [13, 10]], "shape_type": "circle"}"#,
        r#"{"label": "m", "points": [[1, 1], [20, 15]], "shape_type": "line"}"#,
        r#"{"label": "m", "points": [[1, 1], [20, 15], [25, 3]], "shape_type": "linestrip"}"#,
        r#"{"label": "m", "points": [[15, 15]], "shape_type": "point"}"#,
    ]
    .join(",");
    let doc: LabelmeDocument = new_format(&shapes).parse().unwrap();
    assert_eq!(doc.version(), Some("5.4.1"));
    assert_eq!(doc.image_path(), Some("scan.png"));
    assert_eq!(doc.image_size().unwrap(), (30, 20));
    let types: Vec<ShapeType> = doc.shapes().iter().map(|s| s.shape_type).collect();
    assert_eq!(
        types,
        [
            ShapeType::Polygon,
            ShapeType::Rectangle,
            ShapeType::Circle,
            ShapeType::Line,
            ShapeType::Linestrip,
            ShapeType::Point
        ]
    );
    assert_eq!(doc.shapes()[0].points[2], [8.0, 8.0]);
}

#[test]
fn old_format_takes_polygon_type_and_size_from_image_data() {
    // labelme 3.x: no shape_type, no imageHeight/imageWidth, colours per shape.
    let json = format!(
        r#"{{"flags": {{}}, "shapes": [{{"label": "metastasis", "line_color": null, "fill_color": null,
             "points": [[1.5, 1.5], [6.5, 1.5], [4, 7]]}}],
             "lineColor": [0, 255, 0, 128], "fillColor": [255, 0, 0, 128],
             "imagePath": "scan.png", "imageData": "{}"}}"#,
        png_base64(12, 9)
    );
    let doc: LabelmeDocument = json.parse().unwrap();
    assert_eq!(doc.version(), None);
    assert_eq!(doc.shapes()[0].shape_type, ShapeType::Polygon);
    assert!(doc.has_image_data());
    assert_eq!(doc.declared_size(), None);
    assert_eq!(doc.image_size().unwrap(), (12, 9));
    let labels = LabelMap::new().with("metastasis", 2);
    let mask = rasterize(&doc, &labels, 12, 9).unwrap();
    assert!(mask.iter().any(|&v| v == 2));
    // a canvas of more than MAX_IMAGE_PIXELS is refused before the mask is allocated
    assert!(matches!(
        rasterize(&doc, &labels, 20_000, 20_000),
        Err(MaskError::BadImageSize { width: 20_000, .. })
    ));
    // The embedded image says 12×9: another size is refused.
    assert!(matches!(
        rasterize(&doc, &labels, 9, 12),
        Err(MaskError::ImageSizeMismatch {
            declared_width: 12,
            declared_height: 9,
            ..
        })
    ));
}

#[test]
fn declared_size_must_match_the_caller_and_the_embedded_image() {
    let doc: LabelmeDocument = new_format(SQUARE).parse().unwrap();
    let labels = LabelMap::new().with("metastasis", 1);
    let err = rasterize(&doc, &labels, 256, 1024).unwrap_err();
    assert!(matches!(
        err,
        MaskError::ImageSizeMismatch {
            declared_width: 30,
            declared_height: 20,
            width: 256,
            height: 1024,
            ..
        }
    ));
    assert!(err.to_string().contains("<inline JSON>"), "{err}");

    let json = format!(
        r#"{{"shapes": [], "imageHeight": 20, "imageWidth": 30, "imageData": "{}"}}"#,
        png_base64(31, 20)
    );
    let doc: LabelmeDocument = json.parse().unwrap();
    assert!(matches!(
        doc.check_embedded_size(),
        Err(MaskError::InconsistentImageSize { data_width: 31, .. })
    ));
}

#[test]
fn errors_name_the_file_and_shape() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("patient_007.json");
    let shapes = format!(
        "{SQUARE}, {}",
        r#"{"label": "metastasis", "points": [[1, 1], [2, 2]], "shape_type": "polygon"}"#
    );
    std::fs::write(&path, new_format(&shapes)).unwrap();
    let err = LabelmeDocument::from_path(&path).unwrap_err();
    match &err {
        MaskError::WrongPointCount {
            file, shape, found, ..
        } => {
            assert_eq!(file, &path);
            assert_eq!(*shape, 1);
            assert_eq!(*found, 2);
        }
        other => panic!("unexpected {other:?}"),
    }
    let text = err.to_string();
    assert!(
        text.contains("patient_007.json") && text.contains("shape 1"),
        "{text}"
    );
}

#[test]
fn non_finite_points_are_reported_not_parsed_as_syntax_errors() {
    for bad in ["NaN", "Infinity", "-Infinity"] {
        let shape = format!(
            r#"{{"label": "metastasis", "points": [[1, 1], [5, {bad}], [3, 6]], "shape_type": "polygon"}}"#
        );
        let err = new_format(&format!("{SQUARE}, {shape}"))
            .parse::<LabelmeDocument>()
            .unwrap_err();
        assert!(
            matches!(
                err,
                MaskError::NonFinitePoint {
                    shape: 1,
                    point: 1,
                    ..
                }
            ),
            "{bad}: {err:?}"
        );
    }
    // The same words inside strings are left alone.
    let shape = r#"{"label": "NaN", "points": [[1, 1], [5, 1], [3, 6]], "shape_type": "polygon", "description": "Infinity"}"#;
    let doc: LabelmeDocument = new_format(shape).parse().unwrap();
    assert_eq!(doc.shapes()[0].label, "NaN");
}

#[test]
fn malformed_documents_are_typed_errors() {
    type Check = fn(&MaskError) -> bool;
    let cases: Vec<(String, Check)> = vec![
        ("{\"shapes\": [".to_string(), |e| {
            matches!(e, MaskError::Json { .. })
        }),
        ("{\"version\": \"5\"}".to_string(), |e| {
            matches!(e, MaskError::Json { .. })
        }),
        (
            new_format(r#"{"label": "m", "points": [[1, 2, 3], [5, 1], [3, 6]]}"#),
            |e| {
                matches!(
                    e,
                    MaskError::MalformedPoint {
                        shape: 0,
                        point: 0,
                        ..
                    }
                )
            },
        ),
        (
            new_format(r#"{"label": "m", "points": [[1, 1], [5, 1]], "shape_type": "mask"}"#),
            |e| matches!(e, MaskError::UnknownShapeType { shape: 0, shape_type, .. } if shape_type == "mask"),
        ),
        (
            new_format(
                r#"{"label": "m", "points": [[1, 1], [5, 1], [6, 6]], "shape_type": "circle"}"#,
            ),
            |e| matches!(e, MaskError::WrongPointCount { found: 3, .. }),
        ),
        (
            new_format(r#"{"label": "m", "points": [], "shape_type": "point"}"#),
            |e| matches!(e, MaskError::WrongPointCount { found: 0, .. }),
        ),
        (
            new_format(r#"{"label": "m", "points": [[1, 1]], "shape_type": "linestrip"}"#),
            |e| matches!(e, MaskError::WrongPointCount { found: 1, .. }),
        ),
        (
            r#"{"shapes": [], "imageHeight": 4000000000, "imageWidth": 30}"#.to_string(),
            |e| matches!(e, MaskError::BadImageSize { .. }),
        ),
        (
            r#"{"shapes": [], "imageHeight": 0, "imageWidth": 30}"#.to_string(),
            |e| matches!(e, MaskError::BadImageSize { .. }),
        ),
        (
            // each side allowed, but a 1 GiB mask from a 60-byte file is not
            r#"{"shapes": [], "imageHeight": 32768, "imageWidth": 32768}"#.to_string(),
            |e| matches!(e, MaskError::BadImageSize { width: 32768, .. }),
        ),
    ];
    for (json, check) in cases {
        let err = json.parse::<LabelmeDocument>().unwrap_err();
        assert!(check(&err), "{json}\n→ {err:?}");
        assert!(err.to_string().contains("<inline JSON>"), "{err}");
    }
}

#[test]
fn broken_image_data_is_reported() {
    let doc: LabelmeDocument = r#"{"shapes": [], "imageData": "not base64 !!"}"#.parse().unwrap();
    assert!(matches!(doc.image_size(), Err(MaskError::Base64 { .. })));
    let garbage = base64::engine::general_purpose::STANDARD.encode(b"definitely not an image");
    let doc: LabelmeDocument = format!(r#"{{"shapes": [], "imageData": "{garbage}"}}"#)
        .parse()
        .unwrap();
    assert!(matches!(doc.image_size(), Err(MaskError::ImageData { .. })));
    let doc: LabelmeDocument = r#"{"shapes": []}"#.parse().unwrap();
    assert!(matches!(
        doc.image_size(),
        Err(MaskError::MissingImageSize { .. })
    ));
}

#[test]
fn far_out_of_bounds_points_are_refused_near_ones_clipped() {
    let labels = LabelMap::new().with("m", 1);
    let far = new_format(r#"{"label": "m", "points": [[1, 1], [5000, 1], [3, 6]]}"#);
    let doc: LabelmeDocument = far.parse().unwrap();
    assert!(matches!(
        rasterize(&doc, &labels, 30, 20),
        Err(MaskError::PointOutOfBounds {
            shape: 0,
            point: 1,
            ..
        })
    ));
    let huge_circle =
        new_format(r#"{"label": "m", "points": [[10, 10], [10, 500]], "shape_type": "circle"}"#);
    let doc: LabelmeDocument = huge_circle.parse().unwrap();
    assert!(matches!(
        rasterize(&doc, &labels, 30, 20),
        Err(MaskError::PointOutOfBounds { .. })
    ));
    // A little outside is fine and clipped: the rectangle covers the whole image.
    let near =
        new_format(r#"{"label": "m", "points": [[-3, -2], [35, 25]], "shape_type": "rectangle"}"#);
    let doc: LabelmeDocument = near.parse().unwrap();
    let mask = rasterize(&doc, &labels, 30, 20).unwrap();
    assert!(mask.iter().all(|&v| v == 1));
}

#[test]
fn labels_later_shapes_and_unknown_labels() {
    let shapes = r#"{"label": "artifact", "points": [[0, 0], [29, 19]], "shape_type": "rectangle"},
                    {"label": "metastasis", "points": [[5, 5], [9, 9]], "shape_type": "rectangle"},
                    {"label": "_background_", "points": [[6, 6], [7, 7]], "shape_type": "rectangle"}"#;
    let doc: LabelmeDocument = new_format(shapes).parse().unwrap();
    let labels: LabelMap = "metastasis=2, artifact=1".parse().unwrap();
    let mask = rasterize(&doc, &labels, 30, 20).unwrap();
    assert_eq!(mask[[0, 0]], 1);
    assert_eq!(mask[[5, 5]], 2); // drawn over the artifact
    assert_eq!(mask[[6, 6]], 0); // _background_ paints 0 over both
    assert_eq!(mask[[9, 9]], 2); // rectangle corners are inclusive

    let only_m = LabelMap::new().with("metastasis", 1);
    let err = rasterize(&doc, &only_m, 30, 20).unwrap_err();
    assert!(
        matches!(&err, MaskError::UnknownLabel { shape: 0, label, .. } if label == "artifact"),
        "{err:?}"
    );
    let skipping = only_m.with_unknown(UnknownLabelPolicy::Skip);
    let mask = rasterize(&doc, &skipping, 30, 20).unwrap();
    assert_eq!(mask[[0, 0]], 0);
    assert_eq!(mask[[5, 5]], 1);
}

#[test]
fn label_map_specs() {
    let map: LabelMap = "metastasis=1,artifact=2".parse().unwrap();
    assert_eq!(map.value("metastasis"), Some(1));
    assert_eq!(map.value("artifact"), Some(2));
    assert_eq!(map.value("_background_"), Some(0));
    for bad in ["", "metastasis", "metastasis=256", "=1", "metastasis=x"] {
        assert!(
            matches!(bad.parse::<LabelMap>(), Err(MaskError::BadLabelMap { .. })),
            "{bad:?}"
        );
    }
}

#[test]
fn errors_name_their_cause_once() {
    // a truncated file: the document error names the file, serde_json's cause the position
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("truncated.json");
    std::fs::write(&path, "{\"shapes\": [\n").unwrap();
    let err = LabelmeDocument::from_path(&path).unwrap_err();
    assert!(matches!(err, MaskError::Json { .. }), "{err:?}");
    let chain = bs_testdata::error_chain_reads_once(&err);
    assert!(chain[0].contains("truncated.json"), "{chain:?}");
    assert!(chain[1].contains("EOF while parsing"), "{chain:?}");

    let err = LabelmeDocument::from_path(dir.path().join("absent.json")).unwrap_err();
    assert!(matches!(err, MaskError::Io { .. }), "{err:?}");
    bs_testdata::error_chain_reads_once(&err);

    let doc: LabelmeDocument = r#"{"shapes": [], "imageData": "not base64 !!"}"#.parse().unwrap();
    bs_testdata::error_chain_reads_once(&doc.image_size().unwrap_err());
}

#[test]
fn a_built_document_is_written_as_labelme_writes_it_and_reads_back() {
    let shape = |points: Vec<[f64; 2]>| Shape {
        label: "metastasis".into(),
        shape_type: ShapeType::Polygon,
        points,
        group_id: None,
    };
    let triangle = vec![[1.0, 2.0], [5.5, 2.0], [3.0, 6.0]];
    let doc =
        LabelmeDocument::new("4.5.9", "../a.png", (24, 40), vec![shape(triangle.clone())]).unwrap();
    let json = serde_json::to_string(&doc).unwrap();
    assert_eq!(
        json,
        r#"{"version":"4.5.9","flags":{},"shapes":[{"label":"metastasis","points":[[1.0,2.0],[5.5,2.0],[3.0,6.0]],"group_id":null,"shape_type":"polygon","flags":{}}],"imagePath":"../a.png","imageData":null,"imageHeight":40,"imageWidth":24}"#
    );
    let back: LabelmeDocument = json.parse().unwrap();
    assert_eq!(back.shapes(), doc.shapes());
    assert_eq!(back.declared_size(), Some((24, 40)));

    // what parsing refuses, building refuses
    let err = LabelmeDocument::new(
        "4.5.9",
        "a.png",
        (24, 40),
        vec![shape(triangle[..2].to_vec())],
    )
    .unwrap_err();
    assert!(
        matches!(err, MaskError::WrongPointCount { found: 2, .. }),
        "{err:?}"
    );
    let nan = vec![[1.0, 2.0], [f64::NAN, 2.0], [3.0, 6.0]];
    let err = LabelmeDocument::new("4.5.9", "a.png", (24, 40), vec![shape(nan)]).unwrap_err();
    assert!(
        matches!(err, MaskError::NonFinitePoint { point: 1, .. }),
        "{err:?}"
    );
    assert!(LabelmeDocument::new("4.5.9", "a.png", (0, 40), vec![]).is_err());
}
