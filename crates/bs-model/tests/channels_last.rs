//! Channels-last (NHWC strides) changes the layout, not the numbers.

mod common;

use tch::{Device, Kind, Tensor};

use bs_model::channels_last::{convert_var_store, is_channels_last, to_channels_last};
use bs_model::Variant;
use bs_testdata_torch::{perturb_batch_norm_and_biases, relative_error};
use common::tiny;

#[test]
fn strides_become_nhwc_and_values_stay() {
    let x = Tensor::rand([2, 3, 8, 4], (Kind::Float, Device::Cpu));
    assert!(!is_channels_last(&x));
    let y = to_channels_last(&x);
    assert!(is_channels_last(&y));
    assert_eq!(y.size(), x.size());
    assert_eq!(y.stride(), [8 * 4 * 3, 1, 4 * 3, 3]);
    assert!(y.equal(&x));
}

#[test]
fn channels_last_model_gives_the_same_outputs() {
    let (vs, model) = tiny(Variant::ThreeClass, 0.125, 32, 8);
    perturb_batch_norm_and_biases(&vs);
    let x = Tensor::rand([2, 3, 32, 32], (Kind::Float, Device::Cpu));
    let reference = tch::no_grad(|| model.forward_t(&x, false));
    convert_var_store(&vs);
    let kernel = &vs.variables()["decoder2.0.conv_bn1.conv.weight"];
    assert!(
        is_channels_last(kernel),
        "kernels converted in place: {:?}",
        kernel.stride()
    );
    let nhwc = tch::no_grad(|| model.forward_t(&to_channels_last(&x), false));
    for (a, b) in [(&nhwc.out1, &reference.out1), (&nhwc.out2, &reference.out2)] {
        let err = relative_error(a, b);
        assert!(err < 1e-5, "channels-last changed the output: {err:e}");
    }
}
