//! A small in-memory cohort: 640×512 prepared-like images with a body and bright disks (M).

#![allow(dead_code)]

use bs_train::data::PatientImage;
use bs_train::{Cohort, Group};
use ndarray::Array2;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

pub fn patient(id: &str, group: Group, seed: u64) -> PatientImage {
    let (rows, cols) = (640, 512);
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut image = Array2::<f32>::zeros((rows, cols));
    let mut m = Array2::<bool>::from_elem((rows, cols), false);
    // body: two upright ellipses (AP ‖ PA)
    for half in 0..2 {
        let cx = 128.0 + 256.0 * half as f32;
        for r in 40..600 {
            for c in 0..cols {
                let (dy, dx) = ((r as f32 - 320.0) / 280.0, (c as f32 - cx) / 80.0);
                if dy * dy + dx * dx <= 1.0 {
                    image[[r, c]] = 30.0 + rng.random_range(0.0..10.0);
                }
            }
        }
    }
    if group.metastatic() {
        for _ in 0..4 {
            let cy = rng.random_range(100..540) as i64;
            let cx = rng.random_range(80..180) as i64 + if rng.random_bool(0.5) { 256 } else { 0 };
            for r in cy - 12..=cy + 12 {
                for c in cx - 12..=cx + 12 {
                    if (r - cy).pow(2) + (c - cx).pow(2) <= 144 {
                        image[[r as usize, c as usize]] = 200.0;
                        m[[r as usize, c as usize]] = true;
                    }
                }
            }
        }
    }
    PatientImage {
        patient_id: id.to_string(),
        group,
        image,
        m,
    }
}

/// `n` patients per listed group.
pub fn cohort(groups: &[(Group, usize)]) -> Cohort {
    let mut images = Vec::new();
    let mut seed = 1;
    for &(g, n) in groups {
        for i in 0..n {
            images.push(patient(&format!("{g}-{i:02}"), g, seed));
            seed += 1;
        }
    }
    Cohort::from_images(images, "in-memory test cohort").unwrap()
}
