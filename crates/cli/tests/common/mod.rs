//! Running the `cordon` binary from the integration tests that share it.

#![allow(dead_code)]

use std::path::Path;
use std::process::{Command, Output};

/// Runs cordon in `dir`, with no database named by the environment.
pub fn cordon(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cordon"))
        .args(args)
        .current_dir(dir)
        .env_remove("CORDON_DB")
        .output()
        .expect("the cordon binary runs")
}

/// Runs cordon, which must succeed; returns its stderr (where it reports).
pub fn ok(args: &[&str], dir: &Path) -> String {
    let out = cordon(args, dir);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        out.status.success(),
        "cordon {} failed: {stderr}",
        args.join(" ")
    );
    stderr
}

/// Runs cordon, which must fail; returns its stderr.
pub fn fails(args: &[&str], dir: &Path) -> String {
    let out = cordon(args, dir);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        !out.status.success(),
        "cordon {} should have failed: {stderr}",
        args.join(" ")
    );
    stderr
}
