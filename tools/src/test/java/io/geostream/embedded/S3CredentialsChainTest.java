package io.geostream.embedded;

import io.geostream.storage.S3ObjectStore;
import io.geostream.storage.S3Settings;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * An S3 client given no static keys takes its credentials from the AWS SDK's default provider chain, and writes to
 * the real S3 API (s3proxy) with them: from the aws.accessKeyId / aws.secretAccessKey system properties, and from a
 * shared credentials file's profile. Wrong keys from the chain are refused by the server, so the chain's keys are the
 * ones used. The instance-metadata link is switched off: it would call an address off this machine.
 */
class S3CredentialsChainTest {
    private static final String ACCESS = "chain-access";
    private static final String SECRET = "chain-secret-key";
    private static final String BUCKET = "chain";
    /** System properties the SDK's chain reads; set by the tests, restored after each. */
    private static final List<String> PROPERTIES = List.of("aws.accessKeyId", "aws.secretAccessKey", "aws.sessionToken",
            "aws.sharedCredentialsFile", "aws.configFile", "aws.profile", "aws.disableEc2Metadata");

    @TempDir
    Path dir;
    private EmbeddedS3 s3;
    private final Map<String, String> saved = new HashMap<>();

    @BeforeEach
    void start() {
        for (String p : PROPERTIES) saved.put(p, System.getProperty(p));
        PROPERTIES.forEach(System::clearProperty);
        System.setProperty("aws.disableEc2Metadata", "true");
        s3 = EmbeddedS3.start(dir.resolve("s3"), 0, ACCESS, SECRET);
        s3.createBucket(BUCKET);
    }

    @AfterEach
    void stop() {
        s3.close();
        saved.forEach((k, v) -> {
            if (v == null) System.clearProperty(k);
            else System.setProperty(k, v);
        });
    }

    private S3ObjectStore storeWithoutKeys() {
        S3Settings settings = S3Settings.withKeysOrProviderChain(s3.endpoint().toString(), "us-east-1", BUCKET, null, null, true);
        assertThat(settings.usesProviderChain()).isTrue();
        return new S3ObjectStore(settings);
    }

    @Test
    void keysFromSystemPropertiesWrite() throws Exception {
        System.setProperty("aws.accessKeyId", ACCESS);
        System.setProperty("aws.secretAccessKey", SECRET);
        try (S3ObjectStore store = storeWithoutKeys()) {
            store.requireCredentials();
            store.put("chain/props.txt", "from system properties".getBytes(StandardCharsets.UTF_8), "text/plain");
            assertThat(new String(store.get("chain/props.txt"), StandardCharsets.UTF_8)).isEqualTo("from system properties");
        }
        System.setProperty("aws.secretAccessKey", "not-" + SECRET);
        try (S3ObjectStore store = storeWithoutKeys()) {
            assertThatThrownBy(() -> store.put("chain/refused.txt", new byte[1], null)).isInstanceOf(AccessDeniedException.class);
        }
    }

    @Test
    void keysFromASharedCredentialsFileProfileWrite() throws Exception {
        // Environment keys come before profiles in the chain; where a shell exported some, this case cannot be told apart.
        Assumptions.assumeTrue(System.getenv("AWS_ACCESS_KEY_ID") == null, "AWS_ACCESS_KEY_ID is set in the environment");
        Path credentials = dir.resolve("credentials");
        Files.writeString(credentials, "[geostream-test]\naws_access_key_id = " + ACCESS + "\naws_secret_access_key = " + SECRET + "\n");
        Path config = dir.resolve("config");
        Files.writeString(config, "");
        System.setProperty("aws.sharedCredentialsFile", credentials.toString());
        System.setProperty("aws.configFile", config.toString());
        System.setProperty("aws.profile", "geostream-test");
        try (S3ObjectStore store = storeWithoutKeys()) {
            store.put("chain/profile.txt", "from a profile".getBytes(StandardCharsets.UTF_8), "text/plain");
            assertThat(store.list("chain/")).containsExactly("chain/profile.txt");
        }
    }

    @Test
    void noCredentialsAnywhereFailsAtStartNamingWhereTheChainLooked() throws IOException {
        Assumptions.assumeTrue(System.getenv("AWS_ACCESS_KEY_ID") == null && System.getenv("AWS_WEB_IDENTITY_TOKEN_FILE") == null
                && System.getenv("AWS_CONTAINER_CREDENTIALS_FULL_URI") == null
                && System.getenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI") == null, "credentials in the environment");
        Path empty = dir.resolve("empty");
        Files.writeString(empty, "");
        System.setProperty("aws.sharedCredentialsFile", empty.toString());
        System.setProperty("aws.configFile", empty.toString());
        try (S3ObjectStore store = storeWithoutKeys()) {
            assertThatThrownBy(store::requireCredentials).isInstanceOf(IOException.class)
                    .hasMessageContaining("no S3 credentials").hasMessageContaining("AWS_WEB_IDENTITY_TOKEN_FILE");
        }
    }
}
