package io.geostream.schemas;

import io.geostream.avro.FrameEvent;
import io.geostream.avro.FrameImage;
import io.geostream.avro.ImageEncoding;

import java.util.Map;

/** Builders for {@link FrameEvent}s every producer sends the same way. */
public final class FrameEvents {
    private FrameEvents() {}

    /**
     * The pure end-of-stream marker (no pixels, encoding NONE) after {@code frameCount} frames: its frame
     * index is one past the last frame, as FrameEvent.endOfStream documents.
     */
    public static FrameEvent endOfStream(String streamId, long frameCount, long captureTimeMicros) {
        return FrameEvent.newBuilder()
                .setStreamId(streamId)
                .setFrameIndex(frameCount)
                .setCaptureTimeMicros(captureTimeMicros)
                .setEndOfStream(true)
                .setImage(FrameImage.newBuilder().setEncoding(ImageEncoding.NONE).setWidth(0).setHeight(0).setData(null).setRef(null).build())
                .setIntrinsics(null)
                .setDistortion(null)
                .setAttributes(Map.of())
                .build();
    }
}
