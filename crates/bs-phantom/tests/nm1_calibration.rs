//! The synthetic anterior views against the real NEMA NM1 whole-body scan: count level, high
//! percentiles, body fraction and head-to-feet row profile must sit in the same ranges.
//! Writes `target/test-output/phantom-nm1/side_by_side.png` (NM1 first, then synthetic views).

use bs_phantom::{generate_patient, CohortSpec, ViewStats};
use ndarray::Array2;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

#[test]
fn anterior_views_match_nm1_statistics() {
    let scan = bs_dicom::read_scan(&bs_testdata::nm1_jpll(), &bs_dicom::ReadOptions::default())
        .expect("read NM1");
    let nm1 = scan.anterior.pixels.clone();
    assert_eq!(nm1.dim(), (1024, 256));
    let real = ViewStats::of(nm1.view());
    assert!((real.mean - 13.72).abs() < 0.01, "NM1 mean {}", real.mean);

    // 16 patients spread over the four data sets of the paper cohort
    let spec = CohortSpec::paper();
    let all = spec.patients();
    let chosen: Vec<_> = all.iter().step_by(all.len() / 16).take(16).collect();
    let synth: Vec<Array2<f32>> = chosen
        .iter()
        .map(|p| {
            generate_patient(2024, p, &spec.phantom)
                .anterior
                .mapv(f32::from)
        })
        .collect();
    let stats: Vec<ViewStats> = synth.iter().map(|v| ViewStats::of(v.view())).collect();
    for (s, p) in stats.iter().zip(&chosen) {
        println!(
            "{} mean {:.2} max {} pct {:?} body {:.3} nonzero {:.3} profile r {:.2}",
            p.patient_id,
            s.mean,
            s.max,
            s.percentiles,
            s.body_fraction,
            s.nonzero_fraction,
            s.profile_correlation(&real)
        );
    }
    println!(
        "NM1 mean {:.2} max {} pct {:?} body {:.3} nonzero {:.3}",
        real.mean, real.max, real.percentiles, real.body_fraction, real.nonzero_fraction
    );

    // count level: every patient in a plausible band, the median near NM1
    for s in &stats {
        assert!((6.0..30.0).contains(&s.mean), "mean {}", s.mean);
        assert!(s.max <= 65535.0 && s.max > 100.0, "max {}", s.max);
    }
    let med = |f: &dyn Fn(&ViewStats) -> f64| median(stats.iter().map(f).collect());
    let rel = |a: f64, b: f64| a / b;
    let mean_ratio = rel(med(&|s| s.mean), real.mean);
    assert!(
        (0.8..1.25).contains(&mean_ratio),
        "median mean / NM1 = {mean_ratio}"
    );
    // counts 0 … a few hundred, high percentiles within a factor of NM1's
    let max_ratio = rel(med(&|s| s.max), real.max);
    assert!(
        (0.6..2.0).contains(&max_ratio),
        "median max / NM1 = {max_ratio}"
    );
    for (i, q) in bs_phantom::stats::PERCENTILES.iter().enumerate().skip(1) {
        let r = rel(med(&|s| s.percentiles[i]), real.percentiles[i]);
        assert!(
            (0.6..1.6).contains(&r),
            "P{q}: median synthetic / NM1 = {r}"
        );
    }
    // body fraction of the image
    let body = rel(med(&|s| s.body_fraction), real.body_fraction);
    assert!((0.65..1.35).contains(&body), "body fraction ratio {body}");
    // background: about half of the pixels hold no count, as in NM1
    let zero = med(&|s| 1.0 - s.nonzero_fraction) - (1.0 - real.nonzero_fraction);
    assert!(zero.abs() < 0.2, "zero-pixel fraction differs by {zero}");
    // row profile (shoulders and pelvis high, legs low) correlates with NM1's
    let r = median(stats.iter().map(|s| s.profile_correlation(&real)).collect());
    assert!(r > 0.6, "median row-profile correlation {r}");

    // side-by-side picture for a person: NM1, then eight synthetic anterior views
    let dir = bs_testdata::output_dir("phantom-nm1");
    let views: Vec<&Array2<f32>> = std::iter::once(&nm1).chain(synth.iter().take(8)).collect();
    let mut img = image::GrayImage::new(256 * views.len() as u32, 1024);
    for (k, v) in views.iter().enumerate() {
        for ((r, c), &x) in v.indexed_iter() {
            let g = 255 - (x / 100.0 * 255.0).clamp(0.0, 255.0) as u8;
            img.put_pixel(k as u32 * 256 + c as u32, r as u32, image::Luma([g]));
        }
    }
    img.save(dir.join("side_by_side.png")).expect("write PNG");
}
