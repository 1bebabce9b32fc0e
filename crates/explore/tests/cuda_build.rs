//! The CUDA build (`scripts/build-cuda.sh`): on a machine without a GPU `--device auto` says it
//! found none and gives the CPU's results, and `--device cuda` is one line of error, exit 1; on
//! one with a GPU, the lesson runs there. Ignored unless asked for (`cargo test --test
//! cuda_build -- --ignored`, after the build), so that a run says it was skipped.

mod common;

use std::process::Command;

use common::{ok, root, stderr, stdout};

#[test]
#[ignore = "needs the CUDA build of scripts/build-cuda.sh (target/cuda/release/explore)"]
fn without_a_gpu_auto_runs_on_the_cpu_and_cuda_is_one_error() {
    let binary = root().join("target/cuda/release/explore");
    assert!(
        binary.exists(),
        "no CUDA build at {}: make one with scripts/build-cuda.sh",
        binary.display()
    );
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
        // A GPU answered: the lesson ran there, its table the CPU's to f32's precision.
        assert!(auto.status.success(), "{err}");
        let (gpu, cpu) = (stdout(&auto), cpu);
        assert_eq!(gpu.lines().count(), cpu.lines().count(), "{gpu}");
        for (g, c) in gpu.lines().zip(cpu.lines()).skip(1) {
            let parse =
                |l: &str| -> Vec<f64> { l.split(',').map(|v| v.parse().unwrap()).collect() };
            for (g, c) in parse(g).iter().zip(parse(c)) {
                assert!((g - c).abs() <= 1e-5 * c.abs().max(1.0), "{g} vs {c}");
            }
        }
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
