package io.geostream.model.torchscript;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.translate.NoBatchifyTranslator;
import ai.djl.translate.TranslatorContext;

import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Pre- and post-processing around an end-to-end geometry module, one instance per predictor (it keeps
 * per-predictor buffers; not thread-safe).
 *
 * <p>In: RGB8 clips already at the model size, or a prepared float tensor of any shape (parity tests,
 * benchmark), or zeros (the open-time dry run). RGB8 clips are normalised through a per-channel lookup table,
 * {@code (v / 255f - mean) / std} in Java floats (exactly specified, identical on every engine and device),
 * written planar straight into a reused direct buffer that the [B,T,3,H,W] input tensor aliases: no
 * per-call allocation and no copy besides the table lookups. (Measured: the same lookup done by libtorch
 * ops on a uint8 tensor costs more, about 20 us per op of DJL/JNI overhead.)
 *
 * <p>Out: for RGB8 input, every 5-D output is transposed to channels-last inside libtorch and copied once
 * into one float array per (clip, frame), the {@link io.geostream.model.ClipGeometry} layout (row-major
 * pixels, channels interleaved); other inputs get their outputs as they are (planar). Shapes are reported
 * as the module returned them; the caller checks shapes and values, so a bad output becomes a typed model
 * failure rather than a translation error.
 */
public final class GeometryTranslator implements NoBatchifyTranslator<GeometryTranslator.Input, GeometryTranslator.RawOutput> {

    /** What the module gets. */
    sealed interface Input permits RgbBatch, PreparedTensor, Zeros {}

    /** B clips of T interleaved RGB8 frames each (same T), all {@code width x height}; becomes [B,T,3,H,W]. */
    record RgbBatch(List<List<byte[]>> clips, int width, int height) implements Input {
        RgbBatch {
            clips = List.copyOf(clips);
            if (clips.isEmpty()) throw new IllegalArgumentException("empty batch");
            int t = clips.get(0).size();
            for (List<byte[]> c : clips) {
                if (c.size() != t) throw new IllegalArgumentException("clips of a batch need the same length, got " + c.size() + " and " + t);
                for (byte[] f : c) {
                    if (f.length != width * height * 3) {
                        throw new IllegalArgumentException("frame has " + f.length + " bytes, expected " + (width * height * 3));
                    }
                }
            }
        }
    }

    /** An already normalised float tensor, row-major, of the given shape (normally [B,T,3,H,W]). */
    record PreparedTensor(float[] data, long[] shape) implements Input {
        PreparedTensor {
            Objects.requireNonNull(data, "data");
            long n = 1;
            for (long s : shape) n *= s;
            if (n != data.length) {
                throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " needs " + n + " floats, got " + data.length);
            }
            shape = shape.clone();
        }
    }

    /** A tensor of zeros of the given shape, made on the native side (the open-time dry run). */
    record Zeros(long[] shape) implements Input {
        Zeros {
            shape = shape.clone();
        }
    }

    /**
     * The module's outputs, in order: each output's shape as the module returned it, and its values as
     * consecutive chunks. For RGB8 input, a 5-D output [B,T,C,H,W] comes as B*T chunks (clip-major), chunk
     * {@code b*T+t} holding frame t of clip b channels-last ([H,W,C], the ClipGeometry layout); any other
     * output is one planar chunk.
     */
    record RawOutput(List<long[]> shapes, List<float[][]> chunks) {
        RawOutput {
            shapes = List.copyOf(shapes);
            chunks = List.copyOf(chunks);
            if (shapes.size() != chunks.size()) throw new IllegalArgumentException(shapes.size() + " shapes for " + chunks.size() + " outputs");
        }

        /** Outputs of one planar chunk each. */
        static RawOutput planar(List<float[]> data, List<long[]> shapes) {
            List<float[][]> chunks = new ArrayList<>(data.size());
            for (float[] d : data) chunks.add(new float[][] {d});
            return new RawOutput(shapes, chunks);
        }

        int count() { return shapes.size(); }

        /** Output {@code i} as one array (its chunks concatenated). */
        float[] flat(int i) {
            float[][] c = chunks.get(i);
            if (c.length == 1) return c[0];
            int n = 0;
            for (float[] part : c) n += part.length;
            float[] out = new float[n];
            int at = 0;
            for (float[] part : c) {
                System.arraycopy(part, 0, out, at, part.length);
                at += part.length;
            }
            return out;
        }
    }

    /** Context attachment: this predict's outputs go out channels-last per frame. */
    private static final String CHANNELS_LAST = "geostream.channels-last";

    /** lut[c * 256 + v]: the normalised value of byte v in channel c. */
    private final float[] lut = new float[3 * 256];
    /** The input tensor's reused buffer (the per-call allocation it replaces was as large); the tensor aliases it during one predict. */
    private final InputStaging staging = new InputStaging();

    public GeometryTranslator(ModelPackage.RgbNormalization normalization) {
        float[] mean = normalization.mean();
        float[] std = normalization.std();
        for (int c = 0; c < 3; c++) {
            for (int v = 0; v < 256; v++) {
                lut[c * 256 + v] = (v / 255f - mean[c]) / std[c];
            }
        }
    }

    /** Planar [T,3,H,W] normalised floats for interleaved RGB8 frames. */
    public float[] normalise(List<byte[]> frames, int width, int height) {
        float[] out = new float[frames.size() * 3 * width * height];
        FloatBuffer buffer = FloatBuffer.wrap(out);
        normaliseInto(frames, width, height, buffer);
        return out;
    }

    /** Writes planar [T,3,H,W] normalised floats for the frames at the buffer's position, advancing it. */
    void normaliseInto(List<byte[]> frames, int width, int height, FloatBuffer out) {
        int plane = width * height;
        float[] row = new float[3 * plane];
        for (byte[] rgb : frames) {
            for (int p = 0, i = 0; p < plane; p++, i += 3) {
                row[p] = lut[rgb[i] & 0xFF];
                row[plane + p] = lut[256 + (rgb[i + 1] & 0xFF)];
                row[2 * plane + p] = lut[512 + (rgb[i + 2] & 0xFF)];
            }
            out.put(row);
        }
    }

    /**
     * A [B, T, C, H, W] float32 tensor as B x T frames of row-major pixels with their C channels together: one transposing
     * copy inside libtorch, then one copy per frame out of its memory (no Java pass to interleave).
     */
    static float[][] framesChannelsLast(NDArray planar) {
        long[] shape = planar.getShape().getShape();
        FloatBuffer values = planar.transpose(0, 1, 3, 4, 2).toByteBuffer(true).asFloatBuffer();
        int frames = Math.toIntExact(shape[0] * shape[1]);
        int frameFloats = Math.toIntExact(shape[2] * shape[3] * shape[4]);
        float[][] out = new float[frames][];
        for (int f = 0; f < frames; f++) {
            out[f] = new float[frameFloats];
            values.get(f * frameFloats, out[f]);
        }
        return out;
    }

    @Override
    public NDList processInput(TranslatorContext ctx, Input input) {
        NDManager manager = ctx.getNDManager();
        if (input instanceof RgbBatch batch) {
            int b = batch.clips().size(), t = batch.clips().get(0).size(), h = batch.height(), w = batch.width();
            FloatBuffer floats = staging.floats((long) b * t * 3 * h * w,
                    "a batch of " + b + " clips of " + t + " frames at " + w + "x" + h);
            for (List<byte[]> clip : batch.clips()) normaliseInto(clip, w, h, floats);
            ctx.setAttachment(CHANNELS_LAST, Boolean.TRUE);
            return new NDList(manager.create(staging.bytes(), new Shape(b, t, 3, h, w), DataType.FLOAT32));
        }
        if (input instanceof Zeros zeros) {
            return new NDList(manager.zeros(new Shape(zeros.shape()), DataType.FLOAT32));
        }
        PreparedTensor tensor = (PreparedTensor) input;
        return new NDList(manager.create(tensor.data(), new Shape(tensor.shape())));
    }

    @Override
    public RawOutput processOutput(TranslatorContext ctx, NDList list) {
        boolean channelsLast = ctx.getAttachment(CHANNELS_LAST) != null;
        List<float[][]> chunks = new ArrayList<>(list.size());
        List<long[]> shapes = new ArrayList<>(list.size());
        for (NDArray array : list) {
            long[] shape = array.getShape().getShape();
            shapes.add(shape);
            NDArray floats = array.getDataType() == DataType.FLOAT32 ? array : array.toType(DataType.FLOAT32, false);
            if (channelsLast && shape.length == 5) {
                chunks.add(framesChannelsLast(floats));
            } else {
                chunks.add(new float[][] {floats.toFloatArray()});
            }
        }
        return new RawOutput(shapes, chunks);
    }
}
