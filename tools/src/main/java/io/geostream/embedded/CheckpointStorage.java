package io.geostream.embedded;

import java.util.Locale;

/**
 * Where a load or fault run on the embedded stack keeps the job's checkpoints: on local disk under its work directory,
 * or in the embedded object store ({@link EmbeddedS3#flinkCheckpointSettings}, through Flink's S3 file system plugin) as
 * compose and k8s keep them, so that a store outage also fails the checkpoints that land in it. The options of
 * {@code geostream chaos} and {@code geostream soak} take it by name, case-insensitive.
 */
public enum CheckpointStorage {
    LOCAL,
    STORE;

    /** The command-line spelling: local or store. */
    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
