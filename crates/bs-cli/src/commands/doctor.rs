//! `bonescan doctor`: what this machine offers the network (libtorch, CUDA, cuDNN, threads).

use super::CliResult;

/// Options of `bonescan doctor`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Print one JSON object instead of `key: value` lines.
    #[arg(long)]
    json: bool,
}

/// The facts `doctor` reports, in print order.
fn facts() -> Vec<(&'static str, String)> {
    let cuda = tch::Cuda::is_available();
    let device_count = tch::Cuda::device_count();
    let device_name = if cuda {
        cuda_device_name()
    } else {
        "none".to_owned()
    };
    vec![
        ("bonescan", env!("CARGO_PKG_VERSION").to_owned()),
        ("tch", TCH_VERSION.to_owned()),
        ("libtorch", libtorch_version()),
        ("torch_lib", torch_lib_dir()),
        ("cuda", cuda.to_string()),
        ("cudnn", tch::Cuda::cudnn_is_available().to_string()),
        ("cuda_devices", device_count.to_string()),
        ("device", device_name),
        ("cpu_threads", tch::get_num_threads().to_string()),
        (
            "cpu_cores",
            std::thread::available_parallelism()
                .map(|n| n.get().to_string())
                .unwrap_or_else(|_| "unknown".to_owned()),
        ),
    ]
}

/// The tch version this binary was built with (kept in step with the workspace pin).
const TCH_VERSION: &str = "0.24.0";

/// The libtorch version. libtorch has no C API for it, but the PyPI package it comes from records
/// it in `torch/version.py`, one directory above the loaded `lib/`.
fn libtorch_version() -> String {
    let lib = torch_lib_dir();
    let version_py = std::path::Path::new(&lib)
        .parent()
        .map(|torch_dir| torch_dir.join("version.py"));
    version_py
        .and_then(|p| std::fs::read_to_string(p).ok())
        .and_then(|text| {
            text.lines()
                .find(|l| l.starts_with("__version__"))
                .and_then(|l| l.split('\'').nth(1).map(str::to_owned))
        })
        .unwrap_or_else(|| "unknown (no torch/version.py beside the library)".to_owned())
}

/// The directory this binary loads libtorch from, found through the dynamic loader's map of the
/// running process (`/proc/self/maps`), so it is the truth even when an rpath or
/// `LD_LIBRARY_PATH` redirected the load.
fn torch_lib_dir() -> String {
    std::fs::read_to_string("/proc/self/maps")
        .ok()
        .and_then(|maps| {
            maps.lines()
                .filter_map(|l| l.split_whitespace().nth(5))
                .find(|p| p.ends_with("/libtorch_cpu.so"))
                .and_then(|p| {
                    std::path::Path::new(p)
                        .parent()
                        .map(|d| d.display().to_string())
                })
        })
        .unwrap_or_else(|| "unknown".to_owned())
}

/// Name of CUDA device 0. tch 0.24 has no device-properties API, so ask `nvidia-smi`, which every
/// NVIDIA driver installation ships.
fn cuda_device_name() -> String {
    std::process::Command::new("nvidia-smi")
        .args(["--query-gpu=name", "--format=csv,noheader", "-i", "0"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "cuda:0 (name unavailable)".to_owned())
}

/// Runs `bonescan doctor`.
pub fn run(args: &Args) -> CliResult {
    let facts = facts();
    if args.json {
        let object: serde_json::Map<String, serde_json::Value> = facts
            .into_iter()
            .map(|(k, v)| (k.to_owned(), serde_json::Value::String(v)))
            .collect();
        println!("{}", serde_json::Value::Object(object));
    } else {
        for (key, value) in facts {
            println!("{key}: {value}");
        }
    }
    Ok(())
}
