package io.geostream.storage;

import java.io.Serializable;
import java.net.URI;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Where and how to reach an S3-compatible store. {@link #toString()} masks the credentials so that the
 * config can be logged.
 *
 * @param endpoint  endpoint override, e.g. {@code http://127.0.0.1:9000}; null or blank for AWS itself
 * @param region    signing region; null or blank means {@code us-east-1}
 * @param bucket    the bucket all keys live in
 * @param accessKey access key id
 * @param secretKey secret access key
 * @param pathStyle path-style addressing ({@code endpoint/bucket/key}), needed by most non-AWS servers
 */
public record S3Settings(String endpoint, String region, String bucket, String accessKey, String secretKey,
                       boolean pathStyle) implements Serializable {
    /** Region used when none is given. */
    public static final String DEFAULT_REGION = "us-east-1";

    private static final Pattern BUCKET = Pattern.compile("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]");

    public S3Settings {
        if (endpoint != null && endpoint.isBlank()) {
            endpoint = null;
        }
        if (endpoint != null) {
            URI uri;
            try {
                uri = URI.create(endpoint);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("endpoint is not a URI: " + endpoint, e);
            }
            if (uri.getScheme() == null || uri.getHost() == null
                    || !(uri.getScheme().equals("http") || uri.getScheme().equals("https"))) {
                throw new IllegalArgumentException("endpoint must be an http(s) URL with a host: " + endpoint);
            }
        }
        region = region == null || region.isBlank() ? DEFAULT_REGION : region;
        if (bucket == null || !BUCKET.matcher(bucket).matches()) {
            throw new IllegalArgumentException("bucket must be a valid S3 bucket name (3-63 of a-z 0-9 . -), got: " + bucket);
        }
        if (accessKey == null || accessKey.isBlank() || secretKey == null || secretKey.isBlank()) {
            throw new IllegalArgumentException("accessKey and secretKey must not be blank");
        }
    }

    /**
     * The keys given (command-line flags, job settings), each one not given from AWS_ACCESS_KEY_ID /
     * AWS_SECRET_ACCESS_KEY of {@code env}: the one rule for the job and every command.
     *
     * @throws IllegalArgumentException if a key is missing or blank either way, or another setting is invalid
     */
    public static S3Settings withKeysOrEnvironment(Map<String, String> env, String endpoint, String region, String bucket,
                                                 String accessKeyOrNull, String secretKeyOrNull, boolean pathStyle) {
        if (env == null) {
            throw new IllegalArgumentException("env must not be null");
        }
        String accessKey = accessKeyOrNull != null ? accessKeyOrNull : env.get("AWS_ACCESS_KEY_ID");
        String secretKey = secretKeyOrNull != null ? secretKeyOrNull : env.get("AWS_SECRET_ACCESS_KEY");
        if (accessKey == null || accessKey.isBlank() || secretKey == null || secretKey.isBlank()) {
            throw new IllegalArgumentException("S3 credentials missing: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY or give the keys");
        }
        return new S3Settings(endpoint, region, bucket, accessKey, secretKey, pathStyle);
    }

    /** Renders the config with the secret key hidden and the access key shortened. */
    @Override
    public String toString() {
        String shownAccessKey = accessKey.length() > 4 ? accessKey.substring(0, 4) + "****" : "****";
        return "S3Settings[endpoint=" + endpoint + ", region=" + region + ", bucket=" + bucket
                + ", accessKey=" + shownAccessKey + ", secretKey=****, pathStyle=" + pathStyle + "]";
    }
}
