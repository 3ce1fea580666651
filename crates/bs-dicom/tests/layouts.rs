//! Storage layouts (a)–(d), PNG/JPEG view pairs, every view-identification rule, caller
//! override, signed/rescaled and 8-bit samples. Variants are made by pydicom from a written
//! 2-frame scan (one Python call); pixels are compared with pydicom's (and Pillow's) decoding.

mod common;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use bs_dicom::write::{write_whole_body_nm, NmWriteMeta};
use bs_dicom::{
    read_scan, read_scan_files, DicomError, ReadOptions, SideBySide, ViewOrder, ViewRule,
};
use ndarray::{s, Array2, Axis};

const MAKE_VARIANTS: &str = r#"
import sys, copy, numpy as np, pydicom
from pydicom.dataset import Dataset
from pydicom.sequence import Sequence
from pydicom.uid import generate_uid
from PIL import Image
src, out = sys.argv[1], sys.argv[2]
base = pydicom.dcmread(src)
frames = base.pixel_array  # 2 x R x C uint16

def code(value, meaning):
    c = Dataset(); c.CodeValue = value; c.CodingSchemeDesignator = "SRT"; c.CodeMeaning = meaning
    d = Dataset(); d.ViewCodeSequence = Sequence([c]); return d

def single(pixels, name, dis=None, **attrs):
    ds = copy.deepcopy(base)
    ds.NumberOfFrames = 1
    ds.Rows, ds.Columns = pixels.shape
    ds.DetectorVector = [1]; ds.EnergyWindowVector = [1]; ds.NumberOfDetectors = 1
    if dis is None:
        del ds.DetectorInformationSequence
    else:
        ds.DetectorInformationSequence = Sequence([dis])
    for k, v in attrs.items():
        setattr(ds, k, v)
    ds.SOPInstanceUID = generate_uid(); ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    ds.PixelData = np.ascontiguousarray(pixels).tobytes()
    ds.save_as(f"{out}/{name}.dcm")

single(frames[0], "split-ant", code("G-5215", "Anterior projection"), SeriesInstanceUID=generate_uid())
single(frames[1], "split-post", code("G-5216", "Posterior projection"), SeriesInstanceUID=generate_uid())
single(frames[0], "vendor-ant", SeriesDescription="WB ANT")
single(frames[1], "vendor-post", SeriesDescription="WB POST")
single(np.concatenate([frames[0], frames[1]], axis=1), "side-by-side")

def two(name, dis_items="keep", **attrs):
    ds = copy.deepcopy(base)
    if dis_items is None:
        del ds.DetectorInformationSequence
    elif dis_items != "keep":
        ds.DetectorInformationSequence = Sequence(dis_items)
    for k, v in attrs.items():
        setattr(ds, k, v)
    ds.save_as(f"{out}/{name}.dcm")

two("meaning", [code("99X", "posterior"), code("99Y", "anterior")])
two("retired", [code("G-5201", "x"), code("G-5200", "y")])
two("detector-vector", DetectorVector=[2, 1])
two("no-codes", None)
two("vendor-codes", [code("POST_WB", "?"), code("ANT_WB", "?")])

# signed 16-bit with rescale; 8-bit unsigned
signed = (frames[0].astype(np.int32) - 150).astype(np.int16)
single(signed.view(np.uint16), "signed-rescale", PixelRepresentation=1, RescaleSlope="0.5", RescaleIntercept="-3")
ds = copy.deepcopy(base)
ds.NumberOfFrames = 2; ds.BitsAllocated = 8; ds.BitsStored = 8; ds.HighBit = 7
ds.PixelData = (frames % 256).astype(np.uint8).tobytes()
del ds.SmallestImagePixelValue; del ds.LargestImagePixelValue
ds.save_as(f"{out}/eight-bit.dcm")

# PNG (16-bit grey) and JPEG (8-bit grey) view pairs, with Pillow's decoding as reference
Image.fromarray(frames[0].astype(np.uint16)).save(f"{out}/p1_ant.png")
Image.fromarray(frames[1].astype(np.uint16)).save(f"{out}/p1_post.png")
Image.fromarray((frames[0] % 256).astype(np.uint8)).save(f"{out}/p2_posterior.jpg", quality=95)
Image.fromarray((frames[1] % 256).astype(np.uint8)).save(f"{out}/p2_anterior.jpg", quality=95)
for name in ["p1_ant.png", "p1_post.png", "p2_anterior.jpg", "p2_posterior.jpg"]:
    np.asarray(Image.open(f"{out}/{name}")).astype("<f4").tofile(f"{out}/{name}.f32")
"#;

struct Fixture {
    _dir: tempfile::TempDir,
    out: PathBuf,
    anterior: Array2<f32>,
    posterior: Array2<f32>,
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().to_path_buf();
        let src = out.join("base.dcm");
        // values up to 300 (so the 8-bit variant keeps a pattern) that differ between views
        let a = Array2::from_shape_fn((64, 16), |(r, c)| ((r * 5 + c * 3) % 300) as u16);
        let p = Array2::from_shape_fn((64, 16), |(r, c)| ((r * 11 + c * 17 + 40) % 290) as u16);
        write_whole_body_nm(
            &src,
            a.view(),
            p.view(),
            &NmWriteMeta::synthetic("LAYOUT", 5),
        )
        .unwrap();
        common::py(MAKE_VARIANTS, &[&src, &out]);
        Fixture {
            out,
            anterior: a.mapv(f32::from),
            posterior: p.mapv(f32::from),
            _dir: dir,
        }
    })
}

fn file(name: &str) -> PathBuf {
    fixture().out.join(name)
}

fn read(name: &str) -> bs_dicom::WholeBodyScan {
    read_scan(&file(name), &ReadOptions::default()).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn raw(path: &Path, rows: usize, cols: usize) -> Array2<f32> {
    let bytes = std::fs::read(path).unwrap();
    let v: Vec<f32> = bytes
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes(b.try_into().unwrap()))
        .collect();
    Array2::from_shape_vec((rows, cols), v).unwrap()
}

#[test]
fn layout_b_two_single_frame_objects_in_any_order() {
    let f = fixture();
    let scan = read_scan_files(
        &[file("split-post.dcm"), file("split-ant.dcm")],
        &ReadOptions::default(),
    )
    .unwrap();
    assert_eq!(scan.anterior.pixels, f.anterior);
    assert_eq!(scan.posterior.as_ref().unwrap().pixels, f.posterior);
    assert_eq!(scan.anterior.source.rule, ViewRule::ViewCode);
    assert_eq!(scan.anterior.source.path, file("split-ant.dcm"));
    assert_eq!(scan.meta.files.len(), 2);

    let scan = read_scan_files(
        &[file("vendor-post.dcm"), file("vendor-ant.dcm")],
        &ReadOptions::default(),
    )
    .unwrap();
    assert_eq!(scan.anterior.pixels, f.anterior);
    assert_eq!(scan.anterior.source.rule, ViewRule::VendorString);
    assert!(
        scan.anterior.source.evidence.contains("WB ANT"),
        "{}",
        scan.anterior.source.evidence
    );
}

#[test]
fn layout_c_one_view_per_file() {
    let scan = read("split-ant.dcm");
    assert!(scan.posterior.is_none());
    assert_eq!(scan.anterior.pixels, fixture().anterior);
    // a lone posterior view is not a scan
    let err = read_scan(&file("split-post.dcm"), &ReadOptions::default()).unwrap_err();
    assert!(matches!(err, DicomError::Views { .. }), "{err}");
    assert!(err.to_string().contains("no anterior view"), "{err}");
}

#[test]
fn layout_d_side_by_side_is_split_and_recorded() {
    let f = fixture();
    let scan = read("side-by-side.dcm");
    assert_eq!(scan.anterior.pixels, f.anterior);
    let post = scan.posterior.unwrap();
    assert_eq!(post.pixels, f.posterior);
    assert_eq!(
        (post.source.rule, post.source.column_offset),
        (ViewRule::SideBySide, 16)
    );
    let reference = common::pydicom_frames(&[file("side-by-side.dcm")]);
    common::assert_same_pixels(
        "left half vs pydicom",
        scan.anterior.pixels.view(),
        reference[0].slice(s![0, .., ..16]),
    );
    // and can be switched off
    let opts = ReadOptions {
        side_by_side: SideBySide::Never,
        ..ReadOptions::default()
    };
    let whole = read_scan(&file("side-by-side.dcm"), &opts).unwrap();
    assert_eq!(whole.anterior.pixels.dim(), (64, 32));
    assert!(whole.posterior.is_none());
}

#[test]
fn view_rules_in_order() {
    let f = fixture();
    let cases = [
        ("meaning.dcm", ViewRule::CodeMeaning, true),
        ("retired.dcm", ViewRule::ViewCode, true),
        ("detector-vector.dcm", ViewRule::ViewCode, true),
        ("vendor-codes.dcm", ViewRule::VendorString, true),
        ("no-codes.dcm", ViewRule::FrameOrder, false),
    ];
    for (name, rule, swapped) in cases {
        let scan = read(name);
        let post = scan.posterior.as_ref().unwrap();
        assert_eq!(
            scan.anterior.source.rule, rule,
            "{name}: {:?}",
            scan.anterior.source
        );
        assert_eq!(post.source.rule, rule, "{name}");
        // in the swapped variants frame 0 (the written anterior pixels) is named posterior
        let (want_ant, want_post, ant_frame) = if swapped {
            (&f.posterior, &f.anterior, 1)
        } else {
            (&f.anterior, &f.posterior, 0)
        };
        assert_eq!(&scan.anterior.pixels, want_ant, "{name}");
        assert_eq!(&post.pixels, want_post, "{name}");
        assert_eq!(scan.anterior.source.frame, ant_frame, "{name}");
    }
}

#[test]
fn caller_override_wins() {
    let f = fixture();
    let opts = ReadOptions {
        view_order: ViewOrder::PosteriorFirst,
        ..ReadOptions::default()
    };
    let scan = read_scan(&file("retired.dcm"), &opts).unwrap();
    assert_eq!(scan.anterior.source.rule, ViewRule::CallerOverride);
    assert_eq!(scan.anterior.pixels, f.posterior);
    let opts = ReadOptions {
        view_order: ViewOrder::AnteriorFirst,
        ..ReadOptions::default()
    };
    let scan = read_scan(&file("retired.dcm"), &opts).unwrap();
    assert_eq!(scan.anterior.pixels, f.anterior);
}

#[test]
fn signed_rescaled_and_eight_bit_samples_match_pydicom() {
    let f = fixture();
    let signed = read("signed-rescale.dcm");
    let eight = read("eight-bit.dcm");
    let reference = common::pydicom_frames(&[file("signed-rescale.dcm"), file("eight-bit.dcm")]);
    common::assert_same_pixels(
        "signed+rescale",
        signed.anterior.pixels.view(),
        reference[0].index_axis(Axis(0), 0),
    );
    // closed form: (v - 150) * 0.5 - 3
    assert_eq!(
        signed.anterior.pixels,
        f.anterior.mapv(|v| (v - 150.0) * 0.5 - 3.0)
    );
    assert!(signed.anterior.stats().min < 0.0);
    common::assert_same_pixels(
        "8-bit anterior",
        eight.anterior.pixels.view(),
        reference[1].index_axis(Axis(0), 0),
    );
    common::assert_same_pixels(
        "8-bit posterior",
        eight.posterior.unwrap().pixels.view(),
        reference[1].index_axis(Axis(0), 1),
    );
    assert_eq!(eight.anterior.pixels, f.anterior.mapv(|v| v % 256.0));
}

#[test]
fn png_and_jpeg_view_pairs() {
    let f = fixture();
    let png = read_scan_files(
        &[file("p1_post.png"), file("p1_ant.png")],
        &ReadOptions::default(),
    )
    .unwrap();
    assert_eq!(png.anterior.source.rule, ViewRule::FileName);
    assert_eq!(png.anterior.pixels, raw(&file("p1_ant.png.f32"), 64, 16));
    assert_eq!(png.anterior.pixels, f.anterior);
    assert_eq!(png.posterior.as_ref().unwrap().pixels, f.posterior);
    assert_eq!(png.meta.files[0].bits_allocated, 16);

    let jpg = read_scan_files(
        &[file("p2_anterior.jpg"), file("p2_posterior.jpg")],
        &ReadOptions::default(),
    )
    .unwrap();
    // JPEG decoders may differ by rounding: compare with Pillow's decoding within 1 grey level
    for (view, name) in [
        (&jpg.anterior, "p2_anterior.jpg"),
        (jpg.posterior.as_ref().unwrap(), "p2_posterior.jpg"),
    ] {
        let pillow = raw(&file(&format!("{name}.f32")), 64, 16);
        let worst = (&view.pixels - &pillow)
            .mapv(f32::abs)
            .fold(0.0f32, |m, &d| m.max(d));
        assert!(worst <= 1.0, "{name}: differs from Pillow by {worst}");
        assert_eq!(view.source.rule, ViewRule::FileName);
    }
    // the file named posterior holds the written anterior pixels (mod 256), approximately
    let diff = (&jpg.posterior.unwrap().pixels - &f.anterior.mapv(|v| v % 256.0))
        .mapv(f32::abs)
        .mean()
        .unwrap();
    assert!(diff < 3.0, "mean |jpeg - original| = {diff}");
}
