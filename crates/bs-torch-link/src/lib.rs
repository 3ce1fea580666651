//! Build-script helper for the libtorch-linked crates of bonescan.
//!
//! Not a paper section: this is plumbing that lets the Double U-Net of Section 3.6 run on CUDA.
//! `torch-sys` declares `links = "tch"` and publishes the libtorch library directory as
//! `DEP_TCH_LIBTORCH_LIB` to the build scripts of packages that depend on it *directly*. From a
//! `build.rs` of such a package:
//!
//! ```no_run
//! bs_torch_link::emit();
//! ```
//!
//! Why both flags:
//! - `--no-as-needed -ltorch_cuda`: nothing in the Rust code references a symbol of
//!   `libtorch_cuda.so`, so `--as-needed` drops it and CUDA kernels are never registered
//!   (`Cuda::is_available()` is then false on a GPU machine).
//! - `-rpath <dir>`: the binaries start without `LD_LIBRARY_PATH`.

use std::path::Path;

/// Environment variable set by `torch-sys` (its `links = "tch"` metadata `libtorch_lib`).
pub const LIBTORCH_LIB_VAR: &str = "DEP_TCH_LIBTORCH_LIB";

/// The linker arguments for a libtorch library directory: an rpath, plus `libtorch_cuda` kept as
/// needed when that directory holds it (a CPU-only libtorch has no `libtorch_cuda.so`).
pub fn link_args(libtorch_lib: &Path) -> Vec<String> {
    let mut args = vec![format!("-Wl,-rpath,{}", libtorch_lib.display())];
    if libtorch_lib.join("libtorch_cuda.so").exists() {
        args.push("-Wl,--no-as-needed,-ltorch_cuda,--as-needed".to_owned());
    }
    args
}

/// Prints the `cargo:` lines for the calling build script. Does nothing when the variable is
/// absent (for example when the package is built without `torch-sys` as a direct dependency).
pub fn emit() {
    println!("cargo:rerun-if-env-changed={LIBTORCH_LIB_VAR}");
    if let Some(dir) = std::env::var_os(LIBTORCH_LIB_VAR) {
        for arg in link_args(Path::new(&dir)) {
            println!("cargo:rustc-link-arg={arg}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_only_dir_gets_rpath_only() {
        let dir = std::env::temp_dir().join("bs-torch-link-cpu-only");
        std::fs::create_dir_all(&dir).unwrap();
        let args = link_args(&dir);
        assert_eq!(args.len(), 1);
        assert!(args[0].starts_with("-Wl,-rpath,"));
    }

    #[test]
    fn cuda_dir_keeps_torch_cuda() {
        let dir = std::env::temp_dir().join("bs-torch-link-cuda");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("libtorch_cuda.so"), b"").unwrap();
        let args = link_args(&dir);
        assert_eq!(args[1], "-Wl,--no-as-needed,-ltorch_cuda,--as-needed");
    }
}
