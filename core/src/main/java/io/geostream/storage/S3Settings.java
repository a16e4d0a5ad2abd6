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
 * @param accessKey access key id; null (with a null secret key) for the AWS SDK's default credentials provider chain
 * @param secretKey secret access key; null (with a null access key) for the chain
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
        if (accessKey != null && accessKey.isBlank()) accessKey = null;
        if (secretKey != null && secretKey.isBlank()) secretKey = null;
        if ((accessKey == null) != (secretKey == null)) {
            // Half a key pair is a mistake, not a request for the provider chain: say so instead of guessing.
            throw new IllegalArgumentException("give both the S3 access key and the secret key, or neither (then the AWS"
                    + " default credentials provider chain is used)");
        }
    }

    /**
     * Whether the client takes its credentials from the AWS SDK's default provider chain (no static keys given):
     * AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN, the aws.accessKeyId / aws.secretAccessKey system
     * properties, web identity (EKS IRSA: AWS_ROLE_ARN + AWS_WEB_IDENTITY_TOKEN_FILE), the shared credentials and
     * config files (AWS_PROFILE), container credentials (ECS, EKS Pod Identity) and the EC2 instance profile.
     */
    public boolean usesProviderChain() {
        return accessKey == null;
    }

    /**
     * The keys given (command-line flags, job settings) as static credentials, or, when neither is given, the AWS SDK's
     * default provider chain ({@link #usesProviderChain}): the one rule for the job and every command.
     *
     * @throws IllegalArgumentException if only one of the keys is given, or another setting is invalid
     */
    public static S3Settings withKeysOrProviderChain(String endpoint, String region, String bucket,
                                                     String accessKeyOrNull, String secretKeyOrNull, boolean pathStyle) {
        return new S3Settings(endpoint, region, bucket, accessKeyOrNull, secretKeyOrNull, pathStyle);
    }

    /** Renders the config with the secret key hidden and the access key shortened. */
    @Override
    public String toString() {
        String credentials = usesProviderChain() ? "credentials=AWS default provider chain"
                : "accessKey=" + (accessKey.length() > 4 ? accessKey.substring(0, 4) + "****" : "****") + ", secretKey=****";
        return "S3Settings[endpoint=" + endpoint + ", region=" + region + ", bucket=" + bucket
                + ", " + credentials + ", pathStyle=" + pathStyle + "]";
    }
}
