package io.geostream.storage;

import java.util.Arrays;
import java.util.zip.Adler32;

/**
 * A zlib stream (RFC 1950) of Deflate blocks (RFC 1951) that code literals only, each block with its own Huffman code:
 * what zlib writes with {@code Z_HUFFMAN_ONLY}, the strategy the PNG payloads use ({@link PayloadCodecs}). Any inflater
 * reads it (javax.imageio, libpng, browsers, Python's zlib).
 *
 * <p>Kept here rather than calling {@link java.util.zip.Deflater}: zlib's Huffman-only path tallies every byte into a
 * symbol buffer and then walks it again per block, and on the job's payloads (about 96 KB of Up-filtered samples a
 * frame) that was 1.5-1.7 ms of CPU a frame, most of the payload encoding in `bench pipeline`'s profile (2026-12-07,
 * session 31). This class counts and codes the bytes in two tight passes: {@code PngDeflateCostCheck} (core's tests,
 * opt-in) measured 0.56 ms a frame against zlib's 1.51 (0.37x) with blocks of 16 K bytes, the output 0.04 % larger
 * (with 32 K blocks 0.38x and 0.06 %, with 64 K 0.35x and 0.75 %); in the bench's profile the pass fell from 1.5-1.7
 * to 0.6-0.7 ms a frame. zlib's figure includes setting up a {@code Deflater} per payload, as the writer did.
 */
public final class HuffmanDeflate {
    /**
     * Bytes coded with one Huffman code (zlib's Huffman-only blocks hold 16 K symbols at its default memory level). At
     * most 65,535: a stored block's length field has 16 bits.
     */
    static final int BLOCK_BYTES = 1 << 14;
    private static final int END_OF_BLOCK = 256;
    /** Literal/length symbols a block's code spans: the 256 byte values and the end of block (no lengths: no matches). */
    private static final int LITERAL_SYMBOLS = 257;
    private static final int MAX_CODE_BITS = 15;
    private static final int MAX_CODE_LENGTH_CODE_BITS = 7;
    /** The order in which a dynamic block's header lists the code-length code's lengths (RFC 1951, 3.2.7). */
    private static final int[] CODE_LENGTH_ORDER = {16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15};

    private byte[] out;
    private int pos;
    private long bitBuffer;
    private int bitCount;

    private HuffmanDeflate(int capacity) {
        out = new byte[capacity];
    }

    /** {@code data} as a zlib stream of Huffman-coded (or, where coding does not pay, stored) blocks. */
    public static byte[] zlib(byte[] data) {
        if (data == null) throw new IllegalArgumentException("data must not be null");
        HuffmanDeflate w = new HuffmanDeflate(data.length + data.length / 64 + 64);
        w.out[w.pos++] = 0x78; // CMF: deflate, 32 K window
        w.out[w.pos++] = 0x01; // FLG: fastest compression, no dictionary, (0x7801 % 31 == 0)
        int start = 0;
        do {
            int end = Math.min(data.length, start + BLOCK_BYTES);
            w.block(data, start, end, end == data.length);
            start = end;
        } while (start < data.length);
        w.alignToByte();
        Adler32 adler = new Adler32();
        adler.update(data);
        int checksum = (int) adler.getValue();
        w.ensure(4);
        w.out[w.pos++] = (byte) (checksum >>> 24);
        w.out[w.pos++] = (byte) (checksum >>> 16);
        w.out[w.pos++] = (byte) (checksum >>> 8);
        w.out[w.pos++] = (byte) checksum;
        return Arrays.copyOf(w.out, w.pos);
    }

    private void block(byte[] data, int start, int end, boolean last) {
        int[] frequencies = new int[LITERAL_SYMBOLS];
        for (int i = start; i < end; i++) frequencies[data[i] & 0xff]++;
        frequencies[END_OF_BLOCK] = 1;
        int[] lengths = codeLengths(frequencies, MAX_CODE_BITS);
        int[] codes = canonicalCodes(lengths);

        // The header's list of code lengths: the literals', then two distance codes of one bit (a block must declare one;
        // zlib declares two, which every inflater accepts), runs of zeros as symbols 17 (3-10) and 18 (11-138).
        int[] sequence = Arrays.copyOf(lengths, LITERAL_SYMBOLS + 2);
        sequence[LITERAL_SYMBOLS] = 1;
        sequence[LITERAL_SYMBOLS + 1] = 1;
        int[] symbols = new int[sequence.length];
        int[] extras = new int[sequence.length];
        int[] symbolFrequencies = new int[CODE_LENGTH_ORDER.length];
        int count = 0;
        for (int i = 0; i < sequence.length; ) {
            int run = 0;
            while (sequence[i] == 0 && i + run < sequence.length && sequence[i + run] == 0 && run < 138) run++;
            if (run >= 3) {
                symbols[count] = run >= 11 ? 18 : 17;
                extras[count] = run - (run >= 11 ? 11 : 3);
                i += run;
            } else {
                symbols[count] = sequence[i];
                i++;
            }
            symbolFrequencies[symbols[count++]]++;
        }
        int[] lengthCodeLengths = codeLengths(symbolFrequencies, MAX_CODE_LENGTH_CODE_BITS);
        int[] lengthCodes = canonicalCodes(lengthCodeLengths);
        int listed = CODE_LENGTH_ORDER.length;
        while (listed > 4 && lengthCodeLengths[CODE_LENGTH_ORDER[listed - 1]] == 0) listed--;

        long headerBits = 3 + 5 + 5 + 4 + 3L * listed;
        for (int i = 0; i < count; i++) {
            headerBits += lengthCodeLengths[symbols[i]] + (symbols[i] == 17 ? 3 : symbols[i] == 18 ? 7 : 0);
        }
        long dataBits = 0;
        for (int s = 0; s < LITERAL_SYMBOLS; s++) dataBits += (long) frequencies[s] * lengths[s];
        int bytes = end - start;
        // A stored block costs its 3 header bits, at most 7 to reach a byte boundary, LEN and NLEN, then the bytes.
        if (headerBits + dataBits >= 3 + 7 + 32 + 8L * bytes) {
            stored(data, start, end, last);
            return;
        }
        ensure((int) ((headerBits + dataBits) / 8) + 16);
        bits(last ? 1 : 0, 1);
        bits(2, 2); // dynamic Huffman codes
        bits(LITERAL_SYMBOLS - 257, 5);
        bits(2 - 1, 5);
        bits(listed - 4, 4);
        for (int i = 0; i < listed; i++) bits(lengthCodeLengths[CODE_LENGTH_ORDER[i]], 3);
        for (int i = 0; i < count; i++) {
            bits(lengthCodes[symbols[i]], lengthCodeLengths[symbols[i]]);
            if (symbols[i] == 17) bits(extras[i], 3);
            else if (symbols[i] == 18) bits(extras[i], 7);
        }
        // The literals: code and length packed in one int (bits 0-23 the code, bit-reversed; 24-31 its length).
        int[] packed = new int[256];
        for (int b = 0; b < 256; b++) packed[b] = codes[b] | (lengths[b] << 24);
        long buffer = bitBuffer;
        int filled = bitCount, p = pos;
        byte[] o = out;
        for (int i = start; i < end; i++) {
            int code = packed[data[i] & 0xff];
            buffer |= ((long) (code & 0xffffff)) << filled;
            filled += code >>> 24;
            if (filled >= 32) {
                o[p] = (byte) buffer;
                o[p + 1] = (byte) (buffer >>> 8);
                o[p + 2] = (byte) (buffer >>> 16);
                o[p + 3] = (byte) (buffer >>> 24);
                p += 4;
                buffer >>>= 32;
                filled -= 32;
            }
        }
        bitBuffer = buffer;
        bitCount = filled;
        pos = p;
        bits(codes[END_OF_BLOCK], lengths[END_OF_BLOCK]);
    }

    /** A stored block: the bytes as they are (where no code makes them shorter, e.g. noise). */
    private void stored(byte[] data, int start, int end, boolean last) {
        int length = end - start;
        ensure(length + 16);
        bits(last ? 1 : 0, 1);
        bits(0, 2);
        alignToByte();
        out[pos++] = (byte) length;
        out[pos++] = (byte) (length >>> 8);
        out[pos++] = (byte) ~length;
        out[pos++] = (byte) (~length >>> 8);
        System.arraycopy(data, start, out, pos, length);
        pos += length;
    }

    private void bits(int value, int n) {
        bitBuffer |= ((long) value) << bitCount;
        bitCount += n;
        while (bitCount >= 8) {
            out[pos++] = (byte) bitBuffer;
            bitBuffer >>>= 8;
            bitCount -= 8;
        }
    }

    private void alignToByte() {
        if (bitCount > 0) bits(0, 8 - bitCount);
    }

    private void ensure(int more) {
        if (pos + more + 8 > out.length) out = Arrays.copyOf(out, Math.max(out.length * 2, pos + more + 8));
    }

    /**
     * Huffman code lengths of at most {@code maxBits} for the symbols' frequencies; at least two symbols get a code (as
     * zlib does: some inflaters refuse a code of one symbol). Where the Huffman code is longer than allowed (very skewed
     * frequencies), the frequencies are halved (rounding up, so none vanishes) until it is not: a little longer than an
     * optimal length-limited code, and only for such data.
     */
    static int[] codeLengths(int[] frequencies, int maxBits) {
        int n = frequencies.length;
        long[] weight = new long[n];
        int used = 0;
        for (int s = 0; s < n; s++) {
            weight[s] = frequencies[s];
            if (weight[s] > 0) used++;
        }
        for (int s = 0; s < n && used < 2; s++) {
            if (weight[s] == 0) {
                weight[s] = 1;
                used++;
            }
        }
        int[] lengths = new int[n];
        while (true) {
            huffmanLengths(weight, lengths);
            int longest = 0;
            for (int l : lengths) longest = Math.max(longest, l);
            if (longest <= maxBits) return lengths;
            for (int s = 0; s < n; s++) if (weight[s] > 0) weight[s] = (weight[s] + 1) / 2;
        }
    }

    /** Huffman's construction by two queues over the symbols sorted by weight (leaves, then merged nodes in order). */
    private static void huffmanLengths(long[] weight, int[] lengths) {
        int n = weight.length;
        Arrays.fill(lengths, 0);
        long[] sortable = new long[n];
        int m = 0;
        for (int s = 0; s < n; s++) if (weight[s] > 0) sortable[m++] = (weight[s] << 16) | s; // weights < 2^47
        Arrays.sort(sortable, 0, m);
        long[] nodeWeight = new long[2 * m - 1];
        int[] parent = new int[2 * m - 1];
        for (int i = 0; i < m; i++) nodeWeight[i] = sortable[i] >>> 16;
        int leaf = 0, merged = m, next = m;
        for (int k = 0; k < m - 1; k++) {
            int a = leaf < m && (merged >= next || nodeWeight[leaf] <= nodeWeight[merged]) ? leaf++ : merged++;
            int b = leaf < m && (merged >= next || nodeWeight[leaf] <= nodeWeight[merged]) ? leaf++ : merged++;
            nodeWeight[next] = nodeWeight[a] + nodeWeight[b];
            parent[a] = next;
            parent[b] = next;
            next++;
        }
        int[] depth = new int[2 * m - 1];
        for (int i = next - 2; i >= 0; i--) depth[i] = depth[parent[i]] + 1;
        for (int i = 0; i < m; i++) lengths[(int) (sortable[i] & 0xffff)] = depth[i];
    }

    /** The canonical code of each length (RFC 1951, 3.2.2), bit-reversed as Deflate sends codes (first bit lowest). */
    static int[] canonicalCodes(int[] lengths) {
        int[] perLength = new int[MAX_CODE_BITS + 1];
        for (int l : lengths) perLength[l]++;
        perLength[0] = 0;
        int[] nextCode = new int[MAX_CODE_BITS + 1];
        int code = 0;
        for (int bits = 1; bits <= MAX_CODE_BITS; bits++) {
            code = (code + perLength[bits - 1]) << 1;
            nextCode[bits] = code;
        }
        int[] codes = new int[lengths.length];
        for (int s = 0; s < lengths.length; s++) {
            int l = lengths[s];
            if (l != 0) codes[s] = Integer.reverse(nextCode[l]++) >>> (32 - l);
        }
        return codes;
    }
}
