package io.geostream.embedded;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.geostream.avro.GeometryFrame;
import io.geostream.avro.Pose;
import io.geostream.geometry.Rotations;
import io.geostream.model.ModelInfo;
import io.geostream.operators.sink.GeometryFrameWriter;
import io.geostream.stitch.StitchEvent;
import io.geostream.storage.ObjectStore;
import io.geostream.storage.S3Settings;
import io.geostream.storage.StorageSettings;
import io.geostream.testing.StitchedFrames;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;

import javax.imageio.ImageIO;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.offset;

/**
 * A frame's objects in S3 can be read without its Kafka record: the job's payload writer against the real S3 API
 * (s3proxy), read back with a plain AWS SDK client as a consumer with only the bucket would: the depth PNG's unit from
 * its object metadata, everything else from the frame's JSON sidecar, both equal to what the record says.
 */
class FrameObjectsS3Test {
    private static final String ACCESS = "frames-access";
    private static final String SECRET = "frames-secret-key";
    private static final String BUCKET = "geometry";
    private static final ModelInfo MODEL = new ModelInfo("simulated", "1", true);

    @TempDir
    Path dataDir;
    private EmbeddedS3 s3;

    @BeforeEach
    void start() {
        s3 = EmbeddedS3.start(dataDir, 0, ACCESS, SECRET);
        s3.createBucket(BUCKET);
    }

    @AfterEach
    void stop() {
        s3.close();
    }

    @Test
    void theDepthUnitIsObjectMetadataAndTheSidecarMatchesTheRecord() throws Exception {
        StitchEvent.StitchedFrame f = StitchedFrames.patterned("cam-3", 2, 4, 17, 40, 30, 1_700_000_000_000L, true);
        GeometryFrame record;
        StorageSettings storage = StorageSettings.s3(new S3Settings(s3.endpoint().toString(), "us-east-1", BUCKET, ACCESS, SECRET, true))
                .retryingFor(Duration.ofSeconds(2));
        try (ObjectStore store = storage.open()) {
            record = new GeometryFrameWriter(store, MODEL).write(f, 1_700_000_000_100L);
        }
        String depthKey = keyOf(record.getPayloads().getDepthUri());
        String dir = depthKey.substring(0, depthKey.lastIndexOf('/') + 1);

        try (S3Client client = S3Client.builder().httpClient(UrlConnectionHttpClient.create()).endpointOverride(s3.endpoint())
                .forcePathStyle(true).region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(ACCESS, SECRET))).build()) {
            // The depth PNG alone: its unit (x-amz-meta-depth-unit) turns its counts into depth.
            HeadObjectResponse head = client.headObject(b -> b.bucket(BUCKET).key(depthKey));
            assertThat(head.contentType()).isEqualTo("image/png");
            double unit = Double.parseDouble(head.metadata().get("depth-unit"));
            assertThat(unit).isEqualTo(record.getPayloads().getDepthUnit());
            assertThat(head.metadata()).containsEntry("scale-status", record.getScaleStatus().name())
                    .containsEntry("sidecar", "frame.json");
            Raster png = ImageIO.read(new ByteArrayInputStream(client.getObjectAsBytes(b -> b.bucket(BUCKET).key(depthKey))
                    .asByteArray())).getRaster();
            int p = 40 * 12 + 9;
            assertThat(png.getSample(9, 12, 0) * unit).isCloseTo(f.depth()[p], offset(unit));

            // The sidecar next to the payloads says what the record says.
            JsonNode json = new ObjectMapper().readTree(client.getObjectAsBytes(b -> b.bucket(BUCKET).key(dir + "frame.json")).asByteArray());
            assertThat(json.get("streamId").asText()).isEqualTo(record.getStreamId());
            assertThat(json.get("segmentId").asLong()).isEqualTo(record.getSegmentId());
            assertThat(json.get("segmentStartMicros").asLong()).isEqualTo(record.getSegmentStartMicros());
            assertThat(json.get("frameIndex").asLong()).isEqualTo(record.getFrameIndex());
            assertThat(json.get("captureTimeMicros").asLong()).isEqualTo(record.getCaptureTimeMicros());
            assertThat(json.get("clipId").asLong()).isEqualTo(record.getClipId());
            assertThat(json.get("modelId").asText()).isEqualTo(record.getModelId());
            assertThat(json.get("depth").get("unit").asDouble()).isEqualTo(record.getPayloads().getDepthUnit());
            assertThat(json.get("scaleStatus").asText()).isEqualTo(record.getScaleStatus().name());
            var k = json.get("intrinsics");
            assertThat(k.get("fx").asDouble()).isEqualTo(record.getIntrinsics().getFx());
            assertThat(k.get("fy").asDouble()).isEqualTo(record.getIntrinsics().getFy());
            assertThat(k.get("cx").asDouble()).isEqualTo(record.getIntrinsics().getCx());
            assertThat(k.get("cy").asDouble()).isEqualTo(record.getIntrinsics().getCy());
            assertThat(k.get("width").asInt()).isEqualTo(record.getPayloads().getWidth());
            assertThat(k.get("source").asText()).isEqualTo(record.getIntrinsics().getSource().name());
            Pose q = record.getWorldFromCamera();
            double[] r = Rotations.fromQuaternion(q.getQx(), q.getQy(), q.getQz(), q.getQw());
            double[] t = {q.getTx(), q.getTy(), q.getTz()};
            JsonNode m = json.get("worldFromCamera").get("matrix");
            for (int i = 0; i < 3; i++) {
                for (int j = 0; j < 3; j++) assertThat(m.get(i).get(j).asDouble()).isCloseTo(r[3 * i + j], offset(1e-12));
                assertThat(m.get(i).get(3).asDouble()).isEqualTo(t[i]);
            }
            assertThat(json.get("worldFromCamera").get("supersededBy").asText()).contains("SegmentCorrection");
            for (var e : json.get("payloads").properties()) {
                assertThat(client.headObject(b -> b.bucket(BUCKET).key(dir + e.getValue().asText())).metadata())
                        .as(e.getKey()).containsEntry("sidecar", "frame.json");
            }
        }
    }

    private static String keyOf(String s3Uri) {
        String prefix = "s3://" + BUCKET + "/";
        assertThat(s3Uri).startsWith(prefix);
        return s3Uri.substring(prefix.length());
    }
}
