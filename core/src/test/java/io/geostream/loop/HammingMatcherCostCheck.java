package io.geostream.loop;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.opencv.opencv_core.DMatchVector;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_features2d.BFMatcher;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import java.lang.management.ManagementFactory;
import java.util.Locale;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC1;
import static org.bytedeco.opencv.global.opencv_core.NORM_HAMMING;

/**
 * Why {@link HammingMatcher} is kept by hand (a figure, not a pass/fail target): the CPU of one 500 x 500 cross-checked
 * match, as the loop verifier makes three a keyframe, by OpenCV's {@code BFMatcher} (as the loop closer called it
 * before, a matcher and two Mats a call) and by {@link HammingMatcher}, alternating in one JVM, process CPU time (OpenCV's
 * worker threads included): {@code mvn -o -B -pl core test -Dtest=HammingMatcherCostCheck -Dgeostream.hamming-cost=true}.
 * Prints {@code opencv_cpu_ms=.. hand_cpu_ms=.. opencv_over_hand=..} (medians of the rounds).
 */
@EnabledIfSystemProperty(named = "geostream.hamming-cost", matches = "true")
class HammingMatcherCostCheck {

    private static final int B = KeyframeFeatures.DESCRIPTOR_BYTES, ROWS = 500, CALLS = 100, ROUNDS = 9;

    private static long opencv(byte[] query, byte[] train) {
        try (BytePointer q = new BytePointer(query); BytePointer t = new BytePointer(train);
             Mat queryMat = new Mat(ROWS, B, CV_8UC1, q); Mat trainMat = new Mat(ROWS, B, CV_8UC1, t);
             BFMatcher matcher = new BFMatcher(NORM_HAMMING, true); DMatchVector found = new DMatchVector()) {
            matcher.match(queryMat, trainMat, found);
            return found.size();
        }
    }

    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    @Test
    void crossCheckedMatchCpuByOpenCvAndByHand() {
        Random r = new Random(5);
        byte[] query = new byte[ROWS * B], train = new byte[ROWS * B];
        r.nextBytes(query);
        r.nextBytes(train);
        for (int i = 0; i < ROWS / 2; i++) { // half the rows seen again a few bits off, as a revisited place
            System.arraycopy(query, i * B, train, (ROWS - 1 - i) * B, B);
            train[(ROWS - 1 - i) * B + r.nextInt(B)] ^= 5;
        }
        double[] cv = new double[ROUNDS], hand = new double[ROUNDS];
        long expected = HammingMatcher.crossChecked(query, train).length;
        for (int round = 0; round < ROUNDS; round++) {
            long t0 = processCpuNanos();
            for (int c = 0; c < CALLS; c++) assertThat(opencv(query, train)).isEqualTo(expected);
            long t1 = processCpuNanos();
            for (int c = 0; c < CALLS; c++) assertThat((long) HammingMatcher.crossChecked(query, train).length).isEqualTo(expected);
            long t2 = processCpuNanos();
            cv[round] = (t1 - t0) / 1e6 / CALLS;
            hand[round] = (t2 - t1) / 1e6 / CALLS;
        }
        java.util.Arrays.sort(cv);
        java.util.Arrays.sort(hand);
        double c = cv[ROUNDS / 2], h = hand[ROUNDS / 2];
        System.out.printf(Locale.ROOT, "matches=%d opencv_cpu_ms=%.2f (%.2f-%.2f) hand_cpu_ms=%.2f (%.2f-%.2f) opencv_over_hand=%.1f%n",
                expected, c, cv[0], cv[ROUNDS - 1], h, hand[0], hand[ROUNDS - 1], c / h);
    }
}
