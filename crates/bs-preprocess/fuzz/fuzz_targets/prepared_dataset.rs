//! Fuzz target: a prepared data set directory — `manifest.json`, `images.npy`, `lesion.npy`,
//! `body.npy` — loaded as training does, with every entry's three-class mask made, gives the
//! data set or a typed error, never a panic.
//!
//! Input layout: the four files one after the other, each but the last preceded by its length
//! as a little-endian u32 (`make_seeds.py` writes seeds this way from a prepared data set).
#![no_main]

use bs_preprocess::dataset::{NmSource, PreparedDataset};
use libfuzzer_sys::fuzz_target;

mod scratch;

const FILES: [&str; 4] = ["manifest.json", "images.npy", "lesion.npy", "body.npy"];

fuzz_target!(|data: &[u8]| {
    let dir = scratch::dir().join("prepared");
    std::fs::create_dir_all(&dir).expect("scratch directory");
    let mut rest = data;
    for (k, name) in FILES.iter().enumerate() {
        let part = if k + 1 == FILES.len() {
            std::mem::take(&mut rest)
        } else {
            let len = rest
                .get(..4)
                .map_or(0, |b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize);
            let body = rest.get(4..).unwrap_or(&[]);
            let (part, after) = body.split_at(len.min(body.len()));
            rest = after;
            part
        };
        std::fs::write(dir.join(name), part).expect("scratch file");
    }
    let Ok(set) = PreparedDataset::load(&dir) else {
        return;
    };
    let (rows, cols) = set.shape();
    for i in 0..set.len() {
        assert_eq!(set.image(i).dim(), (rows, cols));
        for nm in [NmSource::Otsu, NmSource::Empty] {
            let _ = set.three_class(i, nm);
        }
    }
});
