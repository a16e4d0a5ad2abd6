package io.geostream.operators.sink;

import io.geostream.records.OutputRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class OutputRecordSerializerTest {

    private final OutputRecordSerializer serializer = new OutputRecordSerializer("g", "s", "d", "c");

    @Test
    void routesByKind() {
        assertThat(serializer.serialize(new OutputRecord(OutputRecord.Kind.GEOMETRY, null, new byte[1]), null, 1L).topic()).isEqualTo("g");
        assertThat(serializer.serialize(new OutputRecord(OutputRecord.Kind.SEGMENT, null, new byte[1]), null, 1L).topic()).isEqualTo("s");
        assertThat(serializer.serialize(new OutputRecord(OutputRecord.Kind.DEAD_LETTER, null, new byte[1]), null, 1L).topic()).isEqualTo("d");
        assertThat(serializer.serialize(new OutputRecord(OutputRecord.Kind.CORRECTION, null, new byte[1]), null, 1L).topic()).isEqualTo("c");
    }

    @Test
    void neverStampsCaptureTimeOnTheRecord() {
        // A capture time from 2023 as record timestamp made the broker's 7-day retention delete committed
        // output about 30 s after the broker started (its first retention check). Wall-clock it is.
        long captureMillis = 1_700_000_000_000L;
        ProducerRecord<byte[], byte[]> r = serializer.serialize(
                new OutputRecord(OutputRecord.Kind.GEOMETRY, "cam".getBytes(), new byte[] {1}), null, captureMillis);
        assertThat(r.timestamp()).isNull();
        assertThat(r.key()).isEqualTo("cam".getBytes());
    }
}
