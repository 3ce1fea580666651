//! What can be wrong with an HDF5 file, as the Keras reader sees it.

/// An HDF5 file the Keras weight reader cannot read. Positions are byte offsets in the file.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Hdf5Error {
    /// A structure runs past the end of the file.
    #[error("{what} at byte {at} runs past the end of the file")]
    Truncated {
        /// The structure.
        what: &'static str,
        /// Where it starts.
        at: u64,
    },
    /// A structure does not start with its signature.
    #[error("no {what} signature at byte {at}")]
    Signature {
        /// The structure.
        what: &'static str,
        /// Where it should start.
        at: u64,
    },
    /// A structure of a version this reader does not know.
    #[error("{what} version {version} is not one this reader knows")]
    Version {
        /// The structure.
        what: &'static str,
        /// Its version.
        version: u8,
    },
    /// A structure whose values contradict each other or the file.
    #[error("{what} at byte {at}: {problem}")]
    Malformed {
        /// The structure.
        what: &'static str,
        /// Where it starts.
        at: u64,
        /// What is wrong.
        problem: String,
    },
    /// A valid HDF5 feature that Keras weight files do not use and this reader does not read.
    #[error("{feature} is not supported: Keras weight files do not use it")]
    Unsupported {
        /// The feature.
        feature: String,
    },
    /// Reading the file's structure took more reads than a file of its size can need: its
    /// nodes point back to each other or are shared many times over.
    #[error("the file's structure needs more than {limit} bytes of reading")]
    TooMuchWork {
        /// The bound, from the file's size.
        limit: u64,
    },
    /// A group has no member of the name asked for, or not of the kind asked for.
    #[error("no {kind} `{name}`")]
    NotFound {
        /// `group` or `dataset`.
        kind: &'static str,
        /// The member's name.
        name: String,
    },
}

pub(crate) type Result<T> = std::result::Result<T, Hdf5Error>;

pub(super) fn malformed(what: &'static str, at: u64, problem: impl Into<String>) -> Hdf5Error {
    Hdf5Error::Malformed {
        what,
        at,
        problem: problem.into(),
    }
}

pub(super) fn unsupported(feature: impl Into<String>) -> Hdf5Error {
    Hdf5Error::Unsupported {
        feature: feature.into(),
    }
}
