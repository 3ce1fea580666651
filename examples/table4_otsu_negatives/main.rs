//! Table 4: as Table 3 with the negative samples D2 added to the training part of every fold.
//!
//! Runs `experiments/table4_otsu_negatives.toml`: `cargo run --release --example table4_otsu_negatives -- PREPARED_DIR OUT_DIR [quick|paper|tiny] [FOLD]`.

#[path = "../common/table.rs"]
mod table;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    table::run("table4_otsu_negatives")
}
