package io.geostream.records;

import java.util.regex.Pattern;

/**
 * Validation of camera stream ids. A stream id becomes part of object-store keys and file names, so only
 * {@code [A-Za-z0-9][A-Za-z0-9._-]{0,127}} is accepted: no path separators, no control characters, and
 * (because it must start with a letter or digit) never {@code .} or {@code ..}.
 */
public final class StreamIds {
    /** The accepted form. */
    public static final Pattern PATTERN = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");

    private StreamIds() {
    }

    /** Whether {@code streamId} is a valid stream id; false for null. */
    public static boolean isValid(String streamId) {
        return streamId != null && PATTERN.matcher(streamId).matches();
    }

    /**
     * Returns {@code streamId} if valid.
     *
     * @throws IllegalArgumentException if it is not
     */
    public static String requireValid(String streamId) {
        if (!isValid(streamId)) {
            throw new IllegalArgumentException("stream id must match " + PATTERN + ", got: " + describe(streamId));
        }
        return streamId;
    }

    /** A log-safe rendering of a possibly hostile id: truncated, control characters escaped. */
    public static String describe(String s) {
        if (s == null) {
            return "null";
        }
        StringBuilder b = new StringBuilder("\"");
        int n = Math.min(s.length(), 64);
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c == 0x7f || c == '"' || c == '\\') {
                b.append(String.format("\\u%04x", (int) c));
            } else {
                b.append(c);
            }
        }
        if (s.length() > n) {
            b.append("...(").append(s.length()).append(" chars)");
        }
        return b.append('"').toString();
    }
}
