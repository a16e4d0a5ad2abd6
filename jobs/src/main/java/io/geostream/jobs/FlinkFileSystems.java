package io.geostream.jobs;

import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.plugin.PluginConfig;
import org.apache.flink.core.plugin.PluginUtils;

import java.util.Optional;

/**
 * Flink's file systems for a job run in this JVM, with the file-system plugins Flink finds under
 * {@code FLINK_PLUGINS_DIR} ({@code ./geostream} points it at {@code tools/target/plugins}, which holds Flink's S3 file
 * system): {@code s3://} checkpoint directories, configured by the {@code s3.*} keys ({@code s3.endpoint},
 * {@code s3.path.style.access}, {@code s3.access-key}, {@code s3.secret-key}), as compose and k8s keep them.
 *
 * <p>Flink's own processes initialise their file systems at start-up; a MiniCluster (a local {@code run}, the chaos
 * rig) does not, so without this an {@code s3://} checkpoint directory fails with "Could not find a file system
 * implementation for scheme 's3'". The file systems are JVM-wide: the last call's settings hold for every job here.
 */
public final class FlinkFileSystems {
    private static final String SDK1_ANNOUNCEMENT = "aws.java.v1.disableDeprecationAnnouncement";

    private FlinkFileSystems() {}

    /** Initialises Flink's file systems with {@code settings} and the plugins under {@code FLINK_PLUGINS_DIR}. */
    public static void initialize(Configuration settings) {
        // The S3 plugin's AWS SDK 1 prints a 30-line stack trace announcing its end of support when it first loads.
        if (System.getProperty(SDK1_ANNOUNCEMENT) == null) System.setProperty(SDK1_ANNOUNCEMENT, "true");
        FileSystem.initialize(settings, PluginUtils.createPluginManagerFromRootFolder(settings));
    }

    /** The plugin root this JVM uses ({@code FLINK_PLUGINS_DIR}, else Flink's default {@code plugins/}), if it exists. */
    public static Optional<java.io.File> pluginsDirectory() {
        return PluginConfig.getPluginsDir();
    }
}
