package io.geostream.testing;

import org.junit.jupiter.api.Assumptions;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A local RTSP camera: scripts/rtsp_test_server.py (GStreamer's RTSP server through python3-gi; Debian's
 * gir1.2-gst-rtsp-server-1.0 and gstreamer1.0-plugins-good) serving a live test pattern as MJPEG over RTP, which a test
 * can kill (an outage, as a crashed camera: SIGKILL) and start again on the same port.
 */
public final class RtspTestServer implements AutoCloseable {
    private static final Path PYTHON = Path.of("/usr/bin/python3");

    private final int port;
    private final int fps;
    private Process process;

    private RtspTestServer(int port, int fps) {
        this.port = port;
        this.fps = fps;
    }

    /**
     * Whether the GStreamer RTSP server is installed; on CI (CI set) its absence fails instead (.ci/run installs it),
     * elsewhere the calling test is skipped.
     */
    public static void assumeAvailable() throws Exception {
        boolean available = Files.isExecutable(PYTHON) && new ProcessBuilder(PYTHON.toString(), "-c",
                "import gi; gi.require_version('GstRtspServer', '1.0'); from gi.repository import Gst, GstRtspServer;"
                        + " Gst.init(None); assert Gst.ElementFactory.find('rtpjpegpay')").start().waitFor() == 0;
        if (!available) {
            String packages = "gir1.2-gst-rtsp-server-1.0, gstreamer1.0-plugins-good and python3-gi";
            if (System.getenv("CI") != null) throw new AssertionError("CI must provide " + packages + " (.ci/run)");
            Assumptions.abort(packages + " not installed: no local RTSP server");
        }
    }

    /** Starts a server on a free port; returns once it listens. */
    public static RtspTestServer start(int fps) throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        RtspTestServer server = new RtspTestServer(port, fps);
        server.startAgain();
        return server;
    }

    public String url() {
        return "rtsp://127.0.0.1:" + port + "/cam";
    }

    /** Starts the server (again) on its port and waits for its "ready" line. */
    public void startAgain() throws Exception {
        assertThat(process == null || !process.isAlive()).as("server already running").isTrue();
        Path script = RepoFiles.root().resolve("scripts/rtsp_test_server.py");
        process = new ProcessBuilder(PYTHON.toString(), script.toString(), "--port", String.valueOf(port), "--fps",
                String.valueOf(fps), "--size", "160x120").redirectError(ProcessBuilder.Redirect.INHERIT).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        String line = CompletableFuture.supplyAsync(() -> {
            try {
                return out.readLine();
            } catch (IOException e) {
                return null;
            }
        }).get(20, TimeUnit.SECONDS);
        assertThat(line).as("the RTSP server's first line").isEqualTo("ready " + url());
    }

    /** Kills the server at once (SIGKILL, as a crash or power cut: no RTSP TEARDOWN, the TCP connection just closes). */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        assertThat(process.waitFor(10, TimeUnit.SECONDS)).as("RTSP server gone").isTrue();
    }

    @Override
    public void close() throws InterruptedException {
        if (process != null && process.isAlive()) kill();
    }
}
