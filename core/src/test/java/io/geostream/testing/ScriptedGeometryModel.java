package io.geostream.testing;

import io.geostream.model.ClipGeometry;
import io.geostream.model.ClipInput;
import io.geostream.model.GeometryModel;
import io.geostream.model.ModelException;
import io.geostream.model.ModelInfo;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A model whose behaviour a test scripts per call: return planar geometry, hang, throw, or return
 * NaN. Counts calls and instances across all workers (static counters reset per test).
 */
public final class ScriptedGeometryModel implements GeometryModel {

    /** What the n-th call (counted over all instances) does. */
    public enum Action { OK, HANG, FAIL_RETRYABLE, FAIL_PERMANENT, NAN, WRONG_FRAME_COUNT, CRASH }

    public static final AtomicInteger CALLS = new AtomicInteger();
    public static final AtomicInteger INSTANCES = new AtomicInteger();
    public static final AtomicInteger CLOSED = new AtomicInteger();
    private static volatile List<Action> script = List.of();

    public static void reset(List<Action> actions) {
        CALLS.set(0);
        INSTANCES.set(0);
        CLOSED.set(0);
        script = new ArrayList<>(actions);
    }

    public ScriptedGeometryModel() {
        INSTANCES.incrementAndGet();
    }

    @Override
    public ModelInfo info() {
        return new ModelInfo("scripted", "1", false);
    }

    @Override
    public ClipGeometry predict(ClipInput clip) throws ModelException {
        int call = CALLS.getAndIncrement();
        Action a = call < script.size() ? script.get(call) : Action.OK;
        switch (a) {
            case HANG -> {
                try {
                    Thread.sleep(60_000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                throw new ModelException(ModelException.Reason.MODEL_ERROR, "interrupted while hanging");
            }
            case FAIL_RETRYABLE -> throw new ModelException(ModelException.Reason.MODEL_ERROR, "transient failure");
            case FAIL_PERMANENT -> throw new ModelException(ModelException.Reason.MODEL_INPUT_REJECTED, "cannot serve this clip");
            case CRASH -> throw new IllegalStateException("predictor crashed");
            default -> { }
        }
        int n = clip.width() * clip.height();
        int frames = a == Action.WRONG_FRAME_COUNT ? clip.length() - 1 : clip.length();
        List<ClipGeometry.FrameGeometry> out = new ArrayList<>();
        for (int i = 0; i < frames; i++) {
            float[] p = new float[3 * n];
            float[] nm = new float[3 * n];
            for (int px = 0; px < n; px++) {
                p[3 * px] = px % clip.width();
                p[3 * px + 1] = px / clip.width();
                p[3 * px + 2] = 2f;
                nm[3 * px + 2] = -1f;
            }
            if (a == Action.NAN) p[0] = Float.NaN;
            out.add(new ClipGeometry.FrameGeometry(p, nm, null));
        }
        return new ClipGeometry(clip.width(), clip.height(), out);
    }

    @Override
    public void close() {
        CLOSED.incrementAndGet();
    }
}
