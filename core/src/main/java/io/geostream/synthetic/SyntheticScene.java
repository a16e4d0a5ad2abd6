package io.geostream.synthetic;

import io.geostream.geometry.CameraIntrinsics;
import io.geostream.geometry.RigidTransform;
import io.geostream.geometry.Rotations;

/**
 * A deterministic procedural scene with exact ground truth: a closed, textured room (8 m x 6 m,
 * 3 m high; world frame z up, floor at z = 0, walls at x = +-4 and y = +-3) holding several boxes and
 * spheres, some of which move, seen by a pinhole camera (60 degree horizontal field of view) moving
 * along a {@link TrajectoryKind}. Every pixel is ray-cast (pixel centres at integer coordinates), so
 * depth, normals and world points are exact.
 *
 * <p>Determinism: everything derives from the {@link SceneSpec} through {@link DeterministicRandom}
 * and {@link StrictMath}, and Java's floating point is strict since Java 17, so the same spec gives
 * byte-identical frames on any JVM. Immutable and thread-safe.
 */
public final class SyntheticScene implements TruthSource {
    public static final double ROOM_HALF_X = 4;
    public static final double ROOM_HALF_Y = 3;
    public static final double ROOM_HEIGHT = 3;
    public static final double HORIZONTAL_FOV_DEG = 60;
    /** Seconds per lap of the {@link TrajectoryKind#ORBIT} camera. */
    public static final double ORBIT_PERIOD_S = 24;
    /** Capture time of frame 0: 2023-11-14T22:13:20Z, in microseconds. */
    public static final long EPOCH_MICROS = 1_700_000_000_000_000L;

    private static final int ROOM_SURFACES = 6; // floor, ceiling, x-, x+, y-, y+
    private static final double ORBIT_RX = 2.6;
    private static final double ORBIT_RY = 1.8;
    private static final double[] LIGHT = normalize(new double[] {0.35, -0.25, 0.9});

    private final SceneSpec spec;
    private final CameraIntrinsics intrinsics;
    private final SceneObject[] objects;
    private final double[][] surfaceColours = new double[ROOM_SURFACES][];
    private final double[] floorSecondColour;
    private final long textureSeed;
    // Trajectory parameters.
    private final double startAngle;
    private final double direction;
    private final double phaseA;
    private final double phaseB;
    private final double[] shakePhases = new double[6];

    /** Builds the scene (layout, colours, trajectory parameters); cheap, no rendering. */
    public SyntheticScene(SceneSpec spec) {
        if (spec == null) throw new IllegalArgumentException("scene spec must not be null");
        this.spec = spec;
        double f = (spec.width() / 2.0) / StrictMath.tan(StrictMath.toRadians(HORIZONTAL_FOV_DEG / 2));
        this.intrinsics = new CameraIntrinsics(f, f, (spec.width() - 1) / 2.0, (spec.height() - 1) / 2.0,
                spec.width(), spec.height());
        DeterministicRandom random = new DeterministicRandom(DeterministicRandom.mix(spec.seed() ^ 0x5CE9E5EEDL));
        textureSeed = random.nextLong();
        for (int s = 0; s < ROOM_SURFACES; s++) {
            surfaceColours[s] = new double[] {random.uniform(0.35, 0.9), random.uniform(0.35, 0.9), random.uniform(0.35, 0.9)};
        }
        floorSecondColour = new double[] {random.uniform(0.1, 0.45), random.uniform(0.1, 0.45), random.uniform(0.1, 0.45)};
        startAngle = random.uniform(0, 2 * Math.PI);
        direction = random.nextDouble() < 0.5 ? 1 : -1;
        phaseA = random.uniform(0, 2 * Math.PI);
        phaseB = random.uniform(0, 2 * Math.PI);
        for (int i = 0; i < shakePhases.length; i++) shakePhases[i] = random.uniform(0, 2 * Math.PI);
        objects = buildObjects(random, spec.movingObjectShare());
    }

    @Override
    public int frames() {
        return spec.frames();
    }

    @Override
    public int width() {
        return spec.width();
    }

    @Override
    public int height() {
        return spec.height();
    }

    @Override
    public String id() {
        return spec.encode();
    }

    public SceneSpec spec() {
        return spec;
    }

    /** Fixed per scene: fx = fy from the 60 degree horizontal FOV, principal point at the image centre. */
    public CameraIntrinsics intrinsics() {
        return intrinsics;
    }

    /** {@link #EPOCH_MICROS} + round(frameIndex * 1e6 / fps). */
    @Override
    public long captureTimeMicros(int frameIndex) {
        checkFrame(frameIndex);
        return EPOCH_MICROS + Math.round(frameIndex * 1e6 / spec.fps());
    }

    /** The camera pose of a frame (cheap: no rendering). */
    @Override
    public RigidTransform worldFromCamera(int frameIndex) {
        checkFrame(frameIndex);
        double t = frameIndex / spec.fps();
        double[] eye;
        double[] forward;
        switch (spec.trajectory()) {
            case ORBIT -> {
                double angle = startAngle + direction * (2 * Math.PI / ORBIT_PERIOD_S) * t;
                eye = new double[] {ORBIT_RX * StrictMath.cos(angle), ORBIT_RY * StrictMath.sin(angle),
                    1.45 + 0.15 * StrictMath.sin(0.4 * t + phaseA)};
                double[] target = {0.25 * StrictMath.sin(0.13 * t + phaseB), 0.2 * StrictMath.cos(0.11 * t + phaseA), 0.8};
                forward = normalize(sub(target, eye));
            }
            case WALK, HANDHELD -> {
                double angle = startAngle + direction * (0.28 * t + 0.15 * StrictMath.sin(0.5 * t + phaseB));
                double[] here = walkPath(angle);
                // Look at a point about 1.5 m further along the loop (smoother than the tangent), turned
                // 20 degrees towards the room centre, with a slow sway; slightly down.
                double[] ahead = walkPath(angle + direction * 0.6);
                eye = new double[] {here[0], here[1], 1.55 + 0.03 * StrictMath.sin(2 * Math.PI * 1.6 * t + phaseA)};
                double yaw = StrictMath.atan2(ahead[1] - here[1], ahead[0] - here[0]) + direction * StrictMath.toRadians(20)
                        + StrictMath.toRadians(8) * StrictMath.sin(0.3 * t + phaseA);
                double pitch = StrictMath.toRadians(-10 + 3 * StrictMath.sin(0.21 * t + phaseB));
                forward = new double[] {StrictMath.cos(pitch) * StrictMath.cos(yaw),
                    StrictMath.cos(pitch) * StrictMath.sin(yaw), StrictMath.sin(pitch)};
            }
            default -> throw new IllegalStateException("unknown trajectory " + spec.trajectory());
        }
        double[] rotation = lookRotation(forward);
        if (spec.trajectory() == TrajectoryKind.HANDHELD) {
            double[] p = shakePhases;
            eye[0] += 0.015 * StrictMath.sin(2 * Math.PI * 1.3 * t + p[0]);
            eye[1] += 0.015 * StrictMath.sin(2 * Math.PI * 1.7 * t + p[1]);
            eye[2] += 0.010 * StrictMath.sin(2 * Math.PI * 2.3 * t + p[2]);
            double[] shake = Rotations.multiply(
                    Rotations.axisAngle(new double[] {0, 0, 1}, StrictMath.toRadians(1.0) * StrictMath.sin(2 * Math.PI * 1.1 * t + p[3])),
                    Rotations.multiply(
                            Rotations.axisAngle(new double[] {1, 0, 0}, StrictMath.toRadians(0.8) * StrictMath.sin(2 * Math.PI * 1.9 * t + p[4])),
                            Rotations.axisAngle(new double[] {0, 1, 0}, StrictMath.toRadians(0.8) * StrictMath.sin(2 * Math.PI * 2.7 * t + p[5]))));
            rotation = Rotations.multiply(rotation, shake); // shake about the camera's own axes
        }
        return new RigidTransform(rotation, eye);
    }

    /** The walking loop: a wavy ellipse that keeps 1.6 m from the centre and 1 m from the walls. */
    private double[] walkPath(double angle) {
        double a = ORBIT_RX + 0.2 * StrictMath.sin(2 * angle + phaseA);
        double b = ORBIT_RY + 0.15 * StrictMath.sin(3 * angle + phaseB);
        return new double[] {a * StrictMath.cos(angle), b * StrictMath.sin(angle)};
    }

    /** Ray-casts one frame. */
    @Override
    public FrameTruth render(int frameIndex) {
        return render(frameIndex, true);
    }

    /**
     * Ray-casts one frame's geometry without shading its pixels ({@link FrameTruth#rgb()} is null): shading is about a
     * third of a frame's ray-casting, and the simulated model, which renders every frame of every clip again, reads
     * only the geometry.
     */
    @Override
    public FrameTruth renderGeometry(int frameIndex) {
        return render(frameIndex, false);
    }

    private FrameTruth render(int frameIndex, boolean shaded) {
        checkFrame(frameIndex);
        RigidTransform pose = worldFromCamera(frameIndex);
        double t = frameIndex / spec.fps();
        double[][] centres = new double[objects.length][];
        for (int i = 0; i < objects.length; i++) centres[i] = objects[i].centreAt(t);

        int w = spec.width(), h = spec.height(), n = w * h;
        byte[] rgb = shaded ? new byte[3 * n] : null;
        float[] depth = new float[n];
        float[] normals = new float[3 * n];
        float[] points = new float[3 * n];
        boolean[] moving = new boolean[n];
        double[] r = pose.rotation();
        double[] eye = pose.center();
        double fx = intrinsics.fx(), fy = intrinsics.fy(), cx = intrinsics.cx(), cy = intrinsics.cy();
        Hit hit = new Hit();
        for (int v = 0; v < h; v++) {
            double yc = (v - cy) / fy;
            for (int u = 0; u < w; u++) {
                double xc = (u - cx) / fx;
                // Camera ray (xc, yc, 1): the ray parameter equals the camera-frame depth.
                double dx = r[0] * xc + r[1] * yc + r[2];
                double dy = r[3] * xc + r[4] * yc + r[5];
                double dz = r[6] * xc + r[7] * yc + r[8];
                castRay(eye, dx, dy, dz, centres, hit);
                int p = v * w + u;
                double px = eye[0] + hit.distance * dx, py = eye[1] + hit.distance * dy, pz = eye[2] + hit.distance * dz;
                double nx = hit.nx, ny = hit.ny, nz = hit.nz;
                if (nx * dx + ny * dy + nz * dz > 0) {
                    nx = -nx;
                    ny = -ny;
                    nz = -nz;
                }
                depth[p] = (float) hit.distance;
                points[3 * p] = (float) px;
                points[3 * p + 1] = (float) py;
                points[3 * p + 2] = (float) pz;
                // camera normal = R^T n
                normals[3 * p] = (float) (r[0] * nx + r[3] * ny + r[6] * nz);
                normals[3 * p + 1] = (float) (r[1] * nx + r[4] * ny + r[7] * nz);
                normals[3 * p + 2] = (float) (r[2] * nx + r[5] * ny + r[8] * nz);
                moving[p] = hit.surface >= ROOM_SURFACES && objects[hit.surface - ROOM_SURFACES].moving;
                if (shaded) shade(hit.surface, px, py, pz, nx, ny, nz, centres, rgb, 3 * p);
            }
        }
        return new FrameTruth(frameIndex, captureTimeMicros(frameIndex), w, h, rgb, depth, normals, points, moving,
                pose, intrinsics);
    }

    private void checkFrame(int frameIndex) {
        if (frameIndex < 0 || frameIndex >= spec.frames()) {
            throw new IllegalArgumentException("frame index " + frameIndex + " outside 0.." + (spec.frames() - 1));
        }
    }

    // ---------------------------------------------------------------- ray casting

    /** The nearest intersection of a ray (mutable scratch, reused per pixel). */
    private static final class Hit {
        double distance;
        double nx, ny, nz;
        int surface;
    }

    private void castRay(double[] o, double dx, double dy, double dz, double[][] centres, Hit hit) {
        // The camera is strictly inside the closed room, so the exit through the room's box always exists.
        double best = Double.POSITIVE_INFINITY;
        int surface = -1;
        if (dz < 0) {
            best = -o[2] / dz;
            surface = 0;
        } else if (dz > 0) {
            best = (ROOM_HEIGHT - o[2]) / dz;
            surface = 1;
        }
        if (dx != 0) {
            double s = ((dx < 0 ? -ROOM_HALF_X : ROOM_HALF_X) - o[0]) / dx;
            if (s < best) {
                best = s;
                surface = dx < 0 ? 2 : 3;
            }
        }
        if (dy != 0) {
            double s = ((dy < 0 ? -ROOM_HALF_Y : ROOM_HALF_Y) - o[1]) / dy;
            if (s < best) {
                best = s;
                surface = dy < 0 ? 4 : 5;
            }
        }
        hit.distance = best;
        hit.surface = surface;
        hit.nx = surface == 2 ? 1 : surface == 3 ? -1 : 0;
        hit.ny = surface == 4 ? 1 : surface == 5 ? -1 : 0;
        hit.nz = surface == 0 ? 1 : surface == 1 ? -1 : 0;
        for (int i = 0; i < objects.length; i++) {
            objects[i].intersect(o, dx, dy, dz, centres[i], hit, ROOM_SURFACES + i);
        }
    }

    // ---------------------------------------------------------------- textures

    private void shade(int surface, double px, double py, double pz, double nx, double ny, double nz,
                       double[][] centres, byte[] rgb, int offset) {
        double[] base;
        double pattern;
        long seed = textureSeed + 0x9E3779B97F4A7C15L * (surface + 1);
        double light = 0.5 + 0.5 * Math.max(0, nx * LIGHT[0] + ny * LIGHT[1] + nz * LIGHT[2]);
        double red, green, blue;
        if (surface == 0) { // floor: tiles of two colours with wood-like grain
            boolean odd = ((long) Math.floor(px / 0.5) + (long) Math.floor(py / 0.5) & 1) == 1;
            base = odd ? floorSecondColour : surfaceColours[0];
            pattern = 0.75 + 0.25 * noise(px * 9, py * 2, 0, seed) + 0.15 * noise(px * 31, py * 31, 0, seed + 1);
            red = base[0] * pattern;
            green = base[1] * pattern;
            blue = base[2] * pattern;
        } else if (surface < ROOM_SURFACES) { // ceiling and walls: low-contrast checker plus blotches
            base = surfaceColours[surface];
            double a = (surface == 2 || surface == 3) ? py : px;
            double b = surface == 1 ? py : pz;
            double cell = 0.3 + 0.1 * surface;
            boolean odd = ((long) Math.floor(a / cell) + (long) Math.floor(b / cell) & 1) == 1;
            pattern = (odd ? 0.8 : 1.0) * (0.65 + 0.35 * noise(a * 2.5, b * 2.5, 0, seed)
                    + 0.2 * noise(a * 11, b * 11, 0, seed + 1) - 0.1);
            double tint = noise(a * 0.7, b * 0.7, 0, seed + 2) - 0.5;
            red = base[0] * pattern + 0.15 * tint;
            green = base[1] * pattern;
            blue = base[2] * pattern - 0.15 * tint;
        } else { // objects: 3-D checker and noise in the object's own frame, so texture moves with it
            SceneObject object = objects[surface - ROOM_SURFACES];
            double[] c = centres[surface - ROOM_SURFACES];
            double lx = px - c[0], ly = py - c[1], lz = pz - c[2];
            base = object.colour;
            double cell = object.checkerSize;
            boolean odd = ((long) Math.floor(lx / cell) + (long) Math.floor(ly / cell) + (long) Math.floor(lz / cell) & 1) == 1;
            pattern = (odd ? 0.6 : 1.0) * (0.75 + 0.35 * noise(lx * 7, ly * 7, lz * 7, seed));
            red = base[0] * pattern;
            green = base[1] * pattern;
            blue = base[2] * pattern;
        }
        rgb[offset] = toByte(red * light);
        rgb[offset + 1] = toByte(green * light);
        rgb[offset + 2] = toByte(blue * light);
    }

    private static byte toByte(double value) {
        double v = value < 0 ? 0 : value > 1 ? 1 : value;
        return (byte) (int) (v * 255 + 0.5);
    }

    /** Smooth 3-D value noise in [0, 1]: hashed lattice values, smoothstep-interpolated. */
    static double noise(double x, double y, double z, long seed) {
        double fx = Math.floor(x), fy = Math.floor(y), fz = Math.floor(z);
        long ix = (long) fx, iy = (long) fy, iz = (long) fz;
        double tx = smooth(x - fx), ty = smooth(y - fy), tz = smooth(z - fz);
        double c000 = lattice(ix, iy, iz, seed), c100 = lattice(ix + 1, iy, iz, seed);
        double c010 = lattice(ix, iy + 1, iz, seed), c110 = lattice(ix + 1, iy + 1, iz, seed);
        double x00 = c000 + tx * (c100 - c000);
        double x10 = c010 + tx * (c110 - c010);
        double y0 = x00 + ty * (x10 - x00);
        if (tz == 0) return y0;
        double c001 = lattice(ix, iy, iz + 1, seed), c101 = lattice(ix + 1, iy, iz + 1, seed);
        double c011 = lattice(ix, iy + 1, iz + 1, seed), c111 = lattice(ix + 1, iy + 1, iz + 1, seed);
        double x01 = c001 + tx * (c101 - c001);
        double x11 = c011 + tx * (c111 - c011);
        double y1 = x01 + ty * (x11 - x01);
        return y0 + tz * (y1 - y0);
    }

    private static double smooth(double t) {
        return t * t * (3 - 2 * t);
    }

    private static double lattice(long x, long y, long z, long seed) {
        long h = DeterministicRandom.mix(seed ^ (x * 0x9E3779B97F4A7C15L) ^ (y * 0xC2B2AE3D27D4EB4FL) ^ (z * 0x165667B19E3779F9L));
        return (h >>> 11) * 0x1.0p-53;
    }

    // ---------------------------------------------------------------- layout

    /**
     * Central objects sit within 0.8 m of the room centre (extent up to 1.3 m); wall objects reach at most
     * 0.65 m into the room. The camera paths keep at least 1.6 m from the centre and 1 m from the walls,
     * so the camera is never inside or touching an object.
     */
    private static SceneObject[] buildObjects(DeterministicRandom random, double movingShare) {
        int central = 4;
        int wall = 3 + random.nextInt(3);
        SceneObject[] out = new SceneObject[central + wall];
        for (int i = 0; i < central; i++) {
            double angle = random.uniform(0, 2 * Math.PI), radius = random.uniform(0, 0.5);
            double[] colour = {random.uniform(0.15, 0.95), random.uniform(0.15, 0.95), random.uniform(0.15, 0.95)};
            double motionAngle = random.uniform(0, 2 * Math.PI);
            double[] amplitude = {0.3 * StrictMath.cos(motionAngle), 0.3 * StrictMath.sin(motionAngle), 0};
            double x = radius * StrictMath.cos(angle), y = radius * StrictMath.sin(angle);
            if (i % 2 == 0) {
                double hx = random.uniform(0.15, 0.35), hy = random.uniform(0.15, 0.35), hz = random.uniform(0.15, 0.5);
                out[i] = SceneObject.box(new double[] {x, y, hz}, hx, hy, hz, random.uniform(0, Math.PI), colour,
                        random.uniform(0.08, 0.2), amplitude, random);
            } else {
                double r = random.uniform(0.2, 0.35);
                out[i] = SceneObject.sphere(new double[] {x, y, random.uniform(r, 1.5)}, r, colour,
                        random.uniform(0.08, 0.2), amplitude, random);
            }
        }
        for (int i = central; i < out.length; i++) {
            int side = random.nextInt(4); // x-, x+, y-, y+
            double[] colour = {random.uniform(0.15, 0.95), random.uniform(0.15, 0.95), random.uniform(0.15, 0.95)};
            boolean alongY = side < 2;
            double along = alongY ? random.uniform(-2.2, 2.2) : random.uniform(-3.2, 3.2);
            double sign = side % 2 == 0 ? -1 : 1;
            double[] amplitude = alongY ? new double[] {0, 0.3, 0} : new double[] {0.3, 0, 0};
            if (random.nextDouble() < 0.6) {
                double hx = random.uniform(0.15, 0.3), hy = random.uniform(0.15, 0.3), hz = random.uniform(0.2, 0.6);
                double x = alongY ? sign * (ROOM_HALF_X - hx - 0.05) : along;
                double y = alongY ? along : sign * (ROOM_HALF_Y - hy - 0.05);
                out[i] = SceneObject.box(new double[] {x, y, hz}, hx, hy, hz, 0, colour, random.uniform(0.08, 0.2),
                        amplitude, random);
            } else {
                double r = random.uniform(0.2, 0.3);
                double x = alongY ? sign * (ROOM_HALF_X - r - 0.05) : along;
                double y = alongY ? along : sign * (ROOM_HALF_Y - r - 0.05);
                out[i] = SceneObject.sphere(new double[] {x, y, random.uniform(r, 2.0)}, r, colour,
                        random.uniform(0.08, 0.2), amplitude, random);
            }
        }
        // Choose the moving ones: a seeded shuffle, then the first round(share * N).
        int movingCount = (int) Math.round(movingShare * out.length);
        int[] order = new int[out.length];
        for (int i = 0; i < order.length; i++) order[i] = i;
        for (int i = order.length - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int tmp = order[i];
            order[i] = order[j];
            order[j] = tmp;
        }
        for (int i = 0; i < movingCount; i++) out[order[i]].moving = true;
        return out;
    }

    /** A box (yawed about z) or a sphere; moving ones oscillate smoothly along a fixed direction. */
    private static final class SceneObject {
        final boolean sphere;
        final double[] centre;
        final double hx, hy, hz, radius;
        final double cosYaw, sinYaw;
        /** A box's half-diagonal squared, times 1.002 (its bounding sphere, 0.1 % wider). */
        final double boundingRadiusSquared;
        final double[] colour;
        final double checkerSize;
        final double[] amplitude;
        final double omega, phase;
        boolean moving; // set once while building the scene

        private SceneObject(boolean sphere, double[] centre, double hx, double hy, double hz, double radius, double yaw,
                            double[] colour, double checkerSize, double[] amplitude, DeterministicRandom random) {
            this.sphere = sphere;
            this.centre = centre;
            this.hx = hx;
            this.hy = hy;
            this.hz = hz;
            this.radius = radius;
            this.boundingRadiusSquared = 1.002 * (hx * hx + hy * hy + hz * hz);
            this.cosYaw = StrictMath.cos(yaw);
            this.sinYaw = StrictMath.sin(yaw);
            this.colour = colour;
            this.checkerSize = checkerSize;
            this.amplitude = amplitude;
            this.omega = random.uniform(0.4, 1.2);
            this.phase = random.uniform(0, 2 * Math.PI);
        }

        static SceneObject box(double[] centre, double hx, double hy, double hz, double yaw, double[] colour,
                               double checker, double[] amplitude, DeterministicRandom random) {
            return new SceneObject(false, centre, hx, hy, hz, 0, yaw, colour, checker, amplitude, random);
        }

        static SceneObject sphere(double[] centre, double radius, double[] colour, double checker, double[] amplitude,
                                  DeterministicRandom random) {
            return new SceneObject(true, centre, 0, 0, 0, radius, 0, colour, checker, amplitude, random);
        }

        double[] centreAt(double t) {
            if (!moving) return centre;
            double s = StrictMath.sin(omega * t + phase);
            return new double[] {centre[0] + amplitude[0] * s, centre[1] + amplitude[1] * s, centre[2] + amplitude[2] * s};
        }

        /** Updates {@code hit} when this object is hit nearer than the current hit. */
        void intersect(double[] o, double dx, double dy, double dz, double[] c, Hit hit, int surfaceId) {
            double ox = o[0] - c[0], oy = o[1] - c[1], oz = o[2] - c[2];
            if (sphere) {
                double a = dx * dx + dy * dy + dz * dz;
                double b = ox * dx + oy * dy + oz * dz;
                double cc = ox * ox + oy * oy + oz * oz - radius * radius;
                double disc = b * b - a * cc;
                if (disc < 0) return;
                double s = (-b - Math.sqrt(disc)) / a;
                if (s <= 1e-9 || s >= hit.distance) return;
                hit.distance = s;
                hit.surface = surfaceId;
                double inv = 1 / radius;
                hit.nx = (ox + s * dx) * inv;
                hit.ny = (oy + s * dy) * inv;
                hit.nz = (oz + s * dz) * inv;
                return;
            }
            if (missesBoundingSphere(ox, oy, oz, dx, dy, dz, boundingRadiusSquared, hit.distance)) return;
            // Into the box frame (rotate by -yaw about z).
            double lox = cosYaw * ox + sinYaw * oy, loy = -sinYaw * ox + cosYaw * oy;
            double ldx = cosYaw * dx + sinYaw * dy, ldy = -sinYaw * dx + cosYaw * dy;
            double near = Double.NEGATIVE_INFINITY, far = Double.POSITIVE_INFINITY;
            int axis = -1;
            double[] lo = {lox, loy, oz};
            double[] ld = {ldx, ldy, dz};
            double[] half = {hx, hy, hz};
            for (int k = 0; k < 3; k++) {
                if (ld[k] == 0) {
                    if (Math.abs(lo[k]) > half[k]) return;
                    continue;
                }
                double t1 = (-half[k] - lo[k]) / ld[k], t2 = (half[k] - lo[k]) / ld[k];
                double tn = Math.min(t1, t2), tf = Math.max(t1, t2);
                if (tn > near) {
                    near = tn;
                    axis = k;
                }
                if (tf < far) far = tf;
                if (near > far) return;
            }
            if (axis < 0 || near <= 1e-9 || near >= hit.distance) return;
            double sign = ld[axis] > 0 ? -1 : 1; // the face the ray enters through
            double lnx = axis == 0 ? sign : 0, lny = axis == 1 ? sign : 0;
            hit.distance = near;
            hit.surface = surfaceId;
            hit.nx = cosYaw * lnx - sinYaw * lny;
            hit.ny = sinYaw * lnx + cosYaw * lny;
            hit.nz = axis == 2 ? sign : 0;
        }
    }

    /**
     * Whether the ray {@code o + s d} (o relative to the sphere's centre, s > 0) meets the sphere of squared radius
     * {@code radiusSquared} nowhere before {@code nearest}. A box inside the sphere is then not hit nearer either, so
     * its slab test can be skipped; most rays miss most boxes. The boxes' spheres are 0.1 % wider than their corners,
     * so rounding never rejects a ray that grazes one ({@code SyntheticSceneTest}).
     */
    static boolean missesBoundingSphere(double ox, double oy, double oz, double dx, double dy, double dz,
                                        double radiusSquared, double nearest) {
        double b = ox * dx + oy * dy + oz * dz;
        double a = dx * dx + dy * dy + dz * dz;
        double disc = b * b - a * (ox * ox + oy * oy + oz * oz - radiusSquared);
        if (disc < 0) return true;
        double root = Math.sqrt(disc);
        // Exit behind the origin, or entry at or beyond the nearest hit so far (both sides times a > 0).
        return -b + root <= 0 || -b - root >= nearest * a;
    }

    // ---------------------------------------------------------------- small vector helpers

    /** World-from-camera rotation whose optical axis is {@code forward}, with world z up (no roll). */
    private static double[] lookRotation(double[] forward) {
        double[] z = normalize(forward);
        double[] x = normalize(cross(z, new double[] {0, 0, 1})); // right
        double[] y = cross(z, x);                                // down
        return new double[] {x[0], y[0], z[0], x[1], y[1], z[1], x[2], y[2], z[2]};
    }

    private static double[] sub(double[] a, double[] b) {
        return new double[] {a[0] - b[0], a[1] - b[1], a[2] - b[2]};
    }

    private static double[] cross(double[] a, double[] b) {
        return new double[] {a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]};
    }

    private static double[] normalize(double[] a) {
        double n = Math.sqrt(a[0] * a[0] + a[1] * a[1] + a[2] * a[2]);
        return new double[] {a[0] / n, a[1] / n, a[2] / n};
    }
}
