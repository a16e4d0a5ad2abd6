package io.geostream.synthetic;

import io.geostream.geometry.CameraIntrinsics;
import io.geostream.geometry.RigidTransform;
import io.geostream.geometry.Rotations;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.zip.CRC32;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class SyntheticSceneTest {

    private static SceneSpec spec(TrajectoryKind kind, double moving) {
        return new SceneSpec(7, 64, 48, 600, kind, moving, 10);
    }

    @Test
    void sameSpecRendersIdenticalFrames() {
        for (TrajectoryKind kind : TrajectoryKind.values()) {
            FrameTruth a = new SyntheticScene(spec(kind, 0.5)).render(17);
            FrameTruth b = new SyntheticScene(spec(kind, 0.5)).render(17);
            assertThat(a.rgb()).isEqualTo(b.rgb());
            assertThat(a.depth()).isEqualTo(b.depth());
            assertThat(a.normalsCamera()).isEqualTo(b.normalsCamera());
            assertThat(a.pointsWorld()).isEqualTo(b.pointsWorld());
            assertThat(a.moving()).isEqualTo(b.moving());
            assertThat(a.worldFromCamera()).isEqualTo(b.worldFromCamera());
        }
        FrameTruth other = new SyntheticScene(new SceneSpec(8, 64, 48, 600, TrajectoryKind.ORBIT, 0.5, 10)).render(17);
        assertThat(other.rgb()).isNotEqualTo(new SyntheticScene(spec(TrajectoryKind.ORBIT, 0.5)).render(17).rgb());
    }

    @Test
    void geometryOnlyRenderingHasTheSameGeometryAndNoPixels() {
        for (TrajectoryKind kind : TrajectoryKind.values()) {
            SyntheticScene scene = new SyntheticScene(spec(kind, 0.5));
            FrameTruth full = scene.render(17);
            FrameTruth geometry = scene.renderGeometry(17);
            assertThat(geometry.rgb()).isNull();
            assertThat(geometry.depth()).isEqualTo(full.depth());
            assertThat(geometry.normalsCamera()).isEqualTo(full.normalsCamera());
            assertThat(geometry.pointsWorld()).isEqualTo(full.pointsWorld());
            assertThat(geometry.moving()).isEqualTo(full.moving());
            assertThat(geometry.worldFromCamera()).isEqualTo(full.worldFromCamera());
            assertThat(geometry.captureTimeMicros()).isEqualTo(full.captureTimeMicros());
        }
    }

    @Test
    void aRayThatHitsABoxNearerIsNeverRejectedByItsBoundingSphere() {
        DeterministicRandom random = new DeterministicRandom(5);
        int hits = 0, rejected = 0;
        for (int i = 0; i < 200_000; i++) {
            double hx = random.uniform(0.1, 1), hy = random.uniform(0.1, 1), hz = random.uniform(0.1, 1);
            double yaw = random.uniform(0, 2 * Math.PI);
            // Origins inside and outside the sphere; a third of the rays aimed at a corner (grazing), the rest anywhere.
            double[] o = {random.uniform(-3, 3), random.uniform(-3, 3), random.uniform(-3, 3)};
            double[] d;
            if (i % 3 == 0) {
                double cx = (random.nextDouble() < 0.5 ? -hx : hx), cy = (random.nextDouble() < 0.5 ? -hy : hy);
                double[] corner = {Math.cos(yaw) * cx - Math.sin(yaw) * cy, Math.sin(yaw) * cx + Math.cos(yaw) * cy,
                        random.nextDouble() < 0.5 ? -hz : hz};
                d = new double[] {corner[0] - o[0], corner[1] - o[1], corner[2] - o[2]};
            } else {
                d = new double[] {random.nextGaussian(), random.nextGaussian(), random.nextGaussian()};
            }
            double scale = random.uniform(0.5, 3); // the renderer's rays are not unit length
            for (int k = 0; k < 3; k++) d[k] *= scale;
            double nearest = random.nextDouble() < 0.5 ? Double.POSITIVE_INFINITY : random.uniform(0, 4);
            double slab = slabEntry(o, d, hx, hy, hz, yaw);
            boolean rejects = SyntheticScene.missesBoundingSphere(o[0], o[1], o[2], d[0], d[1], d[2],
                    1.002 * (hx * hx + hy * hy + hz * hz), nearest);
            if (slab > 1e-9 && slab < nearest) {
                hits++;
                assertThat(rejects).as("ray %d hits the box at %s before %s", i, slab, nearest).isFalse();
            } else if (rejects) {
                rejected++;
            }
        }
        assertThat(hits).isGreaterThan(10_000);
        assertThat(rejected).isGreaterThan(50_000); // the test does skip work
    }

    /** The slab test of a box yawed about z, written out on its own: the entry parameter, or NaN for a miss. */
    private static double slabEntry(double[] o, double[] d, double hx, double hy, double hz, double yaw) {
        double c = Math.cos(yaw), s = Math.sin(yaw);
        double[] lo = {c * o[0] + s * o[1], -s * o[0] + c * o[1], o[2]};
        double[] ld = {c * d[0] + s * d[1], -s * d[0] + c * d[1], d[2]};
        double[] half = {hx, hy, hz};
        double near = Double.NEGATIVE_INFINITY, far = Double.POSITIVE_INFINITY;
        for (int k = 0; k < 3; k++) {
            if (ld[k] == 0) {
                if (Math.abs(lo[k]) > half[k]) return Double.NaN;
                continue;
            }
            double t1 = (-half[k] - lo[k]) / ld[k], t2 = (half[k] - lo[k]) / ld[k];
            near = Math.max(near, Math.min(t1, t2));
            far = Math.min(far, Math.max(t1, t2));
        }
        return near <= far ? near : Double.NaN;
    }

    /**
     * Pins the bytes of one frame: a change here means replays of recorded synthetic streams no longer
     * match (change the constant only on purpose, together with the scene).
     */
    @Test
    void renderedBytesAreStable() {
        FrameTruth truth = new SyntheticScene(new SceneSpec(7, 64, 48, 150, TrajectoryKind.HANDHELD, 0.4, 10)).render(42);
        CRC32 crc = new CRC32();
        crc.update(truth.rgb());
        ByteBuffer buffer = ByteBuffer.allocate(4 * truth.depth().length);
        for (float d : truth.depth()) buffer.putFloat(d);
        crc.update(buffer.array());
        assertThat(Long.toHexString(crc.getValue())).isEqualTo("ba228d33");
    }

    @Test
    void geometryIsConsistentWithPoseAndIntrinsics() {
        for (TrajectoryKind kind : TrajectoryKind.values()) {
            SyntheticScene scene = new SyntheticScene(spec(kind, 0.5));
            CameraIntrinsics k = scene.intrinsics();
            for (int frame : new int[] {0, 123, 599}) {
                FrameTruth truth = scene.render(frame);
                RigidTransform pose = scene.worldFromCamera(frame);
                assertThat(truth.worldFromCamera()).isEqualTo(pose);
                for (int v = 0; v < 48; v++) {
                    for (int u = 0; u < 64; u++) {
                        int p = v * 64 + u;
                        double d = truth.depth()[p];
                        assertThat(d).isFinite().isGreaterThan(0);
                        double[] camera = {(u - k.cx()) / k.fx() * d, (v - k.cy()) / k.fy() * d, d};
                        double[] world = pose.apply(camera);
                        for (int c = 0; c < 3; c++) {
                            assertThat((double) truth.pointsWorld()[3 * p + c]).isCloseTo(world[c], within(1e-4));
                        }
                        double nx = truth.normalsCamera()[3 * p], ny = truth.normalsCamera()[3 * p + 1],
                                nz = truth.normalsCamera()[3 * p + 2];
                        assertThat(Math.sqrt(nx * nx + ny * ny + nz * nz)).isCloseTo(1, within(1e-5));
                        assertThat(nx * camera[0] + ny * camera[1] + nz * camera[2]).isLessThanOrEqualTo(0);
                    }
                }
            }
        }
    }

    @Test
    void intrinsicsAndTimesFollowTheSpec() {
        SyntheticScene scene = new SyntheticScene(new SceneSpec(1, 160, 120, 50, TrajectoryKind.WALK, 0, 30));
        CameraIntrinsics k = scene.intrinsics();
        assertThat(k.fx()).isCloseTo(80 / Math.tan(Math.toRadians(30)), within(1e-9));
        assertThat(k.fy()).isEqualTo(k.fx());
        assertThat(k.cx()).isEqualTo(79.5);
        assertThat(k.cy()).isEqualTo(59.5);
        assertThat(scene.captureTimeMicros(0)).isEqualTo(1_700_000_000_000_000L);
        assertThat(scene.captureTimeMicros(1)).isEqualTo(1_700_000_000_033_333L);
        assertThat(scene.captureTimeMicros(3)).isEqualTo(1_700_000_000_100_000L);
        assertThatThrownBy(() -> scene.render(50)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> scene.worldFromCamera(-1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void trajectoriesAreSmoothBoundedAndNeverInsideObjects() {
        for (TrajectoryKind kind : TrajectoryKind.values()) {
            for (long seed = 0; seed < 4; seed++) {
                SyntheticScene scene = new SyntheticScene(new SceneSpec(seed, 16, 12, 1200, kind, 1.0, 10));
                RigidTransform previous = null;
                for (int frame = 0; frame < 1200; frame++) {
                    RigidTransform pose = scene.worldFromCamera(frame);
                    double[] c = pose.center();
                    assertThat(Math.abs(c[0])).isLessThan(SyntheticScene.ROOM_HALF_X - 0.9);
                    assertThat(Math.abs(c[1])).isLessThan(SyntheticScene.ROOM_HALF_Y - 0.9);
                    assertThat(c[2]).isBetween(1.2, 1.8);
                    if (previous != null) {
                        double[] p = previous.center();
                        double step = Math.sqrt((c[0] - p[0]) * (c[0] - p[0]) + (c[1] - p[1]) * (c[1] - p[1])
                                + (c[2] - p[2]) * (c[2] - p[2]));
                        assertThat(step).as("step at %s frame %d", kind, frame).isLessThan(0.15);
                        assertThat(Rotations.angleBetweenDeg(previous.rotation(), pose.rotation())).isLessThan(6);
                    }
                    previous = pose;
                    if (frame % 40 == 0) {
                        float min = Float.MAX_VALUE;
                        for (float d : scene.render(frame).depth()) min = Math.min(min, d);
                        assertThat(min).as("closest surface at %s seed %d frame %d", kind, seed, frame).isGreaterThan(0.25f);
                    }
                }
            }
        }
    }

    @Test
    void movingShareControlsMovingPixels() {
        int movingPixels = 0;
        SyntheticScene still = new SyntheticScene(spec(TrajectoryKind.ORBIT, 0));
        SyntheticScene busy = new SyntheticScene(spec(TrajectoryKind.ORBIT, 1));
        for (int frame = 0; frame < 600; frame += 60) {
            for (boolean m : still.render(frame).moving()) assertThat(m).isFalse();
            for (boolean m : busy.render(frame).moving()) if (m) movingPixels++;
        }
        assertThat(movingPixels).isGreaterThan(100);
        // Moving objects really move: same camera, same time, but the busy scene's objects have left their
        // resting places, so the depth differs.
        FrameTruth a = still.render(37);
        FrameTruth b = busy.render(37);
        assertThat(a.worldFromCamera()).isEqualTo(b.worldFromCamera());
        assertThat(a.depth()).isNotEqualTo(b.depth());
    }

    @Test
    void rendersQuickly() {
        SyntheticScene scene = new SyntheticScene(new SceneSpec(3, 160, 120, 100, TrajectoryKind.HANDHELD, 0.3, 10));
        for (int i = 0; i < 5; i++) scene.render(i); // warm up
        long start = System.nanoTime();
        for (int i = 0; i < 20; i++) scene.render(i);
        double msPerFrame = (System.nanoTime() - start) / 20e6;
        // Typically ~3 ms; the bound only catches pathological slowdowns on a busy machine.
        assertThat(msPerFrame).isLessThan(60);
    }
}
