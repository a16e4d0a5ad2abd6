package io.geostream.jobs;

import io.geostream.clip.KeyframePolicy;
import io.geostream.operators.clip.ClipOptions;
import io.geostream.operators.sink.StorageOptions;
import io.geostream.operators.stitch.StitchOptions;
import io.geostream.stitch.OverlapPolicy;
import io.geostream.stitch.StitchMethod;
import io.geostream.storage.StorageSettings;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The per-stage option classes: the documented spellings of enum settings still parse, and nothing is declared twice. */
class StageOptionsTest {

    private static <T> T read(ConfigOption<T> option, String value) {
        return Configuration.fromMap(Map.of(option.key(), value)).get(option);
    }

    @Test
    void theDocumentedSpellingsOfEnumSettingsParse() {
        assertThat(read(ClipOptions.KEYFRAME_POLICY, "first-only")).isEqualTo(KeyframePolicy.FIRST_ONLY);
        assertThat(read(ClipOptions.KEYFRAME_POLICY, "refresh")).isEqualTo(KeyframePolicy.REFRESH);
        assertThat(read(StitchOptions.METHOD, "naive")).isEqualTo(StitchMethod.NAIVE);
        assertThat(read(StitchOptions.METHOD, "robust")).isEqualTo(StitchMethod.ROBUST);
        assertThat(read(StitchOptions.METHOD, "robust_keyframes")).isEqualTo(StitchMethod.ROBUST_KEYFRAMES);
        assertThat(read(StitchOptions.OVERLAP_POLICY, "first")).isEqualTo(OverlapPolicy.FIRST);
        assertThat(read(StitchOptions.OVERLAP_POLICY, "blended")).isEqualTo(OverlapPolicy.BLENDED);
        assertThat(read(StorageOptions.KIND, "s3")).isEqualTo(StorageSettings.Kind.S3);
        assertThat(read(StorageOptions.KIND, "LOCAL")).isEqualTo(StorageSettings.Kind.LOCAL);
        // Defaults are written back in the same spelling (flink-conf dumps, the dashboard's job configuration).
        Configuration c = new Configuration();
        c.set(ClipOptions.KEYFRAME_POLICY, KeyframePolicy.REFRESH);
        c.set(StitchOptions.METHOD, StitchMethod.ROBUST_KEYFRAMES);
        assertThat(c.toMap()).containsEntry(ClipOptions.KEYFRAME_POLICY.key(), "refresh")
                .containsEntry(StitchOptions.METHOD.key(), "robust_keyframes");
    }

    /**
     * One rule for the keyframe policy, which the job applies and the demo leaves to it (before, the job defaulted to
     * first-only whatever the model while the demo chose by the model): unset, refresh with a model package and
     * first-only with the simulated model; a set value wins either way.
     */
    @Test
    void theKeyframePolicyUnsetFollowsTheModelAndASetOneWins() {
        Configuration unset = new Configuration();
        assertThat(ClipOptions.keyframePolicy(unset, true)).isEqualTo(KeyframePolicy.FIRST_ONLY);
        assertThat(ClipOptions.keyframePolicy(unset, false)).isEqualTo(KeyframePolicy.REFRESH);
        assertThat(ClipOptions.keyframePolicy(Configuration.fromMap(Map.of(ClipOptions.KEYFRAME_POLICY.key(), "first-only")), false))
                .isEqualTo(KeyframePolicy.FIRST_ONLY);
        assertThat(ClipOptions.keyframePolicy(Configuration.fromMap(Map.of(ClipOptions.KEYFRAME_POLICY.key(), "refresh")), true))
                .isEqualTo(KeyframePolicy.REFRESH);
    }

    /** The payload stores' retry budget is an option (a store outage of a minute is a pause, not a restart). */
    @Test
    void theStoresRetryForTheConfiguredTime() {
        assertThat(GeometryJob.storageSettings(new Configuration()).retryFor()).isEqualTo(java.time.Duration.ofSeconds(100));
        assertThat(GeometryJob.storageSettings(Configuration.fromMap(Map.of(StorageOptions.RETRY_FOR.key(), "30 s",
                StorageOptions.KIND.key(), "local", StorageOptions.LOCAL_DIR.key(), "/tmp/x"))).retryFor())
                .isEqualTo(java.time.Duration.ofSeconds(30));
        // Flink's duration parser refuses "-1 s" already; the settings refuse a negative duration given in code.
        assertThatThrownBy(() -> GeometryJob.storageSettings(new Configuration()).retryingFor(java.time.Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(GeometryJob.storageSettings(new Configuration()).retryingFor(java.time.Duration.ofNanos(1)).retryFor())
                .as("a budget under a millisecond still retries").isEqualTo(java.time.Duration.ofMillis(1));
    }

    @Test
    void aMisspelledEnumValueFailsInsteadOfFallingBackToADefault() {
        // Before enum options, any storage kind but "local" silently meant S3.
        assertThatThrownBy(() -> read(StorageOptions.KIND, "locl")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> read(StitchOptions.METHOD, "robust_keyframe")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void everyKeyIsUnderGeostreamAndDeclaredOnce() throws IllegalAccessException {
        List<String> keys = new ArrayList<>();
        for (Class<?> options : GeometryJobOptions.OPTION_CLASSES) {
            for (Field f : options.getFields()) {
                if (Modifier.isStatic(f.getModifiers()) && ConfigOption.class.isAssignableFrom(f.getType())) {
                    keys.add(((ConfigOption<?>) f.get(null)).key());
                }
            }
        }
        assertThat(keys).allMatch(k -> k.startsWith("geostream.")).doesNotHaveDuplicates();
        assertThat(JobConfigs.knownKeys()).containsExactlyInAnyOrderElementsOf(keys);
        assertThat(keys).contains("geostream.kafka.bootstrap-servers", "geostream.clip.length", "geostream.stitch.method",
                "geostream.storage.s3.bucket", "geostream.sink.transaction-timeout", "geostream.ingest.claim-check");
    }
}
