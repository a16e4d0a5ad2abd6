package io.geostream.model.torchscript;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.translate.NoBatchifyTranslator;
import ai.djl.translate.TranslatorContext;
import io.geostream.model.ClipGeometry;
import io.geostream.model.ClipInput;
import io.geostream.model.ModelException;

import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The decomposed form's pre- and post-processing, as the DJL translators of its modules (the end-to-end form's is
 * {@link GeometryTranslator}): the encoder's resizes a batch of RGB clips to the model size and normalises them into the
 * [B,T,3,H,W] input; the denoiser's passes latents through; the decoder's checks and de-normalises the
 * [2B,T,3,H,W] output (points x pointScale + pointOffset, unit normals) and interleaves it per clip and frame. The
 * sampling loop between the modules stays in {@link DecomposedGeometryModel}. One instance per predictor, not
 * thread-safe; a translator's {@code owner} is the caller's manager, set before each call, which outputs that must
 * outlive the call are attached to.
 */
final class DecomposedTranslators {
    private DecomposedTranslators() {}

    /** Floating inputs cast to the package precision (fp32 arrays stay as they are). */
    static NDArray toPrecision(NDArray a, DataType dtype) {
        return a.getDataType().isFloating() && a.getDataType() != dtype ? a.toType(dtype, false) : a;
    }

    /** One output of the expected shape, as fp32, else a typed failure. */
    static NDArray checkedOutput(String file, NDList out, Shape expected) throws ModelException {
        if (out.size() != 1) {
            throw new ModelException(ModelException.Reason.MODEL_OUTPUT_SHAPE, file + " returned " + out.size() + " outputs, expected 1");
        }
        NDArray a = out.head();
        if (!a.getShape().equals(expected)) {
            throw new ModelException(ModelException.Reason.MODEL_OUTPUT_SHAPE, file + " output has shape " + a.getShape()
                    + ", expected " + expected);
        }
        return a.getDataType() == DataType.FLOAT32 ? a : a.toType(DataType.FLOAT32, false);
    }

    /** Passes NDLists through (cast to the package precision), checks the output and hands it to the owner. */
    static class Passthrough implements NoBatchifyTranslator<NDList, NDList> {
        final String file;
        final DataType dtype;
        NDManager owner;
        Shape expected;

        Passthrough(String file, DataType dtype) {
            this.file = file;
            this.dtype = dtype;
        }

        @Override
        public NDList processInput(TranslatorContext ctx, NDList input) {
            NDList in = new NDList(input.size());
            for (NDArray a : input) in.add(toPrecision(a, dtype));
            return in;
        }

        /** Without an expected shape (the open-time dry run checks for itself) the outputs go out as they are. */
        @Override
        public NDList processOutput(TranslatorContext ctx, NDList list) throws ModelException {
            if (expected == null) {
                list.attach(owner);
                return list;
            }
            NDArray out = checkedOutput(file, list, expected);
            out.attach(owner);
            return new NDList(out);
        }
    }

    /** What the encoder gets: RGB clips of one length, or a batch normalised elsewhere (parity tests). */
    sealed interface Clips permits RgbClips, NormalisedClips {
        int batch();

        int frames();
    }

    /** B clips of T frames, any size: resized to the model size (bilinear) and normalised here. */
    record RgbClips(List<ClipInput> clips) implements Clips {
        RgbClips {
            clips = List.copyOf(clips);
            if (clips.isEmpty()) throw new IllegalArgumentException("empty batch");
        }

        @Override public int batch() { return clips.size(); }

        @Override public int frames() { return clips.get(0).length(); }
    }

    /** Already normalised [B,T,3,H,W] floats, row-major. */
    record NormalisedClips(float[] data, int batch, int frames) implements Clips {
        NormalisedClips {
            Objects.requireNonNull(data, "data");
        }
    }

    /** The VAE encoder's: clips in (resized, normalised), latents out. */
    static final class Encoder extends NoBatchifyAdapter<Clips> {
        private final GeometryTranslator normaliser;
        private final int width;
        private final int height;

        Encoder(String file, DataType dtype, ModelPackage.RgbNormalization normalization, int width, int height) {
            super(new Passthrough(file, dtype));
            this.normaliser = new GeometryTranslator(normalization);
            this.width = width;
            this.height = height;
        }

        @Override
        public NDList processInput(TranslatorContext ctx, Clips clips) {
            float[] data;
            if (clips instanceof NormalisedClips n) {
                data = n.data();
            } else {
                RgbClips rgb = (RgbClips) clips;
                int clipFloats = rgb.frames() * 3 * width * height;
                data = new float[rgb.batch() * clipFloats];
                for (int k = 0; k < rgb.batch(); k++) {
                    List<byte[]> frames = ClipRuns.framesAtModelSize(rgb.clips().get(k), width, height);
                    normaliser.normaliseInto(frames, width, height, FloatBuffer.wrap(data, k * clipFloats, clipFloats));
                }
            }
            NDArray clip = ctx.getNDManager().create(data, new Shape(clips.batch(), clips.frames(), 3, height, width));
            return inner.processInput(ctx, new NDList(clip));
        }
    }

    /**
     * The decoder's output as it came, [2B,T,3,H,W] (rows 0..B-1 point maps, B..2B-1 normals, before
     * de-normalisation), and what turns it into geometry: per clip and frame, interleaved ({@link ClipGeometry}: row-major
     * pixels, channels together), or planar for parity tests.
     */
    record Decoded(float[] raw, float pointScale, float[] pointOffset, int batch, int frames, int width, int height) {

        /**
         * The clips' geometry, with the normal-agreement confidence stand-in when {@code confidence}: each frame's
         * points ({@code raw x scale + offset[c]}) and unit normals ({@code raw / |raw|}; (0, 0, -1), facing the camera,
         * where |raw| <= 1e-6) in one pass from the raw output into the interleaved layout, with no planar copy in between (a geo-nano clip, 9 frames at 64x48, once
         * the JIT has compiled both: 0.12 ms instead of 0.26 for de-normalising, then interleaving).
         */
        List<ClipGeometry> clips(boolean confidence) {
            int hw = width * height;
            int half = raw.length / 2;
            float ox = pointOffset[0], oy = pointOffset[1], oz = pointOffset[2];
            List<ClipGeometry> out = new ArrayList<>(batch);
            for (int k = 0; k < batch; k++) {
                List<ClipGeometry.FrameGeometry> frameList = new ArrayList<>(frames);
                for (int i = 0; i < frames; i++) {
                    int base = (k * frames + i) * 3 * hw;
                    float[] p = new float[3 * hw];
                    float[] n = new float[3 * hw];
                    for (int q = 0, o = 0; q < hw; q++, o += 3) {
                        p[o] = raw[base + q] * pointScale + ox;
                        p[o + 1] = raw[base + hw + q] * pointScale + oy;
                        p[o + 2] = raw[base + 2 * hw + q] * pointScale + oz;
                        float x = raw[half + base + q], y = raw[half + base + hw + q], z = raw[half + base + 2 * hw + q];
                        float len = (float) Math.sqrt(x * x + y * y + z * z);
                        if (len > 1e-6f) {
                            n[o] = x / len;
                            n[o + 1] = y / len;
                            n[o + 2] = z / len;
                        } else {
                            n[o + 2] = -1f;
                        }
                    }
                    frameList.add(new ClipGeometry.FrameGeometry(p, n, confidence ? NormalAgreement.confidence(p, n, width, height) : null));
                }
                out.add(new ClipGeometry(width, height, frameList));
            }
            return out;
        }

        /** Planar [B,T,3,H,W] point maps and unit normals, {@link #clips}' values (parity tests against PyTorch's outputs). */
        float[][] planar() {
            int hw = width * height;
            float[] points = new float[raw.length / 2], normals = new float[raw.length / 2];
            List<ClipGeometry> clips = clips(false);
            for (int k = 0; k < batch; k++) {
                for (int i = 0; i < frames; i++) {
                    ClipGeometry.FrameGeometry f = clips.get(k).frames().get(i);
                    int base = (k * frames + i) * 3 * hw;
                    for (int q = 0; q < hw; q++) {
                        for (int c = 0; c < 3; c++) {
                            points[base + c * hw + q] = f.pointMap()[3 * q + c];
                            normals[base + c * hw + q] = f.normals()[3 * q + c];
                        }
                    }
                }
            }
            return new float[][] {points, normals};
        }
    }

    /** The VAE decoder's: latents in, de-normalised geometry out (finite values only). */
    static final class Decoder implements NoBatchifyTranslator<NDList, Decoded> {
        private final Passthrough inner;
        private final float pointScale;
        private final float[] pointOffset;
        private final String model;

        Decoder(String file, DataType dtype, float pointScale, float[] pointOffset, String model) {
            this.inner = new Passthrough(file, dtype);
            this.pointScale = pointScale;
            this.pointOffset = pointOffset.clone();
            this.model = model;
        }

        /** Where the caller sets the shape the decoder must return, [2B,T,3,H,W]. */
        Passthrough checks() {
            return inner;
        }

        @Override
        public NDList processInput(TranslatorContext ctx, NDList input) {
            return inner.processInput(ctx, input);
        }

        @Override
        public Decoded processOutput(TranslatorContext ctx, NDList list) throws ModelException {
            NDArray image = checkedOutput(inner.file, list, inner.expected);
            float[] decoded = image.toFloatArray();
            for (int k = 0; k < decoded.length; k++) {
                if (!Float.isFinite(decoded[k])) {
                    throw new ModelException(ModelException.Reason.MODEL_OUTPUT_NON_FINITE, inner.file
                            + " output holds " + decoded[k] + " at flat index " + k + " (model " + model + ")");
                }
            }
            long[] s = inner.expected.getShape();
            return new Decoded(decoded, pointScale, pointOffset, (int) (s[0] / 2), (int) s[1], (int) s[4], (int) s[3]);
        }
    }

    /** A translator of typed input onto the NDList a {@link Passthrough} checks and hands on. */
    abstract static class NoBatchifyAdapter<I> implements NoBatchifyTranslator<I, NDList> {
        final Passthrough inner;

        NoBatchifyAdapter(Passthrough inner) {
            this.inner = inner;
        }

        @Override
        public NDList processOutput(TranslatorContext ctx, NDList list) throws ModelException {
            return inner.processOutput(ctx, list);
        }
    }
}
