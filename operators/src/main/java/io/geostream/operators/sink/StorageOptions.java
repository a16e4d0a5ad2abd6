package io.geostream.operators.sink;

import io.geostream.storage.StorageSettings;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;

/** Where payloads go (written by the stitch stage, read by the ingest stage for claim checks). Keys under {@code geostream.}; the job reads them in {@code GeometryJob}. */
public final class StorageOptions {
    private StorageOptions() {}

    public static final ConfigOption<StorageSettings.Kind> KIND = ConfigOptions.key("geostream.storage.kind")
            .enumType(StorageSettings.Kind.class).defaultValue(StorageSettings.Kind.S3).withDescription("'s3' or 'local'.");

    public static final ConfigOption<String> LOCAL_DIR = ConfigOptions.key("geostream.storage.local-dir")
            .stringType().defaultValue("geostream-objects").withDescription("Root directory of the local object store.");

    public static final ConfigOption<String> S3_ENDPOINT = ConfigOptions.key("geostream.storage.s3.endpoint")
            .stringType().noDefaultValue().withDescription("S3 endpoint URL (unset = AWS).");

    public static final ConfigOption<String> S3_REGION = ConfigOptions.key("geostream.storage.s3.region")
            .stringType().defaultValue("us-east-1").withDescription("S3 region.");

    public static final ConfigOption<String> S3_BUCKET = ConfigOptions.key("geostream.storage.s3.bucket")
            .stringType().defaultValue("geostream").withDescription("Bucket for payloads.");

    public static final ConfigOption<Boolean> S3_PATH_STYLE = ConfigOptions.key("geostream.storage.s3.path-style")
            .booleanType().defaultValue(true).withDescription("Path-style requests (MinIO, s3proxy).");

    public static final ConfigOption<String> S3_ACCESS_KEY = ConfigOptions.key("geostream.storage.s3.access-key")
            .stringType().noDefaultValue().withDescription("Static access key (with the secret key); unset: the AWS default credentials chain "
                    + "(AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY/AWS_SESSION_TOKEN, profile, web identity/IRSA, container or instance role).");

    public static final ConfigOption<java.time.Duration> RETRY_FOR = ConfigOptions.key("geostream.storage.retry-for")
            .durationType().defaultValue(StorageSettings.DEFAULT_RETRY_FOR).withDescription("How long a payload write or a "
                    + "claim-check read that fails transiently (5xx, throttling, connection refused or reset, timeouts) is retried, "
                    + "100 ms doubling to 5 s, before the job fails and restarts from its checkpoint; 0 s: not retried. The default "
                    + "rides out an object-store outage of up to about 1.5 minutes as a pause (the stitch stage's drain before a "
                    + "checkpoint barrier waits, and the checkpoint completes late) and stays below the checkpoint timeout (2 min), "
                    + "so that a longer outage restarts the job instead of timing out checkpoint after checkpoint. It bounds when "
                    + "the last retry starts: against a store that does not answer at all (no connection refused), one attempt "
                    + "adds up to 30 s. Keep it below execution.checkpointing.timeout.");

    public static final ConfigOption<String> S3_SECRET_KEY = ConfigOptions.key("geostream.storage.s3.secret-key")
            .stringType().noDefaultValue().withDescription("Static secret key (with the access key); unset: the AWS default credentials chain. Never logged.");
}
