//! What the benchmarks share: the median of timed runs, measured the way their Python
//! references measure theirs, and the machine's load before timing.

// each benchmark uses the part it needs
#![allow(dead_code)]

/// Median seconds of 200 timed runs of `step`.
pub fn median_seconds(mut step: impl FnMut()) -> f64 {
    let mut times: Vec<f64> = (0..200)
        .map(|_| {
            let t = std::time::Instant::now();
            step();
            t.elapsed().as_secs_f64()
        })
        .collect();
    times.sort_by(f64::total_cmp);
    times[times.len() / 2]
}

/// The 1-, 5- and 15-minute load averages (Linux), to print beside a ratio.
pub fn load_average() -> String {
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    load.split_whitespace()
        .take(3)
        .collect::<Vec<_>>()
        .join(" ")
}

/// Runs a Python reference (`.venv`'s interpreter) that prints one number of seconds.
pub fn python_seconds(script: &str, args: &[&str]) -> f64 {
    let out = bs_testdata::run_python(script, args);
    out.trim()
        .parse()
        .unwrap_or_else(|_| panic!("python reference printed {out:?}, not seconds"))
}
