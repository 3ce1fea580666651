//! `bonescan experiments --devices`: with CPU entries it gives the same results as today's
//! default (`--cpu`, two fold processes at a time), and a list naming no usable device is
//! refused before any work.

use std::path::Path;
use std::process::{Command, Output};

fn bonescan(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_bonescan"))
        .args(args)
        .output()
        .expect("run bonescan")
}

fn ok(args: &[&str]) -> String {
    let out = bonescan(args);
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "bonescan {args:?} failed:\n{err}");
    err
}

#[test]
fn cpu_devices_give_the_default_results() {
    let dir = bs_testdata::output_dir("devices_cli");
    let s = |p: &Path| p.to_str().unwrap().to_string();
    std::fs::write(
        dir.join("cohort.toml"),
        "name = \"d\"\n[groups]\nD1 = 4\nD2 = 2\n",
    )
    .unwrap();
    let configs = dir.join("experiments");
    std::fs::create_dir_all(&configs).unwrap();
    std::fs::write(
        configs.join("tiny.toml"),
        "name = \"tiny_otsu\"\ntable = \"Table 3\"\ngroups = [\"D1\", \"D2\"]\n\
         nm_source = \"otsu\"\nlosses = [\"dice\"]\n[training]\nfolds = 3\nbatch_size = 2\n",
    )
    .unwrap();
    let (synth, prep) = (dir.join("synth"), dir.join("prepared"));
    let cohort = s(&dir.join("cohort.toml"));
    ok(&[
        "synth",
        "--out",
        &s(&synth),
        "--seed",
        "5",
        "--cohort",
        &cohort,
    ]);
    ok(&["prepare", &s(&synth.join("dicom")), "--out", &s(&prep)]);
    let (p, c) = (s(&prep), s(&configs));
    let run = |out: &str, how: &[&str]| {
        let out = dir.join(out);
        let o = s(&out);
        let mut args = vec!["experiments", "--data", &p, "--out", &o, "--configs", &c];
        args.extend(["--profile", "tiny", "--quiet"]);
        args.extend_from_slice(how);
        let err = ok(&args);
        (out.join("tiny_otsu"), err)
    };
    let (default, _) = run("default", &["--cpu"]);
    let (devices, log) = run("devices", &["--devices", "cpu,cpu"]);
    assert!(log.contains("fold 1 on cpu"), "{log}");
    let table = |d: &Path| std::fs::read_to_string(d.join("table.csv")).unwrap();
    assert_eq!(table(&default), table(&devices));
    // status of the experiments' output directory: every run, then the totals
    let out = bonescan(&["status", &s(&dir.join("devices"))]);
    let t = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{t}");
    assert!(t.contains("tiny_otsu (Table 3), profile tiny"), "{t}");
    assert!(
        t.contains("all 1 experiments: 4 done, 0 running, 0 failed, 0 pending"),
        "{t}"
    );
    let x = s(&dir.join("x"));
    let bad = bonescan(&[
        "experiments",
        "--data",
        &p,
        "--out",
        &x,
        "--configs",
        &c,
        "--devices",
        "cuda:99",
    ]);
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(
        !bad.status.success() && err.contains("--devices \"cuda:99\""),
        "{err}"
    );
}
