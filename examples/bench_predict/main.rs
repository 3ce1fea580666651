//! Throughput of `bonescan predict` (bs-predict): scans per second end to end (DICOM read,
//! preprocessing, network, mapping back, overlay/masks/report/SEG written) and of the network
//! alone, on synthetic whole-body scans (bs-phantom) with a randomly initialised Double U-Net
//! (weights do not change the cost).
//!
//! ```text
//! cargo run --release --example bench_predict                       # full size: 640×512, width 1, 1 fold, CPU
//! cargo run --release --example bench_predict -- --folds 10         # the 10-fold ensemble
//! cargo run --release --example bench_predict -- --device cuda --scans 32
//! cargo run --release --example bench_predict -- --width 0.125 --pool 8   # the `quick` profile
//! ```
//!
//! Flags: `--scans N` (default 4), `--folds K` (networks averaged, default 1), `--width W`
//! (channel multiplier, default 1), `--pool P` (prepared pixels per network pixel in each
//! direction, default 1 = 640×512 input), `--device cpu|cuda`, `--threads T` (libtorch CPU
//! threads).

use std::path::{Path, PathBuf};
use std::time::Instant;

use bs_model::{DoubleUNetConfig, Variant};
use bs_predict::{batch, FoldSelection, ModelRequest, PredictConfig, Predictor};
use tch::nn::VarStore;
use tch::Device;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

struct Settings {
    scans: usize,
    folds: usize,
    width: f64,
    pool: usize,
    device: Device,
    threads: Option<i32>,
}

fn settings() -> Result<Settings, BoxError> {
    let mut s = Settings {
        scans: 4,
        folds: 1,
        width: 1.0,
        pool: 1,
        device: Device::Cpu,
        threads: None,
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut i = 0;
    while i < args.len() {
        let value = args
            .get(i + 1)
            .ok_or(format!("{} needs a value", args[i]))?;
        match args[i].as_str() {
            "--scans" => s.scans = value.parse()?,
            "--folds" => s.folds = value.parse()?,
            "--width" => s.width = value.parse()?,
            "--pool" => s.pool = value.parse()?,
            "--device" => s.device = PredictConfig::parse_device(value)?,
            "--threads" => s.threads = Some(value.parse()?),
            other => return Err(format!("unknown flag {other}").into()),
        }
        i += 2;
    }
    if s.scans == 0 || s.folds == 0 || s.pool == 0 || 640 % (16 * s.pool) != 0 {
        return Err("--scans, --folds ≥ 1; --pool must divide 40 (640/16) and 32".into());
    }
    Ok(s)
}

/// A bs-train-like run directory of `folds` random networks with the paper's preprocessing.
fn write_model(dir: &Path, s: &Settings) -> Result<PathBuf, BoxError> {
    let run = dir.join("run");
    let cfg = DoubleUNetConfig::new(Variant::ThreeClass)
        .with_width_multiplier(s.width)
        .with_input_size((640 / s.pool) as i64, (512 / s.pool) as i64);
    for k in 1..=s.folds {
        let fold = run.join(format!("dice/fold_{k}"));
        std::fs::create_dir_all(&fold)?;
        tch::manual_seed(k as i64);
        let vs = VarStore::new(Device::Cpu);
        let _net = cfg.init(&vs.root())?;
        bs_model::checkpoint::save(&vs, &cfg, &fold.join("model.safetensors"))?;
    }
    let run_json = serde_json::json!({
        "experiment": "bench", "input_size": [640 / s.pool, 512 / s.pool],
        "profile": {"name": "bench", "pool_rows": s.pool, "pool_cols": s.pool, "width_multiplier": s.width},
        "data": dir.join("none"), "version": env!("CARGO_PKG_VERSION"),
    });
    std::fs::write(run.join("run.json"), run_json.to_string())?;
    std::fs::write(
        run.join("experiment.toml"),
        format!(
            "name = \"bench\"\nlosses = [\"dice\"]\n[training]\nfolds = {}\n",
            s.folds
        ),
    )?;
    std::fs::write(
        run.join("prepare.json"),
        serde_json::to_string(&bs_preprocess::PrepareConfig::default())?,
    )?;
    Ok(run)
}

fn write_scans(dir: &Path, n: usize) -> Result<Vec<PathBuf>, BoxError> {
    let spec = bs_phantom::CohortSpec::paper();
    let patients: Vec<_> = spec.patients().into_iter().take(n).collect();
    std::fs::create_dir_all(dir)?;
    let mut paths = Vec::new();
    for p in &patients {
        let patient = bs_phantom::generate_patient(5, p, &spec.phantom);
        let path = dir.join(format!("{}.dcm", p.patient_id));
        let meta = bs_dicom::write::NmWriteMeta::synthetic(&p.patient_id, 5);
        bs_dicom::write::write_whole_body_nm(
            &path,
            patient.anterior.view(),
            patient.posterior.view(),
            &meta,
        )?;
        paths.push(path);
    }
    Ok(paths)
}

fn main() -> Result<(), BoxError> {
    let s = settings()?;
    if let Some(t) = s.threads {
        tch::set_num_threads(t);
    }
    let dir = std::env::temp_dir().join(format!("bench_predict_{}", std::process::id()));
    let run = write_model(&dir, &s)?;
    let inputs = write_scans(&dir.join("scans"), s.scans)?;
    let t0 = Instant::now();
    let spec = bs_predict::resolve(&ModelRequest {
        path: run,
        folds: FoldSelection::All,
        arm: None,
    })?;
    let predictor = Predictor::new(
        &spec,
        PredictConfig {
            device: s.device,
            ..PredictConfig::default()
        },
    )?;
    let load = t0.elapsed().as_secs_f64();
    // warm-up (libtorch allocations, oneDNN kernels) on the first scan
    let first = predictor.read_and_prepare(&inputs[0])?;
    predictor.segment(&[&first])?;

    let t = Instant::now();
    let mut prepared = Vec::new();
    for p in &inputs {
        prepared.push(predictor.read_and_prepare(p)?);
    }
    let read_prepare = t.elapsed().as_secs_f64() / inputs.len() as f64;
    let t = Instant::now();
    for p in &prepared {
        predictor.segment(&[p])?;
        if s.device.is_cuda() {
            tch::Cuda::synchronize(0);
        }
    }
    let network = t.elapsed().as_secs_f64() / inputs.len() as f64;
    let scans: Vec<batch::ScanInput> = inputs.iter().map(batch::ScanInput::single).collect();
    let summary = batch::predict_all(&predictor, &scans, &dir.join("out"), &|_, _| {})?;
    let end_to_end = summary.seconds / inputs.len() as f64;
    println!(
        "bench_predict: {} scans, {} fold(s), input {}x{}, width {}, device {:?}, {} libtorch threads",
        inputs.len(),
        s.folds,
        640 / s.pool,
        512 / s.pool,
        s.width,
        s.device,
        tch::get_num_threads()
    );
    println!("  model load                 {load:8.3} s");
    println!("  read + preprocess          {read_prepare:8.3} s/scan");
    println!(
        "  network (+ map back)       {network:8.3} s/scan   {:7.2} scans/s",
        1.0 / network
    );
    println!(
        "  end to end, all outputs    {end_to_end:8.3} s/scan   {:7.2} scans/s  ({} failed)",
        1.0 / end_to_end,
        summary.failed
    );
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}
