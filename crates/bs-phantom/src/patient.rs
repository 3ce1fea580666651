//! One synthetic patient: anatomy → physiology → lesions → counts, with exact ground truth.

use ndarray::{s, Array2};
use rand::Rng;

use crate::anatomy::{soft_tissue_buffer, Anatomy, Site};
use crate::body::{normal, BodyParams, Frame, Sex};
use crate::config::PhantomConfig;
use crate::confounder::{sample_confounders, Confounder, ConfounderSet};
use crate::lesion::{mirror_index, sample_lesion, Cancer, Lesion};
use crate::poisson::sample_poisson;
use crate::raster::{Camera, Layers, MU_PER_CM};
use crate::rng::{patient_rng, Stream};
use crate::texture::soft_tissue_texture;
use crate::{VIEW_COLS, VIEW_ROWS};

/// The four data sets of the paper's Table 1, defined once in bs-preprocess (whose cohort
/// table reads them from users' spreadsheets).
pub use bs_preprocess::dataset::Group;

/// What to generate for one patient.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatientSpec {
    /// Position in the cohort (keys the patient's random streams).
    pub index: u64,
    /// Synthetic patient ID.
    pub patient_id: String,
    /// Data set.
    pub group: Group,
}

/// A generated patient: both count views and the exact lesion ground truth.
#[derive(Debug, Clone)]
pub struct SyntheticPatient {
    /// Synthetic patient ID.
    pub patient_id: String,
    /// Data set.
    pub group: Group,
    /// Primary cancer.
    pub cancer: Cancer,
    /// Sex.
    pub sex: Sex,
    /// Shape and pose.
    pub body: BodyParams,
    /// Diffuse, intense axial uptake with faint kidneys (rare, prostate only).
    pub superscan: bool,
    /// Anterior view, counts, `1024 × 256`.
    pub anterior: Array2<u16>,
    /// Posterior view, counts, `1024 × 256`, left–right mirrored as acquired.
    pub posterior: Array2<u16>,
    /// Lesions visible in at least one view (the labelled ones).
    pub lesions: Vec<Lesion>,
    /// Per lesion, its ground-truth pixels in merged AP‖PA coordinates `(row, column)`.
    pub lesion_pixels: Vec<Vec<(usize, usize)>>,
    /// Unlabelled hot spots.
    pub confounders: Vec<Confounder>,
}

impl SyntheticPatient {
    /// Landmark rows of the anterior view, from the anatomy (for [`Realism`](crate::Realism)).
    pub fn landmarks(&self) -> crate::realism::Landmarks {
        let frame = Frame::new(self.body.clone());
        let at = |v: f32| frame.project(0.0, v, 0.5);
        let row = |v: f32| at(v).1.round().max(0.0) as usize;
        crate::realism::Landmarks {
            head: (row(0.015), row(0.065)),
            chest: row(0.236),
            abdomen: row(0.37),
            l3: row(0.4075),
            thigh: row(0.606),
            bladder: row(0.486),
            midline: f64::from(at(0.236).0),
        }
    }

    /// The merged raw image: anterior in columns 0–255, posterior in 256–511 (`1024 × 512`).
    pub fn merged_counts(&self) -> Array2<u16> {
        let mut out = Array2::zeros((VIEW_ROWS, 2 * VIEW_COLS));
        out.slice_mut(s![.., ..VIEW_COLS]).assign(&self.anterior);
        out.slice_mut(s![.., VIEW_COLS..]).assign(&self.posterior);
        out
    }

    /// The exact metastasis mask in merged coordinates (`true` = class M), `1024 × 512`.
    pub fn lesion_mask(&self) -> Array2<bool> {
        let mut m = Array2::from_elem((VIEW_ROWS, 2 * VIEW_COLS), false);
        for &(r, c) in self.lesion_pixels.iter().flatten() {
            m[(r, c)] = true;
        }
        m
    }

    /// Sites of the labelled lesions, in lesion order.
    pub fn lesion_sites(&self) -> Vec<Site> {
        self.lesions.iter().map(|l| l.site).collect()
    }
}

/// Number of lesions wanted for a metastatic patient.
fn lesion_count<R: Rng>(rng: &mut R, cancer: Cancer, superscan: bool) -> usize {
    if superscan {
        return rng.random_range(28..46);
    }
    let (mean_extra, cap) = match cancer {
        Cancer::Breast => (3.0f64, 18),
        Cancer::Prostate => (5.5f64, 32),
    };
    // 1 + geometric: many patients with a few lesions, a long tail of widespread disease
    let p = 1.0 / (1.0 + mean_extra);
    let mut n = 1;
    while n < cap && !rng.random_bool(p) {
        n += 1;
    }
    n
}

/// PSF σ (px) of a structure `d` cm from the collimator, for the visibility estimate.
fn psf_sigma(d: f32) -> f32 {
    1.1 + 0.065 * d
}

/// Generates one patient of a cohort with seed `seed`.
pub fn generate_patient(seed: u64, spec: &PatientSpec, cfg: &PhantomConfig) -> SyntheticPatient {
    let mut rng = patient_rng(seed, spec.index, Stream::Anatomy);
    let cancer = Cancer::of(spec.group);
    let sex = match cancer {
        Cancer::Breast => Sex::Female,
        Cancer::Prostate => Sex::Male,
    };
    let body = BodyParams::sample(&mut rng, sex);
    let anatomy = Anatomy::build(Frame::new(body.clone()), &mut rng);
    let superscan = spec.group == Group::D3 && rng.random_bool(0.06);
    let conf = sample_confounders(&mut rng, &anatomy, cancer, superscan);
    let count_level = cfg.mean_counts * (cfg.count_level_sd * normal(&mut rng)).exp();

    // ---- normal skeleton, organs, confounders, soft tissue
    let mut layers = Layers::new();
    draw_skeleton(&mut layers, &anatomy, superscan, conf.motion);
    draw_organs_and_confounders(&mut layers, &anatomy, &conf);
    let density = cfg.soft_tissue_density * body.soft_tissue;
    let mut texture_rng = patient_rng(seed, spec.index, Stream::Texture);
    draw_soft_tissue(
        &mut layers,
        &anatomy,
        density,
        conf.motion,
        &mut texture_rng,
    );

    // ---- lesions: draw candidates, keep those an annotator would see in at least one view
    let (lesions, footprints) = if spec.group.metastatic() {
        let candidates = Candidates {
            anatomy: &anatomy,
            cancer,
            superscan,
            k_est: estimated_counts_per_unit(&layers, count_level, cfg),
            cfg,
        };
        candidates.place(&mut rng, &mut layers)
    } else {
        (Vec::new(), Vec::new())
    };

    // ---- blur by depth, scale to counts, Poisson noise
    let mut noise = patient_rng(seed, spec.index, Stream::Noise);
    let [anterior, posterior] = render_counts(layers, count_level, cfg, &mut noise);
    SyntheticPatient {
        patient_id: spec.patient_id.clone(),
        group: spec.group,
        cancer,
        sex,
        body,
        superscan,
        anterior,
        posterior,
        lesion_pixels: lesion_pixels(&lesions, &footprints),
        lesions,
        confounders: conf.records,
    }
}

/// Draws the skeleton (axial bones 2.3x in a superscan; the head doubled by `motion`).
fn draw_skeleton(
    layers: &mut Layers,
    anatomy: &Anatomy,
    superscan: bool,
    motion: Option<(f32, f32, f32)>,
) {
    for bone in &anatomy.bones {
        let axial = !matches!(
            bone.site,
            Site::Forearm | Site::Hand | Site::Knee | Site::Tibia | Site::Foot
        );
        let gain = if superscan && axial { 2.3 } else { 1.0 };
        match (bone.head, motion) {
            (true, Some((dx, dy, frac))) => {
                bone.prim.draw(layers, gain * (1.0 - frac));
                bone.prim.shifted(dx, dy).draw(layers, gain * frac);
            }
            _ => bone.prim.draw(layers, gain),
        }
    }
}

/// Draws the kidneys and the bladder at the confounders' levels, then the confounders' own
/// uptake.
fn draw_organs_and_confounders(layers: &mut Layers, anatomy: &Anatomy, conf: &ConfounderSet) {
    for kidney in &anatomy.kidneys {
        let mut k = *kidney;
        k.a = conf.kidney_level;
        k.draw(layers, 1.0);
    }
    let mut bladder = anatomy.bladder;
    bladder.a = conf.bladder_level;
    bladder.ax *= conf.bladder_scale;
    bladder.ay *= conf.bladder_scale;
    bladder.y -= (conf.bladder_scale - 1.0) * bladder.ay * 0.6;
    bladder.draw(layers, 1.0);
    for prim in &conf.prims {
        prim.draw(layers, 1.0);
    }
}

/// Deposits the soft tissue at `density`, textured from `texture_rng`, in both views.
fn draw_soft_tissue<R: Rng>(
    layers: &mut Layers,
    anatomy: &Anatomy,
    density: f32,
    motion: Option<(f32, f32, f32)>,
    texture_rng: &mut R,
) {
    let soft = soft_tissue_buffer(&anatomy.soft, density, motion);
    let texture = soft_tissue_texture(texture_rng);
    for (i, (&v, t)) in soft.iter().zip(texture).enumerate() {
        if v > 0.0 {
            layers.deposit_both(i, v * t);
        }
    }
}

/// Counts per model unit that give an anterior view of `total` activity the mean
/// `count_level` (background counts aside).
fn counts_per_unit(count_level: f32, total: f32, cfg: &PhantomConfig) -> f32 {
    let n_pix = (VIEW_ROWS * VIEW_COLS) as f32;
    (count_level - cfg.background_counts).max(0.1) * n_pix / total.max(1e-6)
}

/// Counts per model unit estimated from the lesion-free anterior activity (blurring keeps
/// mass), for judging lesion visibility before rendering.
fn estimated_counts_per_unit(layers: &Layers, count_level: f32, cfg: &PhantomConfig) -> f32 {
    let total_ap: f32 = (0..VIEW_ROWS * VIEW_COLS)
        .map(|i| layers.unblurred(Camera::Anterior, i))
        .sum();
    counts_per_unit(count_level, total_ap, cfg).max(1e-6)
}

/// What candidate lesions of one metastatic patient are drawn on and judged against.
struct Candidates<'a> {
    anatomy: &'a Anatomy,
    cancer: Cancer,
    superscan: bool,
    /// Estimated counts per model unit.
    k_est: f32,
    cfg: &'a PhantomConfig,
}

impl Candidates<'_> {
    /// Draws candidates until the wanted number is visible in a view (or the attempts run
    /// out), drawing the kept ones into `layers`; returns them with their footprints.
    fn place<R: Rng>(&self, rng: &mut R, layers: &mut Layers) -> (Vec<Lesion>, Vec<Vec<usize>>) {
        let mut lesions = Vec::new();
        let mut footprints = Vec::new();
        let wanted = lesion_count(rng, self.cancer, self.superscan);
        let mut attempts = 0;
        while lesions.len() < wanted && attempts < wanted * 6 + 20 {
            attempts += 1;
            let mut lesion = sample_lesion(rng, self.anatomy, self.cancer, self.superscan);
            let fp = lesion.footprint();
            if fp.len() < 3 {
                continue;
            }
            self.judge(&mut lesion, &fp, layers);
            if lesion.visible_anterior || lesion.visible_posterior {
                lesion.draw(layers, &fp);
                lesions.push(lesion);
                footprints.push(fp);
            }
        }
        (lesions, footprints)
    }

    /// Sets a lesion's Rose SNR and visibility in each view, against the counts `layers`
    /// would give over its footprint `fp`.
    fn judge(&self, lesion: &mut Lesion, fp: &[usize], layers: &Layers) {
        let (k_est, cfg) = (self.k_est, self.cfg);
        let r_eq = (fp.len() as f32 / std::f32::consts::PI).sqrt();
        let weight_sum: f32 =
            lesion.excess * fp.len() as f32 * if lesion.lytic { 0.55 } else { 0.85 };
        for (v, cam) in [Camera::Anterior, Camera::Posterior]
            .into_iter()
            .enumerate()
        {
            let d = if v == 0 {
                lesion.depth_anterior_cm
            } else {
                lesion.depth_posterior_cm
            };
            let sigma = psf_sigma(d);
            let kept = (r_eq / (r_eq + sigma)).powi(2);
            let excess = k_est * weight_sum * (-MU_PER_CM * d).exp() * kept;
            let background: f32 = fp.iter().map(|&i| layers.unblurred(cam, i)).sum::<f32>() * k_est
                + cfg.background_counts * fp.len() as f32;
            let snr = excess / background.max(1.0).sqrt();
            let contrast = (background + excess) / background.max(1e-3);
            lesion.snr[v] = snr;
            let visible = snr >= cfg.min_lesion_snr && contrast >= cfg.min_lesion_contrast;
            if v == 0 {
                lesion.visible_anterior = visible;
            } else {
                lesion.visible_posterior = visible;
            }
        }
    }
}

/// Blurs the layers by depth and scales them so the anterior mean is `count_level`, then
/// draws Poisson counts from `noise`: `[anterior, posterior]`, the posterior mirrored.
fn render_counts<R: Rng>(
    layers: Layers,
    count_level: f32,
    cfg: &PhantomConfig,
    noise: &mut R,
) -> [Array2<u16>; 2] {
    let [ap, pa] = layers.collapse();
    let total: f32 = ap.iter().sum();
    let k = counts_per_unit(count_level, total, cfg);
    let anterior = to_counts(&ap, k, cfg.background_counts, false, noise);
    let posterior = to_counts(&pa, k, cfg.background_counts, true, noise);
    [anterior, posterior]
}

/// Poisson counts of one view: `k` counts per unit of `expected` plus `background`, columns
/// reversed when `mirror`.
fn to_counts<R: Rng>(
    expected: &[f32],
    k: f32,
    background: f32,
    mirror: bool,
    noise: &mut R,
) -> Array2<u16> {
    let mut out = Array2::<u16>::zeros((VIEW_ROWS, VIEW_COLS));
    for r in 0..VIEW_ROWS {
        for c in 0..VIEW_COLS {
            let lambda = f64::from(k * expected[r * VIEW_COLS + c].max(0.0) + background);
            let col = if mirror { VIEW_COLS - 1 - c } else { c };
            out[(r, col)] = sample_poisson(noise, lambda).min(u32::from(u16::MAX)) as u16;
        }
    }
    out
}

/// Per lesion, its ground-truth pixels in merged AP‖PA coordinates, in the views where it is
/// visible.
fn lesion_pixels(lesions: &[Lesion], footprints: &[Vec<usize>]) -> Vec<Vec<(usize, usize)>> {
    lesions
        .iter()
        .zip(footprints)
        .map(|(l, fp)| {
            let mut px = Vec::new();
            if l.visible_anterior {
                px.extend(fp.iter().map(|&i| (i / VIEW_COLS, i % VIEW_COLS)));
            }
            if l.visible_posterior {
                px.extend(fp.iter().map(|&i| {
                    let m = mirror_index(i);
                    (m / VIEW_COLS, VIEW_COLS + m % VIEW_COLS)
                }));
            }
            px
        })
        .collect()
}
