/// This process's own scratch directory under `BS_FUZZ_SCRATCH` (scripts/fuzz puts it in
/// memory) or the temporary directory: the readers take paths. Every fuzz crate's targets use
/// this file (`#[path]` from the crates other than bs-preprocess).
pub fn dir() -> std::path::PathBuf {
    let base = std::env::var_os("BS_FUZZ_SCRATCH").map_or_else(std::env::temp_dir, Into::into);
    let dir = base.join(format!("bs-fuzz-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("scratch directory");
    dir
}
