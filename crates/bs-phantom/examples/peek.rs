//! Writes a few synthetic patients as PNG for a quick look.
use bs_phantom::*;
fn main() {
    let cfg = PhantomConfig::default().init().unwrap();
    let groups = [
        Group::D1,
        Group::D3,
        Group::D2,
        Group::D4,
        Group::D1,
        Group::D3,
    ];
    let mut tiles = Vec::new();
    for (i, g) in groups.iter().enumerate() {
        let p = generate_patient(
            7,
            &PatientSpec {
                index: i as u64,
                patient_id: format!("P{i}"),
                group: *g,
            },
            &cfg,
        );
        let m = p.merged_counts();
        let a = p.anterior.mapv(f64::from);
        println!(
            "{} {:?} mean {:.2} max {} lesions {} conf {:?}",
            i,
            g,
            a.mean().unwrap(),
            a.iter().cloned().fold(0.0, f64::max),
            p.lesions.len(),
            p.confounders
                .iter()
                .map(|c| c.kind.name())
                .collect::<Vec<_>>()
        );
        let mut v: Vec<f64> = a.iter().cloned().collect();
        v.sort_by(|x, y| x.partial_cmp(y).unwrap());
        let pc = |q: f64| v[((v.len() - 1) as f64 * q) as usize];
        println!(
            "   p50 {} p75 {} p90 {} p95 {} p99 {} p99.9 {} frac>0 {:.3}",
            pc(0.5),
            pc(0.75),
            pc(0.9),
            pc(0.95),
            pc(0.99),
            pc(0.999),
            v.iter().filter(|&&x| x > 0.0).count() as f64 / v.len() as f64
        );
        tiles.push((m, p.lesion_mask()));
    }
    let w = 512 * tiles.len();
    let mut img = image::RgbImage::new(w as u32, 1024);
    for (t, (m, mask)) in tiles.iter().enumerate() {
        for ((r, c), &v) in m.indexed_iter() {
            let g = 255 - ((v as f32 / 80.0 * 255.0).min(255.0) as u8);
            let px = if mask[(r, c)] && (r + c) % 2 == 0 {
                image::Rgb([255, g / 2, g / 2])
            } else {
                image::Rgb([g, g, g])
            };
            img.put_pixel((t * 512 + c) as u32, r as u32, px);
        }
    }
    img.save("/tmp/peek.png").unwrap();
}
