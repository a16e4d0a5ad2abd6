package io.geostream.load;

import io.geostream.avro.FrameEvent;
import io.geostream.avro.FrameImage;
import io.geostream.avro.GeometryFrame;
import io.geostream.avro.ImageEncoding;
import io.geostream.model.ModelInfo;
import io.geostream.operators.sink.DrainingKeyedProcessOperator;
import io.geostream.operators.sink.GeometryFrameWriter;
import io.geostream.records.OutputRecord;
import io.geostream.records.RawRecord;
import io.geostream.schemas.SingleObjectCodec;
import io.geostream.storage.LocalDirectoryObjectStore;
import io.geostream.storage.ObjectStore;
import io.geostream.storage.StorageSettings;
import io.geostream.testing.StitchedFrames;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The benchmark's I/O-only job is the ceiling the whole job is measured against, so it must put what the whole job puts:
 * every object of a frame (the payloads and the frame.json sidecar), of the same sizes, with the same object metadata.
 */
class IoOnlyJobTest {

    @TempDir
    Path dir;

    @Test
    void putsEveryObjectOfAFrameThatTheWholeJobPutsWithItsMetadata() throws Exception {
        Path jobDir = dir.resolve("job"), ioDir = dir.resolve("io-only");
        GeometryFrame record;
        Map<String, Map<String, String>> jobObjects;
        try (LocalDirectoryObjectStore store = new LocalDirectoryObjectStore(jobDir)) {
            record = new GeometryFrameWriter(store, new ModelInfo("simulated", "1", true))
                    .write(StitchedFrames.patterned("cam-1", 0, 0, 0, 32, 24, 1_700_000_000_000L, true), 0);
            jobObjects = objectsByName(store);
        }
        byte[] template = SingleObjectCodec.geometryFrames().encode(record);
        Map<String, Integer> sizes = PipelineBench.payloadSizes(StorageSettings.local(jobDir), template);
        assertThat(sizes.keySet()).containsExactlyInAnyOrderElementsOf(jobObjects.keySet()).contains("frame.json");

        int batch = 2;
        var function = new IoOnlyJob.WritePayloads(StorageSettings.local(ioDir), new LinkedHashMap<>(sizes), template, batch);
        try (var h = new KeyedOneInputStreamOperatorTestHarness<>(new DrainingKeyedProcessOperator<>(function),
                (RawRecord r) -> new String(r.key, StandardCharsets.UTF_8), Types.STRING)) {
            h.open();
            for (int i = 0; i < batch; i++) h.processElement(new StreamRecord<>(raw("cam-1", i)));
            h.prepareSnapshotPreBarrier(1); // the draining operator emits every frame whose puts are done
            assertThat(h.extractOutputValues()).hasSize(batch).allMatch(o -> o.kind == OutputRecord.Kind.GEOMETRY);
        }
        try (LocalDirectoryObjectStore store = new LocalDirectoryObjectStore(ioDir)) {
            Map<String, Map<String, String>> ioObjects = objectsByName(store);
            assertThat(ioObjects).isEqualTo(jobObjects);
            assertThat(store.list("")).hasSize(batch * jobObjects.size());
            for (String key : store.list("")) {
                String name = key.substring(key.lastIndexOf('/') + 1);
                assertThat(store.get(key)).as(name).hasSize(sizes.get(name));
            }
        }
    }

    /** File name -> object metadata of the objects of one frame in {@code store} (the first of each name). */
    private static Map<String, Map<String, String>> objectsByName(ObjectStore store) throws Exception {
        Map<String, Map<String, String>> out = new TreeMap<>();
        for (String key : store.list("")) out.putIfAbsent(key.substring(key.lastIndexOf('/') + 1), store.metadata(key));
        return out;
    }

    private static RawRecord raw(String stream, long index) {
        FrameEvent e = FrameEvent.newBuilder().setStreamId(stream).setFrameIndex(index).setCaptureTimeMicros(1_000_000 * index)
                .setEndOfStream(false)
                .setImage(FrameImage.newBuilder().setEncoding(ImageEncoding.PNG).setWidth(4).setHeight(3)
                        .setData(ByteBuffer.wrap(new byte[] {1, 2, 3})).setRef(null).build())
                .build();
        return new RawRecord("frames", 0, index, 0, stream.getBytes(StandardCharsets.UTF_8), SingleObjectCodec.frameEvents().encode(e));
    }
}
