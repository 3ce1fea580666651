//! `--devices cpu|cuda:0,cuda:1|cuda:all`: the devices `bonescan experiments` runs its fold
//! processes on, one process per device entry at a time, each unit on the next free one.

/// One place a fold process runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Slot {
    /// As today without `--devices`: the process picks its device (`--cpu` when asked).
    Default,
    /// The CPU (`bonescan cv --cpu`); list `cpu` twice for two CPU processes at a time.
    Cpu,
    /// CUDA device K, the only one the process sees (`CUDA_VISIBLE_DEVICES=K`).
    Cuda(usize),
}

impl std::fmt::Display for Slot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Slot::Default => f.write_str("default device"),
            Slot::Cpu => f.write_str("cpu"),
            Slot::Cuda(k) => write!(f, "cuda:{k}"),
        }
    }
}

/// A `--devices` list that cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("--devices {list:?}: {why}")]
pub(crate) struct DevicesError {
    list: String,
    why: String,
}

/// Parses `--devices` on a machine with `cuda_count` CUDA devices.
pub(crate) fn parse(list: &str, cuda_count: usize) -> Result<Vec<Slot>, DevicesError> {
    let fail = |why: String| DevicesError {
        list: list.to_string(),
        why,
    };
    let mut slots = Vec::new();
    for entry in list.split(',').map(str::trim) {
        match entry {
            "cpu" => slots.push(Slot::Cpu),
            "cuda:all" if cuda_count == 0 => {
                return Err(fail("this machine has no CUDA device".into()))
            }
            "cuda:all" => slots.extend((0..cuda_count).map(Slot::Cuda)),
            _ => {
                let k = entry
                    .strip_prefix("cuda:")
                    .and_then(|k| k.parse::<usize>().ok())
                    .ok_or_else(|| fail(format!("{entry:?} is not cpu, cuda:K or cuda:all")))?;
                if k >= cuda_count {
                    return Err(fail(format!(
                        "cuda:{k} does not exist (this machine has {cuda_count} CUDA devices)"
                    )));
                }
                slots.push(Slot::Cuda(k));
            }
        }
    }
    Ok(slots)
}

/// The first slot no running process holds.
pub(crate) fn next_free(slots: usize, busy: &[usize]) -> Option<usize> {
    (0..slots).find(|s| !busy.contains(s))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_cpu_and_cuda_lists() {
        assert_eq!(parse("cpu", 0).unwrap(), [Slot::Cpu]);
        assert_eq!(parse("cpu, cpu", 0).unwrap(), [Slot::Cpu, Slot::Cpu]);
        assert_eq!(
            parse("cuda:1,cuda:0", 2).unwrap(),
            [Slot::Cuda(1), Slot::Cuda(0)]
        );
        assert_eq!(
            parse("cuda:all", 3).unwrap(),
            [Slot::Cuda(0), Slot::Cuda(1), Slot::Cuda(2)]
        );
        for (bad, says) in [
            ("cuda:all", "no CUDA device"),
            ("cuda:2", "has 2 CUDA devices"),
            ("gpu", "not cpu, cuda:K or cuda:all"),
            ("cpu,", "not cpu"),
        ] {
            let e = parse(bad, if bad == "cuda:all" { 0 } else { 2 }).unwrap_err();
            assert!(e.to_string().contains(says), "{bad}: {e}");
        }
    }

    #[test]
    fn each_unit_goes_to_the_next_free_device() {
        // two cpu entries: units 1, 2 take slots 0, 1; the third waits; slot 1 frees first
        let slots = parse("cpu,cpu", 0).unwrap().len();
        let mut busy = Vec::new();
        for want in [Some(0), Some(1), None] {
            let got = next_free(slots, &busy);
            assert_eq!(got, want);
            busy.extend(got);
        }
        busy.retain(|&s| s != 1);
        assert_eq!(next_free(slots, &busy), Some(1));
    }
}
