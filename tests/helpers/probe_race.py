#!/usr/bin/env python3
# probe_race.py - act at the moment the jemalloc probe has a thread of a
# target stopped: start one scrape of URL (which runs a capture, which
# probes), watch the target's threads for a tracer (TracerPid), and the
# first time one is traced send SIGNAL to VICTIM: the target itself
# (SIGKILL: "a ptrace target killed mid-probe") or the exporter (SIGTERM:
# "SIGTERM during a capture"). Prints "hit" (acted while a thread was
# traced) or "miss" (the scrape ended first; then nothing is sent),
# "scrape CODE" ("error" when the connection broke, as it may when the
# exporter was told to stop) and, from the page that capture produced,
# "probe_failed N" and "probe_failures TAG=N..." (the non-zero tags).
#
# usage: probe_race.py URL TARGET_PID VICTIM_PID SIGNAL
import os
import signal
import sys
import threading
import urllib.error
import urllib.request


def traced(pid):
    try:
        tids = os.listdir("/proc/%d/task" % pid)
    except OSError:
        return False
    for tid in tids:
        try:
            with open("/proc/%d/task/%s/status" % (pid, tid)) as f:
                for line in f:
                    if line.startswith("TracerPid:"):
                        if line.split()[1] != "0":
                            return True
                        break
        except OSError:
            pass  # the thread is gone
    return False


def main():
    url, target, victim = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    sig = getattr(signal, sys.argv[4])
    result = {}

    def scrape():
        try:
            with urllib.request.urlopen(url, timeout=60) as r:
                result["body"] = r.read().decode(errors="replace")
                result["code"] = str(r.status)
        except urllib.error.HTTPError as e:
            result["code"] = str(e.code)
        except OSError:
            result["code"] = "error"

    t = threading.Thread(target=scrape)
    t.start()
    hit = False
    while t.is_alive():
        if traced(target):
            os.kill(victim, sig)
            hit = True
            break
    t.join()
    print("hit" if hit else "miss")
    print("scrape", result.get("code", "error"))
    failed, tags = "missing", []
    for line in result.get("body", "").splitlines():
        if line.startswith("ctprof_probe_failed "):
            failed = line.split()[1]
        elif line.startswith("ctprof_probe_failures{") and not line.endswith(" 0"):
            tags.append(line.split('"')[1] + "=" + line.split()[-1])
    print("probe_failed", failed)
    print("probe_failures", " ".join(tags))


main()
