package io.geostream.loop;

import io.geostream.synthetic.FrameTruth;
import io.geostream.synthetic.SceneSpec;
import io.geostream.synthetic.SyntheticScene;
import io.geostream.synthetic.TrajectoryKind;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.opencv.opencv_core.DMatch;
import org.bytedeco.opencv.opencv_core.DMatchVector;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_features2d.BFMatcher;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC1;
import static org.bytedeco.opencv.global.opencv_core.NORM_HAMMING;

/** The hand-written matcher returns what OpenCV's brute-force Hamming matcher returns: the same pairs, order and ties. */
class HammingMatcherTest {

    private static final int B = KeyframeFeatures.DESCRIPTOR_BYTES;

    /** OpenCV's answer, the oracle: {query, train, distance} per match in its order. */
    private static List<List<Integer>> opencv(byte[] query, byte[] train, boolean crossCheck) {
        try (BytePointer q = new BytePointer(query); BytePointer t = new BytePointer(train);
             Mat queryMat = new Mat(query.length / B, B, CV_8UC1, q); Mat trainMat = new Mat(train.length / B, B, CV_8UC1, t);
             BFMatcher matcher = new BFMatcher(NORM_HAMMING, crossCheck); DMatchVector found = new DMatchVector()) {
            matcher.match(queryMat, trainMat, found);
            List<List<Integer>> out = new ArrayList<>();
            for (long i = 0; i < found.size(); i++) {
                DMatch m = found.get(i);
                out.add(List.of(m.queryIdx(), m.trainIdx(), (int) m.distance()));
            }
            return out;
        }
    }

    private static List<List<Integer>> crossChecked(byte[] query, byte[] train) {
        List<List<Integer>> out = new ArrayList<>();
        for (HammingMatcher.Match m : HammingMatcher.crossChecked(query, train)) out.add(List.of(m.query(), m.train(), m.distance()));
        return out;
    }

    private static List<List<Integer>> nearest(byte[] query, byte[] train) {
        int[] d = new int[query.length / B];
        int[] best = HammingMatcher.nearest(query, train, d);
        List<List<Integer>> out = new ArrayList<>();
        for (int i = 0; i < best.length; i++) if (best[i] >= 0) out.add(List.of(i, best[i], d[i]));
        return out;
    }

    private static byte[] random(Random r, int rows) {
        byte[] b = new byte[rows * B];
        r.nextBytes(b);
        return b;
    }

    /** Rows drawn from a few bit patterns: distances collide everywhere, so the tie-breaks decide most matches. */
    private static byte[] fewPatterns(Random r, int rows, int patterns) {
        byte[] pool = random(r, patterns);
        byte[] b = new byte[rows * B];
        for (int i = 0; i < rows; i++) {
            System.arraycopy(pool, r.nextInt(patterns) * B, b, i * B, B);
            if (r.nextBoolean()) b[i * B + r.nextInt(B)] ^= (byte) (1 << r.nextInt(8));
        }
        return b;
    }

    /** Half of the query's rows reappear in the train set with a few bits flipped, at other rows. */
    private static byte[] nearCopies(Random r, byte[] query, int rows) {
        byte[] b = random(r, rows);
        int n = query.length / B;
        for (int i = 0; i < Math.min(n, rows) / 2; i++) {
            int to = r.nextInt(rows);
            System.arraycopy(query, i * B, b, to * B, B);
            for (int f = 0; f < 1 + r.nextInt(20); f++) b[to * B + r.nextInt(B)] ^= (byte) (1 << r.nextInt(8));
        }
        return b;
    }

    @Test
    void crossCheckedMatchesAreOpenCvsOnRandomNearAndTiedDescriptors() {
        Random r = new Random(11);
        for (int trial = 0; trial < 12; trial++) {
            int nq = 1 + r.nextInt(600), nt = 1 + r.nextInt(600);
            byte[] query = trial % 3 == 0 ? fewPatterns(r, nq, 1 + r.nextInt(6)) : random(r, nq);
            byte[] train = trial % 3 == 0 ? fewPatterns(r, nt, 1 + r.nextInt(6)) : trial % 3 == 1 ? nearCopies(r, query, nt) : random(r, nt);
            List<List<Integer>> expected = opencv(query, train, true);
            assertThat(crossChecked(query, train)).as("trial %d (%d x %d)", trial, nq, nt).isEqualTo(expected);
            if (trial % 3 == 1) assertThat(expected.stream().filter(m -> m.get(2) <= LoopVerifier.MAX_HAMMING)).hasSizeGreaterThan(Math.min(nq, nt) / 5);
        }
    }

    @Test
    void nearestMatchesAreOpenCvsOverALargeConcatenatedTrainSet() {
        Random r = new Random(12);
        byte[] query = random(r, 500);
        // As the re-localiser matches: one query keyframe against 50 kept keyframes' descriptors in one set.
        byte[] train = new byte[50 * 500 * B];
        for (int k = 0; k < 50; k++) {
            byte[] part = k % 10 == 3 ? nearCopies(r, query, 500) : k % 10 == 7 ? fewPatterns(r, 500, 3) : random(r, 500);
            System.arraycopy(part, 0, train, k * 500 * B, part.length);
        }
        assertThat(nearest(query, train)).isEqualTo(opencv(query, train, false));
        byte[] tied = fewPatterns(r, 300, 2), tiedTrain = fewPatterns(r, 400, 2);
        assertThat(nearest(tied, tiedTrain)).isEqualTo(opencv(tied, tiedTrain, false));
    }

    @Test
    void realKeyframesMatchAsOpenCvMatchesThem() {
        SyntheticScene scene = new SyntheticScene(new SceneSpec(3, 160, 120, 400, TrajectoryKind.WALK, 0, 30));
        FrameTruth a = scene.render(100), b = scene.render(106);
        int features = LoopClosureSettings.defaults().features();
        KeyframeFeatures fa = KeyframeFeatures.detect(a.rgb(), a.depth(), a.intrinsics(), features);
        KeyframeFeatures fb = KeyframeFeatures.detect(b.rgb(), b.depth(), b.intrinsics(), features);
        List<List<Integer>> expected = opencv(fb.descriptors(), fa.descriptors(), true);
        assertThat(expected).hasSizeGreaterThan(100);
        assertThat(crossChecked(fb.descriptors(), fa.descriptors())).isEqualTo(expected);
        assertThat(nearest(fb.descriptors(), fa.descriptors())).isEqualTo(opencv(fb.descriptors(), fa.descriptors(), false));
    }

    @Test
    void emptySetsMatchNothingAndRaggedRowsAreRefused() {
        Random r = new Random(13);
        byte[] some = random(r, 5);
        assertThat(HammingMatcher.crossChecked(some, new byte[0])).isEmpty();
        assertThat(HammingMatcher.crossChecked(new byte[0], some)).isEmpty();
        int[] d = new int[5];
        assertThat(HammingMatcher.nearest(some, new byte[0], d)).containsOnly(-1);
        assertThat(d).containsOnly(Integer.MAX_VALUE);
        assertThatThrownBy(() -> HammingMatcher.crossChecked(new byte[B + 1], some)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("rows of 32 bytes");
        assertThatThrownBy(() -> HammingMatcher.crossChecked(some, new byte[2 * B - 1])).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("rows of 32 bytes");
        assertThatThrownBy(() -> HammingMatcher.nearest(some, some, new int[4])).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("one entry per query row");
    }
}
