package io.geostream.map;

import io.geostream.geometry.VoxelMap;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;

class PlyWriterTest {

    @Test
    void headerIsByteExact() {
        assertThat(PlyWriter.header(3).getBytes(StandardCharsets.US_ASCII)).isEqualTo((
                "ply\n"
                        + "format binary_little_endian 1.0\n"
                        + "element vertex 3\n"
                        + "property float x\n"
                        + "property float y\n"
                        + "property float z\n"
                        + "property uchar red\n"
                        + "property uchar green\n"
                        + "property uchar blue\n"
                        + "end_header\n").getBytes(StandardCharsets.US_ASCII));
    }

    @Test
    void bodyRoundTripsThroughAnIndependentParse(@TempDir Path dir) throws Exception {
        int n = 5000; // more than one internal buffer
        float[] xyz = new float[n * 3];
        byte[] rgb = new byte[n * 3];
        for (int i = 0; i < xyz.length; i++) {
            xyz[i] = (float) Math.sin(i) * 1000f - i;
            rgb[i] = (byte) (i * 7);
        }
        Path file = dir.resolve("sub/cloud.ply");
        PlyWriter.write(new VoxelMap.Cloud(xyz, rgb), file);
        byte[] bytes = Files.readAllBytes(file);
        String header = PlyWriter.header(n);
        assertThat(new String(bytes, 0, header.length(), StandardCharsets.US_ASCII)).isEqualTo(header);
        assertThat(bytes).hasSize(header.length() + n * 15);
        ByteBuffer b = ByteBuffer.wrap(bytes, header.length(), n * 15).order(ByteOrder.LITTLE_ENDIAN);
        float[] xyzBack = new float[n * 3];
        byte[] rgbBack = new byte[n * 3];
        for (int i = 0; i < n; i++) {
            for (int k = 0; k < 3; k++) xyzBack[3 * i + k] = b.getFloat();
            for (int k = 0; k < 3; k++) rgbBack[3 * i + k] = b.get();
        }
        assertThat(xyzBack).isEqualTo(xyz);
        assertThat(rgbBack).isEqualTo(rgb);
        assertThat(Files.list(file.getParent())).containsExactly(file); // no temporary left behind
    }

    @Test
    void normalsGoBetweenPositionAndColour(@TempDir Path dir) throws Exception {
        float[] xyz = {1, 2, 3, -4, -5, -6};
        float[] normals = {0, 0, -1, 0.6f, 0.8f, 0};
        byte[] rgb = {10, 20, 30, (byte) 200, (byte) 210, (byte) 220};
        Path file = dir.resolve("n.ply");
        PlyWriter.write(new VoxelMap.Cloud(xyz, rgb, normals), file);
        byte[] bytes = Files.readAllBytes(file);
        String header = PlyWriter.header(2, true);
        assertThat(header).contains("property float z\nproperty float nx\nproperty float ny\nproperty float nz\nproperty uchar red\n");
        assertThat(new String(bytes, 0, header.length(), StandardCharsets.US_ASCII)).isEqualTo(header);
        assertThat(bytes).hasSize(header.length() + 2 * PlyWriter.VERTEX_BYTES_WITH_NORMALS);
        ByteBuffer b = ByteBuffer.wrap(bytes, header.length(), 2 * 27).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < 2; i++) {
            for (int k = 0; k < 3; k++) assertThat(b.getFloat()).isEqualTo(xyz[3 * i + k]);
            for (int k = 0; k < 3; k++) assertThat(b.getFloat()).isEqualTo(normals[3 * i + k]);
            for (int k = 0; k < 3; k++) assertThat(b.get()).isEqualTo(rgb[3 * i + k]);
        }
    }

    @Test
    void emptyCloudIsAValidFile() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PlyWriter.write(new VoxelMap.Cloud(new float[0], new byte[0]), out);
        assertThat(Arrays.equals(out.toByteArray(), PlyWriter.header(0).getBytes(StandardCharsets.US_ASCII))).isTrue();
    }
}
