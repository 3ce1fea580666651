//! Fuzz target: any bytes as the ImageNet VGG19 weights a user converts (`bonescan weights
//! vgg19 --from FILE`: a torchvision `torch.save` zip archive or a Keras HDF5 file) give the
//! converted encoder or a typed error, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../../../bs-preprocess/fuzz/fuzz_targets/scratch.rs"]
mod scratch;

fuzz_target!(|data: &[u8]| {
    let dir = scratch::dir();
    let from = dir.join("vgg19.weights");
    let out = dir.join("encoder.safetensors");
    std::fs::write(&from, data).expect("scratch file");
    if let Ok(conversion) = bs_model::imagenet::convert_vgg19(&from, &out) {
        assert_eq!(
            conversion.mapped.len(),
            32,
            "VGG19's 16 convolutions, weight and bias"
        );
    }
});
