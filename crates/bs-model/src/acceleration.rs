//! Switches for fast training on CUDA: fp16 autocast and cuDNN benchmark mode.
//!
//! With no GPU both are harmless: autocast runs the closure unchanged and the cuDNN flag is
//! ignored. See [`crate::channels_last`] for the NHWC layout and [`crate::loss_scaler`] for the
//! loss scaling that fp16 training needs.

/// Runs `f` (a forward pass and the loss) under libtorch autocast when `enabled` and CUDA is
/// available: convolutions and matrix products in fp16, reductions and SoftMax in fp32.
/// Back-propagate outside the closure, scaling the loss with a
/// [`crate::DynamicLossScaler`].
pub fn with_mixed_precision<T>(enabled: bool, f: impl FnOnce() -> T) -> T {
    if enabled {
        tch::autocast(true, f)
    } else {
        f()
    }
}

/// Lets cuDNN time its convolution algorithms on the first call of each shape and keep the
/// fastest (`torch.backends.cudnn.benchmark = True`); worthwhile because every batch of the
/// paper's training has the same 640×512 size.
pub fn set_cudnn_benchmark(enabled: bool) {
    tch::Cuda::cudnn_set_benchmark(enabled);
}
