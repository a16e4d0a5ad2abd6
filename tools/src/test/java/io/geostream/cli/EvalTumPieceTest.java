package io.geostream.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.geostream.eval.TumSequence;
import io.geostream.geometry.CameraIntrinsics;
import io.geostream.synthetic.FrameTruth;
import io.geostream.testing.CliRun;
import io.geostream.testing.RepoFiles;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Real camera motion on every build (issues 13 and 14): {@code eval stitching} and {@code eval model} on the committed
 * 160x120 piece of TUM RGB-D fr1_xyz (test resource {@code tum/freiburg1_xyz_160x120}, its README.txt says how it was
 * made: every 4th pixel of the first 300 frames, as {@link TumSequence} keeps at {@code downsample 4}).
 */
class EvalTumPieceTest {
    /** Freiburg 1 intrinsics (517.3, 516.5, 318.6, 255.3 at 640x480) divided by 4, exactly as TumSequence divides. */
    static final double FX = 129.325, FY = 129.125, CX = 79.65, CY = 63.825;

    static Path piece() throws URISyntaxException {
        return piece("freiburg1_xyz_160x120");
    }

    private static Path piece(String name) throws URISyntaxException {
        var url = EvalTumPieceTest.class.getResource("/tum/" + name + "/rgb.txt");
        assertThat(url).as("test resource tum/" + name).isNotNull();
        return Path.of(url.toURI()).getParent();
    }

    /** {@code geostream ARGS --fx .. --fy .. --cx .. --cy ..} with the piece's intrinsics. */
    private static CliRun withIntrinsics(String... args) {
        String[] all = java.util.Arrays.copyOf(args, args.length + 8);
        System.arraycopy(new String[] {"--fx", Double.toString(FX), "--fy", Double.toString(FY), "--cx", Double.toString(CX),
                "--cy", Double.toString(CY)}, 0, all, args.length, 8);
        return CliRun.of(all);
    }

    /**
     * The realistic preset, seed 1, all associated frames: the per-frame stitching must not be worse than naive on a
     * real hand-held path (issue 13's real-motion targets that hold today: rpe1 <= naive's, spike_share <= 0.5 %, no
     * segment break; and both per-frame methods below naive's ATE/length, per_frame below its boundary disagreement and
     * its fused_completeness).
     * Not asserted because they do not hold yet: job_method ATE/length <= 0.5x naive (0.75x), boundary/within <= 1.25.
     */
    @Test
    void perFrameStitchingBeatsNaiveOnRealCameraMotion(@TempDir Path out) throws Exception {
        Path piece = piece();
        int associated = TumSequence.open(piece, FX, FY, CX, CY, 0, 1).frames();
        CliRun run = withIntrinsics("eval", "stitching", "--tum", piece.toString(), "--tum-downsample", "1", "--seeds", "1",
                "--methods", "naive,per_frame,per_frame+loops", "--out", out.toString());
        assertThat(run.exitCode()).as(run.stderr()).isZero();
        assertThat(run.result()).containsEntry("job_method", "per_frame");

        JsonNode json = new ObjectMapper().readTree(out.resolve("stitching.json").toFile());
        assertThat(json.get("frames").asInt()).as("every associated frame of the piece").isEqualTo(associated)
                .isGreaterThan(250);
        assertThat(json.get("error_model").asText()).isEqualTo("realistic");
        JsonNode methods = json.get("methods");
        assertThat(methods.fieldNames()).toIterable().containsExactly("naive", "per_frame", "per_frame+loops");
        for (Map.Entry<String, JsonNode> m : (Iterable<Map.Entry<String, JsonNode>>) methods::fields) {
            for (Map.Entry<String, JsonNode> f : (Iterable<Map.Entry<String, JsonNode>>) m.getValue()::fields) {
                if (f.getKey().equals("model")) continue;
                assertThat(f.getValue().isNumber() && Double.isFinite(f.getValue().asDouble()))
                        .as("%s %s = %s is a finite number", m.getKey(), f.getKey(), f.getValue()).isTrue();
            }
            assertThat(m.getValue().get("segment_breaks").asDouble()).as(m.getKey() + " segment breaks").isZero();
            assertThat(m.getValue().get("spike_share").asDouble()).as(m.getKey() + " spike_share").isLessThanOrEqualTo(0.005);
            assertThat(m.getValue().get("ate_over_length").asDouble()).as(m.getKey() + " ATE/length").isPositive();
            assertThat(Files.readAllLines(out.resolve(m.getKey() + "-seed1.tum"))).as("trajectory, header line included")
                    .hasSize(associated + 1);
        }
        JsonNode naive = methods.get("naive"), perFrame = methods.get("per_frame"), loops = methods.get("per_frame+loops");
        assertThat(perFrame.get("rpe1").asDouble()).as("per_frame rpe1 vs naive's").isLessThanOrEqualTo(naive.get("rpe1").asDouble());
        double naiveAte = naive.get("ate_over_length").asDouble();
        assertThat(perFrame.get("ate_over_length").asDouble()).as("per_frame ATE/length vs naive's").isLessThan(naiveAte);
        assertThat(loops.get("ate_over_length").asDouble()).as("per_frame+loops ATE/length vs naive's").isLessThan(naiveAte);
        assertThat(perFrame.get("boundary_consistency").asDouble()).as("per_frame boundary disagreement vs naive's")
                .isLessThan(naive.get("boundary_consistency").asDouble());
        // Naive's collapsing scale leaves true surface far from its fused map (0.020 vs 0.015 of the median depth, seed 1).
        assertThat(perFrame.get("fused_completeness").asDouble()).as("per_frame fused_completeness vs naive's")
                .isLessThan(naive.get("fused_completeness").asDouble());
        assertThat(out.resolve("topview-seed1.png")).isRegularFile();
    }

    /**
     * Rotation-heavy real motion (test resource {@code tum/freiburg1_desk_160x120}: 368 deg of rotation along its first
     * 300 frames, up to 167 deg/s), realistic preset, seed 1: the per-frame stitching holds issue 13's real-motion
     * targets (ATE/length <= 0.5x naive's, rpe1 <= naive's, spike_share <= 0.5 %) where naive's path scribbles (spikes
     * 5 %). Measured on seeds 1-3: per_frame ATE/length 0.20x, 0.70x and 0.42x naive's (seed 2 misses 0.5x on these
     * 241 frames; over the whole sequence the median of seeds 1-8 is 0.43x, README), rpe1 0.12-0.20x, no spike. No loop closes in 300
     * frames, so per_frame+loops is left out.
     */
    @Test
    void perFrameStitchingHoldsOnRotationHeavyRealMotion(@TempDir Path out) throws Exception {
        Path piece = piece("freiburg1_desk_160x120");
        CliRun run = withIntrinsics("eval", "stitching", "--tum", piece.toString(), "--tum-downsample", "1", "--seeds", "1",
                "--methods", "naive,per_frame", "--out", out.toString());
        assertThat(run.exitCode()).as(run.stderr()).isZero();
        JsonNode json = new ObjectMapper().readTree(out.resolve("stitching.json").toFile());
        assertThat(json.get("frames").asInt()).as("associated frames of the piece")
                .isEqualTo(TumSequence.open(piece, FX, FY, CX, CY, 0, 1).frames()).isGreaterThan(200);
        JsonNode naive = json.get("methods").get("naive"), perFrame = json.get("methods").get("per_frame");
        assertThat(perFrame.get("segment_breaks").asDouble()).isZero();
        assertThat(perFrame.get("spike_share").asDouble()).as("per_frame spike_share").isLessThanOrEqualTo(0.005);
        assertThat(naive.get("spike_share").asDouble()).as("naive's spikes: the measure sees a scribble").isGreaterThan(0.005);
        assertThat(perFrame.get("rpe1").asDouble()).as("per_frame rpe1 vs naive's").isLessThanOrEqualTo(naive.get("rpe1").asDouble());
        assertThat(perFrame.get("ate_over_length").asDouble()).as("per_frame ATE/length vs 0.5x naive's")
                .isLessThanOrEqualTo(0.5 * naive.get("ate_over_length").asDouble());
    }

    /**
     * {@code eval model} at the piece's own intrinsics: geo-nano (64x48) and the three baselines score finite AbsRel on
     * real depth, the truth resampled from 160x120 to the package's size.
     */
    @Test
    void geoNanoAndBaselinesScoreOnThePiece(@TempDir Path out) throws Exception {
        CliRun run = withIntrinsics("eval", "model", "--package", RepoFiles.model("geo-nano").toString(), "--tum",
                piece().toString(), "--clips-per-seed", "2", "--out", out.toString());
        assertThat(run.exitCode()).as(run.stderr()).isZero();
        assertThat(run.result()).containsEntry("package", "geo-nano").containsEntry("clips", "2");
        JsonNode json = new ObjectMapper().readTree(out.resolve("model-eval.json").toFile());
        assertThat(json.get("data").get("kind").asText()).isEqualTo("tum");
        assertThat(json.get("data").get("intrinsics").get("fx").asDouble()).isEqualTo(FX);
        assertThat(json.get("data").get("resolution").get("width").asInt()).isEqualTo(64);
        JsonNode models = json.get("models");
        assertThat(models.fieldNames()).toIterable().contains("geo-nano", "baseline_plane", "baseline_mean", "tiny-e2e");
        for (Map.Entry<String, JsonNode> m : (Iterable<Map.Entry<String, JsonNode>>) models::fields) {
            for (String key : new String[] {"absrel", "absrel_z", "delta1", "points_rel", "normal_mean_deg", "normal_median_deg"}) {
                JsonNode v = m.getValue().get(key);
                assertThat(v != null && v.isNumber() && Double.isFinite(v.asDouble()) && v.asDouble() > 0)
                        .as("%s %s = %s is a finite positive number", m.getKey(), key, v).isTrue();
            }
            // A plane already gets within ~21 % on this desk scene: anything near 1 means the truth or the scale is wrong.
            assertThat(m.getValue().get("absrel").asDouble()).as(m.getKey() + " absrel").isLessThan(0.5);
        }
    }

    /**
     * The piece is what {@code TumSequence} reads from the full-resolution sequence at {@code downsample 4}: the same
     * frames, times, poses, intrinsics and every pixel of colour and depth. Needs the 640x480 sequence (not in the
     * repository): set GEOSTREAM_TUM_FULL to its directory (the first 300 frames of fr1_xyz); skipped otherwise.
     */
    @Test
    void pieceEqualsTheFullSequenceAtDownsample4() throws Exception {
        String full = System.getenv("GEOSTREAM_TUM_FULL");
        Assumptions.assumeTrue(full != null && Files.isDirectory(Path.of(full)),
                "GEOSTREAM_TUM_FULL not set to the 640x480 fr1_xyz directory: skipping the piece's equivalence check");
        TumSequence a = TumSequence.open(Path.of(full), 517.3, 516.5, 318.6, 255.3, 0, 4);
        TumSequence b = TumSequence.open(piece(), FX, FY, CX, CY, 0, 1);
        assertThat(b.frames()).isEqualTo(a.frames());
        assertThat(b.intrinsics()).isEqualTo(a.intrinsics()).isEqualTo(new CameraIntrinsics(FX, FY, CX, CY, 160, 120));
        for (int i = 0; i < a.frames(); i++) {
            assertThat(b.captureTimeMicros(i)).isEqualTo(a.captureTimeMicros(i));
            assertThat(b.worldFromCamera(i).rotation()).isEqualTo(a.worldFromCamera(i).rotation());
            assertThat(b.worldFromCamera(i).translation()).isEqualTo(a.worldFromCamera(i).translation());
            FrameTruth x = a.render(i), y = b.render(i);
            assertThat(y.rgb()).as("frame %d colour", i).isEqualTo(x.rgb());
            assertThat(y.depth()).as("frame %d depth", i).isEqualTo(x.depth());
            assertThat(y.pointsWorld()).as("frame %d world points", i).isEqualTo(x.pointsWorld());
            assertThat(y.normalsCamera()).as("frame %d normals", i).isEqualTo(x.normalsCamera());
        }
    }
}
