//! `bonescan weights vgg19` through the built binary: a Keras notop file written by h5py
//! converts, the output names the source's sha256 (computed by Python's hashlib) and the 32
//! encoder tensors; a file of another kind fails with its path in the message.

use std::path::Path;
use std::process::Command;

const KERAS_FILE: &str = r#"
import sys, hashlib, numpy as np, h5py
rng = np.random.default_rng(3)
layout = [64, 64, "M", 128, 128, "M", 256, 256, 256, 256, "M",
          512, 512, 512, 512, "M", 512, 512, 512, 512]
block, conv, c_in = 1, 1, 3
with h5py.File(sys.argv[1], "w") as f:
    for item in layout:
        if item == "M":
            block += 1; conv = 1; continue
        g = f.create_group(f"block{block}_conv{conv}")
        g.create_dataset("kernel:0", data=rng.standard_normal((3, 3, c_in, item), dtype=np.float32))
        g.create_dataset("bias:0", data=np.zeros(item, np.float32))
        c_in = item; conv += 1
print(hashlib.sha256(open(sys.argv[1], "rb").read()).hexdigest())
"#;

#[test]
fn keras_weights_convert_and_the_listing_names_them() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("weights_vgg19");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let h5 = dir.join("vgg19_notop.h5");
    let sha = bs_testdata::run_python(KERAS_FILE, &[h5.to_str().unwrap()]);
    let out_file = dir.join("vgg19.safetensors");
    let out = Command::new(env!("CARGO_BIN_EXE_bonescan"))
        .args(["weights", "vgg19", "--from"])
        .arg(&h5)
        .arg("--out")
        .arg(&out_file)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains(&format!("sha256 {}", sha.trim())),
        "{stdout}"
    );
    assert_eq!(stdout.matches(" -> features.").count(), 32, "{stdout}");
    assert!(
        stdout.contains("block5_conv4/bias:0 -> features.34.bias [512]"),
        "{stdout}"
    );
    assert!(out_file.is_file());

    let text = dir.join("notes.txt");
    std::fs::write(&text, "not weights").unwrap();
    let bad = Command::new(env!("CARGO_BIN_EXE_bonescan"))
        .args(["weights", "vgg19", "--from"])
        .arg(&text)
        .arg("--out")
        .arg(dir.join("bad.safetensors"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&bad.stderr);
    assert!(!bad.status.success());
    assert!(
        stderr.contains("notes.txt") && stderr.contains("VGG19"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}
