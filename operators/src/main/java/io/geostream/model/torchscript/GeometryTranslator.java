package io.geostream.model.torchscript;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.translate.NoBatchifyTranslator;
import ai.djl.translate.TranslatorContext;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Pre- and post-processing around an end-to-end geometry module. In: RGB8 frames already at the model size
 * (normalised here to a planar float tensor [1,T,3,H,W]) or a prepared float tensor of any batch. Out: every
 * output tensor copied to a float array with its shape; the caller checks shapes and values, so a bad output
 * becomes a typed model failure rather than a translation error.
 *
 * <p>Normalisation is done in Java through a per-channel lookup table, {@code (v / 255f - mean) / std} in
 * float, so it is exactly specified and identical on every engine and device.
 */
final class GeometryTranslator implements NoBatchifyTranslator<GeometryTranslator.Input, GeometryTranslator.RawOutput> {

    /** What the module gets. */
    sealed interface Input permits RgbClip, RgbBatch, PreparedTensor, Zeros {}

    /** T interleaved RGB8 frames of {@code width x height}, row-major; becomes a [1,T,3,H,W] tensor. */
    record RgbClip(List<byte[]> frames, int width, int height) implements Input {
        RgbClip {
            frames = List.copyOf(frames);
            for (byte[] f : frames) {
                if (f.length != width * height * 3) {
                    throw new IllegalArgumentException("frame has " + f.length + " bytes, expected " + (width * height * 3));
                }
            }
        }
    }

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

    /** The module's outputs, in order, as float arrays (row-major) with their shapes. */
    record RawOutput(List<float[]> data, List<long[]> shapes) {
        RawOutput {
            data = List.copyOf(data);
            shapes = List.copyOf(shapes);
        }

        int count() { return data.size(); }
    }

    /** lut[c][v]: the normalised value of byte v in channel c. */
    private final float[][] lut = new float[3][256];

    GeometryTranslator(ModelPackage.RgbNormalization normalization) {
        float[] mean = normalization.mean();
        float[] std = normalization.std();
        for (int c = 0; c < 3; c++) {
            for (int v = 0; v < 256; v++) {
                lut[c][v] = (v / 255f - mean[c]) / std[c];
            }
        }
    }

    /** Planar [T,3,H,W] normalised floats for interleaved RGB8 frames. */
    float[] normalise(List<byte[]> frames, int width, int height) {
        float[] out = new float[frames.size() * 3 * width * height];
        normaliseInto(frames, width, height, out, 0);
        return out;
    }

    /** Writes planar [T,3,H,W] normalised floats for the frames into {@code out} from {@code offset}. */
    void normaliseInto(List<byte[]> frames, int width, int height, float[] out, int offset) {
        int plane = width * height;
        for (int t = 0; t < frames.size(); t++) {
            byte[] rgb = frames.get(t);
            int base = offset + t * 3 * plane;
            float[] r = lut[0], g = lut[1], b = lut[2];
            for (int p = 0, i = 0; p < plane; p++, i += 3) {
                out[base + p] = r[rgb[i] & 0xFF];
                out[base + plane + p] = g[rgb[i + 1] & 0xFF];
                out[base + 2 * plane + p] = b[rgb[i + 2] & 0xFF];
            }
        }
    }

    @Override
    public NDList processInput(TranslatorContext ctx, Input input) {
        NDManager manager = ctx.getNDManager();
        if (input instanceof RgbClip clip) {
            float[] data = normalise(clip.frames(), clip.width(), clip.height());
            return new NDList(manager.create(data, new Shape(1, clip.frames().size(), 3, clip.height(), clip.width())));
        }
        if (input instanceof RgbBatch batch) {
            int b = batch.clips().size(), t = batch.clips().get(0).size();
            int clipFloats = t * 3 * batch.width() * batch.height();
            float[] data = new float[b * clipFloats];
            for (int i = 0; i < b; i++) {
                normaliseInto(batch.clips().get(i), batch.width(), batch.height(), data, i * clipFloats);
            }
            return new NDList(manager.create(data, new Shape(b, t, 3, batch.height(), batch.width())));
        }
        if (input instanceof Zeros zeros) {
            return new NDList(manager.zeros(new Shape(zeros.shape()), DataType.FLOAT32));
        }
        PreparedTensor tensor = (PreparedTensor) input;
        return new NDList(manager.create(tensor.data(), new Shape(tensor.shape())));
    }

    @Override
    public RawOutput processOutput(TranslatorContext ctx, NDList list) {
        List<float[]> data = new ArrayList<>(list.size());
        List<long[]> shapes = new ArrayList<>(list.size());
        for (NDArray array : list) {
            NDArray floats = array.getDataType() == DataType.FLOAT32 ? array : array.toType(DataType.FLOAT32, false);
            shapes.add(array.getShape().getShape());
            data.add(floats.toFloatArray());
        }
        return new RawOutput(data, shapes);
    }
}
