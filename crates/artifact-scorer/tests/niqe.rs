//! NIQE with the shipped pristine model: refitted from its committed inputs
//! (`testdata/niqe`), and on the bundled validation images (not among those
//! inputs) with the distortion families applied.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

mod common;

use artifact_scorer::niqe::{NiqeModel, FEATURES};
use artifact_scorer::Luma;
use common::distort::{apply, Family};
use common::{load_rgb, median, spearman_with_levels, IMAGES};
use oddframe::image::{GrayImage, RgbImage};
use oddframe::Frame;

fn luma(img: RgbImage) -> Luma {
    Luma::from_frame(&Frame::rgb(img, 0, Default::default())).unwrap()
}

/// The fitting inputs, as the `fit_niqe` example reads them.
const FIT_INPUTS: [&str; 8] = [
    "astronaut.png",
    "brick.png",
    "camera.png",
    "chelsea.png",
    "coffee.png",
    "grass.png",
    "gravel.png",
    "rocket.jpg",
];

#[test]
fn shipped_model_is_the_fit_of_its_committed_inputs() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../testdata/niqe");
    let images: Vec<Luma> = FIT_INPUTS
        .iter()
        .map(|f| luma(image::open(format!("{dir}/{f}")).unwrap().to_rgb8()))
        .collect();
    let fitted = NiqeModel::fit(&images).unwrap();
    let shipped = NiqeModel::pristine();
    assert_eq!(fitted.patches(), shipped.patches());
    let close = |a: f64, b: f64| (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1e-12);
    for i in 0..FEATURES {
        assert!(close(fitted.mean()[i], shipped.mean()[i]), "mean {i}");
        for j in 0..FEATURES {
            let (a, b) = (fitted.covariance()[i][j], shipped.covariance()[i][j]);
            assert!(close(a, b), "covariance ({i}, {j}): {a} vs {b}");
        }
    }
}

/// Over the images, NIQE rises with every family that disturbs luma
/// statistics (the median rank correlation); single images can disagree:
/// sharpening the soft `butterfly` first brings it closer to the model.
#[test]
fn pristine_images_score_well_and_distortions_raise_niqe() {
    let model = NiqeModel::pristine();
    let families = [
        Family::Jpeg,
        Family::Halo,
        Family::Gaussian,
        Family::Impulse,
        Family::Defocus,
        Family::Motion,
    ];
    for family in families {
        let mut rhos = Vec::new();
        for (k, name) in IMAGES.iter().enumerate() {
            let img = load_rgb(name);
            let runs: Vec<_> = (0..6)
                .map(|l| {
                    model
                        .measure(&luma(apply(&img, family, l, k as u64)))
                        .unwrap()
                })
                .collect();
            assert!(runs[0].quality >= 0.7, "{name}: {:?}", runs[0]);
            let d: Vec<f64> = runs.iter().map(|n| n.distance.unwrap()).collect();
            println!("{name} {family:?}: NIQE {d:.2?}");
            rhos.push(spearman_with_levels(&d));
        }
        assert!(median(rhos.clone()) >= 0.9, "{family:?}: {rhos:?}");
    }
}

#[test]
fn small_flat_and_single_patch_frames() {
    let model = NiqeModel::pristine();
    let l = |img: GrayImage| Luma::from_frame(&Frame::luma(img, 0, Default::default())).unwrap();
    let err = model.measure(&l(GrayImage::new(95, 300))).unwrap_err();
    assert!(err.to_string().contains("96x96"), "{err}");
    let flat = model
        .measure(&l(GrayImage::from_pixel(200, 100, [60].into())))
        .unwrap();
    assert_eq!((flat.distance, flat.quality, flat.patches), (None, 0.0, 0));
    let one = model
        .measure(&l(GrayImage::from_fn(96, 120, |x, y| {
            [((x * 31 + y * 17) % 200) as u8].into()
        })))
        .unwrap();
    assert_eq!(one.patches, 1);
    assert!(one.distance.unwrap().is_finite() && (0.0..=1.0).contains(&one.quality));
    assert!(NiqeModel::fit(&[l(GrayImage::from_pixel(100, 100, [1].into()))]).is_err());
}
