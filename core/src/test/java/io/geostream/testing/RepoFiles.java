package io.geostream.testing;

import org.junit.jupiter.api.Assumptions;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** Files of the repository the tests use: committed model packages and the shared DAVIS clip beside the repository. */
public final class RepoFiles {
    /** The DAVIS clip: 960x540, 24 fps, 70 frames (../shared/data/video/SOURCE.txt). */
    public static final int CLIP_FRAMES = 70;
    public static final double CLIP_FPS = 24.0;

    private RepoFiles() {}

    /** The repository root (the directory with {@code jobs/} and {@code pom.xml}) above the working directory. */
    public static Path root() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !(Files.isDirectory(dir.resolve("jobs")) && Files.isRegularFile(dir.resolve("pom.xml")))) {
            dir = dir.getParent();
        }
        assertThat(dir).as("repository root above " + Path.of("").toAbsolutePath()).isNotNull();
        return dir;
    }

    /** {@code models/<name>}, a committed model package. */
    public static Path model(String name) {
        Path p = root().resolve("models").resolve(name);
        assertThat(p.resolve("model.json")).as("model package " + name).isRegularFile();
        return p;
    }

    /** The DAVIS clip beside the repository (../shared/data/video); required in CI, else the test is skipped. */
    public static Path davisClip() {
        Path clip = root().getParent().resolve("shared/data/video/davis_rollercoaster.mp4");
        if (!Files.isRegularFile(clip)) {
            if ("true".equals(System.getenv("CI"))) throw new AssertionError("CI=true but the DAVIS clip is missing: " + clip);
            Assumptions.abort("DAVIS clip not found at " + clip + " (../shared beside the repository)");
        }
        return clip;
    }
}
