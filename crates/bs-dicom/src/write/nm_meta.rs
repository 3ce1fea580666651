//! Metadata of a written NM whole-body object, and deterministic synthetic metadata.

use sha2::{Digest, Sha256};

/// Identity, study and device attributes of an NM whole-body object written by
/// [`write_whole_body_nm`](super::write_whole_body_nm).
#[derive(Debug, Clone, PartialEq)]
pub struct NmWriteMeta {
    /// Patient ID (0010,0020).
    pub patient_id: String,
    /// Patient's Name (0010,0010), DICOM PN form (`Family^Given`).
    pub patient_name: String,
    /// Study Instance UID (0020,000D).
    pub study_instance_uid: String,
    /// Series Instance UID (0020,000E).
    pub series_instance_uid: String,
    /// SOP Instance UID (0008,0018), also the file meta Media Storage SOP Instance UID.
    pub sop_instance_uid: String,
    /// Study Date (0008,0020), `YYYYMMDD`.
    pub study_date: String,
    /// Manufacturer (0008,0070).
    pub manufacturer: String,
    /// Manufacturer's Model Name (0008,1090).
    pub model: String,
    /// Pixel Spacing (0028,0030): row spacing, column spacing in mm.
    pub pixel_spacing_mm: [f64; 2],
    /// Radionuclide, written as the Code Meaning of the Radionuclide Code Sequence
    /// (SNOMED CT `72454006` when it is technetium-99m).
    pub radionuclide: Option<String>,
    /// Radiopharmaceutical (0018,0031), e.g. `Tc-99m MDP`.
    pub radiopharmaceutical: Option<String>,
    /// Series Description (0008,103E).
    pub series_description: String,
    /// Actual Frame Duration (0018,1242) in ms: how long the whole-body pass took; with the
    /// rows and pixel spacing it gives Scan Length and Scan Velocity.
    pub frame_duration_ms: u32,
}

/// A UID under the `2.25` root (ISO/IEC 9834-8, UUID-derived): `2.25.` + the first 128 bits of
/// SHA-256(`parts` joined by `/`) as a decimal integer. Deterministic, at most 44 characters.
pub fn derived_uid(parts: &[&str]) -> String {
    let digest = Sha256::digest(parts.join("/").as_bytes());
    let n = u128::from_be_bytes(digest[..16].try_into().expect("16 bytes"));
    format!("2.25.{n}")
}

/// Days since 1970-01-01 → (year, month, day) in the proleptic Gregorian calendar
/// (H. Hinnant's `civil_from_days`).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// DICOM Date (DA, `YYYYMMDD`) and Time (TM, `HHMMSS`) values of a moment given in seconds
/// since 1970-01-01 00:00:00 UTC (UTC; negative seconds are before 1970).
pub fn dicom_date_time(unix_seconds: i64) -> (String, String) {
    let days = unix_seconds.div_euclid(86_400);
    let rem = unix_seconds.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    (
        format!("{y:04}{m:02}{d:02}"),
        format!("{:02}{:02}{:02}", rem / 3600, (rem / 60) % 60, rem % 60),
    )
}

impl NmWriteMeta {
    /// Metadata of a synthetic patient: UIDs derived from `patient_id` and `seed` (same inputs →
    /// same UIDs, different patients or seeds → different UIDs), a study date in 2018–2021 drawn
    /// from the same hash, Tc-99m MDP, 2.26 mm pixels, a 20-minute pass, and a device naming
    /// the bonescan phantom.
    pub fn synthetic(patient_id: &str, seed: u64) -> NmWriteMeta {
        let seed_text = seed.to_string();
        let uid =
            |kind: &str| derived_uid(&["bonescan", "synthetic", kind, &seed_text, patient_id]);
        let digest = Sha256::digest(format!("bonescan/date/{seed}/{patient_id}").as_bytes());
        let offset = i64::from(u16::from_be_bytes([digest[0], digest[1]]) % 1461);
        // 2018-01-01 is day 17532 after the epoch
        let (y, m, d) = civil_from_days(17_532 + offset);
        NmWriteMeta {
            patient_id: patient_id.to_string(),
            patient_name: format!("Synthetic^{patient_id}"),
            study_instance_uid: uid("study"),
            series_instance_uid: uid("series"),
            sop_instance_uid: uid("instance"),
            study_date: format!("{y:04}{m:02}{d:02}"),
            manufacturer: "bonescan".to_string(),
            model: "bs-phantom synthetic whole-body scan".to_string(),
            pixel_spacing_mm: [2.26, 2.26],
            radionuclide: Some("Tc-99m".to_string()),
            radiopharmaceutical: Some("Tc-99m MDP".to_string()),
            series_description: "WB BONE synthetic".to_string(),
            frame_duration_ms: 20 * 60 * 1000,
        }
    }
}

/// Whether `uid` is a valid DICOM UID: ≤ 64 characters, numeric components separated by dots,
/// no empty component, no leading zero except the component `0` itself.
pub fn is_valid_uid(uid: &str) -> bool {
    !uid.is_empty()
        && uid.len() <= 64
        && uid.split('.').all(|c| {
            !c.is_empty()
                && c.bytes().all(|b| b.is_ascii_digit())
                && (c == "0" || !c.starts_with('0'))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn synthetic_uids_are_valid_deterministic_and_distinct() {
        let a = NmWriteMeta::synthetic("P001", 1);
        assert_eq!(a, NmWriteMeta::synthetic("P001", 1));
        let b = NmWriteMeta::synthetic("P001", 2);
        let c = NmWriteMeta::synthetic("P002", 1);
        for m in [&a, &b, &c] {
            for uid in [
                &m.study_instance_uid,
                &m.series_instance_uid,
                &m.sop_instance_uid,
            ] {
                assert!(is_valid_uid(uid), "{uid}");
            }
        }
        assert_ne!(a.study_instance_uid, a.series_instance_uid);
        assert_ne!(a.sop_instance_uid, b.sop_instance_uid);
        assert_ne!(a.sop_instance_uid, c.sop_instance_uid);
        let year: u32 = a.study_date[..4].parse().unwrap();
        assert!((2018..=2021).contains(&year), "{}", a.study_date);
    }

    #[test]
    fn civil_dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(17_532), (2018, 1, 1));
        assert_eq!(civil_from_days(17_532 + 59), (2018, 3, 1));
        assert_eq!(civil_from_days(18_321), (2020, 2, 29));
        // 2000-02-29 12:34:56 UTC and the second before the epoch
        assert_eq!(
            dicom_date_time(951_827_696),
            ("20000229".to_string(), "123456".to_string())
        );
        assert_eq!(
            dicom_date_time(-1),
            ("19691231".to_string(), "235959".to_string())
        );
    }

    #[test]
    fn uid_validation() {
        assert!(is_valid_uid("1.2.840.10008.1.2.1"));
        assert!(is_valid_uid("2.25.0"));
        assert!(!is_valid_uid("1.02.3"));
        assert!(!is_valid_uid("1..2"));
        assert!(!is_valid_uid("1.2.a"));
        assert!(!is_valid_uid(&"1.".repeat(40)));
    }
}
