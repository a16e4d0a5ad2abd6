package io.geostream.cli;

import io.geostream.storage.S3Settings;
import picocli.CommandLine.Option;

/**
 * The S3 flags of the commands that read or write the object store ({@code produce}, {@code map}): one spelling
 * each, the job's settings under the same names ({@code geostream.storage.s3.*}). {@code --bucket} (map's earlier
 * spelling) stays as an alias of {@code --s3-bucket}.
 */
final class S3Flags {
    @Option(names = "--s3-endpoint", description = "S3 endpoint URL (default: AWS).")
    String endpoint;
    @Option(names = "--s3-region", defaultValue = "us-east-1", description = "S3 region (default ${DEFAULT-VALUE}).")
    String region;
    @Option(names = {"--s3-bucket", "--bucket"}, description = "S3 bucket (the job's geostream.storage.s3.bucket).")
    String bucket;
    @Option(names = "--s3-path-style", arity = "0..1", fallbackValue = "true",
            description = "Path-style S3 addressing (MinIO, s3proxy): --s3-path-style or --s3-path-style=false.")
    Boolean pathStyle;
    @Option(names = "--s3-access-key", description = "S3 access key (static, with --s3-secret-key); default: the AWS default "
            + "credentials chain (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY/AWS_SESSION_TOKEN, AWS_PROFILE, web identity/IRSA, "
            + "container or instance role).")
    String accessKey;
    @Option(names = "--s3-secret-key", description = "S3 secret key (static, with --s3-access-key).")
    String secretKey;

    /**
     * The client settings: static keys from the flags, else the AWS default credentials provider chain.
     *
     * @param defaultBucket    the bucket when --s3-bucket is not given (null: required)
     * @param defaultPathStyle the command's addressing when --s3-path-style is not given
     * @throws IllegalArgumentException naming what is missing
     */
    S3Settings config(String defaultBucket, boolean defaultPathStyle) {
        String b = bucket != null ? bucket : defaultBucket;
        if (b == null) throw new IllegalArgumentException("--s3-bucket is required");
        try {
            return S3Settings.withKeysOrProviderChain(endpoint, region, b, accessKey, secretKey,
                    pathStyle != null ? pathStyle : defaultPathStyle);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(e.getMessage().replace("the S3 access key and the secret key",
                    "--s3-access-key and --s3-secret-key"), e);
        }
    }

    /**
     * A client for these flags whose credentials were found: a command without any stops at start, naming where the
     * chain looked, instead of at its first upload or download.
     *
     * @throws IllegalArgumentException naming what is missing
     */
    io.geostream.storage.S3ObjectStore open(String defaultBucket, boolean defaultPathStyle) {
        io.geostream.storage.S3ObjectStore store = new io.geostream.storage.S3ObjectStore(config(defaultBucket, defaultPathStyle));
        try {
            store.requireCredentials();
        } catch (java.io.IOException e) {
            store.close();
            throw new IllegalArgumentException(e.getMessage() + " (or pass --s3-access-key/--s3-secret-key)", e);
        }
        return store;
    }
}
