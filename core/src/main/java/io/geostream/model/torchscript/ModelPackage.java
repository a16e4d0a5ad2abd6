package io.geostream.model.torchscript;

import io.geostream.model.ClipRequirements;
import io.geostream.model.ModelInfo;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Objects;

/**
 * A geometry model package (format v1, see {@code docs/model-contract.md}): a directory holding
 * {@code model.json} and the TorchScript module {@code geometry.pt}. This record is the validated
 * {@code model.json} plus the resolved paths. Unknown {@code model.json} fields are ignored so later
 * package versions can add fields; every v1 field is required.
 *
 * @param directory      the package directory (absolute, real path)
 * @param modelJson      {@code directory/model.json}
 * @param geometryModule {@code directory/geometry.pt}
 * @param name           model id (a {@link ModelInfo} id)
 * @param version        model version (a {@link ModelInfo} version)
 * @param form           {@link #FORM_END_TO_END}, the only form v1 knows
 * @param clipFrames     the clip length T the module was exported for, or 0 when any T works
 * @param inputWidth     width W the module expects
 * @param inputHeight    height H the module expects
 * @param resize         how frames of another size reach W x H: {@link #RESIZE_STRETCH}
 * @param rgbNormalization per-channel mean/std applied to RGB scaled to [0, 1]
 * @param hasConfidence  whether the module returns a third (confidence) output
 * @param maxBatch       the largest batch of clips the module must accept (checked by a dry run on open)
 * @param precision      {@link #PRECISION_FP32}
 */
public record ModelPackage(
        Path directory,
        Path modelJson,
        Path geometryModule,
        String name,
        String version,
        String form,
        int clipFrames,
        int inputWidth,
        int inputHeight,
        String resize,
        RgbNormalization rgbNormalization,
        boolean hasConfidence,
        int maxBatch,
        String precision) {

    /** The descriptor's file name inside a package. */
    public static final String MODEL_JSON = "model.json";
    /** The end-to-end TorchScript module's file name inside a package. */
    public static final String GEOMETRY_MODULE = "geometry.pt";
    /** RGB clip in, point map + normals (+ confidence) out, in one module. */
    public static final String FORM_END_TO_END = "end-to-end";
    /** A VAE encoder, a denoiser and a VAE decoder, with the sampling loop in Java ({@link DecomposedPackage}). */
    public static final String FORM_DECOMPOSED = "decomposed";
    /** Bilinear resize of the whole frame to the model size; intrinsics scale per axis. */
    public static final String RESIZE_STRETCH = "stretch";
    /** 32-bit float input and outputs. */
    public static final String PRECISION_FP32 = "fp32";

    /** Upper bounds that catch typos (e.g. an extra digit) before they turn into huge allocations. */
    static final int MAX_SIDE = 8192;
    static final int MAX_CLIP_FRAMES = 1024;
    static final int MAX_BATCH = 256;

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION); // a repeated field is a mistake, not an override

    public ModelPackage {
        Objects.requireNonNull(directory, "directory");
        Objects.requireNonNull(modelJson, "modelJson");
        Objects.requireNonNull(geometryModule, "geometryModule");
        Objects.requireNonNull(rgbNormalization, "rgbNormalization");
        new ModelInfo(name, version, hasConfidence); // validates name and version
        if (!FORM_END_TO_END.equals(form)) throw new IllegalArgumentException("unsupported form: " + form);
        if (!RESIZE_STRETCH.equals(resize)) throw new IllegalArgumentException("unsupported resize: " + resize);
        if (!PRECISION_FP32.equals(precision)) throw new IllegalArgumentException("unsupported precision: " + precision);
        if (clipFrames < 0 || clipFrames > MAX_CLIP_FRAMES) throw new IllegalArgumentException("bad clipFrames: " + clipFrames);
        if (inputWidth < 1 || inputWidth > MAX_SIDE || inputHeight < 1 || inputHeight > MAX_SIDE) {
            throw new IllegalArgumentException("bad input size: " + inputWidth + "x" + inputHeight);
        }
        if (maxBatch < 1 || maxBatch > MAX_BATCH) throw new IllegalArgumentException("bad maxBatch: " + maxBatch);
    }

    /** The identity written into outputs. */
    public ModelInfo info() {
        return new ModelInfo(name, version, hasConfidence);
    }

    /** The clip lengths the module takes: {@link #clipFrames()}, or any. */
    public ClipRequirements clipRequirements() {
        return new ClipRequirements(clipFrames, 1);
    }

    /** The clip length used by checks that need a concrete T: {@link #clipFrames()} or 2 when any T works. */
    public int probeClipFrames() {
        return clipFrames == 0 ? 2 : clipFrames;
    }

    /**
     * Reads and validates a package directory.
     *
     * @throws IllegalArgumentException when the directory or one of its files is missing, {@code model.json}
     *                                  is not JSON, or a field is missing or invalid (the message names the
     *                                  field and the file)
     */
    public static ModelPackage read(Path packageDir) {
        Fields f = Fields.read(packageDir);
        Path jsonFile = f.file();
        Path dir = jsonFile.getParent();

        String name = f.modelName("name");
        String version = f.modelVersion("version");
        String form = f.text("form");
        if (FORM_DECOMPOSED.equals(form)) {
            throw f.bad("form", "is \"" + FORM_DECOMPOSED + "\": read it with DecomposedPackage.read (GeometryModels.open picks the class by form)");
        }
        if (!FORM_END_TO_END.equals(form)) {
            throw f.bad("form", "unsupported form '" + form + "' (this build supports \"" + FORM_END_TO_END + "\" and \""
                    + FORM_DECOMPOSED + "\")");
        }
        int clipFrames = f.intIn("clipFrames", 0, MAX_CLIP_FRAMES);
        int inputWidth = f.intIn("inputWidth", 1, MAX_SIDE);
        int inputHeight = f.intIn("inputHeight", 1, MAX_SIDE);
        String resize = f.text("resize");
        if (!RESIZE_STRETCH.equals(resize)) {
            throw f.bad("resize", "unsupported resize '" + resize + "' (this build supports \"" + RESIZE_STRETCH + "\")");
        }
        RgbNormalization norm = f.normalization("rgbNormalization");
        boolean hasConfidence = f.bool("hasConfidence");
        int maxBatch = f.intIn("maxBatch", 1, MAX_BATCH);
        String precision = f.text("precision");
        if (!PRECISION_FP32.equals(precision)) {
            throw f.bad("precision", "unsupported precision '" + precision + "' (this build supports \"" + PRECISION_FP32 + "\")");
        }

        Path module = dir.resolve(GEOMETRY_MODULE);
        if (!Files.isRegularFile(module)) {
            throw new IllegalArgumentException("model package " + dir + " is missing file " + GEOMETRY_MODULE
                    + " (required by form \"" + FORM_END_TO_END + "\" in " + jsonFile + ")");
        }
        return new ModelPackage(dir, jsonFile, module, name, version, form, clipFrames, inputWidth, inputHeight,
                resize, norm, hasConfidence, maxBatch, precision);
    }

    /**
     * Per-channel normalisation: {@code (rgb / 255 - mean[c]) / std[c]}, channels in R, G, B order.
     * The arrays are copied in and out, so an instance is immutable.
     */
    public record RgbNormalization(float[] mean, float[] std) {
        public RgbNormalization {
            Objects.requireNonNull(mean, "mean");
            Objects.requireNonNull(std, "std");
            if (mean.length != 3 || std.length != 3) {
                throw new IllegalArgumentException("mean and std need 3 values (R, G, B)");
            }
            for (int c = 0; c < 3; c++) {
                if (!Float.isFinite(mean[c])) throw new IllegalArgumentException("mean must be finite: " + Arrays.toString(mean));
                if (!(std[c] > 0) || !Float.isFinite(std[c])) {
                    throw new IllegalArgumentException("std must be finite and positive: " + Arrays.toString(std));
                }
            }
            mean = mean.clone();
            std = std.clone();
        }

        @Override public float[] mean() { return mean.clone(); }
        @Override public float[] std() { return std.clone(); }

        @Override public boolean equals(Object o) {
            return o instanceof RgbNormalization n && Arrays.equals(n.mean, mean) && Arrays.equals(n.std, std);
        }
        @Override public int hashCode() { return 31 * Arrays.hashCode(mean) + Arrays.hashCode(std); }
        @Override public String toString() {
            return "RgbNormalization[mean=" + Arrays.toString(mean) + ", std=" + Arrays.toString(std) + "]";
        }
    }

    /** Typed, message-rich access to model.json fields (also used by {@link DecomposedPackage}). */
    record Fields(JsonNode root, Path file, String prefix) {

        Fields(JsonNode root, Path file) {
            this(root, file, "");
        }

        /**
         * The top-level fields of {@code packageDir/model.json}; {@link #file()} is its real path.
         *
         * @throws IllegalArgumentException when the directory or model.json is missing or not a JSON object
         */
        static Fields read(Path packageDir) {
            Objects.requireNonNull(packageDir, "packageDir");
            if (!Files.isDirectory(packageDir)) {
                throw new IllegalArgumentException("model package directory does not exist: " + packageDir.toAbsolutePath());
            }
            Path dir;
            try {
                dir = packageDir.toRealPath();
            } catch (IOException e) {
                throw new IllegalArgumentException("cannot resolve model package directory " + packageDir + ": " + e, e);
            }
            Path jsonFile = dir.resolve(MODEL_JSON);
            if (!Files.isRegularFile(jsonFile)) {
                throw new IllegalArgumentException("model package " + dir + " is missing file " + MODEL_JSON);
            }
            JsonNode root;
            try {
                root = JSON.readTree(jsonFile.toFile());
            } catch (JsonProcessingException e) {
                throw new IllegalArgumentException(jsonFile + " is not valid JSON: " + e.getOriginalMessage(), e);
            } catch (IOException e) {
                throw new IllegalArgumentException("cannot read " + jsonFile + ": " + e, e);
            }
            if (root == null || !root.isObject()) {
                throw new IllegalArgumentException(jsonFile + " must hold a JSON object");
            }
            return new Fields(root, jsonFile);
        }

        IllegalArgumentException bad(String field, String why) {
            return new IllegalArgumentException("field '" + prefix + field + "' in " + file + ": " + why);
        }

        /** Whether an optional field is present (a JSON null counts as absent). */
        boolean has(String field) {
            JsonNode n = root.get(field);
            return n != null && !n.isNull();
        }

        JsonNode required(String field) {
            JsonNode n = root.get(field);
            if (n == null || n.isNull()) throw bad(field, "is missing");
            return n;
        }

        String text(String field) {
            JsonNode n = required(field);
            if (!n.isTextual()) throw bad(field, "must be a string, got " + n);
            return n.textValue();
        }

        /** A model id ({@link ModelInfo} owns the pattern; checked alone so the message names this field). */
        String modelName(String field) {
            String v = text(field);
            try {
                new ModelInfo(v, "0", false);
            } catch (IllegalArgumentException e) {
                throw bad(field, e.getMessage());
            }
            return v;
        }

        /** A model version, checked as {@link #modelName}. */
        String modelVersion(String field) {
            String v = text(field);
            try {
                new ModelInfo("m", v, false);
            } catch (IllegalArgumentException e) {
                throw bad(field, e.getMessage());
            }
            return v;
        }

        /** The object at {@code field} as its own Fields, naming nested fields {@code field.key}. */
        Fields object(String field) {
            JsonNode n = required(field);
            if (!n.isObject()) throw bad(field, "must be an object, got " + n);
            return new Fields(n, file, prefix() + field + ".");
        }

        double number(String field, double min, double max) {
            JsonNode n = required(field);
            if (!n.isNumber()) throw bad(field, "must be a number, got " + n);
            double v = n.doubleValue();
            if (!(v >= min && v <= max)) throw bad(field, "must be in [" + min + ", " + max + "], got " + v);
            return v;
        }

        float[] numbers(String field, int count) {
            JsonNode a = required(field);
            if (!a.isArray() || a.size() != count) throw bad(field, "must be an array of " + count + " numbers, got " + a);
            float[] out = new float[count];
            for (int i = 0; i < count; i++) {
                if (!a.get(i).isNumber() || !Float.isFinite((float) a.get(i).doubleValue())) {
                    throw bad(field, "must hold finite numbers, got " + a);
                }
                out[i] = (float) a.get(i).doubleValue();
            }
            return out;
        }

        boolean bool(String field) {
            JsonNode n = required(field);
            if (!n.isBoolean()) throw bad(field, "must be true or false, got " + n);
            return n.booleanValue();
        }

        int intIn(String field, int min, int max) {
            JsonNode n = required(field);
            if (!n.isIntegralNumber() || !n.canConvertToInt()) throw bad(field, "must be an integer, got " + n);
            int v = n.intValue();
            if (v < min || v > max) throw bad(field, "must be in [" + min + ", " + max + "], got " + v);
            return v;
        }

        RgbNormalization normalization(String field) {
            JsonNode n = required(field);
            if (!n.isObject()) throw bad(field, "must be an object {\"mean\":[r,g,b], \"std\":[r,g,b]}, got " + n);
            float[] mean = triple(field, n, "mean", false);
            float[] std = triple(field, n, "std", true);
            return new RgbNormalization(mean, std);
        }

        private float[] triple(String field, JsonNode parent, String key, boolean positive) {
            String path = field + "." + key;
            JsonNode a = parent.get(key);
            if (a == null || !a.isArray() || a.size() != 3) throw bad(path, "must be an array of 3 numbers (R, G, B), got " + a);
            float[] out = new float[3];
            for (int c = 0; c < 3; c++) {
                JsonNode v = a.get(c);
                if (!v.isNumber()) throw bad(path, "must hold numbers, got " + a);
                out[c] = (float) v.doubleValue();
                if (!Float.isFinite(out[c]) || (positive && !(out[c] > 0))) {
                    throw bad(path, (positive ? "must hold finite positive numbers" : "must hold finite numbers") + ", got " + a);
                }
            }
            return out;
        }
    }
}
