//! Fuzz target: any text as a Labelme annotation, read and rasterised as `bonescan
//! labelme-to-mask` does (at the declared or embedded image size), must give a mask or a typed
//! error — never a panic — within libFuzzer's -rss_limit_mb.
#![no_main]

use bs_masks::labelme::{
    rasterize, rasterize_shape, LabelMap, LabelmeDocument, UnknownLabelPolicy,
};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(doc) = LabelmeDocument::from_json(text, "fuzz-input.json") else {
        return;
    };
    let _ = doc.check_embedded_size();
    let Ok((width, height)) = doc.image_size() else {
        return;
    };
    let labels = LabelMap::new()
        .with("metastasis", 1)
        .with_unknown(UnknownLabelPolicy::Skip);
    if let Ok(mask) = rasterize(&doc, &labels, width, height) {
        assert_eq!(mask.dim(), (height, width));
        let shape = rasterize_shape(&doc, 0, width, height).expect("rasterize checked the shapes");
        assert_eq!(shape.dim(), (height, width));
    }
});
