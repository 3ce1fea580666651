//! Table 6: negative mining with D2 added to training (NM mined on D2 as well).
//!
//! Runs `experiments/table6_negative_mining_negatives.toml`: `cargo run --release --example table6_negative_mining_negatives -- PREPARED_DIR OUT_DIR [quick|paper|tiny] [FOLD]`.

#[path = "../common/table.rs"]
mod table;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    table::run("table6_negative_mining_negatives")
}
