package io.geostream.model.torchscript;

import io.geostream.model.ClipGeometry;
import io.geostream.model.ClipInput;
import io.geostream.model.ClipRequirements;
import io.geostream.model.GeometryModel;
import io.geostream.model.ImageResize;
import io.geostream.model.ModelException;
import io.geostream.model.ModelInfo;
import ai.djl.Device;
import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDList;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.translate.NoopTranslator;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A {@link GeometryModel} backed by an end-to-end TorchScript module run by DJL's PyTorch engine
 * (package format v1, {@code docs/model-contract.md}).
 *
 * <p>One instance per worker thread: the loaded module is shared per JVM through {@link SharedTorchModels}
 * (one load per package and device), while each instance owns its own DJL {@link Predictor}, which is not
 * thread-safe. Instances are therefore NOT thread-safe either.
 *
 * <p>Frames of another size are resized to the model size ({@code resize: "stretch"}), so the returned
 * {@link ClipGeometry} is always {@code inputWidth x inputHeight}.
 */
public final class TorchScriptGeometryModel implements GeometryModel {

    private static final Pattern GPU = Pattern.compile("gpu:?(\\d{1,3})");
    private static final String[] OUTPUT_NAMES = {"point map", "normals", "confidence"};

    private final ModelPackage pkg;
    private final ModelInfo info;
    private final Device device;
    private final ZooModel<NDList, NDList> model;
    private final GeometryTranslator translator;
    private final Predictor<GeometryTranslator.Input, GeometryTranslator.RawOutput> predictor;
    private boolean closed;

    private TorchScriptGeometryModel(ModelPackage pkg, Device device, ZooModel<NDList, NDList> model,
                                     GeometryTranslator translator) {
        this.pkg = pkg;
        this.info = pkg.info();
        this.device = device;
        this.model = model;
        this.translator = translator;
        this.predictor = model.newPredictor(translator);
    }

    /**
     * Opens a model package for one worker thread. The first open of a package on a device loads the module
     * and checks it with a dry run on zeros of {@code [maxBatch, T, 3, H, W]} (T = clipFrames, or 2 when any
     * T works); later opens share that load.
     *
     * @param packageDir   the package directory (model.json + geometry.pt)
     * @param deviceOrNull "cpu", "gpu:N" (or "gpuN"), or null for the CPU
     * @throws IllegalArgumentException when the package is invalid, or its module does not match its
     *                                  model.json (the dry run failed or produced other shapes)
     * @throws IllegalStateException    when the engine cannot load the module
     */
    public static TorchScriptGeometryModel open(Path packageDir, String deviceOrNull) {
        Objects.requireNonNull(packageDir, "packageDir");
        ModelPackage pkg = ModelPackage.read(packageDir);
        Device device = parseDevice(deviceOrNull);
        ZooModel<NDList, NDList> model = SharedTorchModels.acquire(pkg.directory(), device,
                () -> loadAndCheck(pkg, device));
        try {
            return new TorchScriptGeometryModel(pkg, device, model, new GeometryTranslator(pkg.rgbNormalization()));
        } catch (RuntimeException e) {
            SharedTorchModels.release(model);
            throw e;
        }
    }

    /** The parsed package this model runs. */
    public ModelPackage modelPackage() { return pkg; }

    /** The device the module runs on. */
    public Device device() { return device; }

    @Override
    public ModelInfo info() { return info; }

    @Override
    public int maxBatch() { return pkg.maxBatch(); }

    @Override
    public ClipGeometry predict(ClipInput clip) throws ModelException {
        Objects.requireNonNull(clip, "clip");
        return predictBatch(List.of(clip)).get(0);
    }

    /**
     * One forward pass per run of up to {@code maxBatch} clips of equal length, stacked into [B,T,3,H,W]
     * after resizing to the model size; clips of another length go into their own forward pass.
     */
    @Override
    public List<ClipGeometry> predictBatch(List<ClipInput> clips) throws ModelException {
        Objects.requireNonNull(clips, "clips");
        ensureOpen();
        ClipGeometry[] results = new ClipGeometry[clips.size()];
        int w = pkg.inputWidth(), h = pkg.inputHeight();
        ClipRequirements takes = pkg.clipRequirements();
        for (List<Integer> idx : ClipRuns.ofEqualLength(clips, pkg.maxBatch(), takes::accepts, takes.describe(), info)) {
            int t = clips.get(idx.get(0)).length();
            List<List<byte[]>> batch = new ArrayList<>(idx.size());
            for (int i : idx) batch.add(ClipRuns.framesAtModelSize(clips.get(i), w, h));
            GeometryTranslator.RawOutput raw = run(new GeometryTranslator.RgbBatch(batch, w, h));
            checkOutputs(raw, idx.size(), t, h, w, pkg.hasConfidence());
            for (int b = 0; b < idx.size(); b++) {
                List<ClipGeometry.FrameGeometry> out = new ArrayList<>(t);
                for (int i = 0; i < t; i++) {
                    int frame = b * t + i;
                    float[] confidence = pkg.hasConfidence() ? raw.chunks().get(2)[frame] : null;
                    out.add(new ClipGeometry.FrameGeometry(raw.chunks().get(0)[frame], raw.chunks().get(1)[frame], confidence));
                }
                results[idx.get(b)] = new ClipGeometry(w, h, out);
            }
        }
        return Arrays.asList(results);
    }

    /**
     * Runs the module on an already normalised tensor (normally [B,T,3,H,W]) and returns its raw outputs,
     * unchecked; for parity tests against outputs computed by PyTorch.
     */
    public GeometryTranslator.RawOutput predictPrepared(float[] data, long[] shape) throws ModelException {
        ensureOpen();
        return run(new GeometryTranslator.PreparedTensor(data, shape));
    }

    /** The shared loaded module: for benchmarks of the engine against the bare forward, and tests of the sharing. */
    public ZooModel<NDList, NDList> loadedModule() { return model; }

    /** Closes this instance's predictor and drops its reference to the shared module. Idempotent. */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        try {
            predictor.close();
        } finally {
            SharedTorchModels.release(model);
        }
    }

    private void ensureOpen() {
        if (closed) throw new IllegalStateException("model " + info + " is closed");
    }

    private GeometryTranslator.RawOutput run(GeometryTranslator.Input input) throws ModelException {
        try {
            return predictor.predict(input);
        } catch (Exception e) { // TranslateException, and the engine's unchecked EngineException
            throw new ModelException(ModelException.Reason.MODEL_ERROR,
                    "model " + info + " failed on " + device + ": " + rootMessage(e), e);
        }
    }

    // ---- loading --------------------------------------------------------------------------------------

    static Device parseDevice(String deviceOrNull) {
        if (deviceOrNull == null || deviceOrNull.equals("cpu")) return Device.cpu();
        Matcher m = GPU.matcher(deviceOrNull);
        if (m.matches()) return Device.gpu(Integer.parseInt(m.group(1)));
        throw new IllegalArgumentException("device must be \"cpu\", \"gpu:N\" or null, got: \"" + deviceOrNull + "\"");
    }

    private static ZooModel<NDList, NDList> loadAndCheck(ModelPackage pkg, Device device) {
        ZooModel<NDList, NDList> model;
        try {
            model = Criteria.builder()
                    .setTypes(NDList.class, NDList.class)
                    .optModelPath(pkg.directory())
                    .optModelName(stripExtension(ModelPackage.GEOMETRY_MODULE))
                    .optEngine("PyTorch")
                    .optDevice(device)
                    .optTranslator(new NoopTranslator())
                    .build()
                    .loadModel();
        } catch (Exception e) {
            throw new IllegalStateException("cannot load " + pkg.geometryModule() + " on " + device + ": " + rootMessage(e), e);
        }
        try {
            dryRun(pkg, model);
            return model;
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
    }

    /** Proves the module honours model.json at its largest declared batch before any clip depends on it. */
    private static void dryRun(ModelPackage pkg, ZooModel<NDList, NDList> model) {
        int b = pkg.maxBatch(), t = pkg.probeClipFrames(), h = pkg.inputHeight(), w = pkg.inputWidth();
        long[] shape = {b, t, 3, h, w};
        String what = "model package " + pkg.directory() + " does not match its " + ModelPackage.MODEL_JSON
                + ": a dry run on zeros " + Arrays.toString(shape) + " (maxBatch=" + b + ", T=" + t + ", "
                + w + "x" + h + ", hasConfidence=" + pkg.hasConfidence() + ")";
        try (Predictor<GeometryTranslator.Input, GeometryTranslator.RawOutput> probe = model.newPredictor(new GeometryTranslator(pkg.rgbNormalization()))) {
            GeometryTranslator.RawOutput raw;
            try {
                raw = probe.predict(new GeometryTranslator.Zeros(shape));
            } catch (Exception e) {
                throw new IllegalArgumentException(what + " failed: " + rootMessage(e), e);
            }
            try {
                checkOutputs(raw, b, t, h, w, pkg.hasConfidence());
            } catch (ModelException e) {
                throw new IllegalArgumentException(what + " gave a bad output: " + e.getMessage(), e);
            }
        }
    }

    // ---- output checks and layout ---------------------------------------------------------------------

    /**
     * Checks output count, shapes ([B,T,3,H,W], [B,T,3,H,W], [B,T,1,H,W]) and that every value is finite.
     *
     * @throws ModelException MODEL_OUTPUT_SHAPE or MODEL_OUTPUT_NON_FINITE
     */
    static void checkOutputs(GeometryTranslator.RawOutput raw, int b, int t, int h, int w, boolean hasConfidence)
            throws ModelException {
        int expected = hasConfidence ? 3 : 2;
        if (raw.count() != expected) {
            throw new ModelException(ModelException.Reason.MODEL_OUTPUT_SHAPE, "expected " + expected
                    + " outputs (point map, normals" + (hasConfidence ? ", confidence" : "") + "), got " + raw.count());
        }
        for (int i = 0; i < expected; i++) {
            long[] want = {b, t, i == 2 ? 1 : 3, h, w};
            long[] got = raw.shapes().get(i);
            if (!Arrays.equals(want, got)) {
                throw new ModelException(ModelException.Reason.MODEL_OUTPUT_SHAPE, OUTPUT_NAMES[i] + " has shape "
                        + Arrays.toString(got) + ", expected " + Arrays.toString(want));
            }
        }
        for (int i = 0; i < expected; i++) {
            float[][] chunks = raw.chunks().get(i);
            for (int c = 0; c < chunks.length; c++) {
                float[] values = chunks[c];
                for (int k = 0; k < values.length; k++) {
                    if (!Float.isFinite(values[k])) {
                        throw new ModelException(ModelException.Reason.MODEL_OUTPUT_NON_FINITE, OUTPUT_NAMES[i]
                                + " holds " + values[k] + " at " + (chunks.length == 1 ? "flat index " + k
                                : "element " + k + " of frame " + c + " (clip-major, channels-last)") + " of shape "
                                + Arrays.toString(raw.shapes().get(i)));
                    }
                }
            }
        }
    }

    private static String stripExtension(String file) {
        int dot = file.lastIndexOf('.');
        return dot < 0 ? file : file.substring(0, dot);
    }

    static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) root = root.getCause();
        String msg = root.getMessage();
        if (msg == null) return root.getClass().getName();
        // TorchScript errors carry the whole interpreter stack; the last line says what went wrong.
        String[] lines = msg.strip().split("\n");
        String last = lines[lines.length - 1].strip();
        return root.getClass().getSimpleName() + ": " + (lines.length > 1 ? last + " (" + lines[0].strip() + ")" : last);
    }
}
