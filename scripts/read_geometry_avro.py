#!/usr/bin/python3
"""Independent check of geometry-frames.avro: reads it with python3-avro using only schemas/*.avsc.

Usage: /usr/bin/python3 scripts/read_geometry_avro.py DIR/geometry-frames.avro [schemas/GeometryFrame.avsc]
Prints `records=<n> streams=<k> first=<stream>#<frame>` and exits 0; exits 1 on any mismatch.
"""
import json
import sys

import avro.schema
from avro.datafile import DataFileReader
from avro.io import DatumReader


def main(argv):
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    path = argv[1]
    schema_path = argv[2] if len(argv) > 2 else "schemas/GeometryFrame.avsc"
    with open(schema_path) as f:
        reader_schema = avro.schema.parse(f.read())
    n = 0
    streams = set()
    first = None
    with open(path, "rb") as f:
        reader = DataFileReader(f, DatumReader(readers_schema=reader_schema))
        for rec in reader:
            q = rec["worldFromCamera"]
            norm = (q["qx"] ** 2 + q["qy"] ** 2 + q["qz"] ** 2 + q["qw"] ** 2) ** 0.5
            if abs(norm - 1.0) > 1e-6:
                print("pose quaternion not unit: %r" % norm, file=sys.stderr)
                return 1
            for key in ("depthUri", "normalsUri", "pointMapUri", "rgbUri"):
                if not rec["payloads"][key]:
                    print("missing " + key, file=sys.stderr)
                    return 1
            streams.add(rec["streamId"])
            if first is None:
                first = "%s#%d" % (rec["streamId"], rec["frameIndex"])
            n += 1
        reader.close()
    print("records=%d streams=%d first=%s" % (n, len(streams), first))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
