package io.geostream.produce;

import io.geostream.avro.DistortionModel;
import io.geostream.avro.LensDistortion;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The text forms of camera settings that {@code geostream produce}'s flags and {@code cameras.yaml} share, so both
 * accept and reject the same things. Errors are {@link IllegalArgumentException}s whose message the caller prefixes
 * with the flag or key.
 */
public final class SettingsText {
    private SettingsText() {
    }

    /** {@code WxH}: {width, height}, 16..8192 pixels per side. */
    public static int[] parseSize(String text) {
        String[] parts = text.toLowerCase(Locale.ROOT).split("x", -1);
        int w;
        int h;
        try {
            w = Integer.parseInt(parts[0].strip());
            h = parts.length == 2 ? Integer.parseInt(parts[1].strip()) : -1;
        } catch (NumberFormatException e) {
            w = -1;
            h = -1;
        }
        if (w < 16 || h < 16 || w > 8192 || h > 8192) {
            throw new IllegalArgumentException("must be WxH with 16..8192 pixels per side, got " + text);
        }
        return new int[] {w, h};
    }

    /**
     * {@code MODEL:c1,c2,...} with MODEL {@code PLUMB_BOB} (4, 5, 8, 12 or 14 coefficients) or {@code FISHEYE} (4),
     * OpenCV conventions.
     */
    public static LensDistortion parseDistortion(String text) {
        int colon = text.indexOf(':');
        if (colon < 0) {
            throw new IllegalArgumentException("must be MODEL:c1,c2,..., got " + text);
        }
        DistortionModel model;
        try {
            model = DistortionModel.valueOf(text.substring(0, colon).strip().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("model must be PLUMB_BOB or FISHEYE, got " + text.substring(0, colon));
        }
        List<Double> coefficients = new ArrayList<>();
        try {
            for (String c : text.substring(colon + 1).split(",")) {
                double v = Double.parseDouble(c.strip());
                if (!Double.isFinite(v)) throw new NumberFormatException();
                coefficients.add(v);
            }
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("coefficients must be finite numbers: " + text);
        }
        boolean sizeOk = model == DistortionModel.FISHEYE ? coefficients.size() == 4
                : model == DistortionModel.PLUMB_BOB && List.of(4, 5, 8, 12, 14).contains(coefficients.size());
        if (!sizeOk) {
            throw new IllegalArgumentException("needs PLUMB_BOB with 4, 5, 8, 12 or 14 coefficients or FISHEYE with 4, got " + text);
        }
        return LensDistortion.newBuilder().setModel(model).setCoefficients(coefficients).build();
    }
}
