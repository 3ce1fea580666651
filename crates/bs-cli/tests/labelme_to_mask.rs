//! `bonescan labelme-to-mask` through the built binary.

use std::path::{Path, PathBuf};
use std::process::Command;

use bs_masks::labelme::{rasterize, LabelMap, LabelmeDocument};
use bs_masks::png::read_class_png;

fn bonescan() -> Command {
    Command::new(env!("CARGO_BIN_EXE_bonescan"))
}

fn fresh_dir(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("labelme_to_mask_{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

const SCAN_A: &str = r#"{"version": "5.4.1", "flags": {}, "imagePath": "a.png", "imageData": null,
  "imageHeight": 40, "imageWidth": 24,
  "shapes": [
    {"label": "artifact", "shape_type": "rectangle", "points": [[2, 2], [20, 30]], "group_id": null, "flags": {}},
    {"label": "metastasis", "shape_type": "polygon", "points": [[5.5, 5.5], [15.2, 6], [12, 18.7], [4, 14]], "group_id": null, "flags": {}},
    {"label": "metastasis", "shape_type": "circle", "points": [[12, 34], [12, 37]], "group_id": null, "flags": {}}
  ]}"#;

/// Old labelme format: no shape_type, no imageHeight/imageWidth (size from imageData).
fn scan_b_old_format() -> String {
    // a 16×10 grey PNG, base64, as labelme 3 embedded images
    let png = "iVBORw0KGgoAAAANSUhEUgAAABAAAAAKCAAAAACY1YFAAAAAEUlEQVR4nGNkZ0AFTAyDVAAAC+0AG46s4TkAAAAASUVORK5CYII=";
    format!(
        r#"{{"flags": {{}}, "imagePath": "b.png", "imageData": "{png}", "lineColor": [0, 255, 0, 128],
            "shapes": [{{"label": "metastasis", "line_color": null, "fill_color": null,
                         "points": [[1, 1], [9, 2], [5, 8]]}}]}}"#
    )
}

#[test]
fn writes_one_class_png_per_json_like_labelme() {
    let dir = fresh_dir("ok");
    let a = dir.join("scan_a.json");
    let b = dir.join("scan_b.json");
    std::fs::write(&a, SCAN_A).unwrap();
    std::fs::write(&b, scan_b_old_format()).unwrap();
    let out = dir.join("masks");
    let run = bonescan()
        .arg("labelme-to-mask")
        .args([&a, &b])
        .arg("--out")
        .arg(&out)
        .args(["--labels", "metastasis=2,artifact=1"])
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );

    let labels: LabelMap = "metastasis=2,artifact=1".parse().unwrap();
    let mask_a = read_class_png(out.join("scan_a.png")).unwrap();
    assert_eq!(mask_a.dim(), (40, 24));
    let expected = rasterize(&LabelmeDocument::from_path(&a).unwrap(), &labels, 24, 40).unwrap();
    assert_eq!(mask_a, expected);
    // later shapes over earlier ones: the lesion inside the artifact box is 2, the box 1
    assert_eq!(mask_a[[10, 9]], 2);
    assert_eq!(mask_a[[25, 3]], 1);
    assert_eq!(mask_a[[35, 12]], 2);
    assert_eq!(mask_a[[0, 0]], 0);

    let mask_b = read_class_png(out.join("scan_b.png")).unwrap();
    assert_eq!(mask_b.dim(), (10, 16));
    assert!(mask_b.iter().any(|&v| v == 2));
    assert!(mask_b.iter().all(|&v| v == 0 || v == 2));
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(
        stdout.contains("scan_a.png") && stdout.contains("scan_b.png"),
        "{stdout}"
    );
}

#[test]
fn bad_input_fails_with_a_message_naming_file_and_shape_and_the_good_one_is_written() {
    let dir = fresh_dir("bad");
    let good = dir.join("good.json");
    let bad = dir.join("bad_lesion.json");
    std::fs::write(&good, SCAN_A).unwrap();
    std::fs::write(
        &bad,
        r#"{"imageHeight": 40, "imageWidth": 24, "shapes": [
            {"label": "metastasis", "shape_type": "polygon", "points": [[1, 1], [2, 2], [3, 1]]},
            {"label": "metastasis", "shape_type": "polygon", "points": [[1, 1], [NaN, 2], [3, 1]]}]}"#,
    )
    .unwrap();
    let out = dir.join("masks");
    let run = bonescan()
        .arg("labelme-to-mask")
        .args([&good, &bad])
        .arg("--out")
        .arg(&out)
        .args(["--labels", "metastasis=1,artifact=2"])
        .output()
        .unwrap();
    assert!(!run.status.success());
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(
        stderr.contains("bad_lesion.json") && stderr.contains("shape 1"),
        "{stderr}"
    );
    assert!(
        out.join("good.png").exists(),
        "the good input is written although another one is bad"
    );
    assert!(!out.join("bad_lesion.png").exists());

    // an unknown label is an error unless skipped
    let run = bonescan()
        .arg("labelme-to-mask")
        .arg(&good)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert!(!run.status.success());
    assert!(String::from_utf8_lossy(&run.stderr).contains("artifact"));
    let run = bonescan()
        .arg("labelme-to-mask")
        .arg(&good)
        .arg("--out")
        .arg(&out)
        .arg("--skip-unknown-labels")
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let mask = read_class_png(out.join("good.png")).unwrap();
    assert_eq!(mask[[25, 3]], 0, "artifact skipped");
    assert_eq!(mask[[10, 9]], 1, "metastasis=1 by default");

    // malformed --labels
    let run = bonescan()
        .arg("labelme-to-mask")
        .arg(&good)
        .arg("--out")
        .arg(&out)
        .args(["--labels", "metastasis"])
        .output()
        .unwrap();
    assert!(!run.status.success());
    assert!(String::from_utf8_lossy(&run.stderr).contains("label=value"));
}

/// A labelme file with one lesion circle at `(x, y)`, 64×48 image.
fn one_lesion(x: f64, y: f64) -> String {
    format!(
        r#"{{"imageHeight": 48, "imageWidth": 64, "imageData": null, "shapes": [
            {{"label": "metastasis", "shape_type": "circle", "points": [[{x}, {y}], [{x}, {}]]}}]}}"#,
        y + 3.0
    )
}

#[test]
fn a_batch_with_one_bad_file_writes_all_the_others_names_the_bad_one_and_fails() {
    let dir = fresh_dir("batch");
    let mut inputs = Vec::new();
    for k in 0..300 {
        let path = dir.join(format!("scan_{k:03}.json"));
        // as in issue #20: 300 files, scan_217 has its lesion 1.1 image widths left of the image
        let x = if k == 217 {
            -1.1 * 64.0
        } else {
            10.0 + (k % 40) as f64
        };
        std::fs::write(&path, one_lesion(x, 20.0)).unwrap();
        inputs.push(path);
    }
    let out = dir.join("masks");
    let run = bonescan()
        .arg("labelme-to-mask")
        .args(&inputs)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(1), "{stderr}");
    for (k, input) in inputs.iter().enumerate() {
        let png = out.join(format!("scan_{k:03}.png"));
        if k == 217 {
            assert!(!png.exists());
            continue;
        }
        let expected = rasterize(
            &LabelmeDocument::from_path(input).unwrap(),
            &LabelMap::new().with("metastasis", 1),
            64,
            48,
        )
        .unwrap();
        assert_eq!(read_class_png(&png).unwrap(), expected, "{}", png.display());
    }
    // the failure is named with its reason at the end of the output and in summary.json
    let last_lines: Vec<&str> = stderr.lines().rev().take(4).collect();
    assert!(
        last_lines
            .iter()
            .any(|l| l.contains("scan_217.json") && l.contains("outside")),
        "{stderr}"
    );
    assert!(stderr.contains("1 of 300 inputs failed"), "{stderr}");
    assert!(stderr.contains("299 of 300 inputs done"), "{stderr}");
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["succeeded"], 299);
    assert_eq!(summary["failed"], 1);
    let entries = summary["inputs"].as_array().unwrap();
    assert_eq!(entries.len(), 300);
    let failed: Vec<&serde_json::Value> =
        entries.iter().filter(|e| !e["error"].is_null()).collect();
    assert_eq!(failed.len(), 1);
    assert!(failed[0]["input"]
        .as_str()
        .unwrap()
        .ends_with("scan_217.json"));
    assert!(
        failed[0]["error"].as_str().unwrap().contains("point 0"),
        "{}",
        failed[0]
    );
    assert_eq!(
        entries[3]["output"],
        out.join("scan_003.png").to_str().unwrap()
    );
}

#[test]
fn two_inputs_with_one_stem_write_the_first_and_name_the_second() {
    let dir = fresh_dir("same_stem");
    std::fs::create_dir_all(dir.join("a")).unwrap();
    std::fs::create_dir_all(dir.join("b")).unwrap();
    let first = dir.join("a").join("scan.json");
    let second = dir.join("b").join("scan.json");
    std::fs::write(&first, one_lesion(20.0, 20.0)).unwrap();
    std::fs::write(&second, one_lesion(40.0, 20.0)).unwrap();
    let out = dir.join("masks");
    let run = bonescan()
        .arg("labelme-to-mask")
        .args([&first, &second])
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert!(!run.status.success());
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(stderr.contains("both would write scan.png"), "{stderr}");
    let mask = read_class_png(out.join("scan.png")).unwrap();
    assert_eq!(mask[[21, 20]], 1, "the first input's lesion");
    assert_eq!(mask[[21, 40]], 0, "the second input did not overwrite it");
}

#[test]
fn a_truncated_file_is_reported_with_its_cause_once() {
    let dir = fresh_dir("truncated");
    let truncated = dir.join("truncated.json");
    std::fs::write(&truncated, "{\"shapes\": [\n").unwrap();
    let run = bonescan()
        .arg("labelme-to-mask")
        .arg(&truncated)
        .arg("--out")
        .arg(dir.join("masks"))
        .output()
        .unwrap();
    assert!(!run.status.success());
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(stderr.contains("truncated.json"), "{stderr}");
    assert_eq!(
        stderr.matches("EOF while parsing").count(),
        1,
        "the parser's message once: {stderr}"
    );
}
