//! Which class value each labelme label gets.

use std::collections::BTreeMap;
use std::str::FromStr;

use crate::error::{MaskError, Result};

/// What to do with a shape whose label the map does not know.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum UnknownLabelPolicy {
    /// Fail with [`MaskError::UnknownLabel`] (default: a misspelt label must not silently
    /// vanish from the training masks). labelme itself raises a `KeyError` here.
    #[default]
    Error,
    /// Leave the shape out.
    Skip,
}

/// Label name → class value, like labelme's `label_name_to_value`.
///
/// `_background_` maps to 0 unless set otherwise, as in labelme's own export. Which labels
/// mean metastasis is the caller's choice, e.g. `"metastasis=2"` for the three-class
/// BG/NM/M convention or `"metastasis=1"` for a binary lesion mask.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabelMap {
    values: BTreeMap<String, u8>,
    unknown: UnknownLabelPolicy,
}

impl Default for LabelMap {
    fn default() -> Self {
        Self {
            values: BTreeMap::from([("_background_".to_string(), 0)]),
            unknown: UnknownLabelPolicy::Error,
        }
    }
}

impl LabelMap {
    /// A map knowing only `_background_` → 0.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds (or replaces) `label` → `value`.
    pub fn with(mut self, label: impl Into<String>, value: u8) -> Self {
        self.values.insert(label.into(), value);
        self
    }

    /// Sets what happens to labels the map does not know.
    pub fn with_unknown(mut self, policy: UnknownLabelPolicy) -> Self {
        self.unknown = policy;
        self
    }

    /// The class value of `label`, if known.
    pub fn value(&self, label: &str) -> Option<u8> {
        self.values.get(label).copied()
    }

    /// The policy for unknown labels.
    pub fn unknown_policy(&self) -> UnknownLabelPolicy {
        self.unknown
    }

    /// The known labels, comma separated (for error messages).
    pub fn known_labels(&self) -> String {
        self.values.keys().cloned().collect::<Vec<_>>().join(", ")
    }

    /// Iterates over `(label, value)` pairs in label order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, u8)> {
        self.values.iter().map(|(k, v)| (k.as_str(), *v))
    }
}

impl FromStr for LabelMap {
    type Err = MaskError;

    /// Parses `label=value[,label=value...]`, e.g. `metastasis=1,artifact=2`, values 0–255.
    fn from_str(spec: &str) -> Result<Self> {
        let bad = |reason: String| MaskError::BadLabelMap {
            spec: spec.to_string(),
            reason,
        };
        let mut map = Self::default();
        for item in spec.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let (label, value) = item
                .rsplit_once('=')
                .ok_or_else(|| bad(format!("{item:?} is not label=value")))?;
            let label = label.trim();
            if label.is_empty() {
                return Err(bad(format!("{item:?} has an empty label")));
            }
            let value: u8 = value
                .trim()
                .parse()
                .map_err(|_| bad(format!("{item:?}: value must be an integer 0-255")))?;
            map.values.insert(label.to_string(), value);
        }
        if map.values.len() == 1 {
            return Err(bad("no label=value pair".to_string()));
        }
        Ok(map)
    }
}
