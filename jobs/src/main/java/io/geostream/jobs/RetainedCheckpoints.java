package io.geostream.jobs;

import org.apache.flink.core.fs.FileStatus;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.Path;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The checkpoints a job left in its checkpoint directory ({@code <dir>/<job id>/chk-N}), to resume from after a crash.
 * A checkpoint is complete once Flink has written its {@code _metadata} file (the last thing it writes); a
 * {@code chk-N} without one was in flight when the job died and cannot be restored. Read through Flink's file
 * systems, so any scheme the process has a file system for (local paths, {@code file://}, {@code s3://} with the
 * plugin) works.
 */
public final class RetainedCheckpoints {
    private static final Pattern CHK = Pattern.compile("chk-(\\d+)");
    private static final String METADATA = "_metadata";

    /** A complete checkpoint: its {@code chk-N} directory, N, and when its metadata was written. */
    public record Checkpoint(Path directory, long id, long metadataWrittenMillis) {}

    private RetainedCheckpoints() {}

    /**
     * The newest complete checkpoint under {@code dir}: the {@code chk-N} directories in {@code dir} itself (a job's
     * checkpoint directory) and in its sub-directories (the job-id directories of a checkpoint root such as
     * {@code execution.checkpointing.dir}). Newest = latest {@code _metadata} write, then highest N, so a job resumed
     * from a checkpoint (a new job id whose ids start again) wins over the job it resumed.
     *
     * @throws IOException if {@code dir} cannot be listed or does not exist
     */
    public static Optional<Checkpoint> latest(String dir) throws IOException {
        Path root = new Path(dir);
        FileSystem fs = root.getFileSystem();
        if (!fs.exists(root)) throw new IOException("checkpoint directory not found: " + dir);
        List<Checkpoint> found = new ArrayList<>();
        collect(fs, root, found);
        FileStatus[] children = fs.listStatus(root);
        if (children != null) {
            for (FileStatus child : children) {
                if (child.isDir() && !CHK.matcher(child.getPath().getName()).matches()) collect(fs, child.getPath(), found);
            }
        }
        return found.stream().max(Comparator.comparingLong(Checkpoint::metadataWrittenMillis).thenComparingLong(Checkpoint::id));
    }

    /** Adds the complete {@code chk-N} directories directly in {@code dir}. */
    private static void collect(FileSystem fs, Path dir, List<Checkpoint> found) throws IOException {
        FileStatus[] entries = fs.listStatus(dir);
        if (entries == null) return;
        for (FileStatus e : entries) {
            Matcher m = CHK.matcher(e.getPath().getName());
            if (!e.isDir() || !m.matches()) continue;
            Path metadata = new Path(e.getPath(), METADATA);
            FileStatus status;
            try {
                status = fs.getFileStatus(metadata);
            } catch (java.io.FileNotFoundException gone) {
                continue; // in flight (no metadata yet), or subsumed and deleted by the running job since the listing
            }
            if (status.getLen() == 0) continue; // created, not yet written
            found.add(new Checkpoint(e.getPath(), Long.parseLong(m.group(1)), status.getModificationTime()));
        }
    }
}
