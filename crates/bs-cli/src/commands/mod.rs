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

/// An error and its causes on one line (`A: B: C`), for a failure reported while the command
/// goes on.
pub(crate) fn error_chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
