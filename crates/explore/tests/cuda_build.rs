//! The CUDA build (`scripts/build-cuda.sh`) on a machine without a GPU: `--device auto` says it
//! found none and gives the CPU's results; `--device cuda` is one line of error, exit 1. Runs
//! only where that binary has been built (target/cuda/release/explore), and says when skipped.

mod common;

use std::process::Command;

use common::{ok, root, stderr, stdout};

#[test]
fn without_a_gpu_auto_runs_on_the_cpu_and_cuda_is_one_error() {
    let binary = root().join("target/cuda/release/explore");
    if !binary.exists() {
        eprintln!(
            "skipped: no CUDA build at {}; make one with scripts/build-cuda.sh",
            binary.display()
        );
        return;
    }
    let lesson = [
        "sweep", "--point", "-3,3", "--method", "direct", "--format", "csv",
    ];
    let cpu = ok(&lesson);
    let auto = Command::new(&binary)
        .args(lesson)
        .arg("--device")
        .arg("auto")
        .output()
        .unwrap();
    let err = stderr(&auto);
    if err.contains("device: cuda") {
        eprintln!("skipped: a GPU answered; scripts/gpu-check.sh is the check for this machine");
        return;
    }
    assert!(auto.status.success(), "{err}");
    assert_eq!(stdout(&auto), cpu);
    assert!(
        err.contains("no usable CUDA GPU") && err.contains("running on the CPU"),
        "{err}"
    );
    let cuda = Command::new(&binary)
        .args(lesson)
        .arg("--device")
        .arg("cuda")
        .output()
        .unwrap();
    let err = stderr(&cuda);
    assert_eq!(cuda.status.code(), Some(1), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.starts_with("error: no usable CUDA GPU"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}
