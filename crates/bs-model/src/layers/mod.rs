//! The building blocks of the Double U-Net, one per file.

mod aspp;
mod conv_block;
mod conv_bn_relu;
mod squeeze_excitation;
mod upsample;

pub use aspp::Aspp;
pub use conv_block::ConvBlock;
pub use conv_bn_relu::ConvBnRelu;
pub use squeeze_excitation::SqueezeExcitation;
pub use upsample::upsample_bilinear_x2;
