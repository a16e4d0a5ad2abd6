package io.geostream.map;

/**
 * A segment's identity within its stream (docs/data.md, Segments): the capture time of its first frame (negative:
 * unknown, as in records from before the field, normalised to -1) and its number. Orders by start, then number
 * (unknown starts first).
 */
public record SegmentKey(long startMicros, long id) implements Comparable<SegmentKey> {
    public SegmentKey {
        if (startMicros < 0) startMicros = -1;
    }

    public boolean known() {
        return startMicros >= 0;
    }

    /**
     * {@code segment-<startMicros>-<id>}, or {@code segment-<id>} when the start is unknown: the two forms cannot collide.
     * {@code geostream map}, {@code geostream export} and {@code scripts/consume.py} all name a segment's files after it.
     */
    public String baseName() {
        return known() ? "segment-" + startMicros + "-" + id : "segment-" + id;
    }

    @Override
    public int compareTo(SegmentKey o) {
        int c = Long.compare(startMicros, o.startMicros);
        return c != 0 ? c : Long.compare(id, o.id);
    }
}
