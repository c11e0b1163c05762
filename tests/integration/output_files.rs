//! Output files: replaced atomically and as a whole, never an input, and no partial or
//! temporary file left by a failing, interrupted (Ctrl-C, SIGTERM) or killed run.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::util::{TOY, dir_with, fiscalsim};

/// Names of the files in `dir`, sorted.
fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("read dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn temporaries(dir: &Path) -> Vec<String> {
    listing(dir)
        .into_iter()
        .filter(|n| n.ends_with(".fiscalsim-tmp"))
        .collect()
}

fn expected_csv(dir: &Path) -> Vec<u8> {
    fiscalsim()
        .args(["run", "toy.toml"])
        .current_dir(dir)
        .output()
        .expect("run")
        .stdout
}

#[test]
fn an_existing_output_is_replaced_whole_by_a_rename() {
    let dir = dir_with(&[("toy.toml", TOY)]);
    let out = dir.path().join("out.csv");
    // A longer old file: an in-place rewrite would leave its tail behind.
    std::fs::write(&out, "x".repeat(100_000)).expect("write");
    let old_handle = std::fs::File::open(&out).expect("open old");
    fiscalsim()
        .args(["run", "toy.toml", "--out", "out.csv"])
        .current_dir(dir.path())
        .assert()
        .success()
        .stdout("");
    let new = std::fs::read(&out).expect("read");
    assert_eq!(new, expected_csv(dir.path()));
    assert!(new.len() < 100_000);
    // A reader that had the old file open still reads the old content: it was replaced
    // by a rename, not rewritten in place.
    use std::io::Read;
    let mut old = String::new();
    (&old_handle).read_to_string(&mut old).expect("read old");
    assert_eq!(old.len(), 100_000);
    assert!(old.bytes().all(|b| b == b'x'));
    // beside the output, its provenance record (tests/integration/provenance.rs)
    assert_eq!(
        listing(dir.path()),
        ["out.csv", "out.csv.meta.json", "toy.toml"]
    );
}

#[test]
fn a_failing_run_leaves_an_existing_output_untouched() {
    let bad = format!("{TOY}\n[structure]\ncapital_share = 3\n");
    let dir = dir_with(&[("bad.toml", &bad), ("out.csv", "previous\n")]);
    fiscalsim()
        .args(["run", "bad.toml", "--out", "out.csv"])
        .current_dir(dir.path())
        .assert()
        .code(2)
        .stdout("");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("out.csv")).unwrap(),
        "previous\n"
    );
    assert_eq!(listing(dir.path()), ["bad.toml", "out.csv"]);
}

#[cfg(unix)]
#[test]
fn an_output_that_is_a_link_to_an_input_is_refused() {
    let dir = dir_with(&[("toy.toml", TOY)]);
    std::os::unix::fs::symlink("toy.toml", dir.path().join("link.csv")).expect("symlink");
    fiscalsim()
        .args(["run", "toy.toml", "--out", "link.csv"])
        .current_dir(dir.path())
        .assert()
        .code(2)
        .stderr("error: invalid value for --out: `link.csv` is also an input: refusing to overwrite it (choose another output path)\n");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("toy.toml")).unwrap(),
        TOY
    );
}

#[test]
fn an_output_that_a_scenario_extends_through_a_chain_is_refused() {
    let mid = "extends = \"toy.toml\"\nname = \"mid\"\n";
    let top = "extends = \"sub/../mid.toml\"\nname = \"top\"\n";
    let dir = dir_with(&[("toy.toml", TOY), ("mid.toml", mid), ("top.toml", top)]);
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    fiscalsim()
        .args(["run", "top.toml", "--out", "toy.toml"])
        .current_dir(dir.path())
        .assert()
        .code(2)
        .stderr("error: invalid value for --out: `toy.toml` is extended by the input `top.toml`: refusing to overwrite it (choose another output path)\n");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("toy.toml")).unwrap(),
        TOY
    );
}

/// Starts `run toy.toml --out out.csv` that pauses (test hook) once its temporary file
/// is complete, and waits until that temporary file is written.
#[cfg(unix)]
#[allow(clippy::zombie_processes)] // the child is returned; every caller waits for it
fn start_paused_run(dir: &Path) -> (Child, PathBuf) {
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("fiscalsim"))
        .args(["run", "toy.toml", "--out", "out.csv"])
        .current_dir(dir)
        .env(fiscalsim::output::TEST_DELAY_ENV, "60000")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let start = Instant::now();
    loop {
        // Wait until the temporary file is complete (it is created empty, then filled).
        if let Some(tmp) = temporaries(dir).first()
            && std::fs::metadata(dir.join(tmp)).is_ok_and(|m| m.len() > 100)
        {
            return (child, dir.join(tmp));
        }
        if start.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("no temporary file appeared");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[cfg(unix)]
fn send(child: &Child, signal: &str) {
    let status = Command::new("kill")
        .args(["-s", signal, &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
}

#[cfg(unix)]
fn interrupted_run_leaves_nothing(signal: &str, code: i32, name: &str) {
    let dir = dir_with(&[("toy.toml", TOY), ("out.csv", "previous\n")]);
    let (child, tmp) = start_paused_run(dir.path());
    // The temporary file is complete: without the handler it would stay behind.
    assert!(std::fs::metadata(&tmp).expect("tmp").len() > 100);
    send(&child, signal);
    let out = child.wait_with_output().expect("wait");
    assert_eq!(out.status.code(), Some(code));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        format!(
            "fiscalsim: interrupted by {name}: unfinished output removed, existing files left as they were\n"
        )
    );
    assert_eq!(listing(dir.path()), ["out.csv", "toy.toml"]);
    assert_eq!(
        std::fs::read_to_string(dir.path().join("out.csv")).unwrap(),
        "previous\n"
    );
}

#[cfg(unix)]
#[test]
fn ctrl_c_removes_the_temporary_file_and_exits_130() {
    interrupted_run_leaves_nothing("INT", 130, "SIGINT (Ctrl-C)");
}

#[cfg(unix)]
#[test]
fn sigterm_removes_the_temporary_file_and_exits_143() {
    interrupted_run_leaves_nothing("TERM", 143, "SIGTERM");
}

#[cfg(unix)]
#[test]
fn a_killed_runs_temporary_file_is_removed_by_the_next_run() {
    let dir = dir_with(&[("toy.toml", TOY), ("out.csv", "previous\n")]);
    let (mut child, tmp) = start_paused_run(dir.path());
    child.kill().expect("SIGKILL");
    child.wait().expect("wait");
    // SIGKILL cannot be handled: the temporary file stays, the output is untouched.
    assert!(tmp.exists());
    assert_eq!(
        std::fs::read_to_string(dir.path().join("out.csv")).unwrap(),
        "previous\n"
    );
    // A temporary file of a process that still runs (this test) must be left alone, and
    // so must a file of another output that merely looks similar.
    let live = format!(".out.csv.{}.AbCdEf.fiscalsim-tmp", std::process::id());
    std::fs::write(dir.path().join(&live), "in progress").unwrap();
    std::fs::write(dir.path().join(".other.csv.1.AbCdEf.fiscalsim-tmp"), "x").unwrap();
    fiscalsim()
        .args(["run", "toy.toml", "--out", "out.csv"])
        .current_dir(dir.path())
        .assert()
        .success();
    assert!(!tmp.exists(), "stale temporary file removed");
    let mut expected = vec![
        live.clone(),
        ".other.csv.1.AbCdEf.fiscalsim-tmp".to_string(),
        "out.csv".to_string(),
        "out.csv.meta.json".to_string(),
        "toy.toml".to_string(),
    ];
    expected.sort();
    assert_eq!(listing(dir.path()), expected);
    assert_eq!(
        std::fs::read(dir.path().join("out.csv")).unwrap(),
        expected_csv(dir.path())
    );
}

/// `--out /dev/null`, `--out /dev/stdout` or a named pipe: written into, never replaced
/// (a rename would destroy the device). Checked on a named pipe, which is safe to create.
#[cfg(unix)]
#[test]
fn an_output_that_is_a_named_pipe_is_written_into_and_stays_a_pipe() {
    use std::os::unix::fs::FileTypeExt;
    let dir = dir_with(&[("toy.toml", TOY)]);
    let pipe = dir.path().join("pipe.csv");
    let made = Command::new("mkfifo").arg(&pipe).status();
    if !made.is_ok_and(|s| s.success()) {
        return; // no mkfifo on this system
    }
    let reader = {
        let pipe = pipe.clone();
        std::thread::spawn(move || std::fs::read(pipe).expect("read pipe"))
    };
    let status = fiscalsim()
        .args(["run", "toy.toml", "--out", "pipe.csv"])
        .current_dir(dir.path())
        .output()
        .expect("run")
        .status;
    if !status.success() {
        // Release the reader, which would otherwise wait for a writer forever.
        drop(std::fs::OpenOptions::new().write(true).open(&pipe));
    }
    let got = reader.join().expect("reader");
    assert!(status.success(), "{status}");
    assert_eq!(got, expected_csv(dir.path()));
    assert!(std::fs::metadata(&pipe).unwrap().file_type().is_fifo());
    assert_eq!(listing(dir.path()), ["pipe.csv", "toy.toml"]);
}

/// A real long-running command (a Monte Carlo sweep of millions of draws) interrupted
/// while it computes: exit code 130, nothing written, the existing output untouched.
#[cfg(unix)]
#[test]
fn ctrl_c_during_a_long_monte_carlo_sweep_writes_nothing() {
    let dir = dir_with(&[("toy.toml", TOY), ("out.csv", "previous\n")]);
    let child = Command::new(assert_cmd::cargo::cargo_bin("fiscalsim"))
        .args([
            "sweep",
            "toy.toml",
            "--vary",
            "structure.capital_share=0.2,0.3",
            "--draws",
            "5000000",
            "--out",
            "out.csv",
        ])
        .current_dir(dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    std::thread::sleep(Duration::from_millis(700));
    send(&child, "INT");
    let out = child.wait_with_output().expect("wait");
    assert_eq!(out.status.code(), Some(130), "{out:?}");
    assert_eq!(listing(dir.path()), ["out.csv", "toy.toml"]);
    assert_eq!(
        std::fs::read_to_string(dir.path().join("out.csv")).unwrap(),
        "previous\n"
    );
}

/// `--out` at a loop of symbolic links replaced the link with a file, exit 0.
#[cfg(unix)]
#[test]
fn an_output_at_a_symlink_loop_is_refused() {
    let dir = dir_with(&[("toy.toml", TOY)]);
    std::os::unix::fs::symlink("loop2", dir.path().join("loop1")).expect("link");
    std::os::unix::fs::symlink("loop1", dir.path().join("loop2")).expect("link");
    fiscalsim()
        .args(["run", "toy.toml", "--out", "loop1"])
        .current_dir(dir.path())
        .assert()
        .code(2)
        .stderr(
            "error: cannot write `loop1`: it is a symbolic link that leads to no file (Too many \
             levels of symbolic links): refusing to replace the link (fix or remove it, or \
             choose another path)\n",
        );
    let link = std::fs::symlink_metadata(dir.path().join("loop1")).expect("still there");
    assert!(link.file_type().is_symlink());
    assert_eq!(listing(dir.path()), ["loop1", "loop2", "toy.toml"]);
}

/// Runs `args` with standard output read for one line and then closed; returns the exit
/// code and standard error.
fn close_after_one_line(dir: &Path, args: &[&str]) -> (Option<i32>, String) {
    use std::io::{BufRead, BufReader, Read};
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("fiscalsim"))
        .args(args)
        .current_dir(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut first = String::new();
    let mut out = BufReader::new(child.stdout.take().expect("stdout"));
    out.read_line(&mut first).expect("first line");
    assert!(first.contains(','), "{first}");
    drop(out); // the reader goes away, like `| head -1`
    let mut err = String::new();
    if let Some(mut e) = child.stderr.take() {
        e.read_to_string(&mut err).expect("stderr");
    }
    (child.wait().expect("wait").code(), err)
}

/// A closed pipe exited 2 for a deterministic `run | head` but 0 for a Monte Carlo run:
/// one rule now, exit 0 without a message (the outputs are far larger than a pipe holds).
#[cfg(unix)]
#[test]
fn a_reader_that_stops_early_is_no_error_for_any_run() {
    // 500 years with a primary surplus: about 220 kB of CSV, far more than a pipe holds.
    let long = TOY
        .replace("end_year = 2027", "end_year = 2525")
        .replace("other_spending_gdp = 0.2", "other_spending_gdp = 0.15")
        + "\n[shocks]\nsd = [0.001, 0, 0, 0, 0, 0]\n"; // (no warning of identical draws)
    let dir = dir_with(&[("long.toml", &long)]);
    for args in [
        &["run", "long.toml"][..],
        &["run", "long.toml", "--draws", "64"][..],
        &[
            "sweep",
            "long.toml",
            "--vary",
            "structure.spending_multiplier=0:1/2000",
        ][..],
    ] {
        assert_eq!(
            close_after_one_line(dir.path(), args),
            (Some(0), String::new()),
            "{args:?}"
        );
    }
}

/// After Ctrl-C the message said "existing files left as they were" although
/// `--samples-out` had already been replaced whole: it names such outputs now.
#[cfg(unix)]
#[test]
fn an_interruption_names_the_outputs_already_replaced() {
    let shocks = "\n[shocks]\nsd = [0.01, 0.01, 0.01, 0.1, 0.01, 0.05]\n";
    let dir = dir_with(&[
        ("toy.toml", &format!("{TOY}{shocks}")),
        ("out.csv", "previous\n"),
        ("samples.csv", "previous\n"),
    ]);
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("fiscalsim"))
        .args([
            "run",
            "toy.toml",
            "--draws",
            "64",
            "--samples-out",
            "samples.csv",
            "--out",
            "out.csv",
        ])
        .current_dir(dir.path())
        .env(fiscalsim::output::TEST_DELAY_ENV, "5000")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let start = Instant::now();
    // Wait until the samples are in place and the summary's temporary file is complete.
    loop {
        let samples = std::fs::read_to_string(dir.path().join("samples.csv")).unwrap_or_default();
        let out_tmp = temporaries(dir.path())
            .into_iter()
            .find(|t| t.starts_with(".out.csv."))
            .filter(|t| std::fs::metadata(dir.path().join(t)).is_ok_and(|m| m.len() > 100));
        if samples.starts_with("scenario,") && out_tmp.is_some() {
            break;
        }
        if start.elapsed() > Duration::from_secs(120) || child.try_wait().ok().flatten().is_some() {
            let _ = child.kill();
            panic!("the run did not reach the summary's rename while paused");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    send(&child, "INT");
    let out = child.wait_with_output().expect("wait");
    assert_eq!(out.status.code(), Some(130));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "fiscalsim: interrupted by SIGINT (Ctrl-C): unfinished output removed; `samples.csv` \
         already written in full by this run; other existing files left as they were\n"
    );
    assert_eq!(listing(dir.path()), ["out.csv", "samples.csv", "toy.toml"]);
    assert_eq!(
        std::fs::read_to_string(dir.path().join("out.csv")).unwrap(),
        "previous\n"
    );
}
