//! Python's `json` module writes NaN and infinities as bare `NaN`, `Infinity`, `-Infinity`,
//! which is not JSON. To report them as non-finite points (naming the shape) rather than as a
//! syntax error, those tokens are replaced by `null` outside strings before parsing.

/// Returns `text` with bare `NaN` / `Infinity` / `-Infinity` tokens (outside strings) replaced
/// by `null`, or `None` when there are none (the common case: no copy).
pub(crate) fn nulls_for_non_finite(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out: Option<String> = None;
    let mut copied_up_to = 0;
    let mut in_string = false;
    let mut escaped = false;
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        if in_string {
            if escaped {
                escaped = false;
            } else if c == b'\\' {
                escaped = true;
            } else if c == b'"' {
                in_string = false;
            }
            i += 1;
            continue;
        }
        if c == b'"' {
            in_string = true;
            i += 1;
            continue;
        }
        let token_len = ["-Infinity", "Infinity", "NaN"]
            .iter()
            .find(|t| bytes[i..].starts_with(t.as_bytes()))
            .map(|t| t.len());
        if let Some(len) = token_len {
            let s = out.get_or_insert_with(|| String::with_capacity(text.len()));
            s.push_str(&text[copied_up_to..i]);
            s.push_str("null");
            i += len;
            copied_up_to = i;
            continue;
        }
        i += 1;
    }
    out.map(|mut s| {
        s.push_str(&text[copied_up_to..]);
        s
    })
}

#[cfg(test)]
mod tests {
    use super::nulls_for_non_finite;

    #[test]
    fn replaces_tokens_outside_strings_only() {
        let text = r#"{"label": "NaN \"Infinity", "points": [[NaN, -Infinity], [1, Infinity]]}"#;
        let fixed = nulls_for_non_finite(text).unwrap();
        assert_eq!(
            fixed,
            r#"{"label": "NaN \"Infinity", "points": [[null, null], [1, null]]}"#
        );
        assert!(nulls_for_non_finite(r#"{"a": "NaN"}"#).is_none());
    }
}
