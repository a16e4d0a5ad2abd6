package io.geostream.synthetic;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Everything that determines a synthetic scene and its camera: the same spec renders byte-identical
 * frames anywhere. Travels with a stream as the attribute {@link #ATTRIBUTE_KEY} in the compact text
 * form of {@link #encode()}, e.g. {@code v1;seed=7;w=64;h=48;n=150;traj=ORBIT;moving=0.0;fps=10}.
 *
 * @param seed              scene seed (layout, colours, textures, trajectory phase)
 * @param width             image width in pixels, 1..4096
 * @param height            image height in pixels, 1..4096
 * @param frames            number of frames in the stream, 1..1,000,000
 * @param trajectory        camera motion
 * @param movingObjectShare share of the scene objects that move, in [0, 1]
 * @param fps               frame rate, in (0, 1000]
 */
public record SceneSpec(long seed, int width, int height, int frames, TrajectoryKind trajectory,
                        double movingObjectShare, double fps) {

    /** The stream attribute that carries {@link #encode()}. */
    public static final String ATTRIBUTE_KEY = "geostream.synthetic.scene";
    /** Longest text {@link #parse(String)} accepts. */
    public static final int MAX_ENCODED_LENGTH = 512;
    private static final String VERSION = "v1";
    private static final Set<String> KEYS = Set.of("seed", "w", "h", "n", "traj", "moving", "fps");
    private static final Pattern INTEGER = Pattern.compile("-?[0-9]{1,19}");
    private static final Pattern DECIMAL = Pattern.compile("-?[0-9]{1,20}(\\.[0-9]{1,20})?([eE][-+]?[0-9]{1,3})?");

    public SceneSpec {
        if (width < 1 || width > 4096 || height < 1 || height > 4096) {
            throw new IllegalArgumentException("image size must be 1..4096 pixels per side, got " + width + "x" + height);
        }
        if (frames < 1 || frames > 1_000_000) throw new IllegalArgumentException("frames must be 1..1000000, got " + frames);
        if (trajectory == null) throw new IllegalArgumentException("trajectory must not be null");
        if (!(movingObjectShare >= 0 && movingObjectShare <= 1)) {
            throw new IllegalArgumentException("moving object share must be in [0, 1], got " + movingObjectShare);
        }
        if (!(fps > 0 && fps <= 1000)) throw new IllegalArgumentException("fps must be in (0, 1000], got " + fps);
        movingObjectShare += 0.0; // -0.0 -> 0.0, so equal specs encode equally
    }

    /** The compact text form; {@code parse(encode())} equals this spec. */
    public String encode() {
        return VERSION + ";seed=" + seed + ";w=" + width + ";h=" + height + ";n=" + frames + ";traj=" + trajectory.name()
                + ";moving=" + movingObjectShare + ";fps=" + formatNumber(fps);
    }

    private static String formatNumber(double value) {
        return value == Math.rint(value) && Math.abs(value) < 1e15 ? Long.toString((long) value) : Double.toString(value);
    }

    /**
     * Strictly parses {@link #encode()}'s form: version {@code v1}, every key exactly once (in any order),
     * no unknown keys, plain decimal numbers.
     *
     * @throws IllegalArgumentException for anything else, with a message naming the problem
     */
    public static SceneSpec parse(String text) {
        if (text == null) throw new IllegalArgumentException("scene spec text must not be null");
        if (text.length() > MAX_ENCODED_LENGTH) {
            throw new IllegalArgumentException("scene spec longer than " + MAX_ENCODED_LENGTH + " characters");
        }
        String[] parts = text.split(";", -1);
        if (!VERSION.equals(parts[0])) {
            throw new IllegalArgumentException("scene spec must start with '" + VERSION + "', got: " + abbreviate(text));
        }
        Map<String, String> values = new HashMap<>();
        for (int i = 1; i < parts.length; i++) {
            String part = parts[i];
            int eq = part.indexOf('=');
            if (eq <= 0 || part.indexOf('=', eq + 1) >= 0) {
                throw new IllegalArgumentException("malformed scene spec entry '" + abbreviate(part) + "' (expected key=value)");
            }
            String key = part.substring(0, eq);
            if (!KEYS.contains(key)) throw new IllegalArgumentException("unknown scene spec key '" + abbreviate(key) + "'");
            if (values.put(key, part.substring(eq + 1)) != null) {
                throw new IllegalArgumentException("duplicate scene spec key '" + key + "'");
            }
        }
        for (String key : KEYS) {
            if (!values.containsKey(key)) throw new IllegalArgumentException("scene spec lacks key '" + key + "'");
        }
        TrajectoryKind trajectory;
        try {
            trajectory = TrajectoryKind.valueOf(values.get("traj"));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown trajectory '" + abbreviate(values.get("traj")) + "'");
        }
        return new SceneSpec(parseLong(values, "seed"), parseInt(values, "w"), parseInt(values, "h"),
                parseInt(values, "n"), trajectory, parseDouble(values, "moving"), parseDouble(values, "fps"));
    }

    private static long parseLong(Map<String, String> values, String key) {
        String v = values.get(key);
        try {
            if (INTEGER.matcher(v).matches()) return Long.parseLong(v);
        } catch (NumberFormatException e) {
            // falls through to the error below
        }
        throw new IllegalArgumentException("scene spec key '" + key + "' needs an integer, got '" + abbreviate(v) + "'");
    }

    private static int parseInt(Map<String, String> values, String key) {
        long v = parseLong(values, key);
        if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("scene spec key '" + key + "' out of range: " + v);
        }
        return (int) v;
    }

    private static double parseDouble(Map<String, String> values, String key) {
        String v = values.get(key);
        if (!DECIMAL.matcher(v).matches()) {
            throw new IllegalArgumentException("scene spec key '" + key + "' needs a decimal number, got '" + abbreviate(v) + "'");
        }
        return Double.parseDouble(v);
    }

    private static String abbreviate(String s) {
        return s.length() <= 40 ? s : s.substring(0, 40) + "...";
    }
}
