package io.geostream.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.geostream.avro.GeometryFrame;
import io.geostream.map.OutputDirectory;
import io.geostream.map.StreamMap;
import io.geostream.storage.ObjectStore;
import io.geostream.synthetic.SceneSpec;
import io.geostream.synthetic.SyntheticScene;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * {@code report/index.html} of a demo's output directory: one page that opens from disk with nothing else (every
 * picture inline as a {@code data:} URI, the style inline, no script, no remote resource). Per stream: the camera path
 * against the truth ({@link TrajectoryCharts}), the payloads of a few sampled frames ({@link PayloadThumbnails}), and
 * the fused map's top view ({@link StreamMap} with {@code withTopViews()}, as {@code geostream map --from-output DIR
 * --top-view}); and the figures of {@code summary.json}, read from the file itself.
 */
public final class DemoReport {
    /** Frames per stream whose payloads are shown, evenly spread over the stream. */
    static final int SAMPLED_FRAMES = 4;
    /** Voxel size of the map's top view, as {@code geostream map}'s default. */
    static final double MAP_VOXEL = 0.02;
    private static final int MAP_MAX_VOXELS = 4_000_000;

    private DemoReport() {}

    /**
     * Writes {@code outDir/report/index.html} from {@code outDir}'s {@code summary.json}, {@code geometry-frames.avro}
     * and {@code objects/}.
     *
     * @param truth the synthetic scene of each stream; a stream without one (a real video) is shown without truth
     * @return the page's path
     */
    public static Path write(Path outDir, Map<String, SceneSpec> truth) throws IOException {
        System.setProperty("java.awt.headless", "true"); // charts and pictures are drawn off-screen, as eval's plots
        JsonNode summary = new ObjectMapper().readTree(outDir.resolve("summary.json").toFile());
        Map<String, List<GeometryFrame>> byStream = new TreeMap<>();
        for (GeometryFrame g : OutputDirectory.frames(outDir)) {
            byStream.computeIfAbsent(g.getStreamId().toString(), k -> new ArrayList<>()).add(g);
        }
        StringBuilder page = new StringBuilder();
        page.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>GeoStream demo report</title>\n")
                .append("<style>").append(STYLE).append("</style></head>\n<body>\n<h1>GeoStream demo report</h1>\n");
        String model = summary.path("model").asText("");
        page.append("<p>Model <code>").append(esc(model)).append("</code>; ").append(byStream.size())
                .append(" stream(s) with output. Files beside this page: <code>summary.json</code>, <code>geometry-frames.avro</code>, ")
                .append("<code>objects/</code>.</p>\n");
        if ("simulated".equals(model)) {
            page.append("<p class=\"note\">The simulated model re-renders the synthetic truth: these trajectory figures measure the "
                    + "stitching and the pipeline, not the accuracy of any real model.</p>\n");
        }
        figures(page, summary);
        Path maps = Files.createTempDirectory("geostream-report-maps-");
        io.geostream.map.SegmentCorrections corrections = OutputDirectory.corrections(outDir, null);
        try (ObjectStore store = OutputDirectory.objects(outDir)) {
            for (Map.Entry<String, List<GeometryFrame>> e : byStream.entrySet()) {
                SceneSpec spec = truth.get(e.getKey());
                stream(page, e.getKey(), e.getValue(), spec == null ? null : new SyntheticScene(spec), store, maps, corrections);
            }
        } finally {
            DemoRunner.deleteRecursively(maps);
        }
        page.append("</body></html>\n");
        Path dir = Files.createDirectories(outDir.resolve("report"));
        Path html = dir.resolve("index.html");
        Files.writeString(html, page, StandardCharsets.UTF_8);
        return html;
    }

    /** The figures of summary.json: the overall ones, then one row per stream. */
    private static void figures(StringBuilder page, JsonNode summary) {
        page.append("<h2 id=\"figures\">Figures (summary.json)</h2>\n<table class=\"figures\">\n");
        for (Iterator<Map.Entry<String, JsonNode>> it = summary.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> f = it.next();
            if (f.getValue().isContainerNode()) continue;
            page.append("<tr><th>").append(esc(f.getKey())).append("</th><td>").append(esc(f.getValue().asText())).append("</td></tr>\n");
        }
        page.append("</table>\n");
        JsonNode streams = summary.path("streams");
        Set<String> columns = new LinkedHashSet<>();
        streams.forEach(s -> s.fieldNames().forEachRemaining(columns::add));
        page.append("<table class=\"figures streams\">\n<tr><th>stream</th>");
        columns.forEach(c -> page.append("<th>").append(esc(c)).append("</th>"));
        page.append("</tr>\n");
        for (Iterator<Map.Entry<String, JsonNode>> it = streams.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> s = it.next();
            page.append("<tr><th>").append(esc(s.getKey())).append("</th>");
            for (String c : columns) page.append("<td>").append(esc(s.getValue().path(c).asText(""))).append("</td>");
            page.append("</tr>\n");
        }
        page.append("</table>\n");
    }

    private static void stream(StringBuilder page, String id, List<GeometryFrame> frames, SyntheticScene truth, ObjectStore store,
                               Path maps, io.geostream.map.SegmentCorrections corrections) throws IOException {
        page.append("<section class=\"stream\" id=\"stream-").append(esc(id)).append("\" data-stream=\"").append(esc(id)).append("\">\n")
                .append("<h2>Stream ").append(esc(id)).append("</h2>\n<h3>Camera path</h3>\n");
        List<List<GeometryFrame>> segments = TrajectoryCharts.segments(frames);
        List<TrajectoryCharts.Chart> charts;
        if (truth != null) {
            charts = TrajectoryCharts.againstTruth(id, segments, truth);
        } else {
            page.append("<p class=\"no-truth\">No truth for this stream (a real video): the estimated camera path alone, "
                    + "each segment in its own frame and units, not aligned to anything.</p>\n");
            charts = List.of(TrajectoryCharts.estimateOnly(id, segments));
        }
        if (segments.size() > TrajectoryCharts.MAX_SEGMENTS) {
            page.append("<p class=\"note\">").append(segments.size()).append(" segments; the charts show the first ")
                    .append(TrajectoryCharts.MAX_SEGMENTS).append(".</p>\n");
        }
        page.append("<div class=\"row\">\n");
        for (TrajectoryCharts.Chart c : charts) {
            page.append("<figure><img class=\"plot\" alt=\"").append(esc(c.title())).append("\" src=\"").append(dataUri(c.png()))
                    .append("\"><figcaption>").append(esc(c.title())).append("</figcaption></figure>\n");
        }
        page.append("</div>\n");

        page.append("<h3>Sampled frames</h3>\n<table class=\"frames\">\n");
        List<GeometryFrame> ordered = frames.stream().sorted(Comparator.comparingLong(GeometryFrame::getFrameIndex)).toList();
        int n = Math.min(SAMPLED_FRAMES, ordered.size());
        for (int k = 0; k < n; k++) {
            GeometryFrame g = ordered.get(n == 1 ? 0 : (int) Math.round(k * (ordered.size() - 1.0) / (n - 1)));
            page.append("<tr><th>frame ").append(g.getFrameIndex()).append("<br>segment ").append(g.getSegmentId()).append("</th>");
            for (PayloadThumbnails.Thumbnail t : PayloadThumbnails.of(g, store)) {
                page.append("<td><figure><img class=\"thumb ").append(t.kind()).append("\" alt=\"").append(t.kind())
                        .append(" of frame ").append(g.getFrameIndex()).append("\" src=\"").append(dataUri(t.png()))
                        .append("\"><figcaption>").append(t.kind()).append(t.range().isEmpty() ? "" : ": " + esc(t.range()))
                        .append("</figcaption></figure></td>");
            }
            page.append("</tr>\n");
        }
        page.append("</table>\n");

        page.append("<h3>Fused map, top view</h3>\n<div class=\"row\">\n");
        StreamMap map = new StreamMap(id, store, MAP_VOXEL, MAP_MAX_VOXELS, maps).withTopViews().withCorrections(corrections);
        for (GeometryFrame g : ordered) map.accept(g);
        map.writeSnapshots();
        List<Path> views;
        try (var files = Files.list(map.streamDir())) {
            views = files.filter(p -> p.getFileName().toString().endsWith("-top.png")).sorted().toList();
        }
        for (Path v : views) {
            String name = v.getFileName().toString().replace("-top.png", "");
            page.append("<figure><img class=\"map\" alt=\"top view of ").append(esc(id + " " + name)).append("\" src=\"")
                    .append(dataUri(Files.readAllBytes(v))).append("\"><figcaption>").append(esc(name))
                    .append(": the fused points from above, camera path in red, loop-closure corrections applied (as <code>geostream map --top-view</code>)</figcaption></figure>\n");
        }
        if (views.isEmpty()) page.append("<p class=\"note\">No segment could be fused.</p>\n");
        page.append("</div>\n</section>\n");
    }

    private static String dataUri(byte[] png) {
        return "data:image/png;base64," + Base64.getEncoder().encodeToString(png);
    }

    private static String esc(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (char c : s.toCharArray()) {
            switch (c) {
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '&' -> b.append("&amp;");
                case '"' -> b.append("&quot;");
                default -> b.append(c);
            }
        }
        return b.toString();
    }

    private static final String STYLE = """
            body { font-family: sans-serif; margin: 1.5em; color: #222; }
            table.figures { border-collapse: collapse; margin: 0.5em 0 1em; }
            table.streams { display: block; overflow-x: auto; max-width: 100%; }
            table.figures th, table.figures td { border: 1px solid #ccc; padding: 0.2em 0.6em; text-align: left; font-size: 0.9em; }
            .row { display: flex; flex-wrap: wrap; gap: 1em; }
            figure { margin: 0; }
            figcaption { font-size: 0.8em; color: #555; max-width: 620px; }
            img.plot { width: 620px; height: auto; }
            img.thumb { width: 200px; height: auto; image-rendering: pixelated; }
            img.map { width: 600px; height: auto; }
            table.frames th { font-weight: normal; font-size: 0.85em; padding-right: 0.6em; }
            .note, .no-truth { background: #fff6d6; padding: 0.4em 0.6em; }
            section.stream { border-top: 2px solid #ddd; margin-top: 1.5em; }
            """;
}
