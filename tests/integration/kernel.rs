//! The Monte Carlo kernels chosen at run time: `--version` names the one in use,
//! `FISCALSIM_KERNEL` picks another or is refused, and every kernel writes the same bytes.

use crate::util::{assert_absent, fiscalsim, scenario};
use fiscalsim::Kernel;

#[test]
fn version_names_the_kernel_in_use_and_the_others() {
    let out = fiscalsim()
        .arg("--version")
        .env_remove("FISCALSIM_KERNEL")
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let best = Kernel::best().name();
    assert!(text.contains(&format!("kernel: {best} ")), "{text}");
    let all: Vec<&str> = Kernel::available().map(Kernel::name).collect();
    assert!(
        text.contains(&format!("this CPU can run: {}", all.join(", "))),
        "{text}"
    );
    let out = fiscalsim()
        .arg("--version")
        .env("FISCALSIM_KERNEL", "portable")
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("kernel: portable "), "{text}");
}

#[test]
fn an_unknown_kernel_is_refused_with_the_valid_names_and_nothing_written() {
    let dir = tempfile::tempdir().unwrap();
    let out_path = dir.path().join("x.csv");
    let out = fiscalsim()
        .env("FISCALSIM_KERNEL", "avx9000")
        .args(["run", "--draws", "100", "--out"])
        .arg(&out_path)
        .arg(scenario("kazakhstan-2026-2028.toml"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("FISCALSIM_KERNEL=\"avx9000\""), "{err}");
    assert!(err.contains("portable, avx2 or avx512"), "{err}");
    assert!(err.contains("this machine has: portable"), "{err}");
    assert_absent(&out_path);
}

#[test]
fn every_kernel_writes_the_same_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let run = |kernel: Option<Kernel>| {
        let name = kernel.map_or("default", Kernel::name);
        let path = dir.path().join(format!("{name}.csv"));
        let mut cmd = fiscalsim();
        if let Some(k) = kernel {
            cmd.env("FISCALSIM_KERNEL", k.name());
        } else {
            cmd.env_remove("FISCALSIM_KERNEL");
        }
        let out = cmd
            .args(["run", "--draws", "3000", "--seed", "4"])
            .args(["--set", "end_year=2040", "--out"])
            .arg(&path)
            .arg(scenario("kazakhstan-nf-2026-2040.toml"))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        std::fs::read(&path).unwrap()
    };
    let reference = run(None);
    assert!(reference.len() > 10_000);
    for k in Kernel::available() {
        assert!(run(Some(k)) == reference, "{} differs", k.name());
    }
}
