//! Property tests: the geometry of cut-and-centre maps masks between source views and the
//! prepared image exactly, both ways, and the cut keeps the body centred without scaling.

use bs_preprocess::{plan_view, BodyRange, PrepareConfig, ScanGeometry, TallBodyPolicy, ViewName};
use ndarray::Array2;
use proptest::prelude::*;

/// A random view geometry: source shape, body box inside it, mirroring and cut sizes.
fn arb_case() -> impl Strategy<Value = (PrepareConfig, (usize, usize), BodyRange, bool, bool)> {
    (
        8usize..80,
        4usize..40,
        4usize..60,
        2usize..30,
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_flat_map(
            |(rows, cols, cut_rows, cut_cols, mirror, keep_head, posterior)| {
                let keep = 1..=cut_rows;
                (
                    Just((rows, cols, cut_rows, cut_cols, mirror, keep_head, posterior)),
                    keep,
                    (0..rows).prop_flat_map(move |r0| (Just(r0), r0 + 1..=rows)),
                    (0..cols).prop_flat_map(move |c0| (Just(c0), c0 + 1..=cols)),
                )
            },
        )
        .prop_map(
            |(
                (rows, cols, cut_rows, cut_cols, mirror, keep_head, posterior),
                keep,
                (r0, r1),
                (c0, c1),
            )| {
                let cfg = PrepareConfig {
                    cut_rows,
                    cut_cols,
                    keep_rows: keep,
                    mirror_posterior: mirror,
                    tall_body: if keep_head {
                        TallBodyPolicy::KeepHead
                    } else {
                        TallBodyPolicy::Centre
                    },
                    ..Default::default()
                };
                let body = BodyRange {
                    row_start: r0,
                    row_end: r1,
                    col_start: c0,
                    col_end: c1,
                };
                (cfg, (rows, cols), body, mirror, posterior)
            },
        )
}

fn random_mask(shape: (usize, usize), seed: u64) -> Array2<u8> {
    // a cheap deterministic hash per pixel, values 0..=3 (0 = background)
    Array2::from_shape_fn(shape, |(r, c)| {
        let h = (r as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)
            ^ (c as u64).wrapping_mul(0xC2B2_AE3D_27D4_EB4F)
            ^ seed;
        (h.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 62) as u8
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn masks_round_trip_exactly((cfg, shape, body, mirror, with_post) in arb_case(), seed in any::<u64>()) {
        let ant = plan_view(ViewName::Anterior, shape, body, false, &cfg);
        let post = with_post.then(|| plan_view(ViewName::Posterior, shape, body, mirror, &cfg));
        let (rows, cols) = cfg.prepared_shape();
        let g = ScanGeometry { anterior: ant, posterior: post, prepared_rows: rows, prepared_cols: cols };

        // source → prepared → source: identical on covered pixels, 0 elsewhere
        let ma = random_mask(shape, seed);
        let mp = random_mask(shape, seed ^ 0xFFFF);
        let prepared = g.views_to_prepared(ma.view(), with_post.then(|| mp.view())).unwrap();
        let (ba, bp) = g.prepared_to_views(prepared.view()).unwrap();
        let cov_a = ant.source_coverage();
        for ((idx, &v), &covered) in ma.indexed_iter().zip(cov_a.iter()) {
            prop_assert_eq!(ba[idx], if covered { v } else { 0 });
        }
        prop_assert_eq!(bp.is_some(), with_post);
        if let (Some(bp), Some(pg)) = (bp, post) {
            let cov_p = pg.source_coverage();
            for ((idx, &v), &covered) in mp.indexed_iter().zip(cov_p.iter()) {
                prop_assert_eq!(bp[idx], if covered { v } else { 0 });
            }
        }

        // prepared → source → prepared: identical on valid pixels, 0 elsewhere
        let q = random_mask((rows, cols), seed.rotate_left(17));
        let (qa, qp) = g.prepared_to_views(q.view()).unwrap();
        let again = g.views_to_prepared(qa.view(), qp.as_ref().map(|m| m.view())).unwrap();
        let valid = g.valid_mask();
        for ((idx, &v), &ok) in q.indexed_iter().zip(valid.iter()) {
            prop_assert_eq!(again[idx], if ok { v } else { 0 });
        }

        // pointwise maps are inverse to each other
        for ((r, c), &ok) in valid.indexed_iter() {
            match g.to_source(r, c) {
                Some((side, sr, sc)) => {
                    prop_assert!(ok);
                    prop_assert_eq!(g.to_prepared(side, sr, sc), Some((r, c)));
                }
                None => prop_assert!(!ok),
            }
        }
    }

    #[test]
    fn cut_view_holds_the_mapped_source_pixels_and_zeros(
        (cfg, shape, body, mirror, _p) in arb_case(),
        seed in any::<u64>(),
        rows_limit in 0usize..100,
        reused in proptest::collection::vec(any::<u8>(), 0..300),
    ) {
        let g = plan_view(ViewName::Posterior, shape, body, mirror, &cfg);
        let source = random_mask(shape, seed).mapv(|v| v + 1);
        // the per-pixel definition: zeros, then every mapped pixel
        let rows = rows_limit.min(cfg.cut_rows);
        let mut want = Array2::<u8>::zeros((rows, cfg.cut_cols));
        g.for_each_mapped(rows, |sr, sc, cr, cc| want[[cr, cc]] = source[[sr, sc]]);
        // written into memory that held other values
        let cut = g.cut_into(source.view(), rows_limit, reused).unwrap();
        prop_assert_eq!(cut, want);
    }

    #[test]
    fn cut_centres_the_body_without_scaling((cfg, shape, body, mirror, _p) in arb_case()) {
        let g = plan_view(ViewName::Posterior, shape, body, mirror, &cfg);
        // the translation is a pure shift: neighbouring source pixels stay neighbours
        if let (Some(a), Some(b)) = (g.source_to_cut(body.row_start, body.col_start),
                                     g.source_to_cut(body.row_start, body.col_start + 1)) {
            prop_assert_eq!(a.0, b.0);
            prop_assert_eq!(b.1 as i64 - a.1 as i64, if mirror { -1 } else { 1 });
        }
        // a body that fits is entirely inside the cut with margins differing by at most one
        if body.rows() <= cfg.cut_rows {
            let top = body.row_start as i64 + g.row_shift;
            let bottom = cfg.cut_rows as i64 - (body.row_end as i64 + g.row_shift);
            prop_assert!(top >= 0 && bottom >= 0);
            prop_assert!(bottom - top == 0 || bottom - top == 1);
        } else if cfg.tall_body == TallBodyPolicy::KeepHead {
            prop_assert_eq!(body.row_start as i64 + g.row_shift, 0);
            prop_assert!(g.body_truncated);
        }
        if body.cols() <= cfg.cut_cols {
            let (lo, hi) = if mirror {
                (shape.1 - body.col_end, shape.1 - body.col_start)
            } else {
                (body.col_start, body.col_end)
            };
            let left = lo as i64 + g.col_shift;
            let right = cfg.cut_cols as i64 - (hi as i64 + g.col_shift);
            prop_assert!(left >= 0 && right >= 0);
            prop_assert!(right - left == 0 || right - left == 1);
        }
    }
}
