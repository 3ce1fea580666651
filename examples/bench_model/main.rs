//! Throughput of the Double U-Net (bs-model) against the PyTorch reference doing the same work.
//!
//! Times a training step (forward in train mode, soft-Dice loss on both heads, backward, Adam)
//! and inference (eval mode, no gradients) for every batch size × {fp32, fp16 autocast with
//! dynamic loss scaling} × {NCHW, channels-last}, then runs `python/reference/double_unet.py
//! bench` (plain PyTorch eager, `torch.autocast` + `GradScaler`, `channels_last` memory format)
//! on the same configurations and prints images per second and the ratio Rust / PyTorch.
//!
//! ```text
//! cargo run --release --example bench_model                 # 640×512, batch 4 and 16, CUDA
//! cargo run --release --example bench_model -- --quick      # CPU-sized: 128×128, width ¼
//! ```
//!
//! See `examples/bench_model/README.md` for all flags.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use bs_model::channels_last::{convert_var_store, to_channels_last};
use bs_model::{
    set_cudnn_benchmark, with_mixed_precision, DoubleUNetConfig, LossScalerConfig, Variant,
};
use tch::nn::{Adam, OptimizerConfig, VarStore};
use tch::{Device, Kind, Tensor};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Command-line settings.
#[derive(Debug, Clone)]
struct Settings {
    device: Device,
    height: i64,
    width: i64,
    width_multiplier: f64,
    batches: Vec<i64>,
    iters: usize,
    warmup: usize,
    variant: Variant,
    threads: Option<i32>,
    python: bool,
}

impl Settings {
    fn parse() -> Result<Self, BoxError> {
        let mut s = Settings {
            device: Device::cuda_if_available(),
            height: 640,
            width: 512,
            width_multiplier: 1.0,
            batches: vec![4, 16],
            iters: 10,
            warmup: 3,
            variant: Variant::ThreeClass,
            threads: None,
            python: true,
        };
        let mut args = std::env::args().skip(1);
        while let Some(flag) = args.next() {
            let mut value = || args.next().ok_or_else(|| format!("{flag} needs a value"));
            match flag.as_str() {
                "--quick" => {
                    s.height = 128;
                    s.width = 128;
                    s.width_multiplier = 0.25;
                    s.batches = vec![4, 16];
                    s.iters = 3;
                    s.warmup = 1;
                    // One intra-op thread: on a small shared CPU libtorch's pool spins.
                    s.threads = Some(1);
                }
                "--device" => {
                    s.device = match value()?.as_str() {
                        "cpu" => Device::Cpu,
                        "cuda" => Device::Cuda(0),
                        other => return Err(format!("--device: cpu or cuda, got {other}").into()),
                    }
                }
                "--height" => s.height = value()?.parse()?,
                "--width" => s.width = value()?.parse()?,
                "--width-multiplier" => s.width_multiplier = value()?.parse()?,
                "--batches" => {
                    s.batches = value()?
                        .split(',')
                        .map(str::parse)
                        .collect::<Result<_, _>>()?;
                }
                "--iters" => s.iters = value()?.parse()?,
                "--warmup" => s.warmup = value()?.parse()?,
                "--threads" => s.threads = Some(value()?.parse()?),
                "--binary" => s.variant = Variant::Binary,
                "--no-python" => s.python = false,
                "--help" | "-h" => {
                    println!("{}", include_str!("README.md"));
                    std::process::exit(0);
                }
                other => return Err(format!("unknown flag {other} (see --help)").into()),
            }
        }
        if s.iters == 0 || s.batches.iter().any(|&b| b < 2) {
            return Err("--iters must be ≥ 1 and every batch ≥ 2 (batch norm in training)".into());
        }
        Ok(s)
    }

    fn config(&self) -> DoubleUNetConfig {
        DoubleUNetConfig::new(self.variant)
            .with_width_multiplier(self.width_multiplier)
            .with_input_size(self.height, self.width)
    }
}

/// One timed configuration.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Run {
    train: bool,
    batch: i64,
    amp: bool,
    channels_last: bool,
}

impl Run {
    fn json(&self) -> serde_json::Value {
        serde_json::json!({
            "mode": if self.train { "train" } else { "infer" },
            "batch": self.batch,
            "amp": self.amp,
            "channels_last": self.channels_last,
        })
    }
}

/// `1 − (2 Σ p·t + 1) / (Σ p + Σ t + 1)`, the loss the PyTorch side uses too.
fn soft_dice(p: &Tensor, t: &Tensor) -> Tensor {
    let inter = (p * t).sum(Kind::Float);
    1.0 - (inter * 2.0 + 1.0) / (p.sum(Kind::Float) + t.sum(Kind::Float) + 1.0)
}

fn synchronize(device: Device) {
    if let Device::Cuda(i) = device {
        tch::Cuda::synchronize(i as i64);
    }
}

/// Images per second of the Rust model for one configuration.
fn time_rust(s: &Settings, run: Run) -> Result<f64, BoxError> {
    tch::manual_seed(0);
    let vs = VarStore::new(s.device);
    let model = s.config().init(&vs.root())?;
    if run.channels_last {
        convert_var_store(&vs);
    }
    let mut opt = Adam::default().build(&vs, 1e-4)?;
    let mut scaler = LossScalerConfig::default().init()?;
    let vars = vs.trainable_variables();
    let classes = s.variant.num_classes();
    let mut x = Tensor::rand([run.batch, 3, s.height, s.width], (Kind::Float, s.device));
    if run.channels_last {
        x = to_channels_last(&x);
    }
    let target = Tensor::rand(
        [run.batch, classes, s.height, s.width],
        (Kind::Float, s.device),
    )
    .gt(0.5)
    .to_kind(Kind::Float);
    let amp = run.amp && s.device.is_cuda();
    let mut step = || {
        if run.train {
            let out = with_mixed_precision(amp, || model.forward_t(&x, true));
            let loss = soft_dice(&out.out1.to_kind(Kind::Float), &target)
                + soft_dice(&out.out2.to_kind(Kind::Float), &target);
            if amp {
                scaler.backward_step(&mut opt, &vars, &loss);
            } else {
                opt.backward_step(&loss);
            }
        } else {
            tch::no_grad(|| with_mixed_precision(amp, || model.forward_t(&x, false)));
        }
    };
    for _ in 0..s.warmup {
        step();
    }
    synchronize(s.device);
    let start = Instant::now();
    for _ in 0..s.iters {
        step();
    }
    synchronize(s.device);
    Ok(run.batch as f64 * s.iters as f64 / start.elapsed().as_secs_f64())
}

/// Images per second of the PyTorch reference for every configuration (one Python process).
fn time_pytorch(s: &Settings, runs: &[Run], dir: &Path) -> Result<Vec<Option<f64>>, BoxError> {
    // A binary copied to another machine (the GPU host has PyTorch but no build tree) runs from
    // a checkout there: fall back to the current directory and to the system's python3.
    let built_in = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let root = if built_in.exists() {
        built_in
    } else {
        std::env::current_dir()?
    };
    let python = std::env::var_os("BONESCAN_PYTHON")
        .map(PathBuf::from)
        .or_else(|| Some(root.join(".venv/bin/python")).filter(|p| p.exists()))
        .unwrap_or_else(|| PathBuf::from("python3"));
    let spec = serde_json::json!({
        "device": if s.device.is_cuda() { "cuda" } else { "cpu" },
        "height": s.height,
        "width": s.width,
        "iters": s.iters,
        "warmup": s.warmup,
        "threads": s.threads.unwrap_or_else(tch::get_num_threads),
        "config": s.config(),
        "runs": runs.iter().map(Run::json).collect::<Vec<_>>(),
    });
    let spec_path = dir.join("bench_spec.json");
    std::fs::write(&spec_path, spec.to_string())?;
    let out = Command::new(&python)
        .arg(root.join("python/reference/double_unet.py"))
        .arg("bench")
        .arg(&spec_path)
        .output()?;
    if !out.status.success() {
        return Err(format!(
            "PyTorch reference failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        )
        .into());
    }
    let lines: Vec<serde_json::Value> = String::from_utf8(out.stdout)?
        .lines()
        .map(serde_json::from_str)
        .collect::<Result<_, _>>()?;
    Ok(runs
        .iter()
        .map(|run| {
            let key = run.json();
            lines
                .iter()
                .find(|l| {
                    ["mode", "batch", "amp", "channels_last"]
                        .iter()
                        .all(|k| l[k] == key[k])
                })
                .and_then(|l| l["img_per_s"].as_f64())
        })
        .collect())
}

fn main() -> Result<(), BoxError> {
    let s = Settings::parse()?;
    if let Some(n) = s.threads {
        tch::set_num_threads(n);
    }
    if s.device.is_cuda() {
        set_cudnn_benchmark(true);
    }
    let mut runs = Vec::new();
    for train in [true, false] {
        for &batch in &s.batches {
            for amp in [false, true] {
                for channels_last in [false, true] {
                    runs.push(Run {
                        train,
                        batch,
                        amp,
                        channels_last,
                    });
                }
            }
        }
    }
    // fp16 autocast exists only on CUDA: on the CPU those rows would time fp32 again.
    if !s.device.is_cuda() {
        runs.retain(|r| !r.amp);
    }
    println!(
        "Double U-Net ({}) {}×{} width ×{} on {:?}, {} timed steps after {} warm-up, libtorch threads {}",
        s.variant,
        s.height,
        s.width,
        s.width_multiplier,
        s.device,
        s.iters,
        s.warmup,
        s.threads.unwrap_or_else(tch::get_num_threads)
    );
    let rust: Vec<f64> = runs
        .iter()
        .map(|&r| time_rust(&s, r))
        .collect::<Result<_, _>>()?;
    let dir = std::env::temp_dir().join(format!("bonescan-bench-model-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let torch = if s.python {
        time_pytorch(&s, &runs, &dir)?
    } else {
        vec![None; runs.len()]
    };
    let _ = std::fs::remove_dir_all(&dir);

    println!("| mode | batch | precision | layout | Rust img/s | PyTorch img/s | Rust / PyTorch |");
    println!("|---|---:|---|---|---:|---:|---:|");
    for ((run, r), t) in runs.iter().zip(&rust).zip(&torch) {
        let (t_cell, ratio) = match t {
            Some(t) => (format!("{t:.2}"), format!("{:.2}", r / t)),
            None => ("–".into(), "–".into()),
        };
        println!(
            "| {} | {} | {} | {} | {r:.2} | {t_cell} | {ratio} |",
            if run.train { "train" } else { "infer" },
            run.batch,
            if run.amp { "fp16 autocast" } else { "fp32" },
            if run.channels_last {
                "channels-last"
            } else {
                "NCHW"
            },
        );
    }
    if !s.device.is_cuda() {
        println!(
            "(no CUDA: fp16 autocast rows skipped; autocast and cuDNN benchmark are CUDA-only)"
        );
    }
    Ok(())
}
