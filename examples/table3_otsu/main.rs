//! Table 3: the three-class Double U-Net, NM masks by Otsu thresholding, D1, Dice vs Focal Tversky.
//!
//! Runs `experiments/table3_otsu.toml`: `cargo run --release --example table3_otsu -- PREPARED_DIR OUT_DIR [quick|paper|tiny] [FOLD]`.

#[path = "../common/table.rs"]
mod table;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    table::run("table3_otsu")
}
