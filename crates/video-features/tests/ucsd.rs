#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

//! The UCSD layout. The dataset itself is not bundled, so the test builds a
//! folder with its layout from the bundled TIFF frames of the OpenCV sample
//! video, with masks and a `.m` file whose labels the test chooses (we must
//! control the truth here).

use std::path::Path;

use video_features::ucsd::UcsdDataset;

fn copy_frames(to: &Path) {
    let from = format!(
        "{}/../../testdata/video/vtest_gray_tif",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::create_dir_all(to).unwrap();
    for i in 1..=4 {
        let name = format!("{i:03}.tif");
        std::fs::copy(format!("{from}/{name}"), to.join(name)).unwrap();
    }
}

fn mask(path: &Path, anomalous: bool) {
    let mut m = image::GrayImage::new(160, 120);
    if anomalous {
        m.put_pixel(80, 60, image::Luma([255]));
    }
    m.save(path).unwrap();
}

#[test]
fn reads_clips_and_frame_labels_from_masks_and_the_m_file() {
    let root = std::env::temp_dir().join(format!("oddframe-ucsd-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    for clip in [
        "Train/Train001",
        "Train/Train002",
        "Test/Test001",
        "Test/Test002",
        "Test/Test003",
    ] {
        copy_frames(&root.join(clip));
    }
    // Test002 has pixel masks: frames 2 and 3 anomalous
    let gt = root.join("Test/Test002_gt");
    std::fs::create_dir_all(&gt).unwrap();
    for (i, a) in [false, true, true, false].into_iter().enumerate() {
        mask(&gt.join(format!("{:03}.bmp", i + 1)), a);
    }
    // the .m file labels Test001 (frames 1-2) and Test002 (overridden by its
    // masks); Test003 has no line and no masks
    std::fs::write(
        root.join("Test/UCSDped2.m"),
        "TestVideoFile = {};\nTestVideoFile{end+1}.gt_frame = [1:2];\nTestVideoFile{end+1}.gt_frame = [4];\n",
    )
    .unwrap();

    let ds = UcsdDataset::open(&root).unwrap();
    assert_eq!(ds.train_clips().len(), 2);
    let test = ds.test_clips();
    assert_eq!(
        test.iter().map(|c| c.name()).collect::<Vec<_>>(),
        vec!["Test001", "Test002", "Test003"]
    );
    assert_eq!(test[0].labels(), Some(&[true, true, false, false][..]));
    assert_eq!(test[1].labels(), Some(&[false, true, true, false][..]));
    assert_eq!(test[2].labels(), None);
    let frames: Vec<_> = test[1].frames().unwrap().collect::<Result<_, _>>().unwrap();
    assert_eq!(frames.len(), 4);
    assert_eq!(frames[3].timestamp(), std::time::Duration::from_millis(300));

    // a mask folder that does not match its clip is an error
    std::fs::remove_file(gt.join("004.bmp")).unwrap();
    assert!(UcsdDataset::open(&root).is_err());
    std::fs::remove_dir_all(&root).unwrap();
    assert!(UcsdDataset::open(&root).is_err());
}

fn bundled_ped2() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/ucsd_ped2")
}

#[test]
fn reads_the_frames_layout_with_its_labels_file_and_masks() {
    // the bundled subset of the real dataset (testdata/README.md)
    let ds = UcsdDataset::open(bundled_ped2()).unwrap();
    assert_eq!(ds.train_clips().len(), 3);
    let test = ds.test_clips();
    assert_eq!(
        test.iter().map(|c| c.name()).collect::<Vec<_>>(),
        vec!["01", "02"]
    );
    for clip in test {
        let labels = clip.labels().unwrap();
        assert_eq!(labels.len(), 80);
        assert_eq!(labels.iter().filter(|&&a| a).count(), 40);
        let masks: Vec<_> = clip
            .masks()
            .unwrap()
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(masks.len(), 80);
        // the official masks mark pixels exactly on the abnormal frames
        for (m, &abnormal) in masks.iter().zip(labels) {
            assert_eq!((m.width(), m.height()), (180, 120));
            assert_eq!(m.as_bytes().iter().any(|&v| v != 0), abnormal);
        }
    }
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        let dest = to.join(path.file_name().unwrap());
        if path.is_dir() {
            copy_tree(&path, &dest);
        } else {
            std::fs::copy(&path, dest).unwrap();
        }
    }
}

#[test]
fn a_labels_file_that_disagrees_with_the_clips_is_an_error() {
    let root = std::env::temp_dir().join(format!("oddframe-ucsd-frames-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    copy_tree(&bundled_ped2(), &root);
    let labels = root.join("testing/frame_labels.csv");
    let text = std::fs::read_to_string(&labels).unwrap();
    let open_with = |t: &str| {
        std::fs::write(&labels, t).unwrap();
        UcsdDataset::open(&root)
    };
    // a missing last row: 79 labels for 80 frames
    let short: String = text.lines().take(160).map(|l| format!("{l}\n")).collect();
    assert!(open_with(&short).is_err());
    // a clip the folder does not hold
    assert!(open_with(&format!("{text}07,0,1\n")).is_err());
    // a label that is not 0/1
    assert!(open_with(&text.replacen("01,0,0", "01,0,2", 1)).is_err());
    // without the labels file the clips have no labels, but still masks
    std::fs::remove_file(&labels).unwrap();
    let ds = UcsdDataset::open(&root).unwrap();
    assert!(ds.test_clips()[0].labels().is_none());
    assert!(ds.test_clips()[0].masks().unwrap().is_some());
    // a mask folder that does not match its clip
    std::fs::remove_file(root.join("testing/masks/02/079.png")).unwrap();
    assert!(UcsdDataset::open(&root).is_err());
    std::fs::remove_dir_all(&root).unwrap();
}
