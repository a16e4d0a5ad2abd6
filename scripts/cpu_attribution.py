#!/usr/bin/env python3
"""CPU per committed frame by category, for two profiles of `geostream bench pipeline --profile DIR` (the whole job and
the I/O-only job), and how much of the gap between them each category explains.

    scripts/cpu_attribution.py DIR/job-1.collapsed JOB_FRAMES DIR/io_only-1.collapsed IO_FRAMES [--interval-ms 10]

Each sample goes to the FIRST category whose rule matches its thread name or one of its frames (rules below, most
specific first). Last stdout line: ``job_ms_per_frame=.. io_ms_per_frame=.. gap_ms=.. attributed=..`` where
``attributed`` is the share of the gap carried by categories that grew (the rest is noise and small items).
"""

import argparse
import re
import sys

# (category, where, regex): where = "thread" (the first frame, the thread's name) or "frame" (any frame)
RULES = [
    ("jit", "thread", r"Compiler|CompilerThre"),
    ("gc", "thread", r"GC Thread|G1 |GN Conc|VM Thread|GC "),
    ("s3_server", "thread", r"SNProxy|S3Proxy|jetty"),
    ("kafka_broker", "thread", r"data-plane-kafka|kafka-\d+-raft|group-coordinator|quorum-controller|TxnMarker|"
                               r"kafka-scheduler|ReplicaFetcher|kafka-log|controller-event|metadata-loader|"
                               r"ExpirationReaper|transaction-coordinator|share-coordinator"),
    ("load_tools", "thread", r"load-publisher|load-watcher"),
    ("rocksdb_background", "thread", r"rocksdb:|RocksDBStateDataTransfer|AsyncOperations"),
    ("state_access", "frame", r"org/rocksdb/|rocksdb::|kryo|Kryo|PojoSerializer|TypeSerializer|RocksDBValueState|"
                              r"RocksDBMapState|RocksDBListState|DataInputDeserializer|DataOutputSerializer|"
                              r"InstantiationUtil"),
    ("loop_closure", "frame", r"io/geostream/loop/|LoopClosureFunction"),
    ("stitching", "frame", r"io/geostream/stitch/|io/geostream/geometry/"),
    ("s3_client", "frame", r"software/amazon/awssdk|org/apache/http|S3ObjectStore"),
    ("payload_encoding", "frame", r"io/geostream/storage/PayloadCodecs|java/util/zip/Deflater|libz\.so|libjpeg|"
                                  r"javax/imageio|com/sun/imageio"),
    ("kafka_client_sink", "frame", r"org/apache/kafka/clients|KafkaSink|KafkaWriter|KafkaCommitter|KafkaSource"),
    ("clip_and_ingest", "frame", r"io/geostream/operators/clip|io/geostream/clip/|IngestFunction|io/geostream/ingest"),
    ("flink_runtime", "frame", r"org/apache/flink"),
]


def categorise(path):
    totals = {name: 0 for name, _, _ in RULES}
    totals["other"] = 0
    compiled = [(n, w, re.compile(r)) for n, w, r in RULES]
    for line in open(path, encoding="utf-8", errors="replace"):
        stack, _, count = line.rstrip("\n").rpartition(" ")
        if not stack:
            continue
        n = int(count)
        frames = stack.split(";")
        for name, where, rx in compiled:
            if (where == "thread" and rx.search(frames[0])) or (where == "frame" and any(rx.search(f) for f in frames[1:])):
                totals[name] += n
                break
        else:
            totals["other"] += n
    return totals


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("job")
    p.add_argument("job_frames", type=int)
    p.add_argument("io")
    p.add_argument("io_frames", type=int)
    p.add_argument("--interval-ms", type=float, default=10.0)
    a = p.parse_args()
    job = categorise(a.job)
    io = categorise(a.io)
    per = lambda t, frames: {k: v * a.interval_ms / frames for k, v in t.items()}
    jf, iof = per(job, a.job_frames), per(io, a.io_frames)
    gap = sum(jf.values()) - sum(iof.values())
    print("%-20s %10s %10s %10s %8s" % ("category", "job ms/fr", "io ms/fr", "delta", "of gap"), file=sys.stderr)
    grew = 0.0
    for k in sorted(jf, key=lambda k: -(jf[k] - iof[k])):
        d = jf[k] - iof[k]
        if d > 0:
            grew += d
        print("%-20s %10.2f %10.2f %10.2f %7.1f%%" % (k, jf[k], iof[k], d, 100 * d / gap if gap else 0), file=sys.stderr)
    print("%-20s %10.2f %10.2f %10.2f" % ("total", sum(jf.values()), sum(iof.values()), gap), file=sys.stderr)
    print("job_ms_per_frame=%.2f io_ms_per_frame=%.2f gap_ms=%.2f attributed=%.2f"
          % (sum(jf.values()), sum(iof.values()), gap, min(1.0, grew / gap) if gap > 0 else 0))


if __name__ == "__main__":
    main()
