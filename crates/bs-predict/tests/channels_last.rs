//! Channels-last (NHWC) inference, the default of `bonescan predict` because oneDNN's and cuDNN's
//! NHWC convolutions are faster: the probabilities agree with the standard NCHW layout within
//! float rounding, on a network with trained-looking batch-norm statistics. Also the precision
//! settings (fp16 autocast is CUDA-only).

use bs_model::{DoubleUNetConfig, Variant};
use bs_predict::model::Ensemble;
use bs_predict::{resolve, ModelRequest, PredictConfig};
use ndarray::Array2;
use tch::nn::VarStore;
use tch::{Device, Kind, Tensor};

#[test]
fn channels_last_probabilities_equal_nchw_within_1e_4() {
    let tmp = tempfile::tempdir().unwrap();
    // a quarter-width network (16…128 channels) at 64×64: oneDNN's real kernels, small cost
    let cfg = DoubleUNetConfig::new(Variant::ThreeClass)
        .with_width_multiplier(0.25)
        .with_input_size(64, 64);
    tch::manual_seed(11);
    let vs = VarStore::new(Device::Cpu);
    let _net = cfg.init(&vs.root()).unwrap();
    // batch-norm statistics away from (0, 1), as after training
    tch::no_grad(|| {
        for (name, mut v) in vs.variables() {
            if name.ends_with("running_mean") {
                v.copy_(&(Tensor::rand_like(&v) * 0.2 - 0.1));
            } else if name.ends_with("running_var") || name.ends_with("bn.weight") {
                v.copy_(&(Tensor::rand_like(&v) + 0.5));
            }
        }
    });
    let ckpt = tmp.path().join("model.safetensors");
    bs_model::checkpoint::save(&vs, &cfg, &ckpt).unwrap();
    let spec = resolve(&ModelRequest::new(&ckpt)).unwrap();

    let nchw = Ensemble::load_with_layout(&spec, Device::Cpu, false).unwrap();
    let nhwc = Ensemble::load_with_layout(&spec, Device::Cpu, true).unwrap();
    assert!(!nchw.channels_last() && nhwc.channels_last());
    assert!(PredictConfig::default().uses_channels_last(), "CPU default");

    let (rows, cols) = spec.prepare.prepared_shape();
    let image = Array2::from_shape_fn((rows, cols), |(r, c)| {
        (((r * 7 + c * 13) % 97) as f32 / 97.0 * 255.0).min(255.0)
    });
    let a = nchw.probabilities(&[image.view()]).unwrap();
    let b = nhwc.probabilities(&[image.view()]).unwrap();
    assert_eq!(a.size(), b.size());
    let diff = (&a - &b).abs().max().double_value(&[]);
    let scale = a.abs().max().double_value(&[]);
    assert!(scale > 0.1, "probabilities present: {scale}");
    assert!(
        diff <= 1e-4 * scale,
        "NHWC vs NCHW: max |Δp| = {diff:e} (scale {scale})"
    );
    // the classes still sum to one per pixel in both layouts
    let sums = b.sum_dim_intlist([1i64].as_slice(), false, Kind::Float);
    assert!((sums - 1.0).abs().max().double_value(&[]) < 1e-5);
}

#[test]
fn mixed_precision_is_the_cuda_default_and_refused_on_the_cpu() {
    let cpu = PredictConfig::default();
    assert!(!cpu.uses_mixed_precision(), "fp32 on the CPU");
    let cuda = PredictConfig {
        device: Device::Cuda(0),
        ..PredictConfig::default()
    };
    assert!(
        cuda.uses_mixed_precision(),
        "fp16 autocast on CUDA, as training validated"
    );
    assert!(cuda.uses_channels_last());
    let fp32 = PredictConfig {
        mixed_precision: Some(false),
        ..cuda
    };
    assert!(!fp32.uses_mixed_precision());
    let refused = PredictConfig {
        mixed_precision: Some(true),
        ..PredictConfig::default()
    };
    let err = refused.validate().unwrap_err().to_string();
    assert!(
        err.contains("mixed_precision") && err.contains("CUDA"),
        "{err}"
    );
}
