"""Ctrl-C (SIGINT) during redraw.ensemble stops every chain at a checkpoint and raises
KeyboardInterrupt; resuming gives the bytes of an uninterrupted run."""

import os
import signal
import subprocess
import sys
import textwrap
import time

import redraw
from conftest import run_cli, run_files

SCRIPT = textwrap.dedent(
    """
    import sys, redraw
    def progress(done, total):
        if done > 0:
            open(sys.argv[2], "w").write(str(done))
    try:
        redraw.ensemble(sys.argv[1], pop="TOTAL_POP", assignment="district", steps=20000, chains=2, seed=8,
                        checkpoint_every=1000000, out=sys.argv[3], progress=progress)
    except KeyboardInterrupt:
        print("interrupted", flush=True)
        sys.exit(130)
    print("finished", flush=True)
    """
)


def test_sigint_leaves_a_run_that_resumes_to_identical_bytes(tmp_path, cli, nc):
    out = tmp_path / "run"
    flag = tmp_path / "progress"
    p = subprocess.Popen([sys.executable, "-c", SCRIPT, nc, str(flag), str(out)], stdout=subprocess.PIPE, text=True)
    deadline = time.time() + 60
    while not flag.exists() and time.time() < deadline and p.poll() is None:
        time.sleep(0.02)
    assert flag.exists(), "the run never reported progress"
    p.send_signal(signal.SIGINT)
    stdout, _ = p.communicate(timeout=60)
    assert p.returncode == 130 and "interrupted" in stdout, (p.returncode, stdout)
    m = redraw.open_run(out).manifest
    assert m["status"] == "running"
    # Each chain checkpointed where it stood (no checkpoint was due before step 1,000,000).
    ckpts = sorted(os.listdir(out / "chains"))
    assert [c for c in ckpts if c.endswith(".ckpt")] == ["chain-00000.ckpt", "chain-00001.ckpt"]
    assert not (out / "stats.csv").exists()

    resumed = redraw.ensemble(
        nc, pop="TOTAL_POP", assignment="district", steps=20000, chains=2, seed=8, checkpoint_every=1000000,
        out=out, resume=True, progress=False,
    )
    run_cli(cli, "ensemble", "--graph", nc, "--pop", "TOTAL_POP", "--assignment", "district", "--steps", "20000",
            "--chains", "2", "--seed", "8", "--checkpoint-every", "1000000", "--out", tmp_path / "whole")
    assert run_files(resumed.path) == run_files(tmp_path / "whole")
