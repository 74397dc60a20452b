#!/usr/bin/env python3
"""Rewrites the "Latest full run" section of BENCHMARKS.md from one run of
scripts/bench.sh: the machine, then each benchmark's tables as the programs printed them.
Usage: bench_report.py RESULTS_DIR BENCHMARKS.md [NAME...]
With names (a single benchmark run alone, e.g. `scripts/bench.sh flash`), only those
benchmarks' subsections are replaced, each saying when and at which commit it ran; the
rest of the section stays as the last full run left it."""
import datetime
import os
import platform
import re
import subprocess
import sys

START, END = "<!-- latest-run:start -->", "<!-- latest-run:end -->"
ORDER = ["ranking", "signup", "festival", "admission", "invitations", "participation", "doors", "live", "posters", "flash", "weight"]


def run(*command):
    try:
        return subprocess.run(command, capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def machine():
    model = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), platform.processor())
    memory_kb = next((int(l.split()[1]) for l in open("/proc/meminfo") if l.startswith("MemTotal")), 0)
    return [
        f"- When: {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC, commit `{run('git', 'rev-parse', '--short', 'HEAD')}`",
        f"- Machine: {os.cpu_count()} cores ({model}), {memory_kb / 1024 / 1024:.0f} GiB, {platform.system()} {platform.release()}",
        f"- Load average when it ended: {' '.join(f'{x:.2f}' for x in os.getloadavg())}",
        f"- {run('rustc', '--version')}; PostgreSQL: {run('psql', '--version')}",
    ]


ANSI = re.compile(r"\x1b\[[0-9;]*m")


def tables(file):
    """A program's output without its log warnings (slow statements and the like)."""
    lines = (ANSI.sub("", line) for line in open(file).read().strip().split("\n"))
    return "\n".join(line for line in lines if " WARN " not in line and not line.lstrip().startswith("WARN"))


def main(results, path):
    parts = [START, "## Latest full run (written by `scripts/bench.sh`)", "",
             "Every figure below comes from the one run described here; the sections above",
             "explain what each program measures and keep earlier runs for comparison.", ""]
    parts += machine()
    for name in ORDER:
        file = os.path.join(results, f"{name}.md")
        if os.path.exists(file):
            parts += ["", f"### {name}", "", tables(file)]
    parts += ["", END]
    text = open(path).read()
    block = "\n".join(parts)
    if START in text and END in text:
        text = text[: text.index(START)] + block + text[text.index(END) + len(END):]
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    open(path, "w").write(text)


def replace_some(results, path, names):
    text = open(path).read()
    if START not in text or END not in text:
        return main(results, path)
    head, rest = text.split(START, 1)
    block, tail = rest.split(END, 1)
    for name in names:
        file = os.path.join(results, f"{name}.md")
        if not os.path.exists(file):
            continue
        when = machine()[0].replace("- When: ", "")
        section = f"### {name}\n\nRun alone ({when}); the machine as above.\n\n{tables(file)}\n"
        pattern = re.compile(rf"^### {re.escape(name)}\n.*?(?=^### |\Z)", re.S | re.M)
        if pattern.search(block):
            block = pattern.sub(lambda _: section + "\n", block, count=1)
        else:
            block = block.rstrip("\n") + "\n\n" + section + "\n"
    open(path, "w").write(head + START + block.rstrip("\n") + "\n\n" + END + tail)


if __name__ == "__main__":
    if len(sys.argv) > 3:
        replace_some(sys.argv[1], sys.argv[2], sys.argv[3:])
    else:
        main(sys.argv[1], sys.argv[2])
