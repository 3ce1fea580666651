//! Training throughput (images/s) of the Double U-Net at the profile sizes on this machine:
//! forward + loss + backward + Adam step, batch 4.
//!
//! `cargo run -p bs-train --release --example throughput -- [H W WIDTH]...`

use std::time::Instant;

use bs_model::{DoubleUNetConfig, Variant};
use bs_train::optim::{Adam, AdamConfig};
use bs_train::trainer::{build_model, loss_config};
use bs_train::LossKind;
use tch::{Device, Kind, Tensor};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let cases: Vec<(i64, i64, f64)> = if args.len() >= 3 {
        args.chunks(3)
            .map(|c| Ok((c[0].parse()?, c[1].parse()?, c[2].parse()?)))
            .collect::<Result<_, Box<dyn std::error::Error>>>()?
    } else {
        vec![
            (32, 32, 0.0625),
            (48, 48, 0.0625),
            (80, 64, 0.0625),
            (80, 64, 0.125),
            (160, 128, 0.125),
        ]
    };
    let device = Device::cuda_if_available();
    println!("device {device:?}, threads {}", tch::get_num_threads());
    for (h, w, width) in cases {
        let cfg = DoubleUNetConfig::new(Variant::ThreeClass)
            .with_width_multiplier(width)
            .with_input_size(h, w);
        let (vs, model) = build_model(&cfg, device, 1)?;
        let mut adam = Adam::new(&vs, AdamConfig::default());
        let loss = loss_config(
            LossKind::Dice,
            Variant::ThreeClass,
            1.0,
            Default::default(),
            Default::default(),
        )
        .init()?;
        let x = Tensor::rand([4, 3, h, w], (Kind::Float, device));
        let labels = Tensor::randint(3, [4, h, w], (Kind::Int64, device));
        let t = bs_losses::one_hot(&labels, 3)?;
        let mut step = || -> Result<(), Box<dyn std::error::Error>> {
            let out = model.try_forward_t(&x, true)?;
            let l = loss.try_forward(&out.out1, &out.out2, &t)?;
            adam.zero_grad();
            l.total.backward();
            adam.step();
            Ok(())
        };
        step()?;
        let n = 10;
        let t0 = Instant::now();
        for _ in 0..n {
            step()?;
        }
        let s = t0.elapsed().as_secs_f64();
        println!(
            "{h}x{w} width {width}: {:.1} img/s ({:.1} ms/batch of 4)",
            4.0 * n as f64 / s,
            1000.0 * s / n as f64
        );
    }
    Ok(())
}
