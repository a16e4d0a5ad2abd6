package io.geostream.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * {@code geostream eval stitching} on a tiny run: the JSON shape of issue 4, the TUM files, exit codes; with {@code
 * --model}, a model package's outputs (issue 14).
 */
class EvalCommandTest {

    @Test
    void writesStitchingJsonInTheIssuesShape(@TempDir Path out) throws Exception {
        io.geostream.testing.CliRun run = io.geostream.testing.CliRun.of("eval", "stitching", "--frames", "30", "--seed", "7",
                "--seeds", "2", "--width", "48", "--height", "36", "--clip-length", "8", "--clip-stride", "5", "--out", out.toString());
        assertThat(run.exitCode()).isZero();
        // One key=value result line on stdout; the per-seed lines and the table on stderr.
        assertThat(run.result()).containsEntry("job_method", EvalCommand.Stitching.JOB_METHOD.toString())
                .containsEntry("out", out.resolve("stitching.json").toString()).containsKeys("ate_over_length", "consistency_ratio");
        assertThat(run.stderr()).contains("seed 7 ", "ate/len", "fused_acc", "fused_cmp");
        com.fasterxml.jackson.databind.JsonNode json = new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(out.resolve("stitching.json").toFile());
        assertThat(json.get("frames").asInt()).isEqualTo(30);
        assertThat(json.get("seeds").toString()).isEqualTo("[7,8]");
        assertThat(json.get("error_model").asText()).isEqualTo("realistic");
        assertThat(json.get("reference_error_deg").asDouble()).as("off by default").isZero();
        assertThat(json.get("model").get("name").asText()).isEqualTo("simulated");
        assertThat(json.get("model").get("package").isNull()).isTrue();
        assertThat(json.get("job_method").asText()).isEqualTo(EvalCommand.Stitching.JOB_METHOD.toString());
        assertThat(json.get("methods").fieldNames()).toIterable()
                .containsExactly("naive", "robust", "robust_keyframes", "per_frame", "per_frame+loops");
        for (com.fasterxml.jackson.databind.JsonNode method : json.get("methods")) {
            for (String key : new String[] {"ate_rmse", "ate_over_length", "drift_over_length", "drift_positions_over_length", "rpe1", "rpe1_rot_deg", "spike_share",
                    "points_global_rel", "points_clip_rel", "points_ratio", "boundary_consistency", "within_consistency",
                    "consistency_ratio", "fused_accuracy", "fused_completeness", "fused_completeness_within",
                    "absrel_global", "absrel_clip", "delta1_global", "normal_mean_deg",
                    "segment_breaks", "ms_per_frame", "worst_ate_over_length", "worst_points_ratio",
                    "worst_consistency_ratio"}) {
                assertThat(method.get(key)).as(key).isNotNull();
                assertThat(method.get(key).isNumber()).as(key + " is a number").isTrue();
            }
            assertThat(method.get("points_global_rel").asDouble()).isPositive();
            assertThat(method.get("within_consistency").asDouble()).isPositive();
            // Under the realistic preset's errors the fused map is neither exact nor lost, and the share is a share.
            assertThat(method.get("fused_accuracy").asDouble()).isPositive().isLessThan(1);
            assertThat(method.get("fused_completeness").asDouble()).isPositive().isLessThan(1);
            assertThat(method.get("fused_completeness_within").asDouble()).isBetween(0.0, 1.0);
        }
        // 30 frames, header line included.
        assertThat(Files.readAllLines(out.resolve("robust-seed7.tum"))).hasSize(31);
        for (String png : new String[] {"topview-seed7.png", "errors-seed7.png"}) {
            java.awt.image.BufferedImage image = javax.imageio.ImageIO.read(out.resolve(png).toFile());
            assertThat(image.getWidth()).as(png).isEqualTo(900);
        }
    }

    /** {@code eval stitching --model PKG} on a short synthetic sequence: stitching.json and the result line. */
    private static com.fasterxml.jackson.databind.JsonNode stitchPackage(Path pkg, Path out, int frames, String expectedClips)
            throws Exception {
        io.geostream.testing.CliRun run = io.geostream.testing.CliRun.of("eval", "stitching", "--model", pkg.toString(),
                "--frames", Integer.toString(frames), "--seeds", "1", "--methods", "naive,per_frame", "--out", out.toString());
        assertThat(run.exitCode()).as(run.stderr()).isZero();
        com.fasterxml.jackson.databind.JsonNode packageJson = new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(pkg.resolve("model.json").toFile());
        String name = packageJson.get("name").asText(), qualified = name + "@" + packageJson.get("version").asText();
        assertThat(run.result()).containsEntry("model", qualified).containsEntry("job_method", "per_frame");
        // The clips the job would cut for the package, at its output size.
        assertThat(run.stderr()).contains(expectedClips, "(" + pkg + ", 64x48)");
        com.fasterxml.jackson.databind.JsonNode json = new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(out.resolve("stitching.json").toFile());
        assertThat(json.get("frames").asInt()).isEqualTo(frames);
        assertThat(json.get("error_model").isNull()).as("no simulated preset with --model").isTrue();
        assertThat(json.get("reference_error_deg").isNull()).isTrue();
        assertThat(json.get("model").get("name").asText()).isEqualTo(name);
        assertThat(json.get("model").get("version").asText()).isEqualTo(packageJson.get("version").asText());
        assertThat(json.get("model").get("package").asText()).isEqualTo(pkg.toString());
        assertThat(json.get("methods").fieldNames()).toIterable().containsExactly("naive", "per_frame");
        for (var e : (Iterable<java.util.Map.Entry<String, com.fasterxml.jackson.databind.JsonNode>>) json.get("methods")::fields) {
            com.fasterxml.jackson.databind.JsonNode m = e.getValue();
            assertThat(m.get("model").asText()).as(e.getKey()).isEqualTo(qualified);
            for (String key : new String[] {"ate_over_length", "drift_over_length", "rpe1", "points_global_rel",
                    "points_clip_rel", "points_ratio", "within_consistency", "absrel_global", "normal_mean_deg"}) {
                assertThat(m.get(key).isNumber()).as(e.getKey() + " " + key + " is a number: " + m).isTrue();
                assertThat(m.get(key).asDouble()).as(e.getKey() + " " + key).isPositive().isFinite();
            }
            // Every frame stitched and scored (none skipped for its size): one pose per frame, header line included.
            assertThat(Files.readAllLines(out.resolve(e.getKey() + "-seed1.tum"))).as(e.getKey()).hasSize(frames + 1);
        }
        // The truth beside them: read back with the project's TUM reader, the naive trajectory against it gives the
        // ATE/length stitching.json reports (one seed), as evo would.
        List<io.geostream.eval.TumTrajectory.Entry> truth = io.geostream.eval.TumTrajectory.read(out.resolve("truth-seed1.tum"));
        List<io.geostream.eval.TumTrajectory.Entry> naive = io.geostream.eval.TumTrajectory.read(out.resolve("naive-seed1.tum"));
        assertThat(truth).hasSize(frames).hasSameSizeAs(naive);
        double[][] t = new double[frames][], e = new double[frames][];
        for (int i = 0; i < frames; i++) {
            assertThat(truth.get(i).timestampMicros()).isEqualTo(naive.get(i).timestampMicros());
            t[i] = truth.get(i).worldFromCamera().center();
            e[i] = naive.get(i).worldFromCamera().center();
        }
        assertThat(io.geostream.eval.TrajectoryErrors.ate(e, t).rmseOverPathLength())
                .isCloseTo(json.get("methods").get("naive").get("ate_over_length").asDouble(), within(1e-4));
        // The raw clip figure is the model's alone: the same for every method.
        assertThat(json.get("methods").get("naive").get("points_clip_rel").asDouble())
                .isEqualTo(json.get("methods").get("per_frame").get("points_clip_rel").asDouble());
        return json;
    }

    @Test
    void stitchesTheOutputsOfADecomposedAndAnEndToEndPackage(@TempDir Path out) throws Exception {
        // geo-nano takes 9 frames (1 + 4k, fixed): stride 5 keeps the job's overlap of 4, one keyframe slot.
        com.fasterxml.jackson.databind.JsonNode geoNano = stitchPackage(io.geostream.testing.RepoFiles.model("geo-nano"),
                out.resolve("geo-nano"), 40, "clips T=9 S=5, 1 keyframe slot(s), policy refresh");
        // tiny-e2e takes any length: the job's default 16, stride 12.
        com.fasterxml.jackson.databind.JsonNode tinyE2e = stitchPackage(io.geostream.testing.RepoFiles.model("tiny-e2e"),
                out.resolve("tiny-e2e"), 40, "clips T=16 S=12, 1 keyframe slot(s), policy refresh");
        // The geometry is each package's own: two models, two raw clip errors on the same scene.
        assertThat(geoNano.get("methods").get("per_frame").get("points_clip_rel").asDouble())
                .isNotEqualTo(tinyE2e.get("methods").get("per_frame").get("points_clip_rel").asDouble());
    }

    @Test
    void aClipLengthOrSizeThePackageCannotTakeIsAUsageError(@TempDir Path dir) throws Exception {
        Path geoNano = io.geostream.testing.RepoFiles.model("geo-nano");
        String[] base = {"eval", "stitching", "--model", geoNano.toString(), "--frames", "20", "--seeds", "1", "--methods",
                "naive", "--out", dir.resolve("out").toString()};
        io.geostream.testing.CliRun length = io.geostream.testing.CliRun.of(with(base, "--clip-length", "16"));
        assertThat(length.exitCode()).isEqualTo(2);
        assertThat(length.stderr()).contains("--clip-length 16 cannot feed model package", "takes clips of 9 frames",
                "give --clip-length 9");
        io.geostream.testing.CliRun size = io.geostream.testing.CliRun.of(with(base, "--width", "160", "--height", "120"));
        assertThat(size.exitCode()).isEqualTo(2);
        assertThat(size.stderr()).contains("outputs 64x48", "give 64x48");
        io.geostream.testing.CliRun preset = io.geostream.testing.CliRun.of(with(base, "--error-model", "mild"));
        assertThat(preset.exitCode()).isEqualTo(2);
        assertThat(preset.stderr()).contains("--error-model", "does not apply with --model");
        io.geostream.testing.CliRun reference = io.geostream.testing.CliRun.of(with(base, "--reference-error", "15"));
        assertThat(reference.exitCode()).isEqualTo(2);
        assertThat(reference.stderr()).contains("--reference-error", "does not apply with --model");
        // A package whose fixed length leaves no overlapping clips to cut (T = 1): an error, not a silent skip.
        Path oneFrame = Files.createDirectories(dir.resolve("one-frame"));
        try (var files = Files.list(io.geostream.testing.RepoFiles.model("tiny-decomposed"))) {
            for (Path p : files.toList()) if (Files.isRegularFile(p)) Files.copy(p, oneFrame.resolve(p.getFileName()));
        }
        String json = Files.readString(oneFrame.resolve("model.json"));
        assertThat(json).contains("\"clipFrames\": 0");
        Files.writeString(oneFrame.resolve("model.json"), json.replace("\"clipFrames\": 0", "\"clipFrames\": 1"));
        base[3] = oneFrame.toString();
        io.geostream.testing.CliRun cannotCut = io.geostream.testing.CliRun.of(base);
        assertThat(cannotCut.exitCode()).isEqualTo(2);
        assertThat(cannotCut.stderr()).contains("clips for model package " + oneFrame, "clipLength must be in [2, 1024], got 1");
        base[3] = dir.resolve("none").toString();
        assertThat(GeostreamCli.execute(base)).isEqualTo(2);
        assertThat(dir.resolve("out").resolve("stitching.json")).doesNotExist();
    }

    private static String[] with(String[] base, String... more) {
        String[] args = java.util.Arrays.copyOf(base, base.length + more.length);
        System.arraycopy(more, 0, args, base.length, more.length);
        return args;
    }

    @Test
    void usageErrorsExitWith2(@TempDir Path out) {
        assertThat(GeostreamCli.execute("eval")).isEqualTo(2);
        assertThat(GeostreamCli.execute("eval", "stitching", "--frames", "2", "--out", out.toString())).isEqualTo(2);
        assertThat(GeostreamCli.execute("eval", "stitching", "--clip-length", "8", "--clip-stride", "7", "--out",
                out.toString())).isEqualTo(2);
        assertThat(GeostreamCli.execute("eval", "stitching", "--dynamic-share", "2", "--out", out.toString())).isEqualTo(2);
        assertThat(GeostreamCli.execute("eval", "stitching", "--overlap-policy", "last", "--out", out.toString())).isEqualTo(2);
        assertThat(GeostreamCli.execute("eval", "stitching", "--tum", out.toString(), "--out", out.toString())).isEqualTo(2);
        assertThat(GeostreamCli.execute("eval", "stitching", "--methods", "per_frame,loops", "--out", out.toString())).isEqualTo(2);
    }

    /** A short per_frame run on an orbit (the camera turns away from the first frame) at 48 x 36, one seed. */
    private static final String[] SMALL_ORBIT = {"eval", "stitching", "--frames", "60", "--seed", "3", "--seeds", "1", "--width",
            "48", "--height", "36", "--clip-length", "8", "--clip-stride", "5", "--trajectory", "orbit", "--methods", "per_frame"};

    @Test
    void theReferenceErrorIsOffByDefaultMovesTheFiguresWhenOnAndNeedsARealisticPreset(@TempDir Path out) throws Exception {
        String[] base = with(SMALL_ORBIT, "--keyframe-policy", "first-only");
        io.geostream.testing.CliRun off = io.geostream.testing.CliRun.of(with(base, "--out", out.resolve("off").toString()));
        io.geostream.testing.CliRun on = io.geostream.testing.CliRun.of(with(base, "--reference-error", "15", "--out",
                out.resolve("on").toString()));
        assertThat(off.exitCode()).isZero();
        assertThat(on.exitCode()).isZero();
        assertThat(off.stderr()).contains("reference error 0.0 deg");
        assertThat(on.stderr()).contains("reference error 15.0 deg");
        // The orbit turns away from the first frame, which every clip holds as its reference: the term changes the path.
        double ateOff = Double.parseDouble(off.result().get("ate_over_length"));
        double ateOn = Double.parseDouble(on.result().get("ate_over_length"));
        assertThat(ateOn).isFinite().isNotEqualTo(ateOff);
        com.fasterxml.jackson.databind.ObjectMapper mapper = new com.fasterxml.jackson.databind.ObjectMapper();
        assertThat(mapper.readTree(out.resolve("on").resolve("stitching.json").toFile()).get("reference_error_deg").asDouble())
                .isEqualTo(15.0);
        io.geostream.testing.CliRun mild = io.geostream.testing.CliRun.of(with(base, "--error-model", "mild",
                "--reference-error", "15", "--out", out.resolve("mild").toString()));
        assertThat(mild.exitCode()).isEqualTo(2);
        assertThat(mild.stderr()).contains("--reference-error needs the realistic or geo-nano preset");
    }

    /**
     * UniGeo predicts no confidence: --confidence none runs the realistic preset without one (every pixel weighs alike),
     * which moves the figures, and stitching.json says which confidence the run had; the mild preset has its own.
     */
    @Test
    void theConfidenceCanBeSwitchedOffAndTheRunSaysWhichItHad(@TempDir Path out) throws Exception {
        String[] base = SMALL_ORBIT;
        io.geostream.testing.CliRun weak = io.geostream.testing.CliRun.of(with(base, "--out", out.resolve("weak").toString()));
        io.geostream.testing.CliRun none = io.geostream.testing.CliRun.of(with(base, "--confidence", "none", "--out",
                out.resolve("none").toString()));
        assertThat(weak.exitCode()).isZero();
        assertThat(none.exitCode()).isZero();
        assertThat(weak.stderr()).contains("confidence weak");
        assertThat(none.stderr()).contains("confidence none");
        assertThat(Double.parseDouble(none.result().get("ate_over_length"))).isFinite()
                .isNotEqualTo(Double.parseDouble(weak.result().get("ate_over_length")));
        com.fasterxml.jackson.databind.ObjectMapper mapper = new com.fasterxml.jackson.databind.ObjectMapper();
        assertThat(mapper.readTree(out.resolve("none").resolve("stitching.json").toFile()).get("confidence").asText()).isEqualTo("none");
        assertThat(mapper.readTree(out.resolve("weak").resolve("stitching.json").toFile()).get("confidence").asText()).isEqualTo("weak");
        io.geostream.testing.CliRun mild = io.geostream.testing.CliRun.of(with(base, "--error-model", "mild", "--confidence", "none",
                "--out", out.resolve("mild").toString()));
        assertThat(mild.exitCode()).isEqualTo(2);
        assertThat(mild.stderr()).contains("--confidence needs the realistic or geo-nano preset");
    }

    /** The help lists enum constants in capitals; users type them as they like (`--trajectory orbit`). */
    @Test
    void enumValuesAreTakenInAnyCase(@TempDir Path out) {
        assertThat(GeostreamCli.execute("eval", "stitching", "--trajectory", "orbit", "--frames", "40", "--seeds", "1",
                "--methods", "naive", "--error-model", "MILD", "--out", out.toString())).isZero();
        assertThat(out.resolve("stitching.json")).exists();
        assertThat(GeostreamCli.execute("eval", "stitching", "--trajectory", "sideways", "--out", out.toString())).isEqualTo(2);
    }
}
