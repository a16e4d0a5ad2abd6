package io.geostream.schemas;

import io.geostream.avro.CameraModel;
import io.geostream.avro.DeadLetter;
import io.geostream.avro.DistortionModel;
import io.geostream.avro.FrameEvent;
import io.geostream.avro.FrameImage;
import io.geostream.avro.GeometryFrame;
import io.geostream.avro.ImageEncoding;
import io.geostream.avro.KeyframeCorrection;
import io.geostream.avro.Intrinsics;
import io.geostream.avro.IntrinsicsSource;
import io.geostream.avro.LensDistortion;
import io.geostream.avro.ObjectRef;
import io.geostream.avro.PayloadRefs;
import io.geostream.avro.Pose;
import io.geostream.avro.ScaleStatus;
import io.geostream.avro.SegmentCorrection;
import io.geostream.avro.SegmentEvent;
import io.geostream.avro.SegmentEventKind;
import io.geostream.avro.SegmentReason;
import io.geostream.avro.StitchQuality;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;

/** Small, fully populated sample records of each wire type. */
final class SampleRecords {
    private SampleRecords() {
    }

    static FrameEvent frameEvent() {
        return FrameEvent.newBuilder()
                .setStreamId("cam-01")
                .setFrameIndex(42)
                .setCaptureTimeMicros(1_700_000_000_000_000L)
                .setEndOfStream(false)
                .setImage(FrameImage.newBuilder()
                        .setEncoding(ImageEncoding.JPEG)
                        .setWidth(64).setHeight(48)
                        .setData(ByteBuffer.wrap(new byte[]{(byte) 0xFF, (byte) 0xD8, 1, 2, 3}))
                        .setRef(null)
                        .build())
                .setIntrinsics(Intrinsics.newBuilder().setFx(50).setFy(51).setCx(31.5).setCy(23.5).build())
                .setDistortion(LensDistortion.newBuilder().setModel(DistortionModel.PLUMB_BOB)
                        .setCoefficients(List.of(0.1, -0.01, 0.0, 0.0, 0.001)).build())
                .setAttributes(Map.of("geostream.synthetic.scene", "{\"kind\":\"box\"}", "k", "v"))
                .build();
    }

    static FrameEvent frameEventWithRef() {
        FrameEvent e = frameEvent();
        e.getImage().setData(null);
        e.getImage().setRef(ObjectRef.newBuilder().setUri("s3://frames/cam-01/42.jpg")
                .setSizeBytes(1234).setSha256("ab".repeat(32)).build());
        return e;
    }

    static GeometryFrame geometryFrame() {
        return GeometryFrame.newBuilder()
                .setStreamId("cam-01").setFrameIndex(42).setCaptureTimeMicros(1_700_000_000_000_000L)
                .setSegmentId(3).setSegmentStartMicros(1_699_999_990_000_000L).setClipId(7)
                .setWorldFromCamera(Pose.newBuilder().setQx(0).setQy(0).setQz(0).setQw(1)
                        .setTx(0.5).setTy(-0.25).setTz(2).build())
                .setIntrinsics(CameraModel.newBuilder().setFx(50).setFy(50).setCx(32).setCy(24)
                        .setSource(IntrinsicsSource.GIVEN).build())
                .setScaleStatus(ScaleStatus.RELATIVE).setScaleFactor(1.0)
                .setPayloads(PayloadRefs.newBuilder().setWidth(64).setHeight(48)
                        .setDepthUri("s3://out/d.png").setDepthUnit(0.001)
                        .setNormalsUri("s3://out/n.png").setPointMapUri("s3://out/p.npy")
                        .setConfidenceUri(null).setRgbUri("s3://out/rgb.jpg").build())
                .setQuality(StitchQuality.newBuilder().setMethod("naive-umeyama").setOverlapPoints(1000)
                        .setResidualRms(0.01).setInlierShare(0.95).setClipScale(1.02)
                        .setPoseReprojectionRms(0.7).build())
                .setModelId("simulated").setModelVersion("1").setProcessingLatencyMillis(12)
                .build();
    }

    static SegmentEvent segmentEvent() {
        return SegmentEvent.newBuilder()
                .setStreamId("cam-01").setSegmentId(3).setSegmentStartMicros(1_699_999_990_000_000L).setKind(SegmentEventKind.ENDED)
                .setReason(SegmentReason.FRAME_GAP).setDetail("frames 10..12 missing")
                .setFirstFrameIndex(0).setLastFrameIndex(9L).setFrameCount(10)
                .setEventTimeMicros(1_700_000_000_000_000L).setModelId("simulated").setModelVersion("1")
                .build();
    }

    static SegmentCorrection segmentCorrection() {
        return SegmentCorrection.newBuilder()
                .setStreamId("cam-01").setSegmentId(3).setSegmentStartMicros(1_699_999_990_000_000L).setVersion(2)
                .setLoopNewFrameIndex(960).setLoopOldFrameIndex(8).setLoopInliers(57)
                .setLoopCaptureTimeMicros(1_700_000_032_000_000L)
                .setKeyframes(List.of(
                        KeyframeCorrection.newBuilder().setFrameIndex(0).setScale(1).setQx(0).setQy(0).setQz(0).setQw(1)
                                .setTx(0).setTy(0).setTz(0).build(),
                        KeyframeCorrection.newBuilder().setFrameIndex(8).setScale(0.97).setQx(0.01).setQy(-0.02).setQz(0.005)
                                .setQw(Math.sqrt(1 - 0.01 * 0.01 - 0.02 * 0.02 - 0.005 * 0.005)).setTx(0.1).setTy(-0.05).setTz(0.2).build()))
                .setModelId("simulated").setModelVersion("1")
                .setWorldSegmentId(2).setWorldSegmentStartMicros(1_699_999_900_000_000L)
                .build();
    }

    static DeadLetter deadLetter() {
        return DeadLetter.newBuilder()
                .setReasonCode("DECODE_MARKER").setDetail("bad marker").setStage("ingest")
                .setSourceTopic("frames").setSourcePartition(2).setSourceOffset(99L)
                .setStreamId(null).setFrameIndex(null)
                .setPayload(ByteBuffer.wrap(new byte[]{9, 8, 7})).setPayloadUri(null)
                .setPayloadSizeBytes(3).setRejectedAtMillis(1_700_000_000_000L)
                .build();
    }
}
