package io.geostream.ingest;

/**
 * Pure-Java sniffing of PNG and JPEG headers: format and pixel size, read without decompressing anything.
 * This runs before any native decoder so that an image whose header claims a huge size (a decompression
 * bomb) is refused by comparing the header with the declared size. Every read is bounds-checked and the
 * JPEG marker walk is bounded by the data length.
 */
public final class ImageHeaders {

    /** Format ({@code PNG} or {@code JPEG}) and size read from an image header. */
    public record ImageHeader(String format, int width, int height) {
    }

    private static final byte[] PNG_SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};

    private ImageHeaders() {
    }

    /**
     * Reads the size from a PNG's signature and IHDR chunk.
     *
     * @throws FrameRejectedException IMAGE_CORRUPT if the bytes do not start like a PNG
     */
    public static ImageHeader png(byte[] data) throws FrameRejectedException {
        if (data == null) {
            throw new IllegalArgumentException("data must not be null");
        }
        // signature (8) + IHDR length (4) + "IHDR" (4) + width (4) + height (4)
        if (data.length < 24) {
            throw corrupt("PNG shorter than its header");
        }
        for (int i = 0; i < PNG_SIGNATURE.length; i++) {
            if (data[i] != PNG_SIGNATURE[i]) {
                throw corrupt("not a PNG signature");
            }
        }
        if (readInt32(data, 8) != 13 || data[12] != 'I' || data[13] != 'H' || data[14] != 'D' || data[15] != 'R') {
            throw corrupt("PNG does not start with a 13-byte IHDR chunk");
        }
        long width = readInt32(data, 16) & 0xFFFFFFFFL;
        long height = readInt32(data, 20) & 0xFFFFFFFFL;
        if (width == 0 || height == 0 || width > Integer.MAX_VALUE || height > Integer.MAX_VALUE) {
            throw corrupt("PNG header size " + width + "x" + height + " is invalid");
        }
        return new ImageHeader("PNG", (int) width, (int) height);
    }

    /**
     * Whether a PNG's chunk sequence is whole: every chunk (length, type, data, CRC) lies inside {@code data}
     * and an IEND chunk is reached. OpenCV's decoder spends seconds on some truncated PNGs (found by
     * {@code ImageDecodingFuzzTest}: 12-17 s for 300 bytes) before it gives up, so truncation is refused here.
     */
    static boolean pngIsComplete(byte[] data) {
        int pos = PNG_SIGNATURE.length;
        // Each iteration advances by at least 12 bytes, so the loop ends within data.length / 12 rounds.
        while (pos + 12 <= data.length) {
            long length = readInt32(data, pos) & 0xFFFFFFFFL;
            if (length > data.length - pos - 12L) {
                return false;
            }
            boolean iend = data[pos + 4] == 'I' && data[pos + 5] == 'E' && data[pos + 6] == 'N' && data[pos + 7] == 'D';
            pos += 12 + (int) length;
            if (iend) {
                return true;
            }
        }
        return false;
    }

    /**
     * Reads the size from a JPEG's first start-of-frame marker (SOF0..SOF15 except DHT, JPG and DAC),
     * walking the marker segments from SOI.
     *
     * @throws FrameRejectedException IMAGE_CORRUPT if the bytes are not a JPEG with a readable frame header
     */
    public static ImageHeader jpeg(byte[] data) throws FrameRejectedException {
        if (data == null) {
            throw new IllegalArgumentException("data must not be null");
        }
        int sofOffset = findJpegFrameHeader(data);
        // SOF segment: length (2), precision (1), height (2), width (2), components (1)
        if (sofOffset + 8 > data.length) {
            throw corrupt("JPEG frame header truncated");
        }
        int height = readUInt16(data, sofOffset + 3);
        int width = readUInt16(data, sofOffset + 5);
        if (width == 0 || height == 0) {
            throw corrupt("JPEG frame header size " + width + "x" + height + " is invalid (DNL not supported)");
        }
        return new ImageHeader("JPEG", width, height);
    }

    /**
     * Whether a JPEG has an end-of-image marker after its first start-of-scan. A truncated JPEG lacks it, and
     * libjpeg would otherwise "decode" it with grey filler and only a warning.
     */
    static boolean jpegHasEndOfImage(byte[] data) throws FrameRejectedException {
        int pos = findJpegSegment(data, true);
        // Inside entropy-coded data, 0xFF is always followed by 0x00 (stuffing) or RST0..7, so FF D9 is EOI.
        for (int i = pos; i + 1 < data.length; i++) {
            if (data[i] == (byte) 0xFF && data[i + 1] == (byte) 0xD9) {
                return true;
            }
        }
        return false;
    }

    private static int findJpegFrameHeader(byte[] data) throws FrameRejectedException {
        return findJpegSegment(data, false);
    }

    /**
     * Walks marker segments from SOI. Returns the offset of the length field of the first SOF segment, or
     * (when {@code startOfScan}) the offset just past the first SOS marker.
     */
    private static int findJpegSegment(byte[] data, boolean startOfScan) throws FrameRejectedException {
        if (data.length < 4 || (data[0] & 0xff) != 0xFF || (data[1] & 0xff) != 0xD8) {
            throw corrupt("not a JPEG (no SOI marker)");
        }
        int pos = 2;
        // Each iteration consumes at least two bytes, so the loop ends within data.length / 2 rounds.
        while (pos < data.length) {
            if ((data[pos] & 0xff) != 0xFF) {
                throw corrupt("JPEG marker expected at offset " + pos);
            }
            while (pos < data.length && (data[pos] & 0xff) == 0xFF) {
                pos++; // fill bytes
            }
            if (pos >= data.length) {
                break;
            }
            int marker = data[pos] & 0xff;
            pos++;
            if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) {
                continue; // TEM and RSTn have no length
            }
            if (marker == 0xD9 || marker == 0xD8 || marker == 0x00) {
                throw corrupt(String.format("unexpected JPEG marker FF%02X before the frame header", marker));
            }
            if (marker == 0xDA && startOfScan) {
                return pos;
            }
            if (marker == 0xDA) {
                throw corrupt("JPEG scan starts before any frame header");
            }
            if (pos + 2 > data.length) {
                break;
            }
            int length = readUInt16(data, pos);
            if (length < 2) {
                throw corrupt("JPEG segment length " + length + " at offset " + pos);
            }
            boolean isFrameHeader = marker >= 0xC0 && marker <= 0xCF
                    && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
            if (isFrameHeader && !startOfScan) {
                return pos;
            }
            pos += length;
        }
        throw corrupt(startOfScan ? "JPEG has no scan" : "JPEG has no frame header");
    }

    private static int readUInt16(byte[] data, int offset) {
        return ((data[offset] & 0xff) << 8) | (data[offset + 1] & 0xff);
    }

    private static int readInt32(byte[] data, int offset) {
        return ((data[offset] & 0xff) << 24) | ((data[offset + 1] & 0xff) << 16)
                | ((data[offset + 2] & 0xff) << 8) | (data[offset + 3] & 0xff);
    }

    private static FrameRejectedException corrupt(String detail) {
        return new FrameRejectedException(RejectReason.IMAGE_CORRUPT, detail);
    }
}
