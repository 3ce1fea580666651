//! `bonescan synth`: writes the synthetic whole-body bone-scan cohort (bs-phantom).

use std::path::PathBuf;

use bs_phantom::cohort::CohortSpec;
use bs_phantom::output::{write_cohort, write_contact_sheet};

use super::CliResult;

/// Options of `bonescan synth`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Output directory (created; existing files of the same names are overwritten).
    #[arg(long)]
    pub out: PathBuf,
    /// Seed: the same seed gives a byte-identical cohort.
    #[arg(long, default_value_t = 7)]
    pub seed: u64,
    /// `paper` (Table 1: D1 90, D2 10, D3 50, D4 50), `small` (4+2+4+2) or a TOML file.
    #[arg(long, default_value = "paper")]
    pub cohort: String,
    /// Patients per data set on the contact sheet (0: no contact sheet).
    #[arg(long, default_value_t = 2)]
    pub contact_sheet_per_group: usize,
    /// A real whole-body scan (DICOM) shown first on the contact sheet, windowed like the
    /// phantoms, to compare them by eye.
    #[arg(long)]
    pub reference: Option<PathBuf>,
    /// Worker threads (default: all cores).
    #[arg(long)]
    pub threads: Option<usize>,
}

/// Runs `bonescan synth`.
pub fn run(args: &Args) -> CliResult {
    let spec = match args.cohort.as_str() {
        "paper" => CohortSpec::paper(),
        "small" => CohortSpec::small(),
        file => CohortSpec::from_path(std::path::Path::new(file))?,
    };
    if let Some(n) = args.threads {
        rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build_global()?;
    }
    let total = spec.groups.total() as u64;
    let bar =
        indicatif::ProgressBar::new(total).with_style(indicatif::ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {bar:40} {pos}/{len} patients ({eta} left)",
        )?);
    let started = std::time::Instant::now();
    let manifest = write_cohort(&args.out, &spec, args.seed, &|| bar.inc(1))?;
    bar.finish();
    let lesions: usize = manifest.patients.iter().map(|p| p.lesion_count).sum();
    println!(
        "wrote {} patients ({} lesions) of cohort '{}' with seed {} to {} in {:.1} s",
        manifest.patients.len(),
        lesions,
        spec.name,
        args.seed,
        args.out.display(),
        started.elapsed().as_secs_f64()
    );
    if args.contact_sheet_per_group > 0 {
        let sheet = args.out.join("contact-sheet.png");
        let read = |path: &std::path::Path| {
            bs_dicom::read_scan(path, &bs_dicom::ReadOptions::default())
                .map(|scan| bs_phantom::images::reference_counts(&scan))
        };
        let reference = args.reference.as_deref().map(read).transpose()?;
        write_contact_sheet(
            &sheet,
            &spec,
            args.seed,
            args.contact_sheet_per_group,
            reference.as_ref().map(|r| r.view()),
        )?;
        println!("contact sheet: {}", sheet.display());
    }
    Ok(())
}
