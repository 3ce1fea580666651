//! Generation speed of the paper's 200-patient cohort, in memory (all cores via rayon) and
//! written to a temporary directory (DICOM, PNGs, Labelme JSON, manifests).

use bs_phantom::{generate_cohort, write_cohort, CohortSpec};
use criterion::{criterion_group, criterion_main, Criterion};

fn cohort(c: &mut Criterion) {
    let spec = CohortSpec::paper();
    let mut group = c.benchmark_group("paper_cohort_200");
    group.sample_size(10);
    group.bench_function("generate_in_memory", |b| {
        b.iter(|| generate_cohort(&spec, 7).len())
    });
    group.bench_function("write_to_disk", |b| {
        b.iter(|| {
            let dir = tempfile::tempdir().expect("temp dir");
            write_cohort(dir.path(), &spec, 7, &|| {})
                .expect("write cohort")
                .patients
                .len()
        })
    });
    group.finish();
}

/// criterion's generated group function carries no doc comment.
mod harness {
    #![allow(missing_docs)]
    use super::*;
    criterion_group!(benches, cohort);
}
criterion_main!(harness::benches);
