package io.geostream.demo;

import io.geostream.avro.GeometryFrame;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/** Test access to the demo's package-private helpers. */
public final class DemoRunnerAccess {
    private DemoRunnerAccess() {}

    public static void writeAvroFile(List<GeometryFrame> frames, Path file) throws IOException {
        DemoRunner.writeAvroFile(frames, file);
    }

    public static void mirror(io.geostream.storage.ObjectStore store, Path dir) throws IOException {
        DemoRunner.mirror(store, dir);
    }
}
