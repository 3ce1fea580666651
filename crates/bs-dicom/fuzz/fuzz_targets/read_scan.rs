//! Fuzz target: the bone-scan reader on any bytes, libFuzzer's own mutations
//! (`read_scan_check` says what must hold).
#![no_main]

use libfuzzer_sys::fuzz_target;

mod read_scan_check;

fuzz_target!(|data: &[u8]| read_scan_check::check(data));
