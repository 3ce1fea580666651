//! One module per subcommand.

pub mod aggregate;
pub(crate) mod batch;
pub mod cv;
pub(crate) mod devices;
pub mod doctor;
pub mod experiments;
pub mod init;
pub mod inspect;
pub mod labelme_to_mask;
pub(crate) mod pool;
pub mod predict;
pub mod prepare;
pub mod slurm;
pub mod status;
pub mod synth;
pub(crate) mod units;
pub mod weights;

/// The error type every subcommand returns: each crate's typed error, boxed.
pub type CliResult = Result<(), Box<dyn std::error::Error + Send + Sync>>;
