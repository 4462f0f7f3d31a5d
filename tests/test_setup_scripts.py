"""The set-up's own scripts. scripts/retry.sh, which every fetching step of `make setup` goes through: a dropped
connection is tried again, and a step that keeps failing ends with its own exit status and a message that says what
to check. scripts/need-disk.sh stops a step before it starts when the disk cannot hold it."""

import subprocess
from pathlib import Path

RETRY = Path(__file__).resolve().parents[1] / "scripts" / "retry.sh"


def _flaky(tmp_path: Path, failures: int) -> list[str]:
    """A command that fails (exit 3) its first `failures` runs, then succeeds; it counts its runs in a file."""
    runs = tmp_path / "runs"
    script = f"n=$(($(cat {runs} 2>/dev/null || echo 0) + 1)); echo $n > {runs}; [ $n -gt {failures} ] || exit 3"
    return ["bash", "-c", script]


def _retry(command: list[str], tries: int) -> subprocess.CompletedProcess[str]:
    env = {"PATH": "/usr/bin:/bin", "RETRY_TRIES": str(tries), "RETRY_PAUSE": "0"}
    return subprocess.run([str(RETRY), *command], capture_output=True, text=True, env=env, timeout=60)


def test_a_step_that_fails_twice_then_succeeds_passes_on_its_third_try(tmp_path: Path) -> None:
    done = _retry(_flaky(tmp_path, failures=2), tries=4)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "runs").read_text().strip() == "3"
    assert done.stderr.count("failed (exit 3)") == 2
    assert "try 3 of 4" in done.stderr


def test_a_step_that_keeps_failing_stops_after_its_tries_with_its_own_exit_status(tmp_path: Path) -> None:
    done = _retry(_flaky(tmp_path, failures=99), tries=3)
    assert done.returncode == 3
    assert (tmp_path / "runs").read_text().strip() == "3"
    assert "failed 3 times (last exit 3)" in done.stderr
    assert "free disk space" in done.stderr


def test_a_step_that_succeeds_runs_once(tmp_path: Path) -> None:
    done = _retry(_flaky(tmp_path, failures=0), tries=4)
    assert done.returncode == 0
    assert (tmp_path / "runs").read_text().strip() == "1"
    assert done.stderr == ""


NEED_DISK = RETRY.with_name("need-disk.sh")


def test_set_up_stops_at_once_when_the_disk_is_too_full(tmp_path: Path) -> None:
    # No disk here has a million GB free; the step names what needed the space and what the disk has.
    done = subprocess.run([str(NEED_DISK), "1000000", str(tmp_path), "make setup"], capture_output=True, text=True)
    assert done.returncode == 1
    assert "make setup needs about 1000000 GB free" in done.stderr
    assert " MB;" in done.stderr


def test_set_up_goes_on_when_the_disk_has_room(tmp_path: Path) -> None:
    done = subprocess.run([str(NEED_DISK), "0", str(tmp_path), "make setup"], capture_output=True, text=True)
    assert done.returncode == 0
    assert done.stderr == ""
