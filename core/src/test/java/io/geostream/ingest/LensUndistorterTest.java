package io.geostream.ingest;

import io.geostream.avro.DistortionModel;
import io.geostream.avro.FrameEvent;
import io.geostream.avro.FrameImage;
import io.geostream.avro.ImageEncoding;
import io.geostream.avro.Intrinsics;
import io.geostream.avro.LensDistortion;
import io.geostream.geometry.CameraIntrinsics;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A synthetic distorted camera: a scene whose colour is a smooth function of the viewing ray (x/z, y/z) is rendered
 * through a lens model written out here in plain Java (OpenCV's plumb-bob and fisheye formulas, inverted by
 * iteration), so the truth does not come from the code under test. Ingest must hand on the image a pinhole camera
 * with the published intrinsics would have seen, with no pixel sampled from outside the input.
 */
class LensUndistorterTest {
    private static final int W = 160, H = 120;
    private final FrameValidator validator = new FrameValidator(IngestSettings.defaults());

    /** The scene: colour as a function of the normalised ray; smooth, so bilinear sampling is nearly exact. */
    private static int[] scene(double x, double y) {
        return new int[] {(int) Math.round(128 + 90 * Math.sin(4 * x + 0.5) * Math.cos(3 * y)),
                (int) Math.round(128 + 90 * Math.cos(5 * y - 0.3)), (int) Math.round(128 + 60 * Math.sin(3 * (x + y)))};
    }

    /** Forward lens model: normalised undistorted ray (x, y) to normalised distorted image point. */
    private static double[] distort(DistortionModel model, double[] c, double x, double y) {
        if (model == DistortionModel.FISHEYE) {
            double r = Math.hypot(x, y);
            if (r < 1e-12) return new double[] {x, y};
            double t = Math.atan(r), t2 = t * t;
            double td = t * (1 + c[0] * t2 + c[1] * t2 * t2 + c[2] * t2 * t2 * t2 + c[3] * t2 * t2 * t2 * t2);
            return new double[] {x * td / r, y * td / r};
        }
        double r2 = x * x + y * y;
        double radial = 1 + c[0] * r2 + c[1] * r2 * r2 + (c.length > 4 ? c[4] * r2 * r2 * r2 : 0);
        return new double[] {x * radial + 2 * c[2] * x * y + c[3] * (r2 + 2 * x * x),
                y * radial + c[2] * (r2 + 2 * y * y) + 2 * c[3] * x * y};
    }

    /** Inverse of {@link #distort} by Newton steps with a numerical Jacobian. */
    private static double[] undistort(DistortionModel model, double[] c, double xd, double yd) {
        double x = xd, y = yd, h = 1e-7;
        for (int i = 0; i < 50; i++) {
            double[] f = distort(model, c, x, y);
            double ex = f[0] - xd, ey = f[1] - yd;
            if (Math.abs(ex) + Math.abs(ey) < 1e-13) break;
            double[] fx = distort(model, c, x + h, y), fy = distort(model, c, x, y + h);
            double a = (fx[0] - f[0]) / h, b = (fy[0] - f[0]) / h, cc = (fx[1] - f[1]) / h, d = (fy[1] - f[1]) / h;
            double det = a * d - b * cc;
            x -= (d * ex - b * ey) / det;
            y -= (-cc * ex + a * ey) / det;
        }
        return new double[] {x, y};
    }

    /** The distorted camera's image of the scene. */
    private static byte[] renderDistorted(CameraIntrinsics k, DistortionModel model, double[] c) {
        byte[] rgb = new byte[W * H * 3];
        for (int v = 0; v < H; v++) {
            for (int u = 0; u < W; u++) {
                double[] ray = undistort(model, c, (u - k.cx()) / k.fx(), (v - k.cy()) / k.fy());
                int[] colour = scene(ray[0], ray[1]);
                for (int ch = 0; ch < 3; ch++) rgb[(v * W + u) * 3 + ch] = (byte) colour[ch];
            }
        }
        return rgb;
    }

    private static FrameEvent event(byte[] rgb, CameraIntrinsics k, DistortionModel model, double[] c) {
        return FrameEvent.newBuilder().setStreamId("lens").setFrameIndex(0).setCaptureTimeMicros(0).setEndOfStream(false)
                .setImage(FrameImage.newBuilder().setEncoding(ImageEncoding.RAW_RGB8).setWidth(W).setHeight(H)
                        .setData(ByteBuffer.wrap(rgb)).setRef(null).build())
                .setIntrinsics(k == null ? null : Intrinsics.newBuilder().setFx(k.fx()).setFy(k.fy()).setCx(k.cx()).setCy(k.cy()).build())
                .setDistortion(LensDistortion.newBuilder().setModel(model)
                        .setCoefficients(java.util.Arrays.stream(c).boxed().toList()).build())
                .setAttributes(Map.of()).build();
    }

    /** Mean absolute difference per channel value between an image and the scene seen by pinhole camera {@code k}. */
    private static double errorAgainstTruth(byte[] rgb, CameraIntrinsics k) {
        double sum = 0;
        for (int v = 0; v < H; v++) {
            for (int u = 0; u < W; u++) {
                int[] truth = scene((u - k.cx()) / k.fx(), (v - k.cy()) / k.fy());
                for (int ch = 0; ch < 3; ch++) sum += Math.abs((rgb[(v * W + u) * 3 + ch] & 0xff) - truth[ch]);
            }
        }
        return sum / (W * H * 3);
    }

    private void undistortsToThePublishedPinholeCamera(CameraIntrinsics k, DistortionModel model, double[] c) throws Exception {
        byte[] distorted = renderDistorted(k, model, c);
        ValidatedFrame frame = validator.validate(event(distorted, k, model, c));
        CameraIntrinsics out = frame.intrinsics();
        assertThat(frame.image().width()).isEqualTo(W);
        assertThat(frame.image().height()).isEqualTo(H);
        assertThat(out.width()).isEqualTo(W);
        assertThat(out.height()).isEqualTo(H);
        assertThat(out).as("the published intrinsics are the new pinhole camera").isNotEqualTo(k);

        // Before: the distorted image went on as it was, with the distorted camera's intrinsics.
        double before = errorAgainstTruth(distorted, k);
        double after = errorAgainstTruth(frame.image().rgb(), out);
        assertThat(after).as("undistorted vs the pinhole truth (before: %.1f)", before).isLessThan(2.0);
        assertThat(before).as("the lens is strong enough to matter").isGreaterThan(8 * after);

        // No border without pixels: every output pixel's ray lands inside the input image (half a pixel of slack for
        // OpenCV's sampled estimate of the valid region).
        for (int v = 0; v < H; v++) {
            for (int u = 0; u < W; u++) {
                double[] p = distort(model, c, (u - out.cx()) / out.fx(), (v - out.cy()) / out.fy());
                double su = p[0] * k.fx() + k.cx(), sv = p[1] * k.fy() + k.cy();
                assertThat(su).as("source x of (%d,%d)", u, v).isBetween(-1.0, W - 0.0);
                assertThat(sv).as("source y of (%d,%d)", u, v).isBetween(-1.0, H - 0.0);
            }
        }
        // And the view is cropped only as far as needed: some output edge pixel samples the input's edge.
        double[] corner = distort(model, c, (0 - out.cx()) / out.fx(), (H / 2.0 - out.cy()) / out.fy());
        double[] top = distort(model, c, (W / 2.0 - out.cx()) / out.fx(), (0 - out.cy()) / out.fy());
        assertThat(Math.min(corner[0] * k.fx() + k.cx(), top[1] * k.fy() + k.cy())).isLessThan(3.0);
    }

    @Test
    void aPlumbBobCameraBecomesThePinholeCameraItPublishes() throws Exception {
        undistortsToThePublishedPinholeCamera(new CameraIntrinsics(110, 108, 81.5, 58.25, W, H), DistortionModel.PLUMB_BOB,
                new double[] {-0.28, 0.07, 0.0012, -0.0008, 0.0});
    }

    @Test
    void aFisheyeCameraBecomesThePinholeCameraItPublishes() throws Exception {
        undistortsToThePublishedPinholeCamera(new CameraIntrinsics(75, 75, 79.5, 60.5, W, H), DistortionModel.FISHEYE,
                new double[] {0.04, -0.01, 0.002, -0.0002});
    }

    @Test
    void theRemapTablesAreBuiltOncePerCameraModel() throws Exception {
        LensUndistorter lens = new LensUndistorter();
        CameraIntrinsics k = new CameraIntrinsics(110, 108, 81.5, 58.25, W, H);
        LensDistortion d = LensDistortion.newBuilder().setModel(DistortionModel.PLUMB_BOB)
                .setCoefficients(List.of(-0.28, 0.07, 0.0, 0.0)).build();
        RgbImage image = new RgbImage(W, H, new byte[W * H * 3]);
        LensUndistorter.Result first = lens.undistort(image, k, d);
        LensUndistorter.Result second = lens.undistort(image, k, d);
        // The cached tables' camera, not a rebuilt one (equal values, same object).
        assertThat(second.intrinsics()).isSameAs(first.intrinsics());
        assertThat(lens.outputIntrinsics(k, d)).isSameAs(first.intrinsics());
        CameraIntrinsics other = new CameraIntrinsics(100, 100, 79.5, 59.5, W, H);
        assertThat(lens.outputIntrinsics(other, d)).isNotSameAs(first.intrinsics());
    }

    @Test
    void distortionThatCannotBeUndoneIsADeadLetterWithAReason() {
        CameraIntrinsics k = new CameraIntrinsics(110, 108, 81.5, 58.25, W, H);
        byte[] rgb = new byte[W * H * 3];
        assertThatThrownBy(() -> validator.validate(event(rgb, null, DistortionModel.PLUMB_BOB, new double[] {-0.2, 0.05, 0, 0})))
                .isInstanceOfSatisfying(FrameRejectedException.class, e -> assertThat(e.reason()).isEqualTo(RejectReason.INVALID_DISTORTION))
                .hasMessageContaining("without intrinsics");
        assertThatThrownBy(() -> validator.validate(event(rgb, k, DistortionModel.FISHEYE, new double[] {0.1, 0.01})))
                .isInstanceOfSatisfying(FrameRejectedException.class, e -> assertThat(e.reason()).isEqualTo(RejectReason.INVALID_DISTORTION))
                .hasMessageContaining("FISHEYE takes 4");
        assertThatThrownBy(() -> validator.validate(event(rgb, k, DistortionModel.PLUMB_BOB, new double[] {0.1, 0.01, 0, 0, 0, 0})))
                .isInstanceOf(FrameRejectedException.class).hasMessageContaining("PLUMB_BOB takes 4, 5, 8, 12 or 14");
        assertThatThrownBy(() -> validator.validate(event(rgb, k, DistortionModel.UNKNOWN, new double[] {0.1, 0.01, 0, 0})))
                .isInstanceOf(FrameRejectedException.class).hasMessageContaining("cannot be undone");
        // All-zero coefficients are no distortion: nothing to undo, intrinsics or not.
        assertThat(catchValidated(event(rgb, null, DistortionModel.PLUMB_BOB, new double[] {0, 0, 0, 0})).intrinsics()).isNull();
    }

    private ValidatedFrame catchValidated(FrameEvent e) {
        try {
            return validator.validate(e);
        } catch (FrameRejectedException ex) {
            throw new AssertionError(ex);
        }
    }
}
