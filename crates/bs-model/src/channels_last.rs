//! Channels-last (NHWC) memory layout without a memory-format API.
//!
//! tch 0.24 exposes no `memory_format` argument, but libtorch picks its NHWC convolution
//! kernels (cuDNN on tensor cores) from the *strides* of the input and weight tensors. A tensor
//! of shape N×C×H×W whose strides are `(H·W·C, 1, W·C, C)` is channels-last; it is obtained by
//! permuting to N×H×W×C, making that contiguous, and permuting back:
//! `x.permute([0, 2, 3, 1]).contiguous().permute([0, 3, 1, 2])`. Shapes and results are
//! unchanged; only the layout (and speed, on GPUs with tensor cores) differs. Convert the
//! model once ([`convert_var_store`]) and every input batch ([`to_channels_last`]).

use tch::nn::VarStore;
use tch::Tensor;

/// The same 4-D tensor with NHWC strides (other ranks are returned unchanged).
pub fn to_channels_last(x: &Tensor) -> Tensor {
    if x.dim() != 4 {
        return x.shallow_clone();
    }
    x.permute([0, 2, 3, 1]).contiguous().permute([0, 3, 1, 2])
}

/// Whether a 4-D tensor has NHWC strides (channel stride 1, the others decreasing H, W, N).
pub fn is_channels_last(x: &Tensor) -> bool {
    if x.dim() != 4 {
        return false;
    }
    let size = x.size();
    let stride = x.stride();
    let (c, h, w) = (size[1], size[2], size[3]);
    stride[1] == 1
        && stride[3] == c
        && stride[2] == w * c
        && (size[0] == 1 || stride[0] == h * w * c)
}

/// Gives every 4-D variable of the store (the convolution kernels) NHWC strides in place.
///
/// Do it before creating the optimiser so its state tensors are created in the same layout.
/// Values, names and saved checkpoints are unchanged.
pub fn convert_var_store(vs: &VarStore) {
    tch::no_grad(|| {
        for (_, mut var) in vs.variables() {
            if var.dim() == 4 && !is_channels_last(&var) {
                let nhwc = to_channels_last(&var);
                var.set_data(&nhwc);
            }
        }
    });
}
