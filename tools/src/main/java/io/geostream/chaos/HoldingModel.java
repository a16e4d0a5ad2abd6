package io.geostream.chaos;

import io.geostream.inference.ModelFactory;
import io.geostream.model.ClipGeometry;
import io.geostream.model.ClipInput;
import io.geostream.model.GeometryModel;
import io.geostream.model.ModelException;
import io.geostream.model.ModelInfo;

/** A model that, at the clips the plan holds, signals the scenario and keeps the clip in inference a while. */
public final class HoldingModel implements ModelFactory {
    private static final long serialVersionUID = 1L;
    private final ModelFactory delegate;

    public HoldingModel(ModelFactory delegate) {
        this.delegate = delegate;
    }

    @Override
    public GeometryModel create() throws Exception {
        GeometryModel m = delegate.create();
        return new GeometryModel() {
            @Override public ModelInfo info() { return m.info(); }
            @Override public ClipGeometry predict(ClipInput clip) throws ModelException {
                if (FailurePoints.holdClip()) {
                    System.err.printf("chaos: holding clip %s/%d/%d in inference%n", clip.streamId(), clip.segmentId(), clip.clipId());
                    try {
                        FailurePoints.awaitRelease();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                return m.predict(clip);
            }
            @Override public void close() throws Exception { m.close(); }
        };
    }

    @Override
    public String toString() {
        return delegate.toString();
    }
}
