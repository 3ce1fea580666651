//! Table 2: the baseline binary (sigmoid) Double U-Net on D1 with Dice loss.
//!
//! Runs `experiments/table2_baseline.toml`: `cargo run --release --example table2_baseline -- PREPARED_DIR OUT_DIR [quick|paper|tiny] [FOLD]`.

#[path = "../common/table.rs"]
mod table;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    table::run("table2_baseline")
}
