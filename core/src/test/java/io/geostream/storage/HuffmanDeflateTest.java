package io.geostream.storage;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Random;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class HuffmanDeflateTest {

    /** zlib's inflater (the JDK's) reads back exactly what went in: the stream is complete and its checksum right. */
    private static byte[] inflate(byte[] zlib, int expectedLength) throws DataFormatException {
        Inflater inflater = new Inflater();
        try {
            inflater.setInput(zlib);
            byte[] out = new byte[expectedLength + 16];
            int n = 0;
            while (!inflater.finished()) {
                int k = inflater.inflate(out, n, out.length - n);
                if (k == 0 && !inflater.finished() && (inflater.needsInput() || inflater.needsDictionary())) {
                    throw new DataFormatException("stream ends early after " + n + " bytes");
                }
                n += k;
            }
            assertThat(inflater.getRemaining()).as("bytes after the stream").isZero();
            return Arrays.copyOf(out, n);
        } finally {
            inflater.end();
        }
    }

    /** zlib's Huffman-only stream of {@code data}, as PayloadCodecs wrote it before session 31 ({@code buffer} large enough). */
    static byte[] zlibHuffmanOnly(byte[] data, byte[] buffer) {
        Deflater deflater = new Deflater(1);
        try {
            deflater.setStrategy(Deflater.HUFFMAN_ONLY);
            deflater.setInput(data);
            deflater.finish();
            int n = 0;
            while (!deflater.finished()) n += deflater.deflate(buffer, n, buffer.length - n);
            return Arrays.copyOf(buffer, n);
        } finally {
            deflater.end();
        }
    }

    @Test
    void inflatesToTheInputWhateverItsSizeAndContent() throws Exception {
        Random random = new Random(5);
        int[] sizes = {0, 1, 2, 3, 255, HuffmanDeflate.BLOCK_BYTES - 1, HuffmanDeflate.BLOCK_BYTES, HuffmanDeflate.BLOCK_BYTES + 1,
                3 * HuffmanDeflate.BLOCK_BYTES + 17, 96_000, 300_000};
        for (int size : sizes) {
            for (int kind = 0; kind < 5; kind++) {
                byte[] data = new byte[size];
                for (int i = 0; i < size; i++) {
                    data[i] = switch (kind) {
                        case 0 -> 0;                                              // one symbol
                        case 1 -> (byte) random.nextInt(256);                     // incompressible: stored blocks
                        case 2 -> (byte) Math.round(random.nextGaussian() * 3);   // Up-filtered depth or normals
                        case 3 -> (byte) (random.nextDouble() < 1e-3 ? random.nextInt(256) : 7); // one symbol, rare others
                        default -> (byte) (i < size / 2 ? random.nextInt(4) : random.nextInt(256)); // blocks unlike each other
                    };
                }
                byte[] zlib = HuffmanDeflate.zlib(data);
                assertThat(inflate(zlib, size)).as("size %d kind %d", size, kind).isEqualTo(data);
                assertThat(zlib.length).as("never much larger than the input (stored blocks)").isLessThanOrEqualTo(size + 6 + 5 * (size / HuffmanDeflate.BLOCK_BYTES + 1) + 8);
            }
        }
    }

    @Test
    void compressesUpFilteredSamplesAsWellAsZlibsHuffmanOnlyStrategy() throws Exception {
        Random random = new Random(6);
        byte[] data = new byte[96_000];
        for (int i = 0; i < data.length; i++) data[i] = (byte) Math.round(random.nextGaussian() * (i < 40_000 ? 2 : 6));
        byte[] ours = HuffmanDeflate.zlib(data);
        byte[] zlib = zlibHuffmanOnly(data, new byte[data.length * 2 + 64]);
        assertThat(inflate(ours, data.length)).isEqualTo(data);
        assertThat((double) ours.length).isLessThanOrEqualTo(zlib.length * 1.01);
        assertThat(ours.length).isLessThan(data.length * 3 / 4);
    }

    @Test
    void codeLengthsStayWithinTheLimitAndFormAPrefixCode() {
        // Fibonacci frequencies make Huffman's code as deep as there are symbols: the limit has to cut it.
        int[] frequencies = new int[257];
        long a = 1, b = 1;
        for (int s = 0; s < 40; s++) {
            frequencies[s] = (int) Math.min(a, Integer.MAX_VALUE / 4);
            long c = a + b;
            a = b;
            b = c;
        }
        frequencies[256] = 1;
        for (int limit : new int[] {15, 7}) {
            int[] lengths = HuffmanDeflate.codeLengths(frequencies, limit);
            double kraft = 0;
            for (int s = 0; s < lengths.length; s++) {
                assertThat(lengths[s]).isBetween(0, limit);
                if (frequencies[s] > 0) assertThat(lengths[s]).as("symbol %d is used", s).isPositive();
                if (lengths[s] > 0) kraft += Math.pow(2, -lengths[s]);
            }
            assertThat(kraft).as("Kraft sum: a complete prefix code").isEqualTo(1.0);
        }
        // One used symbol still gets a code of one bit, and a second symbol beside it (as zlib does).
        int[] single = new int[19];
        single[4] = 10;
        int[] lengths = HuffmanDeflate.codeLengths(single, 7);
        assertThat(Arrays.stream(lengths).filter(l -> l == 1).count()).isEqualTo(2);
        assertThat(lengths[4]).isEqualTo(1);
    }

    @Test
    void canonicalCodesAreTheRfcsExample() {
        // RFC 1951, 3.2.2: lengths (3, 3, 3, 3, 3, 2, 4, 4) give codes 010, 011, 100, 101, 110, 00, 1110, 1111.
        int[] codes = HuffmanDeflate.canonicalCodes(new int[] {3, 3, 3, 3, 3, 2, 4, 4});
        int[] expected = {0b010, 0b011, 0b100, 0b101, 0b110, 0b00, 0b1110, 0b1111};
        int[] lengths = {3, 3, 3, 3, 3, 2, 4, 4};
        for (int s = 0; s < codes.length; s++) {
            assertThat(Integer.reverse(codes[s]) >>> (32 - lengths[s])).as("symbol %d (sent first bit first)", s).isEqualTo(expected[s]);
        }
    }

    @Test
    void refusesNull() {
        assertThatThrownBy(() -> HuffmanDeflate.zlib(null)).isInstanceOf(IllegalArgumentException.class);
    }
}
