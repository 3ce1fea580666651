//! View identification: which frame is anterior, which posterior, and which rule said so.
//!
//! Rules, in order (the first that answers decides): View Code Sequence code value in the
//! Detector Information Sequence → its Code Meaning → vendor strings → frame order. A caller
//! override replaces all of them.

use dicom_core::Tag;
use dicom_dictionary_std::tags;
use dicom_object::InMemDicomObject;

use crate::dicom_file::{items, text};
use crate::view::{ViewName, ViewRule};

/// A decided view with its rule and the evidence the rule used.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Decision {
    pub view: ViewName,
    pub rule: ViewRule,
    pub evidence: String,
}

impl Decision {
    fn new(view: ViewName, rule: ViewRule, evidence: impl Into<String>) -> Self {
        Decision {
            view,
            rule,
            evidence: evidence.into(),
        }
    }
}

/// View codes of CID 26 "Nuclear Medicine Projections": SNOMED CT (`SCT`, current) and the
/// SNOMED RT (`SRT`) codes older objects carry, current and retired.
pub fn view_from_code(code: &str) -> Option<ViewName> {
    match code.trim() {
        "399321004" | "G-5215" | "G-5200" => Some(ViewName::Anterior),
        "399001007" | "G-5216" | "G-5201" => Some(ViewName::Posterior),
        _ => None,
    }
}

/// A Code Meaning naming exactly one of the views as a word ("anterior projection").
/// Compounds such as "antero-posterior" name neither.
pub fn view_from_meaning(meaning: &str) -> Option<ViewName> {
    let lower = meaning.to_ascii_lowercase();
    let words: Vec<&str> = lower
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    if words
        .iter()
        .any(|w| w.starts_with("antero") || w.starts_with("postero"))
    {
        return None;
    }
    let ant = words.contains(&"anterior");
    let post = words.contains(&"posterior");
    match (ant, post) {
        (true, false) => Some(ViewName::Anterior),
        (false, true) => Some(ViewName::Posterior),
        _ => None,
    }
}

/// Vendor text naming one view by a word starting `ANT` (not `ANTI`) or `POST`,
/// case-insensitive; text naming both or neither decides nothing.
pub fn view_from_vendor_text(text: &str) -> Option<ViewName> {
    let upper = text.to_ascii_uppercase();
    let mut ant = false;
    let mut post = false;
    for word in upper
        .split(|c: char| !c.is_ascii_alphabetic())
        .filter(|w| !w.is_empty())
    {
        ant |= word.starts_with("ANT") && !word.starts_with("ANTI");
        post |= word.starts_with("POST");
    }
    match (ant, post) {
        (true, false) => Some(ViewName::Anterior),
        (false, true) => Some(ViewName::Posterior),
        _ => None,
    }
}

fn code_item(obj: &InMemDicomObject) -> Option<&InMemDicomObject> {
    items(obj, tags::VIEW_CODE_SEQUENCE).first()
}

/// Object-level vendor strings that name the view of a single-frame object.
const VENDOR_TAGS: [(Tag, &str); 5] = [
    (tags::SERIES_DESCRIPTION, "Series Description"),
    (tags::IMAGE_COMMENTS, "Image Comments"),
    (tags::IMAGE_ID, "Image ID"),
    (tags::PROTOCOL_NAME, "Protocol Name"),
    (tags::VIEW_POSITION, "View Position"),
];

/// Per-frame decisions for a DICOM object with `frames` frames (rules View Code, Code
/// Meaning, vendor strings); `None` where no rule answered.
pub(crate) fn dicom_frame_hints(obj: &InMemDicomObject, frames: usize) -> Vec<Option<Decision>> {
    let detectors = items(obj, tags::DETECTOR_INFORMATION_SEQUENCE);
    let vector = crate::dicom_file::ints(obj, tags::DETECTOR_VECTOR);
    (0..frames)
        .map(|frame| {
            // Detector Vector maps frame → detector number (1-based) → Detector Information item
            let detector = match vector.get(frame) {
                Some(&d) if d >= 1 => (d - 1) as usize,
                _ => frame,
            };
            let code = detectors.get(detector).and_then(code_item);
            let code_value = code.and_then(|c| text(c, tags::CODE_VALUE));
            if let Some(value) = &code_value {
                if let Some(view) = view_from_code(value) {
                    let scheme = code
                        .and_then(|c| text(c, tags::CODING_SCHEME_DESIGNATOR))
                        .unwrap_or_default();
                    return Some(Decision::new(
                        view,
                        ViewRule::ViewCode,
                        format!("{scheme} {value}").trim().to_string(),
                    ));
                }
            }
            if let Some(meaning) = code.and_then(|c| text(c, tags::CODE_MEANING)) {
                if let Some(view) = view_from_meaning(&meaning) {
                    return Some(Decision::new(view, ViewRule::CodeMeaning, meaning));
                }
            }
            if let Some(value) = &code_value {
                if let Some(view) = view_from_vendor_text(value) {
                    return Some(Decision::new(
                        view,
                        ViewRule::VendorString,
                        format!("code value {value}"),
                    ));
                }
            }
            if frames == 1 {
                for (tag, name) in VENDOR_TAGS {
                    if let Some(s) = text(obj, tag) {
                        if let Some(view) = view_from_vendor_text(&s) {
                            return Some(Decision::new(
                                view,
                                ViewRule::VendorString,
                                format!("{name} {s:?}"),
                            ));
                        }
                    }
                }
            }
            None
        })
        .collect()
}

/// Decision from a PNG/JPEG file name (`patient7_ant.png`, `post.jpg`).
pub(crate) fn file_name_hint(path: &std::path::Path) -> Option<Decision> {
    let stem = path.file_stem()?.to_str()?;
    view_from_vendor_text(stem)
        .map(|view| Decision::new(view, ViewRule::FileName, stem.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_current_and_retired() {
        assert_eq!(view_from_code("399321004"), Some(ViewName::Anterior));
        assert_eq!(view_from_code("399001007"), Some(ViewName::Posterior));
        assert_eq!(view_from_code("G-5215"), Some(ViewName::Anterior));
        assert_eq!(view_from_code("G-5200"), Some(ViewName::Anterior));
        assert_eq!(view_from_code("G-5216"), Some(ViewName::Posterior));
        assert_eq!(view_from_code("G-5201"), Some(ViewName::Posterior));
        assert_eq!(view_from_code("G-A100"), None);
    }

    #[test]
    fn meanings_are_words_not_substrings() {
        assert_eq!(
            view_from_meaning("Anterior projection"),
            Some(ViewName::Anterior)
        );
        assert_eq!(view_from_meaning("posterior"), Some(ViewName::Posterior));
        assert_eq!(view_from_meaning("antero-posterior"), None);
        assert_eq!(view_from_meaning("anterior and posterior"), None);
    }

    #[test]
    fn vendor_words() {
        assert_eq!(view_from_vendor_text("WB ANT"), Some(ViewName::Anterior));
        assert_eq!(
            view_from_vendor_text("Post_WholeBody"),
            Some(ViewName::Posterior)
        );
        assert_eq!(view_from_vendor_text("ANTIBODY scan"), None);
        assert_eq!(view_from_vendor_text("ANT/POST"), None);
        assert_eq!(view_from_vendor_text("Whole Body Bone"), None);
    }
}
