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

    /**
     * A copy of {@code models/tiny-decomposed} under {@code dir} whose model.json says temporalCompression 4, as a
     * CogVideoX-style package would: for checks that read model.json only (the modules themselves still compress 1x).
     */
    public static Path fourTimesTemporalPackage(Path dir) throws java.io.IOException {
        Path src = model("tiny-decomposed");
        Path dst = dir.resolve("four-x-temporal");
        Files.createDirectories(dst);
        try (var files = Files.list(src)) {
            for (Path p : files.toList()) Files.copy(p, dst.resolve(p.getFileName()));
        }
        Path json = dst.resolve("model.json");
        String text = Files.readString(json);
        assertThat(text).contains("\"temporalCompression\": 1");
        Files.writeString(json, text.replace("\"temporalCompression\": 1", "\"temporalCompression\": 4"));
        return dst;
    }
}
