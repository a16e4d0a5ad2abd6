package io.geostream.model.torchscript;

import ai.djl.Device;
import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.translate.NoBatchifyTranslator;
import ai.djl.translate.NoopTranslator;
import ai.djl.translate.TranslatorContext;
import io.geostream.model.ClipGeometry;
import io.geostream.model.ClipInput;
import io.geostream.model.GeometryModel;
import io.geostream.model.ImageResize;
import io.geostream.model.ModelException;
import io.geostream.model.ModelInfo;
import io.geostream.model.diffusion.Denoiser;
import io.geostream.model.diffusion.Sampler;

import java.nio.file.Path;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A {@link GeometryModel} backed by a decomposed package ({@link DecomposedPackage}, {@code docs/model-contract.md}):
 * VAE encoder, denoiser and VAE decoder as three TorchScript modules, the sampling loop in Java on DJL NDArrays.
 *
 * <p>Per batch of clips: encode the normalised RGB clips to latents (x latentScale), run the package's
 * {@link Sampler} on [point-map latents ; normal latents] stacked as 2B rows, so each denoiser call serves both
 * attributes, decode (latents / latentScale) and de-normalise: points = decoded x pointScale + pointOffset,
 * normals = decoded / |decoded|. The initial noise of a clip comes from its identity ({@link ClipNoise}), never
 * from its batch-mates, so results are deterministic and batch-independent.
 *
 * <p>Like {@link TorchScriptGeometryModel}: each module is loaded once per (package, module, device) per JVM
 * through {@link SharedTorchModels} and checked by a dry run at maxBatch on the first load; each instance owns one
 * predictor per module and is NOT thread-safe.
 */
public final class DecomposedGeometryModel implements GeometryModel {

    private static final int ENCODER = 0, DENOISER = 1, DECODER = 2;

    private final DecomposedPackage pkg;
    private final ModelInfo info;
    private final Device device;
    private final DataType dtype;
    private final Sampler sampler;
    private final GeometryTranslator normaliser;
    private final List<ZooModel<NDList, NDList>> modules;
    private final List<Module> calls = new ArrayList<>(3);
    private ClipNoise.Source noise = ClipNoise.SEEDED;
    private boolean closed;

    private DecomposedGeometryModel(DecomposedPackage pkg, Device device, Sampler sampler, List<ZooModel<NDList, NDList>> modules) {
        this.pkg = pkg;
        this.info = pkg.info();
        this.device = device;
        this.dtype = dataType(pkg.precision());
        this.sampler = sampler;
        this.normaliser = new GeometryTranslator(pkg.rgbNormalization());
        this.modules = modules;
        try {
            for (int i = 0; i < 3; i++) calls.add(new Module(DecomposedPackage.MODULES.get(i), modules.get(i)));
        } catch (RuntimeException e) {
            calls.forEach(Module::close);
            throw e;
        }
    }

    /** Opens the package with its own sampler; see {@link #open(Path, String, Sampler)}. */
    public static DecomposedGeometryModel open(Path packageDir, String deviceOrNull) {
        return open(packageDir, deviceOrNull, null);
    }

    /**
     * Opens a decomposed package for one worker thread. The first open of a module on a device loads it and
     * checks it with a dry run on zeros at maxBatch (2 x maxBatch rows for the denoiser and the decoder).
     *
     * @param packageDir      the package directory
     * @param deviceOrNull    "cpu", "gpu:N" or null for the CPU
     * @param samplerOverride a sampler to use instead of the package's (e.g. more steps), or null
     * @throws IllegalArgumentException when the package is invalid, declares bf16, or a module
     *                                  does not match model.json (its dry run failed or gave other shapes)
     * @throws IllegalStateException    when the engine cannot load a module
     */
    public static DecomposedGeometryModel open(Path packageDir, String deviceOrNull, Sampler samplerOverride) {
        Objects.requireNonNull(packageDir, "packageDir");
        DecomposedPackage pkg = DecomposedPackage.read(packageDir);
        Device device = TorchScriptGeometryModel.parseDevice(deviceOrNull);
        if (DecomposedPackage.PRECISION_BF16.equals(pkg.precision())) {
            // Tested: DJL 0.36's PyTorch engine aborts the whole JVM ("terminate called without an active
            // exception") on any conversion to bfloat16, so no clip may ever reach one.
            throw new IllegalArgumentException("field 'precision' in " + pkg.modelJson() + ": bf16 is not supported by this"
                    + " build (DJL 0.36 aborts the JVM on bfloat16 tensors); export the modules in fp16 or fp32");
        }
        Sampler sampler = samplerOverride != null ? samplerOverride : pkg.sampler();
        List<ZooModel<NDList, NDList>> loaded = new ArrayList<>(3);
        try {
            for (int i = 0; i < 3; i++) {
                int which = i;
                String file = DecomposedPackage.MODULES.get(i);
                loaded.add(SharedTorchModels.acquire(pkg.directory(), file, device, () -> loadAndCheck(pkg, which, device)));
            }
            return new DecomposedGeometryModel(pkg, device, sampler, loaded);
        } catch (RuntimeException e) {
            loaded.forEach(SharedTorchModels::release);
            throw e;
        }
    }

    /** The parsed package. */
    public DecomposedPackage modelPackage() { return pkg; }

    /** The sampler this instance runs. */
    public Sampler sampler() { return sampler; }

    public Device device() { return device; }

    @Override public ModelInfo info() { return info; }

    @Override public int maxBatch() { return pkg.maxBatch(); }

    /** Replaces the noise source (parity tests inject the noise PyTorch used). */
    void noiseSource(ClipNoise.Source source) { this.noise = Objects.requireNonNull(source, "source"); }

    /** The shared loaded modules (encoder, denoiser, decoder); for tests of the sharing. */
    List<ZooModel<NDList, NDList>> modulesForTest() { return modules; }

    @Override
    public ClipGeometry predict(ClipInput clip) throws ModelException {
        Objects.requireNonNull(clip, "clip");
        return predictBatch(List.of(clip)).get(0);
    }

    @Override
    public List<ClipGeometry> predictBatch(List<ClipInput> clips) throws ModelException {
        Objects.requireNonNull(clips, "clips");
        ensureOpen();
        ClipGeometry[] results = new ClipGeometry[clips.size()];
        int w = pkg.inputWidth(), h = pkg.inputHeight();
        String expectation = pkg.clipFrames() != 0 ? pkg.clipFrames() + " frames" : "1 + k x " + pkg.temporalCompression() + " frames";
        for (List<Integer> idx : ClipRuns.ofEqualLength(clips, pkg.maxBatch(), pkg::acceptsFrames, expectation, info)) {
            int t = clips.get(idx.get(0)).length();
            int b = idx.size();
            int clipFloats = t * 3 * w * h;
            float[] data = new float[b * clipFloats];
            List<ClipInput> batch = new ArrayList<>(b);
            for (int k = 0; k < b; k++) {
                ClipInput clip = clips.get(idx.get(k));
                batch.add(clip);
                List<byte[]> frames = ClipRuns.framesAtModelSize(clip, w, h);
                normaliser.normaliseInto(frames, w, h, FloatBuffer.wrap(data, k * clipFloats, clipFloats));
            }
            Planar out = run(data, b, t, (attribute, k, count) -> noise.noise(batch.get(k), attribute, count));
            for (int k = 0; k < b; k++) {
                List<ClipGeometry.FrameGeometry> frames = new ArrayList<>(t);
                for (int i = 0; i < t; i++) {
                    float[] points = GeometryTranslator.interleaveFrame(out.points(), k, t, i, 3, h, w);
                    float[] normals = GeometryTranslator.interleaveFrame(out.normals(), k, t, i, 3, h, w);
                    float[] confidence = pkg.hasConfidence() ? NormalAgreement.confidence(points, normals, w, h) : null;
                    frames.add(new ClipGeometry.FrameGeometry(points, normals, confidence));
                }
                results[idx.get(k)] = new ClipGeometry(w, h, frames);
            }
        }
        return Arrays.asList(results);
    }

    /** Planar [B,T,3,H,W] point maps and unit normals of a batch. */
    record Planar(float[] points, float[] normals) {}

    /** Noise of attribute {@code attribute} for clip {@code k} of the batch. */
    @FunctionalInterface
    interface BatchNoise {
        float[] noise(int attribute, int k, int count);
    }

    /**
     * The pipeline on already normalised clips ({@code data}: [B,T,3,H,W] row-major, B at most maxBatch); for
     * parity tests against PyTorch as well as {@link #predictBatch}.
     */
    Planar run(float[] data, int b, int t, BatchNoise batchNoise) throws ModelException {
        ensureOpen();
        int h = pkg.inputHeight(), w = pkg.inputWidth();
        int lt = pkg.latentFrames(t), c = pkg.latentChannels();
        int lh = h / pkg.spatialCompression(), lw = w / pkg.spatialCompression();
        Shape latentShape = new Shape(2L * b, lt, c, lh, lw);
        float[] decoded;
        try (NDManager m = modules.get(ENCODER).getNDManager().newSubManager()) {
            NDArray clip = m.create(data, new Shape(b, t, 3, h, w));
            NDArray latents = calls.get(ENCODER).call(m, new Shape(b, lt, c, lh, lw), clip);
            NDArray rgb = latents.mul(pkg.latentScale());
            NDArray rgb2 = NDArrays.concat(new NDList(rgb, rgb), 0);
            if (dtype != DataType.FLOAT32) rgb2 = rgb2.toType(dtype, false); // once, not per step
            long[] attributes = new long[2 * b];
            Arrays.fill(attributes, b, 2 * b, 1L);
            NDArray attribute = m.create(attributes);
            NDArray initial;
            if (sampler.usesNoise()) {
                int count = lt * c * lh * lw;
                float[] all = new float[2 * b * count];
                for (int a = 0; a < 2; a++) {
                    for (int k = 0; k < b; k++) {
                        float[] n = batchNoise.noise(a, k, count);
                        if (n.length != count) throw new IllegalStateException("noise source gave " + n.length + " floats, expected " + count);
                        System.arraycopy(n, 0, all, (a * b + k) * count, count);
                    }
                }
                initial = m.create(all, latentShape);
            } else {
                initial = m.zeros(latentShape, DataType.FLOAT32);
            }
            NDArray condition = rgb2;
            // Output and timestep on x's manager: the sampler's per-step scope, freed after the step.
            Denoiser denoiser = (x, time) -> calls.get(DENOISER).call(x.getManager(), latentShape, condition, x,
                    x.getManager().full(new Shape(2L * b), sampler.schedule().modelTimestep(time)), attribute);
            NDArray clean;
            try {
                clean = sampler.sample(denoiser, initial);
            } catch (ModelException e) {
                throw e;
            } catch (Exception e) {
                throw new ModelException(ModelException.Reason.MODEL_ERROR, "model " + info + " sampler " + sampler.kind()
                        + " failed on " + device + ": " + TorchScriptGeometryModel.rootMessage(e), e);
            }
            NDArray image = calls.get(DECODER).call(m, new Shape(2L * b, t, 3, h, w), clean.div(pkg.latentScale()));
            decoded = image.toFloatArray();
        }
        for (int k = 0; k < decoded.length; k++) {
            if (!Float.isFinite(decoded[k])) {
                throw new ModelException(ModelException.Reason.MODEL_OUTPUT_NON_FINITE, DecomposedPackage.VAE_DECODER
                        + " output holds " + decoded[k] + " at flat index " + k + " (model " + info + ")");
            }
        }
        return denormalise(decoded, h * w, pkg.pointScale(), pkg.pointOffset());
    }

    /**
     * Decoded [2B,T,3,H,W] (rows 0..B-1 point maps, B..2B-1 normals) to planar points
     * ({@code decoded x scale + offset[c]}) and unit normals ({@code decoded / |decoded|}; (0, 0, -1), facing
     * the camera, where |decoded| <= 1e-6).
     */
    static Planar denormalise(float[] decoded, int hw, float scale, float[] offset) {
        int half = decoded.length / 2;
        float[] points = new float[half];
        float[] normals = new float[half];
        for (int base = 0; base < half; base += 3 * hw) {
            for (int p = 0; p < hw; p++) {
                for (int ch = 0; ch < 3; ch++) {
                    points[base + ch * hw + p] = decoded[base + ch * hw + p] * scale + offset[ch];
                }
                float x = decoded[half + base + p], y = decoded[half + base + hw + p], z = decoded[half + base + 2 * hw + p];
                float len = (float) Math.sqrt(x * x + y * y + z * z);
                if (len > 1e-6f) {
                    normals[base + p] = x / len;
                    normals[base + hw + p] = y / len;
                    normals[base + 2 * hw + p] = z / len;
                } else {
                    normals[base + 2 * hw + p] = -1f;
                }
            }
        }
        return new Planar(points, normals);
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        try {
            calls.forEach(Module::close);
        } finally {
            modules.forEach(SharedTorchModels::release);
        }
    }

    private void ensureOpen() {
        if (closed) throw new IllegalStateException("model " + info + " is closed");
    }

    // ---- modules --------------------------------------------------------------------------------------

    static DataType dataType(String precision) {
        return switch (precision) {
            case DecomposedPackage.PRECISION_FP16 -> DataType.FLOAT16;
            case DecomposedPackage.PRECISION_BF16 -> DataType.BFLOAT16;
            default -> DataType.FLOAT32;
        };
    }

    /**
     * Passes NDLists through and hands the outputs to the caller's manager, so they outlive the predictor's
     * per-call context (the sampling loop feeds them into the next call).
     */
    private static final class Passthrough implements NoBatchifyTranslator<NDList, NDList> {
        NDManager owner;

        @Override public NDList processInput(TranslatorContext ctx, NDList input) { return input; }

        @Override public NDList processOutput(TranslatorContext ctx, NDList list) {
            list.attach(owner);
            return list;
        }
    }

    /** One module's predictor with its output checks: float inputs cast to the package precision, output to fp32. */
    private final class Module implements AutoCloseable {
        final String file;
        final Passthrough translator = new Passthrough();
        final Predictor<NDList, NDList> predictor;

        Module(String file, ZooModel<NDList, NDList> model) {
            this.file = file;
            this.predictor = model.newPredictor(translator);
        }

        NDArray call(NDManager owner, Shape expected, NDArray... args) throws ModelException {
            NDList in = new NDList(args.length);
            for (NDArray a : args) in.add(a.getDataType().isFloating() && a.getDataType() != dtype ? a.toType(dtype, false) : a);
            NDList out;
            translator.owner = owner;
            try {
                out = predictor.predict(in);
            } catch (Exception e) {
                throw new ModelException(ModelException.Reason.MODEL_ERROR, "model " + info + " module " + file
                        + " failed on " + device + ": " + TorchScriptGeometryModel.rootMessage(e), e);
            }
            return checkedOutput(file, out, expected);
        }

        @Override public void close() { predictor.close(); }
    }

    private static NDArray checkedOutput(String file, NDList out, Shape expected) throws ModelException {
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

    // ---- loading --------------------------------------------------------------------------------------

    private static ZooModel<NDList, NDList> loadAndCheck(DecomposedPackage pkg, int which, Device device) {
        String file = DecomposedPackage.MODULES.get(which);
        ZooModel<NDList, NDList> model;
        try {
            model = Criteria.builder()
                    .setTypes(NDList.class, NDList.class)
                    .optModelPath(pkg.directory())
                    .optModelName(file.substring(0, file.length() - ".pt".length()))
                    .optEngine("PyTorch")
                    .optDevice(device)
                    .optTranslator(new NoopTranslator())
                    .build()
                    .loadModel();
        } catch (Exception e) {
            throw new IllegalStateException("cannot load " + pkg.module(file) + " on " + device + ": "
                    + TorchScriptGeometryModel.rootMessage(e), e);
        }
        try {
            dryRun(pkg, which, model);
            return model;
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
    }

    /** Proves a module honours model.json at the largest batch it must take, before any clip depends on it. */
    private static void dryRun(DecomposedPackage pkg, int which, ZooModel<NDList, NDList> model) {
        int b = pkg.maxBatch(), t = pkg.probeClipFrames(), h = pkg.inputHeight(), w = pkg.inputWidth();
        int lt = pkg.latentFrames(t), c = pkg.latentChannels();
        int lh = h / pkg.spatialCompression(), lw = w / pkg.spatialCompression();
        DataType dtype = dataType(pkg.precision());
        String file = DecomposedPackage.MODULES.get(which);
        Passthrough translator = new Passthrough();
        try (NDManager m = model.getNDManager().newSubManager();
             Predictor<NDList, NDList> probe = model.newPredictor(translator)) {
            translator.owner = m;
            NDList in;
            Shape expected;
            Shape latents = new Shape(2L * b, lt, c, lh, lw);
            switch (which) {
                case ENCODER -> {
                    in = new NDList(m.zeros(new Shape(b, t, 3, h, w), dtype));
                    expected = new Shape(b, lt, c, lh, lw);
                }
                case DENOISER -> {
                    long[] attributes = new long[2 * b];
                    Arrays.fill(attributes, b, 2 * b, 1L);
                    in = new NDList(m.zeros(latents, dtype), m.zeros(latents, dtype),
                            m.full(new Shape(2L * b), pkg.noiseSchedule().modelTimestep(pkg.noiseSchedule().terminalTime())).toType(dtype, false),
                            m.create(attributes));
                    expected = latents;
                }
                default -> {
                    in = new NDList(m.zeros(latents, dtype));
                    expected = new Shape(2L * b, t, 3, h, w);
                }
            }
            String what = "model package " + pkg.directory() + " does not match its " + ModelPackage.MODEL_JSON + ": a dry run of "
                    + file + " on zeros " + in.getShapes()[0] + " (maxBatch=" + b + ", T=" + t + ", " + w + "x" + h + ", latents "
                    + latents + " for both attributes)";
            NDList out;
            try {
                out = probe.predict(in);
            } catch (Exception e) {
                throw new IllegalArgumentException(what + " failed: " + TorchScriptGeometryModel.rootMessage(e), e);
            }
            try {
                checkedOutput(file, out, expected);
            } catch (ModelException e) {
                throw new IllegalArgumentException(what + " gave a bad output: " + e.getMessage(), e);
            }
        }
    }
}
