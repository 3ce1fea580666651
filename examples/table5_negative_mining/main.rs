//! Table 5: NM masks by negative mining (false positives of a per-fold binary stage-1 model trained on positives only), D1.
//!
//! Runs `experiments/table5_negative_mining.toml`: `cargo run --release --example table5_negative_mining -- PREPARED_DIR OUT_DIR [quick|paper|tiny] [FOLD]`.

#[path = "../common/table.rs"]
mod table;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    table::run("table5_negative_mining")
}
