//! Per-patient random streams.
//!
//! Every patient gets its own ChaCha8 generator keyed by `(cohort seed, patient index)`, so a
//! patient is the same whatever the thread scheduling, the cohort size after it, or whether it
//! is generated alone. Anatomy/lesions and counting noise use separate streams of that key, so
//! changing how many random numbers the anatomy draws never shifts the noise of another stage.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// Which independent stream of a patient's key.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Stream {
    /// Body shape, physiology, lesions, confounders.
    Anatomy = 0,
    /// Poisson counting noise.
    Noise = 1,
    /// Soft-tissue texture.
    Texture = 2,
}

/// SplitMix64 finaliser: spreads `(seed, index)` over the whole 256-bit ChaCha key.
fn splitmix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The generator of one patient's stream.
pub(crate) fn patient_rng(seed: u64, index: u64, stream: Stream) -> ChaCha8Rng {
    let mut key = [0u8; 32];
    let mut state = splitmix(seed) ^ splitmix(index.wrapping_add(0x5EED));
    for chunk in key.chunks_mut(8) {
        state = splitmix(state);
        chunk.copy_from_slice(&state.to_le_bytes());
    }
    let mut rng = ChaCha8Rng::from_seed(key);
    rng.set_stream(stream as u64);
    rng
}
