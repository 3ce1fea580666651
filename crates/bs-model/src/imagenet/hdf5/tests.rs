//! The reader against files h5py (libhdf5) writes, in both of its format generations, with
//! values from closed-form formulas the test recomputes.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use super::*;

const WRITE: &str = r#"
import sys, numpy as np, h5py
d = sys.argv[1]
def values(n, dtype):
    return (np.arange(n) * 0.25 - 1).astype(dtype)
# h5py's default: superblock 0, version 1 headers, symbol-table groups
with h5py.File(f"{d}/earliest.h5", "w") as f:
    a = f.create_group("a")
    a.create_dataset("x", data=values(24, "<f4").reshape(2, 3, 4))
    a.create_group("sub").create_dataset("y", data=values(5, ">f8"))
    space = h5py.h5s.create_simple((3, 3))
    dcpl = h5py.h5p.create(h5py.h5p.DATASET_CREATE)
    dcpl.set_layout(h5py.h5d.COMPACT)
    compact = h5py.h5d.create(a.id, b"compact", h5py.h5t.IEEE_F32LE, space, dcpl=dcpl)
    h5py.Dataset(compact)[...] = values(9, "<f4").reshape(3, 3)
    for i in range(40):  # header continuation blocks
        a.attrs[f"note{i:02}"] = np.bytes_("x" * 60)
    f.create_dataset("scalar", data=np.float32(2.5))
    f.create_dataset("ints", data=np.arange(3, dtype="<i4"))
    f.create_dataset("chunked", data=values(8, "<f4"), chunks=(4,))
    f.create_dataset("zipped", data=values(8, "<f4"), compression="gzip")
    f.create_group("empty")
    many = f.create_group("many")  # enough members for a two-level B-tree
    for i in range(300):
        many.create_dataset(f"d{i:03}", data=np.full(1, i, "<f4"))
# libver latest: superblock 3, version 2 headers, links in the header
with h5py.File(f"{d}/latest.h5", "w", libver="latest") as f:
    g = f.create_group("g")
    for i in range(6):  # grow the header first, so that the links land in a continuation
        g.attrs[f"note{i}"] = np.bytes_("y" * 400)
    g.create_dataset("k", data=values(18, "<f4").reshape(3, 3, 2))
    g.create_dataset("b", data=values(2, "<f8"))
with h5py.File(f"{d}/dense.h5", "w", libver="latest") as f:
    for i in range(20):
        f.create_group(f"g{i:02}")
"#;

fn files() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = bs_testdata::output_dir("bs-model-hdf5");
        bs_testdata::run_python(WRITE, &[dir.to_str().unwrap()]);
        dir
    })
}

fn open(name: &str) -> File {
    File::open(std::fs::read(files().join(name)).unwrap()).unwrap()
}

/// `arange(n) * 0.25 - 1`, as the script writes it.
fn values(n: usize) -> Vec<f32> {
    (0..n).map(|i| i as f32 * 0.25 - 1.0).collect()
}

#[test]
fn reads_groups_and_datasets_as_h5py_wrote_them() {
    let f = open("earliest.h5");
    let root = f.root().unwrap();
    assert_eq!(root.groups(), ["a", "empty", "many"]);
    assert_eq!(root.datasets(), ["chunked", "ints", "scalar", "zipped"]);
    let a = root.group(&f, "a").unwrap();
    assert_eq!(a.groups(), ["sub"]);
    assert_eq!(a.datasets(), ["compact", "x"]);

    let x = a.dataset("x").unwrap();
    assert_eq!(x.shape(), [2, 3, 4]);
    assert_eq!(x.read_f32(&f).unwrap(), values(24));
    let compact = a.dataset("compact").unwrap();
    assert_eq!(compact.shape(), [3, 3]);
    assert_eq!(compact.read_f32(&f).unwrap(), values(9));
    let y = a.group(&f, "sub").unwrap();
    let y = y.dataset("y").unwrap();
    assert_eq!(
        *y.value_type(),
        ValueType::Float {
            bytes: 8,
            big_endian: true
        }
    );
    assert_eq!(y.read_f32(&f).unwrap(), values(5));
    let scalar = root.dataset("scalar").unwrap();
    assert!(scalar.shape().is_empty());
    assert_eq!(scalar.read_f32(&f).unwrap(), [2.5]);
    assert!(root.group(&f, "empty").unwrap().datasets().is_empty());
}

#[test]
fn a_group_of_many_members_reads_whole() {
    let f = open("earliest.h5");
    let many = f.root().unwrap().group(&f, "many").unwrap();
    let names = many.datasets();
    assert_eq!(names.len(), 300);
    for (i, name) in names.iter().enumerate() {
        assert_eq!(*name, format!("d{i:03}"));
        let v = many.dataset(name).unwrap().read_f32(&f).unwrap();
        assert_eq!(v, [i as f32]);
    }
}

#[test]
fn reads_version_2_headers_and_links_in_a_continuation_block() {
    let f = open("latest.h5");
    let root = f.root().unwrap();
    assert_eq!(root.groups(), ["g"]);
    let g = root.group(&f, "g").unwrap();
    assert_eq!(g.datasets(), ["b", "k"]);
    let k = g.dataset("k").unwrap();
    assert_eq!(k.shape(), [3, 3, 2]);
    assert_eq!(k.read_f32(&f).unwrap(), values(18));
    assert_eq!(g.dataset("b").unwrap().read_f32(&f).unwrap(), values(2));
}

#[test]
fn what_keras_files_do_not_use_is_a_named_error() {
    let f = open("earliest.h5");
    let root = f.root().unwrap();
    let unsupported = |name: &str| match root.dataset(name).unwrap().read_f32(&f) {
        Err(Hdf5Error::Unsupported { feature }) => feature,
        other => panic!("{name}: {other:?}"),
    };
    assert_eq!(unsupported("chunked"), "chunked storage");
    assert!(unsupported("zipped").contains("filter pipeline"));
    let ints = root.dataset("ints").unwrap();
    assert_eq!(ints.value_type().to_string(), "integer of 4 bytes");
    assert!(unsupported("ints").contains("integer"));
    assert!(matches!(
        root.dataset("a"),
        Err(Hdf5Error::NotFound {
            kind: "dataset",
            ..
        })
    ));

    let dense = File::open(std::fs::read(files().join("dense.h5")).unwrap()).unwrap();
    match dense.root() {
        Err(Hdf5Error::Unsupported { feature }) => assert!(feature.contains("dense"), "{feature}"),
        other => panic!("dense links: {:?}", other.map(|g| g.groups())),
    }
}

/// Every prefix of a file is an error (the first structure or value that runs past the end),
/// never a panic.
#[test]
fn every_truncation_is_an_error() {
    let bytes = std::fs::read(files().join("latest.h5")).unwrap();
    for len in (0..bytes.len()).step_by(7) {
        let read = File::open(bytes[..len].to_vec()).and_then(|f| {
            let g = f.root()?.group(&f, "g")?;
            g.dataset("k")?.read_f32(&f)
        });
        assert!(read.is_err(), "a {len}-byte prefix read");
    }
}

/// A group B-tree node whose child is itself is refused instead of followed.
#[test]
fn a_b_tree_loop_is_refused() {
    let bytes = std::fs::read(files().join("earliest.h5")).unwrap();
    let f = File::open(bytes.clone()).unwrap();
    let Some(Member::Group(many, _)) = f.root().unwrap().find("many").cloned() else {
        panic!("no group `many`");
    };
    let (btree, _) = header::read(&f, many).unwrap().symbol_table.unwrap();
    let mut looped = bytes;
    let child = btree as usize + 8 + 2 * 8 + 8; // prefix, siblings, first key
    looped[child..child + 8].copy_from_slice(&btree.to_le_bytes());
    let f = File::open(looped).unwrap();
    let many = f.root().unwrap().group(&f, "many");
    assert!(
        matches!(many, Err(Hdf5Error::Malformed { .. })),
        "{:?}",
        many.err()
    );
}
