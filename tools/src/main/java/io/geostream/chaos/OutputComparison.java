package io.geostream.chaos;

import io.geostream.avro.GeometryFrame;
import io.geostream.avro.PayloadRefs;
import io.geostream.avro.SegmentCorrection;
import io.geostream.avro.SegmentEvent;
import io.geostream.demo.CommittedOutput;
import io.geostream.storage.ObjectStore;

import java.io.IOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The committed output of a run against that of a failure-free run of the same input. A frame is lost when the
 * reference has it and the run does not, duplicated when the run committed it more than once, mismatched when
 * its event differs in any field but processing latency (payload URIs compared as object keys, since runs write
 * to different buckets), when a payload's SHA-256 differs or a referenced object is missing. A stream whose
 * segment events differ (ids, kinds, reasons, frame ranges, the world a re-localised segment was put in; times ignored) counts as mismatched too. Loop corrections
 * are compared the same way, each identified by {@code stream/segmentStart/segment vN}: lost, duplicated, or mismatched
 * when any field differs (the loop closer is deterministic given the same stitched frames).
 *
 * @param expected    frames in the reference output
 * @param committed   GeometryFrames the run committed
 * @param lost        {@code stream#index} of lost frames, {@code stream/start/segment vN} of lost corrections
 * @param duplicated  {@code stream#index xN} of duplicated frames
 * @param mismatched  {@code stream#index (what)} of frames, or {@code stream (segments)}, that differ
 * @param deadLetters dead letters the run committed (a failure-free run of valid input has none)
 * @param expectedCorrections loop corrections in the reference output (each compared like a frame)
 */
public record OutputComparison(int expected, int committed, List<String> lost, List<String> duplicated,
                               List<String> mismatched, int deadLetters, int expectedCorrections) {

    private static final List<String> PAYLOADS = List.of("depth", "normals", "points", "confidence", "rgb");

    /** True when nothing is lost, duplicated or mismatched. */
    public boolean exactlyOnce() {
        return lost.isEmpty() && duplicated.isEmpty() && mismatched.isEmpty();
    }

    /** The scenario's result line: {@code lost=<n> duplicated=<n> mismatched=<n>}. */
    public String summaryLine() {
        return "lost=" + lost.size() + " duplicated=" + duplicated.size() + " mismatched=" + mismatched.size();
    }

    public static OutputComparison compare(CommittedOutput want, ObjectStore wantStore, CommittedOutput got, ObjectStore gotStore)
            throws IOException {
        Map<String, GeometryFrame> wantByFrame = byFrame(want.frames());
        Map<String, GeometryFrame> gotByFrame = byFrame(got.frames());
        Map<String, Integer> counts = new TreeMap<>();
        for (GeometryFrame g : got.frames()) counts.merge(id(g), 1, Integer::sum);
        List<String> duplicated = new ArrayList<>();
        counts.forEach((k, n) -> { if (n > 1) duplicated.add(k + " x" + n); });
        List<String> lost = new ArrayList<>(wantByFrame.keySet().stream().filter(k -> !gotByFrame.containsKey(k)).toList());

        List<String> mismatched = new ArrayList<>();
        for (String extra : gotByFrame.keySet()) {
            if (!wantByFrame.containsKey(extra)) mismatched.add(extra + " (not in the reference)");
        }
        for (Map.Entry<String, GeometryFrame> e : wantByFrame.entrySet()) {
            GeometryFrame w = e.getValue(), g = gotByFrame.get(e.getKey());
            if (g == null) continue;
            if (!comparable(w, wantStore).equals(comparable(g, gotStore))) mismatched.add(e.getKey() + " (event)");
            for (String field : PAYLOADS) {
                String wUri = uri(w.getPayloads(), field), gUri = uri(g.getPayloads(), field);
                if (wUri == null && gUri == null) continue;
                if (wUri == null || gUri == null) {
                    mismatched.add(e.getKey() + " (" + field + " present in one run only)");
                    continue;
                }
                String gKey = gotStore.keyOf(gUri).orElse(null);
                if (gKey == null || !gotStore.exists(gKey)) {
                    mismatched.add(e.getKey() + " (" + field + " object missing)");
                } else if (!sha256(wantStore.get(wantStore.keyOf(wUri).orElseThrow())).equals(sha256(gotStore.get(gKey)))) {
                    mismatched.add(e.getKey() + " (" + field + " bytes)");
                }
            }
        }
        Map<String, List<String>> wantSegments = segmentsByStream(want.segments()), gotSegments = segmentsByStream(got.segments());
        for (String stream : union(wantSegments, gotSegments)) {
            if (!wantSegments.getOrDefault(stream, List.of()).equals(gotSegments.getOrDefault(stream, List.of()))) {
                mismatched.add(stream + " (segments)");
            }
        }
        compareCorrections(want.corrections(), got.corrections(), lost, duplicated, mismatched);
        return new OutputComparison(wantByFrame.size(), got.frames().size(), lost, duplicated, mismatched, got.deadLetters().size(),
                want.corrections().size());
    }

    private static void compareCorrections(List<SegmentCorrection> want, List<SegmentCorrection> got, List<String> lost,
                                           List<String> duplicated, List<String> mismatched) {
        Map<String, SegmentCorrection> wantById = new TreeMap<>(), gotById = new TreeMap<>();
        for (SegmentCorrection c : want) wantById.putIfAbsent(id(c), c);
        Map<String, Integer> counts = new TreeMap<>();
        for (SegmentCorrection c : got) {
            gotById.putIfAbsent(id(c), c);
            counts.merge(id(c), 1, Integer::sum);
        }
        counts.forEach((k, n) -> { if (n > 1) duplicated.add(k + " x" + n); });
        for (Map.Entry<String, SegmentCorrection> e : wantById.entrySet()) {
            SegmentCorrection g = gotById.get(e.getKey());
            if (g == null) lost.add(e.getKey());
            else if (!g.equals(e.getValue())) mismatched.add(e.getKey() + " (correction)");
        }
        for (String extra : gotById.keySet()) {
            if (!wantById.containsKey(extra)) mismatched.add(extra + " (correction not in the reference)");
        }
    }

    private static String id(SegmentCorrection c) {
        return c.getStreamId() + "/" + c.getSegmentStartMicros() + "/" + c.getSegmentId() + " v" + c.getVersion();
    }

    private static List<String> union(Map<String, ?> a, Map<String, ?> b) {
        TreeMap<String, Boolean> m = new TreeMap<>();
        a.keySet().forEach(k -> m.put(k, true));
        b.keySet().forEach(k -> m.put(k, true));
        return new ArrayList<>(m.keySet());
    }

    private static String id(GeometryFrame g) {
        return g.getStreamId() + "#" + g.getFrameIndex();
    }

    private static Map<String, GeometryFrame> byFrame(List<GeometryFrame> frames) {
        Map<String, GeometryFrame> m = new TreeMap<>();
        for (GeometryFrame g : frames) m.putIfAbsent(id(g), g);
        return m;
    }

    /** The frame without processing latency and with payload URIs reduced to keys. */
    private static GeometryFrame comparable(GeometryFrame g, ObjectStore store) {
        GeometryFrame c = GeometryFrame.newBuilder(g).setProcessingLatencyMillis(0L).build();
        PayloadRefs p = PayloadRefs.newBuilder(g.getPayloads()).build();
        for (String field : PAYLOADS) {
            String u = uri(p, field);
            if (u != null) setUri(p, field, store.keyOf(u).orElse("foreign:" + u));
        }
        c.setPayloads(p);
        return c;
    }

    private static String uri(PayloadRefs p, String field) {
        return switch (field) {
            case "depth" -> p.getDepthUri();
            case "normals" -> p.getNormalsUri();
            case "points" -> p.getPointMapUri();
            case "confidence" -> p.getConfidenceUri();
            case "rgb" -> p.getRgbUri();
            default -> throw new IllegalArgumentException(field);
        };
    }

    private static void setUri(PayloadRefs p, String field, String v) {
        switch (field) {
            case "depth" -> p.setDepthUri(v);
            case "normals" -> p.setNormalsUri(v);
            case "points" -> p.setPointMapUri(v);
            case "confidence" -> p.setConfidenceUri(v);
            case "rgb" -> p.setRgbUri(v);
            default -> throw new IllegalArgumentException(field);
        }
    }

    private static Map<String, List<String>> segmentsByStream(List<SegmentEvent> segments) {
        Map<String, List<String>> m = new TreeMap<>();
        for (SegmentEvent s : segments) {
            m.computeIfAbsent(s.getStreamId().toString(), k -> new ArrayList<>()).add(s.getSegmentStartMicros() + "/" + s.getSegmentId() + "/" + s.getKind() + "/"
                    + s.getReason() + "/" + s.getFirstFrameIndex() + "-" + s.getLastFrameIndex() + "/" + s.getFrameCount()
                    + "/world " + s.getWorldSegmentStartMicros() + "/" + s.getWorldSegmentId());
        }
        m.values().forEach(l -> l.sort(null));
        return m;
    }

    private static String sha256(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
