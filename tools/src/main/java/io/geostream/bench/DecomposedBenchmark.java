package io.geostream.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.training.ParameterStore;
import io.geostream.model.ClipGeometry;
import io.geostream.model.ClipInput;
import io.geostream.model.ModelException;
import io.geostream.model.torchscript.DecomposedGeometryModel;
import io.geostream.model.torchscript.DecomposedPackage;
import io.geostream.model.torchscript.GeometryTranslator;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Times a decomposed package on the calling thread, alternating two paths so drift of a shared machine hits both:
 * <ul>
 *   <li>forward: the three modules chained on NDArrays prepared once (encoder, latent scale, the sampler's
 *       denoiser calls on 2 rows, decoder), no Java copies or checks;</li>
 *   <li>engine: {@link DecomposedGeometryModel#predict} on one clip (Java arrays in, resize and normalisation,
 *       the Java sampler loop, output checks, de-normalisation, confidence stand-in, Java arrays out).</li>
 * </ul>
 * Medians of wall time and of the calling thread's CPU time (the robust figure with one intra-op thread). Set DJL's
 * thread properties before calling this.
 */
public final class DecomposedBenchmark {

    /** Median milliseconds per clip of {@code frames} frames at the model size. */
    public record Result(String model, int frames, int width, int height, String sampler, int steps, double forwardMs,
                         double engineMs, double forwardCpuMs, double engineCpuMs) {
        public double engineOverForward() { return engineMs / forwardMs; }

        public double engineOverForwardCpu() { return engineCpuMs / forwardCpuMs; }
    }

    private DecomposedBenchmark() {}

    /**
     * @param frames clip length; 0 = the package's clipFrames, or 1 + 4 x temporalCompression when it takes any
     */
    public static Result run(Path packageDir, int frames, int warmups, int runs) throws ModelException {
        if (runs < 1 || warmups < 0) throw new IllegalArgumentException("runs must be >= 1 and warmups >= 0");
        try (DecomposedGeometryModel model = DecomposedGeometryModel.open(packageDir, "cpu")) {
            DecomposedPackage pkg = model.modelPackage();
            int t = frames > 0 ? frames : (pkg.clipFrames() != 0 ? pkg.clipFrames() : 1 + 4 * pkg.temporalCompression());
            if (!pkg.clipRequirements().accepts(t)) throw new IllegalArgumentException("the package does not take clips of " + t + " frames");
            int w = pkg.inputWidth(), h = pkg.inputHeight();
            ClipInput clip = ClipInput.random(t, w, h);
            List<byte[]> rgb = new ArrayList<>();
            for (ClipInput.Frame f : clip.frames()) rgb.add(f.rgb());
            float[] prepared = new GeometryTranslator(pkg.rgbNormalization()).normalise(rgb, w, h);
            List<ZooModel<NDList, NDList>> modules = model.loadedModules();
            Block encoder = modules.get(0).getBlock(), denoiser = modules.get(1).getBlock(), decoder = modules.get(2).getBlock();
            Shape latentShape = new Shape(2, pkg.latentFrames(t), pkg.latentChannels(), h / pkg.spatialCompression(),
                    w / pkg.spatialCompression());
            int steps = model.sampler().steps();
            float timestep = (float) (pkg.noiseSchedule().trainSteps() - 1); // cost only: every step's call is alike
            try (NDManager manager = modules.get(0).getNDManager().newSubManager()) {
                NDArray input = manager.create(prepared, new Shape(1, t, 3, h, w));
                NDArray zeros = manager.zeros(latentShape);
                NDArray attribute = manager.create(new long[] {0, 1});
                ParameterStore params = new ParameterStore(manager, false);
                AlternatingTimer.Medians[] m = AlternatingTimer.time(warmups, runs,
                        () -> {
                            try (NDManager scratch = manager.newSubManager()) {
                                NDList encoded = encoder.forward(params, new NDList(input), false);
                                encoded.attach(scratch);
                                NDArray latents = encoded.head().mul(pkg.latentScale());
                                NDArray condition = latents.concat(latents, 0);
                                NDArray state = zeros;
                                for (int k = 0; k < steps; k++) {
                                    NDList out = denoiser.forward(params, new NDList(condition, state,
                                            scratch.full(new Shape(2), timestep), attribute), false);
                                    out.attach(scratch);
                                    state = out.head();
                                }
                                decoder.forward(params, new NDList(state.div(pkg.latentScale())), false).attach(scratch);
                            }
                        },
                        () -> {
                            ClipGeometry g = model.predict(clip);
                            if (g.frames().size() != t) throw new IllegalStateException("engine returned " + g.frames().size() + " frames");
                        });
                return new Result(model.info().id() + " " + model.info().version(), t, w, h, model.sampler().kind(), steps,
                        m[0].wallMs(), m[1].wallMs(), m[0].cpuMs(), m[1].cpuMs());
            }
        } catch (ModelException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
