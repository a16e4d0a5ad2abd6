package io.geostream.storage;

import org.junit.jupiter.api.Test;


import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** S3ObjectStore itself is exercised against an embedded S3 server elsewhere; here only what needs no server. */
class S3SettingsTest {

    @Test
    void toStringNeverShowsTheSecret() {
        S3Settings config = new S3Settings("http://127.0.0.1:9000", null, "geostream", "AKIAEXAMPLE", "s3cr3t-value", true);
        assertThat(config.region()).isEqualTo("us-east-1");
        assertThat(config.toString()).doesNotContain("s3cr3t-value").doesNotContain("AKIAEXAMPLE")
                .contains("AKIA****").contains("bucket=geostream");
    }

    @Test
    void staticKeysOrTheProviderChainButNeverHalfAKeyPair() {
        S3Settings keys = S3Settings.withKeysOrProviderChain("http://localhost:1234", "eu-west-1", "bkt", "id", "secret", false);
        assertThat(keys.usesProviderChain()).isFalse();
        assertThat(keys.accessKey()).isEqualTo("id");
        assertThat(keys.region()).isEqualTo("eu-west-1");
        // No keys is no longer an error: the SDK's default chain (environment, profile, web identity...) finds them.
        S3Settings chain = S3Settings.withKeysOrProviderChain(null, null, "bkt", null, " ", true);
        assertThat(chain.usesProviderChain()).isTrue();
        assertThat(chain.toString()).contains("credentials=AWS default provider chain");
        assertThatThrownBy(() -> S3Settings.withKeysOrProviderChain(null, null, "bkt", "given", null, true))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("give both");
    }

    @Test
    void validatesItsFields() {
        assertThatThrownBy(() -> new S3Settings("ftp://x", null, "bkt", "a", "b", true)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new S3Settings(null, null, "Bad_Bucket", "a", "b", true)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new S3Settings(null, null, "bkt", "", "b", true)).isInstanceOf(IllegalArgumentException.class);
        assertThat(new S3Settings(" ", null, "bkt", "a", "b", true).endpoint()).isNull();
    }

    @Test
    void storeMapsKeysAndUrisWithoutContactingTheServer() {
        try (S3ObjectStore store = new S3ObjectStore(new S3Settings("http://127.0.0.1:1", null, "bkt", "a", "b", true))) {
            assertThat(store.uriOf("m/1/x.png")).isEqualTo("s3://bkt/m/1/x.png");
            assertThat(store.keyOf("s3://bkt/m/1/x.png")).contains("m/1/x.png");
            assertThat(store.keyOf("s3://other/m/1/x.png")).isEmpty();
            assertThat(store.keyOf("s3://bkt/../x")).isEmpty();
            assertThat(store.keyOf("s3://bkt")).isEmpty();
            assertThatThrownBy(() -> store.uriOf("../x")).isInstanceOf(IllegalArgumentException.class);
        }
    }
}
