package io.geostream.model.torchscript;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Locates the committed model packages under the repository's {@code models/} and reads their .npy files. */
final class TestPackages {

    private TestPackages() {}

    /** {@code models/<name>} of this repository, found by walking up from the working directory. */
    static Path model(String name) {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve("models").resolve(name);
            if (Files.isRegularFile(candidate.resolve(ModelPackage.MODEL_JSON))) return candidate;
        }
        throw new IllegalStateException("models/" + name + " not found above " + Path.of("").toAbsolutePath());
    }

    /** The largest absolute difference between two arrays of the same length (parity checks against PyTorch). */
    static float maxAbsDiff(float[] a, float[] b) {
        if (a.length != b.length) throw new AssertionError("lengths differ: " + a.length + " vs " + b.length);
        float max = 0;
        for (int i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
        return max;
    }

    /** A little-endian float32, C-order .npy array. */
    record NpyArray(long[] shape, float[] data) {}

    private static final Pattern SHAPE = Pattern.compile("'shape':\\s*\\(([^)]*)\\)");

    static NpyArray readNpy(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        if (bytes.length < 10 || (bytes[0] & 0xFF) != 0x93 || !new String(bytes, 1, 5, StandardCharsets.US_ASCII).equals("NUMPY")) {
            throw new IOException("not a .npy file: " + file);
        }
        int major = bytes[6];
        ByteBuffer buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        int headerLen = major == 1 ? Short.toUnsignedInt(buf.getShort(8)) : buf.getInt(8);
        int headerStart = major == 1 ? 10 : 12;
        String header = new String(bytes, headerStart, headerLen, StandardCharsets.US_ASCII);
        if (!header.contains("'descr': '<f4'") || !header.contains("'fortran_order': False")) {
            throw new IOException("expected little-endian float32 C-order, got " + header);
        }
        Matcher m = SHAPE.matcher(header);
        if (!m.find()) throw new IOException("no shape in " + header);
        long[] shape = Arrays.stream(m.group(1).split(",")).map(String::strip).filter(s -> !s.isEmpty())
                .mapToLong(Long::parseLong).toArray();
        long n = Arrays.stream(shape).reduce(1, (a, b) -> a * b);
        float[] data = new float[(int) n];
        buf.position(headerStart + headerLen);
        buf.asFloatBuffer().get(data);
        return new NpyArray(shape, data);
    }
}
