#!/usr/bin/env bash
# deploy_lint.sh - deploy/ and grafana/ without running anything:
# yamllint is clean; `kubectl kustomize deploy/kubernetes` renders (skipped,
# saying so, without kubectl) and the rendered objects carry the security
# and scheduling settings the exporter relies on; the PrometheusRule holds
# exactly the rule files' groups (promtool checks them; the rule files
# themselves: prometheus_rules.sh); promtool check config passes for the
# example scrape configurations; the capabilities agree between the DaemonSet, the
# systemd unit, the Dockerfile and the daemon's own sandbox; the Dockerfile
# builds with make and runs as non-root; the dashboards are valid, current
# JSON with unique panel ids, the datasource variable on every panel and
# target, a unit on every panel, $__rate_interval in every range, and only
# metrics the exporter exports.
set -u
. "$CTPROF_TOP/tests/lib.sh"
PY=/usr/bin/python3
top=$CTPROF_TOP
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# ---- YAML ----
if command -v yamllint >/dev/null 2>&1; then
	out=$(yamllint -c "$top/.yamllint" "$top/deploy" "$top/.yamllint" 2>&1)
	check_eq "yamllint deploy/ is clean" "0:" "$?:$out"
else
	not_ok "yamllint deploy/ is clean" "yamllint is not installed (make deps)"
fi

# ---- Kubernetes ----
rendered="$work/rendered.yaml"
if command -v kubectl >/dev/null 2>&1; then
	if kubectl kustomize "$top/deploy/kubernetes" >"$rendered" 2>"$work/kustomize.err"; then
		ok "kubectl kustomize deploy/kubernetes renders"
	else
		not_ok "kubectl kustomize deploy/kubernetes renders" "$(head -5 "$work/kustomize.err")"
	fi
else
	skip "kubectl kustomize deploy/kubernetes renders" \
		"kubectl is not installed; checking the unrendered manifests instead"
	for f in "$top"/deploy/kubernetes/*.yaml; do
		[ "$(basename "$f")" = kustomization.yaml ] && continue
		printf -- '---\n' >>"$rendered"
		cat "$f" >>"$rendered"
	done
fi
"$PY" - "$rendered" "$top" <<'PYEOF'
import re, sys, yaml

docs = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d]
top = sys.argv[2]
by_kind = {}
for d in docs:
    by_kind.setdefault(d["kind"], []).append(d)

def check(name, cond, detail=""):
    print(("ok - " if cond else "not ok - ") + name + ("" if cond else ": " + str(detail)))

want = ["Namespace", "ServiceAccount", "PriorityClass", "DaemonSet", "Service",
        "ServiceMonitor", "PodMonitor", "PrometheusRule"]
check("kubernetes: one of each object", sorted(by_kind) == sorted(want)
      and all(len(v) == 1 for v in by_kind.values()), sorted(by_kind))
ns = by_kind["Namespace"][0]
check("namespace enforces the privileged Pod Security level",
      ns["metadata"]["labels"].get("pod-security.kubernetes.io/enforce") == "privileged")
namespaced = [d for d in docs if d["kind"] not in ("Namespace", "PriorityClass")]
check("every namespaced object is in that namespace",
      all(d["metadata"].get("namespace") == ns["metadata"]["name"] for d in namespaced))
sa = by_kind["ServiceAccount"][0]
check("service account mounts no token", sa.get("automountServiceAccountToken") is False)

ds = by_kind["DaemonSet"][0]
pod = ds["spec"]["template"]["spec"]
c = pod["containers"][0]
sc = c["securityContext"]
check("daemonset: hostPID", pod.get("hostPID") is True)
check("daemonset: no token, its service account", pod.get("automountServiceAccountToken") is False
      and pod.get("serviceAccountName") == sa["metadata"]["name"])
check("daemonset: tolerates every taint", {"operator": "Exists"} in pod.get("tolerations", []))
check("daemonset: the priority class", pod.get("priorityClassName")
      == by_kind["PriorityClass"][0]["metadata"]["name"])
check("daemonset: seccomp RuntimeDefault (pod and container)",
      pod["securityContext"]["seccompProfile"]["type"] == "RuntimeDefault"
      and sc["seccompProfile"]["type"] == "RuntimeDefault")
check("daemonset: drop ALL, add SYS_PTRACE NET_ADMIN DAC_READ_SEARCH",
      sc["capabilities"]["drop"] == ["ALL"]
      and sorted(sc["capabilities"]["add"]) == ["DAC_READ_SEARCH", "NET_ADMIN", "SYS_PTRACE"],
      sc["capabilities"])
check("daemonset: read-only root, no privilege escalation, not privileged",
      sc.get("readOnlyRootFilesystem") is True and sc.get("allowPrivilegeEscalation") is False
      and not sc.get("privileged"))
vols = {v["name"]: v["hostPath"]["path"] for v in pod["volumes"] if "hostPath" in v}
mounts = {m["name"]: m for m in c["volumeMounts"]}
check("daemonset: host /proc and /sys mounted read-only",
      sorted(vols.values()) == ["/proc", "/sys"]
      and all(mounts[n].get("readOnly") is True for n in vols), (vols, mounts))
args = c.get("args", [])
for flag, path in (("--path.procfs", "/proc"), ("--path.sysfs", "/sys")):
    mount = next(mounts[n]["mountPath"] for n, p in vols.items() if p == path)
    check("daemonset: %s points at the %s mount" % (flag, path), "%s=%s" % (flag, mount) in args, args)
env = {e["name"]: e for e in c.get("env", [])}
listen = [a for a in args if a.startswith("--web.listen-address=")]
check("daemonset: listens on the pod's host IP",
      len(listen) == 1 and "$(HOST_IP)" in listen[0]
      and env["HOST_IP"]["valueFrom"]["fieldRef"]["fieldPath"] == "status.hostIP", listen)
port = int(listen[0].rsplit(":", 1)[1]) if listen else None
check("daemonset: the container port is the listen port",
      c["ports"][0]["containerPort"] == port and c["ports"][0]["name"] == "metrics")
check("daemonset: liveness /-/healthy, readiness /-/ready",
      c["livenessProbe"]["httpGet"]["path"] == "/-/healthy"
      and c["readinessProbe"]["httpGet"]["path"] == "/-/ready")
res = c.get("resources", {})
check("daemonset: cpu and memory requests and limits",
      all(k in res.get(s, {}) for s in ("requests", "limits") for k in ("cpu", "memory")), res)
check("daemonset: the container axis for kube-state-metrics joins",
      any(a.startswith("--group-by=") and "container" in a for a in args), args)

svc = by_kind["Service"][0]
labels = ds["spec"]["template"]["metadata"]["labels"]
check("service: headless, selects the daemonset's pods",
      svc["spec"].get("clusterIP") == "None"
      and all(labels.get(k) == v for k, v in svc["spec"]["selector"].items()))
sm, pm = by_kind["ServiceMonitor"][0], by_kind["PodMonitor"][0]
check("servicemonitor and podmonitor honour the exporter's labels",
      all(e.get("honorLabels") is True for e in sm["spec"]["endpoints"])
      and all(e.get("honorLabels") is True for e in pm["spec"]["podMetricsEndpoints"]))
check("servicemonitor selects the service",
      all(svc["metadata"]["labels"].get(k) == v
          for k, v in sm["spec"]["selector"]["matchLabels"].items()))
# Exactly one monitor takes the pods: the PodMonitor by its selector, the
# ServiceMonitor by a keep relabeling on the same pod label.
via = "ctprof-exporter/scrape-via"
pm_takes = all(labels.get(k) == v for k, v in pm["spec"]["selector"]["matchLabels"].items())
keep = [r for r in sm["spec"]["endpoints"][0].get("relabelings", [])
        if r.get("action") == "keep"
        and r["sourceLabels"] == ["__meta_kubernetes_pod_label_" + re.sub(r"[^a-z0-9]", "_", via)]]
sm_takes = bool(keep) and re.fullmatch(keep[0]["regex"], labels.get(via, "")) is not None
check("exactly one monitor scrapes the pods (%s=%s)" % (via, labels.get(via)),
      sm_takes != pm_takes and bool(keep), (sm_takes, pm_takes))

rule_groups = []
for f in ("ctprof-rules.yml", "ctprof-alerts.yml"):
    rule_groups += yaml.safe_load(open("%s/deploy/prometheus/%s" % (top, f)))["groups"]
pr = by_kind["PrometheusRule"][0]
def norm(groups):
    """PromQL ignores whitespace; kustomize re-folds multi-line exprs."""
    return [dict(g, rules=[dict(r, expr=" ".join(r["expr"].split())) for r in g["rules"]])
            for g in groups]
check("prometheusrule holds the rule files' groups exactly",
      norm(pr["spec"]["groups"]) == norm(rule_groups))
with open(sys.argv[1] + ".rules.yml", "w") as f:
    yaml.safe_dump({"groups": pr["spec"]["groups"]}, f)
PYEOF
out=$(promtool check rules "$rendered.rules.yml" 2>&1)
check_match "promtool check rules: the PrometheusRule's 22 rules" 'SUCCESS: 22 rules found' "$out"
"$top/deploy/kubernetes/gen-prometheusrule.sh" >"$work/prometheusrule.yaml"
check_eq "prometheusrule.yaml is current (make docs)" "" \
	"$(diff "$top/deploy/kubernetes/prometheusrule.yaml" "$work/prometheusrule.yaml")"

# ---- Prometheus ----
p="$top/deploy/prometheus"
out=$(promtool check config "$p/prometheus.yml" 2>&1)
check_eq "promtool check config prometheus.yml" 0 "$?"
check_match "prometheus.yml loads the rules and the alerts" 'SUCCESS: 17 rules found[^S]*SUCCESS: 5 rules found' \
	"$(printf '%s' "$out" | tr '\n' ' ')"
out=$(promtool check config "$p/prometheus-kubernetes.yml" 2>&1)
rc=$?
if [ "$rc" -ne 0 ] && printf '%s' "$out" | grep -q 'field kubernetes_sd_configs not found'; then
	skip "promtool check config prometheus-kubernetes.yml" \
		"this promtool is built without Kubernetes discovery (Debian's is)"
else
	check_eq "promtool check config prometheus-kubernetes.yml" 0 "$rc"
fi
# (the rule and alert files themselves: prometheus_rules.sh)

# ---- capabilities agree everywhere ----
unit="$top/deploy/systemd/ctprof-exporter.service"
caps_of() { tr ' ' '\n' | tr 'a-z' 'A-Z' | sed 's/^CAP_//' | grep . | sort | tr '\n' ' '; }
want="DAC_READ_SEARCH NET_ADMIN SYS_PTRACE "
check_eq "unit: AmbientCapabilities" "$want" "$(sed -n 's/^AmbientCapabilities=//p' "$unit" | caps_of)"
check_eq "unit: CapabilityBoundingSet" "$want" "$(sed -n 's/^CapabilityBoundingSet=//p' "$unit" | caps_of)"
check_eq "Dockerfile: setcap" "$want" \
	"$(sed -n 's/.*setcap \([a-z_,]*\)+ep.*/\1/p' "$top/deploy/docker/Dockerfile" | tr ',' ' ' | caps_of)"
if [ -f "$top/exporter/sandbox.c" ]; then
	check_eq "the daemon's sandbox keeps the same capabilities" "$want" \
		"$(grep -o 'SANDBOX_CAP(CAP_[A-Z_]*)' "$top/exporter/sandbox.c" | sed 's/SANDBOX_CAP(CAP_\(.*\))/\1/' | sort -u | caps_of)"
fi
for d in NoNewPrivileges=yes ProtectSystem=strict ProtectHome=yes PrivateTmp=yes \
	ProtectKernelTunables=yes ProtectControlGroups=yes RestrictNamespaces=yes \
	SystemCallArchitectures=native; do
	grep -qx "$d" "$unit" || not_ok "unit: $d"
done
ok "unit: the hardening directives are set"

# ---- Dockerfile ----
df="$top/deploy/docker/Dockerfile"
check_eq "Dockerfile: two Debian slim stages" 2 "$(grep -c '^FROM debian:[a-z]*-slim' "$df")"
check_match "Dockerfile: installs the Makefile's build packages and runs make" \
	'make -s build-deps.*make [^|]*all' "$(tr '\n' ' ' <"$df")"
check_match "make build-deps lists the compiler and every -dev package" \
	'^gcc make pkg-config .*libnl-genl-3-dev' "$(make -s -C "$top" build-deps)"
# The step that lists the runtime packages, run here on this build's binaries.
mkdir -p "$work/docker" && ln -s "$CTPROF_BUILD" "$work/docker/build"
sed -n '/^RUN ldd/,/runtime-packages.txt$/p' "$df" | sed 's/^RUN //' >"$work/docker/step.sh"
(cd "$work/docker" && sh step.sh 2>"$work/docker/err")
check_match "Dockerfile: the runtime-package step finds the libraries' packages" \
	'libc6 .*libmicrohttpd[0-9]+ .*libzstd1' "$(cat "$work/docker/runtime-packages.txt" "$work/docker/err" 2>&1 | tr '\n' ' ')"
user=$(sed -n 's/^USER //p' "$df" | tail -n1)
check_match "Dockerfile: runs as a non-root user" '^[1-9][0-9]*(:[0-9]+)?$' "$user"
check_match "Dockerfile: the exporter is the entrypoint" '^ENTRYPOINT \["/usr/local/bin/ctprof-exporter"\]$' \
	"$(grep '^ENTRYPOINT' "$df")"

# ---- dashboards ----
list=$("$CTPROF" metric-list)
"$PY" "$top/grafana/generate.py" "$work"
for f in "$top"/grafana/*.json; do
	check_eq "$(basename "$f") is current (make docs)" "" "$(diff "$f" "$work/$(basename "$f")")"
done
printf '%s\n' "$list" >"$work/metrics.md"
"$PY" - "$top/grafana" "$work/metrics.md" <<'PYEOF'
import glob, json, re, sys
exported = set(re.findall(r"`(ctprof_[a-z_]+)`", open(sys.argv[2]).read()))
# Prometheus's own series and the process_* self-metrics are not in the list.
other = {"up", "scrape_duration_seconds", "scrape_samples_scraped",
         "process_cpu_seconds_total", "process_resident_memory_bytes"}
DS = "${datasource}"
def check(name, cond, detail=""):
    print(("ok - " if cond else "not ok - ") + name + ("" if cond else ": " + str(detail)))
for path in sorted(glob.glob(sys.argv[1] + "/*.json")):
    name = path.rsplit("/", 1)[1]
    try:
        d = json.load(open(path))
    except ValueError as e:
        check(name + ": valid JSON", False, e)
        continue
    check(name + ": valid JSON", True)
    panels = d["panels"]
    ids = [p["id"] for p in panels]
    check(name + ": unique panel ids", len(ids) == len(set(ids)), ids)
    names = [v["name"] for v in d["templating"]["list"]]
    check(name + ": datasource, job and instance variables",
          names[:3] == ["datasource", "job", "instance"]
          and d["templating"]["list"][0]["type"] == "datasource", names)
    bad_ds = [p["title"] for p in panels
              if p.get("datasource", {}).get("uid") != DS
              or not p.get("targets")
              or any(t.get("datasource", {}).get("uid") != DS for t in p["targets"])]
    bad_ds += [v["name"] for v in d["templating"]["list"]
               if v["type"] == "query" and v.get("datasource", {}).get("uid") != DS]
    check(name + ": every panel, target and variable uses the datasource variable",
          not bad_ds, bad_ds)
    no_unit = [p["title"] for p in panels
               if not p.get("fieldConfig", {}).get("defaults", {}).get("unit")]
    check(name + ": every panel has a unit", not no_unit, no_unit)
    exprs = [t["expr"] for p in panels for t in p["targets"]]
    ranges = sorted(set(r for e in exprs for r in re.findall(r"\[[^\]]*\]", e)))
    check(name + ": every range is [$__rate_interval]",
          ranges in ([], ["[$__rate_interval]"]), ranges)
    sel = [e for e in exprs if 'job="$job"' not in e or 'instance=~"$instance"' not in e]
    check(name + ": every query filters on job and instance", not sel, sel[:2])
    metrics = set(m for e in exprs for m in re.findall(r"([a-zA-Z_:][a-zA-Z0-9_:]*)\{", e))
    unknown = sorted(m for m in metrics if m not in exported and m not in other)
    check(name + ": reads only metrics the exporter exports", not unknown and metrics, unknown)
    if name == "ctprof-overview.json":
        check(name + ": group and cgroup variables", {"group", "cgroup"} <= set(names), names)
PYEOF
