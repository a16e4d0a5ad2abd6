package io.geostream.map;

import io.geostream.avro.GeometryFrame;
import io.geostream.avro.SegmentEvent;
import io.geostream.records.StreamIds;

import java.io.IOException;
import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * A {@link StreamMap} per stream, made on the stream's first record, for a consumer of every stream of the topics.
 * A record whose stream id could not name a directory ({@link StreamIds}: the job never writes one) is counted and
 * left out. Each stream's map has its own voxel budget.
 */
public final class StreamMaps implements MapInput {
    private final Function<String, StreamMap> factory;
    private final Map<String, StreamMap> maps = new TreeMap<>();
    private long invalidStreamIds;

    /** @param factory the map of a stream, given its (valid) id */
    public StreamMaps(Function<String, StreamMap> factory) {
        this.factory = factory;
    }

    /** The maps by stream id. */
    public Map<String, StreamMap> maps() {
        return Collections.unmodifiableMap(maps);
    }

    /** Records left out because their stream id is not a valid one. */
    public long invalidStreamIds() {
        return invalidStreamIds;
    }

    private StreamMap mapOf(String streamId) {
        if (!StreamIds.isValid(streamId)) {
            invalidStreamIds++;
            return null;
        }
        return maps.computeIfAbsent(streamId, factory);
    }

    @Override
    public void accept(GeometryFrame g) throws IOException {
        StreamMap m = mapOf(g.getStreamId());
        if (m != null) m.accept(g);
    }

    @Override
    public void accept(SegmentEvent e) throws IOException {
        StreamMap m = mapOf(e.getStreamId());
        if (m != null) m.accept(e);
    }

    @Override
    public void writeSnapshots() throws IOException {
        for (StreamMap m : maps.values()) m.writeSnapshots();
    }

    @Override
    public long framesFused() {
        return maps.values().stream().mapToLong(StreamMap::framesFused).sum();
    }

    @Override
    public int segmentCount() {
        return maps.values().stream().mapToInt(StreamMap::segmentCount).sum();
    }

    @Override
    public long voxelsInMemory() {
        return maps.values().stream().mapToLong(StreamMap::voxelsInMemory).sum();
    }
}
