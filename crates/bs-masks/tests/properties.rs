//! Property tests (proptest) on the mask invariants.

use bs_masks::labelme::{rasterize, rasterize_shape, LabelMap, LabelmeDocument};
use bs_masks::nm::{negative_mining_nm, otsu_nm};
use bs_masks::otsu::otsu_threshold;
use bs_masks::{MaskClass, ThreeClassMask};
use ndarray::Array2;
use proptest::prelude::*;

/// An image with a random value per pixel and a random M mask of the same size.
fn image_and_m() -> impl Strategy<Value = (Array2<f32>, Array2<bool>)> {
    (2usize..24, 2usize..24).prop_flat_map(|(rows, cols)| {
        (
            proptest::collection::vec(-5.0f32..300.0, rows * cols),
            proptest::collection::vec(any::<bool>(), rows * cols),
        )
            .prop_map(move |(v, m)| {
                (
                    Array2::from_shape_vec((rows, cols), v).unwrap(),
                    Array2::from_shape_vec((rows, cols), m).unwrap(),
                )
            })
    })
}

fn polygon_json(points: &[(f64, f64)], w: usize, h: usize) -> String {
    let pts: Vec<String> = points.iter().map(|(x, y)| format!("[{x}, {y}]")).collect();
    format!(
        r#"{{"shapes": [{{"label": "m", "shape_type": "polygon", "points": [{}]}}],
             "imageWidth": {w}, "imageHeight": {h}}}"#,
        pts.join(", ")
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn otsu_threshold_lies_within_the_value_range(
        values in proptest::collection::vec(-1.0e4f32..1.0e4, 1..500)
    ) {
        let min = values.iter().copied().fold(f32::INFINITY, f32::min);
        let max = values.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        match otsu_threshold(&values) {
            Ok(t) => prop_assert!(t >= min && t <= max, "{t} outside [{min}, {max}]"),
            // only a range too narrow for 256 float32 bins may be refused
            Err(e) => prop_assert!((max - min) <= 256.0 * f32::EPSILON * max.abs().max(min.abs()), "{e}"),
        }
    }

    #[test]
    fn otsu_nm_keeps_m_and_never_overlaps_it((image, m) in image_and_m()) {
        let mask = otsu_nm(image.view(), m.view()).unwrap();
        // body = Otsu on ln(1 + max(x, 0)) (bs_masks::nm::body_mask)
        let logs: Vec<f32> = image.iter().map(|&v| v.max(0.0).ln_1p()).collect();
        let t = otsu_threshold(&logs).unwrap();
        for ((r, c), &class) in mask.classes().indexed_iter() {
            let class = MaskClass::from_value(class).unwrap();
            // M preserved exactly, NM = body ∖ M, BG = the rest
            prop_assert_eq!(class == MaskClass::Metastasis, m[[r, c]]);
            let body = image[[r, c]].max(0.0).ln_1p() > t;
            prop_assert_eq!(class == MaskClass::NonMetastatic, body && !m[[r, c]]);
        }
        let total = mask.count(MaskClass::Background)
            + mask.count(MaskClass::NonMetastatic)
            + mask.count(MaskClass::Metastasis);
        prop_assert_eq!(total, image.len());
        let one_hot = mask.one_hot();
        prop_assert!(one_hot.sum_axis(ndarray::Axis(0)).iter().all(|&s| s == 1.0));
    }

    #[test]
    fn negative_mining_nm_is_false_positives_only((image, truth) in image_and_m(), seed in any::<u64>()) {
        // a "prediction": pseudo-random pixels
        let predicted = Array2::from_shape_fn(image.dim(), |(r, c)| {
            (seed.wrapping_mul(31).wrapping_add((r * 131 + c * 7) as u64)) % 3 == 0
        });
        let mask = negative_mining_nm(truth.view(), predicted.view()).unwrap();
        let nm = mask.class_mask(MaskClass::NonMetastatic);
        let m = mask.class_mask(MaskClass::Metastasis);
        prop_assert_eq!(&m, &truth);
        for ((r, c), &is_nm) in nm.indexed_iter() {
            prop_assert_eq!(is_nm, predicted[[r, c]] && !truth[[r, c]]);
        }
        // a negative patient: every prediction becomes NM
        let none = Array2::from_elem(image.dim(), false);
        let negative = negative_mining_nm(none.view(), predicted.view()).unwrap();
        prop_assert_eq!(negative.class_mask(MaskClass::NonMetastatic), predicted);
    }

    #[test]
    fn from_parts_refuses_overlap_and_candidates_let_m_win((_, m) in image_and_m(), flip in any::<u64>()) {
        let nm = Array2::from_shape_fn(m.dim(), |(r, c)| (flip >> ((r + c) % 64)) & 1 == 1);
        let overlap = m.iter().zip(nm.iter()).any(|(&a, &b)| a && b);
        let strict = ThreeClassMask::from_parts(m.view(), nm.view());
        prop_assert_eq!(strict.is_err(), overlap);
        let lenient = ThreeClassMask::from_m_and_nm_candidates(m.view(), nm.view()).unwrap();
        prop_assert_eq!(lenient.class_mask(MaskClass::Metastasis), m.clone());
        let back = ThreeClassMask::from_classes(lenient.classes().to_owned()).unwrap();
        prop_assert_eq!(back, lenient);
    }

    #[test]
    fn rasterised_polygon_stays_in_its_clipped_bounding_box(
        w in 4usize..40,
        h in 4usize..40,
        fractions in proptest::collection::vec((-0.9f64..1.9, -0.9f64..1.9), 3..9),
    ) {
        // vertices up to 0.9 image sizes outside the image (within the accepted margin)
        let pts: Vec<(f64, f64)> =
            fractions.iter().map(|&(fx, fy)| (fx * w as f64, fy * h as f64)).collect();
        let doc: LabelmeDocument = polygon_json(&pts, w, h).parse().unwrap();
        let mask = rasterize_shape(&doc, 0, w, h).unwrap();
        // Pillow truncates vertices towards zero; the fill stays within their box.
        let xs = pts.iter().map(|p| p.0 as i64);
        let ys = pts.iter().map(|p| p.1 as i64);
        let (x0, x1) = (xs.clone().min().unwrap(), xs.max().unwrap());
        let (y0, y1) = (ys.clone().min().unwrap(), ys.max().unwrap());
        for ((r, c), &on) in mask.indexed_iter() {
            if on {
                let (r, c) = (r as i64, c as i64);
                prop_assert!(c >= x0 && c <= x1 && r >= y0 && r <= y1,
                    "pixel ({r}, {c}) outside box x {x0}..={x1}, y {y0}..={y1}");
            }
        }
    }

    #[test]
    fn rectangle_fills_exactly_its_clipped_box(
        w in 2usize..40, h in 2usize..40,
        fa in (-0.9f64..1.9, -0.9f64..1.9), fb in (-0.9f64..1.9, -0.9f64..1.9),
    ) {
        let a = (fa.0 * w as f64, fa.1 * h as f64);
        let b = (fb.0 * w as f64, fb.1 * h as f64);
        let json = format!(
            r#"{{"shapes": [{{"label": "m", "shape_type": "rectangle", "points": [[{}, {}], [{}, {}]]}}],
                 "imageWidth": {w}, "imageHeight": {h}}}"#, a.0, a.1, b.0, b.1);
        let doc: LabelmeDocument = json.parse().unwrap();
        let mask = rasterize(&doc, &LabelMap::new().with("m", 1), w, h).unwrap();
        let (x0, x1) = ((a.0.min(b.0)) as i64, (a.0.max(b.0)) as i64);
        let (y0, y1) = ((a.1.min(b.1)) as i64, (a.1.max(b.1)) as i64);
        for ((r, c), &v) in mask.indexed_iter() {
            let inside = (c as i64) >= x0 && (c as i64) <= x1 && (r as i64) >= y0 && (r as i64) <= y1;
            prop_assert_eq!(v == 1, inside);
        }
    }
}
