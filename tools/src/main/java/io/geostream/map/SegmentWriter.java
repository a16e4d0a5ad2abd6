package io.geostream.map;

import io.geostream.geometry.VoxelMap;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Writes more files of a segment each time {@link StreamMap} writes its point cloud (a snapshot, or the final files
 * once the segment is complete), e.g. {@code geostream export}'s trajectory and cameras.
 */
@FunctionalInterface
public interface SegmentWriter {

    /**
     * @param streamId  the stream
     * @param key       the segment's identity
     * @param directory where the segment's files go (created)
     * @param cloud     the fused points as written
     * @param frames    the segment's frames (one per frame index, the first copy read), by capture time then index
     */
    void write(String streamId, SegmentKey key, Path directory, VoxelMap.Cloud cloud, List<SegmentFrame> frames) throws IOException;
}
