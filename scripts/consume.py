#!/usr/bin/python3
"""Consume the job's live output: per segment a TUM trajectory and a PLY point cloud.

Reads the committed (isolation.level=read_committed) GeometryFrames and SegmentEvents from Kafka, decodes the Avro
single-object encoding (C3 01, 8-byte little-endian CRC-64-AVRO fingerprint of the writer schema, binary body) with
schemas/*.avsc and schemas/released/vN/*.avsc, fetches each frame's payloads from the object store (S3 through boto3,
or file:// URIs of a local store), and writes per segment, keyed on (streamId, segmentStartMicros, segmentId) and
named as `geostream map` names its files (docs/data.md):

  OUT/<stream>/segment-<segmentStartMicros>-<segmentId>.tum   (segment-<segmentId>.* when the start is -1)
      one line per frame, capture time order: "timestamp tx ty tz qx qy qz qw", timestamp in seconds (capture time),
      world-from-camera pose in the segment's world frame and units
  OUT/<stream>/segment-....ply    binary little-endian PLY, x y z float (+ red green blue uchar when Pillow can
      decode rgb.jpg): every valid pixel of every frame (--pixel-step to thin), in the segment's world frame; from
      depth.png (z = count * depthUnit, back-projected with the intrinsics, moved by the pose: the default) or from
      points.npy (--points npy)
  OUT/<stream>/segment-....json   the segment's identity, scaleStatus and scaleFactor (units: metres only for METRIC,
      as value * scaleFactor), frames, points, its STARTED/ENDED (and RELOCALISED) events as read, and world_segment: the earlier
      segment whose (corrected) world a segment re-localised after a break was corrected into, else null

Python packages: Debian's python3-confluent-kafka, python3-avro, python3-boto3, python3-numpy; python3-pil (Pillow)
for depth.png and rgb.jpg (without it: points from points.npy, no colour).

Usage: /usr/bin/python3 scripts/consume.py --bootstrap-servers HOST:PORT --s3-endpoint URL --out DIR
       [--stream ID] [--until-idle S | --max-seconds S] (see --help)
Logs go to stderr; the last stdout line is "result=ok frames=.. segments=.. streams=.. points=.. undecodable=.. out=..".
Exit 0 ok, 1 failure, 2 usage error.
"""
import argparse
import io
import json
import os
import re
import shutil
import signal
import struct
import sys
import time
from urllib.parse import urlparse

import numpy as np

try:
    from PIL import Image
except ImportError:  # depth.png and rgb.jpg need Pillow; points.npy does not
    Image = None

SCRIPT_DIR = os.path.dirname(os.path.abspath(__file__))
DEFAULT_SCHEMAS = os.path.join(os.path.dirname(SCRIPT_DIR), "schemas")


def log(msg):
    print("consume: " + msg, file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------------------------------------
# Avro single-object encoding

_CRC64_EMPTY = 0xC15D213AA4D7A795


def _crc64_table():
    table = []
    for i in range(256):
        fp = i
        for _ in range(8):
            fp = (fp >> 1) ^ (_CRC64_EMPTY & -(fp & 1))
        table.append(fp)
    return table


_CRC64_TABLE = _crc64_table()


def crc64_avro(data):
    """The Avro spec's CRC-64-AVRO (Rabin) fingerprint of bytes, as Java's SchemaNormalization.fingerprint64."""
    fp = _CRC64_EMPTY
    for b in data:
        fp = (fp >> 8) ^ _CRC64_TABLE[(fp ^ b) & 0xFF]
    return fp


class SingleObjectDecoder:
    """Decodes single-object encoded values of one record type: the writer schema is the .avsc (current or released)
    whose parsing-canonical-form fingerprint matches the header; the body is resolved to the current schema."""

    MARKER = b"\xc3\x01"

    def __init__(self, schemas_dir, name):
        import avro.schema
        self._avro_io = __import__("avro.io", fromlist=["DatumReader", "BinaryDecoder"])
        current = os.path.join(schemas_dir, name + ".avsc")
        with open(current) as f:
            self.reader_schema = avro.schema.parse(f.read())
        paths = [current]
        released = os.path.join(schemas_dir, "released")
        if os.path.isdir(released):
            for v in sorted(os.listdir(released)):
                p = os.path.join(released, v, name + ".avsc")
                if os.path.isfile(p):
                    paths.append(p)
        self.readers = {}
        for p in paths:
            with open(p) as f:
                writer = avro.schema.parse(f.read())
            fp = struct.pack("<Q", crc64_avro(writer.canonical_form.encode("utf-8")))
            if fp not in self.readers:
                self.readers[fp] = self._avro_io.DatumReader(writers_schema=writer, readers_schema=self.reader_schema)
        self.name = name

    def decode(self, value):
        if value is None or len(value) < 10 or value[:2] != self.MARKER:
            raise ValueError("not an Avro single-object encoded value (marker C3 01)")
        reader = self.readers.get(value[2:10])
        if reader is None:
            raise ValueError("unknown %s writer schema fingerprint %s" % (self.name, value[2:10].hex()))
        buf = io.BytesIO(value[10:])
        rec = reader.read(self._avro_io.BinaryDecoder(buf))
        if buf.tell() != len(value) - 10:
            raise ValueError("%d trailing bytes after the %s body" % (len(value) - 10 - buf.tell(), self.name))
        return rec


# ---------------------------------------------------------------------------------------------------------------------
# Poses, payloads, corrections

def world_from_camera(pose):
    """4x4 camera-to-world matrix of a GeometryFrame pose: p_world = R(q) p_camera + t, q Hamilton (x, y, z, w)."""
    q = np.array([pose["qx"], pose["qy"], pose["qz"], pose["qw"]], dtype=np.float64)
    x, y, z, w = q / np.linalg.norm(q)
    m = np.eye(4)
    m[:3, :3] = [[1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)],
                 [2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)],
                 [2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)]]
    m[:3, 3] = [pose["tx"], pose["ty"], pose["tz"]]
    return m


def quaternion_xyzw(r):
    """Unit quaternion (x, y, z, w), w >= 0, of a rotation matrix (the job's convention)."""
    t = np.trace(r)
    if t > 0:
        s = np.sqrt(t + 1.0) * 2
        q = [(r[2, 1] - r[1, 2]) / s, (r[0, 2] - r[2, 0]) / s, (r[1, 0] - r[0, 1]) / s, 0.25 * s]
    elif r[0, 0] > r[1, 1] and r[0, 0] > r[2, 2]:
        s = np.sqrt(1.0 + r[0, 0] - r[1, 1] - r[2, 2]) * 2
        q = [0.25 * s, (r[0, 1] + r[1, 0]) / s, (r[0, 2] + r[2, 0]) / s, (r[2, 1] - r[1, 2]) / s]
    elif r[1, 1] > r[2, 2]:
        s = np.sqrt(1.0 + r[1, 1] - r[0, 0] - r[2, 2]) * 2
        q = [(r[0, 1] + r[1, 0]) / s, 0.25 * s, (r[1, 2] + r[2, 1]) / s, (r[0, 2] - r[2, 0]) / s]
    else:
        s = np.sqrt(1.0 + r[2, 2] - r[0, 0] - r[1, 1]) * 2
        q = [(r[0, 2] + r[2, 0]) / s, (r[1, 2] + r[2, 1]) / s, 0.25 * s, (r[1, 0] - r[0, 1]) / s]
    q = np.array(q) / np.linalg.norm(q)
    return -q if q[3] < 0 else q


class NoSegmentCorrections:
    """The identity: frames as published (--no-corrections, or no corrections topic)."""

    def correct(self, segment_key, frame_index, matrix):
        """(world_from_camera 4x4, factor on camera-frame depth) of a frame's recorded pose: the pose itself and 1.0."""
        return matrix, 1.0

    def world_of(self, segment_key):
        return None


def rotation_vector(r):
    """Axis * angle of a rotation matrix."""
    c = max(-1.0, min(1.0, (np.trace(r) - 1) / 2))
    angle = np.arccos(c)
    if angle < 1e-12:
        return np.zeros(3)
    v = np.array([r[2, 1] - r[1, 2], r[0, 2] - r[2, 0], r[1, 0] - r[0, 1]])
    if np.pi - angle < 1e-6:  # near 180 deg: (R + I) / 2 = k k^T
        kk = (r + np.eye(3)) / 2
        i = int(np.argmax(np.diag(kk)))
        axis = kk[:, i] / np.sqrt(kk[i, i])
        return axis * angle
    return v / (2 * np.sin(angle)) * angle


def rotation_from_vector(v):
    angle = np.linalg.norm(v)
    if angle < 1e-15:
        return np.eye(3)
    k = v / angle
    kx = np.array([[0, -k[2], k[1]], [k[2], 0, -k[0]], [-k[1], k[0], 0]])
    return np.eye(3) + np.sin(angle) * kx + (1 - np.cos(angle)) * kx @ kx


class SegmentCorrections:
    """Loop-closure corrections (docs/data.md, "Loop-closure corrections"): the latest version per segment identity of
    the compacted corrections topic, read to its end before any frame. Each record is absolute (it maps the geometry as
    published), so only the latest counts and applying it twice changes nothing. A frame between two keyframes gets the
    two keyframes' similarities blended by frame index about the frame's camera centre: log-linear scale, rotation
    along the relative rotation, linear shift of the centre; before the first / after the last keyframe, that one's."""

    def __init__(self, records):
        self.latest = {}
        for rec in records:
            key = (rec["streamId"], rec["segmentStartMicros"], rec["segmentId"])
            known = self.latest.get(key)
            if known is None or rec["version"] > known["version"]:
                self.latest[key] = rec
        self.prepared = {}

    def versions(self):
        return {key: rec["version"] for key, rec in self.latest.items()}

    def world_of(self, key):
        """The segment whose corrected world a re-localised segment's correction maps it into (worldSegmentId >= 0),
        as {"segment_id", "segment_start_micros"}; None for a segment in its own world."""
        rec = self.latest.get(key)
        if rec is None or rec.get("worldSegmentId", -1) < 0:
            return None
        start = rec.get("worldSegmentStartMicros", -1)
        return {"segment_id": rec["worldSegmentId"], "segment_start_micros": None if start < 0 else start}

    def _keyframes(self, key):
        kf = self.prepared.get(key)
        if kf is None:
            rec = self.latest[key]
            kf = self.prepared[key] = (
                np.array([k["frameIndex"] for k in rec["keyframes"]], dtype=np.int64),
                [(k["scale"], world_from_camera(k)[:3, :3], np.array([k["tx"], k["ty"], k["tz"]])) for k in rec["keyframes"]])
        return kf

    @staticmethod
    def _blend(a, b, w, pivot):
        (sa, ra, ta), (sb, rb, tb) = a, b
        scale = np.exp((1 - w) * np.log(sa) + w * np.log(sb))
        r = ra @ rotation_from_vector(w * rotation_vector(ra.T @ rb))
        shift = (1 - w) * (sa * ra @ pivot + ta - pivot) + w * (sb * rb @ pivot + tb - pivot)
        return scale, r, shift + pivot - scale * r @ pivot

    def for_frame(self, key, frame_index, centre):
        """(scale, R, t) of the frame's correction x -> s R x + t, or None when its segment has none."""
        if key not in self.latest:
            return None
        idx, sims = self._keyframes(key)
        if frame_index <= idx[0]:
            return sims[0]
        if frame_index >= idx[-1]:
            return sims[-1]
        hi = int(np.searchsorted(idx, frame_index))
        if idx[hi] == frame_index:
            return sims[hi]
        lo = hi - 1
        w = (frame_index - idx[lo]) / float(idx[hi] - idx[lo])
        return self._blend(sims[lo], sims[hi], w, centre)

    def correct(self, segment_key, frame_index, matrix):
        """(corrected world_from_camera 4x4, the correction's scale, which multiplies camera-frame depth)."""
        c = self.for_frame(segment_key, frame_index, matrix[:3, 3])
        if c is None:
            return matrix, 1.0
        scale, r, t = c
        m = np.eye(4)
        m[:3, :3] = r @ matrix[:3, :3]  # the camera stays rigid; its world moves
        m[:3, 3] = scale * r @ matrix[:3, 3] + t
        return m, scale


class ObjectReader:
    """Reads payload URIs: s3://bucket/key through boto3 (endpoint, region, path-style; keys from the flags or boto3's
    default credentials chain) or from a mirror directory (--objects-dir DIR: DIR/key), file:///path directly."""

    def __init__(self, args):
        self.args = args
        self._s3 = None

    def s3(self):
        if self._s3 is None:
            import boto3
            from botocore.config import Config
            kw = {"region_name": self.args.s3_region,
                  "config": Config(s3={"addressing_style": "path" if self.args.s3_path_style else "virtual"},
                                   retries={"max_attempts": 5, "mode": "standard"})}
            if self.args.s3_endpoint:
                kw["endpoint_url"] = self.args.s3_endpoint
            if self.args.s3_access_key:
                kw["aws_access_key_id"] = self.args.s3_access_key
                kw["aws_secret_access_key"] = self.args.s3_secret_key
            self._s3 = boto3.session.Session().client("s3", **kw)
        return self._s3

    def get(self, uri):
        u = urlparse(uri)
        if u.scheme == "s3" and self.args.objects_dir:
            with open(os.path.join(self.args.objects_dir, u.path.lstrip("/")), "rb") as f:
                return f.read()
        if u.scheme == "s3":
            bucket = self.args.bucket or u.netloc
            return self.s3().get_object(Bucket=bucket, Key=u.path.lstrip("/"))["Body"].read()
        if u.scheme == "file":
            with open(u.path, "rb") as f:
                return f.read()
        raise ValueError("unsupported payload URI " + uri)


def decode_png16(data, w, h):
    img = Image.open(io.BytesIO(data))
    counts = np.asarray(img).astype(np.int64)
    if counts.shape != (h, w):
        raise ValueError("depth.png is %r, record says %dx%d" % (counts.shape, w, h))
    if counts.min() < 0 or counts.max() > 65535:
        raise ValueError("depth.png is not 16-bit")
    return counts


def decode_rgb(data, w, h):
    img = Image.open(io.BytesIO(data)).convert("RGB")
    rgb = np.asarray(img, dtype=np.uint8)
    if rgb.shape != (h, w, 3):
        raise ValueError("rgb.jpg is %r, record says %dx%d" % (rgb.shape, w, h))
    return rgb


def load_npy(data, shape):
    arr = np.load(io.BytesIO(data), allow_pickle=False)
    if arr.shape != shape:
        raise ValueError("points.npy has shape %r, expected %r" % (arr.shape, shape))
    return arr.astype(np.float64)


# ---------------------------------------------------------------------------------------------------------------------
# Per-segment output

def safe_name(stream):
    """A directory name for a stream id (the job rejects path-like ids; this guards anyway)."""
    name = re.sub(r"[^A-Za-z0-9._-]", "_", stream)
    return "_" + name if name in ("", ".", "..") else name


def segment_base(start_micros, segment_id):
    return "segment-%d-%d" % (start_micros, segment_id) if start_micros != -1 else "segment-%d" % segment_id


class Segment:
    def __init__(self, out, key, coloured):
        self.key = key
        stream, start, sid = key
        self.dir = os.path.join(out, safe_name(stream))
        self.base = segment_base(start, sid)
        self.coloured = coloured
        self.poses = {}  # frameIndex -> (captureTimeMicros, tx ty tz qx qy qz qw)
        self.points = 0
        self.scale = None
        self.events = []
        self.body_path = None
        self.body = None

    def add_points(self, xyz, rgb):
        if self.body is None:
            os.makedirs(self.dir, exist_ok=True)
            self.body_path = os.path.join(self.dir, self.base + ".ply.part")
            self.body = open(self.body_path, "wb")
        fields = [("x", "<f4"), ("y", "<f4"), ("z", "<f4")]
        if self.coloured:
            fields += [("red", "u1"), ("green", "u1"), ("blue", "u1")]
        v = np.empty(len(xyz), dtype=fields)
        v["x"], v["y"], v["z"] = xyz[:, 0], xyz[:, 1], xyz[:, 2]
        if self.coloured:
            v["red"], v["green"], v["blue"] = rgb[:, 0], rgb[:, 1], rgb[:, 2]
        self.body.write(v.tobytes())
        self.points += len(xyz)

    def write(self, world=None):
        """world: the earlier segment whose world a re-localised segment's correction put it in, or None."""
        os.makedirs(self.dir, exist_ok=True)
        path = os.path.join(self.dir, self.base)
        with open(path + ".tum.part", "w") as f:
            f.write("# timestamp tx ty tz qx qy qz qw (seconds; world-from-camera, segment world frame and units)\n")
            for idx, (micros, p) in sorted(self.poses.items(), key=lambda e: (e[1][0], e[0])):
                f.write("%d.%06d %s\n" % (micros // 1_000_000, micros % 1_000_000, " ".join("%.9g" % x for x in p)))
        os.replace(path + ".tum.part", path + ".tum")
        header = ["ply", "format binary_little_endian 1.0",
                  "comment geostream consume.py: stream %s segmentStartMicros %d segmentId %d" % ((safe_name(self.key[0]),) + self.key[1:]),
                  "element vertex %d" % self.points,
                  "property float x", "property float y", "property float z"]
        if self.coloured:
            header += ["property uchar red", "property uchar green", "property uchar blue"]
        header.append("end_header")
        with open(path + ".ply.tmp", "wb") as f:
            f.write(("\n".join(header) + "\n").encode("ascii"))
            if self.body is not None:
                self.body.flush()
                with open(self.body_path, "rb") as b:
                    shutil.copyfileobj(b, f)
        os.replace(path + ".ply.tmp", path + ".ply")
        stream, start, sid = self.key
        meta = {"stream_id": stream, "segment_start_micros": None if start == -1 else start, "segment_id": sid,
                "tum": self.base + ".tum", "ply": self.base + ".ply", "frames": len(self.poses), "points": self.points,
                "scale_status": self.scale[0] if self.scale else None,
                "scale_factor": self.scale[1] if self.scale else None,
                "world_segment": world, "events": self.events}
        with open(path + ".json", "w") as f:
            json.dump(meta, f, indent=2)
            f.write("\n")

    def close(self):
        if self.body is not None:
            self.body.close()
            os.remove(self.body_path)
            self.body = None


class Consumer:
    def __init__(self, args):
        self.args = args
        self.frames_dec = SingleObjectDecoder(args.schemas, "GeometryFrame")
        self.segments_dec = SingleObjectDecoder(args.schemas, "SegmentEvent")
        self.objects = ObjectReader(args)
        self.corrections = NoSegmentCorrections()
        self.corrections_dec = SingleObjectDecoder(args.schemas, "SegmentCorrection")
        self.use_depth = args.points == "depth"
        self.coloured = Image is not None and not args.no_colour
        if self.use_depth and Image is None:
            log("Pillow (python3-pil) not installed: points from points.npy, no colour")
            self.use_depth = False
        self.segments = {}
        self.frames = 0
        self.duplicates = 0
        self.undecodable = 0
        self.events = 0

    def segment(self, key):
        s = self.segments.get(key)
        if s is None:
            s = self.segments[key] = Segment(self.args.out, key, self.coloured)
        return s

    def on_segment_event(self, rec):
        key = (rec["streamId"], rec["segmentStartMicros"], rec["segmentId"])
        self.events += 1
        event = {k: rec[k] for k in ("kind", "reason", "detail", "firstFrameIndex", "lastFrameIndex", "frameCount",
                                     "eventTimeMicros")}
        if rec.get("kind") == "RELOCALISED":  # v3: the world the segment was put in
            event.update({k: rec.get(k, -1) for k in ("worldSegmentId", "worldSegmentStartMicros")})
        self.segment(key).events.append(event)

    def on_frame(self, rec):
        key = (rec["streamId"], rec["segmentStartMicros"], rec["segmentId"])
        seg = self.segment(key)
        idx = rec["frameIndex"]
        if idx in seg.poses:  # a second copy (a new job run over the same input): same identity, same payloads
            self.duplicates += 1
            return
        seg.scale = (rec["scaleStatus"], rec["scaleFactor"])
        recorded = world_from_camera(rec["worldFromCamera"])
        m, factor = self.corrections.correct(key, idx, recorded)
        q = quaternion_xyzw(m[:3, :3])
        seg.poses[idx] = (rec["captureTimeMicros"], (m[0, 3], m[1, 3], m[2, 3], q[0], q[1], q[2], q[3]))
        self.frames += 1
        p = rec["payloads"]
        w, h, step = p["width"], p["height"], self.args.pixel_step
        if self.use_depth:
            k = rec["intrinsics"]
            z = decode_png16(self.objects.get(p["depthUri"]), w, h) * p["depthUnit"] * factor  # segment units
            v, u = np.mgrid[0:h, 0:w]
            cam = np.stack([(u - k["cx"]) / k["fx"] * z, (v - k["cy"]) / k["fy"] * z, z], axis=-1)
            valid = z > 0
            xyz_cam = cam[::step, ::step][valid[::step, ::step]]
            world = xyz_cam @ m[:3, :3].T + m[:3, 3]
        else:
            pts = load_npy(self.objects.get(p["pointMapUri"]), (h, w, 3))  # already in the (recorded) world
            if m is not recorded or factor != 1.0:  # a correction: back into the camera, then the corrected pose
                pts = (((pts - recorded[:3, 3]) @ recorded[:3, :3]) * factor) @ m[:3, :3].T + m[:3, 3]
            sub = pts[::step, ::step]
            valid = np.zeros((h, w), bool)
            valid[::step, ::step] = np.isfinite(sub).all(axis=-1)
            world = pts[valid]
        if self.coloured:
            rgb = decode_rgb(self.objects.get(p["rgbUri"]), w, h)
            colours = rgb[::step, ::step][valid[::step, ::step]] if self.use_depth else rgb[valid]
        else:
            colours = None
        seg.add_points(world, colours)

    def run(self):
        from confluent_kafka import Consumer as KafkaConsumer
        conf = {"bootstrap.servers": self.args.bootstrap_servers,
                "group.id": "geostream-consume-%d-%d" % (os.getpid(), int(time.time())),  # never committed
                "enable.auto.commit": False, "enable.auto.offset.store": False,
                "isolation.level": "read_committed", "auto.offset.reset": "earliest",
                "enable.partition.eof": True, "max.partition.fetch.bytes": 16 * 1024 * 1024,
                "client.id": "geostream-consume"}
        for kv in self.args.kafka_property:
            k, _, v = kv.partition("=")
            conf[k] = v
        conf["isolation.level"] = "read_committed"
        if not self.args.no_corrections:
            self.corrections = self._read_corrections(KafkaConsumer(conf))
        c = KafkaConsumer(conf)
        stop = {"now": False}
        signal.signal(signal.SIGTERM, lambda *_: stop.update(now=True))
        try:
            self._consume(c, stop)
        except KeyboardInterrupt:
            log("interrupted")
        except BaseException:
            for seg in self.segments.values():
                seg.close()
            raise
        finally:
            c.close()
        written = 0
        try:
            for seg in self.segments.values():
                if seg.poses:
                    seg.write(self.corrections.world_of(seg.key))
                    written += 1
        finally:
            for seg in self.segments.values():
                seg.close()
        return written

    def _read_corrections(self, c):
        """The corrections topic from its beginning to its end now (before any frame), latest version per segment."""
        from confluent_kafka import KafkaError, TopicPartition, OFFSET_BEGINNING
        topic = self.args.corrections_topic
        try:
            md = c.list_topics(topic, timeout=30).topics.get(topic)
            if md is None or md.error is not None or not md.partitions:
                log("corrections topic %s does not exist: segments stay as published" % topic)
                return NoSegmentCorrections()
            parts = [TopicPartition(topic, p, OFFSET_BEGINNING) for p in sorted(md.partitions)]
            c.assign(parts)
            records, at_end, started = [], set(), time.monotonic()
            prefix = (self.args.stream + "/").encode("utf-8") if self.args.stream is not None else None
            while len(at_end) < len(parts):
                if time.monotonic() - started > 60:
                    raise IOError("corrections topic %s not read to its end in 60 s" % topic)
                msg = c.poll(0.5)
                if msg is None:
                    continue
                if msg.error():
                    if msg.error().code() == KafkaError._PARTITION_EOF:
                        at_end.add(msg.partition())
                        continue
                    raise IOError("kafka: %s" % msg.error())
                if msg.value() is None or (prefix is not None and not (msg.key() or b"").startswith(prefix)):
                    continue  # a tombstone, or another stream's (keys are <stream>/<start>/<segment>)
                try:
                    records.append(self.corrections_dec.decode(msg.value()))
                except Exception as e:  # noqa: BLE001 - skipped as an undecodable frame is
                    self.undecodable += 1
                    log("skipped undecodable correction %s-%d@%d: %s" % (msg.topic(), msg.partition(), msg.offset(), e))
        finally:
            c.close()
        corrections = SegmentCorrections(records)
        log("%d corrections read: %d segments corrected" % (len(records), len(corrections.latest)))
        return corrections

    def _consume(self, c, stop):
        """Reads both topics from their beginning until a stop condition, feeding frames and segment events."""
        from confluent_kafka import KafkaError, TopicPartition, OFFSET_BEGINNING
        parts = []
        for topic in (self.args.geometry_topic, self.args.segments_topic):
            md = c.list_topics(topic, timeout=30).topics.get(topic)
            if md is None or md.error is not None or not md.partitions:
                raise IOError("topic %s does not exist (%s)" % (topic, md.error if md else "no metadata"))
            parts += [TopicPartition(topic, p, OFFSET_BEGINNING) for p in sorted(md.partitions)]
        c.assign(parts)
        log("reading %d partitions of %s and %s (read_committed)%s" % (
            len(parts), self.args.geometry_topic, self.args.segments_topic,
            ", stream " + self.args.stream if self.args.stream else ""))
        started = last = last_log = time.monotonic()
        at_end = set()  # (topic, partition) that reported the end (for read_committed: the last stable offset)
        key_filter = self.args.stream.encode("utf-8") if self.args.stream is not None else None
        while not stop["now"]:
            now = time.monotonic()
            if self.args.max_seconds and now - started >= self.args.max_seconds:
                log("--max-seconds reached")
                break
            if self.args.until_idle and now - last >= self.args.until_idle and len(at_end) == len(parts):
                log("every partition read to its end and no record for %g s (--until-idle)" % self.args.until_idle)
                break
            if now - last_log > 5:
                last_log = now
                log("%d frames, %d segments so far" % (self.frames, len(self.segments)))
            msg = c.poll(0.5)
            if msg is None:
                continue
            if msg.error():
                if msg.error().code() == KafkaError._PARTITION_EOF:
                    at_end.add((msg.topic(), msg.partition()))
                    continue
                raise IOError("kafka: %s" % msg.error())
            last = time.monotonic()
            at_end.discard((msg.topic(), msg.partition()))
            if key_filter is not None and msg.key() != key_filter:
                continue  # records are keyed by stream id: skip other streams undecoded
            geometry = msg.topic() == self.args.geometry_topic
            try:
                rec = (self.frames_dec if geometry else self.segments_dec).decode(msg.value())
            except Exception as e:  # noqa: BLE001 - an undecodable record is skipped, as geostream map does
                self.undecodable += 1
                log("skipped undecodable record %s-%d@%d: %s" % (msg.topic(), msg.partition(), msg.offset(), e))
                continue
            if self.args.stream is not None and rec["streamId"] != self.args.stream:
                continue
            if geometry:
                self.on_frame(rec)
            else:
                self.on_segment_event(rec)


def parse_args(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 epilog="Output layout and units: see the module docstring and README, Consume the output.")
    ap.add_argument("--bootstrap-servers", default="localhost:9092")
    ap.add_argument("--geometry-topic", default="geostream.geometry")
    ap.add_argument("--segments-topic", default="geostream.segments")
    ap.add_argument("--corrections-topic", default="geostream.corrections",
                    help="SegmentCorrection topic (loop closure), read to its end first; its latest correction per segment"
                         " is applied to the segment's poses, depths and points (default geostream.corrections)")
    ap.add_argument("--no-corrections", action="store_true", help="write the frames as published")
    ap.add_argument("--kafka-property", action="append", default=[], metavar="KEY=VALUE",
                    help="extra librdkafka consumer setting (security.protocol, sasl.*); isolation.level stays read_committed")
    ap.add_argument("--s3-endpoint", default=None, help="S3 endpoint URL (unset: AWS)")
    ap.add_argument("--s3-region", default="us-east-1")
    ap.add_argument("--bucket", "--s3-bucket", dest="bucket", default=None,
                    help="read objects from this bucket instead of the one each s3:// URI names")
    ap.add_argument("--s3-path-style", default="true", choices=["true", "false"],
                    help="path-style requests (default true: MinIO, s3proxy)")
    ap.add_argument("--s3-access-key", default=None)
    ap.add_argument("--s3-secret-key", default=None,
                    help="with --s3-access-key; without both, boto3's default credentials chain (env, profile, role)")
    ap.add_argument("--objects-dir", default=None,
                    help="read s3://BUCKET/KEY from DIR/KEY instead of S3 (a mirror, e.g. a demo's OUT/objects)")
    ap.add_argument("--stream", default=None, help="only this stream id")
    ap.add_argument("--out", required=True, help="output directory")
    ap.add_argument("--points", choices=["depth", "npy"], default="depth",
                    help="PLY points from depth.png back-projected (default) or from points.npy")
    ap.add_argument("--pixel-step", type=int, default=1, help="use every Nth pixel in each direction (default 1)")
    ap.add_argument("--no-colour", action="store_true", help="do not fetch rgb.jpg; PLY without colour")
    ap.add_argument("--until-idle", type=float, default=10.0,
                    help="stop once every partition was read to its end and no record came for this many seconds "
                         "(default 10; 0: never)")
    ap.add_argument("--max-seconds", type=float, default=0.0, help="stop after this many seconds (default 0: no limit)")
    ap.add_argument("--schemas", default=DEFAULT_SCHEMAS, help="schemas directory (default: the repository's schemas/)")
    args = ap.parse_args(argv)
    args.s3_path_style = args.s3_path_style == "true"
    if (args.s3_access_key is None) != (args.s3_secret_key is None):
        ap.error("give both --s3-access-key and --s3-secret-key, or neither")
    if args.pixel_step < 1:
        ap.error("--pixel-step must be at least 1")
    if args.until_idle < 0 or args.max_seconds < 0:
        ap.error("--until-idle and --max-seconds must not be negative")
    if args.until_idle == 0 and args.max_seconds == 0:
        log("neither --until-idle nor --max-seconds: running until interrupted (Ctrl-C)")
    return args


def main(argv):
    args = parse_args(argv)
    try:
        os.makedirs(args.out, exist_ok=True)
        consumer = Consumer(args)
        written = consumer.run()
    except Exception as e:  # noqa: BLE001 - reported as the result line
        log("failed: %s: %s" % (type(e).__name__, e))
        print("result=error error=%s out=%s" % (type(e).__name__, args.out))
        return 1
    points = sum(s.points for s in consumer.segments.values())
    streams = len({k[0] for k, s in consumer.segments.items() if s.poses})
    log("%d frames (%d duplicates skipped), %d segment events, %d undecodable records" % (
        consumer.frames, consumer.duplicates, consumer.events, consumer.undecodable))
    print("result=ok frames=%d segments=%d streams=%d points=%d undecodable=%d out=%s" % (
        consumer.frames, written, streams, points, consumer.undecodable, args.out))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
