package io.geostream.produce;

import io.geostream.avro.Intrinsics;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** The camera matrix each published frame carries: from the source's size, or from the calibration's. */
class CameraProducerIntrinsicsTest {

    private static final Intrinsics K720 = Intrinsics.newBuilder().setFx(800).setFy(810).setCx(639.5).setCy(359.5).build();
    private static final ProducerSettings NATIVE = ProducerSettings.of("cam-1", "frames").withIntrinsics(K720);

    private static double[] values(Intrinsics k) {
        return new double[] {k.getFx(), k.getFy(), k.getCx(), k.getCy()};
    }

    @Test
    void withoutACalibrationSizeTheIntrinsicsHoldAtTheSourcesSize() throws Exception {
        // As before: the source's size is taken to be the calibration's, whatever it is.
        assertThat(values(CameraProducer.intrinsicsFor(NATIVE, 1280, 720, 640, 360))).containsExactly(400, 405, 319.5, 179.5);
        assertThat(values(CameraProducer.intrinsicsFor(NATIVE, 640, 360, 640, 360))).containsExactly(800, 810, 639.5, 359.5);
        assertThat(CameraProducer.intrinsicsFor(ProducerSettings.of("cam-1", "frames"), 640, 360, 320, 180)).isNull();
    }

    @Test
    void aSourceInAnotherModeOfTheSameAspectRatioGetsThemScaledFromTheCalibration() throws Exception {
        ProducerSettings calibrated = NATIVE.withIntrinsicsSize(1280, 720);
        // The camera opened at 640x360 and publishes that size: half the calibrated matrix, pixel centres kept.
        assertThat(values(CameraProducer.intrinsicsFor(calibrated, 640, 360, 640, 360))).containsExactly(400, 405, 319.5, 179.5);
        // ... and resized on to 320x180: the same as scaling the calibration straight to 320x180.
        assertThat(values(CameraProducer.intrinsicsFor(calibrated, 640, 360, 320, 180)))
                .containsExactly(values(CameraProducer.scaledIntrinsics(K720, 1280, 720, 320, 180)));
        // Sizes that round an aspect ratio (1920x1080 calibrated, 854x480 delivered: 0.08 % apart) are the same ratio.
        Intrinsics k = CameraProducer.intrinsicsFor(NATIVE.withIntrinsicsSize(1920, 1080), 854, 480, 854, 480);
        assertThat(k.getFx()).isCloseTo(800 * 854 / 1920.0, within(1e-9));
        assertThat(k.getFy()).isCloseTo(810 * 480 / 1080.0, within(1e-9));
    }

    @Test
    void anotherAspectRatioThanTheCalibrationsFailsTheCamera() {
        // A 16:9 calibration on a camera that opened in its 4:3 mode: a crop of the sensor, which no scale makes right.
        assertThatThrownBy(() -> CameraProducer.intrinsicsFor(NATIVE.withIntrinsicsSize(1280, 720), 640, 480, 640, 480))
                .isInstanceOf(FrameSourceException.class)
                .hasMessageContainingAll("640x480", "1280x720", "crop");
    }

    @Test
    void aCalibrationSizeNeedsIntrinsicsAndBothSides() {
        assertThatThrownBy(() -> ProducerSettings.of("cam-1", "frames").withIntrinsicsSize(1280, 720))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("without intrinsics");
        assertThatThrownBy(() -> NATIVE.withIntrinsicsSize(1280, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("both positive or both 0");
    }
}
