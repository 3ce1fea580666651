//! Properties of the generated patients over a paper-sized sample: lesion sites, contrast,
//! counts per cancer, visibility by depth, AP/PA brightness by depth, PA mirroring.

use bs_phantom::{generate_cohort, CohortSpec, Group, Site};

#[test]
fn lesions_follow_the_clinical_patterns_and_views_follow_depth() {
    let spec = CohortSpec::paper();
    let patients = generate_cohort(&spec, 3);
    assert_eq!(patients.len(), 200);

    let lesions: Vec<_> = patients
        .iter()
        .flat_map(|p| p.lesions.iter().map(move |l| (p, l)))
        .collect();
    // contrast and sizes in the specified ranges
    for (p, l) in &lesions {
        assert!(
            (1.5..=10.0).contains(&l.contrast),
            "contrast {}",
            l.contrast
        );
        assert!(
            l.radius_px >= 1.7 && l.radius_px <= 15.0,
            "radius {}",
            l.radius_px
        );
        assert!(l.visible_anterior || l.visible_posterior);
        assert!(p.group.metastatic());
    }
    // the spine is the commonest site, ahead of ribs, pelvis and skull
    let count = |sites: &[Site]| {
        lesions
            .iter()
            .filter(|(_, l)| sites.contains(&l.site))
            .count()
    };
    let spine = count(&[Site::CervicalSpine, Site::ThoracicSpine, Site::LumbarSpine]);
    let ribs = count(&[Site::Rib, Site::Sternum]);
    let skull = count(&[Site::Skull]);
    let humerus = count(&[Site::Humerus]);
    assert!(
        spine > ribs && ribs > skull && skull > humerus,
        "spine {spine} ribs {ribs} skull {skull} humerus {humerus}"
    );

    // prostate metastatic patients carry more lesions than breast ones
    let mean_count = |g: Group| {
        let ps: Vec<_> = patients.iter().filter(|p| p.group == g).collect();
        ps.iter().map(|p| p.lesions.len()).sum::<usize>() as f64 / ps.len() as f64
    };
    assert!(
        mean_count(Group::D3) > 1.3 * mean_count(Group::D1),
        "D3 {} D1 {}",
        mean_count(Group::D3),
        mean_count(Group::D1)
    );
    // superscans are rare and only in D3
    let superscans: Vec<_> = patients.iter().filter(|p| p.superscan).collect();
    assert!(superscans.len() <= 8 && superscans.iter().all(|p| p.group == Group::D3));

    // visibility follows depth: sternal lesions are seen in AP, spinal ones mostly in PA
    let share = |site: Site, anterior: bool| {
        let ls: Vec<_> = lesions.iter().filter(|(_, l)| l.site == site).collect();
        let seen = ls
            .iter()
            .filter(|(_, l)| {
                if anterior {
                    l.visible_anterior
                } else {
                    l.visible_posterior
                }
            })
            .count();
        seen as f64 / ls.len().max(1) as f64
    };
    assert!(
        share(Site::Sternum, true) > share(Site::Sternum, false),
        "sternum AP {} PA {}",
        share(Site::Sternum, true),
        share(Site::Sternum, false)
    );
    assert!(share(Site::ThoracicSpine, false) > share(Site::ThoracicSpine, true));
    let only_one = lesions
        .iter()
        .filter(|(_, l)| l.visible_anterior != l.visible_posterior)
        .count();
    assert!(only_one > 0, "some lesions are visible in one view only");

    // confounders: injection sites in both cancers, catheters/urine bags/diapers only in prostate
    let has = |p: &bs_phantom::SyntheticPatient, name: &str| {
        p.confounders.iter().any(|c| c.kind.name() == name)
    };
    assert!(patients
        .iter()
        .any(|p| has(p, "injection_site") && p.cancer == bs_phantom::Cancer::Breast));
    for name in ["catheter", "urine_bag", "diaper"] {
        assert!(patients
            .iter()
            .all(|p| !has(p, name) || p.cancer == bs_phantom::Cancer::Prostate));
        assert!(
            patients.iter().any(|p| has(p, name)),
            "no {name} in 200 patients"
        );
    }

    // AP vs PA by depth, summed over the cohort: the thoracic-spine column is brighter in PA
    // and lesions seen in both views sit at mirrored columns
    let (mut ap, mut pa) = (0u64, 0u64);
    for p in &patients {
        let c = p.body.centre_col.round() as usize;
        let top = p.body.top_row as usize;
        let h = (p.body.height_cm * 10.0 / 2.26) as usize;
        for r in top + h / 4..top + h / 3 {
            for dc in 0..3 {
                ap += u64::from(p.anterior[(r, c - 1 + dc)]);
                pa += u64::from(p.posterior[(r, 255 - (c - 1 + dc))]);
            }
        }
        for (l, px) in p.lesions.iter().zip(&p.lesion_pixels) {
            if l.visible_anterior && l.visible_posterior {
                let a: Vec<_> = px
                    .iter()
                    .filter(|&&(_, c)| c < 256)
                    .map(|&(r, c)| (r, 255 - c))
                    .collect();
                let b: Vec<_> = px
                    .iter()
                    .filter(|&&(_, c)| c >= 256)
                    .map(|&(r, c)| (r, c - 256))
                    .collect();
                assert_eq!(
                    a, b,
                    "{}: PA footprint is the mirrored AP footprint",
                    p.patient_id
                );
            }
        }
    }
    assert!(
        pa as f64 > 1.3 * ap as f64,
        "thoracic spine PA {pa} vs AP {ap}"
    );
}

#[test]
fn custom_toml_specs_are_parsed_and_checked() {
    let path = std::path::Path::new("pilot.toml");
    let spec = bs_phantom::CohortSpec::from_toml_str(
        "name = \"pilot\"\n[groups]\nD1 = 3\nD4 = 1\n[phantom]\nmean_counts = 20.0\n",
        path,
    )
    .unwrap();
    assert_eq!(spec.groups.total(), 4);
    assert_eq!(spec.phantom.mean_counts, 20.0);
    let ids: Vec<_> = spec.patients().into_iter().map(|p| p.patient_id).collect();
    assert_eq!(
        ids,
        ["SYN-D1-001", "SYN-D1-002", "SYN-D1-003", "SYN-D4-001"]
    );
    for bad in [
        "[groups]\nD5 = 1\n",
        "[groups]\nD1 = 0\n",
        "[groups]\nD1 = 1\n[phantom]\nmean_counts = -1.0\n",
        "groups = 3",
    ] {
        let err = bs_phantom::CohortSpec::from_toml_str(bad, path).unwrap_err();
        assert!(err.to_string().contains("pilot.toml"), "{err}");
    }
    let missing =
        bs_phantom::CohortSpec::from_path(std::path::Path::new("/nonexistent/cohort.toml"))
            .unwrap_err();
    assert!(missing.to_string().contains("/nonexistent/cohort.toml"));
}
