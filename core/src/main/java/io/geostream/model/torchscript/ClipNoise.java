package io.geostream.model.torchscript;

import io.geostream.model.ClipInput;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Random;

/**
 * Initial latents of the stochastic samplers, a function of the clip's identity only: the seed is the first 8
 * bytes (big-endian) of SHA-256 over the UTF-8 of {@code streamId NUL segmentId NUL clipId NUL attribute}, and
 * the values are successive {@link Random#nextGaussian()} of a {@code java.util.Random} with that seed (an
 * algorithm the JDK specifies), cast to float. So a replayed clip gets the same noise whatever batch it
 * lands in and whichever worker runs it.
 */
public final class ClipNoise {

    /** Supplies the initial noise of one clip and attribute ({@code count} floats, row-major [t, C, h, w]). */
    @FunctionalInterface
    public interface Source {
        float[] noise(ClipInput clip, int attribute, int count);
    }

    /** The default source: {@link #seeded}. */
    public static final Source SEEDED = ClipNoise::seeded;

    private ClipNoise() {}

    /** The seed of a clip and attribute (0 = point map, 1 = normals). */
    public static long seed(String streamId, long segmentId, long clipId, int attribute) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            byte[] d = sha.digest((streamId + '\0' + segmentId + '\0' + clipId + '\0' + attribute).getBytes(StandardCharsets.UTF_8));
            long seed = 0;
            for (int i = 0; i < 8; i++) seed = (seed << 8) | (d[i] & 0xFF);
            return seed;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by every JDK", e);
        }
    }

    /** {@code count} standard normal floats for the clip and attribute. */
    public static float[] seeded(ClipInput clip, int attribute, int count) {
        Random random = new Random(seed(clip.streamId(), clip.segmentId(), clip.clipId(), attribute));
        float[] out = new float[count];
        for (int i = 0; i < count; i++) out[i] = (float) random.nextGaussian();
        return out;
    }
}
