//! `bonescan experiments --devices`: with CPU entries it gives the same results as today's
//! default (`--cpu`, two fold processes at a time), and a list naming no usable device is
//! refused before any work. A fold that fails is reported with its log and the rest goes on.

use std::path::{Path, PathBuf};
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

fn s(p: &Path) -> String {
    p.to_str().unwrap().to_string()
}

/// A 6-patient synthetic cohort prepared in `name/prepared`, and `name/experiments/` with a
/// `tiny_otsu` experiment of 3 folds. Returns the directory.
fn setup(name: &str) -> PathBuf {
    let dir = bs_testdata::output_dir(name);
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
    dir
}

#[test]
fn cpu_devices_give_the_default_results() {
    let dir = setup("devices_cli");
    let (p, c) = (s(&dir.join("prepared")), s(&dir.join("experiments")));
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
    // `bonescan cv --devices`: the same folds, each its own process, then the aggregate
    let cv_out = dir.join("cv_devices");
    let _ = std::fs::remove_dir_all(&cv_out);
    let tiny = s(&dir.join("experiments/tiny.toml"));
    let o = s(&cv_out);
    let log = ok(&[
        "cv",
        "--config",
        &tiny,
        "--data",
        &p,
        "--out",
        &o,
        "--profile",
        "tiny",
        "--quiet",
        "--devices",
        "cpu,cpu",
    ]);
    for k in 1..=3 {
        assert!(
            log.contains(&format!("[cv] start tiny_otsu fold {k} on cpu")),
            "{log}"
        );
        assert!(cv_out.join(format!("logs/tiny_otsu-fold{k}.log")).exists());
    }
    assert_eq!(table(&default), table(&cv_out));
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

/// `bonescan experiments` where one fold cannot run (its `state.json` from an earlier run is
/// corrupt): with two fold processes at a time and with one process, the failure is reported
/// (with its log for a fold process), every other fold and experiment is trained and reported,
/// and the command exits non-zero; repaired, a rerun trains only what is missing.
#[test]
fn a_failing_fold_is_reported_and_the_rest_goes_on() {
    let dir = setup("experiments_failure");
    let configs = dir.join("experiments");
    let tiny = std::fs::read_to_string(configs.join("tiny.toml")).unwrap();
    let other = tiny.replace("name = \"tiny_otsu\"", "name = \"tiny_otsu_b\"");
    std::fs::write(configs.join("tiny_b.toml"), other).unwrap();
    let (p, c) = (s(&dir.join("prepared")), s(&configs));
    for (out, jobs) in [("parallel", "2"), ("serial", "1")] {
        let out = dir.join(out);
        let _ = std::fs::remove_dir_all(&out);
        let bad_state = out.join("tiny_otsu/dice/fold_2/state.json");
        std::fs::create_dir_all(bad_state.parent().unwrap()).unwrap();
        std::fs::write(&bad_state, "{\"epoch\": ").unwrap();
        let o = s(&out);
        let args = [
            "experiments",
            "--data",
            &p,
            "--out",
            &o,
            "--configs",
            &c,
            "--profile",
            "tiny",
            "--quiet",
            "--cpu",
            "--jobs",
            jobs,
        ];
        let first = bonescan(&args);
        let err = String::from_utf8_lossy(&first.stderr).into_owned();
        assert!(!first.status.success(), "{jobs} job(s): {err}");
        assert!(err.contains("FAILED tiny_otsu"), "{err}");
        assert!(err.contains("1 failure(s)"), "{err}");
        assert!(err.contains("state.json"), "the cause is named: {err}");
        if jobs == "2" {
            let log = out.join("logs/tiny_otsu-fold2.log");
            assert!(err.contains(&s(&log)), "{err}");
            let text = std::fs::read_to_string(&log).unwrap();
            assert!(text.contains("state.json"), "{text}");
            // the failed experiment's other folds were trained
            for k in [1, 3] {
                let result = out.join(format!("tiny_otsu/dice/fold_{k}/result.json"));
                assert!(result.exists(), "{}", result.display());
            }
        }
        // the other experiment is complete and in the comparison; the failed one is not
        assert!(out.join("tiny_otsu_b/table.csv").exists(), "{err}");
        assert!(!out.join("tiny_otsu/table.csv").exists());
        let comparison = std::fs::read_to_string(out.join("comparison.md")).unwrap();
        assert!(comparison.contains("tiny_otsu_b"), "{comparison}");

        std::fs::remove_file(&bad_state).unwrap();
        let again = ok(&args);
        assert!(out.join("tiny_otsu/table.csv").exists(), "{again}");
        if jobs == "2" {
            assert!(again.contains("start tiny_otsu fold 2"), "{again}");
            for done in ["tiny_otsu fold 1", "tiny_otsu fold 3", "tiny_otsu_b fold"] {
                assert!(
                    !again.contains(&format!("start {done}")),
                    "{done} rerun: {again}"
                );
            }
        }
    }
}
