//! Fuzz target: the check of `read_scan` with a structure-aware mutator (`dicom_mutator`): half
//! of the mutations edit the input as DICOM data elements, half are libFuzzer's own.
#![no_main]

use libfuzzer_sys::{fuzz_mutator, fuzz_target};

mod dicom_mutator;
mod read_scan_check;

fuzz_target!(|data: &[u8]| read_scan_check::check(data));

fuzz_mutator!(|data: &mut [u8], size: usize, max_size: usize, seed: u32| {
    let mut rng = dicom_mutator::Rng::new(seed);
    if rng.below(2) == 0 {
        return libfuzzer_sys::fuzzer_mutate(data, size, max_size);
    }
    let mut input = data[..size].to_vec();
    if !dicom_mutator::mutate(&mut input, &mut rng) {
        return libfuzzer_sys::fuzzer_mutate(data, size, max_size);
    }
    let n = input.len().min(max_size).min(data.len());
    data[..n].copy_from_slice(&input[..n]);
    n
});
