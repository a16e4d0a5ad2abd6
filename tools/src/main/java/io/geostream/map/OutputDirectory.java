package io.geostream.map;

import io.geostream.avro.GeometryFrame;
import io.geostream.storage.ForwardingObjectStore;
import io.geostream.storage.LocalDirectoryObjectStore;
import io.geostream.storage.ObjectStore;
import org.apache.avro.file.DataFileReader;
import org.apache.avro.specific.SpecificDatumReader;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * A demo's output directory read as the map builder's input, offline: {@code geometry-frames.avro} (the committed
 * records) and {@code objects/} (the object store's mirror, where {@code s3://BUCKET/KEY} is {@code objects/KEY}).
 */
public final class OutputDirectory {
    private OutputDirectory() {}

    /** The records, in stream then frame order. */
    public static List<GeometryFrame> frames(Path dir) throws IOException {
        List<GeometryFrame> out = new ArrayList<>();
        try (DataFileReader<GeometryFrame> reader = new DataFileReader<>(dir.resolve("geometry-frames.avro").toFile(),
                new SpecificDatumReader<>(GeometryFrame.class))) {
            for (GeometryFrame g : reader) out.add(g);
        }
        out.sort(Comparator.comparing(GeometryFrame::getStreamId).thenComparingLong(GeometryFrame::getFrameIndex));
        return out;
    }

    /** The mirror as an object store that resolves the records' s3:// URIs. */
    public static ObjectStore objects(Path dir) throws IOException {
        return new ForwardingObjectStore(new LocalDirectoryObjectStore(dir.resolve("objects"))) {
            @Override
            public Optional<String> keyOf(String uri) {
                try {
                    URI parsed = new URI(uri);
                    if (!"s3".equalsIgnoreCase(parsed.getScheme()) || parsed.getPath() == null || parsed.getPath().length() < 2) {
                        return inner.keyOf(uri);
                    }
                    return Optional.of(parsed.getPath().substring(1));
                } catch (URISyntaxException e) {
                    return Optional.empty();
                }
            }
        };
    }
}
