package io.geostream.operators.inference;

import io.geostream.inference.ClipBatcher;
import io.geostream.inference.ModelHosts;
import io.geostream.inference.ModelSettings;
import io.geostream.inference.RetryPolicy;
import io.geostream.model.torchscript.SharedTorchModels;
import io.geostream.records.ClipResult;
import io.geostream.records.ClipTask;
import io.geostream.records.FrameRecord;
import io.geostream.testing.RepoFiles;
import ai.djl.Device;
import org.apache.flink.api.common.ExecutionConfig;
import org.apache.flink.api.common.TaskInfoImpl;
import org.apache.flink.api.common.externalresource.ExternalResourceInfo;
import org.apache.flink.api.common.functions.DefaultOpenContext;
import org.apache.flink.api.common.functions.util.RuntimeUDFContext;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.apache.flink.streaming.api.functions.async.CollectionSupplier;
import org.apache.flink.streaming.api.functions.async.ResultFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Two inference subtasks in one JVM (two {@link InferenceFunction} instances opened with their own
 * runtime contexts, as two slots of a TaskManager) running the committed TorchScript package through DJL.
 */
class InferenceFunctionHostTest {

    /** A subtask's runtime context: records release hooks and offers the external resources a test gives it. */
    static final class SlotContext extends RuntimeUDFContext {
        final Map<String, Runnable> hooks;
        final Set<ExternalResourceInfo> gpus;

        SlotContext(int subtask, Map<String, Runnable> sharedHooks, Set<ExternalResourceInfo> gpus) {
            super(new TaskInfoImpl("inference", 2, subtask, 2, 0), InferenceFunctionHostTest.class.getClassLoader(),
                    new ExecutionConfig(), new HashMap<>(), new HashMap<>(), UnregisteredMetricsGroup.createOperatorMetricGroup());
            this.hooks = sharedHooks;
            this.gpus = gpus;
        }

        @Override
        public void registerUserCodeClassLoaderReleaseHookIfAbsent(String name, Runnable hook) {
            hooks.putIfAbsent(name, hook);
        }

        @Override
        public Set<ExternalResourceInfo> getExternalResourceInfos(String resourceName) {
            return InferenceFunction.GPU_RESOURCE.equals(resourceName) ? gpus : Set.of();
        }
    }

    static Path tinyPackage() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve("models").resolve("tiny-e2e");
            if (Files.isRegularFile(candidate.resolve("model.json"))) return candidate;
        }
        throw new IllegalStateException("models/tiny-e2e not found");
    }

    private static ClipTask task(String stream, long clipId, long seed) {
        Random rnd = new Random(seed);
        ClipTask t = new ClipTask();
        t.streamId = stream;
        t.clipId = clipId;
        t.frames = new FrameRecord[2];
        for (int i = 0; i < 2; i++) {
            FrameRecord f = new FrameRecord();
            f.streamId = stream;
            f.frameIndex = clipId * 2 + i;
            f.width = 64;
            f.height = 48;
            f.rgb = new byte[64 * 48 * 3];
            rnd.nextBytes(f.rgb);
            t.frames[i] = f;
        }
        return t;
    }

    private static CompletableFuture<ClipResult> invoke(InferenceFunction fn, ClipTask task) {
        CompletableFuture<ClipResult> out = new CompletableFuture<>();
        fn.asyncInvoke(task, new ResultFuture<>() {
            @Override
            public void complete(Collection<ClipResult> result) { out.complete(result.iterator().next()); }

            @Override
            public void completeExceptionally(Throwable error) { out.completeExceptionally(error); }

            @Override
            public void complete(CollectionSupplier<ClipResult> supplier) {
                try {
                    complete(supplier.get());
                } catch (Exception e) {
                    out.completeExceptionally(e);
                }
            }
        });
        return out;
    }

    @Test
    void twoSlotsShareOneLoadedModelAndOneBatch() throws Exception {
        ModelSettings spec = ModelSettings.of(tinyPackage().toString(), "cpu");
        // A long delay: the only way the batch closes quickly is by filling up with both slots' clips.
        ClipBatcher.Settings batching = new ClipBatcher.Settings(1, 4, Duration.ofSeconds(5), 16);
        RetryPolicy policy = new RetryPolicy(1, Duration.ofSeconds(30), Duration.ZERO, Duration.ZERO);
        String key = InferenceFunction.hostKey(spec, batching);
        Map<String, Runnable> hooks = new HashMap<>();
        int loadsBefore = SharedTorchModels.loadCount();
        int hostsBefore = ModelHosts.createdCount();

        InferenceFunction slot0 = new InferenceFunction(spec, batching, policy);
        InferenceFunction slot1 = new InferenceFunction(spec, batching, policy);
        slot0.setRuntimeContext(new SlotContext(0, hooks, Set.of()));
        slot1.setRuntimeContext(new SlotContext(1, hooks, Set.of()));
        try {
            slot0.open(DefaultOpenContext.INSTANCE);
            slot1.open(DefaultOpenContext.INSTANCE);
            assertThat(SharedTorchModels.loadCount() - loadsBefore).as("model loads").isEqualTo(1);
            assertThat(ModelHosts.createdCount() - hostsBefore).as("hosts").isEqualTo(1);
            assertThat(ModelHosts.references(key)).isEqualTo(2);
            assertThat(hooks).containsOnlyKeys("geostream-model-hosts");

            List<CompletableFuture<ClipResult>> results = new ArrayList<>();
            results.add(invoke(slot0, task("cam-a", 0, 1)));
            results.add(invoke(slot1, task("cam-b", 0, 2)));
            results.add(invoke(slot0, task("cam-a", 1, 3)));
            results.add(invoke(slot1, task("cam-b", 1, 4)));
            for (CompletableFuture<ClipResult> f : results) {
                ClipResult r = f.get(4, TimeUnit.SECONDS); // well under the 5 s delay: the batch closed by size
                assertThat(r.failed()).as(r.failureDetail).isFalse();
                assertThat(r.modelId).isEqualTo("tiny-e2e");
            }
            assertThat(results.get(1).get().task.streamId).isEqualTo("cam-b");
        } finally {
            slot0.close();
            slot1.close();
        }
        assertThat(ModelHosts.references(key)).isZero();
        assertThat(SharedTorchModels.referenceCount(tinyPackage(), Device.cpu())).as("model released").isZero();
    }

    @Test
    void openRefusesAClipLengthThePackageCannotTakeBeforeLoadingIt(@TempDir Path dir) throws Exception {
        ModelSettings spec = ModelSettings.of(RepoFiles.fourTimesTemporalPackage(dir).toString(), "cpu");
        int loadsBefore = SharedTorchModels.loadCount();
        InferenceFunction fn = new InferenceFunction(spec, ClipBatcher.Settings.unbatched(1), RetryPolicy.defaults(), 16);
        fn.setRuntimeContext(new SlotContext(0, new HashMap<>(), Set.of()));
        assertThatThrownBy(() -> fn.open(DefaultOpenContext.INSTANCE)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("geostream.clip.length = 16 cannot feed model").hasMessageContaining("1 + 4k frames");
        assertThat(SharedTorchModels.loadCount()).as("model loads").isEqualTo(loadsBefore);
        fn.close();
    }

    @Test
    void aModelWithoutDeviceRunsOnFlinksGpuWhenThereIsOneElseOnTheCpu() {
        ModelSettings spec = ModelSettings.of(tinyPackage().toString(), null);
        assertThat(InferenceFunction.withDevice(spec, List.of(), 0).toString()).endsWith("@cpu");
        assertThat(InferenceFunction.withDevice(spec, List.of(3, 5), 0).toString()).endsWith("@gpu:3");
        assertThat(InferenceFunction.withDevice(spec, List.of(3, 5), 1).toString()).endsWith("@gpu:5");
        ModelSettings pinned = ModelSettings.of(tinyPackage().toString(), "cpu");
        assertThat(InferenceFunction.withDevice(pinned, List.of(3), 0)).isSameAs(pinned);
    }

    @Test
    void theReleaseHookClosesHostsThatWereNotReleased() throws Exception {
        ClipBatcher.Settings batching = ClipBatcher.Settings.unbatched(1);
        ModelSettings spec = ModelSettings.of("simulated", null);
        Map<String, Runnable> hooks = new HashMap<>();
        InferenceFunction fn = new InferenceFunction(spec, batching, RetryPolicy.defaults());
        fn.setRuntimeContext(new SlotContext(0, hooks, Set.of(gpu("0"))));
        fn.open(DefaultOpenContext.INSTANCE);
        String key = InferenceFunction.hostKey(spec, batching);
        assertThat(ModelHosts.references(key)).isEqualTo(1);
        hooks.get("geostream-model-hosts").run(); // Flink drops the user code class loader
        assertThat(ModelHosts.references(key)).isZero();
        fn.close(); // a late close after the hook is harmless
    }

    private static ExternalResourceInfo gpu(String index) {
        return new ExternalResourceInfo() {
            @Override
            public Optional<String> getProperty(String k) { return "index".equals(k) ? Optional.of(index) : Optional.empty(); }

            @Override
            public Collection<String> getKeys() { return Set.of("index"); }
        };
    }
}
