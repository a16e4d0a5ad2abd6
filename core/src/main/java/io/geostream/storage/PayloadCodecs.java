package io.geostream.storage;

import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;
import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.opencv.opencv_core.Mat;

import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMWRITE_JPEG_QUALITY;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imencode;

/**
 * Byte formats of the per-frame payloads written to object storage. Every encoder is deterministic (the
 * same input gives the same bytes), which exactly-once replays rely on: a re-run writes identical objects.
 * PNGs are written by a small encoder here (fixed Up filter, fast zlib level), JPEG by OpenCV's encoder in memory;
 * reading uses javax.imageio (in-memory streams only, no cache files).
 */
public final class PayloadCodecs {
    private static final byte[] NPY_MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final int NPY_ALIGNMENT = 64;
    private static final Pattern NPY_DESCR = Pattern.compile("'descr'\\s*:\\s*'([^']*)'");
    private static final Pattern NPY_FORTRAN = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
    private static final Pattern NPY_SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

    private PayloadCodecs() {
    }

    // ---------------------------------------------------------------- npy

    /**
     * A {@code .npy} v1.0 file of little-endian float32 ({@code '<f4'}) in C order, its header padded with
     * spaces so that the data starts at a multiple of 64 bytes.
     *
     * @throws IllegalArgumentException if the shape's product differs from {@code data.length}
     */
    public static byte[] npyFloat32(float[] data, int... shape) {
        if (data == null || shape == null) {
            throw new IllegalArgumentException("data and shape must not be null");
        }
        new NpyArray(shape, data); // checks the shape against the data
        StringBuilder dims = new StringBuilder();
        for (int i = 0; i < shape.length; i++) {
            dims.append(shape[i]);
            if (shape.length == 1 || i < shape.length - 1) {
                dims.append(i < shape.length - 1 ? ", " : ",");
            }
        }
        String dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + dims + "), }";
        int prefix = NPY_MAGIC.length + 2 + 2; // magic, version, header length
        int unpadded = prefix + dict.length() + 1; // + '\n'
        int total = (unpadded + NPY_ALIGNMENT - 1) / NPY_ALIGNMENT * NPY_ALIGNMENT;
        int headerLength = total - prefix;
        if (headerLength > 0xFFFF) {
            throw new IllegalArgumentException("npy header too long for format 1.0");
        }
        String header = dict + " ".repeat(total - unpadded) + "\n";
        ByteBuffer out = ByteBuffer.allocate(total + 4 * data.length).order(ByteOrder.LITTLE_ENDIAN);
        out.put(NPY_MAGIC).put((byte) 1).put((byte) 0).putShort((short) headerLength);
        out.put(header.getBytes(StandardCharsets.US_ASCII));
        out.asFloatBuffer().put(data);
        return out.array();
    }

    /**
     * Reads a {@code .npy} (format 1.x or 2.x) holding little-endian float32 in C order.
     *
     * @throws IllegalArgumentException if the bytes are not such a file
     */
    public static NpyArray readNpyFloat32(byte[] bytes) {
        if (bytes == null) {
            throw new IllegalArgumentException("bytes must not be null");
        }
        if (bytes.length < 10) {
            throw new IllegalArgumentException("npy too short");
        }
        for (int i = 0; i < NPY_MAGIC.length; i++) {
            if (bytes[i] != NPY_MAGIC[i]) {
                throw new IllegalArgumentException("not an npy file (bad magic)");
            }
        }
        ByteBuffer in = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        int major = bytes[6];
        long headerLength;
        int headerStart;
        if (major == 1) {
            headerLength = in.getShort(8) & 0xFFFF;
            headerStart = 10;
        } else if (major == 2 || major == 3) {
            if (bytes.length < 12) {
                throw new IllegalArgumentException("npy too short");
            }
            headerLength = in.getInt(8) & 0xFFFFFFFFL;
            headerStart = 12;
        } else {
            throw new IllegalArgumentException("unsupported npy version " + major);
        }
        if (headerStart + headerLength > bytes.length) {
            throw new IllegalArgumentException("npy header truncated");
        }
        int dataStart = (int) (headerStart + headerLength);
        String header = new String(bytes, headerStart, (int) headerLength, StandardCharsets.ISO_8859_1);
        Matcher descr = NPY_DESCR.matcher(header);
        if (!descr.find() || !descr.group(1).equals("<f4")) {
            throw new IllegalArgumentException("npy dtype must be '<f4': " + header.trim());
        }
        Matcher fortran = NPY_FORTRAN.matcher(header);
        if (!fortran.find() || !fortran.group(1).equals("False")) {
            throw new IllegalArgumentException("npy must be in C order: " + header.trim());
        }
        Matcher shapeMatcher = NPY_SHAPE.matcher(header);
        if (!shapeMatcher.find()) {
            throw new IllegalArgumentException("npy header has no shape: " + header.trim());
        }
        int[] shape = parseShape(shapeMatcher.group(1));
        long count = 1;
        for (int d : shape) {
            count *= d;
            if (count > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("npy array too large");
            }
        }
        if ((long) bytes.length - dataStart != count * 4) {
            throw new IllegalArgumentException("npy data has " + (bytes.length - dataStart) + " bytes, shape needs " + count * 4);
        }
        float[] data = new float[(int) count];
        in.position(dataStart);
        in.slice().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(data);
        return new NpyArray(shape, data);
    }

    private static int[] parseShape(String text) {
        String trimmed = text.trim();
        if (trimmed.isEmpty()) {
            return new int[0];
        }
        String[] parts = trimmed.split(",");
        int n = parts.length;
        if (parts[n - 1].isBlank()) {
            n--; // trailing comma of a 1-tuple
        }
        int[] shape = new int[n];
        for (int i = 0; i < n; i++) {
            try {
                shape[i] = Integer.parseInt(parts[i].trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("bad npy shape: (" + text + ")");
            }
            if (shape[i] < 0) {
                throw new IllegalArgumentException("bad npy shape: (" + text + ")");
            }
        }
        return shape;
    }

    // ---------------------------------------------------------------- depth / normals PNG

    /**
     * A 16-bit greyscale PNG of depth: value = round(d / unit) clamped to 1..65535 for finite d > 0, and 0
     * (invalid) for non-finite or non-positive d.
     */
    public static byte[] depthPng16(float[] depth, int w, int h, double unit) {
        checkSize(depth == null ? -1 : depth.length, w, h, 1, "depth");
        if (!(unit > 0) || !Double.isFinite(unit)) {
            throw new IllegalArgumentException("unit must be finite and > 0, got " + unit);
        }
        return png(depthSamples16(depth, unit), w, h, 16, PNG_GREY, 2);
    }

    /** {@link #depthPng16}'s samples: 16 bits each, big-endian, as PNG stores them. */
    static byte[] depthSamples16(float[] depth, double unit) {
        byte[] samples = new byte[2 * depth.length];
        for (int i = 0; i < depth.length; i++) {
            float d = depth[i];
            int value = 0;
            if (Float.isFinite(d) && d > 0) {
                value = (int) Math.max(1, Math.min(65535, Math.round(d / unit)));
            }
            samples[2 * i] = (byte) (value >>> 8);
            samples[2 * i + 1] = (byte) value;
        }
        return samples;
    }

    /** Reads a 16-bit greyscale PNG into row-major values 0..65535. */
    public static int[] readPng16(byte[] png) {
        BufferedImage image = readImage(png);
        Raster raster = image.getRaster();
        if (raster.getNumBands() != 1 || raster.getSampleModel().getSampleSize(0) != 16) {
            throw new IllegalArgumentException("not a 16-bit greyscale PNG");
        }
        return raster.getPixels(0, 0, image.getWidth(), image.getHeight(), (int[]) null);
    }

    /**
     * An 8-bit RGB PNG of unit normals: channel = round((n + 1) / 2 * 255) for x, y, z, clamped to 0..255;
     * a pixel with any non-finite component is written as 0, 0, 0 (no unit normal maps there).
     */
    public static byte[] normalsPng(float[] normalsXyz, int w, int h) {
        checkSize(normalsXyz == null ? -1 : normalsXyz.length, w, h, 3, "normals");
        return png(normalsSamples(normalsXyz), w, h, 8, PNG_RGB, 3);
    }

    /** {@link #normalsPng}'s samples: 8-bit RGB. */
    static byte[] normalsSamples(float[] normalsXyz) {
        byte[] samples = new byte[normalsXyz.length];
        for (int p = 0; p < normalsXyz.length; p += 3) {
            float x = normalsXyz[p], y = normalsXyz[p + 1], z = normalsXyz[p + 2];
            if (Float.isFinite(x) && Float.isFinite(y) && Float.isFinite(z)) {
                samples[p] = toByte(x);
                samples[p + 1] = toByte(y);
                samples[p + 2] = toByte(z);
            }
        }
        return samples;
    }

    /**
     * Reads {@link #normalsPng}'s encoding back: row-major unit normals (x, y, z per pixel), each decoded as
     * {@code c / 255 * 2 - 1} and renormalised (8-bit quantisation); NaN for (0, 0, 0), the "no normal" pixel.
     *
     * @throws IllegalArgumentException if the bytes are not an 8-bit RGB image
     */
    public static float[] readNormalsPng(byte[] png) {
        BufferedImage image = readImage(png);
        Raster raster = image.getRaster();
        if (raster.getNumBands() != 3 || raster.getSampleModel().getSampleSize(0) != 8) {
            throw new IllegalArgumentException("not an 8-bit RGB PNG");
        }
        int[] c = raster.getPixels(0, 0, image.getWidth(), image.getHeight(), (int[]) null);
        float[] n = new float[c.length];
        for (int p = 0; p < c.length; p += 3) {
            if (c[p] == 0 && c[p + 1] == 0 && c[p + 2] == 0) {
                n[p] = n[p + 1] = n[p + 2] = Float.NaN;
                continue;
            }
            double x = c[p] / 255.0 * 2 - 1, y = c[p + 1] / 255.0 * 2 - 1, z = c[p + 2] / 255.0 * 2 - 1;
            double len = Math.sqrt(x * x + y * y + z * z);
            n[p] = (float) (x / len);
            n[p + 1] = (float) (y / len);
            n[p + 2] = (float) (z / len);
        }
        return n;
    }

    private static byte toByte(float n) {
        return (byte) Math.max(0, Math.min(255, Math.round((n + 1.0) / 2.0 * 255.0)));
    }

    /** A baseline JPEG of interleaved RGB8, {@code quality} in 0..1. */
    public static byte[] jpeg(byte[] rgb, int w, int h, float quality) {
        checkSize(rgb == null ? -1 : rgb.length, w, h, 3, "rgb");
        if (!(quality >= 0 && quality <= 1)) {
            throw new IllegalArgumentException("quality must be in 0..1, got " + quality);
        }
        byte[] bgr = new byte[rgb.length];
        for (int i = 0; i < rgb.length; i += 3) {
            bgr[i] = rgb[i + 2];
            bgr[i + 1] = rgb[i + 1];
            bgr[i + 2] = rgb[i];
        }
        // OpenCV's encoder (libjpeg-turbo) rather than javax.imageio's, in about a quarter of the time (160x120: 0.46-0.57
        // against 0.09-0.13 ms; docs/benchmarks.md, session 30). Both scale the IJG tables by the quality (0.92 is 92);
        // at the job's 0.92 and at 0.5 they give the same pixels (PayloadCodecsTest), only a JFIF header byte differs.
        // At some qualities a table entry may round differently (javax truncates a float scale, libjpeg rounds).
        try (Mat image = new Mat(h, w, CV_8UC3); BytePointer encoded = new BytePointer();
             IntPointer params = new IntPointer(IMWRITE_JPEG_QUALITY, Math.round(quality * 100))) {
            image.data().put(bgr);
            if (!imencode(".jpg", image, encoded, params)) throw new IllegalStateException("OpenCV could not encode a JPEG");
            byte[] out = new byte[Math.toIntExact(encoded.limit())];
            encoded.get(out);
            return out;
        }
    }

    /**
     * A depth unit for {@link #depthPng16} such that the largest finite positive depth maps to 65535 counts
     * (finest resolution without clipping). 1.0 if there is no finite positive depth; never 0.
     */
    public static double chooseDepthUnit(float[] depth) {
        if (depth == null) {
            throw new IllegalArgumentException("depth must not be null");
        }
        double max = 0;
        for (float d : depth) {
            if (Float.isFinite(d) && d > max) {
                max = d;
            }
        }
        if (max <= 0) {
            return 1.0;
        }
        double unit = max / 65535.0;
        return unit > 0 ? unit : Double.MIN_NORMAL;
    }

    // ---------------------------------------------------------------- PNG writer

    private static final byte[] PNG_SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    private static final int PNG_GREY = 0;
    private static final int PNG_RGB = 2;
    private static final int PNG_FILTER_UP = 2;

    /**
     * A non-interlaced PNG of {@code samples} (rows of {@code w * bytesPerPixel} bytes, 16-bit samples big
     * endian): signature, IHDR, one IDAT, IEND. Every row uses the Up filter (no per-row filter search), compressed
     * by Huffman coding alone ({@link HuffmanDeflate}): after the Up filter a model's depth and normals are small noisy
     * differences that repeat too little for string matching to pay (with zlib, Huffman-only gave 3 % smaller depth
     * and 9 % smaller normals PNGs than level 1's default strategy in 0.4-0.5x the time; docs/benchmarks.md, "What was
     * cut"). The same samples always give the same bytes. Written directly because javax.imageio's PNG writer tries all
     * five filters on every row and copies the raster, most of a frame's encoding time, and OpenCV's (libpng, Up filter,
     * Huffman-only) took 1.12-1.40 ms for a frame's two PNGs where this writer took 0.72-1.03 in the same loop
     * (docs/benchmarks.md, session 31).
     */
    private static byte[] png(byte[] samples, int w, int h, int bitDepth, int colourType, int bytesPerPixel) {
        byte[] compressed = HuffmanDeflate.zlib(upFiltered(samples, w, h, bytesPerPixel));
        ByteBuffer png = ByteBuffer.allocate(PNG_SIGNATURE.length + 25 + 12 + compressed.length + 12).order(ByteOrder.BIG_ENDIAN);
        png.put(PNG_SIGNATURE);
        ByteBuffer ihdr = ByteBuffer.allocate(13).order(ByteOrder.BIG_ENDIAN);
        ihdr.putInt(w).putInt(h).put((byte) bitDepth).put((byte) colourType).put((byte) 0).put((byte) 0).put((byte) 0);
        pngChunk(png, "IHDR", ihdr.array());
        pngChunk(png, "IDAT", compressed);
        pngChunk(png, "IEND", new byte[0]);
        return png.array();
    }

    /** PNG's scanlines before compression: each row led by its filter byte, Up on every row but the first (None). */
    static byte[] upFiltered(byte[] samples, int w, int h, int bytesPerPixel) {
        int stride = w * bytesPerPixel;
        byte[] filtered = new byte[h * (stride + 1)];
        for (int y = 0, in = 0, out = 0; y < h; y++) {
            filtered[out++] = (byte) (y == 0 ? 0 : PNG_FILTER_UP); // the first row has no row above: None
            if (y == 0) {
                System.arraycopy(samples, 0, filtered, out, stride);
            } else {
                for (int x = 0; x < stride; x++) filtered[out + x] = (byte) (samples[in + x] - samples[in - stride + x]);
            }
            in += stride;
            out += stride;
        }
        return filtered;
    }

    private static void pngChunk(ByteBuffer png, String type, byte[] data) {
        byte[] typeBytes = type.getBytes(StandardCharsets.US_ASCII);
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        crc.update(typeBytes);
        crc.update(data);
        png.putInt(data.length).put(typeBytes).put(data).putInt((int) crc.getValue());
    }

    // ---------------------------------------------------------------- helpers

    private static void checkSize(int length, int w, int h, int channels, String what) {
        if (length < 0) {
            throw new IllegalArgumentException(what + " must not be null");
        }
        if (w <= 0 || h <= 0) {
            throw new IllegalArgumentException("size must be positive: " + w + "x" + h);
        }
        if ((long) w * h * channels != length) {
            throw new IllegalArgumentException(what + " has " + length + " values, expected " + w + "*" + h + "*" + channels);
        }
    }

    private static BufferedImage readImage(byte[] bytes) {
        if (bytes == null) {
            throw new IllegalArgumentException("bytes must not be null");
        }
        try (ImageInputStream in = new MemoryCacheImageInputStream(new ByteArrayInputStream(bytes))) {
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) {
                throw new IllegalArgumentException("not a readable image");
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, true);
                return reader.read(0);
            } finally {
                reader.dispose();
            }
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read image: " + e.getMessage(), e);
        }
    }
}
