"""The report of scripts/bench-cluster (copied into its --out directory at every run).

report  reads the measured runs (one line of KEY=VALUE words each: run, wrk, cpu, clk_tck) and the
        balancer's access log, writes results.csv, results.json and table.txt, prints nothing;
        exit status 3 when a proxied run had an error or no result
"""
import argparse
import csv
import json
import os
import re
import sys
from collections import Counter, OrderedDict

# Every run the script may measure, in the order the tables show them.
THROUGHPUT_RUNS = OrderedDict([
    ("direct", "(a) direct to the backend (nginx)"),
    ("single", "(b) one proxy instance, no Redis, + agent"),
    ("nginx-single", "(d) nginx -> one proxy instance, no Redis"),
    ("cluster", "(c) nginx round-robin -> {instances} instances on Redis"),
])
HOP_RUNS = OrderedDict([
    ("hop-local", "to instance 0 (the agent's own: no hop)"),
    ("hop-cross", "to instance 1 (queued in Redis, relayed 1 <-> 0)"),
])
COLUMNS = ["run", "description", "connections", "seconds", "rps", "p50_ms", "p75_ms", "p90_ms", "p99_ms",
           "requests", "non2xx", "socket_errors", "cpu_us_per_req"]


def wrk_ms(value):
    for unit, factor in (("us", 0.001), ("ms", 1.0), ("s", 1000.0), ("m", 60000.0), ("h", 3600000.0)):
        if value.endswith(unit):
            try:
                return float(value[:-len(unit)]) * factor
            except ValueError:
                return None
    return None


def parse_wrk(path):
    """req/s, p50/p75/p90/p99 ms, requests, non-2xx and socket errors of one `wrk --latency` output, or None."""
    try:
        text = open(path, encoding="utf-8", errors="replace").read()
    except OSError:
        return None
    r = {"non2xx": 0, "socket_errors": 0, "socket_error_detail": ""}
    for line in text.splitlines():
        words = line.split()
        if len(words) >= 2 and words[0] in ("50%", "75%", "90%", "99%"):
            r["p" + words[0][:-1]] = wrk_ms(words[1])
        elif line.startswith("Requests/sec:"):
            r["rps"] = float(words[1])
        elif " requests in " in line:
            r["requests"] = int(words[0])
            r["seconds"] = wrk_ms(words[3].rstrip(","))
        elif "Non-2xx or 3xx responses:" in line:
            r["non2xx"] = int(words[-1])
        elif "Socket errors:" in line:
            r["socket_errors"] = sum(int(n) for n in re.findall(r"\d+", line))
            r["socket_error_detail"] = line.strip()
    if not all(k in r for k in ("rps", "p50", "p99", "requests")):
        return None
    return r


def fmt(value, digits=0):
    if value is None:
        return "NA"
    if digits == 0:
        return "{:,}".format(int(round(value)))
    return "%.*f" % (digits, value)


def ratio(a, b):
    return None if a is None or not b else 100.0 * a / b


def table(headers, rows):
    widths = [max(len(str(x)) for x in column) for column in zip(headers, *rows)]
    line = lambda cells: "  ".join(str(c).ljust(w) if i == 0 else str(c).rjust(w)
                                   for i, (c, w) in enumerate(zip(cells, widths)))
    return [line(headers), line(["-" * w for w in widths])] + [line(r) for r in rows]


def balancer_counts(path, instance_of, start, end):
    """Per instance: client requests, agent calls, and their statuses, from the lines of the balancer's access
    log written from start to end (epoch seconds; nginx writes a line when its request ends)."""
    clients, agents, client_bad, agent_status = Counter(), Counter(), Counter(), Counter()
    try:
        lines = open(path, encoding="utf-8", errors="replace").read().splitlines()
    except OSError:
        return None
    for line in lines:
        parts = line.split("|")
        if len(parts) != 4:
            continue
        stamp, upstream, status, uri = parts
        try:
            if not start <= float(stamp) <= end:
                continue
        except ValueError:
            continue
        # ", " separates the servers one request was tried on; the last one answered.
        name = instance_of.get(upstream.split(", ")[-1].strip(), upstream)
        if uri.startswith("/agent/"):
            agents[name] += 1
            agent_status[status] += 1
        else:
            clients[name] += 1
            if not status.startswith("2"):
                client_bad[status] += 1
    return clients, agents, client_bad, agent_status


def report(args):
    out = args.out
    meta = OrderedDict()
    for item in args.meta:
        key, _, value = item.partition("=")
        meta[key] = value
    instances = meta.get("instances", "3")
    runs, failures, warnings = OrderedDict(), [], []
    with open(args.rows) as f:
        for line in f:
            if not line.strip():
                continue
            raw = dict(word.split("=", 1) for word in line.split())
            name = raw["run"]
            parsed = parse_wrk(os.path.join(out, raw["wrk"]))
            proxied = name != "direct"
            if parsed is None:
                (failures if proxied else warnings).append("%s: no result in %s" % (name, raw["wrk"]))
                parsed = {}
            errors = parsed.get("non2xx", 0) + parsed.get("socket_errors", 0)
            if errors:
                message = "%s: %d non-2xx answers and %d socket errors (%s; see %s)" % (
                    name, parsed["non2xx"], parsed["socket_errors"], parsed["socket_error_detail"] or "-", raw["wrk"])
                (failures if proxied else warnings).append(message)
            cpu = OrderedDict()
            if parsed.get("requests"):
                tick_us = 1e6 / float(raw.get("clk_tck", "100"))
                for item in filter(None, raw.get("cpu", "").split(",")):
                    process, _, ticks = item.partition(":")
                    cpu[process] = round(int(ticks) * tick_us / parsed["requests"], 1)
            description = THROUGHPUT_RUNS.get(name) or HOP_RUNS.get(name) or name
            runs[name] = {
                "run": name, "description": description.format(instances=instances),
                "connections": int(raw.get("connections", "0")), "seconds": parsed.get("seconds"),
                "rps": parsed.get("rps"), "p50_ms": parsed.get("p50"), "p75_ms": parsed.get("p75"),
                "p90_ms": parsed.get("p90"), "p99_ms": parsed.get("p99"), "requests": parsed.get("requests"),
                "non2xx": parsed.get("non2xx"), "socket_errors": parsed.get("socket_errors"),
                "cpu_us_per_req": cpu, "wrk": raw["wrk"],
                "start": float(raw["start"]) if "start" in raw else None,
                "end": float(raw["end"]) if "end" in raw else None,
            }

    get = lambda name, key: runs.get(name, {}).get(key)
    ratios = OrderedDict()
    for key, a, b in (("c_over_b_pct", "cluster", "single"), ("b_over_a_pct", "single", "direct"),
                      ("c_over_a_pct", "cluster", "direct"), ("d_over_b_pct", "nginx-single", "single"),
                      ("c_over_d_pct", "cluster", "nginx-single")):
        value = ratio(get(a, "rps"), get(b, "rps"))
        ratios[key] = None if value is None else round(value, 1)
    hop = OrderedDict()
    for p in ("p50", "p90", "p99"):
        local, cross = get("hop-local", p + "_ms"), get("hop-cross", p + "_ms")
        hop["added_" + p + "_ms"] = None if local is None or cross is None else round(cross - local, 3)

    instance_of = {}
    for item in meta.get("instance_ports", "").split(","):
        if "=" in item:
            port, _, name = item.partition("=")
            instance_of["127.0.0.1:" + port] = name
    spread = None
    if "cluster" in runs and runs["cluster"]["start"] is not None:
        # A second more at the end: the requests wrk had in flight when it stopped end then.
        spread = balancer_counts(os.path.join(out, "raw", "balancer-cluster-access.log"), instance_of,
                                 runs["cluster"]["start"], runs["cluster"]["end"] + 1.0)

    # --- results.csv and results.json --------------------------------------------------------------
    with open(os.path.join(out, "results.csv"), "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(COLUMNS)
        for r in runs.values():
            cells = []
            for c in COLUMNS:
                v = r[c]
                if c == "cpu_us_per_req":
                    v = ";".join("%s=%s" % kv for kv in v.items())
                cells.append("NA" if v is None or v == "" else v)
            w.writerow(cells)
    document = OrderedDict(meta)
    document["runs"] = list(runs.values())
    document["ratios"] = ratios
    document["cross_instance_hop"] = hop
    if spread is not None:
        clients, agents, client_bad, agent_status = spread
        document["cluster_spread"] = {"client_requests": dict(clients), "agent_calls": dict(agents),
                                      "client_non2xx_by_status": dict(client_bad),
                                      "agent_calls_by_status": dict(agent_status)}
    document["failures"] = failures
    document["warnings"] = warnings
    with open(os.path.join(out, "results.json"), "w") as f:
        json.dump(document, f, indent=2)
        f.write("\n")

    # --- table.txt ---------------------------------------------------------------------------------
    text = ["%s; commit %s; %s CPU cores; load average before the run: %s" % (
                meta.get("date", "?"), meta.get("git_commit", "?"), meta.get("cpus", "?"), meta.get("loadavg", "?")),
            "NOTE: these %s cores are shared by every process of the run (wrk, nginx, Redis, every proxy" % meta.get("cpus", "?"),
            "instance and the agent) and by whatever else runs on the machine (other builds may: the figures",
            "are noisy). Throughput here is CPU-bound, so %s instances cannot be faster than one on this" % instances,
            "machine; what matters is that nothing collapses and that no request fails.",
            ""]
    throughput = [r for n, r in runs.items() if n in THROUGHPUT_RUNS]
    if throughput:
        text.append("1. throughput: small GETs (nginx's 3-byte \"ok\\n\"), wrk at %s connections, %s s per run"
                    " after %s s of warm-up" % (meta.get("clients", "?"), meta.get("duration_s", "?"),
                                                meta.get("warmup_s", "?")))
        text += table(["run", "req/s", "p50 ms", "p99 ms", "requests", "non-2xx", "socket errors"],
                      [[r["description"], fmt(r["rps"]), fmt(r["p50_ms"], 3), fmt(r["p99_ms"], 3),
                        fmt(r["requests"]), fmt(r["non2xx"]), fmt(r["socket_errors"])] for r in throughput])
        text.append("")
        names = {"c_over_b_pct": "(c)/(b)  cluster of %s behind nginx vs one instance" % instances,
                 "b_over_a_pct": "(b)/(a)  one instance vs direct",
                 "c_over_a_pct": "(c)/(a)  cluster vs direct",
                 "d_over_b_pct": "(d)/(b)  nginx + one instance vs one instance (nginx's own cost)",
                 "c_over_d_pct": "(c)/(d)  cluster vs one instance, both behind nginx"}
        text.append("ratios of req/s:")
        for key, value in ratios.items():
            if value is not None:
                text.append("  %-68s %6.1f %%" % (names[key], value))
        text.append("")
        text.append("CPU time per request (us, utime+stime from /proc) of each process during the run:")
        for r in throughput:
            if r["cpu_us_per_req"]:
                text.append("  %s: %s" % (r["run"], ", ".join("%s %s" % kv for kv in r["cpu_us_per_req"].items())))
        text.append("")
        if spread is not None:
            clients, agents, client_bad, agent_status = spread
            names_sorted = sorted(set(clients) | set(agents))
            text.append("(c) as the balancer saw it during the measured run (its access log):")
            text.append("  client requests per instance: " + ", ".join(
                "%s %s" % (n, fmt(clients[n])) for n in names_sorted))
            text.append("  agent calls per instance:     " + ", ".join(
                "%s %s" % (n, fmt(agents[n])) for n in names_sorted))
            text.append("  client answers other than 2xx: %s" % (
                ", ".join("%s x%d" % kv for kv in sorted(client_bad.items())) or "none"))
            if "499" in client_bad:
                text.append("    (499: wrk closed the connection with the request in flight as its run ended; wrk"
                            " does not count these, nor is it a proxy error)")
            text.append("  agent calls by status:         %s" % ", ".join(
                "%s x%s" % (s, fmt(n)) for s, n in sorted(agent_status.items())))
            if "410" in agent_status:
                text.append("    (410: the agent's answer to a request whose client had gone, e.g. those 499s)")
            text.append("")
    hops = [r for n, r in runs.items() if n in HOP_RUNS]
    if hops:
        text.append("2. cross-instance hop: 2 instances on Redis, no nginx, the agent polls instance 0 only;"
                    " sequential small GETs (wrk -t1 -c1), %s s per run after %s s of warm-up each" % (
                        meta.get("hop_duration_s", "?"), meta.get("hop_warmup_s", "?")))
        text += table(["run", "requests", "req/s", "p50 ms", "p90 ms", "p99 ms", "non-2xx", "socket errors"],
                      [[r["description"], fmt(r["requests"]), fmt(r["rps"]), fmt(r["p50_ms"], 3),
                        fmt(r["p90_ms"], 3), fmt(r["p99_ms"], 3), fmt(r["non2xx"]), fmt(r["socket_errors"])]
                       for r in hops])
        text.append("")
        if hop["added_p50_ms"] is not None:
            text.append("added latency of a cross-instance hop (p50 to instance 1 - p50 to instance 0): %+.3f ms"
                        % hop["added_p50_ms"])
            text.append("  (p90: %+.3f ms, p99: %+.3f ms)" % (hop["added_p90_ms"], hop["added_p99_ms"]))
        text.append("CPU time per request (us) of each process during the run:")
        for r in hops:
            if r["cpu_us_per_req"]:
                text.append("  %s: %s" % (r["run"], ", ".join("%s %s" % kv for kv in r["cpu_us_per_req"].items())))
        text.append("")
    for w in warnings:
        text.append("warning: " + w)
    for fl in failures:
        text.append("FAILED: " + fl)
    if not failures:
        text.append("no proxied request failed (non-2xx and socket errors counted by wrk: 0 in every proxied run)")
    with open(os.path.join(out, "table.txt"), "w") as f:
        f.write("\n".join(text) + "\n")
    return 3 if failures else 0


def main():
    parser = argparse.ArgumentParser(prog="bench_cluster_tools.py")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("report")
    p.add_argument("--out", required=True)
    p.add_argument("--rows", required=True)
    p.add_argument("--meta", action="append", default=[])
    args = parser.parse_args()
    sys.exit(report(args))


if __name__ == "__main__":
    main()
