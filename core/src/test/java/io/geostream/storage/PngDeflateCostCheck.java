package io.geostream.storage;

import io.geostream.synthetic.FrameTruth;
import io.geostream.synthetic.SceneSpec;
import io.geostream.synthetic.SyntheticScene;
import io.geostream.synthetic.TrajectoryKind;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What compressing a frame's two PNG payloads costs (a figure, not a pass/fail target): zlib's Huffman-only strategy
 * through {@link java.util.zip.Deflater} (the project's PNG writer before session 31) against {@link HuffmanDeflate}, on the same
 * Up-filtered samples of 160x120 depth (16 bits) and normals (8-bit RGB) as {@link PayloadCodecs} writes them. The
 * frames are rendered scenes with a model's kind of noise (depth times 1 + 1 % Gaussian noise, normals tilted by about
 * 3 deg), as the simulated model gives; the two compressors alternate over 5 passes of 200 frames after a warm-up.
 * {@code mvn -o -B -pl core test -Dtest=PngDeflateCostCheck -Dgeostream.png-deflate-cost=true}; prints
 * {@code zlib_ms_per_frame=.. huffman_ms_per_frame=.. ratio=.. zlib_bytes_per_frame=.. huffman_bytes_per_frame=..}
 * (wall time of this thread, medians of the passes).
 */
@EnabledIfSystemProperty(named = "geostream.png-deflate-cost", matches = "true")
class PngDeflateCostCheck {
    static final int W = 160, H = 120, FRAMES = 200, PASSES = 5;

    @Test
    void printsTheCostOfBothCompressors() {
        SyntheticScene scene = new SyntheticScene(new SceneSpec(31, W, H, FRAMES, TrajectoryKind.WALK, 0, 10));
        Random random = new Random(31);
        List<byte[]> filtered = new ArrayList<>();
        for (int f = 0; f < FRAMES; f++) {
            FrameTruth truth = scene.renderGeometry(f);
            float[] depth = truth.depth().clone();
            for (int i = 0; i < depth.length; i++) depth[i] *= (float) (1 + 0.01 * random.nextGaussian());
            float[] normals = truth.normalsCamera().clone();
            for (int i = 0; i < normals.length; i += 3) {
                double x = normals[i] + 0.05 * random.nextGaussian(), y = normals[i + 1] + 0.05 * random.nextGaussian(), z = normals[i + 2];
                double n = Math.sqrt(x * x + y * y + z * z);
                normals[i] = (float) (x / n);
                normals[i + 1] = (float) (y / n);
                normals[i + 2] = (float) (z / n);
            }
            filtered.add(PayloadCodecs.upFiltered(PayloadCodecs.depthSamples16(depth, PayloadCodecs.chooseDepthUnit(depth)), W, H, 2));
            filtered.add(PayloadCodecs.upFiltered(PayloadCodecs.normalsSamples(normals), W, H, 3));
        }
        byte[] buffer = new byte[4 * W * H * 3];
        long zlibBytes = 0, huffmanBytes = 0;
        for (byte[] samples : filtered) { // warm-up, and the sizes
            zlibBytes += HuffmanDeflateTest.zlibHuffmanOnly(samples, buffer).length;
            huffmanBytes += HuffmanDeflate.zlib(samples).length;
        }
        double[] zlibMs = new double[PASSES], huffmanMs = new double[PASSES];
        long sink = 0;
        for (int pass = 0; pass < PASSES; pass++) {
            long t0 = System.nanoTime();
            for (byte[] samples : filtered) sink += HuffmanDeflateTest.zlibHuffmanOnly(samples, buffer).length;
            long t1 = System.nanoTime();
            for (byte[] samples : filtered) sink += HuffmanDeflate.zlib(samples).length;
            long t2 = System.nanoTime();
            zlibMs[pass] = (t1 - t0) / 1e6 / FRAMES;
            huffmanMs[pass] = (t2 - t1) / 1e6 / FRAMES;
        }
        Arrays.sort(zlibMs);
        Arrays.sort(huffmanMs);
        double zlib = zlibMs[PASSES / 2], huffman = huffmanMs[PASSES / 2];
        assertThat(sink).isPositive();
        System.out.printf(Locale.ROOT, "zlib_ms_per_frame=%.3f huffman_ms_per_frame=%.3f ratio=%.2f zlib_bytes_per_frame=%d huffman_bytes_per_frame=%d%n",
                zlib, huffman, huffman / zlib, zlibBytes / FRAMES, huffmanBytes / FRAMES);
    }
}
