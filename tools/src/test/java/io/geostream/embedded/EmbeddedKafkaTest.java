package io.geostream.embedded;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ExecutionException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class EmbeddedKafkaTest {
    private static EmbeddedKafka kafka;

    @BeforeAll
    static void startBroker() {
        kafka = EmbeddedKafka.start(EmbeddedKafka.Options.defaults());
    }

    @AfterAll
    static void stopBroker() {
        if (kafka != null) {
            kafka.close();
        }
    }

    @Test
    void readCommittedSeesOnlyTheCommittedTransaction() throws Exception {
        kafka.createTopics(Map.of("tx-topic", 2));

        Properties producerProps = kafka.clientProperties();
        producerProps.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "tx-" + UUID.randomUUID());
        producerProps.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, EmbeddedKafka.TRANSACTION_MAX_TIMEOUT_MS);
        try (KafkaProducer<String, String> producer =
                     new KafkaProducer<>(producerProps, new StringSerializer(), new StringSerializer())) {
            producer.initTransactions();
            producer.beginTransaction();
            for (int i = 0; i < 10; i++) {
                producer.send(new ProducerRecord<>("tx-topic", "k" + i, "committed-" + i));
            }
            producer.commitTransaction();
            producer.beginTransaction();
            for (int i = 0; i < 3; i++) {
                producer.send(new ProducerRecord<>("tx-topic", "k" + i, "aborted-" + i));
            }
            producer.flush();
            producer.abortTransaction();
        }

        Properties consumerProps = kafka.clientProperties();
        consumerProps.put(ConsumerConfig.GROUP_ID_CONFIG, "reader-" + UUID.randomUUID());
        consumerProps.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        consumerProps.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        List<String> values = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer =
                     new KafkaConsumer<>(consumerProps, new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(List.of("tx-topic"));
            long deadline = System.currentTimeMillis() + 30_000;
            // Poll past the point where all 10 arrived, so that a leaked aborted record would show up too.
            int emptyPollsAfterTen = 0;
            while (System.currentTimeMillis() < deadline && emptyPollsAfterTen < 2) {
                var records = consumer.poll(Duration.ofMillis(300));
                records.forEach(r -> values.add(r.value()));
                if (values.size() >= 10 && records.isEmpty()) {
                    emptyPollsAfterTen++;
                }
            }
            assertThat(consumer.assignment()).hasSize(2);
        }
        assertThat(values).hasSize(10).allMatch(v -> v.startsWith("committed-"));
        assertThat(values).containsExactlyInAnyOrder(
                "committed-0", "committed-1", "committed-2", "committed-3", "committed-4",
                "committed-5", "committed-6", "committed-7", "committed-8", "committed-9");
    }

    @Test
    void twoMebibyteRecordFitsWhenTheTopicAllowsIt() throws Exception {
        int fourMiB = 4 * 1024 * 1024;
        kafka.createTopics(Map.of("big-topic", 1, "small-topic", 1),
                Map.of("big-topic", Map.of("max.message.bytes", Integer.toString(fourMiB)),
                        "small-topic", Map.of("max.message.bytes", Integer.toString(1024 * 1024))));
        byte[] payload = new byte[2 * 1024 * 1024];
        for (int i = 0; i < payload.length; i++) {
            payload[i] = (byte) (i * 31);
        }

        Properties producerProps = kafka.clientProperties();
        producerProps.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, fourMiB);
        producerProps.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "none");
        try (KafkaProducer<byte[], byte[]> producer =
                     new KafkaProducer<>(producerProps, new ByteArraySerializer(), new ByteArraySerializer())) {
            RecordMetadata written = producer.send(new ProducerRecord<>("big-topic", payload)).get();
            assertThat(written.serializedValueSize()).isEqualTo(payload.length);
            // The broker, not the client, enforces the smaller topic's limit.
            assertThatThrownBy(() -> producer.send(new ProducerRecord<>("small-topic", payload)).get())
                    .isInstanceOf(ExecutionException.class)
                    .hasCauseInstanceOf(RecordTooLargeException.class);
        }

        Properties consumerProps = kafka.clientProperties();
        consumerProps.put(ConsumerConfig.GROUP_ID_CONFIG, "big-" + UUID.randomUUID());
        consumerProps.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        consumerProps.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, fourMiB);
        try (KafkaConsumer<byte[], byte[]> consumer =
                     new KafkaConsumer<>(consumerProps, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of("big-topic"));
            byte[] read = null;
            long deadline = System.currentTimeMillis() + 30_000;
            while (read == null && System.currentTimeMillis() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(300))) {
                    read = r.value();
                }
            }
            assertThat(read).isEqualTo(payload);
        }
    }

    @Test
    void createTopicsRejectsBadArgumentsAndToleratesExistingTopics() {
        assertThatThrownBy(() -> kafka.createTopics(Map.of()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least one topic");
        assertThatThrownBy(() -> kafka.createTopics(Map.of("zero", 0)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least 1 partition");
        assertThatThrownBy(() -> kafka.createTopics(Map.of("a", 1), Map.of("b", Map.of())))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not being created");
        assertThatThrownBy(() -> EmbeddedKafka.Options.defaults().brokerProperty("listeners", "x"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("cannot be overridden");
        kafka.createTopics(Map.of("twice", 1));
        kafka.createTopics(Map.of("twice", 1));
        assertThat(kafka.bootstrapServers()).startsWith("127.0.0.1:");
    }

    @Test
    void closeFreesThePortAndKeepsAGivenDataDirForARestart(@TempDir Path dir) throws Exception {
        Path dataDir = dir.resolve("kafka");
        int port;
        try (EmbeddedKafka first = EmbeddedKafka.start(EmbeddedKafka.Options.defaults().dataDir(dataDir))) {
            port = Integer.parseInt(first.bootstrapServers().substring(first.bootstrapServers().lastIndexOf(':') + 1));
            first.createTopics(Map.of("kept", 3));
            first.close();
            first.close(); // idempotent
            assertThat(isListening(port)).isFalse();
        }
        assertThat(dataDir.resolve("meta.properties")).exists();

        // Same port and same data directory: the port was released and the storage is reused, not reformatted.
        try (EmbeddedKafka second = EmbeddedKafka.start(
                EmbeddedKafka.Options.defaults().dataDir(dataDir).brokerPort(port))) {
            assertThat(second.bootstrapServers()).isEqualTo("127.0.0.1:" + port);
            try (var admin = org.apache.kafka.clients.admin.Admin.create(second.clientProperties())) {
                assertThat(admin.describeTopics(List.of("kept")).allTopicNames().get().get("kept").partitions())
                        .hasSize(3);
            }
        }
        assertThat(dataDir).exists();
    }

    @Test
    void temporaryDataDirIsDeletedOnClose() {
        EmbeddedKafka temp = EmbeddedKafka.start(EmbeddedKafka.Options.defaults());
        Path dir = temp.dataDir();
        assertThat(Files.isDirectory(dir)).isTrue();
        temp.close();
        assertThat(dir).doesNotExist();
        assertThatThrownBy(() -> temp.createTopics(Map.of("late", 1)))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
    }

    private static boolean isListening(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * The chaos scenario's broker outage: a transaction with records sent is open when the broker stops; after the
     * restart on the same port and data directory the same producer commits it, and a read_committed reader sees it
     * and the transaction committed before the stop, once each.
     */
    @Test
    void stopAndRestartKeepPortDataAndAnOpenTransaction(@TempDir Path dir) throws Exception {
        try (EmbeddedKafka node = EmbeddedKafka.start(EmbeddedKafka.Options.defaults().dataDir(dir))) {
            String bootstrap = node.bootstrapServers();
            node.createTopics(Map.of("outage", 1));
            Properties producerProps = node.clientProperties();
            producerProps.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "outage-tx");
            producerProps.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 60_000);
            try (KafkaProducer<String, String> producer =
                         new KafkaProducer<>(producerProps, new StringSerializer(), new StringSerializer())) {
                producer.initTransactions();
                producer.beginTransaction();
                producer.send(new ProducerRecord<>("outage", "k", "before-stop"));
                producer.commitTransaction();
                producer.beginTransaction();
                producer.send(new ProducerRecord<>("outage", "k", "open-across-the-stop")).get();

                node.stop();
                assertThat(node.isRunning()).isFalse();
                int port = Integer.parseInt(bootstrap.substring(bootstrap.lastIndexOf(':') + 1));
                assertThatThrownBy(() -> new Socket().connect(new InetSocketAddress("127.0.0.1", port), 1000))
                        .isInstanceOf(IOException.class);
                node.restart();
                assertThat(node.bootstrapServers()).isEqualTo(bootstrap);
                producer.commitTransaction();
            }
            assertThatThrownBy(node::restart).isInstanceOf(IllegalStateException.class).hasMessageContaining("running");

            Properties consumerProps = node.clientProperties();
            consumerProps.put(ConsumerConfig.GROUP_ID_CONFIG, "outage-reader");
            consumerProps.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
            consumerProps.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
            List<String> values = new ArrayList<>();
            try (KafkaConsumer<String, String> consumer =
                         new KafkaConsumer<>(consumerProps, new StringDeserializer(), new StringDeserializer())) {
                consumer.subscribe(List.of("outage"));
                long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                while (values.size() < 2 && System.nanoTime() < deadline) {
                    for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) values.add(r.value());
                }
            }
            assertThat(values).containsExactly("before-stop", "open-across-the-stop");
        }
    }
}
