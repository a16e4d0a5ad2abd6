package io.geostream.operators.inference;

import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;

import java.time.Duration;

/** Settings of the inference stage: the model package, its device and the model host. Keys under {@code geostream.}; the job reads them in {@code GeometryJob}. */
public final class InferenceOptions {
    private InferenceOptions() {}

    public static final ConfigOption<String> MODEL = ConfigOptions.key("geostream.model")
            .stringType().defaultValue("simulated")
            .withDescription("'simulated' (measuring instrument for synthetic streams) or a TorchScript model package directory "
                    + "(form 'end-to-end' or 'decomposed', see docs/model-contract.md).");

    public static final ConfigOption<String> DEVICE = ConfigOptions.key("geostream.model.device")
            .stringType().noDefaultValue().withDescription("'cpu' or 'gpu:N'; default cpu.");

    public static final ConfigOption<Integer> WORKERS = ConfigOptions.key("geostream.inference.workers")
            .intType().defaultValue(1).withDescription("Model worker threads of the TaskManager's model host, shared by its "
                    + "slots (one predictor each; the weights are loaded once per JVM and device).");

    public static final ConfigOption<Integer> MAX_BATCH = ConfigOptions.key("geostream.inference.max-batch")
            .intType().defaultValue(1).withDescription("Most clips per forward pass, from any stream and slot of the "
                    + "TaskManager; also capped by the package's maxBatch. 1 = no batching.");

    public static final ConfigOption<Duration> MAX_BATCH_DELAY = ConfigOptions.key("geostream.inference.max-batch-delay")
            .durationType().defaultValue(Duration.ofMillis(10)).withDescription("Longest a batch waits for more clips "
                    + "after its first one before it runs partly filled.");

    public static final ConfigOption<Integer> QUEUE_CAPACITY = ConfigOptions.key("geostream.inference.queue-capacity")
            .intType().defaultValue(16).withDescription("Clips waiting for a model worker per TaskManager; when full, "
                    + "the async operator blocks and backpressure reaches the Kafka source.");

    public static final ConfigOption<Integer> CAPACITY = ConfigOptions.key("geostream.inference.capacity")
            .intType().defaultValue(4).withDescription("Clips in flight per subtask; beyond it the async operator backpressures.");

    public static final ConfigOption<Integer> MAX_ATTEMPTS = ConfigOptions.key("geostream.inference.max-attempts")
            .intType().defaultValue(3).withDescription("Attempts per clip before it is dead-lettered.");

    public static final ConfigOption<Duration> ATTEMPT_TIMEOUT = ConfigOptions.key("geostream.inference.attempt-timeout")
            .durationType().defaultValue(Duration.ofSeconds(60)).withDescription("Deadline of one inference attempt.");
}
