package io.geostream.map;

import io.geostream.avro.GeometryFrame;
import io.geostream.avro.SegmentEvent;

import java.io.IOException;

/** What {@link MapBuilder} feeds the committed records to: one stream's {@link StreamMap}, or {@link StreamMaps}. */
public interface MapInput {
    void accept(GeometryFrame g) throws IOException;

    void accept(SegmentEvent e) throws IOException;

    /** Writes every segment changed since its last snapshot, and the summaries. */
    void writeSnapshots() throws IOException;

    long framesFused();

    int segmentCount();

    /** Occupied voxels held in memory. */
    long voxelsInMemory();
}
