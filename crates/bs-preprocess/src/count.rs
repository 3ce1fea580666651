//! The pixel types a view of counts comes in: `f32` (any counts, rescaled ones included, as
//! `bs_dicom::read_scan` gives them) and `u16` (integer counts as stored, as
//! `bs_dicom::ScanReader::read_counts` gives them).
//!
//! Why two: a gamma camera stores counts as 16-bit integers. Kept as such, every pass of the
//! pipeline reads half the bytes, validity needs no check (a `u16` is a count) and the
//! histogram needs no integer test — the prepared scan is the same to the bit, because every
//! `u16` is exactly an `f32` and every step of the pipeline works on the values
//! (`tests/counts_pipeline.rs` compares the two on the synthetic cohort, NM1 and random views).

use std::borrow::Cow;
use std::cell::RefCell;
use std::thread::LocalKey;

/// A pixel type of raw count views ([`f32`] or [`u16`]); sealed.
///
/// Every method gives what the `f32` method gives for the same values converted with
/// [`Count::to_f32`].
pub trait Count: Copy + Default + Send + Sync + 'static + private::Sealed {
    /// The count as `f32` (exact for every `u16`).
    fn to_f32(self) -> f32;

    /// `(Σ values in f64, max)` when every value is a count (finite, ≥ 0); `None` otherwise.
    #[doc(hidden)]
    fn valid_sum_max(values: &[Self]) -> Option<(f64, f32)>;

    /// Fills `rows` with the pixels `> threshold` per row of a contiguous view of `cols.len()`
    /// columns, adds them per column to `cols`; gives `(body pixels, body pixels == max)`.
    #[doc(hidden)]
    fn row_profiles(
        values: &[Self],
        threshold: f32,
        max: f32,
        rows: &mut [usize],
        cols: &mut [u32],
    ) -> (usize, usize);

    /// The maximum when every value is an integer in `0..=limit`.
    #[doc(hidden)]
    fn integer_max(values: &[Self], limit: u32) -> Option<u32>;

    /// Pixels per value `0..=max` when every value is an integer in `0..=limit`.
    #[doc(hidden)]
    fn integer_histogram(values: &[Self], limit: u32) -> Option<Vec<u64>>;

    /// Appends `table[src[i]]` to `out`, for integer pixels below `table.len()`.
    #[doc(hidden)]
    fn extend_table(table: &[f32], src: &[Self], out: &mut Vec<f32>);

    /// The values as `f32`, borrowed when they are.
    #[doc(hidden)]
    fn as_f32(values: &[Self]) -> Cow<'_, [f32]>;

    /// This thread's memory of finished cuts (see `scan.rs`).
    #[doc(hidden)]
    fn cut_buffers() -> &'static LocalKey<RefCell<Vec<Vec<Self>>>>;
}

mod private {
    pub trait Sealed {}
    impl Sealed for f32 {}
    impl Sealed for u16 {}
}

thread_local! {
    static F32_CUTS: RefCell<Vec<Vec<f32>>> = const { RefCell::new(Vec::new()) };
    static U16_CUTS: RefCell<Vec<Vec<u16>>> = const { RefCell::new(Vec::new()) };
}

impl Count for f32 {
    #[inline]
    fn to_f32(self) -> f32 {
        self
    }
    fn valid_sum_max(values: &[f32]) -> Option<(f64, f32)> {
        crate::fast::valid_sum_max(values)
    }
    fn row_profiles(
        values: &[f32],
        threshold: f32,
        max: f32,
        rows: &mut [usize],
        cols: &mut [u32],
    ) -> (usize, usize) {
        crate::body_range::row_profiles(values, threshold, max, rows, cols)
    }
    fn integer_max(values: &[f32], limit: u32) -> Option<u32> {
        crate::fast::integer_max(values, limit)
    }
    fn integer_histogram(values: &[f32], limit: u32) -> Option<Vec<u64>> {
        bs_masks::otsu::integer_histogram(values, limit)
    }
    fn extend_table(table: &[f32], src: &[f32], out: &mut Vec<f32>) {
        crate::brightness::extend_table(table, src, out)
    }
    fn as_f32(values: &[f32]) -> Cow<'_, [f32]> {
        Cow::Borrowed(values)
    }
    fn cut_buffers() -> &'static LocalKey<RefCell<Vec<Vec<f32>>>> {
        &F32_CUTS
    }
}

impl Count for u16 {
    #[inline]
    fn to_f32(self) -> f32 {
        f32::from(self)
    }
    fn valid_sum_max(values: &[u16]) -> Option<(f64, f32)> {
        // every u16 is a count; the integer sum is exact, so it equals the f32 path's f64 sum
        let (sum, max) = crate::fast::count_sum_max(values);
        Some((sum as f64, f32::from(max)))
    }
    fn row_profiles(
        values: &[u16],
        threshold: f32,
        max: f32,
        rows: &mut [usize],
        cols: &mut [u32],
    ) -> (usize, usize) {
        crate::body_range::count_row_profiles(values, threshold, max, rows, cols)
    }
    fn integer_max(values: &[u16], limit: u32) -> Option<u32> {
        let max = u32::from(values.iter().copied().fold(0, u16::max));
        (max <= limit).then_some(max)
    }
    fn integer_histogram(values: &[u16], limit: u32) -> Option<Vec<u64>> {
        bs_masks::otsu::count_histogram(values, limit)
    }
    fn extend_table(table: &[f32], src: &[u16], out: &mut Vec<f32>) {
        crate::brightness::extend_count_table(table, src, out)
    }
    fn as_f32(values: &[u16]) -> Cow<'_, [f32]> {
        Cow::Owned(values.iter().map(|&v| f32::from(v)).collect())
    }
    fn cut_buffers() -> &'static LocalKey<RefCell<Vec<Vec<u16>>>> {
        &U16_CUTS
    }
}
