package io.geostream.jobs;

import io.geostream.records.RawRecord;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.source.Boundedness;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.api.connector.source.SourceReader;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.api.connector.source.SplitEnumerator;
import org.apache.flink.api.connector.source.SplitEnumeratorContext;
import org.apache.flink.api.connector.source.lib.util.IteratorSourceReader;
import org.apache.flink.api.connector.source.lib.util.IteratorSourceSplit;
import org.apache.flink.api.java.typeutils.ResultTypeQueryable;
import org.apache.flink.core.io.SimpleVersionedSerializer;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;

/**
 * A bounded Flink {@link Source} of {@link RawRecord}s held in memory, laid out like a Kafka topic: numbered
 * partitions, each an ordered list of records with consecutive offsets. One split per partition; a reader
 * subtask {@code s} reads the partitions {@code p} with {@code p % parallelism == s}, each in order, so the
 * records of one partition (one key, as a Kafka producer would place them) reach the job in order. Records are
 * kept in the source object itself (Java-serialised with the job), so no state is shared with the test.
 *
 * <p>Checkpoints store each unfinished partition and its next position: restored, a reader resumes where it was.
 */
public final class RawRecordListSource implements Source<RawRecord, RawRecordListSource.PartitionSplit,
        Collection<RawRecordListSource.PartitionSplit>>, ResultTypeQueryable<RawRecord> {
    private static final long serialVersionUID = 1L;

    /** A serialisable copy of one record (RawRecord is a POJO, not Serializable). */
    private record Entry(String topic, int partition, long offset, long timestamp, byte[] key, byte[] value) implements Serializable {
        RawRecord toRaw() {
            return new RawRecord(topic, partition, offset, timestamp, key == null ? null : key.clone(), value == null ? null : value.clone());
        }
    }

    private final List<List<Entry>> partitions;

    private RawRecordListSource(List<List<Entry>> partitions) {
        this.partitions = partitions;
    }

    /** Starts a topic {@code topic} with {@code partitionCount} empty partitions. */
    public static Builder builder(String topic, int partitionCount) {
        return new Builder(topic, partitionCount);
    }

    /** Appends records to partitions, Kafka style: offsets count up from 0 per partition. */
    public static final class Builder {
        private final String topic;
        private final List<List<Entry>> partitions = new ArrayList<>();
        private final List<RawRecord> all = new ArrayList<>();

        private Builder(String topic, int partitionCount) {
            if (partitionCount < 1) throw new IllegalArgumentException("need at least one partition, got " + partitionCount);
            this.topic = topic;
            for (int i = 0; i < partitionCount; i++) partitions.add(new ArrayList<>());
        }

        /** Appends {@code value} (key {@code key}, UTF-8) to {@code partition}; returns the record as the job will read it. */
        public RawRecord add(int partition, String key, byte[] value) {
            List<Entry> p = partitions.get(partition);
            long offset = p.size();
            Entry e = new Entry(topic, partition, offset, 1_000L + offset,
                    key == null ? null : key.getBytes(StandardCharsets.UTF_8), value);
            p.add(e);
            RawRecord r = e.toRaw();
            all.add(r);
            return r;
        }

        /** Appends to the partition of {@code key} (a fixed hash of the key, as a Kafka producer's partitioner would). */
        public RawRecord addKeyed(String key, byte[] value) {
            int partition = Math.floorMod(Arrays.hashCode(key.getBytes(StandardCharsets.UTF_8)), partitions.size());
            return add(partition, key, value);
        }

        /** Every record added so far, in the order added. */
        public List<RawRecord> records() {
            return List.copyOf(all);
        }

        public RawRecordListSource build() {
            List<List<Entry>> copy = new ArrayList<>();
            partitions.forEach(p -> copy.add(List.copyOf(p)));
            return new RawRecordListSource(List.copyOf(copy));
        }
    }

    @Override
    public Boundedness getBoundedness() {
        return Boundedness.BOUNDED;
    }

    @Override
    public TypeInformation<RawRecord> getProducedType() {
        return TypeInformation.of(RawRecord.class);
    }

    @Override
    public SourceReader<RawRecord, PartitionSplit> createReader(SourceReaderContext readerContext) {
        return new IteratorSourceReader<>(readerContext);
    }

    @Override
    public SplitEnumerator<PartitionSplit, Collection<PartitionSplit>> createEnumerator(SplitEnumeratorContext<PartitionSplit> context) {
        List<PartitionSplit> splits = new ArrayList<>();
        for (int p = 0; p < partitions.size(); p++) splits.add(new PartitionSplit(p, 0, partitions.get(p)));
        return new Enumerator(context, splits);
    }

    @Override
    public SplitEnumerator<PartitionSplit, Collection<PartitionSplit>> restoreEnumerator(SplitEnumeratorContext<PartitionSplit> context,
                                                                                         Collection<PartitionSplit> checkpoint) {
        return new Enumerator(context, checkpoint);
    }

    @Override
    public SimpleVersionedSerializer<PartitionSplit> getSplitSerializer() {
        return new SplitSerializer(partitions);
    }

    @Override
    public SimpleVersionedSerializer<Collection<PartitionSplit>> getEnumeratorCheckpointSerializer() {
        return new CheckpointSerializer(new SplitSerializer(partitions));
    }

    /** The rest of one partition: its records from {@code position} on. */
    public static final class PartitionSplit implements IteratorSourceSplit<RawRecord, PartitionIterator> {
        private final int partition;
        private final int position;
        private final List<Entry> records;

        PartitionSplit(int partition, int position, List<Entry> records) {
            this.partition = partition;
            this.position = position;
            this.records = records;
        }

        @Override
        public String splitId() {
            return "partition-" + partition;
        }

        @Override
        public PartitionIterator getIterator() {
            return new PartitionIterator(records, position);
        }

        @Override
        public IteratorSourceSplit<RawRecord, PartitionIterator> getUpdatedSplitForIterator(PartitionIterator iterator) {
            return new PartitionSplit(partition, iterator.position, records);
        }

        @Override
        public String toString() {
            return splitId() + "@" + position + "/" + records.size();
        }
    }

    /** Iterates over a partition's records and knows its position (for checkpoints). */
    public static final class PartitionIterator implements Iterator<RawRecord> {
        private final List<Entry> records;
        private int position;

        PartitionIterator(List<Entry> records, int position) {
            this.records = records;
            this.position = position;
        }

        @Override
        public boolean hasNext() {
            return position < records.size();
        }

        @Override
        public RawRecord next() {
            if (!hasNext()) throw new NoSuchElementException();
            return records.get(position++).toRaw();
        }
    }

    /** Hands partition {@code p} only to reader subtask {@code p % parallelism}, one split per request. */
    private static final class Enumerator implements SplitEnumerator<PartitionSplit, Collection<PartitionSplit>> {
        private final SplitEnumeratorContext<PartitionSplit> context;
        private final List<PartitionSplit> remaining;

        Enumerator(SplitEnumeratorContext<PartitionSplit> context, Collection<PartitionSplit> splits) {
            this.context = context;
            this.remaining = new ArrayList<>(splits);
        }

        @Override
        public void start() {}

        @Override
        public void handleSplitRequest(int subtaskId, String requesterHostname) {
            int parallelism = context.currentParallelism();
            for (Iterator<PartitionSplit> it = remaining.iterator(); it.hasNext(); ) {
                PartitionSplit s = it.next();
                if (s.partition % parallelism == subtaskId) {
                    it.remove();
                    context.assignSplit(s, subtaskId);
                    return;
                }
            }
            context.signalNoMoreSplits(subtaskId);
        }

        @Override
        public void addSplitsBack(List<PartitionSplit> splits, int subtaskId) {
            remaining.addAll(splits);
        }

        @Override
        public void addReader(int subtaskId) {
            // Readers ask for splits themselves (IteratorSourceReader requests one whenever it has none).
        }

        @Override
        public Collection<PartitionSplit> snapshotState(long checkpointId) {
            return new ArrayList<>(remaining);
        }

        @Override
        public void close() {}
    }

    /** A split as (partition, position); the records come from the source the serializer was made by. */
    private static final class SplitSerializer implements SimpleVersionedSerializer<PartitionSplit> {
        private final List<List<Entry>> partitions;

        SplitSerializer(List<List<Entry>> partitions) {
            this.partitions = partitions;
        }

        @Override
        public int getVersion() {
            return 1;
        }

        @Override
        public byte[] serialize(PartitionSplit split) throws IOException {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try (DataOutputStream out = new DataOutputStream(bytes)) {
                out.writeInt(split.partition);
                out.writeInt(split.position);
            }
            return bytes.toByteArray();
        }

        @Override
        public PartitionSplit deserialize(int version, byte[] serialized) throws IOException {
            if (version != 1) throw new IOException("unknown split version " + version);
            try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(serialized))) {
                int partition = in.readInt();
                return new PartitionSplit(partition, in.readInt(), partitions.get(partition));
            }
        }
    }

    private static final class CheckpointSerializer implements SimpleVersionedSerializer<Collection<PartitionSplit>> {
        private final SplitSerializer splits;

        CheckpointSerializer(SplitSerializer splits) {
            this.splits = splits;
        }

        @Override
        public int getVersion() {
            return 1;
        }

        @Override
        public byte[] serialize(Collection<PartitionSplit> checkpoint) throws IOException {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try (DataOutputStream out = new DataOutputStream(bytes)) {
                out.writeInt(checkpoint.size());
                for (PartitionSplit s : checkpoint) {
                    byte[] b = splits.serialize(s);
                    out.writeInt(b.length);
                    out.write(b);
                }
            }
            return bytes.toByteArray();
        }

        @Override
        public Collection<PartitionSplit> deserialize(int version, byte[] serialized) throws IOException {
            if (version != 1) throw new IOException("unknown checkpoint version " + version);
            List<PartitionSplit> out = new ArrayList<>();
            try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(serialized))) {
                int n = in.readInt();
                for (int i = 0; i < n; i++) {
                    byte[] b = new byte[in.readInt()];
                    in.readFully(b);
                    out.add(splits.deserialize(splits.getVersion(), b));
                }
            }
            return out;
        }
    }
}
