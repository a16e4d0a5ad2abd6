package io.geostream.bench;

import io.geostream.model.ClipGeometry;
import io.geostream.model.ClipInput;
import io.geostream.model.ModelException;
import io.geostream.model.torchscript.DecomposedGeometryModel;
import io.geostream.model.torchscript.DecomposedPackage;

import java.nio.file.Path;

/**
 * Times a decomposed package on the calling thread: the median of {@link DecomposedGeometryModel#predict} on one
 * clip (Java arrays in, encoder, the package's sampler with its denoiser calls on 2 rows, decoder,
 * de-normalisation, confidence stand-in, Java arrays out). Set DJL's thread properties before calling this.
 */
public final class DecomposedBenchmark {

    /** Median milliseconds per clip of {@code frames} frames at the model size. */
    public record Result(String model, int frames, int width, int height, String sampler, int steps, double engineMs) {}

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
            ClipInput clip = ClipInput.random(t, pkg.inputWidth(), pkg.inputHeight());
            double[] engine = new double[runs];
            for (int i = 0; i < warmups + runs; i++) {
                long t0 = System.nanoTime();
                ClipGeometry g = model.predict(clip);
                long t1 = System.nanoTime();
                if (g.frames().size() != t) throw new IllegalStateException("engine returned " + g.frames().size() + " frames");
                if (i >= warmups) engine[i - warmups] = (t1 - t0) / 1e6;
            }
            return new Result(model.info().id() + " " + model.info().version(), t, pkg.inputWidth(), pkg.inputHeight(),
                    model.sampler().kind(), model.sampler().steps(), ModelBenchmark.median(engine));
        }
    }
}
