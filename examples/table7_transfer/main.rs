//! Table 7: transfer learning: pre-train on D3 + D4 (prostate), fine-tune on D1 + D2 (breast), Otsu NM, per fold.
//!
//! Runs `experiments/table7_transfer.toml`: `cargo run --release --example table7_transfer -- PREPARED_DIR OUT_DIR [quick|paper|tiny] [FOLD]`.

#[path = "../common/table.rs"]
mod table;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    table::run("table7_transfer")
}
