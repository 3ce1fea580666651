//! 8-connected components and lesion detection against a naive label propagation and SciPy.

use bs_metrics::{label_components, FoldEvaluation, LesionCounts, MetricsError};
use ndarray::{array, Array2};
use proptest::prelude::*;

/// Naive reference: every foreground pixel starts with its own id and repeatedly takes the
/// smallest id among its 8 neighbours until nothing changes; then ids are renumbered 1.. in
/// raster order of first appearance.
fn naive_labels(mask: &Array2<bool>) -> (Array2<u32>, usize) {
    let (h, w) = mask.dim();
    let mut id = Array2::from_shape_fn((h, w), |(r, c)| {
        if mask[[r, c]] {
            (r * w + c + 1) as u32
        } else {
            0
        }
    });
    loop {
        let mut changed = false;
        for r in 0..h {
            for c in 0..w {
                if id[[r, c]] == 0 {
                    continue;
                }
                for dr in -1i64..=1 {
                    for dc in -1i64..=1 {
                        let (nr, nc) = (r as i64 + dr, c as i64 + dc);
                        if nr < 0 || nc < 0 || nr >= h as i64 || nc >= w as i64 {
                            continue;
                        }
                        let n = id[[nr as usize, nc as usize]];
                        if n != 0 && n < id[[r, c]] {
                            id[[r, c]] = n;
                            changed = true;
                        }
                    }
                }
            }
        }
        if !changed {
            break;
        }
    }
    canonical(&id)
}

/// Renumbers labels 1.. in raster order of first appearance.
fn canonical(labels: &Array2<u32>) -> (Array2<u32>, usize) {
    let mut map = std::collections::HashMap::new();
    let out = labels.mapv(|l| {
        if l == 0 {
            0
        } else {
            let next = map.len() as u32 + 1;
            *map.entry(l).or_insert(next)
        }
    });
    (out, map.len())
}

fn mask() -> impl Strategy<Value = Array2<bool>> {
    (1usize..20, 1usize..20, 0.0f64..0.8).prop_flat_map(|(h, w, d)| {
        proptest::collection::vec(proptest::bool::weighted(d), h * w)
            .prop_map(move |v| Array2::from_shape_vec((h, w), v).unwrap())
    })
}

proptest! {
    #[test]
    fn components_match_naive_propagation(m in mask()) {
        let comps = label_components(m.view());
        let (naive, count) = naive_labels(&m);
        prop_assert_eq!(comps.count, count);
        prop_assert_eq!(&comps.labels, &naive);
        prop_assert_eq!(comps.sizes().iter().sum::<u64>(), m.iter().filter(|&&v| v).count() as u64);
    }

    #[test]
    fn detection_matches_naive_definition(p in mask(), t_seed in any::<u64>()) {
        // Truth of the same shape, different content.
        let mut s = t_seed | 1;
        let t = p.mapv(|_| { s ^= s << 13; s ^= s >> 7; s ^= s << 17; s % 3 == 0 });
        let d = LesionCounts::from_masks(p.view(), t.view()).unwrap();
        let (pl, pn) = naive_labels(&p);
        let (tl, tn) = naive_labels(&t);
        let hit = |labels: &Array2<u32>, n: usize, other: &Array2<bool>| {
            (1..=n as u32).filter(|&k| labels.iter().zip(other.iter()).any(|(&l, &o)| l == k && o)).count() as u64
        };
        prop_assert_eq!(d.true_lesions, tn as u64);
        prop_assert_eq!(d.predicted_lesions, pn as u64);
        prop_assert_eq!(d.detected_true_lesions, hit(&tl, tn, &p));
        prop_assert_eq!(d.false_positive_lesions, pn as u64 - hit(&pl, pn, &t));
        if let Some(s) = d.sensitivity() { prop_assert!((0.0..=1.0).contains(&s)); }
    }
}

#[test]
fn diagonal_pixels_are_one_lesion_under_8_connectivity() {
    let m = array![
        [true, false, false],
        [false, true, false],
        [false, false, true]
    ];
    assert_eq!(label_components(m.view()).count, 1);
    let two = array![
        [true, false, true],
        [false, false, false],
        [true, true, false]
    ];
    let c = label_components(two.view());
    assert_eq!(c.count, 3);
    assert_eq!(c.labels, array![[1, 0, 2], [0, 0, 0], [3, 3, 0]]);
    assert_eq!(c.sizes(), vec![1, 1, 2]);
}

#[test]
fn a_lesion_as_large_as_a_prepared_scan_does_not_overflow_the_stack() {
    let m = Array2::from_elem((640, 512), true);
    let c = label_components(m.view());
    assert_eq!(c.count, 1);
    assert_eq!(c.sizes(), vec![640 * 512]);
}

#[test]
fn detection_hand_case() {
    // Truth: lesions A (top-left) and B (bottom-right). Prediction: one blob on A, one false
    // alarm in the top-right corner; B is missed.
    let truth = array![
        [true, true, false, false, false],
        [true, false, false, false, false],
        [false, false, false, false, false],
        [false, false, false, true, true]
    ];
    let pred = array![
        [false, true, false, false, true],
        [false, true, false, false, true],
        [false, false, false, false, false],
        [false, false, false, false, false]
    ];
    let d = LesionCounts::from_masks(pred.view(), truth.view()).unwrap();
    assert_eq!(
        d,
        LesionCounts {
            images: 1,
            true_lesions: 2,
            detected_true_lesions: 1,
            predicted_lesions: 2,
            false_positive_lesions: 1
        }
    );
    assert_eq!(d.sensitivity(), Some(0.5));
    assert_eq!(d.precision(), Some(0.5));
    // Over a fold with one more, empty, image: 1 false-positive lesion / 2 images.
    let mut fold = FoldEvaluation::new();
    fold.add_masks("a", pred.view(), truth.view()).unwrap();
    let empty = Array2::from_elem((4, 5), false);
    fold.add_masks("b", empty.view(), empty.view()).unwrap();
    let r = fold.report();
    assert_eq!(r.lesion_sensitivity, Some(0.5));
    assert_eq!(r.false_positive_lesions_per_image, Some(0.5));
    assert!(matches!(
        LesionCounts::from_masks(pred.view(), empty.t()),
        Err(MetricsError::ShapeMismatch { .. })
    ));
}

/// Independent reference: `scipy.ndimage.label` with a 3×3 structuring element on masks of
/// several densities (including the percolating ones), all in one Python call.
#[test]
fn components_match_scipy_ndimage_label() {
    let mut s = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        s
    };
    let mut masks = Vec::new();
    for i in 0..40 {
        let (h, w) = (5 + (next() % 60) as usize, 5 + (next() % 60) as usize);
        let density = [5u64, 20, 40, 55, 70][i % 5];
        masks.push(Array2::from_shape_fn((h, w), |_| next() % 100 < density));
    }
    let dir = bs_testdata::output_dir("bs-metrics-scipy-label");
    let path = dir.join("masks.json");
    let json: Vec<Vec<Vec<u8>>> = masks
        .iter()
        .map(|m| {
            m.rows()
                .into_iter()
                .map(|r| r.iter().map(|&v| u8::from(v)).collect())
                .collect()
        })
        .collect();
    std::fs::write(&path, serde_json::to_string(&json).unwrap()).unwrap();
    let script = r#"
import json, sys
import numpy as np
from scipy import ndimage
out = []
for m in json.load(open(sys.argv[1])):
    labels, n = ndimage.label(np.array(m, dtype=bool), structure=np.ones((3, 3), dtype=int))
    out.append({"n": int(n), "labels": labels.tolist()})
print(json.dumps(out))
"#;
    let stdout = bs_testdata::run_python(script, &[path.to_str().unwrap()]);
    let reference: Vec<serde_json::Value> = serde_json::from_str(&stdout).unwrap();
    assert_eq!(reference.len(), masks.len());
    for (m, r) in masks.iter().zip(&reference) {
        let c = label_components(m.view());
        let labels: Vec<Vec<u32>> = serde_json::from_value(r["labels"].clone()).unwrap();
        let flat: Vec<u32> = labels.into_iter().flatten().collect();
        let (scipy, n) = canonical(&Array2::from_shape_vec(m.dim(), flat).unwrap());
        assert_eq!(c.count, r["n"].as_u64().unwrap() as usize);
        assert_eq!(c.count, n);
        assert_eq!(
            c.labels,
            scipy,
            "labels differ from scipy on a {:?} mask",
            m.dim()
        );
    }
}
