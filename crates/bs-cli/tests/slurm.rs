//! `bonescan slurm` and `bonescan status` through the built binary, without a cluster: the
//! scripts written for a Table 5 run, a stand-in `sbatch` on PATH for `--submit` (the real one
//! is exercised by `scripts/slurm-test`), what status reads back from the run directory, and
//! the errors for bad options and for a directory that is no run.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn bonescan(args: &[&str], path_env: Option<&Path>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_bonescan"));
    cmd.args(args);
    if let Some(dir) = path_env {
        let path = std::env::var("PATH").unwrap_or_default();
        cmd.env("PATH", format!("{}:{path}", dir.display()));
    }
    cmd.output().expect("run bonescan")
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

struct Setup {
    dir: PathBuf,
    config: String,
    data: String,
    run: PathBuf,
}

fn setup(name: &str) -> Setup {
    let dir = bs_testdata::output_dir(name);
    let config = dir.join("table5.toml");
    let table5 = bs_testdata::workspace_root().join("experiments/table5_negative_mining.toml");
    let mut toml = std::fs::read_to_string(table5).unwrap();
    toml.push_str("\n[training]\nfolds = 3\n");
    std::fs::write(&config, toml).unwrap();
    std::fs::create_dir_all(dir.join("prepared")).unwrap();
    let s = |p: PathBuf| p.to_str().unwrap().to_string();
    Setup {
        config: s(config),
        data: s(dir.join("prepared")),
        run: dir.join("run"),
        dir,
    }
}

fn slurm_args<'a>(s: &'a Setup, run: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec![
        "slurm",
        "--config",
        &s.config,
        "--data",
        &s.data,
        "--out",
        run,
        "--profile",
        "tiny",
    ];
    args.extend_from_slice(extra);
    args
}

/// The words of the `bonescan cv` line of a units script.
fn cv_words(units: &str) -> Vec<&str> {
    let line = units
        .lines()
        .find(|l| l.contains(" cv --config "))
        .unwrap_or("");
    line.split(' ').collect()
}

#[test]
fn writes_an_array_of_the_missing_folds_and_an_aggregate_after_it() {
    let s = setup("slurm_cli_scripts");
    let run = s.run.to_str().unwrap();
    let extra = [
        "--partition",
        "gpu",
        "--gpus-per-job",
        "1",
        "--time",
        "02:00:00",
        "--account",
        "lab",
        "--cpus-per-task",
        "6",
    ];
    let out = bonescan(&slurm_args(&s, run, &extra), None);
    assert!(out.status.success(), "{}", text(&out));
    let units = std::fs::read_to_string(s.run.join("slurm/units.sbatch")).unwrap();
    for line in [
        "#SBATCH --array=1,2,3",
        "#SBATCH --partition=gpu",
        "#SBATCH --gpus=1",
        "#SBATCH --time=02:00:00",
        "#SBATCH --account=lab",
        "#SBATCH --cpus-per-task=6",
    ] {
        assert!(units.lines().any(|l| l == line), "{line} missing:\n{units}");
    }
    assert!(units.contains(" cv --config ") && units.contains("--fold \"$SLURM_ARRAY_TASK_ID\""));
    assert!(
        !cv_words(&units).contains(&"--cpu"),
        "a GPU job must not force the CPU:\n{units}"
    );
    assert!(cv_words(&units).ends_with(&["--threads", "6"]), "{units}");
    assert!(
        s.run.join("slurm/logs").is_dir(),
        "Slurm needs the log folder to exist"
    );
    let aggregate = std::fs::read_to_string(s.run.join("slurm/aggregate.sbatch")).unwrap();
    assert!(aggregate.contains(" aggregate "), "{aggregate}");
    let submit = std::fs::read_to_string(s.run.join("slurm/submit.sh")).unwrap();
    assert!(submit.contains("--dependency=afterok:"), "{submit}");

    // fold 2 done: a second call arrays folds 1 and 3 only
    for loss in ["dice", "focal_tversky"] {
        let fold = s.run.join(loss).join("fold_2");
        std::fs::create_dir_all(&fold).unwrap();
        std::fs::write(fold.join("result.json"), "{}").unwrap();
    }
    let out = bonescan(&slurm_args(&s, run, &[]), None);
    assert!(out.status.success(), "{}", text(&out));
    let units = std::fs::read_to_string(s.run.join("slurm/units.sbatch")).unwrap();
    assert!(units.contains("#SBATCH --array=1,3\n"), "{units}");
    assert!(
        cv_words(&units).contains(&"--cpu"),
        "no GPUs asked: the units run on the CPU\n{units}"
    );

    // status from the run directory: fold 2 done, fold 1 started, fold 3 failed
    std::fs::create_dir_all(s.run.join("stage1/fold_1")).unwrap();
    std::fs::write(s.run.join("stage1/fold_1/state.json"), "{}").unwrap();
    std::fs::create_dir_all(s.run.join("slurm/state")).unwrap();
    std::fs::write(s.run.join("slurm/state/fold_3.failed"), "1\n").unwrap();
    let out = bonescan(&["status", run], None);
    let t = text(&out);
    assert!(out.status.success(), "{t}");
    assert!(
        t.contains("fold 1     running  negative mining stage 1"),
        "{t}"
    );
    assert!(t.contains("fold 2     done"), "{t}");
    assert!(
        t.contains("fold 3     failed") && t.contains("fold_3.log"),
        "{t}"
    );
    assert!(t.contains("1 done, 1 running, 1 failed, 1 pending"), "{t}");
}

#[test]
fn submit_chains_the_aggregate_after_the_array_job() {
    let s = setup("slurm_cli_submit");
    // a stand-in sbatch: logs its arguments, answers job ids 41 then 42
    let bin = s.dir.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let log = s.dir.join("sbatch.log");
    let script = format!(
        "#!/bin/sh\necho \"$@\" >> '{0}'\necho $((40 + $(wc -l < '{0}')))\n",
        log.display()
    );
    let sbatch = bin.join("sbatch");
    std::fs::write(&sbatch, script).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&sbatch, std::fs::Permissions::from_mode(0o755)).unwrap();
    let run = s.run.to_str().unwrap();
    let out = bonescan(&slurm_args(&s, run, &["--submit"]), Some(&bin));
    assert!(out.status.success(), "{}", text(&out));
    let calls = std::fs::read_to_string(&log).unwrap();
    let calls: Vec<&str> = calls.lines().collect();
    assert_eq!(calls.len(), 2, "{calls:?}");
    assert!(calls[0].starts_with("--parsable ") && calls[0].ends_with("units.sbatch"));
    assert!(
        calls[1].starts_with("--parsable --dependency=afterok:41 "),
        "{calls:?}"
    );
    assert!(calls[1].ends_with("aggregate.sbatch"), "{calls:?}");
}

#[test]
fn bad_options_and_runs_are_named_in_the_error() {
    let s = setup("slurm_cli_errors");
    let run = s.run.to_str().unwrap();
    let out = bonescan(&slurm_args(&s, run, &["--time", "2h"]), None);
    assert!(!out.status.success());
    assert!(
        text(&out).contains("--time \"2h\": expected [D-]HH:MM:SS"),
        "{}",
        text(&out)
    );
    let out = bonescan(&slurm_args(&s, run, &["--partition", "a b"]), None);
    assert!(!out.status.success());
    assert!(text(&out).contains("--partition \"a b\""), "{}", text(&out));
    let nowhere = s.dir.join("nowhere");
    let out = bonescan(&["status", nowhere.to_str().unwrap()], None);
    assert!(!out.status.success());
    assert!(text(&out).contains("experiment.toml"), "{}", text(&out));
    assert!(!text(&out).contains("panicked"), "{}", text(&out));
}
