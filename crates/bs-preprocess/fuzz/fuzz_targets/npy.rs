//! Fuzz target: any bytes as a prepared data set array (`images.npy` f32, `lesion.npy` and
//! `body.npy` u8) give the array or a typed error — never a panic — and the data read matches
//! the shape (the reader checks the header against the file length before allocating).
#![no_main]

use bs_preprocess::dataset::npy::read_npy;
use libfuzzer_sys::fuzz_target;

mod scratch;

fuzz_target!(|data: &[u8]| {
    let path = scratch::dir().join("array.npy");
    std::fs::write(&path, data).expect("scratch file");
    if let Ok((shape, values)) = read_npy::<f32>(&path) {
        assert_eq!(shape.iter().product::<usize>(), values.len());
    }
    if let Ok((shape, values)) = read_npy::<u8>(&path) {
        assert_eq!(shape.iter().product::<usize>(), values.len());
    }
});
