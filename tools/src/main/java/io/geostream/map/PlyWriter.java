package io.geostream.map;

import io.geostream.geometry.VoxelMap;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Binary little-endian PLY point clouds with colour (x y z float, red green blue uchar), and normals when the cloud
 * has them (x y z nx ny nz float, then the colour), the layout Open3D, MeshLab and CloudCompare all read. Files are
 * written to a temporary sibling and moved into place, so a reader never sees half a snapshot.
 */
public final class PlyWriter {
    /** Bytes per vertex: three floats and three unsigned bytes. */
    public static final int VERTEX_BYTES = 15;
    /** Bytes per vertex with normals: six floats and three unsigned bytes. */
    public static final int VERTEX_BYTES_WITH_NORMALS = 27;

    private PlyWriter() {
    }

    /** The ASCII header for {@code vertexCount} vertices, ending with {@code end_header\n}. */
    public static String header(int vertexCount) {
        return header(vertexCount, false);
    }

    /** The ASCII header for {@code vertexCount} vertices, with normals or not, ending with {@code end_header\n}. */
    public static String header(int vertexCount, boolean normals) {
        return "ply\n"
                + "format binary_little_endian 1.0\n"
                + "element vertex " + vertexCount + "\n"
                + "property float x\n"
                + "property float y\n"
                + "property float z\n"
                + (normals ? "property float nx\nproperty float ny\nproperty float nz\n" : "")
                + "property uchar red\n"
                + "property uchar green\n"
                + "property uchar blue\n"
                + "end_header\n";
    }

    /** Writes {@code cloud} to {@code out} (header and body). */
    public static void write(VoxelMap.Cloud cloud, OutputStream out) throws IOException {
        int n = cloud.size();
        float[] normals = cloud.normals();
        int vertexBytes = normals == null ? VERTEX_BYTES : VERTEX_BYTES_WITH_NORMALS;
        out.write(header(n, normals != null).getBytes(StandardCharsets.US_ASCII));
        ByteBuffer buf = ByteBuffer.allocate(vertexBytes * 4096).order(ByteOrder.LITTLE_ENDIAN);
        float[] xyz = cloud.xyz();
        byte[] rgb = cloud.rgb();
        for (int i = 0; i < n; i++) {
            if (buf.remaining() < vertexBytes) {
                out.write(buf.array(), 0, buf.position());
                buf.clear();
            }
            buf.putFloat(xyz[3 * i]).putFloat(xyz[3 * i + 1]).putFloat(xyz[3 * i + 2]);
            if (normals != null) buf.putFloat(normals[3 * i]).putFloat(normals[3 * i + 1]).putFloat(normals[3 * i + 2]);
            buf.put(rgb[3 * i]).put(rgb[3 * i + 1]).put(rgb[3 * i + 2]);
        }
        out.write(buf.array(), 0, buf.position());
    }

    /** Writes {@code cloud} to {@code file} atomically (temporary sibling, then a move). */
    public static void write(VoxelMap.Cloud cloud, Path file) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = dir.resolve(file.getFileName() + ".tmp");
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 16)) {
            write(cloud, out);
        }
        moveIntoPlace(tmp, file);
    }

    /** Replaces {@code target} by {@code tmp}, atomically where the file system allows. */
    public static void moveIntoPlace(Path tmp, Path target) throws IOException {
        try {
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
