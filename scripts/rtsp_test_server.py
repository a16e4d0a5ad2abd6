#!/usr/bin/python3
"""A local RTSP camera for tests: GStreamer's RTSP server (Debian's gir1.2-gst-rtsp-server-1.0 and
gstreamer1.0-plugins-good) serving a live moving test pattern as MJPEG over RTP.

    /usr/bin/python3 scripts/rtsp_test_server.py --port 8554 --path /cam --fps 10 --size 320x240

Prints "ready rtsp://127.0.0.1:PORT/PATH" on stdout once it listens, then serves until killed, so a test
can kill it for an outage and start it again on the same port.
"""
import argparse
import signal
import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtspServer  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--path", default="/cam")
    ap.add_argument("--fps", type=int, default=10)
    ap.add_argument("--size", default="320x240", help="WxH, multiples of 8 (RTP/JPEG)")
    args = ap.parse_args()
    w, h = (int(v) for v in args.size.lower().split("x"))

    Gst.init(None)
    server = GstRtspServer.RTSPServer()
    server.set_address("127.0.0.1")
    server.set_service(str(args.port))
    factory = GstRtspServer.RTSPMediaFactory()
    # is-live: frames at the camera's own pace, like a real camera; "ball" moves, so frames differ.
    # I420: RTP/JPEG (RFC 2435) carries 4:2:0 or 4:2:2 JPEGs only.
    factory.set_launch(
        f"( videotestsrc is-live=true pattern=ball ! video/x-raw,format=I420,width={w},height={h},framerate={args.fps}/1"
        f" ! jpegenc quality=85 ! rtpjpegpay name=pay0 pt=26 )")
    # One pipeline for all clients, so a reconnecting client gets the same live stream.
    factory.set_shared(True)
    server.get_mount_points().add_factory(args.path, factory)
    if server.attach(None) == 0:
        print(f"cannot listen on 127.0.0.1:{args.port}", file=sys.stderr)
        sys.exit(1)

    loop = GLib.MainLoop()
    signal.signal(signal.SIGTERM, lambda *_: loop.quit())
    print(f"ready rtsp://127.0.0.1:{args.port}{args.path}", flush=True)
    loop.run()


if __name__ == "__main__":
    main()
