package io.geostream.storage;

import io.geostream.model.ModelInfo;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ObjectKeysTest {

    @Test
    void acceptsOrdinaryKeys() {
        assertThat(ObjectKeys.validateKey("a")).isEqualTo("a");
        assertThat(ObjectKeys.validateKey("m/1/cam-01/seg-000001/frame-0000000042/depth.png"))
                .isEqualTo("m/1/cam-01/seg-000001/frame-0000000042/depth.png");
        assertThat(ObjectKeys.validateKey("a/..b/c..")).isEqualTo("a/..b/c..");
        assertThat(ObjectKeys.validateKey("x".repeat(1024))).hasSize(1024);
    }

    @Test
    void rejectsTraversalAndOddCharacters() {
        String[] bad = {null, "", "/abs", "..", ".", "../x", "a/../b", "a/./b", "a/..", "a//b", "a/", "a\\b",
                "..\\x", "a\u0000b", "a\nb", "a\u007fb", "a\u0085b", "x".repeat(1025), "é".repeat(600)};
        for (String key : bad) {
            assertThatThrownBy(() -> ObjectKeys.validateKey(key)).as(String.valueOf(key))
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void buildsFramePayloadKeys() {
        ModelInfo model = new ModelInfo("simulated", "1.0", false);
        assertThat(ObjectKeys.framePayload(model, "cam-01", 3, 42, 1_700_000_000_000_000L, "depth.png"))
                .isEqualTo("simulated/1.0/cam-01/seg-000003/frame-0000000042-t1700000000000000/depth.png");
        assertThat(ObjectKeys.framePayload(model, "c", 1_234_567, 12_345_678_901L, 0, "p.npy"))
                .isEqualTo("simulated/1.0/c/seg-1234567/frame-12345678901-t0/p.npy");
        // A stream that starts over (same segment and frame numbers, later capture) gets new keys.
        assertThat(ObjectKeys.framePayload(model, "cam-01", 0, 0, 5, "rgb.jpg"))
                .isNotEqualTo(ObjectKeys.framePayload(model, "cam-01", 0, 0, 6, "rgb.jpg"));
        assertThatThrownBy(() -> ObjectKeys.framePayload(model, "../x", 0, 0, 0, "a")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ObjectKeys.framePayload(model, "a/b", 0, 0, 0, "a")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ObjectKeys.framePayload(model, "cam", -1, 0, 0, "a")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ObjectKeys.framePayload(model, "cam", 0, -1, 0, "a")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ObjectKeys.framePayload(model, "cam", 0, 0, 0, "../a")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ObjectKeys.framePayload(model, "cam", 0, 0, 0, "..")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ObjectKeys.framePayload(null, "cam", 0, 0, 0, "a")).isInstanceOf(IllegalArgumentException.class);
    }
}
