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
//! threads), `--layout nchw|nhwc|both` (network layouts timed, default both; the end-to-end
//! run uses the given one, or `bonescan predict`'s default for `both`), `--precision fp16|fp32`
//! (default `bonescan predict`'s: fp16 autocast on CUDA, fp32 on the CPU).
//!
//! It prints the network's convolution FLOPs (counted from the architecture), the network time
//! per scan in each layout with the GFLOP/s it reaches, a plain 3×3 convolution's GFLOP/s in
//! the same run (what the network could reach at best, so FLOPs / that rate is the floor of
//! the network time on this machine), and seconds per scan end to end through the pipeline of
//! `bonescan predict` (decode ∥ network ∥ write outputs). The load average before and after is
//! printed too: on a shared machine, compare numbers of one run only.

use std::path::{Path, PathBuf};
use std::time::Instant;

use bs_model::channels_last::to_channels_last;
use bs_model::{DoubleUNetConfig, Variant};
use bs_predict::{batch, FoldSelection, ModelRequest, PredictConfig, Predictor};
use tch::nn::VarStore;
use tch::{Device, Tensor};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

struct Settings {
    scans: usize,
    folds: usize,
    width: f64,
    pool: usize,
    device: Device,
    threads: Option<i32>,
    /// `Some(true)`: channels-last only, `Some(false)`: NCHW only, `None`: both.
    layout: Option<bool>,
    /// `--precision fp32` on CUDA (default: `bonescan predict`'s, fp16 autocast there).
    mixed_precision: Option<bool>,
}

fn settings() -> Result<Settings, BoxError> {
    let mut s = Settings {
        scans: 4,
        folds: 1,
        width: 1.0,
        pool: 1,
        device: Device::Cpu,
        threads: None,
        layout: None,
        mixed_precision: None,
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
            "--layout" => {
                s.layout = match value.as_str() {
                    "nchw" => Some(false),
                    "nhwc" | "channels-last" => Some(true),
                    "both" => None,
                    other => return Err(format!("--layout nchw|nhwc|both, got {other}").into()),
                }
            }
            "--precision" => {
                s.mixed_precision = match value.as_str() {
                    "fp16" => Some(true),
                    "fp32" => Some(false),
                    other => return Err(format!("--precision fp16|fp32, got {other}").into()),
                }
            }
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

/// Multiply-adds of one forward pass of the Double U-Net of `cfg` (convolutions only, the
/// layers of `bs_model::DoubleUNet`: VGG19, ASPP ×2, decoders 1 and 2, encoder 2, heads);
/// everything else (BN, ReLU, SE, pooling, upsampling) is memory-bound and not counted.
fn double_unet_macs(cfg: &DoubleUNetConfig) -> f64 {
    let c = |n: i64| cfg.channels(n) as f64;
    let (h, w) = (cfg.input_height as f64, cfg.input_width as f64);
    let px = |level: i32| h * w / 4f64.powi(level);
    let classes = cfg.variant.num_classes() as f64;
    let mut macs = 0.0;
    // VGG19: blocks at full, ½, ¼, ⅛, 1/16 size
    let mut c_in = 3.0;
    for (level, (ch, n)) in [(64, 2), (128, 2), (256, 4), (512, 4), (512, 4)]
        .into_iter()
        .enumerate()
    {
        for _ in 0..n {
            macs += 9.0 * c_in * c(ch) * px(level as i32);
            c_in = c(ch);
        }
    }
    let f = c(cfg.aspp_filters);
    let aspp = |c_in: f64| {
        let p = px(4);
        c_in * f + c_in * f * p + 3.0 * 9.0 * c_in * f * p + 5.0 * f * f * p
    };
    let block = |c_in: f64, c_out: f64, p: f64| 9.0 * c_in * c_out * p + 9.0 * c_out * c_out * p;
    let dec = [256, 128, 64, 32];
    let skip1 = [512, 256, 128, 64];
    let skip2 = [256, 128, 64, 32];
    // network 1
    macs += aspp(c(512));
    let mut c_in = f;
    for i in 0..4 {
        macs += block(c_in + c(skip1[i]), c(dec[i]), px(3 - i as i32));
        c_in = c(dec[i]);
    }
    macs += c_in * classes * px(0);
    // network 2
    let mut c_in = 3.0;
    for (i, ch) in [32, 64, 128, 256].into_iter().enumerate() {
        macs += block(c_in, c(ch), px(i as i32));
        c_in = c(ch);
    }
    macs += aspp(c_in);
    let mut c_in = f;
    for i in 0..4 {
        macs += block(
            c_in + c(skip1[i]) + c(skip2[i]),
            c(dec[i]),
            px(3 - i as i32),
        );
        c_in = c(dec[i]);
    }
    macs + c_in * classes * px(0)
}

/// GFLOP/s of a plain 3×3 convolution, 256 → 256 channels at 160×128 (a VGG19 block-3 layer
/// of the full-size network), in `layout`, best of 3 after a warm-up. Timed after every scan
/// of the network, so that its best comes from the same quiet moments as the network's.
fn conv_gflops(device: Device, channels_last: bool) -> f64 {
    let x = Tensor::rand([1, 256, 160, 128], (tch::Kind::Float, device));
    let w = Tensor::randn([256, 256, 3, 3], (tch::Kind::Float, device)) * 0.02;
    let (x, w) = if channels_last {
        (to_channels_last(&x), to_channels_last(&w))
    } else {
        (x, w)
    };
    let run = || {
        let y = tch::no_grad(|| x.conv2d(&w, None::<Tensor>, [1, 1], [1, 1], [1, 1], 1));
        if device.is_cuda() {
            tch::Cuda::synchronize(0);
        }
        drop(y);
    };
    run();
    let mut best = f64::INFINITY;
    for _ in 0..3 {
        let t = Instant::now();
        run();
        best = best.min(t.elapsed().as_secs_f64());
    }
    2.0 * 256.0 * 256.0 * 9.0 * 160.0 * 128.0 / best / 1e9
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}

fn main() -> Result<(), BoxError> {
    let s = settings()?;
    if let Some(t) = s.threads {
        tch::set_num_threads(t);
    }
    let load_before = load_average();
    let dir = std::env::temp_dir().join(format!("bench_predict_{}", std::process::id()));
    let run = write_model(&dir, &s)?;
    let inputs = write_scans(&dir.join("scans"), s.scans)?;
    let spec = bs_predict::resolve(&ModelRequest {
        path: run,
        folds: FoldSelection::All,
        arm: None,
    })?;
    let cfg = DoubleUNetConfig::new(Variant::ThreeClass)
        .with_width_multiplier(s.width)
        .with_input_size((640 / s.pool) as i64, (512 / s.pool) as i64);
    let gflop = 2.0 * double_unet_macs(&cfg) / 1e9 * s.folds as f64;
    println!(
        "bench_predict: {} scans, {} fold(s), input {}x{}, width {}, device {:?}, {} libtorch threads; load average before: {load_before}",
        inputs.len(),
        s.folds,
        640 / s.pool,
        512 / s.pool,
        s.width,
        s.device,
        tch::get_num_threads()
    );
    println!("  network: {gflop:.1} GFLOP per scan (convolutions, all folds)");

    // the network alone, in each layout: both loaded once and warmed up, then timed scan by
    // scan in alternation, so that load from other processes hits both alike; min and median
    let layouts: Vec<bool> = [false, true]
        .into_iter()
        .filter(|cl| s.layout.is_none_or(|l| l == *cl))
        .collect();
    let t0 = Instant::now();
    let mut predictors = Vec::new();
    for &cl in &layouts {
        predictors.push(Predictor::new(
            &spec,
            PredictConfig {
                device: s.device,
                channels_last: Some(cl),
                mixed_precision: s.mixed_precision,
                ..PredictConfig::default()
            },
        )?);
    }
    let load = t0.elapsed().as_secs_f64() / layouts.len() as f64;
    println!(
        "  precision: {}",
        if predictors[0].ensemble().mixed_precision() {
            "fp16 autocast"
        } else {
            "fp32"
        }
    );
    let t = Instant::now();
    let mut prepared = Vec::new();
    for p in &inputs {
        prepared.push(predictors[0].read_and_prepare(p)?);
    }
    println!(
        "  model load {load:.3} s; read + preprocess {:.3} s/scan (one thread)",
        t.elapsed().as_secs_f64() / inputs.len() as f64
    );
    let mut times: Vec<Vec<f64>> = vec![Vec::new(); layouts.len()];
    let mut conv = (0.0, false);
    for predictor in &predictors {
        predictor.segment(&[&prepared[0]])?; // warm-up: allocations, oneDNN kernels
    }
    for p in &prepared {
        for (k, predictor) in predictors.iter().enumerate() {
            let t = Instant::now();
            predictor.segment(&[p])?;
            if s.device.is_cuda() {
                tch::Cuda::synchronize(0);
            }
            times[k].push(t.elapsed().as_secs_f64());
        }
        // the plain convolution under the same conditions, in each layout; the best is kept
        for &cl in &layouts {
            let rate = conv_gflops(s.device, cl);
            if rate > conv.0 {
                conv = (rate, cl);
            }
        }
    }
    for (k, &cl) in layouts.iter().enumerate() {
        let mut v = times[k].clone();
        v.sort_by(f64::total_cmp);
        let (min, median) = (v[0], v[v.len() / 2]);
        println!(
            "  network (+ map back), {:<13} min {min:7.3} s/scan  median {median:7.3} s/scan  {:6.1} GFLOP/s at the min",
            if cl { "channels-last" } else { "NCHW" },
            gflop / min
        );
    }
    // the network alone (head-2 probabilities on the host, no decision or mapping back), one
    // scan per pass and four: what of the time above is the network, and what batching gives
    let predictor = &predictors[layouts.len() - 1];
    let views: Vec<_> = prepared.iter().map(|p| p.prepared.image.view()).collect();
    for batch in [1, 4.min(views.len())] {
        let mut v = Vec::new();
        for chunk in views.chunks(batch).filter(|c| c.len() == batch) {
            let t = Instant::now();
            let _probabilities = predictor.ensemble().probabilities(chunk)?;
            if s.device.is_cuda() {
                tch::Cuda::synchronize(0);
            }
            v.push(t.elapsed().as_secs_f64() / batch as f64);
        }
        v.sort_by(f64::total_cmp);
        println!(
            "  network alone, {} scan(s) a pass, {:<13} min {:7.4} s/scan  median {:7.4} s/scan",
            batch,
            if predictor.ensemble().channels_last() {
                "channels-last"
            } else {
                "NCHW"
            },
            v[0],
            v[v.len() / 2]
        );
    }
    // the writer thread's work per scan, alone
    let mut segs = Vec::new();
    for p in &prepared {
        segs.extend(predictors[0].segment(&[p])?);
    }
    let t = Instant::now();
    for (k, (p, seg)) in prepared.iter().zip(&segs).enumerate() {
        bs_predict::outputs::write_scan_outputs(
            &dir.join(format!("outputs_{k}")),
            p,
            seg,
            &predictors[0].spec().identity,
            predictors[0].config(),
            true,
        )?;
    }
    println!(
        "  write outputs (overlay, masks, report, SEG) {:.3} s/scan (one thread)",
        t.elapsed().as_secs_f64() / inputs.len() as f64
    );
    drop(predictors);
    println!(
        "  plain 3x3 conv 256->256 @160x128, best layout ({}): {:.1} GFLOP/s -> network floor at that rate {:.3} s/scan",
        if conv.1 { "channels-last" } else { "NCHW" },
        conv.0,
        gflop / conv.0
    );

    // end to end: `bonescan predict`'s pipeline (decode ∥ network ∥ write), default layout
    let predictor = Predictor::new(
        &spec,
        PredictConfig {
            device: s.device,
            channels_last: s.layout,
            ..PredictConfig::default()
        },
    )?;
    predictor.segment(&[&prepared[0]])?;
    let scans: Vec<batch::ScanInput> = inputs.iter().map(batch::ScanInput::single).collect();
    // when each scan's outputs are written: the gaps are the steady-state time per scan
    let done = std::sync::Mutex::new(vec![Instant::now()]);
    let summary = batch::predict_all(&predictor, &scans, &dir.join("out"), &|_, _| {
        done.lock().expect("not poisoned").push(Instant::now());
    })?;
    let done = done.into_inner().expect("not poisoned");
    let min_gap = done
        .windows(2)
        .skip(1) // the first scan also waits for its decoding
        .map(|w| (w[1] - w[0]).as_secs_f64())
        .fold(f64::INFINITY, f64::min);
    let end_to_end = summary.seconds / inputs.len() as f64;
    println!(
        "  end to end, all outputs ({}) {end_to_end:8.3} s/scan  {:7.2} scans/s  (min gap between scans {min_gap:.3} s; {} failed)",
        if predictor.ensemble().channels_last() {
            "channels-last"
        } else {
            "NCHW"
        },
        1.0 / end_to_end,
        summary.failed
    );
    println!("  load average after: {}", load_average());
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}
