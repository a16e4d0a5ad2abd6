package io.geostream.testing;

import io.geostream.avro.FrameEvent;
import io.geostream.avro.FrameImage;
import io.geostream.avro.ImageEncoding;
import io.geostream.avro.Intrinsics;
import io.geostream.avro.ObjectRef;

import java.nio.ByteBuffer;
import java.util.function.Consumer;

/** Bad-input cases made from a valid FrameEvent: a deep copy changed in one place (the ingest tests' corpus). */
public final class FrameEventEdits {
    private FrameEventEdits() {}

    /** A deep copy of {@code e} (image, claim-check reference, intrinsics) with {@code change} applied. */
    public static FrameEvent edit(FrameEvent e, Consumer<FrameEvent> change) {
        FrameEvent copy = FrameEvent.newBuilder(e).build();
        copy.setImage(FrameImage.newBuilder(e.getImage()).build());
        if (e.getImage().getRef() != null) copy.getImage().setRef(ObjectRef.newBuilder(e.getImage().getRef()).build());
        if (e.getIntrinsics() != null) copy.setIntrinsics(Intrinsics.newBuilder(e.getIntrinsics()).build());
        change.accept(copy);
        return copy;
    }

    /** Replaces the event's image by inline {@code data} (null: none) of the given encoding and size. */
    public static void setImage(FrameEvent e, ImageEncoding enc, byte[] data, int w, int h) {
        FrameImage image = e.getImage();
        image.setEncoding(enc);
        image.setWidth(w);
        image.setHeight(h);
        image.setData(data == null ? null : ByteBuffer.wrap(data));
        image.setRef(null);
    }
}
