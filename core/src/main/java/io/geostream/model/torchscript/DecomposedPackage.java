package io.geostream.model.torchscript;

import io.geostream.model.ClipRequirements;
import io.geostream.model.ModelInfo;
import io.geostream.model.diffusion.NoiseSchedule;
import io.geostream.model.diffusion.PredictionType;
import io.geostream.model.diffusion.Sampler;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * A model package of form {@code "decomposed"} ({@code docs/model-contract.md}): a diffusers-style pipeline of
 * three TorchScript modules ({@code vae_encoder.pt}, {@code denoiser.pt}, {@code vae_decoder.pt}) whose
 * sampling loop runs in Java. This record is the validated {@code model.json} plus the resolved paths.
 *
 * @param directory           the package directory (absolute, real path)
 * @param modelJson           {@code directory/model.json}
 * @param name                model id
 * @param version             model version
 * @param clipFrames          the clip length T the modules take, or 0 for any T with (T - 1) % temporalCompression == 0
 * @param inputWidth          W
 * @param inputHeight         H
 * @param resize              {@link ModelPackage#RESIZE_STRETCH}
 * @param rgbNormalization    per-channel mean/std applied to RGB scaled to [0, 1]
 * @param confidence          {@link #CONFIDENCE_NONE} or {@link #CONFIDENCE_NORMAL_AGREEMENT} (the modules return none)
 * @param maxBatch            the largest batch of clips; the denoiser and decoder take 2 x maxBatch (both attributes)
 * @param precision           the modules' float type: fp32 or fp16 (bf16 parses, but DecomposedGeometryModel refuses it)
 * @param latentChannels      C of the latents
 * @param spatialCompression  H / h = W / w
 * @param temporalCompression latent frames t = 1 + (T - 1) / temporalCompression (first frame encoded alone)
 * @param latentScale         latents go to the denoiser as encoder output x latentScale and to the decoder / latentScale
 * @param predictionType      what the denoiser predicts
 * @param noiseSchedule       the training noise process, with its options (zero-SNR rescale, DDIM timestep rounding)
 * @param samplerKind         {@link Sampler#SINGLE_STEP}, {@link Sampler#FLOW_EULER} or {@link Sampler#DDIM}
 * @param samplerSteps        denoiser calls per clip
 * @param pointScale          decoded point channels x pointScale + pointOffset = clip first-frame camera coordinates
 * @param pointOffset         see pointScale (x, y, z)
 */
public record DecomposedPackage(
        Path directory,
        Path modelJson,
        String name,
        String version,
        int clipFrames,
        int inputWidth,
        int inputHeight,
        String resize,
        ModelPackage.RgbNormalization rgbNormalization,
        String confidence,
        int maxBatch,
        String precision,
        int latentChannels,
        int spatialCompression,
        int temporalCompression,
        double latentScale,
        PredictionType predictionType,
        NoiseSchedule noiseSchedule,
        String samplerKind,
        int samplerSteps,
        float pointScale,
        float[] pointOffset) {

    public static final String VAE_ENCODER = "vae_encoder.pt";
    public static final String DENOISER = "denoiser.pt";
    public static final String VAE_DECODER = "vae_decoder.pt";
    /** The three module files, in pipeline order. */
    public static final List<String> MODULES = List.of(VAE_ENCODER, DENOISER, VAE_DECODER);

    /** No confidence output. */
    public static final String CONFIDENCE_NONE = "none";
    /** Confidence = agreement of the predicted normals with the normals of the predicted point map. */
    public static final String CONFIDENCE_NORMAL_AGREEMENT = "normal-agreement";
    public static final String PRECISION_FP16 = "fp16";
    public static final String PRECISION_BF16 = "bf16";

    public DecomposedPackage {
        Objects.requireNonNull(directory, "directory");
        Objects.requireNonNull(rgbNormalization, "rgbNormalization");
        Objects.requireNonNull(predictionType, "predictionType");
        Objects.requireNonNull(noiseSchedule, "noiseSchedule");
        new ModelInfo(name, version, false);
        pointOffset = pointOffset.clone();
    }

    @Override public float[] pointOffset() { return pointOffset.clone(); }

    /** The identity written into outputs; it has confidence when the stand-in is on. */
    public ModelInfo info() {
        return new ModelInfo(name, version, hasConfidence());
    }

    /** Whether outputs carry the confidence stand-in. */
    public boolean hasConfidence() { return CONFIDENCE_NORMAL_AGREEMENT.equals(confidence); }

    /** The module file's path. */
    public Path module(String file) { return directory.resolve(file); }

    /** Latent frames for a clip of {@code frames} frames: 1 + (T - 1) / temporalCompression. */
    public int latentFrames(int frames) { return 1 + (frames - 1) / temporalCompression; }

    /** The clip lengths the modules take: clipFrames (when fixed) and the temporal compression. */
    public ClipRequirements clipRequirements() {
        return new ClipRequirements(clipFrames, temporalCompression);
    }

    /** The clip length the open-time dry run uses: clipFrames, or the shortest T > 1 that fits. */
    public int probeClipFrames() {
        return clipFrames != 0 ? clipFrames : 1 + temporalCompression;
    }

    /** The package's sampler. */
    public Sampler sampler() {
        return Sampler.of(samplerKind, samplerSteps, noiseSchedule, predictionType);
    }

    /**
     * Reads and validates a decomposed package directory.
     *
     * @throws IllegalArgumentException when the directory, {@code model.json} or a module file is missing, or a
     *                                  field is missing or invalid (the message names the field and the file)
     */
    public static DecomposedPackage read(Path packageDir) {
        ModelPackage.Fields f = ModelPackage.Fields.read(packageDir);
        Path dir = f.file().getParent();
        String name = f.modelName("name");
        String version = f.modelVersion("version");
        String form = f.text("form");
        if (!ModelPackage.FORM_DECOMPOSED.equals(form)) {
            throw f.bad("form", "must be \"" + ModelPackage.FORM_DECOMPOSED + "\" for DecomposedPackage, got '" + form + "'");
        }
        int clipFrames = f.intIn("clipFrames", 0, ModelPackage.MAX_CLIP_FRAMES);
        int inputWidth = f.intIn("inputWidth", 1, ModelPackage.MAX_SIDE);
        int inputHeight = f.intIn("inputHeight", 1, ModelPackage.MAX_SIDE);
        String resize = f.text("resize");
        if (!ModelPackage.RESIZE_STRETCH.equals(resize)) {
            throw f.bad("resize", "unsupported resize '" + resize + "' (this build supports \"" + ModelPackage.RESIZE_STRETCH + "\")");
        }
        ModelPackage.RgbNormalization norm = f.normalization("rgbNormalization");
        if (f.bool("hasConfidence")) {
            throw f.bad("hasConfidence", "must be false: the decomposed modules return no confidence (see field 'confidence' for the stand-in)");
        }
        String confidence = f.text("confidence");
        if (!CONFIDENCE_NONE.equals(confidence) && !CONFIDENCE_NORMAL_AGREEMENT.equals(confidence)) {
            throw f.bad("confidence", "must be \"" + CONFIDENCE_NONE + "\" or \"" + CONFIDENCE_NORMAL_AGREEMENT + "\", got '" + confidence + "'");
        }
        int maxBatch = f.intIn("maxBatch", 1, ModelPackage.MAX_BATCH / 2);
        String precision = f.text("precision");
        if (!List.of(ModelPackage.PRECISION_FP32, PRECISION_FP16, PRECISION_BF16).contains(precision)) {
            throw f.bad("precision", "unsupported precision '" + precision + "' (fp32, fp16 or bf16)");
        }
        int latentChannels = f.intIn("latentChannels", 1, 1024);
        int spatial = f.intIn("spatialCompression", 1, 64);
        if (inputWidth % spatial != 0 || inputHeight % spatial != 0) {
            throw f.bad("spatialCompression", spatial + " does not divide the input size " + inputWidth + "x" + inputHeight);
        }
        int temporal = f.intIn("temporalCompression", 1, 64);
        if (clipFrames != 0 && (clipFrames - 1) % temporal != 0) {
            throw f.bad("temporalCompression", "clipFrames " + clipFrames + " is not 1 + k x " + temporal);
        }
        double latentScale = f.number("latentScale", 1e-6, 1e6);
        String predictionName = f.text("predictionType");
        PredictionType prediction = PredictionType.ofJson(predictionName);
        if (prediction == null) throw f.bad("predictionType", "must be x0, epsilon or velocity, got '" + predictionName + "'");
        NoiseSchedule schedule = schedule(f.object("noiseSchedule"));
        if (schedule.isFlow() && prediction == PredictionType.EPSILON) {
            throw f.bad("predictionType", "epsilon is undefined at t = 1 under flow matching (use velocity or x0)");
        }
        if (schedule.rescaleZeroSnr() && prediction == PredictionType.EPSILON) {
            throw f.bad("predictionType", "epsilon is undefined at alphaBar = 0, the terminal time of a zero-SNR schedule"
                    + " (noiseSchedule.rescaleZeroSnr): use velocity or x0");
        }
        ModelPackage.Fields s = f.object("sampler");
        String samplerKind = s.text("kind");
        int steps = s.intIn("steps", 1, Sampler.MAX_STEPS);
        try {
            Sampler.of(samplerKind, steps, schedule, prediction);
        } catch (IllegalArgumentException e) {
            throw f.bad("sampler", e.getMessage());
        }
        ModelPackage.Fields out = f.object("output");
        float pointScale = (float) out.number("pointScale", 1e-9, 1e9);
        float[] pointOffset = out.numbers("pointOffset", 3);

        for (String module : MODULES) {
            if (!Files.isRegularFile(dir.resolve(module))) {
                throw new IllegalArgumentException("model package " + dir + " is missing file " + module
                        + " (required by form \"" + ModelPackage.FORM_DECOMPOSED + "\" in " + f.file() + ")");
            }
        }
        return new DecomposedPackage(dir, f.file(), name, version, clipFrames, inputWidth, inputHeight, resize, norm,
                confidence, maxBatch, precision, latentChannels, spatial, temporal, latentScale, prediction, schedule,
                samplerKind, steps, pointScale, pointOffset);
    }

    /** The {@code form} field of a package's model.json (a missing form is an error, not end-to-end by default). */
    public static String form(Path packageDir) {
        return ModelPackage.Fields.read(packageDir).text("form");
    }

    private static NoiseSchedule schedule(ModelPackage.Fields f) {
        String kindName = f.text("kind");
        NoiseSchedule.Kind kind = NoiseSchedule.Kind.ofJson(kindName);
        if (kind == null) throw f.bad("kind", "must be linear-beta, scaled-linear or flow-matching, got '" + kindName + "'");
        int trainSteps = f.intIn("trainSteps", 2, 100_000);
        // Optional, so that packages written before these options keep their meaning.
        boolean rescale = f.has("rescaleZeroSnr") && f.bool("rescaleZeroSnr");
        NoiseSchedule.TimestepRounding rounding = NoiseSchedule.TimestepRounding.HALF_UP;
        if (f.has("timestepRounding")) {
            String name = f.text("timestepRounding");
            rounding = NoiseSchedule.TimestepRounding.ofJson(name);
            if (rounding == null) throw f.bad("timestepRounding", "must be half-up or half-even, got '" + name + "'");
        }
        if (kind == NoiseSchedule.Kind.FLOW_MATCHING) {
            if (rescale) throw f.bad("rescaleZeroSnr", "applies to beta schedules (linear-beta, scaled-linear), not to flow-matching");
            return NoiseSchedule.flowMatching(trainSteps).withTimestepRounding(rounding);
        }
        double start = f.number("betaStart", 1e-12, 0.999999);
        double end = f.number("betaEnd", 1e-12, 0.999999);
        if (end < start) throw f.bad("betaEnd", "must be >= betaStart (" + start + "), got " + end);
        return new NoiseSchedule(kind, start, end, trainSteps, rescale, rounding);
    }
}
