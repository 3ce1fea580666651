//! Atrous spatial pyramid pooling, as in the Keras Double U-Net.

use tch::nn;
use tch::Tensor;

use super::conv_bn_relu::ConvBnReluSpec;
use super::ConvBnRelu;

/// ASPP with `f` filters (64 in the paper's network) over a bottleneck `x` (N×C×h×w):
///
/// - `y₁ = up(CBR₁ₓ₁(GAP(x)))`: image pooling — global average over h×w, 1×1 convolution
///   *with* bias, BN, ReLU, then bilinear upsampling of the 1×1 map back to h×w (which is a
///   broadcast of the one value per channel);
/// - `y₂ = CBR₁ₓ₁(x)`; `y₃, y₄, y₅ = CBR₃ₓ₃,d(x)` with dilation `d` = 6, 12, 18;
///   these four convolutions have no bias (`use_bias=False` in the Keras code);
/// - `y = CBR₁ₓ₁([y₁, y₂, y₃, y₄, y₅])` without bias: concatenation over channels (5f) and
///   reduction to f.
///
/// VarStore names: `<path>.{pool,branch1,branch6,branch12,branch18,project}.{conv,bn}.*`.
#[derive(Debug)]
pub struct Aspp {
    pool: ConvBnRelu,
    branch1: ConvBnRelu,
    dilated: [ConvBnRelu; 3],
    project: ConvBnRelu,
}

/// Dilation rates of the three 3×3 branches.
pub(crate) const ASPP_DILATIONS: [i64; 3] = [6, 12, 18];

impl Aspp {
    pub(crate) fn new(
        path: &nn::Path<'_>,
        c_in: i64,
        filters: i64,
        bn: nn::BatchNormConfig,
    ) -> Self {
        let spec = |c_in, kernel, dilation, bias| ConvBnReluSpec {
            c_in,
            c_out: filters,
            kernel,
            dilation,
            bias,
        };
        let dilated = ASPP_DILATIONS
            .map(|d| ConvBnRelu::new(&(path / format!("branch{d}")), spec(c_in, 3, d, false), bn));
        Aspp {
            pool: ConvBnRelu::new(&(path / "pool"), spec(c_in, 1, 1, true), bn),
            branch1: ConvBnRelu::new(&(path / "branch1"), spec(c_in, 1, 1, false), bn),
            dilated,
            project: ConvBnRelu::new(&(path / "project"), spec(5 * filters, 1, 1, false), bn),
        }
    }

    /// Applies ASPP.
    pub fn forward_t(&self, x: &Tensor, train: bool) -> Tensor {
        let size = x.size();
        let pooled = x.mean_dim([2i64, 3].as_slice(), true, None);
        let y1 = self
            .pool
            .forward_t(&pooled, train)
            .expand([size[0], -1, size[2], size[3]], false);
        let mut branches = vec![y1, self.branch1.forward_t(x, train)];
        branches.extend(self.dilated.iter().map(|b| b.forward_t(x, train)));
        self.project.forward_t(&Tensor::cat(&branches, 1), train)
    }
}
