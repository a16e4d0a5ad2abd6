package io.geostream.model.torchscript;

import io.geostream.model.ClipGeometry;
import io.geostream.model.ClipInput;
import io.geostream.model.ClipRequirements;
import io.geostream.model.GeometryModel;
import io.geostream.model.ModelException;
import io.geostream.model.ModelInfo;
import io.geostream.model.diffusion.Denoiser;
import io.geostream.model.diffusion.Sampler;
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

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
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
    private final List<ZooModel<NDList, NDList>> modules;
    private final List<Call<?, ?>> calls = new ArrayList<>(3);
    private final Call<DecomposedTranslators.Clips, NDList> encoder;
    private final Call<NDList, NDList> denoiser;
    private final Call<NDList, DecomposedTranslators.Decoded> decoder;
    private ClipNoise.Source noise = ClipNoise.SEEDED;
    private boolean closed;

    private DecomposedGeometryModel(DecomposedPackage pkg, Device device, Sampler sampler, List<ZooModel<NDList, NDList>> modules) {
        this.pkg = pkg;
        this.info = pkg.info();
        this.device = device;
        this.dtype = dataType(pkg.precision());
        this.sampler = sampler;
        this.modules = modules;
        String encoderFile = DecomposedPackage.MODULES.get(ENCODER);
        String denoiserFile = DecomposedPackage.MODULES.get(DENOISER);
        String decoderFile = DecomposedPackage.MODULES.get(DECODER);
        try {
            var encoding = new DecomposedTranslators.Encoder(encoderFile, dtype, pkg.rgbNormalization(), pkg.inputWidth(), pkg.inputHeight());
            encoder = add(new Call<>(encoderFile, modules.get(ENCODER), encoding, encoding.inner));
            var denoising = new DecomposedTranslators.Passthrough(denoiserFile, dtype);
            denoiser = add(new Call<>(denoiserFile, modules.get(DENOISER), denoising, denoising));
            var decoding = new DecomposedTranslators.Decoder(decoderFile, dtype, pkg.pointScale(), pkg.pointOffset(), info.toString());
            decoder = add(new Call<>(decoderFile, modules.get(DECODER), decoding, decoding.checks()));
        } catch (RuntimeException e) {
            calls.forEach(Call::close);
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

    /** The loaded modules, encoder, denoiser and decoder, shared with other instances (benchmarks time their raw forward). */
    public List<ZooModel<NDList, NDList>> loadedModules() { return java.util.Collections.unmodifiableList(modules); }

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
        ClipRequirements takes = pkg.clipRequirements();
        for (List<Integer> idx : ClipRuns.ofEqualLength(clips, pkg.maxBatch(), takes::accepts, takes.describe(), info)) {
            List<ClipInput> batch = new ArrayList<>(idx.size());
            for (int k : idx) batch.add(clips.get(k));
            DecomposedTranslators.Decoded out = run(new DecomposedTranslators.RgbClips(batch),
                    (attribute, k, count) -> noise.noise(batch.get(k), attribute, count));
            List<ClipGeometry> geometry = out.clips(pkg.hasConfidence());
            for (int k = 0; k < idx.size(); k++) results[idx.get(k)] = geometry.get(k);
        }
        return Arrays.asList(results);
    }

    /** Planar [B,T,3,H,W] point maps and unit normals of a batch. */
    record Planar(float[] points, float[] normals) {}

    /**
     * The pipeline on already normalised clips ({@code data}: [B,T,3,H,W] row-major, B at most maxBatch); for
     * parity tests against PyTorch.
     */
    Planar run(float[] data, int b, int t, BatchNoise batchNoise) throws ModelException {
        float[][] planar = run(new DecomposedTranslators.NormalisedClips(data, b, t), batchNoise).planar();
        return new Planar(planar[0], planar[1]);
    }

    /** Noise of attribute {@code attribute} for clip {@code k} of the batch. */
    @FunctionalInterface
    interface BatchNoise {
        float[] noise(int attribute, int k, int count);
    }

    /** Encoder (the translator resizes and normalises), sampler loop, decoder (the translator de-normalises). */
    private DecomposedTranslators.Decoded run(DecomposedTranslators.Clips clips, BatchNoise batchNoise) throws ModelException {
        ensureOpen();
        int b = clips.batch(), t = clips.frames();
        int h = pkg.inputHeight(), w = pkg.inputWidth();
        int lt = pkg.latentFrames(t), c = pkg.latentChannels();
        int lh = h / pkg.spatialCompression(), lw = w / pkg.spatialCompression();
        Shape latentShape = new Shape(2L * b, lt, c, lh, lw);
        try (NDManager m = modules.get(ENCODER).getNDManager().newSubManager()) {
            NDArray latents = encoder.call(m, new Shape(b, lt, c, lh, lw), clips).head();
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
            Denoiser step = (x, time) -> denoiser.call(x.getManager(), latentShape, new NDList(condition, x,
                    x.getManager().full(new Shape(2L * b), sampler.schedule().modelTimestep(time)), attribute)).head();
            NDArray clean;
            try {
                clean = sampler.sample(step, initial);
            } catch (ModelException e) {
                throw e;
            } catch (Exception e) {
                throw new ModelException(ModelException.Reason.MODEL_ERROR, "model " + info + " sampler " + sampler.kind()
                        + " failed on " + device + ": " + TorchScriptGeometryModel.rootMessage(e), e);
            }
            return decoder.call(m, new Shape(2L * b, t, 3, h, w), new NDList(clean.div(pkg.latentScale())));
        }
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        try {
            calls.forEach(Call::close);
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

    private <I, O> Call<I, O> add(Call<I, O> call) {
        calls.add(call);
        return call;
    }

    /**
     * One module's predictor with its translator: outputs checked against the shape the call expects and handed to
     * the caller's manager; a failure, a typed {@link ModelException} (a translator's shape or value check) or
     * MODEL_ERROR.
     */
    private final class Call<I, O> implements AutoCloseable {
        final String file;
        final DecomposedTranslators.Passthrough checks;
        final Predictor<I, O> predictor;

        Call(String file, ZooModel<NDList, NDList> model, NoBatchifyTranslator<I, O> translator, DecomposedTranslators.Passthrough checks) {
            this.file = file;
            this.checks = checks;
            this.predictor = model.newPredictor(translator);
        }

        O call(NDManager owner, Shape expected, I in) throws ModelException {
            checks.owner = owner;
            checks.expected = expected;
            try {
                return predictor.predict(in);
            } catch (Exception e) {
                for (Throwable c = e; c != null; c = c.getCause()) {
                    if (c instanceof ModelException typed) throw typed;
                }
                throw new ModelException(ModelException.Reason.MODEL_ERROR, "model " + info + " module " + file
                        + " failed on " + device + ": " + TorchScriptGeometryModel.rootMessage(e), e);
            }
        }

        @Override public void close() { predictor.close(); }
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
        var translator = new DecomposedTranslators.Passthrough(file, dtype);
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
                DecomposedTranslators.checkedOutput(file, out, expected);
            } catch (ModelException e) {
                throw new IllegalArgumentException(what + " gave a bad output: " + e.getMessage(), e);
            }
        }
    }
}
