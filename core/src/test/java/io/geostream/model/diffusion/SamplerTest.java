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
    /** CogVideoX-5B's scheduler: scaled-linear, zero terminal SNR, diffusers' half-to-even trailing grid. */
    private static final NoiseSchedule ZSNR = SCALED.withRescaleZeroSnr(true).withTimestepRounding(NoiseSchedule.TimestepRounding.HALF_EVEN);
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

    /**
     * Reference values from models/diffusion_reference.py (numpy, float64: diffusers' rescale_zero_terminal_snr on
     * alphas_cumprod, as CogVideoXDDIMScheduler applies it); the paper's Algorithm 1 on betas (DDIMScheduler's
     * form, float64) agrees with them to 4e-21. ScheduleCrossCheckTest compares every t.
     */
    @Test
    void zeroTerminalSnrRescalesAlphaBarToZeroAtTheLastStepAndKeepsTheFirst() {
        assertThat(ZSNR.alphaBar(999)).isEqualTo(0.0);
        assertThat(ZSNR.alphaBar(0)).isCloseTo(0.99915, within(1e-15));
        double[][] reference = {
                {1, 0.9982334461401823}, {249, 0.6541890065386031}, {499, 0.24235916655614523},
                {749, 0.033171482831862664}, {998, 1.967888056621291e-07}};
        for (double[] r : reference) {
            assertThat(ZSNR.alphaBar((int) r[0])).as("alphaBar_%d", (int) r[0]).isCloseTo(r[1], within(1e-14));
        }
        NoiseSchedule linear = LINEAR.withRescaleZeroSnr(true);
        assertThat(linear.alphaBar(999)).isEqualTo(0.0);
        assertThat(linear.alphaBar(499)).isCloseTo(0.07602875054711478, within(1e-14));
        assertThat(linear.alphaBar(998)).isCloseTo(4.213262465088072e-09, within(1e-20));
        // The options default to off: the schedule is the one of before.
        assertThat(SCALED.rescaleZeroSnr()).isFalse();
        assertThat(SCALED.timestepRounding()).isEqualTo(NoiseSchedule.TimestepRounding.HALF_UP);
        assertThat(SCALED.alphaBar(999)).isCloseTo(0.004660098513077238, within(1e-15));
    }

    /**
     * The trailing grid against diffusers' {@code np.round(np.arange(1000, 0, -1000 / N)) - 1} (numpy 1.24,
     * models/diffusion_reference.py; ScheduleCrossCheckTest compares every N from 1 to 1000).
     */
    @Test
    void trailingTimestepsRoundHalfUpByDefaultAndHalfToEvenAsDiffusers() {
        assertThat(SCALED.trailingTimesteps(16)).containsExactly(
                999, 937, 874, 812, 749, 687, 624, 562, 499, 437, 374, 312, 249, 187, 124, 62);
        assertThat(ZSNR.trailingTimesteps(16)).containsExactly(
                999, 937, 874, 811, 749, 687, 624, 561, 499, 437, 374, 311, 249, 187, 124, 61);
        assertThat(ZSNR.trailingTimesteps(3)).containsExactly(999, 666, 332);
        assertThat(ZSNR.trailingTimesteps(4)).containsExactly(999, 749, 499, 249);
        // 48: T - i T / N is not exact in binary, so numpy's arange arithmetic decides (936 at i = 3, not 937).
        assertThat(ZSNR.trailingTimesteps(48)).containsExactly(
                999, 978, 957, 936, 916, 895, 874, 853, 832, 811, 791, 770, 749, 728, 707, 686, 666, 645, 624, 603, 582,
                561, 541, 520, 499, 478, 457, 436, 416, 395, 374, 353, 332, 311, 291, 270, 249, 228, 207, 186, 166, 145,
                124, 103, 82, 61, 41, 20);
        // 61: numpy's arange gives 62 values, the last timestep -1; the sampler takes the first 61.
        int[] t61 = ZSNR.trailingTimesteps(61);
        assertThat(t61).hasSize(61);
        assertThat(t61[59]).isEqualTo(32);
        assertThat(t61[60]).isEqualTo(15);
        // CogVideoX's 50 steps: exact multiples, both roundings agree.
        assertThat(ZSNR.trailingTimesteps(50)).containsExactly(SCALED.trailingTimesteps(50));
        assertThat(ZSNR.trailingTimesteps(50)[49]).isEqualTo(19);
        assertThat(new DdimSampler(ZSNR, PredictionType.VELOCITY, 16).timesteps()).containsExactly(ZSNR.trailingTimesteps(16));
    }

    @Test
    void atZeroTerminalSnrVelocityAndX0AreExactAndEpsilonIsRefused() throws Exception {
        float[] x0 = gaussian(24, 6), eps = gaussian(24, 7);
        for (PredictionType p : List.of(PredictionType.VELOCITY, PredictionType.X0)) {
            DdimSampler ddim = new DdimSampler(ZSNR, p, 16);
            NDArray clean = manager.create(x0, new Shape(2, 3, 4));
            NDArray noise = manager.create(eps, new Shape(2, 3, 4));
            Oracle oracle = new Oracle(clean, ZSNR, p);
            // alphaBar_999 = 0: the initial latents are the noise itself, nothing of x0.
            float[] result = ddim.sample(oracle, noise).toFloatArray();
            assertClose(result, x0, 2e-4f);
            assertThat(oracle.times.get(0)).isEqualTo(999.0);
            assertThat(oracle.times.get(3)).isEqualTo(811.0);
            for (int i = 1; i < 16; i++) {
                double abi = ZSNR.alphaBar(oracle.times.get(i).intValue());
                float[] want = new float[24];
                for (int k = 0; k < 24; k++) want[k] = (float) (Math.sqrt(abi) * x0[k] + Math.sqrt(1 - abi) * eps[k]);
                assertClose(oracle.inputs.get(i), want, 2e-4f);
            }
            // The single step from zeros at t = 999: v = -x0 there, so x0_hat = -v exactly.
            Oracle single = new Oracle(clean, ZSNR, p);
            assertClose(new SingleStepSampler(ZSNR, p).sample(single, manager.zeros(new Shape(2, 3, 4))).toFloatArray(), x0, 1e-6f);
        }
        assertThatThrownBy(() -> new DdimSampler(ZSNR, PredictionType.EPSILON, 4)).hasMessageContaining("alphaBar = 0");
        assertThatThrownBy(() -> Sampler.of("single-step", 1, ZSNR, PredictionType.EPSILON)).hasMessageContaining("alphaBar = 0");
        NDArray x = manager.zeros(new Shape(3));
        assertThatThrownBy(() -> Estimate.of(PredictionType.EPSILON, ZSNR, x, x, 999)).hasMessageContaining("alphaBar = 0");
        assertThatThrownBy(() -> FLOW.withRescaleZeroSnr(true)).hasMessageContaining("beta schedules");
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
