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
    @Option(names = "--s3-access-key", description = "S3 access key; default AWS_ACCESS_KEY_ID.")
    String accessKey;
    @Option(names = "--s3-secret-key", description = "S3 secret key; default AWS_SECRET_ACCESS_KEY.")
    String secretKey;

    /**
     * The client settings: keys from the flags, else from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY.
     *
     * @param defaultBucket    the bucket when --s3-bucket is not given (null: required)
     * @param defaultPathStyle the command's addressing when --s3-path-style is not given
     * @throws IllegalArgumentException naming what is missing
     */
    S3Settings config(String defaultBucket, boolean defaultPathStyle) {
        String b = bucket != null ? bucket : defaultBucket;
        if (b == null) throw new IllegalArgumentException("--s3-bucket is required");
        try {
            return S3Settings.withKeysOrEnvironment(System.getenv(), endpoint, region, b, accessKey, secretKey,
                    pathStyle != null ? pathStyle : defaultPathStyle);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(e.getMessage().replace("give the keys", "pass --s3-access-key/--s3-secret-key"), e);
        }
    }
}
