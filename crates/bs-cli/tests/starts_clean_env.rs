//! The built `bonescan` binary must start with a clean environment (no `LD_LIBRARY_PATH`) and keep
//! `libtorch_cuda.so` linked, or CUDA is invisible on a GPU machine (see bs-torch-link).

use std::process::Command;

fn bonescan_clean_env(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_bonescan"))
        .args(args)
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .output()
        .expect("spawn bonescan")
}

#[test]
fn doctor_runs_without_ld_library_path() {
    let out = bonescan_clean_env(&["doctor"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "bonescan doctor failed in a clean environment:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let field = |key: &str| {
        stdout
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{key}: ")))
            .unwrap_or_else(|| panic!("doctor printed no {key}:\n{stdout}"))
            .to_owned()
    };
    assert_eq!(field("libtorch"), "2.11.0+cu130");
    assert_eq!(field("tch"), "0.24.0");
    assert!(field("cuda") == "true" || field("cuda") == "false");
    assert!(field("torch_lib").ends_with("/torch/lib"), "{stdout}");
    assert!(field("cpu_threads").parse::<u32>().unwrap() >= 1);
}

#[test]
fn doctor_json_is_one_object() {
    let out = bonescan_clean_env(&["doctor", "--json"]);
    assert!(out.status.success());
    let value: serde_json::Value = serde_json::from_slice(&out.stdout).expect("doctor --json");
    assert_eq!(value["tch"], "0.24.0");
    assert!(value["cuda"] == "true" || value["cuda"] == "false");
}

#[test]
fn version_names_the_package_version() {
    let out = bonescan_clean_env(&["--version"]);
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        format!("bonescan {}", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn binary_keeps_libtorch_cuda_needed() {
    // The pip torch wheel is a CUDA build, so libtorch_cuda.so must be in DT_NEEDED.
    let out = Command::new("readelf")
        .args(["-d", env!("CARGO_BIN_EXE_bonescan")])
        .output()
        .expect("readelf (binutils) is needed for this check");
    let dynamic = String::from_utf8_lossy(&out.stdout);
    assert!(
        dynamic.contains("[libtorch_cuda.so]"),
        "libtorch_cuda.so dropped from NEEDED:\n{dynamic}"
    );
    assert!(
        dynamic.contains("RUNPATH") || dynamic.contains("RPATH"),
        "no rpath to libtorch:\n{dynamic}"
    );
}
