package io.geostream.bench;

import io.geostream.model.ClipGeometry;
import io.geostream.model.ClipInput;
import io.geostream.model.ModelException;
import io.geostream.model.torchscript.GeometryTranslator;
import io.geostream.model.torchscript.ModelPackage;
import io.geostream.model.torchscript.TorchScriptGeometryModel;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.training.ParameterStore;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Measures what the engine adds around a package's TorchScript forward pass, on the calling thread:
 * <ul>
 *   <li>forward: the module's forward on an NDArray prepared once (no Java copies at all);</li>
 *   <li>engine: {@link TorchScriptGeometryModel#predict} from a {@link ClipInput} of Java byte arrays to a
 *       {@link ClipGeometry} of Java float arrays (normalisation, tensor creation, forward, output copy,
 *       shape and finiteness checks, interleaving);</li>
 *   <li>copy (diagnostic): the predictor on an already normalised float[] to raw float[] outputs, i.e. the
 *       forward plus DJL's tensor copies in and out, without the Java pre/post-processing.</li>
 * </ul>
 * Runs alternate (one forward, one engine) so drift of a shared machine hits both alike; the medians are
 * reported, of wall time and of the calling thread's CPU time. With one libtorch intra-op thread the whole
 * forward runs on the calling thread, so its CPU time is the work done and hardly moves when other processes
 * load the machine; with more threads it leaves out the work of libtorch's pool. Set DJL's thread properties ({@code ai.djl.pytorch.num_threads}, {@code
 * ai.djl.pytorch.num_interop_threads}) before the engine starts, i.e. before calling this.
 */
public final class ModelBenchmark {

    /** Medians in milliseconds for one clip of {@code frames} frames at the model size. */
    public record Result(String model, int frames, int width, int height, double forwardMs, double copyMs, double engineMs,
                         double forwardCpuMs, double engineCpuMs) {
        public double engineOverForward() { return engineMs / forwardMs; }

        /** Engine over forward in calling-thread CPU time (the robust figure with one intra-op thread). */
        public double engineOverForwardCpu() { return engineCpuMs / forwardCpuMs; }
    }

    private ModelBenchmark() {}

    /**
     * @param frames clip length; 0 = the package's clipFrames, or 4 when the package takes any length
     */
    public static Result run(Path packageDir, int frames, int warmups, int runs) throws ModelException {
        if (runs < 1 || warmups < 0) throw new IllegalArgumentException("runs must be >= 1 and warmups >= 0");
        try (TorchScriptGeometryModel model = TorchScriptGeometryModel.open(packageDir, "cpu")) {
            ModelPackage pkg = model.modelPackage();
            int t = frames > 0 ? frames : (pkg.clipFrames() != 0 ? pkg.clipFrames() : 4);
            int w = pkg.inputWidth(), h = pkg.inputHeight();
            ClipInput clip = ClipInput.random(t, w, h);
            List<byte[]> rgb = new ArrayList<>();
            for (ClipInput.Frame f : clip.frames()) rgb.add(f.rgb());
            float[] prepared = new GeometryTranslator(pkg.rgbNormalization()).normalise(rgb, w, h);

            ZooModel<?, ?> zoo = model.loadedModule();
            Block block = zoo.getBlock();
            long[] shape = {1, t, 3, h, w};
            try (NDManager manager = zoo.getNDManager().newSubManager()) {
                NDArray input = manager.create(prepared, new Shape(1, t, 3, h, w));
                ParameterStore params = new ParameterStore(manager, false);
                AlternatingTimer.Medians[] m = AlternatingTimer.time(warmups, runs,
                        () -> {
                            try (NDManager scratch = manager.newSubManager()) {
                                NDList out = block.forward(params, new NDList(input), false);
                                out.attach(scratch); // freed with scratch; CPU libtorch has finished when forward returns
                            }
                        },
                        () -> {
                            ClipGeometry g = model.predict(clip);
                            if (g.frames().size() != t) throw new IllegalStateException("engine returned " + g.frames().size() + " frames");
                        },
                        () -> model.predictPrepared(prepared, shape));
                return new Result(model.info().id() + " " + model.info().version(), t, w, h, m[0].wallMs(), m[2].wallMs(),
                        m[1].wallMs(), m[0].cpuMs(), m[1].cpuMs());
            }
        } catch (ModelException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static double median(double[] values) {
        return AlternatingTimer.median(values);
    }
}
