#!/usr/bin/env python3
"""Writes the ctprof Grafana dashboards (grafana/*.json) from the panel
lists below: `make docs` runs it, tests/integration/deploy_lint.sh checks
the files are current, tests/integration/dashboards_e2e.sh evaluates every
query against a real Prometheus.

Conventions: a datasource variable, then job and instance; every query
filters on them, every rate() uses $__rate_interval, every panel has a
unit. Groups are the pcomm label (the default --group-by; any grouping
that includes pcomm works); Group detail needs --group-by=pcomm,comm.
"""
import json
import os
import sys

DS = {"type": "prometheus", "uid": "${datasource}"}
INST = 'job="$job", instance=~"$instance"'
GROUP = INST + ', pcomm=~"$group"'
CGROUP = INST + ', cgroup=~"$cgroup"'
# Group detail: one process name, its threads by name.
DETAIL = INST + ', pcomm="$group", comm=~"$thread"'
RI = "[$__rate_interval]"

# The delay kinds of taskstats (kernel Documentation/accounting).
DELAY_KINDS = ["cpu", "blkio", "swapin", "freepages", "thrashing", "compact",
               "wpcopy", "irq"]


def rate(metric, sel):
    return "rate(%s{%s}%s)" % (metric, sel, RI)


def by(labels, expr, agg="sum"):
    return "%s by (%s) (%s)" % (agg, labels, expr)


def rates_by(label, sel, *pairs):
    """One target per (metric, legend suffix): the metric's rate summed by label."""
    return [target(by(label, rate(m, sel)), "{{%s}} %s" % (label, suffix))
            for m, suffix in pairs]


def ratio(label, sel, num, den):
    """sum by label of rate(num) over that of rate(den), where den moved."""
    return "%s / (%s > 0)" % (by(label, rate(num, sel)), by(label, rate(den, sel)))


def target(expr, legend, **extra):
    t = {"datasource": DS, "expr": expr, "legendFormat": legend, "range": True}
    t.update(extra)
    return t


def timeseries(title, unit, targets, description, stack=False, w=12, h=8):
    custom = {"fillOpacity": 20 if stack else 0, "showPoints": "never",
              "stacking": {"mode": "normal" if stack else "none", "group": "A"}}
    return {
        "type": "timeseries", "title": title, "description": description,
        "datasource": DS, "targets": targets, "w": w, "h": h,
        "fieldConfig": {"defaults": {"unit": unit, "min": 0, "custom": custom},
                        "overrides": []},
        "options": {"legend": {"displayMode": "table", "placement": "right",
                               "calcs": ["mean", "max"], "sortBy": "Mean",
                               "sortDesc": True},
                    "tooltip": {"mode": "multi", "sort": "desc"}},
    }


def stat(title, unit, targets, description, mappings=None, w=6, h=5,
         thresholds=None):
    steps = thresholds or [{"color": "green", "value": None}]
    return {
        "type": "stat", "title": title, "description": description,
        "datasource": DS, "targets": targets, "w": w, "h": h,
        "fieldConfig": {"defaults": {
            "unit": unit, "mappings": mappings or [],
            "thresholds": {"mode": "absolute", "steps": steps}},
            "overrides": []},
        "options": {"reduceOptions": {"calcs": ["lastNotNull"], "fields": "",
                                      "values": False},
                    "textMode": "value_and_name", "colorMode": "background",
                    "graphMode": "none", "justifyMode": "auto",
                    "orientation": "auto"},
    }


def table(title, unit, targets, description, w=12, h=6):
    for t in targets:
        t.update({"format": "table", "instant": True, "range": False})
    return {
        "type": "table", "title": title, "description": description,
        "datasource": DS, "targets": targets, "w": w, "h": h,
        "fieldConfig": {"defaults": {"unit": unit}, "overrides": []},
        "options": {"showHeader": True},
        "transformations": [{"id": "organize", "options": {
            "excludeByName": {"Time": True, "__name__": True}}}],
    }


def value_map(pairs):
    """Value mappings: the hint shown for each value."""
    return [{"type": "value", "options": {
        str(v): {"text": text, "color": color, "index": i}
        for i, (v, text, color) in enumerate(pairs)}}]


def flag_stat(title, metric, legend, hint, color, description):
    """max() of a 0/1 gauge over the selected hosts, 1 shown with its hint."""
    return stat(title, "short", [target("max(%s{%s})" % (metric, INST), legend)],
                description, mappings=value_map([(0, "no", "green"), (1, hint, color)]),
                thresholds=RED if color == "red" else None)


def range_map(lo, text, color):
    return {"type": "range", "options": {"from": lo, "to": 1e18, "result": {
        "text": text, "color": color, "index": 0}}}


# ---- variables ----

def var_datasource():
    return {"name": "datasource", "label": "Data source", "type": "datasource",
            "query": "prometheus", "current": {}, "hide": 0, "refresh": 1,
            "regex": "", "options": []}


def var_query(name, label, query, multi=False, all_value=None):
    v = {"name": name, "label": label, "type": "query", "datasource": DS,
         "definition": query,
         "query": {"query": query, "refId": "PrometheusVariableQueryEditor-VariableQuery"},
         "current": {}, "hide": 0, "refresh": 2, "sort": 1, "regex": "",
         "options": [], "multi": multi, "includeAll": all_value is not None}
    if all_value is not None:
        v["allValue"] = all_value
    return v


def common_vars(instance_multi=True):
    return [
        var_datasource(),
        var_query("job", "Job", "label_values(ctprof_build_info, job)"),
        var_query("instance", "Instance",
                  'label_values(ctprof_build_info{job="$job"}, instance)',
                  multi=instance_multi, all_value=".+" if instance_multi else None),
    ]


# ---- Overview ----

def overview():
    p = []
    p.append(timeseries(
        "CPU by group", "percentunit",
        rates_by("pcomm", GROUP, ("ctprof_utime_seconds_total", "user"),
                  ("ctprof_stime_seconds_total", "system")),
        "CPU time per second of each group (1 = one CPU), user and system "
        "(stat utime/stime).", stack=True))
    p.append(timeseries(
        "Run queue wait as a share of run time", "percentunit",
        [target(ratio("pcomm", GROUP, "ctprof_wait_time_seconds_total",
                      "ctprof_run_time_seconds_total"), "{{pcomm}}")],
        "Time runnable but waiting for a CPU, per second run (schedstat "
        "run_delay / run time). A group that did not run has no point."))
    p.append(timeseries(
        "Off-CPU delays by kind", "s",
        [target("sum(%s)" % rate("ctprof_%s_delay_seconds_total" % k, GROUP), k)
         for k in DELAY_KINDS],
        "Delay seconds per second summed over the selected groups' threads "
        "(taskstats delay accounting; all but cpu need "
        "kernel.task_delayacct=1). Swap-in and thrashing overlap.", stack=True))
    p.append(timeseries(
        "Context switches", "cps",
        rates_by("pcomm", GROUP, ("ctprof_voluntary_csw_total", "voluntary"),
                  ("ctprof_nonvoluntary_csw_total", "involuntary")),
        "Voluntary (the thread blocked) and involuntary (preempted) context "
        "switches per second."))
    p.append(timeseries(
        "Thread states", "short",
        [target(by("state", "ctprof_state_threads{%s}" % GROUP), "{{state}}")],
        "Threads of the selected groups by kernel state letter (R running, "
        "S sleeping, D uninterruptible, ...).", stack=True))
    p.append(timeseries(
        "Threads by group", "short",
        [target(by("pcomm", "ctprof_threads{%s}" % GROUP), "{{pcomm}}")],
        "Threads in each group at the last capture.", stack=True))
    p.append(timeseries(
        "Memory: smaps Rss and Pss", "bytes",
        [target(by("pcomm", 'ctprof_smaps_rollup_bytes{%s, key="Rss"}' % GROUP), "{{pcomm}} Rss"),
         target(by("pcomm", 'ctprof_smaps_rollup_bytes{%s, key="Pss"}' % GROUP), "{{pcomm}} Pss")],
        "Resident and proportional set size summed over each group's "
        "processes (/proc/<pid>/smaps_rollup)."))
    p.append(timeseries(
        "Memory high-water marks", "bytes",
        [target(by("pcomm", "ctprof_hiwater_rss_bytes{%s}" % GROUP, "max"), "{{pcomm}} peak RSS"),
         target(by("pcomm", "ctprof_hiwater_vm_bytes{%s}" % GROUP, "max"), "{{pcomm}} peak VM")],
        "Largest peak resident and virtual memory of a process in the group "
        "(taskstats hiwater_rss/hiwater_vm)."))
    p.append(timeseries(
        "Storage I/O", "Bps",
        rates_by("pcomm", GROUP, ("ctprof_read_bytes_total", "read"),
                  ("ctprof_write_bytes_total", "write")),
        "Bytes read from and written to storage per second (io "
        "read_bytes/write_bytes)."))
    p.append(timeseries(
        "Read and write syscalls", "Bps",
        rates_by("pcomm", GROUP, ("ctprof_rchar_bytes_total", "read"),
                  ("ctprof_wchar_bytes_total", "write")),
        "Bytes passed to read- and write-like system calls per second "
        "(io rchar/wchar), page cache hits included."))
    p.append(timeseries(
        "jemalloc allocation and free rates", "Bps",
        rates_by("pcomm", GROUP, ("ctprof_allocated_bytes_total", "allocated"),
                  ("ctprof_deallocated_bytes_total", "freed")),
        "Bytes allocated and freed per second through jemalloc, read from "
        "each thread's counters by the probe (processes using jemalloc only)."))
    p.append(timeseries(
        "jemalloc live-heap estimate", "bytes",
        [target(by("pcomm", "ctprof_allocated_bytes_total{%s} - ctprof_deallocated_bytes_total{%s}"
                   % (GROUP, GROUP)), "{{pcomm}}")],
        "Bytes allocated minus bytes freed by the group's threads: memory "
        "one thread allocates and another frees still nets out in the group."))
    p.append(timeseries(
        "Host pressure", "percentunit",
        [target(rate("ctprof_host_pressure_waiting_seconds_total", INST),
                "{{instance}} {{resource}} some"),
         target(rate("ctprof_host_pressure_stalled_seconds_total", INST),
                "{{instance}} {{resource}} full")],
        "Share of time some (or all non-idle) tasks were stalled on the "
        "resource (/proc/pressure)."))
    p.append(timeseries(
        "cgroup pressure", "percentunit",
        [target(by("cgroup, resource", rate("ctprof_cgroup_pressure_waiting_seconds_total", CGROUP)),
                "{{cgroup}} {{resource}} some"),
         target(by("cgroup, resource", rate("ctprof_cgroup_pressure_stalled_seconds_total", CGROUP)),
                "{{cgroup}} {{resource}} full")],
        "Share of time some (or all) of the cgroup's tasks were stalled "
        "(<resource>.pressure)."))
    p.append(timeseries(
        "cgroup CPU usage", "percentunit",
        [target(by("cgroup", rate("ctprof_cgroup_cpu_usage_seconds_total", CGROUP)), "{{cgroup}}")],
        "CPU time per second used by each cgroup (cpu.stat usage_usec)."))
    p.append(timeseries(
        "cgroup throttling", "percentunit",
        [target(by("cgroup", rate("ctprof_cgroup_cpu_throttled_seconds_total", CGROUP)), "{{cgroup}}")],
        "Share of time each cgroup was throttled by its CPU quota (cpu.stat "
        "throttled_usec); zero without a quota."))
    return {
        "uid": "ctprof-overview", "title": "ctprof / Overview",
        "description": "Per-group CPU, run queue, delays, memory, I/O, jemalloc, "
                       "pressure and throttling from ctprof-exporter.",
        "vars": common_vars() + [
            var_query("group", "Group (pcomm)",
                      'label_values(ctprof_threads{job="$job", instance=~"$instance"}, pcomm)',
                      multi=True, all_value=".+"),
            var_query("cgroup", "cgroup",
                      'label_values(ctprof_cgroup_cpu_usage_seconds_total'
                      '{job="$job", instance=~"$instance"}, cgroup)',
                      multi=True, all_value=".+"),
        ],
        "panels": p,
    }


# ---- Group detail (--group-by=pcomm,comm) ----

def group_detail():
    p = []
    p.append(timeseries(
        "Threads by name", "short",
        [target(by("comm", "ctprof_threads{%s}" % DETAIL), "{{comm}}")],
        "Threads of the process group by (normalized) thread name.", stack=True))
    p.append(timeseries(
        "CPU by thread name", "percentunit",
        rates_by("comm", DETAIL, ("ctprof_utime_seconds_total", "user"),
                  ("ctprof_stime_seconds_total", "system")),
        "CPU time per second of each thread name (1 = one CPU).", stack=True))
    p.append(timeseries(
        "Run queue wait as a share of run time", "percentunit",
        [target(ratio("comm", DETAIL, "ctprof_wait_time_seconds_total",
                      "ctprof_run_time_seconds_total"), "{{comm}}")],
        "Time waiting for a CPU per second run, by thread name (schedstat)."))
    p.append(timeseries(
        "Run time per timeslice", "s",
        [target(ratio("comm", DETAIL, "ctprof_run_time_seconds_total",
                      "ctprof_timeslices_total"), "{{comm}}")],
        "Average time on a CPU each time a thread of this name ran."))
    p.append(timeseries(
        "Context switches by thread name", "cps",
        rates_by("comm", DETAIL, ("ctprof_voluntary_csw_total", "voluntary"),
                  ("ctprof_nonvoluntary_csw_total", "involuntary")),
        "Voluntary and involuntary context switches per second."))
    p.append(timeseries(
        "Involuntary share of context switches", "percentunit",
        [target(by("comm", rate("ctprof_nonvoluntary_csw_total", DETAIL)) + " / (" +
                by("comm", rate("ctprof_voluntary_csw_total", DETAIL) + " + " +
                   rate("ctprof_nonvoluntary_csw_total", DETAIL)) + " > 0)", "{{comm}}")],
        "Preemptions among all context switches: high for CPU-bound threads "
        "competing for CPUs."))
    p.append(timeseries(
        "CPU (run queue) delay by thread name", "s",
        [target(by("comm", rate("ctprof_cpu_delay_seconds_total", DETAIL)), "{{comm}}")],
        "Seconds per second spent waiting for a CPU (taskstats)."))
    p.append(timeseries(
        "Block I/O delay by thread name", "s",
        [target(by("comm", rate("ctprof_blkio_delay_seconds_total", DETAIL)), "{{comm}}")],
        "Seconds per second spent waiting for block I/O (taskstats; needs "
        "kernel.task_delayacct=1)."))
    p.append(timeseries(
        "Page faults by thread name", "cps",
        rates_by("comm", DETAIL, ("ctprof_minflt_total", "minor"),
                  ("ctprof_majflt_total", "major")),
        "Minor and major page faults per second."))
    p.append(timeseries(
        "Storage I/O by thread name", "Bps",
        rates_by("comm", DETAIL, ("ctprof_read_bytes_total", "read"),
                  ("ctprof_write_bytes_total", "write")),
        "Bytes read from and written to storage per second."))
    p.append(timeseries(
        "jemalloc allocation rate by thread name", "Bps",
        rates_by("comm", DETAIL, ("ctprof_allocated_bytes_total", "allocated"),
                  ("ctprof_deallocated_bytes_total", "freed")),
        "Bytes allocated and freed per second through jemalloc, per thread name."))
    p.append(timeseries(
        "Thread states by name", "short",
        [target(by("comm, state", "ctprof_state_threads{%s}" % DETAIL), "{{comm}} {{state}}")],
        "Threads by name and kernel state letter.", stack=True))
    p.append(timeseries(
        "CPUs allowed (fewest)", "short",
        [target(by("comm", 'ctprof_cpu_affinity_cpus{%s, bound="min"}' % DETAIL, "min"), "{{comm}}")],
        "The smallest CPU affinity among the threads of each name: pinned "
        "threads show 1."))
    return {
        "uid": "ctprof-group-detail", "title": "ctprof / Group detail",
        "description": "One process name's threads by thread name; needs "
                       "ctprof-exporter --group-by=pcomm,comm.",
        "vars": common_vars() + [
            var_query("group", "Group (pcomm)",
                      'label_values(ctprof_threads{job="$job", instance=~"$instance"}, pcomm)'),
            var_query("thread", "Thread name (comm)",
                      'label_values(ctprof_threads{job="$job", instance=~"$instance", '
                      'pcomm="$group"}, comm)', multi=True, all_value=".+"),
        ],
        "panels": p,
    }


# ---- Exporter health ----

RED = [{"color": "green", "value": None}, {"color": "red", "value": 1}]


def exporter_health():
    p = []
    p.append(timeseries(
        "Capture and scrape duration", "s",
        [target("ctprof_capture_duration_seconds{%s}" % INST, "{{instance}} capture"),
         target("scrape_duration_seconds{%s}" % INST, "{{instance}} scrape")],
        "How long the last capture took, and the whole scrape as Prometheus "
        "saw it. Captures near the scrape interval or timeout need a longer "
        "interval or --capture.mode=interval."))
    p.append(timeseries(
        "Capture age", "s",
        [target("time() - ctprof_capture_timestamp_seconds{%s}" % INST, "{{instance}}")],
        "Age of the served capture: grows in interval mode and when a scrape "
        "deadline forced an older capture."))
    p.append(timeseries(
        "Threads captured", "short",
        [target("ctprof_capture_threads{%s}" % INST, "{{instance}} in capture"),
         target("ctprof_parse_tids_walked{%s}" % INST, "{{instance}} walked"),
         target("ctprof_capture_threads_reused{%s}" % INST, "{{instance}} idle, reused"),
         target("ctprof_capture_threads_io_reused{%s}" % INST,
                "{{instance}} io unchanged, reused")],
        "Threads in the served capture, threads the walk visited, idle "
        "threads whose sched and io values were carried over (not read), and "
        "threads whose process's io totals had not moved, whose io values "
        "were carried over."))
    p.append(stat(
        "Sources available", "bool_yes_no",
        [target(by("source", "ctprof_source_available{%s}" % INST, "min"), "{{source}}")],
        "Whether every selected host provides the source (kernel config, "
        "privilege). Families of an unavailable source are not exported. "
        "schedstats needs CONFIG_SCHEDSTATS and kernel.sched_schedstats=1; "
        "delayacct needs kernel.task_delayacct=1; taskstats CAP_NET_ADMIN; "
        "jemalloc a jemalloc process and CAP_SYS_PTRACE.",
        mappings=value_map([(0, "no", "red"), (1, "yes", "green")]), w=24, h=4))
    p.append(timeseries(
        "taskstats queries by result", "short",
        [target(by("result", "ctprof_taskstats_queries{%s}" % INST), "{{result}}")],
        "Answers to the last capture's taskstats queries. eperm: the exporter "
        "lacks CAP_NET_ADMIN; esrch: the task exited between walk and query "
        "(benign); other: see the exporter's log.", stack=True))
    p.append(stat(
        "taskstats permission failures", "short",
        [target("sum(ctprof_taskstats_queries{%s, result=\"eperm\"})" % INST, "eperm")],
        "EPERM answers in the last capture; any means CAP_NET_ADMIN is missing.",
        mappings=[range_map(1, "EPERM: grant CAP_NET_ADMIN", "red")], thresholds=RED))
    p.append(timeseries(
        "jemalloc probe", "short",
        [target("sum(ctprof_probe_tgids_walked{%s})" % INST, "processes looked at"),
         target("sum(ctprof_probe_jemalloc_detected{%s})" % INST, "processes with jemalloc"),
         target("sum(ctprof_probe_probed_ok{%s})" % INST, "threads read"),
         target("sum(ctprof_probe_failed{%s})" % INST, "failures")],
        "What the last capture's jemalloc probe did (benign failure tags "
        "excluded)."))
    p.append(table(
        "jemalloc probe: dominant failure", "short",
        [target("ctprof_probe_dominant_failure_info{%s} or label_replace("
                "ctprof_probe_failed{%s} == 0, \"tag\", \"none (no failures)\", \"\", \"\")"
                % (INST, INST), "{{instance}} {{tag}}")],
        "The most frequent probe failure tag per host, or none."))
    p.append(flag_stat(
        "jemalloc probe: privilege dominant", "ctprof_probe_privilege_dominant", "privilege",
        "yes: grant CAP_SYS_PTRACE, check ptrace_scope and AppArmor", "red",
        "1 when ptrace permission failures are at least half of the probe's "
        "failures on some host."))
    p.append(timeseries(
        "procfs read failures by file", "short",
        [target(by("file", "ctprof_parse_read_failures{%s}" % INST), "{{file}}")],
        "Per-thread procfs files the last capture could not read (kernel "
        "threads have no smaps_rollup; missing kernel options leave "
        "schedstat or io unreadable).", stack=True))
    p.append(table(
        "procfs reads: dominant failure", "short",
        [target("ctprof_parse_dominant_read_failure_info{%s} or label_replace("
                "sum by (job, instance) (ctprof_parse_read_failures{%s}) == 0, "
                "\"file\", \"none (no failures)\", \"\", \"\")" % (INST, INST),
                "{{instance}} {{file}}")],
        "The procfs file that failed most often per host, or none."))
    p.append(flag_stat(
        "procfs failures from kernel config", "ctprof_parse_kernel_config_dominant",
        "kernel config", "yes: kernel lacks CONFIG_SCHED_INFO or CONFIG_TASK_IO_ACCOUNTING",
        "orange", "1 when missing schedstat/io files (kernel configuration) explain "
        "most read failures on some host."))
    p.append(stat(
        "Negative schedstat values", "short",
        [target("sum(ctprof_parse_negative_dotted_values{%s})" % INST, "negative")],
        "Negative schedstat times seen (and read as 0) in the last capture."))
    p.append(flag_stat(
        "Series limited", "ctprof_series_limited", "limited",
        "yes: groups folded into other; raise --max-series", "orange",
        "1 when --max-series folded the smallest groups into \"other\"."))
    p.append(timeseries(
        "Exporter CPU", "percentunit",
        [target(rate("process_cpu_seconds_total", INST), "{{instance}}")],
        "CPU used by ctprof-exporter itself (1 = one CPU)."))
    p.append(timeseries(
        "Exporter memory", "bytes",
        [target("process_resident_memory_bytes{%s}" % INST, "{{instance}}")],
        "Resident memory of ctprof-exporter."))
    p.append(timeseries(
        "Samples per scrape", "short",
        [target("scrape_samples_scraped{%s}" % INST, "{{instance}}")],
        "Series each scrape returned; --max-series caps the per-thread "
        "families."))
    return {
        "uid": "ctprof-exporter-health", "title": "ctprof / Exporter health",
        "description": "ctprof-exporter's capture cost, sources, and the probe, "
                       "parse and taskstats summaries with their hints.",
        "vars": common_vars(),
        "panels": p,
    }


def layout(panels):
    """Left to right, wrapping at Grafana's 24 columns; ids from 1."""
    x = y = row_h = 0
    out = []
    for i, p in enumerate(panels, 1):
        w, h = p.pop("w"), p.pop("h")
        if x + w > 24:
            x, y, row_h = 0, y + row_h, 0
        p["id"] = i
        p["gridPos"] = {"x": x, "y": y, "w": w, "h": h}
        for j, t in enumerate(p["targets"]):
            t["refId"] = chr(ord("A") + j)
        out.append(p)
        x += w
        row_h = max(row_h, h)
    return out


def dashboard(d):
    return {
        "uid": d["uid"], "title": d["title"], "description": d["description"],
        "tags": ["ctprof"], "editable": True, "graphTooltip": 1,
        "schemaVersion": 39, "version": 1, "refresh": "1m",
        "time": {"from": "now-1h", "to": "now"}, "timepicker": {}, "timezone": "",
        "annotations": {"list": []}, "links": [],
        "templating": {"list": d["vars"]},
        "panels": layout(d["panels"]),
    }


def main():
    out_dir = os.path.dirname(os.path.abspath(__file__))
    if len(sys.argv) > 1:
        out_dir = sys.argv[1]
    for name, build in (("ctprof-overview", overview),
                        ("ctprof-group-detail", group_detail),
                        ("ctprof-exporter-health", exporter_health)):
        with open(os.path.join(out_dir, name + ".json"), "w") as f:
            json.dump(dashboard(build()), f, indent=2, sort_keys=True)
            f.write("\n")


if __name__ == "__main__":
    main()
