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

    /** B clips of T frames, any size: resized to the model size ({@code ImageResize.resizeRgb}) and normalised here. */
    record RgbClips(List<ClipInput> clips) implements Clips {
        RgbClips {
            clips = List.copyOf(clips);
            if (clips.isEmpty()) throw new IllegalArgumentException("empty batch");
            for (ClipInput c : clips) {
                // The encoder writes the clips one after another into one tensor of B x T frames.
                if (c.length() != clips.get(0).length()) throw new IllegalArgumentException("clips of one batch differ in length");
            }
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
        private final InputStaging staging = new InputStaging();
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
            Shape shape = new Shape(clips.batch(), clips.frames(), 3, height, width);
            NDArray clip;
            if (clips instanceof NormalisedClips n) {
                clip = ctx.getNDManager().create(n.data(), shape);
            } else {
                RgbClips rgb = (RgbClips) clips;
                FloatBuffer floats = staging.floats(shape.size(), "a batch of " + rgb.batch() + " clips");
                for (ClipInput c : rgb.clips()) {
                    normaliser.normaliseInto(ClipRuns.framesAtModelSize(c, width, height), width, height, floats);
                }
                clip = ctx.getNDManager().create(staging.bytes(), shape, DataType.FLOAT32);
            }
            return inner.processInput(ctx, new NDList(clip));
        }
    }

    /**
     * The decoder's geometry, de-normalised: per row of [2B,T] (rows 0..B-1 point maps, B..2B-1 normals) and frame, one
     * interleaved frame ({@link ClipGeometry}: row-major pixels, channels together).
     */
    record Decoded(float[][] frames, int batch, int frameCount, int width, int height) {

        /**
         * The clips' geometry, with the normal-agreement confidence stand-in when {@code confidence}. The frames are this
         * record's own arrays, not copies: one call per prediction, as the model makes it.
         */
        List<ClipGeometry> clips(boolean confidence) {
            List<ClipGeometry> out = new ArrayList<>(batch);
            for (int k = 0; k < batch; k++) {
                List<ClipGeometry.FrameGeometry> frameList = new ArrayList<>(frameCount);
                for (int i = 0; i < frameCount; i++) {
                    float[] p = frames[k * frameCount + i], n = frames[(batch + k) * frameCount + i];
                    frameList.add(new ClipGeometry.FrameGeometry(p, n, confidence ? NormalAgreement.confidence(p, n, width, height) : null));
                }
                out.add(new ClipGeometry(width, height, frameList));
            }
            return out;
        }

        /** Planar [B,T,3,H,W] point maps and unit normals (parity tests against PyTorch's planar outputs). */
        float[][] planar() {
            int hw = width * height, rows = batch * frameCount;
            float[] points = new float[rows * 3 * hw], normals = new float[rows * 3 * hw];
            for (int f = 0; f < rows; f++) {
                for (int q = 0; q < hw; q++) {
                    for (int c = 0; c < 3; c++) {
                        points[(3 * f + c) * hw + q] = frames[f][3 * q + c];
                        normals[(3 * f + c) * hw + q] = frames[rows + f][3 * q + c];
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

        /**
         * Transposed to channels-last inside libtorch, one copy per frame out of its memory
         * ({@link GeometryTranslator#framesChannelsLast}), then each frame
         * de-normalised in place: points {@code x scale + offset[c]}, normals {@code x / |x|} ((0, 0, -1), facing the
         * camera, where |x| <= 1e-6); a non-finite value is a typed failure. No planar copy in Java and no pass to
         * interleave (geo-nano, 9 frames at 64x48: docs/benchmarks.md, engine_over_forward).
         */
        @Override
        public Decoded processOutput(TranslatorContext ctx, NDList list) throws ModelException {
            NDArray image = checkedOutput(inner.file, list, inner.expected);
            long[] s = inner.expected.getShape();
            float[][] frames = GeometryTranslator.framesChannelsLast(image);
            for (int f = 0; f < frames.length; f++) {
                if (f < frames.length / 2) denormalisePoints(frames[f], f); else normaliseNormals(frames[f], f);
            }
            return new Decoded(frames, (int) (s[0] / 2), (int) s[1], (int) s[4], (int) s[3]);
        }

        private void denormalisePoints(float[] frame, int f) throws ModelException {
            for (int i = 0; i < frame.length; i += 3) {
                for (int c = 0; c < 3; c++) {
                    float v = frame[i + c];
                    if (!Float.isFinite(v)) throw nonFinite(v, f, i / 3, c);
                    frame[i + c] = v * pointScale + pointOffset[c];
                }
            }
        }

        private void normaliseNormals(float[] frame, int f) throws ModelException {
            for (int i = 0; i < frame.length; i += 3) {
                float x = frame[i], y = frame[i + 1], z = frame[i + 2];
                if (!Float.isFinite(x + y + z)) {
                    for (int c = 0; c < 3; c++) if (!Float.isFinite(frame[i + c])) throw nonFinite(frame[i + c], f, i / 3, c);
                }
                float len = (float) Math.sqrt(x * x + y * y + z * z);
                if (len > 1e-6f) {
                    frame[i] = x / len;
                    frame[i + 1] = y / len;
                    frame[i + 2] = z / len;
                } else {
                    frame[i] = 0f;
                    frame[i + 1] = 0f;
                    frame[i + 2] = -1f;
                }
            }
        }

        private ModelException nonFinite(float value, int row, int pixel, int channel) {
            return new ModelException(ModelException.Reason.MODEL_OUTPUT_NON_FINITE, inner.file + " output holds " + value
                    + " at frame " + row + " of its 2B x T, pixel " + pixel + ", channel " + channel + " (model " + model + ")");
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
