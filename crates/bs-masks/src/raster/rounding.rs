//! Pillow's rounding macros, with the exact float widths the C code uses.
//!
//! `ROUND_UP(f)` is `f >= 0 ? floor(f + 0.5F) : -floor(fabs(f) + 0.5F)` and `ROUND_DOWN(f)` is
//! `f >= 0 ? ceil(f - 0.5F) : -ceil(fabs(f) - 0.5F)`. For a `float` argument the positive branch
//! adds in single precision while `fabs` promotes to double; both are mirrored here.

/// `ROUND_UP` on a C `float` (half-way values go away from zero).
pub fn round_up_f32(f: f32) -> i32 {
    if f >= 0.0 {
        (f + 0.5f32).floor() as i32
    } else {
        -((f64::from(f)).abs() + 0.5).floor() as i32
    }
}

/// `ROUND_DOWN` on a C `float` (half-way values go towards zero).
pub fn round_down_f32(f: f32) -> i32 {
    if f >= 0.0 {
        (f - 0.5f32).ceil() as i32
    } else {
        -((f64::from(f)).abs() - 0.5).ceil() as i32
    }
}

/// `ROUND_UP` on a C `double`.
pub fn round_up_f64(f: f64) -> i32 {
    if f >= 0.0 {
        (f + 0.5).floor() as i32
    } else {
        -(f.abs() + 0.5).floor() as i32
    }
}

/// `ROUND_DOWN` on a C `double`.
pub fn round_down_f64(f: f64) -> i32 {
    if f >= 0.0 {
        (f - 0.5).ceil() as i32
    } else {
        -(f.abs() - 0.5).ceil() as i32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn halves_go_away_from_zero_up_and_towards_zero_down() {
        assert_eq!(round_up_f32(2.5), 3);
        assert_eq!(round_up_f32(-2.5), -3);
        assert_eq!(round_down_f32(2.5), 2);
        assert_eq!(round_down_f32(-2.5), -2);
        assert_eq!(round_up_f64(4.5), 5);
        assert_eq!(round_down_f64(4.5), 4);
        assert_eq!(round_up_f32(2.4), 2);
        assert_eq!(round_down_f32(2.6), 3);
    }
}
