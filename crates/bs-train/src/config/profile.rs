//! Profiles: how big the network, images and schedule are on this machine.
//!
//! | profile | training samples | width | epochs | pre-train epochs | folds | for |
//! |---|---|---|---|---|---|---|
//! | `paper` | whole 640×512 | 1 | 500 | 500 | all | a GPU: the paper's setting |
//! | `gpu` | 256×256 patches of 640×512, 512 per epoch | 1 | 12 | 6 | first | the main job with CUDA |
//! | `cpu` | 64×64 patches of 640×512, 512 per epoch, half the unforced on hard negatives | 1/4 | 12 | 6 | first | the main job on 2 CPU cores |
//! | `quick` | whole, pooled to 80×64 (÷8) | 1/8 | 7 | 4 | all | a smoke run of every fold |
//! | `tiny` | whole, pooled to 32×32 (÷20, ÷16) | 1/16 | 2 | 1 | all | tests |
//!
//! `paper` trains as the Keras Double U-Net does: one loss over both heads concatenated and the
//! last epoch tested (the others sum the heads' losses and test the best validation epoch);
//! bs-train's README lists where it still differs from the paper or the Keras code.
//!
//! `cpu` and `gpu` train on augmented full-resolution patches, the share forced to contain
//! metastasis falling from 80 % in the first epoch to 20 % in the last, with nnU-Net's poly
//! learning-rate decay, Keras' batch-norm momentum (0.1 for the binary networks) and a He-normal
//! VGG19 encoder, and run the first fold of each experiment only (`cpu` also centres half of
//! the patches not forced on metastasis on hard negatives, the hottest non-M pixels, so that
//! the bladder and other benign hot spots are seen as often as lesions; not measured on a GPU,
//! so `gpu` does not): on 2 CPU cores the 8×-pooled
//! images of `quick` lost the lesions (three-class arms 0–2 % F1 in 7 epochs), and the whole
//! 10-fold grid at full resolution does not fit in the time a newcomer waits. Validation and test
//! cover whole images through windows of the patch size. `docs/measurements.md` has what each
//! choice measured.
//!
//! With a handful of epochs instead of 500 the reduced profiles change what the paper's
//! schedule can afford to leave alone (each measured on the synthetic cohort, Tables 2–3, 10
//! folds, 2026-11-27; `paper` keeps the published settings):
//!
//! - learning rate ×30 for `quick` (3e-3), ×10 for `tiny`: at 1e-4 a few epochs barely move the
//!   weights;
//! - batch-norm momentum 0.1 instead of Keras' 0.01: a few hundred steps at 0.01 leave the
//!   running statistics used at validation and test far from the trained ones;
//! - sigmoid heads start at P(M) = 0.01 ([`bs_model::DoubleUNetConfig::head_prior`]) instead of
//!   ½: Table 2 mean fold F1 at 1/16 width went from 4.0 % to 6.4 % with this and the momentum;
//! - three-class losses average the NM and M ratios instead of pooling them: pooled, NM (about
//!   40 % of the pixels) swamps M (under 1 %) and M was never predicted, even after 30 epochs;
//!   averaged, M appeared after 13–18 epochs (fold 1, F1 0.35 at 30 epochs);
//! - width 1/8 (its last decoder block has 4 channels, 2 at 1/16): Table 2 mean fold F1 6.4 % →
//!   13 % (6 epochs), 17 % with 8 epochs at lr ×30.
//!
//! Even so, the three-class arms barely predict M within `quick`'s 7 epochs (F1 0–2 % per fold):
//! `quick` numbers show that the pipeline runs, not what the method achieves. Use `paper` on a
//! GPU for that.
//!
//! Reduced resolutions average-pool the image (counts are conserved in the mean) and max-pool
//! the metastasis mask (a lesion smaller than a pooled pixel is not lost).

use bs_losses::{ClassReduction, HeadCombination};

use crate::config::{LrDecay, ModelSelection};
use crate::data::patches::HARD_NEGATIVE_TOP;
use crate::data::{AugmentConfig, PatchConfig};
use bs_model::{DoubleUNetConfig, EncoderInit, Variant};
use serde::{Deserialize, Serialize};

/// Name of a profile ([`ProfileName::auto`] picks `gpu` with CUDA, `cpu` otherwise).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProfileName {
    /// The paper's setting (640×512, width 1, 500 epochs).
    Paper,
    /// Full resolution on 2 CPU cores: patches, augmentation, a reduced width, fewer folds.
    Cpu,
    /// Full resolution and width on one GPU, a schedule a newcomer waits for.
    Gpu,
    /// Reduced: images pooled ÷8, the whole grid on 2 CPU cores in ≤ 20 minutes (a smoke run).
    Quick,
    /// Tests: tiny images and network, 2 epochs.
    Tiny,
}

impl ProfileName {
    /// `gpu` with CUDA, `cpu` without: what the main job runs unless told.
    pub fn auto() -> ProfileName {
        if tch::Cuda::is_available() {
            ProfileName::Gpu
        } else {
            ProfileName::Cpu
        }
    }

    /// Parses `paper`, `gpu`, `cpu`, `quick`, `tiny` (case-insensitive).
    pub fn parse(s: &str) -> Option<ProfileName> {
        match s.to_ascii_lowercase().as_str() {
            "paper" => Some(ProfileName::Paper),
            "gpu" => Some(ProfileName::Gpu),
            "cpu" => Some(ProfileName::Cpu),
            "quick" => Some(ProfileName::Quick),
            "tiny" => Some(ProfileName::Tiny),
            _ => None,
        }
    }

    /// The settings of this profile.
    pub fn profile(self) -> Profile {
        match self {
            ProfileName::Paper => Profile {
                name: self,
                pool_rows: 1,
                pool_cols: 1,
                width_multiplier: 1.0,
                epochs: 500,
                pretrain_epochs: 500,
                learning_rate_scale: 1.0,
                batch_norm_momentum: 0.01,
                head_prior: None,
                loss_class_reduction: ClassReduction::Pooled,
                patches: None,
                augmentation: None,
                channels_last: None,
                folds_run: None,
                epoch_seconds: Some(PAPER_EPOCH_SECONDS),
                training_seconds: None,
                lr_decay: LrDecay::None,
                encoder_init: EncoderInit::Glorot,
                binary_batch_norm_momentum: None,
                head_combination: HeadCombination::Concatenated,
                model_selection: ModelSelection::LastEpoch,
            },
            ProfileName::Gpu => Profile {
                name: self,
                pool_rows: 1,
                pool_cols: 1,
                width_multiplier: 1.0,
                epochs: GPU_EPOCHS,
                pretrain_epochs: GPU_EPOCHS / 2,
                learning_rate_scale: 1.0,
                batch_norm_momentum: 0.01,
                head_prior: Some(0.01),
                loss_class_reduction: ClassReduction::Mean,
                patches: Some(PatchConfig {
                    size: [256, 256],
                    m_fraction: 0.8,
                    per_epoch: 512,
                    batch: Some(8),
                    m_fraction_last: Some(0.2),
                    hard_negative_fraction: 0.0,
                    hard_negative_top: HARD_NEGATIVE_TOP,
                }),
                augmentation: Some(BONE_SCAN_AUGMENTATION),
                channels_last: None,
                folds_run: Some(1),
                epoch_seconds: Some(GPU_EPOCH_SECONDS),
                training_seconds: Some(GPU_TRAINING_SECONDS),
                lr_decay: LrDecay::Poly,
                encoder_init: EncoderInit::He,
                binary_batch_norm_momentum: Some(0.1),
                head_combination: HeadCombination::WeightedSum,
                model_selection: ModelSelection::BestValidationF1,
            },
            ProfileName::Cpu => Profile {
                name: self,
                pool_rows: 1,
                pool_cols: 1,
                width_multiplier: CPU_WIDTH,
                epochs: CPU_EPOCHS,
                pretrain_epochs: CPU_EPOCHS / 2,
                learning_rate_scale: 30.0,
                batch_norm_momentum: 0.01,
                head_prior: Some(0.01),
                loss_class_reduction: ClassReduction::Mean,
                patches: Some(PatchConfig {
                    size: [CPU_PATCH, CPU_PATCH],
                    m_fraction: 0.8,
                    per_epoch: CPU_PATCHES_PER_EPOCH,
                    batch: Some(8),
                    m_fraction_last: Some(0.2),
                    hard_negative_fraction: CPU_HARD_NEGATIVES,
                    hard_negative_top: HARD_NEGATIVE_TOP,
                }),
                augmentation: Some(BONE_SCAN_AUGMENTATION),
                channels_last: Some(CPU_CHANNELS_LAST),
                folds_run: Some(CPU_FOLDS),
                epoch_seconds: Some(CPU_EPOCH_SECONDS),
                training_seconds: Some(CPU_TRAINING_SECONDS),
                lr_decay: LrDecay::Poly,
                encoder_init: EncoderInit::He,
                binary_batch_norm_momentum: Some(0.1),
                head_combination: HeadCombination::WeightedSum,
                model_selection: ModelSelection::BestValidationF1,
            },
            ProfileName::Quick => Profile {
                name: self,
                pool_rows: 8,
                pool_cols: 8,
                width_multiplier: 0.125,
                epochs: 7,
                pretrain_epochs: 4,
                learning_rate_scale: 30.0,
                batch_norm_momentum: 0.1,
                head_prior: Some(0.01),
                loss_class_reduction: ClassReduction::Mean,
                patches: None,
                augmentation: None,
                channels_last: None,
                folds_run: None,
                epoch_seconds: None,
                training_seconds: None,
                lr_decay: LrDecay::None,
                encoder_init: EncoderInit::Glorot,
                binary_batch_norm_momentum: None,
                head_combination: HeadCombination::WeightedSum,
                model_selection: ModelSelection::BestValidationF1,
            },
            // `quick` at test size
            ProfileName::Tiny => Profile {
                name: self,
                pool_rows: 20,
                pool_cols: 16,
                width_multiplier: 0.0625,
                epochs: 2,
                pretrain_epochs: 1,
                learning_rate_scale: 10.0,
                ..ProfileName::Quick.profile()
            },
        }
    }

    /// `paper`, `gpu`, `cpu`, `quick`, `tiny`.
    pub fn as_str(self) -> &'static str {
        match self {
            ProfileName::Paper => "paper",
            ProfileName::Gpu => "gpu",
            ProfileName::Cpu => "cpu",
            ProfileName::Quick => "quick",
            ProfileName::Tiny => "tiny",
        }
    }
}

impl std::fmt::Display for ProfileName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The settings a profile fixes.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Profile {
    /// Which profile.
    pub name: ProfileName,
    /// Rows of the prepared image pooled into one training pixel.
    pub pool_rows: usize,
    /// Columns pooled into one training pixel.
    pub pool_cols: usize,
    /// Channel multiplier of the Double U-Net.
    pub width_multiplier: f64,
    /// Default epochs per fold.
    pub epochs: usize,
    /// Default pre-training epochs (transfer learning).
    pub pretrain_epochs: usize,
    /// Multiplies the experiment's learning rate. 1 for `paper`; 30 for `quick` and 10 for
    /// `tiny`, whose few epochs at the paper's 1e-4 leave the network where it started.
    pub learning_rate_scale: f64,
    /// Batch-norm momentum (PyTorch convention). `paper`: Keras' 0.01 (its `momentum=0.99`);
    /// the reduced profiles 0.1, because a few hundred steps at 0.01 leave the running
    /// statistics (used at validation and test) far from the trained ones.
    #[serde(default = "keras_batch_norm_momentum")]
    pub batch_norm_momentum: f64,
    /// Prior probability of metastasis the heads start from
    /// ([`bs_model::DoubleUNetConfig::head_prior`]). `paper`: none (the Keras code); the reduced
    /// profiles 0.01.
    #[serde(default)]
    pub head_prior: Option<f64>,
    /// How three-class losses combine NM and M unless the experiment says
    /// ([`crate::TrainingConfig::loss_class_reduction`]): `paper` pooled (the Keras loss),
    /// the reduced profiles mean.
    #[serde(default)]
    pub loss_class_reduction: ClassReduction,
    /// Patch training unless the experiment says ([`crate::TrainingConfig::patches`]);
    /// `None`: whole images.
    #[serde(default)]
    pub patches: Option<PatchConfig>,
    /// Augmentation unless the experiment says ([`crate::TrainingConfig::augmentation`]).
    #[serde(default)]
    pub augmentation: Option<AugmentConfig>,
    /// Channels-last unless the experiment says ([`crate::TrainingConfig::channels_last`]);
    /// `None`: on with CUDA, off on the CPU.
    #[serde(default)]
    pub channels_last: Option<bool>,
    /// Folds of each experiment this profile runs (the first ones); `None`: all. The splits
    /// stay those of the experiment's `folds` (10: 8:1:1).
    #[serde(default)]
    pub folds_run: Option<usize>,
    /// Seconds one epoch (training and validation) takes on the machine the profile is for,
    /// to announce a run's expected duration; `None` where not measured.
    #[serde(default)]
    pub epoch_seconds: Option<f64>,
    /// Seconds each training costs beyond its epochs (process start, data, a first epoch's
    /// warm-up, test evaluation), for the same estimate.
    #[serde(default)]
    pub training_seconds: Option<f64>,
    /// Learning-rate schedule unless the experiment says ([`crate::TrainingConfig::lr_decay`]).
    #[serde(default)]
    pub lr_decay: LrDecay,
    /// Initialisation of encoder 1 ([`bs_model::EncoderInit`]): `paper`, `quick`, `tiny`
    /// Keras' Glorot; `cpu` and `gpu` He (a ⅛-width Glorot start never learnt M on some seeds).
    #[serde(default)]
    pub encoder_init: EncoderInit,
    /// Batch-norm momentum of the binary (sigmoid) networks when it differs from
    /// [`Self::batch_norm_momentum`]: their second U-Net sees the image times P(M), whose
    /// scale grows from the head prior (1 %) by orders of magnitude while M is learnt, and
    /// running statistics at Keras' 0.01 lag behind it.
    #[serde(default)]
    pub binary_batch_norm_momentum: Option<f64>,
    /// How the heads' losses combine unless the experiment says
    /// ([`crate::TrainingConfig::head_combination`]): `paper` concatenated (the Keras loss
    /// on `Concatenate([out1, out2])`), the others a sum.
    #[serde(default)]
    pub head_combination: HeadCombination,
    /// Which epoch is tested unless the experiment says
    /// ([`crate::TrainingConfig::model_selection`]): `paper` the last (the Keras code keeps
    /// it), the others the best on validation (a handful of epochs swing widely).
    #[serde(default)]
    pub model_selection: ModelSelection,
}

/// `paper`: one epoch on an H200 (82 training and 9 validation images, fp16; training,
/// validation and the checkpoint), as measured on 2026-11-27 (`docs/measurements.md`).
const PAPER_EPOCH_SECONDS: f64 = 2.6;
/// `cpu`: what a training took beyond its epochs in the idle main job of 2026-12-04 (from the
/// seconds of Table 3's two trainings and of Tables 5 and 6's three, whose stage 1 also
/// predicts the training images; `docs/measurements.md`).
const CPU_TRAINING_SECONDS: f64 = 15.0;
/// `gpu`: the same on an H200 (from Tables 2 and 4's three trainings of 12 epochs, 2026-12-04;
/// the first epoch of each autotunes cuDNN).
const GPU_TRAINING_SECONDS: f64 = 17.0;
/// `cpu`: one libtorch thread of a 2-core machine with the other core also training: the mean
/// time of an epoch of 512 64×64 patches at width ¼ with validation, channels-last, in the idle
/// main job of 2026-12-04 (`docs/measurements.md`).
const CPU_EPOCH_SECONDS: f64 = 15.2;
/// `gpu`: H200, fp16, 512 patches of 256×256 and validation through windows, the epochs after
/// the first, which includes cuDNN's autotuning (`docs/measurements.md`, 2026-12-04).
const GPU_EPOCH_SECONDS: f64 = 4.6;

/// Augmentation of the reduced full-resolution profiles: mirroring (each view in place),
/// gain ±15 %, zoom ±10 %, count thinning to between half and all of the counts.
const BONE_SCAN_AUGMENTATION: AugmentConfig = AugmentConfig {
    mirror: true,
    gain: 0.15,
    zoom: 0.1,
    shift: 0,
    thinning: 0.5,
};

/// `cpu`: width multiplier of the Double U-Net. ¼ on 64×64 patches costs what ⅛ on 96×96 did
/// (one `bench_model` run), and where the ⅛ network's three-class Focal Tversky arm of the main
/// job's seed never found M in 512 steps, the ¼ one found it by step 256
/// (`docs/measurements.md`, 2026-12-04).
const CPU_WIDTH: f64 = 0.25;
/// `cpu`: channels-last on the CPU: a training step of 8 patches of 64×64 at width ¼ and
/// inference both run faster than in NCHW (`bench_model`, 2026-12-04, `docs/measurements.md`).
const CPU_CHANNELS_LAST: bool = true;
/// `cpu`: patch side.
const CPU_PATCH: usize = 64;
/// `cpu`: patches per epoch (one validation on the whole images per epoch).
const CPU_PATCHES_PER_EPOCH: usize = 512;
/// `cpu`: fraction of the patches not forced on metastasis centred on a hard negative. With
/// half, the Table 4 Focal Tversky arm at two seeds left NM1's bladder alone (0 and 6 false
/// pixels over 9 scans, against 0 and 1,544 without) and found more inserted lesions
/// (`docs/measurements.md`, 2026-12-05).
const CPU_HARD_NEGATIVES: f64 = 0.5;
/// `cpu`: epochs per training (the main job's longest worker chain: 84 epochs). 12 rather than
/// 10 since channels-last made an epoch cheaper: the Table 4 Focal Tversky arm's test F1
/// rose from 32 % at 10 epochs to 40 % at 20 and 47 % at 40 (`docs/measurements.md`).
const CPU_EPOCHS: usize = 12;
/// `cpu`: folds per experiment.
const CPU_FOLDS: usize = 1;
/// `gpu`: epochs per training.
const GPU_EPOCHS: usize = 12;

fn keras_batch_norm_momentum() -> f64 {
    0.01
}

impl Profile {
    /// The network this profile trains for `variant` at an input of `height × width`: its
    /// width and batch-norm momentum, and its head prior for sigmoid heads only (the baseline,
    /// stage 1 of negative mining) — under SoftMax the prior, measured, only delayed M.
    pub fn network(&self, variant: Variant, height: usize, width: usize) -> DoubleUNetConfig {
        let mut network = DoubleUNetConfig::new(variant)
            .with_width_multiplier(self.width_multiplier)
            .with_input_size(height as i64, width as i64)
            .with_batch_norm_momentum(self.batch_norm_momentum);
        if variant == Variant::Binary {
            network.head_prior = self.head_prior;
            if let Some(m) = self.binary_batch_norm_momentum {
                network.batch_norm_momentum = m;
            }
        }
        network.encoder_init = self.encoder_init;
        network
    }

    /// The NM/M combination of the three-class losses: the experiment's `requested` one
    /// ([`crate::TrainingConfig::loss_class_reduction`]), else this profile's.
    pub fn class_reduction(&self, requested: Option<ClassReduction>) -> ClassReduction {
        requested.unwrap_or(self.loss_class_reduction)
    }

    /// Patch training of an experiment: its `requested` setting, else this profile's.
    pub fn patches(&self, requested: Option<PatchConfig>) -> Option<PatchConfig> {
        requested.or(self.patches)
    }

    /// Augmentation of an experiment: its `requested` setting, else this profile's.
    pub fn augmentation(&self, requested: Option<AugmentConfig>) -> Option<AugmentConfig> {
        requested.or(self.augmentation)
    }

    /// Channels-last of an experiment: its `requested` setting, else this profile's.
    pub fn channels_last(&self, requested: Option<bool>) -> Option<bool> {
        requested.or(self.channels_last)
    }

    /// Head combination of an experiment's loss: its `requested` one, else this profile's.
    pub fn head_combination(&self, requested: Option<HeadCombination>) -> HeadCombination {
        requested.unwrap_or(self.head_combination)
    }

    /// Model selection of an experiment: its `requested` one, else this profile's.
    pub fn model_selection(&self, requested: Option<ModelSelection>) -> ModelSelection {
        requested.unwrap_or(self.model_selection)
    }

    /// Learning-rate schedule of an experiment: its `requested` one, else this profile's.
    pub fn lr_decay(&self, requested: Option<LrDecay>) -> LrDecay {
        requested.unwrap_or(self.lr_decay)
    }

    /// The folds (0-based) this profile runs of an experiment with `folds` folds.
    pub fn fold_indices(&self, folds: usize) -> Vec<usize> {
        (0..self.folds_run.map_or(folds, |k| k.min(folds))).collect()
    }

    /// Training size for a prepared image of `rows × cols`.
    pub fn input_size(&self, rows: usize, cols: usize) -> (usize, usize) {
        (rows / self.pool_rows, cols / self.pool_cols)
    }
}
