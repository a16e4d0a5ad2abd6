package io.geostream.geometry;

/**
 * IEEE 754 half precision (binary16) for per-pixel values held in state, where half the bytes are worth more than the
 * last bits: unit normals (the output PNG keeps 8 bits of each component; a half keeps 11) and confidences. Rounds to
 * the nearest half, ties to even, as {@code Float.floatToFloat16} does from Java 20 on (this project runs on 17).
 */
public final class HalfFloats {
    private HalfFloats() {}

    /** The nearest half (ties to even); NaN stays NaN; from 65520 up (what rounds past the largest half, 65504), infinity. */
    public static short fromFloat(float value) {
        int bits = Float.floatToRawIntBits(value);
        int sign = (bits >>> 16) & 0x8000;
        int abs = bits & 0x7fffffff;
        if (abs >= 0x38800000 && abs < 0x477ff000) {
            // The normal range, one branch: rebias the exponent (127 - 15 = 112), round the 13 dropped bits to nearest
            // even by adding 0xfff plus the kept part's lowest bit; a carry moves into the exponent, as it should.
            return (short) (sign | ((abs - 0x38000000 + 0xfff + ((abs >>> 13) & 1)) >>> 13));
        }
        if (abs >= 0x7f800000) return (short) (sign | 0x7c00 | (abs > 0x7f800000 ? 0x200 : 0)); // infinity, NaN
        if (abs >= 0x477ff000) return (short) (sign | 0x7c00); // 65520 and up round to infinity
        // Below 2^-14: a subnormal half, in units of 2^-24 (a result of 0x400 is the smallest normal, as it should be).
        return (short) (sign | (int) Math.rint(Float.intBitsToFloat(abs) * 0x1p24f));
    }

    /** The half's exact float value. */
    public static float toFloat(short half) {
        int bits = half & 0xffff;
        int sign = (bits & 0x8000) << 16;
        int exponent = (bits >>> 10) & 0x1f;
        if (exponent != 0 && exponent != 0x1f) { // normal: rebias the exponent (127 - 15 = 112)
            return Float.intBitsToFloat(sign | (((bits & 0x7fff) << 13) + 0x38000000));
        }
        int mantissa = bits & 0x3ff;
        if (exponent == 0x1f) return Float.intBitsToFloat(sign | 0x7f800000 | (mantissa << 13));
        float subnormal = mantissa * 0x1p-24f;
        return sign == 0 ? subnormal : -subnormal;
    }

    /** Whether every finite value stays finite as a half (its magnitude below 65520). */
    public static boolean keepsFinite(float[] values) {
        for (float v : values) if (Float.isFinite(v) && Math.abs(v) >= 65520f) return false;
        return true;
    }

    /** Each value rounded to a half; null for null. */
    public static short[] fromFloats(float[] values) {
        if (values == null) return null;
        short[] out = new short[values.length];
        for (int i = 0; i < values.length; i++) out[i] = fromFloat(values[i]);
        return out;
    }

    /** Each half as a float; null for null. */
    public static float[] toFloats(short[] halves) {
        if (halves == null) return null;
        float[] out = new float[halves.length];
        for (int i = 0; i < halves.length; i++) out[i] = toFloat(halves[i]);
        return out;
    }
}
