package io.geostream.model.diffusion;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/**
 * The samplers against an oracle denoiser that knows the clean latent x0*: whatever it is asked, it returns the
 * exact output of its prediction type for the current x. Then the answers are known in closed form.
 */
class SamplerTest {

    private static final NoiseSchedule SCALED = NoiseSchedule.scaledLinear(0.00085, 0.012, 1000);
    private static final NoiseSchedule LINEAR = NoiseSchedule.linearBeta(0.0001, 0.02, 1000);
    private static final NoiseSchedule FLOW = NoiseSchedule.flowMatching(1000);
    private static NDManager manager;

    @BeforeAll static void start() { manager = NDManager.newBaseManager(); }
    @AfterAll static void stop() { manager.close(); }

    private static float[] gaussian(int n, long seed) {
        Random r = new Random(seed);
        float[] out = new float[n];
        for (int i = 0; i < n; i++) out[i] = (float) r.nextGaussian();
        return out;
    }

    /** Records the inputs it saw, returns the exact output for clean latent x0 under (schedule, prediction). */
    private static final class Oracle implements Denoiser {
        final NDArray x0;
        final NoiseSchedule schedule;
        final PredictionType prediction;
        final List<float[]> inputs = new ArrayList<>();
        final List<Double> times = new ArrayList<>();

        Oracle(NDArray x0, NoiseSchedule schedule, PredictionType prediction) {
            this.x0 = x0;
            this.schedule = schedule;
            this.prediction = prediction;
        }

        @Override
        public NDArray predict(NDArray x, double t) {
            inputs.add(x.toFloatArray());
            times.add(t);
            if (schedule.isFlow()) {
                NDArray eps = x.sub(x0.mul(1.0 - t)).div(t);
                return switch (prediction) {
                    case X0 -> x0;
                    case EPSILON -> eps;
                    case VELOCITY -> eps.sub(x0);
                };
            }
            double ab = schedule.alphaBar((int) t), a = Math.sqrt(ab), s = Math.sqrt(1 - ab);
            NDArray eps = x.sub(x0.mul(a)).div(s);
            return switch (prediction) {
                case X0 -> x0;
                case EPSILON -> eps;
                case VELOCITY -> eps.mul(a).sub(x0.mul(s));
            };
        }
    }

    private static void assertClose(float[] got, float[] want, float tolerance) {
        assertThat(got).hasSameSizeAs(want);
        for (int i = 0; i < got.length; i++) assertThat(got[i]).as("index %d", i).isCloseTo(want[i], within(tolerance));
    }

    @Test
    void ddimFollowsTheTrueNoisePathAndEndsAtTheCleanLatentForEveryPredictionType() throws Exception {
        float[] x0 = gaussian(24, 1), eps = gaussian(24, 2);
        for (NoiseSchedule schedule : List.of(SCALED, LINEAR)) {
            for (PredictionType p : PredictionType.values()) {
                DdimSampler ddim = new DdimSampler(schedule, p, 4);
                assertThat(ddim.timesteps()).containsExactly(999, 749, 499, 249);
                NDArray clean = manager.create(x0, new Shape(2, 3, 4));
                NDArray noise = manager.create(eps, new Shape(2, 3, 4));
                double ab = schedule.alphaBar(999);
                NDArray initial = clean.mul(Math.sqrt(ab)).add(noise.mul(Math.sqrt(1 - ab)));
                Oracle oracle = new Oracle(clean, schedule, p);
                float[] result = ddim.sample(oracle, initial).toFloatArray();
                assertClose(result, x0, 2e-4f);
                assertThat(oracle.times).containsExactly(999.0, 749.0, 499.0, 249.0);
                // Every intermediate x is exactly on the forward process of (x0, eps) at its time.
                for (int i = 1; i < 4; i++) {
                    double abi = schedule.alphaBar(oracle.times.get(i).intValue());
                    float[] want = new float[24];
                    for (int k = 0; k < 24; k++) want[k] = (float) (Math.sqrt(abi) * x0[k] + Math.sqrt(1 - abi) * eps[k]);
                    assertClose(oracle.inputs.get(i), want, 2e-4f);
                }
            }
        }
    }

    @Test
    void flowEulerIsExactOnTheStraightPathFromNoiseToTheCleanLatent() throws Exception {
        float[] x0 = gaussian(12, 3), eps = gaussian(12, 4);
        for (PredictionType p : List.of(PredictionType.VELOCITY, PredictionType.X0)) {
            FlowEulerSampler euler = new FlowEulerSampler(FLOW, p, 4);
            NDArray clean = manager.create(x0, new Shape(12));
            Oracle oracle = new Oracle(clean, FLOW, p);
            float[] result = euler.sample(oracle, manager.create(eps, new Shape(12))).toFloatArray();
            assertClose(result, x0, 1e-5f);
            assertThat(oracle.times).containsExactly(1.0, 0.75, 0.5, 0.25);
            for (int i = 0; i < 4; i++) {
                double t = oracle.times.get(i);
                float[] want = new float[12];
                for (int k = 0; k < 12; k++) want[k] = (float) ((1 - t) * x0[k] + t * eps[k]);
                assertClose(oracle.inputs.get(i), want, 1e-5f);
            }
        }
    }

    @Test
    void singleStepReturnsTheX0EstimateAtTheTerminalTimeFromZeros() throws Exception {
        float[] x0 = gaussian(6, 5);
        for (NoiseSchedule schedule : List.of(SCALED, FLOW)) {
            for (PredictionType p : PredictionType.values()) {
                if (schedule.isFlow() && p == PredictionType.EPSILON) continue;
                SingleStepSampler single = new SingleStepSampler(schedule, p);
                NDArray clean = manager.create(x0, new Shape(6));
                Oracle oracle = new Oracle(clean, schedule, p);
                float[] result = single.sample(oracle, manager.zeros(new Shape(6))).toFloatArray();
                // epsilon at t = 999 divides by sqrt(alphaBar) ~ 0.068: a little float error is amplified.
                assertClose(result, x0, p == PredictionType.EPSILON ? 1e-3f : 1e-5f);
                assertThat(oracle.times).containsExactly(schedule.terminalTime());
                assertThat(oracle.inputs.get(0)).containsOnly(0f);
            }
        }
    }

    @Test
    void schedulesMatchTheirDefinitions() {
        assertThat(SCALED.alphaBar(0)).isCloseTo(1 - 0.00085, within(1e-12));
        assertThat(LINEAR.alphaBar(1)).isCloseTo((1 - 0.0001) * (1 - (0.0001 + 0.0199 / 999)), within(1e-12));
        double beta999 = 0.012; // scaled-linear: the last beta is betaEnd
        assertThat(SCALED.alphaBar(999) / SCALED.alphaBar(998)).isCloseTo(1 - beta999, within(1e-12));
        assertThat(FLOW.modelTimestep(0.25)).isEqualTo(250f);
        assertThat(SCALED.modelTimestep(749)).isEqualTo(749f);
    }

    @Test
    void samplersRejectWhatTheyCannotDo() {
        assertThatThrownBy(() -> Sampler.of("ddim", 4, FLOW, PredictionType.VELOCITY)).hasMessageContaining("beta schedule");
        assertThatThrownBy(() -> Sampler.of("flow-euler", 4, SCALED, PredictionType.VELOCITY)).hasMessageContaining("flow-matching");
        assertThatThrownBy(() -> Sampler.of("single-step", 2, SCALED, PredictionType.X0)).hasMessageContaining("exactly 1");
        assertThatThrownBy(() -> Sampler.of("euler-a", 4, SCALED, PredictionType.X0)).hasMessageContaining("unknown sampler");
        assertThatThrownBy(() -> Sampler.of("ddim", 0, SCALED, PredictionType.X0)).hasMessageContaining("steps");
        assertThat(Sampler.of("ddim", 4, SCALED, PredictionType.X0).usesNoise()).isTrue();
        assertThat(Sampler.of("single-step", 1, FLOW, PredictionType.X0).usesNoise()).isFalse();
    }
}
