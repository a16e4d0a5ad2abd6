package io.geostream.storage;

import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.model.BucketAlreadyOwnedByYouException;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectRequest;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.NoSuchBucketException;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.NoSuchFileException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * An {@link ObjectStore} in one S3 bucket, through the AWS SDK v2 with the JDK URL-connection HTTP client.
 * URIs are {@code s3://<bucket>/<key>}.
 *
 * <p>Transient failures (throttling, 5xx, connection errors) are retried inside the SDK by its standard
 * retry strategy with up to {@value #MAX_ATTEMPTS} attempts and exponential back-off with jitter; what still
 * fails surfaces as a classified IOException (see {@link #io}; {@link RetryingObjectStore} retries the
 * transient ones for longer). Each attempt is bounded by {@link #ATTEMPT_TIMEOUT} and each call by
 * {@link #CALL_TIMEOUT}. Checksums are only computed and validated when an operation requires them, since
 * several S3-compatible servers reject the SDK's default trailing checksums. A PUT is atomic for readers by
 * S3's own semantics. Thread-safe (S3Client is).
 */
public final class S3ObjectStore implements ObjectStore {
    /** Attempts per call, the first included. */
    public static final int MAX_ATTEMPTS = 5;
    /** Longest single HTTP attempt. */
    public static final Duration ATTEMPT_TIMEOUT = Duration.ofSeconds(30);
    /** Longest call, all attempts and back-off included. */
    public static final Duration CALL_TIMEOUT = Duration.ofMinutes(2);

    private final S3Settings config;
    private final S3Client client;
    private final AwsCredentialsProvider credentials;

    /** Builds a client for {@code config}; no request is made until first use. */
    public S3ObjectStore(S3Settings config) {
        if (config == null) {
            throw new IllegalArgumentException("config must not be null");
        }
        this.config = config;
        // Static keys when given; otherwise the SDK's default chain, which finds session tokens, IRSA web identity
        // (sts is on the class path for it), profiles and container or instance roles, and refreshes them.
        this.credentials = config.usesProviderChain() ? DefaultCredentialsProvider.builder().build()
                : StaticCredentialsProvider.create(AwsBasicCredentials.create(config.accessKey(), config.secretKey()));
        S3ClientBuilder builder = S3Client.builder()
                .httpClient(UrlConnectionHttpClient.builder()
                        .connectionTimeout(Duration.ofSeconds(10))
                        .socketTimeout(ATTEMPT_TIMEOUT)
                        .build())
                .region(Region.of(config.region()))
                .credentialsProvider(credentials)
                .forcePathStyle(config.pathStyle())
                // Over plain HTTP (an in-cluster MinIO, the embedded store) the SDK signs the payload; chunked, it signs
                // and writes it in small chunks, one socket write each. A payload in memory is signed in one pass and
                // sent with its length: about 9 % less CPU per PUT of this job's payload sizes, client and server together
                // (docs/benchmarks.md, session 22). Over HTTPS the payload is not signed (checksums only where required,
                // below) and nothing changes.
                .serviceConfiguration(S3Configuration.builder().chunkedEncodingEnabled(false).build())
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                .overrideConfiguration(o -> o
                        // The URL-connection client mishandles 'Expect: 100-continue' when a server closes a
                        // kept-alive connection: it throws an UncheckedIOException that the SDK does not
                        // retry. Small payload PUTs gain nothing from 100-continue, so it is dropped.
                        .addExecutionInterceptor(new NoExpectContinue())
                        .retryStrategy(AwsRetryStrategy.standardRetryStrategy().toBuilder()
                                .maxAttempts(MAX_ATTEMPTS).build())
                        .apiCallAttemptTimeout(ATTEMPT_TIMEOUT)
                        .apiCallTimeout(CALL_TIMEOUT));
        if (config.endpoint() != null) {
            builder.endpointOverride(URI.create(config.endpoint()));
        }
        this.client = builder.build();
    }

    /** The configuration (credentials masked in its toString). */
    public S3Settings config() {
        return config;
    }

    /**
     * Resolves the credentials once, so that a command without any fails at start with a clear message instead of at
     * its first upload (where a provider-chain failure reads as a transient client error and is retried).
     *
     * @throws IOException naming the places the chain looked, when none holds credentials
     */
    public void requireCredentials() throws IOException {
        try {
            credentials.resolveCredentials();
        } catch (SdkException e) {
            throw new IOException("no S3 credentials: give static keys, or provide them where the AWS default chain looks"
                    + " (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY[/AWS_SESSION_TOKEN], aws.accessKeyId/aws.secretAccessKey,"
                    + " AWS_PROFILE and ~/.aws/credentials, AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN, container or instance"
                    + " role): " + e.getMessage(), e);
        }
    }

    /** The bucket of this store. */
    public String bucket() {
        return config.bucket();
    }

    /** Creates the bucket unless it exists already (also when another client creates it concurrently). */
    public void createBucketIfMissing() throws IOException {
        try {
            client.headBucket(b -> b.bucket(config.bucket()));
            return;
        } catch (NoSuchBucketException e) {
            // create below
        } catch (S3Exception e) {
            if (e.statusCode() != 404) {
                throw io("head bucket " + config.bucket(), e);
            }
        } catch (SdkException e) {
            throw io("head bucket " + config.bucket(), e);
        }
        try {
            client.createBucket(b -> b.bucket(config.bucket()));
        } catch (BucketAlreadyOwnedByYouException e) {
            // someone else made it in between: fine
        } catch (S3Exception e) {
            if (!"BucketAlreadyOwnedByYou".equals(e.awsErrorDetails() == null ? null : e.awsErrorDetails().errorCode())) {
                throw io("create bucket " + config.bucket(), e);
            }
        } catch (SdkException e) {
            throw io("create bucket " + config.bucket(), e);
        }
    }

    @Override
    public void put(String key, byte[] bytes, String contentType, Map<String, String> metadata) throws IOException {
        ObjectKeys.validateKey(key);
        ObjectKeys.validateMetadata(metadata);
        if (bytes == null) {
            throw new IllegalArgumentException("bytes must not be null");
        }
        PutObjectRequest.Builder request = PutObjectRequest.builder().bucket(config.bucket()).key(key);
        if (contentType != null && !contentType.isBlank()) {
            request.contentType(contentType);
        }
        if (!metadata.isEmpty()) {
            request.metadata(metadata);
        }
        PutObjectRequest built = request.build();
        for (int attempt = 1; ; attempt++) {
            try {
                client.putObject(built, RequestBody.fromBytes(bytes));
                return;
            } catch (SdkException e) {
                throw io("put " + key, e);
            } catch (java.io.UncheckedIOException e) {
                // A transport failure outside the SDK's retry loop (see NoExpectContinue): retry it here.
                if (attempt >= MAX_ATTEMPTS) {
                    throw new TransientStorageException("put " + key + " failed after " + attempt + " attempts", e);
                }
                try {
                    Thread.sleep(50L << attempt);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw new java.io.InterruptedIOException("interrupted while retrying put " + key);
                }
            }
        }
    }

    /** Removes the 'Expect: 100-continue' header the S3 client adds to uploads. */
    private static final class NoExpectContinue implements software.amazon.awssdk.core.interceptor.ExecutionInterceptor {
        @Override
        public software.amazon.awssdk.http.SdkHttpRequest modifyHttpRequest(
                software.amazon.awssdk.core.interceptor.Context.ModifyHttpRequest context,
                software.amazon.awssdk.core.interceptor.ExecutionAttributes attributes) {
            return context.httpRequest().toBuilder().removeHeader("Expect").build();
        }
    }

    @Override
    public byte[] get(String key) throws IOException {
        return get(key, Integer.MAX_VALUE - 8L);
    }

    @Override
    public byte[] get(String key, long maxBytes) throws IOException {
        ObjectKeys.validateKey(key);
        if (maxBytes < 0) {
            throw new IllegalArgumentException("maxBytes must not be negative: " + maxBytes);
        }
        GetObjectRequest request = GetObjectRequest.builder().bucket(config.bucket()).key(key).build();
        try (ResponseInputStream<GetObjectResponse> in = client.getObject(request)) {
            Long length = in.response().contentLength();
            if (length != null && length > maxBytes) {
                in.abort();
                throw new IOException("object " + key + " has " + length + " bytes, more than " + maxBytes);
            }
            byte[] bytes = readAtMost(in, maxBytes);
            if (bytes.length > maxBytes) {
                in.abort();
                throw new IOException("object " + key + " is larger than " + maxBytes + " bytes");
            }
            return bytes;
        } catch (NoSuchKeyException e) {
            throw (NoSuchFileException) new NoSuchFileException(uriOf(key)).initCause(e);
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                throw (NoSuchFileException) new NoSuchFileException(uriOf(key)).initCause(e);
            }
            throw io("get " + key, e);
        } catch (SdkException e) {
            throw io("get " + key, e);
        }
    }

    /** Reads up to {@code maxBytes + 1} bytes, so that the caller can tell "too large" without reading it all. */
    private static byte[] readAtMost(InputStream in, long maxBytes) throws IOException {
        int limit = (int) Math.min(maxBytes + 1, Integer.MAX_VALUE - 8L);
        return in.readNBytes(limit);
    }

    @Override
    public boolean exists(String key) throws IOException {
        ObjectKeys.validateKey(key);
        try {
            client.headObject(HeadObjectRequest.builder().bucket(config.bucket()).key(key).build());
            return true;
        } catch (NoSuchKeyException e) {
            return false;
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                return false;
            }
            throw io("head " + key, e);
        } catch (SdkException e) {
            throw io("head " + key, e);
        }
    }

    @Override
    public Map<String, String> metadata(String key) throws IOException {
        ObjectKeys.validateKey(key);
        try {
            return Map.copyOf(client.headObject(HeadObjectRequest.builder().bucket(config.bucket()).key(key).build()).metadata());
        } catch (NoSuchKeyException e) {
            throw (NoSuchFileException) new NoSuchFileException(uriOf(key)).initCause(e);
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                throw (NoSuchFileException) new NoSuchFileException(uriOf(key)).initCause(e);
            }
            throw io("head " + key, e);
        } catch (SdkException e) {
            throw io("head " + key, e);
        }
    }

    @Override
    public List<String> list(String prefix) throws IOException {
        if (prefix == null) {
            throw new IllegalArgumentException("prefix must not be null (use \"\")");
        }
        ListObjectsV2Request.Builder request = ListObjectsV2Request.builder().bucket(config.bucket());
        if (!prefix.isEmpty()) {
            request.prefix(prefix);
        }
        List<String> keys = new ArrayList<>();
        try {
            for (S3Object object : client.listObjectsV2Paginator(request.build()).contents()) {
                keys.add(object.key());
            }
        } catch (SdkException e) {
            throw io("list " + prefix, e);
        }
        Collections.sort(keys);
        return keys;
    }

    @Override
    public String uriOf(String key) {
        return "s3://" + config.bucket() + "/" + ObjectKeys.validateKey(key);
    }

    @Override
    public Optional<String> keyOf(String uri) {
        String prefix = "s3://" + config.bucket() + "/";
        if (uri == null || !uri.startsWith(prefix)) {
            return Optional.empty();
        }
        String key = uri.substring(prefix.length());
        try {
            return Optional.of(ObjectKeys.validateKey(key));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    @Override
    public void close() {
        client.close();
        if (credentials instanceof AutoCloseable c) {
            try {
                c.close();
            } catch (Exception e) {
                // releasing the chain's refresh threads; nothing to report
            }
        }
    }

    /**
     * The IOException for a failed call, classified (after the SDK's own retries): 403 is an
     * {@link java.nio.file.AccessDeniedException}, 404 a {@link NoSuchFileException}, 5xx, 429 throttling and
     * failures without a response (connection refused or reset, timeouts) a {@link TransientStorageException};
     * anything else a plain (permanent) IOException.
     */
    private IOException io(String what, SdkException e) {
        String message = "S3 " + what + " in bucket " + config.bucket() + " failed: " + e.getMessage();
        if (e instanceof S3Exception s) {
            int status = s.statusCode();
            if (status == 403) {
                return (IOException) new java.nio.file.AccessDeniedException("s3://" + config.bucket(), null, message).initCause(e);
            }
            if (status == 404) {
                return (IOException) new NoSuchFileException(config.bucket(), null, message).initCause(e);
            }
            if (status >= 500 || status == 429 || s.isThrottlingException()) {
                return new TransientStorageException(message, e);
            }
            return new IOException(message, e);
        }
        if (e instanceof software.amazon.awssdk.core.exception.SdkClientException) {
            return new TransientStorageException(message, e);
        }
        return new IOException(message, e);
    }

    @Override
    public String toString() {
        return "S3ObjectStore[" + config + "]";
    }
}
